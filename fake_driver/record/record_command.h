// `fakedrv record -o T [--anonymize] -- CMD ARGS...`: runs CMD under the ptrace
// recorder (tracer.h, recorder.h) and writes what it did with the NVIDIA driver as
// a version-1 trace with origin "recorded" and a provenance header; prints "N
// requests, M unknown to the ABI for V: ..." on stderr.
#ifndef NVPROBE_FAKE_DRIVER_RECORD_RECORD_COMMAND_H_
#define NVPROBE_FAKE_DRIVER_RECORD_RECORD_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

#include "abi/registry.h"
#include "fake_driver/record/recorder.h"
#include "fake_driver/trace/trace.h"

namespace nvprobe::fakedrv {

// No trace could be written (no driver version known, tracing not permitted,
// the output not writable); CMD's own status otherwise. The output is checked
// before CMD runs (its directory writable, not a directory); nothing is written
// when CMD could not be executed; the trace goes to a new temporary file beside
// the output (mkstemp) that is renamed over it once it validates.
inline constexpr int kExitRecordFailed = 125;
inline constexpr char kRecorderVersion[] = "fakedrv record 1 (trace format 1)";

struct RecordOptions {
  std::string output;
  bool anonymize = false;
  std::vector<std::string> argv;
};

int RecordCommand(const abi::Registry& registry, const RecordOptions& options, std::ostream& err);

// The recorded trace, conformed to `abi` (the release the driver reported): every
// event whose nested buffers do not match what the ABI describes, or whose escape
// it does not know, keeps its top-level bytes with `nested_not_followed`.
Trace BuildRecordedTrace(const Recorder& recorder, std::shared_ptr<const abi::Abi> abi);

// "NV_ESC_RM_CONTROL cmd 0x20801234" per request the ABI does not know, "" if known.
std::string UnknownToAbi(const abi::Abi& abi, const IoctlEvent& event);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_RECORD_RECORD_COMMAND_H_
