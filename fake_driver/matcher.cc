#include "fake_driver/matcher.h"

#include <algorithm>
#include <cstring>

namespace nvprobe::fakedrv {
namespace {

// The driver writes this field; what the client leaves in it does not matter.
constexpr char kStatusField[] = "status";

class InputComparer {
 public:
  explicit InputComparer(const HandleMap& handles) : handles_(handles) {}

  // Counts equal fields into `score`; returns whether everything that matters agrees.
  bool Compare(const ArgBuffer& rec, const ArgBuffer& live, bool top) {
    if (rec.layout != live.layout || rec.in.size() != live.in.size()) return false;
    bool all = true;
    if (rec.layout == nullptr) {
      // Raw nested buffers are outputs (strings the driver fills); raw top-level
      // arguments are inputs.
      return !top || rec.in == live.in;
    }
    const abi::StructLayout& layout = *rec.layout;
    for (size_t base = 0; base + layout.size <= rec.in.size(); base += layout.size) {
      for (const abi::Field& f : layout.fields) {
        uint32_t off = static_cast<uint32_t>(base + f.offset);
        bool eq = true;
        if (f.name == kStatusField) continue;
        if (f.kind == abi::FieldKind::kPointer) {
          eq = (LoadUint(rec.in, off, f.width) == 0) == (LoadUint(live.in, off, f.width) == 0);
        } else if (f.kind == abi::FieldKind::kHandle && f.width == 4) {
          eq = HandleMatches(static_cast<uint32_t>(LoadUint(rec.in, off, 4)),
                             static_cast<uint32_t>(LoadUint(live.in, off, 4)));
        } else {
          eq = std::memcmp(rec.in.data() + off, live.in.data() + off, f.width) == 0;
        }
        if (eq) ++score;
        all = all && eq;
      }
    }
    if (rec.nested.size() != live.nested.size()) return false;
    for (const ArgBuffer& rn : rec.nested) {
      const ArgBuffer* ln = live.FindNested(rn.field);
      if (ln == nullptr || !Compare(rn, *ln, false)) all = false;
    }
    return all;
  }

  int score = 0;
  std::vector<std::pair<uint32_t, uint32_t>> bindings;

 private:
  bool HandleMatches(uint32_t rec, uint32_t live) {
    if (rec == 0 || live == 0) return rec == live;
    if (std::optional<uint32_t> t = handles_.ToTrace(live)) return *t == rec;
    for (const auto& [c, t] : bindings) {
      if (c == live) return t == rec;
    }
    // A handle the client chose for a new object: it stands for the recorded one.
    bindings.emplace_back(live, rec);
    return true;
  }

  const HandleMap& handles_;
};

}  // namespace

std::optional<Match> Matcher::Find(const LiveRequest& req, const HandleMap& handles) const {
  const size_t n = trace_.events.size();
  std::optional<Match> fallback;
  for (size_t k = 0; k < n; ++k) {
    size_t i = (next_ + k) % n;
    const IoctlEvent& ev = trace_.events[i];
    if (ev.request != req.request || ev.device != req.device) continue;
    InputComparer cmp(handles);
    if (!cmp.Compare(ev.args, req.args, true)) continue;
    Match m{i, &ev, std::move(cmp.bindings)};
    if (!consumed_[i]) return m;
    if (!fallback) fallback = std::move(m);
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
    InputComparer cmp(handles);
    cmp.Compare(ev.args, req.args, true);
    scored.emplace_back(cmp.score + (ev.device == req.device ? 1 : 0), &ev);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<const IoctlEvent*> out;
  for (size_t i = 0; i < scored.size() && i < max; ++i) out.push_back(scored[i].second);
  return out;
}

}  // namespace nvprobe::fakedrv
