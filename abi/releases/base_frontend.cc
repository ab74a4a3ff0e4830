// Frontend escapes of the NVIDIA character devices as of 515.43.04: the ioctls that
// kernel-open/nvidia/nv.c:nvidia_ioctl() handles itself before handing RM escapes
// to the resource manager. Declarations: kernel-open/common/inc/nv-ioctl.h,
// nv-ioctl-numbers.h, nv-ioctl-numa.h.
#include "abi/releases/deltas.h"

namespace nvprobe::abi::releases {

void BaseFrontend(AbiBuilder& b) {
  // nv-ioctl-numbers.h: requests are _IOWR(NV_IOCTL_MAGIC, nr, size).
  b.Constant("NV_IOCTL_MAGIC", 'F');
  b.Constant("NV_IOCTL_BASE", 200);
  // nv-ioctl.h: the size field of _IOC has 14 bits; larger structs go through XFER.
  b.Constant("NV_ABSOLUTE_MAX_IOCTL_SIZE", 16384);
  // nv.h: card info callers pass this many entries.
  b.Constant("NV_MAX_DEVICES", 32);

  // nv-ioctl.h: nv_pci_info_t is embedded as pci_info; `function` is never filled.
  b.Struct("nv_ioctl_card_info_t", 72)
      .U8("valid", 0)
      .U32("pci_info.domain", 4)
      .U8("pci_info.bus", 8)
      .U8("pci_info.slot", 9)
      .U8("pci_info.function", 10)
      .U16("pci_info.vendor_id", 12)
      .U16("pci_info.device_id", 14)
      .U32("gpu_id", 16)
      .U16("interrupt_line", 20)
      .U64("reg_address", 24)
      .U64("reg_size", 32)
      .U64("fb_address", 40)
      .U64("fb_size", 48)
      .U32("minor_number", 56)
      .Array("dev_name", 60, 1, 10);
  // The request carries an array of NV_MAX_DEVICES of these; the binding names the
  // element (kernel-open/nvidia/nv.c:nvidia_read_card_info()).
  b.Escape("NV_ESC_CARD_INFO", 200, "nv_ioctl_card_info_t");

  // The caller's /dev/nvidiactl fd (nv.c:nvidia_ioctl() NV_ESC_REGISTER_FD).
  b.Struct("nv_ioctl_register_fd_t", 4).Fd("ctl_fd", 0);
  b.Escape("NV_ESC_REGISTER_FD", 201, "nv_ioctl_register_fd_t");

  b.Constant("NV_RM_API_VERSION_STRING_LENGTH", 64);
  b.Struct("nv_ioctl_rm_api_version_t", 72)
      .U32("cmd", 0)
      .U32("reply", 4)
      .String("versionString", 8, 64);
  b.Constant("NV_RM_API_VERSION_CMD_STRICT", 0);
  b.Constant("NV_RM_API_VERSION_CMD_RELAXED", '1');
  // Renamed QUERY, with new meaning, at 530.30.02.
  b.Constant("NV_RM_API_VERSION_CMD_OVERRIDE", '2');
  b.Constant("NV_RM_API_VERSION_REPLY_UNRECOGNIZED", 0);
  b.Constant("NV_RM_API_VERSION_REPLY_RECOGNIZED", 1);
  b.Escape("NV_ESC_CHECK_VERSION_STR", 210, "nv_ioctl_rm_api_version_t");

  // kernel-open/nvidia/nv.c:nvidia_ioctl(): the inner request's struct is `size`
  // bytes at `ptr`, at most NV_ABSOLUTE_MAX_IOCTL_SIZE.
  b.Struct("nv_ioctl_xfer_t", 16)
      .U32("cmd", 0)
      .U32("size", 4)
      .Pointer("ptr", 8, nested::EscapeParams("cmd", "size"));
  b.Escape("NV_ESC_IOCTL_XFER_CMD", 211, "nv_ioctl_xfer_t");

  // The argument is a bare array of NvU32 GPU ids (up to NV_MAX_DEVICES).
  b.Escape("NV_ESC_ATTACH_GPUS_TO_FD", 212, "");

  b.Struct("nv_ioctl_sys_params_t", 8).U64("memblock_size", 0);
  b.Escape("NV_ESC_SYS_PARAMS", 214, "nv_ioctl_sys_params_t");

  // nv-ioctl-numa.h.
  b.Constant("NV_IOCTL_NUMA_INFO_MAX_OFFLINE_ADDRESSES", 64);
  b.Struct("nv_ioctl_numa_info_t", 552)
      .U32("nid", 0)
      .U32("status", 4)
      .U64("memblock_size", 8)
      .U64("numa_mem_addr", 16)
      .U64("numa_mem_size", 24)
      .Array("offline_addresses.addresses", 32, 8, 64)
      .U32("offline_addresses.numEntries", 544);
  b.Escape("NV_ESC_NUMA_INFO", 215, "nv_ioctl_numa_info_t");

  // Frontend escapes nvprobe neither makes nor emulates: named for decoding only.
  b.Constant("NV_ESC_ALLOC_OS_EVENT", 0xCE);
  b.Constant("NV_ESC_FREE_OS_EVENT", 0xCF);
  b.Constant("NV_ESC_STATUS_CODE", 0xD1);
  b.Constant("NV_ESC_QUERY_DEVICE_INTR", 0xD5);
  b.Constant("NV_ESC_SET_NUMA_STATUS", 0xD8);
  b.Constant("NV_ESC_EXPORT_TO_DMABUF_FD", 0xD9);
}

}  // namespace nvprobe::abi::releases
