// A target's address space for in-process replay tests: a few byte regions at
// fixed addresses; anything else faults. Every write is logged, so a test can say
// where the replayer wrote and how much.
#ifndef NVPROBE_TESTS_FAKE_DRIVER_REGION_MEMORY_H_
#define NVPROBE_TESTS_FAKE_DRIVER_REGION_MEMORY_H_

#include <cstdint>
#include <cstring>
#include <map>
#include <utility>
#include <vector>

#include "fake_driver/responder/target_memory.h"

namespace nvprobe::fakedrv {

class RegionMemory : public TargetMemory {
 public:
  std::map<uint64_t, std::vector<uint8_t>> regions;
  std::vector<std::pair<uint64_t, size_t>> writes;  // (address, size), in order

  Status Read(uint64_t a, std::span<uint8_t> out) override {
    uint8_t* p = Find(a, out.size());
    if (p == nullptr) return UnavailableError("fault");
    std::memcpy(out.data(), p, out.size());
    return OkStatus();
  }
  Status Write(uint64_t a, std::span<const uint8_t> in) override {
    writes.emplace_back(a, in.size());
    uint8_t* p = Find(a, in.size());
    if (p == nullptr) return UnavailableError("fault");
    std::memcpy(p, in.data(), in.size());
    return OkStatus();
  }
  bool StillValid() override { return true; }

 private:
  uint8_t* Find(uint64_t a, size_t n) {
    for (auto& [base, bytes] : regions)
      if (a >= base && a + n <= base + bytes.size()) return bytes.data() + (a - base);
    return nullptr;
  }
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_TESTS_FAKE_DRIVER_REGION_MEMORY_H_
