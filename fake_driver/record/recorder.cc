#include "fake_driver/record/recorder.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/ioctl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>

#include "fake_driver/trace/hex.h"
#include "fake_driver/responder/responder.h"
#include "fake_driver/supervisor/process_memory.h"
#include "fake_driver/trace/trace_io.h"

namespace nvprobe::fakedrv {
namespace {

constexpr size_t kMaxFileBytes = 1 << 20;
// include/linux/errno.h: ERESTARTSYS .. ERESTART_RESTARTBLOCK.
constexpr int64_t kErestartSys = 512;
constexpr int64_t kErestartRestartBlock = 516;

bool Under(const std::string& path, const std::string& dir) {
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

std::string ReadLink(const std::string& link) {
  char buf[PATH_MAX];
  ssize_t n = readlink(link.c_str(), buf, sizeof buf - 1);
  return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
}

std::string FdLink(pid_t tid, int fd) {
  return "/proc/" + std::to_string(tid) + "/fd/" + std::to_string(fd);
}

bool IdentityOf(const std::string& path, struct stat* st) { return stat(path.c_str(), st) == 0; }

std::string ReadWholeFile(const std::string& path, int* err) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *err = errno;
    return "";
  }
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() >= kMaxFileBytes) break;
  }
  close(fd);
  *err = 0;
  return out;
}

int Dirfd(uint64_t arg) { return static_cast<int>(static_cast<int32_t>(arg)); }

}  // namespace

bool IsDriverPath(const std::string& p) {
  if (p.rfind("/dev/nvidia", 0) == 0) return true;
  return Under(p, "/proc/driver/nvidia") || Under(p, "/sys/module/nvidia") ||
         Under(p, "/sys/bus/pci/devices");
}

std::string Recorder::ResolvePath(pid_t tid, int dirfd, uint64_t address) const {
  ProcessMemory mem(tid, -1, 0);
  StatusOr<std::string> path = mem.ReadString(address, PATH_MAX);
  if (!path.ok() || path->empty()) return "";
  if ((*path)[0] == '/') return NormalizePath(*path);
  std::string base;
  std::string link = dirfd == AT_FDCWD ? "/proc/" + std::to_string(tid) + "/cwd" : FdLink(tid, dirfd);
  struct stat st {};
  if (dirfd != AT_FDCWD && IdentityOf(link, &st)) {
    auto it = opened_.find({st.st_dev, st.st_ino});
    if (it != opened_.end()) base = it->second;  // a driver directory the target opened
  }
  if (base.empty()) base = ReadLink(link);
  if (base.empty() || base[0] != '/') return "";
  return NormalizePath(*path, base);
}

void Recorder::ListDirectory(const std::string& path) {
  if (!listed_.insert(path).second) return;
  DIR* d = opendir(path.c_str());
  if (d == nullptr) return;
  std::vector<std::string> subdirs;
  while (const dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string child = path + "/" + name;
    struct stat st {};
    if (IsDriverPath(child) && stat(child.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      subdirs.push_back(child);
    }
  }
  closedir(d);
  std::sort(subdirs.begin(), subdirs.end());
  for (const std::string& c : subdirs) NoteFile(c, 0);
}

void Recorder::NoteFile(const std::string& path, int err, bool opened) {
  auto it = file_index_.find(path);
  if (it != file_index_.end()) {
    FileNode& node = files_[it->second];
    if (err != 0 && err != ENOENT && err != ENOTDIR && node.type != NodeType::kAbsent) {
      node.open_errno = err;
    }
    if (opened && err == 0 && node.type == NodeType::kDir) ListDirectory(path);
    return;
  }
  FileNode node;
  node.path = path;
  struct stat st {};
  if (err == ENOENT || err == ENOTDIR || stat(path.c_str(), &st) != 0) {
    node.type = NodeType::kAbsent;
  } else if (S_ISCHR(st.st_mode)) {
    node.type = NodeType::kCharDev;
    node.major = major(st.st_rdev);
    node.minor = minor(st.st_rdev);
    node.mode = st.st_mode & 07777;
    node.open_errno = err;
  } else if (S_ISDIR(st.st_mode)) {
    node.type = NodeType::kDir;
  } else {
    node.type = NodeType::kFile;
    int read_err = 0;
    node.content = ReadWholeFile(path, &read_err);
    node.open_errno = err != 0 ? err : read_err;
  }
  file_index_[path] = files_.size();
  const bool list = opened && err == 0 && node.type == NodeType::kDir;
  files_.push_back(std::move(node));
  if (list) ListDirectory(path);
}

std::string Recorder::DeviceOf(pid_t tid, int fd) {
  std::string link = FdLink(tid, fd);
  struct stat st {};
  if (!IdentityOf(link, &st)) return "";
  auto it = opened_.find({st.st_dev, st.st_ino});
  if (it != opened_.end()) return it->second.rfind("/dev/nvidia", 0) == 0 ? it->second : "";
  // An fd opened before the recording started (or by a path we did not see).
  std::string target = ReadLink(link);
  if (target.rfind("/dev/nvidia", 0) != 0 || !S_ISCHR(st.st_mode)) return "";
  opened_[{st.st_dev, st.st_ino}] = target;
  NoteFile(target, 0);
  return target;
}

void Recorder::OnSyscallEntry(const SyscallStop& s) {
  const auto& a = s.args;
  Pending p;
  switch (s.nr) {
    case SYS_ioctl: IoctlEntry(s); return;
    case SYS_open:
    case SYS_creat: p.path = ResolvePath(s.tid, AT_FDCWD, a[0]); break;
    case SYS_openat:
    case SYS_openat2: p.path = ResolvePath(s.tid, Dirfd(a[0]), a[1]); break;
    case SYS_stat:
    case SYS_lstat:
    case SYS_access:
      p.kind = Pending::Kind::kStat;
      p.path = ResolvePath(s.tid, AT_FDCWD, a[0]);
      break;
    case SYS_newfstatat:
    case SYS_statx:
    case SYS_faccessat:
    case SYS_faccessat2:
      p.kind = Pending::Kind::kStat;
      p.path = ResolvePath(s.tid, Dirfd(a[0]), a[1]);
      break;
    default: return;
  }
  if (p.path.empty() || !IsDriverPath(p.path)) return;
  pending_[s.tid] = std::move(p);
}

void Recorder::OnSyscallExit(const SyscallStop& s) {
  auto it = pending_.find(s.tid);
  if (it == pending_.end()) return;
  Pending p = std::move(it->second);
  pending_.erase(it);
  // Interrupted by a signal, to be restarted (the kernel's ERESTART* codes, never
  // seen by the program): the call comes again, or fails with EINTR then.
  if (s.ret <= -kErestartSys && s.ret >= -kErestartRestartBlock) return;
  if (p.kind == Pending::Kind::kIoctl) {
    IoctlExit(s, p);
    return;
  }
  int err = s.ret < 0 && s.ret >= -4095 ? static_cast<int>(-s.ret) : 0;
  if (p.kind == Pending::Kind::kOpen && err == 0) {
    struct stat st {};
    if (IdentityOf(FdLink(s.tid, static_cast<int>(s.ret)), &st)) {
      opened_[{st.st_dev, st.st_ino}] = p.path;
    }
  }
  // A failed stat or access says nothing about opening, except that it is absent.
  if (p.kind == Pending::Kind::kStat && err != ENOENT && err != ENOTDIR) err = 0;
  NoteFile(p.path, err, p.kind == Pending::Kind::kOpen);
}

void Recorder::IoctlEntry(const SyscallStop& s) {
  const uint32_t request = static_cast<uint32_t>(s.args[1]);
  std::string device = DeviceOf(s.tid, static_cast<int>(s.args[0]));
  if (device.empty()) return;
  if (_IOC_TYPE(request) != 'F') {
    skipped_.push_back("request " + HexNumber(request) + " on " + device +
                       ": not an NVIDIA ('F') ioctl");
    return;
  }
  Pending p;
  p.kind = Pending::Kind::kIoctl;
  IoctlEvent& ev = p.event;
  ev.device = device;
  ev.request = request;
  ev.args.address = s.args[2];
  ev.args.in.resize(_IOC_SIZE(request));
  ProcessMemory mem(s.tid, -1, 0);
  if (!mem.Read(ev.args.address, ev.args.in).ok()) {
    skipped_.push_back("request " + HexNumber(request) + " on " + device +
                       ": argument unreadable at entry");
    return;
  }
  // Before any release is known, capture with the newest one: the trace is
  // conformed to the reported release at the end (record_command.cc), and whatever
  // does not fit it is kept as raw top-level bytes.
  std::shared_ptr<const abi::Abi> abi = abi_;
  if (abi == nullptr) {
    StatusOr<std::shared_ptr<const abi::Abi>> a = registry_.AbiOf(registry_.releases().back().version);
    if (a.ok()) abi = *a;
  }
  if (abi != nullptr) {
    ev.args.layout = EscapeLayout(*abi, ev.nr(), ev.args.in.size());
    if (ReadNestedBuffers(*abi, ev.args, mem) != ReadError::kNone) {
      ev.args.nested.clear();
      ev.nested_not_followed = true;
    }
  }
  pending_[s.tid] = std::move(p);
}

void Recorder::IoctlExit(const SyscallStop& s, Pending& p) {
  IoctlEvent& ev = p.event;
  ProcessMemory mem(s.tid, -1, 0);
  if (!ReadOutputs(mem, ev.args)) {
    skipped_.push_back("request " + HexNumber(ev.request) + " on " + ev.device +
                       ": argument unreadable at exit");
    return;
  }
  if (s.ret < 0 && s.ret >= -4095) {
    ev.ret = -1;
    ev.err = static_cast<int>(-s.ret);
  } else {
    ev.ret = s.ret;
  }
  LearnVersion(ev);
  events_.push_back(std::move(ev));
}

void Recorder::LearnVersion(const IoctlEvent& ev) {
  if (!reported_version_.empty()) return;
  // The version query's layout is the same in every release; any ABI decodes it.
  std::shared_ptr<const abi::Abi> decoder = abi_;
  if (decoder == nullptr) {
    StatusOr<std::shared_ptr<const abi::Abi>> a = registry_.AbiOf(registry_.releases().back().version);
    if (!a.ok()) return;
    decoder = *a;
  }
  const abi::Binding* esc = decoder->EscapeByNumber(ev.nr());
  if (esc == nullptr || esc->name != "NV_ESC_CHECK_VERSION_STR") return;
  const abi::StructLayout* layout = decoder->FindStruct(esc->params_struct);
  if (layout == nullptr || ev.args.out.size() != layout->size) return;
  const abi::Field* reply = layout->Find("reply");
  const abi::Field* str = layout->Find("versionString");
  if (reply == nullptr || str == nullptr) return;
  auto text = [&](const std::vector<uint8_t>& bytes) {
    std::string t(reinterpret_cast<const char*>(bytes.data()) + str->offset, str->width);
    return t.substr(0, t.find('\0'));
  };
  std::string v = text(ev.args.out);
  // The driver's version: written by the driver (530+ QUERY; pre-530 STRICT fails
  // with EINVAL and the kernel's string in the buffer), or the caller's own string
  // that the driver recognized.
  std::optional<uint64_t> recognized = decoder->FindConstant("NV_RM_API_VERSION_REPLY_RECOGNIZED");
  bool accepted = v != text(ev.args.in) ||
                  (ev.ret == 0 && recognized &&
                   LoadUint(ev.args.out, reply->offset, reply->width) == *recognized);
  if (!accepted) return;
  StatusOr<abi::DriverVersion> parsed = abi::DriverVersion::Parse(v);
  if (!parsed.ok()) return;
  reported_version_ = v;
  abi::Resolution r = registry_.Resolve(*parsed);
  if (abi_ == nullptr || !(abi_->release() == r.release)) {
    StatusOr<std::shared_ptr<const abi::Abi>> a = registry_.AbiOf(r.release);
    if (a.ok()) abi_ = *a;
  }
}

}  // namespace nvprobe::fakedrv
