// The driver's own rules that a replay applies to requests the trace did not record
// (fake_driver/replay/release_rules.h), on corpus traces of a 580 and a pre-530 release.
#include "fake_driver/replay/release_rules.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "abi/registry.h"
#include "abi/struct_view.h"
#include "fake_driver/supervisor/fake_machine.h"
#include "fake_driver/supervisor/held_devices.h"
#include "fake_driver/replay/ioctl_replayer.h"
#include "fake_driver/trace/trace_io.h"
#include "tests/fake_driver/region_memory.h"

namespace nvprobe::fakedrv {
namespace {

using ::testing::HasSubstr;

constexpr char k580[] = "traces/580.95.05/hgx-h100-8x.trace.jsonl";
constexpr char k525[] = "traces/525.147.05/rtx3090-gtx1080ti-desktop.trace.jsonl";

Trace Load(const char* path) {
  TraceLoad t = LoadTrace(path, abi::Registry::Default());
  EXPECT_TRUE(t.ok()) << (t.errors.empty() ? "" : t.errors.front());
  return std::move(t.trace);
}

uint32_t Request(const Trace& t, std::string_view escape, size_t size) {
  uint64_t nr = *t.abi->FindConstant(escape);
  return static_cast<uint32_t>((3u << 30) | (size << 16) | ('F' << 8) | nr);
}

// A live request for `escape` with `strct`'s layout, fields set by name.
LiveRequest Live(const Trace& t, std::string_view escape, std::string_view strct,
                 std::initializer_list<std::pair<const char*, uint64_t>> fields,
                 size_t size_override = 0) {
  LiveRequest r;
  r.device = "/dev/nvidiactl";
  r.args.layout = t.abi->FindStruct(strct);
  r.args.in.assign(size_override ? size_override : r.args.layout->size, 0);
  r.request = Request(t, escape, r.args.in.size());
  for (const auto& [name, v] : fields) {
    const abi::Field* f = r.args.layout->Find(name);
    EXPECT_NE(f, nullptr) << name;
    StoreUint(r.args.in, f->offset, f->width, v);
  }
  return r;
}

uint64_t Field(const Trace& t, std::string_view strct, const std::vector<uint8_t>& b,
               std::string_view name) {
  const abi::Field* f = t.abi->FindStruct(strct)->Find(name);
  return LoadUint(b, f->offset, f->width);
}

LiveRequest DeviceAlloc(const Trace& t, uint32_t device_id) {
  LiveRequest r = Live(t, "NV_ESC_RM_ALLOC", "NVOS21_PARAMETERS",
                       {{"hRoot", 0xc1d00001}, {"hObjectParent", 0xc1d00001},
                        {"hObjectNew", 0x5c000001}, {"hClass", *t.abi->FindConstant("NV01_DEVICE_0")},
                        {"pAllocParms", 0x2000}});
  ArgBuffer p;
  p.field = "pAllocParms";
  p.layout = t.abi->FindStruct("NV0080_ALLOC_PARAMETERS");
  p.address = 0x2000;
  p.in.assign(p.layout->size, 0);
  StoreUint(p.in, p.layout->Find("deviceId")->offset, 4, device_id);
  r.args.nested.push_back(p);
  return r;
}

std::string VersionString(const Trace& t, const std::vector<uint8_t>& b) {
  const abi::Field* f = t.abi->FindStruct("nv_ioctl_rm_api_version_t")->Find("versionString");
  return std::string(reinterpret_cast<const char*>(b.data() + f->offset));
}

LiveRequest Version(const Trace& t, uint64_t cmd, const std::string& s) {
  LiveRequest r = Live(t, "NV_ESC_CHECK_VERSION_STR", "nv_ioctl_rm_api_version_t", {{"cmd", cmd}});
  const abi::Field* f = r.args.layout->Find("versionString");
  std::memcpy(r.args.in.data() + f->offset, s.data(), s.size());
  return r;
}

TEST(ReleaseRulesTest, LearnsEachDeviceInstancesNodeFromCardInfoAndIdInfo) {
  Trace t = Load(k580);
  ReleaseRules rules(t);
  ASSERT_EQ(rules.device_nodes().size(), 8u);
  EXPECT_EQ(rules.device_nodes().at(0), "/dev/nvidia0");
  EXPECT_EQ(rules.device_nodes().at(7), "/dev/nvidia7");
}

TEST(ReleaseRulesTest, RmCallOfTheWrongSizeIsEinval) {
  Trace t = Load(k580);
  ReleaseRules rules(t);
  LiveRequest r = Live(t, "NV_ESC_RM_CONTROL", "NVOS54_PARAMETERS", {}, 40);
  std::optional<RuleAnswer> a = rules.Malformed(r);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->ret, -1);
  EXPECT_EQ(a->err, EINVAL);
  EXPECT_TRUE(a->out.empty());
  EXPECT_THAT(a->rule, HasSubstr("40-byte argument (NVOS54_PARAMETERS is 32)"));
  // NVOS64 is the other struct NV_ESC_RM_ALLOC takes: not malformed.
  LiveRequest alloc64 = Live(t, "NV_ESC_RM_ALLOC", "NVOS64_PARAMETERS", {});
  EXPECT_FALSE(rules.Malformed(alloc64).has_value());
  LiveRequest version = Live(t, "NV_ESC_CHECK_VERSION_STR", "nv_ioctl_rm_api_version_t", {}, 8);
  ASSERT_TRUE(rules.Malformed(version).has_value());
  EXPECT_EQ(rules.Malformed(version)->err, EINVAL);
}

TEST(ReleaseRulesTest, ControlWithAnotherParamsSizeIsInvalidParamStruct) {
  for (const char* path : {k580, k525}) {
    Trace t = Load(path);
    ReleaseRules rules(t);
    const uint64_t cmd = *t.abi->FindConstant("NV2080_CTRL_CMD_GPU_GET_NAME_STRING");
    const uint32_t right = t.abi->FindStruct("NV2080_CTRL_GPU_GET_NAME_STRING_PARAMS")->size;
    LiveRequest r = Live(t, "NV_ESC_RM_CONTROL", "NVOS54_PARAMETERS",
                         {{"cmd", cmd}, {"params", 0x2000}, {"paramsSize", right + 4}});
    std::optional<RuleAnswer> a = rules.Malformed(r);
    ASSERT_TRUE(a.has_value()) << path;
    EXPECT_EQ(a->ret, 0);
    EXPECT_EQ(Field(t, "NVOS54_PARAMETERS", a->out, "status"),
              *t.abi->FindConstant("NV_ERR_INVALID_PARAM_STRUCT"));
    EXPECT_EQ(Field(t, "NVOS54_PARAMETERS", a->out, "paramsSize"), right + 4);  // rest kept
    LiveRequest ok = Live(t, "NV_ESC_RM_CONTROL", "NVOS54_PARAMETERS",
                          {{"cmd", cmd}, {"params", 0x2000}, {"paramsSize", right}});
    EXPECT_FALSE(rules.Malformed(ok).has_value()) << path;
  }
}

TEST(ReleaseRulesTest, DeviceAllocationNeedsTheGpusNodeOpen) {
  for (const char* path : {k580, k525}) {
    Trace t = Load(path);
    ReleaseRules rules(t);
    std::string asked;
    auto holds_none = [&](const std::string& d) { asked = d; return false; };
    std::optional<RuleAnswer> a = rules.Refused(DeviceAlloc(t, 1), holds_none);
    ASSERT_TRUE(a.has_value()) << path;
    EXPECT_EQ(asked, "/dev/nvidia1");
    EXPECT_EQ(Field(t, "NVOS21_PARAMETERS", a->out, "status"),
              *t.abi->FindConstant("NV_ERR_INSUFFICIENT_PERMISSIONS"));
    EXPECT_THAT(a->rule, HasSubstr("without /dev/nvidia1 open"));
    auto holds_all = [](const std::string&) { return true; };
    EXPECT_FALSE(rules.Refused(DeviceAlloc(t, 1), holds_all).has_value());
    // A device instance the trace does not know: no rule; the trace decides.
    EXPECT_FALSE(rules.Refused(DeviceAlloc(t, 30), holds_none).has_value());
  }
}

TEST(ReleaseRulesTest, VersionCheckFollowsTheRelease) {
  Trace t = Load(k580);
  ReleaseRules rules(t);
  const uint64_t strict = *t.abi->FindConstant("NV_RM_API_VERSION_CMD_STRICT");
  const uint64_t relaxed = *t.abi->FindConstant("NV_RM_API_VERSION_CMD_RELAXED");
  std::optional<RuleAnswer> a = rules.Unrecorded(Version(t, strict, "580.95.05"));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->ret, 0);
  EXPECT_EQ(Field(t, "nv_ioctl_rm_api_version_t", a->out, "reply"), 1u);
  a = rules.Unrecorded(Version(t, strict, "580.95.04"));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->err, EINVAL);
  EXPECT_EQ(VersionString(t, a->out), "580.95.05");
  a = rules.Unrecorded(Version(t, relaxed, "580.1"));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->ret, 0);
  a = rules.Unrecorded(Version(t, relaxed, "575.1"));
  EXPECT_EQ(a->err, EINVAL);
  a = rules.Unrecorded(Version(t, *t.abi->FindConstant("NV_RM_API_VERSION_CMD_QUERY"), ""));
  EXPECT_EQ(a->ret, 0);
  EXPECT_EQ(VersionString(t, a->out), "580.95.05");

  // Before 530 the same command value is OVERRIDE: success, the string untouched.
  Trace old = Load(k525);
  ReleaseRules old_rules(old);
  a = old_rules.Unrecorded(Version(old, '2', "anything"));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->ret, 0);
  EXPECT_EQ(VersionString(old, a->out), "anything");
  EXPECT_EQ(Field(old, "nv_ioctl_rm_api_version_t", a->out, "reply"), 1u);
}

TEST(ReleaseRulesTest, CardInfoWithAnotherEntryCount) {
  Trace t = Load(k580);  // 8 GPUs, recorded with NV_MAX_DEVICES (32) entries
  ReleaseRules rules(t);
  const size_t entry = t.abi->FindStruct("nv_ioctl_card_info_t")->size;
  auto live = [&](size_t entries, const char* device) {
    LiveRequest r = Live(t, "NV_ESC_CARD_INFO", "nv_ioctl_card_info_t", {}, entries * entry);
    r.args.in.assign(entries * entry, 0xee);
    r.device = device;
    return r;
  };
  std::optional<RuleAnswer> a = rules.Unrecorded(live(8, "/dev/nvidiactl"));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->ret, 0);
  ASSERT_EQ(a->out.size(), 8 * entry);
  EXPECT_EQ(Field(t, "nv_ioctl_card_info_t", a->out, "valid"), 1u);
  a = rules.Unrecorded(live(40, "/dev/nvidiactl"));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->ret, 0);
  EXPECT_EQ(a->out[8 * entry], 0);  // the ninth entry: cleared, not the caller's 0xee
  a = rules.Unrecorded(live(7, "/dev/nvidiactl"));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->err, EINVAL);
  EXPECT_EQ(a->out, std::vector<uint8_t>(7 * entry, 0));
  a = rules.Unrecorded(live(32, "/dev/nvidia0"));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->err, EINVAL);
}

// The replayer consults the rules: a device allocation the trace recorded as a
// success is refused when the process does not hold the node.
TEST(ReleaseRulesTest, ReplayerRefusesTheRecordedDeviceAllocationWithoutTheNode) {
  Trace t = Load(k580);
  for (bool held : {false, true}) {
    std::ostringstream diag;
    IoctlReplayer r(t, diag);
    r.set_holds_device([&](int, const std::string&) { return held; });
    RegionMemory mem;
    LiveRequest client = Live(t, "NV_ESC_RM_ALLOC", "NVOS21_PARAMETERS",
                              {{"hClass", *t.abi->FindConstant("NV01_ROOT_CLIENT")}});
    mem.regions[0x1000] = client.args.in;
    ASSERT_EQ(r.Handle("/dev/nvidiactl", client.request, 0x1000, mem, 7).ret, 0);
    uint32_t h = static_cast<uint32_t>(Field(t, "NVOS21_PARAMETERS", mem.regions[0x1000], "hObjectNew"));
    LiveRequest dev = DeviceAlloc(t, 0);
    for (const char* f : {"hRoot", "hObjectParent"})
      StoreUint(dev.args.in, dev.args.layout->Find(f)->offset, 4, h);
    StoreUint(dev.args.in, dev.args.layout->Find("paramsSize")->offset, 4, dev.args.nested[0].in.size());
    mem.regions[0x1000] = dev.args.in;
    mem.regions[0x2000] = dev.args.nested[0].in;
    ASSERT_EQ(r.Handle("/dev/nvidiactl", dev.request, 0x1000, mem, 7).ret, 0);
    uint64_t status = Field(t, "NVOS21_PARAMETERS", mem.regions[0x1000], "status");
    if (held) {
      EXPECT_EQ(status, 0u) << diag.str();
      EXPECT_EQ(r.answered_by_rule(), 0);
    } else {
      EXPECT_EQ(status, *t.abi->FindConstant("NV_ERR_INSUFFICIENT_PERMISSIONS"));
      EXPECT_EQ(r.answered_by_rule(), 1);
      EXPECT_THAT(diag.str(), HasSubstr("answered by the release's rule, pid 7"));
    }
    EXPECT_EQ(r.unmatched(), 0);
  }
}

TEST(ReleaseRulesTest, ProcessHoldsDeviceReadsTheFdTable) {
  Trace t = Load(k580);
  const char* tmp = std::getenv("TEST_TMPDIR");
  StatusOr<std::unique_ptr<FakeMachine>> m = FakeMachine::Create(t, tmp ? tmp : "/tmp");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_FALSE(ProcessHoldsDevice(getpid(), **m, "/dev/nvidia2"));
  std::optional<FakePath> node = (*m)->Find("/dev/nvidia2");
  ASSERT_TRUE(node.has_value());
  int fd = open(node->host_path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(ProcessHoldsDevice(getpid(), **m, "/dev/nvidia2"));
  EXPECT_FALSE(ProcessHoldsDevice(getpid(), **m, "/dev/nvidia3"));
  close(fd);
  EXPECT_FALSE(ProcessHoldsDevice(getpid(), **m, "/dev/nvidia2"));
}

}  // namespace
}  // namespace nvprobe::fakedrv
