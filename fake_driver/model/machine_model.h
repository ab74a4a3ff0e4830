// The machine model: a fake NVIDIA kernel driver and Resource Manager that answers
// any client from a machine description and a release's ABI, as that release's
// driver would (fake_driver/model/README.md). Pure: a request in (device, request
// number, the caller's memory), an answer out; the supervisor asks it through
// IoctlResponder and it never sees seccomp.
#ifndef NVPROBE_FAKE_DRIVER_MODEL_MACHINE_MODEL_H_
#define NVPROBE_FAKE_DRIVER_MODEL_MACHINE_MODEL_H_

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "abi/abi.h"
#include "fake_driver/model/control_call.h"
#include "fake_driver/model/rm_objects.h"
#include "fake_driver/responder/responder.h"
#include "fake_driver/machine/machine_description.h"

namespace nvprobe::fakedrv::model {

class MachineModel : public IoctlResponder {
 public:
  // `driver`: the version string the driver reports (the ABI may be of the nearest
  // known release).
  MachineModel(Machine machine, std::shared_ptr<const abi::Abi> abi, std::string driver,
               std::ostream& diagnostics);

  IoctlResult Handle(const std::string& device, uint32_t request, uint64_t arg, TargetMemory& mem,
                     int pid, OpenFileId file) override;
  // Requests answered "not supported" for want of a handler.
  int unmatched() const override { return not_supported_; }
  // Clients belong to open files, and go with them.
  bool tracks_open_files() const override { return true; }
  void Released(OpenFileId file) override;

  // Log every request with the handler that answered it.
  void set_verbose(bool v) { verbose_ = v; }
  // Whether each request answered "not supported" gets a diagnostic line (the
  // default; `run` lists them only under --verbose or into --log, since they would
  // interleave with the command's own output on stderr, and says how many there
  // were with SayHowManyUnlisted()).
  void set_list_not_supported(bool list) { list_not_supported_ = list; }
  // One line on `out` saying how many requests were answered "not supported"
  // without a line of their own; nothing when none was.
  void SayHowManyUnlisted(std::ostream& out) const;
  // Timestamps from a counter, not the host's clocks: the same answers every run.
  void set_fixed_clock(bool fixed) { state_.fixed_clock = fixed; }

  const Machine& machine() const { return machine_; }
  const RmObjects& objects() const { return objects_; }

 private:
  struct Request {
    const std::string& device;
    uint32_t nr;  // the escape (after XFER's unwrapping)
    ArgBuffer& args;  // the top-level struct, its nested buffers read; `out` = answer
    TargetMemory& mem;
    int pid;
    OpenFileId file;
  };
  // An RM call's answer: its status by name, and what served it (for the log).
  struct RmAnswer {
    const char* status = "NV_OK";
    std::string by;
  };

  // One escape, `size` bytes at `arg` (XFER already unwrapped).
  IoctlResult Serve(const std::string& device, uint32_t nr, uint32_t size, uint64_t arg,
                    TargetMemory& mem, int pid, OpenFileId file);
  IoctlResult Frontend(const abi::Binding& esc, Request& r);
  RmAnswer Alloc(Request& r);
  RmAnswer Free(Request& r);
  RmAnswer Control(Request& r);
  RmAnswer AllocChecked(Request& r, RmClient& client, uint32_t parent, uint32_t hclass,
                        const std::string& class_name, uint32_t* handle);

  // The GPU (machine index) that an NV01_DEVICE_0 of `device_instance` stands for.
  int GpuOfDeviceInstance(uint64_t device_instance) const;
  // The card-info entries, built on first use: the machine's GPUs do not change.
  const std::vector<uint8_t>& CardInfoEntries();
  void NotSupported(const Request& r, const std::string& what);
  std::string Describe(const Request& r) const;

  const Machine machine_;
  const std::shared_ptr<const abi::Abi> abi_;
  const std::string driver_;
  std::ostream& diag_;
  bool verbose_ = false;
  bool list_not_supported_ = true;
  int not_supported_ = 0;
  int unlisted_ = 0;  // of not_supported_, those that got no line
  RmObjects objects_;
  ModelState state_;
  std::optional<std::vector<uint8_t>> card_info_;
};

}  // namespace nvprobe::fakedrv::model

#endif  // NVPROBE_FAKE_DRIVER_MODEL_MACHINE_MODEL_H_
