// Deltas of the 575 branch. Each states what changed against its parent release;
// facts checked against NVIDIA's headers by tests/abi/nvidia_headers_test.cc.
#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {

// Parent: 570.86.15.
void Delta_575_51_02(AbiBuilder& b) {
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_IS_LOCALIZATION_SUPPORTED", 0x41);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_IS_LOCALIZATION_SUPPORTED_NO", 0x0);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_IS_LOCALIZATION_SUPPORTED_YES", 0x1);
  SetGpuInfoListMax(b, 0x42);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GB10B", 0xB);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GB110", 0x3);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GB112", 0x4);
  b.RemoveConstant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GB204");
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GB20B", 0xB);
  b.Constant("NV_ERR_BUFFER_EMPTY", 0x89);
  b.Constant("NV_ERR_BUFFER_FULL", 0x88);
  b.Constant("NV_ERR_FABRIC_STATE_OUT_OF_SYNC", 0x87);
  b.Constant("NV_ERR_RESOURCE_RETIREMENT_ERROR", 0x86);
  b.Constant("NV_ERR_THRESHOLD_CROSSED", 0x85);
  b.Constant("NV_WARN_THRESHOLD_CROSSED", 0x10009);
}

}  // namespace nvprobe::abi::releases
