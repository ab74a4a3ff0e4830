#include "fake_driver/model/control_call.h"

#include <algorithm>
#include <cstring>

namespace nvprobe::fakedrv::model {

uint32_t GpuIdOf(const MachineGpu& g) { return (g.domain << 16) | (g.bus << 8) | g.slot; }

const abi::Field* ControlCall::FieldOf(std::string_view field, const ArgBuffer& b) {
  const abi::Field* f = b.layout ? b.layout->Find(field) : nullptr;
  if (f == nullptr || f->end() > b.in.size()) {
    if (error_.empty()) {
      error_ = (b.layout ? b.layout->name : std::string("raw buffer")) + " has no field " +
               std::string(field) + " in release " + abi.release().ToString();
    }
    return nullptr;
  }
  return f;
}

uint64_t ControlCall::In(std::string_view field) {
  const abi::Field* f = FieldOf(field, params_);
  return f ? LoadUint(params_.in, f->offset, std::min<uint32_t>(f->width, 8)) : 0;
}

uint64_t ControlCall::InElement(std::string_view field, uint32_t index) {
  const abi::Field* f = FieldOf(field, params_);
  if (f == nullptr || index >= f->count) return 0;
  return LoadUint(params_.in, f->offset + index * f->element_width(), f->element_width());
}

void ControlCall::Set(std::string_view field, uint64_t value) {
  if (const abi::Field* f = FieldOf(field, params_)) StoreUint(params_.out, f->offset, f->width, value);
}

void ControlCall::SetElement(std::string_view field, uint32_t index, uint64_t value) {
  const abi::Field* f = FieldOf(field, params_);
  if (f == nullptr) return;
  if (index >= f->count) {
    if (error_.empty()) error_ = std::string(field) + "[" + std::to_string(index) + "] out of range";
    return;
  }
  StoreUint(params_.out, f->offset + index * f->element_width(), f->element_width(), value);
}

void ControlCall::SetBytes(std::string_view field, std::string_view bytes) {
  const abi::Field* f = FieldOf(field, params_);
  if (f == nullptr) return;
  if (bytes.size() > f->width) {
    if (error_.empty()) error_ = std::string(field) + ": " + std::to_string(bytes.size()) +
                                 " bytes do not fit in " + std::to_string(f->width);
    return;
  }
  std::memset(params_.out.data() + f->offset, 0, f->width);
  std::memcpy(params_.out.data() + f->offset, bytes.data(), bytes.size());
}

void ControlCall::SetString(std::string_view field, std::string_view value) {
  const abi::Field* f = FieldOf(field, params_);
  if (f == nullptr) return;
  if (value.size() + 1 > f->width) {
    if (error_.empty()) error_ = std::string(field) + ": \"" + std::string(value) +
                                 "\" does not fit in " + std::to_string(f->width) + " bytes";
    return;
  }
  SetBytes(field, value);
}

uint32_t ControlCall::Count(std::string_view field) {
  const abi::Field* f = FieldOf(field, params_);
  return f ? f->count : 0;
}

uint64_t ControlCall::C(std::string_view name) {
  std::optional<uint64_t> v = abi.FindConstant(name);
  if (!v && error_.empty()) error_ = "no constant " + std::string(name) + " in release " + abi.release().ToString();
  return v.value_or(0);
}

ArgBuffer* ControlCall::Nested(std::string_view pointer_field) {
  for (ArgBuffer& n : params_.nested) {
    if (n.field == pointer_field) return &n;
  }
  return nullptr;
}

ControlCall::Entries ControlCall::EntriesOf(std::string_view list_field) {
  Entries e;
  if (ArgBuffer* n = Nested(list_field); n != nullptr) {
    e.entry = n->layout;
    e.in = &n->in;
    e.out = &n->out;
    e.count = e.entry && e.entry->size ? static_cast<uint32_t>(n->in.size() / e.entry->size) : 0;
    return e;
  }
  const abi::Field* f = params_.layout ? params_.layout->Find(list_field) : nullptr;
  if (f == nullptr || f->element_struct.empty()) return e;
  e.entry = abi.FindStruct(f->element_struct);
  e.in = &params_.in;
  e.out = &params_.out;
  e.offset = f->offset;
  e.count = f->count;
  return e;
}

}  // namespace nvprobe::fakedrv::model
