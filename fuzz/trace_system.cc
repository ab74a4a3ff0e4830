#include "fuzz/trace_system.h"

#include <cerrno>
#include <cstring>
#include <set>

#include "fake_driver/responder/target_memory.h"

namespace nvprobe::fuzz {
namespace {

using fakedrv::FileNode;
using fakedrv::NodeType;

// The probe's own memory: the replayer reads the request from, and writes the
// answer to, the buffers the probe passed (this process's addresses).
class LocalMemory : public fakedrv::TargetMemory {
 public:
  Status Read(uint64_t address, std::span<uint8_t> out) override {
    if (address == 0) return UnavailableError("EFAULT");
    std::memcpy(out.data(), reinterpret_cast<const void*>(static_cast<uintptr_t>(address)),
                out.size());
    return OkStatus();
  }
  Status Write(uint64_t address, std::span<const uint8_t> bytes) override {
    if (address == 0) return UnavailableError("EFAULT");
    std::memcpy(reinterpret_cast<void*>(static_cast<uintptr_t>(address)), bytes.data(),
                bytes.size());
    return OkStatus();
  }
  bool StillValid() override { return true; }
};

// As probe/linux_system.cc maps open(2)'s errno.
Status OpenError(const std::string& path, int err) {
  std::string msg = "open " + path + ": " + std::strerror(err);
  if (err == ENOENT || err == ENODEV || err == ENXIO) return NotFoundError(msg);
  if (err == EACCES || err == EPERM) return PermissionDeniedError(msg);
  return UnavailableError(msg);
}

bool Below(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         (dir == "/" || path[dir.size()] == '/');
}

}  // namespace

const FileNode* TraceSystem::Find(const std::string& path, bool& absent) const {
  absent = false;
  const FileNode* exact = nullptr;
  for (const FileNode& f : trace_.files) {
    if (f.path == path) exact = &f;
    if (f.type == NodeType::kAbsent && (f.path == path || Below(path, f.path))) absent = true;
  }
  return exact;
}

StatusOr<int> TraceSystem::Open(const std::string& path, int) {
  bool absent = false;
  const FileNode* f = Find(path, absent);
  if (absent || f == nullptr) return OpenError(path, ENOENT);
  if (f->open_errno != 0) return OpenError(path, f->open_errno);
  int fd = next_fd_++;
  fds_[fd] = path;
  return fd;
}

probe::IoctlResult TraceSystem::Ioctl(int fd, unsigned long request, void* arg) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return {-1, EBADF};
  LocalMemory mem;
  fakedrv::IoctlResult r = replayer_.Handle(it->second, static_cast<uint32_t>(request),
                                            reinterpret_cast<uintptr_t>(arg), mem, /*pid=*/1);
  return {static_cast<int>(r.ret), r.err};
}

StatusOr<std::string> TraceSystem::ReadFile(const std::string& path, size_t max_bytes) {
  bool absent = false;
  const FileNode* f = Find(path, absent);
  if (absent || f == nullptr) return OpenError(path, ENOENT);
  if (f->open_errno != 0) return OpenError(path, f->open_errno);
  if (f->type != NodeType::kFile) return UnavailableError("read " + path + ": Is a directory");
  return f->content.substr(0, max_bytes);
}

StatusOr<std::vector<std::string>> TraceSystem::ListDir(const std::string& path) {
  bool absent = false;
  const FileNode* f = Find(path, absent);
  if (absent) return NotFoundError("opendir " + path + ": No such file or directory");
  std::set<std::string> names;  // the directories implied by deeper paths, once
  for (const FileNode& n : trace_.files) {
    if (n.type == NodeType::kAbsent || !Below(n.path, path)) continue;
    std::string rest = n.path.substr(path == "/" ? 1 : path.size() + 1);
    names.insert(rest.substr(0, rest.find('/')));
  }
  if (names.empty() && (f == nullptr || f->type != NodeType::kDir))
    return NotFoundError("opendir " + path + ": No such file or directory");
  return std::vector<std::string>(names.begin(), names.end());
}

StatusOr<probe::CommandResult> TraceSystem::Run(const std::vector<std::string>& argv,
                                                std::chrono::milliseconds, size_t) {
  return NotFoundError(argv[0] + ": No such file or directory");
}

}  // namespace nvprobe::fuzz
