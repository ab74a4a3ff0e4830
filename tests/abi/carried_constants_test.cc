// Constants carried back from a later release (Abi::carried_back()): NVIDIA's headers
// name Ada's and Hopper's MC_ARCH_INFO implementations only from 565.57.01, though
// earlier drivers report the same numbers. Every earlier release carries them with
// exactly the values of 565.57.01's headers (abi/testdata/nvidia_header_facts.json),
// marked; releases from 565.57.01 have them from their own headers, unmarked; and
// no carried constant contradicts a release's own headers. nvidia_headers_test checks
// the releases' own constants, leaving the marked ones out.
#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "abi/abi_builder.h"
#include "abi/abi_diff.h"
#include "abi/abi_json.h"
#include "abi/registry.h"
#include "tests/abi/header_facts.h"

namespace nvprobe::abi {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

constexpr char kFactsPath[] = "abi/testdata/nvidia_header_facts.json";
constexpr char kImplementation[] = "NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_";
constexpr char kFirstNaming[] = "565.57.01";
// The families whose implementations no header names before 565.57.01 (the issue's
// list; GV10x's are named by no release and GP10x's by every one, in the UVM copy of
// ctrl2080mc.h, so only AD10x's and GH10x's are carried).
const std::vector<std::string> kFamilies = {"AD", "GH", "GV", "GP"};

DriverVersion V(const std::string& s) { return *DriverVersion::Parse(s); }

class CarriedConstantsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    facts_ = new HeaderFacts(kFactsPath);
    ASSERT_TRUE(facts_->ok()) << facts_->error();
  }
  static void TearDownTestSuite() { delete facts_; }

  // The value `tag`'s headers give constant `name`, or nullopt if they lack it.
  static std::optional<uint64_t> HeaderValue(const std::string& name, const std::string& tag) {
    const nlohmann::json& constants = facts_->json()["constants"];
    if (!constants.contains(name)) return std::nullopt;
    for (const auto& v : constants[name]) {
      if (facts_->Expand(v["tags"]).contains(tag)) return v["value"].get<uint64_t>();
    }
    return std::nullopt;
  }

  // The implementation constants of kFamilies that 565.57.01's headers define, with
  // their values there.
  static std::map<std::string, uint64_t> NamedAt565() {
    std::map<std::string, uint64_t> out;
    for (const auto& [name, variants] : facts_->json()["constants"].items()) {
      if (!name.starts_with(kImplementation)) continue;
      std::string family = name.substr(std::string_view(kImplementation).size(), 2);
      if (std::find(kFamilies.begin(), kFamilies.end(), family) == kFamilies.end()) continue;
      if (auto v = HeaderValue(name, kFirstNaming)) out[name] = *v;
    }
    return out;
  }

  static std::shared_ptr<const Abi> AbiOf(const std::string& tag) {
    return *Registry::Default().AbiOf(V(tag));
  }

  static HeaderFacts* facts_;
};

HeaderFacts* CarriedConstantsTest::facts_ = nullptr;

// Not vacuous: 565.57.01's headers name Ada's and Hopper's implementations, and
// no release's headers name them before.
TEST_F(CarriedConstantsTest, TheFactsNameAdaAndHopperFirstAt565) {
  std::map<std::string, uint64_t> named = NamedAt565();
  const std::string p = kImplementation;
  EXPECT_EQ(named[p + "AD102"], 2u);
  EXPECT_EQ(named[p + "AD104"], 4u);
  EXPECT_EQ(named[p + "GH100"], 0u);
  EXPECT_EQ(named[p + "GH100_SOC"], 1u);
  int first_named_at_565 = 0;
  for (const auto& [name, value] : named) {
    bool earlier = false;
    for (const std::string& tag : facts_->tags()) {
      if (V(tag) < V(kFirstNaming) && HeaderValue(name, tag)) earlier = true;
    }
    if (!earlier) ++first_named_at_565;
  }
  EXPECT_GE(first_named_at_565, 11);
}

TEST_F(CarriedConstantsTest, EveryEarlierReleaseHasThemWith565sValues) {
  const std::map<std::string, uint64_t> named = NamedAt565();
  int problems = 0;
  int carried = 0;
  for (const std::string& tag : facts_->tags()) {
    if (!(V(tag) < V(kFirstNaming))) continue;
    auto abi = AbiOf(tag);
    for (const auto& [name, value] : named) {
      std::optional<uint64_t> ours = abi->FindConstant(name);
      std::optional<DriverVersion> from = abi->CarriedBackFrom(name);
      if (!ours) {
        ADD_FAILURE() << tag << ": constant " << name << " missing";
        ++problems;
        continue;
      }
      EXPECT_EQ(*ours, value) << tag << ": " << name << " differs from " << kFirstNaming
                              << "'s headers";
      if (HeaderValue(name, tag)) {
        // The release's own headers have it (GP100, GP000): not carried.
        EXPECT_FALSE(from) << tag << ": " << name << " is its own, yet marked as carried";
      } else {
        ++carried;
        if (!from || from->ToString() != kFirstNaming) {
          ADD_FAILURE() << tag << ": " << name << " is not marked as carried back from "
                        << kFirstNaming;
          ++problems;
        }
      }
    }
    if (problems > 20) FAIL() << "too many problems; stopping";
  }
  EXPECT_GT(carried, 0);
}

TEST_F(CarriedConstantsTest, LaterReleasesHaveThemFromTheirOwnHeaders) {
  const std::map<std::string, uint64_t> named = NamedAt565();
  for (const std::string& tag : facts_->tags()) {
    if (V(tag) < V(kFirstNaming)) continue;
    auto abi = AbiOf(tag);
    EXPECT_TRUE(abi->carried_back().empty())
        << tag << " carries " << abi->carried_back().begin()->first;
    for (const auto& [name, value] : named) {
      std::optional<uint64_t> header = HeaderValue(name, tag);
      // 595.44.02 drops AD10B from its headers, so from the layer too.
      EXPECT_EQ(abi->FindConstant(name), header) << tag << ": " << name;
      EXPECT_FALSE(abi->CarriedBackFrom(name)) << tag << ": " << name;
    }
  }
}

// Whatever is carried (not only these), in every release: its headers lack it, it
// comes from a later release whose headers give it the same value, and that
// release has it as its own.
TEST_F(CarriedConstantsTest, CarriedNeverContradictsTheHeaders) {
  for (const std::string& tag : facts_->tags()) {
    auto abi = AbiOf(tag);
    for (const auto& [name, from] : abi->carried_back()) {
      EXPECT_FALSE(HeaderValue(name, tag)) << tag << ": " << name << " is in its own headers";
      EXPECT_LT(V(tag), from) << tag << ": " << name;
      std::optional<uint64_t> there = HeaderValue(name, from.ToString());
      ASSERT_TRUE(there) << tag << ": " << name << " is not in " << from.ToString() << "'s headers";
      EXPECT_EQ(abi->FindConstant(name), there) << tag << ": " << name;
      auto origin = AbiOf(from.ToString());
      EXPECT_EQ(origin->FindConstant(name), there) << from.ToString() << ": " << name;
      EXPECT_FALSE(origin->CarriedBackFrom(name)) << from.ToString() << ": " << name;
    }
  }
}

TEST_F(CarriedConstantsTest, DumpListsThemAndSaysWhereTheyComeFrom) {
  nlohmann::ordered_json j = DumpJson(*AbiOf("550.163.01"));
  const std::string ad102 = std::string(kImplementation) + "AD102";
  const std::string gh100 = std::string(kImplementation) + "GH100";
  EXPECT_EQ(j["constants"][ad102], 2);
  EXPECT_EQ(j["constants"][gh100], 0);
  ASSERT_TRUE(j.contains("carried_back"));
  EXPECT_EQ(j["carried_back"][ad102], kFirstNaming);
  EXPECT_EQ(j["carried_back"].size(), 11u);
  EXPECT_FALSE(j["carried_back"].contains(std::string(kImplementation) + "GA102"));
  // From 565.57.01 on: exactly the three keys of the contract.
  EXPECT_EQ(DumpJson(*AbiOf(kFirstNaming)).size(), 3u);
}

TEST_F(CarriedConstantsTest, DiffSaysWhenOneBecomesTheHeaders) {
  const std::string ad102 = std::string(kImplementation) + "AD102";
  std::vector<std::string> d = DiffAbis(*AbiOf("560.35.03"), *AbiOf(kFirstNaming));
  EXPECT_THAT(d, Contains("constant " + ad102 +
                          " = 0x2 now in the headers (was carried back from 565.57.01)"));
  EXPECT_THAT(d, Contains(std::string("constant ") + kImplementation + "GB102 = 0x2 added"));
  std::vector<std::string> back = DiffAbis(*AbiOf("595.45.04"), *AbiOf("550.163.01"));
  EXPECT_THAT(back, Contains(std::string("constant ") + kImplementation +
                             "AD10B = 0xb added (carried back from 565.57.01)"));
}

// The builder: Constant() makes a carried constant the release's own; removing it
// removes the mark; a carry never replaces the release's own; Validate() wants the
// origin to be later.
TEST(CarriedBackConstantTest, BuilderKeepsTheMarkOnlyWhileTheHeadersLackIt) {
  AbiBuilder root(V("515.43.04"));
  root.Constant("OWN", 7);
  root.CarriedBackConstant("OWN", 8, V("565.57.01"));
  root.CarriedBackConstant("LATER", 3, V("565.57.01"));
  root.CarriedBackConstant("GONE", 4, V("565.57.01"));
  Abi a = std::move(root).Build();
  EXPECT_EQ(a.FindConstant("OWN"), 7u);
  EXPECT_FALSE(a.CarriedBackFrom("OWN"));
  EXPECT_EQ(a.FindConstant("LATER"), 3u);
  EXPECT_EQ(a.CarriedBackFrom("LATER"), V("565.57.01"));
  EXPECT_TRUE(a.Validate().ok()) << a.Validate().message();

  AbiBuilder child(a, V("565.57.01"));
  child.Constant("LATER", 3);
  child.RemoveConstant("GONE");
  Abi b = std::move(child).Build();
  EXPECT_TRUE(b.carried_back().empty());
  EXPECT_EQ(b.FindConstant("LATER"), 3u);
  EXPECT_FALSE(b.FindConstant("GONE"));

  AbiBuilder late(V("570.86.15"));
  late.CarriedBackConstant("X", 1, V("565.57.01"));
  Status s = std::move(late).Build().Validate();
  EXPECT_THAT(s.message(),
              HasSubstr("X: carried back from 565.57.01, which is not a later release"));
}

}  // namespace
}  // namespace nvprobe::abi
