// Typed access to the fields of a parameter struct held in a byte buffer, through
// the layout of the running driver release. Consumers name fields ("status"), never
// offsets; every access checks that the field exists, that the C++ type has the
// field's width, and that the field lies inside the buffer.
#ifndef NVPROBE_ABI_STRUCT_VIEW_H_
#define NVPROBE_ABI_STRUCT_VIEW_H_

#include <concepts>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "abi/layout.h"
#include "abi/status.h"

namespace nvprobe::abi {

// Read-only view. The layout must outlive the view; so must the bytes.
class StructReader {
 public:
  // Fails if the buffer is shorter than the struct.
  static StatusOr<StructReader> Make(const StructLayout& layout,
                                     std::span<const uint8_t> bytes);

  const StructLayout& layout() const { return *layout_; }
  std::span<const uint8_t> bytes() const { return bytes_; }

  // An integer, handle or pointer field whose width is sizeof(T).
  template <std::unsigned_integral T>
  StatusOr<T> Get(std::string_view field) const {
    StatusOr<const Field*> f = Lookup(field, sizeof(T), /*element=*/false);
    if (!f.ok()) return f.status();
    return Load<T>((*f)->offset);
  }

  // Element `index` of an array field whose elements are sizeof(T) wide.
  template <std::unsigned_integral T>
  StatusOr<T> GetElement(std::string_view field, uint32_t index) const {
    StatusOr<const Field*> f = Lookup(field, sizeof(T), /*element=*/true);
    if (!f.ok()) return f.status();
    if (index >= (*f)->count) return IndexError(**f, index);
    return Load<T>((*f)->offset + index * sizeof(T));
  }

  // A string field: the bytes up to the first NUL, or the whole field if it has
  // none (a driver that forgot the terminator must not make us read past it).
  StatusOr<std::string> GetString(std::string_view field) const;

  // The raw bytes of any field.
  StatusOr<std::span<const uint8_t>> FieldBytes(std::string_view field) const;

 protected:
  StructReader(const StructLayout* layout, std::span<const uint8_t> bytes)
      : layout_(layout), bytes_(bytes) {}
  StatusOr<const Field*> Lookup(std::string_view field, size_t width, bool element) const;
  Status IndexError(const Field& f, uint32_t index) const;

  template <typename T>
  T Load(uint32_t offset) const {
    T v;
    std::memcpy(&v, bytes_.data() + offset, sizeof(T));  // x86_64: little-endian
    return v;
  }

  const StructLayout* layout_;
  std::span<const uint8_t> bytes_;
};

// Read-write view.
class StructWriter : public StructReader {
 public:
  static StatusOr<StructWriter> Make(const StructLayout& layout, std::span<uint8_t> bytes);

  template <std::unsigned_integral T>
  Status Set(std::string_view field, T value) {
    StatusOr<const Field*> f = Lookup(field, sizeof(T), /*element=*/false);
    if (!f.ok()) return f.status();
    Store((*f)->offset, value);
    return OkStatus();
  }

  template <std::unsigned_integral T>
  Status SetElement(std::string_view field, uint32_t index, T value) {
    StatusOr<const Field*> f = Lookup(field, sizeof(T), /*element=*/true);
    if (!f.ok()) return f.status();
    if (index >= (*f)->count) return IndexError(**f, index);
    Store((*f)->offset + index * sizeof(T), value);
    return OkStatus();
  }

  // Writes `value` and a NUL; fails if it does not fit with its terminator.
  Status SetString(std::string_view field, std::string_view value);

 private:
  StructWriter(const StructLayout* layout, std::span<uint8_t> bytes)
      : StructReader(layout, bytes), mutable_(bytes) {}

  template <typename T>
  void Store(uint32_t offset, T value) {
    std::memcpy(mutable_.data() + offset, &value, sizeof(T));
  }

  std::span<uint8_t> mutable_;
};

}  // namespace nvprobe::abi

#endif  // NVPROBE_ABI_STRUCT_VIEW_H_
