// The driver's files: /sys/module/nvidia/version, /proc/driver/nvidia/version,
// /proc/driver/nvidia/gpus/*/information and /sys/bus/pci/devices/*. Readable by
// any user, so they answer when /dev/nvidiactl may not be opened.
#ifndef NVPROBE_PROBE_FILES_SOURCE_H_
#define NVPROBE_PROBE_FILES_SOURCE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "probe/result.h"
#include "probe/system.h"

namespace nvprobe::probe {

struct FilesFindings {
  std::optional<std::string> sys_module_version;  // /sys/module/nvidia/version
  std::optional<std::string> proc_version;        // /proc/driver/nvidia/version
  std::vector<GpuInfo> gpus;                      // sorted by PCI bus ID
  std::vector<std::string> notes;                 // what was absent, for the report
};

// Never fails: every file that is absent or malformed is a note or a warning.
// `per_gpu`: also list the GPUs from procfs and sysfs, a few file reads per GPU
// (otherwise only the two version files: a cost independent of the GPU count).
FilesFindings ReadDriverFiles(System& sys, std::vector<std::string>& warnings,
                              bool per_gpu = true);

// Parsers, exposed for tests. The version file's first version-shaped token of its
// "NVRM version:" line (open and proprietary formats, kernel-open/nvidia/nv-procfs.c).
std::optional<std::string> ParseProcVersion(const std::string& text);
// "Key:\tvalue" lines of a gpus/*/information file (nv-procfs.c:nv_procfs_read_gpu_info()).
void ParseGpuInformation(const std::string& text, const std::string& path, GpuInfo& gpu,
                         std::vector<std::string>& warnings);
// The longest GPU name kept, in bytes: NVML's name buffer
// (NVML_DEVICE_NAME_V2_BUFFER_SIZE, 96) less its NUL. The kernel driver's own names
// are shorter (NV2080_GPU_MAX_NAME_STRING_LENGTH, 64 with the NUL).
inline constexpr size_t kMaxGpuNameBytes = 95;
// Cuts a name longer than kMaxGpuNameBytes (at a UTF-8 character boundary) and adds
// the warning "<where> is N bytes long; truncated to 95 bytes".
void CapGpuName(std::string& name, const std::string& where, std::vector<std::string>& warnings);

// A PCI bus ID in any of the forms the sources print ("0000:3b:00.0",
// "00000000:3B:00.0"), normalised to "dddd:bb:ss.f"; nullopt if malformed.
std::optional<std::string> NormalizeBusId(const std::string& text);

}  // namespace nvprobe::probe

#endif  // NVPROBE_PROBE_FILES_SOURCE_H_
