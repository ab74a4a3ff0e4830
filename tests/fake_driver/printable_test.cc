// fake_driver/text/printable.h: what fakedrv prints of a trace's or a
// description's text cannot drive the terminal.
#include "fake_driver/text/printable.h"

#include <string>

#include <gtest/gtest.h>

namespace nvprobe::fakedrv {
namespace {

TEST(PrintableTest, PrintableAsciiAndOtherUtf8StayAsTheyAre) {
  EXPECT_EQ(Printable("/proc/driver/nvidia/version"), "/proc/driver/nvidia/version");
  EXPECT_EQ(Printable("back\\slash \"quoted\""), "back\\slash \"quoted\"");
  EXPECT_EQ(Printable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_TRUE(IsPrintable("caf\xc3\xa9"));
  EXPECT_EQ(Printable(""), "");
}

TEST(PrintableTest, C0ControlsAndDelAreEscaped) {
  EXPECT_EQ(Printable("a\x1b[2K\rb"), "a\\x1b[2K\\rb");
  EXPECT_EQ(Printable("line\nnext\ttab"), "line\\nnext\\ttab");
  EXPECT_EQ(Printable(std::string("nul\0here", 8)), "nul\\x00here");
  EXPECT_EQ(Printable("del\x7f"), "del\\x7f");
  EXPECT_EQ(Printable("\x07\x08\x0c"), "\\x07\\x08\\x0c");
  EXPECT_FALSE(IsPrintable("\x1b"));
}

TEST(PrintableTest, C1ControlsAreEscapedAsCodePoints) {
  // U+009B (CSI) as UTF-8: C2 9B. A terminal takes it as ESC [.
  EXPECT_EQ(Printable("x\xc2\x9b" "2Ky"), "x\\u009b2Ky");
  EXPECT_EQ(Printable("\xc2\x80\xc2\x9f\xc2\xa0"), "\\u0080\\u009f\xc2\xa0");  // U+00A0 is printable
}

TEST(PrintableTest, BidiControlsAreEscaped) {
  struct Case {
    const char* utf8;
    const char* shown;
  };
  for (const Case& c : {Case{"\xd8\x9c", "\\u061c"}, Case{"\xe2\x80\x8e", "\\u200e"},
                        Case{"\xe2\x80\x8f", "\\u200f"}, Case{"\xe2\x80\xaa", "\\u202a"},
                        Case{"\xe2\x80\xab", "\\u202b"}, Case{"\xe2\x80\xac", "\\u202c"},
                        Case{"\xe2\x80\xad", "\\u202d"}, Case{"\xe2\x80\xae", "\\u202e"},
                        Case{"\xe2\x81\xa6", "\\u2066"}, Case{"\xe2\x81\xa7", "\\u2067"},
                        Case{"\xe2\x81\xa8", "\\u2068"}, Case{"\xe2\x81\xa9", "\\u2069"},
                        Case{"\xe2\x80\x8b", "\\u200b"}, Case{"\xe2\x80\xa8", "\\u2028"},
                        Case{"\xef\xbb\xbf", "\\ufeff"}}) {
    EXPECT_EQ(Printable(std::string("a") + c.utf8 + "b"), std::string("a") + c.shown + "b") << c.shown;
  }
  // "/etc/passwd" written right to left: the reviewer sees the override.
  EXPECT_EQ(Printable("/tmp/\xe2\x80\xae" "dwssap/cte/"), "/tmp/\\u202edwssap/cte/");
}

TEST(PrintableTest, BytesThatAreNotUtf8AreEscapedOneByOne) {
  EXPECT_EQ(Printable("\x9b" "2K"), "\\x9b2K");  // a bare C1 byte (8-bit CSI)
  EXPECT_EQ(Printable("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(Printable("\xc0\xaf"), "\\xc0\\xaf");              // overlong '/'
  EXPECT_EQ(Printable("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");      // overlong
  EXPECT_EQ(Printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");      // a surrogate
  EXPECT_EQ(Printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  EXPECT_EQ(Printable("\xe2\x80"), "\\xe2\\x80");               // cut short
  EXPECT_EQ(Printable("\xe2\x80" "a"), "\\xe2\\x80a");
}

TEST(PrintableTest, EscapedTextIsNotEscapedAgain) {
  const std::string once = Printable("\x1b]0;title\x07\xe2\x80\xae");
  EXPECT_EQ(once, "\\x1b]0;title\\x07\\u202e");
  EXPECT_EQ(Printable(once), once);
  EXPECT_TRUE(IsPrintable(once));
}

TEST(PrintableTest, QuotedEscapesQuotesAndBackslashesToo) {
  EXPECT_EQ(Quoted("plain"), "\"plain\"");
  EXPECT_EQ(Quoted("say \"hi\"\\"), "\"say \\\"hi\\\"\\\\\"");
  EXPECT_EQ(Quoted("\x1b[8m\xe2\x80\xae"), "\"\\x1b[8m\\u202e\"");
  // A literal backslash-x reads differently from an escaped byte.
  EXPECT_NE(Quoted("\\x1b"), Quoted("\x1b"));
}

}  // namespace
}  // namespace nvprobe::fakedrv
