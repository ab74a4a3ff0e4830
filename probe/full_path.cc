#include "probe/full_path.h"

#include <fcntl.h>

#include <cctype>
#include <cstdio>

#include "abi/struct_view.h"
#include "probe/files_source.h"
#include "probe/tables.h"

namespace nvprobe::probe {
namespace {

// Handles we choose for the objects under our client (any value unique in it).
constexpr uint32_t kDeviceHandleBase = 0x5c000000;

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// A params buffer laid out by the running release.
struct Params {
  std::vector<uint8_t> bytes;
  const abi::StructLayout* layout = nullptr;
};

StatusOr<Params> NewParams(const abi::Abi& abi, std::string_view name) {
  StatusOr<const abi::StructLayout*> l = abi.Struct(name);
  if (!l.ok()) return l.status();
  return Params{std::vector<uint8_t>((*l)->size, 0), *l};
}

// Closes an fd when it goes out of scope.
class FdCloser {
 public:
  FdCloser(System& sys, int fd) : sys_(sys), fd_(fd) {}
  ~FdCloser() { sys_.Close(fd_); }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  System& sys_;
  int fd_;
};

// Frees an RM object when it goes out of scope; a failed free is a warning.
class ObjectFreer {
 public:
  ObjectFreer(RmClient& c, uint32_t parent, uint32_t handle, std::vector<std::string>& w)
      : c_(c), parent_(parent), handle_(handle), warnings_(w) {}
  ~ObjectFreer() {
    Status s = c_.Free(parent_, handle_);
    if (!s.ok()) warnings_.push_back("ioctl-full: " + s.message());
  }
  ObjectFreer(const ObjectFreer&) = delete;
  ObjectFreer& operator=(const ObjectFreer&) = delete;

 private:
  RmClient& c_;
  uint32_t parent_, handle_;
  std::vector<std::string>& warnings_;
};

bool Printable(std::string_view s) {
  for (char ch : s)
    if (!std::isprint(static_cast<unsigned char>(ch))) return false;
  return !s.empty();
}

// One "index/data" pair query through a V1 GET_INFO control whose list is a nested
// pointer (NV2080_CTRL_GPU_GET_INFO_PARAMS / NV2080_CTRL_FB_GET_INFO_PARAMS); the V1
// controls are accepted by every release (src/nvidia/src/kernel/rmapi/embedded_param_copy.c
// copies the nested list in).
StatusOr<uint32_t> QueryInfo(RmClient& c, uint32_t subdevice, std::string_view cmd,
                             std::string_view params_struct, std::string_view size_field,
                             std::string_view list_field, std::string_view element_struct,
                             std::string_view index_constant) {
  const abi::Abi& abi = c.abi();
  StatusOr<uint64_t> index = abi.Constant(index_constant);
  if (!index.ok()) return index.status();
  StatusOr<Params> elem = NewParams(abi, element_struct);
  if (!elem.ok()) return elem.status();
  StatusOr<abi::StructWriter> ew = abi::StructWriter::Make(*elem->layout, elem->bytes);
  if (!ew.ok()) return ew.status();
  NVPROBE_RETURN_IF_ERROR(ew->Set<uint32_t>("index", static_cast<uint32_t>(*index)));
  StatusOr<Params> p = NewParams(abi, params_struct);
  if (!p.ok()) return p.status();
  StatusOr<abi::StructWriter> w = abi::StructWriter::Make(*p->layout, p->bytes);
  if (!w.ok()) return w.status();
  NVPROBE_RETURN_IF_ERROR(w->Set<uint32_t>(size_field, 1));
  NVPROBE_RETURN_IF_ERROR(
      w->Set<uint64_t>(list_field, reinterpret_cast<uintptr_t>(elem->bytes.data())));
  NVPROBE_RETURN_IF_ERROR(c.Control(subdevice, cmd, p->bytes));
  StatusOr<abi::StructReader> er = abi::StructReader::Make(*elem->layout, elem->bytes);
  if (!er.ok()) return er.status();
  return er->Get<uint32_t>("data");
}

void Warn(std::vector<std::string>& w, const CardInfo& card, const std::string& what) {
  w.push_back("ioctl-full: GPU " + card.BusId() + ": " + what);
}

void QueryArch(RmClient& c, uint32_t sub, const CardInfo& card, GpuInfo& gpu,
               std::vector<std::string>& warnings) {
  StatusOr<Params> p = NewParams(c.abi(), "NV2080_CTRL_MC_GET_ARCH_INFO_PARAMS");
  if (!p.ok()) return Warn(warnings, card, p.status().message());
  Status s = c.Control(sub, "NV2080_CTRL_CMD_MC_GET_ARCH_INFO", p->bytes);
  if (!s.ok()) return Warn(warnings, card, s.message());
  StatusOr<abi::StructReader> r = abi::StructReader::Make(*p->layout, p->bytes);
  StatusOr<uint32_t> arch = r->Get<uint32_t>("architecture");
  StatusOr<uint32_t> impl = r->Get<uint32_t>("implementation");
  if (!arch.ok() || !impl.ok()) return Warn(warnings, card, "MC_GET_ARCH_INFO: bad layout");
  ArchName n = NameArchitecture(c.abi(), *arch, *impl);
  if (!n.architecture)
    Warn(warnings, card,
         "NV2080_CTRL_MC_GET_ARCH_INFO_PARAMS.architecture " + Hex(*arch) + " is unknown");
  else if (!n.chip && !gpu.chip)  // the headers name few implementations (no GP102...)
    Warn(warnings, card,
         "NV2080_CTRL_MC_GET_ARCH_INFO_PARAMS.implementation " + Hex(*impl) +
             " is unknown for architecture " + Hex(*arch));
  if (n.architecture) gpu.architecture = n.architecture;
  if (n.chip) gpu.chip = n.chip;
}

void QuerySmVersion(RmClient& c, uint32_t sub, const CardInfo& card, GpuInfo& gpu,
                    std::vector<std::string>& warnings) {
  StatusOr<uint32_t> sm = QueryInfo(c, sub, "NV2080_CTRL_CMD_GPU_GET_INFO",
                                    "NV2080_CTRL_GPU_GET_INFO_PARAMS", "gpuInfoListSize",
                                    "gpuInfoList", "NV2080_CTRL_GPU_INFO",
                                    "NV2080_CTRL_GPU_INFO_INDEX_GPU_SM_VERSION");
  if (!sm.ok()) return Warn(warnings, card, "SM version: " + sm.status().message());
  // (major << 8) | minor (src/common/sdk/nvidia/inc/ctrl/ctrl2080/ctrl2080gpu.h).
  uint32_t major = (*sm >> 8) & 0xff, minor = *sm & 0xff;
  if (*sm > 0xffff || major == 0 || minor > 9)
    return Warn(warnings, card,
                "NV2080_CTRL_GPU_INFO.data for GPU_SM_VERSION is " + Hex(*sm) +
                    ", not a compute capability");
  gpu.compute_capability = std::to_string(major) + "." + std::to_string(minor);
  gpu.compute_capability_source = "sm_version";
}

void QueryMemory(RmClient& c, uint32_t sub, const CardInfo& card, GpuInfo& gpu,
                 std::vector<std::string>& warnings) {
  StatusOr<uint32_t> kib = QueryInfo(c, sub, "NV2080_CTRL_CMD_FB_GET_INFO",
                                     "NV2080_CTRL_FB_GET_INFO_PARAMS", "fbInfoListSize",
                                     "fbInfoList", "NV2080_CTRL_FB_INFO",
                                     "NV2080_CTRL_FB_INFO_INDEX_TOTAL_RAM_SIZE");
  if (!kib.ok()) return Warn(warnings, card, "memory: " + kib.status().message());
  gpu.memory_mib = *kib / 1024;  // TOTAL_RAM_SIZE is in KiB (ctrl2080fb.h)
}

void QueryName(RmClient& c, uint32_t sub, const CardInfo& card, GpuInfo& gpu,
               std::vector<std::string>& warnings) {
  // 132 bytes (ASCII/Unicode union) before 595.44.02, 68 after: the layout knows.
  StatusOr<Params> p = NewParams(c.abi(), "NV2080_CTRL_GPU_GET_NAME_STRING_PARAMS");
  if (!p.ok()) return Warn(warnings, card, p.status().message());
  StatusOr<abi::StructWriter> w = abi::StructWriter::Make(*p->layout, p->bytes);
  uint64_t ascii =
      c.abi().FindConstant("NV2080_CTRL_GPU_GET_NAME_STRING_FLAGS_TYPE_ASCII").value_or(0);
  if (Status s = w->Set<uint32_t>("gpuNameStringFlags", static_cast<uint32_t>(ascii)); !s.ok())
    return Warn(warnings, card, s.message());
  Status s = c.Control(sub, "NV2080_CTRL_CMD_GPU_GET_NAME_STRING", p->bytes);
  if (!s.ok()) return Warn(warnings, card, s.message());
  StatusOr<std::string> name = w->GetString("gpuNameString.ascii");
  if (!name.ok() || !Printable(*name))
    return Warn(warnings, card,
                "NV2080_CTRL_GPU_GET_NAME_STRING_PARAMS.gpuNameString is empty or not text");
  gpu.name = *name;
  CapGpuName(*gpu.name, "ioctl-full: GPU " + card.BusId() + ": gpuNameString", warnings);
}

void QueryUuid(RmClient& c, uint32_t sub, const CardInfo& card, GpuInfo& gpu,
               std::vector<std::string>& warnings) {
  StatusOr<Params> p = NewParams(c.abi(), "NV2080_CTRL_GPU_GET_GID_INFO_PARAMS");
  if (!p.ok()) return Warn(warnings, card, p.status().message());
  StatusOr<abi::StructWriter> w = abi::StructWriter::Make(*p->layout, p->bytes);
  uint64_t ascii = c.abi().FindConstant("NV2080_GPU_CMD_GPU_GET_GID_FLAGS_FORMAT_ASCII").value_or(0);
  if (Status s = w->Set<uint32_t>("flags", static_cast<uint32_t>(ascii)); !s.ok())
    return Warn(warnings, card, s.message());
  Status s = c.Control(sub, "NV2080_CTRL_CMD_GPU_GET_GID_INFO", p->bytes);
  if (!s.ok()) return Warn(warnings, card, s.message());
  StatusOr<uint32_t> length = w->Get<uint32_t>("length");
  StatusOr<std::span<const uint8_t>> data = w->FieldBytes("data");
  if (!length.ok() || !data.ok()) return Warn(warnings, card, "GID_INFO: bad layout");
  if (*length > data->size()) {
    Warn(warnings, card,
         "NV2080_CTRL_GPU_GET_GID_INFO_PARAMS.length " + std::to_string(*length) +
             " exceeds data[" + std::to_string(data->size()) + "]; clamped");
  }
  size_t n = std::min<size_t>(*length, data->size());
  std::string uuid(reinterpret_cast<const char*>(data->data()), n);
  if (size_t nul = uuid.find('\0'); nul != std::string::npos) uuid.resize(nul);
  if (!Printable(uuid) || uuid.rfind("GPU-", 0) != 0)
    return Warn(warnings, card, "NV2080_CTRL_GPU_GET_GID_INFO_PARAMS.data is not a GPU UUID");
  gpu.uuid = uuid;
}

void QueryPci(RmClient& c, uint32_t sub, const CardInfo& card, GpuInfo& gpu,
              std::vector<std::string>& warnings) {
  StatusOr<Params> p = NewParams(c.abi(), "NV2080_CTRL_BUS_GET_PCI_INFO_PARAMS");
  if (!p.ok()) return Warn(warnings, card, p.status().message());
  Status s = c.Control(sub, "NV2080_CTRL_CMD_BUS_GET_PCI_INFO", p->bytes);
  if (!s.ok()) return Warn(warnings, card, s.message());
  StatusOr<abi::StructReader> r = abi::StructReader::Make(*p->layout, p->bytes);
  StatusOr<uint32_t> dev = r->Get<uint32_t>("pciDeviceId");
  StatusOr<uint32_t> sub_id = r->Get<uint32_t>("pciSubSystemId");
  StatusOr<uint32_t> rev = r->Get<uint32_t>("pciRevisionId");
  if (!dev.ok() || !sub_id.ok() || !rev.ok()) return Warn(warnings, card, "BUS_GET_PCI_INFO: bad layout");
  // pciDeviceId = (device << 16) | vendor (ctrl2080bus.h).
  if ((*dev >> 16) != card.device_id)
    Warn(warnings, card,
         "NV2080_CTRL_BUS_GET_PCI_INFO_PARAMS.pciDeviceId " + Hex(*dev) +
             " disagrees with card info device " + Hex(card.device_id));
  gpu.pci_subsystem_id = *sub_id;
  if (*rev <= 0xff)
    gpu.pci_revision_id = static_cast<uint8_t>(*rev);
  else
    Warn(warnings, card, "NV2080_CTRL_BUS_GET_PCI_INFO_PARAMS.pciRevisionId " + Hex(*rev) +
                             " is out of range");
}

// The RM's device instance of a GPU (NV0000_CTRL_CMD_GPU_GET_ID_INFO_V2 on the
// client); valid once the GPU is attached, which opening /dev/nvidiaN does.
StatusOr<std::pair<uint32_t, uint32_t>> DeviceInstance(RmClient& c, const CardInfo& card) {
  StatusOr<Params> p = NewParams(c.abi(), "NV0000_CTRL_GPU_GET_ID_INFO_V2_PARAMS");
  if (!p.ok()) return p.status();
  StatusOr<abi::StructWriter> w = abi::StructWriter::Make(*p->layout, p->bytes);
  NVPROBE_RETURN_IF_ERROR(w->Set<uint32_t>("gpuId", card.gpu_id));
  NVPROBE_RETURN_IF_ERROR(c.Control(c.handle(), "NV0000_CTRL_CMD_GPU_GET_ID_INFO_V2", p->bytes));
  StatusOr<uint32_t> dev = w->Get<uint32_t>("deviceInstance");
  StatusOr<uint32_t> sub = w->Get<uint32_t>("subDeviceInstance");
  if (!dev.ok()) return dev.status();
  if (!sub.ok()) return sub.status();
  if (*dev >= 32 || *sub >= 8)
    return OutOfRangeError("NV0000_CTRL_GPU_GET_ID_INFO_V2_PARAMS.deviceInstance " +
                           std::to_string(*dev) + " out of range");
  return std::make_pair(*dev, *sub);
}

}  // namespace

ArchName NameArchitecture(const abi::Abi& abi, uint32_t architecture, uint32_t implementation) {
  ArchName out;
  std::optional<std::string> arch_const =
      abi.NameOf(architecture, {"NV2080_CTRL_MC_ARCH_INFO_ARCHITECTURE_"});
  if (!arch_const) return out;
  std::string family = arch_const->substr(std::string_view("NV2080_CTRL_MC_ARCH_INFO_ARCHITECTURE_").size());
  out.architecture = ArchitectureOfChip(family);
  if (!out.architecture) return out;
  // The implementation constants of this family with this value; among several
  // (AD000 and AD101 are both 1) prefer the generation digit of the architecture
  // (GB100 vs GB200) and real chips over the "x000" placeholders.
  const std::string prefix = "NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_";
  int best_score = -1;
  for (const auto& [name, value] : abi.constants()) {
    if (value != implementation || name.rfind(prefix + family.substr(0, 2), 0) != 0) continue;
    std::string chip = name.substr(prefix.size());
    if (chip.size() != 5) continue;  // skip GH100_SOC and the like
    int score = 0;
    if (chip[2] == family[2]) score += 2;
    if (chip.substr(2) != "000") score += 1;
    if (score > best_score) {
      best_score = score;
      out.chip = chip;
    }
  }
  return out;
}

Status ProbeGpuFull(System& sys, RmClient& client, const CardInfo& card, uint32_t index,
                    GpuInfo& gpu, std::vector<std::string>& warnings) {
  std::string dev_path = "/dev/nvidia" + std::to_string(card.minor);
  StatusOr<int> gpu_fd = sys.Open(dev_path, O_RDWR);
  if (!gpu_fd.ok()) return gpu_fd.status();
  FdCloser close_gpu(sys, *gpu_fd);

  uint32_t device_instance = index, subdevice_instance = 0;
  if (auto inst = DeviceInstance(client, card); inst.ok()) {
    device_instance = inst->first;
    subdevice_instance = inst->second;
  } else {
    Warn(warnings, card, "device instance unknown (" + inst.status().message() +
                             "); using the card index " + std::to_string(index));
  }

  const uint32_t h_device = kDeviceHandleBase + 2 * index + 1;
  const uint32_t h_subdevice = h_device + 1;
  StatusOr<Params> dp = NewParams(client.abi(), "NV0080_ALLOC_PARAMETERS");
  if (!dp.ok()) return dp.status();
  StatusOr<abi::StructWriter> dw = abi::StructWriter::Make(*dp->layout, dp->bytes);
  NVPROBE_RETURN_IF_ERROR(dw->Set<uint32_t>("deviceId", device_instance));
  NVPROBE_RETURN_IF_ERROR(client.Alloc(client.handle(), h_device, "NV01_DEVICE_0", dp->bytes));
  ObjectFreer free_device(client, client.handle(), h_device, warnings);

  StatusOr<Params> sp = NewParams(client.abi(), "NV2080_ALLOC_PARAMETERS");
  if (!sp.ok()) return sp.status();
  StatusOr<abi::StructWriter> sw = abi::StructWriter::Make(*sp->layout, sp->bytes);
  NVPROBE_RETURN_IF_ERROR(sw->Set<uint32_t>("subDeviceId", subdevice_instance));
  NVPROBE_RETURN_IF_ERROR(client.Alloc(h_device, h_subdevice, "NV20_SUBDEVICE_0", sp->bytes));
  ObjectFreer free_subdevice(client, h_device, h_subdevice, warnings);

  QuerySmVersion(client, h_subdevice, card, gpu, warnings);
  QueryArch(client, h_subdevice, card, gpu, warnings);
  QueryName(client, h_subdevice, card, gpu, warnings);
  QueryUuid(client, h_subdevice, card, gpu, warnings);
  QueryMemory(client, h_subdevice, card, gpu, warnings);
  QueryPci(client, h_subdevice, card, gpu, warnings);
  return OkStatus();
}

}  // namespace nvprobe::probe
