#include "abi/driver_version.h"

#include <vector>

namespace nvprobe::abi {
namespace {

constexpr size_t kMaxComponentDigits = 6;

std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c >= 0x20 && c < 0x7f) {
      out += c;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[(static_cast<unsigned char>(c) >> 4) & 0xf];
      out += kHex[static_cast<unsigned char>(c) & 0xf];
    }
  }
  return out + "\"";
}

}  // namespace

StatusOr<DriverVersion> DriverVersion::Parse(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return InvalidArgumentError("bad driver version " + Quote(text.substr(0, kMaxTextLength)) +
                                (text.size() > kMaxTextLength ? "..." : "") + ": " +
                                std::string(why) +
                                " (expected MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. "
                                "535.98 or 570.124.06)");
  };
  if (text.empty()) return bad("empty");
  if (text.size() > kMaxTextLength) return bad("longer than 32 characters");

  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t dot = text.find('.', start);
    parts.push_back(text.substr(start, dot == std::string_view::npos ? std::string_view::npos
                                                                     : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() < 2 || parts.size() > 3) {
    return bad("has " + std::to_string(parts.size()) + " component(s)");
  }
  uint32_t values[3] = {0, 0, 0};
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string_view p = parts[i];
    if (p.empty()) return bad("empty component");
    if (p.size() > kMaxComponentDigits) return bad("component too long");
    for (char c : p) {
      if (c < '0' || c > '9') return bad("non-digit character");
    }
    // Only the minor and patch keep their padding (ToString() rebuilds the text
    // from the numbers); a padded major would make "0535.98" equal "535.98".
    if (i == 0 && p.size() > 1 && p[0] == '0') return bad("major component has a leading zero");
    for (char c : p) values[i] = values[i] * 10 + static_cast<uint32_t>(c - '0');
  }
  DriverVersion v;
  v.major_ = values[0];
  v.minor_ = values[1];
  v.minor_digits_ = static_cast<uint8_t>(parts[1].size());
  if (parts.size() == 3) {
    v.patch_ = values[2];
    v.patch_digits_ = static_cast<uint8_t>(parts[2].size());
  }
  return v;
}

std::string DriverVersion::ToString() const {
  auto padded = [](uint32_t value, size_t digits) {
    std::string s = std::to_string(value);
    if (s.size() < digits) s.insert(0, digits - s.size(), '0');
    return s;
  };
  std::string out = std::to_string(major_) + "." + padded(minor_, minor_digits_);
  if (has_patch()) out += "." + padded(patch_, patch_digits_);
  return out;
}

std::strong_ordering DriverVersion::operator<=>(const DriverVersion& other) const {
  if (auto c = major_ <=> other.major_; c != 0) return c;
  if (auto c = minor_ <=> other.minor_; c != 0) return c;
  if (auto c = has_patch() <=> other.has_patch(); c != 0) return c;
  if (auto c = patch_ <=> other.patch_; c != 0) return c;
  if (auto c = minor_digits_ <=> other.minor_digits_; c != 0) return c;
  return patch_digits_ <=> other.patch_digits_;
}

}  // namespace nvprobe::abi
