// GPU architecture and implementation numbers that NV2080_CTRL_CMD_MC_GET_ARCH_INFO
// reports, as of 515.43.04. The SDK's ctrl/ctrl2080/ctrl2080mc.h lists only some of
// them before 565.57.01; the UVM module's copy (kernel-open/nvidia-uvm/ctrl2080mc.h)
// lists every one the driver reports, and both agree where both have a name.
// architecture = chip family << 4; implementation picks the chip within the family.
// Ada's and Hopper's implementations, which no header names before 565.57.01, are
// carried back from there (r565.cc), marked as not from these headers.
#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {

void BaseArchitectures(AbiBuilder& b) {
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_ARCHITECTURE_GA100", 0x170);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_ARCHITECTURE_GM000", 0x110);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_ARCHITECTURE_GM200", 0x120);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_ARCHITECTURE_GP100", 0x130);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_ARCHITECTURE_GV100", 0x140);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_ARCHITECTURE_T13X", 0xE0000013);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_ARCHITECTURE_T23X", 0xE0000023);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_ARCHITECTURE_TU100", 0x160);

  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GA000", 0x1);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GA100", 0x0);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GA102", 0x2);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GA103", 0x3);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GA104", 0x4);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GA106", 0x6);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GA107", 0x7);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GA10B", 0xB);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GP000", 0x1);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GP100", 0x0);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_T234", 0x4);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_T234D", 0x5);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_TU100", 0x0);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_TU102", 0x2);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_TU104", 0x4);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_TU106", 0x6);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_TU116", 0x8);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_TU117", 0x7);
}

}  // namespace nvprobe::abi::releases
