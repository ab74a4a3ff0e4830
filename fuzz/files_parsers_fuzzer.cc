// Fuzz target: the procfs/sysfs parsers of probe/files_source.h (ParseProcVersion,
// ParseGpuInformation, NormalizeBusId) and ReadDriverFiles over a machine whose
// every file holds the input and whose every directory lists the input's lines.
//
// Input: any text, e.g. a /proc/driver/nvidia/version or gpus/*/information file.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "abi/driver_version.h"
#include "fuzz/fuzz_check.h"
#include "probe/files_source.h"
#include "probe/system.h"

namespace nvprobe::probe {
namespace {

// Every file is the input (cut to the reader's limit); every directory lists the
// input's lines as names.
class TextSystem : public System {
 public:
  explicit TextSystem(const std::string& text) : text_(text) {}
  StatusOr<int> Open(const std::string& path, int) override {
    return NotFoundError("open " + path + ": No such file or directory");
  }
  IoctlResult Ioctl(int, unsigned long, void*) override { return {-1, 25}; }  // ENOTTY
  void Close(int) override {}
  StatusOr<std::string> ReadFile(const std::string&, size_t max_bytes) override {
    return text_.substr(0, max_bytes);
  }
  StatusOr<std::vector<std::string>> ListDir(const std::string&) override {
    std::vector<std::string> names;
    std::istringstream lines(text_);
    for (std::string line; std::getline(lines, line) && names.size() < 64;) names.push_back(line);
    return names;
  }
  StatusOr<CommandResult> Run(const std::vector<std::string>& argv, std::chrono::milliseconds,
                              size_t) override {
    return NotFoundError(argv[0] + ": No such file or directory");
  }

 private:
  const std::string& text_;
};

void CheckBusId(const std::optional<std::string>& bus, const std::string& from) {
  if (!bus) return;
  FUZZ_CHECK(bus->size() == 12, "bus ID \"%s\" from \"%s\"", bus->c_str(), from.c_str());
  for (char c : *bus) FUZZ_CHECK(!std::isupper(static_cast<unsigned char>(c)), "upper case");
  std::optional<std::string> again = NormalizeBusId(*bus);
  FUZZ_CHECK(again == bus, "NormalizeBusId is not idempotent on \"%s\"", bus->c_str());
}

void CheckGpu(const GpuInfo& g) {
  if (g.pci_bus_id) CheckBusId(g.pci_bus_id, "a GPU");
  if (g.uuid) FUZZ_CHECK(g.uuid->rfind("GPU-", 0) == 0, "uuid \"%s\"", g.uuid->c_str());
  if (g.name) FUZZ_CHECK(g.name->size() <= kMaxGpuNameBytes, "name of %zu bytes", g.name->size());
  if (g.minor) FUZZ_CHECK(*g.minor < 255, "minor %u", *g.minor);
}

int FuzzOne(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  if (std::optional<std::string> v = ParseProcVersion(text)) {
    FUZZ_CHECK(abi::DriverVersion::Parse(*v).ok(), "ParseProcVersion gave \"%s\"", v->c_str());
    FUZZ_CHECK(text.find("NVRM version:") != std::string::npos, "version without the banner");
  }

  std::vector<std::string> warnings;
  GpuInfo gpu;
  ParseGpuInformation(text, "/proc/driver/nvidia/gpus/x/information", gpu, warnings);
  CheckGpu(gpu);

  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) CheckBusId(NormalizeBusId(line), line);

  TextSystem sys(text);
  FilesFindings f = ReadDriverFiles(sys, warnings);
  if (f.sys_module_version)
    FUZZ_CHECK(abi::DriverVersion::Parse(*f.sys_module_version).ok(), "sys module version");
  for (size_t i = 0; i < f.gpus.size(); ++i) {
    CheckGpu(f.gpus[i]);
    FUZZ_CHECK(f.gpus[i].index == i, "index");
    if (i > 0) FUZZ_CHECK(*f.gpus[i - 1].pci_bus_id < *f.gpus[i].pci_bus_id, "not in bus order");
  }
  return 0;
}

}  // namespace
}  // namespace nvprobe::probe

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return nvprobe::probe::FuzzOne(data, size);
}
