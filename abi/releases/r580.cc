// Deltas of the 580 branch. Each states what changed against its parent release;
// facts checked against NVIDIA's headers by tests/abi/nvidia_headers_test.cc.
#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {

// Parent: 575.51.02.
void Delta_580_65_06(AbiBuilder& b) {
  // ctrl0000gpu.h: per-GPU flags for probed GPUs.
  b.Struct("NV0000_CTRL_GPU_GET_PROBED_IDS_PARAMS", 384)
      .Array("gpuIds", 0, 4, 32)
      .Array("excludedGpuIds", 128, 4, 32)
      .Array("gpuFlags", 256, 4, 32);
  b.Constant("NV2080_CTRL_FB_INFO_INDEX_ACCESS_COUNTER_BUFFER_COUNT", 0x39);
  b.Constant("NV2080_CTRL_FB_INFO_INDEX_COHERENCE_INFO", 0x3A);
  b.Constant("NV2080_CTRL_FB_INFO_INDEX_COHERENCE_INFO_FULLY_COHERENT", 0x1);
  b.Constant("NV2080_CTRL_FB_INFO_INDEX_COHERENCE_INFO_NON_FULLY_COHERENT", 0x0);
  b.Constant("NV2080_CTRL_FB_INFO_INDEX_MAX", 0x39);  // was 0x38
  SetFbInfoListMax(b, 0x80);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_COHERENT_GPU_MEMORY_MODE", 0x44);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_COHERENT_GPU_MEMORY_MODE_DRIVER", 0x2);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_COHERENT_GPU_MEMORY_MODE_NONE", 0x0);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_COHERENT_GPU_MEMORY_MODE_NUMA", 0x1);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_COMPR_BIT_BACKING_COPY_TYPE", 0x45);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_COMP_BIT_BACKING_COPY_TYPE_PHYSICAL", 0x0);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_COMP_BIT_BACKING_COPY_TYPE_VIRTUAL", 0x1);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_GPU_NON_PASID_ATS_CAPABILITY", 0x42);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_GPU_NON_PASID_ATS_CAPABILITY_NO", 0x0);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_GPU_NON_PASID_ATS_CAPABILITY_YES", 0x1);
  SetGpuInfoListMax(b, 0x46);
  b.Constant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GB20C", 0xC);
  b.Constant("NV_ERR_MC_FLA_OFFSET_TABLE_FULL", 0x8A);
}

// Parent: 580.76.05.
void Delta_580_82_07(AbiBuilder& b) {
  b.Constant("NV2080_CTRL_FB_INFO_INDEX_MAX", 0x3B);  // was 0x39
  b.Constant("NV2080_CTRL_FB_INFO_INDEX_NUMA_NODE_ID", 0x3B);
}

// Parent: 580.94.06. A status code that 580.95.05 lacks.
void Delta_580_94_10(AbiBuilder& b) {
  b.Constant("NV_ERR_DMA_XFER_FAILED", 0x8B);
}

// Parent: 580.94.18. 580.95.05 lacks DMA_XFER_FAILED.
void Delta_580_95_05(AbiBuilder& b) {
  b.RemoveConstant("NV_ERR_DMA_XFER_FAILED");
}

// Parent: 580.95.05. DMA_XFER_FAILED returns.
void Delta_580_105_08(AbiBuilder& b) {
  b.Constant("NV_ERR_DMA_XFER_FAILED", 0x8B);
}

}  // namespace nvprobe::abi::releases
