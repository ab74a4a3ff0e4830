#include "tests/nvidia/tool_checks.h"

#include <sys/stat.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace nvprobe::testing {

std::string NvidiaDist(const std::string& release) {
  const char* d = std::getenv("TEST_SRCDIR");
  return std::string(d ? d : "..") + "/nvidia_userspace/dist/" + release;
}

bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

std::vector<DescribedGpu> GpusOf(const std::string& machine) {
  std::ifstream in("traces/machines/" + machine + ".json");
  nlohmann::json j = nlohmann::json::parse(in);
  std::vector<DescribedGpu> out;
  for (const auto& g : j["gpus"]) {
    DescribedGpu x;
    x.bus_id = g["pci_bus_id"];
    x.name = g["name"];
    x.uuid = g["uuid"];
    x.cc = g["compute_capability"];
    x.memory_mib = g["memory_mib"];
    x.device_id = std::stoul(g["device_id"].get<std::string>(), nullptr, 16);
    x.subsystem_id = std::stoul(g["subsystem_id"].get<std::string>(), nullptr, 16);
    out.push_back(x);
  }
  return out;
}

std::string NvmlBusId(const std::string& bus) {
  std::string s = "0000" + bus;
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

void ExpectSmiQueryShows(const std::string& out, const std::vector<DescribedGpu>& gpus,
                         const std::string& release) {
  using ::testing::ContainsRegex;
  EXPECT_THAT(out, ContainsRegex("Driver Version +: " + release));
  EXPECT_THAT(out, ContainsRegex("Attached GPUs +: " + std::to_string(gpus.size())));
  for (const DescribedGpu& g : gpus) {
    EXPECT_THAT(out, ContainsRegex("Product Name +: " + g.name));
    EXPECT_THAT(out, ContainsRegex("GPU UUID +: " + g.uuid));
    EXPECT_THAT(out, ContainsRegex("Bus Id +: " + NvmlBusId(g.bus_id)));
    EXPECT_THAT(out, ContainsRegex("Total +: " + std::to_string(g.memory_mib) + " MiB"));
  }
}

void ExpectNvmlClientShows(const std::string& out, const std::vector<DescribedGpu>& gpus,
                           const std::string& release) {
  nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << "not JSON: " << out;
  EXPECT_EQ(j["driver_version"], release);
  ASSERT_EQ(j["count"], gpus.size());
  for (size_t i = 0; i < gpus.size(); ++i) {
    const DescribedGpu& g = gpus[i];
    const nlohmann::json& n = j["gpus"][i];
    EXPECT_EQ(n["name"], g.name);
    EXPECT_EQ(n["uuid"], g.uuid);
    EXPECT_EQ(n["pci_bus_id"], NvmlBusId(g.bus_id));
    EXPECT_EQ(n["pci_device_id"], Hex32((g.device_id << 16) | 0x10de));
    EXPECT_EQ(n["pci_subsystem_id"], Hex32(g.subsystem_id));
    EXPECT_EQ(n["memory_total_bytes"], g.memory_mib * 1024 * 1024);
    EXPECT_EQ(n["compute_capability"], g.cc);
  }
}

}  // namespace nvprobe::testing
