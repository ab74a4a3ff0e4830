#include "fake_driver/fake_machine.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
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

Status MakeDirs(const std::string& path) {
  std::string cur;
  size_t i = 1;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    cur = path.substr(0, j);
    if (mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) {
      return InternalError("mkdir " + cur + ": " + std::strerror(errno));
    }
    i = j + 1;
  }
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

}  // namespace

StatusOr<std::unique_ptr<FakeMachine>> FakeMachine::Create(const Trace& trace,
                                                           const std::string& parent_dir) {
  std::string tmpl = parent_dir + "/fakedrv-machine-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    return InternalError("mkdtemp in " + parent_dir + ": " + std::strerror(errno));
  }
  std::unique_ptr<FakeMachine> m(new FakeMachine(trace, tmpl));
  NVPROBE_RETURN_IF_ERROR(m->Materialize());
  return m;
}

Status FakeMachine::Materialize() {
  for (const FileNode& n : trace_.files) {
    if (n.type == NodeType::kAbsent) continue;
    for (std::string p = Parent(n.path); Depth(p) >= kMinImpliedDepth; p = Parent(p)) {
      implied_dirs_.insert(p);
    }
    std::string host = root_ + n.path;
    switch (n.type) {
      case NodeType::kDir:
        NVPROBE_RETURN_IF_ERROR(MakeDirs(host));
        break;
      case NodeType::kFile:
        NVPROBE_RETURN_IF_ERROR(MakeDirs(Parent(host)));
        NVPROBE_RETURN_IF_ERROR(WriteFile(host, n.content, n.mode ? n.mode : 0444));
        break;
      case NodeType::kCharDev: {
        NVPROBE_RETURN_IF_ERROR(MakeDirs(Parent(host)));
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
  for (const std::string& d : implied_dirs_) NVPROBE_RETURN_IF_ERROR(MakeDirs(root_ + d));
  return OkStatus();
}

FakeMachine::~FakeMachine() {
  nftw(
      root_.c_str(),
      [](const char* p, const struct stat*, int, struct FTW*) { return remove(p); }, 16,
      FTW_DEPTH | FTW_PHYS);
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
  return std::nullopt;
}

const FileNode* FakeMachine::DeviceByIdentity(dev_t dev, ino_t ino) const {
  auto it = devices_.find({dev, ino});
  return it == devices_.end() ? nullptr : it->second;
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
