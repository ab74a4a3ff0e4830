// Fuzz target: fake_driver/synth_machine.h ParseMachine, the checker of the machine
// descriptions `fakedrv synth` reads (traces/machines/*.json).
//
// Input: a JSON document.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "fake_driver/synth_machine.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using Json = nlohmann::ordered_json;
  Json j = Json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  nvprobe::StatusOr<nvprobe::fakedrv::Machine> m = nvprobe::fakedrv::ParseMachine(j);
  if (!m.ok()) return 0;
  std::set<uint32_t> minors;
  for (size_t i = 0; i < m->gpus.size(); ++i) {
    const nvprobe::fakedrv::MachineGpu& g = m->gpus[i];
    FUZZ_CHECK(g.minor < 255 && minors.insert(g.minor).second, "minor %u", g.minor);
    FUZZ_CHECK(g.BusId().size() == 12, "bus ID %s", g.BusId().c_str());
    FUZZ_CHECK(i == 0 || m->gpus[i - 1].BusId() < g.BusId(), "GPUs out of bus order");
    FUZZ_CHECK(g.uuid.rfind("GPU-", 0) == 0, "uuid");
    FUZZ_CHECK((g.sm_version >> 8) != 0 && (g.sm_version & 0xff) <= 9, "sm_version %x",
               g.sm_version);
  }
  // What ParseMachine accepted, it accepts again from its own copy.
  FUZZ_CHECK(nvprobe::fakedrv::ParseMachine(m->json).ok(), "not accepted twice");
  return 0;
}
