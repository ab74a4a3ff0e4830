// Access to the memory of the process a request came from. The supervisor's
// implementation reads with process_vm_readv and checks SECCOMP_IOCTL_NOTIF_ID_VALID
// afterwards; tests use a plain buffer.
#ifndef NVPROBE_FAKE_DRIVER_RESPONDER_TARGET_MEMORY_H_
#define NVPROBE_FAKE_DRIVER_RESPONDER_TARGET_MEMORY_H_

#include <cstdint>
#include <span>

#include "abi/status.h"

namespace nvprobe::fakedrv {

class TargetMemory {
 public:
  virtual ~TargetMemory() = default;
  // Fails (any code) when [address, address + size) is not readable/writable.
  virtual Status Read(uint64_t address, std::span<uint8_t> out) = 0;
  virtual Status Write(uint64_t address, std::span<const uint8_t> bytes) = 0;
  // False once the request is gone (target interrupted, exited, pid reused): bytes
  // read before must not be used.
  virtual bool StillValid() = 0;
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_RESPONDER_TARGET_MEMORY_H_
