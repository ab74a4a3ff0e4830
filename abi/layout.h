// The layout of one parameter struct of the driver ABI, as the x86_64 compiler lays
// out NVIDIA's C declaration: size, and every field's name, offset, width and kind.
// Nested structs are flattened with dotted names ("pci_info.domain"); arrays keep
// their own name and report their first element's offset.
#ifndef NVPROBE_ABI_LAYOUT_H_
#define NVPROBE_ABI_LAYOUT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nvprobe::abi {

enum class FieldKind {
  kInteger,  // unsigned little-endian integer (NvU8..NvU64, NvBool, enums)
  kHandle,   // NvHandle: an RM object handle, remapped between trace and client
  kPointer,  // NvP64 / user pointer to a nested buffer (see NestedBuffer)
  kArray,    // fixed array of `count` integers of width/count bytes each
  kString,   // fixed char array holding a NUL-terminated (or full) string
  kFd,       // the caller's file descriptor (int): its number means nothing on replay
};

std::string_view FieldKindName(FieldKind kind);

// What a pointer field points at, so that decoders, recorders and replayers can
// follow it without knowing the command.
struct NestedBuffer {
  enum class SizeUnit { kBytes, kElements };
  // Where the element layout comes from.
  enum class ElementFrom {
    kRawBytes,        // unstructured bytes (strings, opaque data)
    kFixedStruct,     // always `element_struct`
    kControlCommand,  // the params struct of the control command in `selector_field`
    kAllocClass,      // the allocation params struct of the class in `selector_field`
    kEscape,          // the struct of the frontend escape number in `selector_field`
  };

  // The buffer's length: from a sibling field, or a fixed number when empty.
  std::string size_field;
  uint32_t fixed_size = 0;
  SizeUnit unit = SizeUnit::kBytes;
  ElementFrom element_from = ElementFrom::kRawBytes;
  std::string element_struct;  // with kFixedStruct
  std::string selector_field;  // with kControlCommand / kAllocClass / kEscape

  bool operator==(const NestedBuffer&) const = default;
};

struct Field {
  std::string name;
  uint32_t offset = 0;
  uint32_t width = 0;  // bytes; an array's whole extent
  FieldKind kind = FieldKind::kInteger;
  uint32_t count = 1;  // array and string elements
  std::optional<NestedBuffer> nested;  // with kPointer
  // kArray of structs: the element's layout (e.g. gpuInfoList of NV2080_CTRL_GPU_INFO).
  std::string element_struct;
  // Members of the same C union share bytes; they name it here ("gpuNameString").
  std::string union_name;

  uint32_t element_width() const { return count ? width / count : width; }
  uint32_t end() const { return offset + width; }
  bool operator==(const Field&) const = default;
};

struct StructLayout {
  std::string name;  // NVIDIA's typedef name, e.g. "NVOS21_PARAMETERS"
  uint32_t size = 0;
  std::vector<Field> fields;  // in offset order

  const Field* Find(std::string_view field_name) const;
  bool operator==(const StructLayout&) const = default;
};

}  // namespace nvprobe::abi

#endif  // NVPROBE_ABI_LAYOUT_H_
