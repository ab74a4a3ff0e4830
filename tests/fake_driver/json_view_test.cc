// JsonDoc (fake_driver/trace/json_view.h), the trace loader's JSON parser (RapidJSON
// under an adaptor): it must take exactly what nlohmann_json takes and read the
// same values, on every line of the corpus and on texts made to hit each rule
// (strings, escapes, UTF-8, numbers, nesting, duplicates, and where RapidJSON and
// nlohmann_json differ: BOM, NUL bytes, lone surrogates, number typing and range),
// and on random mutations of corpus lines. What it refuses and nlohmann_json
// takes, the loader rewrites with nlohmann_json: that must read the same too.
#include "fake_driver/trace/json_view.h"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace nvprobe::fakedrv {
namespace {

using Json = nlohmann::ordered_json;
constexpr int kDepth = 64;

// Whether nlohmann_json takes `text`, and its value.
bool NlohmannParse(std::string_view text, Json& out) {
  try {
    out = Json::parse(text.begin(), text.end());
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

// JsonDoc never takes what nlohmann_json refuses, and what it takes reads the same
// (same types: nlohmann_json's == would let 1 equal 1.0, dump() does not).
void ExpectSameAsNlohmann(std::string_view text) {
  JsonDoc doc;
  Json want;
  const bool theirs = NlohmannParse(text, want);
  const bool ours = doc.Parse(text, kDepth);
  if (!theirs) {
    EXPECT_FALSE(ours) << "JsonDoc takes what nlohmann_json refuses: " << text;
    return;
  }
  if (!ours) {
    // Allowed: the loader then parses nlohmann_json's dump() of it instead.
    const std::string rewritten = want.dump();
    ASSERT_TRUE(doc.Parse(rewritten, kDepth)) << "refuses nlohmann_json's rewrite: " << rewritten;
    EXPECT_EQ(doc.root().ToJson().dump(), want.dump()) << text;
    return;
  }
  EXPECT_EQ(doc.root().ToJson().dump(), want.dump()) << text;
  EXPECT_EQ(doc.root().Dump(), want.dump()) << text;
}

// The lines of the traces this test's BUILD rule gives it (recorded, synthesized,
// NVIDIA's tools, the 64-GPU one).
std::vector<std::string> CorpusLines() {
  std::vector<std::string> lines;
  for (const char* dir : {"traces", "tests/fake_driver/testdata"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (entry.path().extension() != ".jsonl") continue;
      std::ifstream in(entry.path());
      for (std::string l; std::getline(in, l);) {
        if (!l.empty()) lines.push_back(l);
      }
    }
  }
  return lines;
}

TEST(JsonViewTest, EveryCorpusLineParsesAsNlohmannReadsIt) {
  const std::vector<std::string> lines = CorpusLines();
  ASSERT_GT(lines.size(), 1000u);
  JsonDoc doc;
  for (const std::string& l : lines) {
    // The corpus never needs the loader's nlohmann_json fallback.
    ASSERT_TRUE(doc.Parse(l, kDepth)) << l.substr(0, 200);
    ASSERT_EQ(doc.root().ToJson(), Json::parse(l)) << l.substr(0, 200);
  }
}

TEST(JsonViewTest, RulesAsNlohmann) {
  for (const char* text : {
           // structure
           "{}", "[]", " { } ", "{\"a\":1,}", "[1,]", "[,1]", "{\"a\" 1}", "{\"a\":}", "{a:1}",
           "{\"a\":1}x", "[1] [2]", "", " ", "[", "]", "{\"a\":[1,2,{\"b\":null}]}", "\t[\r\n1\n]",
           "[1\f]", "[1\v]",
           // literals
           "true", "false", "null", "tru", "nul", "True", "[true,false,null]", "truex",
           // numbers
           "0", "-0", "01", "-01", "1.", ".5", "1.5", "-1.5e3", "1e", "1e+", "1E-2", "1e400",
           "-1e400", "18446744073709551615", "18446744073709551616", "-9223372036854775808",
           "-9223372036854775809", "9223372036854775808", "+1", "- 1", "1.0", "0.1e1", "2e-400",
           "[1,-1,1.0,1e0]", "0x10", "Infinity", "NaN", "-",
           // strings and escapes
           "\"\"", "\"abc\"", "\"a\\\"b\"", "\"\\\\\"", "\"\\/\"", "\"\\b\\f\\n\\r\\t\"", "\"\\a\"",
           "\"\\u0041\"", "\"\\u00e9\"", "\"\\u20AC\"", "\"\\ud83d\\ude00\"", "\"\\ud83d\"",
           "\"\\ude00\"", "\"\\ud83dx\"", "\"\\ud83d\\u0041\"", "\"\\u004\"", "\"\\u00g0\"",
           "\"\\u0000\"", "\"unterminated", "\"a\tb\"", "\"a\x01\"", "\"\x7f\"",
           // UTF-8: valid, overlong, surrogates, beyond U+10FFFF, truncated
           "\"\xc3\xa9\"", "\"\xc0\xaf\"", "\"\xc1\xbf\"", "\"\xe2\x82\xac\"", "\"\xe0\x80\xaf\"",
           "\"\xe0\xa0\x80\"", "\"\xed\x9f\xbf\"", "\"\xed\xa0\x80\"", "\"\xf0\x9f\x98\x80\"",
           "\"\xf0\x80\x80\x80\"", "\"\xf4\x8f\xbf\xbf\"", "\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"",
           "\"\xc3\"", "\"\xe2\x82\"", "\"\x80\"", "\"\xff\"", "\xef\xbb\xbf{}",
           // a long plain string (the vector path) with a bad byte at each offset class
           "\"0123456789abcdef0123456789abcdef\"", "\"0123456789abcdef\x01" "0123456789abcdef\"",
           "\"0123456789abcde\\n0123456789abcdef\"", "\"0123456789abcdef01234\xc3\xa9" "6789abcdef\"",
           // numbers where RapidJSON's typing or range differs from nlohmann_json's
           "-0.0", "1E2", "1e2", "-1e2", "1.5E+2", "0e400", "0.0e999", "1e-400", "-1e-400",
           "1e308", "1.8e308", "-1.8e308", "123456789012345678901234567890", "4294967295",
           "4294967296", "-2147483648", "-2147483649", "9223372036854775807",
           "-18446744073709551615", "18446744073709551615.0", "18446744073709551615e0",
           "0.1", "0.30000000000000004", "2.2250738585072011e-308", "4.9e-324",
           "[9007199254740993,-9007199254740993,9007199254740993.0]", "-", "-a", "1.e5", "--1",
           // byte order marks: nlohmann_json skips a whole one at the start, only
           "\xef\xbb\xbf[1]", "\xef\xbb\xbf", "\xef[1]", "\xbb[1]", "\xef\xbb[1]", "\xbf[1]",
           "[1]\xef\xbb\xbf", "\xef\xbb\xbf\xef\xbb\xbf[1]", " \xef\xbb\xbf[1]",
           // lone surrogates, in keys too; raw UTF-8 in keys; escapes beside non-ASCII
           "\"\\udc00\"", "\"\\udfff\"", "\"a\\udc00b\"", "{\"\\udc00\":1}", "{\"\\ud800\":1}",
           "{\"\xc3\xa9\":1}", "{\"\xc3\":1}", "{\"\xed\xa0\x80\":1}", "\"\xc3\xa9\\n\"",
           "\"\\n\xed\xa0\x80\"", "\"\\ud83d\\ude00\\u0000\"", "{\"a\\\"b\":\"c\\\\\"}",
           // non-ASCII outside strings
           "[1,\xc3\xa9]", "\xc3\xa9", "[1]\xc3\xa9",
           // duplicates: the last value, where the key first appeared
           "{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":{\"x\":1},\"a\":[2]}",
       }) {
    SCOPED_TRACE(text);
    ExpectSameAsNlohmann(text);
  }
}

// A NUL byte is nowhere valid JSON; RapidJSON's streams read one as the end.
TEST(JsonViewTest, NulBytesAsNlohmann) {
  using std::string_literals::operator""s;
  for (const std::string& text :
       {"1\0"s, "1\0x"s, "[1]\0"s, "[1]\0[2]"s, "\0"s, "\0[1]"s, "\"a\0b\""s, "[1,\0 2]"s, "{\"a\0\":1}"s,
        "\"\\u0000\""s, "[1] \0"s}) {
    SCOPED_TRACE(testing::PrintToString(text));
    ExpectSameAsNlohmann(text);
  }
}

// The number types as nlohmann_json has them, one by one (dump() would not tell
// integer 0 from unsigned 0). ("0e400", which RapidJSON finds too big, is in
// RulesAsNlohmann: the loader reads nlohmann_json's rewrite of it.)
TEST(JsonViewTest, NumberTypesAsNlohmann) {
  JsonDoc doc;
  for (const char* text : {"0", "-0", "1", "-1", "1.0", "-0.0", "1e2", "1E-2", "18446744073709551615",
                           "18446744073709551616", "-9223372036854775808", "-9223372036854775809",
                           "9223372036854775808", "4294967296", "-4294967296", "1e-400"}) {
    SCOPED_TRACE(text);
    const Json want = Json::parse(text);
    if (!doc.Parse(text, kDepth)) {
      ADD_FAILURE() << "refused";
      continue;
    }
    const JsonView v = doc.root();
    EXPECT_EQ(v.is_number_integer(), want.is_number_integer());
    EXPECT_EQ(v.is_number_unsigned(), want.is_number_unsigned());
    EXPECT_EQ(v.is_number(), want.is_number());
    EXPECT_EQ(v.integer(), want.get<int64_t>());
    EXPECT_EQ(v.unsigned_integer(), want.get<uint64_t>());
    EXPECT_EQ(std::signbit(v.number()), std::signbit(want.get<double>()));
    EXPECT_EQ(v.number(), want.get<double>());
    EXPECT_EQ(v.ToJson().type(), want.type());
    EXPECT_EQ(v.raw(), text);
  }
}

// raw(): each value's text as written, escapes and all.
TEST(JsonViewTest, RawIsTheTextAsWritten) {
  JsonDoc doc;
  const std::string text =
      " {\"a\" : [ 1 , -2.5e1,\"x\\ny\" ,\"\\\"\",{ } ,[ ]] ,\"b\\u0041\":\"\\\\\", \"c\":true,\"d\":false ,\"e\":null\t} ";
  ASSERT_TRUE(doc.Parse(text, kDepth));
  const JsonView root = doc.root();
  EXPECT_EQ(root.raw(), text.substr(1, text.size() - 2));
  const JsonView a = root.Find("a");
  EXPECT_EQ(a.raw(), "[ 1 , -2.5e1,\"x\\ny\" ,\"\\\"\",{ } ,[ ]]");
  std::vector<std::string_view> raws;
  for (JsonView c = a.first(); c; c = c.next()) raws.push_back(c.raw());
  EXPECT_EQ(raws, (std::vector<std::string_view>{"1", "-2.5e1", "\"x\\ny\"", "\"\\\"\"", "{ }", "[ ]"}));
  EXPECT_EQ(a.first().next().next().string(), "x\ny");
  EXPECT_EQ(a.first().next().next().next().string(), "\"");
  EXPECT_EQ(root.Find("bA").raw(), "\"\\\\\"");
  EXPECT_EQ(root.Find("bA").string(), "\\");
  EXPECT_EQ(root.Find("c").raw(), "true");
  EXPECT_EQ(root.Find("d").raw(), "false");
  EXPECT_EQ(root.Find("e").raw(), "null");
}

TEST(JsonViewTest, TypesAndLookupsAsNlohmann) {
  JsonDoc doc;
  ASSERT_TRUE(doc.Parse(R"({"u":7,"i":-7,"f":7.5,"big":18446744073709551616,"s":"x\ny",)"
                        R"("b":true,"n":null,"a":[1],"d":1,"d":2})",
                        kDepth));
  const JsonView root = doc.root();
  EXPECT_TRUE(root.Find("u").is_number_unsigned());
  EXPECT_TRUE(root.Find("u").is_number_integer());
  EXPECT_EQ(root.Find("u").unsigned_integer(), 7u);
  EXPECT_FALSE(root.Find("i").is_number_unsigned());
  EXPECT_TRUE(root.Find("i").is_number_integer());
  EXPECT_EQ(root.Find("i").integer(), -7);
  EXPECT_FALSE(root.Find("f").is_number_integer());
  EXPECT_TRUE(root.Find("f").is_number());
  EXPECT_FALSE(root.Find("big").is_number_integer());  // too large: a double, as nlohmann has it
  EXPECT_EQ(root.Find("s").string(), "x\ny");
  EXPECT_EQ(root.Find("s").raw(), "\"x\\ny\"");
  EXPECT_TRUE(root.Find("b").boolean());
  EXPECT_TRUE(root.Find("n").is_null());
  EXPECT_TRUE(root.Find("a").is_array());
  EXPECT_EQ(root.Find("d").unsigned_integer(), 2u);  // the last of a duplicate
  EXPECT_FALSE(root.Find("missing"));
  EXPECT_FALSE(root.Find("missing").is_string());
  EXPECT_EQ(root.Find("missing").string(), "");
  EXPECT_FALSE(root.Find("a").Find("x"));  // not an object
}

TEST(JsonViewTest, DepthLimitIsNlohmannsNestingCount) {
  JsonDoc doc;
  const std::string ok = std::string(kDepth, '[') + std::string(kDepth, ']');
  const std::string deep = std::string(kDepth + 1, '[') + std::string(kDepth + 1, ']');
  EXPECT_TRUE(doc.Parse(ok, kDepth));
  EXPECT_FALSE(doc.Parse(deep, kDepth));
  // Deeper than the stack would take is refused, not recursed into.
  EXPECT_FALSE(doc.Parse(std::string(1 << 20, '['), kDepth));
}

TEST(JsonViewTest, MutatedCorpusLinesAsNlohmann) {
  std::vector<std::string> lines = CorpusLines();
  std::mt19937 rng(14);  // fixed: a failure reproduces
  const std::string alphabet = "{}[]\",:\\-+.eE0123456789abcdefu tfn\x01\x7f\x80\xc3\xed\xf4\xff";
  for (int i = 0; i < 4000; ++i) {
    std::string l = lines[rng() % lines.size()];
    if (l.size() > 4096) l.resize(4096);  // keep it quick; the end is cut, mostly invalid
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !l.empty(); ++e) {
      const size_t at = rng() % l.size();
      switch (rng() % 3) {
        case 0: l[at] = alphabet[rng() % alphabet.size()]; break;
        case 1: l.erase(at, 1); break;
        default: l.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
      }
    }
    SCOPED_TRACE(l.substr(0, 300));
    ExpectSameAsNlohmann(l);
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace nvprobe::fakedrv
