#include "abi/struct_view.h"

#include <array>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "abi/abi_builder.h"

namespace nvprobe::abi {
namespace {

using ::testing::HasSubstr;

Abi TestAbi() {
  AbiBuilder b(*DriverVersion::Parse("535.43.02"));
  b.Struct("T", 24)
      .U8("b", 0)
      .U16("h", 2)
      .U32("w", 4)
      .U64("q", 8)
      .Array("arr", 16, 2, 2)
      .String("s", 20, 4);
  return std::move(b).Build();
}

TEST(StructViewTest, ReadsAndWritesTypedFields) {
  Abi abi = TestAbi();
  std::array<uint8_t, 24> buf{};
  auto w = StructWriter::Make(*abi.FindStruct("T"), buf);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w->Set<uint8_t>("b", 0xAB).ok());
  ASSERT_TRUE(w->Set<uint16_t>("h", 0x1234).ok());
  ASSERT_TRUE(w->Set<uint32_t>("w", 0xDEADBEEF).ok());
  ASSERT_TRUE(w->Set<uint64_t>("q", 0x0102030405060708ull).ok());
  ASSERT_TRUE(w->SetElement<uint16_t>("arr", 1, 0xBEEF).ok());
  ASSERT_TRUE(w->SetString("s", "abc").ok());

  EXPECT_EQ(buf[0], 0xAB);
  EXPECT_EQ(buf[2], 0x34);  // little-endian at the declared offset
  EXPECT_EQ(buf[3], 0x12);
  EXPECT_EQ(buf[8], 0x08);
  EXPECT_EQ(buf[18], 0xEF);
  EXPECT_EQ(*w->Get<uint32_t>("w"), 0xDEADBEEFu);
  EXPECT_EQ(*w->Get<uint64_t>("q"), 0x0102030405060708ull);
  EXPECT_EQ(*w->GetElement<uint16_t>("arr", 1), 0xBEEF);
  EXPECT_EQ(*w->GetString("s"), "abc");
}

TEST(StructViewTest, RejectsWrongWidthUnknownFieldAndBadIndex) {
  Abi abi = TestAbi();
  std::array<uint8_t, 24> buf{};
  auto r = StructReader::Make(*abi.FindStruct("T"), buf);
  ASSERT_TRUE(r.ok());
  auto wrong = r->Get<uint64_t>("w");
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.status().message(), HasSubstr("T.w is 4 bytes wide, accessed as 8"));
  EXPECT_EQ(r->Get<uint32_t>("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(r->GetElement<uint16_t>("arr", 2).status().code(), StatusCode::kOutOfRange);
  EXPECT_FALSE(r->GetElement<uint32_t>("arr", 0).ok());
}

TEST(StructViewTest, RejectsShortBuffers) {
  Abi abi = TestAbi();
  std::vector<uint8_t> buf(23);
  EXPECT_FALSE(StructReader::Make(*abi.FindStruct("T"), buf).ok());
}

TEST(StructViewTest, StringWithoutTerminatorStopsAtFieldEnd) {
  Abi abi = TestAbi();
  std::array<uint8_t, 24> buf{};
  for (int i = 20; i < 24; ++i) buf[i] = 'x';
  auto r = StructReader::Make(*abi.FindStruct("T"), buf);
  EXPECT_EQ(*r->GetString("s"), "xxxx");
}

TEST(StructViewTest, SetStringNeedsRoomForTheTerminator) {
  Abi abi = TestAbi();
  std::array<uint8_t, 24> buf{};
  auto w = StructWriter::Make(*abi.FindStruct("T"), buf);
  EXPECT_EQ(w->SetString("s", "abcd").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(buf[20], 0);  // nothing written
}

}  // namespace
}  // namespace nvprobe::abi
