// `fakedrv synth`: a trace for one release from a machine description, and the
// answer nvprobe must give on it. The trace answers every request nvprobe makes
// (both version-query forms, card info, the full path, the files) with the release's
// semantics from the ABI layer; the expected answer comes from the description and
// the CUDA level each release reports (traces/cuda_levels.tsv) alone, never from
// running the probe or from its tables.
#ifndef NVPROBE_FAKE_DRIVER_SYNTH_SYNTH_H_
#define NVPROBE_FAKE_DRIVER_SYNTH_SYNTH_H_

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>

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

// The fake machine's files and device nodes for `m` on `driver` (what nvprobe
// reads: device nodes, version files, procfs GPU information, sysfs PCI IDs).
void AddMachineFiles(const Machine& m, const std::string& driver, Trace& t);

// Every RM status the faults name (alloc_status, control_status) is a constant of
// `abi`'s release; the error names the key.
Status CheckFaultStatuses(const Machine& m, const abi::Abi& abi);

// The release `driver` names, which synth writes only when the registry knows it
// exactly; otherwise an error saying so (and how NVIDIA writes it, when it differs
// only in zero padding).
StatusOr<std::shared_ptr<const abi::Abi>> SynthRelease(const abi::Registry& registry,
                                                        const std::string& driver);

// `driver` must be a release the registry knows exactly.
StatusOr<Trace> SynthesizeTrace(const abi::Registry& registry, const Machine& machine,
                                const std::string& driver);

// {"schema":"nvprobe-expected/1","machine","driver","modes":{"fast":{...},"full":{...}}};
// each mode: exit_status, driver, platform, gpus (every nvprobe/1 field), and
// warnings (substrings, one per expected warning; the count must match).
StatusOr<nlohmann::ordered_json> ExpectedAnswer(const abi::Registry& registry,
                                                const Machine& machine, const std::string& driver);

// The CUDA level nvidia-smi reports for a release, from traces/cuda_levels.tsv (its
// own source, not nvprobe's probe/data table); "" for a release without a row, which
// ExpectedAnswer refuses.
std::string CudaLevelOf(const std::string& driver);

// `fakedrv synth --machine M --driver V -o T [--expected E]`: 0 ok, 1 bad input.
// Nothing is written unless everything is: each output goes to a temporary file
// beside it that is renamed over it; an output that is one of the inputs (or the
// other output) is refused.
int SynthCommand(const abi::Registry& registry, const std::string& machine_path,
                 const std::string& driver, const std::string& trace_path,
                 const std::string& expected_path, std::ostream& err);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_SYNTH_SYNTH_H_
