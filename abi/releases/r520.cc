// Deltas of the 520 branch. Each states what changed against its parent release;
// facts checked against NVIDIA's headers by tests/abi/nvidia_headers_test.cc.
#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {

// Parent: 515.43.04. Hopper and Ada architectures appear in the UVM copy of ctrl2080mc.h.
void Delta_520_56_06(AbiBuilder& b) {
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_ARCHITECTURE_AD100", 0x190);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_ARCHITECTURE_GH100", 0x180);
}

}  // namespace nvprobe::abi::releases
