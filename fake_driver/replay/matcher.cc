#include "fake_driver/replay/matcher.h"

#include <algorithm>
#include <cstring>

namespace nvprobe::fakedrv {
namespace {

// The driver writes this field; what the client leaves in it does not matter.
constexpr char kStatusField[] = "status";

// One plain field check at `off`: bytes equal; pointers both null or both not;
// fds both valid or both not (the numbers are the recording process's and the
// client's own).
bool Agrees(const FieldCheck& c, const std::vector<uint8_t>& rec, const std::vector<uint8_t>& live,
            uint32_t off) {
  switch (c.kind) {
    case FieldCheck::Kind::kBytes: return std::memcmp(rec.data() + off, live.data() + off, c.width) == 0;
    case FieldCheck::Kind::kPointer: return (LoadUint(rec, off, c.width) == 0) == (LoadUint(live, off, c.width) == 0);
    case FieldCheck::Kind::kFd:
      return (static_cast<int32_t>(LoadUint(rec, off, 4)) < 0) == (static_cast<int32_t>(LoadUint(live, off, 4)) < 0);
    case FieldCheck::Kind::kHandle: return true;  // compared through the handle map
  }
  return false;
}

ComparePlan PlanOf(const abi::StructLayout& layout) {
  std::vector<std::pair<uint32_t, uint32_t>> bytes;  // [begin, end)
  std::vector<FieldCheck> pointers;
  ComparePlan plan;
  for (const abi::Field& f : layout.fields) {
    if (f.name == kStatusField) continue;
    if (f.kind == abi::FieldKind::kPointer) {
      pointers.push_back({FieldCheck::Kind::kPointer, f.offset, f.width});
    } else if (f.kind == abi::FieldKind::kFd) {
      pointers.push_back({FieldCheck::Kind::kFd, f.offset, f.width});
    } else if (f.kind == abi::FieldKind::kHandle && f.width == 4) {
      plan.handles.push_back({FieldCheck::Kind::kHandle, f.offset, f.width});
    } else {
      bytes.emplace_back(f.offset, f.offset + f.width);
    }
  }
  // Every field's bytes equal <=> every byte of their union equal: merge
  // overlapping (unions) and adjacent fields into runs.
  std::sort(bytes.begin(), bytes.end());
  for (const auto& [begin, end] : bytes) {
    FieldCheck* last = plan.plain.empty() ? nullptr : &plan.plain.back();
    if (last != nullptr && begin <= last->offset + last->width) {
      last->width = std::max(last->width, end - last->offset);
    } else {
      plan.plain.push_back({FieldCheck::Kind::kBytes, begin, end - begin});
    }
  }
  plan.plain.insert(plan.plain.end(), pointers.begin(), pointers.end());
  return plan;
}

uint64_t Mix(uint64_t h, uint64_t v) {
  return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

uint64_t MixBytes(uint64_t h, const uint8_t* p, size_t n) {
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = Mix(h, v);
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  return Mix(h, tail);
}

// Handles compared through the map; a live handle the map does not know stands for
// the recorded one, consistently within one comparison.
class HandleMatcher {
 public:
  explicit HandleMatcher(const HandleMap& handles) : handles_(handles) {}

  bool Matches(uint32_t rec, uint32_t live) {
    if (rec == 0 || live == 0) return rec == live;
    if (std::optional<uint32_t> t = handles_.ToTrace(live)) return *t == rec;
    for (const auto& [c, t] : bindings) {
      if (c == live) return t == rec;
    }
    // A handle the client chose for a new object: it stands for the recorded one.
    bindings.emplace_back(live, rec);
    return true;
  }

  std::vector<std::pair<uint32_t, uint32_t>> bindings;

 private:
  const HandleMap& handles_;
};

// Whether `live` agrees with `rec` wherever it matters; stops at the first
// difference (Find needs no score).
class InputMatcher {
 public:
  InputMatcher(const HandleMap& handles,
               const std::unordered_map<const abi::StructLayout*, ComparePlan>& plans,
               bool format1)
      : handles_(handles), plans_(plans), format1_(format1) {}

  bool Equal(const ArgBuffer& rec, const ArgBuffer& live, bool top) {
    if (rec.layout != live.layout || rec.in.size() != live.in.size()) return false;
    // Raw nested buffers are outputs (strings the driver fills); raw top-level
    // arguments are inputs.
    if (rec.layout == nullptr) return !top || rec.in == live.in;
    if (rec.nested.size() != live.nested.size() && !Format1AllocParams(rec, live)) return false;
    const abi::StructLayout& layout = *rec.layout;
    auto cached = plans_.find(&layout);
    ComparePlan own;
    if (cached == plans_.end()) own = PlanOf(layout);
    const ComparePlan& plan = cached == plans_.end() ? own : cached->second;
    // Identical bytes agree in every plain field and pointer (a large array, such
    // as card info's 32 entries, in one comparison); only handles remain.
    const bool identical = rec.in == live.in;
    for (size_t base = 0; !identical && base + layout.size <= rec.in.size(); base += layout.size) {
      for (const FieldCheck& c : plan.plain) {
        uint32_t off = static_cast<uint32_t>(base + c.offset);
        if (!Agrees(c, rec.in, live.in, off)) return false;
      }
    }
    // Handles after, in layout order: each costs a map lookup.
    for (size_t base = 0; base + layout.size <= rec.in.size(); base += layout.size) {
      for (const FieldCheck& c : plan.handles) {
        uint32_t off = static_cast<uint32_t>(base + c.offset);
        if (!handles_.Matches(static_cast<uint32_t>(LoadUint(rec.in, off, 4)),
                              static_cast<uint32_t>(LoadUint(live.in, off, 4)))) {
          return false;
        }
      }
    }
    for (const ArgBuffer& rn : rec.nested) {
      const ArgBuffer* ln = live.FindNested(rn.field);
      if (ln == nullptr || !Equal(rn, *ln, false)) return false;
    }
    return true;
  }

  std::vector<std::pair<uint32_t, uint32_t>>& bindings() { return handles_.bindings; }

 private:
  // A format 1 trace recorded no params for an allocation whose paramsSize was 0
  // (arg_buffer.h, AllocParamsLength): the live request's are not compared then.
  bool Format1AllocParams(const ArgBuffer& rec, const ArgBuffer& live) const {
    if (!format1_ || live.nested.size() != rec.nested.size() + 1) return false;
    for (const ArgBuffer& ln : live.nested) {
      if (rec.FindNested(ln.field) != nullptr) continue;
      const abi::Field* f = live.layout->Find(ln.field);
      return f != nullptr && f->nested &&
             f->nested->element_from == abi::NestedBuffer::ElementFrom::kAllocClass;
    }
    return false;
  }

  HandleMatcher handles_;
  const std::unordered_map<const abi::StructLayout*, ComparePlan>& plans_;
  const bool format1_;
};

// Closest(): how alike two requests are, field by field, even when they differ.
class InputScorer {
 public:
  explicit InputScorer(const HandleMap& handles) : handles_(handles) {}

  void Score(const ArgBuffer& rec, const ArgBuffer& live) {
    if (rec.layout != live.layout || rec.in.size() != live.in.size()) return;
    if (rec.layout == nullptr) return;
    const abi::StructLayout& layout = *rec.layout;
    for (size_t base = 0; base + layout.size <= rec.in.size(); base += layout.size) {
      for (const abi::Field& f : layout.fields) {
        uint32_t off = static_cast<uint32_t>(base + f.offset);
        if (f.name == kStatusField) continue;
        bool eq = true;
        if (f.kind == abi::FieldKind::kPointer) {
          eq = (LoadUint(rec.in, off, f.width) == 0) == (LoadUint(live.in, off, f.width) == 0);
        } else if (f.kind == abi::FieldKind::kFd) {
          eq = Agrees({FieldCheck::Kind::kFd, f.offset, f.width}, rec.in, live.in, off);
        } else if (f.kind == abi::FieldKind::kHandle && f.width == 4) {
          eq = handles_.Matches(static_cast<uint32_t>(LoadUint(rec.in, off, 4)),
                                static_cast<uint32_t>(LoadUint(live.in, off, 4)));
        } else {
          eq = std::memcmp(rec.in.data() + off, live.in.data() + off, f.width) == 0;
        }
        if (eq) ++score;
      }
    }
    if (rec.nested.size() != live.nested.size()) return;
    for (const ArgBuffer& rn : rec.nested) {
      if (const ArgBuffer* ln = live.FindNested(rn.field)) Score(rn, *ln);
    }
  }

  int score = 0;

 private:
  HandleMatcher handles_;
};

}  // namespace

Matcher::Matcher(const Trace& trace) : trace_(trace), consumed_(trace.events.size()) {
  for (size_t i = 0; i < trace.events.size(); ++i) {
    const IoctlEvent& ev = trace.events[i];
    by_key_[{ev.device, ev.request}].push_back(i);
    PlanLayouts(ev.args);
  }
  for (const IoctlEvent& ev : trace.events) signatures_.push_back(Signature(ev.args));
}

uint64_t Matcher::Signature(const ArgBuffer& buf) const {
  uint64_t h = Mix(0, buf.in.size());
  if (buf.layout == nullptr) return MixBytes(h, buf.in.data(), buf.in.size());
  auto cached = plans_.find(buf.layout);
  if (cached == plans_.end() || buf.layout->size == 0) return h;
  for (size_t base = 0; base + buf.layout->size <= buf.in.size(); base += buf.layout->size) {
    for (const FieldCheck& c : cached->second.plain) {
      uint32_t off = static_cast<uint32_t>(base + c.offset);
      h = c.kind == FieldCheck::Kind::kBytes ? MixBytes(h, buf.in.data() + off, c.width)
                                             : Mix(h, LoadUint(buf.in, off, c.width) == 0);
    }
  }
  return h;
}

void Matcher::PlanLayouts(const ArgBuffer& buf) {
  if (buf.layout != nullptr && !plans_.contains(buf.layout)) {
    plans_[buf.layout] = PlanOf(*buf.layout);
  }
  for (const ArgBuffer& n : buf.nested) PlanLayouts(n);
}

std::optional<Match> Matcher::Find(const LiveRequest& req, const HandleMap& handles) const {
  auto key = by_key_.find({req.device, req.request});
  if (key == by_key_.end()) return std::nullopt;
  // The same order as a scan of the whole trace from next_, wrapping around.
  const std::vector<size_t>& candidates = key->second;
  const size_t n = candidates.size();
  const size_t first =
      std::lower_bound(candidates.begin(), candidates.end(), next_) - candidates.begin();
  // Worth its cost where several events share the request number (RM controls).
  const bool filter = n > 2;
  const uint64_t signature = filter ? Signature(req.args) : 0;
  std::optional<Match> fallback;
  for (size_t k = 0; k < n; ++k) {
    size_t i = candidates[(first + k) % n];
    // Once a consumed match is in hand, only an unconsumed one can do better.
    if (fallback && consumed_[i]) continue;
    if (filter && signatures_[i] != signature) continue;
    const IoctlEvent& ev = trace_.events[i];
    InputMatcher cmp(handles, plans_, trace_.version == 1);
    if (!cmp.Equal(ev.args, req.args, true)) continue;
    Match m{i, &ev, std::move(cmp.bindings())};
    if (!consumed_[i]) return m;
    fallback = std::move(m);
  }
  return fallback;
}

void Matcher::Consume(size_t index) {
  if (index < consumed_.size()) consumed_[index] = true;
  next_ = index + 1;
}

std::vector<const IoctlEvent*> Matcher::Closest(const LiveRequest& req, const HandleMap& handles,
                                                size_t max) const {
  std::vector<std::pair<int, const IoctlEvent*>> scored;
  for (const IoctlEvent& ev : trace_.events) {
    if ((ev.request & 0xff) != (req.request & 0xff)) continue;
    InputScorer cmp(handles);
    cmp.Score(ev.args, req.args);
    scored.emplace_back(cmp.score + (ev.device == req.device ? 1 : 0), &ev);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<const IoctlEvent*> out;
  for (size_t i = 0; i < scored.size() && i < max; ++i) out.push_back(scored[i].second);
  return out;
}

}  // namespace nvprobe::fakedrv
