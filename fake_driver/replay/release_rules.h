// Answers the driver gives by rule rather than by record: checks every release makes
// whatever the machine, so a replay answers a request the trace never saw the way
// the real driver would. Each rule cites the driver source it models.
//
//  - malformed RM calls: an RM escape whose argument is not its struct's size is
//    -1/EINVAL (escape.c:RmIoctl(), nv.c:nvidia_ioctl() maps any RM failure to
//    -EINVAL); a control whose paramsSize is not its params struct's size gets
//    NV_ERR_INVALID_PARAM_STRUCT (rs_resource.c:resControlLookup_IMPL()).
//  - device allocation: NV01_DEVICE_0 by a process that holds no fd of that GPU's
//    /dev/nvidiaN gets NV_ERR_INSUFFICIENT_PERMISSIONS (device.c:deviceConstruct_IMPL()
//    via osIsGpuAccessible() -> nv.c:nv_is_gpu_accessible()), even where the trace
//    recorded a success.
//  - card info with another number of entries (nv.c:nvidia_read_card_info()): every
//    entry cleared, then the GPUs; fewer entries than GPUs is -1/EINVAL, and so is
//    card info on a GPU node (nv.c:NV_CTL_DEVICE_ONLY).
//  - the version check: NV_ESC_CHECK_VERSION_STR with any command and string
//    (osapi.c:RmCheckApiVersion(): reply RECOGNIZED; QUERY from 530.30.02 or the
//    older OVERRIDE succeed; RELAXED compares up to the first '.'; otherwise the
//    strings must be equal, else the driver's string comes back with EINVAL).
#ifndef NVPROBE_FAKE_DRIVER_REPLAY_RELEASE_RULES_H_
#define NVPROBE_FAKE_DRIVER_REPLAY_RELEASE_RULES_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fake_driver/responder/frontend_rules.h"
#include "fake_driver/replay/matcher.h"
#include "fake_driver/trace/trace.h"

namespace nvprobe::fakedrv {

// Whether the calling process holds an open fd of a device node (by path).
using HoldsDevice = std::function<bool(const std::string& device_path)>;

class ReleaseRules {
 public:
  explicit ReleaseRules(const Trace& trace);

  // Checked on the top-level argument alone, before nested buffers are read: a
  // malformed RM call never reaches the RM's dispatch.
  std::optional<RuleAnswer> Malformed(const LiveRequest& req) const;
  // Checked before matching: a refusal that overrides what the trace recorded.
  std::optional<RuleAnswer> Refused(const LiveRequest& req, const HoldsDevice& holds) const;
  // Checked when no recorded event matched: the driver's answer where the release
  // alone decides it.
  std::optional<RuleAnswer> Unrecorded(const LiveRequest& req) const;

  // The /dev/nvidiaN of an RM device instance, learned from the trace's card info
  // (gpu_id -> minor) and GPU_GET_ID_INFO_V2 (gpuId -> deviceInstance) answers.
  const std::map<uint32_t, std::string>& device_nodes() const { return device_nodes_; }

 private:
  std::optional<RuleAnswer> VersionCheck(const LiveRequest& req) const;
  std::optional<RuleAnswer> CardInfo(const LiveRequest& req) const;
  std::optional<RuleAnswer> WithStatus(const LiveRequest& req, const std::string& rule,
                                       const char* status) const;

  const Trace& trace_;
  std::map<uint32_t, std::string> device_nodes_;
  // The first successful card info on the control node: the GPU list the driver
  // answers card info with, whatever the entry count.
  const IoctlEvent* card_info_ = nullptr;
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_REPLAY_RELEASE_RULES_H_
