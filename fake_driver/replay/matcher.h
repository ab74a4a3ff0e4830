// Finds the recorded event that answers a live request, by key rather than by
// position: same device and request number, and the same input in every field
// that matters - handles compared through the handle map, pointers only for being
// null or not, the driver-written `status` left out. Among matching events it
// prefers the first unconsumed one after the last match, wrapping around (as
// umockdev does), then any matching one in the same order.
#ifndef NVPROBE_FAKE_DRIVER_REPLAY_MATCHER_H_
#define NVPROBE_FAKE_DRIVER_REPLAY_MATCHER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fake_driver/trace/arg_buffer.h"
#include "fake_driver/replay/handle_map.h"
#include "fake_driver/trace/trace.h"

namespace nvprobe::fakedrv {

struct LiveRequest {
  std::string device;
  uint32_t request = 0;
  ArgBuffer args;  // `in` and `address` filled
};

struct Match {
  size_t index = 0;
  const IoctlEvent* event = nullptr;
  // (client, trace) pairs for client handles the map did not know yet.
  std::vector<std::pair<uint32_t, uint32_t>> new_bindings;
};

// One contiguous run of input bytes that must be equal, or one handle or pointer
// field, of a struct layout (offsets within one element).
struct FieldCheck {
  enum class Kind { kBytes, kHandle, kPointer, kFd };
  Kind kind = Kind::kBytes;
  uint32_t offset = 0, width = 0;
};

// What comparing a struct's input means, worked out once per layout: byte runs
// (adjacent plain fields merged, `status` left out) and pointers first, as they
// tell events apart at the least cost, then handles (a map lookup each) in
// layout order.
struct ComparePlan {
  std::vector<FieldCheck> plain;    // kBytes, kPointer and kFd
  std::vector<FieldCheck> handles;  // kHandle
};

class Matcher {
 public:
  // Indexes the trace's events by device and request number; the trace must
  // outlive the matcher and not change.
  explicit Matcher(const Trace& trace);

  std::optional<Match> Find(const LiveRequest& req, const HandleMap& handles) const;
  void Consume(size_t index);
  // Up to `max` recorded events most like `req` (same request number first).
  std::vector<const IoctlEvent*> Closest(const LiveRequest& req, const HandleMap& handles,
                                         size_t max) const;

 private:
  void PlanLayouts(const ArgBuffer& buf);
  // A hash of the top-level input's plain bytes and pointer nullness: equal for
  // any request that matches an event, so a differing one rules it out cheaply.
  uint64_t Signature(const ArgBuffer& buf) const;

  const Trace& trace_;
  std::vector<bool> consumed_;
  size_t next_ = 0;
  // Ascending event indexes per (device, request): a request is only ever
  // compared with the events that could answer it.
  std::map<std::pair<std::string, uint32_t>, std::vector<size_t>> by_key_;
  std::unordered_map<const abi::StructLayout*, ComparePlan> plans_;
  std::vector<uint64_t> signatures_;  // per event
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_REPLAY_MATCHER_H_
