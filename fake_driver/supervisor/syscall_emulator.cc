#include "fake_driver/supervisor/syscall_emulator.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/openat2.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <vector>

#include "fake_driver/text/printable.h"

namespace nvprobe::fakedrv {
namespace {

#if defined(__x86_64__)
constexpr uint32_t kNativeArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr uint32_t kNativeArch = AUDIT_ARCH_AARCH64;
#endif

// The kernel's limit on symlinks in one lookup (MAXSYMLINKS).
constexpr int kMaxLinks = 40;

std::string ProcLink(pid_t pid, const std::string& what) {
  std::string link = "/proc/" + std::to_string(pid) + "/" + what;
  char buf[PATH_MAX];
  ssize_t n = readlink(link.c_str(), buf, sizeof buf - 1);
  if (n < 0) return "";
  return std::string(buf, static_cast<size_t>(n));
}

int Dirfd(uint64_t arg) { return static_cast<int>(static_cast<int32_t>(arg)); }

// "/proc/<digits>" or below it: a process's own entries, whose symlinks are magic.
bool IsProcPidPath(std::string_view p) {
  constexpr std::string_view kProc = "/proc/";
  if (p.substr(0, kProc.size()) != kProc) return false;
  size_t i = kProc.size();
  size_t digits = 0;
  while (i < p.size() && p[i] >= '0' && p[i] <= '9') ++i, ++digits;
  return digits > 0 && (i == p.size() || p[i] == '/');
}

// Appends the components of `path` to `todo` so that the first is popped first.
void PushComponents(std::string_view path, std::vector<std::string>* todo) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) parts.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  todo->insert(todo->end(), parts.rbegin(), parts.rend());
}

// The components left in `todo`, as a path suffix ("/a/b").
std::string Rest(const std::vector<std::string>& todo) {
  std::string rest;
  for (auto it = todo.rbegin(); it != todo.rend(); ++it) rest += "/" + *it;
  return rest;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

SyscallEmulator::SyscallEmulator(FakeMachine& machine, IoctlResponder& responder, int listener)
    : machine_(machine), responder_(responder), listener_(listener) {
  if (responder_.tracks_open_files()) open_files_ = std::make_unique<OpenDeviceFiles>(machine_);
}

void SyscallEmulator::ReportReleases() {
  if (open_files_ == nullptr) return;
  for (OpenFileId file : open_files_->TakeReleased()) responder_.Released(file);
}

SyscallEmulator::PathArg SyscallEmulator::ReadPath(pid_t pid, int dirfd, uint64_t path_addr,
                                                   ProcessMemory& mem) {
  PathArg arg;
  StatusOr<std::string> path = mem.ReadString(path_addr, PATH_MAX);
  if (!path.ok()) {
    switch (path.status().code()) {
      case StatusCode::kPermissionDenied: arg.error = EPERM; break;
      case StatusCode::kOutOfRange: arg.error = ENAMETOOLONG; break;
      default: arg.error = EFAULT; break;
    }
    return arg;
  }
  arg.empty = path->empty();
  if (arg.empty) return arg;
  if ((*path)[0] == '/') {
    arg.raw = *path;
  } else {
    std::string base = dirfd == AT_FDCWD ? ProcLink(pid, "cwd")
                                         : ProcLink(pid, "fd/" + std::to_string(dirfd));
    if (base.empty() || base[0] != '/') return arg;  // not a directory we know
    arg.raw = machine_.VirtualPath(base) + "/" + *path;
  }
  arg.path = NormalizePath(arg.raw);
  return arg;
}

SyscallEmulator::Resolved SyscallEmulator::FollowLinks(pid_t pid, const std::string& path,
                                                       bool follow_last) const {
  const std::string proc_pid = "/proc/" + std::to_string(pid);
  // Lookups go through the target's root; /proc/PID paths through our own /proc,
  // which is the same one (the target shares our pid namespace).
  const std::string root = proc_pid + "/root";
  auto host_of = [&](const std::string& p) { return IsProcPidPath(p) ? p : root + p; };
  std::vector<std::string> todo;
  PushComponents(path, &todo);
  std::string done;  // walked so far, no links in it; "" is "/"
  int links = 0;
  while (!todo.empty()) {
    std::string c = std::move(todo.back());
    todo.pop_back();
    if (c == ".") continue;
    if (c == "..") {
      done.resize(done.rfind('/') == std::string::npos ? 0 : done.rfind('/'));
      continue;
    }
    std::string next = done + "/" + c;
    // The target's own entries: read in our /proc, "self" would be us.
    if (next == "/proc/self") next = proc_pid;
    if (next == "/proc/thread-self") next = proc_pid + "/task/" + std::to_string(pid);
    const bool last = todo.empty();
    // The fake machine's paths hold no links, and the host's may (sysfs).
    if (machine_.Find(next) || (last && !follow_last)) {
      done = next;
      break;
    }
    const std::string host = host_of(next);
    struct stat st;
    if (lstat(host.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) {
      done = next;
      continue;
    }
    char buf[PATH_MAX];
    ssize_t len = ++links > kMaxLinks ? -1 : readlink(host.c_str(), buf, sizeof buf - 1);
    std::string target = len > 0 ? std::string(buf, static_cast<size_t>(len)) : "";
    if (IsProcPidPath(next)) {
      // A magic link (fd/N, cwd, root, exe): its text need not name what it leads
      // to (a deleted file, a pipe); the link itself does.
      bool named = !target.empty() && target[0] == '/' && !EndsWith(target, " (deleted)");
      if (last || !named) {
        std::string rest = Rest(todo);
        return {last && named ? machine_.VirtualPath(target) : next + rest, host + rest};
      }
    }
    if (target.empty()) {  // unreadable or too many links: the kernel decides (ELOOP)
      done = next;
      break;
    }
    if (target[0] == '/') {
      done.clear();
      target = machine_.VirtualPath(target);
    }
    PushComponents(target, &todo);
  }
  std::string resolved = NormalizePath((done.empty() ? "/" : done) + Rest(todo));
  return {resolved, host_of(resolved)};
}

std::optional<FakePath> SyscallEmulator::FindFake(pid_t pid, const PathArg& p, bool follow_last,
                                                  std::string* name, Resolved* resolved) const {
  *name = p.path;
  if (std::optional<FakePath> fake = machine_.Find(p.path)) return fake;
  *resolved = FollowLinks(pid, p.raw, follow_last);
  if (resolved->path == p.path) return std::nullopt;
  *name = resolved->path;
  return machine_.Find(resolved->path);
}

const FileNode* SyscallEmulator::DeviceBehindFd(pid_t pid, int fd, struct stat* st) {
  if (fd_dirs_.Stat(pid, fd, st) != 0) return nullptr;
  return DeviceOf(*st);
}

const FileNode* SyscallEmulator::OpenDeviceFileBehind(const Resolved& r, struct stat* st) {
  // Only a process's fd links lead to one: they are linked nowhere else.
  if (open_files_ == nullptr || !IsProcPidPath(r.path) || r.path.find("/fd/") == std::string::npos ||
      stat(r.host.c_str(), st) != 0) {
    return nullptr;
  }
  const FileNode* dev = DeviceOf(*st);
  return dev != nullptr && machine_.IsOpenDeviceFile(st->st_dev, st->st_ino) ? dev : nullptr;
}

const FileNode* SyscallEmulator::DeviceOf(const struct stat& st) {
  // After the stat: an open file released before it, whose inode number the stat
  // may show again (given to a new file), has been reported by then and is found
  // no more.
  ReportReleases();
  return machine_.DeviceByIdentity(st.st_dev, st.st_ino);
}

Reply SyscallEmulator::Refuse(pid_t pid, int err, const std::string& why) const {
  if (diag_ != nullptr) *diag_ << "fakedrv: refused pid " << pid << ": " << why << std::endl;
  return Reply::Error(err);
}

Reply SyscallEmulator::OpenFake(const seccomp_notif& n, const std::string& name,
                                const FakePath& fake, uint64_t flags, ProcessMemory& mem) {
  if (!mem.StillValid()) return Reply::Sent();
  if (fake.error != 0) return Reply::Error(fake.error);
  const int f = static_cast<int>(flags);
  if ((f & O_TMPFILE) == O_TMPFILE) return Reply::Error(EOPNOTSUPP);
  if ((f & O_CREAT) && (f & O_EXCL)) return Reply::Error(EEXIST);
  // The machine's files are read-only (kernfs refuses even root), so one process
  // cannot change what another reads. The device nodes take any access mode.
  bool writes = (f & O_ACCMODE) != O_RDONLY || (f & O_TRUNC);
  if (fake.node != nullptr && fake.node->type == NodeType::kFile && writes) return Reply::Error(EACCES);
  // A device opened for a responder that tracks open files: a file of this open's
  // own, as nv.c:nvidia_open() makes the file's private data per open.
  const bool own_file = open_files_ != nullptr && fake.node != nullptr && fake.node->type == NodeType::kCharDev;
  OpenFileId file = kNoOpenFile;
  int fd = own_file ? open_files_->Open(*fake.node, f, &file)
                    : machine_.OpenVerified(name, f & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC));
  if (fd == -EIO) return Refuse(n.pid, EIO, "the fake machine's file for " + Printable(name) + " was replaced");
  if (fd < 0) return Reply::Error(-fd);
  seccomp_notif_addfd add{};
  add.id = n.id;
  add.flags = SECCOMP_ADDFD_FLAG_SEND;
  add.srcfd = static_cast<uint32_t>(fd);
  add.newfd_flags = static_cast<uint32_t>(flags & O_CLOEXEC);
  // Which fake device this open file is, as the fd-identity check would find it;
  // none for a file of its own, which we must not keep open.
  struct stat st;
  const FileNode* device =
      !own_file && fstat(fd, &st) == 0 ? machine_.DeviceByIdentity(st.st_dev, st.st_ino) : nullptr;
  int r = ioctl(listener_, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
  int err = errno;
  if (r >= 0 && device != nullptr) {
    injected_.Add(static_cast<pid_t>(n.pid), r, fd, device);  // r: its number in the target
  } else {
    close(fd);
  }
  // ENOENT: the target went away. Anything else (EMFILE: its fd table is full) was
  // not answered yet, and must be, or the call would wait forever.
  if (r < 0 && err != ENOENT) return Reply::Error(err);
  return Reply::Sent();
}

Reply SyscallEmulator::Open(const seccomp_notif& n, int dirfd, uint64_t path, uint64_t flags,
                            ProcessMemory& mem) {
  PathArg p = ReadPath(n.pid, dirfd, path, mem);
  if (p.error == EPERM) return Refuse(n.pid, EPERM, "cannot inspect it (not dumpable?)");
  if (p.error != 0) return Reply::Error(p.error);
  if (p.path.empty()) return Reply::Continue();
  const bool follow = !(flags & O_NOFOLLOW);
  std::string name;
  Resolved r;
  if (std::optional<FakePath> fake = FindFake(n.pid, p, follow, &name, &r)) {
    return OpenFake(n, name, *fake, flags, mem);
  }
  // Whatever the name, the object the kernel would open: a real NVIDIA device (a
  // node made elsewhere, an fd reopened through /proc) is served by the fake node
  // of the same number, as the driver knows devices by number, or gets ENODEV, the
  // driver's answer for a minor it has no GPU for (nv.c: nvidia_open()).
  if (r.host.empty()) r = FollowLinks(n.pid, p.raw, follow);
  struct stat st;
  if ((follow ? stat(r.host.c_str(), &st) : lstat(r.host.c_str(), &st)) != 0) {
    std::string root = "/proc/" + std::to_string(n.pid) + "/root/";
    struct stat rs;
    if ((errno == EACCES || errno == EPERM) && stat(root.c_str(), &rs) != 0) {
      return Refuse(n.pid, EPERM, "cannot inspect it (not dumpable?)");
    }
    return Reply::Continue();
  }
  // The fake machine's own file of a device, or the file of another open of it (a
  // reopened /proc/PID/fd/N, the private directory's path): a new open of that
  // device, as the kernel's open of a device node always is.
  if (const FileNode* dev = DeviceOf(st)) {
    if (std::optional<FakePath> fake = machine_.Find(dev->path)) return OpenFake(n, dev->path, *fake, flags, mem);
    return Reply::Error(ENODEV);
  }
  if (!machine_.IsRealNvidiaDevice(st)) return Reply::Continue();
  const unsigned maj = major(st.st_rdev), min = minor(st.st_rdev);
  const FileNode* node = machine_.DeviceByNumber(maj, min);
  if (node == nullptr) {
    return Refuse(n.pid, ENODEV, Printable(p.path) + " is a real NVIDIA device (" + std::to_string(maj) + ":" +
                                     std::to_string(min) + ") that the trace does not have");
  }
  std::optional<FakePath> fake = machine_.Find(node->path);
  if (!fake) return Reply::Error(ENODEV);
  return OpenFake(n, node->path, *fake, flags, mem);
}

Reply SyscallEmulator::Stat(const seccomp_notif& n, int dirfd, uint64_t path, uint64_t buf,
                            int flags, ProcessMemory& mem) {
  struct stat st {};
  PathArg p = ReadPath(n.pid, dirfd, path, mem);
  // A target we may not inspect sees the host's files: no stat reaches a driver.
  if (p.error == EPERM) return Reply::Continue();
  if (p.error != 0) return Reply::Error(p.error);
  if (p.empty) {
    if (!(flags & AT_EMPTY_PATH)) return Reply::Continue();
    const FileNode* dev = DeviceBehindFd(n.pid, dirfd, &st);
    if (dev == nullptr) return Reply::Continue();
    machine_.PatchOpenDeviceStat(*dev, st);
  } else {
    if (p.path.empty()) return Reply::Continue();
    std::string name;
    Resolved r;
    std::optional<FakePath> fake = FindFake(n.pid, p, !(flags & AT_SYMLINK_NOFOLLOW), &name, &r);
    if (!fake) {
      const FileNode* dev = (flags & AT_SYMLINK_NOFOLLOW) ? nullptr : OpenDeviceFileBehind(r, &st);
      if (dev == nullptr) return Reply::Continue();
      machine_.PatchOpenDeviceStat(*dev, st);
      fake.emplace();  // nothing more to patch: written below
    } else if (fake->error != 0 && fake->error != EACCES) {
      return Reply::Error(fake->error);
    } else if (int e = machine_.StatVerified(name, &st); e != 0) {
      return Reply::Error(-e);
    }
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
  PathArg p = ReadPath(n.pid, dirfd, n.data.args[1], mem);
  // A target we may not inspect sees the host's files: no stat reaches a driver.
  if (p.error == EPERM) return Reply::Continue();
  if (p.error != 0) return Reply::Error(p.error);
  const int kFlags = flags & (AT_SYMLINK_NOFOLLOW | AT_STATX_SYNC_TYPE);
  if (p.empty) {
    struct stat st {};
    if (!(flags & AT_EMPTY_PATH)) return Reply::Continue();
    const FileNode* dev = DeviceBehindFd(n.pid, dirfd, &st);
    if (dev == nullptr) return Reply::Continue();
    std::string link = "/proc/" + std::to_string(n.pid) + "/fd/" + std::to_string(dirfd);
    if (statx(AT_FDCWD, link.c_str(), kFlags, mask, &stx) != 0) return Reply::Error(errno);
    machine_.PatchOpenDeviceStatx(*dev, stx);
  } else {
    if (p.path.empty()) return Reply::Continue();
    std::string name;
    Resolved r;
    std::optional<FakePath> fake = FindFake(n.pid, p, !(flags & AT_SYMLINK_NOFOLLOW), &name, &r);
    if (!fake) {
      struct stat st {};
      const FileNode* dev = (flags & AT_SYMLINK_NOFOLLOW) ? nullptr : OpenDeviceFileBehind(r, &st);
      if (dev == nullptr) return Reply::Continue();
      if (statx(AT_FDCWD, r.host.c_str(), kFlags, mask, &stx) != 0) return Reply::Error(errno);
      machine_.PatchOpenDeviceStatx(*dev, stx);
      fake.emplace();  // nothing more to patch: written below
    } else if (fake->error != 0 && fake->error != EACCES) {
      return Reply::Error(fake->error);
    } else if (int e = machine_.StatxVerified(name, kFlags, mask, &stx); e != 0) {
      return Reply::Error(-e);
    }
    if (fake->node && fake->node->type == NodeType::kCharDev) FakeMachine::PatchDeviceStatx(*fake->node, stx);
  }
  if (!mem.StillValid()) return Reply::Sent();
  if (!mem.Write(buf, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&stx), sizeof stx)).ok()) {
    return Reply::Error(EFAULT);
  }
  return Reply::Return(0);
}

Reply SyscallEmulator::Access(const seccomp_notif& n, int dirfd, uint64_t path, ProcessMemory& mem) {
  PathArg p = ReadPath(n.pid, dirfd, path, mem);
  // A target we may not inspect sees the host's files: no stat reaches a driver.
  if (p.error == EPERM) return Reply::Continue();
  if (p.error != 0) return Reply::Error(p.error);
  if (p.path.empty()) return Reply::Continue();
  std::string name;
  Resolved r;
  std::optional<FakePath> fake = FindFake(n.pid, p, true, &name, &r);
  if (!fake) return Reply::Continue();
  if (fake->error != 0) return Reply::Error(fake->error);
  return Reply::Return(0);
}

Reply SyscallEmulator::Ioctl(const seccomp_notif& n, ProcessMemory& mem) {
  const int fd = static_cast<int>(n.data.args[0]);
  const pid_t tid = static_cast<pid_t>(n.pid);
  if (open_files_ != nullptr) return IoctlOnOpenFile(n, mem);
  // The fd-identity check: the very file we installed (one kcmp), else by stat.
  const FileNode* dev = injected_.Find(tid, fd);
  if (dev == nullptr) {
    struct stat st {};
    if (int err = fd_dirs_.Stat(tid, fd, &st); err != 0) {
      // Not an open fd (the kernel says EBADF), unless we may not look: then no
      // 'F' ioctl goes through, whatever the fd is.
      if (err == EACCES || err == EPERM) return Refuse(n.pid, EPERM, "cannot inspect it (not dumpable?)");
      return Reply::Continue();
    }
    dev = machine_.DeviceByIdentity(st.st_dev, st.st_ino);
    if (dev == nullptr) {
      if (machine_.IsRealNvidiaDevice(st)) {
        return Refuse(n.pid, EPERM, "ioctl on fd " + std::to_string(fd) + ", a real NVIDIA device (" +
                                        std::to_string(major(st.st_rdev)) + ":" +
                                        std::to_string(minor(st.st_rdev)) + ")");
      }
      return Reply::Continue();
    }
    injected_.Learn(tid, fd, dev);
  }
  IoctlResult r = responder_.Handle(dev->path, static_cast<uint32_t>(n.data.args[1]),
                                    n.data.args[2], mem, static_cast<int>(n.pid), kNoOpenFile);
  if (r.gone) return Reply::Sent();
  if (r.err != 0) return Reply::Error(r.err);
  return Reply::Return(r.ret);
}

Reply SyscallEmulator::IoctlOnOpenFile(const seccomp_notif& n, ProcessMemory& mem) {
  const int fd = static_cast<int>(n.data.args[0]);
  // The fd-identity check, by stat: its inode is the open file's own.
  struct stat st {};
  if (int err = fd_dirs_.Stat(static_cast<pid_t>(n.pid), fd, &st); err != 0) {
    if (err == EACCES || err == EPERM) return Refuse(n.pid, EPERM, "cannot inspect it (not dumpable?)");
    return Reply::Continue();  // not an open fd: the kernel says EBADF
  }
  // DeviceOf() reports the files released so far first: what the responder frees
  // for them is gone before this request is answered, as after the driver's
  // nvidia_close().
  const FileNode* dev = DeviceOf(st);
  const OpenFileId file = open_files_->Find(st.st_dev, st.st_ino);
  if (dev == nullptr || file == kNoOpenFile) {
    if (machine_.IsRealNvidiaDevice(st)) {
      return Refuse(n.pid, EPERM, "ioctl on fd " + std::to_string(fd) + ", a real NVIDIA device (" +
                                      std::to_string(major(st.st_rdev)) + ":" +
                                      std::to_string(minor(st.st_rdev)) + ")");
    }
    // The fake machine's own file of the device, opened around fakedrv (a path
    // race): no open of the device, so no open file to answer for.
    if (dev != nullptr) return Refuse(n.pid, ENOTTY, "ioctl on fd " + std::to_string(fd) + ", not an open of " + dev->path);
    return Reply::Continue();
  }
  IoctlResult r = responder_.Handle(dev->path, static_cast<uint32_t>(n.data.args[1]),
                                    n.data.args[2], mem, static_cast<int>(n.pid), file);
  if (r.gone) return Reply::Sent();
  if (r.err != 0) return Reply::Error(r.err);
  return Reply::Return(r.ret);
}

Reply SyscallEmulator::Handle(const seccomp_notif& n) {
  // The filter kills other ABIs' calls (SeccompPolicy); their numbers mean other calls.
  if (n.data.arch != kNativeArch) return Reply::Error(ENOSYS);
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
      Status read = mem.Read(a[2], std::span<uint8_t>(reinterpret_cast<uint8_t*>(&how), size));
      if (read.code() == StatusCode::kPermissionDenied) {
        return Refuse(n.pid, EPERM, "cannot inspect it (not dumpable?)");
      }
      if (!read.ok()) return Reply::Error(EFAULT);
      return Open(n, Dirfd(a[0]), a[1], how.flags, mem);
    }
    case SYS_stat: return Stat(n, AT_FDCWD, a[0], a[1], 0, mem);
    case SYS_lstat: return Stat(n, AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW, mem);
    case SYS_newfstatat: return Stat(n, Dirfd(a[0]), a[1], a[2], static_cast<int>(a[3]), mem);
    case SYS_fstat: {
      struct stat st {};
      const FileNode* dev = DeviceBehindFd(n.pid, static_cast<int>(a[0]), &st);
      if (dev == nullptr) return Reply::Continue();
      machine_.PatchOpenDeviceStat(*dev, st);
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
