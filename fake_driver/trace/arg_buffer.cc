#include "fake_driver/trace/arg_buffer.h"

#include <cstring>

namespace nvprobe::fakedrv {

const ArgBuffer* ArgBuffer::FindNested(std::string_view name) const {
  for (const ArgBuffer& n : nested) {
    if (n.field == name) return &n;
  }
  return nullptr;
}

uint64_t LoadUint(std::span<const uint8_t> bytes, uint32_t offset, uint32_t width) {
  uint64_t v = 0;
  if (width > 8 || offset + width > bytes.size()) return 0;
  std::memcpy(&v, bytes.data() + offset, width);  // x86_64: little-endian
  return v;
}

void StoreUint(std::span<uint8_t> bytes, uint32_t offset, uint32_t width, uint64_t value) {
  if (width > 8 || offset + width > bytes.size()) return;
  std::memcpy(bytes.data() + offset, &value, width);
}

const abi::StructLayout* EscapeLayout(const abi::Abi& abi, uint32_t nr, uint64_t size) {
  const abi::Binding* b = abi.EscapeByNumber(nr);
  if (b == nullptr || b->params_struct.empty()) return nullptr;
  return abi.FindStruct(b->ParamsForSize(static_cast<uint32_t>(size), abi));
}

StatusOr<std::vector<PointerTarget>> PointerTargets(const abi::Abi& abi,
                                                    const abi::StructLayout& layout,
                                                    std::span<const uint8_t> bytes,
                                                    AllocParamsLength alloc) {
  std::vector<PointerTarget> out;
  if (bytes.size() != layout.size) return out;
  for (const abi::Field& f : layout.fields) {
    if (f.kind != abi::FieldKind::kPointer || !f.nested) continue;
    const abi::NestedBuffer& nb = *f.nested;
    PointerTarget t;
    t.field = &f;
    t.address = LoadUint(bytes, f.offset, f.width);
    uint64_t count = nb.fixed_size;
    if (!nb.size_field.empty()) {
      const abi::Field* sf = layout.Find(nb.size_field);
      if (sf == nullptr) return InternalError("no size field " + nb.size_field);
      count = LoadUint(bytes, sf->offset, sf->width);
    }
    const abi::Binding* sel = nullptr;
    uint64_t selector = 0;
    if (!nb.selector_field.empty()) {
      const abi::Field* sf = layout.Find(nb.selector_field);
      if (sf == nullptr) return InternalError("no selector field " + nb.selector_field);
      selector = LoadUint(bytes, sf->offset, sf->width);
    }
    std::string element;
    switch (nb.element_from) {
      case abi::NestedBuffer::ElementFrom::kRawBytes: break;
      case abi::NestedBuffer::ElementFrom::kFixedStruct: element = nb.element_struct; break;
      case abi::NestedBuffer::ElementFrom::kControlCommand:
        sel = abi.ControlByNumber(static_cast<uint32_t>(selector));
        break;
      case abi::NestedBuffer::ElementFrom::kAllocClass:
        sel = abi.ClassByNumber(static_cast<uint32_t>(selector));
        break;
      case abi::NestedBuffer::ElementFrom::kEscape:
        sel = abi.EscapeByNumber(static_cast<uint32_t>(selector));
        break;
    }
    if (sel != nullptr) element = sel->params_struct;
    if (!element.empty()) {
      t.layout = abi.FindStruct(element);
      if (t.layout == nullptr) return InternalError("unknown struct " + element);
    }
    // No size field and no fixed size: one struct of the selected layout
    // (NVOS21.pAllocParms before 535.43.02 carries no paramsSize; the RM copies in
    // sizeof the class's params).
    // An allocation's known class: its params struct, whatever the size field says
    // (arg_buffer.h, AllocParamsLength).
    const bool class_size = nb.element_from == abi::NestedBuffer::ElementFrom::kAllocClass &&
                            alloc == AllocParamsLength::kClassSize;
    if ((class_size || (nb.size_field.empty() && nb.fixed_size == 0)) && t.layout != nullptr) {
      count = nb.unit == abi::NestedBuffer::SizeUnit::kElements ? 1 : t.layout->size;
    }
    if (nb.unit == abi::NestedBuffer::SizeUnit::kElements) {
      if (t.layout == nullptr) {
        return InvalidArgumentError(f.name + ": element layout unknown for selector " +
                                    std::to_string(selector));
      }
      // Checked before multiplying: a 64-bit count from the caller must not wrap.
      if (t.layout->size != 0 && count > kMaxNestedBytes / t.layout->size) {
        return InvalidArgumentError(f.name + ": " + std::to_string(count) + " elements of " +
                                    t.layout->name + " are more than the limit");
      }
      count *= t.layout->size;
    }
    if (count > kMaxNestedBytes) {
      return InvalidArgumentError(f.name + ": nested buffer of " + std::to_string(count) +
                                  " bytes is larger than the limit");
    }
    t.length = count;
    if (t.address == 0 || t.length == 0) continue;
    out.push_back(t);
  }
  return out;
}

void ForEachField(const abi::StructLayout* layout, size_t bytes_size, abi::FieldKind kind,
                  const std::function<void(const abi::Field&, uint32_t offset)>& fn) {
  if (layout == nullptr || layout->size == 0) return;
  for (size_t base = 0; base + layout->size <= bytes_size; base += layout->size) {
    for (const abi::Field& f : layout->fields) {
      if (f.kind == kind) fn(f, static_cast<uint32_t>(base + f.offset));
    }
  }
}

}  // namespace nvprobe::fakedrv
