// Control commands on a subdevice (class NV20_SUBDEVICE_0) as of 515.43.04.
// Declarations: src/common/sdk/nvidia/inc/ctrl/ctrl2080/ctrl2080mc.h,
// ctrl2080bus.h, ctrl2080gpu.h, ctrl2080fb.h.
#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {

void SetGpuInfoListMax(AbiBuilder& b, uint32_t max) {
  b.Constant("NV2080_CTRL_GPU_INFO_MAX_LIST_SIZE", max);
  b.Struct("NV2080_CTRL_GPU_GET_INFO_V2_PARAMS", 4 + 8 * max)
      .U32("gpuInfoListSize", 0)
      .StructArray("gpuInfoList", 4, "NV2080_CTRL_GPU_INFO", 8, max);
}

void SetFbInfoListMax(AbiBuilder& b, uint32_t max) {
  b.Constant("NV2080_CTRL_FB_INFO_MAX_LIST_SIZE", max);
  b.Struct("NV2080_CTRL_FB_GET_INFO_V2_PARAMS", 4 + 8 * max)
      .U32("fbInfoListSize", 0)
      .StructArray("fbInfoList", 4, "NV2080_CTRL_FB_INFO", 8, max);
}

void BaseCtrl2080(AbiBuilder& b) {
  b.Struct("NV2080_CTRL_MC_GET_ARCH_INFO_PARAMS", 16)
      .U32("architecture", 0)
      .U32("implementation", 4)
      .U32("revision", 8)
      .U8("subRevision", 12);
  b.Control("NV2080_CTRL_CMD_MC_GET_ARCH_INFO", 0x20801701, "NV2080_CTRL_MC_GET_ARCH_INFO_PARAMS");

  // pciDeviceId = (device << 16) | vendor; pciSubSystemId likewise.
  b.Struct("NV2080_CTRL_BUS_GET_PCI_INFO_PARAMS", 16)
      .U32("pciDeviceId", 0)
      .U32("pciSubSystemId", 4)
      .U32("pciRevisionId", 8)
      .U32("pciExtDeviceId", 12);
  b.Control("NV2080_CTRL_CMD_BUS_GET_PCI_INFO", 0x20801801, "NV2080_CTRL_BUS_GET_PCI_INFO_PARAMS");

  b.Constant("NV2080_GPU_MAX_NAME_STRING_LENGTH", 0x40);
  b.Constant("NV2080_CTRL_GPU_GET_NAME_STRING_FLAGS_TYPE_ASCII", 0);
  b.Constant("NV2080_CTRL_GPU_GET_NAME_STRING_FLAGS_TYPE_UNICODE", 1);
  b.Struct("NV2080_CTRL_GPU_GET_NAME_STRING_PARAMS", 132)
      .U32("gpuNameStringFlags", 0)
      .Union("gpuNameString")
      .String("gpuNameString.ascii", 4, 64)
      .Array("gpuNameString.unicode", 4, 2, 64)
      .EndUnion();
  b.Control("NV2080_CTRL_CMD_GPU_GET_NAME_STRING", 0x20800110,
            "NV2080_CTRL_GPU_GET_NAME_STRING_PARAMS");

  b.Struct("NV2080_CTRL_GPU_GET_SHORT_NAME_STRING_PARAMS", 64)
      .String("gpuShortNameString", 0, 64);
  b.Control("NV2080_CTRL_CMD_GPU_GET_SHORT_NAME_STRING", 0x20800111,
            "NV2080_CTRL_GPU_GET_SHORT_NAME_STRING_PARAMS");

  // flags: FORMAT ASCII gives "GPU-xxxxxxxx-...", BINARY the raw bytes.
  b.Constant("NV2080_GPU_CMD_GPU_GET_GID_FLAGS_FORMAT_ASCII", 0x0);
  b.Constant("NV2080_GPU_CMD_GPU_GET_GID_FLAGS_TYPE_SHA1", 0x0);
  b.Constant("NV2080_GPU_CMD_GPU_GET_GID_FLAGS_FORMAT_BINARY", 0x2);
  b.Constant("NV2080_GPU_MAX_GID_LENGTH", 0x100);
  b.Struct("NV2080_CTRL_GPU_GET_GID_INFO_PARAMS", 268)
      .U32("index", 0)
      .U32("flags", 4)
      .U32("length", 8)
      .String("data", 12, 256);
  b.Control("NV2080_CTRL_CMD_GPU_GET_GID_INFO", 0x2080014A, "NV2080_CTRL_GPU_GET_GID_INFO_PARAMS");

  // V1 commands carry a pointer to index/data pairs; every release accepts them
  // (src/nvidia/src/kernel/rmapi/embedded_param_copy.c), so they are the portable
  // form. V2 commands embed a fixed array whose length grows between releases.
  b.Struct("NV2080_CTRL_GPU_INFO", 8).U32("index", 0).U32("data", 4);
  b.Struct("NV2080_CTRL_GPU_GET_INFO_PARAMS", 16)
      .U32("gpuInfoListSize", 0)
      .Pointer("gpuInfoList", 8, nested::Elements("NV2080_CTRL_GPU_INFO", "gpuInfoListSize"));
  b.Control("NV2080_CTRL_CMD_GPU_GET_INFO", 0x20800101, "NV2080_CTRL_GPU_GET_INFO_PARAMS");

  SetGpuInfoListMax(b, 0x3E);
  b.Control("NV2080_CTRL_CMD_GPU_GET_INFO_V2", 0x20800102, "NV2080_CTRL_GPU_GET_INFO_V2_PARAMS");

  b.Struct("NV2080_CTRL_FB_INFO", 8).U32("index", 0).U32("data", 4);
  b.Struct("NV2080_CTRL_FB_GET_INFO_PARAMS", 16)
      .U32("fbInfoListSize", 0)
      .Pointer("fbInfoList", 8, nested::Elements("NV2080_CTRL_FB_INFO", "fbInfoListSize"));
  b.Control("NV2080_CTRL_CMD_FB_GET_INFO", 0x20801301, "NV2080_CTRL_FB_GET_INFO_PARAMS");

  SetFbInfoListMax(b, 0x36);

  // ctrl2080tmr.h. cpuClkId bits 3:0 pick the CPU clock (OSTIME us since the epoch,
  // TSC, PLATFORM_API), bits 7:4 the processor that samples it.
  b.Constant("NV2080_CTRL_TIMER_GPU_CPU_TIME_MAX_SAMPLES", 16);
  b.Constant("NV2080_TIMER_GPU_CPU_TIME_CPU_CLK_ID_OSTIME", 1);
  b.Constant("NV2080_TIMER_GPU_CPU_TIME_CPU_CLK_ID_TSC", 2);
  b.Constant("NV2080_TIMER_GPU_CPU_TIME_CPU_CLK_ID_PLATFORM_API", 3);
  b.Struct("NV2080_CTRL_TIMER_GPU_CPU_TIME_SAMPLE", 16).U64("cpuTime", 0).U64("gpuTime", 8);
  b.Struct("NV2080_CTRL_TIMER_GET_GPU_CPU_TIME_CORRELATION_INFO_PARAMS", 264)
      .U8("cpuClkId", 0)
      .U8("sampleCount", 1)
      .StructArray("samples", 8, "NV2080_CTRL_TIMER_GPU_CPU_TIME_SAMPLE", 16, 16);
  b.Control("NV2080_CTRL_CMD_TIMER_GET_GPU_CPU_TIME_CORRELATION_INFO", 0x20800406,
            "NV2080_CTRL_TIMER_GET_GPU_CPU_TIME_CORRELATION_INFO_PARAMS");
  b.Control("NV2080_CTRL_CMD_FB_GET_INFO_V2", 0x20801303, "NV2080_CTRL_FB_GET_INFO_V2_PARAMS");
}

}  // namespace nvprobe::abi::releases
