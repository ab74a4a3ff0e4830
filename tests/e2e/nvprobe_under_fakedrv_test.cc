// Runs the shipped nvprobe binary under `fakedrv run --strict` against a trace of an
// H100 machine on driver 580.95.05 and checks the answer of the fast path: every
// request the probe makes must be answered by the trace (--strict), and the JSON
// must carry what the trace's machine is.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/util/subprocess.h"

namespace {

// The static nvprobe under `fakedrv run --strict` with `args`, bounded in time.
nvprobe::testing::CommandResult UnderFake(std::vector<std::string> args) {
  std::vector<std::string> cmd = {"fake_driver/fakedrv", "run", "--strict", "--trace",
                                  "tests/fake_driver/testdata/h100.trace.jsonl", "--",
                                  "probe/nvprobe"};
  cmd.insert(cmd.end(), args.begin(), args.end());
  return nvprobe::testing::RunCommand(cmd, /*timeout_s=*/60);
}

TEST(NvprobeUnderFakedrvTest, FastPathJson) {
  nvprobe::testing::CommandResult r = UnderFake({"--json"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema"], "nvprobe/1");
  EXPECT_EQ(j["driver"]["version"], "580.95.05");
  EXPECT_EQ(j["driver"]["source"], "ioctl");
  EXPECT_EQ(j["driver"]["cuda"], "13.0");
  ASSERT_EQ(j["gpus"].size(), 1u);
  const nlohmann::json& g = j["gpus"][0];
  EXPECT_EQ(g["pci_bus_id"], "0000:3b:00.0");
  EXPECT_EQ(g["pci_device_id"], "0x2330");
  EXPECT_EQ(g["compute_capability"], "9.0");
  EXPECT_EQ(g["architecture"], "Hopper");
  EXPECT_EQ(g["minor"], 0);
  EXPECT_TRUE(j["warnings"].empty()) << j["warnings"];
}

TEST(NvprobeUnderFakedrvTest, QueryGpuCsv) {
  nvprobe::testing::CommandResult r =
      UnderFake({"--query-gpu=driver_version,pci.bus_id,compute_cap", "--format=csv,noheader"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "580.95.05, 00000000:3B:00.0, 9.0\n");
}

// A machine description of `n` H100s (the GPU entries of traces/machines/scale-64x.json)
// written under TEST_TMPDIR; PCI order is description order.
std::string MachineOfH100s(int n) {
  nlohmann::json gpus = nlohmann::json::array();
  for (int i = 0; i < n; ++i) {
    char bus[16], uuid[48];
    std::snprintf(bus, sizeof(bus), "%04x:%02x:00.0", i / 200, 0x10 + i % 200);
    std::snprintf(uuid, sizeof(uuid), "GPU-64646464-%04x-4000-8000-%012x", i, i + 1);
    gpus.push_back({{"pci_bus_id", bus}, {"device_id", "0x2330"}, {"subsystem_id", "0x16c110de"},
                    {"revision_id", "0xa1"}, {"class", "0x030200"}, {"chip", "GH100"},
                    {"architecture", "Hopper"}, {"arch", "0x180"}, {"impl", "0x0"},
                    {"compute_capability", "9.0"}, {"name", "NVIDIA H100 80GB HBM3"},
                    {"uuid", uuid}, {"memory_mib", 81559}, {"minor", i}});
  }
  nlohmann::json m = {{"name", "h100-" + std::to_string(n) + "x"},
                      {"description", "nvprobe_under_fakedrv_test: " + std::to_string(n) + " H100s"},
                      {"source", "synthetic: the H100 entries of traces/machines/scale-64x.json"},
                      {"platform", "bare-metal"},
                      {"gpus", gpus}};
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string path = std::string(tmp ? tmp : "/tmp") + "/h100-" + std::to_string(n) + "x.json";
  std::ofstream(path) << m.dump(1);
  return path;
}

// The static nvprobe under `fakedrv run --machine` (the machine model), bounded in time.
nvprobe::testing::CommandResult UnderModel(const std::string& machine, std::vector<std::string> args) {
  std::vector<std::string> cmd = {"fake_driver/fakedrv", "run", "--machine", machine, "--driver",
                                  "580.95.05", "--", "probe/nvprobe"};
  cmd.insert(cmd.end(), args.begin(), args.end());
  return nvprobe::testing::RunCommand(cmd, /*timeout_s=*/120);
}

// --query-gpu=memory.total turns on the full path, as name and uuid turn on --details.
TEST(NvprobeUnderFakedrvTest, QueryingMemoryRunsTheFullPath) {
  nvprobe::testing::CommandResult r =
      UnderModel(MachineOfH100s(2), {"--query-gpu=pci.bus_id,memory.total", "--format=csv,noheader"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "00000000:10:00.0, 81559 MiB\n00000000:11:00.0, 81559 MiB\n");
}

// 228 GPUs: more than one NV_ESC_CARD_INFO call carries (227 entries), so the kernel
// driver lists none. nvprobe --full still answers from the driver's files and says
// why it learned no memory: a warning, and the ioctl-full source's error.
TEST(NvprobeUnderFakedrvTest, MoreGpusThanCardInfoCarriesSaysWhyFullLearnsNoMemory) {
  nvprobe::testing::CommandResult r = UnderModel(MachineOfH100s(228), {"--json", "--full"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["driver"]["version"], "580.95.05");
  ASSERT_EQ(j["gpus"].size(), 228u);
  EXPECT_EQ(j["gpus"][227]["source"], "files");
  EXPECT_EQ(j["gpus"][227]["uuid"], "GPU-64646464-00e3-4000-8000-0000000000e4");
  EXPECT_TRUE(j["gpus"][227]["memory_mib"].is_null());
  const nlohmann::json* full = nullptr;
  for (const nlohmann::json& s : j["sources_tried"])
    if (s["source"] == "ioctl-full") full = &s;
  ASSERT_NE(full, nullptr) << j["sources_tried"];
  EXPECT_EQ((*full)["ok"], false);
  EXPECT_NE((*full)["error"].get<std::string>().find("more GPUs than one NV_ESC_CARD_INFO call carries"),
            std::string::npos)
      << (*full)["error"];
  std::string warnings = j["warnings"].dump();
  EXPECT_NE(warnings.find("the full path (memory) cannot run"), std::string::npos) << warnings;
}

}  // namespace
