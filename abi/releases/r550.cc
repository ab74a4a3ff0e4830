// Deltas of the 550 branch. Each states what changed against its parent release;
// facts checked against NVIDIA's headers by tests/abi/nvidia_headers_test.cc.
#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {

// Parent: 545.23.06.
void Delta_550_40_07(AbiBuilder& b) {
  // nv-ioctl.h: a client may wait for a deferred open of /dev/nvidiaN to finish
  // (kernel-open/nvidia/nv.c:nvidia_ioctl() NV_ESC_WAIT_OPEN_COMPLETE).
  b.Struct("nv_ioctl_wait_open_complete_t", 8).U32("rc", 0).U32("adapterStatus", 4);
  b.Constant("NV_ERR_QUEUE_TASK_SLOT_NOT_AVAILABLE", 0x7C);
  b.Escape("NV_ESC_WAIT_OPEN_COMPLETE", 218, "nv_ioctl_wait_open_complete_t");
  // ctrl0000gpu.h: attach a GPU in the background, then wait for it.
  b.Struct("NV0000_CTRL_GPU_ASYNC_ATTACH_ID_PARAMS", 4).U32("gpuId", 0);
  b.Control("NV0000_CTRL_CMD_GPU_ASYNC_ATTACH_ID", 0x289, "NV0000_CTRL_GPU_ASYNC_ATTACH_ID_PARAMS");
  b.Struct("NV0000_CTRL_GPU_WAIT_ATTACH_ID_PARAMS", 4).U32("gpuId", 0);
  b.Control("NV0000_CTRL_CMD_GPU_WAIT_ATTACH_ID", 0x290, "NV0000_CTRL_GPU_WAIT_ATTACH_ID_PARAMS");
}

// Parent: 550.40.61. KEY_ROTATION_IN_PROGRESS: 550.40.63-550.40.85 have it, 550.54.14-550.67 do not.
void Delta_550_40_63(AbiBuilder& b) {
  b.Constant("NV_ERR_KEY_ROTATION_IN_PROGRESS", 0x7D);
}

// Parent: 550.40.85. KEY_ROTATION_IN_PROGRESS is absent again.
void Delta_550_54_14(AbiBuilder& b) {
  b.RemoveConstant("NV_ERR_KEY_ROTATION_IN_PROGRESS");
}

// Parent: 550.67. KEY_ROTATION_IN_PROGRESS is back for good.
void Delta_550_76(AbiBuilder& b) {
  b.Constant("NV_ERR_KEY_ROTATION_IN_PROGRESS", 0x7D);
}

// Parent: 550.107.02. NVSwitch fabric codes, 550 branch only (570 gives the same values NVLINK names).
void Delta_550_120(AbiBuilder& b) {
  b.Constant("NV_ERR_NVSWITCH_FABRIC_FAILURE", 0x82);
  b.Constant("NV_ERR_NVSWITCH_FABRIC_NOT_READY", 0x81);
}

}  // namespace nvprobe::abi::releases
