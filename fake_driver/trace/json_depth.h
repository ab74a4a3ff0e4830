// How deep a JSON text nests, found before parsing it: copying, comparing and
// printing a parsed value recurse once per level, so a text of "[[[[..." must be
// refused before nlohmann_json sees it. Shared by the trace and machine loaders.
#ifndef NVPROBE_FAKE_DRIVER_TRACE_JSON_DEPTH_H_
#define NVPROBE_FAKE_DRIVER_TRACE_JSON_DEPTH_H_

#include <cstddef>
#include <string_view>

namespace nvprobe::fakedrv {

// The offset of the bracket that first nests `text` deeper than `limit` levels,
// or npos (brackets inside strings do not count).
size_t FirstTooDeep(std::string_view text, int limit);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_TRACE_JSON_DEPTH_H_
