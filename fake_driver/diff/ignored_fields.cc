#include "fake_driver/diff/ignored_fields.h"

namespace nvprobe::fakedrv::diff {

bool IsIgnored(std::string_view strct, std::string_view field) {
  for (const IgnoredField& f : kIgnoredFields) {
    if (f.strct == strct && f.field == field) return true;
  }
  return false;
}

}  // namespace nvprobe::fakedrv::diff
