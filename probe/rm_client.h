// An RM root client on /dev/nvidiactl, and the three RM escapes the probe uses:
// NV_ESC_RM_ALLOC (NVOS21_PARAMETERS), NV_ESC_RM_CONTROL (NVOS54_PARAMETERS) and
// NV_ESC_RM_FREE (NVOS00_PARAMETERS).
//
// kernel-open/nvidia/nv.c:nvidia_ioctl() passes escapes below NV_IOCTL_BASE to the RM
// (src/nvidia/arch/nvalloc/unix/src/escape.c:RmIoctl()); the ioctl returns 0 once
// dispatched and the RM's answer is the struct's `status` field, whose offset moved
// at 535.43.02 (NVOS21 gained paramsSize) - so every field goes through the layout of
// the running release. NVOS21 is 32 bytes in every release: RmIoctl() tells it from
// NVOS64 by size.
//
// The destructor frees the client (which frees everything under it) and so does
// every error path; the fd belongs to the caller.
#ifndef NVPROBE_PROBE_RM_CLIENT_H_
#define NVPROBE_PROBE_RM_CLIENT_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "abi/abi.h"
#include "abi/status.h"
#include "probe/system.h"

namespace nvprobe::probe {

class RmClient {
 public:
  // Allocates an NV01_ROOT_CLIENT; the RM picks its handle.
  static StatusOr<std::unique_ptr<RmClient>> Create(System& sys, int ctl_fd,
                                                    std::shared_ptr<const abi::Abi> abi);
  ~RmClient();
  RmClient(const RmClient&) = delete;
  RmClient& operator=(const RmClient&) = delete;

  uint32_t handle() const { return client_; }
  const abi::Abi& abi() const { return *abi_; }

  // Allocates object `handle` of class `class_name` (a constant name) under `parent`,
  // with `params` (may be empty). The params struct is checked against the class's.
  Status Alloc(uint32_t parent, uint32_t handle, std::string_view class_name,
               std::span<uint8_t> params);
  Status Free(uint32_t parent, uint32_t handle);
  // Runs control `cmd_name` (a constant name) on `object`; `params` is the command's
  // params struct, already filled.
  Status Control(uint32_t object, std::string_view cmd_name, std::span<uint8_t> params);

 private:
  RmClient(System& sys, int fd, std::shared_ptr<const abi::Abi> abi)
      : sys_(sys), fd_(fd), abi_(std::move(abi)) {}
  // Sends one RM escape whose struct is `buf`, then reads its `status`.
  Status Send(std::string_view escape, std::string_view what, std::vector<uint8_t>& buf,
              const abi::StructLayout& layout);

  System& sys_;
  int fd_;
  std::shared_ptr<const abi::Abi> abi_;
  uint32_t client_ = 0;
};

}  // namespace nvprobe::probe

#endif  // NVPROBE_PROBE_RM_CLIENT_H_
