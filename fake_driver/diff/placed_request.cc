#include "fake_driver/diff/placed_request.h"

#include <utility>
#include <vector>

namespace nvprobe::fakedrv::diff {
namespace {

// Places `buf`'s children, patches `buf.in`'s pointers to them, then places `buf`.
void Place(ArgBuffer& buf, FakeAddressSpace& space, int& stand_ins) {
  for (ArgBuffer& child : buf.nested) Place(child, space, stand_ins);
  // Pointer fields are only meaningful in one whole struct (PointerTargets() reads
  // no others); an array of structs carries no pointers the ABI follows.
  if (buf.layout != nullptr && buf.in.size() == buf.layout->size) {
    for (const abi::Field& f : buf.layout->fields) {
      if (f.kind != abi::FieldKind::kPointer) continue;
      if (LoadUint(buf.in, f.offset, f.width) == 0) continue;  // null stays null
      const ArgBuffer* child = buf.FindNested(f.name);
      uint64_t at = 0;
      if (child != nullptr) {
        at = child->address;
      } else {
        static const std::vector<uint8_t> kZeros(kStandInBytes, 0);
        at = space.Place(kZeros);
        ++stand_ins;
      }
      StoreUint(buf.in, f.offset, f.width, at);
    }
  }
  buf.address = space.Place(buf.in);
}

}  // namespace

PlacedRequest PlaceRequest(ArgBuffer args, const abi::StructLayout* top_layout,
                           FakeAddressSpace& space) {
  PlacedRequest placed;
  placed.args = std::move(args);
  placed.args.layout = top_layout;
  Place(placed.args, space, placed.stand_ins);
  return placed;
}

}  // namespace nvprobe::fakedrv::diff
