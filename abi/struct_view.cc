#include "abi/struct_view.h"

#include <algorithm>

namespace nvprobe::abi {

StatusOr<StructReader> StructReader::Make(const StructLayout& layout,
                                          std::span<const uint8_t> bytes) {
  if (bytes.size() < layout.size) {
    return InvalidArgumentError(layout.name + ": buffer of " + std::to_string(bytes.size()) +
                                " bytes is shorter than the struct's " +
                                std::to_string(layout.size));
  }
  return StructReader(&layout, bytes);
}

StatusOr<const Field*> StructReader::Lookup(std::string_view field, size_t width,
                                            bool element) const {
  const Field* f = layout_->Find(field);
  if (f == nullptr) {
    return NotFoundError(layout_->name + " has no field \"" + std::string(field) + "\"");
  }
  size_t have = element ? f->element_width() : f->width;
  if (have != width) {
    return InvalidArgumentError(layout_->name + "." + f->name + " is " + std::to_string(have) +
                                " bytes wide" + (element ? " per element" : "") +
                                ", accessed as " + std::to_string(width));
  }
  if (f->end() > bytes_.size()) {  // layouts are validated; this guards misuse
    return OutOfRangeError(layout_->name + "." + f->name + " lies outside the buffer");
  }
  return f;
}

Status StructReader::IndexError(const Field& f, uint32_t index) const {
  return OutOfRangeError(layout_->name + "." + f.name + "[" + std::to_string(index) +
                         "] is past its " + std::to_string(f.count) + " elements");
}

StatusOr<std::string> StructReader::GetString(std::string_view field) const {
  StatusOr<std::span<const uint8_t>> b = FieldBytes(field);
  if (!b.ok()) return b.status();
  auto end = std::find(b->begin(), b->end(), uint8_t{0});
  return std::string(b->begin(), end);
}

StatusOr<std::span<const uint8_t>> StructReader::FieldBytes(std::string_view field) const {
  const Field* f = layout_->Find(field);
  if (f == nullptr) {
    return NotFoundError(layout_->name + " has no field \"" + std::string(field) + "\"");
  }
  if (f->end() > bytes_.size()) {
    return OutOfRangeError(layout_->name + "." + f->name + " lies outside the buffer");
  }
  return bytes_.subspan(f->offset, f->width);
}

StatusOr<StructWriter> StructWriter::Make(const StructLayout& layout, std::span<uint8_t> bytes) {
  if (bytes.size() < layout.size) {
    return InvalidArgumentError(layout.name + ": buffer of " + std::to_string(bytes.size()) +
                                " bytes is shorter than the struct's " +
                                std::to_string(layout.size));
  }
  return StructWriter(&layout, bytes);
}

Status StructWriter::SetString(std::string_view field, std::string_view value) {
  const Field* f = layout_->Find(field);
  if (f == nullptr) {
    return NotFoundError(layout_->name + " has no field \"" + std::string(field) + "\"");
  }
  if (value.size() + 1 > f->width) {
    return OutOfRangeError(layout_->name + "." + f->name + " holds " +
                           std::to_string(f->width) + " bytes; \"" + std::string(value) +
                           "\" needs " + std::to_string(value.size() + 1));
  }
  uint8_t* dst = mutable_.data() + f->offset;
  std::memset(dst, 0, f->width);
  std::memcpy(dst, value.data(), value.size());
  return OkStatus();
}

}  // namespace nvprobe::abi
