// File contents in a trace are JSON strings when they are UTF-8, hex otherwise.
#ifndef NVPROBE_FAKE_DRIVER_TRACE_UTF8_H_
#define NVPROBE_FAKE_DRIVER_TRACE_UTF8_H_

#include <string_view>

namespace nvprobe::fakedrv {

// Whether `s` is valid UTF-8 (what a JSON string can hold as it is).
bool IsUtf8(std::string_view s);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_TRACE_UTF8_H_
