// `fakedrv diff --machine M T`: the machine model of description M, for trace T's
// driver release, asked every ioctl event of T (fake_driver/diff/README.md).
#ifndef NVPROBE_FAKE_DRIVER_DIFF_DIFF_COMMAND_H_
#define NVPROBE_FAKE_DRIVER_DIFF_DIFF_COMMAND_H_

#include <ostream>
#include <string>

#include "abi/registry.h"
#include "fake_driver/diff/trace_diff.h"

namespace nvprobe::fakedrv::diff {

inline constexpr int kExitNoDifference = 0;
inline constexpr int kExitDifferences = 1;
inline constexpr int kExitBadInput = 2;  // also fakedrv's usage errors

// Differences and the summary go to `out`; problems with the inputs to `err`, each
// naming its file (the loaders' own messages).
int DiffCommand(const abi::Registry& registry, const std::string& machine_path,
                const std::string& trace_path, const DiffOptions& options, std::ostream& out,
                std::ostream& err);

}  // namespace nvprobe::fakedrv::diff

#endif  // NVPROBE_FAKE_DRIVER_DIFF_DIFF_COMMAND_H_
