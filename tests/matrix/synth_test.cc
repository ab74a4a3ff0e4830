// fakedrv synth in-process: machine descriptions, the per-release semantics of the
// events the model answered nvprobe with (recorded by synth), and the expected answer.
#include <dirent.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "abi/registry.h"
#include "abi/struct_view.h"
#include "fake_driver/synth/synth.h"
#include "fake_driver/trace/trace_io.h"

namespace nvprobe::fakedrv {
namespace {

using Json = nlohmann::ordered_json;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const abi::Registry& Reg() { return abi::Registry::Default(); }

Machine H100() {
  StatusOr<Machine> m = LoadMachine("traces/machines/hgx-h100-8x.json");
  EXPECT_TRUE(m.ok()) << m.status().message();
  return *m;
}

// nvprobe (a data dependency) in every matrix mode on the model: what synth records.
StatusOr<Trace> SynthesizeTrace(const abi::Registry& registry, const Machine& m, const std::string& v) {
  return fakedrv::SynthesizeTrace(registry, m, v, NvprobeRuns("probe/nvprobe", v), false);
}

Trace Synth(const Machine& m, const std::string& v) {
  StatusOr<Trace> t = SynthesizeTrace(Reg(), m, v);
  EXPECT_TRUE(t.ok()) << t.status().message();
  return *t;
}

std::vector<const IoctlEvent*> Events(const Trace& t, const std::string& escape) {
  std::vector<const IoctlEvent*> out;
  uint32_t nr = static_cast<uint32_t>(t.abi->Constant(escape).value());
  for (const IoctlEvent& e : t.events)
    if (e.nr() == nr) out.push_back(&e);
  return out;
}

std::string VersionString(const Trace& t, const std::vector<uint8_t>& bytes) {
  const abi::StructLayout& l = *t.abi->Struct("nv_ioctl_rm_api_version_t").value();
  return abi::StructReader::Make(l, bytes).value().GetString("versionString").value();
}

uint64_t Reply(const Trace& t, const std::vector<uint8_t>& bytes) {
  const abi::StructLayout& l = *t.abi->Struct("nv_ioctl_rm_api_version_t").value();
  return abi::StructReader::Make(l, bytes).value().Get<uint32_t>("reply").value();
}

TEST(SynthTest, Pre530QueryIsOverrideAndStrictCarriesTheVersion) {
  Trace t = Synth(H100(), "525.147.05");
  auto v = Events(t, "NV_ESC_CHECK_VERSION_STR");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0]->ret, 0);
  // OVERRIDE: reply RECOGNIZED (osapi.c:RmCheckApiVersion() sets it for every
  // command), the string as the caller left it.
  EXPECT_EQ(Reply(t, v[0]->args.out), 1u);
  EXPECT_EQ(VersionString(t, v[0]->args.out), "");
  EXPECT_EQ(Reply(t, v[1]->args.out), 1u);
  EXPECT_EQ(v[1]->ret, -1);
  EXPECT_EQ(v[1]->err, EINVAL);
  EXPECT_EQ(VersionString(t, v[1]->args.out), "525.147.05");
}

// From 530 the QUERY returns the version, so nvprobe asks once and the trace holds
// only that (the STRICT fallback is for releases before).
TEST(SynthTest, From530QueryAnswers) {
  Trace t = Synth(H100(), "530.30.02");
  auto v = Events(t, "NV_ESC_CHECK_VERSION_STR");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0]->ret, 0);
  EXPECT_EQ(VersionString(t, v[0]->args.out), "530.30.02");
}

// The NVOS21 status moves from offset 24 to 28 at 535.43.02 (paramsSize inserted);
// a refused device allocation must carry its status where that release reads it.
TEST(SynthTest, AllocStatusFollowsTheLayout) {
  Machine m = H100();
  m.faults.alloc_status["NV01_DEVICE_0"] = "NV_ERR_INSUFFICIENT_PERMISSIONS";
  for (const char* v : {"530.41.03", "535.43.02"}) {
    Trace t = Synth(m, v);
    const abi::StructLayout& l = *t.abi->Struct("NVOS21_PARAMETERS").value();
    auto allocs = Events(t, "NV_ESC_RM_ALLOC");
    ASSERT_GE(allocs.size(), 2u) << v;
    const IoctlEvent& dev = *allocs[1];
    auto r = abi::StructReader::Make(l, dev.args.out).value();
    EXPECT_EQ(r.Get<uint32_t>("status").value(), 0x1bu) << v;
    EXPECT_EQ(l.Find("status")->offset, std::string(v) == "535.43.02" ? 28u : 24u);
    // The device's NV0080_ALLOC_PARAMETERS ride along on both sides of 535.43.02:
    // sized by paramsSize from then on, by the class's struct before.
    ASSERT_EQ(dev.args.nested.size(), 1u) << v;
    EXPECT_EQ(dev.args.nested[0].in.size(), 56u) << v;
  }
}

TEST(SynthTest, ControlParamsSizeIsTheReleaseStructSize) {
  for (const char* v : {"580.95.05", "595.45.04"}) {
    Trace t = Synth(H100(), v);
    uint32_t want = t.abi->Struct("NV2080_CTRL_GPU_GET_NAME_STRING_PARAMS").value()->size;
    EXPECT_EQ(want, std::string(v) == "595.45.04" ? 68u : 132u);
    const abi::StructLayout& l = *t.abi->Struct("NVOS54_PARAMETERS").value();
    uint32_t cmd = static_cast<uint32_t>(t.abi->Constant("NV2080_CTRL_CMD_GPU_GET_NAME_STRING").value());
    int seen = 0;
    for (const IoctlEvent* e : Events(t, "NV_ESC_RM_CONTROL")) {
      auto r = abi::StructReader::Make(l, e->args.in).value();
      if (r.Get<uint32_t>("cmd").value() != cmd) continue;
      EXPECT_EQ(r.Get<uint32_t>("paramsSize").value(), want);
      ++seen;
    }
    EXPECT_EQ(seen, 8) << v;
  }
}

Machine WithGpus(size_t n) {
  Machine m = H100();
  while (m.gpus.size() < n) {
    MachineGpu g = m.gpus.back();
    g.bus = (g.bus + 1) % 256;
    if (g.bus == 0) g.slot += 1;
    g.minor = (g.minor + 1) % 255;
    m.gpus.push_back(g);
  }
  return m;
}

// 33 GPUs: NV_MAX_DEVICES entries are too few (EINVAL); nvprobe's second call with
// 227 entries (16383 bytes) lists them, and the full path follows.
TEST(SynthTest, CardInfoWithTooFewEntriesIsEinvalThenRetriedLarger) {
  Trace t = Synth(WithGpus(33), "580.95.05");
  auto ci = Events(t, "NV_ESC_CARD_INFO");
  ASSERT_EQ(ci.size(), 2u);
  EXPECT_EQ(ci[0]->ret, -1);
  EXPECT_EQ(ci[0]->err, EINVAL);
  EXPECT_EQ(ci[0]->args.in.size(), 32u * 72u);
  EXPECT_EQ(ci[1]->ret, 0);
  EXPECT_EQ(ci[1]->args.in.size(), 227u * 72u);
  EXPECT_EQ(ci[1]->args.out[32 * 72], 1);  // entry 32 is valid
  EXPECT_FALSE(Events(t, "NV_ESC_RM_ALLOC").empty());
  Json fast = ExpectedAnswer(Reg(), WithGpus(33), "580.95.05").value()["modes"]["fast"];
  EXPECT_EQ(fast["gpus"].size(), 33u);
  EXPECT_EQ(fast["gpus"][32]["source"], "ioctl");
}

TEST(SynthTest, CardInfoBeyondOneIoctlFailsBothCalls) {
  Trace t = Synth(WithGpus(228), "580.95.05");
  auto ci = Events(t, "NV_ESC_CARD_INFO");
  ASSERT_EQ(ci.size(), 2u);
  EXPECT_EQ(ci[1]->err, EINVAL);
  EXPECT_TRUE(Events(t, "NV_ESC_RM_ALLOC").empty());
  Json fast = ExpectedAnswer(Reg(), WithGpus(228), "580.95.05").value()["modes"]["fast"];
  EXPECT_EQ(fast["gpus"][0]["source"], "files");
}

// Any other errno is final: nvprobe does not ask again.
TEST(SynthTest, CardInfoFaultOtherThanEinvalIsNotRetried) {
  Machine m = WithGpus(40);
  m.faults.ioctl_errno["NV_ESC_CARD_INFO"] = EIO;
  Trace t = Synth(m, "580.95.05");
  auto ci = Events(t, "NV_ESC_CARD_INFO");
  ASSERT_EQ(ci.size(), 1u);
  EXPECT_EQ(ci[0]->err, EIO);
}

TEST(SynthTest, TraceRoundTripsThroughTheLoader) {
  for (const char* v : {"515.43.04", "535.43.02", "595.45.04"}) {
    Trace t = Synth(H100(), v);
    std::ostringstream out;
    WriteTrace(t, out);
    std::istringstream in(out.str());
    TraceLoad load = ParseTrace(in, "synth", Reg());
    EXPECT_TRUE(load.ok()) << v << ": " << (load.errors.empty() ? "" : load.errors[0]);
  }
}

TEST(SynthTest, UnknownReleaseIsRefused) {
  EXPECT_FALSE(SynthesizeTrace(Reg(), H100(), "580.95.99").ok());
}

TEST(SynthTest, MachineErrorsNameTheKey) {
  Json j = H100().json;
  j["gpus"][0]["pci_bus_id"] = "0000:3B:00.0";
  StatusOr<Machine> m = ParseMachine(j);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("gpus[0].pci_bus_id"), std::string::npos);
  j = H100().json;
  std::swap(j["gpus"][0], j["gpus"][1]);
  EXPECT_FALSE(ParseMachine(j).ok());
  j = H100().json;
  j["colour"] = "blue";
  EXPECT_FALSE(ParseMachine(j).ok());
  j = H100().json;
  j["faults"] = {{"ctl_open_errno", "ENOTANERRNO"}};
  EXPECT_FALSE(ParseMachine(j).ok());
}

TEST(SynthTest, FaultsNameOnlyWhatNvprobeUses) {
  auto error = [](const Json& faults) {
    Json j = H100().json;
    j["faults"] = faults;
    StatusOr<Machine> m = ParseMachine(j);
    return m.ok() ? std::string("ok") : m.status().message();
  };
  EXPECT_NE(error({{"ioctl_errno", {{"NV_ESC_RM_MAP_MEMORY", "EIO"}}}}).find("not an escape nvprobe uses"),
            std::string::npos);
  EXPECT_NE(error({{"ioctl_errno", {{"NV_ESC_CARD_INFO", "EWHAT"}}}}).find("not an errno name"),
            std::string::npos);
  EXPECT_NE(error({{"control_status", {{"NV2080_CTRL_CMD_GPU_GET_ENGINES", "NV_ERR_NOT_SUPPORTED"}}}})
                .find("not a control nvprobe issues"),
            std::string::npos);
  EXPECT_NE(error({{"alloc_status", {{"NV50_MEMORY_VIRTUAL", "NV_ERR_NO_MEMORY"}}}}).find("not a class"),
            std::string::npos);
  EXPECT_NE(error({{"missing_files", {"/proc/cpuinfo"}}}).find("faults.missing_files[0]"),
            std::string::npos);
  EXPECT_NE(error({{"garbled_files", {"/sys/bus/pci/devices/0000:99:00.0/revision"}}})
                .find("not a file whose loss is modelled"),
            std::string::npos);
  EXPECT_EQ(error({{"missing_files", {"/sys/bus/pci/devices/0000:18:00.0/revision"}},
                   {"ioctl_errno", {{"NV_ESC_RM_FREE", "EIO"}}}}),
            "ok");
}

TEST(SynthTest, IoctlErrnoFailsEveryCallOfThatEscape) {
  Machine m = H100();
  m.faults.ioctl_errno["NV_ESC_RM_CONTROL"] = EIO;
  Trace t = Synth(m, "580.95.05");
  auto controls = Events(t, "NV_ESC_RM_CONTROL");
  ASSERT_EQ(controls.size(), 8u * 7u);  // ID info + 6 controls per GPU
  for (const IoctlEvent* e : controls) {
    EXPECT_EQ(e->ret, -1);
    EXPECT_EQ(e->err, EIO);
    EXPECT_EQ(e->args.out, e->args.in);  // the driver wrote nothing
  }
  for (const IoctlEvent* e : Events(t, "NV_ESC_RM_ALLOC")) EXPECT_EQ(e->ret, 0);
  // The expected answer: the fast path's fields, one warning per control per GPU.
  Json full = ExpectedAnswer(Reg(), m, "580.95.05").value()["modes"]["full"];
  EXPECT_EQ(full["warnings"].size(), 8u * 7u);
  EXPECT_TRUE(full["gpus"][0]["memory_mib"].is_null());
  EXPECT_EQ(full["gpus"][0]["name"], "NVIDIA H100 80GB HBM3");  // from procfs
}

TEST(SynthTest, RootClientRefusalEndsTheFullPath) {
  Machine m = H100();
  m.faults.alloc_status["NV01_ROOT_CLIENT"] = "NV_ERR_INSUFFICIENT_RESOURCES";
  Trace t = Synth(m, "580.95.05");
  ASSERT_EQ(Events(t, "NV_ESC_RM_ALLOC").size(), 1u);
  EXPECT_TRUE(Events(t, "NV_ESC_RM_CONTROL").empty());
  Json full = ExpectedAnswer(Reg(), m, "580.95.05").value()["modes"]["full"];
  EXPECT_EQ(full["sources"][1], (Json{{"source", "ioctl-full"}, {"ok", false}, {"skipped", false}, {"error_has", ""}}));
  EXPECT_EQ(full["gpus"][0]["source"], "ioctl");
}

TEST(SynthTest, MissingAndGarbledFiles) {
  Machine m = H100();
  const std::string info = "/proc/driver/nvidia/gpus/0000:18:00.0/information";
  m.faults.missing_files = {info};
  m.faults.garbled_files = {"/sys/module/nvidia/version"};
  Trace t = Synth(m, "580.95.05");
  ASSERT_NE(t.FindFile(info), nullptr);
  EXPECT_EQ(t.FindFile(info)->type, NodeType::kAbsent);
  EXPECT_EQ(t.FindFile("/proc/driver/nvidia/gpus/0000:18:00.0")->type, NodeType::kDir);
  EXPECT_EQ(t.FindFile("/sys/module/nvidia/version")->content.substr(0, 2), "\x01\x7f");
  Json details = ExpectedAnswer(Reg(), m, "580.95.05").value()["modes"]["details"];
  EXPECT_TRUE(details["gpus"][0]["name"].is_null());
  EXPECT_EQ(details["gpus"][1]["name"], "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(details["warnings"].size(), 2u);
  // The fast path reads no GPU file: no name at all, and only the version file's warning.
  Json fast = ExpectedAnswer(Reg(), m, "580.95.05").value()["modes"]["fast"];
  EXPECT_TRUE(fast["gpus"][1]["name"].is_null());
  EXPECT_TRUE(fast["gpus"][1]["uuid"].is_null());
  EXPECT_TRUE(fast["gpus"][1]["pci_subsystem_id"].is_null());
  EXPECT_EQ(fast["warnings"].size(), 1u);
}

TEST(SynthTest, GpuWithoutDriverIsOnlyOnPci) {
  Machine m = H100();
  m.platform = "no-driver";
  m.faults.no_driver_files = true;
  Trace t = Synth(m, "580.95.05");
  EXPECT_TRUE(t.events.empty());
  EXPECT_NE(t.FindFile("/sys/bus/pci/devices/0000:18:00.0/device"), nullptr);
  EXPECT_EQ(t.FindFile("/dev/nvidiactl")->type, NodeType::kAbsent);
  Json fast = ExpectedAnswer(Reg(), m, "580.95.05").value()["modes"]["fast"];
  EXPECT_EQ(fast["exit_status"], 0);
  EXPECT_TRUE(fast["driver"]["version"].is_null());
  ASSERT_EQ(fast["gpus"].size(), 8u);
  EXPECT_EQ(fast["gpus"][0]["source"], "files");
  EXPECT_TRUE(fast["gpus"][0]["minor"].is_null());
}

std::string TmpPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

std::string WriteTmp(const std::string& name, const std::string& text) {
  const std::string path = TmpPath(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string LoadError(const std::string& path) {
  StatusOr<Machine> m = LoadMachine(path);
  return m.ok() ? "ok" : m.status().message();
}

// Issue 15: a directory threw std::ios_base::failure out of synth (exit 134); open
// and JSON errors said neither why nor where.
TEST(SynthTest, LoadErrorsNameTheFileAndWhy) {
  const std::string dir = TmpPath("");
  EXPECT_EQ(LoadError(dir), dir + ": cannot read: Is a directory");
  EXPECT_EQ(LoadError("/nonexistent/m.json"), "/nonexistent/m.json: cannot open: No such file or directory");
  const std::string bad = WriteTmp("bad.json", "{\"name\": \"x\",\n \"source\": \"y\",,\n}");
  EXPECT_THAT(LoadError(bad), StartsWith(bad + ":2:16: not valid JSON: syntax error while parsing object key"));
  const std::string utf8 = WriteTmp("utf8.json", "{\"name\": \"\xff\"}");
  EXPECT_THAT(LoadError(utf8), StartsWith(utf8 + ":1:11: not valid JSON: "));
  const std::string empty = WriteTmp("empty.json", "");
  EXPECT_THAT(LoadError(empty), StartsWith(empty + ":1:1: not valid JSON: "));
}

// Issue 15: 1,000,000 nested '[' overflowed the stack (SIGSEGV). Refused before
// parsing, as the trace loader does, with where; and the file's size is bounded.
TEST(SynthTest, DeepOrLargeDescriptionsAreRefused) {
  const std::string head = R"({"name":"x","source":"y","gpus":)";
  const std::string deep = WriteTmp("deep.json", head + std::string(500000, '[') + std::string(500000, ']') + "}");
  EXPECT_EQ(LoadError(deep), deep + ":1:" + std::to_string(head.size() + 63) + ": JSON nested deeper than 63 levels");
  const std::string open = WriteTmp("open.json", head + std::string(30000, '['));
  EXPECT_THAT(LoadError(open), HasSubstr("JSON nested deeper than 63 levels"));
  // Brackets in strings do not count.
  Json j = H100().json;
  j["notes"] = std::string(1000, '[');
  EXPECT_EQ(LoadError(WriteTmp("strings.json", j.dump())), "ok");
  // 63 levels (a trace header holds the description one level down: 64) load.
  auto nested = [&](int depth) {
    Json n = Json::array();
    for (int i = 2; i < depth; ++i) n = Json::array({n});
    Json k = H100().json;
    k["notes"] = n;
    return k.dump();
  };
  EXPECT_EQ(LoadError(WriteTmp("d63.json", nested(63))), "ok");
  EXPECT_THAT(LoadError(WriteTmp("d64.json", nested(64))), HasSubstr("nested deeper than 63 levels"));
  const std::string big = WriteTmp("big.json", head + std::string(1000000, '[') + std::string(1000000, ']') + "}");
  EXPECT_EQ(LoadError(big), big + ": larger than 1048576 bytes, the most a machine description may be");
  EXPECT_EQ(LoadError("/dev/zero"), "/dev/zero: larger than 1048576 bytes, the most a machine description may be");
}

std::string GpuError(const std::function<void(Json&)>& change) {
  Json j = H100().json;
  change(j);
  StatusOr<Machine> m = ParseMachine(j);
  StatusOr<Machine> model = ParseMachine(j, MachineUse::kModel);
  EXPECT_EQ(m.ok(), model.ok());
  return m.ok() ? "ok" : m.status().message();
}

// Issue 15: all of these were accepted.
TEST(SynthTest, DescriptionValuesNoDriverCouldHaveAreErrorsNamingTheKey) {
  EXPECT_THAT(GpuError([](Json& j) { j["gpus"][0]["uuid"] = "GPU-1d8e5a3c00004000800000000000000a"; }),
              HasSubstr("gpus[0].uuid: \"GPU-1d8e5a3c00004000800000000000000a\" is not "
                        "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"));
  EXPECT_THAT(GpuError([](Json& j) { j["gpus"][0]["uuid"] = "GPU-1d8e5a3c-0000-4000-8000-00000000000z"; }),
              HasSubstr("gpus[0].uuid: \"GPU-1d8e5a3c-0000-4000-8000-00000000000z\" has a non-hex digit"));
  EXPECT_THAT(GpuError([](Json& j) { j["gpus"][0]["uuid"] = "GPU-1D8E5A3C-0000-4000-8000-000000000001"; }),
              HasSubstr("gpus[0].uuid: \"GPU-1D8E5A3C-0000-4000-8000-000000000001\" has an upper-case digit"));
  EXPECT_THAT(GpuError([](Json& j) { j["gpus"][3]["uuid"] = j["gpus"][1]["uuid"]; }),
              HasSubstr("gpus[3].uuid: \"" + H100().gpus[1].uuid + "\" is gpus[1]'s too"));
  EXPECT_EQ(GpuError([](Json& j) { j["gpus"][0]["bogus_key"] = 1; }), "gpus[0].bogus_key: unknown key");
  EXPECT_EQ(GpuError([](Json& j) { j["faults"] = {{"gpu_open_errno", {{"9", "EACCES"}}}}; }),
            "faults.gpu_open_errno.9: no GPU has minor 9");
  EXPECT_EQ(GpuError([](Json& j) { j["faults"] = {{"gpu_open_errno", {{"7", "EACCES"}}}}; }), "ok");
  EXPECT_THAT(GpuError([](Json& j) { j["gpus"][0]["class"] = "0x020000"; }),
              HasSubstr("gpus[0].class: 0x020000 is not a display controller"));
  EXPECT_EQ(GpuError([](Json& j) { j["gpus"][0]["class"] = "0x030000"; }), "ok");
  EXPECT_THAT(GpuError([](Json& j) { j["gpus"][1]["name"] = "NVIDIA\nH100"; }),
              HasSubstr("gpus[1].name: byte 10 is not printable ASCII"));
  EXPECT_THAT(GpuError([](Json& j) { j["gpus"][1]["name"] = "NVIDIA H100\x7f"; }),
              HasSubstr("gpus[1].name: byte 127 is not printable ASCII"));
  EXPECT_THAT(GpuError([](Json& j) { j["gpus"][1]["name"] = "NVIDIA H100, 80GB"; }),
              HasSubstr("gpus[1].name: \"NVIDIA H100, 80GB\" has a comma"));
  EXPECT_THAT(GpuError([](Json& j) { j["gpus"][0]["name"] = std::string(5000, 'x'); }),
              StartsWith("gpus[0].name: longer than 63 bytes"));
  EXPECT_EQ(GpuError([](Json& j) { j["gpus"][0]["name"] = std::string(63, 'x'); }), "ok");
}

// Issue 15: "constant NV_ERR_BOGUS does not exist", without the key.
TEST(SynthTest, UnknownStatusNamesTheKey) {
  Machine m = H100();
  m.faults.control_status["NV2080_CTRL_CMD_GPU_GET_INFO"] = "NV_ERR_BOGUS";
  StatusOr<Trace> t = SynthesizeTrace(Reg(), m, "580.95.05");
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(),
              StartsWith("faults.control_status.NV2080_CTRL_CMD_GPU_GET_INFO: NV_ERR_BOGUS is not a status "
                         "of release 580.95.05"));
  m = H100();
  m.faults.alloc_status["NV01_DEVICE_0"] = "NV_ERR_NOPE";
  t = SynthesizeTrace(Reg(), m, "535.43.02");
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(),
              StartsWith("faults.alloc_status.NV01_DEVICE_0: NV_ERR_NOPE is not a status of release 535.43.02"));
}

// Issue 15: synth said "using 580.94.18" while refusing 580.95.5 (580.95.05).
TEST(SynthTest, ReleaseWrittenDifferentlyIsRefusedSayingHowNvidiaWritesIt) {
  StatusOr<Trace> t = SynthesizeTrace(Reg(), H100(), "580.95.5");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "--driver 580.95.5 is not a known release as written; NVIDIA writes it 580.95.05");
  t = SynthesizeTrace(Reg(), H100(), "580.95.99");
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), Not(HasSubstr("using")));
}

// Issue 15: the descriptions named a path of the machine they were written on
// (/work/shared/data/pci.ids); they cite the data's name and date. Every one loads.
TEST(SynthTest, CorpusDescriptionsLoadAndCiteDataNotPaths) {
  DIR* d = opendir("traces/machines");
  ASSERT_NE(d, nullptr);
  int n = 0;
  // An absolute path under a directory of someone's machine (not the driver's
  // /dev, /proc and /sys paths, which descriptions do name).
  auto host_path = [](const std::string& text) {
    for (const char* dir : {"work", "home", "root", "tmp", "mnt", "media", "opt", "srv", "Users", "var"}) {
      const std::string path = "/" + std::string(dir) + "/";
      for (size_t at = text.find(path); at != std::string::npos; at = text.find(path, at + 1)) {
        if (at == 0 || text[at - 1] == ' ' || text[at - 1] == '(') return true;
      }
    }
    return false;
  };
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() < 6 || name.substr(name.size() - 5) != ".json") continue;
    ++n;
    StatusOr<Machine> m = LoadMachine("traces/machines/" + name);
    ASSERT_TRUE(m.ok()) << m.status().message();
    EXPECT_FALSE(host_path(m->source)) << name << ": " << m->source;
    EXPECT_THAT(m->source, Not(HasSubstr("/pci.ids"))) << name;
  }
  closedir(d);
  EXPECT_GE(n, 30);
}

TEST(SynthTest, CudaLevelFromTheTable) {
  EXPECT_EQ(CudaLevelOf("515.43.04"), "11.7");
  EXPECT_EQ(CudaLevelOf("535.43.02"), "12.1");
  EXPECT_EQ(CudaLevelOf("535.54.03"), "12.2");
  EXPECT_EQ(CudaLevelOf("580.95.05"), "13.0");
  EXPECT_EQ(CudaLevelOf("595.45.04"), "13.2");
}

// The expected CUDA level is stated per release in traces/cuda_levels.tsv, not
// computed from nvprobe's own table: a release without its row there has no level,
// even one that probe/data/cuda_driver_table.tsv would place (535.86.05: 12.2), and
// synth refuses to write an expected answer for it.
TEST(SynthTest, CudaLevelIsStatedPerReleaseNotFromTheProbeTable) {
  EXPECT_EQ(CudaLevelOf("535.86.05"), "");
  EXPECT_EQ(CudaLevelOf("999.1"), "");
  StatusOr<Json> e = ExpectedAnswer(Reg(), H100(), "535.86.05");
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.status().message(), HasSubstr("traces/cuda_levels.tsv has no row for 535.86.05"));
  // Every row carries its citation.
  std::ifstream in("traces/cuda_levels.tsv");
  ASSERT_TRUE(in) << "traces/cuda_levels.tsv";
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    ++rows;
    std::istringstream fields(line);
    std::string release, cuda, citation;
    std::getline(fields, release, '\t');
    std::getline(fields, cuda, '\t');
    std::getline(fields, citation);
    EXPECT_EQ(CudaLevelOf(release), cuda) << line;
    EXPECT_THAT(citation, HasSubstr("Table 3")) << line;
  }
  EXPECT_GE(rows, 50);
}

TEST(SynthTest, FilesVersionNeedsItsCudaRow) {
  Machine m = H100();
  m.faults.files_version = "535.86.05";
  StatusOr<Json> e = ExpectedAnswer(Reg(), m, "580.95.05");
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.status().message(), HasSubstr("no row for 535.86.05"));
}

// Issue 15: a release past the newest toolkit Table 3 lists is "13.3+" in
// traces/cuda_levels.tsv: the expected answer reports 13.3 and expects nvprobe's
// lower-bound warning (matrix cells: fault-ctl-eacces-future-files-a100).
TEST(SynthTest, ReleaseNewerThanTheCudaTableIsALowerBound) {
  EXPECT_EQ(CudaLevelOf("615.20.03"), "13.3+");
  Machine m = H100();
  m.faults.ctl_open_errno = EACCES;
  m.faults.files_version = "615.20.03";
  Json e = ExpectedAnswer(Reg(), m, "580.95.05").value();
  const Json& fast = e["modes"]["fast"];
  EXPECT_EQ(fast["driver"]["version"], "615.20.03");
  EXPECT_EQ(fast["driver"]["source"], "files");
  EXPECT_EQ(fast["driver"]["cuda"], "13.3");
  EXPECT_EQ(fast["warnings"], Json::array({"driver 615.20.03 is newer than nvprobe's CUDA table; "
                                           "CUDA level 13.3 is a lower bound"}));
  // A release inside the table: no such warning.
  EXPECT_TRUE(ExpectedAnswer(Reg(), H100(), "595.45.04").value()["modes"]["fast"]["warnings"].empty());
}

Machine Load(const std::string& name) {
  StatusOr<Machine> m = LoadMachine("traces/machines/" + name + ".json");
  EXPECT_TRUE(m.ok()) << m.status().message();
  return *m;
}

// Issue 15: the nvidia-smi source. In smi mode a nvidia-smi in PATH answers nvprobe's
// query from the description (tests/matrix/check_answer.cc writes it): it gives the
// version and GPUs where nothing else does, and is skipped where the driver answers.
TEST(SynthTest, SmiModeAnswersWhereNothingElseDoes) {
  // WSL2: only nvidia-smi sees the GPU, with the fields its query has.
  Json wsl = ExpectedAnswer(Reg(), Load("wsl2-rtx4090"), "580.95.05").value()["modes"];
  const Json& smi = wsl["smi"];
  EXPECT_EQ(smi["exit_status"], 0);
  EXPECT_EQ(smi["driver"], Json({{"version", "580.95.05"}, {"source", "nvidia-smi"}, {"cuda", "13.0"},
                                 {"abi_release", nullptr}}));
  EXPECT_EQ(smi["platform"], "wsl2");
  ASSERT_EQ(smi["gpus"].size(), 1u);
  const Json& g = smi["gpus"][0];
  EXPECT_EQ(g["pci_bus_id"], "0000:01:00.0");
  EXPECT_EQ(g["name"], "NVIDIA GeForce RTX 4090");
  EXPECT_EQ(g["uuid"], "GPU-d59d59d5-0000-4000-8000-000000000001");
  EXPECT_EQ(g["compute_capability"], "8.9");
  EXPECT_EQ(g["compute_capability_source"], "nvidia-smi");
  EXPECT_EQ(g["memory_mib"], 24564);
  EXPECT_EQ(g["source"], "nvidia-smi");
  EXPECT_TRUE(g["pci_device_id"].is_null());  // not in its query: no table lookup either
  EXPECT_TRUE(g["chip"].is_null());
  EXPECT_TRUE(g["minor"].is_null());
  EXPECT_EQ(smi["sources"].back(), Json({{"source", "nvidia-smi"}, {"ok", true}, {"skipped", false},
                                         {"found_has", "driver 580.95.05, 1 GPU(s)"}}));
  EXPECT_TRUE(wsl["fast"]["gpus"].empty());
  EXPECT_EQ(wsl["fast"]["sources"].back()["error_has"], "no nvidia-smi in PATH");

  // nvidiactl refused, no driver files: sysfs lists the GPU, nvidia-smi fills in.
  Json bare = ExpectedAnswer(Reg(), Load("fault-ctl-eacces-no-files-a100"), "550.67").value()["modes"];
  EXPECT_TRUE(bare["fast"]["driver"]["version"].is_null());
  EXPECT_EQ(bare["fast"]["exit_status"], 0);  // the GPU alone is found
  EXPECT_TRUE(bare["fast"]["gpus"][0]["name"].is_null());
  const Json& b = bare["smi"];
  EXPECT_EQ(b["driver"]["version"], "550.67");
  EXPECT_EQ(b["driver"]["source"], "nvidia-smi");
  EXPECT_EQ(b["driver"]["cuda"], "12.4");
  ASSERT_EQ(b["gpus"].size(), 1u);
  EXPECT_EQ(b["gpus"][0]["source"], "files");
  EXPECT_EQ(b["gpus"][0]["pci_device_id"], "0x20f1");
  EXPECT_EQ(b["gpus"][0]["name"], "NVIDIA A100-PCIE-40GB");
  EXPECT_EQ(b["gpus"][0]["memory_mib"], 40960);
  EXPECT_EQ(b["gpus"][0]["compute_capability_source"], "pci_table");  // files' GPU came first
  EXPECT_TRUE(b["gpus"][0]["minor"].is_null());

  // The files answer: nvidia-smi is there but skipped, and the answer is the fast one.
  Json files = ExpectedAnswer(Reg(), Load("fault-ctl-eacces-a100"), "580.95.05").value()["modes"];
  EXPECT_EQ(files["smi"], files["fast"]);
  EXPECT_TRUE(files["smi"]["sources"].back()["skipped"].get<bool>());

  // No GPU: "No devices were found", status 6; no driver at all: status 9.
  Json none = ExpectedAnswer(Reg(), Load("fault-ctl-eacces-no-files"), "580.95.05").value()["modes"]["smi"];
  EXPECT_EQ(none["sources"].back()["error_has"], "exited with status 6");
  EXPECT_EQ(none["exit_status"], 1);
  Json no_driver = ExpectedAnswer(Reg(), Load("gpu-without-driver-a100"), "580.95.05").value()["modes"]["smi"];
  EXPECT_EQ(no_driver["sources"].back()["error_has"], "exited with status 9");
  EXPECT_TRUE(no_driver["driver"]["version"].is_null());
}

// Issue 15: a GPU whose device ID the cited pci.ids lacks ("in_pci_ids": false, stated
// in the description, never looked up in nvprobe's table): the fast path asks the
// full path for it alone.
TEST(SynthTest, GpuMissingFromPciIdsIsAskedOfTheFullPath) {
  Machine m = Load("rtx5090-unlisted-id-2x");
  ASSERT_EQ(m.gpus.size(), 2u);
  EXPECT_TRUE(m.gpus[0].in_pci_ids);
  EXPECT_FALSE(m.gpus[1].in_pci_ids);
  Json modes = ExpectedAnswer(Reg(), m, "580.94.18").value()["modes"];
  for (const char* mode : {"fast", "details", "env", "smi"}) {
    const Json& e = modes[mode];
    SCOPED_TRACE(mode);
    EXPECT_EQ(e["gpus"][0]["source"], "ioctl");
    EXPECT_EQ(e["gpus"][0]["compute_capability_source"], "pci_table");
    EXPECT_TRUE(e["gpus"][0]["memory_mib"].is_null());
    const Json& g = e["gpus"][1];
    EXPECT_EQ(g["source"], "ioctl-full");
    EXPECT_EQ(g["name"], "NVIDIA Graphics Device");
    EXPECT_EQ(g["uuid"], "GPU-5090b1a0-0000-4000-8000-000000000002");
    EXPECT_EQ(g["memory_mib"], 32607);
    EXPECT_EQ(g["compute_capability"], "12.0");
    EXPECT_EQ(g["compute_capability_source"], "sm_version");
    EXPECT_EQ(g["chip"], "GB202");  // MC_GET_ARCH_INFO, named by the release's headers
    EXPECT_EQ(g["architecture"], "Blackwell");
    EXPECT_EQ(g["pci_subsystem_id"], "0x20e810de");
    Json full_source = {{"source", "ioctl-full"}, {"ok", true}, {"skipped", false},
                        {"found_has", "1 of 1 GPU(s) queried"}};
    EXPECT_EQ(e["sources"][std::string(mode) == "env" ? 2 : 1], full_source);
    EXPECT_TRUE(e["warnings"].empty());
  }
  EXPECT_EQ(modes["full"]["sources"][1]["found_has"], "2 of 2 GPU(s) queried");
  // Headers that name no such implementation: no chip, and nvprobe says why.
  m.gpus[1].chip = "GB2FF";
  Json fast = ExpectedAnswer(Reg(), m, "580.94.18").value()["modes"]["fast"];
  EXPECT_TRUE(fast["gpus"][1]["chip"].is_null());
  EXPECT_EQ(fast["gpus"][1]["architecture"], "Blackwell");
  EXPECT_EQ(fast["warnings"], Json::array({"GPU 0000:02:00.0: NV2080_CTRL_MC_GET_ARCH_INFO_PARAMS.implementation "
                                           "0x2 is unknown for architecture 0x1b0"}));
  // The full path refused: nothing but the card's IDs is known of it.
  m.faults.gpu_open_errno[1] = EACCES;
  fast = ExpectedAnswer(Reg(), m, "580.94.18").value()["modes"]["fast"];
  EXPECT_EQ(fast["gpus"][1]["source"], "ioctl");
  EXPECT_TRUE(fast["gpus"][1]["compute_capability"].is_null());
  EXPECT_TRUE(fast["gpus"][1]["compute_capability_source"].is_null());
  EXPECT_TRUE(fast["gpus"][1]["architecture"].is_null());
  EXPECT_EQ(fast["sources"][1]["ok"], false);

  // The key is validated like the others.
  Json j = m.json;
  j["gpus"][1]["in_pci_ids"] = "no";
  StatusOr<Machine> bad = ParseMachine(j);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "gpus[1].in_pci_ids: not true or false");
  j["gpus"][1].erase("in_pci_ids");
  EXPECT_TRUE(ParseMachine(j).value().gpus[1].in_pci_ids);  // default: listed
}

TEST(SynthTest, ExpectedAnswerPerMode) {
  Json e = ExpectedAnswer(Reg(), H100(), "580.95.05").value();
  const Json& fast = e["modes"]["fast"];
  const Json& full = e["modes"]["full"];
  EXPECT_EQ(fast["exit_status"], 0);
  EXPECT_EQ(fast["driver"]["cuda"], "13.0");
  ASSERT_EQ(fast["gpus"].size(), 8u);
  EXPECT_EQ(fast["gpus"][0]["compute_capability_source"], "pci_table");
  EXPECT_TRUE(fast["gpus"][0]["memory_mib"].is_null());
  EXPECT_EQ(full["gpus"][0]["compute_capability_source"], "sm_version");
  EXPECT_EQ(full["gpus"][0]["memory_mib"], 81559);
  EXPECT_EQ(full["sources"][1]["source"], "ioctl-full");
  // GH100 is named by the headers from 520 on only.
  Json old = ExpectedAnswer(Reg(), H100(), "515.43.04").value();
  EXPECT_EQ(old["modes"]["full"]["warnings"].size(), 8u);
  EXPECT_TRUE(old["modes"]["fast"]["warnings"].empty());
}

}  // namespace
}  // namespace nvprobe::fakedrv
