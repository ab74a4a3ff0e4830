#include "abi/abi_builder.h"

#include <algorithm>
#include <utility>

namespace nvprobe::abi {

namespace nested {

NestedBuffer Bytes(std::string size_field) {
  NestedBuffer n;
  n.size_field = std::move(size_field);
  return n;
}

NestedBuffer FixedBytes(uint32_t size) {
  NestedBuffer n;
  n.fixed_size = size;
  return n;
}

NestedBuffer Elements(std::string element_struct, std::string count_field) {
  NestedBuffer n;
  n.size_field = std::move(count_field);
  n.unit = NestedBuffer::SizeUnit::kElements;
  n.element_from = NestedBuffer::ElementFrom::kFixedStruct;
  n.element_struct = std::move(element_struct);
  return n;
}

NestedBuffer ControlParams(std::string cmd_field, std::string size_field) {
  NestedBuffer n;
  n.size_field = std::move(size_field);
  n.element_from = NestedBuffer::ElementFrom::kControlCommand;
  n.selector_field = std::move(cmd_field);
  return n;
}

NestedBuffer AllocParams(std::string class_field, std::string size_field) {
  NestedBuffer n;
  n.size_field = std::move(size_field);
  n.element_from = NestedBuffer::ElementFrom::kAllocClass;
  n.selector_field = std::move(class_field);
  return n;
}

NestedBuffer EscapeParams(std::string escape_field, std::string size_field) {
  NestedBuffer n;
  n.size_field = std::move(size_field);
  n.element_from = NestedBuffer::ElementFrom::kEscape;
  n.selector_field = std::move(escape_field);
  return n;
}

}  // namespace nested

StructBuilder& StructBuilder::Add(Field f) {
  f.union_name = union_;
  layout_->fields.push_back(std::move(f));
  return *this;
}

namespace {

Field MakeField(std::string name, uint32_t offset, uint32_t width,
                FieldKind kind = FieldKind::kInteger, uint32_t count = 1) {
  Field f;
  f.name = std::move(name);
  f.offset = offset;
  f.width = width;
  f.kind = kind;
  f.count = count;
  return f;
}

}  // namespace

StructBuilder& StructBuilder::U8(std::string name, uint32_t offset) {
  return Add(MakeField(std::move(name), offset, 1));
}
StructBuilder& StructBuilder::U16(std::string name, uint32_t offset) {
  return Add(MakeField(std::move(name), offset, 2));
}
StructBuilder& StructBuilder::U32(std::string name, uint32_t offset) {
  return Add(MakeField(std::move(name), offset, 4));
}
StructBuilder& StructBuilder::U64(std::string name, uint32_t offset) {
  return Add(MakeField(std::move(name), offset, 8));
}
StructBuilder& StructBuilder::Handle(std::string name, uint32_t offset) {
  return Add(MakeField(std::move(name), offset, 4, FieldKind::kHandle));
}
StructBuilder& StructBuilder::Fd(std::string name, uint32_t offset) {
  return Add(MakeField(std::move(name), offset, 4, FieldKind::kFd));
}
StructBuilder& StructBuilder::Pointer(std::string name, uint32_t offset, NestedBuffer n) {
  Field f = MakeField(std::move(name), offset, 8, FieldKind::kPointer);
  f.nested = std::move(n);
  return Add(std::move(f));
}
StructBuilder& StructBuilder::Array(std::string name, uint32_t offset, uint32_t element_width,
                                    uint32_t count) {
  return Add(MakeField(std::move(name), offset, element_width * count, FieldKind::kArray, count));
}
StructBuilder& StructBuilder::StructArray(std::string name, uint32_t offset,
                                          std::string element_struct, uint32_t element_size,
                                          uint32_t count) {
  Field f = MakeField(std::move(name), offset, element_size * count, FieldKind::kArray, count);
  f.element_struct = std::move(element_struct);
  return Add(std::move(f));
}
StructBuilder& StructBuilder::String(std::string name, uint32_t offset, uint32_t length) {
  return Add(MakeField(std::move(name), offset, length, FieldKind::kString, length));
}
StructBuilder& StructBuilder::Union(std::string name) {
  union_ = std::move(name);
  return *this;
}
StructBuilder& StructBuilder::EndUnion() {
  union_.clear();
  return *this;
}

AbiBuilder::AbiBuilder(const Abi& parent, DriverVersion release) : abi_(parent) {
  abi_.release_ = release;
}

AbiBuilder::AbiBuilder(DriverVersion release) { abi_.release_ = release; }

StructBuilder AbiBuilder::Struct(std::string name, uint32_t size) {
  StructLayout& s = abi_.structs_[name];
  s = StructLayout();
  s.name = name;
  s.size = size;
  return StructBuilder(&s);
}

void AbiBuilder::RemoveStruct(std::string_view name) {
  if (auto it = abi_.structs_.find(name); it != abi_.structs_.end()) abi_.structs_.erase(it);
}

void AbiBuilder::Constant(std::string name, uint64_t value) {
  if (auto it = abi_.carried_back_.find(name); it != abi_.carried_back_.end()) {
    abi_.carried_back_.erase(it);
  }
  abi_.constants_[std::move(name)] = value;
}

void AbiBuilder::RemoveConstant(std::string_view name) {
  if (auto it = abi_.constants_.find(name); it != abi_.constants_.end()) {
    abi_.constants_.erase(it);
  }
  if (auto it = abi_.carried_back_.find(name); it != abi_.carried_back_.end()) {
    abi_.carried_back_.erase(it);
  }
}

void AbiBuilder::CarriedBackConstant(std::string name, uint64_t value, DriverVersion from) {
  if (abi_.constants_.contains(name) && !abi_.carried_back_.contains(name)) return;
  abi_.constants_[name] = value;
  abi_.carried_back_[std::move(name)] = from;
}

void AbiBuilder::Bind(std::vector<Binding>& list, std::string name, uint64_t number,
                      std::string params_struct, std::string alt_params_struct) {
  Constant(name, number);
  std::erase_if(list, [&](const Binding& b) { return b.name == name; });
  list.push_back({std::move(name), number, std::move(params_struct), std::move(alt_params_struct)});
}

void AbiBuilder::Escape(std::string name, uint32_t nr, std::string params_struct,
                        std::string alt_params_struct) {
  Bind(abi_.escapes_, std::move(name), nr, std::move(params_struct), std::move(alt_params_struct));
}
void AbiBuilder::Control(std::string name, uint32_t cmd, std::string params_struct) {
  Bind(abi_.controls_, std::move(name), cmd, std::move(params_struct));
}
void AbiBuilder::Class(std::string name, uint32_t hclass, std::string params_struct) {
  Bind(abi_.classes_, std::move(name), hclass, std::move(params_struct));
}

void AbiBuilder::RemoveControl(std::string_view name) {
  std::erase_if(abi_.controls_, [&](const Binding& b) { return b.name == name; });
  RemoveConstant(name);
}

Abi AbiBuilder::Build() && {
  for (auto& [name, s] : abi_.structs_) {
    std::stable_sort(s.fields.begin(), s.fields.end(),
                     [](const Field& a, const Field& b) { return a.offset < b.offset; });
  }
  return std::move(abi_);
}

}  // namespace nvprobe::abi
