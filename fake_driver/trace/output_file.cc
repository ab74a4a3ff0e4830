#include "fake_driver/trace/output_file.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

namespace nvprobe::fakedrv {
namespace {

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string BaseOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Status CannotWrite(const std::string& path, const std::string& why) {
  return InvalidArgumentError("cannot write " + path + ": " + why);
}

Status CannotWrite(const std::string& path, int err) { return CannotWrite(path, std::strerror(err)); }

// With a file-size limit (ulimit -f), a write past it raises SIGXFSZ, which
// would end the process with the temporary file half written; ignored, the
// write fails with EFBIG and is reported.
class IgnoreSigxfsz {
 public:
  IgnoreSigxfsz() {
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGXFSZ, &ign, &old_);
  }
  ~IgnoreSigxfsz() { sigaction(SIGXFSZ, &old_, nullptr); }

 private:
  struct sigaction old_ {};
};

}  // namespace

Status CheckOutputPath(const std::string& path) {
  if (path.empty()) return CannotWrite("\"\"", "empty path");
  const std::string dir = DirOf(path);
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) return CannotWrite(path, "directory " + dir + ": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return CannotWrite(path, dir + ": " + std::strerror(ENOTDIR));
  if (access(dir.c_str(), W_OK | X_OK) != 0)
    return CannotWrite(path, "directory " + dir + ": " + std::strerror(errno));
  if (BaseOf(path).empty() || BaseOf(path) == "." || BaseOf(path) == "..")
    return CannotWrite(path, std::strerror(EISDIR));
  if (stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return CannotWrite(path, std::strerror(EISDIR));
    if (!S_ISREG(st.st_mode))
      return CannotWrite(path, "not a regular file (the finished file would be renamed over it)");
  }
  return OkStatus();
}

bool SameFile(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  const bool ha = stat(a.c_str(), &sa) == 0, hb = stat(b.c_str(), &sb) == 0;
  if (ha && hb) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  if (ha != hb) return false;
  // Neither exists yet: the same name in the same directory.
  auto resolved = [](const std::string& p) {
    char buf[PATH_MAX];
    const std::string dir = DirOf(p);
    return (realpath(dir.c_str(), buf) != nullptr ? std::string(buf) : dir) + "/" + BaseOf(p);
  };
  return resolved(a) == resolved(b);
}

StatusOr<OutputFile> OutputFile::Create(const std::string& path) {
  std::string temp = path + ".XXXXXX";
  const int fd = mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) return CannotWrite(path, errno);
  return OutputFile(path, std::move(temp), fd);
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : path_(std::move(other.path_)), temp_(std::move(other.temp_)), fd_(other.fd_), done_(other.done_) {
  other.fd_ = -1;
  other.done_ = true;
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) close(fd_);
  if (!done_) unlink(temp_.c_str());
}

Status OutputFile::Write(std::string_view data) {
  if (fd_ < 0) return CannotWrite(path_, std::strerror(EBADF));
  IgnoreSigxfsz ignore;
  while (!data.empty()) {
    const ssize_t n = write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return CannotWrite(path_, errno);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return OkStatus();
}

Status OutputFile::Commit() {
  if (fd_ < 0) return CannotWrite(path_, std::strerror(EBADF));
  struct stat st {};
  mode_t mode;
  if (stat(path_.c_str(), &st) == 0) {
    mode = st.st_mode & 07777;
  } else {
    const mode_t mask = umask(0);
    umask(mask);
    mode = 0666 & ~mask;
  }
  if (fchmod(fd_, mode) != 0 || fsync(fd_) != 0) return CannotWrite(path_, errno);
  const int fd = fd_;
  fd_ = -1;
  if (close(fd) != 0) return CannotWrite(path_, errno);
  if (rename(temp_.c_str(), path_.c_str()) != 0) return CannotWrite(path_, errno);
  done_ = true;
  return OkStatus();
}

void OutputFile::Keep() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  done_ = true;
}

Status WriteFileAtomically(const std::string& path, std::string_view content) {
  NVPROBE_RETURN_IF_ERROR(CheckOutputPath(path));
  StatusOr<OutputFile> out = OutputFile::Create(path);
  if (!out.ok()) return out.status();
  NVPROBE_RETURN_IF_ERROR(out->Write(content));
  return out->Commit();
}

}  // namespace nvprobe::fakedrv
