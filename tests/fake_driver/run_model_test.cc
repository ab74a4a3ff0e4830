// `fakedrv run --machine M --driver V`: the command line around the machine model.
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/util/subprocess.h"

namespace {

using ::nvprobe::testing::CommandResult;
using ::nvprobe::testing::RunCommand;
using ::testing::HasSubstr;

constexpr char kFakedrv[] = "fake_driver/fakedrv";
constexpr char kMachine[] = "traces/machines/l4-1x.json";

TEST(RunModelTest, AReleaseWrittenWithOtherPaddingIsReportedAsNvidiaWritesIt) {
  CommandResult r = RunCommand({kFakedrv, "run", "--strict", "--machine", kMachine, "--driver", "580.95.5",
                                "--", "probe/nvprobe", "--json"},
                               60);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("driver 580.95.5 is release 580.95.05 written differently"));
  EXPECT_EQ(nlohmann::json::parse(r.out)["driver"]["version"], "580.95.05");
}

TEST(RunModelTest, MachineWithoutDriverIsAUsageError) {
  CommandResult r = RunCommand({kFakedrv, "run", "--machine", kMachine, "--", "/bin/true"}, 60);
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("run --machine needs --driver V"));
}

TEST(RunModelTest, ADescriptionTheModelCannotServeIsRefusedNamingTheKey) {
  std::ifstream in(kMachine);
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(in);
  j["faults"] = {{"control_status", {{"NV2080_CTRL_CMD_GPU_GET_ENGINES", "NV_ERR_NOT_SUPPORTED"}}}};
  const std::string path = nvprobe::testing::TmpDir() + "/l4-unknown-control.json";
  std::ofstream(path) << j.dump();
  CommandResult r = RunCommand({kFakedrv, "run", "--machine", path, "--driver", "550.163.01", "--", "/bin/true"}, 60);
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr(path + ": faults.control_status.NV2080_CTRL_CMD_GPU_GET_ENGINES: not a control "
                                      "release 550.163.01 describes"));
}

}  // namespace
