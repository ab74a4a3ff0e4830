// The generated tables: the PCI device table against the pci.ids it was generated
// from (pinned excerpts in tests/probe/testdata/, never the host's pci.ids), chips,
// CUDA levels.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <utility>

#include "probe/tables.h"

namespace nvprobe::probe {
namespace {

// A runfile of this workspace; empty when the test does not run under Bazel.
std::string Runfile(const std::string& path) {
  const char* dir = std::getenv("TEST_SRCDIR");
  const char* ws = std::getenv("TEST_WORKSPACE");
  if (dir == nullptr) return "";
  return std::string(dir) + "/" + (ws ? ws : "nvprobe") + "/" + path;
}

struct PciIds {
  std::string version;
  std::map<uint16_t, std::pair<std::string, std::string>> devices;  // id -> chip, name
};

// Vendor 10de's devices named by a chip code, by tools/gen_pci_table.py's rule (a
// Kepler "B" variant is its own chip; the name is the bracketed marketing name).
PciIds ReadPciIds(const std::string& path) {
  PciIds ids;
  std::ifstream in(path);
  EXPECT_TRUE(in) << path << " is not in the runfiles";
  const std::regex version(R"(^#\s*Version:\s*(\S+))");
  const std::regex device(R"(^\t([0-9a-f]{4})\s+(.*)$)");
  const std::regex chip(R"(^((?:GK|GM|GP|GV|TU|GA|GH|AD|GB)[0-9][0-9A-Z]{2})([A-Z]*)(?: \[(.*)\])?$)");
  std::string line;
  bool nvidia = false;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, version)) ids.version = m[1].str();
    if (line.empty() || line[0] == '#') continue;
    if (line[0] != '\t') {
      nvidia = line.rfind("10de ", 0) == 0;
      continue;
    }
    if (!nvidia || !std::regex_match(line, m, device)) continue;
    std::string name = m[2].str();
    while (!name.empty() && name.back() == ' ') name.pop_back();
    std::smatch c;
    if (!std::regex_match(name, c, chip)) continue;
    std::string code = c[1].str();
    const std::string variant = c[2].str();
    if (variant.rfind("B", 0) == 0 && code.rfind("GK", 0) == 0 && variant.rfind("BM", 0) != 0)
      code += "B";
    ids.devices[static_cast<uint16_t>(std::stoul(m[1].str(), nullptr, 16))] = {
        code, c[3].matched ? c[3].str() : name};
  }
  return ids;
}

// probe/data/pci_table_data.inc is exactly what the generator makes of Debian's
// pci.ids 2023.04.10 and the newer 2026.08.22 (later wins): every NVIDIA GPU named
// by a chip code is in the table with that chip and name, and nothing else is.
TEST(PciTableTest, IsTheGeneratorsOutputForThePinnedPciIds) {
  ASSERT_NE(std::getenv("TEST_SRCDIR"), nullptr) << "run under bazel test";
  PciIds debian = ReadPciIds(Runfile("tests/probe/testdata/pci.ids.2023.04.10.nvidia"));
  PciIds newer = ReadPciIds(Runfile("tests/probe/testdata/pci.ids.2026.08.22.nvidia"));
  ASSERT_EQ(debian.version, "2023.04.10");
  ASSERT_EQ(newer.version, "2026.08.22");
  // The counts pin the excerpts themselves: a truncated copy fails here.
  ASSERT_EQ(debian.devices.size(), 626u);
  ASSERT_EQ(newer.devices.size(), 818u);
  std::map<uint16_t, std::pair<std::string, std::string>> want = debian.devices;
  for (const auto& [id, d] : newer.devices) want[id] = d;
  for (const auto& [id, d] : want) {
    const PciDevice* got = FindPciDevice(id);
    ASSERT_NE(got, nullptr) << std::hex << id;
    EXPECT_EQ(got->chip, d.first) << std::hex << id;
    EXPECT_EQ(got->name, d.second) << std::hex << id;
  }
  EXPECT_EQ(PciTable().size(), want.size()) << "the table has devices no pci.ids names";
}

TEST(PciTableTest, SortedAndKnownDevices) {
  auto t = PciTable();
  for (size_t i = 1; i < t.size(); ++i) EXPECT_LT(t[i - 1].device_id, t[i].device_id);
  EXPECT_STREQ(FindPciDevice(0x1b06)->chip, "GP102");  // GTX 1080 Ti: 6.1
  EXPECT_STREQ(FindChip("GP102")->compute_capability, "6.1");
  EXPECT_STREQ(FindPciDevice(0x2335)->chip, "GH100");  // H200: newer pci.ids only
  EXPECT_STREQ(FindPciDevice(0x2b85)->chip, "GB202");  // RTX 5090
  EXPECT_STREQ(FindChip("GB202")->compute_capability, "12.0");
  EXPECT_EQ(FindPciDevice(0x0001), nullptr);
}

TEST(PciTableTest, EveryChipHasAnArchitecture) {
  for (const ChipInfo& c : ChipTable()) {
    EXPECT_EQ(ArchitectureOfChip(c.chip).value_or(""), c.architecture) << c.chip;
  }
}

TEST(CudaTableTest, Levels) {
  EXPECT_EQ(CudaLevel("580.95.05", nullptr).value(), "13.0");
  EXPECT_EQ(CudaLevel("580.65.06", nullptr).value(), "13.0");
  EXPECT_EQ(CudaLevel("575.57.08", nullptr).value(), "12.9");
  EXPECT_EQ(CudaLevel("570.124.06", nullptr).value(), "12.8");
  EXPECT_EQ(CudaLevel("535.104.05", nullptr).value(), "12.2");
  EXPECT_EQ(CudaLevel("525.60.13", nullptr).value(), "12.0");
  EXPECT_EQ(CudaLevel("515.43.04", nullptr).value(), "11.7");
  EXPECT_FALSE(CudaLevel("300.1", nullptr).has_value());
  EXPECT_FALSE(CudaLevel("garbage", nullptr).has_value());
  bool newer = false;
  EXPECT_EQ(CudaLevel("595.45.04", &newer).value(), "13.2");
  EXPECT_EQ(CudaLevel("595.44.02", &newer).value(), "13.1");
  EXPECT_EQ(CudaLevel("590.44.01", &newer).value(), "13.1");
  EXPECT_FALSE(newer);
  EXPECT_EQ(CudaLevel("610.43.02", &newer).value(), "13.3");
  EXPECT_EQ(CudaLevel("620.1", &newer).value(), "13.3");
  EXPECT_TRUE(newer);
}

}  // namespace
}  // namespace nvprobe::probe
