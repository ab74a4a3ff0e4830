// The GPU list from /dev/nvidiactl: NV_ESC_CARD_INFO.
//
// kernel-open/nvidia/nv.c:nvidia_ioctl() case NV_ESC_CARD_INFO fills one
// nv_ioctl_card_info_t per probed GPU and fails with EINVAL when the caller's array
// holds fewer entries than there are GPUs, so we pass NV_MAX_DEVICES (32) entries.
// It needs no GPU to be opened: this is the fast path's GPU list.
#ifndef NVPROBE_PROBE_CARD_INFO_H_
#define NVPROBE_PROBE_CARD_INFO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "abi/abi.h"
#include "abi/status.h"
#include "probe/system.h"

namespace nvprobe::probe {

struct CardInfo {
  uint32_t domain = 0;
  uint8_t bus = 0;
  uint8_t slot = 0;
  uint16_t vendor_id = 0;
  uint16_t device_id = 0;
  uint32_t gpu_id = 0;   // (domain << 16) | (bus << 8) | slot: the RM's gpuId
  uint32_t minor = 0;    // /dev/nvidia<minor>
  std::string BusId() const;  // "0000:3b:00.0" (the function is never filled: 0)
};

// Fails with kOutOfRange when the driver answers EINVAL even to the largest call
// (more GPUs than one ioctl carries: the kernel driver lists none), otherwise with
// kUnavailable (or kInternal for a release without the layout).
StatusOr<std::vector<CardInfo>> ReadCardInfo(System& sys, int ctl_fd, const abi::Abi& abi,
                                             std::vector<std::string>& warnings);

// "DDDD:BB:SS.F" from its parts, lower-case hex as nvidia-smi prints it
// (nvidia-smi prints upper case with an 8-digit domain; we normalise to this form).
std::string FormatBusId(uint32_t domain, uint32_t bus, uint32_t slot, uint32_t function);

}  // namespace nvprobe::probe

#endif  // NVPROBE_PROBE_CARD_INFO_H_
