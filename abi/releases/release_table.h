// The built-in table of known driver releases.
#ifndef NVPROBE_ABI_RELEASES_RELEASE_TABLE_H_
#define NVPROBE_ABI_RELEASES_RELEASE_TABLE_H_

#include <span>

#include "abi/registry.h"

namespace nvprobe::abi::releases {

std::span<const ReleaseEntry> ReleaseTable();

}  // namespace nvprobe::abi::releases

#endif  // NVPROBE_ABI_RELEASES_RELEASE_TABLE_H_
