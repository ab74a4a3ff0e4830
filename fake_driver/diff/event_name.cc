#include "fake_driver/diff/event_name.h"

#include "fake_driver/trace/hex.h"

namespace nvprobe::fakedrv::diff {

std::string EventName(const abi::Abi& abi, uint32_t nr, const ArgBuffer& args) {
  const abi::Binding* esc = abi.EscapeByNumber(nr);
  std::string name = esc != nullptr ? esc->name : "escape " + HexNumber(nr);
  const ArgBuffer* buf = &args;
  // Follows selector fields down: XFER -> its escape's struct -> control or class.
  for (int depth = 0; buf != nullptr && buf->layout != nullptr && depth < kMaxNestingDepth; ++depth) {
    const ArgBuffer* next = nullptr;
    for (const abi::Field& f : buf->layout->fields) {
      if (!f.nested || f.nested->selector_field.empty()) continue;
      const abi::Field* sel = buf->layout->Find(f.nested->selector_field);
      if (sel == nullptr || sel->end() > buf->in.size()) continue;
      const uint32_t v = static_cast<uint32_t>(LoadUint(buf->in, sel->offset, sel->width));
      switch (f.nested->element_from) {
        case abi::NestedBuffer::ElementFrom::kControlCommand: {
          const abi::Binding* c = abi.ControlByNumber(v);
          return c != nullptr ? c->name : name + " cmd " + HexNumber(v);
        }
        case abi::NestedBuffer::ElementFrom::kAllocClass: {
          const abi::Binding* c = abi.ClassByNumber(v);
          return name + " " + (c != nullptr ? c->name : "class " + HexNumber(v));
        }
        case abi::NestedBuffer::ElementFrom::kEscape: {
          const abi::Binding* e = abi.EscapeByNumber(v);
          name = e != nullptr ? e->name : "escape " + HexNumber(v);
          next = buf->FindNested(f.name);
          break;
        }
        default: break;
      }
    }
    buf = next;
  }
  return name;
}

}  // namespace nvprobe::fakedrv::diff
