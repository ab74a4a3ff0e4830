// The expected half of `fakedrv synth`: what nvprobe must answer on a machine, in
// fast, --details and --full mode, derived from the description (and the CUDA level each
// release reports, traces/cuda_levels.tsv, never nvprobe's own table) alone,
// following the documented behaviour in probe/README.md: sources in order, the GPU
// list of the first source that has one, gaps filled by the later ones.
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "abi/driver_version.h"
#include "abi/registry.h"
#include "fake_driver/synth/synth.h"
#include "fake_driver/trace/trace_io.h"

namespace nvprobe::fakedrv {
namespace {

using Json = nlohmann::ordered_json;

// traces/cuda_levels.tsv: the CUDA level nvidia-smi reports per release, with its
// citation there; independent of probe/data/cuda_driver_table.tsv, so a wrong row in
// nvprobe's table fails the matrix.
struct CudaLevelRow {
  const char* release;
  const char* cuda;
};
constexpr CudaLevelRow kCudaLevels[] = {
#include "traces/cuda_levels_data.inc"
};

std::string Hex(uint64_t v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}

// A source's entry in sources_tried: ok and skipped exactly; found and error as far
// as the description decides them ("found_has"/"error_has": a string containing that
// text, "" for any; null where nvprobe prints none). check_answer compares them.
Json Source(const char* name, bool ok, bool skipped = false, const std::string& has = "") {
  Json j{{"source", name}, {"ok", ok}, {"skipped", skipped}};
  if (ok) {
    j["found_has"] = has;
  } else {
    // The full path that queried no GPU still says so ("0 of N GPU(s) queried").
    if (std::string(name) != "ioctl-full") j["found"] = nullptr;
    j["error_has"] = skipped ? "skipped: the driver already answered" : has;
  }
  return j;
}

// What a failed request leaves in nvprobe's message: the RM status's name, or the
// ioctl failure.
std::string Failure(const MachineFaults& f, const std::string& escape, const std::string& status) {
  return f.ErrnoOf(escape) ? "ioctl failed" : status;
}

// nvprobe's modes: the fast path, --details (the GPU files too), --full.
// kEnv: the fast path with NVPROBE_DRIVER_VERSION set to the release itself.
// kSmi: the fast path with a nvidia-smi in PATH (the matrix's fake, tests/matrix/
// check_answer.cc) that answers nvprobe's query as NVIDIA's does on this machine:
// one line per GPU from the description, the driver version the kernel module
// reports (the trace's release); "No devices were found" and status 6 with no GPU;
// status 9 (it cannot reach a driver) on a machine without one.
enum class ProbeMode { kFast, kDetails, kFull, kEnv, kSmi };

// nvidia-smi's exit status on `m` for nvprobe's query; 0: one line per GPU.
int SmiExitStatus(const Machine& m) {
  if (m.platform == "no-driver") return 9;
  if (m.gpus.empty()) return 6;
  return 0;
}

// NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_<chip> is the GPU's implementation in the
// release's headers (the full path names the chip from it when no table does).
bool HeadersNameChip(const abi::Abi& abi, const MachineGpu& g) {
  return abi.FindConstant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_" + g.chip) == g.impl;
}

Json Mode(const Machine& m, const std::string& driver, const abi::Abi& abi, ProbeMode mode) {
  using FileState = MachineFaults::FileState;
  const MachineFaults& f = m.faults;
  const bool full = mode == ProbeMode::kFull;
  const bool smi_in_path = mode == ProbeMode::kSmi;
  const uint64_t max_devices = MostCardInfoEntries(abi);
  // How far the ioctl path gets: the node opens, the version comes back, the cards.
  const bool ctl_open = m.HasKernelDriver() && f.ctl_open_errno == 0;
  const bool version_ok = ctl_open && !f.ErrnoOf("NV_ESC_CHECK_VERSION_STR");
  const bool cards = version_ok && !f.ErrnoOf("NV_ESC_CARD_INFO") && m.gpus.size() <= max_devices;
  const bool client = !f.ErrnoOf("NV_ESC_RM_ALLOC") && !f.alloc_status.count("NV01_ROOT_CLIENT");
  auto control_fails = [&](const std::string& cmd) {
    return f.ErrnoOf("NV_ESC_RM_CONTROL") || f.control_status.count(cmd);
  };
  auto control_failure = [&](const std::string& cmd) {
    auto it = f.control_status.find(cmd);
    return Failure(f, "NV_ESC_RM_CONTROL", it == f.control_status.end() ? "" : it->second);
  };
  // The driver's files: each version file counts when present and readable.
  const bool proc_ok = !f.no_driver_files && !f.garbled_proc_version &&
                       f.StateOf("/proc/driver/nvidia/version") == FileState::kOk;
  const bool sys_ok = !f.no_driver_files && f.StateOf("/sys/module/nvidia/version") == FileState::kOk;
  const bool files_versions = proc_ok || sys_ok;
  Json out;
  Json sources = Json::array();
  Json warnings = Json::array();

  // Driver version: ioctl > files.
  std::optional<std::string> version;
  std::string source;
  const bool env = mode == ProbeMode::kEnv;
  if (env) {
    version = driver;
    source = "env";
  } else if (version_ok) {
    version = driver;
    source = "ioctl";
  } else if (files_versions) {
    version = f.files_version.value_or(driver);
    source = "files";
  }
  // nvidia-smi runs only when no source found the driver version (NVPROBE_DRIVER_VERSION
  // alone does not skip it: only a driver source does).
  const bool smi_skipped = version_ok || files_versions;
  const bool smi_ok = !smi_skipped && smi_in_path && SmiExitStatus(m) == 0;
  if (!version && smi_ok) {
    version = driver;
    source = "nvidia-smi";
  }
  // The GPUs the Linux side can see: sysfs lists them unless this is WSL2.
  const std::vector<MachineGpu> none;
  const std::vector<MachineGpu>& visible = m.GpusOnPci() ? m.gpus : none;
  // Nothing found: a driver that would not answer is an error, no driver is 3.
  const bool unreadable = m.HasKernelDriver() &&
                          ((f.ctl_open_errno == EACCES || f.ctl_open_errno == EPERM) ||
                           (ctl_open && !version_ok));
  out["exit_status"] = version || !visible.empty() ? 0 : unreadable ? 1 : 3;
  // "13.3+": a release past Table 3's newest toolkit (traces/cuda_levels.tsv): it
  // reports at least that level, and nvprobe must say the level is a lower bound.
  std::string cuda = version ? CudaLevelOf(*version) : "";
  const bool cuda_lower_bound = !cuda.empty() && cuda.back() == '+';
  if (cuda_lower_bound) cuda.pop_back();
  out["driver"] = {{"version", version ? Json(*version) : Json(nullptr)},
                   {"source", version ? Json(source) : Json(nullptr)},
                   {"cuda", version ? Json(cuda) : Json(nullptr)},
                   {"abi_release", version_ok ? Json(driver) : Json(nullptr)}};
  out["platform"] = m.platform == "wsl2" ? "wsl2" : "linux";

  // The GPUs the full path is asked for: all of them with --full, and in every mode
  // those whose device ID the cited pci.ids has no entry for (nvprobe's PCI table,
  // made from it, cannot give their compute capability).
  auto full_todo = [&](const MachineGpu& g) { return cards && (full || !g.in_pci_ids); };
  // Which GPUs the full path completes (open and both allocations succeed).
  auto full_ok = [&](const MachineGpu& g) {
    return full_todo(g) && client && !f.gpu_open_errno.count(g.minor) &&
           !f.alloc_status.count("NV01_DEVICE_0") && !f.alloc_status.count("NV20_SUBDEVICE_0");
  };
  size_t full_asked = 0, full_done = 0;
  for (const MachineGpu& g : visible) {
    full_asked += full_todo(g);
    full_done += full_ok(g);
  }

  if (env) sources.push_back(Source("env", true, false, "NVPROBE_DRIVER_VERSION=" + driver));
  sources.push_back(Source("ioctl", version_ok, false,
                            version_ok ? "driver " + driver
                            : !m.HasKernelDriver() || f.ctl_open_errno ? "/dev/nvidiactl" : ""));
  if (full_asked > 0)
    sources.push_back(Source("ioctl-full", full_done > 0, false,
                             full_done == 0 ? "" : std::to_string(full_done) + " of " +
                                                       std::to_string(full_asked) + " GPU(s) queried"));
  // The GPU files are read in --details and --full, and whenever the driver listed
  // no GPU; the fast path otherwise reads only the version files.
  const bool gpu_files = mode == ProbeMode::kDetails || full || !cards || m.gpus.empty();
  bool files_gpus = gpu_files && !visible.empty();  // sysfs lists them even in containers
  sources.push_back(Source("files", files_versions || files_gpus));
  // Without kSmi the PATH holds no nvidia-smi (the matrix gives nvprobe an empty
  // one), so it fails when it runs.
  if (smi_ok)
    sources.push_back(Source("nvidia-smi", true, false,
                             "driver " + driver + ", " + std::to_string(m.gpus.size()) + " GPU(s)"));
  else
    sources.push_back(Source("nvidia-smi", false, smi_skipped,
                             !smi_in_path ? "no nvidia-smi in PATH"
                                          : "exited with status " + std::to_string(SmiExitStatus(m))));

  Json gpus = Json::array();
  if (cards || files_gpus) {
    for (size_t i = 0; i < visible.size(); ++i) {
      const MachineGpu& g = visible[i];
      const bool fullg = full_ok(g);
      const std::string sysfs = "/sys/bus/pci/devices/" + g.BusId() + "/";
      // /proc/driver/nvidia/gpus/*/information, read and parsed.
      const bool procfs = gpu_files && !f.no_driver_files &&
          f.StateOf("/proc/driver/nvidia/gpus/" + g.BusId() + "/information") == FileState::kOk;
      const bool sys_subsystem = gpu_files && f.StateOf(sysfs + "subsystem_vendor") == FileState::kOk &&
                                 f.StateOf(sysfs + "subsystem_device") == FileState::kOk;
      const bool sys_revision = gpu_files && f.StateOf(sysfs + "revision") == FileState::kOk;
      const bool rm_pci = fullg && !control_fails("NV2080_CTRL_CMD_BUS_GET_PCI_INFO");
      Json j;
      j["index"] = i;
      j["pci_bus_id"] = g.BusId();
      j["pci_vendor_id"] = "0x10de";
      j["pci_device_id"] = Hex(g.device_id, 4);
      j["pci_subsystem_id"] = rm_pci || sys_subsystem ? Json(Hex(g.subsystem_id, 8)) : Json(nullptr);
      j["pci_revision_id"] = rm_pci || sys_revision ? Json(Hex(g.revision_id, 2)) : Json(nullptr);
      const bool rm_name = fullg && !control_fails("NV2080_CTRL_CMD_GPU_GET_NAME_STRING");
      const bool rm_uuid = fullg && !control_fails("NV2080_CTRL_CMD_GPU_GET_GID_INFO");
      j["name"] = rm_name || procfs ? Json(g.name) : Json(nullptr);
      j["uuid"] = rm_uuid || procfs ? Json(g.uuid) : Json(nullptr);
      // Chip and architecture: the PCI table's; for a device ID it lacks, what the
      // full path names from MC_GET_ARCH_INFO, as far as the release's headers do.
      const bool rm_arch = fullg && !control_fails("NV2080_CTRL_CMD_MC_GET_ARCH_INFO") &&
                           abi.NameOf(g.arch, {"NV2080_CTRL_MC_ARCH_INFO_ARCHITECTURE_"});
      const bool arch_known = g.in_pci_ids || rm_arch;
      j["architecture"] = arch_known ? Json(g.architecture) : Json(nullptr);
      j["chip"] = g.in_pci_ids || (rm_arch && HeadersNameChip(abi, g)) ? Json(g.chip) : Json(nullptr);
      // A failed control leaves its field to the other sources (PCI table; none for memory).
      const bool sm = fullg && !control_fails("NV2080_CTRL_CMD_GPU_GET_INFO");
      const bool fb = fullg && !control_fails("NV2080_CTRL_CMD_FB_GET_INFO");
      const char* cc_source = sm ? "sm_version" : g.in_pci_ids ? "pci_table" : nullptr;
      j["compute_capability"] = cc_source ? Json(g.ComputeCapability()) : Json(nullptr);
      j["compute_capability_source"] = cc_source ? Json(cc_source) : Json(nullptr);
      j["memory_mib"] = fb ? Json(g.memory_mib) : Json(nullptr);
      // The minor comes from card info, or from procfs when the files list the GPUs.
      j["minor"] = cards || procfs ? Json(g.minor) : Json(nullptr);
      j["source"] = fullg ? "ioctl-full" : cards ? "ioctl" : "files";
      // nvidia-smi's line for the same bus fills what is still unknown.
      if (smi_ok) {
        if (j["name"].is_null()) j["name"] = g.name;
        if (j["uuid"].is_null()) j["uuid"] = g.uuid;
        if (j["compute_capability"].is_null()) {
          j["compute_capability"] = g.ComputeCapability();
          j["compute_capability_source"] = "nvidia-smi";
        }
        if (j["memory_mib"].is_null()) j["memory_mib"] = g.memory_mib;
      }
      gpus.push_back(std::move(j));
    }
  } else if (smi_ok) {
    // Only nvidia-smi lists the GPUs (WSL2; a driver that would not answer, no
    // files): the fields its query gives, nothing else (no device ID, so no table).
    for (size_t i = 0; i < m.gpus.size(); ++i) {
      const MachineGpu& g = m.gpus[i];
      gpus.push_back({{"index", i}, {"pci_bus_id", g.BusId()}, {"pci_vendor_id", nullptr},
                      {"pci_device_id", nullptr}, {"pci_subsystem_id", nullptr},
                      {"pci_revision_id", nullptr}, {"name", g.name}, {"uuid", g.uuid},
                      {"architecture", nullptr}, {"chip", nullptr},
                      {"compute_capability", g.ComputeCapability()},
                      {"compute_capability_source", "nvidia-smi"}, {"memory_mib", g.memory_mib},
                      {"minor", nullptr}, {"source", "nvidia-smi"}});
    }
  }
  out["gpus"] = std::move(gpus);
  out["sources"] = std::move(sources);

  if (f.files_version && version_ok && *f.files_version != driver) {
    if (sys_ok) warnings.push_back("/sys/module/nvidia/version says " + *f.files_version);
    if (proc_ok) warnings.push_back("/proc/driver/nvidia/version says " + *f.files_version);
  }
  if (cuda_lower_bound)
    warnings.push_back("driver " + *version + " is newer than nvprobe's CUDA table; CUDA level " + cuda +
                       " is a lower bound");
  for (size_t i = 0; i < visible.size(); ++i) {
    const MachineGpu& g = visible[i];
    if (!full_ok(g)) continue;
    const std::string gpu = "GPU " + g.BusId() + ": ";
    // The release's headers may not name a GPU's architecture yet (e.g. GH100 before
    // 520): the full path then keeps the PCI table's and says so.
    if (!control_fails("NV2080_CTRL_CMD_MC_GET_ARCH_INFO") &&
        !abi.NameOf(g.arch, {"NV2080_CTRL_MC_ARCH_INFO_ARCHITECTURE_"}))
      warnings.push_back(gpu + "NV2080_CTRL_MC_GET_ARCH_INFO_PARAMS.architecture " + Hex(g.arch, 1) +
                         " is unknown");
    // No table names the chip either: the full path says which implementation it
    // could not name.
    else if (!g.in_pci_ids && !control_fails("NV2080_CTRL_CMD_MC_GET_ARCH_INFO") &&
             !HeadersNameChip(abi, g))
      warnings.push_back(gpu + "NV2080_CTRL_MC_GET_ARCH_INFO_PARAMS.implementation " + Hex(g.impl, 1) +
                         " is unknown for architecture " + Hex(g.arch, 1));
    // One warning per failed control (probe/full_path.cc names them so).
    const std::pair<const char*, const char*> kControls[] = {
        {"NV0000_CTRL_CMD_GPU_GET_ID_INFO_V2", "device instance unknown ("},
        {"NV2080_CTRL_CMD_GPU_GET_INFO", "SM version: "},
        {"NV2080_CTRL_CMD_MC_GET_ARCH_INFO", ""},
        {"NV2080_CTRL_CMD_GPU_GET_NAME_STRING", ""},
        {"NV2080_CTRL_CMD_GPU_GET_GID_INFO", ""},
        {"NV2080_CTRL_CMD_FB_GET_INFO", "memory: "},
        {"NV2080_CTRL_CMD_BUS_GET_PCI_INFO", ""}};
    for (const auto& [cmd, what] : kControls)
      if (control_fails(cmd))
        warnings.push_back(gpu + what + cmd + ": " + control_failure(cmd));
    // synth gives GPU i device instance i; RM has NV_MAX_DEVICES, so nvprobe
    // refuses the rest and falls back to the card index (probe/full_path.cc).
    if (i >= abi.FindConstant("NV_MAX_DEVICES").value_or(32) &&
        !control_fails("NV0000_CTRL_CMD_GPU_GET_ID_INFO_V2"))
      warnings.push_back(gpu + "device instance unknown (NV0000_CTRL_GPU_GET_ID_INFO_V2_PARAMS.deviceInstance " +
                         std::to_string(i) + " out of range)");
    // Failed frees: the subdevice's, then the device's (the client's is not reported).
    if (f.ErrnoOf("NV_ESC_RM_FREE")) {
      const uint32_t h_device = kDeviceHandleBase + 2 * static_cast<uint32_t>(i) + 1;
      warnings.push_back("free " + Hex(h_device + 1, 1) + ": ioctl failed");
      warnings.push_back("free " + Hex(h_device, 1) + ": ioctl failed");
    }
  }
  // A version file that is there but says nothing readable.
  if (!f.no_driver_files && (f.garbled_proc_version ||
                             f.StateOf("/proc/driver/nvidia/version") == FileState::kGarbled))
    warnings.push_back("/proc/driver/nvidia/version: no version");
  if (!f.no_driver_files && f.StateOf("/sys/module/nvidia/version") == FileState::kGarbled)
    warnings.push_back("/sys/module/nvidia/version does not hold a version");
  for (const MachineGpu& g : gpu_files ? visible : none) {
    const std::string info = "/proc/driver/nvidia/gpus/" + g.BusId() + "/information";
    if (!f.no_driver_files && f.StateOf(info) == FileState::kMissing)
      warnings.push_back("files: open " + info);
    if (!f.no_driver_files && f.StateOf(info) == FileState::kGarbled)
      warnings.push_back(info + " holds non-text bytes; ignored");
    for (const char* file : kFaultablePciFiles) {
      const std::string path = "/sys/bus/pci/devices/" + g.BusId() + "/" + file;
      if (f.StateOf(path) == FileState::kGarbled) warnings.push_back(path + " is not a hex number");
    }
  }
  out["warnings"] = std::move(warnings);
  return out;
}

}  // namespace

std::string CudaLevelOf(const std::string& driver) {
  StatusOr<abi::DriverVersion> v = abi::DriverVersion::Parse(driver);
  if (!v.ok()) return "";
  for (const CudaLevelRow& row : kCudaLevels) {  // the release itself, exactly
    StatusOr<abi::DriverVersion> r = abi::DriverVersion::Parse(row.release);
    if (r.ok() && *v == *r) return row.cuda;
  }
  return "";
}

// Every version the expected answer names has its row in traces/cuda_levels.tsv.
Status CheckCudaLevels(const Machine& m, const std::string& driver) {
  for (const std::string& v : {driver, m.faults.files_version.value_or(driver)})
    if (CudaLevelOf(v).empty())
      return InvalidArgumentError("traces/cuda_levels.tsv has no row for " + v +
                                  ": state the CUDA level nvidia-smi reports for it, with its citation");
  return OkStatus();
}

StatusOr<Json> ExpectedAnswer(const abi::Registry& registry, const Machine& machine,
                              const std::string& driver) {
  if (Status s = CheckCudaLevels(machine, driver); !s.ok()) return s;
  StatusOr<abi::Resolution> res = registry.Resolve(driver);
  if (!res.ok()) return res.status();
  StatusOr<std::shared_ptr<const abi::Abi>> abi = registry.AbiOf(res->release);
  if (!abi.ok()) return abi.status();
  Json j;
  j["schema"] = "nvprobe-expected/1";
  j["machine"] = machine.name;
  j["driver"] = driver;
  j["derived_from"] =
      "the machine description and traces/cuda_levels.tsv (fakedrv synth), not a probe run";
  j["modes"] = {{"fast", Mode(machine, driver, **abi, ProbeMode::kFast)},
                {"details", Mode(machine, driver, **abi, ProbeMode::kDetails)},
                {"full", Mode(machine, driver, **abi, ProbeMode::kFull)},
                {"env", Mode(machine, driver, **abi, ProbeMode::kEnv)},
                {"smi", Mode(machine, driver, **abi, ProbeMode::kSmi)}};
  return j;
}

}  // namespace nvprobe::fakedrv
