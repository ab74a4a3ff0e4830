// Deltas of the 565 branch. Each states what changed against its parent release;
// facts checked against NVIDIA's headers by tests/abi/nvidia_headers_test.cc.
#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {

// Parent: 560.28.03.
void Delta_565_57_01(AbiBuilder& b) {
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD000", 0x1);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD100", 0x0);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD101", 0x1);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD102", 0x2);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD103", 0x3);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD104", 0x4);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD106", 0x6);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD107", 0x7);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD10B", 0xB);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GB100", 0x0);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GB102", 0x2);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GH100", 0x0);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GH100_SOC", 0x1);
}

}  // namespace nvprobe::abi::releases
