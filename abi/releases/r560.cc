// Deltas of the 560 branch. Each states what changed against its parent release;
// facts checked against NVIDIA's headers by tests/abi/nvidia_headers_test.cc.
#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {

// Parent: 555.42.02.
void Delta_560_28_03(AbiBuilder& b) {
  // ctrl0000system.h: driverBranch[256] inserted after versionBuffer.
  b.Struct("NV0000_CTRL_SYSTEM_GET_BUILD_VERSION_V2_PARAMS", 1032)
      .String("driverVersionBuffer", 0, 256)
      .String("versionBuffer", 256, 256)
      .String("driverBranch", 512, 256)
      .String("titleBuffer", 768, 256)
      .U32("changelistNumber", 1024)
      .U32("officialChangelistNumber", 1028);
  b.Constant("NV2080_CTRL_FB_INFO_INDEX_LTC_MASK_0", 0x2B);
  b.Constant("NV2080_CTRL_FB_INFO_INDEX_LTC_MASK_1", 0x38);
  b.Constant("NV2080_CTRL_FB_INFO_INDEX_MAX", 0x38);  // was 0x36
  b.Constant("NV2080_CTRL_FB_INFO_INDEX_PARTITION_MASK_0", 0x14);
  b.Constant("NV2080_CTRL_FB_INFO_INDEX_PARTITION_MASK_1", 0x37);
  SetFbInfoListMax(b, 0x39);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_ARCHITECTURE_GB100", 0x1A0);
  b.Constant("NV_ERR_INSUFFICIENT_ZBC_ENTRY", 0x80);
  b.Constant("NV_ERR_SECURE_BOOT_FAILED", 0x7F);
}

}  // namespace nvprobe::abi::releases
