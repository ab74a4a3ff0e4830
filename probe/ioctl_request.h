// Building the ioctl request number for an NVIDIA escape from the running release's
// constants. kernel-open/common/inc/nv-ioctl-numbers.h: requests are
// _IOWR(NV_IOCTL_MAGIC, nr, size); kernel-open/nvidia/nv.c:nvidia_ioctl() reads only
// _IOC_NR and _IOC_SIZE (and, 595.44.02 on, requires the size to match the escape's
// struct exactly).
#ifndef NVPROBE_PROBE_IOCTL_REQUEST_H_
#define NVPROBE_PROBE_IOCTL_REQUEST_H_

#include <cstdint>
#include <string_view>

#include "abi/abi.h"
#include "abi/status.h"

namespace nvprobe::probe {

// The 14-bit size field of an ioctl request bounds what one request can carry.
inline constexpr uint32_t kMaxIoctlSize = (1u << 14) - 1;

// _IOWR(magic, value of `escape`, size). INVALID_ARGUMENT if the size does not fit.
StatusOr<unsigned long> NvRequest(const abi::Abi& abi, std::string_view escape, uint32_t size);

}  // namespace nvprobe::probe

#endif  // NVPROBE_PROBE_IOCTL_REQUEST_H_
