// Runs the shipped nvprobe binary under `fakedrv run --strict` against a trace of an
// H100 machine on driver 580.95.05 and checks the answer of the fast path: every
// request the probe makes must be answered by the trace (--strict), and the JSON
// must carry what the trace's machine is.
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

}  // namespace
