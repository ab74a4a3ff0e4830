#include "fake_driver/model/machine_model.h"

#include <linux/ioctl.h>

#include <algorithm>
#include <cerrno>

#include "fake_driver/responder/frontend_rules.h"
#include "fake_driver/trace/hex.h"
#include "fake_driver/model/control_table.h"

namespace nvprobe::fakedrv::model {
namespace {

bool IsRootClass(const std::string& name) {
  return name == "NV01_ROOT" || name == "NV01_ROOT_NON_PRIV" || name == "NV01_ROOT_CLIENT";
}

// The class family whose controls an object accepts: a control's number carries
// its class in bits 31:16 (ctrl0000 for clients, ctrl0080 for devices, ctrl2080
// for subdevices; resserv/src/rs_resource.c:resControlLookup_IMPL() finds no
// entry in the object's export table otherwise).
uint32_t ControlFamilyOf(const abi::Abi& abi, uint32_t hclass) {
  const abi::Binding* b = abi.ClassByNumber(hclass);
  if (b != nullptr && IsRootClass(b->name)) return 0x0000;
  return hclass & 0xffff;
}

// Every buffer's `out`, where the client's pointers say, nested first.
void CollectWrites(const ArgBuffer& b, std::vector<TargetWrite>* pieces) {
  for (const ArgBuffer& n : b.nested) CollectWrites(n, pieces);
  if (!b.out.empty()) pieces->push_back({b.address, b.out});
}

// One call into the target for the whole answer (target_memory.h).
Status WriteBack(const ArgBuffer& b, TargetMemory& mem) {
  std::vector<TargetWrite> pieces;
  CollectWrites(b, &pieces);
  return mem.WriteAll(pieces);
}

void StartOut(ArgBuffer& b) {
  b.out = b.in;
  for (ArgBuffer& n : b.nested) StartOut(n);
}

uint64_t Field(const ArgBuffer& b, std::string_view name) {
  const abi::Field* f = b.layout ? b.layout->Find(name) : nullptr;
  return f ? LoadUint(b.in, f->offset, f->width) : 0;
}

void SetOut(ArgBuffer& b, std::string_view name, uint64_t value) {
  if (const abi::Field* f = b.layout ? b.layout->Find(name) : nullptr)
    StoreUint(b.out, f->offset, f->width, value);
}

}  // namespace

MachineModel::MachineModel(Machine machine, std::shared_ptr<const abi::Abi> abi,
                           std::string driver, std::ostream& diagnostics)
    : machine_(std::move(machine)), abi_(std::move(abi)), driver_(std::move(driver)),
      diag_(diagnostics) {}

std::string MachineModel::Describe(const Request& r) const {
  const abi::Binding* esc = abi_->EscapeByNumber(r.nr);
  std::string s = (esc ? esc->name : "escape " + HexNumber(r.nr)) + " on " + r.device;
  if (esc == nullptr || r.args.layout == nullptr) return s;
  if (esc->name == "NV_ESC_RM_CONTROL") {
    const uint32_t cmd = static_cast<uint32_t>(Field(r.args, "cmd"));
    const abi::Binding* c = abi_->ControlByNumber(cmd);
    s += " " + (c ? c->name : "cmd " + HexNumber(cmd)) + " hObject=" + HexNumber(Field(r.args, "hObject"));
  } else if (esc->name == "NV_ESC_RM_ALLOC") {
    const uint32_t hclass = static_cast<uint32_t>(Field(r.args, "hClass"));
    const abi::Binding* c = abi_->ClassByNumber(hclass);
    s += " " + (c ? c->name : "class " + HexNumber(hclass)) +
         " hObjectParent=" + HexNumber(Field(r.args, "hObjectParent"));
    if (const ArgBuffer* n = r.args.FindNested("pAllocParms"); n && n->layout) {
      // The allocation's own parameters, as the release lays them out.
      const ArgBuffer& p = *n;
      for (const abi::Field& f : p.layout->fields) {
        if (f.kind == abi::FieldKind::kInteger && f.width <= 8 && f.end() <= p.in.size())
          s += " " + f.name + "=" + HexNumber(LoadUint(p.in, f.offset, f.width));
      }
    }
  }
  return s;
}

void MachineModel::NotSupported(const Request& r, const std::string& what) {
  ++not_supported_;
  if (!list_not_supported_ && !verbose_) {
    ++unlisted_;
    return;
  }
  diag_ << "fakedrv: model: not supported, pid " << r.pid << ": " << what << std::endl;
}

void MachineModel::SayHowManyUnlisted(std::ostream& out) const {
  if (unlisted_ == 0) return;
  out << "fakedrv: model: " << unlisted_ << " request(s) answered as not supported "
      << "(--verbose or --log FILE lists them)" << std::endl;
}

void MachineModel::Released(OpenFileId file) {
  // kernel-open/nvidia/nv.c:nvidia_close() (nvidia_ctl_close() for the control
  // device) -> arch/nvalloc/unix/src/osapi.c:rm_cleanup_file_private() ->
  // RmFreeUnusedClients(): every client allocated through this file goes, with
  // everything under it.
  const int freed = objects_.FreeClientsOf(file);
  if (verbose_ && freed > 0) {
    diag_ << "fakedrv: model: open file " << file << " closed: freed " << freed
          << " client(s) <- nv.c:nvidia_close()" << std::endl;
  }
}

IoctlResult MachineModel::Handle(const std::string& device, uint32_t request, uint64_t arg,
                                 TargetMemory& mem, int pid, OpenFileId file) {
  uint32_t nr = request & 0xff;
  uint32_t size = _IOC_SIZE(request);
  const abi::Binding* esc = abi_->EscapeByNumber(nr);
  if (esc != nullptr && esc->name == "NV_ESC_IOCTL_XFER_CMD") {
    // nv.c:nvidia_ioctl(): XFER carries a request too large for _IOC's size field;
    // the driver unwraps it once, then serves the inner escape as if called directly.
    const abi::StructLayout* xfer = abi_->FindStruct(esc->params_struct);
    if (xfer == nullptr || size != xfer->size) return {-1, EINVAL};
    std::vector<uint8_t> x(size);
    if (!mem.Read(arg, x).ok()) return {-1, EFAULT};
    const abi::Field* cmd = xfer->Find("cmd");
    const abi::Field* inner_size = xfer->Find("size");
    const abi::Field* ptr = xfer->Find("ptr");
    if (cmd == nullptr || inner_size == nullptr || ptr == nullptr) return {-1, EINVAL};
    nr = static_cast<uint32_t>(LoadUint(x, cmd->offset, cmd->width));
    size = static_cast<uint32_t>(LoadUint(x, inner_size->offset, inner_size->width));
    arg = LoadUint(x, ptr->offset, ptr->width);
    if (size > abi_->FindConstant("NV_ABSOLUTE_MAX_IOCTL_SIZE").value_or(16384)) return {-1, EINVAL};
    esc = abi_->EscapeByNumber(nr);
  }
  return Serve(device, nr, size, arg, mem, pid, file);
}

IoctlResult MachineModel::Serve(const std::string& device, uint32_t nr, uint32_t size, uint64_t arg,
                                TargetMemory& mem, int pid, OpenFileId file) {
  ArgBuffer args;
  args.address = arg;
  args.in.resize(size);
  const abi::Binding* esc = abi_->EscapeByNumber(nr);
  // NV_ESC_RM_ALLOC takes NVOS21 or NVOS64, told apart by the size.
  if (esc != nullptr && !esc->params_struct.empty())
    args.layout = abi_->FindStruct(esc->ParamsForSize(size, *abi_));
  if (!mem.Read(arg, args.in).ok()) return {-1, EFAULT};
  Request r{device, nr, args, mem, pid, file};
  if (esc == nullptr || esc->name == "NV_ESC_IOCTL_XFER_CMD") {
    // nv.c:nvidia_ioctl() hands unknown numbers (and an XFER inside an XFER) to the
    // RM, whose escape.c:RmIoctl() rejects them: -EINVAL.
    NotSupported(r, "escape " + HexNumber(nr) + " (" + std::to_string(size) + " bytes)");
    return {-1, EINVAL};
  }
  // machine description: "ioctl_errno" fails every such ioctl, nothing written.
  if (int err = machine_.faults.ErrnoOf(esc->name); err != 0) return {-1, err};
  const abi::StructLayout* layout = args.layout;
  // escape.c:RmIoctl() serves the NV_ESC_RM_* escapes; nv.c the frontend ones.
  const bool rm_call = esc->name.rfind("NV_ESC_RM_", 0) == 0 && layout != nullptr;
  if (rm_call && args.in.size() != layout->size) return {-1, EINVAL};  // escape.c:RmIoctl()
  if (layout != nullptr && args.in.size() == layout->size) {
    switch (ReadNestedBuffers(*abi_, args, mem)) {
      case ReadError::kNone: break;
      case ReadError::kFault: return {-1, EFAULT};
      case ReadError::kInvalid: return {-1, EINVAL};
    }
  }
  if (esc->name == "NV_ESC_RM_ALLOC" && layout != nullptr && args.in.size() == layout->size) {
    // rmapi/alloc_free.c: rmapiParamsCopyInit() copies in sizeof the class's params
    // whatever paramsSize says (NVML passes 0 there).
    const uint64_t at = Field(args, "pAllocParms");
    const abi::Binding* cls = abi_->ClassByNumber(static_cast<uint32_t>(Field(args, "hClass")));
    const abi::StructLayout* params = cls ? abi_->FindStruct(cls->params_struct) : nullptr;
    const bool read = std::any_of(args.nested.begin(), args.nested.end(),
                                  [](const ArgBuffer& n) { return n.field == "pAllocParms"; });
    if (at != 0 && params != nullptr && !read) {
      ArgBuffer p;
      p.field = "pAllocParms";
      p.layout = params;
      p.address = at;
      p.in.resize(params->size);
      if (!mem.Read(at, p.in).ok()) return {-1, EFAULT};
      args.nested.insert(args.nested.begin(), std::move(p));
    }
  }
  if (!mem.StillValid()) return {0, 0, true};
  if (!rm_call) return Frontend(*esc, r);

  StartOut(args);
  RmAnswer a;
  if (esc->name == "NV_ESC_RM_ALLOC") {
    a = Alloc(r);
  } else if (esc->name == "NV_ESC_RM_FREE") {
    a = Free(r);
  } else if (esc->name == "NV_ESC_RM_CONTROL") {
    a = Control(r);
  } else {
    NotSupported(r, Describe(r));
    a.status = "NV_ERR_NOT_SUPPORTED";
  }
  SetOut(args, "status", abi_->FindConstant(a.status).value_or(0xFFFF));
  if (verbose_) {
    diag_ << "fakedrv: model: pid " << pid << " " << Describe(r) << ": " << a.status
          << (a.by.empty() ? "" : " <- " + a.by) << std::endl;
  }
  if (!WriteBack(args, mem).ok()) return {-1, EFAULT};
  return {0, 0};
}

IoctlResult MachineModel::Frontend(const abi::Binding& esc, Request& r) {
  std::optional<RuleAnswer> a;
  if (esc.name == "NV_ESC_CHECK_VERSION_STR") {
    a = VersionCheckAnswer(*abi_, driver_, r.args);
  } else if (esc.name == "NV_ESC_CARD_INFO") {
    a = CardInfoAnswer(*abi_, CardInfoEntries(), r.device, r.args);
  } else if (esc.name == "NV_ESC_SYS_PARAMS" || esc.name == "NV_ESC_REGISTER_FD" ||
             esc.name == "NV_ESC_ATTACH_GPUS_TO_FD") {
    // nv.c:nvidia_ioctl(): the driver takes note (memory block size, the control fd
    // a GPU fd belongs to, the GPUs an fd uses) and answers 0, writing nothing.
    a = RuleAnswer{esc.name + ": accepted", {}, 0, 0};
  } else if (esc.name == "NV_ESC_WAIT_OPEN_COMPLETE" && r.args.layout) {
    // nv.c:nvidia_ioctl(): the GPU's open has completed; rc and adapterStatus 0.
    StartOut(r.args);
    SetOut(r.args, "rc", 0);
    SetOut(r.args, "adapterStatus", 0);
    a = RuleAnswer{esc.name + ": opened", r.args.out, 0, 0};
  } else if (esc.name == "NV_ESC_NUMA_INFO" && r.args.layout) {
    // nv.c:nvidia_ioctl() -> nvidia_numa_get_info(): a GPU whose memory is not
    // onlined as a NUMA node reports nid -1 and NV_IOCTL_NUMA_STATUS_DISABLED (0).
    StartOut(r.args);
    SetOut(r.args, "nid", 0xFFFFFFFF);
    SetOut(r.args, "status", 0);
    a = RuleAnswer{esc.name + ": no NUMA node", r.args.out, 0, 0};
  }
  if (!a) {
    NotSupported(r, Describe(r));
    return {-1, EINVAL};
  }
  if (verbose_) diag_ << "fakedrv: model: pid " << r.pid << " " << Describe(r) << ": " << a->rule << std::endl;
  if (!a->out.empty() && !r.mem.Write(r.args.address, a->out).ok()) return {-1, EFAULT};
  return {a->ret, a->err};
}

const std::vector<uint8_t>& MachineModel::CardInfoEntries() {
  if (card_info_) return *card_info_;
  // nv.c:nvidia_read_card_info(): one entry per GPU the driver attached to.
  const abi::StructLayout* l = abi_->FindStruct("nv_ioctl_card_info_t");
  std::vector<uint8_t>& out = card_info_.emplace();
  if (l == nullptr) return out;
  out.assign(l->size * machine_.gpus.size(), 0);
  auto set = [&](size_t i, std::string_view field, uint64_t v) {
    if (const abi::Field* f = l->Find(field))
      StoreUint(std::span<uint8_t>(out).subspan(i * l->size), f->offset, f->width, v);
  };
  for (size_t i = 0; i < machine_.gpus.size(); ++i) {
    const MachineGpu& g = machine_.gpus[i];
    set(i, "valid", 1);
    set(i, "pci_info.domain", g.domain);
    set(i, "pci_info.bus", g.bus);
    set(i, "pci_info.slot", g.slot);
    set(i, "pci_info.vendor_id", 0x10de);
    set(i, "pci_info.device_id", g.device_id);
    set(i, "gpu_id", GpuIdOf(g));
    set(i, "minor_number", g.minor);
  }
  return out;
}

int MachineModel::GpuOfDeviceInstance(uint64_t device_instance) const {
  // The model numbers device instances in PCI order, as GPU_GET_ID_INFO_V2 says.
  return device_instance < machine_.gpus.size() ? static_cast<int>(device_instance) : -1;
}

MachineModel::RmAnswer MachineModel::Alloc(Request& r) {
  const uint32_t hclass = static_cast<uint32_t>(Field(r.args, "hClass"));
  const uint32_t h_root = static_cast<uint32_t>(Field(r.args, "hRoot"));
  const uint32_t h_parent = static_cast<uint32_t>(Field(r.args, "hObjectParent"));
  const uint32_t h_new = static_cast<uint32_t>(Field(r.args, "hObjectNew"));
  const abi::Binding* cls = abi_->ClassByNumber(hclass);
  // resserv/src/rs_server.c:serverAllocResource(): no such class.
  if (cls == nullptr) return {"NV_ERR_INVALID_CLASS", "class " + HexNumber(hclass) + " unknown"};
  if (auto it = machine_.faults.alloc_status.find(cls->name); it != machine_.faults.alloc_status.end())
    return {it->second.c_str(), "machine description: faults.alloc_status"};
  uint32_t handle = 0;
  RmAnswer a;
  if (IsRootClass(cls->name)) {
    // escape.c:RmIoctl() NV_ESC_RM_ALLOC of a client: rs_server.c:serverAllocClient()
    // picks the handle when hObjectNew is 0 and writes it back, and into the
    // params' hClient (class/cl0000.h NV0000_ALLOC_PARAMETERS, whose first member is
    // the NvHandle).
    a = {objects_.AllocClient(h_new, hclass, r.file, &handle), "rs_server.c:serverAllocClient()"};
    if (std::string_view(a.status) == "NV_OK") {
      const uint64_t params = Field(r.args, "pAllocParms");
      ArgBuffer* read = nullptr;
      for (ArgBuffer& n : r.args.nested) {
        if (n.field == "pAllocParms") read = &n;
      }
      if (read != nullptr && read->out.size() >= sizeof(uint32_t)) {
        StoreUint(read->out, 0, sizeof(uint32_t), handle);  // written back with the rest
      } else if (params != 0) {
        uint8_t bytes[sizeof(uint32_t)];
        StoreUint(bytes, 0, sizeof bytes, handle);
        if (!r.mem.Write(params, bytes).ok()) {
          objects_.Free(handle, handle, r.file);
          return {"NV_ERR_INVALID_ARGUMENT", "pAllocParms unwritable"};
        }
      }
    }
  } else {
    RmClient* client = objects_.ClientOn(h_root, r.file);
    if (client == nullptr) return {"NV_ERR_INVALID_CLIENT", "client.c:rmclientValidate_IMPL()"};
    a = AllocChecked(r, *client, h_parent, hclass, cls->name, &handle);
  }
  if (std::string_view(a.status) == "NV_OK") SetOut(r.args, "hObjectNew", handle);
  return a;
}

MachineModel::RmAnswer MachineModel::AllocChecked(Request& r, RmClient& client, uint32_t parent,
                                                  uint32_t hclass, const std::string& class_name,
                                                  uint32_t* handle) {
  const RmObject* p = RmObjects::Find(client, parent);
  if (p == nullptr) return {"NV_ERR_INVALID_OBJECT_PARENT", "rmapi/alloc_free.c:_rmAlloc()"};
  const abi::Binding* parent_class = abi_->ClassByNumber(p->hclass);
  const std::string parent_name = parent_class ? parent_class->name : "";
  const ArgBuffer* params = r.args.FindNested("pAllocParms");
  int gpu = p->gpu;
  if (class_name == "NV01_DEVICE_0") {
    // gpu/device.c:deviceConstruct_IMPL(): under a client, a device instance the
    // machine has, and the caller must hold that GPU's /dev/nvidiaN
    // (osIsGpuAccessible() -> nv.c:nv_is_gpu_accessible()).
    if (!IsRootClass(parent_name)) return {"NV_ERR_INVALID_OBJECT_PARENT", "gpu/device.c:deviceConstruct_IMPL()"};
    gpu = GpuOfDeviceInstance(params ? Field(*params, "deviceId") : 0);
    if (gpu < 0) return {"NV_ERR_INVALID_ARGUMENT", "gpu/device.c:deviceConstruct_IMPL(): no such device instance"};
    const std::string node = "/dev/nvidia" + std::to_string(machine_.gpus[gpu].minor);
    if (!Holds(r.pid, node))
      return {"NV_ERR_INSUFFICIENT_PERMISSIONS", "nv.c:nv_is_gpu_accessible(): " + node + " not open"};
  } else if (class_name == "NV20_SUBDEVICE_0") {
    // gpu/subdevice/subdevice.c:subdeviceConstruct_IMPL(): under a device; one
    // subdevice per GPU (no SLI), instance 0.
    if (parent_name != "NV01_DEVICE_0") return {"NV_ERR_INVALID_OBJECT_PARENT", "subdevice.c:subdeviceConstruct_IMPL()"};
    if (params && Field(*params, "subDeviceId") != 0) return {"NV_ERR_INVALID_ARGUMENT", "subdevice.c:subdeviceConstruct_IMPL()"};
  } else {
    NotSupported(r, Describe(r));
    return {"NV_ERR_NOT_SUPPORTED", "the model has no rule for class " + class_name};
  }
  return {objects_.Alloc(client, parent, static_cast<uint32_t>(Field(r.args, "hObjectNew")), hclass, gpu, handle),
          "rs_client.c:clientAssignResourceHandle_IMPL()"};
}

MachineModel::RmAnswer MachineModel::Free(Request& r) {
  return {objects_.Free(static_cast<uint32_t>(Field(r.args, "hRoot")),
                        static_cast<uint32_t>(Field(r.args, "hObjectOld")), r.file),
          "rs_server.c:serverFreeResourceTree()"};
}

MachineModel::RmAnswer MachineModel::Control(Request& r) {
  const uint32_t cmd = static_cast<uint32_t>(Field(r.args, "cmd"));
  RmClient* client = objects_.ClientOn(static_cast<uint32_t>(Field(r.args, "hClient")), r.file);
  if (client == nullptr) return {"NV_ERR_INVALID_CLIENT", "client.c:rmclientValidate_IMPL()"};
  const RmObject* o = RmObjects::Find(*client, static_cast<uint32_t>(Field(r.args, "hObject")));
  if (o == nullptr) return {"NV_ERR_INVALID_OBJECT_HANDLE", "rmapi/control.c:_rmapiRmControl()"};
  const abi::Binding* c = abi_->ControlByNumber(cmd);
  const std::string name = c ? c->name : "cmd " + HexNumber(cmd);
  if (((cmd >> 16) & 0xffff) != ControlFamilyOf(*abi_, o->hclass))
    return {"NV_ERR_NOT_SUPPORTED", "rs_resource.c:resControlLookup_IMPL(): not a control of this object"};
  if (auto it = machine_.faults.control_status.find(name); it != machine_.faults.control_status.end())
    return {it->second.c_str(), "machine description: faults.control_status"};
  const ControlHandler* h = c ? FindControlHandler(c->name) : nullptr;
  if (h == nullptr) {
    // The command once: by the ABI layer's name with its number (what a handler is
    // added for), or as the number alone.
    NotSupported(r, (c ? c->name + " (" + HexNumber(cmd) + ", " : "cmd " + HexNumber(cmd) + " (") +
                        "paramsSize " + std::to_string(Field(r.args, "paramsSize")) + ") on " +
                        HexNumber(o->handle));
    return {"NV_ERR_NOT_SUPPORTED", "no handler"};
  }
  const abi::StructLayout* params = abi_->FindStruct(c->params_struct);
  // rs_resource.c:resControlLookup_IMPL(): the params must be the command's struct.
  if (params == nullptr || Field(r.args, "paramsSize") != params->size || r.args.nested.empty())
    return {"NV_ERR_INVALID_PARAM_STRUCT", h->source};
  ControlCall call(machine_, *abi_, driver_, state_, objects_, o->gpu, r.args.nested.front());
  const char* status = h->fill(call);
  if (!call.error().empty()) {
    NotSupported(r, name + ": model error: " + call.error());
    return {"NV_ERR_NOT_SUPPORTED", h->source};
  }
  return {status, h->source};
}

}  // namespace nvprobe::fakedrv::model
