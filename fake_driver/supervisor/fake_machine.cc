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
#include <unordered_set>
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

// Writes all of `content` to `fd`; false on a short write.
bool WriteAll(int fd, const std::string& content) {
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string_view BaseName(std::string_view path) { return path.substr(path.rfind('/') + 1); }

bool StartsWithDir(std::string_view path, std::string_view dir) {
  if (dir == "/") return true;
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

// The frontend's major (kernel-open/common/inc/nv-chardev-numbers.h: NV_MAJOR_DEVICE_NUMBER).
constexpr unsigned kNvidiaMajor = 195;
// Every NVIDIA node lives under this name in /dev: nvidiactl, nvidiaN, nvidia-uvm,
// nvidia-uvm-tools, nvidia-modeset, nvidia-caps/, nvidia-nvswitchctl, ...
constexpr std::string_view kNvidiaDevPrefix = "/dev/nvidia";

// A listed /dev lists only the trace's entries (whether /dev/dxg is there says
// WSL2 or not), but the host's /dev/null, /dev/urandom, /dev/pts... stay: only the
// GPU nodes the trace does not name are gone.
bool IsGpuDevPath(std::string_view path) {
  return path.substr(0, kNvidiaDevPrefix.size()) == kNvidiaDevPrefix || path == "/dev/dxg" ||
         path.substr(0, 9) == "/dev/dxg/";
}

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
  struct stat root_st;
  if (fstat(m->root_fd_, &root_st) != 0) return InternalError("stat " + tmpl + ": " + std::strerror(errno));
  m->identities_["/"] = {root_st.st_dev, root_st.st_ino};
  m->IndexPaths();
  m->nvidia_majors_ = NvidiaMajors();
  return m;
}

void FakeMachine::IndexPaths() {
  // Views of the trace's paths, which outlive this; no directory's entries yet
  // (EntriesOf, when one is listed): a run that lists none pays for none.
  node_index_.reserve(trace_.files.size());
  for (size_t i = 0; i < trace_.files.size(); ++i) node_index_.emplace(trace_.files[i].path, i);
  // The directories above the listed paths, each walked once: those at least
  // kMinImpliedDepth deep are implied by the paths below.
  std::unordered_set<std::string_view> walked;
  for (const FileNode& n : trace_.files) {
    if (n.type == NodeType::kAbsent) continue;
    for (std::string_view child = n.path; child != "/";) {
      if (!walked.insert(child).second) break;  // the rest is known
      const size_t slash = child.rfind('/');
      const std::string_view parent = slash == 0 ? std::string_view("/") : child.substr(0, slash);
      if (Depth(parent) >= kMinImpliedDepth) implied_dirs_.insert(parent);
      child = parent;
    }
  }
}

std::vector<std::string_view> FakeMachine::EntriesOf(std::string_view dir) const {
  std::vector<std::string_view> entries;
  std::unordered_set<std::string_view> seen;
  const size_t name_start = dir == "/" ? 1 : dir.size() + 1;
  for (const FileNode& n : trace_.files) {
    if (n.type == NodeType::kAbsent || !StartsWithDir(n.path, dir)) continue;
    const std::string_view entry = std::string_view(n.path).substr(0, n.path.find('/', name_start));
    if (seen.insert(entry).second) entries.push_back(entry);
  }
  return entries;
}

const FileNode* FakeMachine::Node(std::string_view path) const {
  auto it = node_index_.find(path);
  return it == node_index_.end() ? nullptr : &trace_.files[it->second];
}

// Calls `visit` with each directory strictly above the absolute `path`, nearest
// first, "/" last.
template <typename Visit>
void ForEachDirAbove(std::string_view path, Visit visit) {
  for (size_t slash = path.rfind('/'); slash != std::string_view::npos && !path.empty();) {
    if (slash == 0) {
      if (path != "/") visit(std::string_view("/"));
      return;
    }
    path = path.substr(0, slash);
    visit(path);
    slash = path.rfind('/');
  }
}

const FileNode* FakeMachine::FirstNodeAbove(std::string_view path) const {
  size_t first = trace_.files.size();
  ForEachDirAbove(path, [&](std::string_view dir) {
    auto it = node_index_.find(dir);
    if (it != node_index_.end() && it->second < first) first = it->second;
  });
  return first < trace_.files.size() ? &trace_.files[first] : nullptr;
}

bool FakeMachine::BelowImpliedDir(std::string_view path) const {
  bool below = false;
  ForEachDirAbove(path, [&](std::string_view dir) { below = below || implied_dirs_.count(dir) != 0; });
  return below;
}

int FakeMachine::CreateEntry(const std::string& path) {
  const int parent = OpenPathChecked(Parent(path));
  if (parent < 0) return parent;
  const FileNode* n = Node(path);
  const std::string name(BaseName(path));
  int fd = -1;
  int err = 0;
  if (n == nullptr || n->type == NodeType::kDir) {
    if (mkdirat(parent, name.c_str(), 0755) != 0) {
      err = errno;
    } else {
      fd = openat(parent, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
  } else {
    const mode_t mode = n->type == NodeType::kCharDev ? 0666 : (n->mode ? n->mode : 0444);
    // O_EXCL | O_NOFOLLOW: whatever the target (same uid) put there first is never
    // written through, and fails the check below as a replaced file would.
    fd = openat(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd >= 0 && n->type == NodeType::kFile && !WriteAll(fd, n->content)) err = errno ? errno : EIO;
  }
  if (fd < 0 && err == 0) err = errno;
  close(parent);
  struct stat st;
  if (err == 0 && fstat(fd, &st) != 0) err = errno;
  if (fd >= 0) close(fd);
  // EEXIST: not made by us, so not the machine's.
  if (err != 0) return err == EEXIST ? -EIO : -err;
  identities_[path] = {st.st_dev, st.st_ino};
  if (n != nullptr && n->type == NodeType::kCharDev) devices_[{st.st_dev, st.st_ino}] = n;
  return 0;
}

int FakeMachine::Ensure(std::string_view path, bool complete) {
  if (path.empty() || path[0] != '/') return -ENOENT;
  std::string p(path);
  if (!identities_.count(p)) {
    if (int e = Ensure(Parent(p), false); e != 0) return e;
    if (int e = CreateEntry(p); e != 0) return e;
  }
  if (complete && !completed_.count(p)) {
    for (std::string_view entry : EntriesOf(p)) {
      if (int e = Ensure(entry, false); e != 0) return e;
    }
    completed_.insert(p);
  }
  return 0;
}

FakeMachine::~FakeMachine() {
  if (root_fd_ >= 0) close(root_fd_);
  RemoveTree(root_);
  if (lock_fd_ >= 0) close(lock_fd_);  // after: a half-removed tree is not stale
}

std::optional<FakePath> FakeMachine::Find(std::string_view path) {
  if (const FileNode* n = Node(path)) {
    if (n->type == NodeType::kAbsent) return FakePath{ENOENT, "", n};
    if (Ensure(path, false) != 0) return FakePath{EIO, "", n};
    return FakePath{n->open_errno, root_ + std::string(path), n};
  }
  if (implied_dirs_.count(path)) {
    if (Ensure(path, false) != 0) return FakePath{EIO, "", nullptr};
    return FakePath{0, root_ + std::string(path), nullptr};
  }
  if (const FileNode* n = FirstNodeAbove(path)) {
    if (n->type == NodeType::kAbsent || n->type == NodeType::kDir) {
      if (n->type == NodeType::kDir && n->path == "/dev" && !IsGpuDevPath(path)) return std::nullopt;
      return FakePath{ENOENT, "", nullptr};
    }
    return FakePath{ENOTDIR, "", nullptr};
  }
  if (BelowImpliedDir(path)) return FakePath{ENOENT, "", nullptr};
  if (path.substr(0, kNvidiaDevPrefix.size()) == kNvidiaDevPrefix) return FakePath{ENOENT, "", nullptr};
  return std::nullopt;
}

const FileNode* FakeMachine::DeviceByIdentity(dev_t dev, ino_t ino) const {
  auto it = devices_.find({dev, ino});
  return it == devices_.end() ? nullptr : it->second;
}

int FakeMachine::OpenDeviceFile(const FileNode& node, int flags, struct stat* st) {
  // Beside the device's own file, so on the same file system.
  const std::string dir = Parent(node.path);
  if (int e = Ensure(dir, false); e != 0) return e == -ENOENT ? e : -EIO;
  const int parent = OpenPathChecked(dir);
  if (parent < 0) return parent;
  const mode_t mode = node.mode ? node.mode : 0666;
  int made = openat(parent, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
  if (made < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == ENOENT)) {
    // No O_TMPFILE here: a fresh name, O_EXCL (nothing the target put there first
    // is used), unlinked before anyone gets the file.
    for (int tries = 0; tries < 8 && made < 0; ++tries) {
      const std::string name = ".fakedrv-open-" + std::to_string(++open_file_names_);
      made = openat(parent, name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
      if (made >= 0 && unlinkat(parent, name.c_str(), 0) != 0) {
        close(made);
        made = -1;
        errno = EIO;
        break;
      }
      if (made < 0 && errno != EEXIST) break;
    }
  }
  const int err = errno;
  close(parent);
  if (made < 0) return -err;
  // Reopened with the caller's flags (access mode, O_NONBLOCK, ...): the very inode.
  const std::string self = "/proc/self/fd/" + std::to_string(made);
  const int fd = open(self.c_str(), (flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOFOLLOW | O_TMPFILE)) | O_CLOEXEC);
  const int open_err = errno;
  close(made);
  if (fd < 0) return -open_err;
  if (fstat(fd, st) != 0) {
    const int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

void FakeMachine::AddOpenDeviceFile(const FileNode& node, dev_t dev, ino_t ino) {
  devices_[{dev, ino}] = &node;
  open_files_.insert({dev, ino});
}

void FakeMachine::ForgetOpenDeviceFile(dev_t dev, ino_t ino) {
  if (open_files_.erase({dev, ino}) != 0) devices_.erase({dev, ino});
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
  const FileNode* node = Node(path);
  bool want_dir = node == nullptr || node->type == NodeType::kDir;
  if (fstat(fd, &st) != 0 || st.st_dev != it->second.first || st.st_ino != it->second.second ||
      (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))) {
    close(fd);
    return -EIO;
  }
  return fd;
}

int FakeMachine::OpenMaterialized(std::string_view path) {
  const FileNode* node = Node(path);
  // A directory is listed whole: its entries are made before anyone can read it.
  const int e = Ensure(path, node == nullptr || node->type == NodeType::kDir);
  if (e != 0) return e == -ENOENT ? e : -EIO;
  return OpenPathChecked(path);
}

int FakeMachine::OpenVerified(std::string_view path, int flags) {
  int pfd = OpenMaterialized(path);
  if (pfd < 0 || (flags & O_PATH)) return pfd;
  // Reopening the checked O_PATH fd through /proc gets that very inode: no second
  // lookup to race with. O_NOFOLLOW was about the caller's path, not this link.
  std::string self = "/proc/self/fd/" + std::to_string(pfd);
  int fd = open(self.c_str(), (flags & ~O_NOFOLLOW) | O_CLOEXEC);
  int err = errno;
  close(pfd);
  return fd < 0 ? -err : fd;
}

int FakeMachine::StatVerified(std::string_view path, struct stat* st) {
  int pfd = OpenMaterialized(path);
  if (pfd < 0) return pfd;
  int r = fstat(pfd, st) == 0 ? 0 : -errno;
  close(pfd);
  return r;
}

int FakeMachine::StatxVerified(std::string_view path, int flags, unsigned mask,
                               struct statx* stx) {
  int pfd = OpenMaterialized(path);
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

void FakeMachine::PatchOpenDeviceStat(const FileNode& node, struct stat& st) const {
  PatchDeviceStat(node, st);
  if (auto it = identities_.find(node.path); it != identities_.end()) {
    st.st_dev = it->second.first;
    st.st_ino = it->second.second;
  }
}

void FakeMachine::PatchOpenDeviceStatx(const FileNode& node, struct statx& stx) const {
  PatchDeviceStatx(node, stx);
  if (auto it = identities_.find(node.path); it != identities_.end()) {
    stx.stx_dev_major = major(it->second.first);
    stx.stx_dev_minor = minor(it->second.first);
    stx.stx_ino = it->second.second;
  }
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
