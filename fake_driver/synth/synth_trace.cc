// The trace half of `fakedrv synth`: files, device nodes and ioctl events, every
// struct laid out by the release's ABI (no offsets here).
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "abi/struct_view.h"
#include "fake_driver/trace/output_file.h"
#include "fake_driver/synth/synth.h"
#include "fake_driver/trace/trace_io.h"

namespace nvprobe::fakedrv {
namespace {

// Any failure here is a bug or an ABI that lacks what nvprobe needs; it ends the
// synthesis with a message (caught in SynthesizeTrace).
struct SynthError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename T>
T Must(StatusOr<T> v, const std::string& what) {
  if (!v.ok()) throw SynthError(what + ": " + v.status().message());
  return std::move(*v);
}

void Must(const Status& s, const std::string& what) {
  if (!s.ok()) throw SynthError(what + ": " + s.message());
}

// Fake user-space addresses: only null / non-null matters on replay.
constexpr uint64_t kParamsAddress = 0x7ffd00001000;
constexpr uint64_t kListAddress = 0x7ffd00002000;
// The root client handle the fake RM assigns.
constexpr uint32_t kClient = 0xc1d00001;

class Builder {
 public:
  Builder(const abi::Abi& abi, Trace& trace, const MachineFaults& faults)
      : abi_(abi), trace_(trace), faults_(faults) {}

  const abi::Abi& abi() const { return abi_; }
  uint64_t C(std::string_view name) const { return Must(abi_.Constant(name), "constant"); }

  // One struct's bytes, zeroed.
  ArgBuffer Struct(std::string_view name, std::string field = "") const {
    ArgBuffer b;
    b.field = std::move(field);
    b.layout = Must(abi_.Struct(name), "struct " + std::string(name));
    b.in.assign(b.layout->size, 0);
    return b;
  }

  static void Set(std::vector<uint8_t>& bytes, const abi::StructLayout& l, std::string_view field,
                  uint64_t value, size_t element = 0) {
    const abi::Field* f = l.Find(field);
    if (f == nullptr) throw SynthError(l.name + " has no field " + std::string(field));
    StoreUint(std::span<uint8_t>(bytes).subspan(element * l.size), f->offset, f->width, value);
  }
  static void SetIn(ArgBuffer& b, std::string_view field, uint64_t v) { Set(b.in, *b.layout, field, v); }
  static void SetOut(ArgBuffer& b, std::string_view field, uint64_t v) { Set(b.out, *b.layout, field, v); }
  static void SetOutString(ArgBuffer& b, std::string_view field, const std::string& s) {
    auto w = Must(abi::StructWriter::Make(*b.layout, b.out), "writer");
    Must(w.SetString(field, s), std::string(field));
  }
  static bool Has(const ArgBuffer& b, std::string_view field) { return b.layout->Find(field) != nullptr; }
  // Output = input, all the way down: the driver wrote nothing.
  static void ResetOutput(ArgBuffer& b) {
    b.out = b.in;
    for (ArgBuffer& n : b.nested) ResetOutput(n);
  }

  uint32_t Request(std::string_view escape, size_t size) const {
    uint64_t nr = C(escape);
    uint64_t magic = C("NV_IOCTL_MAGIC");
    // _IOWR(magic, nr, size): dir 3 << 30 | size << 16 | type << 8 | nr.
    return static_cast<uint32_t>((3u << 30) | (size << 16) | (magic << 8) | nr);
  }

  void Event(std::string_view escape, ArgBuffer args, int64_t ret = 0, int err = 0) {
    IoctlEvent e;
    e.device = "/dev/nvidiactl";
    e.request = Request(escape, args.in.size());
    if (args.out.empty()) args.out = args.in;
    if (int fault = faults_.ErrnoOf(std::string(escape)); fault != 0) {
      // The ioctl_errno fault: the call fails before the driver writes anything.
      ret = -1;
      err = fault;
      ResetOutput(args);
    }
    e.args = std::move(args);
    e.ret = ret;
    e.err = err;
    trace_.events.push_back(std::move(e));
  }

  // NVOS21 alloc of `cls` under `parent` with `params` (null: none).
  void Alloc(uint32_t parent, uint32_t handle, std::string_view cls, ArgBuffer* params,
             uint32_t new_handle, uint32_t status) {
    ArgBuffer a = Struct("NVOS21_PARAMETERS");
    SetIn(a, "hRoot", handle == 0 ? 0 : kClient);
    SetIn(a, "hObjectParent", parent);
    SetIn(a, "hObjectNew", handle);
    SetIn(a, "hClass", C(cls));
    if (params != nullptr) {
      SetIn(a, "pAllocParms", kParamsAddress);
      // 535.43.02 on NVOS21 carries the params size: a fact of the layout. Before,
      // the RM reads sizeof the class's params (the ABI's rule for a pointer with
      // no size field), so the nested buffer is there either way.
      if (Has(a, "paramsSize")) SetIn(a, "paramsSize", params->in.size());
      params->field = "pAllocParms";
      if (params->out.empty()) params->out = params->in;
      a.nested.push_back(std::move(*params));
    }
    a.out = a.in;
    SetOut(a, "hObjectNew", new_handle);
    SetOut(a, "status", status);
    Event("NV_ESC_RM_ALLOC", std::move(a));
  }

  void Free(uint32_t parent, uint32_t handle) {
    ArgBuffer f = Struct("NVOS00_PARAMETERS");
    SetIn(f, "hRoot", kClient);
    SetIn(f, "hObjectParent", parent);
    SetIn(f, "hObjectOld", handle);
    Event("NV_ESC_RM_FREE", std::move(f));
  }

  // NVOS54 control `cmd` on `object`, params in/out as given; a control_status fault
  // replaces the answer with its status and no data.
  void Control(uint32_t object, std::string_view cmd, ArgBuffer params) {
    uint32_t status = 0;
    if (auto it = faults_.control_status.find(std::string(cmd)); it != faults_.control_status.end()) {
      status = static_cast<uint32_t>(C(it->second));
      if (params.out.empty()) params.out = params.in;
      ResetOutput(params);
    }
    ArgBuffer c = Struct("NVOS54_PARAMETERS");
    SetIn(c, "hClient", kClient);
    SetIn(c, "hObject", object);
    SetIn(c, "cmd", C(cmd));
    SetIn(c, "params", kParamsAddress);
    SetIn(c, "paramsSize", params.in.size());
    c.out = c.in;
    SetOut(c, "status", status);
    params.field = "params";
    if (params.out.empty()) params.out = params.in;
    c.nested.push_back(std::move(params));
    Event("NV_ESC_RM_CONTROL", std::move(c));
  }

  // A V1 GET_INFO control with one {index, data} pair in a nested list.
  void InfoControl(uint32_t object, std::string_view cmd, std::string_view params_struct,
                   std::string_view size_field, std::string_view list_field,
                   std::string_view element, std::string_view index, uint32_t data) {
    ArgBuffer p = Struct(params_struct);
    SetIn(p, size_field, 1);
    SetIn(p, list_field, kListAddress);
    ArgBuffer e = Struct(element, std::string(list_field));
    SetIn(e, "index", C(index));
    e.out = e.in;
    SetOut(e, "data", data);
    p.out = p.in;
    p.nested.push_back(std::move(e));
    Control(object, cmd, std::move(p));
  }

  // The RM status an allocation_status fault gives `cls`, 0 for none.
  uint32_t AllocStatus(const std::string& cls) const {
    auto it = faults_.alloc_status.find(cls);
    return it == faults_.alloc_status.end() ? 0 : static_cast<uint32_t>(C(it->second));
  }

 private:
  const abi::Abi& abi_;
  Trace& trace_;
  const MachineFaults& faults_;
};

void AddNode(Trace& t, std::string path, NodeType type, uint32_t minor = 0, uint32_t mode = 0,
             int open_errno = 0, uint32_t major = 195);

// Not text: nvprobe must notice rather than parse it.
const std::string kGarbled = std::string("\x01\x7f", 2) + "garbled\n";  // JSON needs UTF-8

void AddFile(Trace& t, std::string path, std::string content, const MachineFaults* faults = nullptr) {
  if (faults != nullptr) {
    switch (faults->StateOf(path)) {
      case MachineFaults::FileState::kMissing: return AddNode(t, std::move(path), NodeType::kAbsent);
      case MachineFaults::FileState::kGarbled: content = kGarbled; break;
      case MachineFaults::FileState::kOk: break;
    }
  }
  FileNode f;
  f.path = std::move(path);
  f.type = NodeType::kFile;
  f.content = std::move(content);
  t.files.push_back(std::move(f));
}

void AddNode(Trace& t, std::string path, NodeType type, uint32_t minor, uint32_t mode,
             int open_errno, uint32_t major) {
  FileNode f;
  f.path = std::move(path);
  f.type = type;
  if (type == NodeType::kCharDev) {
    f.major = major;
    f.minor = minor;
    f.mode = mode;
    f.open_errno = open_errno;
  }
  t.files.push_back(std::move(f));
}

std::string Hex(uint64_t v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}

void AddVersionEvents(Builder& b, const abi::Abi& abi, const std::string& driver) {
  // osapi.c:RmCheckApiVersion() sets reply = RECOGNIZED for every command. QUERY
  // ('2'): 530.30.02 on, the kernel also writes its version; before, the same value
  // is OVERRIDE, which succeeds and leaves the string untouched.
  const uint64_t recognized = abi.FindConstant("NV_RM_API_VERSION_REPLY_RECOGNIZED").value_or(1);
  ArgBuffer q = b.Struct("nv_ioctl_rm_api_version_t");
  uint64_t query = '2';
  if (auto c = abi.FindConstant("NV_RM_API_VERSION_CMD_QUERY")) query = *c;
  Builder::SetIn(q, "cmd", query);
  q.out = q.in;
  Builder::SetOut(q, "reply", recognized);
  if (abi.semantics().version_query) Builder::SetOutString(q, "versionString", driver);
  b.Event("NV_ESC_CHECK_VERSION_STR", std::move(q));
  // STRICT with an empty string: a mismatch; the kernel's string comes back, EINVAL.
  ArgBuffer s = b.Struct("nv_ioctl_rm_api_version_t");
  Builder::SetIn(s, "cmd", abi.FindConstant("NV_RM_API_VERSION_CMD_STRICT").value_or(0));
  s.out = s.in;
  Builder::SetOut(s, "reply", recognized);
  Builder::SetOutString(s, "versionString", driver);
  b.Event("NV_ESC_CHECK_VERSION_STR", std::move(s), -1, EINVAL);
}

// nvprobe passes NV_MAX_DEVICES entries, and after EINVAL once more the most one
// ioctl carries; fewer entries than GPUs is EINVAL (nv.c:nvidia_read_card_info()).
void AddCardInfo(Builder& b, const Machine& m) {
  const int fault = m.faults.ErrnoOf("NV_ESC_CARD_INFO");
  for (const uint64_t count : {b.C("NV_MAX_DEVICES"), MostCardInfoEntries(b.abi())}) {
    ArgBuffer ci = b.Struct("nv_ioctl_card_info_t");
    const abi::StructLayout& l = *ci.layout;
    ci.in.assign(l.size * count, 0);
    ci.out = ci.in;
    const bool fits = m.gpus.size() <= count;
    for (size_t i = 0; fits && i < m.gpus.size(); ++i) {
      const MachineGpu& g = m.gpus[i];
      Builder::Set(ci.out, l, "valid", 1, i);
      Builder::Set(ci.out, l, "pci_info.domain", g.domain, i);
      Builder::Set(ci.out, l, "pci_info.bus", g.bus, i);
      Builder::Set(ci.out, l, "pci_info.slot", g.slot, i);
      Builder::Set(ci.out, l, "pci_info.vendor_id", 0x10de, i);
      Builder::Set(ci.out, l, "pci_info.device_id", g.device_id, i);
      Builder::Set(ci.out, l, "gpu_id", (g.domain << 16) | (g.bus << 8) | g.slot, i);
      Builder::Set(ci.out, l, "minor_number", g.minor, i);
    }
    // Event() applies the ioctl_errno fault over whatever the driver would say.
    b.Event("NV_ESC_CARD_INFO", std::move(ci), fits ? 0 : -1, fits ? 0 : EINVAL);
    const int err = fault != 0 ? fault : fits ? 0 : EINVAL;
    if (err != EINVAL) return;  // an answer, or a failure nvprobe does not retry
  }
}

void AddFullPath(Builder& b, const Machine& m) {
  const MachineFaults& f = m.faults;
  // nvprobe gets here only with the version and the card list.
  if (f.ErrnoOf("NV_ESC_CHECK_VERSION_STR") || f.ErrnoOf("NV_ESC_CARD_INFO")) return;
  // Card info failed (more GPUs than entries): nvprobe has no GPU to look at.
  if (m.gpus.size() > MostCardInfoEntries(b.abi())) return;
  const uint32_t root_status = b.AllocStatus("NV01_ROOT_CLIENT");
  b.Alloc(0, 0, "NV01_ROOT_CLIENT", nullptr, root_status == 0 ? kClient : 0, root_status);
  if (root_status != 0 || f.ErrnoOf("NV_ESC_RM_ALLOC")) return;  // no client, no more
  for (size_t i = 0; i < m.gpus.size(); ++i) {
    const MachineGpu& g = m.gpus[i];
    if (f.gpu_open_errno.count(g.minor)) continue;  // nvprobe stops at the open
    const uint32_t gpu_id = (g.domain << 16) | (g.bus << 8) | g.slot;
    ArgBuffer id = b.Struct("NV0000_CTRL_GPU_GET_ID_INFO_V2_PARAMS");
    Builder::SetIn(id, "gpuId", gpu_id);
    id.out = id.in;
    Builder::SetOut(id, "deviceInstance", i);
    Builder::SetOut(id, "subDeviceInstance", 0);
    b.Control(kClient, "NV0000_CTRL_CMD_GPU_GET_ID_INFO_V2", std::move(id));

    const uint32_t h_device = kDeviceHandleBase + 2 * static_cast<uint32_t>(i) + 1;
    const uint32_t h_sub = h_device + 1;
    ArgBuffer dp = b.Struct("NV0080_ALLOC_PARAMETERS");
    Builder::SetIn(dp, "deviceId", i);
    uint32_t st = b.AllocStatus("NV01_DEVICE_0");
    b.Alloc(kClient, h_device, "NV01_DEVICE_0", &dp, h_device, st);
    if (st != 0) continue;
    ArgBuffer sp = b.Struct("NV2080_ALLOC_PARAMETERS");
    Builder::SetIn(sp, "subDeviceId", 0);
    st = b.AllocStatus("NV20_SUBDEVICE_0");
    b.Alloc(h_device, h_sub, "NV20_SUBDEVICE_0", &sp, h_sub, st);
    if (st == 0) {
      b.InfoControl(h_sub, "NV2080_CTRL_CMD_GPU_GET_INFO", "NV2080_CTRL_GPU_GET_INFO_PARAMS",
                    "gpuInfoListSize", "gpuInfoList", "NV2080_CTRL_GPU_INFO",
                    "NV2080_CTRL_GPU_INFO_INDEX_GPU_SM_VERSION", g.sm_version);
      ArgBuffer arch = b.Struct("NV2080_CTRL_MC_GET_ARCH_INFO_PARAMS");
      arch.out = arch.in;
      Builder::SetOut(arch, "architecture", g.arch);
      Builder::SetOut(arch, "implementation", g.impl);
      b.Control(h_sub, "NV2080_CTRL_CMD_MC_GET_ARCH_INFO", std::move(arch));

      ArgBuffer name = b.Struct("NV2080_CTRL_GPU_GET_NAME_STRING_PARAMS");
      Builder::SetIn(name, "gpuNameStringFlags",
                     b.C("NV2080_CTRL_GPU_GET_NAME_STRING_FLAGS_TYPE_ASCII"));
      name.out = name.in;
      Builder::SetOutString(name, "gpuNameString.ascii", g.name);
      b.Control(h_sub, "NV2080_CTRL_CMD_GPU_GET_NAME_STRING", std::move(name));

      ArgBuffer gid = b.Struct("NV2080_CTRL_GPU_GET_GID_INFO_PARAMS");
      Builder::SetIn(gid, "flags", b.C("NV2080_GPU_CMD_GPU_GET_GID_FLAGS_FORMAT_ASCII"));
      gid.out = gid.in;
      Builder::SetOutString(gid, "data", g.uuid);
      Builder::SetOut(gid, "length", g.uuid.size() + 1);
      b.Control(h_sub, "NV2080_CTRL_CMD_GPU_GET_GID_INFO", std::move(gid));

      b.InfoControl(h_sub, "NV2080_CTRL_CMD_FB_GET_INFO", "NV2080_CTRL_FB_GET_INFO_PARAMS",
                    "fbInfoListSize", "fbInfoList", "NV2080_CTRL_FB_INFO",
                    "NV2080_CTRL_FB_INFO_INDEX_TOTAL_RAM_SIZE", g.memory_mib * 1024u);

      ArgBuffer pci = b.Struct("NV2080_CTRL_BUS_GET_PCI_INFO_PARAMS");
      pci.out = pci.in;
      Builder::SetOut(pci, "pciDeviceId", (uint32_t{g.device_id} << 16) | 0x10de);
      Builder::SetOut(pci, "pciSubSystemId", g.subsystem_id);
      Builder::SetOut(pci, "pciRevisionId", g.revision_id);
      b.Control(h_sub, "NV2080_CTRL_CMD_BUS_GET_PCI_INFO", std::move(pci));
      b.Free(h_device, h_sub);
    }
    b.Free(kClient, h_device);
  }
  b.Free(kClient, kClient);
}

}  // namespace

void AddMachineFiles(const Machine& m, const std::string& driver, Trace& t) {
  const MachineFaults& f = m.faults;
  if (m.platform == "wsl2") {
    // WSL2: /dev holds dxg (the Windows driver's paravirtual GPU), no nvidia nodes;
    // GPUs are seen only through nvidia-smi from /usr/lib/wsl/lib (absent here).
    AddNode(t, "/dev", NodeType::kDir);
    AddNode(t, "/dev/dxg", NodeType::kCharDev, 63, 0666, 0, 10);
  } else if (m.platform == "no-driver") {
    AddNode(t, "/dev/nvidiactl", NodeType::kAbsent);
    AddNode(t, "/dev/dxg", NodeType::kAbsent);
  } else {
    AddNode(t, "/dev/nvidiactl", NodeType::kCharDev, 255, 0666, f.ctl_open_errno);
  }
  for (const MachineGpu& g : m.HasKernelDriver() ? m.gpus : std::vector<MachineGpu>{}) {
    auto it = f.gpu_open_errno.find(g.minor);
    AddNode(t, "/dev/nvidia" + std::to_string(g.minor), NodeType::kCharDev, g.minor, 0666,
            it == f.gpu_open_errno.end() ? 0 : it->second);
  }
  // nvidia-smi's fallback location on WSL2: never the host's.
  AddNode(t, "/usr/lib/wsl", NodeType::kAbsent);
  const std::string files_version = f.files_version.value_or(driver);
  if (f.no_driver_files) {
    AddNode(t, "/proc/driver/nvidia", NodeType::kAbsent);
    AddNode(t, "/sys/module/nvidia", NodeType::kAbsent);
  } else {
    if (f.garbled_proc_version) {
      AddFile(t, "/proc/driver/nvidia/version", std::string("NVRM \x01\x7f\xfe", 7) + "garbled\n");
    } else {
      // kernel-open/nvidia/nv-procfs.c: the open module's banner (double spaces).
      AddFile(t, "/proc/driver/nvidia/version",
              "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  " + files_version +
                  "  Release Build  (fakedrv@synth)  Thu Jan  1 00:00:00 UTC 1970\n"
                  "GCC version:  gcc version 12.3.0 (Ubuntu 12.3.0-1ubuntu1~22.04) \n",
              &f);
    }
    AddFile(t, "/sys/module/nvidia/version", files_version + "\n", &f);
    AddNode(t, "/proc/driver/nvidia/gpus", NodeType::kDir);
    for (const MachineGpu& g : m.gpus) {
      const std::string dir = "/proc/driver/nvidia/gpus/" + g.BusId();
      // The GPU's directory exists even when its information file does not.
      if (f.StateOf(dir + "/information") == MachineFaults::FileState::kMissing)
        AddNode(t, dir, NodeType::kDir);
      // nv-procfs.c:nv_procfs_read_gpu_info(), the lines nvprobe and people read.
      AddFile(t, dir + "/information",
              "Model: \t\t " + g.name + "\nGPU UUID: \t " + g.uuid +
                  "\nBus Type: \t PCIe\nBus Location: \t " + g.BusId() +
                  "\nDevice Minor: \t " + std::to_string(g.minor) + "\nGPU Excluded:\t No\n",
              &f);
    }
  }
  // sysfs PCI devices: present in containers too (sysfs is the host's), and for a
  // GPU whose driver is not loaded.
  AddNode(t, "/sys/bus/pci/devices", NodeType::kDir);
  for (const MachineGpu& g : m.GpusOnPci() ? m.gpus : std::vector<MachineGpu>{}) {
    std::string base = "/sys/bus/pci/devices/" + g.BusId() + "/";
    AddFile(t, base + "vendor", "0x10de\n");
    AddFile(t, base + "device", Hex(g.device_id, 4) + "\n");
    AddFile(t, base + "subsystem_vendor", Hex(g.subsystem_id & 0xffff, 4) + "\n", &f);
    AddFile(t, base + "subsystem_device", Hex(g.subsystem_id >> 16, 4) + "\n", &f);
    AddFile(t, base + "revision", Hex(g.revision_id, 2) + "\n", &f);
    AddFile(t, base + "class", Hex(g.pci_class, 6) + "\n");
  }
}

// _IOC_SIZE has 14 bits, and kernel-open/nvidia/nv.c:nvidia_ioctl() caps any
// argument at NV_ABSOLUTE_MAX_IOCTL_SIZE.
uint64_t MostCardInfoEntries(const abi::Abi& abi) {
  const abi::StructLayout* entry = abi.FindStruct("nv_ioctl_card_info_t");
  std::optional<uint64_t> max = abi.FindConstant("NV_ABSOLUTE_MAX_IOCTL_SIZE");
  if (entry == nullptr || entry->size == 0 || !max) return 0;  // every release has both
  return std::min<uint64_t>(*max, (1u << 14) - 1) / entry->size;
}

Status CheckFaultStatuses(const Machine& m, const abi::Abi& abi) {
  const std::string release = abi.release().ToString();
  for (const auto* statuses : {&m.faults.alloc_status, &m.faults.control_status}) {
    const std::string key = statuses == &m.faults.alloc_status ? "alloc_status" : "control_status";
    for (const auto& [name, status] : *statuses) {
      if (!abi.FindConstant(status))
        return InvalidArgumentError("faults." + key + "." + name + ": " + status + " is not a status of release " +
                                    release + " (fakedrv abi dump --driver " + release + " lists them)");
    }
  }
  return OkStatus();
}

StatusOr<std::shared_ptr<const abi::Abi>> SynthRelease(const abi::Registry& registry,
                                                        const std::string& driver) {
  StatusOr<abi::Resolution> res = registry.Resolve(driver);
  if (!res.ok()) return res.status();
  // A trace is of one release, named as NVIDIA names it; no stand-in is used.
  if (res->written_differently)
    return InvalidArgumentError("--driver " + driver + " is not a known release as written; NVIDIA writes it " +
                                res->release.ToString());
  if (!res->exact())
    return InvalidArgumentError("--driver " + driver +
                                " is not a known release (fakedrv abi versions lists the known ones)");
  return registry.AbiOf(res->release);
}

StatusOr<Trace> SynthesizeTrace(const abi::Registry& registry, const Machine& machine,
                                const std::string& driver) {
  StatusOr<std::shared_ptr<const abi::Abi>> abi = SynthRelease(registry, driver);
  if (!abi.ok()) return abi.status();
  NVPROBE_RETURN_IF_ERROR(CheckFaultStatuses(machine, **abi));
  Trace t;
  t.driver = driver;
  t.origin = "synthesized";
  t.provenance = "fakedrv synth from machine description \"" + machine.name + "\"";
  t.machine = machine.json;
  t.abi = *abi;
  try {
    AddMachineFiles(machine, driver, t);
    Builder b(**abi, t, machine.faults);
    if (machine.HasKernelDriver()) {
      AddVersionEvents(b, **abi, driver);
      AddCardInfo(b, machine);
      AddFullPath(b, machine);
    }
  } catch (const SynthError& e) {
    return InternalError(std::string("synth: ") + e.what());
  }
  return t;
}

int SynthCommand(const abi::Registry& registry, const std::string& machine_path,
                 const std::string& driver, const std::string& trace_path,
                 const std::string& expected_path, std::ostream& err) {
  auto fail = [&](const std::string& message) {
    err << "fakedrv synth: " << message << "\n";
    return 1;
  };
  // An output that is an input (or the other output) would be lost.
  if (SameFile(trace_path, machine_path))
    return fail("-o " + trace_path + " is the machine description (--machine); write the trace elsewhere");
  if (!expected_path.empty() && SameFile(expected_path, machine_path))
    return fail("--expected " + expected_path +
                " is the machine description (--machine); write the answer elsewhere");
  if (!expected_path.empty() && SameFile(expected_path, trace_path))
    return fail("--expected " + expected_path + " is the trace (-o); write them to two files");
  for (const std::string& out : {trace_path, expected_path}) {
    if (Status s = out.empty() ? OkStatus() : CheckOutputPath(out); !s.ok()) return fail(s.message());
  }
  StatusOr<Machine> m = LoadMachine(machine_path);
  if (!m.ok()) return fail(m.status().message());
  StatusOr<std::shared_ptr<const abi::Abi>> abi = SynthRelease(registry, driver);
  if (!abi.ok()) return fail(abi.status().message());
  if (Status s = CheckFaultStatuses(*m, **abi); !s.ok()) return fail(machine_path + ": " + s.message());
  StatusOr<Trace> t = SynthesizeTrace(registry, *m, driver);
  if (!t.ok()) return fail(t.status().message());
  std::ostringstream text;
  WriteTrace(*t, text);
  // What we write must load: the loader checks every size and layout against the ABI.
  std::istringstream again(text.str());
  TraceLoad load = ParseTrace(again, trace_path, registry);
  if (!load.ok()) {
    for (const std::string& e : load.errors) err << "fakedrv synth: internal: " << e << "\n";
    return 1;
  }
  // Both outputs are made before either is written.
  std::string expected_text;
  if (!expected_path.empty()) {
    StatusOr<nlohmann::ordered_json> expected = ExpectedAnswer(registry, *m, driver);
    if (!expected.ok()) return fail(expected.status().message());
    expected_text = expected->dump(2) + "\n";
  }
  // Written whole beside the outputs, then renamed over them.
  const std::string trace_text = text.str();
  std::vector<OutputFile> files;
  for (const auto& [path, content] : {std::pair<const std::string&, std::string_view>(trace_path, trace_text),
                                      std::pair<const std::string&, std::string_view>(expected_path, expected_text)}) {
    if (path.empty()) continue;
    StatusOr<OutputFile> f = OutputFile::Create(path);
    if (!f.ok()) return fail(f.status().message());
    if (Status s = f->Write(content); !s.ok()) return fail(s.message());
    files.push_back(std::move(*f));
  }
  for (OutputFile& f : files) {
    if (Status s = f.Commit(); !s.ok()) return fail(s.message());
  }
  return 0;
}

}  // namespace nvprobe::fakedrv
