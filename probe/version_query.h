// The driver's version string from /dev/nvidiactl: NV_ESC_CHECK_VERSION_STR.
//
// kernel-open/nvidia/nv.c:nvidia_ioctl() hands the escape to the RM's version check
// (src/nvidia/arch/nvalloc/unix/src/escape.c -> osapi.c:RmPerformVersionCheck()).
// From 530.30.02 the command NV_RM_API_VERSION_CMD_QUERY ('2') makes the kernel write
// its version string and succeed. Before 530 the same value meant "override", which
// succeeds and leaves the caller's (empty) buffer alone; there the portable question
// is CMD_STRICT with an empty string: the check fails (EINVAL) but the kernel copies
// its own version string into the buffer first.
//
// The struct (nv_ioctl_rm_api_version_t) is unchanged across every known release, so
// its layout comes from the oldest release: the version is what we are asking for.
#ifndef NVPROBE_PROBE_VERSION_QUERY_H_
#define NVPROBE_PROBE_VERSION_QUERY_H_

#include <string>
#include <vector>

#include "abi/status.h"
#include "probe/system.h"

namespace nvprobe::probe {

struct VersionQueryOutcome {
  std::string version;        // validated: parses as a DriverVersion
  bool strict_fallback = false;  // the pre-530 path answered
};

// `warnings` gets one line per oddity in the driver's answer (e.g. no NUL).
StatusOr<VersionQueryOutcome> QueryDriverVersion(System& sys, int ctl_fd,
                                                 std::vector<std::string>& warnings);

}  // namespace nvprobe::probe

#endif  // NVPROBE_PROBE_VERSION_QUERY_H_
