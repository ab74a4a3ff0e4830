// What `fakedrv record` captures from the syscall stops the tracer reports: the
// target's opens and stats of NVIDIA device nodes and driver procfs/sysfs files
// (with their contents, read by the recorder as the target could see them), and
// every ioctl on an NVIDIA device with its top-level struct and every nested
// buffer the ABI layer describes, read at entry (`in`) and at exit (`out`).
// Devices are recognized by the file behind the fd (dup, fork and threads work).
// The ABI used is the release of the first CHECK_VERSION_STR reply, or until
// then the one the recorder was started with (from the version files), or the
// newest release as a guess that the final trace is conformed against.
#ifndef NVPROBE_FAKE_DRIVER_RECORD_RECORDER_H_
#define NVPROBE_FAKE_DRIVER_RECORD_RECORDER_H_

#include <sys/types.h>

#include <map>
#include <set>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "abi/registry.h"
#include "fake_driver/trace/trace.h"
#include "fake_driver/record/tracer.h"

namespace nvprobe::fakedrv {

// The paths a recording keeps: /dev/nvidia*, /proc/driver/nvidia/**,
// /sys/module/nvidia/**, /sys/bus/pci/devices/**.
bool IsDriverPath(const std::string& normalized_path);

class Recorder : public TracerObserver {
 public:
  // `abi` may be null (no release known yet).
  Recorder(const abi::Registry& registry, std::shared_ptr<const abi::Abi> abi)
      : registry_(registry), abi_(std::move(abi)) {}

  void OnSyscallEntry(const SyscallStop& s) override;
  void OnSyscallExit(const SyscallStop& s) override;
  void OnThreadGone(pid_t tid) override { pending_.erase(tid); }
  void OnExec(pid_t /*tid*/) override { command_ran_ = true; }

  // Whether the command was executed at all (not: "cannot run /typo/cmd").
  bool command_ran() const { return command_ran_; }

  // Files and device nodes in the order first touched.
  const std::vector<FileNode>& files() const { return files_; }
  // Events as captured: `args.layout` and nested buffers from the ABI known at the
  // time (none when none was).
  const std::vector<IoctlEvent>& events() const { return events_; }
  // The first CHECK_VERSION_STR reply's version string ("" if none).
  const std::string& reported_version() const { return reported_version_; }
  // Requests skipped, with why ("request 0x... on /dev/nvidiactl: argument unreadable").
  const std::vector<std::string>& skipped() const { return skipped_; }

 private:
  struct Pending {
    enum class Kind { kOpen, kStat, kIoctl } kind = Kind::kOpen;
    std::string path;
    IoctlEvent event;
  };

  std::string ResolvePath(pid_t tid, int dirfd, uint64_t address) const;
  // `opened`: the target opened it (a directory is then listed: its
  // subdirectories are recorded, so that a replay lists them too).
  void NoteFile(const std::string& path, int err, bool opened = false);
  void ListDirectory(const std::string& path);
  std::string DeviceOf(pid_t tid, int fd);
  void IoctlEntry(const SyscallStop& s);
  void IoctlExit(const SyscallStop& s, Pending& p);
  void LearnVersion(const IoctlEvent& ev);

  const abi::Registry& registry_;
  std::shared_ptr<const abi::Abi> abi_;
  std::map<pid_t, Pending> pending_;
  // Files the target opened, by identity (st_dev, st_ino) -> path it used.
  std::map<std::pair<dev_t, ino_t>, std::string> opened_;
  std::vector<FileNode> files_;
  std::map<std::string, size_t> file_index_;
  std::set<std::string> listed_;
  std::vector<IoctlEvent> events_;
  std::string reported_version_;
  std::vector<std::string> skipped_;
  bool command_ran_ = false;
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_RECORD_RECORDER_H_
