// The ABI description, release by release. The root release (515.43.04) is split by
// area into Base*() parts; every later release that changed something we describe
// has a Delta_<version>() that states only that change. release_table.cc wires them
// to versions.
#ifndef NVPROBE_ABI_RELEASES_DELTAS_H_
#define NVPROBE_ABI_RELEASES_DELTAS_H_

#include <cstdint>
#include <string>

#include "abi/abi_builder.h"

namespace nvprobe::abi::releases {

// 515.43.04, in parts.
void BaseFrontend(AbiBuilder& b);
void BaseRm(AbiBuilder& b);
void BaseCtrl0000(AbiBuilder& b);
void BaseCtrl0080(AbiBuilder& b);
void BaseCtrl2080(AbiBuilder& b);
void BaseStatusCodes(AbiBuilder& b);
void BaseArchitectures(AbiBuilder& b);
void BaseInfoIndices(AbiBuilder& b);
void Root_515_43_04(AbiBuilder& b);

// Constants a later release's headers first name, carried back to every release
// before it (AbiBuilder::CarriedBackConstant); the root applies them, so each
// release before that one inherits them, marked as not from its own headers.
void CarryBack_565_57_01(AbiBuilder& b);  // Ada's and Hopper's implementations

// The leading fields NVOS21_PARAMETERS and NVOS64_PARAMETERS share (nvos.h), up to
// pAllocParms, whose size comes from `alloc_size_field` (535.43.02 on) or else from
// the class's params struct.
StructBuilder AllocHead(StructBuilder s, std::string alloc_size_field = "");

// Helpers for structs whose size follows a constant.
void SetGpuInfoListMax(AbiBuilder& b, uint32_t max);
void SetFbInfoListMax(AbiBuilder& b, uint32_t max);

// Later releases, in version order.
void Delta_520_56_06(AbiBuilder& b);
void Delta_525_47_04(AbiBuilder& b);
void Delta_525_125_06(AbiBuilder& b);
void Delta_530_30_02(AbiBuilder& b);
void Delta_535_43_02(AbiBuilder& b);
void Delta_535_43_08(AbiBuilder& b);
void Delta_545_23_06(AbiBuilder& b);
void Delta_550_40_07(AbiBuilder& b);
void Delta_550_40_63(AbiBuilder& b);
void Delta_550_54_14(AbiBuilder& b);
void Delta_550_76(AbiBuilder& b);
void Delta_550_120(AbiBuilder& b);
void Delta_555_42_02(AbiBuilder& b);
void Delta_560_28_03(AbiBuilder& b);
void Delta_565_57_01(AbiBuilder& b);
void Delta_570_86_15(AbiBuilder& b);
void Delta_570_123_07(AbiBuilder& b);
void Delta_570_124_04(AbiBuilder& b);
void Delta_570_133_07(AbiBuilder& b);
void Delta_575_51_02(AbiBuilder& b);
void Delta_580_65_06(AbiBuilder& b);
void Delta_580_82_07(AbiBuilder& b);
void Delta_580_94_10(AbiBuilder& b);
void Delta_580_95_05(AbiBuilder& b);
void Delta_580_105_08(AbiBuilder& b);
void Delta_590_44_01(AbiBuilder& b);
void Delta_595_44_02(AbiBuilder& b);

}  // namespace nvprobe::abi::releases

#endif  // NVPROBE_ABI_RELEASES_DELTAS_H_
