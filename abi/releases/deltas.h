// The ABI description, release by release. The root release (515.43.04) is split by
// area into Base*() parts; every later release that changed something we describe
// has a Delta_<version>() that states only that change. release_table.cc wires them
// to versions.
#ifndef NVPROBE_ABI_RELEASES_DELTAS_H_
#define NVPROBE_ABI_RELEASES_DELTAS_H_

#include "abi/abi_builder.h"

namespace nvprobe::abi::releases {

// 515.43.04, in parts.
void BaseFrontend(AbiBuilder& b);
void BaseRm(AbiBuilder& b);
void BaseCtrl0000(AbiBuilder& b);
void BaseCtrl2080(AbiBuilder& b);
void BaseStatusCodes(AbiBuilder& b);
void BaseArchitectures(AbiBuilder& b);
void BaseInfoIndices(AbiBuilder& b);
void Root_515_43_04(AbiBuilder& b);

}  // namespace nvprobe::abi::releases

#endif  // NVPROBE_ABI_RELEASES_DELTAS_H_
