// The probe: runs the sources in order (environment override, kernel driver fast
// path, kernel driver full path, files, nvidia-smi), each timed and reported, and
// merges their answers. The kernel driver's answer wins over the files and
// nvidia-smi; disagreements become warnings.
#ifndef NVPROBE_PROBE_PROBE_H_
#define NVPROBE_PROBE_PROBE_H_

#include <chrono>
#include <optional>
#include <set>
#include <string>

#include "probe/result.h"
#include "probe/system.h"

namespace nvprobe::probe {

struct ProbeOptions {
  // NVPROBE_DRIVER_VERSION: reported as the driver version (source "env"); the other
  // sources still run for the GPUs, and the ioctls use the version the driver reports.
  std::optional<std::string> env_driver_version;
  // Run the full path for every GPU (otherwise only for GPUs the PCI table lacks).
  bool full = false;
  // Read every GPU's procfs and sysfs files (name, UUID, PCI subsystem and revision)
  // even when the kernel driver listed the GPUs. Without it (and without `full`)
  // the files source reads only the version files then, so that the fast path costs
  // the same for 1 GPU and for 64; the GPU files are still the fallback whenever the
  // driver lists no GPU.
  bool details = false;
  // Sources to run (kSourceIoctl, kSourceIoctlFull, kSourceFiles, kSourceSmi, kSourceEnv);
  // empty: all, with nvidia-smi only when no earlier source found the driver.
  std::set<std::string> sources;
  std::string path_env;  // $PATH, for nvidia-smi
  std::chrono::milliseconds smi_timeout{5000};
};

ProbeResult RunProbe(System& sys, const ProbeOptions& options);

// The exit status the CLI uses for a result (see probe/README.md).
enum ExitStatus : int {
  kExitFound = 0,
  kExitError = 1,
  kExitUsage = 2,
  kExitNoDriver = 3,
};
ExitStatus ExitStatusOf(const ProbeResult& result);

}  // namespace nvprobe::probe

#endif  // NVPROBE_PROBE_PROBE_H_
