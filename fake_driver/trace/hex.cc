#include "fake_driver/trace/hex.h"

#include <cstdio>

namespace nvprobe::fakedrv {
namespace {

// Each byte's value as a hex digit, or -1: a table, since traces are mostly hex
// (a 64-GPU trace decodes 250 KB of it at every start).
struct DigitTable {
  int8_t value[256];
  constexpr DigitTable() : value() {
    for (int c = 0; c < 256; ++c) {
      value[c] = c >= '0' && c <= '9'   ? static_cast<int8_t>(c - '0')
                 : c >= 'a' && c <= 'f' ? static_cast<int8_t>(c - 'a' + 10)
                 : c >= 'A' && c <= 'F' ? static_cast<int8_t>(c - 'A' + 10)
                                        : int8_t{-1};
    }
  }
};
constexpr DigitTable kDigits;

int Digit(char c) { return kDigits.value[static_cast<unsigned char>(c)]; }

}  // namespace

std::string HexEncode(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

StatusOr<std::vector<uint8_t>> HexDecode(std::string_view text) {
  if (text.size() % 2 != 0) {
    return InvalidArgumentError("odd number of hex digits (" + std::to_string(text.size()) + ")");
  }
  std::vector<uint8_t> out(text.size() / 2);
  for (size_t i = 0; i < text.size(); i += 2) {
    const int hi = Digit(text[i]), lo = Digit(text[i + 1]);
    if ((hi | lo) < 0) {
      size_t bad = hi < 0 ? i : i + 1;
      return InvalidArgumentError("not a hex digit at position " + std::to_string(bad) + ": '" +
                                  std::string(1, text[bad]) + "'");
    }
    out[i / 2] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string HexNumber(uint64_t value) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(value));
  return buf;
}

}  // namespace nvprobe::fakedrv
