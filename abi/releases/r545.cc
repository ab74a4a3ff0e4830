// Deltas of the 545 branch. Each states what changed against its parent release;
// facts checked against NVIDIA's headers by tests/abi/nvidia_headers_test.cc.
#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {

// Parent: 535.43.02.
void Delta_545_23_06(AbiBuilder& b) {
  b.Constant("NV2080_CTRL_FB_INFO_INDEX_IS_ZERO_FB", 0x36);
  b.Constant("NV2080_CTRL_FB_INFO_INDEX_MAX", 0x36);  // was 0x35
  SetFbInfoListMax(b, 0x37);
  SetGpuInfoListMax(b, 0x41);
  b.Constant("NV_ESC_RM_LOCKLESS_DIAGNOSTIC", 0x5F);
}

}  // namespace nvprobe::abi::releases
