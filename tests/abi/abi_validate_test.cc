// Abi::Validate() catches the mistakes a hand-written delta can make.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "abi/abi_builder.h"

namespace nvprobe::abi {
namespace {

using ::testing::HasSubstr;

AbiBuilder Builder() { return AbiBuilder(*DriverVersion::Parse("535.43.02")); }

std::string Problem(AbiBuilder b) {
  Status s = std::move(b).Build().Validate();
  return s.ok() ? "" : s.message();
}

TEST(AbiValidateTest, AcceptsAGoodStruct) {
  AbiBuilder b = Builder();
  b.Struct("S", 16).U32("a", 0).U32("count", 4).Pointer("p", 8, nested::Bytes("count"));
  EXPECT_EQ(Problem(std::move(b)), "");
}

TEST(AbiValidateTest, FieldPastTheEnd) {
  AbiBuilder b = Builder();
  b.Struct("S", 8).U32("a", 0).U64("b", 4);
  EXPECT_THAT(Problem(std::move(b)), HasSubstr("S.b ends at 12, past the struct's size 8"));
}

TEST(AbiValidateTest, OverlappingFields) {
  AbiBuilder b = Builder();
  b.Struct("S", 8).U32("a", 0).U16("b", 2);
  EXPECT_THAT(Problem(std::move(b)), HasSubstr("S.b overlaps a"));
}

TEST(AbiValidateTest, UnionMembersMayOverlapEachOtherOnly) {
  AbiBuilder ok = Builder();
  ok.Struct("S", 12).U32("f", 0).Union("u").String("u.a", 4, 8).Array("u.w", 4, 2, 4).EndUnion();
  EXPECT_EQ(Problem(std::move(ok)), "");
  AbiBuilder bad = Builder();
  bad.Struct("S", 12).Union("u").String("u.a", 0, 8).EndUnion().U32("x", 4);
  EXPECT_THAT(Problem(std::move(bad)), HasSubstr("S.x overlaps u.a"));
}

TEST(AbiValidateTest, PointerNeedsAKnownSizeField) {
  AbiBuilder b = Builder();
  b.Struct("S", 16).Pointer("p", 8, nested::Bytes("missing"));
  EXPECT_THAT(Problem(std::move(b)), HasSubstr("size field missing"));
}

TEST(AbiValidateTest, NestedElementStructMustExist) {
  AbiBuilder b = Builder();
  b.Struct("S", 16).U32("n", 0).Pointer("p", 8, nested::Elements("NOPE", "n"));
  EXPECT_THAT(Problem(std::move(b)), HasSubstr("element struct NOPE unknown"));
}

TEST(AbiValidateTest, BindingNeedsItsStruct) {
  AbiBuilder b = Builder();
  b.Control("NV_FAKE_CMD", 0x1234, "NO_SUCH_PARAMS");
  EXPECT_THAT(Problem(std::move(b)), HasSubstr("params struct NO_SUCH_PARAMS unknown"));
}

TEST(AbiValidateTest, StructArrayElementSizeMustMatch) {
  AbiBuilder b = Builder();
  b.Struct("E", 8).U32("i", 0).U32("d", 4);
  b.Struct("S", 28).U32("n", 0).StructArray("list", 4, "E", 12, 2);
  EXPECT_THAT(Problem(std::move(b)), HasSubstr("unknown or of another size"));
}

}  // namespace
}  // namespace nvprobe::abi
