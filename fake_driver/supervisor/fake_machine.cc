#include "fake_driver/supervisor/fake_machine.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <vector>

namespace nvprobe::fakedrv {
namespace {

int Depth(std::string_view path) {
  int d = 0;
  for (char c : path) d += c == '/';
  return path == "/" ? 0 : d;
}

std::string Parent(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == 0 || slash == std::string_view::npos ? "/" : std::string(path.substr(0, slash));
}

// mkdir -p, remembering what exists: a trace's files share a few directories, and
// asking the filesystem again for each is most of a replay's start-up on ext4.
Status MakeDirs(const std::string& path, std::set<std::string>& made) {
  if (path.empty() || path == "/" || made.count(path)) return OkStatus();
  NVPROBE_RETURN_IF_ERROR(MakeDirs(Parent(path), made));
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return InternalError("mkdir " + path + ": " + std::strerror(errno));
  }
  made.insert(path);
  return OkStatus();
}

Status WriteFile(const std::string& path, const std::string& content, mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return InternalError("create " + path + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n <= 0) {
      close(fd);
      return InternalError("write " + path + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  close(fd);
  return OkStatus();
}

bool StartsWithDir(std::string_view path, std::string_view dir) {
  if (dir == "/") return true;
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

// The frontend's major (kernel-open/common/inc/nv-chardev-numbers.h: NV_MAJOR_DEVICE_NUMBER).
constexpr unsigned kNvidiaMajor = 195;
// Every NVIDIA node lives under this name in /dev: nvidiactl, nvidiaN, nvidia-uvm,
// nvidia-uvm-tools, nvidia-modeset, nvidia-caps/, nvidia-nvswitchctl, ...
constexpr std::string_view kNvidiaDevPrefix = "/dev/nvidia";

// 195 and the majors of the character devices /proc/devices names nvidia*.
std::set<unsigned> NvidiaMajors() {
  std::set<unsigned> majors = {kNvidiaMajor};
  std::ifstream in("/proc/devices");
  bool chars = false;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    if (line.back() == ':') {
      chars = line == "Character devices:";
      continue;
    }
    unsigned major = 0;
    char name[64] = {};
    if (chars && std::sscanf(line.c_str(), "%u %63s", &major, name) == 2 &&
        std::strncmp(name, "nvidia", 6) == 0) {
      majors.insert(major);
    }
  }
  return majors;
}

constexpr std::string_view kDirPrefix = "fakedrv-machine-";
// A machine directory is made under this name, locked, and only then renamed to
// kDirPrefix: a directory with that name is always locked while its supervisor
// lives, so another run's clean-up cannot take it in the instant between mkdtemp
// and flock (seen with several test shards sharing /tmp from pid namespaces
// where each other's pids look dead).
constexpr std::string_view kNewDirPrefix = "fakedrv-new-";
// A kNewDirPrefix directory of a dead supervisor (killed before the rename) is
// removed once it is this old: younger, it may be one being made right now.
constexpr time_t kNewDirGraceSeconds = 60;

// Removes a tree without following any symlink in it.
void RemoveTree(const std::string& path) {
  nftw(
      path.c_str(),
      [](const char* p, const struct stat*, int, struct FTW*) { return remove(p); }, 16,
      FTW_DEPTH | FTW_PHYS);
}

// The supervisor's pid in "<prefix><pid>-XXXXXX", or 0.
pid_t OwnerPid(std::string_view name, std::string_view prefix) {
  if (name.substr(0, prefix.size()) != prefix) return 0;
  name.remove_prefix(prefix.size());
  const size_t dash = name.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash > 9 || name.size() - dash - 1 != 6) return 0;
  pid_t pid = 0;
  for (char c : name.substr(0, dash)) {
    if (c < '0' || c > '9') return 0;
    pid = pid * 10 + (c - '0');
  }
  return pid;
}

}  // namespace

int FakeMachine::RemoveStale(const std::string& parent_dir) {
  DIR* d = opendir(parent_dir.c_str());
  if (d == nullptr) return 0;
  int removed = 0;
  while (const dirent* e = readdir(d)) {
    const pid_t made = OwnerPid(e->d_name, kNewDirPrefix);
    const pid_t pid = made > 0 ? made : OwnerPid(e->d_name, kDirPrefix);
    if (pid <= 0 || pid == getpid()) continue;
    // Alive (or someone else's process, EPERM): not stale.
    if (kill(pid, 0) == 0 || errno != ESRCH) continue;
    struct stat st;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode) ||
        st.st_uid != geteuid()) {
      continue;
    }
    if (made > 0 && time(nullptr) - st.st_mtime < kNewDirGraceSeconds) continue;
    // A supervisor whose pid we cannot see (another pid namespace sharing TMPDIR)
    // still holds its lock.
    const int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) continue;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
      RemoveTree(parent_dir + "/" + e->d_name);
      ++removed;
    }
    close(fd);
  }
  closedir(d);
  return removed;
}

StatusOr<std::unique_ptr<FakeMachine>> FakeMachine::Create(const Trace& trace,
                                                           const std::string& parent_dir) {
  RemoveStale(parent_dir);
  const std::string pid = std::to_string(getpid());
  std::string made = parent_dir + "/" + std::string(kNewDirPrefix) + pid + "-XXXXXX";
  if (mkdtemp(made.data()) == nullptr) {
    return InternalError("mkdtemp in " + parent_dir + ": " + std::strerror(errno));
  }
  const int lock_fd = open(made.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    const std::string why = std::strerror(errno);
    if (lock_fd >= 0) close(lock_fd);
    rmdir(made.c_str());
    return InternalError("lock " + made + ": " + why);
  }
  const std::string tmpl = parent_dir + "/" + std::string(kDirPrefix) + pid + "-" + made.substr(made.size() - 6);
  if (syscall(SYS_renameat2, AT_FDCWD, made.c_str(), AT_FDCWD, tmpl.c_str(), RENAME_NOREPLACE) != 0) {
    const std::string why = std::strerror(errno);
    close(lock_fd);
    rmdir(made.c_str());
    return InternalError("rename " + made + " to " + tmpl + ": " + why);
  }
  std::unique_ptr<FakeMachine> m(new FakeMachine(trace, tmpl));
  m->lock_fd_ = lock_fd;
  m->root_fd_ = open(tmpl.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (m->root_fd_ < 0) return InternalError("open " + tmpl + ": " + std::strerror(errno));
  NVPROBE_RETURN_IF_ERROR(m->Materialize());
  m->nvidia_majors_ = NvidiaMajors();
  return m;
}

Status FakeMachine::Materialize() {
  std::set<std::string> made;
  for (const FileNode& n : trace_.files) {
    if (n.type == NodeType::kAbsent) continue;
    for (std::string p = Parent(n.path); Depth(p) >= kMinImpliedDepth; p = Parent(p)) {
      implied_dirs_.insert(p);
    }
    std::string host = root_ + n.path;
    switch (n.type) {
      case NodeType::kDir:
        NVPROBE_RETURN_IF_ERROR(MakeDirs(host, made));
        break;
      case NodeType::kFile:
        NVPROBE_RETURN_IF_ERROR(MakeDirs(Parent(host), made));
        NVPROBE_RETURN_IF_ERROR(WriteFile(host, n.content, n.mode ? n.mode : 0444));
        break;
      case NodeType::kCharDev: {
        NVPROBE_RETURN_IF_ERROR(MakeDirs(Parent(host), made));
        NVPROBE_RETURN_IF_ERROR(WriteFile(host, "", 0666));
        struct stat st;
        if (stat(host.c_str(), &st) != 0) return InternalError("stat " + host);
        devices_[{st.st_dev, st.st_ino}] = &n;
        break;
      }
      case NodeType::kAbsent:
        break;
    }
  }
  for (const std::string& d : implied_dirs_) NVPROBE_RETURN_IF_ERROR(MakeDirs(root_ + d, made));
  auto remember = [this](const std::string& path) -> Status {
    struct stat st;
    if (lstat((root_ + path).c_str(), &st) != 0) return InternalError("stat " + root_ + path);
    identities_[path] = {st.st_dev, st.st_ino};
    return OkStatus();
  };
  for (const FileNode& n : trace_.files) {
    if (n.type != NodeType::kAbsent) NVPROBE_RETURN_IF_ERROR(remember(n.path));
  }
  for (const std::string& d : implied_dirs_) NVPROBE_RETURN_IF_ERROR(remember(d));
  return OkStatus();
}

FakeMachine::~FakeMachine() {
  if (root_fd_ >= 0) close(root_fd_);
  RemoveTree(root_);
  if (lock_fd_ >= 0) close(lock_fd_);  // after: a half-removed tree is not stale
}

std::optional<FakePath> FakeMachine::Find(std::string_view path) const {
  if (const FileNode* n = trace_.FindFile(path)) {
    if (n->type == NodeType::kAbsent) return FakePath{ENOENT, "", n};
    return FakePath{n->open_errno, root_ + std::string(path), n};
  }
  if (implied_dirs_.count(std::string(path))) return FakePath{0, root_ + std::string(path), nullptr};
  for (const FileNode& n : trace_.files) {
    if (StartsWithDir(path, n.path) && (n.type == NodeType::kAbsent || n.type == NodeType::kDir)) {
      return FakePath{ENOENT, "", nullptr};
    }
    if (StartsWithDir(path, n.path) && n.type != NodeType::kAbsent) return FakePath{ENOTDIR, "", nullptr};
  }
  for (const std::string& d : implied_dirs_) {
    if (StartsWithDir(path, d)) return FakePath{ENOENT, "", nullptr};
  }
  if (path.substr(0, kNvidiaDevPrefix.size()) == kNvidiaDevPrefix) return FakePath{ENOENT, "", nullptr};
  return std::nullopt;
}

const FileNode* FakeMachine::DeviceByIdentity(dev_t dev, ino_t ino) const {
  auto it = devices_.find({dev, ino});
  return it == devices_.end() ? nullptr : it->second;
}

const FileNode* FakeMachine::DeviceByNumber(unsigned major, unsigned minor) const {
  for (const FileNode& n : trace_.files) {
    if (n.type == NodeType::kCharDev && n.major == major && n.minor == minor) return &n;
  }
  return nullptr;
}

bool FakeMachine::IsRealNvidiaDevice(const struct stat& st) const {
  return S_ISCHR(st.st_mode) && nvidia_majors_.count(major(st.st_rdev)) != 0;
}

int FakeMachine::OpenPathChecked(std::string_view path) const {
  auto it = identities_.find(path);
  if (it == identities_.end() || path.empty() || path[0] != '/') return -ENOENT;
  std::string rel = path == "/" ? "." : std::string(path.substr(1));
  open_how how{};
  how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  int fd = static_cast<int>(syscall(SYS_openat2, root_fd_, rel.c_str(), &how, sizeof how));
  if (fd < 0) return -EIO;  // gone, or a symlink planted on the way
  struct stat st;
  const FileNode* node = trace_.FindFile(path);
  bool want_dir = node == nullptr || node->type == NodeType::kDir;
  if (fstat(fd, &st) != 0 || st.st_dev != it->second.first || st.st_ino != it->second.second ||
      (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))) {
    close(fd);
    return -EIO;
  }
  return fd;
}

int FakeMachine::OpenVerified(std::string_view path, int flags) const {
  int pfd = OpenPathChecked(path);
  if (pfd < 0 || (flags & O_PATH)) return pfd;
  // Reopening the checked O_PATH fd through /proc gets that very inode: no second
  // lookup to race with. O_NOFOLLOW was about the caller's path, not this link.
  std::string self = "/proc/self/fd/" + std::to_string(pfd);
  int fd = open(self.c_str(), (flags & ~O_NOFOLLOW) | O_CLOEXEC);
  int err = errno;
  close(pfd);
  return fd < 0 ? -err : fd;
}

int FakeMachine::StatVerified(std::string_view path, struct stat* st) const {
  int pfd = OpenPathChecked(path);
  if (pfd < 0) return pfd;
  int r = fstat(pfd, st) == 0 ? 0 : -errno;
  close(pfd);
  return r;
}

int FakeMachine::StatxVerified(std::string_view path, int flags, unsigned mask,
                               struct statx* stx) const {
  int pfd = OpenPathChecked(path);
  if (pfd < 0) return pfd;
  int r = statx(pfd, "", AT_EMPTY_PATH | (flags & AT_STATX_SYNC_TYPE), mask, stx) == 0 ? 0 : -errno;
  close(pfd);
  return r;
}

std::string FakeMachine::VirtualPath(std::string_view host_path) const {
  if (host_path == root_) return "/";
  if (StartsWithDir(host_path, root_)) return std::string(host_path.substr(root_.size()));
  return std::string(host_path);
}

void FakeMachine::PatchDeviceStat(const FileNode& node, struct stat& st) {
  st.st_mode = S_IFCHR | (node.mode ? node.mode : 0666);
  st.st_rdev = makedev(node.major, node.minor);
  st.st_size = 0;
  st.st_blocks = 0;
  st.st_uid = 0;
  st.st_gid = 0;
  st.st_nlink = 1;
}

void FakeMachine::PatchDeviceStatx(const FileNode& node, struct statx& stx) {
  stx.stx_mode = static_cast<uint16_t>(S_IFCHR | (node.mode ? node.mode : 0666));
  stx.stx_rdev_major = node.major;
  stx.stx_rdev_minor = node.minor;
  stx.stx_size = 0;
  stx.stx_blocks = 0;
  stx.stx_uid = 0;
  stx.stx_gid = 0;
  stx.stx_nlink = 1;
}

}  // namespace nvprobe::fakedrv
