#include "fuzz/mutator.h"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <utility>

namespace nvprobe::fuzz {
namespace {

// Integers at the edges of the widths the parsers and the ABI use.
constexpr uint64_t kInteresting[] = {
    0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff,
    0x80000000, 0xffffffff, 0x100000000ull, 0x7fffffffffffffffull, 0xffffffffffffffffull,
    0xfffffffe, 0xfffffffffffffffeull, 32, 64, 255, 1024, 4096, 0x10de,
};

// Text that the parsers under test give meaning to: without coverage feedback the
// standalone driver would take ages to stumble on a "GPU-" or an "NVRM version:".
constexpr std::string_view kTokens[] = {
    "0",     "1",     "9",      ".",        ":",           ",",        "\n",      "\t",
    " ",     "\"",    "{",      "}",        "[",           "]",        "0x",      "-1",
    "[N/A]", "N/A",   "GPU-",   "null",     "true",        "false",    "\\u0000", "\\ud800",
    "1e999", ".0",    "0000:",  "00000000:", "4294967295", "18446744073709551616",
    "NVRM version: ",   "Model: ", "GPU UUID: ", "Device Minor: ", "535.43.02", "580.95.05",
    "999999.999999.999999", "\"in\":\"", "\"out\":\"", "\"nested\":[", "\"ret\":-1",
    "\"errno\":22",       "\"type\":\"file\"", "\"path\":\"/dev/nvidia0\"", "\x00",
};

}  // namespace

uint64_t Rng::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

Mutator::Mutator(uint64_t seed, std::vector<std::string> pool, size_t max_len)
    : rng_(seed), pool_(std::move(pool)), max_len_(max_len) {
  if (pool_.empty()) pool_.push_back("");
}

std::string Mutator::Next() {
  std::string s = pool_[rng_.Below(pool_.size())];
  size_t n = 1 + rng_.Below(5);
  for (size_t i = 0; i < n; ++i) MutateOnce(s);
  Clamp(s);
  return s;
}

void Mutator::MutateOnce(std::string& s) {
  switch (rng_.Below(11)) {
    case 0: return FlipBit(s);
    case 1: return SetByte(s);
    case 2: return AddToByte(s);
    case 3: return InsertBytes(s);
    case 4: return EraseBytes(s);
    case 5: return rng_.OneIn(4) ? Truncate(s) : EraseBytes(s);  // truncation is drastic
    case 6: return DuplicateChunk(s);
    case 7: return Splice(s);
    case 8: return InterestingInteger(s);
    default: return InsertToken(s);
  }
}

void Mutator::FlipBit(std::string& s) {
  if (s.empty()) return InsertBytes(s);
  s[rng_.Below(s.size())] ^= static_cast<char>(1u << rng_.Below(8));
}

void Mutator::SetByte(std::string& s) {
  if (s.empty()) return InsertBytes(s);
  s[rng_.Below(s.size())] = static_cast<char>(rng_.Below(256));
}

void Mutator::AddToByte(std::string& s) {
  if (s.empty()) return InsertBytes(s);
  size_t i = rng_.Below(s.size());
  int delta = static_cast<int>(rng_.Below(35)) - 17;
  s[i] = static_cast<char>(static_cast<unsigned char>(s[i]) + delta);
}

void Mutator::InsertBytes(std::string& s) {
  size_t at = rng_.Below(s.size() + 1), n = 1 + rng_.Below(8);
  std::string bytes;
  // Half the time a run of one byte (long digit strings, padding), else random.
  char fill = static_cast<char>(rng_.Below(256));
  for (size_t i = 0; i < n; ++i)
    bytes += rng_.OneIn(2) ? fill : static_cast<char>(rng_.Below(256));
  s.insert(at, bytes);
}

void Mutator::EraseBytes(std::string& s) {
  if (s.empty()) return;
  size_t at = rng_.Below(s.size());
  size_t n = 1 + rng_.Below(std::min<size_t>(16, s.size() - at));
  s.erase(at, n);
}

void Mutator::Truncate(std::string& s) { s.resize(rng_.Below(s.size() + 1)); }

void Mutator::DuplicateChunk(std::string& s) {
  if (s.empty()) return InsertBytes(s);
  size_t from = rng_.Below(s.size());
  size_t n = 1 + rng_.Below(std::min<size_t>(256, s.size() - from));
  size_t to = rng_.Below(s.size() + 1);
  s.insert(to, s.substr(from, n));
}

void Mutator::Splice(std::string& s) {
  const std::string& other = pool_[rng_.Below(pool_.size())];
  size_t cut = rng_.Below(s.size() + 1), from = rng_.Below(other.size() + 1);
  s = s.substr(0, cut) + other.substr(from);
}

void Mutator::InterestingInteger(std::string& s) {
  static constexpr size_t kWidths[] = {1, 2, 4, 8};
  uint64_t v = kInteresting[rng_.Below(std::size(kInteresting))];
  size_t width = kWidths[rng_.Below(4)];
  if (rng_.OneIn(4)) v = ~v + 1;  // its negation
  char bytes[8];
  std::memcpy(bytes, &v, sizeof bytes);  // little-endian, as the ABI
  if (s.size() < width || rng_.OneIn(4)) {
    s.insert(rng_.Below(s.size() + 1), bytes, width);
  } else {
    std::memcpy(s.data() + rng_.Below(s.size() - width + 1), bytes, width);
  }
}

void Mutator::InsertToken(std::string& s) {
  std::string_view t = kTokens[rng_.Below(std::size(kTokens))];
  if (t.empty()) t = std::string_view("\0", 1);
  size_t at = rng_.Below(s.size() + 1);
  if (rng_.OneIn(2) && at + t.size() <= s.size()) {
    s.replace(at, t.size(), t);
  } else {
    s.insert(at, t);
  }
}

void Mutator::Clamp(std::string& s) const {
  if (s.size() > max_len_) s.resize(max_len_);
}

}  // namespace nvprobe::fuzz
