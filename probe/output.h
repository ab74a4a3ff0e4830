// Rendering a ProbeResult: the nvprobe/1 JSON document (schema:
// probe/nvprobe-1.schema.json), the human table, and nvidia-smi-style CSV.
#ifndef NVPROBE_PROBE_OUTPUT_H_
#define NVPROBE_PROBE_OUTPUT_H_

#include <string>
#include <string_view>
#include <vector>

#include "abi/status.h"
#include "probe/result.h"

namespace nvprobe::probe {

inline constexpr char kSchema[] = "nvprobe/1";

std::string ToJson(const ProbeResult& r);
std::string ToHuman(const ProbeResult& r);

struct CsvFormat {
  bool header = true;
  bool units = true;
};
// `fields`: nvidia-smi --query-gpu names (driver_version, name, pci.bus_id, uuid,
// compute_cap, memory.total, and the aliases gpu_name, gpu_bus_id, gpu_uuid).
// INVALID_ARGUMENT names the first unknown field.
StatusOr<std::string> ToCsv(const ProbeResult& r, const std::vector<std::string>& fields,
                            CsvFormat format);

// `s` for a terminal: every control byte (C0 and DEL), every UTF-8-encoded C1
// control (U+0080..U+009F) and every byte that is not valid UTF-8 becomes a visible
// escape: \n, \r, \t, or \xHH. The table, the CSV and the CLI's messages carry text
// from the driver, nvidia-smi and the environment through it (JSON escapes itself).
std::string EscapeControl(std::string_view s);

// Whether a --query-gpu field is a GPU's name or UUID, which the fast path leaves
// to ProbeOptions::details (the GPU files).
bool CsvFieldNeedsDetails(const std::string& field);
// Whether a --query-gpu field is learned only by the kernel driver's full path
// (memory.total): asking for it turns on --full.
bool CsvFieldNeedsFull(const std::string& field);

}  // namespace nvprobe::probe

#endif  // NVPROBE_PROBE_OUTPUT_H_
