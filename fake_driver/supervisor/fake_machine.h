// The fake machine's files: the trace's device nodes, procfs/sysfs files and
// directories, materialized under a private directory that the supervisor opens on
// the target's behalf. Decides which paths belong to the fake machine; everything
// else behaves normally.
//
// Files are materialized lazily, on the first lookup that finds them (Find), and a
// directory with all its entries before it is opened or stat()ed, so that a listing
// shows exactly the trace's entries. A run that looks at no fake file (the floor:
// `/bin/true`) writes nothing but the private directory, whatever the GPU count.
//
// A path belongs to the fake machine when the trace lists it, when it is a
// directory above a listed path at least three levels deep (/proc/driver/nvidia,
// /sys/bus/pci/devices, ...), or when it lies below such a directory or below an
// `absent` entry (then it does not exist). Every /dev/nvidia* path belongs to it
// too: one the trace does not list does not exist, even where the host has it, so
// that a target never reaches a real NVIDIA device by name (fake_driver/THREAT_MODEL.md).
#ifndef NVPROBE_FAKE_DRIVER_SUPERVISOR_FAKE_MACHINE_H_
#define NVPROBE_FAKE_DRIVER_SUPERVISOR_FAKE_MACHINE_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "abi/status.h"
#include "fake_driver/trace/trace.h"

namespace nvprobe::fakedrv {

struct FakePath {
  int error = 0;                    // nonzero: the call fails with it (ENOENT, EACCES)
  std::string host_path;            // where the emulated file lives
  const FileNode* node = nullptr;   // null for a directory the trace implies
};

class FakeMachine {
 public:
  // Directories at least this many components deep are implied by the paths below.
  static constexpr int kMinImpliedDepth = 3;

  // Creates the private directory under `parent_dir`, named
  // fakedrv-machine-<supervisor pid>-XXXXXX and flock()ed while this object lives;
  // first removes the directories there that supervisors killed before they could
  // clean up left (RemoveStale).
  static StatusOr<std::unique_ptr<FakeMachine>> Create(const Trace& trace,
                                                       const std::string& parent_dir);
  // Removes every fakedrv-machine-<pid>-* directory in `parent_dir` that belongs to
  // this user, whose pid is not a live process, and whose lock nobody holds (a
  // supervisor in another pid namespace); never a live supervisor's. Returns how
  // many it removed.
  static int RemoveStale(const std::string& parent_dir);
  ~FakeMachine();
  FakeMachine(const FakeMachine&) = delete;
  FakeMachine& operator=(const FakeMachine&) = delete;

  // nullopt: not part of the fake machine (let the kernel handle it). A path that
  // exists in the fake machine is materialized first, so that `host_path` is there
  // (EIO when something not made by fakedrv is in its way).
  std::optional<FakePath> Find(std::string_view path);
  // The device node behind an open file, by the file's identity: the device's own
  // materialized file, or one made by OpenDeviceFile() and not forgotten.
  const FileNode* DeviceByIdentity(dev_t dev, ino_t ino) const;
  // Whether (dev, ino) is one of OpenDeviceFile()'s files.
  bool IsOpenDeviceFile(dev_t dev, ino_t ino) const { return open_files_.count({dev, ino}) != 0; }

  // A new open of device `node` (a character device of the trace) for a target: a
  // file of its own, with an inode no other open shares, never linked into any
  // directory (O_TMPFILE in the private directory; where the file system lacks
  // it, created under a fresh name and unlinked at once), opened with `flags`
  // (O_CREAT, O_EXCL, O_TRUNC and O_CLOEXEC ignored). Its identity goes to `st`.
  // An fd, or -errno.
  int OpenDeviceFile(const FileNode& node, int flags, struct stat* st);
  // From now on until ForgetOpenDeviceFile(), DeviceByIdentity() knows the file
  // with identity (dev, ino), made by OpenDeviceFile(), as `node`.
  void AddOpenDeviceFile(const FileNode& node, dev_t dev, ino_t ino);
  void ForgetOpenDeviceFile(dev_t dev, ino_t ino);
  // The trace's character device with this number, or null.
  const FileNode* DeviceByNumber(unsigned major, unsigned minor) const;
  // Whether `st` is a real character device of an NVIDIA driver: major 195 (the
  // frontend: nvidiactl, nvidiaN, nvidia-modeset) or any major /proc/devices names
  // nvidia* (nvidia-uvm, nvidia-caps, nvidia-nvswitch, ...), read at Create().
  bool IsRealNvidiaDevice(const struct stat& st) const;

  // Opens the file materialized for `path` (a path Find() gave without error) with
  // `flags`, or returns -errno. The target runs as the same user and can change the
  // private directory, so the file is checked to still be the one Materialize()
  // made: resolved beneath the private root with no symlink followed, opened
  // O_PATH first (a device node or FIFO put in its place is never opened for
  // real), same inode; anything else is -EIO.
  int OpenVerified(std::string_view path, int flags);
  // stat / statx of the same file, checked the same way: 0 or -errno.
  int StatVerified(std::string_view path, struct stat* st);
  int StatxVerified(std::string_view path, int flags, unsigned mask, struct statx* stx);
  // A path inside the private directory, as the target sees it ("/dev/nvidiactl");
  // any other path unchanged.
  std::string VirtualPath(std::string_view host_path) const;
  // Makes a stat of a materialized device file look like the character device.
  static void PatchDeviceStat(const FileNode& node, struct stat& st);
  static void PatchDeviceStatx(const FileNode& node, struct statx& stx);
  // The same for an open file of the device (the target's fstat), with the device
  // file's own identity rather than an OpenDeviceFile()'s: every open of a device
  // node has the node's inode.
  void PatchOpenDeviceStat(const FileNode& node, struct stat& st) const;
  void PatchOpenDeviceStatx(const FileNode& node, struct statx& stx) const;

  const std::string& root() const { return root_; }

 private:
  FakeMachine(const Trace& trace, std::string root) : trace_(trace), root_(std::move(root)) {}
  // Indexes the listed paths and learns the implied directories (no I/O).
  void IndexPaths();
  // Makes `path` (a file, device or directory of the trace, an implied directory,
  // or a directory above them) and the directories above it, each created beneath
  // its checked parent with O_EXCL / mkdirat and no symlink followed; `complete`:
  // also the entries of a directory. 0, or -errno (-EIO: something not ours is in
  // the way).
  int Ensure(std::string_view path, bool complete);
  int CreateEntry(const std::string& path);
  // Ensure() then OpenPathChecked(): what the *Verified calls open.
  int OpenMaterialized(std::string_view path);

  // An O_PATH fd of `path`'s materialized file after the checks OpenVerified()
  // describes, or -errno.
  int OpenPathChecked(std::string_view path) const;

  // The trace's entry for `path`, if it lists one (the first, as Trace::FindFile).
  const FileNode* Node(std::string_view path) const;
  // Of the trace's entries above `path` (a strict prefix directory), the one it
  // lists first, or null. A walk up the path instead of a scan of every entry: a
  // lookup the fake machine does not answer (the command's libraries) costs the
  // same at 1 GPU as at 64.
  const FileNode* FirstNodeAbove(std::string_view path) const;
  bool BelowImpliedDir(std::string_view path) const;
  // The entries of directory `dir`: each listed path below it, or the directory
  // above such a path, by the name just below `dir`, in the order the trace first
  // names them (views of the trace's paths).
  std::vector<std::string_view> EntriesOf(std::string_view dir) const;

  const Trace& trace_;
  // Each listed path's index in trace_.files (views of the trace's paths).
  std::unordered_map<std::string_view, size_t> node_index_;
  std::string root_;
  int root_fd_ = -1;  // O_PATH of root_, for lookups beneath it
  int lock_fd_ = -1;  // root_ opened and flock()ed: this supervisor is alive
  // Directories the listed paths imply (views of the trace's paths).
  std::unordered_set<std::string_view> implied_dirs_;
  // The directories already made whole.
  std::set<std::string, std::less<>> completed_;
  std::map<std::pair<dev_t, ino_t>, const FileNode*> devices_;
  // OpenDeviceFile()'s files (also in devices_).
  std::set<std::pair<dev_t, ino_t>> open_files_;
  uint64_t open_file_names_ = 0;  // names for the fallback without O_TMPFILE
  // Every path materialized so far, with the identity of the file made for it.
  std::map<std::string, std::pair<dev_t, ino_t>, std::less<>> identities_;
  std::set<unsigned> nvidia_majors_;
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_SUPERVISOR_FAKE_MACHINE_H_
