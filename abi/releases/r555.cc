// Deltas of the 555 branch. Each states what changed against its parent release;
// facts checked against NVIDIA's headers by tests/abi/nvidia_headers_test.cc.
#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {

// Parent: 550.40.07.
void Delta_555_42_02(AbiBuilder& b) {
  // ctrl0080gpu.h: the virtualization mode also says whether the driver is a vGPU
  // (GRID) build.
  b.Struct("NV0080_CTRL_GPU_GET_VIRTUALIZATION_MODE_PARAMS", 8)
      .U32("virtualizationMode", 0)
      .U8("isGridBuild", 4);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_ECID_EXTENDED", 0x1B);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_ECID_HI32", 0x2);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_ECID_LO32", 0x1);
  b.Constant("NV_ERR_KEY_ROTATION_IN_PROGRESS", 0x7D);
  b.Constant("NV_ERR_TEST_ONLY_CODE_NOT_ENABLED", 0x7E);
}

}  // namespace nvprobe::abi::releases
