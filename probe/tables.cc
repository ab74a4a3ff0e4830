#include "probe/tables.h"

#include <algorithm>
#include <array>

#include "abi/driver_version.h"

namespace nvprobe::probe {
namespace {

constexpr PciDevice kPciTable[] = {
#include "probe/data/pci_table_data.inc"
};

// Compute capabilities as NVIDIA publishes them (CUDA C++ Programming Guide,
// "Compute Capabilities", and developer.nvidia.com/cuda-gpus). Tegra parts (GK20A,
// GM20B, GP10B, GV10B, GA10B, GB10B) and chips without a published capability
// (GB112, GB120: developer.nvidia.com/cuda-gpus names no product of theirs) are
// left out on purpose: for those the driver's SM version decides (full path).
// GB110 = 10.3 via its products B300/GB300; GB20B = 12.1 via GB10 (DGX Spark).
constexpr ChipInfo kChips[] = {
    {"GK104", "Kepler", "3.0"},   {"GK106", "Kepler", "3.0"},   {"GK107", "Kepler", "3.0"},
    {"GK110", "Kepler", "3.5"},   {"GK110B", "Kepler", "3.5"},  {"GK180", "Kepler", "3.5"},
    {"GK208", "Kepler", "3.5"},   {"GK208B", "Kepler", "3.5"},  {"GK210", "Kepler", "3.7"},
    {"GM107", "Maxwell", "5.0"},  {"GM108", "Maxwell", "5.0"},  {"GM200", "Maxwell", "5.2"},
    {"GM204", "Maxwell", "5.2"},  {"GM206", "Maxwell", "5.2"},  {"GP100", "Pascal", "6.0"},
    {"GP102", "Pascal", "6.1"},   {"GP104", "Pascal", "6.1"},   {"GP106", "Pascal", "6.1"},
    {"GP107", "Pascal", "6.1"},   {"GP108", "Pascal", "6.1"},   {"GV100", "Volta", "7.0"},
    {"TU102", "Turing", "7.5"},   {"TU104", "Turing", "7.5"},   {"TU106", "Turing", "7.5"},
    {"TU116", "Turing", "7.5"},   {"TU117", "Turing", "7.5"},   {"GA100", "Ampere", "8.0"},
    {"GA102", "Ampere", "8.6"},   {"GA103", "Ampere", "8.6"},   {"GA104", "Ampere", "8.6"},
    {"GA106", "Ampere", "8.6"},   {"GA107", "Ampere", "8.6"},   {"GH100", "Hopper", "9.0"},
    {"AD102", "Ada Lovelace", "8.9"}, {"AD103", "Ada Lovelace", "8.9"},
    {"AD104", "Ada Lovelace", "8.9"}, {"AD106", "Ada Lovelace", "8.9"},
    {"AD107", "Ada Lovelace", "8.9"}, {"GB100", "Blackwell", "10.0"},
    {"GB102", "Blackwell", "10.0"}, {"GB110", "Blackwell", "10.3"},
    {"GB202", "Blackwell", "12.0"},
    {"GB203", "Blackwell", "12.0"}, {"GB205", "Blackwell", "12.0"},
    {"GB206", "Blackwell", "12.0"}, {"GB207", "Blackwell", "12.0"},
    {"GB20B", "Blackwell", "12.1"},
};

struct Family {
  const char* prefix;
  const char* architecture;
};
constexpr Family kFamilies[] = {
    {"GK", "Kepler"}, {"GM", "Maxwell"}, {"GP", "Pascal"},       {"GV", "Volta"},
    {"TU", "Turing"}, {"GA", "Ampere"},  {"GH", "Hopper"},       {"AD", "Ada Lovelace"},
    {"GB", "Blackwell"},
};

struct CudaRow {
  const char* cuda;
  const char* min_driver;
};
constexpr CudaRow kCuda[] = {
#include "probe/data/cuda_table_data.inc"
};

}  // namespace

std::span<const PciDevice> PciTable() { return kPciTable; }

const PciDevice* FindPciDevice(uint16_t device_id) {
  auto it = std::lower_bound(std::begin(kPciTable), std::end(kPciTable), device_id,
                             [](const PciDevice& d, uint16_t id) { return d.device_id < id; });
  return (it != std::end(kPciTable) && it->device_id == device_id) ? &*it : nullptr;
}

std::span<const ChipInfo> ChipTable() { return kChips; }

const ChipInfo* FindChip(std::string_view chip) {
  for (const ChipInfo& c : kChips)
    if (chip == c.chip) return &c;
  return nullptr;
}

std::optional<std::string> ArchitectureOfChip(std::string_view chip) {
  for (const Family& f : kFamilies)
    if (chip.substr(0, 2) == f.prefix) return std::string(f.architecture);
  return std::nullopt;
}

std::optional<std::string> CudaLevel(std::string_view driver_version, bool* newer_than_table) {
  if (newer_than_table) *newer_than_table = false;
  StatusOr<abi::DriverVersion> v = abi::DriverVersion::Parse(driver_version);
  if (!v.ok()) return std::nullopt;
  for (size_t i = 0; i < std::size(kCuda); ++i) {
    StatusOr<abi::DriverVersion> min = abi::DriverVersion::Parse(kCuda[i].min_driver);
    if (!min.ok() || *v < *min) continue;
    if (i == 0 && newer_than_table) *newer_than_table = v->major() > min->major();
    return std::string(kCuda[i].cuda);
  }
  return std::nullopt;
}

}  // namespace nvprobe::probe
