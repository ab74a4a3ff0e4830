// Builds an Abi: a release starts from a copy of its parent's Abi and applies its
// delta through this builder. Delta functions read like the C headers they
// describe:
//
//   b.Struct("NV2080_ALLOC_PARAMETERS", 4).U32("subDeviceId", 0);
//   b.Control("NV2080_CTRL_CMD_MC_GET_ARCH_INFO", 0x20801701,
//             "NV2080_CTRL_MC_GET_ARCH_INFO_PARAMS");
//
// Restating a struct replaces it whole; that is how a layout change is written.
#ifndef NVPROBE_ABI_ABI_BUILDER_H_
#define NVPROBE_ABI_ABI_BUILDER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "abi/abi.h"

namespace nvprobe::abi {

// Nested-buffer descriptions for pointer fields.
namespace nested {
// `size_field` bytes of raw data.
NestedBuffer Bytes(std::string size_field);
// Always `size` bytes of raw data.
NestedBuffer FixedBytes(uint32_t size);
// `count_field` elements of `element_struct`.
NestedBuffer Elements(std::string element_struct, std::string count_field);
// The params struct of the control command in `cmd_field`; `size_field` bytes.
NestedBuffer ControlParams(std::string cmd_field, std::string size_field);
// The allocation params of the class in `class_field`; `size_field` bytes, or the
// class's struct size when the struct has no size field.
NestedBuffer AllocParams(std::string class_field, std::string size_field = "");
// The struct of the escape in `escape_field`; `size_field` bytes.
NestedBuffer EscapeParams(std::string escape_field, std::string size_field);
}  // namespace nested

class StructBuilder {
 public:
  explicit StructBuilder(StructLayout* layout) : layout_(layout) {}

  StructBuilder& U8(std::string name, uint32_t offset);
  StructBuilder& U16(std::string name, uint32_t offset);
  StructBuilder& U32(std::string name, uint32_t offset);
  StructBuilder& U64(std::string name, uint32_t offset);
  StructBuilder& Handle(std::string name, uint32_t offset);
  // An int file descriptor of the caller's.
  StructBuilder& Fd(std::string name, uint32_t offset);
  StructBuilder& Pointer(std::string name, uint32_t offset, NestedBuffer nested);
  StructBuilder& Array(std::string name, uint32_t offset, uint32_t element_width,
                       uint32_t count);
  StructBuilder& StructArray(std::string name, uint32_t offset, std::string element_struct,
                             uint32_t element_size, uint32_t count);
  StructBuilder& String(std::string name, uint32_t offset, uint32_t length);
  // Fields added until EndUnion() are members of the C union `name`.
  StructBuilder& Union(std::string name);
  StructBuilder& EndUnion();

 private:
  StructBuilder& Add(Field f);
  StructLayout* layout_;
  std::string union_;
};

class AbiBuilder {
 public:
  // Starts from `parent` (copied), relabelled as `release`.
  AbiBuilder(const Abi& parent, DriverVersion release);
  // Starts empty: the root release.
  explicit AbiBuilder(DriverVersion release);

  // Declares (or replaces) a struct. Add fields through the returned builder.
  StructBuilder Struct(std::string name, uint32_t size);
  void RemoveStruct(std::string_view name);

  // A constant of this release's headers. One carried back before (below) is the
  // release's own from here on: the mark is dropped.
  void Constant(std::string name, uint64_t value);
  void RemoveConstant(std::string_view name);
  // A constant this release's headers lack, carried back from the later release
  // `from`, whose headers name it with `value` (Abi::carried_back()). Descendants
  // inherit it, marked, until one declares it with Constant(). Never replaces a
  // constant the release has of its own.
  void CarriedBackConstant(std::string name, uint64_t value, DriverVersion from);

  // A constant that names an ioctl escape, control command or class, and the
  // struct it takes ("" for none). Re-binding a name replaces the old binding.
  void Escape(std::string name, uint32_t nr, std::string params_struct,
              std::string alt_params_struct = "");
  void Control(std::string name, uint32_t cmd, std::string params_struct);
  void Class(std::string name, uint32_t hclass, std::string params_struct);
  void RemoveControl(std::string_view name);

  Semantics& semantics() { return abi_.semantics_; }

  // Sorts fields by offset and hands the result over.
  Abi Build() &&;

 private:
  void Bind(std::vector<Binding>& list, std::string name, uint64_t number,
            std::string params_struct, std::string alt_params_struct = "");
  Abi abi_;
};

}  // namespace nvprobe::abi

#endif  // NVPROBE_ABI_ABI_BUILDER_H_
