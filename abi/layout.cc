#include "abi/layout.h"

namespace nvprobe::abi {

std::string_view FieldKindName(FieldKind kind) {
  switch (kind) {
    case FieldKind::kInteger: return "integer";
    case FieldKind::kHandle: return "handle";
    case FieldKind::kPointer: return "pointer";
    case FieldKind::kArray: return "array";
    case FieldKind::kString: return "string";
    case FieldKind::kFd: return "fd";
  }
  return "unknown";
}

const Field* StructLayout::Find(std::string_view field_name) const {
  for (const Field& f : fields) {
    if (f.name == field_name) return &f;
  }
  return nullptr;
}

}  // namespace nvprobe::abi
