// `fakedrv record --anonymize`: replaces what identifies a machine or a person in a
// recorded trace, consistently (one original value, one fake value, everywhere: in
// file contents and in ioctl bytes, `in` and `out`, top-level and nested):
//   - GPU/MIG UUIDs as text ("GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", any case),
//     and the same UUIDs as raw 16 bytes; raw UUIDs the ABI marks (GET_GID_INFO /
//     GET_UUID_FROM_GPU_ID answers in FORMAT_BINARY) are learned too;
//   - serial numbers ("Serial Number: X" lines, sysfs `serial` files, and the
//     board serial of NV2080_CTRL_CMD_GPU_GET_OEM_BOARD_INFO answers, described by
//     the ABI or not), as "SN0...N";
//   - the GPU's PDI (persistent device identifier) in NV2080_CTRL_GPU_INFO entries
//     0x23 (bits 31:0) and 0x24 (bits 63:32) of GET_INFO_V2 / GET_INFO answers, as
//     0xface0000'0000000N, and the whole 64 bits elsewhere (8 little-endian bytes,
//     16 hex digits);
//   - user and host names: the "(user@host)" of /proc/driver/nvidia/version (the
//     host may be empty: "(nixbld@)"), and the recording machine's own host and user
//     names (4 characters or more), as "anon0...N".
// Fakes keep the original's length, so every struct keeps its size. They are
// numbered per kind (UUIDs and PDIs in the order of their values, serials and names
// in the order found), so the result is a function of the trace and the options.
#ifndef NVPROBE_FAKE_DRIVER_RECORD_RECORD_ANONYMIZE_H_
#define NVPROBE_FAKE_DRIVER_RECORD_RECORD_ANONYMIZE_H_

#include <map>
#include <string>
#include <vector>

#include "fake_driver/trace/trace.h"

namespace nvprobe::fakedrv {

struct AnonymizeOptions {
  std::vector<std::string> extra_names;  // e.g. the local host and user names
};

// Replaces in place; returns original -> fake for every replaced value (for tests
// and the summary; never written to the trace).
std::map<std::string, std::string> AnonymizeTrace(Trace& trace, const AnonymizeOptions& options);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_RECORD_RECORD_ANONYMIZE_H_
