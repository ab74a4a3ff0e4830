#include "tests/probe/fake_kernel.h"

#include <fcntl.h>
#include <linux/ioctl.h>

#include <cerrno>
#include <cstring>

#include "abi/registry.h"
#include "abi/struct_view.h"

namespace nvprobe::probe {
namespace {

using ::testing::_;
using ::testing::Invoke;

constexpr uint32_t kNvOk = 0;

uint64_t C(const abi::Abi& abi, std::string_view name) { return abi.Constant(name).value(); }

}  // namespace

FakeKernel::FakeKernel(const std::string& v) : version(v) {
  const abi::Registry& reg = abi::Registry::Default();
  abi_ = reg.AbiOf(reg.Resolve(v).value().release).value();
  gpus.push_back(FakeGpu{});
}

void FakeKernel::Install(MockSystem& sys) {
  ON_CALL(sys, Open(_, _)).WillByDefault(Invoke([this](const std::string& p, int) { return Open(p); }));
  ON_CALL(sys, Close(_)).WillByDefault(Invoke([this](int fd) {
    EXPECT_TRUE(open_fds.erase(fd)) << "close of fd " << fd << " that is not open";
    gpu_fd_minor_.erase(fd);
  }));
  ON_CALL(sys, Ioctl(_, _, _)).WillByDefault(Invoke(this, &FakeKernel::Ioctl));
  ON_CALL(sys, ReadFile(_, _))
      .WillByDefault(Invoke([this](const std::string& p, size_t max) -> StatusOr<std::string> {
        auto it = files.find(p);
        if (it == files.end()) return NotFoundError("open " + p + ": No such file or directory");
        return it->second.substr(0, max);
      }));
  ON_CALL(sys, ListDir(_))
      .WillByDefault(Invoke([this](const std::string& p) -> StatusOr<std::vector<std::string>> {
        auto it = dirs.find(p);
        if (it == dirs.end()) return NotFoundError("opendir " + p + ": No such file or directory");
        return it->second;
      }));
  ON_CALL(sys, Run(_, _, _))
      .WillByDefault(Invoke([](const std::vector<std::string>& argv, auto, size_t)
                                -> StatusOr<CommandResult> {
        return NotFoundError(argv[0] + ": No such file or directory");
      }));
}

StatusOr<int> FakeKernel::Open(const std::string& path) {
  if (path == "/dev/nvidiactl") {
    if (!has_ctl) return NotFoundError("open /dev/nvidiactl: No such file or directory");
    if (ctl_permission_denied) return PermissionDeniedError("open /dev/nvidiactl: Permission denied");
    ctl_fd_ = next_fd_++;
    open_fds.insert(ctl_fd_);
    return ctl_fd_;
  }
  if (has_ctl && path.rfind("/dev/nvidia", 0) == 0) {
    uint32_t minor = static_cast<uint32_t>(std::stoul(path.substr(11)));
    for (const FakeGpu& g : gpus) {
      if (g.minor == minor) {
        int fd = next_fd_++;
        open_fds.insert(fd);
        gpu_fd_minor_[fd] = minor;
        ++gpu_opens;
        return fd;
      }
    }
  }
  return NotFoundError("open " + path + ": No such file or directory");
}

IoctlResult FakeKernel::Ioctl(int fd, unsigned long request, void* arg) {
  EXPECT_EQ(fd, ctl_fd_) << "every escape goes to /dev/nvidiactl";
  EXPECT_EQ(_IOC_TYPE(request), C(*abi_, "NV_IOCTL_MAGIC"));
  EXPECT_EQ(_IOC_DIR(request), static_cast<unsigned>(_IOC_READ | _IOC_WRITE));
  uint32_t nr = _IOC_NR(request), size = _IOC_SIZE(request);
  if (nr == C(*abi_, "NV_ESC_CHECK_VERSION_STR")) return VersionCheck(arg, size);
  if (nr == C(*abi_, "NV_ESC_CARD_INFO")) return CardInfo(arg, size);
  if (nr == C(*abi_, "NV_ESC_RM_ALLOC")) return Alloc(arg, size);
  if (nr == C(*abi_, "NV_ESC_RM_CONTROL")) return Control(arg, size);
  if (nr == C(*abi_, "NV_ESC_RM_FREE")) return Free(arg, size);
  ADD_FAILURE() << "unexpected escape " << nr;
  return {-1, EINVAL};
}

IoctlResult FakeKernel::VersionCheck(void* arg, uint32_t size) {
  ++version_queries;
  const abi::StructLayout& l = *abi_->Struct("nv_ioctl_rm_api_version_t").value();
  if (size != l.size) return {-1, EINVAL};
  auto w = abi::StructWriter::Make(l, {static_cast<uint8_t*>(arg), size}).value();
  uint32_t cmd = w.Get<uint32_t>("cmd").value();
  const abi::Field* vs = l.Find("versionString");
  auto put_version = [&] {
    uint8_t* dst = static_cast<uint8_t*>(arg) + vs->offset;
    std::memset(dst, version_no_nul ? 'x' : 0, vs->width);
    std::memcpy(dst, version.data(), std::min<size_t>(version.size(), vs->width));
  };
  // osapi.c:RmPerformVersionCheck(): QUERY answers from 530.30.02 on; before, the
  // same value is OVERRIDE (accept, buffer untouched). STRICT with another string:
  // the kernel's string is copied back and the check fails.
  if (abi_->semantics().version_query && cmd == C(*abi_, "NV_RM_API_VERSION_CMD_QUERY")) {
    put_version();
    return {0, 0};
  }
  if (cmd == '2') return {0, 0};  // pre-530 OVERRIDE
  if (cmd == 0) {
    if (w.GetString("versionString").value() == version) return {0, 0};
    put_version();
    return {-1, EINVAL};
  }
  return {-1, EINVAL};
}

IoctlResult FakeKernel::CardInfo(void* arg, uint32_t size) {
  const abi::StructLayout& l = *abi_->Struct("nv_ioctl_card_info_t").value();
  card_info_entries.push_back(size / l.size);
  if (card_info_errno) return {-1, card_info_errno};
  if (size % l.size != 0 || size / l.size < gpus.size()) return {-1, EINVAL};
  std::memset(arg, 0, size);
  for (size_t i = 0; i < gpus.size(); ++i) {
    const FakeGpu& g = gpus[i];
    auto w = abi::StructWriter::Make(l, {static_cast<uint8_t*>(arg) + i * l.size, l.size}).value();
    EXPECT_TRUE(w.Set<uint8_t>("valid", 1).ok());
    EXPECT_TRUE(w.Set<uint32_t>("pci_info.domain", g.domain).ok());
    EXPECT_TRUE(w.Set<uint8_t>("pci_info.bus", static_cast<uint8_t>(g.bus)).ok());
    EXPECT_TRUE(w.Set<uint8_t>("pci_info.slot", static_cast<uint8_t>(g.slot)).ok());
    EXPECT_TRUE(w.Set<uint16_t>("pci_info.vendor_id", 0x10de).ok());
    EXPECT_TRUE(w.Set<uint16_t>("pci_info.device_id", g.device_id).ok());
    EXPECT_TRUE(w.Set<uint32_t>("gpu_id", (g.domain << 16) | (g.bus << 8) | g.slot).ok());
    EXPECT_TRUE(w.Set<uint32_t>("minor_number", g.minor).ok());
  }
  return {0, 0};
}

IoctlResult FakeKernel::Alloc(void* arg, uint32_t size) {
  const abi::StructLayout& l = *abi_->Struct("NVOS21_PARAMETERS").value();
  if (size != l.size) return {-1, EINVAL};
  auto w = abi::StructWriter::Make(l, {static_cast<uint8_t*>(arg), size}).value();
  uint32_t hclass = w.Get<uint32_t>("hClass").value();
  uint32_t parent = w.Get<uint32_t>("hObjectParent").value();
  uint32_t h = w.Get<uint32_t>("hObjectNew").value();
  uint8_t* params = reinterpret_cast<uint8_t*>(w.Get<uint64_t>("pAllocParms").value());
  std::string cls = abi_->NameOf(hclass, {"NV01_", "NV20_"}).value_or("?");
  calls.push_back("ALLOC " + cls);
  auto status = [&](uint32_t s) {
    EXPECT_TRUE(w.Set<uint32_t>("status", s).ok());
    return IoctlResult{0, 0};
  };
  if (auto it = fail_alloc.find(cls); it != fail_alloc.end()) return status(it->second);
  if (hclass == C(*abi_, "NV01_ROOT_CLIENT")) {
    EXPECT_TRUE(w.Set<uint32_t>("hObjectNew", next_client_).ok());
    live_objects.insert(next_client_++);
    return status(kNvOk);
  }
  if (!live_objects.count(parent) || live_objects.count(h) || h == 0)
    return status(static_cast<uint32_t>(C(*abi_, "NV_ERR_INVALID_ARGUMENT")));
  if (hclass == C(*abi_, "NV01_DEVICE_0")) {
    const abi::StructLayout& pl = *abi_->Struct("NV0080_ALLOC_PARAMETERS").value();
    if (l.Find("paramsSize")) {
      EXPECT_EQ(w.Get<uint32_t>("paramsSize").value(), pl.size);
    }
    auto pr = abi::StructReader::Make(pl, {params, pl.size}).value();
    uint32_t dev = pr.Get<uint32_t>("deviceId").value();
    if (dev >= gpus.size()) return status(static_cast<uint32_t>(C(*abi_, "NV_ERR_INVALID_ARGUMENT")));
    bool opened = false;
    for (const auto& [fd, minor] : gpu_fd_minor_) opened |= minor == gpus[dev].minor;
    if (!opened) return status(static_cast<uint32_t>(C(*abi_, "NV_ERR_INSUFFICIENT_PERMISSIONS")));
    device_gpu_[h] = static_cast<int>(dev);
  } else if (hclass == C(*abi_, "NV20_SUBDEVICE_0")) {
    if (!device_gpu_.count(parent)) return status(static_cast<uint32_t>(C(*abi_, "NV_ERR_INVALID_ARGUMENT")));
    subdevice_gpu_[h] = device_gpu_[parent];
  }
  live_objects.insert(h);
  return status(kNvOk);
}

IoctlResult FakeKernel::Free(void* arg, uint32_t size) {
  const abi::StructLayout& l = *abi_->Struct("NVOS00_PARAMETERS").value();
  if (size != l.size) return {-1, EINVAL};
  auto w = abi::StructWriter::Make(l, {static_cast<uint8_t*>(arg), size}).value();
  uint32_t h = w.Get<uint32_t>("hObjectOld").value();
  calls.push_back("FREE");
  uint32_t st = live_objects.erase(h) ? kNvOk : static_cast<uint32_t>(C(*abi_, "NV_ERR_OBJECT_NOT_FOUND"));
  EXPECT_TRUE(w.Set<uint32_t>("status", st).ok());
  return {0, 0};
}

IoctlResult FakeKernel::Control(void* arg, uint32_t size) {
  const abi::StructLayout& l = *abi_->Struct("NVOS54_PARAMETERS").value();
  if (size != l.size) return {-1, EINVAL};
  auto w = abi::StructWriter::Make(l, {static_cast<uint8_t*>(arg), size}).value();
  uint32_t cmd = w.Get<uint32_t>("cmd").value();
  const abi::Binding* b = abi_->ControlByNumber(cmd);
  std::string name = b ? b->name : "?";
  calls.push_back("CONTROL " + name);
  uint32_t psize = w.Get<uint32_t>("paramsSize").value();
  control_params_size[name] = psize;
  uint8_t* params = reinterpret_cast<uint8_t*>(w.Get<uint64_t>("params").value());
  uint32_t st;
  if (auto it = fail_control.find(name); it != fail_control.end()) {
    st = it->second;
  } else if (b == nullptr || abi_->Struct(b->params_struct).value()->size != psize) {
    st = static_cast<uint32_t>(C(*abi_, "NV_ERR_INVALID_PARAM_STRUCT"));
  } else {
    st = ControlAnswer(name, w.Get<uint32_t>("hObject").value(), params, psize);
  }
  EXPECT_TRUE(w.Set<uint32_t>("status", st).ok());
  return {0, 0};
}

uint32_t FakeKernel::ControlAnswer(const std::string& cmd, uint32_t object, uint8_t* params,
                                   uint32_t size) {
  const abi::StructLayout& pl = *abi_->Struct(abi_->ControlByNumber(static_cast<uint32_t>(C(*abi_, cmd)))->params_struct).value();
  auto w = abi::StructWriter::Make(pl, {params, size}).value();
  const uint32_t not_found = static_cast<uint32_t>(C(*abi_, "NV_ERR_OBJECT_NOT_FOUND"));
  if (cmd == "NV0000_CTRL_CMD_GPU_GET_ID_INFO_V2") {
    uint32_t id = w.Get<uint32_t>("gpuId").value();
    for (size_t i = 0; i < gpus.size(); ++i) {
      const FakeGpu& g = gpus[i];
      if (((g.domain << 16) | (g.bus << 8) | g.slot) != id) continue;
      EXPECT_TRUE(w.Set<uint32_t>("deviceInstance", static_cast<uint32_t>(i)).ok());
      EXPECT_TRUE(w.Set<uint32_t>("subDeviceInstance", 0).ok());
      return kNvOk;
    }
    return static_cast<uint32_t>(C(*abi_, "NV_ERR_INVALID_ARGUMENT"));
  }
  auto it = subdevice_gpu_.find(object);
  if (it == subdevice_gpu_.end() || !live_objects.count(object)) return not_found;
  const FakeGpu& g = gpus[static_cast<size_t>(it->second)];
  if (cmd == "NV2080_CTRL_CMD_MC_GET_ARCH_INFO") {
    EXPECT_TRUE(w.Set<uint32_t>("architecture", g.arch).ok());
    EXPECT_TRUE(w.Set<uint32_t>("implementation", g.impl).ok());
  } else if (cmd == "NV2080_CTRL_CMD_BUS_GET_PCI_INFO") {
    EXPECT_TRUE(w.Set<uint32_t>("pciDeviceId", (uint32_t{g.device_id} << 16) | 0x10de).ok());
    EXPECT_TRUE(w.Set<uint32_t>("pciSubSystemId", g.subsystem).ok());
    EXPECT_TRUE(w.Set<uint32_t>("pciRevisionId", g.revision).ok());
  } else if (cmd == "NV2080_CTRL_CMD_GPU_GET_NAME_STRING") {
    EXPECT_TRUE(w.SetString("gpuNameString.ascii", g.name).ok());
  } else if (cmd == "NV2080_CTRL_CMD_GPU_GET_GID_INFO") {
    EXPECT_TRUE(w.SetString("data", g.uuid).ok());
    EXPECT_TRUE(w.Set<uint32_t>("length", static_cast<uint32_t>(g.uuid.size() + 1)).ok());
  } else if (cmd == "NV2080_CTRL_CMD_GPU_GET_INFO" || cmd == "NV2080_CTRL_CMD_FB_GET_INFO") {
    bool gpu = cmd == "NV2080_CTRL_CMD_GPU_GET_INFO";
    uint32_t n = w.Get<uint32_t>(gpu ? "gpuInfoListSize" : "fbInfoListSize").value();
    uint8_t* list = reinterpret_cast<uint8_t*>(w.Get<uint64_t>(gpu ? "gpuInfoList" : "fbInfoList").value());
    const abi::StructLayout& el = *abi_->Struct(gpu ? "NV2080_CTRL_GPU_INFO" : "NV2080_CTRL_FB_INFO").value();
    for (uint32_t i = 0; i < n; ++i) {
      auto ew = abi::StructWriter::Make(el, {list + i * el.size, el.size}).value();
      uint32_t index = ew.Get<uint32_t>("index").value();
      if (gpu && index == C(*abi_, "NV2080_CTRL_GPU_INFO_INDEX_GPU_SM_VERSION")) {
        EXPECT_TRUE(ew.Set<uint32_t>("data", g.sm_version).ok());
      }
      if (!gpu && index == C(*abi_, "NV2080_CTRL_FB_INFO_INDEX_TOTAL_RAM_SIZE")) {
        EXPECT_TRUE(ew.Set<uint32_t>("data", g.fb_kib).ok());
      }
    }
  } else {
    return static_cast<uint32_t>(C(*abi_, "NV_ERR_NOT_SUPPORTED"));
  }
  return kNvOk;
}

}  // namespace nvprobe::probe
