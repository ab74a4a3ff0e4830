#include "fake_driver/text/printable.h"

#include <cstdint>
#include <cstdio>

namespace nvprobe::fakedrv {
namespace {

// Code points written \uXXXX although they are valid UTF-8: C1 controls, bidi
// controls, invisible format characters and separators.
bool Hidden(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x180e ||
         (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
         (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
         (cp >= 0xfff9 && cp <= 0xfffb);
}

// The length of the UTF-8 sequence at s[i] and its code point, or 0 when the
// bytes there are not UTF-8 (RFC 3629's table of well-formed sequences).
size_t Decode(std::string_view s, size_t i, uint32_t& cp) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  const uint8_t c = b(0);
  size_t n = 0;
  uint8_t lo = 0x80, hi = 0xbf;  // the second byte's range
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2, cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3, cp = c & 0x0f;
    if (c == 0xe0) lo = 0xa0;        // overlong
    if (c == 0xed) hi = 0x9f;        // surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4, cp = c & 0x07;
    if (c == 0xf0) lo = 0x90;        // overlong
    if (c == 0xf4) hi = 0x8f;        // above U+10FFFF
  } else {
    return 0;
  }
  if (s.size() - i < n) return 0;
  for (size_t k = 1; k < n; ++k) {
    const uint8_t t = b(k);
    if (t < (k == 1 ? lo : 0x80) || t > (k == 1 ? hi : 0xbf)) return 0;
    cp = (cp << 6) | (t & 0x3f);
  }
  return n;
}

void Append(std::string_view s, bool quote, std::string& out) {
  char buf[16];
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      if (quote && (c == '"' || c == '\\')) out += '\\';
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c < 0x80) {
      if (c == '\n') out += "\\n";
      else if (c == '\r') out += "\\r";
      else if (c == '\t') out += "\\t";
      else std::snprintf(buf, sizeof buf, "\\x%02x", c), out += buf;
      ++i;
      continue;
    }
    uint32_t cp = 0;
    const size_t n = Decode(s, i, cp);
    if (n == 0) {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
      ++i;
    } else if (Hidden(cp)) {
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
      out += buf;
      i += n;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
}

}  // namespace

std::string Printable(std::string_view s) {
  if (IsPrintable(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 16);
  Append(s, /*quote=*/false, out);
  return out;
}

std::string Quoted(std::string_view s) {
  std::string out = "\"";
  out.reserve(s.size() + 2);
  Append(s, /*quote=*/true, out);
  return out + "\"";
}

bool IsPrintable(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      ++i;
      continue;
    }
    if (c < 0x80) return false;
    uint32_t cp = 0;
    const size_t n = Decode(s, i, cp);
    if (n == 0 || Hidden(cp)) return false;
    i += n;
  }
  return true;
}

}  // namespace nvprobe::fakedrv
