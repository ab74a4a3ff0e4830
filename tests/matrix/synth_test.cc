// fakedrv synth in-process: machine descriptions, the per-release semantics of the
// synthesized events (from the ABI layer), and the expected answer.
#include <cerrno>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "abi/registry.h"
#include "abi/struct_view.h"
#include "fake_driver/synth.h"
#include "fake_driver/trace_io.h"

namespace nvprobe::fakedrv {
namespace {

using Json = nlohmann::ordered_json;

const abi::Registry& Reg() { return abi::Registry::Default(); }

Machine H100() {
  StatusOr<Machine> m = LoadMachine("traces/machines/hgx-h100-8x.json");
  EXPECT_TRUE(m.ok()) << m.status().message();
  return *m;
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

TEST(SynthTest, From530QueryAnswers) {
  Trace t = Synth(H100(), "530.30.02");
  auto v = Events(t, "NV_ESC_CHECK_VERSION_STR");
  ASSERT_EQ(v.size(), 2u);
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

TEST(SynthTest, CardInfoWithTooFewEntriesIsEinval) {
  Machine m = H100();
  while (m.gpus.size() <= 32) {
    MachineGpu g = m.gpus.back();
    g.bus += 1;
    g.minor += 1;
    m.gpus.push_back(g);
  }
  Trace t = Synth(m, "580.95.05");
  auto ci = Events(t, "NV_ESC_CARD_INFO");
  ASSERT_EQ(ci.size(), 1u);
  EXPECT_EQ(ci[0]->ret, -1);
  EXPECT_EQ(ci[0]->err, EINVAL);
  EXPECT_TRUE(Events(t, "NV_ESC_RM_ALLOC").empty());
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

TEST(SynthTest, CudaLevelFromTheTable) {
  EXPECT_EQ(CudaLevelOf("515.43.04"), "11.7");
  EXPECT_EQ(CudaLevelOf("535.43.02"), "12.1");
  EXPECT_EQ(CudaLevelOf("535.54.03"), "12.2");
  EXPECT_EQ(CudaLevelOf("580.95.05"), "13.0");
  EXPECT_EQ(CudaLevelOf("595.45.04"), "13.2");
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
