// Loading a machine description (fake_driver/machine/machine_description.h): the
// checks read JsonDoc's views of the text, and must take what nlohmann_json's DOM
// of the same text holds.
#include "fake_driver/machine/machine_description.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace nvprobe::fakedrv {
namespace {

using ::testing::HasSubstr;

// One GPU; `gpu_extra` and `top_extra` are spliced in as members.
std::string Description(const std::string& gpu_extra = "", const std::string& top_extra = "") {
  return R"({"name": "one", "source": "test", )" + top_extra + R"("gpus": [{
    "pci_bus_id": "0000:3b:00.0", "device_id": "0x20f1", "subsystem_id": "0x145f10de",
    "revision_id": "0xa1", "class": "0x030200", "chip": "GA100", "architecture": "Ampere",
    "arch": "0x170", "impl": "0x0", "compute_capability": "8.0", "name": "NVIDIA A100",
    "uuid": "GPU-a100a100-0000-4000-8000-000000000001", "memory_mib": 40960, )" +
         gpu_extra + R"("minor": 0}]})";
}

TEST(MachineDescriptionTest, KeepsTheJsonAsNlohmannReadsIt) {
  const std::string text = Description("", R"("notes": {"b": [1, 2.5, null], "a": "x"}, )");
  StatusOr<Machine> m = ParseMachineText(text, "in");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->json, nlohmann::ordered_json::parse(text));
  EXPECT_EQ(m->json.dump(), nlohmann::ordered_json::parse(text).dump()) << "member order too";
}

TEST(MachineDescriptionTest, DropLeavesNoJson) {
  StatusOr<Machine> m = ParseMachineText(Description(), "in", MachineUse::kModel, MachineJson::kDrop);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_TRUE(m->json.is_null());
  EXPECT_EQ(m->gpus.size(), 1u);
}

// nlohmann_json keeps the last of duplicate names, so the checks see only it.
TEST(MachineDescriptionTest, TheLastOfDuplicateNamesCounts) {
  StatusOr<Machine> m = ParseMachineText(
      Description(R"("minor": 300, )", R"("faults": {"ctl_open_errno": "ENOTANERRNO", "ctl_open_errno": "EACCES"}, )"),
      "in", MachineUse::kModel);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->gpus[0].minor, 0u);
  EXPECT_EQ(m->faults.ctl_open_errno, EACCES);
  StatusOr<Machine> bad = ParseMachineText(
      Description("", R"("faults": {"ctl_open_errno": "EACCES", "ctl_open_errno": "ENOTANERRNO"}, )"), "in",
      MachineUse::kModel);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("faults.ctl_open_errno: not an errno name"));
}

// A number RapidJSON finds too big, which nlohmann_json reads (as 0.0): the text
// is read from nlohmann_json's rewrite, as before.
TEST(MachineDescriptionTest, ANumberOnlyNlohmannTakesIsStillTaken) {
  StatusOr<Machine> m = ParseMachineText(Description("", R"("notes": 0e400, )"), "in");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->json["notes"], 0.0);
}

TEST(MachineDescriptionTest, ErrorsNameTheFileAndTheKey) {
  StatusOr<Machine> m = ParseMachineText(Description(R"("speed": 1, )"), "in.json");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(), "in.json: gpus[0].speed: unknown key");
  StatusOr<Machine> json = ParseMachineText("{\"name\": \"x\",\n  \"gpus\": [}", "in.json");
  ASSERT_FALSE(json.ok());
  EXPECT_THAT(json.status().message(), HasSubstr("in.json:2:"));
  EXPECT_THAT(json.status().message(), HasSubstr("not valid JSON"));
}

// ParseMachine (a DOM: synth, tests) and ParseMachineText agree.
TEST(MachineDescriptionTest, TheDomAndItsTextAgree) {
  const std::string text = Description("", R"("faults": {"gpu_open_errno": {"0": "EPERM"}}, )");
  StatusOr<Machine> from_text = ParseMachineText(text, "in", MachineUse::kModel);
  StatusOr<Machine> from_dom = ParseMachine(nlohmann::ordered_json::parse(text), MachineUse::kModel);
  ASSERT_TRUE(from_text.ok()) << from_text.status().message();
  ASSERT_TRUE(from_dom.ok()) << from_dom.status().message();
  EXPECT_EQ(from_dom->faults.gpu_open_errno, from_text->faults.gpu_open_errno);
  EXPECT_EQ(from_dom->gpus[0].uuid, from_text->gpus[0].uuid);
  EXPECT_EQ(from_dom->json, from_text->json);
}

}  // namespace
}  // namespace nvprobe::fakedrv
