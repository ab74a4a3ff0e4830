// Fields whose answer changes from call to call on any driver, so that the model
// and a recording can never agree on them: diff skips them (and counts them).
// Keep this list short and say why for each entry; anything else that differs is
// a difference to look at.
#ifndef NVPROBE_FAKE_DRIVER_DIFF_IGNORED_FIELDS_H_
#define NVPROBE_FAKE_DRIVER_DIFF_IGNORED_FIELDS_H_

#include <string_view>

namespace nvprobe::fakedrv::diff {

struct IgnoredField {
  std::string_view strct;  // NVIDIA's struct name
  std::string_view field;  // a field of it (an array: all its elements)
  std::string_view why;
};

inline constexpr IgnoredField kIgnoredFields[] = {
    // NV2080_CTRL_CMD_TIMER_GET_GPU_CPU_TIME_CORRELATION_INFO: pairs of CPU and GPU
    // clock readings taken during the call (timer/timer.c); no two calls agree.
    {"NV2080_CTRL_TIMER_GET_GPU_CPU_TIME_CORRELATION_INFO_PARAMS", "samples",
     "CPU/GPU clock samples taken at the call"},
};

bool IsIgnored(std::string_view strct, std::string_view field);

}  // namespace nvprobe::fakedrv::diff

#endif  // NVPROBE_FAKE_DRIVER_DIFF_IGNORED_FIELDS_H_
