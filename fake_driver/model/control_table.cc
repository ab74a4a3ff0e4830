// The model's control commands. Each line: NVIDIA's command name, how the model
// fills it, and the driver function that fills it in open-gpu-kernel-modules
// (paths relative to src/nvidia/ unless they start elsewhere). Values come from the
// machine description; where the description has nothing, from the release (the
// driver's own version strings) or fixed, as the driver answers on a machine
// without the feature.
#include <time.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "fake_driver/model/control_helpers.h"
#include "fake_driver/model/rm_objects.h"

namespace nvprobe::fakedrv::model {
namespace {

const MachineGpu* GpuById(const Machine& m, uint32_t id) {
  for (const MachineGpu& g : m.gpus) {
    if (GpuIdOf(g) == id) return &g;
  }
  return nullptr;
}

int IndexOf(const Machine& m, const MachineGpu* g) { return static_cast<int>(g - m.gpus.data()); }

// The driver's three build strings (nv_build.h / nvVer.h of the release).
struct BuildStrings {
  std::string driver_version, version, title;
};
BuildStrings BuildStringsOf(const std::string& driver) {
  const std::string branch = driver.substr(0, driver.find('.'));
  return {driver, "rel/gpu_drv/r" + branch + "/fakedrv_model-" + driver, driver};
}

// A list of GPU ids: the given ones, then NV0000_CTRL_GPU_INVALID_ID to the end.
void FillIdList(ControlCall& c, const char* field, const std::vector<uint32_t>& ids) {
  const uint32_t n = c.Count(field);
  for (uint32_t i = 0; i < n; ++i) {
    c.SetElement(field, i, i < ids.size() ? ids[i] : c.C("NV0000_CTRL_GPU_INVALID_ID"));
  }
}

std::vector<uint32_t> ProbedIds(const Machine& m) {
  std::vector<uint32_t> ids;
  for (const MachineGpu& g : m.gpus) ids.push_back(GpuIdOf(g));
  return ids;
}

// --- root client (NV01_ROOT*) ---

const char* BuildVersionV1(ControlCall& c) {
  const BuildStrings s = BuildStringsOf(c.driver);
  const uint64_t longest =
      std::max({s.driver_version.size(), s.version.size(), s.title.size()}) + 1;
  ArgBuffer* bufs[] = {c.Nested("pDriverVersionBuffer"), c.Nested("pVersionBuffer"),
                       c.Nested("pTitleBuffer")};
  const std::string* strings[] = {&s.driver_version, &s.version, &s.title};
  if (!bufs[0] || !bufs[1] || !bufs[2]) {
    // Any null pointer: the caller asks how large the buffers must be.
    c.Set("sizeOfStrings", longest);
    return "NV_OK";
  }
  if (c.In("sizeOfStrings") < longest) return "NV_ERR_INVALID_PARAM_STRUCT";
  for (int i = 0; i < 3; ++i) {
    std::fill(bufs[i]->out.begin(), bufs[i]->out.end(), 0);
    std::copy(strings[i]->begin(), strings[i]->end(), bufs[i]->out.begin());
  }
  c.Set("changelistNumber", 0);
  c.Set("officialChangelistNumber", 0);
  return "NV_OK";
}

const char* BuildVersionV2(ControlCall& c) {
  const BuildStrings s = BuildStringsOf(c.driver);
  c.SetString("driverVersionBuffer", s.driver_version);
  c.SetString("versionBuffer", s.version);
  c.SetString("titleBuffer", s.title);
  c.Set("changelistNumber", 0);
  c.Set("officialChangelistNumber", 0);
  return "NV_OK";
}

const char* ProbedIdsFill(ControlCall& c) {
  FillIdList(c, "gpuIds", ProbedIds(c.machine));
  FillIdList(c, "excludedGpuIds", {});
  return "NV_OK";
}

const char* AttachedIds(ControlCall& c) {
  std::vector<uint32_t> ids;
  for (uint32_t id : ProbedIds(c.machine)) {
    if (!c.state.detached_gpu_ids.count(id)) ids.push_back(id);
  }
  FillIdList(c, "gpuIds", ids);
  return "NV_OK";
}

// ATTACH_IDS/DETACH_IDS: a list of ids up to the first INVALID_ID, or the ALL value.
const char* AttachIds(ControlCall& c) {
  const uint64_t invalid = c.C("NV0000_CTRL_GPU_INVALID_ID");
  for (uint32_t i = 0; i < c.Count("gpuIds"); ++i) {
    const uint64_t id = c.InElement("gpuIds", i);
    if (id == invalid) break;
    if (id == c.C("NV0000_CTRL_GPU_ATTACH_ALL_PROBED_IDS")) {
      c.state.detached_gpu_ids.clear();
      break;
    }
    if (GpuById(c.machine, static_cast<uint32_t>(id)) == nullptr) {
      c.Set("failedId", id);
      return "NV_ERR_INVALID_ARGUMENT";
    }
    c.state.detached_gpu_ids.erase(static_cast<uint32_t>(id));
  }
  return "NV_OK";
}

// ASYNC_ATTACH_ID / WAIT_ATTACH_ID: one GPU; the model attaches at once.
const char* AttachOne(ControlCall& c) {
  const uint32_t id = static_cast<uint32_t>(c.In("gpuId"));
  if (GpuById(c.machine, id) == nullptr) return "NV_ERR_INVALID_ARGUMENT";
  c.state.detached_gpu_ids.erase(id);
  return "NV_OK";
}

const char* DetachIds(ControlCall& c) {
  const uint64_t invalid = c.C("NV0000_CTRL_GPU_INVALID_ID");
  for (uint32_t i = 0; i < c.Count("gpuIds"); ++i) {
    const uint64_t id = c.InElement("gpuIds", i);
    if (id == invalid) break;
    if (id == c.C("NV0000_CTRL_GPU_DETACH_ALL_ATTACHED_IDS")) {
      for (uint32_t p : ProbedIds(c.machine)) c.state.detached_gpu_ids.insert(p);
      break;
    }
    if (GpuById(c.machine, static_cast<uint32_t>(id)) == nullptr) return "NV_ERR_INVALID_ARGUMENT";
    c.state.detached_gpu_ids.insert(static_cast<uint32_t>(id));
  }
  return "NV_OK";
}

const char* DrainState(ControlCall& c) {
  if (GpuById(c.machine, static_cast<uint32_t>(c.In("gpuId"))) == nullptr) return "NV_ERR_INVALID_ARGUMENT";
  c.Set("drainState", c.C("NV0000_CTRL_GPU_DRAIN_STATE_DISABLED"));
  c.Set("flags", 0);
  return "NV_OK";
}

// platform/sli/sli.c:RmRunSLISupportCheck(), run as each GPU is attached: a GSP
// client (every GPU the open kernel module drives: Turing on) is
// NV0000_CTRL_SLI_STATUS_GPU_NOT_SUPPORTED, and a GPU attached alone
// INVALID_GPU_COUNT; both cached in pGpu->sliStatus (0x41 on the recorded H100).
// With more GPUs the later ones go through the SLI search, whose outcome is not
// modelled: 0.
// The bits are ctrl0000gpu.h's (published from 530.30.02; the driver set them before).
uint64_t SliStatusOf(const ControlCall& c, const MachineGpu& g) {
  constexpr uint32_t kTuringArch = 0x160;         // NV2080_CTRL_MC_ARCH_INFO_ARCHITECTURE_TU100
  constexpr uint64_t kInvalidGpuCount = 0x1;      // NV0000_CTRL_SLI_STATUS_INVALID_GPU_COUNT
  constexpr uint64_t kGpuNotSupported = 0x40;     // NV0000_CTRL_SLI_STATUS_GPU_NOT_SUPPORTED
  if (c.machine.gpus.size() > 1 && IndexOf(c.machine, &g) > 0) return 0;
  return kInvalidGpuCount | (g.arch >= kTuringArch ? kGpuNotSupported : 0);
}

// V1 and V2 share every field the driver fills (gpu_mgr.c:gpumgrGetGpuIdInfo()).
const char* IdInfoV2(ControlCall& c) {
  const MachineGpu* g = GpuById(c.machine, static_cast<uint32_t>(c.In("gpuId")));
  if (g == nullptr) return "NV_ERR_INVALID_ARGUMENT";
  // NV0000_CTRL_GPU_ID_INFO_IN_USE (bit 0): gpuIsInUse(), a device is allocated on
  // it by some client.
  constexpr uint32_t kNv01Device0 = 0x80;  // class/cl0080.h: NV01_DEVICE_0
  c.Set("gpuFlags", c.objects.AnyOnGpu(kNv01Device0, IndexOf(c.machine, g)));
  c.Set("deviceInstance", static_cast<uint64_t>(IndexOf(c.machine, g)));
  c.Set("subDeviceInstance", 0);
  c.Set("sliStatus", SliStatusOf(c, *g));
  // A GPU alone on its board: gpumgrGetGpuIdInfo() gives an unassigned boardId the
  // gpuId (nvidia-smi -q prints it as "Board ID"; 0x6 on the recorded H100 VM).
  c.Set("boardId", GpuIdOf(*g));
  c.Set("gpuInstance", static_cast<uint64_t>(IndexOf(c.machine, g)));
  c.Set("numaId", 0xFFFFFFFF);  // NV0000_CTRL_NO_NUMA_NODE: not a NUMA-onlined GPU
  return "NV_OK";
}

const char* PciInfoById(ControlCall& c) {
  const MachineGpu* g = GpuById(c.machine, static_cast<uint32_t>(c.In("gpuId")));
  if (g == nullptr) return "NV_ERR_INVALID_ARGUMENT";
  c.Set("domain", g->domain);
  c.Set("bus", g->bus);
  c.Set("slot", g->slot);
  return "NV_OK";
}

// "GPU-" + 32 hex digits with dashes -> the 16 raw bytes (model/machine_check.cc
// refuses a UUID with other digits before the model runs).
std::string UuidBytes(const std::string& uuid) {
  auto nibble = [](char ch) {
    return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                                             : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : 0;
  };
  std::string hex;
  for (char ch : uuid.substr(std::min<size_t>(4, uuid.size()))) {
    if (ch != '-') hex += ch;
  }
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1]));
  }
  return out;
}

// flags bits 1:0: ASCII (0) or BINARY (2); bit 0 SHA1 (0) only.
const char* UuidFromGpuId(ControlCall& c) {
  const MachineGpu* g = GpuById(c.machine, static_cast<uint32_t>(c.In("gpuId")));
  if (g == nullptr) return "NV_ERR_INVALID_ARGUMENT";
  const uint64_t flags = c.In("flags");
  if (flags & c.C("NV0000_CTRL_CMD_GPU_GET_UUID_FROM_GPU_ID_FLAGS_TYPE_SHA256")) return "NV_ERR_NOT_SUPPORTED";
  if (flags & c.C("NV0000_CTRL_CMD_GPU_GET_UUID_FROM_GPU_ID_FLAGS_FORMAT_BINARY")) {
    const std::string raw = UuidBytes(g->uuid);
    c.SetBytes("gpuUuid", raw);
    c.Set("uuidStrLen", raw.size());
  } else {
    c.SetString("gpuUuid", g->uuid);
    c.Set("uuidStrLen", g->uuid.size() + 1);
  }
  return "NV_OK";
}

// --- device (NV01_DEVICE_0) ---

// Bare metal, not a vGPU build (555.42.02 on also says so in isGridBuild).
// A GPU passed through to a VM is NMOS (IS_PASSTHRU(); nvidia-smi: "Pass-Through").
const char* VirtualizationMode(ControlCall& c) {
  c.Set("virtualizationMode", c.C(c.machine.passthrough ? "NV0080_CTRL_GPU_VIRTUALIZATION_MODE_NMOS"
                                                        : "NV0080_CTRL_GPU_VIRTUALIZATION_MODE_NONE"));
  if (c.params_has("isGridBuild")) c.Set("isGridBuild", 0);
  return "NV_OK";
}

// --- subdevice (NV20_SUBDEVICE_0) ---

const char* ArchInfo(ControlCall& c) {
  c.Set("architecture", c.gpu().arch);
  c.Set("implementation", c.gpu().impl);
  c.Set("revision", c.gpu().revision_id);
  return "NV_OK";
}

const char* BusPciInfo(ControlCall& c) {
  c.Set("pciDeviceId", (uint64_t{c.gpu().device_id} << 16) | 0x10de);
  c.Set("pciSubSystemId", c.gpu().subsystem_id);
  c.Set("pciRevisionId", c.gpu().revision_id);
  c.Set("pciExtDeviceId", c.gpu().device_id);
  return "NV_OK";
}

// From 595.44.02 the params hold ASCII only (ctrl2080gpu.h: no FLAGS_TYPE_UNICODE,
// no `unicode` member): every request gets the ASCII name.
const char* NameString(ControlCall& c) {
  if (c.params_has("gpuNameString.unicode") &&
      c.In("gpuNameStringFlags") == c.C("NV2080_CTRL_GPU_GET_NAME_STRING_FLAGS_TYPE_UNICODE")) {
    std::string wide;  // UTF-16LE; names are ASCII (machine/machine_description.cc checks)
    for (char ch : c.gpu().name) wide += std::string{ch, '\0'};
    c.SetBytes("gpuNameString.unicode", wide);
  } else {
    c.SetString("gpuNameString.ascii", c.gpu().name);
  }
  return "NV_OK";
}

const char* GidInfo(ControlCall& c) {
  const uint64_t flags = c.In("flags");
  if (flags & c.C("NV2080_GPU_CMD_GPU_GET_GID_FLAGS_FORMAT_BINARY")) {
    const std::string raw = UuidBytes(c.gpu().uuid);
    c.SetBytes("data", raw);
    c.Set("length", raw.size());
  } else {
    c.SetString("data", c.gpu().uuid);
    c.Set("length", c.gpu().uuid.size() + 1);
  }
  return "NV_OK";
}

// Pairs of CPU and GPU timestamps taken together. The model's GPU timer is the
// host's monotonic clock in ns; the CPU clock is the one cpuClkId asks for.
const char* TimeCorrelation(ControlCall& c) {
  const uint64_t source = c.In("cpuClkId") & 0xf;
  const uint64_t samples = c.In("sampleCount");
  ControlCall::Entries list = c.EntriesOf("samples");
  if (list.entry == nullptr || samples > list.count) return "NV_ERR_INVALID_ARGUMENT";
  const abi::Field* cpu = list.entry->Find("cpuTime");
  const abi::Field* gpu = list.entry->Find("gpuTime");
  if (cpu == nullptr || gpu == nullptr) return "NV_ERR_INVALID_STATE";
  for (uint32_t i = 0; i < samples; ++i) {
    timespec mono{}, wall{};
    clock_gettime(CLOCK_MONOTONIC, &mono);
    clock_gettime(CLOCK_REALTIME, &wall);
    if (c.state.fixed_clock) {  // 1 ms apart from 2026-01-01T00:00:00Z
      const uint64_t tick = ++c.state.clock_ticks;
      mono = {static_cast<time_t>(tick / 1000), static_cast<long>(tick % 1000) * 1000000};
      wall = {static_cast<time_t>(1767225600 + tick / 1000), mono.tv_nsec};
    }
    const uint64_t mono_ns = uint64_t(mono.tv_sec) * 1000000000 + mono.tv_nsec;
    uint64_t cpu_time = mono_ns;
    if (source == c.C("NV2080_TIMER_GPU_CPU_TIME_CPU_CLK_ID_OSTIME")) {
      cpu_time = uint64_t(wall.tv_sec) * 1000000 + wall.tv_nsec / 1000;
    } else if (source == c.C("NV2080_TIMER_GPU_CPU_TIME_CPU_CLK_ID_TSC")) {
      cpu_time = c.state.fixed_clock ? mono_ns * 2 : __builtin_ia32_rdtsc();
    }
    const uint32_t at = list.offset + i * list.entry->size;
    StoreUint(*list.out, at + cpu->offset, cpu->width, cpu_time);
    StoreUint(*list.out, at + gpu->offset, gpu->width, mono_ns);
  }
  return "NV_OK";
}

// Chips with PDB_PROP_GPU_MIG_SUPPORTED (generated/g_gpu_nvoc.c, 580.142: GA100 |
// GH100 | GB100 | GB102 | GB10B | GB110 | GB112 | GB202 | GB203). On bare metal
// getGpuInfos() asks the physical RM (NV2080_CTRL_CMD_INTERNAL_GPU_GET_SMC_MODE):
// MIG supported and not enabled is DISABLED (nvidia-smi -q: "MIG Mode: Disabled"),
// otherwise UNSUPPORTED ("N/A"). The model never enables MIG. The values are
// ctrl2080gpu.h's NV2080_CTRL_GPU_INFO_GPU_SMC_MODE_{UNSUPPORTED,DISABLED} (the
// same in every release; the ABI layer does not declare them).
uint64_t SmcMode(ControlCall& c) {
  constexpr uint64_t kSmcModeUnsupported = 0, kSmcModeDisabled = 2;
  static const char* const kMigChips[] = {"GA100", "GH100", "GB100", "GB102", "GB10B",
                                         "GB110", "GB112", "GB202", "GB203"};
  for (const char* chip : kMigChips) {
    if (c.gpu().chip == chip) return kSmcModeDisabled;
  }
  return kSmcModeUnsupported;
}

uint64_t MemoryKib(ControlCall& c) { return uint64_t{c.gpu().memory_mib} * 1024; }

const std::vector<std::pair<std::string, InfoValue>> kGpuInfo = {
    {"GPU_SM_VERSION", [](ControlCall& c) -> uint64_t { return c.gpu().sm_version; }},
    {"GPU_SMC_MODE", SmcMode},  // subdevice_ctrl_gpu_kernel.c:getGpuInfos()
};

const std::vector<std::pair<std::string, InfoValue>> kFbInfo = {
    {"TOTAL_RAM_SIZE", MemoryKib},      {"RAM_SIZE", MemoryKib},
    {"USABLE_RAM_SIZE", MemoryKib},     {"HEAP_SIZE", MemoryKib},
    {"MAPPABLE_HEAP_SIZE", MemoryKib},  {"HEAP_FREE", MemoryKib},
    {"LARGEST_FREE_REGION_SIZE_KB", MemoryKib},
};

const ControlFill kGpuInfoList =
    InfoList("gpuInfoListSize", "gpuInfoList", "NV2080_CTRL_GPU_INFO_INDEX_", kGpuInfo);
const ControlFill kFbInfoList =
    InfoList("fbInfoListSize", "fbInfoList", "NV2080_CTRL_FB_INFO_INDEX_", kFbInfo);

const std::vector<ControlHandler>& Table() {
  static const std::vector<ControlHandler> table = {
      // Root client.
      {"NV0000_CTRL_CMD_SYSTEM_GET_BUILD_VERSION", BuildVersionV1, "interface/deprecated/rmapi_deprecated_control.c:V2_CONVERTER(_NV0000_CTRL_CMD_SYSTEM_GET_BUILD_VERSION)"},
      {"NV0000_CTRL_CMD_SYSTEM_GET_BUILD_VERSION_V2", BuildVersionV2, "src/kernel/rmapi/client_resource.c:cliresCtrlCmdSystemGetBuildVersionV2_IMPL()"},
      {"NV0000_CTRL_CMD_GPU_GET_ATTACHED_IDS", AttachedIds, "src/kernel/rmapi/client_resource.c:cliresCtrlCmdGpuGetAttachedIds_IMPL()"},
      {"NV0000_CTRL_CMD_GPU_GET_PROBED_IDS", ProbedIdsFill, "src/kernel/rmapi/client_resource.c:cliresCtrlCmdGpuGetProbedIds_IMPL()"},
      {"NV0000_CTRL_CMD_GPU_ATTACH_IDS", AttachIds, "src/kernel/rmapi/client_resource.c:cliresCtrlCmdGpuAttachIds_IMPL()"},
      {"NV0000_CTRL_CMD_GPU_ASYNC_ATTACH_ID", AttachOne, "src/kernel/rmapi/client_resource.c:cliresCtrlCmdGpuAsyncAttachId_IMPL()"},
      {"NV0000_CTRL_CMD_GPU_WAIT_ATTACH_ID", AttachOne, "src/kernel/rmapi/client_resource.c:cliresCtrlCmdGpuWaitAttachId_IMPL()"},
      {"NV0000_CTRL_CMD_GPU_DETACH_IDS", DetachIds, "src/kernel/rmapi/client_resource.c:cliresCtrlCmdGpuDetachIds_IMPL()"},
      {"NV0000_CTRL_CMD_GPU_GET_ID_INFO", IdInfoV2, "src/kernel/gpu_mgr/gpu_mgr.c:gpumgrGetGpuIdInfo()"},
      {"NV0000_CTRL_CMD_GPU_QUERY_DRAIN_STATE", DrainState, "src/kernel/gpu_mgr/gpu_mgr.c:gpumgrQueryGpuDrainState()"},
      {"NV0000_CTRL_CMD_GPU_GET_ID_INFO_V2", IdInfoV2, "src/kernel/rmapi/client_resource.c:cliresCtrlCmdGpuGetIdInfoV2_IMPL()"},
      {"NV0000_CTRL_CMD_GPU_GET_PCI_INFO", PciInfoById, "src/kernel/rmapi/client_resource.c:cliresCtrlCmdGpuGetPciInfo_IMPL()"},
      {"NV0000_CTRL_CMD_GPU_GET_UUID_FROM_GPU_ID", UuidFromGpuId, "src/kernel/rmapi/client_resource.c:cliresCtrlCmdGpuGetUuidFromGpuId_IMPL()"},
      // Device.
      {"NV0080_CTRL_CMD_GPU_GET_VIRTUALIZATION_MODE", VirtualizationMode, "src/kernel/gpu/device_ctrl.c:deviceCtrlCmdGpuGetVirtualizationMode_IMPL()"},
      // Subdevice.
      {"NV2080_CTRL_CMD_MC_GET_ARCH_INFO", ArchInfo, "src/kernel/gpu/mc/kernel_mc.c:subdeviceCtrlCmdMcGetArchInfo_IMPL()"},
      {"NV2080_CTRL_CMD_BUS_GET_PCI_INFO", BusPciInfo, "src/kernel/gpu/bus/kern_bus_ctrl.c:subdeviceCtrlCmdBusGetPciInfo_IMPL()"},
      {"NV2080_CTRL_CMD_GPU_GET_NAME_STRING", NameString, "src/kernel/gpu/gpu.c:subdeviceCtrlCmdGpuGetNameString_IMPL()"},
      {"NV2080_CTRL_CMD_GPU_GET_GID_INFO", GidInfo, "src/kernel/gpu/subdevice/subdevice_ctrl_gpu_kernel.c:subdeviceCtrlCmdGpuGetGidInfo_IMPL()"},
      {"NV2080_CTRL_CMD_GPU_GET_INFO", kGpuInfoList, "src/kernel/rmapi/embedded_param_copy.c (V1 -> V2), then getGpuInfos()"},
      {"NV2080_CTRL_CMD_GPU_GET_INFO_V2", kGpuInfoList, "src/kernel/gpu/subdevice/subdevice_ctrl_gpu_kernel.c:getGpuInfos()"},
      {"NV2080_CTRL_CMD_TIMER_GET_GPU_CPU_TIME_CORRELATION_INFO", TimeCorrelation, "src/kernel/gpu/timer/timer.c:subdeviceCtrlCmdTimerGetGpuCpuTimeCorrelationInfo_IMPL()"},
      {"NV2080_CTRL_CMD_FB_GET_INFO", kFbInfoList, "src/kernel/rmapi/embedded_param_copy.c (V1 -> V2), then _fbGetFbInfos()"},
      {"NV2080_CTRL_CMD_FB_GET_INFO_V2", kFbInfoList, "src/kernel/gpu/mem_sys/kern_mem_sys_ctrl.c:_kmemsysGetFbInfos()"},
  };
  return table;
}

}  // namespace

const ControlHandler* FindControlHandler(std::string_view command) {
  static const std::map<std::string_view, const ControlHandler*> index = [] {
    std::map<std::string_view, const ControlHandler*> m;
    for (const ControlHandler& h : Table()) m[h.command] = &h;
    return m;
  }();
  auto it = index.find(command);
  return it == index.end() ? nullptr : it->second;
}

}  // namespace nvprobe::fakedrv::model
