// `fakedrv record --anonymize`: replaces what identifies a machine or a person in a
// recorded trace, consistently (one original value, one fake value, everywhere: in
// file contents and in ioctl bytes, `in` and `out`, top-level and nested):
//   - GPU/MIG UUIDs as text ("GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", any case),
//     and the same UUIDs as raw 16 bytes; raw UUIDs the ABI marks (GET_GID_INFO /
//     GET_UUID_FROM_GPU_ID answers in FORMAT_BINARY) are learned too;
//   - serial numbers ("Serial Number: X" lines, sysfs `serial` files);
//   - user and host names: the "(user@host)" of /proc/driver/nvidia/version, and
//     the recording machine's own host and user names (4 characters or more).
// Fakes keep the original's length, so every struct keeps its size.
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
