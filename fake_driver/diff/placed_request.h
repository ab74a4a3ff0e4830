// A recorded ioctl argument laid out in a FakeAddressSpace so the model can be
// asked it as a live client's: every buffer of the recording's tree at an address
// of its own, each pointer field patched to where its buffer now lies, and what the
// model wrote read back afterwards.
#ifndef NVPROBE_FAKE_DRIVER_DIFF_PLACED_REQUEST_H_
#define NVPROBE_FAKE_DRIVER_DIFF_PLACED_REQUEST_H_

#include <cstdint>

#include "abi/abi.h"
#include "fake_driver/diff/fake_address_space.h"
#include "fake_driver/trace/arg_buffer.h"

namespace nvprobe::fakedrv::diff {

// How large the stand-in for an unrecorded buffer is: more than any params struct
// the ABI describes (the largest, card info x 32, is 2.5 KiB), within the driver's
// own XFER limit.
inline constexpr size_t kStandInBytes = 16384;

struct PlacedRequest {
  // The recording's tree: `in` as the model gets it (pointers patched), `address`
  // set, `out` empty until ReadOutputs() (responder.h).
  ArgBuffer args;
  // Non-null pointer fields the recording has no buffer for (an event recorded
  // with nested_not_followed, or a pointer the ABI gives no length): they point at
  // zero-filled stand-ins, so the model reads zeros where the client had data.
  int stand_ins = 0;
};

// Lays out `args` (its `in` bytes, nested buffers included; `top_layout` for the
// top-level struct, which may be null) in `space`.
PlacedRequest PlaceRequest(ArgBuffer args, const abi::StructLayout* top_layout,
                           FakeAddressSpace& space);

}  // namespace nvprobe::fakedrv::diff

#endif  // NVPROBE_FAKE_DRIVER_DIFF_PLACED_REQUEST_H_
