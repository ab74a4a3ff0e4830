// The few generic shapes the control table is built from.
#ifndef NVPROBE_FAKE_DRIVER_MODEL_CONTROL_HELPERS_H_
#define NVPROBE_FAKE_DRIVER_MODEL_CONTROL_HELPERS_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fake_driver/model/control_table.h"

namespace nvprobe::fakedrv::model {

// An index/data list command (GPU_GET_INFO, FB_GET_INFO and their V2 forms). Each
// entry of `values` names an index (`prefix` + name, NVIDIA's constant) and how to
// compute its data; every other index gets 0 (on GSP-based GPUs the firmware
// answers those; the model reports nothing for them). More entries than the list
// holds is NV_ERR_INVALID_ARGUMENT.
using InfoValue = std::function<uint64_t(ControlCall&)>;
ControlFill InfoList(std::string size_field, std::string list_field, std::string prefix,
                     std::vector<std::pair<std::string, InfoValue>> values);

}  // namespace nvprobe::fakedrv::model

#endif  // NVPROBE_FAKE_DRIVER_MODEL_CONTROL_HELPERS_H_
