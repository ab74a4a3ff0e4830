// Runs the shipped nvprobe binary under `fakedrv run --strict` against a trace of an
// H100 machine on driver 580.95.05 and checks the answer of the fast path: every
// request the probe makes must be answered by the trace (--strict), and the JSON
// must carry what the trace's machine is.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

struct Result {
  int status = -1;
  std::string out;
};

Result RunShell(const std::string& cmd) {
  Result r;
  // Bounded: a hung supervisor must not hang the suite.
  FILE* p = popen(("timeout 60 " + cmd + " </dev/null").c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 65536> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

const char kUnderFake[] =
    "fake_driver/fakedrv run --strict --trace tests/fake_driver/testdata/h100.trace.jsonl -- "
    "probe/nvprobe ";

TEST(NvprobeUnderFakedrvTest, FastPathJson) {
  Result r = RunShell(std::string(kUnderFake) + "--json");
  ASSERT_EQ(r.status, 0) << r.out;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema"], "nvprobe/1");
  EXPECT_EQ(j["driver"]["version"], "580.95.05");
  EXPECT_EQ(j["driver"]["source"], "ioctl");
  EXPECT_EQ(j["driver"]["cuda"], "13.0");
  ASSERT_EQ(j["gpus"].size(), 1u);
  const nlohmann::json& g = j["gpus"][0];
  EXPECT_EQ(g["pci_bus_id"], "0000:3b:00.0");
  EXPECT_EQ(g["pci_device_id"], "0x2330");
  EXPECT_EQ(g["compute_capability"], "9.0");
  EXPECT_EQ(g["architecture"], "Hopper");
  EXPECT_EQ(g["minor"], 0);
  EXPECT_TRUE(j["warnings"].empty()) << j["warnings"];
}

TEST(NvprobeUnderFakedrvTest, QueryGpuCsv) {
  Result r = RunShell(std::string(kUnderFake) +
                 "--query-gpu=driver_version,pci.bus_id,compute_cap --format=csv,noheader");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "580.95.05, 00000000:3B:00.0, 9.0\n");
}

}  // namespace
