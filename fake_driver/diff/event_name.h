// What a diff line calls an ioctl event: the RM control's name for
// NV_ESC_RM_CONTROL ("NV2080_CTRL_CMD_GPU_GET_INFO_V2"), the escape and class for
// an allocation ("NV_ESC_RM_ALLOC NV01_DEVICE_0"), else the escape's name, looking
// through an XFER to the escape it carries.
#ifndef NVPROBE_FAKE_DRIVER_DIFF_EVENT_NAME_H_
#define NVPROBE_FAKE_DRIVER_DIFF_EVENT_NAME_H_

#include <cstdint>
#include <string>

#include "abi/abi.h"
#include "fake_driver/trace/arg_buffer.h"

namespace nvprobe::fakedrv::diff {

// `args`: the request's tree with its layouts (the top-level one set).
std::string EventName(const abi::Abi& abi, uint32_t nr, const ArgBuffer& args);

}  // namespace nvprobe::fakedrv::diff

#endif  // NVPROBE_FAKE_DRIVER_DIFF_EVENT_NAME_H_
