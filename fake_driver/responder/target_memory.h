// Access to the memory of the process a request came from. The supervisor's
// implementation reads with process_vm_readv and checks SECCOMP_IOCTL_NOTIF_ID_VALID
// afterwards; tests use a plain buffer.
//
// Each call into another process costs the kernel's access check (ptrace_may_access
// and whatever LSM hooks it runs) on top of the copy, which is why an answer goes
// back with one WriteAll rather than a Write per buffer.
#ifndef NVPROBE_FAKE_DRIVER_RESPONDER_TARGET_MEMORY_H_
#define NVPROBE_FAKE_DRIVER_RESPONDER_TARGET_MEMORY_H_

#include <cstdint>
#include <span>

#include "abi/status.h"

namespace nvprobe::fakedrv {

// One piece of an answer: `bytes` go to the client's `address`.
struct TargetWrite {
  uint64_t address = 0;
  std::span<const uint8_t> bytes;
};

class TargetMemory {
 public:
  virtual ~TargetMemory() = default;
  // Fails (any code) when [address, address + size) is not readable/writable.
  virtual Status Read(uint64_t address, std::span<uint8_t> out) = 0;
  virtual Status Write(uint64_t address, std::span<const uint8_t> bytes) = 0;
  // The pieces in order, as a Write() of each that stops at the first failing one
  // (those before it stay written, as the driver's copy_to_user() of nested buffers
  // before the top struct would leave them). Implementations that can do it in one
  // call into the target override it.
  virtual Status WriteAll(std::span<const TargetWrite> pieces) {
    for (const TargetWrite& p : pieces) {
      if (Status s = Write(p.address, p.bytes); !s.ok()) return s;
    }
    return OkStatus();
  }
  // False once the request is gone (target interrupted, exited, pid reused): bytes
  // read before must not be used.
  virtual bool StillValid() = 0;
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_RESPONDER_TARGET_MEMORY_H_
