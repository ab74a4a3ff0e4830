// Deltas of the 595 branch. Each states what changed against its parent release;
// facts checked against NVIDIA's headers by tests/abi/nvidia_headers_test.cc.
#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {

// Parent: 590.44.01.
void Delta_595_44_02(AbiBuilder& b) {
  // ctrl2080gpu.h: the name string is ASCII only; gpuNameString is now a struct
  // holding just `ascii` (it was a union with `unicode`).
  b.Struct("NV2080_CTRL_GPU_GET_NAME_STRING_PARAMS", 68)
      .U32("gpuNameStringFlags", 0)
      .String("gpuNameString.ascii", 4, 64);
  // kernel-open/nvidia/nv.c:nvidia_ioctl(): the outer ioctl size must match the
  // escape's struct exactly, else EINVAL.
  b.semantics().strict_outer_size = true;
  b.RemoveConstant("NV2080_CTRL_GPU_GET_NAME_STRING_FLAGS_TYPE_UNICODE");
  b.RemoveConstant("NV2080_CTRL_GPU_INFO_INDEX_4K_PAGE_ISOLATION_REQUIRED");
  b.RemoveConstant("NV2080_CTRL_GPU_INFO_INDEX_4K_PAGE_ISOLATION_REQUIRED_NO");
  b.RemoveConstant("NV2080_CTRL_GPU_INFO_INDEX_4K_PAGE_ISOLATION_REQUIRED_YES");
  b.RemoveConstant("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD10B");
  b.Constant("NV_ERR_DMA_XFER_FAILED", 0x8C);  // was 0x8B
  b.Constant("NV_ERR_OPERATION_ABORTED", 0x8B);
  b.RemoveConstant("NV_ESC_RM_CONFIG_GET");
  b.RemoveConstant("NV_ESC_RM_CONFIG_GET_EX");
  b.RemoveConstant("NV_ESC_RM_CONFIG_SET");
  b.RemoveConstant("NV_ESC_RM_CONFIG_SET_EX");
}

}  // namespace nvprobe::abi::releases
