#include "fake_driver/replay/deferred_replayer.h"

#include <cerrno>

namespace nvprobe::fakedrv {

void DeferredReplayer::set_holds_device(HoldsDeviceOf f) {
  holds_device_ = f;
  if (replayer_) replayer_->set_holds_device(std::move(f));
}

IoctlResult DeferredReplayer::Handle(const std::string& device, uint32_t request, uint64_t arg,
                                     TargetMemory& mem, int pid, int fd) {
  if (!waited_) {
    waited_ = true;
    if (trace_.Finish().ok()) {
      replayer_ = std::make_unique<IoctlReplayer>(trace_.trace(), diag_);
      replayer_->set_verbose(verbose_);
      if (holds_device_) replayer_->set_holds_device(holds_device_);
    }
  }
  // nv.c:nvidia_ioctl() answers EIO when the device cannot serve at all.
  if (!replayer_) return {-1, EIO};
  return replayer_->Handle(device, request, arg, mem, pid, fd);
}

}  // namespace nvprobe::fakedrv
