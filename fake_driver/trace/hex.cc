#include "fake_driver/trace/hex.h"

#include <algorithm>
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

namespace {

// A character of a byte string, named so that a control byte shows as a number.
std::string CharAt(std::string_view text, size_t i) {
  const unsigned char c = static_cast<unsigned char>(text[i]);
  if (c >= 0x20 && c < 0x7f) return "'" + std::string(1, static_cast<char>(c)) + "'";
  return "byte " + HexNumber(c);
}

// The pieces of a byte string: hex digit pairs and zero runs, in order. Calls
// `hex(begin, end)` for each stretch of hex text and `zeros(n)` for each run;
// stops at the first problem.
template <typename Hex, typename Zeros>
Status ForEachPiece(std::string_view text, bool zero_runs, Hex hex, Zeros zeros) {
  size_t i = 0;
  while (i < text.size()) {
    size_t j = zero_runs ? text.find('<', i) : std::string_view::npos;
    if (j == std::string_view::npos) j = text.size();
    if ((j - i) % 2 != 0) {
      return InvalidArgumentError("odd number of hex digits (" + std::to_string(j - i) + ")" +
                                  (j < text.size() ? " before position " + std::to_string(j) : ""));
    }
    if (Status s = hex(i, j); !s.ok()) return s;
    if (j == text.size()) break;
    // "<N>": N in decimal, no sign, no leading zero, not 0.
    size_t k = j + 1;
    uint64_t n = 0;
    while (k < text.size() && text[k] >= '0' && text[k] <= '9' && k - j <= 10) {
      n = n * 10 + static_cast<uint64_t>(text[k] - '0');
      ++k;
    }
    if (k == j + 1 || k >= text.size() || text[k] != '>' || text[j + 1] == '0') {
      return InvalidArgumentError("a zero run at position " + std::to_string(j) +
                                  " must be \"<N>\", N a count of zero bytes from 1 (no leading zeros)");
    }
    if (Status s = zeros(n); !s.ok()) return s;
    i = k + 1;
  }
  return OkStatus();
}

}  // namespace

StatusOr<size_t> ByteStringSize(std::string_view text, bool zero_runs) {
  uint64_t size = 0;
  Status s = ForEachPiece(
      text, zero_runs,
      [&](size_t b, size_t e) {
        size += (e - b) / 2;
        return OkStatus();
      },
      [&](uint64_t n) {
        size += n;
        return OkStatus();
      });
  if (!s.ok()) return s;
  return static_cast<size_t>(size);
}

StatusOr<std::vector<uint8_t>> ByteStringDecode(std::string_view text, bool zero_runs,
                                                size_t max_bytes) {
  StatusOr<size_t> size = ByteStringSize(text, zero_runs);
  if (!size.ok()) return size.status();
  if (*size > max_bytes) {
    return InvalidArgumentError(std::to_string(*size) + " bytes, more than the " +
                                std::to_string(max_bytes) + " a buffer may have");
  }
  std::vector<uint8_t> out(*size);
  size_t at = 0;
  Status s = ForEachPiece(
      text, zero_runs,
      [&](size_t b, size_t e) -> Status {
        for (size_t i = b; i < e; i += 2) {
          const int hi = Digit(text[i]), lo = Digit(text[i + 1]);
          if ((hi | lo) < 0) {
            const size_t bad = hi < 0 ? i : i + 1;
            return InvalidArgumentError("not a hex digit at position " + std::to_string(bad) + ": " +
                                        CharAt(text, bad));
          }
          out[at++] = static_cast<uint8_t>(hi << 4 | lo);
        }
        return OkStatus();
      },
      [&](uint64_t n) {
        at += static_cast<size_t>(n);  // already zero
        return OkStatus();
      });
  if (!s.ok()) return s;
  return out;
}

std::string ByteStringEncode(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  size_t i = 0;
  while (i < bytes.size()) {
    size_t run = 0;
    while (i + run < bytes.size() && bytes[i + run] == 0) ++run;
    if (run >= kMinZeroRun) {
      out += "<" + std::to_string(run) + ">";
      i += run;
      continue;
    }
    for (size_t k = 0; k < std::max<size_t>(run, 1); ++k, ++i) {
      out.push_back(kDigits[bytes[i] >> 4]);
      out.push_back(kDigits[bytes[i] & 0xf]);
    }
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
      return InvalidArgumentError("not a hex digit at position " + std::to_string(bad) + ": " +
                                  CharAt(text, bad));
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
