// The machine model's control commands: one table entry per command, each naming
// the driver function that fills it in NVIDIA's open-gpu-kernel-modules, as gVisor's
// nvproxy tables do. A command the table lacks gets NV_ERR_NOT_SUPPORTED from the
// model (and one diagnostic line naming it).
#ifndef NVPROBE_FAKE_DRIVER_MODEL_CONTROL_TABLE_H_
#define NVPROBE_FAKE_DRIVER_MODEL_CONTROL_TABLE_H_

#include <functional>
#include <string_view>

#include "fake_driver/model/control_call.h"

namespace nvprobe::fakedrv::model {

// Fills call's params and returns the RM status name ("NV_OK", "NV_ERR_...").
using ControlFill = std::function<const char*(ControlCall&)>;

struct ControlHandler {
  const char* command;  // NVIDIA's macro name, e.g. "NV2080_CTRL_CMD_GPU_GET_INFO"
  ControlFill fill;
  const char* source;   // where the driver answers it: path:function()
};

// The handler for `command`, or null.
const ControlHandler* FindControlHandler(std::string_view command);

}  // namespace nvprobe::fakedrv::model

#endif  // NVPROBE_FAKE_DRIVER_MODEL_CONTROL_TABLE_H_
