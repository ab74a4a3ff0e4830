// The fake machine's files: the trace's device nodes, procfs/sysfs files and
// directories, materialized under a private directory that the supervisor opens on
// the target's behalf. Decides which paths belong to the fake machine; everything
// else behaves normally.
//
// A path belongs to the fake machine when the trace lists it, when it is a
// directory above a listed path at least three levels deep (/proc/driver/nvidia,
// /sys/bus/pci/devices, ...), or when it lies below such a directory or below an
// `absent` entry (then it does not exist).
#ifndef NVPROBE_FAKE_DRIVER_FAKE_MACHINE_H_
#define NVPROBE_FAKE_DRIVER_FAKE_MACHINE_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "abi/status.h"
#include "fake_driver/trace.h"

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

  // Creates the private directory under `parent_dir`.
  static StatusOr<std::unique_ptr<FakeMachine>> Create(const Trace& trace,
                                                       const std::string& parent_dir);
  ~FakeMachine();
  FakeMachine(const FakeMachine&) = delete;
  FakeMachine& operator=(const FakeMachine&) = delete;

  // nullopt: not part of the fake machine (let the kernel handle it).
  std::optional<FakePath> Find(std::string_view path) const;
  // The device node behind an open file, by the file's identity.
  const FileNode* DeviceByIdentity(dev_t dev, ino_t ino) const;
  // A path inside the private directory, as the target sees it ("/dev/nvidiactl");
  // any other path unchanged.
  std::string VirtualPath(std::string_view host_path) const;
  // Makes a stat of a materialized device file look like the character device.
  static void PatchDeviceStat(const FileNode& node, struct stat& st);
  static void PatchDeviceStatx(const FileNode& node, struct statx& stx);

  const std::string& root() const { return root_; }

 private:
  FakeMachine(const Trace& trace, std::string root) : trace_(trace), root_(std::move(root)) {}
  Status Materialize();

  const Trace& trace_;
  std::string root_;
  std::set<std::string> implied_dirs_;
  std::map<std::pair<dev_t, ino_t>, const FileNode*> devices_;
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_FAKE_MACHINE_H_
