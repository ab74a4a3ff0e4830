#include "fake_driver/syscall_emulator.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace nvprobe::fakedrv {
namespace {

std::string ProcLink(pid_t pid, const std::string& what) {
  std::string link = "/proc/" + std::to_string(pid) + "/" + what;
  char buf[PATH_MAX];
  ssize_t n = readlink(link.c_str(), buf, sizeof buf - 1);
  if (n < 0) return "";
  return std::string(buf, static_cast<size_t>(n));
}

int Dirfd(uint64_t arg) { return static_cast<int>(static_cast<int32_t>(arg)); }

}  // namespace

std::optional<std::string> SyscallEmulator::ResolvePath(pid_t pid, int dirfd, uint64_t path_addr,
                                                        ProcessMemory& mem, bool* empty) {
  StatusOr<std::string> path = mem.ReadString(path_addr, PATH_MAX);
  if (!path.ok()) return std::nullopt;
  *empty = path->empty();
  if (path->empty()) return std::string();
  if ((*path)[0] == '/') return NormalizePath(*path);
  std::string base = dirfd == AT_FDCWD ? ProcLink(pid, "cwd")
                                       : ProcLink(pid, "fd/" + std::to_string(dirfd));
  if (base.empty() || base[0] != '/') return std::string();  // not a directory we know
  return NormalizePath(*path, machine_.VirtualPath(base));
}

const FileNode* SyscallEmulator::DeviceBehindFd(pid_t pid, int fd, struct stat* st) const {
  std::string link = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
  if (stat(link.c_str(), st) != 0) return nullptr;
  return machine_.DeviceByIdentity(st->st_dev, st->st_ino);
}

Reply SyscallEmulator::Open(const seccomp_notif& n, int dirfd, uint64_t path, uint64_t flags,
                            ProcessMemory& mem) {
  bool empty = false;
  std::optional<std::string> p = ResolvePath(n.pid, dirfd, path, mem, &empty);
  if (!p) return Reply::Error(EFAULT);
  if (p->empty()) return Reply::Continue();
  std::optional<FakePath> fake = machine_.Find(*p);
  if (!fake) return Reply::Continue();
  if (!mem.StillValid()) return Reply::Sent();
  if (fake->error != 0) return Reply::Error(fake->error);
  int oflags = static_cast<int>(flags) & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC | O_TMPFILE);
  int fd = open(fake->host_path.c_str(), oflags | O_CLOEXEC);
  if (fd < 0) return Reply::Error(errno);
  seccomp_notif_addfd add{};
  add.id = n.id;
  add.flags = SECCOMP_ADDFD_FLAG_SEND;
  add.srcfd = static_cast<uint32_t>(fd);
  add.newfd_flags = static_cast<uint32_t>(flags & O_CLOEXEC);
  ioctl(listener_, SECCOMP_IOCTL_NOTIF_ADDFD, &add);  // ENOENT: the target went away
  close(fd);
  return Reply::Sent();
}

Reply SyscallEmulator::Stat(const seccomp_notif& n, int dirfd, uint64_t path, uint64_t buf,
                            int flags, ProcessMemory& mem) {
  struct stat st {};
  bool empty = false;
  std::optional<std::string> p = ResolvePath(n.pid, dirfd, path, mem, &empty);
  if (!p) return Reply::Error(EFAULT);
  if (empty) {
    if (!(flags & AT_EMPTY_PATH)) return Reply::Continue();
    const FileNode* dev = DeviceBehindFd(n.pid, dirfd, &st);
    if (dev == nullptr) return Reply::Continue();
    FakeMachine::PatchDeviceStat(*dev, st);
  } else {
    if (p->empty()) return Reply::Continue();
    std::optional<FakePath> fake = machine_.Find(*p);
    if (!fake) return Reply::Continue();
    if (fake->error != 0 && fake->error != EACCES) return Reply::Error(fake->error);
    int r = (flags & AT_SYMLINK_NOFOLLOW) ? lstat(fake->host_path.c_str(), &st)
                                          : stat(fake->host_path.c_str(), &st);
    if (r != 0) return Reply::Error(errno);
    if (fake->node && fake->node->type == NodeType::kCharDev) FakeMachine::PatchDeviceStat(*fake->node, st);
  }
  if (!mem.StillValid()) return Reply::Sent();
  if (!mem.Write(buf, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&st), sizeof st)).ok()) {
    return Reply::Error(EFAULT);
  }
  return Reply::Return(0);
}

Reply SyscallEmulator::Statx(const seccomp_notif& n, ProcessMemory& mem) {
  int dirfd = Dirfd(n.data.args[0]);
  int flags = static_cast<int>(n.data.args[2]);
  unsigned mask = static_cast<unsigned>(n.data.args[3]);
  uint64_t buf = n.data.args[4];
  struct statx stx {};
  bool empty = false;
  std::optional<std::string> p = ResolvePath(n.pid, dirfd, n.data.args[1], mem, &empty);
  if (!p) return Reply::Error(EFAULT);
  const int kFlags = flags & (AT_SYMLINK_NOFOLLOW | AT_STATX_SYNC_TYPE);
  if (empty) {
    struct stat st {};
    if (!(flags & AT_EMPTY_PATH)) return Reply::Continue();
    const FileNode* dev = DeviceBehindFd(n.pid, dirfd, &st);
    if (dev == nullptr) return Reply::Continue();
    std::string link = "/proc/" + std::to_string(n.pid) + "/fd/" + std::to_string(dirfd);
    if (statx(AT_FDCWD, link.c_str(), kFlags, mask, &stx) != 0) return Reply::Error(errno);
    FakeMachine::PatchDeviceStatx(*dev, stx);
  } else {
    if (p->empty()) return Reply::Continue();
    std::optional<FakePath> fake = machine_.Find(*p);
    if (!fake) return Reply::Continue();
    if (fake->error != 0 && fake->error != EACCES) return Reply::Error(fake->error);
    if (statx(AT_FDCWD, fake->host_path.c_str(), kFlags, mask, &stx) != 0) return Reply::Error(errno);
    if (fake->node && fake->node->type == NodeType::kCharDev) FakeMachine::PatchDeviceStatx(*fake->node, stx);
  }
  if (!mem.StillValid()) return Reply::Sent();
  if (!mem.Write(buf, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&stx), sizeof stx)).ok()) {
    return Reply::Error(EFAULT);
  }
  return Reply::Return(0);
}

Reply SyscallEmulator::Access(const seccomp_notif& n, int dirfd, uint64_t path, ProcessMemory& mem) {
  bool empty = false;
  std::optional<std::string> p = ResolvePath(n.pid, dirfd, path, mem, &empty);
  if (!p) return Reply::Error(EFAULT);
  if (p->empty()) return Reply::Continue();
  std::optional<FakePath> fake = machine_.Find(*p);
  if (!fake) return Reply::Continue();
  if (fake->error != 0) return Reply::Error(fake->error);
  return Reply::Return(0);
}

Reply SyscallEmulator::Ioctl(const seccomp_notif& n, ProcessMemory& mem) {
  struct stat st {};
  const FileNode* dev = DeviceBehindFd(n.pid, static_cast<int>(n.data.args[0]), &st);
  if (dev == nullptr) return Reply::Continue();
  IoctlResult r = replayer_.Handle(dev->path, static_cast<uint32_t>(n.data.args[1]),
                                   n.data.args[2], mem, static_cast<int>(n.pid));
  if (r.gone) return Reply::Sent();
  if (r.err != 0) return Reply::Error(r.err);
  return Reply::Return(r.ret);
}

Reply SyscallEmulator::Handle(const seccomp_notif& n) {
  ProcessMemory mem(static_cast<pid_t>(n.pid), listener_, n.id);
  const auto& a = n.data.args;
  switch (n.data.nr) {
    case SYS_ioctl: return Ioctl(n, mem);
    case SYS_open: return Open(n, AT_FDCWD, a[0], a[1], mem);
    case SYS_openat: return Open(n, Dirfd(a[0]), a[1], a[2], mem);
    case SYS_creat: return Open(n, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, mem);
    case SYS_openat2: {
      open_how how{};
      size_t size = std::min<uint64_t>(a[3], sizeof how);
      if (!mem.Read(a[2], std::span<uint8_t>(reinterpret_cast<uint8_t*>(&how), size)).ok()) {
        return Reply::Error(EFAULT);
      }
      return Open(n, Dirfd(a[0]), a[1], how.flags, mem);
    }
    case SYS_stat: return Stat(n, AT_FDCWD, a[0], a[1], 0, mem);
    case SYS_lstat: return Stat(n, AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW, mem);
    case SYS_newfstatat: return Stat(n, Dirfd(a[0]), a[1], a[2], static_cast<int>(a[3]), mem);
    case SYS_fstat: {
      struct stat st {};
      const FileNode* dev = DeviceBehindFd(n.pid, static_cast<int>(a[0]), &st);
      if (dev == nullptr) return Reply::Continue();
      FakeMachine::PatchDeviceStat(*dev, st);
      if (!mem.StillValid()) return Reply::Sent();
      if (!mem.Write(a[1], std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&st), sizeof st)).ok()) {
        return Reply::Error(EFAULT);
      }
      return Reply::Return(0);
    }
    case SYS_statx: return Statx(n, mem);
    case SYS_access: return Access(n, AT_FDCWD, a[0], mem);
    case SYS_faccessat:
    case SYS_faccessat2: return Access(n, Dirfd(a[0]), a[1], mem);
    default: return Reply::Continue();
  }
}

}  // namespace nvprobe::fakedrv
