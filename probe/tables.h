// The probe's data tables: PCI device ID -> chip (generated from pci.ids), chip ->
// architecture and compute capability, and driver release -> CUDA driver API level
// (generated from NVIDIA's published table). Sources are named in probe/data/.
#ifndef NVPROBE_PROBE_TABLES_H_
#define NVPROBE_PROBE_TABLES_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace nvprobe::probe {

struct PciDevice {
  uint16_t device_id;
  const char* chip;   // "GH100"
  const char* name;   // pci.ids' marketing name, "H100 SXM5 80GB"
};

struct ChipInfo {
  const char* chip;
  const char* architecture;        // "Hopper"
  const char* compute_capability;  // "9.0"
};

// Every row of probe/data/pci_table_data.inc, sorted by device ID.
std::span<const PciDevice> PciTable();
const PciDevice* FindPciDevice(uint16_t device_id);

// Chips whose compute capability NVIDIA publishes (CUDA C++ Programming Guide,
// "Compute Capabilities"; developer.nvidia.com/cuda-gpus). A chip not listed has no
// capability here: the probe then asks the driver (full path).
std::span<const ChipInfo> ChipTable();
const ChipInfo* FindChip(std::string_view chip);

// Marketing architecture of a chip family ("GA" -> "Ampere"), from its first two
// letters; nullopt for an unknown family.
std::optional<std::string> ArchitectureOfChip(std::string_view chip);

// The highest CUDA driver API level the release supports ("13.0"), nullopt when the
// version does not parse or predates the table. `newer_than_table` is set when the
// release is past the table's newest row's branch (the answer is then a lower bound).
std::optional<std::string> CudaLevel(std::string_view driver_version, bool* newer_than_table);

}  // namespace nvprobe::probe

#endif  // NVPROBE_PROBE_TABLES_H_
