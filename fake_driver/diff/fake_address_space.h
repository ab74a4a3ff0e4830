// The address space a recorded request is asked in: byte regions at made-up
// addresses, with unmapped gaps between them so that a read or write past a
// buffer's end faults as it would in a real process. Anything outside a region
// faults. Never goes stale (no process behind it).
#ifndef NVPROBE_FAKE_DRIVER_DIFF_FAKE_ADDRESS_SPACE_H_
#define NVPROBE_FAKE_DRIVER_DIFF_FAKE_ADDRESS_SPACE_H_

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "fake_driver/responder/target_memory.h"

namespace nvprobe::fakedrv::diff {

class FakeAddressSpace : public TargetMemory {
 public:
  // A new region holding a copy of `bytes`; returns its address (never 0).
  uint64_t Place(std::span<const uint8_t> bytes);

  Status Read(uint64_t address, std::span<uint8_t> out) override;
  Status Write(uint64_t address, std::span<const uint8_t> bytes) override;
  bool StillValid() override { return true; }

 private:
  // [address, address + size) inside one region, or null.
  uint8_t* Find(uint64_t address, size_t size);

  std::map<uint64_t, std::vector<uint8_t>> regions_;
  // Far from 0 so that a null or small pointer faults; page-aligned like a heap.
  uint64_t next_ = 0x7f0000000000;
};

}  // namespace nvprobe::fakedrv::diff

#endif  // NVPROBE_FAKE_DRIVER_DIFF_FAKE_ADDRESS_SPACE_H_
