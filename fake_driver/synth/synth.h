// `fakedrv synth`: a trace for one release from a machine description, and the
// answer nvprobe must give on it. The trace is a recording of the machine model
// (fake_driver/model/) answering commands - by default nvprobe in every mode the
// matrix runs - so synth knows nothing of any client's requests. The expected
// answer comes from the description and the CUDA level each release reports
// (traces/cuda_levels.tsv) alone, never from running the probe or from its tables.
#ifndef NVPROBE_FAKE_DRIVER_SYNTH_SYNTH_H_
#define NVPROBE_FAKE_DRIVER_SYNTH_SYNTH_H_

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "abi/registry.h"
#include "fake_driver/machine/machine_description.h"
#include "fake_driver/trace/trace.h"

namespace nvprobe::fakedrv {

// nvprobe's own handles (probe/full_path.cc), which the trace records and the
// expected answer names: GPU i's device is this + 2i + 1, its subdevice + 2i + 2.
inline constexpr uint32_t kDeviceHandleBase = 0x5c000000;

// Entries in nvprobe's second card-info call, after NV_MAX_DEVICES got EINVAL: as
// many as one ioctl carries (probe/card_info.cc). Card info lists at most this many
// GPUs, in the trace and in the expected answer.
uint64_t MostCardInfoEntries(const abi::Abi& abi);

// Every RM status the faults name (alloc_status, control_status) is a constant of
// `abi`'s release; the error names the key.
Status CheckFaultStatuses(const Machine& m, const abi::Abi& abi);

// The release `driver` names, which synth writes only when the registry knows it
// exactly; otherwise an error saying so (and how NVIDIA writes it, when it differs
// only in zero padding).
StatusOr<std::shared_ptr<const abi::Abi>> SynthRelease(const abi::Registry& registry,
                                                        const std::string& driver);

// One command synth runs on the model, with environment variables set for it.
struct SynthRun {
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;
};

// nvprobe (the binary at `nvprobe`) in each mode the matrix runs (tests/matrix/
// check_answer.cc): --json, --details, --full, --query-gpu CSV, and the fast path
// with NVPROBE_DRIVER_VERSION=`driver`.
std::vector<SynthRun> NvprobeRuns(const std::string& nvprobe, const std::string& driver);

// Runs each of `runs` under the supervisor with the machine model of `machine` on
// release `driver` (one the registry knows exactly) answering, and returns the
// trace of what the model served: the machine's files, then every request in the
// order served (a request an earlier run made with the same answer is kept once). With
// `all_files` the trace holds every file the model presents (what NVIDIA's tools
// read too), else nvprobe's files. The commands see a
// PATH with no nvidia-smi and write their output nowhere; their exit status is
// theirs to choose (a fault profile makes nvprobe fail), but a command the
// supervisor cannot run is an error.
StatusOr<Trace> SynthesizeTrace(const abi::Registry& registry, const Machine& machine,
                                const std::string& driver, const std::vector<SynthRun>& runs,
                                bool all_files);

// {"schema":"nvprobe-expected/1","machine","driver","modes":{"fast","details","full",
// "env","smi"}}; each mode: exit_status, driver, platform, gpus (every nvprobe/1
// field), and warnings (substrings, one per expected warning; the count must match).
// "smi" is the fast path with a nvidia-smi in PATH answering from the description
// (traces/FORMAT.md, "The expected answer"); a GPU with "in_pci_ids": false is one
// nvprobe's PCI table cannot know, answered by the full path in every mode.
StatusOr<nlohmann::ordered_json> ExpectedAnswer(const abi::Registry& registry,
                                                const Machine& machine, const std::string& driver);

// The CUDA level nvidia-smi reports for a release, from traces/cuda_levels.tsv (its
// own source, not nvprobe's probe/data table); "" for a release without a row, which
// ExpectedAnswer refuses. "X.Y+" for a release past the newest toolkit Table 3 lists:
// at least X.Y, and the expected answer has nvprobe warn that X.Y is a lower bound.
std::string CudaLevelOf(const std::string& driver);

// `fakedrv synth --machine M --driver V -o T [--expected E] [--nvprobe P] [-- CMD]`:
// 0 ok, 1 bad input. Records `command` on the model (empty: nvprobe, the binary
// `nvprobe_path`, in every mode). Nothing is written unless everything is: each
// output goes to a temporary file beside it that is renamed over it; an output
// that is one of the inputs (or the other output) is refused.
struct SynthOptions {
  std::string machine_path, driver, trace_path, expected_path;
  std::string nvprobe_path = "nvprobe";
  std::vector<std::string> command;
};
int SynthCommand(const abi::Registry& registry, const SynthOptions& options, std::ostream& err);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_SYNTH_SYNTH_H_
