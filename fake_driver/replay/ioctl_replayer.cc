#include "fake_driver/replay/ioctl_replayer.h"

#include <linux/ioctl.h>

#include <cerrno>

#include "fake_driver/text/printable.h"
#include "fake_driver/trace/hex.h"

namespace nvprobe::fakedrv {
namespace {

constexpr char kStatusField[] = "status";
constexpr char kFreeEscape[] = "NV_ESC_RM_FREE";
constexpr char kFreedHandleField[] = "hObjectOld";
// The handle an allocation creates: recorded as 0 in and the driver's value out.
constexpr char kNewObjectField[] = "hObjectNew";

}  // namespace

const IoctlReplayer::LiveFields& IoctlReplayer::LiveFieldsOf(const abi::StructLayout& layout) {
  auto [it, added] = live_fields_.try_emplace(&layout);
  if (added) {
    for (const abi::Field& f : layout.fields) {
      if (f.kind == abi::FieldKind::kHandle && f.width == 4) it->second.handles.push_back(&f);
      if (f.kind == abi::FieldKind::kPointer || f.kind == abi::FieldKind::kFd) it->second.kept.push_back(&f);
    }
  }
  return it->second;
}

void IoctlReplayer::TranslateHandles(const ArgBuffer& rec, const ArgBuffer& live,
                                     std::span<uint8_t> out) {
  if (rec.layout == nullptr || rec.layout->size == 0) return;
  // Every request of a kind walks the same few fields (none, for card info's 2 KiB).
  const LiveFields& fields = LiveFieldsOf(*rec.layout);
  for (size_t base = 0; base + rec.layout->size <= out.size(); base += rec.layout->size) {
    for (const abi::Field* f : fields.handles) {
      const uint32_t off = static_cast<uint32_t>(base + f->offset);
      uint32_t t = static_cast<uint32_t>(LoadUint(rec.out, off, 4));
      uint32_t c = 0;
      if (t == LoadUint(rec.in, off, 4)) {
        c = static_cast<uint32_t>(LoadUint(live.in, off, 4));  // echoed input
      } else if (t != 0 && f->name == kNewObjectField && LoadUint(rec.in, off, 4) == 0) {
        // An object the driver names: every live allocation gets a handle of
        // its own, as the RM's are unique, even when several clients replay
        // the same recorded allocation.
        c = handles_.Assign(t);
      } else if (t != 0) {
        std::optional<uint32_t> known = handles_.ToClient(t);
        c = known ? *known : handles_.Assign(t);  // assigned by the driver
      }
      StoreUint(out, off, 4, c);
    }
    // The client's own pointers and fds go back unchanged.
    for (const abi::Field* f : fields.kept) {
      const uint32_t off = static_cast<uint32_t>(base + f->offset);
      StoreUint(out, off, f->width, LoadUint(live.in, off, f->width));
    }
  }
}

Status IoctlReplayer::CollectOutput(const ArgBuffer& rec, const ArgBuffer& live,
                                    std::vector<Output>* out) {
  for (const ArgBuffer& rn : rec.nested) {
    const ArgBuffer* ln = live.FindNested(rn.field);
    if (ln == nullptr) continue;
    NVPROBE_RETURN_IF_ERROR(CollectOutput(rn, *ln, out));
  }
  // A raw buffer (no layout: the matcher did not compare it) that the driver left
  // as it was keeps the client's own bytes: the recorded client's are not its.
  if (rec.layout == nullptr && rec.out == rec.in) return OkStatus();
  // Only ever the client's own buffer: the live size, never the recorded one
  // (the matcher and the loader make them equal; this holds whatever they do).
  if (rec.out.size() != live.in.size()) {
    return InternalError("recorded output of " + std::to_string(rec.out.size()) +
                         " bytes for a live buffer of " + std::to_string(live.in.size()));
  }
  Output o{live.address, rec.out};
  TranslateHandles(rec, live, o.bytes);
  out->push_back(std::move(o));
  return OkStatus();
}

std::string IoctlReplayer::Describe(uint32_t request, const ArgBuffer& args) const {
  const abi::Abi& abi = *trace_.abi;
  const abi::Binding* esc = abi.EscapeByNumber(request & 0xff);
  std::string s = esc ? esc->name : "escape " + HexNumber(request & 0xff);
  s += " (request " + HexNumber(request) + ")";
  if (args.layout == nullptr || args.in.size() != args.layout->size) return s;
  for (const abi::Field& f : args.layout->fields) {
    if (!f.nested || f.nested->selector_field.empty()) continue;
    const abi::Field* sf = args.layout->Find(f.nested->selector_field);
    if (sf == nullptr) continue;
    uint64_t v = LoadUint(args.in, sf->offset, sf->width);
    const abi::Binding* b = nullptr;
    switch (f.nested->element_from) {
      case abi::NestedBuffer::ElementFrom::kControlCommand: b = abi.ControlByNumber(static_cast<uint32_t>(v)); break;
      case abi::NestedBuffer::ElementFrom::kAllocClass: b = abi.ClassByNumber(static_cast<uint32_t>(v)); break;
      case abi::NestedBuffer::ElementFrom::kEscape: b = abi.EscapeByNumber(static_cast<uint32_t>(v)); break;
      default: break;
    }
    s += " " + sf->name + "=" + (b ? b->name : HexNumber(v));
  }
  ForEachField(args.layout, args.in.size(), abi::FieldKind::kHandle,
               [&](const abi::Field& f, uint32_t off) {
                 s += " " + f.name + "=" + HexNumber(LoadUint(args.in, off, f.width));
               });
  return s;
}

IoctlResult IoctlReplayer::Unmatched(const LiveRequest& req, TargetMemory& mem, int pid) {
  ++unmatched_;
  std::string line = "fakedrv: unmatched request from pid " + std::to_string(pid) + " on " +
                     Printable(req.device) + ": " + Describe(req.request, req.args) + "; closest recorded: ";
  std::vector<const IoctlEvent*> close = matcher_.Closest(req, handles_, 3);
  if (close.empty()) line += "none";
  for (size_t i = 0; i < close.size(); ++i) {
    line += (i ? ", " : "") + Printable(trace_.source) + ":" + std::to_string(close[i]->line) + " " +
            Describe(close[i]->request, close[i]->args);
  }
  diag_ << line << std::endl;
  const abi::StructLayout* layout = req.args.layout;
  const abi::Field* status = layout ? layout->Find(kStatusField) : nullptr;
  std::optional<uint64_t> not_supported = trace_.abi->FindConstant("NV_ERR_NOT_SUPPORTED");
  if (status != nullptr && not_supported && req.args.in.size() == layout->size) {
    // An RM call the driver dispatched but cannot serve: ioctl 0, status set.
    std::vector<uint8_t> out = req.args.in;
    StoreUint(out, status->offset, status->width, *not_supported);
    if (!mem.Write(req.args.address, out).ok()) return {-1, EFAULT};
    return {0, 0};
  }
  return {-1, EINVAL};
}

IoctlResult IoctlReplayer::ByRule(const RuleAnswer& a, const LiveRequest& req, TargetMemory& mem,
                                  int pid) {
  ++by_rule_;
  diag_ << "fakedrv: answered by the release's rule, pid " << pid << " on " << Printable(req.device) << ": "
        << Describe(req.request, req.args) << ": " << a.rule << std::endl;
  if (!a.out.empty() && !mem.Write(req.args.address, a.out).ok()) return {-1, EFAULT};
  return {a.ret, a.err};
}

// What `buf` holds after `written` was written over it, nested buffers included,
// compared with what `live` holds now: the same buffers at the same addresses, each
// with the bytes the answer left there (or the request's own where it wrote none).
bool IoctlReplayer::HoldsAnswer(const ArgBuffer& buf, const ArgBuffer& live,
                                std::span<const Output> written) {
  if (buf.address != live.address || buf.in.size() != live.in.size() ||
      buf.nested.size() != live.nested.size()) {
    return false;
  }
  const std::vector<uint8_t>* after = &buf.in;
  for (const Output& w : written) {
    if (w.address == buf.address && w.bytes.size() == buf.in.size()) after = &w.bytes;
  }
  if (*after != live.in) return false;
  for (size_t i = 0; i < buf.nested.size(); ++i) {
    if (buf.nested[i].field != live.nested[i].field ||
        !HoldsAnswer(buf.nested[i], live.nested[i], written)) {
      return false;
    }
  }
  return true;
}

bool IoctlReplayer::IsRestartOf(const Served& s, const LiveRequest& live) {
  return !s.written.empty() && s.request.request == live.request &&
         s.request.device == live.device && HoldsAnswer(s.request.args, live.args, s.written);
}

IoctlResult IoctlReplayer::Handle(const std::string& device, uint32_t request, uint64_t arg,
                                  TargetMemory& mem, int pid, int /*fd*/) {
  LiveRequest req;
  req.device = device;
  req.request = request;
  req.args.address = arg;
  req.args.layout = EscapeLayout(*trace_.abi, request & 0xff, _IOC_SIZE(request));
  req.args.in.resize(_IOC_SIZE(request));
  if (!mem.Read(arg, req.args.in).ok()) return {-1, EFAULT};
  if (std::optional<RuleAnswer> a = rules_.Malformed(req)) {
    if (!mem.StillValid()) return {0, 0, true};
    return ByRule(*a, req, mem, pid);
  }
  if (req.args.layout != nullptr && req.args.in.size() == req.args.layout->size) {
    switch (ReadNestedBuffers(*trace_.abi, req.args, mem)) {
      case ReadError::kNone: break;
      case ReadError::kFault: return {-1, EFAULT};
      case ReadError::kInvalid: return {-1, EINVAL};
    }
  }
  if (!mem.StillValid()) return {0, 0, true};
  if (auto it = last_.find(pid); it != last_.end() && IsRestartOf(it->second, req)) {
    req = it->second.request;  // a restarted call: same answer again
  }
  Served& served = last_[pid];
  served.request = req;
  served.written.clear();
  HoldsDevice holds = [&](const std::string& device) { return Holds(pid, device); };
  if (std::optional<RuleAnswer> a = rules_.Refused(req, holds)) return ByRule(*a, req, mem, pid);
  std::optional<Match> m = matcher_.Find(req, handles_);
  if (!m) {
    if (std::optional<RuleAnswer> a = rules_.Unrecorded(req)) return ByRule(*a, req, mem, pid);
    return Unmatched(req, mem, pid);
  }
  for (const auto& [client, rec] : m->new_bindings) handles_.Bind(client, rec);
  matcher_.Consume(m->index);
  const IoctlEvent& ev = *m->event;
  if (verbose_) {
    diag_ << "fakedrv: served pid " << pid << " on " << Printable(device) << ": " << Describe(request, req.args)
          << " <- " << Printable(trace_.source) << ":" << ev.line << std::endl;
  }
  std::vector<Output> output;
  if (!CollectOutput(ev.args, req.args, &output).ok()) return {-1, EIO};
  std::vector<TargetWrite> pieces;
  pieces.reserve(output.size());
  for (const Output& o : output) pieces.push_back({o.address, o.bytes});
  // One call into the target for the whole answer (target_memory.h).
  if (!mem.WriteAll(pieces).ok()) return {-1, EFAULT};
  served.written = std::move(output);
  const abi::Binding* esc = trace_.abi->EscapeByNumber(ev.nr());
  const abi::StructLayout* layout = req.args.layout;
  if (esc != nullptr && esc->name == kFreeEscape && layout != nullptr && ev.ret == 0) {
    const abi::Field* st = layout->Find(kStatusField);
    const abi::Field* old = layout->Find(kFreedHandleField);
    if (st != nullptr && old != nullptr && LoadUint(ev.args.out, st->offset, st->width) == 0) {
      handles_.ForgetClient(static_cast<uint32_t>(LoadUint(req.args.in, old->offset, old->width)));
    }
  }
  return {ev.ret, ev.err};
}

}  // namespace nvprobe::fakedrv
