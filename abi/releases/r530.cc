// Deltas of the 530 branch. Each states what changed against its parent release;
// facts checked against NVIDIA's headers by tests/abi/nvidia_headers_test.cc.
#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {

// Parent: 525.47.04.
void Delta_530_30_02(AbiBuilder& b) {
  // nv-ioctl.h: '2' is now QUERY, answered with the kernel's version string
  // (kernel-open/nvidia/nv.c:nvidia_ioctl() NV_ESC_CHECK_VERSION_STR); before,
  // it was OVERRIDE, which returned the caller's buffer untouched.
  b.semantics().version_query = true;
  SetGpuInfoListMax(b, 0x3F);
  b.RemoveConstant("NV_RM_API_VERSION_CMD_OVERRIDE");
  b.Constant("NV_RM_API_VERSION_CMD_QUERY", 0x32);
}

}  // namespace nvprobe::abi::releases
