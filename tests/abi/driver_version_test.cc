#include "abi/driver_version.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nvprobe::abi {
namespace {

using ::testing::HasSubstr;

DriverVersion V(std::string_view text) {
  StatusOr<DriverVersion> v = DriverVersion::Parse(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status().ToString();
  return v.ok() ? *v : DriverVersion();
}

TEST(DriverVersionTest, ParsesEveryShapeNvidiaUses) {
  DriverVersion a = V("535.98");
  EXPECT_EQ(a.major(), 535u);
  EXPECT_EQ(a.minor(), 98u);
  EXPECT_FALSE(a.has_patch());
  EXPECT_EQ(a.ToString(), "535.98");

  DriverVersion b = V("570.124.06");
  EXPECT_EQ(b.major(), 570u);
  EXPECT_EQ(b.minor(), 124u);
  EXPECT_TRUE(b.has_patch());
  EXPECT_EQ(b.patch(), 6u);
  EXPECT_EQ(b.ToString(), "570.124.06");

  EXPECT_EQ(V("515.49.05").ToString(), "515.49.05");
  EXPECT_EQ(V("550.67").ToString(), "550.67");
  EXPECT_EQ(V("470.256.02").ToString(), "470.256.02");
}

TEST(DriverVersionTest, OrdersNumericallyPerComponent) {
  std::vector<std::string> sorted = {"515.43.04", "515.49.05", "515.105.01", "535.98",
                                     "535.98.01", "535.104.05", "535.288.01", "545.23.06",
                                     "550.67",    "550.100",   "570.124.06", "595.45.04"};
  for (size_t i = 0; i + 1 < sorted.size(); ++i) {
    EXPECT_LT(V(sorted[i]), V(sorted[i + 1])) << sorted[i] << " < " << sorted[i + 1];
    EXPECT_GT(V(sorted[i + 1]), V(sorted[i]));
  }
  std::vector<DriverVersion> shuffled;
  for (auto it = sorted.rbegin(); it != sorted.rend(); ++it) shuffled.push_back(V(*it));
  std::sort(shuffled.begin(), shuffled.end());
  for (size_t i = 0; i < sorted.size(); ++i) EXPECT_EQ(shuffled[i].ToString(), sorted[i]);
}

TEST(DriverVersionTest, EqualityIsExact) {
  EXPECT_EQ(V("535.104.05"), V("535.104.05"));
  EXPECT_NE(V("535.98"), V("535.98.00"));
}

// Padding is not part of the number: what Registry::Resolve matches on when a
// version is not known as written (issue 15: 580.95.5 is 580.95.05).
TEST(DriverVersionTest, SameNumbersIgnoresPaddingOnly) {
  EXPECT_TRUE(V("580.95.5").SameNumbers(V("580.95.05")));
  EXPECT_TRUE(V("535.098").SameNumbers(V("535.98")));
  EXPECT_TRUE(V("580.095.005").SameNumbers(V("580.95.05")));
  EXPECT_FALSE(V("580.95.5") == V("580.95.05"));
  EXPECT_FALSE(V("580.95.6").SameNumbers(V("580.95.05")));
  EXPECT_FALSE(V("535.98.0").SameNumbers(V("535.98")));
  EXPECT_FALSE(V("581.95.05").SameNumbers(V("580.95.05")));
}

struct BadCase {
  std::string text;
  std::string why;
};

class DriverVersionBadInputTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(DriverVersionBadInputTest, GivesAClearError) {
  StatusOr<DriverVersion> v = DriverVersion::Parse(GetParam().text);
  ASSERT_FALSE(v.ok()) << GetParam().text;
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(v.status().message(), HasSubstr("bad driver version"));
  EXPECT_THAT(v.status().message(), HasSubstr(GetParam().why));
}

INSTANTIATE_TEST_SUITE_P(
    All, DriverVersionBadInputTest,
    ::testing::Values(BadCase{"", "empty"}, BadCase{"abc", "1 component"},
                      BadCase{"1.2.3.4.5", "5 component"}, BadCase{"535", "1 component"},
                      BadCase{"535.", "empty component"}, BadCase{".98", "empty component"},
                      BadCase{"535..98", "empty component"}, BadCase{"535.98a", "non-digit"},
                      BadCase{"-535.98", "non-digit"}, BadCase{" 535.98", "non-digit"},
                      BadCase{"535.98\n", "non-digit"}, BadCase{"1234567.1", "too long"},
                      BadCase{std::string(33, '5'), "longer than 32"},
                      BadCase{std::string(10000, '1') + ".1", "longer than 32"}));

TEST(DriverVersionTest, ErrorQuotesControlCharactersSafely) {
  StatusOr<DriverVersion> v = DriverVersion::Parse(std::string("5\x01.2", 4));
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(v.status().message(), HasSubstr("\\x01"));
}

}  // namespace
}  // namespace nvprobe::abi
