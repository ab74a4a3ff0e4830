// The files and nvidia-smi sources, the merge of all sources, and the fallbacks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "probe/files_source.h"
#include "probe/probe.h"
#include "probe/smi_source.h"
#include "tests/probe/fake_kernel.h"

namespace nvprobe::probe {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using ::testing::NiceMock;
using ::testing::Return;

constexpr char kOpenProc[] =
    "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  595.45.04  Release Build  "
    "(dvs-builder@U22-I3-AF03-09-1)  Sat Jan 24 00:00:00 UTC 2026\nGCC version:  gcc 12\n";
constexpr char kProprietaryProc[] =
    "NVRM version: NVIDIA UNIX x86_64 Kernel Module  570.124.06  Wed Feb 26 23:00:00 UTC 2025\n"
    "GCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n";
constexpr char kInformation[] =
    "Model: \t\t NVIDIA H100 80GB HBM3\nIRQ:   \t\t 146\n"
    "GPU UUID: \t\t GPU-12345678-1234-1234-1234-123456789abc\nVideo BIOS: \t\t ??.??.??.??.??\n"
    "Bus Type: \t\t PCIe\nDMA Size: \t\t 52 bits\nBus Location: \t\t 0000:3b:00.0\n"
    "Device Minor: \t\t 0\nGPU Excluded:\t\t No\n";

void AddFiles(FakeKernel& k, const std::string& proc) {
  k.files["/proc/driver/nvidia/version"] = proc;
  k.dirs["/proc/driver/nvidia/gpus"] = {"0000:3b:00.0"};
  k.files["/proc/driver/nvidia/gpus/0000:3b:00.0/information"] = kInformation;
  k.dirs["/sys/bus/pci/devices"] = {"0000:3b:00.0", "0000:00:1f.0"};
  std::string d = "/sys/bus/pci/devices/0000:3b:00.0/";
  k.files[d + "vendor"] = "0x10de\n";
  k.files[d + "class"] = "0x030200\n";
  k.files[d + "device"] = "0x2330\n";
  k.files[d + "subsystem_vendor"] = "0x10de\n";
  k.files[d + "subsystem_device"] = "0x16c1\n";
  k.files[d + "revision"] = "0xa1\n";
  k.files["/sys/bus/pci/devices/0000:00:1f.0/vendor"] = "0x8086\n";
}

template <typename F>
ProbeOptions Opt(F f) {
  ProbeOptions o;
  f(o);
  return o;
}

TEST(FilesTest, ProcVersionBothFormats) {
  EXPECT_EQ(*ParseProcVersion(kOpenProc), "595.45.04");
  EXPECT_EQ(*ParseProcVersion(kProprietaryProc), "570.124.06");
  EXPECT_FALSE(ParseProcVersion("NVRM version: nothing here\n").has_value());
  EXPECT_FALSE(ParseProcVersion(std::string("\xff\x00\x01garbage", 10)).has_value());
  EXPECT_FALSE(ParseProcVersion("NVRM vers").has_value());  // truncated
}

TEST(FilesTest, BusIdNormalisation) {
  EXPECT_EQ(*NormalizeBusId("00000000:3B:00.0"), "0000:3b:00.0");
  EXPECT_EQ(*NormalizeBusId("0000:3b:00.0"), "0000:3b:00.0");
  EXPECT_FALSE(NormalizeBusId("0000:3b:00").has_value());
  EXPECT_FALSE(NormalizeBusId("zzzz:3b:00.0").has_value());
  EXPECT_FALSE(NormalizeBusId("0000:3b:40.0").has_value());
}

TEST(FilesTest, ReadsEveryFile) {
  NiceMock<MockSystem> sys;
  FakeKernel k("595.45.04");
  AddFiles(k, kOpenProc);
  k.files["/sys/module/nvidia/version"] = "595.45.04\n";
  k.Install(sys);
  std::vector<std::string> w;
  FilesFindings f = ReadDriverFiles(sys, w);
  EXPECT_EQ(*f.sys_module_version, "595.45.04");
  EXPECT_EQ(*f.proc_version, "595.45.04");
  ASSERT_EQ(f.gpus.size(), 1u);
  EXPECT_EQ(*f.gpus[0].name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(*f.gpus[0].uuid, "GPU-12345678-1234-1234-1234-123456789abc");
  EXPECT_EQ(*f.gpus[0].minor, 0u);
  EXPECT_EQ(*f.gpus[0].pci_device_id, 0x2330);
  EXPECT_EQ(*f.gpus[0].pci_subsystem_id, 0x16c110deu);
  EXPECT_TRUE(w.empty());
}

// A 1 MB "Model:" line (read up to the files' 64 KiB cap) is not a 65,526-byte name.
TEST(FilesTest, OverlongModelIsTruncatedWithAWarning) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  AddFiles(k, kOpenProc);
  const std::string info = "/proc/driver/nvidia/gpus/0000:3b:00.0/information";
  k.files[info] = "Model: \t\t " + std::string(1 << 20, 'M') + "\n";
  k.Install(sys);
  std::vector<std::string> w;
  FilesFindings f = ReadDriverFiles(sys, w);
  ASSERT_EQ(f.gpus.size(), 1u);
  ASSERT_EQ(f.gpus[0].name->size(), 95u);  // (not printing 64 KB when it fails)
  EXPECT_EQ(*f.gpus[0].name, std::string(95, 'M'));
  EXPECT_THAT(w, ::testing::ElementsAre("files: " + info +
                                        ": field \"Model\" is 65526 bytes long; truncated to 95 bytes"));
}

TEST(FilesTest, BadFilesBecomeWarningsNamingTheFileAndField) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  AddFiles(k, "NVRM version: NVIDIA UNIX x86_64 Kernel Module  5");  // truncated
  k.files["/sys/module/nvidia/version"] = std::string("\x00\x01\x02", 3);
  k.files["/proc/driver/nvidia/gpus/0000:3b:00.0/information"] =
      "Model: X\nGPU UUID: \t zzz\nDevice Minor: 999\n";
  k.files["/sys/bus/pci/devices/0000:3b:00.0/device"] = "0xnothex\n";
  k.dirs["/proc/driver/nvidia/gpus"].push_back("not-a-bus-id");
  k.Install(sys);
  std::vector<std::string> w;
  FilesFindings f = ReadDriverFiles(sys, w);
  EXPECT_FALSE(f.sys_module_version.has_value());
  EXPECT_FALSE(f.proc_version.has_value());
  std::string all;
  for (const std::string& s : w) all += s + "\n";
  EXPECT_THAT(all, HasSubstr("/sys/module/nvidia/version does not hold a version"));
  EXPECT_THAT(all, HasSubstr("/proc/driver/nvidia/version: no version"));
  EXPECT_THAT(all, HasSubstr("field \"GPU UUID\""));
  EXPECT_THAT(all, HasSubstr("field \"Device Minor\""));
  EXPECT_THAT(all, HasSubstr("0000:3b:00.0/device is not a hex number"));
  EXPECT_THAT(all, HasSubstr("not-a-bus-id is not a PCI bus ID"));
}

TEST(SmiTest, ParsesEveryLineAndChecksTheyAgree) {
  std::vector<std::string> w;
  StatusOr<SmiFindings> f = ParseSmiOutput(
      "580.95.05, NVIDIA H100 80GB HBM3, 00000000:3B:00.0, GPU-aaa, 9.0, 81559\n"
      "580.95.05, NVIDIA GeForce GTX 1080 Ti, 00000000:5E:00.0, GPU-bbb, 6.1, 11264\n",
      true, w);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(*f->driver_version, "580.95.05");
  ASSERT_EQ(f->gpus.size(), 2u);
  EXPECT_EQ(*f->gpus[1].pci_bus_id, "0000:5e:00.0");
  EXPECT_EQ(*f->gpus[1].compute_capability, "6.1");
  EXPECT_EQ(*f->gpus[0].memory_mib, 81559u);

  StatusOr<SmiFindings> bad = ParseSmiOutput(
      "580.95.05, A, 00000000:3B:00.0, GPU-aaa, 9.0, 1\n570.124.06, B, 00000000:5E:00.0, GPU-b, 9.0, 1\n",
      true, w);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(bad.status().message(), HasSubstr("disagree on driver_version"));
  EXPECT_FALSE(ParseSmiOutput("garbage\n", true, w).ok());
  EXPECT_FALSE(ParseSmiOutput("", true, w).ok());
}

TEST(SmiTest, SearchesPathThenWslAndRetriesWithoutComputeCap) {
  NiceMock<MockSystem> sys;
  std::vector<std::vector<std::string>> runs;
  ON_CALL(sys, Run(_, _, _))
      .WillByDefault([&](const std::vector<std::string>& argv, auto, size_t) -> StatusOr<CommandResult> {
        runs.push_back(argv);
        if (argv[0] != "/usr/lib/wsl/lib/nvidia-smi") return NotFoundError(argv[0]);
        if (argv[1].find("compute_cap") != std::string::npos)
          return CommandResult{2, false, "Field \"compute_cap\" is not a valid field to query.\n"};
        return CommandResult{0, false, "470.82.01, Tesla T4, 00000000:00:04.0, GPU-x, 15360\n"};
      });
  std::vector<std::string> w;
  StatusOr<SmiFindings> f = RunNvidiaSmi(sys, "/usr/bin:relative:/bin", std::chrono::seconds(1), w);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->binary, "/usr/lib/wsl/lib/nvidia-smi");
  EXPECT_EQ(*f->driver_version, "470.82.01");
  ASSERT_EQ(runs.size(), 4u);  // /usr/bin, /bin, wsl with compute_cap, wsl without
  EXPECT_EQ(runs[0][0], "/usr/bin/nvidia-smi");
  EXPECT_EQ(runs[1][0], "/bin/nvidia-smi");
}

// As a shell's PATH search: a nvidia-smi that cannot be run (no execute
// permission, a directory) is skipped; it is the answer only when nothing else runs.
TEST(SmiTest, SkipsACandidateThatCannotBeRun) {
  NiceMock<MockSystem> sys;
  std::vector<std::string> runs;
  ON_CALL(sys, Run(_, _, _))
      .WillByDefault([&](const std::vector<std::string>& argv, auto, size_t) -> StatusOr<CommandResult> {
        runs.push_back(argv[0]);
        if (argv[0] == "/a/nvidia-smi") return PermissionDeniedError("/a/nvidia-smi: Permission denied");
        if (argv[0] == "/b/nvidia-smi") return PermissionDeniedError("/b/nvidia-smi: is a directory");
        if (argv[0] == "/c/nvidia-smi")
          return CommandResult{0, false, "580.95.05, NVIDIA H100 80GB HBM3, 00000000:3B:00.0, GPU-a, 9.0, 81559\n"};
        return NotFoundError(argv[0]);
      });
  std::vector<std::string> w;
  StatusOr<SmiFindings> f = RunNvidiaSmi(sys, "/a:/b:/c", std::chrono::seconds(1), w);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->binary, "/c/nvidia-smi");
  EXPECT_THAT(runs, ::testing::ElementsAre("/a/nvidia-smi", "/b/nvidia-smi", "/c/nvidia-smi"));

  StatusOr<SmiFindings> none = RunNvidiaSmi(sys, "/a:/b", std::chrono::seconds(1), w);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(none.status().message(),
            "nvidia-smi: /a/nvidia-smi: Permission denied (and no other nvidia-smi in PATH or "
            "/usr/lib/wsl/lib/nvidia-smi)");
}

TEST(SmiTest, KilledBySignalIsReportedByName) {
  NiceMock<MockSystem> sys;
  CommandResult killed;
  killed.signal = 9;
  ON_CALL(sys, Run(_, _, _)).WillByDefault(Return(StatusOr<CommandResult>(killed)));
  std::vector<std::string> w;
  StatusOr<SmiFindings> f = RunNvidiaSmi(sys, "/usr/bin", std::chrono::seconds(1), w);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(), "/usr/bin/nvidia-smi was killed by signal 9 (SIGKILL)");
  EXPECT_EQ(RunNvidiaSmi(sys, "/usr/bin", std::chrono::seconds(1), w).status().message(),
            "/usr/bin/nvidia-smi was killed by signal 9 (SIGKILL)");
  ON_CALL(sys, Run(_, _, _))
      .WillByDefault(Return(StatusOr<CommandResult>(CommandResult{3, false, "No devices were found\n"})));
  EXPECT_EQ(RunNvidiaSmi(sys, "/usr/bin", std::chrono::seconds(1), w).status().message(),
            "/usr/bin/nvidia-smi exited with status 3: No devices were found");
}

// NVIDIA's names fit NVML's 96-byte buffer: a longer one is cut, with a warning.
TEST(SmiTest, OverlongNameIsTruncatedWithAWarning) {
  std::vector<std::string> w;
  const std::string name = "NVIDIA " + std::string(200000, 'X');
  StatusOr<SmiFindings> f = ParseSmiOutput(
      "580.95.05, " + name + ", 00000000:3B:00.0, GPU-a, 9.0, 81559\n", true, w);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->gpus[0].name->size(), 95u);  // (not printing 200 KB when it fails)
  EXPECT_EQ(*f->gpus[0].name, name.substr(0, 95));
  EXPECT_THAT(w, ::testing::ElementsAre(
                     "nvidia-smi: line 1: field name is 200007 bytes long; truncated to 95 bytes"));
  // Never inside a UTF-8 character: 94 ASCII bytes then a 2-byte one.
  w.clear();
  f = ParseSmiOutput("580.95.05, " + std::string(94, 'a') + "\xc3\xa9\xc3\xa9, 00000000:3B:00.0, GPU-a, 9.0, 1\n",
                     true, w);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f->gpus[0].name, std::string(94, 'a'));
  EXPECT_EQ(w.size(), 1u);
  // A name of exactly 95 bytes is kept whole, silently.
  w.clear();
  f = ParseSmiOutput("580.95.05, " + std::string(95, 'n') + ", 00000000:3B:00.0, GPU-a, 9.0, 1\n", true, w);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->gpus[0].name->size(), 95u);
  EXPECT_TRUE(w.empty());
}

TEST(SmiTest, TimeoutIsReported) {
  NiceMock<MockSystem> sys;
  ON_CALL(sys, Run(_, _, _)).WillByDefault(Return(StatusOr<CommandResult>(CommandResult{-1, true, ""})));
  std::vector<std::string> w;
  StatusOr<SmiFindings> f = RunNvidiaSmi(sys, "/usr/bin", std::chrono::milliseconds(50), w);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kDeadlineExceeded);
}

TEST(ProbeTest, KernelDriverWinsOverStaleFiles) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  AddFiles(k, kProprietaryProc);  // 570.124.06: upgraded without a reboot
  k.Install(sys);
  ProbeResult r = RunProbe(sys, ProbeOptions{});
  EXPECT_EQ(*r.driver.version, "580.95.05");
  EXPECT_EQ(r.driver.source, kSourceIoctl);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_THAT(r.warnings[0], HasSubstr("/proc/driver/nvidia/version says 570.124.06"));
  // The fast path reads no GPU file: what it cannot learn stays null.
  ASSERT_EQ(r.gpus.size(), 1u);
  EXPECT_FALSE(r.gpus[0].uuid.has_value());
  EXPECT_EQ(r.sources_tried.size(), 3u);
  EXPECT_TRUE(r.sources_tried[2].skipped);  // nvidia-smi not needed
  EXPECT_EQ(ExitStatusOf(r), kExitFound);
  // --details: the files fill it, for the same bus ID.
  ProbeResult d = RunProbe(sys, Opt([](ProbeOptions& o) { o.details = true; }));
  ASSERT_EQ(d.gpus.size(), 1u);
  EXPECT_EQ(d.gpus[0].uuid.value_or(""), "GPU-12345678-1234-1234-1234-123456789abc");
  EXPECT_EQ(d.gpus[0].source, kSourceIoctl);
}

// The fast path's cost may not grow with the GPU count: with the GPUs listed by
// the driver it opens no per-GPU file and lists no GPU directory. --details does.
TEST(ProbeTest, FastPathReadsNoGpuFileWhenTheDriverListsTheGpus) {
  for (const bool details : {false, true}) {
    NiceMock<MockSystem> sys;
    FakeKernel k("580.95.05");
    for (uint32_t i = 1; i < 8; ++i) k.gpus.push_back(FakeGpu{.bus = 0x3b + i, .minor = i});
    AddFiles(k, kOpenProc);
    k.Install(sys);
    const int per_gpu = details ? 1 : 0;
    EXPECT_CALL(sys, ReadFile(_, _)).Times(::testing::AnyNumber());
    EXPECT_CALL(sys, ListDir(_)).Times(::testing::AnyNumber());
    EXPECT_CALL(sys, ReadFile(::testing::StartsWith("/proc/driver/nvidia/gpus/"), _))
        .Times(details ? ::testing::AtLeast(1) : ::testing::Exactly(0));
    EXPECT_CALL(sys, ListDir("/sys/bus/pci/devices")).Times(per_gpu);
    EXPECT_CALL(sys, ListDir("/proc/driver/nvidia/gpus")).Times(per_gpu);
    ProbeResult r = RunProbe(sys, Opt([&](ProbeOptions& o) { o.details = details; }));
    ASSERT_EQ(r.gpus.size(), 8u) << details;
    EXPECT_EQ(r.gpus[0].name.has_value(), details);
  }
}

TEST(ProbeTest, PermissionDeniedFallsBackToFilesAndSaysHowToFix) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.ctl_permission_denied = true;
  AddFiles(k, kOpenProc);
  k.Install(sys);
  ProbeResult r = RunProbe(sys, ProbeOptions{});
  EXPECT_EQ(*r.driver.version, "595.45.04");
  EXPECT_EQ(r.driver.source, kSourceFiles);
  EXPECT_THAT(r.sources_tried[0].error, HasSubstr("video"));
  ASSERT_EQ(r.gpus.size(), 1u);
  EXPECT_EQ(*r.gpus[0].compute_capability, "9.0");
  EXPECT_EQ(ExitStatusOf(r), kExitFound);
}

TEST(ProbeTest, PermissionDeniedAndNothingElseIsAnError) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.ctl_permission_denied = true;
  k.Install(sys);
  EXPECT_EQ(ExitStatusOf(RunProbe(sys, ProbeOptions{})), kExitError);
}

TEST(ProbeTest, Wsl2IsRecognized) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.has_ctl = false;
  k.dirs["/dev"] = {"null", "dxg"};
  k.Install(sys);
  ON_CALL(sys, Run(_, _, _))
      .WillByDefault([](const std::vector<std::string>& argv, auto, size_t) -> StatusOr<CommandResult> {
        if (argv[0] != "/usr/lib/wsl/lib/nvidia-smi") return NotFoundError(argv[0]);
        return CommandResult{0, false, "581.42, NVIDIA GeForce RTX 4090, 00000000:01:00.0, GPU-w, 8.9, 24564\n"};
      });
  ProbeResult r = RunProbe(sys, Opt([](ProbeOptions& o) { o.path_env = "/usr/bin"; }));
  EXPECT_EQ(r.platform, "wsl2");
  EXPECT_THAT(r.sources_tried[0].error, HasSubstr("WSL2"));
  EXPECT_EQ(*r.driver.version, "581.42");
  EXPECT_EQ(r.driver.source, kSourceSmi);
  ASSERT_EQ(r.gpus.size(), 1u);
  EXPECT_EQ(*r.gpus[0].compute_capability, "8.9");
}

TEST(ProbeTest, NoDriverAnywhere) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.has_ctl = false;
  k.Install(sys);
  ProbeResult r = RunProbe(sys, Opt([](ProbeOptions& o) { o.path_env = "/usr/bin:/bin"; }));
  EXPECT_EQ(ExitStatusOf(r), kExitNoDriver);
  ASSERT_EQ(r.sources_tried.size(), 3u);
  for (const SourceReport& s : r.sources_tried) EXPECT_FALSE(s.error.empty()) << s.source;
}

TEST(ProbeTest, SmiLinesDisagreeingWithNothingElseIsAnError) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.has_ctl = false;
  k.Install(sys);
  ON_CALL(sys, Run(_, _, _))
      .WillByDefault(Return(StatusOr<CommandResult>(CommandResult{
          0, false, "580.95.05, A, 00000000:01:00.0, GPU-a, 9.0, 1\n570.1, B, 00000000:02:00.0, GPU-b, 9.0, 1\n"})));
  ProbeResult r = RunProbe(sys, Opt([](ProbeOptions& o) { o.path_env = "/usr/bin"; }));
  EXPECT_EQ(ExitStatusOf(r), kExitError);
  EXPECT_THAT(r.sources_tried.back().error, HasSubstr("disagree"));
}

TEST(ProbeTest, EnvironmentOverride) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.Install(sys);
  ProbeResult r = RunProbe(sys, Opt([](ProbeOptions& o) { o.env_driver_version = "575.51.03"; }));
  EXPECT_EQ(*r.driver.version, "575.51.03");
  EXPECT_EQ(r.driver.source, kSourceEnv);
  EXPECT_EQ(*r.driver.cuda, "12.9");
  EXPECT_EQ(*r.driver.abi_release, "580.95.05");  // ioctls still speak the real ABI
  EXPECT_EQ(r.gpus.size(), 1u);
  ProbeResult bad = RunProbe(sys, Opt([](ProbeOptions& o) { o.env_driver_version = "banana"; }));
  EXPECT_EQ(*bad.driver.version, "580.95.05");
  EXPECT_THAT(bad.warnings[0], HasSubstr("NVPROBE_DRIVER_VERSION"));
}

TEST(ProbeTest, UnknownReleaseResolvesWithNotice) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  k.version = "580.99.99";  // not in the registry: 580.95.05's ABI stands in
  k.Install(sys);
  ProbeResult r = RunProbe(sys, Opt([](ProbeOptions& o) { o.sources = {kSourceIoctl}; }));
  EXPECT_EQ(*r.driver.version, "580.99.99");
  EXPECT_EQ(*r.driver.abi_release, "580.95.05");
  EXPECT_THAT(r.warnings, ::testing::ElementsAre(
                              "ioctl: driver 580.99.99 is not a known release; using 580.95.05, "
                              "the nearest earlier release of the 580 branch"));
}

TEST(ProbeTest, SourceSelection) {
  NiceMock<MockSystem> sys;
  FakeKernel k("580.95.05");
  AddFiles(k, kOpenProc);
  k.Install(sys);
  ProbeResult r = RunProbe(sys, Opt([](ProbeOptions& o) { o.sources = {kSourceFiles}; }));
  ASSERT_EQ(r.sources_tried.size(), 1u);
  EXPECT_EQ(r.sources_tried[0].source, kSourceFiles);
  EXPECT_EQ(*r.driver.version, "595.45.04");
  EXPECT_TRUE(k.open_fds.empty());
}

}  // namespace
}  // namespace nvprobe::probe
