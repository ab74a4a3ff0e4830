#include "abi/releases/deltas.h"
namespace nvprobe::abi::releases {
void BaseStatusCodes(AbiBuilder&) {}
void BaseArchitectures(AbiBuilder&) {}
void BaseInfoIndices(AbiBuilder&) {}
}
