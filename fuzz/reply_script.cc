#include "fuzz/reply_script.h"

#include <linux/ioctl.h>

#include <span>

#include "abi/registry.h"
#include "abi/struct_view.h"
#include "fake_driver/trace/arg_buffer.h"

namespace nvprobe::fuzz {
namespace {

constexpr char kVersionStruct[] = "nv_ioctl_rm_api_version_t";
// Nested buffers nest at most twice in what the probe sends (control params ->
// GET_INFO list); a little slack, and no recursion a layout could make unbounded.
constexpr int kMaxDepth = 4;

}  // namespace

probe::ProbeOptions OptionsFromFlags(uint8_t flags, std::string env_version) {
  probe::ProbeOptions o;
  o.full = (flags & kFull) != 0;
  o.details = (flags & kDetails) != 0;
  switch ((flags >> kSourcesShift) & 3) {
    case 0: break;  // all, nvidia-smi only when nothing else found the driver
    case 1: o.sources = {probe::kSourceSmi}; break;
    case 2: o.sources = {probe::kSourceIoctl, probe::kSourceIoctlFull}; break;
    case 3: o.sources = {probe::kSourceFiles}; break;
  }
  if (flags & kEnvVersion) o.env_driver_version = std::move(env_version);
  o.path_env = "/usr/local/bin:/usr/bin";
  o.smi_timeout = std::chrono::milliseconds(100);
  return o;
}

AbiTracker::AbiTracker() {
  const abi::Registry& reg = abi::Registry::Default();
  oldest_ = reg.AbiOf(reg.releases().front().version).value();
}

std::vector<Region> AbiTracker::Regions(unsigned long request, void* arg) const {
  std::vector<Region> out;
  auto* top = static_cast<uint8_t*>(arg);
  const size_t size = _IOC_SIZE(request);
  out.push_back({top, size});
  if (abi_ == nullptr) return out;
  const abi::StructLayout* layout = fakedrv::EscapeLayout(*abi_, _IOC_NR(request), size);
  // Nested buffers only where the request carries exactly the escape's struct, as
  // the probe sends it; anything else is raw bytes.
  if (layout != nullptr && layout->size == size) AddNested(*layout, top, 0, out);
  return out;
}

void AbiTracker::AddNested(const abi::StructLayout& layout, uint8_t* bytes, int depth,
                           std::vector<Region>& out) const {
  if (depth >= kMaxDepth) return;
  StatusOr<std::vector<fakedrv::PointerTarget>> targets =
      fakedrv::PointerTargets(*abi_, layout, std::span<const uint8_t>(bytes, layout.size));
  if (!targets.ok()) return;
  for (const fakedrv::PointerTarget& t : *targets) {
    auto* p = reinterpret_cast<uint8_t*>(static_cast<uintptr_t>(t.address));
    out.push_back({p, static_cast<size_t>(t.length)});
    if (t.layout == nullptr || t.layout->size == 0 || t.length % t.layout->size != 0) continue;
    for (size_t off = 0; off < t.length; off += t.layout->size)
      AddNested(*t.layout, p + off, depth + 1, out);
  }
}

void AbiTracker::AfterReply(unsigned long request, void* arg) {
  StatusOr<uint64_t> nr = oldest_->Constant("NV_ESC_CHECK_VERSION_STR");
  const abi::StructLayout* layout = oldest_->FindStruct(kVersionStruct);
  if (!nr.ok() || layout == nullptr || _IOC_NR(request) != *nr ||
      _IOC_SIZE(request) != layout->size)
    return;
  // The probe takes the text of its last version answer; so do we.
  abi_ = nullptr;
  StatusOr<abi::StructReader> r = abi::StructReader::Make(
      *layout, std::span<const uint8_t>(static_cast<const uint8_t*>(arg), layout->size));
  if (!r.ok()) return;
  StatusOr<std::string> text = r->GetString("versionString");
  if (!text.ok()) return;
  const abi::Registry& reg = abi::Registry::Default();
  StatusOr<abi::Resolution> res = reg.Resolve(*text);
  if (!res.ok()) return;
  StatusOr<std::shared_ptr<const abi::Abi>> a = reg.AbiOf(res->release);
  if (a.ok()) abi_ = *a;
}

}  // namespace nvprobe::fuzz
