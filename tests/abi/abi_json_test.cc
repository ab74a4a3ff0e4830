#include "abi/abi_json.h"

#include <gtest/gtest.h>

#include "abi/registry.h"

namespace nvprobe::abi {
namespace {

nlohmann::ordered_json Dump(std::string_view v) {
  return DumpJson(**Registry::Default().AbiOf(*DriverVersion::Parse(v)));
}

TEST(AbiJsonTest, HasExactlyTheContractShape) {
  nlohmann::ordered_json j = Dump("580.95.05");
  ASSERT_TRUE(j.is_object());
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j["driver"], "580.95.05");
  ASSERT_TRUE(j["structs"].is_object());
  ASSERT_TRUE(j["constants"].is_object());
  for (const auto& [name, s] : j["structs"].items()) {
    ASSERT_TRUE(s.is_object()) << name;
    EXPECT_EQ(s.size(), 2u) << name;
    EXPECT_TRUE(s["size"].is_number_unsigned()) << name;
    ASSERT_TRUE(s["fields"].is_object()) << name;
    for (const auto& [field, offset] : s["fields"].items()) {
      EXPECT_TRUE(offset.is_number_unsigned()) << name << "." << field;
      EXPECT_LT(offset.get<uint32_t>(), s["size"].get<uint32_t>()) << name << "." << field;
    }
  }
  for (const auto& [name, value] : j["constants"].items()) {
    EXPECT_TRUE(value.is_number_unsigned()) << name;
  }
}

TEST(AbiJsonTest, UsesNvidiasNames) {
  nlohmann::ordered_json j = Dump("535.43.02");
  EXPECT_EQ(j["structs"]["NVOS21_PARAMETERS"]["size"], 32);
  EXPECT_EQ(j["structs"]["NVOS21_PARAMETERS"]["fields"]["status"], 28);
  EXPECT_EQ(j["structs"]["nv_ioctl_card_info_t"]["fields"]["pci_info.domain"], 4);
  EXPECT_EQ(j["structs"]["nv_ioctl_card_info_t"]["fields"]["dev_name"], 60);
  EXPECT_EQ(j["structs"]["NV2080_CTRL_MC_GET_ARCH_INFO_PARAMS"]["size"], 16);
  EXPECT_EQ(j["constants"]["NV_ESC_RM_ALLOC"], 0x2B);
  EXPECT_EQ(j["constants"]["NV2080_CTRL_CMD_MC_GET_ARCH_INFO"], 0x20801701);
  EXPECT_EQ(j["constants"]["NV_ERR_NOT_SUPPORTED"], 0x56);
  EXPECT_EQ(j["constants"]["NV2080_CTRL_MC_ARCH_INFO_ARCHITECTURE_GH100"], 0x180);
}

TEST(AbiJsonTest, AbsentThingsAreAbsent) {
  nlohmann::ordered_json old = Dump("545.29.06");
  EXPECT_FALSE(old["structs"].contains("nv_ioctl_wait_open_complete_t"));
  EXPECT_FALSE(old["constants"].contains("NV_ESC_WAIT_OPEN_COMPLETE"));
  nlohmann::ordered_json pre530 = Dump("525.147.05");
  EXPECT_FALSE(pre530["constants"].contains("NV_RM_API_VERSION_CMD_QUERY"));
  nlohmann::ordered_json r595 = Dump("595.45.04");
  EXPECT_FALSE(r595["structs"]["NV2080_CTRL_GPU_GET_NAME_STRING_PARAMS"]["fields"].contains(
      "gpuNameString.unicode"));
}

}  // namespace
}  // namespace nvprobe::abi
