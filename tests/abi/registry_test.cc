#include "abi/registry.h"

#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "abi/abi_json.h"
#include "abi/releases/release_table.h"
#include "abi/struct_view.h"

namespace nvprobe::abi {
namespace {

using ::testing::HasSubstr;

const Registry& R() { return Registry::Default(); }

std::shared_ptr<const Abi> AbiAt(std::string_view version) {
  StatusOr<Resolution> r = R().Resolve(version);
  EXPECT_TRUE(r.ok()) << version;
  EXPECT_TRUE(r->exact()) << version << " should be a known release";
  StatusOr<std::shared_ptr<const Abi>> a = R().AbiOf(r->release);
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  return *a;
}

uint32_t SizeOf(std::string_view version, std::string_view s) {
  const StructLayout* l = AbiAt(version)->FindStruct(s);
  EXPECT_NE(l, nullptr) << s << " missing in " << version;
  return l ? l->size : 0;
}

uint32_t OffsetOf(std::string_view version, std::string_view s, std::string_view f) {
  const StructLayout* l = AbiAt(version)->FindStruct(s);
  const Field* field = l ? l->Find(f) : nullptr;
  EXPECT_NE(field, nullptr) << s << "." << f << " missing in " << version;
  return field ? field->offset : 0;
}

TEST(RegistryTest, KnowsEveryOpenModuleTagFrom515To595) {
  const auto& rel = R().releases();
  ASSERT_EQ(rel.size(), 193u);
  EXPECT_EQ(rel.front().version.ToString(), "515.43.04");
  EXPECT_EQ(rel.back().version.ToString(), "595.45.04");
  for (const char* v : {"515.49.05", "525.60.13", "530.30.02", "535.98", "535.288.01",
                        "550.67", "550.100", "570.124.06", "580.95.05", "590.48.01",
                        "595.44.02"}) {
    EXPECT_TRUE(R().Knows(*DriverVersion::Parse(v))) << v;
  }
}

TEST(RegistryTest, EveryReleaseBuildsAndValidates) {
  for (const ReleaseInfo& info : R().releases()) {
    StatusOr<std::shared_ptr<const Abi>> a = R().AbiOf(info.version);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    EXPECT_EQ((*a)->release(), info.version);
    Status valid = (*a)->Validate();
    EXPECT_TRUE(valid.ok()) << valid.ToString();
  }
}

// AbiOf builds a release from its nearest cached ancestor; the result may not
// depend on what was cached before: every release built cold from the root must
// equal the same release built on top of its already-built parent.
TEST(RegistryTest, BuildingFromTheRootOrFromACachedParentAgrees) {
  StatusOr<std::unique_ptr<Registry>> warm = Registry::FromTable(releases::ReleaseTable());
  ASSERT_TRUE(warm.ok()) << warm.status().ToString();
  for (const ReleaseInfo& info : (*warm)->releases()) {  // oldest first: parents are cached
    StatusOr<std::unique_ptr<Registry>> cold = Registry::FromTable(releases::ReleaseTable());
    ASSERT_TRUE(cold.ok());
    StatusOr<std::shared_ptr<const Abi>> a = (*cold)->AbiOf(info.version);
    StatusOr<std::shared_ptr<const Abi>> b = (*warm)->AbiOf(info.version);
    ASSERT_TRUE(a.ok() && b.ok()) << info.version.ToString();
    EXPECT_EQ((*a)->release(), info.version);
    EXPECT_EQ(DumpJson(**a).dump(1), DumpJson(**b).dump(1)) << info.version.ToString();
  }
}

TEST(RegistryTest, ParentsFollowNvidiaBranches) {
  std::map<std::string, std::string> parent;
  for (const ReleaseInfo& info : R().releases()) {
    parent[info.version.ToString()] = info.parent ? info.parent->ToString() : "";
  }
  EXPECT_EQ(parent["515.43.04"], "");
  EXPECT_EQ(parent["535.43.08"], "535.43.02");    // within a branch
  EXPECT_EQ(parent["535.288.01"], "535.274.02");
  EXPECT_EQ(parent["545.23.06"], "535.43.02");    // a branch forks from the main line
  EXPECT_EQ(parent["595.44.02"], "590.44.01");
  for (const ReleaseInfo& info : R().releases()) {
    if (info.parent) {
      EXPECT_LT(*info.parent, info.version) << info.version.ToString();
    }
  }
}

TEST(RegistryTest, UnknownVersionsResolveToNearestLowerRelease) {
  struct Case {
    const char* requested;
    const char* release;
    const char* says;
  };
  for (const Case& c : {
           Case{"535.300.01", "535.288.01", "nearest earlier release of the 535 branch"},
           Case{"550.54.99", "550.54.15", "550 branch"},
           Case{"600.10", "595.45.04", "no earlier 600 release"},
           Case{"537.1", "535.288.01", "nearest earlier release"},
           Case{"470.256.02", "515.43.04", "older than every known release"},
           Case{"535.10", "530.41.03", "no earlier 535 release"},
       }) {
    StatusOr<Resolution> r = R().Resolve(c.requested);
    ASSERT_TRUE(r.ok()) << c.requested;
    EXPECT_FALSE(r->exact()) << c.requested;
    EXPECT_EQ(r->release.ToString(), c.release) << c.requested;
    EXPECT_EQ(r->requested.ToString(), c.requested);
    EXPECT_THAT(r->notice, HasSubstr(c.says)) << c.requested;
    EXPECT_THAT(r->notice, HasSubstr(c.requested));
  }
}

// Resolution is numeric per component: a known release written with other zero
// padding is that release, not the nearest earlier one (issue 15: 580.95.5 went to
// 580.94.18).
TEST(RegistryTest, PaddingWrittenDifferentlyResolvesToTheSameNumbers) {
  struct Case {
    const char* requested;
    const char* release;
  };
  for (const Case& c : {Case{"580.95.5", "580.95.05"}, Case{"580.095.05", "580.95.05"},
                        Case{"580.95.005", "580.95.05"}, Case{"535.098", "535.98"},
                        Case{"515.43.4", "515.43.04"}, Case{"595.45.4", "595.45.04"}}) {
    StatusOr<Resolution> r = R().Resolve(c.requested);
    ASSERT_TRUE(r.ok()) << c.requested;
    EXPECT_EQ(r->release.ToString(), c.release) << c.requested;
    EXPECT_FALSE(r->exact()) << c.requested;
    EXPECT_TRUE(r->written_differently) << c.requested;
    EXPECT_EQ(r->notice, std::string("driver ") + c.requested + " is release " + c.release +
                             " written differently (NVIDIA writes it " + c.release + "); using " + c.release);
  }
  StatusOr<Resolution> near = R().Resolve("580.95.6");
  ASSERT_TRUE(near.ok());
  EXPECT_FALSE(near->written_differently);
  EXPECT_EQ(near->release.ToString(), "580.95.05");
  EXPECT_FALSE(R().Resolve("580.95.05")->written_differently);
}

TEST(RegistryTest, KnownVersionResolvesExactly) {
  StatusOr<Resolution> r = R().Resolve("580.95.05");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->exact());
  EXPECT_EQ(r->release.ToString(), "580.95.05");
}

TEST(RegistryTest, BadVersionIsAnError) {
  EXPECT_EQ(R().Resolve("abc").status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(R().Resolve("").ok());
  EXPECT_FALSE(R().AbiOf(*DriverVersion::Parse("535.300.01")).ok());
}

TEST(RegistryTest, RejectsBrokenTables) {
  ReleaseEntry out_of_order[] = {{"535.43.02", "", nullptr}, {"530.30.02", "535.43.02", nullptr}};
  EXPECT_FALSE(Registry::FromTable(out_of_order).ok());
  ReleaseEntry unknown_parent[] = {{"515.43.04", "", nullptr}, {"520.56.06", "519.1", nullptr}};
  EXPECT_FALSE(Registry::FromTable(unknown_parent).ok());
  ReleaseEntry two_roots[] = {{"515.43.04", "", nullptr}, {"520.56.06", "", nullptr}};
  EXPECT_FALSE(Registry::FromTable(two_roots).ok());
}

// ---- Layout change points, on both sides (including later updates of older
// branches, which must not inherit main-line changes). ----

TEST(ChangePointTest, Nvos21StatusMovesAt535_43_02) {
  for (const char* v : {"515.43.04", "525.147.05", "530.41.03"}) {
    EXPECT_EQ(OffsetOf(v, "NVOS21_PARAMETERS", "status"), 24u) << v;
    EXPECT_EQ(AbiAt(v)->FindStruct("NVOS21_PARAMETERS")->Find("paramsSize"), nullptr) << v;
  }
  for (const char* v : {"535.43.02", "535.288.01", "550.67", "595.45.04"}) {
    EXPECT_EQ(OffsetOf(v, "NVOS21_PARAMETERS", "status"), 28u) << v;
    EXPECT_EQ(OffsetOf(v, "NVOS21_PARAMETERS", "paramsSize"), 24u) << v;
    EXPECT_EQ(SizeOf(v, "NVOS21_PARAMETERS"), 32u) << v;
  }
}

TEST(ChangePointTest, Nvos64TailChangesAt525And535) {
  EXPECT_EQ(OffsetOf("520.61.07", "NVOS64_PARAMETERS", "status"), 32u);
  EXPECT_EQ(OffsetOf("525.47.04", "NVOS64_PARAMETERS", "flags"), 32u);
  EXPECT_EQ(OffsetOf("530.41.03", "NVOS64_PARAMETERS", "status"), 36u);
  EXPECT_EQ(SizeOf("530.41.03", "NVOS64_PARAMETERS"), 40u);
  EXPECT_EQ(OffsetOf("535.43.02", "NVOS64_PARAMETERS", "status"), 40u);
  EXPECT_EQ(SizeOf("535.43.02", "NVOS64_PARAMETERS"), 48u);
}

TEST(ChangePointTest, BuildVersionV2GrowsAt560_28_03) {
  const char* s = "NV0000_CTRL_SYSTEM_GET_BUILD_VERSION_V2_PARAMS";
  for (const char* v : {"555.58.02", "550.163.01", "535.288.01"}) EXPECT_EQ(SizeOf(v, s), 776u) << v;
  for (const char* v : {"560.28.03", "580.95.05", "595.45.04"}) {
    EXPECT_EQ(SizeOf(v, s), 1032u) << v;
    EXPECT_EQ(OffsetOf(v, s, "driverBranch"), 512u) << v;
  }
}

TEST(ChangePointTest, ProbedIdsGrowsAt580_65_06) {
  const char* s = "NV0000_CTRL_GPU_GET_PROBED_IDS_PARAMS";
  EXPECT_EQ(SizeOf("575.64.05", s), 256u);
  EXPECT_EQ(SizeOf("570.211.01", s), 256u);
  EXPECT_EQ(SizeOf("580.65.06", s), 384u);
  EXPECT_EQ(OffsetOf("580.65.06", s, "gpuFlags"), 256u);
}

TEST(ChangePointTest, NameStringShrinksAt595_44_02) {
  const char* s = "NV2080_CTRL_GPU_GET_NAME_STRING_PARAMS";
  EXPECT_EQ(SizeOf("590.48.01", s), 132u);
  EXPECT_NE(AbiAt("590.48.01")->FindStruct(s)->Find("gpuNameString.unicode"), nullptr);
  EXPECT_EQ(SizeOf("595.44.02", s), 68u);
  EXPECT_EQ(AbiAt("595.44.02")->FindStruct(s)->Find("gpuNameString.unicode"), nullptr);
  EXPECT_EQ(OffsetOf("595.44.02", s, "gpuNameString.ascii"), 4u);
}

TEST(ChangePointTest, VersionQueryExistsFrom530_30_02) {
  for (const char* v : {"515.43.04", "525.147.05"}) {
    auto a = AbiAt(v);
    EXPECT_FALSE(a->semantics().version_query) << v;
    EXPECT_FALSE(a->FindConstant("NV_RM_API_VERSION_CMD_QUERY").has_value()) << v;
    EXPECT_EQ(a->FindConstant("NV_RM_API_VERSION_CMD_OVERRIDE"), uint64_t{'2'}) << v;
  }
  for (const char* v : {"530.30.02", "535.288.01", "595.45.04"}) {
    auto a = AbiAt(v);
    EXPECT_TRUE(a->semantics().version_query) << v;
    EXPECT_EQ(a->FindConstant("NV_RM_API_VERSION_CMD_QUERY"), uint64_t{'2'}) << v;
    EXPECT_FALSE(a->FindConstant("NV_RM_API_VERSION_CMD_OVERRIDE").has_value()) << v;
  }
}

TEST(ChangePointTest, StrictOuterSizeFrom595_44_02) {
  for (const char* v : {"515.43.04", "580.95.05", "590.48.01"}) {
    EXPECT_FALSE(AbiAt(v)->semantics().strict_outer_size) << v;
  }
  for (const char* v : {"595.44.02", "595.45.04"}) {
    EXPECT_TRUE(AbiAt(v)->semantics().strict_outer_size) << v;
  }
}

TEST(ChangePointTest, WaitOpenCompleteFrom550_40_07) {
  EXPECT_EQ(AbiAt("545.29.06")->FindConstant("NV_ESC_WAIT_OPEN_COMPLETE"), std::nullopt);
  EXPECT_EQ(AbiAt("550.40.07")->FindConstant("NV_ESC_WAIT_OPEN_COMPLETE"), 218u);
  EXPECT_NE(AbiAt("550.40.07")->EscapeByNumber(218), nullptr);
}

// ---- Through typed accessors: the same code reads status on both sides. ----

TEST(ChangePointTest, TypedAccessFollowsTheRelease) {
  for (auto [v, off] : {std::pair{"530.41.03", 24}, std::pair{"535.43.02", 28}}) {
    auto a = AbiAt(v);
    std::vector<uint8_t> buf(32, 0);
    buf[off] = 0x56;  // NV_ERR_NOT_SUPPORTED
    auto r = StructReader::Make(*a->FindStruct("NVOS21_PARAMETERS"), buf);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r->Get<uint32_t>("status"), 0x56u) << v;
    EXPECT_EQ(a->StatusName(*r->Get<uint32_t>("status")), "NV_ERR_NOT_SUPPORTED");
  }
}

TEST(AbiTest, LookupsByNumber) {
  auto a = AbiAt("580.95.05");
  ASSERT_NE(a->ControlByNumber(0x20801701), nullptr);
  EXPECT_EQ(a->ControlByNumber(0x20801701)->params_struct, "NV2080_CTRL_MC_GET_ARCH_INFO_PARAMS");
  ASSERT_NE(a->ClassByNumber(0x2080), nullptr);
  EXPECT_EQ(a->ClassByNumber(0x2080)->name, "NV20_SUBDEVICE_0");
  ASSERT_NE(a->EscapeByNumber(0x2A), nullptr);
  EXPECT_EQ(a->EscapeByNumber(0x2A)->params_struct, "NVOS54_PARAMETERS");
  const Binding* alloc = a->EscapeByNumber(0x2B);
  ASSERT_NE(alloc, nullptr);
  EXPECT_EQ(alloc->ParamsForSize(32, *a), "NVOS21_PARAMETERS");
  EXPECT_EQ(alloc->ParamsForSize(48, *a), "NVOS64_PARAMETERS");
  EXPECT_EQ(alloc->ParamsForSize(7, *a), "NVOS21_PARAMETERS");
  EXPECT_EQ(a->StatusName(0x12345678), "0x12345678 (unknown status)");
  EXPECT_EQ(a->StatusName(0), "NV_OK");
  EXPECT_EQ(a->StatusName(0x1B), "NV_ERR_INSUFFICIENT_PERMISSIONS");
  EXPECT_EQ(a->Constant("NV2080_CTRL_MC_ARCH_INFO_ARCHITECTURE_GH100").value(), 0x180u);
  EXPECT_EQ(a->Constant("NV2080_CTRL_GPU_INFO_INDEX_GPU_SM_VERSION").value(), 0x2Cu);
  EXPECT_EQ(a->Constant("NV2080_CTRL_FB_INFO_INDEX_TOTAL_RAM_SIZE").value(), 0x8u);
  EXPECT_FALSE(a->Constant("NO_SUCH_THING").ok());
}

}  // namespace
}  // namespace nvprobe::abi
