// Fuzz target: the probe's decoding of every answer the machine gives it. The probe
// (probe/probe.h RunProbe: version check, card info, the RM full path, the files,
// nvidia-smi) runs against ScriptSystem, an in-process fake driver whose every
// reply - ioctl buffers and nested params, return values, errnos, file contents,
// directory listings, nvidia-smi output - comes from the input; then the result is
// rendered as JSON, table and CSV.
//
// Input: a reply script (reply_script.h). Its first byte picks fast, --details or --full
// and the sources; seeds are recorded from the trace corpus (seed_tool probe).
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "abi/driver_version.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/script_system.h"
#include "probe/output.h"
#include "probe/probe.h"

namespace nvprobe::probe {
namespace {

void CheckResult(const ProbeResult& r) {
  if (r.driver.version)
    FUZZ_CHECK(abi::DriverVersion::Parse(*r.driver.version).ok(), "driver version \"%s\"",
               r.driver.version->c_str());
  if (r.driver.cuda) FUZZ_CHECK(r.driver.version.has_value(), "a CUDA level without a driver");
  for (size_t i = 0; i < r.gpus.size(); ++i) {
    const GpuInfo& g = r.gpus[i];
    FUZZ_CHECK(g.index == i, "GPU %zu has index %u", i, g.index);
    if (g.pci_bus_id)
      FUZZ_CHECK(g.pci_bus_id->size() == 12, "bus ID \"%s\"", g.pci_bus_id->c_str());
    if (g.minor) FUZZ_CHECK(*g.minor < 255, "minor %u", *g.minor);
    if (g.uuid) FUZZ_CHECK(g.uuid->rfind("GPU-", 0) == 0, "uuid");
  }
  std::set<std::string> seen;
  for (const SourceReport& s : r.sources_tried)
    FUZZ_CHECK(seen.insert(s.source).second, "source %s reported twice", s.source.c_str());
  ExitStatus e = ExitStatusOf(r);
  FUZZ_CHECK(e == kExitFound || e == kExitError || e == kExitNoDriver, "exit status %d", e);
}

void CheckOutputs(const ProbeResult& r) {
  std::string json = ToJson(r);
  auto doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!doc.is_discarded() && doc.is_object() && doc.value("schema", "") == kSchema,
             "ToJson wrote something that is not an nvprobe/1 document");
  FUZZ_CHECK(doc["gpus"].size() == r.gpus.size(), "ToJson lost GPUs");
  (void)ToHuman(r);
  StatusOr<std::string> csv = ToCsv(
      r, {"driver_version", "name", "pci.bus_id", "uuid", "compute_cap", "memory.total"}, {});
  FUZZ_CHECK(csv.ok(), "ToCsv: %s", csv.status().message().c_str());
}

int FuzzOne(const uint8_t* data, size_t size) {
  fuzz::ScriptOptions o = fuzz::ReadScriptOptions(data, size);
  fuzz::ScriptSystem sys(data + o.header_size, size - o.header_size);
  ProbeResult r = RunProbe(sys, o.options);
  FUZZ_CHECK(sys.misuse().empty(), "%s", sys.misuse().c_str());
  FUZZ_CHECK(sys.open_fds().empty(), "%zu fd(s) left open (first %d)", sys.open_fds().size(),
             *sys.open_fds().begin());
  CheckResult(r);
  CheckOutputs(r);
  return 0;
}

}  // namespace
}  // namespace nvprobe::probe

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return nvprobe::probe::FuzzOne(data, size);
}
