// Fuzz target: fake_driver/machine/machine_description.h ParseMachineText, the loader and checker
// of the machine descriptions `fakedrv synth` and `fakedrv run --machine` read
// (traces/machines/*.json): size and depth limits, JSON errors, every key.
//
// Input: the text of a description.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fake_driver/machine/machine_description.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using nvprobe::fakedrv::MachineUse;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  nvprobe::StatusOr<nvprobe::fakedrv::Machine> model =
      nvprobe::fakedrv::ParseMachineText(text, "in", MachineUse::kModel);
  nvprobe::StatusOr<nvprobe::fakedrv::Machine> m = nvprobe::fakedrv::ParseMachineText(text, "in");
  // Every error names the input; synth accepts a subset of what the model does.
  FUZZ_CHECK(m.ok() || m.status().message().rfind("in", 0) == 0, "error without the file's name");
  FUZZ_CHECK(model.ok() || model.status().message().rfind("in", 0) == 0, "error without the file's name");
  FUZZ_CHECK(!m.ok() || model.ok(), "synth accepts what the model refuses");
  if (!m.ok()) return 0;
  FUZZ_CHECK(size <= nvprobe::fakedrv::kMaxMachineBytes, "accepted %zu bytes", size);
  std::set<std::string> uuids;
  std::set<uint32_t> minors;
  for (size_t i = 0; i < m->gpus.size(); ++i) {
    const nvprobe::fakedrv::MachineGpu& g = m->gpus[i];
    FUZZ_CHECK(g.minor < 255 && minors.insert(g.minor).second, "minor %u", g.minor);
    FUZZ_CHECK(g.BusId().size() == 12, "bus ID %s", g.BusId().c_str());
    FUZZ_CHECK(i == 0 || m->gpus[i - 1].BusId() < g.BusId(), "GPUs out of bus order");
    FUZZ_CHECK(g.uuid.rfind("GPU-", 0) == 0 && g.uuid.size() == 40 && uuids.insert(g.uuid).second, "uuid %s",
               g.uuid.c_str());
    FUZZ_CHECK(g.name.size() <= nvprobe::fakedrv::kMaxGpuNameBytes && g.name.find(',') == std::string::npos,
               "name %s", g.name.c_str());
    FUZZ_CHECK((g.pci_class >> 16) == 0x03, "class %06x", g.pci_class);
    FUZZ_CHECK((g.sm_version >> 8) != 0 && (g.sm_version & 0xff) <= 9, "sm_version %x",
               g.sm_version);
  }
  for (const auto& [minor, err] : m->faults.gpu_open_errno) {
    (void)err;
    FUZZ_CHECK(minors.count(minor), "gpu_open_errno names minor %u, which no GPU has", minor);
  }
  // What ParseMachine accepted, it accepts again from its own copy and its text.
  FUZZ_CHECK(nvprobe::fakedrv::ParseMachine(m->json).ok(), "not accepted twice");
  // (A dump may outgrow the size limit: 1e5 is written 100000.0.)
  const std::string dump = m->json.dump();
  FUZZ_CHECK(dump.size() > nvprobe::fakedrv::kMaxMachineBytes ||
                 nvprobe::fakedrv::ParseMachineText(dump, "again").ok(),
             "its dump is refused");
  return 0;
}
