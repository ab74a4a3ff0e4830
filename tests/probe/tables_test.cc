// The generated tables: PCI device IDs against Debian's installed pci.ids, chips,
// CUDA levels.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <string>

#include "probe/tables.h"

namespace nvprobe::probe {
namespace {

std::string Runfile(const std::string& path) {
  const char* dir = std::getenv("TEST_SRCDIR");
  const char* ws = std::getenv("TEST_WORKSPACE");
  return std::string(dir ? dir : ".") + "/" + (ws ? ws : "nvprobe") + "/" + path;
}

// Every NVIDIA GPU in Debian's pci.ids named by a chip code is in the table with
// that chip (the generator also read a newer pci.ids, which may only add devices).
TEST(PciTableTest, CoversDebiansPciIds) {
  std::ifstream in(Runfile("external/debian/share/misc/pci.ids"));
  if (!in) in.open(std::string(std::getenv("TEST_SRCDIR")) + "/debian/share/misc/pci.ids");
  ASSERT_TRUE(in) << "pci.ids not in runfiles";
  std::regex dev(R"(^\t([0-9a-f]{4})\s+((GK|GM|GP|GV|TU|GA|GH|AD|GB)[0-9][0-9A-Z]{2})([A-Z]*)( \[.*\])?$)");
  std::string line;
  bool nvidia = false;
  int checked = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '\t' && line[0] != '#') nvidia = line.rfind("10de ", 0) == 0;
    std::smatch m;
    if (!nvidia || !std::regex_match(line, m, dev)) continue;
    uint16_t id = static_cast<uint16_t>(std::stoul(m[1].str(), nullptr, 16));
    const PciDevice* d = FindPciDevice(id);
    ASSERT_NE(d, nullptr) << line;
    EXPECT_EQ(std::string(d->chip).substr(0, 5), m[2].str()) << line;
    ++checked;
  }
  EXPECT_GT(checked, 500);
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
