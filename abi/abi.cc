#include "abi/abi.h"

#include <algorithm>
#include <cstdio>

namespace nvprobe::abi {
namespace {

const Binding* FindByNumber(const std::vector<Binding>& list, uint64_t number) {
  for (const Binding& b : list) {
    if (b.number == number) return &b;
  }
  return nullptr;
}

bool IsPowerOfTwoWidth(uint32_t w) { return w == 1 || w == 2 || w == 4 || w == 8; }

}  // namespace

const std::string& Binding::ParamsForSize(uint32_t size, const Abi& abi) const {
  if (!alt_params_struct.empty()) {
    const StructLayout* alt = abi.FindStruct(alt_params_struct);
    if (alt != nullptr && alt->size == size) return alt_params_struct;
  }
  return params_struct;
}

std::vector<std::pair<std::string_view, bool>> Semantics::List() const {
  return {{"version_query", version_query}, {"strict_outer_size", strict_outer_size}};
}

const StructLayout* Abi::FindStruct(std::string_view name) const {
  auto it = structs_.find(name);
  return it == structs_.end() ? nullptr : &it->second;
}

StatusOr<const StructLayout*> Abi::Struct(std::string_view name) const {
  if (const StructLayout* s = FindStruct(name)) return s;
  return NotFoundError("struct " + std::string(name) + " does not exist in driver " +
                       release_.ToString());
}

std::optional<uint64_t> Abi::FindConstant(std::string_view name) const {
  auto it = constants_.find(name);
  if (it == constants_.end()) return std::nullopt;
  return it->second;
}

StatusOr<uint64_t> Abi::Constant(std::string_view name) const {
  if (auto v = FindConstant(name)) return *v;
  return NotFoundError("constant " + std::string(name) + " does not exist in driver " +
                       release_.ToString());
}

std::optional<DriverVersion> Abi::CarriedBackFrom(std::string_view name) const {
  auto it = carried_back_.find(name);
  if (it == carried_back_.end()) return std::nullopt;
  return it->second;
}

const Binding* Abi::EscapeByNumber(uint32_t nr) const { return FindByNumber(escapes_, nr); }
const Binding* Abi::ControlByNumber(uint32_t cmd) const { return FindByNumber(controls_, cmd); }
const Binding* Abi::ClassByNumber(uint32_t hclass) const { return FindByNumber(classes_, hclass); }

std::optional<std::string> Abi::NameOf(uint64_t value,
                                       std::initializer_list<std::string_view> prefixes) const {
  for (const auto& [name, v] : constants_) {
    if (v != value) continue;
    for (std::string_view p : prefixes) {
      if (std::string_view(name).starts_with(p)) return name;
    }
  }
  return std::nullopt;
}

std::string Abi::StatusName(uint32_t status) const {
  if (auto name = NameOf(status, {"NV_OK", "NV_ERR_", "NV_WARN_"})) return *name;
  char buf[48];
  std::snprintf(buf, sizeof buf, "0x%x (unknown status)", status);
  return buf;
}

Status Abi::Validate() const {
  const std::string where = "driver " + release_.ToString() + ": ";
  for (const auto& [name, s] : structs_) {
    if (s.size == 0) return InternalError(where + name + " has size 0");
    uint32_t prev_end = 0;
    const Field* prev = nullptr;
    for (const Field& f : s.fields) {
      std::string fq = name + "." + f.name;
      if (f.width == 0) return InternalError(where + fq + " has width 0");
      if (f.end() > s.size) {
        return InternalError(where + fq + " ends at " + std::to_string(f.end()) +
                             ", past the struct's size " + std::to_string(s.size));
      }
      bool same_union = prev != nullptr && !f.union_name.empty() &&
                        f.union_name == prev->union_name;
      if (prev != nullptr && f.offset < prev_end && !same_union) {
        return InternalError(where + fq + " overlaps " + prev->name);
      }
      switch (f.kind) {
        case FieldKind::kInteger:
          if (!IsPowerOfTwoWidth(f.width)) return InternalError(where + fq + ": bad integer width");
          break;
        case FieldKind::kHandle:
          if (f.width != 4) return InternalError(where + fq + ": a handle is 4 bytes");
          break;
        case FieldKind::kFd:
          if (f.width != 4) return InternalError(where + fq + ": an fd is 4 bytes");
          break;
        case FieldKind::kPointer:
          if (f.width != 8) return InternalError(where + fq + ": a pointer is 8 bytes");
          if (!f.nested) return InternalError(where + fq + ": pointer without a nested buffer");
          break;
        case FieldKind::kArray:
        case FieldKind::kString:
          if (f.count == 0 || f.width % f.count != 0 ||
              (f.element_struct.empty() && !IsPowerOfTwoWidth(f.element_width()))) {
            return InternalError(where + fq + ": bad array shape");
          }
          if (!f.element_struct.empty()) {
            const StructLayout* e = FindStruct(f.element_struct);
            if (e == nullptr || e->size != f.element_width()) {
              return InternalError(where + fq + ": element struct " + f.element_struct +
                                   " unknown or of another size");
            }
          }
          break;
      }
      if (f.nested) {
        const NestedBuffer& n = *f.nested;
        if (!n.size_field.empty()) {
          const Field* sf = s.Find(n.size_field);
          if (sf == nullptr || sf->kind != FieldKind::kInteger) {
            return InternalError(where + fq + ": size field " + n.size_field + " is not an integer field");
          }
        }
        if (n.element_from == NestedBuffer::ElementFrom::kFixedStruct &&
            FindStruct(n.element_struct) == nullptr) {
          return InternalError(where + fq + ": element struct " + n.element_struct + " unknown");
        }
        bool selects = n.element_from == NestedBuffer::ElementFrom::kControlCommand ||
                       n.element_from == NestedBuffer::ElementFrom::kAllocClass ||
                       n.element_from == NestedBuffer::ElementFrom::kEscape;
        if (selects && s.Find(n.selector_field) == nullptr) {
          return InternalError(where + fq + ": selector field " + n.selector_field + " unknown");
        }
        if (n.size_field.empty() && n.fixed_size == 0 &&
            n.element_from == NestedBuffer::ElementFrom::kRawBytes) {
          return InternalError(where + fq + ": nested buffer with no size");
        }
      }
      prev_end = std::max(prev_end, f.end());
      prev = &f;
    }
  }
  for (const auto* list : {&escapes_, &controls_, &classes_}) {
    for (const Binding& b : *list) {
      auto c = FindConstant(b.name);
      if (!c || *c != b.number) return InternalError(where + b.name + ": binding disagrees with constant");
      for (const std::string* p : {&b.params_struct, &b.alt_params_struct}) {
        if (!p->empty() && FindStruct(*p) == nullptr) {
          return InternalError(where + b.name + ": params struct " + *p + " unknown");
        }
      }
    }
  }
  for (const auto& [name, from] : carried_back_) {
    if (!FindConstant(name)) return InternalError(where + name + ": carried back but not a constant");
    if (!(release_ < from)) {
      return InternalError(where + name + ": carried back from " + from.ToString() +
                           ", which is not a later release");
    }
  }
  return OkStatus();
}

}  // namespace nvprobe::abi
