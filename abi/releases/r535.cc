// Deltas of the 535 branch. Each states what changed against its parent release;
// facts checked against NVIDIA's headers by tests/abi/nvidia_headers_test.cc.
#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {

// Parent: 530.30.02.
void Delta_535_43_02(AbiBuilder& b) {
  // nvos.h: allocation params carry their size; NVOS21 keeps 32 bytes, so its
  // status moves from 24 to 28. NVOS64 grows to 48.
  AllocHead(b.Struct("NVOS21_PARAMETERS", 32), "paramsSize")
      .U32("paramsSize", 24)
      .U32("status", 28);
  AllocHead(b.Struct("NVOS64_PARAMETERS", 48), "paramsSize")
      .Pointer("pRightsRequested", 24, nested::FixedBytes(4))
      .U32("paramsSize", 32)
      .U32("flags", 36)
      .U32("status", 40);
  // nv-ioctl-numa.h: use_auto_online inserted before the offline addresses.
  b.Struct("nv_ioctl_numa_info_t", 560)
      .U32("nid", 0)
      .U32("status", 4)
      .U64("memblock_size", 8)
      .U64("numa_mem_addr", 16)
      .U64("numa_mem_size", 24)
      .U8("use_auto_online", 32)
      .Array("offline_addresses.addresses", 40, 8, 64)
      .U32("offline_addresses.numEntries", 552);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_GPU_LOCAL_EGM_CAPABILITY", 0x3A);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_GPU_LOCAL_EGM_CAPABILITY_NO", 0x0);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_GPU_LOCAL_EGM_CAPABILITY_YES", 0x1);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_GPU_SELF_HOSTED_CAPABILITY", 0x3B);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_GPU_SELF_HOSTED_CAPABILITY_NO", 0x0);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_GPU_SELF_HOSTED_CAPABILITY_YES", 0x1);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_IS_RESETLESS_MIG_SUPPORTED", 0x3F);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_IS_RESETLESS_MIG_SUPPORTED_NO", 0x0);
  b.Constant("NV2080_CTRL_GPU_INFO_INDEX_IS_RESETLESS_MIG_SUPPORTED_YES", 0x1);
  SetGpuInfoListMax(b, 0x40);
  b.Constant("NV_ERR_ALREADY_SIGNALLED", 0x7B);
}

// Parent: 535.43.02. NVLOG control escape reappears on the 535 branch after 535.43.02.
void Delta_535_43_08(AbiBuilder& b) {
  b.Constant("NV_ESC_RM_NVLOG_CTRL", 0x5F);
}

}  // namespace nvprobe::abi::releases
