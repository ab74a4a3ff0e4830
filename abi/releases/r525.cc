// Deltas of the 525 branch. Each states what changed against its parent release;
// facts checked against NVIDIA's headers by tests/abi/nvidia_headers_test.cc.
#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {

// Parent: 520.56.06.
void Delta_525_47_04(AbiBuilder& b) {
  // nvos.h: NVOS64 gains `flags` before `status`.
  AllocHead(b.Struct("NVOS64_PARAMETERS", 40))
      .Pointer("pRightsRequested", 24, nested::FixedBytes(4))
      .U32("flags", 32)
      .U32("status", 36);
  b.Constant("NV_ERR_FABRIC_MANAGER_NOT_PRESENT", 0x7A);
}

// Parent: 525.116.04. NVLOG control escape (525 updates only; absent from 530 and from 535.43.02).
void Delta_525_125_06(AbiBuilder& b) {
  b.Constant("NV_ESC_RM_NVLOG_CTRL", 0x5F);
}

}  // namespace nvprobe::abi::releases
