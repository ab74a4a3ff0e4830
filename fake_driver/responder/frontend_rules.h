// Frontend escapes whose answer the release alone decides, whatever the machine:
// shared by replay (for requests a trace never saw) and the machine model. Each
// cites the driver source it models.
#ifndef NVPROBE_FAKE_DRIVER_RESPONDER_FRONTEND_RULES_H_
#define NVPROBE_FAKE_DRIVER_RESPONDER_FRONTEND_RULES_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "abi/abi.h"
#include "fake_driver/trace/arg_buffer.h"

namespace nvprobe::fakedrv {

struct RuleAnswer {
  std::string rule;          // which rule answered, for the diagnostics
  std::vector<uint8_t> out;  // top-level bytes to write back; empty: nothing written
  int64_t ret = 0;
  int err = 0;
};

// NV_ESC_CHECK_VERSION_STR with any command and string (osapi.c:RmCheckApiVersion():
// reply RECOGNIZED; QUERY from 530.30.02 or the older OVERRIDE succeed; RELAXED
// compares up to the first '.'; otherwise the strings must be equal, else the
// driver's string `driver` comes back with EINVAL). nullopt: not that struct.
std::optional<RuleAnswer> VersionCheckAnswer(const abi::Abi& abi, const std::string& driver,
                                             const ArgBuffer& args);

// NV_ESC_CARD_INFO with any number of entries (nv.c:nvidia_read_card_info()): every
// entry cleared, then the GPUs (`gpu_entries`: their nv_ioctl_card_info_t entries
// back to back); fewer entries than GPUs is -1/EINVAL, and so is card info on a GPU
// node (nv.c:NV_CTL_DEVICE_ONLY).
std::optional<RuleAnswer> CardInfoAnswer(const abi::Abi& abi, std::span<const uint8_t> gpu_entries,
                                         const std::string& device, const ArgBuffer& args);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_RESPONDER_FRONTEND_RULES_H_
