// A machine description for `fakedrv synth` (traces/FORMAT.md, "Machine
// descriptions"): the platform, the GPUs as the driver and the PCI bus see them, and
// the faults to inject. Parsed and checked here; nothing else reads the JSON.
#ifndef NVPROBE_FAKE_DRIVER_MACHINE_MACHINE_DESCRIPTION_H_
#define NVPROBE_FAKE_DRIVER_MACHINE_MACHINE_DESCRIPTION_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "abi/status.h"

namespace nvprobe::fakedrv {

struct MachineGpu {
  uint32_t domain = 0, bus = 0, slot = 0;  // from "pci_bus_id" (function 0)
  uint16_t device_id = 0;
  uint32_t subsystem_id = 0;  // (subsystem device << 16) | subsystem vendor
  uint8_t revision_id = 0;
  uint32_t pci_class = 0x030200;
  std::string chip, architecture;           // "GH100", "Hopper"
  uint32_t arch = 0, impl = 0;              // MC_GET_ARCH_INFO values
  uint32_t sm_version = 0;                  // (major << 8) | minor
  std::string name, uuid;
  uint32_t memory_mib = 0;
  uint32_t minor = 0;
  // "in_pci_ids" (default true): whether the pci.ids the description cites has an
  // entry for device_id. false: nvprobe's PCI table (generated from pci.ids) cannot
  // know it, so the expected answer has nvprobe learn it from the full path (or
  // leave chip, architecture and compute capability unknown). Stated in the
  // description, never looked up in nvprobe's table.
  bool in_pci_ids = true;

  std::string BusId() const;  // "0000:3b:00.0"
  std::string ComputeCapability() const;  // "9.0"
};

// Faults injected on top of the machine. Each one's effect on nvprobe's answer is
// modelled by the expected answer (synth/synth_expected.cc), so only faults on requests
// and files nvprobe uses are accepted.
struct MachineFaults {
  int ctl_open_errno = 0;                 // opening /dev/nvidiactl fails so
  std::map<uint32_t, int> gpu_open_errno;  // by minor: opening /dev/nvidiaN fails so
  bool no_driver_files = false;           // no /proc/driver/nvidia, /sys/module/nvidia
  std::optional<std::string> files_version;  // procfs/sysfs report this version instead
  bool garbled_proc_version = false;      // /proc/driver/nvidia/version is not text
  std::map<std::string, std::string> alloc_status;  // class name -> NV_ERR_* name
  std::map<std::string, std::string> control_status;  // control command -> NV_ERR_* name
  std::map<std::string, int> ioctl_errno;  // escape name -> errno of every such ioctl
  std::vector<std::string> missing_files;  // these files do not exist
  std::vector<std::string> garbled_files;  // these files hold non-text bytes

  enum class FileState { kOk, kMissing, kGarbled };
  FileState StateOf(const std::string& path) const;
  // The errno of `escape`'s ioctls, 0 when they succeed.
  int ErrnoOf(const std::string& escape) const;
};

struct Machine {
  std::string name;
  std::string platform = "bare-metal";  // "bare-metal" | "container" | "wsl2" | "no-driver"
  // The GPUs are passed through to a virtual machine (the driver, in the guest,
  // detects the hypervisor): NVML's virtualization mode says Pass-Through.
  bool passthrough = false;
  std::string description, source;
  std::vector<MachineGpu> gpus;          // in PCI bus order
  MachineFaults faults;
  // As written, for a trace's header (null when loaded with MachineJson::kDrop).
  nlohmann::ordered_json json;

  // A Linux NVIDIA kernel driver answers on /dev/nvidiactl (not WSL2, not no-driver).
  bool HasKernelDriver() const { return platform == "bare-metal" || platform == "container"; }
  // The GPUs appear in sysfs as PCI devices: everywhere but WSL2 (a GPU without its
  // driver included).
  bool GpusOnPci() const { return platform != "wsl2"; }
};

// Who reads the description. synth's expected answers model only the faults on
// nvprobe's requests (kFaultable* below); the machine model applies a fault to any
// control, class or escape its release describes (model/machine_check.h checks
// the names against the release).
enum class MachineUse { kSynth, kModel };

// Bounds on a description's file. The largest in the corpus is 29 KB.
inline constexpr size_t kMaxMachineBytes = 1 << 20;
// A trace's header holds the description one level down, and the trace loader
// refuses lines nested deeper than 64 (fake_driver/trace_io.cc); copying or
// printing a parsed value recurses once per level.
inline constexpr int kMaxMachineDepth = 63;
// gpu.c:subdeviceCtrlCmdGpuGetNameString_IMPL() copies the name into
// NV2080_GPU_MAX_NAME_STRING_LENGTH (64) bytes with its NUL, in every release.
inline constexpr size_t kMaxGpuNameBytes = 63;

// NVIDIA's userspace (nvidia-smi, NVML) serves at most NV_MAX_DEVICES GPUs: 32 in
// every release 515.43.04..595.45.04 (kernel-open/common/inc/nvlimits.h). It asks
// card info for that many entries, and the driver answers EINVAL when it has more
// GPUs (kernel-open/nvidia/nv.c:nvidia_read_card_info()). No real driver has more:
// osinit.c:RmInitPrivateState() registers each probed GPU with
// gpu_mgr.c:gpumgrRegisterGpuId(), whose table holds NV_MAX_DEVICES, and the 33rd
// GPU's probe fails there. A description may have more still, a load beyond real
// hardware (scale-64x has 64): a warning, not an error.
inline constexpr size_t kNvMaxDevices = 32;

// Whether a loaded description keeps its JSON (Machine::json): synth writes it
// into a trace's header; `fakedrv run --machine` and `fakedrv diff` never read it,
// and building it took as long as the rest of the load.
enum class MachineJson { kKeep, kDrop };

// Parses and checks a description; errors name the offending key. Text of the
// description quoted in an error is escaped for a terminal (text/printable.h).
StatusOr<Machine> ParseMachine(const nlohmann::ordered_json& j, MachineUse use = MachineUse::kSynth);
// The same from the text of a file named `name`: at most kMaxMachineBytes, nested
// at most kMaxMachineDepth, each key once per object; every error starts with
// `name` (and LINE:COLUMN for the JSON itself and a duplicate key).
StatusOr<Machine> ParseMachineText(std::string_view text, const std::string& name,
                                   MachineUse use = MachineUse::kSynth,
                                   MachineJson json = MachineJson::kKeep);
// Reads `path` (a file, at most kMaxMachineBytes) and parses it. A FIFO or pipe
// is read while a writer holds it; one that no process writes to is an error at
// once, not a wait.
StatusOr<Machine> LoadMachine(const std::string& path, MachineUse use = MachineUse::kSynth,
                              MachineJson json = MachineJson::kKeep);

// What a valid description should be warned of, one line each (without a
// "fakedrv: " prefix): more GPUs than kNvMaxDevices.
std::vector<std::string> MachineWarnings(const Machine& m);

// EACCES, ENOENT, EPERM, ... -> errno; 0 when unknown.
int ErrnoFromName(const std::string& name);

// What the fault keys may name: nvprobe's requests.
inline constexpr const char* kFaultableControls[] = {
    "NV0000_CTRL_CMD_GPU_GET_ID_INFO_V2", "NV2080_CTRL_CMD_GPU_GET_INFO",
    "NV2080_CTRL_CMD_MC_GET_ARCH_INFO",   "NV2080_CTRL_CMD_GPU_GET_NAME_STRING",
    "NV2080_CTRL_CMD_GPU_GET_GID_INFO",   "NV2080_CTRL_CMD_FB_GET_INFO",
    "NV2080_CTRL_CMD_BUS_GET_PCI_INFO"};
inline constexpr const char* kFaultableClasses[] = {"NV01_ROOT_CLIENT", "NV01_DEVICE_0",
                                                    "NV20_SUBDEVICE_0"};
inline constexpr const char* kFaultableEscapes[] = {
    "NV_ESC_CHECK_VERSION_STR", "NV_ESC_CARD_INFO", "NV_ESC_RM_ALLOC", "NV_ESC_RM_CONTROL",
    "NV_ESC_RM_FREE"};
// Per-GPU files (after /sys/bus/pci/devices/<bus>/) whose loss is modelled.
inline constexpr const char* kFaultablePciFiles[] = {"subsystem_vendor", "subsystem_device",
                                                     "revision"};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_MACHINE_MACHINE_DESCRIPTION_H_
