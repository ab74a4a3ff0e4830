// Replay of a trace whose ioctl events are still being read (StagedTraceLoad):
// `fakedrv run` starts the command meanwhile, since most of a large trace is its
// events and none is needed before the command's first NVIDIA ioctl. That first
// request waits for the events; if they are invalid, every request fails with EIO
// and the run ends with the trace's errors (fakedrv_main stops the command as
// soon as they are known). No answer ever comes from an unchecked trace.
#ifndef NVPROBE_FAKE_DRIVER_REPLAY_DEFERRED_REPLAYER_H_
#define NVPROBE_FAKE_DRIVER_REPLAY_DEFERRED_REPLAYER_H_

#include <memory>
#include <ostream>
#include <string>

#include "fake_driver/replay/ioctl_replayer.h"
#include "fake_driver/responder/responder.h"
#include "fake_driver/trace/trace_io.h"

namespace nvprobe::fakedrv {

class DeferredReplayer : public IoctlResponder {
 public:
  DeferredReplayer(StagedTraceLoad& trace, std::ostream& diagnostics, bool verbose)
      : trace_(trace), diag_(diagnostics), verbose_(verbose) {}

  IoctlResult Handle(const std::string& device, uint32_t request, uint64_t arg,
                     TargetMemory& mem, int pid, int fd) override;
  int unmatched() const override { return replayer_ ? replayer_->unmatched() : 0; }
  void set_holds_device(HoldsDeviceOf f) override;

 private:
  StagedTraceLoad& trace_;
  std::ostream& diag_;
  const bool verbose_;
  HoldsDeviceOf holds_device_;
  bool waited_ = false;
  std::unique_ptr<IoctlReplayer> replayer_;  // once the events are read and valid
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_REPLAY_DEFERRED_REPLAYER_H_
