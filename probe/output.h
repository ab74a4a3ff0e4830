// Rendering a ProbeResult: the nvprobe/1 JSON document (schema:
// probe/nvprobe-1.schema.json), the human table, and nvidia-smi-style CSV.
#ifndef NVPROBE_PROBE_OUTPUT_H_
#define NVPROBE_PROBE_OUTPUT_H_

#include <string>
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

// Whether a --query-gpu field is a GPU's name or UUID, which the fast path leaves
// to ProbeOptions::details (the GPU files).
bool CsvFieldNeedsDetails(const std::string& field);

}  // namespace nvprobe::probe

#endif  // NVPROBE_PROBE_OUTPUT_H_
