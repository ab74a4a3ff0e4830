#include "abi/abi_diff.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "abi/registry.h"

namespace nvprobe::abi {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;

std::vector<std::string> Diff(std::string_view a, std::string_view b) {
  const Registry& r = Registry::Default();
  return DiffAbis(**r.AbiOf(*DriverVersion::Parse(a)), **r.AbiOf(*DriverVersion::Parse(b)));
}

TEST(AbiDiffTest, ReleaseWithoutChangesHasNoDiff) {
  EXPECT_THAT(Diff("535.104.05", "535.104.12"), IsEmpty());
}

TEST(AbiDiffTest, The535LayoutChange) {
  std::vector<std::string> d = Diff("530.41.03", "535.43.02");
  EXPECT_THAT(d, Contains("struct NVOS21_PARAMETERS: field status moved 24 -> 28"));
  EXPECT_THAT(d, Contains("struct NVOS21_PARAMETERS: field paramsSize added @24, 4 bytes, integer"));
  EXPECT_THAT(d, Contains("struct NVOS64_PARAMETERS: size 40 -> 48"));
  EXPECT_THAT(d, Contains("struct NVOS64_PARAMETERS: field status moved 36 -> 40"));
  EXPECT_THAT(d, Contains("constant NV_ERR_ALREADY_SIGNALLED = 0x7b added"));
}

TEST(AbiDiffTest, VersionQueryAndBehaviour) {
  std::vector<std::string> d = Diff("525.147.05", "530.30.02");
  EXPECT_THAT(d, Contains("constant NV_RM_API_VERSION_CMD_OVERRIDE removed (was 0x32)"));
  EXPECT_THAT(d, Contains("constant NV_RM_API_VERSION_CMD_QUERY = 0x32 added"));
  EXPECT_THAT(d, Contains("behaviour version_query: off -> on"));
}

TEST(AbiDiffTest, StructsAndEscapesAddedAndTheReverse) {
  std::vector<std::string> d = Diff("545.29.06", "550.40.07");
  EXPECT_THAT(d, Contains("struct nv_ioctl_wait_open_complete_t added (8 bytes, 2 fields)"));
  EXPECT_THAT(d, Contains("escape NV_ESC_WAIT_OPEN_COMPLETE = 0xda added, takes "
                          "nv_ioctl_wait_open_complete_t"));
  std::vector<std::string> back = Diff("550.40.07", "545.29.06");
  EXPECT_THAT(back, Contains("struct nv_ioctl_wait_open_complete_t removed (was 8 bytes)"));
  EXPECT_THAT(back, Contains("escape NV_ESC_WAIT_OPEN_COMPLETE removed"));
}

TEST(AbiDiffTest, The595Changes) {
  std::vector<std::string> d = Diff("590.48.01", "595.44.02");
  EXPECT_THAT(d, Contains("struct NV2080_CTRL_GPU_GET_NAME_STRING_PARAMS: size 132 -> 68"));
  EXPECT_THAT(d, Contains("struct NV2080_CTRL_GPU_GET_NAME_STRING_PARAMS: field "
                          "gpuNameString.unicode removed (was @4, 128 bytes, array[64] in union "
                          "gpuNameString)"));
  EXPECT_THAT(d, Contains("behaviour strict_outer_size: off -> on"));
}

}  // namespace
}  // namespace nvprobe::abi
