// An NVIDIA driver release number: "535.98", "550.67", "570.124.06", "515.49.05".
// NVIDIA writes two or three dot-separated decimal components; the third keeps its
// zero padding ("05"), which the text form preserves.
#ifndef NVPROBE_ABI_DRIVER_VERSION_H_
#define NVPROBE_ABI_DRIVER_VERSION_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "abi/status.h"

namespace nvprobe::abi {

class DriverVersion {
 public:
  // Longest text accepted; real versions are at most 10 characters.
  static constexpr size_t kMaxTextLength = 32;

  // Strict: two or three components of 1-6 digits each, nothing else (no spaces),
  // and no leading zero in the major (only the minor and patch keep padding).
  static StatusOr<DriverVersion> Parse(std::string_view text);

  DriverVersion() = default;

  uint32_t major() const { return major_; }
  uint32_t minor() const { return minor_; }
  bool has_patch() const { return patch_digits_ > 0; }
  uint32_t patch() const { return patch_; }

  // The canonical text, as NVIDIA writes it ("515.49.05", "535.98").
  std::string ToString() const;

  // Numeric, component by component; a missing patch sorts before any patch
  // (535.98 < 535.98.01 < 535.104.05). Zero padding does not matter for ordering
  // but two versions that differ only in padding are not equal.
  std::strong_ordering operator<=>(const DriverVersion& other) const;
  bool operator==(const DriverVersion& other) const = default;
  // The same numbers, whatever the padding: 580.95.5 and 580.95.05.
  bool SameNumbers(const DriverVersion& other) const {
    return major_ == other.major_ && minor_ == other.minor_ && has_patch() == other.has_patch() &&
           patch_ == other.patch_;
  }

 private:
  uint32_t major_ = 0;
  uint32_t minor_ = 0;
  uint32_t patch_ = 0;
  uint8_t minor_digits_ = 0;
  uint8_t patch_digits_ = 0;  // 0: no patch component
};

}  // namespace nvprobe::abi

#endif  // NVPROBE_ABI_DRIVER_VERSION_H_
