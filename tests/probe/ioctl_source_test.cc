// The kernel driver sources against a scripted driver (FakeKernel) for releases on
// both sides of every layout change point the probe touches.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>

#include "abi/registry.h"
#include "probe/card_info.h"
#include "probe/full_path.h"
#include "probe/probe.h"
#include "probe/version_query.h"
#include "tests/probe/fake_kernel.h"

namespace nvprobe::probe {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::NiceMock;

ProbeOptions IoctlOnly(bool full = false) {
  ProbeOptions o;
  o.sources = {kSourceIoctl, kSourceIoctlFull};
  o.full = full;
  return o;
}

TEST(VersionQueryTest, QueryAnswersFrom530) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.Install(sys);
  int fd = sys.Open("/dev/nvidiactl", 0).value();
  std::vector<std::string> w;
  StatusOr<VersionQueryOutcome> v = QueryDriverVersion(sys, fd, w);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->version, "580.95.05");
  EXPECT_FALSE(v->strict_fallback);
  EXPECT_EQ(k.version_queries, 1);
  EXPECT_TRUE(w.empty());
}

TEST(VersionQueryTest, Pre530FallsBackToStrict) {
  NiceMock<MockSystem> sys;
  FakeKernel k("525.60.13");  // QUERY is "override" here: buffer comes back empty
  k.Install(sys);
  int fd = sys.Open("/dev/nvidiactl", 0).value();
  std::vector<std::string> w;
  StatusOr<VersionQueryOutcome> v = QueryDriverVersion(sys, fd, w);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->version, "525.60.13");
  EXPECT_TRUE(v->strict_fallback);
  EXPECT_EQ(k.version_queries, 2);
}

TEST(VersionQueryTest, VersionWithoutNulIsAWarningNotAnOverread) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.version_no_nul = true;  // 64 bytes of "580.95.05xxxxx..." and no terminator
  k.Install(sys);
  int fd = sys.Open("/dev/nvidiactl", 0).value();
  std::vector<std::string> w;
  StatusOr<VersionQueryOutcome> v = QueryDriverVersion(sys, fd, w);
  EXPECT_FALSE(v.ok());
  ASSERT_FALSE(w.empty());
  EXPECT_THAT(w[0], HasSubstr("versionString has no NUL"));
}

TEST(VersionQueryTest, GarbageVersionIsAnErrorNamingTheField) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.version = "\x01\xff garbage";
  k.Install(sys);
  int fd = sys.Open("/dev/nvidiactl", 0).value();
  std::vector<std::string> w;
  EXPECT_FALSE(QueryDriverVersion(sys, fd, w).ok());
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("nv_ioctl_rm_api_version_t.versionString"));
}

TEST(VersionQueryTest, BothCommandsFailing) {
  NiceMock<MockSystem> sys;
  ON_CALL(sys, Ioctl).WillByDefault(::testing::Return(IoctlResult{-1, ENOTTY}));
  std::vector<std::string> w;
  StatusOr<VersionQueryOutcome> v = QueryDriverVersion(sys, 3, w);
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(v.status().message(), HasSubstr("QUERY failed"));
  EXPECT_THAT(v.status().message(), HasSubstr("STRICT failed"));
}

TEST(CardInfoTest, ListsValidEntriesAndRejectsBadOnes) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.gpus.push_back(FakeGpu{.bus = 0x5e, .device_id = 0x1b06, .minor = 1});
  k.gpus.push_back(FakeGpu{.bus = 0x86, .minor = 300});  // bad minor
  k.Install(sys);
  auto abi = abi::Registry::Default().AbiOf(abi::DriverVersion::Parse("580.95.05").value()).value();
  int fd = sys.Open("/dev/nvidiactl", 0).value();
  std::vector<std::string> w;
  StatusOr<std::vector<CardInfo>> cards = ReadCardInfo(sys, fd, *abi, w);
  ASSERT_TRUE(cards.ok());
  ASSERT_EQ(cards->size(), 2u);
  EXPECT_EQ((*cards)[0].BusId(), "0000:3b:00.0");
  EXPECT_EQ((*cards)[1].device_id, 0x1b06);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("nv_ioctl_card_info_t[2].minor_number"));
}

TEST(CardInfoTest, IoctlFailure) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.card_info_errno = EINVAL;
  k.Install(sys);
  ProbeResult r = RunProbe(sys, IoctlOnly());
  EXPECT_EQ(*r.driver.version, "580.95.05");
  EXPECT_THAT(r.sources_tried[0].error, HasSubstr("NV_ESC_CARD_INFO failed"));
  EXPECT_TRUE(k.open_fds.empty());
}

TEST(CardInfoTest, NoRetryAfterAnErrorOtherThanEinval) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.card_info_errno = EIO;
  k.Install(sys);
  RunProbe(sys, IoctlOnly());
  EXPECT_THAT(k.card_info_entries, ElementsAre(32u));
}

// More GPUs than NV_MAX_DEVICES: the 32-entry call fails with EINVAL and a second
// call with as many entries as one ioctl carries (16383 / 72 = 227) lists them all.
TEST(CardInfoTest, MoreGpusThanNvMaxDevicesTakesOneLargerCall) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  for (uint32_t i = 1; i < 64; ++i)
    k.gpus.push_back(FakeGpu{.bus = i, .minor = i});
  k.Install(sys);
  ProbeResult r = RunProbe(sys, IoctlOnly());
  EXPECT_THAT(k.card_info_entries, ElementsAre(32u, 227u));
  ASSERT_EQ(r.gpus.size(), 64u);
  EXPECT_EQ(*r.gpus[63].pci_bus_id, "0000:3f:00.0");
  EXPECT_EQ(*r.gpus[63].minor, 63u);
  EXPECT_TRUE(r.sources_tried[0].ok);
}

TEST(CardInfoTest, MoreGpusThanOneIoctlCarriesIsAnError) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  for (uint32_t i = 1; i < 228; ++i)
    k.gpus.push_back(FakeGpu{.bus = i % 256, .slot = i / 256, .minor = i % 255});
  k.Install(sys);
  ProbeResult r = RunProbe(sys, IoctlOnly());
  EXPECT_THAT(k.card_info_entries, ElementsAre(32u, 227u));
  EXPECT_THAT(r.sources_tried[0].error, HasSubstr("NV_ESC_CARD_INFO failed: Invalid argument (227 entries)"));
  EXPECT_TRUE(r.gpus.empty());
}

// 228 GPUs or more: EINVAL to 227 entries too, so no card-info call can list them
// (nv.c:nvidia_ioctl() caps the argument). The GPUs come from the driver's files;
// the probe says why the kernel driver listed none, and --full says why it did not
// run (it opens each GPU by the minor card info gives) instead of leaving memory
// null without a word.
TEST(CardInfoTest, MoreGpusThanOneIoctlCarriesSaysWhyAndWhyTheFullPathDidNotRun) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  std::vector<std::string> dirs;
  k.gpus[0].bus = 0x10;
  for (uint32_t i = 0; i < 228; ++i) {
    if (i > 0) k.gpus.push_back(FakeGpu{.domain = i / 200, .bus = 0x10 + i % 200, .minor = i});
    const FakeGpu& g = k.gpus.back();
    char bus[16];
    std::snprintf(bus, sizeof(bus), "%04x:%02x:00.0", g.domain, g.bus);
    dirs.push_back(bus);
    k.files[std::string("/proc/driver/nvidia/gpus/") + bus + "/information"] =
        "Model: \t\t NVIDIA H100 80GB HBM3\nDevice Minor: \t " + std::to_string(g.minor) + "\n";
  }
  k.dirs["/proc/driver/nvidia/gpus"] = dirs;
  k.files["/proc/driver/nvidia/version"] =
      "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.95.05  Release Build\n";
  k.Install(sys);
  for (bool full : {false, true}) {
    SCOPED_TRACE(full ? "--full" : "fast path");
    k.card_info_entries.clear();
    ProbeOptions o;
    o.full = full;
    ProbeResult r = RunProbe(sys, o);
    EXPECT_THAT(k.card_info_entries, ElementsAre(32u, 227u));
    EXPECT_EQ(ExitStatusOf(r), kExitFound);
    ASSERT_EQ(r.gpus.size(), 228u);
    EXPECT_EQ(r.gpus[227].source, kSourceFiles);
    EXPECT_EQ(*r.gpus[227].minor, 227u);
    EXPECT_FALSE(r.gpus[227].memory_mib.has_value());
    EXPECT_EQ(k.gpu_opens, 0);
    EXPECT_TRUE(k.calls.empty());  // no RM client: nothing to ask it about
    EXPECT_TRUE(k.open_fds.empty());
    std::string warnings;
    for (const std::string& w : r.warnings) warnings += w + "\n";
    EXPECT_THAT(warnings, HasSubstr("ioctl: NV_ESC_CARD_INFO failed: Invalid argument (227 entries): "
                                    "the driver has more GPUs than one card-info call carries "
                                    "(227 entries of 72 bytes) and lists none"));
    EXPECT_THAT(warnings, HasSubstr("the full path (memory) cannot run"));
    std::vector<std::string> names;
    for (const SourceReport& s : r.sources_tried) names.push_back(s.source);
    if (!full) {
      EXPECT_THAT(names, ElementsAre("ioctl", "files", "nvidia-smi"));
      continue;
    }
    ASSERT_THAT(names, ElementsAre("ioctl", "ioctl-full", "files", "nvidia-smi"));
    const SourceReport& f = r.sources_tried[1];
    EXPECT_FALSE(f.ok);
    EXPECT_FALSE(f.skipped);
    EXPECT_THAT(f.error, HasSubstr("not run: the kernel driver listed no GPU to open (it has more "
                                   "GPUs than one NV_ESC_CARD_INFO call carries); memory is unknown"));
  }
}

// A card-info failure of another kind (EIO) is the ioctl source's error only, as
// before: the fault corpus's expected answers list no ioctl-full there.
TEST(CardInfoTest, OtherCardInfoFailuresAddNoFullPathReport) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.card_info_errno = EIO;
  k.Install(sys);
  ProbeResult r = RunProbe(sys, IoctlOnly(/*full=*/true));
  ASSERT_EQ(r.sources_tried.size(), 1u);
  EXPECT_THAT(r.sources_tried[0].error, HasSubstr("NV_ESC_CARD_INFO failed: Input/output error (32 entries)"));
  EXPECT_TRUE(r.warnings.empty());
}

TEST(FastPathTest, NeverOpensAGpuAndGetsCapabilityFromTheTable) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.Install(sys);
  ProbeResult r = RunProbe(sys, IoctlOnly());
  EXPECT_EQ(k.gpu_opens, 0);
  EXPECT_TRUE(k.calls.empty());  // no RM object at all
  ASSERT_EQ(r.gpus.size(), 1u);
  const GpuInfo& g = r.gpus[0];
  EXPECT_EQ(*g.compute_capability, "9.0");
  EXPECT_EQ(*g.compute_capability_source, "pci_table");
  EXPECT_EQ(*g.chip, "GH100");
  EXPECT_EQ(*g.architecture, "Hopper");
  EXPECT_FALSE(g.uuid.has_value());
  EXPECT_FALSE(g.memory_mib.has_value());
  EXPECT_EQ(*r.driver.cuda, "13.0");
  EXPECT_TRUE(k.open_fds.empty());
}

// The full path on both sides of NVOS21's status move (535.43.02) and of the
// name-string shrink (595.44.02), and on a pre-530 release.
class FullPathTest : public ::testing::TestWithParam<const char*> {};

TEST_P(FullPathTest, LearnsEverythingAndFreesEverything) {
  NiceMock<MockSystem> sys;
  FakeKernel k(GetParam());
  k.gpus.push_back(FakeGpu{.bus = 0x5e, .device_id = 0x1b06, .minor = 1, .arch = 0x130,
                           .impl = 2, .sm_version = 0x0601, .name = "NVIDIA GeForce GTX 1080 Ti",
                           .uuid = "GPU-aaaaaaaa-1234-1234-1234-123456789abc",
                           .fb_kib = 11264u * 1024u});
  k.Install(sys);
  ProbeResult r = RunProbe(sys, IoctlOnly(/*full=*/true));
  ASSERT_EQ(r.gpus.size(), 2u);
  const GpuInfo& h = r.gpus[0];
  EXPECT_EQ(h.source, kSourceIoctlFull);
  EXPECT_EQ(*h.compute_capability, "9.0");
  EXPECT_EQ(*h.compute_capability_source, "sm_version");
  EXPECT_EQ(*h.name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(*h.uuid, "GPU-12345678-1234-1234-1234-123456789abc");
  EXPECT_EQ(*h.memory_mib, 81559u);
  EXPECT_EQ(*h.pci_subsystem_id, 0x16c110deu);
  EXPECT_EQ(*h.pci_revision_id, 0xa1);
  EXPECT_EQ(*h.chip, "GH100");
  const GpuInfo& p = r.gpus[1];
  EXPECT_EQ(*p.compute_capability, "6.1");
  EXPECT_EQ(*p.chip, "GP102");
  EXPECT_EQ(*p.architecture, "Pascal");
  EXPECT_EQ(*p.memory_mib, 11264u);
  EXPECT_TRUE(k.live_objects.empty()) << "every RM object freed";
  EXPECT_TRUE(k.open_fds.empty()) << "every fd closed";
  // 515.43.04's headers name no GH100 architecture: that is a warning there only.
  if (std::string(GetParam()) != "515.43.04") {
    for (const std::string& w : r.warnings) EXPECT_EQ(w.find("ioctl-full"), std::string::npos) << w;
  }
  // The name-string params are the running release's size.
  auto abi = abi::Registry::Default().AbiOf(abi::Registry::Default().Resolve(GetParam())->release).value();
  EXPECT_EQ(k.control_params_size["NV2080_CTRL_CMD_GPU_GET_NAME_STRING"],
            abi->Struct("NV2080_CTRL_GPU_GET_NAME_STRING_PARAMS").value()->size);
}

INSTANTIATE_TEST_SUITE_P(Releases, FullPathTest,
                         ::testing::Values("515.43.04", "525.60.13", "530.41.03", "535.43.02",
                                           "580.95.05", "590.44.01", "595.44.02", "595.45.04"));

TEST(FullPathTest, NameStringParamsShrinkAt595) {
  auto size = [](const char* v) {
    return abi::Registry::Default().AbiOf(abi::DriverVersion::Parse(v).value()).value()
        ->Struct("NV2080_CTRL_GPU_GET_NAME_STRING_PARAMS").value()->size;
  };
  EXPECT_EQ(size("590.44.01"), 132u);
  EXPECT_EQ(size("595.44.02"), 68u);
}

TEST(FullPathTest, UnknownDeviceTriggersFullPathForThatGpuOnly) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.gpus.push_back(FakeGpu{.bus = 0x5e, .device_id = 0x3fff, .minor = 1, .arch = 0x1b0,
                           .impl = 2, .sm_version = 0x0c00});
  k.Install(sys);
  ProbeResult r = RunProbe(sys, IoctlOnly());
  EXPECT_EQ(k.gpu_opens, 1);
  ASSERT_EQ(r.gpus.size(), 2u);
  EXPECT_EQ(r.gpus[0].source, kSourceIoctl);
  EXPECT_EQ(r.gpus[1].source, kSourceIoctlFull);
  EXPECT_EQ(*r.gpus[1].compute_capability, "12.0");
  EXPECT_EQ(*r.gpus[1].chip, "GB202");
  EXPECT_TRUE(k.live_objects.empty());
  EXPECT_TRUE(k.open_fds.empty());
}

struct FailureCase {
  const char* what;
  std::map<std::string, uint32_t> fail_alloc;
  std::map<std::string, uint32_t> fail_control;
};

class FullPathFailureTest : public ::testing::TestWithParam<FailureCase> {};

TEST_P(FullPathFailureTest, FreesAndClosesOnEveryErrorPath) {
  for (const char* v : {"530.41.03", "580.95.05"}) {
    NiceMock<MockSystem> sys;
    FakeKernel k(v);
    k.fail_alloc = GetParam().fail_alloc;
    k.fail_control = GetParam().fail_control;
    k.Install(sys);
    ProbeResult r = RunProbe(sys, IoctlOnly(true));
    EXPECT_TRUE(k.live_objects.empty()) << GetParam().what << " " << v;
    EXPECT_TRUE(k.open_fds.empty()) << GetParam().what << " " << v;
    ASSERT_EQ(r.gpus.size(), 1u);
    // The fast path's answer survives a failing full path.
    EXPECT_EQ(*r.gpus[0].compute_capability, "9.0");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FullPathFailureTest,
    ::testing::Values(FailureCase{"root client", {{"NV01_ROOT_CLIENT", 0x1b}}, {}},
                      FailureCase{"device", {{"NV01_DEVICE_0", 0x1b}}, {}},
                      FailureCase{"subdevice", {{"NV20_SUBDEVICE_0", 0x1f}}, {}},
                      FailureCase{"sm version", {}, {{"NV2080_CTRL_CMD_GPU_GET_INFO", 0x56}}},
                      FailureCase{"every control",
                                  {},
                                  {{"NV2080_CTRL_CMD_GPU_GET_INFO", 0x56},
                                   {"NV2080_CTRL_CMD_FB_GET_INFO", 0x56},
                                   {"NV2080_CTRL_CMD_MC_GET_ARCH_INFO", 0x56},
                                   {"NV2080_CTRL_CMD_GPU_GET_NAME_STRING", 0x56},
                                   {"NV2080_CTRL_CMD_GPU_GET_GID_INFO", 0x56},
                                   {"NV2080_CTRL_CMD_BUS_GET_PCI_INFO", 0x56},
                                   {"NV0000_CTRL_CMD_GPU_GET_ID_INFO_V2", 0x56}}}));

TEST(FullPathTest, ControlFailureIsAWarningNamingTheStatus) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.fail_control = {{"NV2080_CTRL_CMD_GPU_GET_GID_INFO", 0x56}};
  k.Install(sys);
  ProbeResult r = RunProbe(sys, IoctlOnly(true));
  ASSERT_EQ(r.gpus.size(), 1u);
  EXPECT_FALSE(r.gpus[0].uuid.has_value());
  EXPECT_TRUE(r.gpus[0].name.has_value());
  bool named = false;
  for (const std::string& w : r.warnings) named |= w.find("NV_ERR_NOT_SUPPORTED") != std::string::npos;
  EXPECT_TRUE(named);
}

TEST(FullPathTest, BadDriverDataBecomesWarnings) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.gpus[0].arch = 0x990;        // unknown architecture
  k.gpus[0].sm_version = 0x7777;  // not a capability
  k.gpus[0].uuid = "garbage\x01";
  k.gpus[0].name = "";
  k.Install(sys);
  ProbeResult r = RunProbe(sys, IoctlOnly(true));
  ASSERT_EQ(r.gpus.size(), 1u);
  std::string all;
  for (const std::string& w : r.warnings) all += w + "\n";
  EXPECT_THAT(all, HasSubstr("NV2080_CTRL_MC_GET_ARCH_INFO_PARAMS.architecture 0x990"));
  EXPECT_THAT(all, HasSubstr("GPU_SM_VERSION"));
  EXPECT_THAT(all, HasSubstr("NV2080_CTRL_GPU_GET_GID_INFO_PARAMS.data"));
  EXPECT_THAT(all, HasSubstr("gpuNameString"));
  EXPECT_FALSE(r.gpus[0].uuid.has_value());
  // The table still answers the capability; never the driver's garbage.
  EXPECT_EQ(*r.gpus[0].compute_capability, "9.0");
  EXPECT_EQ(*r.gpus[0].compute_capability_source, "pci_table");
}

TEST(ArchNameTest, NamesChipsFromTheReleaseConstants) {
  auto abi = abi::Registry::Default().AbiOf(abi::DriverVersion::Parse("580.95.05").value()).value();
  EXPECT_EQ(*NameArchitecture(*abi, 0x170, 2).chip, "GA102");
  EXPECT_EQ(*NameArchitecture(*abi, 0x190, 1).chip, "AD101");
  EXPECT_EQ(*NameArchitecture(*abi, 0x1a0, 2).chip, "GB102");
  EXPECT_EQ(*NameArchitecture(*abi, 0x1b0, 2).chip, "GB202");
  EXPECT_EQ(*NameArchitecture(*abi, 0x180, 0).architecture, "Hopper");
  EXPECT_EQ(*NameArchitecture(*abi, 0x180, 0).chip, "GH100");
  EXPECT_FALSE(NameArchitecture(*abi, 0x12345, 0).architecture.has_value());
}

}  // namespace
}  // namespace nvprobe::probe
