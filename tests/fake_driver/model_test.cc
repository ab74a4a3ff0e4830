// The machine model (fake_driver/model/) driven in-process: requests built through
// the release's layouts into a RegionMemory, answered by MachineModel::Handle().
// No seccomp, no subprocess: what the model answers, and what it writes where.
#include "fake_driver/model/machine_model.h"

#include <linux/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "abi/registry.h"
#include "abi/struct_view.h"
#include "fake_driver/model/machine_files.h"
#include "fake_driver/model/rm_objects.h"
#include "fake_driver/machine/machine_description.h"
#include "fake_driver/trace/trace.h"
#include "tests/fake_driver/region_memory.h"

namespace nvprobe::fakedrv {
namespace {

using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kH100[] = "traces/machines/hgx-h100-8x.json";
constexpr char kL4[] = "traces/machines/l4-1x.json";
constexpr char kDesktop[] = "traces/machines/rtx3090-gtx1080ti-desktop.json";
constexpr char kNoDriver[] = "traces/machines/no-driver.json";
constexpr char kControlStatusFault[] = "traces/machines/fault-rm-control-status-a10g.json";
constexpr char kDeviceAllocFault[] = "traces/machines/fault-device-alloc-refused-t4.json";
constexpr char kRmEioFault[] = "traces/machines/fault-rm-ioctls-eio-t4.json";

constexpr char kDriver550[] = "550.163.01";
constexpr char kDriver535[] = "535.261.03";

constexpr char kCtl[] = "/dev/nvidiactl";
constexpr int kPid = 4242;
constexpr int kFd = 5;

std::shared_ptr<const abi::Abi> AbiFor(const std::string& driver) {
  StatusOr<abi::Resolution> r = abi::Registry::Default().Resolve(driver);
  EXPECT_TRUE(r.ok()) << driver << ": " << r.status().message();
  if (!r.ok()) return nullptr;
  StatusOr<std::shared_ptr<const abi::Abi>> a = abi::Registry::Default().AbiOf(r->release);
  EXPECT_TRUE(a.ok()) << driver << ": " << a.status().message();
  return a.ok() ? *a : nullptr;
}

// "GPU-1d8e5a3c-0000-4000-8000-000000000001" -> its 16 bytes.
std::string UuidBinary(const std::string& uuid) {
  std::string hex;
  for (char ch : uuid.substr(4)) {
    if (ch != '-') hex += ch;
  }
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

// One model over one machine and release, and the caller's address space.
class Rig {
 public:
  static std::unique_ptr<Rig> Make(const std::string& machine_file,
                                   const std::string& driver = kDriver550) {
    StatusOr<Machine> m = LoadMachine(machine_file);
    EXPECT_TRUE(m.ok()) << machine_file << ": " << m.status().message();
    if (!m.ok()) return nullptr;
    std::shared_ptr<const abi::Abi> abi = AbiFor(driver);
    if (abi == nullptr) return nullptr;
    return std::unique_ptr<Rig>(new Rig(std::move(*m), std::move(abi), driver));
  }

  const Machine& machine() const { return model_->machine(); }
  model::MachineModel& model() { return *model_; }
  const abi::Abi& abi() const { return *abi_; }
  std::shared_ptr<const abi::Abi> abi_ptr() const { return abi_; }
  std::string diag() const { return diag_.str(); }
  RegionMemory& mem() { return mem_; }

  uint64_t C(std::string_view name) const {
    StatusOr<uint64_t> v = abi_->Constant(name);
    EXPECT_TRUE(v.ok()) << v.status().message();
    return v.ok() ? *v : 0xdeadbeef;
  }

  const abi::StructLayout& Layout(std::string_view name) const {
    StatusOr<const abi::StructLayout*> l = abi_->Struct(name);
    if (!l.ok()) {
      ADD_FAILURE() << l.status().message();
      static const abi::StructLayout empty;
      return empty;
    }
    return **l;
  }

  AssertionResult IsStatus(uint64_t got, std::string_view want) const {
    StatusOr<uint64_t> w = abi_->Constant(want);
    if (!w.ok()) return AssertionFailure() << "release has no " << want;
    if (got == *w) return AssertionSuccess();
    return AssertionFailure() << "status " << abi_->StatusName(static_cast<uint32_t>(got))
                              << ", want " << want << "; diagnostics:\n"
                              << diag_.str();
  }

  // A fresh region of `n` bytes in the caller's address space.
  uint64_t Region(size_t n, uint8_t fill = 0) {
    const uint64_t at = next_;
    mem_.regions[at].assign(n, fill);
    next_ += ((n + 0xfff) & ~uint64_t{0xfff}) + 0x1000;  // a gap: overruns fault
    return at;
  }
  std::vector<uint8_t>& Bytes(uint64_t at) { return mem_.regions.at(at); }

  // A zeroed `strct` at a fresh address.
  uint64_t New(std::string_view strct) { return Region(Layout(strct).size); }

  // Fields by name, through the release's layout, whatever their width.
  void Set(std::string_view strct, uint64_t at, std::string_view field, uint64_t v) {
    StatusOr<abi::StructWriter> w = abi::StructWriter::Make(Layout(strct), Bytes(at));
    ASSERT_TRUE(w.ok()) << w.status().message();
    ASSERT_TRUE(SetAny(*w, field, v).ok()) << strct << "." << field;
  }
  uint64_t Get(std::string_view strct, uint64_t at, std::string_view field) {
    StatusOr<abi::StructReader> r = abi::StructReader::Make(Layout(strct), Bytes(at));
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok()) return 0;
    return GetAny(*r, field);
  }
  std::string GetString(std::string_view strct, uint64_t at, std::string_view field) {
    StatusOr<abi::StructReader> r = abi::StructReader::Make(Layout(strct), Bytes(at));
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok()) return "";
    StatusOr<std::string> s = r->GetString(field);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? *s : "";
  }
  std::string FieldBytes(std::string_view strct, uint64_t at, std::string_view field) {
    StatusOr<abi::StructReader> r = abi::StructReader::Make(Layout(strct), Bytes(at));
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok()) return "";
    StatusOr<std::span<const uint8_t>> b = r->FieldBytes(field);
    EXPECT_TRUE(b.ok()) << b.status().message();
    return b.ok() ? std::string(b->begin(), b->end()) : "";
  }
  uint64_t GetElement(std::string_view strct, uint64_t at, std::string_view field, uint32_t i) {
    StatusOr<abi::StructReader> r = abi::StructReader::Make(Layout(strct), Bytes(at));
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok()) return 0;
    const abi::Field* f = Layout(strct).Find(field);
    EXPECT_NE(f, nullptr) << field;
    if (f == nullptr) return 0;
    StatusOr<uint64_t> v = InternalError("width");
    switch (f->element_width()) {
      case 1: v = Widen(r->GetElement<uint8_t>(field, i)); break;
      case 2: v = Widen(r->GetElement<uint16_t>(field, i)); break;
      case 4: v = Widen(r->GetElement<uint32_t>(field, i)); break;
      case 8: v = r->GetElement<uint64_t>(field, i); break;
    }
    EXPECT_TRUE(v.ok()) << v.status().message();
    return v.ok() ? *v : 0;
  }

  // _IOWR('F', nr, size) for `escape`.
  uint32_t Request(std::string_view escape, size_t size) const {
    return static_cast<uint32_t>(_IOC(_IOC_READ | _IOC_WRITE, 'F', C(escape), size));
  }

  IoctlResult Ioctl(const std::string& device, std::string_view escape, uint64_t at, size_t size,
                    int fd = kFd, int pid = kPid) {
    return model_->Handle(device, Request(escape, size), at, mem_, pid, fd);
  }

  struct Rm {
    IoctlResult io;
    uint64_t status = ~uint64_t{0};
    uint32_t handle = 0;  // hObjectNew after an allocation
    uint64_t args = 0;    // where the top-level struct is
  };

  Rm RmAlloc(uint32_t root, uint32_t parent, uint32_t hnew, uint32_t hclass, uint64_t params,
             uint32_t params_size, int fd = kFd, int pid = kPid) {
    const char* s = "NVOS21_PARAMETERS";
    Rm r;
    r.args = New(s);
    Set(s, r.args, "hRoot", root);
    Set(s, r.args, "hObjectParent", parent);
    Set(s, r.args, "hObjectNew", hnew);
    Set(s, r.args, "hClass", hclass);
    Set(s, r.args, "pAllocParms", params);
    if (Layout(s).Find("paramsSize") != nullptr) Set(s, r.args, "paramsSize", params_size);
    r.io = Ioctl(kCtl, "NV_ESC_RM_ALLOC", r.args, Layout(s).size, fd, pid);
    if (r.io.ret == 0) {
      r.status = Get(s, r.args, "status");
      r.handle = static_cast<uint32_t>(Get(s, r.args, "hObjectNew"));
    }
    return r;
  }

  Rm AllocClient(uint32_t hnew = 0, uint64_t params = 0, uint32_t params_size = 0, int fd = kFd) {
    return RmAlloc(0, 0, hnew, static_cast<uint32_t>(C("NV01_ROOT_CLIENT")), params, params_size, fd);
  }
  Rm AllocDevice(uint32_t client, uint32_t device_id, uint32_t hnew = 0, uint32_t parent = 0,
                 int fd = kFd) {
    const char* p = "NV0080_ALLOC_PARAMETERS";
    const uint64_t at = New(p);
    Set(p, at, "deviceId", device_id);
    return RmAlloc(client, parent ? parent : client, hnew, static_cast<uint32_t>(C("NV01_DEVICE_0")),
                   at, Layout(p).size, fd);
  }
  Rm AllocSubdevice(uint32_t client, uint32_t parent, uint32_t hnew = 0, int fd = kFd) {
    const char* p = "NV2080_ALLOC_PARAMETERS";
    const uint64_t at = New(p);
    Set(p, at, "subDeviceId", 0);
    return RmAlloc(client, parent, hnew, static_cast<uint32_t>(C("NV20_SUBDEVICE_0")), at,
                   Layout(p).size, fd);
  }

  Rm Control(uint32_t client, uint32_t object, uint64_t cmd, uint64_t params, uint32_t params_size,
             int fd = kFd) {
    const char* s = "NVOS54_PARAMETERS";
    Rm r;
    r.args = New(s);
    Set(s, r.args, "hClient", client);
    Set(s, r.args, "hObject", object);
    Set(s, r.args, "cmd", cmd);
    Set(s, r.args, "params", params);
    Set(s, r.args, "paramsSize", params_size);
    r.io = Ioctl(kCtl, "NV_ESC_RM_CONTROL", r.args, Layout(s).size, fd);
    if (r.io.ret == 0) r.status = Get(s, r.args, "status");
    return r;
  }
  // The command's params struct at a fresh address, filled by `fill`, then the call.
  template <typename Fill>
  Rm Control(uint32_t client, uint32_t object, std::string_view cmd, std::string_view params_struct,
             uint64_t* params_at, Fill fill, int fd = kFd) {
    const uint64_t at = New(params_struct);
    fill(at);
    if (params_at) *params_at = at;
    return Control(client, object, C(cmd), at, Layout(params_struct).size, fd);
  }

  Rm Free(uint32_t root, uint32_t parent, uint32_t old, int fd = kFd) {
    const char* s = "NVOS00_PARAMETERS";
    Rm r;
    r.args = New(s);
    Set(s, r.args, "hRoot", root);
    Set(s, r.args, "hObjectParent", parent);
    Set(s, r.args, "hObjectOld", old);
    r.io = Ioctl(kCtl, "NV_ESC_RM_FREE", r.args, Layout(s).size, fd);
    if (r.io.ret == 0) r.status = Get(s, r.args, "status");
    return r;
  }

  // A client, a device for GPU `gpu` and its subdevice; all NV_OK.
  struct Tree {
    uint32_t client = 0, device = 0, subdevice = 0;
  };
  Tree MakeTree(uint32_t gpu, int fd = kFd) {
    Tree t;
    Rm c = AllocClient(0, 0, 0, fd);
    EXPECT_TRUE(IsStatus(c.status, "NV_OK"));
    t.client = c.handle;
    Rm d = AllocDevice(t.client, gpu, 0, 0, fd);
    EXPECT_TRUE(IsStatus(d.status, "NV_OK"));
    t.device = d.handle;
    Rm s = AllocSubdevice(t.client, t.device, 0, fd);
    EXPECT_TRUE(IsStatus(s.status, "NV_OK"));
    t.subdevice = s.handle;
    return t;
  }

  // GPU_GET_NAME_STRING (ASCII) on `subdevice`: the status, and the name.
  std::pair<uint64_t, std::string> NameOf(uint32_t client, uint32_t subdevice, int fd = kFd) {
    const char* p = "NV2080_CTRL_GPU_GET_NAME_STRING_PARAMS";
    uint64_t at = 0;
    Rm r = Control(client, subdevice, "NV2080_CTRL_CMD_GPU_GET_NAME_STRING", p, &at,
                   [&](uint64_t a) {
                     Set(p, a, "gpuNameStringFlags",
                         C("NV2080_CTRL_GPU_GET_NAME_STRING_FLAGS_TYPE_ASCII"));
                   },
                   fd);
    return {r.status, GetString(p, at, "gpuNameString.ascii")};
  }

 private:
  Rig(Machine machine, std::shared_ptr<const abi::Abi> abi, const std::string& driver)
      : abi_(abi),
        model_(std::make_unique<model::MachineModel>(std::move(machine), std::move(abi), driver,
                                                     diag_)) {}

  static StatusOr<uint64_t> Widen(StatusOr<uint8_t> v) { return v.ok() ? StatusOr<uint64_t>(*v) : v.status(); }
  static StatusOr<uint64_t> Widen(StatusOr<uint16_t> v) { return v.ok() ? StatusOr<uint64_t>(*v) : v.status(); }
  static StatusOr<uint64_t> Widen(StatusOr<uint32_t> v) { return v.ok() ? StatusOr<uint64_t>(*v) : v.status(); }

  static Status SetAny(abi::StructWriter& w, std::string_view field, uint64_t v) {
    const abi::Field* f = w.layout().Find(field);
    if (f == nullptr) return NotFoundError(std::string(field));
    switch (f->width) {
      case 1: return w.Set<uint8_t>(field, static_cast<uint8_t>(v));
      case 2: return w.Set<uint16_t>(field, static_cast<uint16_t>(v));
      case 4: return w.Set<uint32_t>(field, static_cast<uint32_t>(v));
      case 8: return w.Set<uint64_t>(field, v);
    }
    return InvalidArgumentError("width");
  }
  static uint64_t GetAny(const abi::StructReader& r, std::string_view field) {
    const abi::Field* f = r.layout().Find(field);
    EXPECT_NE(f, nullptr) << field;
    if (f == nullptr) return 0;
    StatusOr<uint64_t> v = InternalError("width");
    switch (f->width) {
      case 1: v = Widen(r.Get<uint8_t>(field)); break;
      case 2: v = Widen(r.Get<uint16_t>(field)); break;
      case 4: v = Widen(r.Get<uint32_t>(field)); break;
      case 8: v = r.Get<uint64_t>(field); break;
    }
    EXPECT_TRUE(v.ok()) << field << ": " << v.status().message();
    return v.ok() ? *v : 0;
  }

  std::ostringstream diag_;
  std::shared_ptr<const abi::Abi> abi_;
  std::unique_ptr<model::MachineModel> model_;
  RegionMemory mem_;
  uint64_t next_ = 0x10000;
};

uint32_t GpuIdOfDescription(const MachineGpu& g) { return (g.domain << 16) | (g.bus << 8) | g.slot; }

// Tests that hold for both a 535 (NVOS21 with paramsSize at 24) and a 550 release.
class ModelReleaseTest : public ::testing::TestWithParam<const char*> {};
INSTANTIATE_TEST_SUITE_P(Releases, ModelReleaseTest, ::testing::Values(kDriver550, kDriver535),
                         [](const ::testing::TestParamInfo<const char*>& p) {
                           std::string s = p.param;
                           std::replace(s.begin(), s.end(), '.', '_');
                           return "r" + s;
                         });

// --- 1. root clients ---

TEST_P(ModelReleaseTest, RootClientWithHandleZeroGetsADriverPickedHandle) {
  std::unique_ptr<Rig> r = Rig::Make(kH100, GetParam());
  ASSERT_NE(r, nullptr);
  const uint64_t params = r->Region(4, 0xee);
  Rig::Rm a = r->AllocClient(0, params, 0);
  ASSERT_EQ(a.io.ret, 0);
  ASSERT_TRUE(r->IsStatus(a.status, "NV_OK"));
  EXPECT_GE(a.handle, model::kClientHandleBase);
  EXPECT_LT(a.handle, model::kClientHandleBase + model::kClientHandleMax);
  // ... and into the params' first member (cl0000.h: the NvHandle hClient).
  EXPECT_EQ(LoadUint(r->Bytes(params), 0, 4), a.handle);

  // With a paramsSize too (the params then come back as a nested buffer, which must
  // not overwrite the handle with the caller's old bytes).
  const uint64_t sized = r->Region(4, 0xee);
  Rig::Rm s = r->AllocClient(0, sized, 4);
  ASSERT_TRUE(r->IsStatus(s.status, "NV_OK"));
  EXPECT_EQ(LoadUint(r->Bytes(sized), 0, 4), s.handle);
  EXPECT_NE(s.handle, a.handle);

  // Without params: still the handle in hObjectNew, nothing else written.
  Rig::Rm b = r->AllocClient(0, 0, 0);
  ASSERT_TRUE(r->IsStatus(b.status, "NV_OK"));
  EXPECT_GE(b.handle, model::kClientHandleBase);
  EXPECT_NE(b.handle, a.handle);
  EXPECT_EQ(r->model().objects().client_count(), 3u);
  EXPECT_EQ(r->model().unmatched(), 0);
}

TEST_P(ModelReleaseTest, RootClientKeepsTheHandleItChoseAndRefusesADuplicate) {
  std::unique_ptr<Rig> r = Rig::Make(kH100, GetParam());
  ASSERT_NE(r, nullptr);
  constexpr uint32_t kChosen = 0x5c000007;
  Rig::Rm a = r->AllocClient(kChosen);
  ASSERT_TRUE(r->IsStatus(a.status, "NV_OK"));
  EXPECT_EQ(a.handle, kChosen);
  // The chosen handle works as a client afterwards.
  EXPECT_TRUE(r->IsStatus(r->AllocDevice(kChosen, 0).status, "NV_OK"));

  Rig::Rm dup = r->AllocClient(kChosen);
  EXPECT_TRUE(r->IsStatus(dup.status, "NV_ERR_INSERT_DUPLICATE_NAME"));
  // A driver-picked handle is as taken as a chosen one.
  Rig::Rm picked = r->AllocClient(0);
  ASSERT_TRUE(r->IsStatus(picked.status, "NV_OK"));
  EXPECT_TRUE(r->IsStatus(r->AllocClient(picked.handle).status, "NV_ERR_INSERT_DUPLICATE_NAME"));
  EXPECT_EQ(r->model().objects().client_count(), 2u);
}

// --- 2. devices and subdevices ---

TEST_P(ModelReleaseTest, DeviceAndSubdeviceAllocation) {
  std::unique_ptr<Rig> r = Rig::Make(kH100, GetParam());
  ASSERT_NE(r, nullptr);
  std::vector<std::pair<int, std::string>> asked;
  r->model().set_holds_device([&](int pid, const std::string& node) {
    asked.emplace_back(pid, node);
    return true;
  });
  const uint32_t client = r->AllocClient().handle;
  Rig::Rm dev = r->AllocDevice(client, 3);
  ASSERT_TRUE(r->IsStatus(dev.status, "NV_OK"));
  EXPECT_GE(dev.handle, model::kUniqueHandleBase);
  EXPECT_LT(dev.handle, model::kUniqueHandleBase + model::kUniqueHandleRange);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0], std::make_pair(kPid, std::string("/dev/nvidia3")));

  Rig::Rm sub = r->AllocSubdevice(client, dev.handle);
  ASSERT_TRUE(r->IsStatus(sub.status, "NV_OK"));
  EXPECT_NE(sub.handle, dev.handle);
  // The subdevice stands for the device's GPU (its GID is GPU 3's UUID).
  const char* gid = "NV2080_CTRL_GPU_GET_GID_INFO_PARAMS";
  uint64_t gid_at = 0;
  Rig::Rm g = r->Control(client, sub.handle, "NV2080_CTRL_CMD_GPU_GET_GID_INFO", gid, &gid_at,
                         [](uint64_t) {});
  ASSERT_TRUE(r->IsStatus(g.status, "NV_OK"));
  EXPECT_EQ(r->GetString(gid, gid_at, "data"), r->machine().gpus[3].uuid);
  EXPECT_EQ(asked.size(), 1u);  // only device allocations ask

  // Chosen handles are kept.
  Rig::Rm dev2 = r->AllocDevice(client, 7, 0xbeef0001);
  ASSERT_TRUE(r->IsStatus(dev2.status, "NV_OK"));
  EXPECT_EQ(dev2.handle, 0xbeef0001u);
  Rig::Rm sub2 = r->AllocSubdevice(client, dev2.handle, 0xbeef0002);
  ASSERT_TRUE(r->IsStatus(sub2.status, "NV_OK"));
  EXPECT_EQ(sub2.handle, 0xbeef0002u);
  EXPECT_EQ(r->NameOf(client, sub2.handle).second, r->machine().gpus[7].name);
  EXPECT_EQ(r->model().unmatched(), 0);
}

TEST_P(ModelReleaseTest, DeviceInstanceBeyondTheGpusIsInvalidArgument) {
  std::unique_ptr<Rig> r = Rig::Make(kH100, GetParam());
  ASSERT_NE(r, nullptr);
  const uint32_t client = r->AllocClient().handle;
  EXPECT_TRUE(r->IsStatus(r->AllocDevice(client, 7).status, "NV_OK"));
  EXPECT_TRUE(r->IsStatus(r->AllocDevice(client, 8).status, "NV_ERR_INVALID_ARGUMENT"));
  EXPECT_TRUE(r->IsStatus(r->AllocDevice(client, 0xffffffff).status, "NV_ERR_INVALID_ARGUMENT"));

  std::unique_ptr<Rig> one = Rig::Make(kL4, GetParam());
  ASSERT_NE(one, nullptr);
  const uint32_t c1 = one->AllocClient().handle;
  EXPECT_TRUE(one->IsStatus(one->AllocDevice(c1, 1).status, "NV_ERR_INVALID_ARGUMENT"));
  EXPECT_TRUE(one->IsStatus(one->AllocDevice(c1, 0).status, "NV_OK"));
}

TEST_P(ModelReleaseTest, DeviceWithoutTheGpuNodeHeldIsInsufficientPermissions) {
  std::unique_ptr<Rig> r = Rig::Make(kH100, GetParam());
  ASSERT_NE(r, nullptr);
  std::vector<std::string> asked;
  r->model().set_holds_device([&](int pid, const std::string& node) {
    EXPECT_EQ(pid, kPid);
    asked.push_back(node);
    return node == "/dev/nvidia2";  // holds only /dev/nvidia2
  });
  const uint32_t client = r->AllocClient().handle;
  Rig::Rm refused = r->AllocDevice(client, 5, 0x1234);
  EXPECT_TRUE(r->IsStatus(refused.status, "NV_ERR_INSUFFICIENT_PERMISSIONS"));
  EXPECT_EQ(refused.handle, 0x1234u);  // hObjectNew untouched
  EXPECT_EQ(asked, std::vector<std::string>{"/dev/nvidia5"});
  // Nothing was allocated: the same handle is free for the GPU it holds.
  EXPECT_TRUE(r->IsStatus(r->AllocDevice(client, 2, 0x1234).status, "NV_OK"));
}

TEST_P(ModelReleaseTest, AllocationParentsAndClassesAreChecked) {
  std::unique_ptr<Rig> r = Rig::Make(kH100, GetParam());
  ASSERT_NE(r, nullptr);
  const uint32_t client = r->AllocClient().handle;
  // A subdevice right under the client.
  EXPECT_TRUE(r->IsStatus(r->AllocSubdevice(client, client).status, "NV_ERR_INVALID_OBJECT_PARENT"));
  // A device under a device.
  const uint32_t dev = r->AllocDevice(client, 0).handle;
  EXPECT_TRUE(r->IsStatus(r->AllocDevice(client, 1, 0, dev).status, "NV_ERR_INVALID_OBJECT_PARENT"));
  // A parent handle nobody allocated.
  EXPECT_TRUE(r->IsStatus(r->AllocSubdevice(client, 0x0badf00d).status, "NV_ERR_INVALID_OBJECT_PARENT"));
  EXPECT_TRUE(r->IsStatus(r->AllocDevice(client, 0, 0, 0x0badf00d).status, "NV_ERR_INVALID_OBJECT_PARENT"));
  // A class number the release does not know.
  constexpr uint32_t kNoSuchClass = 0xdead;
  ASSERT_EQ(r->abi().ClassByNumber(kNoSuchClass), nullptr);
  EXPECT_TRUE(r->IsStatus(r->RmAlloc(client, client, 0, kNoSuchClass, 0, 0).status, "NV_ERR_INVALID_CLASS"));
  // A client that does not exist.
  EXPECT_TRUE(r->IsStatus(r->AllocDevice(0x0badf00d, 0, 0, 0x0badf00d).status, "NV_ERR_INVALID_CLIENT"));
  // A handle already taken within the client.
  EXPECT_TRUE(r->IsStatus(r->AllocDevice(client, 1, dev).status, "NV_ERR_INSERT_DUPLICATE_NAME"));
}

// --- 3. freeing ---

TEST_P(ModelReleaseTest, FreeingADeviceFreesItsSubdeviceAndFreeingTheClientFreesAll) {
  std::unique_ptr<Rig> r = Rig::Make(kH100, GetParam());
  ASSERT_NE(r, nullptr);
  Rig::Tree t = r->MakeTree(1);
  Rig::Tree other = r->MakeTree(2);  // same fd, another client: untouched throughout
  ASSERT_TRUE(r->IsStatus(r->NameOf(t.client, t.subdevice).first, "NV_OK"));

  EXPECT_TRUE(r->IsStatus(r->Free(t.client, t.client, t.device).status, "NV_OK"));
  EXPECT_TRUE(r->IsStatus(r->NameOf(t.client, t.subdevice).first, "NV_ERR_INVALID_OBJECT_HANDLE"));
  // Freed twice: gone.
  EXPECT_TRUE(r->IsStatus(r->Free(t.client, t.client, t.device).status, "NV_ERR_INVALID_OBJECT_HANDLE"));
  EXPECT_TRUE(r->IsStatus(r->Free(t.client, t.device, t.subdevice).status, "NV_ERR_INVALID_OBJECT_HANDLE"));
  // The client itself still answers.
  const char* p = "NV0000_CTRL_GPU_GET_PROBED_IDS_PARAMS";
  auto probed = [&](uint32_t client) {
    return r->Control(client, client, "NV0000_CTRL_CMD_GPU_GET_PROBED_IDS", p, nullptr,
                      [](uint64_t) {});
  };
  EXPECT_TRUE(r->IsStatus(probed(t.client).status, "NV_OK"));
  // A new device and subdevice under it work; then the client goes, with them.
  const uint32_t dev = r->AllocDevice(t.client, 4).handle;
  const uint32_t sub = r->AllocSubdevice(t.client, dev).handle;
  ASSERT_TRUE(r->IsStatus(r->NameOf(t.client, sub).first, "NV_OK"));
  EXPECT_TRUE(r->IsStatus(r->Free(t.client, 0, t.client).status, "NV_OK"));
  EXPECT_TRUE(r->IsStatus(probed(t.client).status, "NV_ERR_INVALID_CLIENT"));
  EXPECT_TRUE(r->IsStatus(r->NameOf(t.client, sub).first, "NV_ERR_INVALID_CLIENT"));
  EXPECT_TRUE(r->IsStatus(r->Free(t.client, 0, t.client).status, "NV_ERR_INVALID_CLIENT"));
  EXPECT_EQ(r->model().objects().client_count(), 1u);

  EXPECT_TRUE(r->IsStatus(probed(other.client).status, "NV_OK"));
  EXPECT_TRUE(r->IsStatus(r->NameOf(other.client, other.subdevice).first, "NV_OK"));
}

// --- 4. ownership ---

TEST(ModelTest, ObjectsBelongToTheirFd) {
  std::unique_ptr<Rig> r = Rig::Make(kH100);
  ASSERT_NE(r, nullptr);
  Rig::Tree a = r->MakeTree(0, /*fd=*/kFd);
  // Handles are per client (rs_client.c): b's objects get handles of their own
  // choosing, none of which a has, so "another client's handle" means one.
  Rig::Tree b;
  b.client = r->AllocClient().handle;
  b.device = r->AllocDevice(b.client, 1, 0xb0000001).handle;
  b.subdevice = r->AllocSubdevice(b.client, b.device, 0xb0000002).handle;
  ASSERT_TRUE(r->IsStatus(r->NameOf(b.client, b.subdevice).first, "NV_OK"));
  constexpr int kOtherFd = kFd + 1;
  ASSERT_TRUE(r->IsStatus(r->NameOf(a.client, a.subdevice, kFd).first, "NV_OK"));
  // The same client from another descriptor: not a client there.
  EXPECT_TRUE(r->IsStatus(r->NameOf(a.client, a.subdevice, kOtherFd).first, "NV_ERR_INVALID_CLIENT"));
  EXPECT_TRUE(r->IsStatus(r->AllocDevice(a.client, 3, 0, 0, kOtherFd).status, "NV_ERR_INVALID_CLIENT"));
  EXPECT_TRUE(r->IsStatus(r->Free(a.client, a.client, a.device, kOtherFd).status, "NV_ERR_INVALID_CLIENT"));
  EXPECT_TRUE(r->IsStatus(r->NameOf(a.client, a.subdevice, kFd).first, "NV_OK"));  // not freed
  // Another client's objects are no objects of this one.
  EXPECT_TRUE(r->IsStatus(r->NameOf(a.client, b.subdevice).first, "NV_ERR_INVALID_OBJECT_HANDLE"));
  EXPECT_TRUE(r->IsStatus(r->NameOf(a.client, b.client).first, "NV_ERR_INVALID_OBJECT_HANDLE"));
  EXPECT_TRUE(r->IsStatus(r->AllocSubdevice(a.client, b.device).status, "NV_ERR_INVALID_OBJECT_PARENT"));
  EXPECT_TRUE(r->IsStatus(r->NameOf(b.client, b.subdevice).first, "NV_OK"));
  // The same number in two clients names each client's own object: b frees its
  // own, a's stays.
  EXPECT_TRUE(r->IsStatus(r->AllocDevice(b.client, 2, a.device).status, "NV_OK"));
  EXPECT_TRUE(r->IsStatus(r->Free(b.client, b.client, a.device).status, "NV_OK"));
  EXPECT_TRUE(r->IsStatus(r->NameOf(a.client, a.subdevice).first, "NV_OK"));
  // A client made on the other descriptor answers there only.
  Rig::Rm c = r->AllocClient(0, 0, 0, kOtherFd);
  ASSERT_TRUE(r->IsStatus(c.status, "NV_OK"));
  EXPECT_TRUE(r->IsStatus(r->AllocDevice(c.handle, 0, 0, 0, kOtherFd).status, "NV_OK"));
  EXPECT_TRUE(r->IsStatus(r->AllocDevice(c.handle, 0, 0, 0, kFd).status, "NV_ERR_INVALID_CLIENT"));
}

// nv.c:nvidia_close() -> osapi.c:rm_cleanup_file_private() -> RmFreeUnusedClients():
// the last close of an open file frees its clients, with all under them, and
// nobody else's; the handle is free again.
TEST(ModelTest, ReleasingAnOpenFileFreesItsClientsOnly) {
  std::unique_ptr<Rig> r = Rig::Make(kH100);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->model().tracks_open_files());
  constexpr int kOtherFile = kFd + 1;
  Rig::Tree a = r->MakeTree(0, kFd);
  Rig::Rm second = r->AllocClient(0xc1e00002, 0, 0, kFd);
  ASSERT_TRUE(r->IsStatus(second.status, "NV_OK"));
  Rig::Tree b = r->MakeTree(1, kOtherFile);
  ASSERT_EQ(r->model().objects().client_count(), 3u);
  r->model().Released(kOtherFile + 1);  // a file with no clients: nothing
  EXPECT_EQ(r->model().objects().client_count(), 3u);
  r->model().Released(kFd);
  EXPECT_EQ(r->model().objects().client_count(), 1u);
  EXPECT_TRUE(r->IsStatus(r->NameOf(b.client, b.subdevice, kOtherFile).first, "NV_OK"));
  EXPECT_TRUE(r->IsStatus(r->NameOf(a.client, a.subdevice, kFd).first, "NV_ERR_INVALID_CLIENT"));
  // The file's handles are free again, for any open file (a new one may be given
  // the released one's id).
  EXPECT_TRUE(r->IsStatus(r->AllocClient(0xc1e00002, 0, 0, kOtherFile).status, "NV_OK"));
  EXPECT_TRUE(r->IsStatus(r->AllocClient(a.client, 0, 0, kFd).status, "NV_OK"));
}

// --- 5. controls ---

// nv.c:nvidia_ioctl(): XFER carries another escape's struct by pointer; the model
// serves the inner one as if called directly, once (an XFER inside is EINVAL), and
// refuses an inner size above NV_ABSOLUTE_MAX_IOCTL_SIZE.
TEST_P(ModelReleaseTest, XferServesTheInnerEscapeOnce) {
  std::unique_ptr<Rig> r = Rig::Make(kH100, GetParam());
  ASSERT_NE(r, nullptr);
  const char* v = "nv_ioctl_rm_api_version_t";
  const uint64_t inner = r->New(v);
  r->Set(v, inner, "cmd", r->C("NV_RM_API_VERSION_CMD_QUERY"));
  const char* x = "nv_ioctl_xfer_t";
  const uint64_t xfer = r->New(x);
  r->Set(x, xfer, "cmd", r->C("NV_ESC_CHECK_VERSION_STR"));
  r->Set(x, xfer, "size", r->Layout(v).size);
  r->Set(x, xfer, "ptr", inner);
  IoctlResult io = r->Ioctl(kCtl, "NV_ESC_IOCTL_XFER_CMD", xfer, r->Layout(x).size);
  ASSERT_EQ(io.ret, 0);
  EXPECT_EQ(r->FieldBytes(v, inner, "versionString").substr(0, std::string(GetParam()).size()),
            GetParam());

  r->Set(x, xfer, "size", r->C("NV_ABSOLUTE_MAX_IOCTL_SIZE") + 1);
  io = r->Ioctl(kCtl, "NV_ESC_IOCTL_XFER_CMD", xfer, r->Layout(x).size);
  EXPECT_EQ(io.ret, -1);
  EXPECT_EQ(io.err, EINVAL);

  const uint64_t outer = r->New(x);
  r->Set(x, outer, "cmd", r->C("NV_ESC_IOCTL_XFER_CMD"));
  r->Set(x, outer, "size", r->Layout(x).size);
  r->Set(x, outer, "ptr", xfer);
  io = r->Ioctl(kCtl, "NV_ESC_IOCTL_XFER_CMD", outer, r->Layout(x).size);
  EXPECT_EQ(io.ret, -1);
  EXPECT_EQ(io.err, EINVAL);
}

TEST_P(ModelReleaseTest, ProbedIdsListTheGpusInDescriptionOrder) {
  std::unique_ptr<Rig> r = Rig::Make(kH100, GetParam());
  ASSERT_NE(r, nullptr);
  const uint32_t client = r->AllocClient().handle;
  const char* p = "NV0000_CTRL_GPU_GET_PROBED_IDS_PARAMS";
  uint64_t at = 0;
  Rig::Rm c = r->Control(client, client, "NV0000_CTRL_CMD_GPU_GET_PROBED_IDS", p, &at,
                         [&](uint64_t a) { std::fill(r->Bytes(a).begin(), r->Bytes(a).end(), 0x5a); });
  ASSERT_TRUE(r->IsStatus(c.status, "NV_OK"));
  const std::vector<MachineGpu>& gpus = r->machine().gpus;
  ASSERT_EQ(gpus.size(), 8u);
  const uint32_t n = r->Layout(p).Find("gpuIds")->count;
  for (uint32_t i = 0; i < n; ++i) {
    const uint64_t want = i < gpus.size() ? GpuIdOfDescription(gpus[i])
                                          : r->C("NV0000_CTRL_GPU_INVALID_ID");
    EXPECT_EQ(r->GetElement(p, at, "gpuIds", i), want) << "gpuIds[" << i << "]";
  }
  EXPECT_EQ(r->GetElement(p, at, "gpuIds", 0), 0x1800u);  // 0000:18:00.0
  EXPECT_EQ(r->GetElement(p, at, "gpuIds", 7), 0xdb00u);  // 0000:db:00.0
  EXPECT_EQ(r->GetElement(p, at, "excludedGpuIds", 0), r->C("NV0000_CTRL_GPU_INVALID_ID"));
}

TEST_P(ModelReleaseTest, IdInfoV2GivesEachGpusDeviceInstance) {
  std::unique_ptr<Rig> r = Rig::Make(kH100, GetParam());
  ASSERT_NE(r, nullptr);
  const uint32_t client = r->AllocClient().handle;
  const char* p = "NV0000_CTRL_GPU_GET_ID_INFO_V2_PARAMS";
  // In reverse, so that an answer that ignores gpuId shows.
  for (int i = 7; i >= 0; --i) {
    const MachineGpu& g = r->machine().gpus[static_cast<size_t>(i)];
    uint64_t at = 0;
    Rig::Rm c = r->Control(client, client, "NV0000_CTRL_CMD_GPU_GET_ID_INFO_V2", p, &at,
                           [&](uint64_t a) {
                             r->Set(p, a, "gpuId", GpuIdOfDescription(g));
                             r->Set(p, a, "deviceInstance", 0x77);
                           });
    ASSERT_TRUE(r->IsStatus(c.status, "NV_OK")) << i;
    EXPECT_EQ(r->Get(p, at, "gpuId"), GpuIdOfDescription(g));
    EXPECT_EQ(r->Get(p, at, "deviceInstance"), static_cast<uint64_t>(i));
    EXPECT_EQ(r->Get(p, at, "subDeviceInstance"), 0u);
  }
  // A gpuId of no GPU.
  Rig::Rm bad = r->Control(client, client, "NV0000_CTRL_CMD_GPU_GET_ID_INFO_V2", p, nullptr,
                           [&](uint64_t a) { r->Set(p, a, "gpuId", 0x4200); });
  EXPECT_TRUE(r->IsStatus(bad.status, "NV_ERR_INVALID_ARGUMENT"));
}

TEST_P(ModelReleaseTest, NameAndGidOfTheSubdevicesGpu) {
  std::unique_ptr<Rig> r = Rig::Make(kH100, GetParam());
  ASSERT_NE(r, nullptr);
  for (uint32_t gpu : {6u, 1u}) {
    const MachineGpu& g = r->machine().gpus[gpu];
    Rig::Tree t = r->MakeTree(gpu);
    std::pair<uint64_t, std::string> name = r->NameOf(t.client, t.subdevice);
    ASSERT_TRUE(r->IsStatus(name.first, "NV_OK"));
    EXPECT_EQ(name.second, "NVIDIA H100 80GB HBM3");
    EXPECT_EQ(name.second, g.name);

    const char* p = "NV2080_CTRL_GPU_GET_GID_INFO_PARAMS";
    uint64_t ascii = 0;
    Rig::Rm c = r->Control(t.client, t.subdevice, "NV2080_CTRL_CMD_GPU_GET_GID_INFO", p, &ascii,
                           [&](uint64_t a) {
                             r->Set(p, a, "flags", r->C("NV2080_GPU_CMD_GPU_GET_GID_FLAGS_FORMAT_ASCII"));
                           });
    ASSERT_TRUE(r->IsStatus(c.status, "NV_OK"));
    EXPECT_EQ(r->GetString(p, ascii, "data"), g.uuid);
    EXPECT_EQ(r->Get(p, ascii, "length"), g.uuid.size() + 1);

    uint64_t binary = 0;
    c = r->Control(t.client, t.subdevice, "NV2080_CTRL_CMD_GPU_GET_GID_INFO", p, &binary,
                   [&](uint64_t a) {
                     r->Set(p, a, "flags", r->C("NV2080_GPU_CMD_GPU_GET_GID_FLAGS_FORMAT_BINARY"));
                   });
    ASSERT_TRUE(r->IsStatus(c.status, "NV_OK"));
    const std::string want = UuidBinary(g.uuid);
    ASSERT_EQ(want.size(), 16u);
    EXPECT_EQ(r->Get(p, binary, "length"), 16u);
    EXPECT_EQ(r->FieldBytes(p, binary, "data").substr(0, 16), want);
  }
  // The first bytes of GPU 1's binary UUID, spelled out.
  EXPECT_EQ(UuidBinary(r->machine().gpus[1].uuid).substr(0, 4), std::string("\x1d\x8e\x5a\x3c"));

  // Different GPUs, different names: the subdevice's own GPU answers.
  std::unique_ptr<Rig> d = Rig::Make(kDesktop, GetParam());
  ASSERT_NE(d, nullptr);
  Rig::Tree t1 = d->MakeTree(1);
  Rig::Tree t0 = d->MakeTree(0);
  EXPECT_EQ(d->NameOf(t1.client, t1.subdevice).second, "NVIDIA GeForce GTX 1080 Ti");
  EXPECT_EQ(d->NameOf(t0.client, t0.subdevice).second, "NVIDIA GeForce RTX 3090");
}

TEST_P(ModelReleaseTest, FbInfoV2TotalRamSizeIsTheDescriptionsMemoryInKib) {
  for (const char* file : {kH100, kL4, kDesktop}) {
    std::unique_ptr<Rig> r = Rig::Make(file, GetParam());
    ASSERT_NE(r, nullptr);
    const uint32_t gpu = static_cast<uint32_t>(r->machine().gpus.size() - 1);
    Rig::Tree t = r->MakeTree(gpu);
    const char* p = "NV2080_CTRL_FB_GET_INFO_V2_PARAMS";
    const abi::Field* list = r->Layout(p).Find("fbInfoList");
    ASSERT_NE(list, nullptr);
    const abi::StructLayout& entry = r->Layout(list->element_struct);
    auto entry_at = [&](uint64_t at, uint32_t i) {
      return std::span<uint8_t>(r->Bytes(at)).subspan(list->offset + i * entry.size, entry.size);
    };
    uint64_t at = 0;
    Rig::Rm c = r->Control(t.client, t.subdevice, "NV2080_CTRL_CMD_FB_GET_INFO_V2", p, &at,
                           [&](uint64_t a) {
                             r->Set(p, a, "fbInfoListSize", 2);
                             const char* idx[] = {"NV2080_CTRL_FB_INFO_INDEX_BUS_WIDTH",
                                                  "NV2080_CTRL_FB_INFO_INDEX_TOTAL_RAM_SIZE"};
                             for (uint32_t i = 0; i < 2; ++i) {
                               StatusOr<abi::StructWriter> w = abi::StructWriter::Make(entry, entry_at(a, i));
                               ASSERT_TRUE(w.ok());
                               ASSERT_TRUE(w->Set<uint32_t>("index", static_cast<uint32_t>(r->C(idx[i]))).ok());
                               ASSERT_TRUE(w->Set<uint32_t>("data", 0xdeadbeef).ok());
                             }
                           });
    ASSERT_TRUE(r->IsStatus(c.status, "NV_OK")) << file;
    StatusOr<abi::StructReader> e1 = abi::StructReader::Make(entry, entry_at(at, 1));
    ASSERT_TRUE(e1.ok());
    EXPECT_EQ(*e1->Get<uint32_t>("index"), r->C("NV2080_CTRL_FB_INFO_INDEX_TOTAL_RAM_SIZE"));
    EXPECT_EQ(*e1->Get<uint32_t>("data"), uint64_t{r->machine().gpus[gpu].memory_mib} * 1024) << file;
    // An index the model has no value for: 0, not the caller's bytes.
    StatusOr<abi::StructReader> e0 = abi::StructReader::Make(entry, entry_at(at, 0));
    ASSERT_TRUE(e0.ok());
    EXPECT_EQ(*e0->Get<uint32_t>("data"), 0u);
  }
  std::unique_ptr<Rig> l4 = Rig::Make(kL4, GetParam());
  ASSERT_NE(l4, nullptr);
  EXPECT_EQ(l4->machine().gpus[0].memory_mib, 23034u);  // 23586816 KiB
}

TEST_P(ModelReleaseTest, BuildVersionV1IsTwoPhase) {
  std::unique_ptr<Rig> r = Rig::Make(kL4, GetParam());
  ASSERT_NE(r, nullptr);
  const std::string driver = GetParam();
  const uint32_t client = r->AllocClient().handle;
  const char* p = "NV0000_CTRL_SYSTEM_GET_BUILD_VERSION_PARAMS";
  const char* cmd = "NV0000_CTRL_CMD_SYSTEM_GET_BUILD_VERSION";

  // Phase 1: null pointers; the driver says how large the buffers must be.
  uint64_t at = 0;
  Rig::Rm c = r->Control(client, client, cmd, p, &at, [](uint64_t) {});
  ASSERT_TRUE(r->IsStatus(c.status, "NV_OK"));
  const uint64_t size = r->Get(p, at, "sizeOfStrings");
  EXPECT_GE(size, driver.size() + 1);
  EXPECT_LT(size, 4096u);

  // Phase 2: three buffers of that size.
  uint64_t bufs[3];
  for (uint64_t& b : bufs) b = r->Region(size, 0xcc);
  c = r->Control(client, client, cmd, p, &at, [&](uint64_t a) {
    r->Set(p, a, "sizeOfStrings", size);
    r->Set(p, a, "pDriverVersionBuffer", bufs[0]);
    r->Set(p, a, "pVersionBuffer", bufs[1]);
    r->Set(p, a, "pTitleBuffer", bufs[2]);
  });
  ASSERT_TRUE(r->IsStatus(c.status, "NV_OK"));
  const std::vector<uint8_t>& dv = r->Bytes(bufs[0]);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(dv.data())), driver);
  EXPECT_EQ(dv[driver.size()], 0);
  const std::vector<uint8_t>& ver = r->Bytes(bufs[1]);
  EXPECT_THAT(std::string(reinterpret_cast<const char*>(ver.data()), strnlen(reinterpret_cast<const char*>(ver.data()), ver.size())),
              HasSubstr(driver));
  // The pointers themselves are the caller's, kept.
  EXPECT_EQ(r->Get(p, at, "pDriverVersionBuffer"), bufs[0]);

  // Buffers smaller than the strings: refused.
  uint64_t small[3];
  for (uint64_t& b : small) b = r->Region(4, 0xcc);
  c = r->Control(client, client, cmd, p, nullptr, [&](uint64_t a) {
    r->Set(p, a, "sizeOfStrings", 4);
    r->Set(p, a, "pDriverVersionBuffer", small[0]);
    r->Set(p, a, "pVersionBuffer", small[1]);
    r->Set(p, a, "pTitleBuffer", small[2]);
  });
  EXPECT_TRUE(r->IsStatus(c.status, "NV_ERR_INVALID_PARAM_STRUCT"));
  EXPECT_EQ(r->Bytes(small[0]), std::vector<uint8_t>(4, 0xcc));  // nothing written
}

// --- 6. malformed and unknown controls ---

TEST_P(ModelReleaseTest, ControlWithTheWrongParamsSizeIsInvalidParamStruct) {
  std::unique_ptr<Rig> r = Rig::Make(kH100, GetParam());
  ASSERT_NE(r, nullptr);
  Rig::Tree t = r->MakeTree(0);
  const char* p = "NV2080_CTRL_GPU_GET_NAME_STRING_PARAMS";
  const uint32_t right = r->Layout(p).size;
  for (uint32_t size : {right + 4, right - 4}) {
    const uint64_t at = r->Region(size);
    Rig::Rm c = r->Control(t.client, t.subdevice, r->C("NV2080_CTRL_CMD_GPU_GET_NAME_STRING"), at, size);
    ASSERT_EQ(c.io.ret, 0);
    EXPECT_TRUE(r->IsStatus(c.status, "NV_ERR_INVALID_PARAM_STRUCT")) << size;
    EXPECT_EQ(r->Bytes(at), std::vector<uint8_t>(size, 0)) << "no name written";
  }
  // And on the root client.
  const char* q = "NV0000_CTRL_GPU_GET_PROBED_IDS_PARAMS";
  const uint32_t qsize = r->Layout(q).size - 8;
  Rig::Rm c = r->Control(t.client, t.client, r->C("NV0000_CTRL_CMD_GPU_GET_PROBED_IDS"),
                         r->Region(qsize), qsize);
  EXPECT_TRUE(r->IsStatus(c.status, "NV_ERR_INVALID_PARAM_STRUCT"));
  EXPECT_EQ(r->model().unmatched(), 0);
}

TEST(ModelTest, UnknownControlIsNotSupportedWithOneDiagnosticLine) {
  std::unique_ptr<Rig> r = Rig::Make(kH100);
  ASSERT_NE(r, nullptr);
  const uint32_t client = r->AllocClient().handle;
  ASSERT_EQ(r->diag(), "");
  ASSERT_EQ(r->model().unmatched(), 0);
  constexpr uint32_t kNoSuchCmd = 0x00000ffe;  // a root client's family, no command
  ASSERT_EQ(r->abi().ControlByNumber(kNoSuchCmd), nullptr);
  const uint64_t at = r->Region(16, 0x11);
  Rig::Rm c = r->Control(client, client, kNoSuchCmd, at, 16);
  ASSERT_EQ(c.io.ret, 0);
  EXPECT_TRUE(r->IsStatus(c.status, "NV_ERR_NOT_SUPPORTED"));
  EXPECT_EQ(r->model().unmatched(), 1);
  const std::string diag = r->diag();
  EXPECT_EQ(std::count(diag.begin(), diag.end(), '\n'), 1) << diag;
  EXPECT_THAT(diag, HasSubstr("not supported"));
  // A command no release names: its number, once.
  EXPECT_THAT(diag, HasSubstr(": cmd 0xffe (paramsSize 16) on 0x"));
  EXPECT_THAT(diag, Not(HasSubstr("(0xffe")));
  EXPECT_EQ(r->Bytes(at), std::vector<uint8_t>(16, 0x11));

  // A second one counts again.
  Rig::Rm again = r->Control(client, client, kNoSuchCmd, r->Region(16), 16);
  EXPECT_TRUE(r->IsStatus(again.status, "NV_ERR_NOT_SUPPORTED"));
  EXPECT_EQ(r->model().unmatched(), 2);
}

// `run` without --verbose or --log: no line per request, one count at the end.
TEST(ModelTest, UnlistedNotSupportedRequestsAreCountedInOneLine) {
  std::unique_ptr<Rig> r = Rig::Make(kH100);
  ASSERT_NE(r, nullptr);
  r->model().set_list_not_supported(false);
  const uint32_t client = r->AllocClient().handle;
  for (int i = 0; i < 3; ++i) r->Control(client, client, 0x00000ffe, r->Region(16), 16);
  EXPECT_EQ(r->model().unmatched(), 3);
  EXPECT_EQ(r->diag(), "");
  std::ostringstream end;
  r->model().SayHowManyUnlisted(end);
  EXPECT_EQ(end.str(), "fakedrv: model: 3 request(s) answered as not supported (--verbose or --log FILE lists them)\n");
  // --verbose lists them whatever.
  r->model().set_verbose(true);
  r->Control(client, client, 0x00000ffe, r->Region(16), 16);
  EXPECT_THAT(r->diag(), HasSubstr("not supported"));
}

// --- 7. frontend escapes and faults ---

TEST_P(ModelReleaseTest, VersionCheckStrict) {
  std::unique_ptr<Rig> r = Rig::Make(kH100, GetParam());
  ASSERT_NE(r, nullptr);
  const std::string driver = GetParam();
  const char* s = "nv_ioctl_rm_api_version_t";
  auto check = [&](const std::string& version, uint64_t* at) {
    *at = r->New(s);
    r->Set(s, *at, "cmd", r->C("NV_RM_API_VERSION_CMD_STRICT"));
    StatusOr<abi::StructWriter> w = abi::StructWriter::Make(r->Layout(s), r->Bytes(*at));
    EXPECT_TRUE(w.ok() && w->SetString("versionString", version).ok());
    return r->Ioctl(kCtl, "NV_ESC_CHECK_VERSION_STR", *at, r->Layout(s).size);
  };
  uint64_t at = 0;
  IoctlResult ok = check(driver, &at);
  EXPECT_EQ(ok.ret, 0);
  EXPECT_EQ(ok.err, 0);
  EXPECT_EQ(r->Get(s, at, "reply"), r->C("NV_RM_API_VERSION_REPLY_RECOGNIZED"));

  IoctlResult bad = check("999.99.99", &at);
  EXPECT_EQ(bad.ret, -1);
  EXPECT_EQ(bad.err, EINVAL);
  EXPECT_EQ(r->GetString(s, at, "versionString"), driver);  // the driver's own comes back
  // One character off.
  std::string near = driver;
  near.back() = near.back() == '1' ? '2' : '1';
  EXPECT_EQ(check(near, &at).err, EINVAL);
}

TEST_P(ModelReleaseTest, CardInfoListsTheGpusOnTheControlDeviceOnly) {
  std::unique_ptr<Rig> r = Rig::Make(kH100, GetParam());
  ASSERT_NE(r, nullptr);
  const abi::StructLayout& e = r->Layout("nv_ioctl_card_info_t");
  const size_t entries = r->C("NV_MAX_DEVICES");
  const uint64_t at = r->Region(entries * e.size, 0xee);
  IoctlResult res = r->Ioctl(kCtl, "NV_ESC_CARD_INFO", at, entries * e.size);
  ASSERT_EQ(res.ret, 0);
  ASSERT_EQ(res.err, 0);
  auto field = [&](size_t i, std::string_view name) {
    const abi::Field* f = e.Find(name);
    EXPECT_NE(f, nullptr) << name;
    return f ? LoadUint(std::span<const uint8_t>(r->Bytes(at)).subspan(i * e.size), f->offset, f->width) : 0;
  };
  const std::vector<MachineGpu>& gpus = r->machine().gpus;
  for (size_t i = 0; i < entries; ++i) {
    if (i < gpus.size()) {
      EXPECT_EQ(field(i, "valid"), 1u) << i;
      EXPECT_EQ(field(i, "minor_number"), gpus[i].minor) << i;
      EXPECT_EQ(field(i, "gpu_id"), GpuIdOfDescription(gpus[i])) << i;
      EXPECT_EQ(field(i, "pci_info.bus"), gpus[i].bus) << i;
      EXPECT_EQ(field(i, "pci_info.vendor_id"), 0x10deu) << i;
      EXPECT_EQ(field(i, "pci_info.device_id"), 0x2330u) << i;
    } else {
      EXPECT_EQ(field(i, "valid"), 0u) << i;  // cleared, not the caller's 0xee
    }
  }
  EXPECT_EQ(field(7, "minor_number"), 7u);

  const uint64_t on_gpu = r->Region(entries * e.size, 0xee);
  IoctlResult refused = r->Ioctl("/dev/nvidia0", "NV_ESC_CARD_INFO", on_gpu, entries * e.size);
  EXPECT_EQ(refused.ret, -1);
  EXPECT_EQ(refused.err, EINVAL);
  EXPECT_EQ(r->Bytes(on_gpu), std::vector<uint8_t>(entries * e.size, 0xee));
  // Fewer entries than GPUs.
  IoctlResult few = r->Ioctl(kCtl, "NV_ESC_CARD_INFO", r->Region(7 * e.size), 7 * e.size);
  EXPECT_EQ(few.err, EINVAL);
}

TEST_P(ModelReleaseTest, RmEscapeOfTheWrongSizeIsEinval) {
  std::unique_ptr<Rig> r = Rig::Make(kH100, GetParam());
  ASSERT_NE(r, nullptr);
  for (const char* esc : {"NV_ESC_RM_CONTROL", "NV_ESC_RM_FREE", "NV_ESC_RM_ALLOC"}) {
    const uint64_t at = r->Region(64, 0x33);
    IoctlResult res = r->Ioctl(kCtl, esc, at, 20);
    EXPECT_EQ(res.ret, -1) << esc;
    EXPECT_EQ(res.err, EINVAL) << esc;
    EXPECT_EQ(r->Bytes(at), std::vector<uint8_t>(64, 0x33)) << esc;
  }
  EXPECT_EQ(r->model().objects().client_count(), 0u);
}

TEST(ModelTest, ArgumentOutsideTheCallersMemoryIsEfault) {
  std::unique_ptr<Rig> r = Rig::Make(kH100);
  ASSERT_NE(r, nullptr);
  IoctlResult res = r->Ioctl(kCtl, "NV_ESC_RM_CONTROL", 0x7000000, r->Layout("NVOS54_PARAMETERS").size);
  EXPECT_EQ(res.ret, -1);
  EXPECT_EQ(res.err, EFAULT);
}

TEST(ModelTest, ControlStatusFaultsComeBackAsNamed) {
  std::unique_ptr<Rig> r = Rig::Make(kControlStatusFault);
  ASSERT_NE(r, nullptr);
  Rig::Tree t = r->MakeTree(1);
  // FB_GET_INFO (V1, faulted) refused; FB_GET_INFO_V2 (not faulted) answers.
  const char* v1 = "NV2080_CTRL_FB_GET_INFO_PARAMS";
  Rig::Rm c = r->Control(t.client, t.subdevice, "NV2080_CTRL_CMD_FB_GET_INFO", v1, nullptr,
                         [](uint64_t) {});
  EXPECT_TRUE(r->IsStatus(c.status, "NV_ERR_NOT_SUPPORTED"));
  const char* gi = "NV2080_CTRL_GPU_GET_INFO_PARAMS";
  c = r->Control(t.client, t.subdevice, "NV2080_CTRL_CMD_GPU_GET_INFO", gi, nullptr, [](uint64_t) {});
  EXPECT_TRUE(r->IsStatus(c.status, "NV_ERR_NOT_SUPPORTED"));
  const char* v2 = "NV2080_CTRL_FB_GET_INFO_V2_PARAMS";
  c = r->Control(t.client, t.subdevice, "NV2080_CTRL_CMD_FB_GET_INFO_V2", v2, nullptr, [](uint64_t) {});
  EXPECT_TRUE(r->IsStatus(c.status, "NV_OK"));
  EXPECT_TRUE(r->IsStatus(r->NameOf(t.client, t.subdevice).first, "NV_OK"));
  // Faults are the description's, not the model's gaps: nothing unmatched.
  EXPECT_EQ(r->model().unmatched(), 0);
  EXPECT_EQ(r->diag(), "");

  // The same requests on the machine without the fault: NV_OK.
  std::unique_ptr<Rig> clean = Rig::Make("traces/machines/a10g-4x.json");
  ASSERT_NE(clean, nullptr);
  Rig::Tree u = clean->MakeTree(1);
  c = clean->Control(u.client, u.subdevice, "NV2080_CTRL_CMD_FB_GET_INFO", v1, nullptr, [](uint64_t) {});
  EXPECT_TRUE(clean->IsStatus(c.status, "NV_OK"));
}

TEST(ModelTest, DeviceAllocFaultComesBackAsNamed) {
  std::unique_ptr<Rig> r = Rig::Make(kDeviceAllocFault);
  ASSERT_NE(r, nullptr);
  r->model().set_holds_device([](int, const std::string&) { return true; });
  const uint32_t client = r->AllocClient().handle;
  Rig::Rm d = r->AllocDevice(client, 0);
  EXPECT_TRUE(r->IsStatus(d.status, "NV_ERR_INSUFFICIENT_PERMISSIONS"));
  // The client's own controls still answer.
  const char* p = "NV0000_CTRL_GPU_GET_PROBED_IDS_PARAMS";
  uint64_t at = 0;
  Rig::Rm c = r->Control(client, client, "NV0000_CTRL_CMD_GPU_GET_PROBED_IDS", p, &at, [](uint64_t) {});
  EXPECT_TRUE(r->IsStatus(c.status, "NV_OK"));
  EXPECT_EQ(r->GetElement(p, at, "gpuIds", 0), GpuIdOfDescription(r->machine().gpus[0]));
}

TEST(ModelTest, IoctlErrnoFaultsFailTheIoctl) {
  std::unique_ptr<Rig> r = Rig::Make(kRmEioFault);
  ASSERT_NE(r, nullptr);
  Rig::Tree t = r->MakeTree(0);  // allocations work
  ASSERT_NE(t.subdevice, 0u);
  Rig::Rm c = r->Control(t.client, t.subdevice, r->C("NV2080_CTRL_CMD_GPU_GET_NAME_STRING"),
                         r->New("NV2080_CTRL_GPU_GET_NAME_STRING_PARAMS"),
                         r->Layout("NV2080_CTRL_GPU_GET_NAME_STRING_PARAMS").size);
  EXPECT_EQ(c.io.ret, -1);
  EXPECT_EQ(c.io.err, EIO);
  Rig::Rm f = r->Free(t.client, t.client, t.device);
  EXPECT_EQ(f.io.ret, -1);
  EXPECT_EQ(f.io.err, EIO);
  EXPECT_EQ(r->Get("NVOS00_PARAMETERS", f.args, "status"), 0u);  // nothing written
}

// --- 8. the machine's files ---

TEST(MachineFilesTest, PciConfigSpace) {
  StatusOr<Machine> m = LoadMachine(kH100);
  ASSERT_TRUE(m.ok()) << m.status().message();
  const MachineGpu& g = m->gpus[0];
  const std::string c = model::PciConfigSpace(g);
  ASSERT_EQ(c.size(), 256u);
  auto u8 = [&](size_t at) { return static_cast<uint32_t>(static_cast<uint8_t>(c[at])); };
  auto u16 = [&](size_t at) { return u8(at) | (u8(at + 1) << 8); };
  EXPECT_EQ(u16(0x00), 0x10deu);
  EXPECT_EQ(u16(0x02), 0x2330u);
  EXPECT_EQ(u8(0x08), 0xa1u);  // revision
  EXPECT_EQ(u8(0x09), 0x00u);  // programming interface
  EXPECT_EQ(u8(0x0a), 0x02u);  // 3D controller
  EXPECT_EQ(u8(0x0b), 0x03u);  // display controller
  EXPECT_EQ(u8(0x0e), 0x00u);  // header type 0
  EXPECT_EQ(u16(0x2c), 0x10deu);
  EXPECT_EQ(u16(0x2e), 0x16c1u);

  StatusOr<Machine> desktop = LoadMachine(kDesktop);
  ASSERT_TRUE(desktop.ok());
  for (const MachineGpu& d : desktop->gpus) {
    const std::string dc = model::PciConfigSpace(d);
    auto b = [&](size_t at) { return static_cast<uint32_t>(static_cast<uint8_t>(dc[at])); };
    EXPECT_EQ(b(2) | (b(3) << 8), uint32_t{d.device_id});
    EXPECT_EQ(b(0x2e) | (b(0x2f) << 8), d.subsystem_id >> 16);
    EXPECT_EQ(b(0x2c) | (b(0x2d) << 8), d.subsystem_id & 0xffff);
    EXPECT_EQ(b(0x0b), (d.pci_class >> 16) & 0xff);
  }
}

const FileNode* FindFile(const Trace& t, const std::string& path) {
  for (const FileNode& f : t.files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

TEST(MachineFilesTest, MachineFilesOfAModelledMachine) {
  StatusOr<Machine> m = LoadMachine(kH100);
  ASSERT_TRUE(m.ok()) << m.status().message();
  Trace t = model::MachineFilesOf(*m, AbiFor(kDriver550), kDriver550);
  EXPECT_EQ(t.driver, kDriver550);
  EXPECT_TRUE(t.events.empty());

  const FileNode* params = FindFile(t, "/proc/driver/nvidia/params");
  ASSERT_NE(params, nullptr);
  EXPECT_EQ(params->type, NodeType::kFile);
  EXPECT_THAT(params->content, HasSubstr("ModifyDeviceFiles: 0\n"));

  const FileNode* uvm = FindFile(t, "/dev/nvidia-uvm");
  ASSERT_NE(uvm, nullptr);
  EXPECT_EQ(uvm->type, NodeType::kCharDev);

  for (const MachineGpu& g : m->gpus) {
    const FileNode* config = FindFile(t, "/sys/bus/pci/devices/" + g.BusId() + "/config");
    ASSERT_NE(config, nullptr) << g.BusId();
    EXPECT_EQ(config->type, NodeType::kFile);
    EXPECT_EQ(config->content, model::PciConfigSpace(g)) << g.BusId();
    const FileNode* node = FindFile(t, "/dev/nvidia" + std::to_string(g.minor));
    ASSERT_NE(node, nullptr) << g.minor;
    EXPECT_EQ(node->type, NodeType::kCharDev);
  }
  EXPECT_NE(FindFile(t, "/sys/bus/pci/devices/0000:db:00.0/config"), nullptr);
  EXPECT_EQ(FindFile(t, "/sys/bus/pci/devices/0000:dc:00.0/config"), nullptr);
}

TEST(MachineFilesTest, NoKernelDriverNoModuleFiles) {
  StatusOr<Machine> m = LoadMachine(kNoDriver);
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_FALSE(m->HasKernelDriver());
  Trace t = model::MachineFilesOf(*m, AbiFor(kDriver550), kDriver550);
  EXPECT_EQ(FindFile(t, "/proc/driver/nvidia/params"), nullptr);
  EXPECT_EQ(FindFile(t, "/dev/nvidia-uvm"), nullptr);
}

}  // namespace
}  // namespace nvprobe::fakedrv
