// Deltas of the 565 branch. Each states what changed against its parent release;
// facts checked against NVIDIA's headers by tests/abi/nvidia_headers_test.cc.
#include <string_view>
#include <utility>

#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {
namespace {

// ctrl/ctrl2080/ctrl2080mc.h at 565.57.01: the implementation numbers of Hopper
// (GH10x) and Ada (AD10x), which no earlier release's headers name (the UVM copy of
// the header names only GP10x's; none names GV10x's). Earlier drivers already ran
// these chips and reported the same numbers, so every earlier release carries them
// back (CarryBack_565_57_01); tests/abi/carried_constants_test.cc checks them.
constexpr std::pair<std::string_view, uint64_t> kAdaHopperImplementations[] = {
    {"NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD000", 0x1},
    {"NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD100", 0x0},
    {"NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD101", 0x1},
    {"NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD102", 0x2},
    {"NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD103", 0x3},
    {"NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD104", 0x4},
    {"NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD106", 0x6},
    {"NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD107", 0x7},
    {"NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD10B", 0xB},
    {"NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GH100", 0x0},
    {"NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GH100_SOC", 0x1},
};

}  // namespace

void CarryBack_565_57_01(AbiBuilder& b) {
  const DriverVersion from = *DriverVersion::Parse("565.57.01");
  for (const auto& [name, value] : kAdaHopperImplementations) {
    b.CarriedBackConstant(std::string(name), value, from);
  }
}

// Parent: 560.28.03.
void Delta_565_57_01(AbiBuilder& b) {
  // The carried-back constants become the release's own.
  for (const auto& [name, value] : kAdaHopperImplementations) b.Constant(std::string(name), value);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GB100", 0x0);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GB102", 0x2);
}

}  // namespace nvprobe::abi::releases
