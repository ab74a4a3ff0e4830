// The fake devices' ioctl handler: reads a request (top-level struct and nested
// buffers, within the sizes the ABI layer gives), finds the recorded answer, remaps
// handles, writes the recorded output back and returns the recorded result. An
// unmatched request gets what a real driver gives for an unsupported one, and one
// diagnostic line.
#ifndef NVPROBE_FAKE_DRIVER_REPLAY_IOCTL_REPLAYER_H_
#define NVPROBE_FAKE_DRIVER_REPLAY_IOCTL_REPLAYER_H_

#include <cstdint>
#include <map>
#include <span>
#include <ostream>
#include <string>
#include <unordered_map>
#include <vector>

#include "fake_driver/replay/handle_map.h"
#include "fake_driver/replay/matcher.h"
#include "fake_driver/replay/release_rules.h"
#include "fake_driver/responder/responder.h"
#include "fake_driver/responder/target_memory.h"
#include "fake_driver/trace/trace.h"

namespace nvprobe::fakedrv {

class IoctlReplayer : public IoctlResponder {
 public:
  IoctlReplayer(const Trace& trace, std::ostream& diagnostics)
      : trace_(trace), matcher_(trace), rules_(trace), diag_(diagnostics) {}

  // Log every served request and the trace line that answered it.
  void set_verbose(bool v) { verbose_ = v; }

  IoctlResult Handle(const std::string& device, uint32_t request, uint64_t arg,
                     TargetMemory& mem, int pid, int fd = -1) override;

  int unmatched() const override { return unmatched_; }
  // Requests answered by a release rule (release_rules.h) instead of the trace.
  int answered_by_rule() const { return by_rule_; }
  const HandleMap& handles() const { return handles_; }

 private:
  // What the recorded answer writes into the live request's buffers, nested first.
  struct Output {
    uint64_t address;
    std::vector<uint8_t> bytes;
  };
  Status CollectOutput(const ArgBuffer& rec, const ArgBuffer& live, std::vector<Output>* out);
  void TranslateHandles(const ArgBuffer& rec, const ArgBuffer& live, std::span<uint8_t> out);
  // A layout's fields that the live client's values replace in a recorded answer.
  struct LiveFields {
    std::vector<const abi::Field*> handles;  // 4-byte handles, translated
    std::vector<const abi::Field*> kept;     // pointers and fds, the client's own
  };
  const LiveFields& LiveFieldsOf(const abi::StructLayout& layout);
  IoctlResult Unmatched(const LiveRequest& req, TargetMemory& mem, int pid);
  IoctlResult ByRule(const RuleAnswer& a, const LiveRequest& req, TargetMemory& mem, int pid);
  std::string Describe(uint32_t request, const ArgBuffer& args) const;

  const Trace& trace_;
  Matcher matcher_;
  ReleaseRules rules_;
  HandleMap handles_;
  std::ostream& diag_;
  bool verbose_ = false;
  int unmatched_ = 0;
  int by_rule_ = 0;
  // Per thread: the request last served and every buffer written back. A signal
  // can interrupt a call after its answer was written (even after the reply was
  // accepted); the restarted call then carries our output as its input, and is
  // answered from the request as first read. Only when every buffer the client
  // sends (top-level and nested) is exactly what the answer left there: a client
  // that reuses its buffers for the next request (NVML asks each GPU's ID info
  // through one params buffer, changing only the nested gpuId) sends a new one.
  struct Served {
    LiveRequest request;
    std::vector<Output> written;
  };
  static bool IsRestartOf(const Served& s, const LiveRequest& live);
  static bool HoldsAnswer(const ArgBuffer& buf, const ArgBuffer& live,
                          std::span<const Output> written);
  std::map<int, Served> last_;
  std::unordered_map<const abi::StructLayout*, LiveFields> live_fields_;
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_REPLAY_IOCTL_REPLAYER_H_
