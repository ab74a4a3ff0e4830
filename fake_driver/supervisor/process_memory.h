// TargetMemory over another process (process_vm_readv/writev), for one seccomp
// notification: validity is SECCOMP_IOCTL_NOTIF_ID_VALID on the listener.
#ifndef NVPROBE_FAKE_DRIVER_SUPERVISOR_PROCESS_MEMORY_H_
#define NVPROBE_FAKE_DRIVER_SUPERVISOR_PROCESS_MEMORY_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "fake_driver/responder/target_memory.h"

namespace nvprobe::fakedrv {

class ProcessMemory : public TargetMemory {
 public:
  ProcessMemory(pid_t pid, int listener, uint64_t notification_id)
      : pid_(pid), listener_(listener), id_(notification_id) {}

  Status Read(uint64_t address, std::span<uint8_t> out) override;
  Status Write(uint64_t address, std::span<const uint8_t> bytes) override;
  // One process_vm_writev for all pieces (up to IOV_MAX; more take several).
  Status WriteAll(std::span<const TargetWrite> pieces) override;
  bool StillValid() override;
  // A NUL-terminated string of at most `max` bytes, read page by page. Errors:
  // kPermissionDenied when the target cannot be inspected, kOutOfRange when the
  // string is longer, kUnavailable when the memory is not readable.
  StatusOr<std::string> ReadString(uint64_t address, size_t max);

 private:
  pid_t pid_;
  int listener_;
  uint64_t id_;
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_SUPERVISOR_PROCESS_MEMORY_H_
