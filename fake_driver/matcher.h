// Finds the recorded event that answers a live request, by key rather than by
// position: same device and request number, and the same input in every field
// that matters - handles compared through the handle map, pointers only for being
// null or not, the driver-written `status` left out. Among matching events it
// prefers the first unconsumed one after the last match, wrapping around (as
// umockdev does), then any matching one in the same order.
#ifndef NVPROBE_FAKE_DRIVER_MATCHER_H_
#define NVPROBE_FAKE_DRIVER_MATCHER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fake_driver/arg_buffer.h"
#include "fake_driver/handle_map.h"
#include "fake_driver/trace.h"

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

class Matcher {
 public:
  explicit Matcher(const Trace& trace) : trace_(trace), consumed_(trace.events.size()) {}

  std::optional<Match> Find(const LiveRequest& req, const HandleMap& handles) const;
  void Consume(size_t index);
  // Up to `max` recorded events most like `req` (same request number first).
  std::vector<const IoctlEvent*> Closest(const LiveRequest& req, const HandleMap& handles,
                                         size_t max) const;

 private:
  const Trace& trace_;
  std::vector<bool> consumed_;
  size_t next_ = 0;
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_MATCHER_H_
