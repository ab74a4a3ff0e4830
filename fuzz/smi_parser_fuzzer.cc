// Fuzz target: probe/smi_source.h, the parser of nvidia-smi's
// `--query-gpu=... --format=csv,noheader,nounits` output (with and without the
// compute_cap column), and RunNvidiaSmi printing the input.
//
// Input: what nvidia-smi printed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "abi/driver_version.h"
#include "fuzz/fuzz_check.h"
#include "probe/files_source.h"
#include "probe/smi_source.h"
#include "probe/system.h"

namespace nvprobe::probe {
namespace {

// An nvidia-smi at /usr/bin/nvidia-smi that prints the input. It rejects the
// compute_cap query, as drivers before 510 do, when the input mentions the field.
class SmiSystem : public System {
 public:
  explicit SmiSystem(const std::string& out) : out_(out) {}
  StatusOr<int> Open(const std::string& path, int) override { return NotFoundError(path); }
  IoctlResult Ioctl(int, unsigned long, void*) override { return {-1, 25}; }
  void Close(int) override {}
  StatusOr<std::string> ReadFile(const std::string& path, size_t) override {
    return NotFoundError(path);
  }
  StatusOr<std::vector<std::string>> ListDir(const std::string& path) override {
    return NotFoundError(path);
  }
  StatusOr<CommandResult> Run(const std::vector<std::string>& argv, std::chrono::milliseconds,
                              size_t max_output) override {
    if (argv[0] != "/usr/bin/nvidia-smi") return NotFoundError(argv[0]);
    CommandResult r;
    bool with_cc = argv.size() > 1 && argv[1].find("compute_cap") != std::string::npos;
    r.exit_code = with_cc && out_.find("compute_cap") != std::string::npos ? 2 : 0;
    r.out = out_.substr(0, max_output);
    return r;
  }

 private:
  const std::string& out_;
};

void Check(const StatusOr<SmiFindings>& f) {
  if (!f.ok()) return;
  FUZZ_CHECK(f->driver_version && abi::DriverVersion::Parse(*f->driver_version).ok(),
             "driver version");
  FUZZ_CHECK(!f->gpus.empty(), "a driver version but no GPU line");
  for (size_t i = 0; i < f->gpus.size(); ++i) {
    const GpuInfo& g = f->gpus[i];
    FUZZ_CHECK(g.index == i, "index");
    if (g.pci_bus_id) FUZZ_CHECK(NormalizeBusId(*g.pci_bus_id) == g.pci_bus_id, "bus ID");
    if (g.memory_mib) FUZZ_CHECK(*g.memory_mib < (1ull << 40), "memory");
    if (g.uuid) FUZZ_CHECK(g.uuid->rfind("GPU-", 0) == 0, "uuid");
    if (g.name) FUZZ_CHECK(g.name->size() <= kMaxGpuNameBytes, "name of %zu bytes", g.name->size());
  }
}

int FuzzOne(const uint8_t* data, size_t size) {
  const std::string out(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> warnings;
  Check(ParseSmiOutput(out, /*with_compute_cap=*/true, warnings));
  Check(ParseSmiOutput(out, /*with_compute_cap=*/false, warnings));
  SmiSystem sys(out);
  Check(RunNvidiaSmi(sys, "relative/dir:/usr/bin:/bin", std::chrono::milliseconds(100), warnings));
  return 0;
}

}  // namespace
}  // namespace nvprobe::probe

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return nvprobe::probe::FuzzOne(data, size);
}
