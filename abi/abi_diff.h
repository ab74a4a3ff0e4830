// What changed between two releases' ABIs, for people (`fakedrv abi diff`), in the
// spirit of gVisor's nvproxy driver differ: structs added, removed, resized, fields
// added, removed, moved or reshaped; constants added, removed or changed; escapes,
// control commands and classes rebound; behaviour changes.
#ifndef NVPROBE_ABI_ABI_DIFF_H_
#define NVPROBE_ABI_ABI_DIFF_H_

#include <string>
#include <vector>

#include "abi/abi.h"

namespace nvprobe::abi {

// One line per change, grouped (structs, then bindings, then constants, then
// behaviour), each group in name order. Empty when nothing differs.
std::vector<std::string> DiffAbis(const Abi& from, const Abi& to);

}  // namespace nvprobe::abi

#endif  // NVPROBE_ABI_ABI_DIFF_H_
