#include "fake_driver/replay/handle_map.h"

namespace nvprobe::fakedrv {

std::optional<uint32_t> HandleMap::ToTrace(uint32_t client) const {
  auto it = to_trace_.find(client);
  if (it == to_trace_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint32_t> HandleMap::ToClient(uint32_t trace) const {
  auto it = to_client_.find(trace);
  if (it == to_client_.end()) return std::nullopt;
  return it->second;
}

void HandleMap::Bind(uint32_t client, uint32_t trace) {
  to_trace_[client] = trace;
  to_client_[trace] = client;
}

void HandleMap::ForgetClient(uint32_t client) {
  auto it = to_trace_.find(client);
  if (it == to_trace_.end()) return;
  auto back = to_client_.find(it->second);
  if (back != to_client_.end() && back->second == client) to_client_.erase(back);
  to_trace_.erase(it);
}

uint32_t HandleMap::Assign(uint32_t trace) {
  while (next_ == 0 || to_trace_.count(next_)) ++next_;
  uint32_t h = next_++;
  Bind(h, trace);
  return h;
}

}  // namespace nvprobe::fakedrv
