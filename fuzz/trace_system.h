// A probe::System that is the machine a trace describes, in-process: device nodes and
// files from the trace's entries, ioctls answered by the replayer that `fakedrv run`
// uses (fake_driver/replay/ioctl_replayer.h) reading and writing the probe's own memory.
// It exists to record reply scripts from the trace corpus (the seeds of the
// probe_replies fuzzer), not to replace `fakedrv run`: paths the trace does not
// list do not exist here, and there is no nvidia-smi.
#ifndef NVPROBE_FUZZ_TRACE_SYSTEM_H_
#define NVPROBE_FUZZ_TRACE_SYSTEM_H_

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "fake_driver/replay/ioctl_replayer.h"
#include "fake_driver/trace/trace.h"
#include "probe/system.h"

namespace nvprobe::fuzz {

class TraceSystem : public probe::System {
 public:
  explicit TraceSystem(const fakedrv::Trace& trace) : trace_(trace), replayer_(trace, diag_) {}

  StatusOr<int> Open(const std::string& path, int flags) override;
  probe::IoctlResult Ioctl(int fd, unsigned long request, void* arg) override;
  void Close(int fd) override { fds_.erase(fd); }
  StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes) override;
  StatusOr<std::vector<std::string>> ListDir(const std::string& path) override;
  StatusOr<probe::CommandResult> Run(const std::vector<std::string>& argv,
                                     std::chrono::milliseconds timeout,
                                     size_t max_output) override;

  // Requests the trace had no answer for, and the replayer's lines about them.
  int unmatched() const { return replayer_.unmatched(); }
  std::string diagnostics() const { return diag_.str(); }

 private:
  // The entry for `path`, or null; `absent` says whether it lies below an absent one.
  const fakedrv::FileNode* Find(const std::string& path, bool& absent) const;

  const fakedrv::Trace& trace_;
  std::ostringstream diag_;
  fakedrv::IoctlReplayer replayer_;
  std::map<int, std::string> fds_;  // fd -> device path
  int next_fd_ = 3;
};

}  // namespace nvprobe::fuzz

#endif  // NVPROBE_FUZZ_TRACE_SYSTEM_H_
