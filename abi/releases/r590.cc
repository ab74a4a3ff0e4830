// Deltas of the 590 branch. Each states what changed against its parent release;
// facts checked against NVIDIA's headers by tests/abi/nvidia_headers_test.cc.
#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {

// Parent: 580.65.06.
void Delta_590_44_01(AbiBuilder& b) {
  b.Constant("NV2080_CTRL_FB_INFO_INDEX_MAX", 0x3B);  // was 0x39
  b.Constant("NV2080_CTRL_FB_INFO_INDEX_NUMA_NODE_ID", 0x3B);
  b.Constant("NV2080_GPU_CMD_GPU_GET_GID_FLAGS_MODE_GPU", 0x0);
  b.Constant("NV2080_GPU_CMD_GPU_GET_GID_FLAGS_MODE_UGPU", 0x1);
  b.Constant("NV_ERR_DMA_XFER_FAILED", 0x8B);
}

}  // namespace nvprobe::abi::releases
