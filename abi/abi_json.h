// The ABI of one release as JSON, in the shape `fakedrv abi dump --json` promises
// (DESIGN.md contract 1):
//   {"driver": "535.43.02",
//    "structs": {"NVOS21_PARAMETERS": {"size": 32, "fields": {"hRoot": 0, ...}}, ...},
//    "constants": {"NV_ESC_RM_ALLOC": 43, ...}}
// A release with constants carried back from a later one (Abi::carried_back()) lists
// them in "constants" like the others, and adds one key that names where each comes
// from: "carried_back": {"NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD102": "565.57.01"}.
#ifndef NVPROBE_ABI_ABI_JSON_H_
#define NVPROBE_ABI_ABI_JSON_H_

#include <nlohmann/json.hpp>

#include "abi/abi.h"

namespace nvprobe::abi {

// Structs and constants by name; fields in offset order; "carried_back" only when
// the release has such constants.
nlohmann::ordered_json DumpJson(const Abi& abi);

}  // namespace nvprobe::abi

#endif  // NVPROBE_ABI_ABI_JSON_H_
