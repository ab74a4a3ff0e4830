// Control commands on a device (class NV01_DEVICE_0) as of 515.43.04.
// Declarations: src/common/sdk/nvidia/inc/ctrl/ctrl0080/ctrl0080gpu.h.
#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {

void BaseCtrl0080(AbiBuilder& b) {
  b.Constant("NV0080_CTRL_GPU_VIRTUALIZATION_MODE_NONE", 0);
  b.Constant("NV0080_CTRL_GPU_VIRTUALIZATION_MODE_NMOS", 1);
  b.Constant("NV0080_CTRL_GPU_VIRTUALIZATION_MODE_VGX", 2);
  b.Constant("NV0080_CTRL_GPU_VIRTUALIZATION_MODE_HOST", 3);
  b.Struct("NV0080_CTRL_GPU_GET_VIRTUALIZATION_MODE_PARAMS", 4).U32("virtualizationMode", 0);
  b.Control("NV0080_CTRL_CMD_GPU_GET_VIRTUALIZATION_MODE", 0x800289,
            "NV0080_CTRL_GPU_GET_VIRTUALIZATION_MODE_PARAMS");
}

}  // namespace nvprobe::abi::releases
