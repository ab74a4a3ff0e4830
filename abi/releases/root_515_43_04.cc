#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {

void Root_515_43_04(AbiBuilder& b) {
  BaseFrontend(b);
  BaseRm(b);
  BaseCtrl0000(b);
  BaseCtrl0080(b);
  BaseCtrl2080(b);
  BaseStatusCodes(b);
  BaseArchitectures(b);
  BaseInfoIndices(b);
  // Not from 515.43.04's headers: see deltas.h.
  CarryBack_565_57_01(b);
}

}  // namespace nvprobe::abi::releases
