// What the machine model accepts of a description: faults on any control, class or
// escape the release describes (synth keeps to nvprobe's), and only values the
// driver can pass to NVIDIA's tools. Errors name the key.
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "abi/registry.h"
#include "fake_driver/model/machine_check.h"
#include "fake_driver/machine/machine_description.h"

namespace nvprobe::fakedrv {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::ordered_json;

Json H100() {
  std::ifstream in("traces/machines/hgx-h100-8x.json");
  return Json::parse(in);
}

std::shared_ptr<const abi::Abi> Abi550() {
  const abi::Registry& r = abi::Registry::Default();
  return *r.AbiOf(r.Resolve("550.163.01")->release);
}

// "ok", or the first error of parsing for the model and checking against 550.163.01.
std::string ModelError(const Json& j) {
  StatusOr<Machine> m = ParseMachine(j, MachineUse::kModel);
  if (!m.ok()) return m.status().message();
  Status s = model::CheckMachineForModel(*m, *Abi550());
  return s.ok() ? "ok" : s.message();
}

TEST(MachineCheckTest, ModelFaultsNameAnyControlClassOrEscapeTheReleaseDescribes) {
  Json j = H100();
  j["faults"] = {{"control_status", {{"NV0000_CTRL_CMD_GPU_QUERY_DRAIN_STATE", "NV_ERR_NOT_SUPPORTED"}}},
                 {"ioctl_errno", {{"NV_ESC_NUMA_INFO", "EIO"}}}};
  EXPECT_EQ(ModelError(j), "ok");
  // synth's expected answers model nvprobe's requests only: the same is refused there.
  StatusOr<Machine> synth = ParseMachine(j);
  ASSERT_FALSE(synth.ok());
  EXPECT_THAT(synth.status().message(), HasSubstr("not a control nvprobe issues"));

  j["faults"] = {{"control_status", {{"NV2080_CTRL_CMD_GPU_GET_ENGINES", "NV_ERR_NOT_SUPPORTED"}}}};
  EXPECT_THAT(ModelError(j), HasSubstr("faults.control_status.NV2080_CTRL_CMD_GPU_GET_ENGINES: not a "
                                       "control release 550.163.01 describes"));
  j["faults"] = {{"control_status", {{"NV2080_CTRL_CMD_GPU_GET_INFO", "NV_ERR_BOGUS"}}}};
  EXPECT_THAT(ModelError(j), HasSubstr("faults.control_status.NV2080_CTRL_CMD_GPU_GET_INFO: NV_ERR_BOGUS "
                                       "is not a status of release 550.163.01"));
  j["faults"] = {{"ioctl_errno", {{"NV_ESC_NOT_A_THING", "EIO"}}}};
  EXPECT_THAT(ModelError(j), HasSubstr("faults.ioctl_errno.NV_ESC_NOT_A_THING: not an escape"));
  j["faults"] = {{"alloc_status", {{"NV50_MEMORY_VIRTUAL", "NV_ERR_NO_MEMORY"}}}};
  EXPECT_THAT(ModelError(j), HasSubstr("faults.alloc_status.NV50_MEMORY_VIRTUAL: not a class"));
}

TEST(MachineCheckTest, ValuesNvidiaToolsCannotShowAreErrorsNamingTheKey) {
  Json j = H100();
  j["gpus"][2]["name"] = std::string(64, 'x');
  EXPECT_THAT(ModelError(j), HasSubstr("gpus[2].name: longer than 63 bytes"));
  j["gpus"][2]["name"] = std::string(63, 'x');
  EXPECT_EQ(ModelError(j), "ok");
  j["gpus"][2]["name"] = "NVIDIA\nH100";
  EXPECT_THAT(ModelError(j), HasSubstr("gpus[2].name: byte 10 is not printable ASCII"));
  j["gpus"][2]["name"] = "NVIDIA H100";
  j["gpus"][1]["uuid"] = "GPU-1d8e5a3c-0001-4001-8001-00000000000g";
  EXPECT_THAT(ModelError(j), HasSubstr("gpus[1].uuid: \"GPU-1d8e5a3c-0001-4001-8001-00000000000g\" has a "
                                       "non-hex digit"));
}

}  // namespace
}  // namespace nvprobe::fakedrv
