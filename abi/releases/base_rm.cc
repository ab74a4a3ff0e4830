// Resource-manager escapes, object classes and their allocation parameters as of
// 515.43.04. Declarations: src/nvidia/arch/nvalloc/unix/include/nv_escape.h,
// src/common/sdk/nvidia/inc/nvos.h, class/cl0000.h, cl0041.h, cl0080.h, cl2080.h.
// The RM answers through each struct's `status` field; the ioctl itself succeeds
// once dispatched (src/nvidia/arch/nvalloc/unix/src/escape.c:RmIoctl()).
#include <string>
#include <utility>

#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {

StructBuilder AllocHead(StructBuilder s, std::string alloc_size_field) {
  s.Handle("hRoot", 0)
      .Handle("hObjectParent", 4)
      .Handle("hObjectNew", 8)
      .U32("hClass", 12)
      .Pointer("pAllocParms", 16, nested::AllocParams("hClass", std::move(alloc_size_field)));
  return s;
}

void BaseRm(AbiBuilder& b) {
  b.Struct("NVOS00_PARAMETERS", 16)
      .Handle("hRoot", 0)
      .Handle("hObjectParent", 4)
      .Handle("hObjectOld", 8)
      .U32("status", 12);
  b.Escape("NV_ESC_RM_FREE", 0x29, "NVOS00_PARAMETERS");

  b.Struct("NVOS54_PARAMETERS", 32)
      .Handle("hClient", 0)
      .Handle("hObject", 4)
      .U32("cmd", 8)
      .U32("flags", 12)
      .Pointer("params", 16, nested::ControlParams("cmd", "paramsSize"))
      .U32("paramsSize", 24)
      .U32("status", 28);
  b.Escape("NV_ESC_RM_CONTROL", 0x2A, "NVOS54_PARAMETERS");

  // escape.c:RmIoctl() NV_ESC_RM_ALLOC accepts NVOS21 or NVOS64, told apart by the
  // ioctl size. NVOS21 keeps its 32 bytes in every release; NVOS64 grows.
  AllocHead(b.Struct("NVOS21_PARAMETERS", 32))
      .U32("status", 24);
  AllocHead(b.Struct("NVOS64_PARAMETERS", 40))
      // RS_ACCESS_MASK: one NvU32 limb (SDK_RS_ACCESS_MAX_LIMBS).
      .Pointer("pRightsRequested", 24, nested::FixedBytes(4))
      .U32("status", 32);
  b.Escape("NV_ESC_RM_ALLOC", 0x2B, "NVOS21_PARAMETERS", "NVOS64_PARAMETERS");

  // pLinearAddress is an address the RM returns, not a buffer it reads.
  b.Struct("NVOS33_PARAMETERS", 48)
      .Handle("hClient", 0)
      .Handle("hDevice", 4)
      .Handle("hMemory", 8)
      .U64("offset", 16)
      .U64("length", 24)
      .U64("pLinearAddress", 32)
      .U32("status", 40)
      .U32("flags", 44);
  // nv-unix-nvos-params-wrappers.h: the mapping's target fd rides after the params.
  b.Struct("nv_ioctl_nvos33_parameters_with_fd", 56)
      .Handle("params.hClient", 0)
      .Handle("params.hDevice", 4)
      .Handle("params.hMemory", 8)
      .U64("params.offset", 16)
      .U64("params.length", 24)
      .U64("params.pLinearAddress", 32)
      .U32("params.status", 40)
      .U32("params.flags", 44)
      .U32("fd", 48);
  b.Escape("NV_ESC_RM_MAP_MEMORY", 0x4E, "nv_ioctl_nvos33_parameters_with_fd");

  // RM escapes nvprobe neither makes nor emulates: named for decoding only.
  b.Constant("NV_ESC_RM_ALLOC_MEMORY", 0x27);
  b.Constant("NV_ESC_RM_ALLOC_OBJECT", 0x28);
  b.Constant("NV_ESC_RM_CONFIG_GET", 0x32);
  b.Constant("NV_ESC_RM_CONFIG_SET", 0x33);
  b.Constant("NV_ESC_RM_DUP_OBJECT", 0x34);
  b.Constant("NV_ESC_RM_SHARE", 0x35);
  b.Constant("NV_ESC_RM_CONFIG_GET_EX", 0x37);
  b.Constant("NV_ESC_RM_CONFIG_SET_EX", 0x38);
  b.Constant("NV_ESC_RM_I2C_ACCESS", 0x39);
  b.Constant("NV_ESC_RM_IDLE_CHANNELS", 0x41);
  b.Constant("NV_ESC_RM_VID_HEAP_CONTROL", 0x4A);
  b.Constant("NV_ESC_RM_ACCESS_REGISTRY", 0x4D);
  b.Constant("NV_ESC_RM_UNMAP_MEMORY", 0x4F);
  b.Constant("NV_ESC_RM_GET_EVENT_DATA", 0x52);
  b.Constant("NV_ESC_RM_ALLOC_CONTEXT_DMA2", 0x54);
  b.Constant("NV_ESC_RM_ADD_VBLANK_CALLBACK", 0x56);
  b.Constant("NV_ESC_RM_MAP_MEMORY_DMA", 0x57);
  b.Constant("NV_ESC_RM_UNMAP_MEMORY_DMA", 0x58);
  b.Constant("NV_ESC_RM_BIND_CONTEXT_DMA", 0x59);
  b.Constant("NV_ESC_RM_EXPORT_OBJECT_TO_FD", 0x5C);
  b.Constant("NV_ESC_RM_IMPORT_OBJECT_FROM_FD", 0x5D);
  b.Constant("NV_ESC_RM_UPDATE_DEVICE_MAPPING_INFO", 0x5E);

  // Classes. A root client takes only its own handle (NvHandle) as params.
  b.Class("NV01_ROOT", 0x0, "");
  b.Class("NV01_ROOT_NON_PRIV", 0x1, "");
  b.Class("NV01_ROOT_CLIENT", 0x41, "");

  b.Struct("NV0080_ALLOC_PARAMETERS", 56)
      .U32("deviceId", 0)
      .Handle("hClientShare", 4)
      .Handle("hTargetClient", 8)
      .Handle("hTargetDevice", 12)
      .U32("flags", 16)
      .U64("vaSpaceSize", 24)
      .U64("vaStartInternal", 32)
      .U64("vaLimitInternal", 40)
      .U32("vaMode", 48);
  b.Class("NV01_DEVICE_0", 0x80, "NV0080_ALLOC_PARAMETERS");

  b.Struct("NV2080_ALLOC_PARAMETERS", 4).U32("subDeviceId", 0);
  b.Class("NV20_SUBDEVICE_0", 0x2080, "NV2080_ALLOC_PARAMETERS");
}

}  // namespace nvprobe::abi::releases
