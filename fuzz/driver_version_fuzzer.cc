// Fuzz target: abi/driver_version.h (DriverVersion::Parse, ToString, ordering) and
// the registry's Resolve, which every version the probe learns goes through.
//
// Input: one or two version strings separated by the first '\n'.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "abi/driver_version.h"
#include "abi/registry.h"
#include "fuzz/fuzz_check.h"

namespace {

using nvprobe::StatusOr;
using nvprobe::abi::DriverVersion;
using nvprobe::abi::Registry;
using nvprobe::abi::Resolution;

void CheckOne(std::string_view text, const StatusOr<DriverVersion>& v) {
  if (!v.ok()) {
    // The message quotes at most kMaxTextLength characters of the input.
    FUZZ_CHECK(v.status().message().size() < 400, "error message of %zu bytes",
               v.status().message().size());
    return;
  }
  FUZZ_CHECK(text.size() <= DriverVersion::kMaxTextLength, "accepted %zu characters", text.size());
  // The canonical text is the input itself (zero padding kept) and parses back.
  std::string s = v->ToString();
  FUZZ_CHECK(s == text, "ToString \"%s\" differs from the input", s.c_str());
  StatusOr<DriverVersion> again = DriverVersion::Parse(s);
  FUZZ_CHECK(again.ok() && *again == *v, "\"%s\" does not parse back to itself", s.c_str());

  const Registry& reg = Registry::Default();
  Resolution r = reg.Resolve(*v);
  FUZZ_CHECK(reg.Knows(r.release), "resolved %s to unknown %s", s.c_str(),
             r.release.ToString().c_str());
  FUZZ_CHECK(r.exact() == reg.Knows(*v), "exact() disagrees with Knows() for %s", s.c_str());
  FUZZ_CHECK(r.exact() ? r.release == *v : !r.notice.empty(), "bad resolution of %s", s.c_str());
  StatusOr<Resolution> by_text = reg.Resolve(text);
  FUZZ_CHECK(by_text.ok() && by_text->release == r.release, "Resolve(text) differs for %s",
             s.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t nl = text.find('\n');
  std::string_view a = text.substr(0, nl);
  std::string_view b = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  StatusOr<DriverVersion> va = DriverVersion::Parse(a), vb = DriverVersion::Parse(b);
  CheckOne(a, va);
  CheckOne(b, vb);
  if (va.ok() && vb.ok()) {
    // A total order, consistent with equality and with the components.
    auto ab = *va <=> *vb, ba = *vb <=> *va;
    FUZZ_CHECK((ab < 0) == (ba > 0) && (ab == 0) == (ba == 0), "ordering not antisymmetric");
    FUZZ_CHECK((ab == 0) == (*va == *vb), "<=> and == disagree");
    if (va->major() != vb->major()) FUZZ_CHECK((ab < 0) == (va->major() < vb->major()), "major");
  }
  return 0;
}
