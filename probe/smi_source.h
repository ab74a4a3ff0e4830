// nvidia-smi, the last resort: from PATH, then WSL2's /usr/lib/wsl/lib/. Every GPU
// prints a line carrying the (same) driver version; lines that disagree are an error.
#ifndef NVPROBE_PROBE_SMI_SOURCE_H_
#define NVPROBE_PROBE_SMI_SOURCE_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "abi/status.h"
#include "probe/result.h"
#include "probe/system.h"

namespace nvprobe::probe {

struct SmiFindings {
  std::string binary;  // which nvidia-smi answered
  std::optional<std::string> driver_version;
  std::vector<GpuInfo> gpus;
};

// `path_env` is $PATH. NOT_FOUND when no nvidia-smi exists; DEADLINE_EXCEEDED on a
// timeout; FAILED_PRECONDITION when lines disagree; UNAVAILABLE otherwise.
StatusOr<SmiFindings> RunNvidiaSmi(System& sys, const std::string& path_env,
                                   std::chrono::milliseconds timeout,
                                   std::vector<std::string>& warnings);

// Parses `--format=csv,noheader,nounits` output of the query RunNvidiaSmi makes.
StatusOr<SmiFindings> ParseSmiOutput(const std::string& out, bool with_compute_cap,
                                     std::vector<std::string>& warnings);

}  // namespace nvprobe::probe

#endif  // NVPROBE_PROBE_SMI_SOURCE_H_
