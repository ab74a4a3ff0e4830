// What a probe run learns: the driver, every GPU, what each source did, and the
// warnings. A field no source could learn stays empty (null in JSON), never guessed.
#ifndef NVPROBE_PROBE_RESULT_H_
#define NVPROBE_PROBE_RESULT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nvprobe::probe {

// Source names as they appear in the output and in --source.
inline constexpr const char* kSourceEnv = "env";
inline constexpr const char* kSourceIoctl = "ioctl";
inline constexpr const char* kSourceIoctlFull = "ioctl-full";
inline constexpr const char* kSourceFiles = "files";
inline constexpr const char* kSourceSmi = "nvidia-smi";

struct GpuInfo {
  uint32_t index = 0;
  std::optional<std::string> pci_bus_id;      // "0000:3b:00.0"
  std::optional<uint16_t> pci_vendor_id;
  std::optional<uint16_t> pci_device_id;
  std::optional<uint32_t> pci_subsystem_id;   // (subsystem device << 16) | subsystem vendor
  std::optional<uint8_t> pci_revision_id;
  std::optional<std::string> name;
  std::optional<std::string> uuid;
  std::optional<std::string> architecture;    // "Hopper"
  std::optional<std::string> chip;            // "GH100"
  std::optional<std::string> compute_capability;  // "9.0"
  std::optional<std::string> compute_capability_source;  // "sm_version", "pci_table", ...
  std::optional<uint64_t> memory_mib;
  std::optional<uint32_t> minor;
  std::string source;                         // the source that listed this GPU
};

struct SourceReport {
  std::string source;
  bool ok = false;
  bool skipped = false;
  std::string found;   // what it learned, in words
  std::string error;   // why it failed (or why it was skipped)
  int64_t elapsed_us = 0;
};

struct DriverInfo {
  std::optional<std::string> version;
  std::string source;
  std::optional<std::string> cuda;
  std::optional<std::string> abi_release;  // the ABI release used for the ioctls
};

struct ProbeResult {
  DriverInfo driver;
  std::string platform = "linux";  // "linux" or "wsl2"
  std::vector<GpuInfo> gpus;
  std::vector<SourceReport> sources_tried;
  std::vector<std::string> warnings;
  // Set when a source saw an NVIDIA driver that it could not read (e.g. a
  // /dev/nvidiactl it may not open): "no driver" would be a lie.
  bool driver_present_but_unreadable = false;
  bool has_error = false;  // a source saw contradictory answers (e.g. nvidia-smi lines)
};

}  // namespace nvprobe::probe

#endif  // NVPROBE_PROBE_RESULT_H_
