// A responder that records what another one answers: every request served becomes
// a trace event (device, request, the argument and its nested buffers before and
// after, the result), laid out by the release's ABI as `fakedrv record` lays out a
// real driver's. `fakedrv synth` runs commands on the machine model through it, so
// a synthesized trace is what the model answered, not a second copy of the driver's
// behaviour.
#ifndef NVPROBE_FAKE_DRIVER_RESPONDER_RECORDING_RESPONDER_H_
#define NVPROBE_FAKE_DRIVER_RESPONDER_RECORDING_RESPONDER_H_

#include <memory>
#include <vector>

#include "abi/abi.h"
#include "fake_driver/responder/responder.h"
#include "fake_driver/trace/trace.h"

namespace nvprobe::fakedrv {

class RecordingResponder : public IoctlResponder {
 public:
  RecordingResponder(IoctlResponder& inner, std::shared_ptr<const abi::Abi> abi)
      : inner_(inner), abi_(std::move(abi)) {}

  IoctlResult Handle(const std::string& device, uint32_t request, uint64_t arg, TargetMemory& mem,
                     int pid, OpenFileId file) override;
  int unmatched() const override { return inner_.unmatched(); }
  bool tracks_open_files() const override { return inner_.tracks_open_files(); }
  void Released(OpenFileId file) override { inner_.Released(file); }
  void set_holds_device(HoldsDeviceOf f) override { inner_.set_holds_device(std::move(f)); }

  // The events recorded so far, in the order they were served. Pointer values are
  // replaced by fixed fake addresses (only null / non-null means anything on
  // replay), so the same requests record the same bytes in every run.
  const std::vector<IoctlEvent>& events() const { return events_; }
  // Requests served but not recorded: their argument could not be read.
  int unreadable() const { return unreadable_; }

 private:
  IoctlResponder& inner_;
  std::shared_ptr<const abi::Abi> abi_;
  std::vector<IoctlEvent> events_;
  int unreadable_ = 0;
};

// Replaces every non-null pointer field in `buf` and its nested buffers (in and
// out) by the fake address `next`, advancing it by a page per pointer; a raw
// buffer the driver left unchanged becomes zeros (it may hold pointers too).
void MakePointersFake(ArgBuffer& buf, uint64_t& next);

// Whether two events are the same request with the same answer (line numbers and
// live addresses aside).
bool SameEvent(const IoctlEvent& a, const IoctlEvent& b);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_RESPONDER_RECORDING_RESPONDER_H_
