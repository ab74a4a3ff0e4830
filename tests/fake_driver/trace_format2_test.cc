// Trace format 2: byte strings with zero runs ("01<6>02"), what they may decode to,
// and format 1 traces still read as they were written (plain hex; allocation
// params sized by paramsSize).
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "abi/registry.h"
#include "fake_driver/trace/hex.h"
#include "fake_driver/trace/trace_io.h"

namespace nvprobe::fakedrv {
namespace {

using ::testing::HasSubstr;

std::vector<uint8_t> Decode(const std::string& s, bool runs = true, size_t max = 1 << 20) {
  StatusOr<std::vector<uint8_t>> b = ByteStringDecode(s, runs, max);
  EXPECT_TRUE(b.ok()) << s << ": " << b.status().message();
  return b.ok() ? *b : std::vector<uint8_t>{};
}

std::string Error(const std::string& s, bool runs = true, size_t max = 1 << 20) {
  StatusOr<std::vector<uint8_t>> b = ByteStringDecode(s, runs, max);
  return b.ok() ? "" : b.status().message();
}

TEST(ByteStringTest, ZeroRunsDecodeAndTheWriterIsCanonical) {
  EXPECT_EQ(Decode("01<6>02"), (std::vector<uint8_t>{1, 0, 0, 0, 0, 0, 0, 2}));
  EXPECT_EQ(Decode("<3>"), std::vector<uint8_t>(3));
  EXPECT_EQ(Decode("<1><2>ff"), (std::vector<uint8_t>{0, 0, 0, 0xff}));
  EXPECT_EQ(Decode(""), std::vector<uint8_t>{});
  EXPECT_EQ(Decode("AbCd"), (std::vector<uint8_t>{0xab, 0xcd}));
  // Runs of 4 or more zeros only; shorter ones stay hex.
  EXPECT_EQ(ByteStringEncode(std::vector<uint8_t>{1, 0, 0, 0, 2}), "0100000002");
  EXPECT_EQ(ByteStringEncode(std::vector<uint8_t>{1, 0, 0, 0, 0, 2}), "01<4>02");
  EXPECT_EQ(ByteStringEncode(std::vector<uint8_t>(4096)), "<4096>");
  EXPECT_EQ(ByteStringEncode(std::vector<uint8_t>{}), "");
  std::vector<uint8_t> mixed;
  for (int i = 0; i < 300; ++i) mixed.push_back(static_cast<uint8_t>(i % 7 == 0 || i % 11 < 6 ? 0 : i));
  EXPECT_EQ(Decode(ByteStringEncode(mixed)), mixed);
}

TEST(ByteStringTest, MalformedRunsAreRefusedSayingWhere) {
  EXPECT_THAT(Error("01<0>"), HasSubstr("zero run at position 2"));
  EXPECT_THAT(Error("<04>"), HasSubstr("no leading zeros"));
  EXPECT_THAT(Error("<"), HasSubstr("zero run at position 0"));
  EXPECT_THAT(Error("<5"), HasSubstr("zero run"));
  EXPECT_THAT(Error("<-5>"), HasSubstr("zero run"));
  EXPECT_THAT(Error("<99999999999>"), HasSubstr("zero run"));
  EXPECT_THAT(Error("0<3>"), HasSubstr("odd number of hex digits (1) before position 1"));
  EXPECT_THAT(Error("zz"), HasSubstr("not a hex digit at position 0: 'z'"));
  // A control byte is named by number, never printed.
  EXPECT_THAT(Error("0\x1b"), HasSubstr("byte 0x1b"));
  // Format 1 has no runs.
  EXPECT_THAT(Error("01<4>0", /*runs=*/false), HasSubstr("not a hex digit at position 2: '<'"));
}

TEST(ByteStringTest, ALargeRunIsRefusedBeforeItIsAllocated) {
  EXPECT_THAT(Error("<4294967295>", true, 1 << 20), HasSubstr("4294967295 bytes, more than the 1048576"));
  EXPECT_THAT(Error("<9999999999>", true, 1 << 20), HasSubstr("more than the"));
  StatusOr<size_t> size = ByteStringSize("ff<9999999999>", true);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 10000000000u);
}

std::vector<std::string> Lines(const char* path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

TraceLoad Parse(const std::vector<std::string>& lines, TraceLimits limits = {}) {
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  std::istringstream in(text);
  return ParseTrace(in, "t.jsonl", abi::Registry::Default(), limits);
}

TEST(TraceFormat2Test, FormatOneReadsToTheSameTrace) {
  TraceLoad v1 = LoadTrace("tests/fake_driver/testdata/h100-v1.trace.jsonl", abi::Registry::Default());
  TraceLoad v2 = LoadTrace("tests/fake_driver/testdata/h100.trace.jsonl", abi::Registry::Default());
  ASSERT_TRUE(v1.ok()) << v1.errors[0];
  ASSERT_TRUE(v2.ok()) << v2.errors[0];
  EXPECT_EQ(v1.trace.version, 1);
  EXPECT_EQ(v2.trace.version, 2);
  ASSERT_EQ(v1.trace.events.size(), v2.trace.events.size());
  std::ostringstream a, b;
  WriteTrace(v1.trace, a);
  WriteTrace(v2.trace, b);
  // Written again, both are format 2 and the same but for the provenance line.
  EXPECT_EQ(a.str(), b.str());
}

TEST(TraceFormat2Test, TheWholeTraceMayDecodeToSoMuch) {
  std::vector<std::string> lines = Lines("tests/fake_driver/testdata/h100.trace.jsonl");
  TraceLimits limits;
  limits.max_decoded_bytes = 4096;  // card info alone is 2 x 2304 bytes
  TraceLoad t = Parse(lines, limits);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.errors[0], HasSubstr("beyond the 4096 bytes of ioctl data a trace may hold"));
  EXPECT_TRUE(Parse(lines).ok());
}

TEST(TraceFormat2Test, AFormat1TraceWithZeroRunsIsRefused) {
  std::vector<std::string> lines = Lines("tests/fake_driver/testdata/h100.trace.jsonl");
  nlohmann::ordered_json h = nlohmann::ordered_json::parse(lines[0]);
  h["version"] = 1;
  lines[0] = h.dump();
  TraceLoad t = Parse(lines);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.errors[0], HasSubstr("not a hex digit"));
  EXPECT_THAT(t.errors[0], HasSubstr("'<'"));
}

// Format 2 records allocation params as the RM reads them: the class's params
// struct even when paramsSize is 0; format 1 recorded none then.
TEST(TraceFormat2Test, AllocationParamsFollowTheClassInFormat2Only) {
  std::vector<std::string> lines = Lines("tests/fake_driver/testdata/h100-v1.trace.jsonl");
  int alloc = -1;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find("NV0080_ALLOC_PARAMETERS") != std::string::npos) alloc = static_cast<int>(i);
  }
  ASSERT_GE(alloc, 0);
  nlohmann::ordered_json ev = nlohmann::ordered_json::parse(lines[alloc]);
  // paramsSize (NVOS21 offset 24) := 0, params dropped: what format 1 wrote.
  for (const char* k : {"in", "out"}) {
    std::string hex = ev[k];
    hex.replace(48, 8, "00000000");
    ev[k] = hex;
  }
  ev.erase("nested");
  lines[alloc] = ev.dump();
  EXPECT_TRUE(Parse(lines).ok()) << Parse(lines).errors[0];
  nlohmann::ordered_json h = nlohmann::ordered_json::parse(lines[0]);
  h["version"] = 2;
  lines[0] = h.dump();
  TraceLoad t = Parse(lines);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.errors[0], HasSubstr("nested buffer \"pAllocParms\" (56 bytes, per the ABI) missing"));
}

}  // namespace
}  // namespace nvprobe::fakedrv
