// The expected half of `fakedrv synth`: what nvprobe must answer on a machine, in
// fast and full mode, derived from the description (and the CUDA table) alone,
// following the documented behaviour in probe/README.md: sources in order, the GPU
// list of the first source that has one, gaps filled by the later ones.
#include <cstdio>
#include <cerrno>
#include <fstream>
#include <sstream>

#include "abi/driver_version.h"
#include "abi/registry.h"
#include "fake_driver/synth.h"
#include "fake_driver/trace_io.h"

namespace nvprobe::fakedrv {
namespace {

using Json = nlohmann::ordered_json;

struct CudaRow {
  const char* cuda;
  const char* min_driver;
};
constexpr CudaRow kCudaRows[] = {
#include "probe/data/cuda_table_data.inc"
};

std::string Hex(uint64_t v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}

Json Source(const char* name, bool ok, bool skipped = false) {
  return Json{{"source", name}, {"ok", ok}, {"skipped", skipped}};
}

Json Mode(const Machine& m, const std::string& driver, const abi::Abi& abi, bool full) {
  const MachineFaults& f = m.faults;
  const bool ioctl = m.HasKernelDriver() && f.ctl_open_errno == 0;
  const uint64_t max_devices = 32;  // NV_MAX_DEVICES in every release 515..595
  const bool cards = ioctl && m.gpus.size() <= max_devices;
  const bool files_versions = !f.no_driver_files;  // sysfs and procfs versions
  Json out;
  Json sources = Json::array();
  Json warnings = Json::array();

  // Driver version: ioctl > files.
  std::optional<std::string> version;
  std::string source;
  if (ioctl) {
    version = driver;
    source = "ioctl";
  } else if (files_versions) {
    version = f.files_version.value_or(driver);
    source = "files";
  }
  // The GPUs the Linux side can see: none on WSL2 or without a driver (no sysfs entry
  // in the fake either).
  const std::vector<MachineGpu> none;
  const std::vector<MachineGpu>& visible = m.HasKernelDriver() ? m.gpus : none;
  out["exit_status"] =
      version || !visible.empty() ? 0 : (m.HasKernelDriver() && f.ctl_open_errno == EACCES ? 1 : 3);
  out["driver"] = {{"version", version ? Json(*version) : Json(nullptr)},
                   {"source", version ? Json(source) : Json(nullptr)},
                   {"cuda", version ? Json(CudaLevelOf(*version)) : Json(nullptr)},
                   {"abi_release", ioctl ? Json(driver) : Json(nullptr)}};
  out["platform"] = m.platform == "wsl2" ? "wsl2" : "linux";

  // Which GPUs the full path completes (open and both allocations succeed).
  auto full_ok = [&](const MachineGpu& g) {
    return full && cards && !f.gpu_open_errno.count(g.minor) &&
           !f.alloc_status.count("NV01_DEVICE_0") && !f.alloc_status.count("NV20_SUBDEVICE_0");
  };
  size_t full_done = 0;
  for (const MachineGpu& g : visible) full_done += full_ok(g);

  sources.push_back(Source("ioctl", ioctl));
  if (full && cards && !visible.empty()) sources.push_back(Source("ioctl-full", full_done > 0));
  bool files_gpus = !visible.empty();  // sysfs lists them even in containers
  sources.push_back(Source("files", files_versions || files_gpus));
  // nvidia-smi runs only when no source found the driver version; there is none on
  // the fake machine (the tests give nvprobe an empty PATH), so it fails.
  sources.push_back(Source("nvidia-smi", false, version.has_value()));

  Json gpus = Json::array();
  if (cards || files_gpus) {
    for (size_t i = 0; i < visible.size(); ++i) {
      const MachineGpu& g = visible[i];
      const bool fullg = full_ok(g);
      const bool procfs = !f.no_driver_files;  // /proc/driver/nvidia/gpus/*/information
      Json j;
      j["index"] = i;
      j["pci_bus_id"] = g.BusId();
      j["pci_vendor_id"] = "0x10de";
      j["pci_device_id"] = Hex(g.device_id, 4);
      j["pci_subsystem_id"] = Hex(g.subsystem_id, 8);  // BUS_GET_PCI_INFO or sysfs
      j["pci_revision_id"] = Hex(g.revision_id, 2);
      j["name"] = fullg || procfs ? Json(g.name) : Json(nullptr);
      j["uuid"] = fullg || procfs ? Json(g.uuid) : Json(nullptr);
      j["architecture"] = g.architecture;
      j["chip"] = g.chip;
      j["compute_capability"] = g.ComputeCapability();
      // A failed control leaves its field to the other sources (PCI table; none for memory).
      const bool sm = fullg && !f.control_status.count("NV2080_CTRL_CMD_GPU_GET_INFO");
      const bool fb = fullg && !f.control_status.count("NV2080_CTRL_CMD_FB_GET_INFO");
      j["compute_capability_source"] = sm ? "sm_version" : "pci_table";
      j["memory_mib"] = fb ? Json(g.memory_mib) : Json(nullptr);
      // The minor comes from card info, or from procfs when the files list the GPUs.
      j["minor"] = cards || procfs ? Json(g.minor) : Json(nullptr);
      j["source"] = fullg ? "ioctl-full" : cards ? "ioctl" : "files";
      gpus.push_back(std::move(j));
    }
  }
  out["gpus"] = std::move(gpus);
  out["sources"] = std::move(sources);

  if (f.files_version && ioctl && files_versions && *f.files_version != driver) {
    warnings.push_back("/sys/module/nvidia/version says " + *f.files_version);
    if (!f.garbled_proc_version)
      warnings.push_back("/proc/driver/nvidia/version says " + *f.files_version);
  }
  // The release's headers may not name a GPU's architecture yet (e.g. GH100 before
  // 520): the full path then keeps the PCI table's and says so.
  for (const MachineGpu& g : visible) {
    if (full_ok(g) && !abi.NameOf(g.arch, {"NV2080_CTRL_MC_ARCH_INFO_ARCHITECTURE_"}))
      warnings.push_back("GPU " + g.BusId() + ": NV2080_CTRL_MC_GET_ARCH_INFO_PARAMS.architecture " +
                         Hex(g.arch, 1) + " is unknown");
  }
  for (const MachineGpu& g : visible) {
    if (!full_ok(g)) continue;
    for (const auto& [cmd, status] : f.control_status) {
      std::string what = cmd == "NV2080_CTRL_CMD_GPU_GET_INFO" ? "SM version" : "memory";
      warnings.push_back("GPU " + g.BusId() + ": " + what + ": " + cmd + ": " + status);
    }
  }
  if (f.garbled_proc_version && files_versions)
    warnings.push_back("/proc/driver/nvidia/version: no version");
  out["warnings"] = std::move(warnings);
  return out;
}

}  // namespace

std::string CudaLevelOf(const std::string& driver) {
  StatusOr<abi::DriverVersion> v = abi::DriverVersion::Parse(driver);
  if (!v.ok()) return "";
  for (const CudaRow& row : kCudaRows) {  // newest first
    StatusOr<abi::DriverVersion> min = abi::DriverVersion::Parse(row.min_driver);
    if (min.ok() && *v >= *min) return row.cuda;
  }
  return "";
}

StatusOr<Json> ExpectedAnswer(const abi::Registry& registry, const Machine& machine,
                              const std::string& driver) {
  StatusOr<abi::Resolution> res = registry.Resolve(driver);
  if (!res.ok()) return res.status();
  StatusOr<std::shared_ptr<const abi::Abi>> abi = registry.AbiOf(res->release);
  if (!abi.ok()) return abi.status();
  Json j;
  j["schema"] = "nvprobe-expected/1";
  j["machine"] = machine.name;
  j["driver"] = driver;
  j["derived_from"] =
      "the machine description and probe/data/cuda_driver_table.tsv (fakedrv synth), not a probe run";
  j["modes"] = {{"fast", Mode(machine, driver, **abi, false)},
                {"full", Mode(machine, driver, **abi, true)}};
  return j;
}

int SynthCommand(const abi::Registry& registry, const std::string& machine_path,
                 const std::string& driver, const std::string& trace_path,
                 const std::string& expected_path, std::ostream& err) {
  StatusOr<Machine> m = LoadMachine(machine_path);
  if (!m.ok()) {
    err << "fakedrv synth: " << m.status().message() << "\n";
    return 1;
  }
  StatusOr<Trace> t = SynthesizeTrace(registry, *m, driver);
  if (!t.ok()) {
    err << "fakedrv synth: " << t.status().message() << "\n";
    return 1;
  }
  std::ostringstream text;
  WriteTrace(*t, text);
  // What we write must load: the loader checks every size and layout against the ABI.
  std::istringstream again(text.str());
  TraceLoad load = ParseTrace(again, trace_path, registry);
  if (!load.ok()) {
    for (const std::string& e : load.errors) err << "fakedrv synth: internal: " << e << "\n";
    return 1;
  }
  std::ofstream out(trace_path, std::ios::binary | std::ios::trunc);
  out << text.str();
  if (!out.flush()) {
    err << "fakedrv synth: cannot write " << trace_path << "\n";
    return 1;
  }
  if (!expected_path.empty()) {
    std::ofstream e(expected_path, std::ios::binary | std::ios::trunc);
    StatusOr<Json> expected = ExpectedAnswer(registry, *m, driver);
    if (!expected.ok()) {
      err << "fakedrv synth: " << expected.status().message() << "\n";
      return 1;
    }
    e << expected->dump(2) << "\n";
    if (!e.flush()) {
      err << "fakedrv synth: cannot write " << expected_path << "\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace nvprobe::fakedrv
