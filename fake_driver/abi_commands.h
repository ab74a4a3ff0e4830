// `fakedrv abi ...`: look at the ABI layer from the command line.
//   versions              every known release, its parent, and whether it has a delta
//   dump --driver V       one release's structs and constants (--json: contract 1),
//                         constants carried back from later releases marked as such
//   diff V1 V2            what changed between two releases
// Each function writes results to `out`, notices and errors to `err`, and returns
// the process exit status.
#ifndef NVPROBE_FAKE_DRIVER_ABI_COMMANDS_H_
#define NVPROBE_FAKE_DRIVER_ABI_COMMANDS_H_

#include <ostream>
#include <string>

#include "abi/registry.h"

namespace nvprobe::fakedrv {

// Exit statuses shared by every fakedrv subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;  // bad input (unknown version, unreadable file)
inline constexpr int kExitUsage = 2;  // unknown command or option

int AbiVersions(const abi::Registry& registry, bool json, std::ostream& out);
int AbiDump(const abi::Registry& registry, const std::string& version, bool json,
            std::ostream& out, std::ostream& err);
int AbiDiff(const abi::Registry& registry, const std::string& from, const std::string& to,
            std::ostream& out, std::ostream& err);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_ABI_COMMANDS_H_
