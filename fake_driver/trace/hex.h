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

// Trace format 2's byte strings (traces/FORMAT.md, "Byte strings"): hex in which a
// run of zero bytes may be written "<N>", N in decimal: "01<6>02" is 01, six 00,
// 02. Most of what NVIDIA's tools pass is zeros (an 8-GPU `nvidia-smi -q` sends
// 40 MB of zeroed params), so a trace stores them as a count.
//
// The canonical form: lower-case hex, every run of kMinZeroRun or more zero bytes
// as one "<N>", shorter runs as hex.
inline constexpr size_t kMinZeroRun = 4;
std::string ByteStringEncode(std::span<const uint8_t> bytes);
// Decodes `text`; zero runs only when `zero_runs` (format 1 has none). Refuses
// text that decodes to more than `max_bytes` before allocating it, "<0>", counts
// with leading zeros, and anything else HexDecode refuses.
StatusOr<std::vector<uint8_t>> ByteStringDecode(std::string_view text, bool zero_runs,
                                                size_t max_bytes);
// How many bytes `text` decodes to, or an error; allocates nothing.
StatusOr<size_t> ByteStringSize(std::string_view text, bool zero_runs);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_TRACE_HEX_H_
