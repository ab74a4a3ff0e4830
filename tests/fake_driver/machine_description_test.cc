// Loading a machine description (fake_driver/machine/machine_description.h): the
// checks read JsonDoc's views of the text, and must take what nlohmann_json's DOM
// of the same text holds.
#include "fake_driver/machine/machine_description.h"

#include <cstdio>
#include <string>
#include <vector>

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

// A key written twice in one object used to be taken silently (the last one
// counted, as nlohmann_json keeps it): refused, naming the key and both places.
TEST(MachineDescriptionTest, DuplicateKeysAreRefusedNamingTheKey) {
  StatusOr<Machine> faults = ParseMachineText(
      Description("", "\"faults\": {\"ctl_open_errno\": \"ENOTANERRNO\",\n \"ctl_open_errno\": \"EACCES\"}, "),
      "in.json", MachineUse::kModel);
  ASSERT_FALSE(faults.ok());
  EXPECT_EQ(faults.status().message(),
            "in.json:2:20: faults.ctl_open_errno: duplicate key (first at 1:64); write each key once");
  StatusOr<Machine> gpu = ParseMachineText(Description(R"("minor": 300, )"), "in.json");
  ASSERT_FALSE(gpu.ok());
  EXPECT_THAT(gpu.status().message(), HasSubstr(": gpus[0].minor: duplicate key (first at "));
  StatusOr<Machine> top = ParseMachineText(Description("", R"("name": "two", )"), "in.json");
  ASSERT_FALSE(top.ok());
  EXPECT_THAT(top.status().message(), HasSubstr(": name: duplicate key (first at 1:10)"));
  // Free-form notes too: a description says each thing once.
  StatusOr<Machine> notes = ParseMachineText(Description("", R"("notes": {"a": [{"b": 1, "b": 2}]}, )"), "in.json");
  ASSERT_FALSE(notes.ok());
  EXPECT_THAT(notes.status().message(), HasSubstr(": notes.a[0].b: duplicate key"));
  // The same name in two objects is no duplicate.
  EXPECT_TRUE(ParseMachineText(Description("", R"("notes": {"name": {"name": 1}}, )"), "in.json").ok());
  // What only nlohmann_json parses (ParseMachineText's fallback) is checked too.
  StatusOr<Machine> fallback =
      ParseMachineText(Description("", R"("notes": 0e400, "notes": 1, )"), "in.json");
  ASSERT_FALSE(fallback.ok());
  EXPECT_THAT(fallback.status().message(), HasSubstr("in.json: \"notes\": duplicate key"));
}

// faults.files_version is written into the driver's version files: a driver
// version, checked as such (it used to be any string, and synth failed later
// naming a repository file).
TEST(MachineDescriptionTest, FilesVersionMustBeADriverVersion) {
  for (const char* bad : {"abc", "", "580", "580.95.05.1", "580.95.05 "}) {
    StatusOr<Machine> m = ParseMachineText(
        Description("", std::string(R"("faults": {"files_version": ")") + bad + R"("}, )"), "in.json",
        MachineUse::kModel);
    ASSERT_FALSE(m.ok()) << bad;
    EXPECT_THAT(m.status().message(), HasSubstr("in.json: faults.files_version: bad driver version \"")) << bad;
  }
  StatusOr<Machine> ok =
      ParseMachineText(Description("", R"("faults": {"files_version": "595.45.04"}, )"), "in.json");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->faults.files_version, "595.45.04");
}

// Two GPUs on one bus ID were reported as out of PCI bus order.
TEST(MachineDescriptionTest, ADuplicateBusIdIsNamedAsSuch) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(Description());
  nlohmann::ordered_json second = j["gpus"][0];
  second["uuid"] = "GPU-a100a100-0000-4000-8000-000000000002";
  second["minor"] = 1;
  j["gpus"].push_back(second);
  StatusOr<Machine> m = ParseMachineText(j.dump(), "in.json");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(),
            "in.json: gpus[1].pci_bus_id: \"0000:3b:00.0\" is gpus[0]'s too; every GPU has its own");
  j["gpus"][1]["pci_bus_id"] = "0000:18:00.0";
  StatusOr<Machine> order = ParseMachineText(j.dump(), "in.json");
  ASSERT_FALSE(order.ok());
  EXPECT_THAT(order.status().message(), HasSubstr("gpus[1].pci_bus_id: \"0000:18:00.0\" comes before gpus[0]'s "
                                                  "\"0000:3b:00.0\"; GPUs must be listed in PCI bus order"));
}

// More GPUs than NVIDIA's userspace takes (NV_MAX_DEVICES, 32): valid, with a warning.
TEST(MachineDescriptionTest, MoreThan32GpusIsAWarningNotAnError) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(Description());
  const nlohmann::ordered_json gpu = j["gpus"][0];
  j["gpus"] = nlohmann::ordered_json::array();
  for (int i = 0; i < 33; ++i) {
    nlohmann::ordered_json g = gpu;
    char bus[16], uuid[48];
    std::snprintf(bus, sizeof bus, "0000:%02x:00.0", i + 1);
    std::snprintf(uuid, sizeof uuid, "GPU-a100a100-0000-4000-8000-%012d", i);
    g["pci_bus_id"] = bus;
    g["uuid"] = uuid;
    g["minor"] = i;
    j["gpus"].push_back(g);
    if (i == 31) {
      StatusOr<Machine> m32 = ParseMachineText(j.dump(), "in.json");
      ASSERT_TRUE(m32.ok()) << m32.status().message();
      EXPECT_TRUE(MachineWarnings(*m32).empty());
    }
  }
  StatusOr<Machine> m = ParseMachineText(j.dump(), "in.json");
  ASSERT_TRUE(m.ok()) << m.status().message();
  const std::vector<std::string> warnings = MachineWarnings(*m);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("33 GPUs: NVIDIA's nvidia-smi and NVML refuse a machine with more than 32"));
  EXPECT_THAT(warnings[0], HasSubstr("NV_MAX_DEVICES"));
}

// Text of the description quoted in an error cannot drive the terminal.
TEST(MachineDescriptionTest, QuotedTextIsEscaped) {
  StatusOr<Machine> m =
      ParseMachineText(Description("", R"("platform": "bare\u001b[2K\u202emetal", )"), "in\x1b.json");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(),
            "in\\x1b.json: platform: \"bare\\x1b[2K\\u202emetal\" is not bare-metal, container, wsl2 or no-driver");
  StatusOr<Machine> key = ParseMachineText(Description("\"\xc2\x9b" "31m\": 1, "), "in.json");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().message(), "in.json: gpus[0].\\u009b31m: unknown key");
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
