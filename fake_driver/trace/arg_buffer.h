// An ioctl's argument as a tree of buffers: the top-level struct the request points
// at, and every nested buffer its pointer fields lead to, as the ABI layer describes
// them. The same shape serves recorded events (with output bytes) and live requests
// (with target addresses). No offsets here: the ABI layer's layouts say everything.
#ifndef NVPROBE_FAKE_DRIVER_TRACE_ARG_BUFFER_H_
#define NVPROBE_FAKE_DRIVER_TRACE_ARG_BUFFER_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "abi/abi.h"
#include "abi/layout.h"
#include "abi/status.h"

namespace nvprobe::fakedrv {

// Larger nested buffers are refused (the driver's own limit for XFER is 16 KiB).
inline constexpr uint64_t kMaxNestedBytes = 1 << 20;
// Deeper nesting is refused. The deepest the driver follows is 3 (XFER -> NVOS54 ->
// params -> gpuInfoList); without a bound, an XFER whose inner command is XFER again,
// pointing at itself, would be followed forever.
inline constexpr int kMaxNestingDepth = 4;

struct ArgBuffer {
  std::string field;                         // pointer field leading here; "" at the top
  const abi::StructLayout* layout = nullptr;  // null: raw bytes
  uint64_t address = 0;                      // live requests: where it is in the target
  std::vector<uint8_t> in;
  std::vector<uint8_t> out;                  // recorded events only
  std::vector<ArgBuffer> nested;

  const ArgBuffer* FindNested(std::string_view name) const;
};

// What one pointer field of a struct points at.
struct PointerTarget {
  const abi::Field* field = nullptr;
  uint64_t address = 0;
  uint64_t length = 0;                        // bytes
  const abi::StructLayout* layout = nullptr;  // element layout; null: raw bytes
};

// An unsigned little-endian integer of `width` (1, 2, 4 or 8) bytes at `offset`.
uint64_t LoadUint(std::span<const uint8_t> bytes, uint32_t offset, uint32_t width);
void StoreUint(std::span<uint8_t> bytes, uint32_t offset, uint32_t width, uint64_t value);

// The struct an ioctl number takes with an argument of `size` bytes (an escape may
// take two, told apart by size: abi::Binding::ParamsForSize()), or null (unknown
// escape, or no struct).
const abi::StructLayout* EscapeLayout(const abi::Abi& abi, uint32_t nr, uint64_t size);

// The nested buffers that `bytes` (exactly one `layout` struct) point at, per the
// ABI: null pointers and zero lengths are left out. Fails when a length is larger
// than kMaxNestedBytes or an element struct is unknown.
//
// An allocation's params (kAllocClass) are as long as the class's params struct,
// whatever the request's paramsSize says: the RM copies in the class's size
// (src/nvidia/src/kernel/rmapi/alloc_free.c:serverAllocApiCopyIn() sizes the copy
// by param_copy.c:rmapiParamsCopyInit(), from the class alone; NVML allocates
// NV01_DEVICE_0 with paramsSize 0 and its deviceId in the params). Format 1
// traces were written by the earlier rule, the size field's length (0: none):
// kSizeField reads them as written.
enum class AllocParamsLength { kClassSize, kSizeField };
StatusOr<std::vector<PointerTarget>> PointerTargets(
    const abi::Abi& abi, const abi::StructLayout& layout, std::span<const uint8_t> bytes,
    AllocParamsLength alloc = AllocParamsLength::kClassSize);

// Calls `fn(field, offset)` for every field of `kind` in `bytes` read as `layout`
// (once per element when `bytes` holds several structs back to back).
void ForEachField(const abi::StructLayout* layout, size_t bytes_size, abi::FieldKind kind,
                  const std::function<void(const abi::Field&, uint32_t offset)>& fn);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_TRACE_ARG_BUFFER_H_
