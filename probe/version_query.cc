#include "probe/version_query.h"

#include <cstring>
#include <vector>

#include "abi/driver_version.h"
#include "abi/registry.h"
#include "abi/struct_view.h"
#include "probe/ioctl_request.h"

namespace nvprobe::probe {
namespace {

constexpr char kStruct[] = "nv_ioctl_rm_api_version_t";

struct Attempt {
  IoctlResult io;
  std::string text;
  bool had_nul = true;
};

StatusOr<Attempt> Ask(System& sys, int fd, const abi::Abi& abi, uint64_t cmd) {
  StatusOr<const abi::StructLayout*> layout = abi.Struct(kStruct);
  if (!layout.ok()) return layout.status();
  std::vector<uint8_t> buf((*layout)->size, 0);
  StatusOr<abi::StructWriter> w = abi::StructWriter::Make(**layout, buf);
  if (!w.ok()) return w.status();
  NVPROBE_RETURN_IF_ERROR(w->Set<uint32_t>("cmd", static_cast<uint32_t>(cmd)));
  StatusOr<unsigned long> req = NvRequest(abi, "NV_ESC_CHECK_VERSION_STR", (*layout)->size);
  if (!req.ok()) return req.status();
  Attempt a;
  a.io = sys.Ioctl(fd, *req, buf.data());
  StatusOr<std::span<const uint8_t>> raw = w->FieldBytes("versionString");
  if (!raw.ok()) return raw.status();
  a.had_nul = std::memchr(raw->data(), 0, raw->size()) != nullptr;
  StatusOr<std::string> s = w->GetString("versionString");
  if (!s.ok()) return s.status();
  a.text = *s;
  return a;
}

}  // namespace

StatusOr<VersionQueryOutcome> QueryDriverVersion(System& sys, int ctl_fd,
                                                 std::vector<std::string>& warnings) {
  const abi::Registry& reg = abi::Registry::Default();
  // The oldest release describes the struct and CMD_STRICT; the newest names
  // CMD_QUERY (the constant exists only from 530.30.02 on; its value is the old
  // "override", so sending it to an older driver is harmless).
  StatusOr<std::shared_ptr<const abi::Abi>> oldest = reg.AbiOf(reg.releases().front().version);
  if (!oldest.ok()) return oldest.status();
  StatusOr<std::shared_ptr<const abi::Abi>> newest = reg.AbiOf(reg.releases().back().version);
  if (!newest.ok()) return newest.status();
  StatusOr<uint64_t> query = (*newest)->Constant("NV_RM_API_VERSION_CMD_QUERY");
  if (!query.ok()) return query.status();
  StatusOr<uint64_t> strict = (*oldest)->Constant("NV_RM_API_VERSION_CMD_STRICT");
  if (!strict.ok()) return strict.status();

  VersionQueryOutcome out;
  StatusOr<Attempt> a = Ask(sys, ctl_fd, **oldest, *query);
  if (!a.ok()) return a.status();
  std::string failures;
  if (!a->io.ok() || a->text.empty()) {
    failures = a->io.ok() ? "QUERY returned an empty string (driver older than 530)"
                          : std::string("QUERY failed: ") + std::strerror(a->io.err);
    // Pre-530: STRICT with an empty string fails, with the kernel's string in the buffer.
    a = Ask(sys, ctl_fd, **oldest, *strict);
    if (!a.ok()) return a.status();
    out.strict_fallback = true;
    if (a->text.empty()) {
      std::string why = a->io.ok() ? "STRICT returned an empty string"
                                   : std::string("STRICT failed: ") + std::strerror(a->io.err);
      return UnavailableError("version query: " + failures + "; " + why);
    }
  }
  if (!a->had_nul)
    warnings.push_back("ioctl: nv_ioctl_rm_api_version_t.versionString has no NUL terminator");
  StatusOr<abi::DriverVersion> v = abi::DriverVersion::Parse(a->text);
  if (!v.ok()) {
    warnings.push_back("ioctl: nv_ioctl_rm_api_version_t.versionString is not a version: " +
                       v.status().message());
    return InvalidArgumentError("version query: driver answered an unparsable version");
  }
  out.version = a->text;
  return out;
}

}  // namespace nvprobe::probe
