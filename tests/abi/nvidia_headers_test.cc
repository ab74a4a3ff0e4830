// Checks the hand-written ABI description against facts compiled out of NVIDIA's
// own headers for every release tag (abi/testdata/nvidia_header_facts.json, made by
// tools/nvidia_facts/extract.py): same structs, sizes, field offsets and widths, and
// same constants, in every release, nothing more and nothing less. Constants the
// layer marks as carried back from a later release (Abi::carried_back()) are not the
// release's own and are left out; tests/abi/carried_constants_test.cc checks them.
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "abi/registry.h"
#include "tests/abi/header_facts.h"

namespace nvprobe::abi {
namespace {

constexpr char kFactsPath[] = "abi/testdata/nvidia_header_facts.json";

// Constants we describe that the extractor does not look for.
const std::set<std::string> kNotExtracted = {"NV_IOCTL_NUMA_INFO_MAX_OFFLINE_ADDRESSES"};

class NvidiaHeadersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    facts_ = new HeaderFacts(kFactsPath);
    ASSERT_TRUE(facts_->ok()) << facts_->error();
  }
  static void TearDownTestSuite() { delete facts_; }

  static const nlohmann::json* VariantFor(const nlohmann::json& variants, const std::string& tag) {
    return facts_->VariantFor(variants, tag);
  }

  static HeaderFacts* facts_;
};

HeaderFacts* NvidiaHeadersTest::facts_ = nullptr;

TEST_F(NvidiaHeadersTest, FactsCoverEveryKnownRelease) {
  std::set<std::string> known;
  for (const ReleaseInfo& r : Registry::Default().releases()) known.insert(r.version.ToString());
  EXPECT_EQ(std::set<std::string>(facts_->tags().begin(), facts_->tags().end()), known);
}

TEST_F(NvidiaHeadersTest, StructsMatchEveryRelease) {
  int problems = 0;
  for (const std::string& tag : facts_->tags()) {
    auto abi = *Registry::Default().AbiOf(*DriverVersion::Parse(tag));
    std::set<std::string> seen;
    for (const auto& [name, variants] : facts_->json()["structs"].items()) {
      const nlohmann::json* v = VariantFor(variants, tag);
      if (v == nullptr) continue;
      seen.insert(name);
      const StructLayout* s = abi->FindStruct(name);
      if (s == nullptr) {
        ADD_FAILURE() << tag << ": struct " << name << " missing";
        ++problems;
        continue;
      }
      EXPECT_EQ(s->size, (*v)["size"].get<uint32_t>()) << tag << ": size of " << name;
      std::set<std::string> fields;
      for (const auto& [fname, pair] : (*v)["fields"].items()) {
        fields.insert(fname);
        const Field* f = s->Find(fname);
        if (f == nullptr) {
          ADD_FAILURE() << tag << ": " << name << "." << fname << " missing";
          ++problems;
          continue;
        }
        EXPECT_EQ(f->offset, pair[0].get<uint32_t>()) << tag << ": offset of " << name << "." << fname;
        EXPECT_EQ(f->width, pair[1].get<uint32_t>()) << tag << ": width of " << name << "." << fname;
      }
      for (const Field& f : s->fields) {
        EXPECT_TRUE(fields.contains(f.name)) << tag << ": " << name << "." << f.name
                                             << " is not in NVIDIA's header";
      }
    }
    for (const auto& [name, s] : abi->structs()) {
      EXPECT_TRUE(seen.contains(name)) << tag << ": struct " << name << " does not exist there";
    }
    if (problems > 20) FAIL() << "too many problems; stopping";
  }
}

TEST_F(NvidiaHeadersTest, ConstantsMatchEveryRelease) {
  int problems = 0;
  for (const std::string& tag : facts_->tags()) {
    auto abi = *Registry::Default().AbiOf(*DriverVersion::Parse(tag));
    std::set<std::string> seen;
    for (const auto& [name, variants] : facts_->json()["constants"].items()) {
      const nlohmann::json* v = VariantFor(variants, tag);
      if (v == nullptr) continue;
      seen.insert(name);
      std::optional<uint64_t> ours = abi->FindConstant(name);
      if (!ours) {
        ADD_FAILURE() << tag << ": constant " << name << " missing";
        ++problems;
      } else if (auto from = abi->CarriedBackFrom(name)) {
        ADD_FAILURE() << tag << ": constant " << name << " is marked as carried back from "
                      << from->ToString() << ", but this release's headers have it";
        ++problems;
      } else if (*ours != (*v)["value"].get<uint64_t>()) {
        ADD_FAILURE() << tag << ": constant " << name << " is " << *ours << ", NVIDIA says "
                      << (*v)["value"].get<uint64_t>();
        ++problems;
      }
    }
    for (const auto& [name, value] : abi->constants()) {
      if (abi->CarriedBackFrom(name)) continue;  // not the release's own
      if (!seen.contains(name) && !kNotExtracted.contains(name)) {
        ADD_FAILURE() << tag << ": constant " << name << " does not exist there";
        ++problems;
      }
    }
    if (problems > 40) FAIL() << "too many problems; stopping";
  }
}

}  // namespace
}  // namespace nvprobe::abi
