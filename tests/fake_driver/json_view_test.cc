// JsonDoc (fake_driver/trace/json_view.h), the trace loader's JSON parser: it must
// take exactly what nlohmann_json takes and read the same values, on every line
// of the corpus and on texts made to hit each rule (strings, escapes, UTF-8,
// numbers, nesting, duplicates), and on random mutations of corpus lines.
#include "fake_driver/trace/json_view.h"

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
  if (!ours) return;  // allowed: the loader then asks nlohmann_json
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
           // duplicates: the last value, where the key first appeared
           "{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":{\"x\":1},\"a\":[2]}",
       }) {
    SCOPED_TRACE(text);
    ExpectSameAsNlohmann(text);
  }
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
