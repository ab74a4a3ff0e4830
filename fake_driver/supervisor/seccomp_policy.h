// The seccomp filter the target runs under: NVIDIA ioctls (type byte 'F') and the
// path/stat calls needed to present the fake machine's files go to the supervisor;
// everything else is allowed. Built in the supervisor before the target is started.
#ifndef NVPROBE_FAKE_DRIVER_SUPERVISOR_SECCOMP_POLICY_H_
#define NVPROBE_FAKE_DRIVER_SUPERVISOR_SECCOMP_POLICY_H_

#include <linux/filter.h>

#include <string>
#include <vector>

#include "abi/status.h"

namespace nvprobe::fakedrv {

// The kernel features the supervisor needs, with the first release that has them.
struct KernelSupport {
  static constexpr int kMinMajor = 5, kMinMinor = 14;  // SECCOMP_ADDFD_FLAG_SEND
  // Fails, saying why, on a kernel older than kMinMajor.kMinMinor.
  static Status Check(const std::string& release);
};

class SeccompPolicy {
 public:
  static StatusOr<std::vector<sock_filter>> BuildFilter();
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_SUPERVISOR_SECCOMP_POLICY_H_
