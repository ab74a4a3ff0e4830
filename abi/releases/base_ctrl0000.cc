// Control commands on the root client (class NV01_ROOT*, hObject = hClient) as of
// 515.43.04. Declarations: src/common/sdk/nvidia/inc/ctrl/ctrl0000/ctrl0000system.h
// and ctrl0000gpu.h. Handlers: src/nvidia/src/kernel/gpu_mgr/gpu_mgr.c and
// src/nvidia/src/kernel/rmapi/client_resource.c:cliresCtrlCmd*().
#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {

void BaseCtrl0000(AbiBuilder& b) {
  // Call with NULL buffers first to learn sizeOfStrings, then with buffers.
  b.Struct("NV0000_CTRL_SYSTEM_GET_BUILD_VERSION_PARAMS", 40)
      .U32("sizeOfStrings", 0)
      .Pointer("pDriverVersionBuffer", 8, nested::Bytes("sizeOfStrings"))
      .Pointer("pVersionBuffer", 16, nested::Bytes("sizeOfStrings"))
      .Pointer("pTitleBuffer", 24, nested::Bytes("sizeOfStrings"))
      .U32("changelistNumber", 32)
      .U32("officialChangelistNumber", 36);
  b.Control("NV0000_CTRL_CMD_SYSTEM_GET_BUILD_VERSION", 0x101,
            "NV0000_CTRL_SYSTEM_GET_BUILD_VERSION_PARAMS");

  b.Constant("NV0000_CTRL_SYSTEM_GET_BUILD_VERSION_V2_MAX_STRING_SIZE", 256);
  b.Struct("NV0000_CTRL_SYSTEM_GET_BUILD_VERSION_V2_PARAMS", 776)
      .String("driverVersionBuffer", 0, 256)
      .String("versionBuffer", 256, 256)
      .String("titleBuffer", 512, 256)
      .U32("changelistNumber", 768)
      .U32("officialChangelistNumber", 772);
  b.Control("NV0000_CTRL_CMD_SYSTEM_GET_BUILD_VERSION_V2", 0x13E,
            "NV0000_CTRL_SYSTEM_GET_BUILD_VERSION_V2_PARAMS");

  // Unused slots hold NV0000_CTRL_GPU_INVALID_ID.
  b.Constant("NV0000_CTRL_GPU_MAX_ATTACHED_GPUS", 32);
  b.Constant("NV0000_CTRL_GPU_INVALID_ID", 0xFFFFFFFF);
  b.Struct("NV0000_CTRL_GPU_GET_ATTACHED_IDS_PARAMS", 128).Array("gpuIds", 0, 4, 32);
  b.Control("NV0000_CTRL_CMD_GPU_GET_ATTACHED_IDS", 0x201,
            "NV0000_CTRL_GPU_GET_ATTACHED_IDS_PARAMS");

  // szName: a client pointer the driver never follows (gpu_mgr.c:gpumgrGetGpuIdInfo()
  // fills the V2 fields only).
  b.Constant("NV0000_CTRL_GPU_MAX_SZNAME", 128);
  b.Struct("NV0000_CTRL_GPU_GET_ID_INFO_PARAMS", 40)
      .U32("gpuId", 0)
      .U32("gpuFlags", 4)
      .U32("deviceInstance", 8)
      .U32("subDeviceInstance", 12)
      .U64("szName", 16)
      .U32("sliStatus", 24)
      .U32("boardId", 28)
      .U32("gpuInstance", 32)
      .U32("numaId", 36);
  b.Control("NV0000_CTRL_CMD_GPU_GET_ID_INFO", 0x202, "NV0000_CTRL_GPU_GET_ID_INFO_PARAMS");

  b.Struct("NV0000_CTRL_GPU_GET_ID_INFO_V2_PARAMS", 32)
      .U32("gpuId", 0)
      .U32("gpuFlags", 4)
      .U32("deviceInstance", 8)
      .U32("subDeviceInstance", 12)
      .U32("sliStatus", 16)
      .U32("boardId", 20)
      .U32("gpuInstance", 24)
      .U32("numaId", 28);
  b.Control("NV0000_CTRL_CMD_GPU_GET_ID_INFO_V2", 0x205, "NV0000_CTRL_GPU_GET_ID_INFO_V2_PARAMS");

  b.Constant("NV0000_CTRL_GPU_MAX_PROBED_GPUS", 32);
  b.Struct("NV0000_CTRL_GPU_GET_PROBED_IDS_PARAMS", 256)
      .Array("gpuIds", 0, 4, 32)
      .Array("excludedGpuIds", 128, 4, 32);
  b.Control("NV0000_CTRL_CMD_GPU_GET_PROBED_IDS", 0x214, "NV0000_CTRL_GPU_GET_PROBED_IDS_PARAMS");

  // Lists end at the first NV0000_CTRL_GPU_INVALID_ID; the ALL values act on every GPU.
  b.Constant("NV0000_CTRL_GPU_ATTACH_ALL_PROBED_IDS", 0xFFFF);
  b.Struct("NV0000_CTRL_GPU_ATTACH_IDS_PARAMS", 132).Array("gpuIds", 0, 4, 32).U32("failedId", 128);
  b.Control("NV0000_CTRL_CMD_GPU_ATTACH_IDS", 0x215, "NV0000_CTRL_GPU_ATTACH_IDS_PARAMS");
  b.Constant("NV0000_CTRL_GPU_DETACH_ALL_ATTACHED_IDS", 0xFFFF);
  b.Struct("NV0000_CTRL_GPU_DETACH_IDS_PARAMS", 128).Array("gpuIds", 0, 4, 32);
  b.Control("NV0000_CTRL_CMD_GPU_DETACH_IDS", 0x216, "NV0000_CTRL_GPU_DETACH_IDS_PARAMS");

  b.Constant("NV0000_CTRL_GPU_DRAIN_STATE_DISABLED", 0);
  b.Constant("NV0000_CTRL_GPU_DRAIN_STATE_ENABLED", 1);
  b.Struct("NV0000_CTRL_GPU_QUERY_DRAIN_STATE_PARAMS", 12)
      .U32("gpuId", 0)
      .U32("drainState", 4)
      .U32("flags", 8);
  b.Control("NV0000_CTRL_CMD_GPU_QUERY_DRAIN_STATE", 0x279,
            "NV0000_CTRL_GPU_QUERY_DRAIN_STATE_PARAMS");

  b.Struct("NV0000_CTRL_GPU_GET_PCI_INFO_PARAMS", 12)
      .U32("gpuId", 0)
      .U32("domain", 4)
      .U16("bus", 8)
      .U16("slot", 10);
  b.Control("NV0000_CTRL_CMD_GPU_GET_PCI_INFO", 0x21B, "NV0000_CTRL_GPU_GET_PCI_INFO_PARAMS");

  // flags: FORMAT ASCII gives "GPU-xxxxxxxx-...", BINARY the raw bytes.
  b.Constant("NV0000_CTRL_CMD_GPU_GET_UUID_FROM_GPU_ID_FLAGS_FORMAT_ASCII", 0x0);
  b.Constant("NV0000_CTRL_CMD_GPU_GET_UUID_FROM_GPU_ID_FLAGS_TYPE_SHA1", 0x0);
  b.Constant("NV0000_CTRL_CMD_GPU_GET_UUID_FROM_GPU_ID_FLAGS_TYPE_SHA256", 0x1);
  b.Constant("NV0000_CTRL_CMD_GPU_GET_UUID_FROM_GPU_ID_FLAGS_FORMAT_BINARY", 0x2);
  b.Constant("NV0000_GPU_MAX_GID_LENGTH", 0x100);
  b.Struct("NV0000_CTRL_GPU_GET_UUID_FROM_GPU_ID_PARAMS", 268)
      .U32("gpuId", 0)
      .U32("flags", 4)
      .String("gpuUuid", 8, 256)
      .U32("uuidStrLen", 264);
  b.Control("NV0000_CTRL_CMD_GPU_GET_UUID_FROM_GPU_ID", 0x275,
            "NV0000_CTRL_GPU_GET_UUID_FROM_GPU_ID_PARAMS");
}

}  // namespace nvprobe::abi::releases
