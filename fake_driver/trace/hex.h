// Lower-case hexadecimal text for byte strings, as traces store them.
#ifndef NVPROBE_FAKE_DRIVER_TRACE_HEX_H_
#define NVPROBE_FAKE_DRIVER_TRACE_HEX_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abi/status.h"

namespace nvprobe::fakedrv {

std::string HexEncode(std::span<const uint8_t> bytes);
// Accepts an even number of hex digits (either case); says what is wrong otherwise.
StatusOr<std::vector<uint8_t>> HexDecode(std::string_view text);
// "0x1a2b".
std::string HexNumber(uint64_t value);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_TRACE_HEX_H_
