// Deltas of the 570 branch. Each states what changed against its parent release;
// facts checked against NVIDIA's headers by tests/abi/nvidia_headers_test.cc.
#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {

// Parent: 565.57.01.
void Delta_570_86_15(AbiBuilder& b) {
  b.RemoveConstant("NV2080_CTRL_GPU_INFO_INDEX_IBMNPU_RELAXED_ORDERING");
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_ARCHITECTURE_GB200", 0x1B0);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GB200", 0x0);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GB202", 0x2);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GB203", 0x3);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GB204", 0x4);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GB205", 0x5);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GB206", 0x6);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GB207", 0x7);
  b.Constant("NV_ERR_GPU_MEMORY_ONLINING_FAILURE", 0x83);
  b.Constant("NV_ERR_NVLINK_FABRIC_FAILURE", 0x82);
  b.Constant("NV_ERR_NVLINK_FABRIC_NOT_READY", 0x81);
  b.Constant("NV_ERR_REDUCTION_MANAGER_NOT_AVAILABLE", 0x84);
}

// Parent: 570.123.06. A status code the 570.124.x updates lack.
void Delta_570_123_07(AbiBuilder& b) {
  b.Constant("NV_ERR_RESOURCE_RETIREMENT_ERROR", 0x86);
}

// Parent: 570.123.19. 570.124.x lacks the retirement status code.
void Delta_570_124_04(AbiBuilder& b) {
  b.RemoveConstant("NV_ERR_RESOURCE_RETIREMENT_ERROR");
}

// Parent: 570.124.06. The retirement status code returns.
void Delta_570_133_07(AbiBuilder& b) {
  b.Constant("NV_ERR_RESOURCE_RETIREMENT_ERROR", 0x86);
}

}  // namespace nvprobe::abi::releases
