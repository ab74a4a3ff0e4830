// NVIDIA's own closed-source nvidia-smi and libnvidia-ml (Debian's non-free
// packages, fetched by tools/bootstrap into @nvidia_userspace) on the machine model
// of every fleet machine, for each release Debian ships: what they show must be the
// machine description's values, and nvprobe must agree with NVML GPU by GPU.
// A missing NVIDIA userspace is a failure ("run tools/bootstrap"), never a skip.
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/nvidia/tool_checks.h"
#include "tests/util/subprocess.h"

namespace {

using ::nvprobe::testing::CommandResult;
using ::testing::HasSubstr;

// Fleet machines whose GPUs both releases support (the Blackwell machines
// hgx-b200-8x and rtx5090-1x postdate 535 and 550; scale-64x has more GPUs than
// NVML's card-info call carries).
const char* const kMachines[] = {"a100-pcie-1x", "a10g-4x",      "hgx-h100-8x",
                                 "l4-1x",        "rtx3090-gtx1080ti-desktop",
                                 "rtx4090-workstation", "t4-1x", "v100-sxm2-8x"};
const char* const kReleases[] = {"535.261.03", "550.163.01"};

using ::nvprobe::testing::Exists;
using ::nvprobe::testing::GpusOf;
using ::nvprobe::testing::Hex32;
using ::nvprobe::testing::Lines;
using ::nvprobe::testing::NvmlBusId;
using Gpu = ::nvprobe::testing::DescribedGpu;

std::string Dist(const std::string& release) { return ::nvprobe::testing::NvidiaDist(release); }

class NvidiaToolsTest : public ::testing::TestWithParam<std::tuple<const char*, const char*>> {
 protected:
  void SetUp() override {
    machine_ = std::get<0>(GetParam());
    release_ = std::get<1>(GetParam());
    const std::string dist = Dist(release_);
    ASSERT_TRUE(Exists(dist + "/bin/nvidia-smi") && Exists(dist + "/lib/libnvidia-ml.so.1"))
        << "NVIDIA's userspace " << release_ << " is missing at " << dist
        << ": run tools/bootstrap (it fetches nvidia-smi and libnvidia-ml from Debian)";
    // nvidia-smi finds libnvidia-ml through the loader; nvprobe finds nvidia-smi on PATH.
    setenv("LD_LIBRARY_PATH", (dist + "/lib").c_str(), 1);
    setenv("PATH", (dist + "/bin:/usr/bin:/bin").c_str(), 1);
    gpus_ = GpusOf(machine_);
  }

  // CMD on the model of this machine and release.
  CommandResult OnModel(std::vector<std::string> cmd, const std::string& machine = "") {
    std::vector<std::string> args = {"fake_driver/fakedrv", "run", "--machine",
                                     "traces/machines/" + (machine.empty() ? machine_ : machine) + ".json",
                                     "--driver", release_, "--"};
    args.insert(args.end(), cmd.begin(), cmd.end());
    return nvprobe::testing::RunCommand(args, /*timeout_s=*/120);
  }
  std::string Smi() const { return Dist(release_) + "/bin/nvidia-smi"; }

  std::string machine_, release_;
  std::vector<Gpu> gpus_;
};

TEST_P(NvidiaToolsTest, SmiListShowsEveryGpu) {
  CommandResult r = OnModel({Smi(), "-L"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  std::vector<std::string> want;
  for (size_t i = 0; i < gpus_.size(); ++i) {
    want.push_back("GPU " + std::to_string(i) + ": " + gpus_[i].name + " (UUID: " + gpus_[i].uuid + ")");
  }
  EXPECT_EQ(Lines(r.out), want) << r.err;
}

TEST_P(NvidiaToolsTest, SmiQueryGpuShowsTheDescription) {
  CommandResult r = OnModel({Smi(),
                             "--query-gpu=index,pci.bus_id,name,uuid,driver_version,memory.total,compute_cap",
                             "--format=csv,noheader,nounits"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  std::vector<std::string> want;
  for (size_t i = 0; i < gpus_.size(); ++i) {
    const Gpu& g = gpus_[i];
    want.push_back(std::to_string(i) + ", " + NvmlBusId(g.bus_id) + ", " + g.name + ", " + g.uuid +
                   ", " + release_ + ", " + std::to_string(g.memory_mib) + ", " + g.cc);
  }
  EXPECT_EQ(Lines(r.out), want) << r.err;
}

TEST_P(NvidiaToolsTest, SmiDashboardShowsEveryGpu) {
  CommandResult r = OnModel({Smi()});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("Driver Version: " + release_));
  for (const Gpu& g : gpus_) {
    EXPECT_THAT(r.out, HasSubstr(NvmlBusId(g.bus_id)));
    EXPECT_THAT(r.out, ::testing::ContainsRegex("MiB / +" + std::to_string(g.memory_mib) + "MiB"));
  }
}

TEST_P(NvidiaToolsTest, SmiQueryShowsTheDescription) {
  CommandResult r = OnModel({Smi(), "-q"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  ::nvprobe::testing::ExpectSmiQueryShows(r.out, gpus_, release_);
}

TEST_P(NvidiaToolsTest, NvmlClientShowsTheDescription) {
  CommandResult r = OnModel({"tests/nvidia/nvml_client"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  ::nvprobe::testing::ExpectNvmlClientShows(r.out, gpus_, release_);
}

// nvprobe's modes and its nvidia-smi source against NVML, GPU by GPU, on the same
// fake machine: each field a mode learns must be NVML's.
TEST_P(NvidiaToolsTest, NvprobeAgreesWithNvml) {
  CommandResult nv = OnModel({"tests/nvidia/nvml_client"});
  ASSERT_EQ(nv.status, 0) << nv.err;
  const nlohmann::json nvml = nlohmann::json::parse(nv.out);
  for (const std::vector<std::string>& mode :
       {std::vector<std::string>{}, {"--details"}, {"--full"}, {"--source=nvidia-smi"}}) {
    std::vector<std::string> cmd = {"probe/nvprobe", "--json"};
    cmd.insert(cmd.end(), mode.begin(), mode.end());
    CommandResult r = OnModel(cmd);
    const std::string m = mode.empty() ? "fast" : mode[0];
    ASSERT_EQ(r.status, 0) << m << ": " << r.out << r.err;
    const nlohmann::json p = nlohmann::json::parse(r.out);
    EXPECT_EQ(p["driver"]["version"], nvml["driver_version"]) << m;
    ASSERT_EQ(p["gpus"].size(), nvml["gpus"].size()) << m;
    for (size_t i = 0; i < p["gpus"].size(); ++i) {
      const nlohmann::json& a = p["gpus"][i];
      const nlohmann::json& b = nvml["gpus"][i];
      EXPECT_EQ(NvmlBusId(a["pci_bus_id"]), b["pci_bus_id"]) << m << " GPU " << i;
      EXPECT_EQ(a["compute_capability"], b["compute_capability"]) << m << " GPU " << i;
      // What a mode does not learn is null; what it learns must be NVML's.
      if (!a["name"].is_null()) {
        EXPECT_EQ(a["name"], b["name"]) << m << " GPU " << i;
      }
      if (!a["uuid"].is_null()) {
        EXPECT_EQ(a["uuid"], b["uuid"]) << m << " GPU " << i;
      }
      if (!a["memory_mib"].is_null()) {
        EXPECT_EQ(a["memory_mib"].get<uint64_t>() * 1024 * 1024, b["memory_total_bytes"]) << m << " GPU " << i;
      }
      if (!a["pci_device_id"].is_null()) {
        const uint32_t device = std::stoul(a["pci_device_id"].get<std::string>(), nullptr, 16);
        EXPECT_EQ(Hex32((device << 16) | 0x10de), b["pci_device_id"]) << m << " GPU " << i;
      }
      if (m != "fast") {
        EXPECT_FALSE(a["name"].is_null() || a["uuid"].is_null()) << m << " learns names and UUIDs";
      }
      if (m == "--full" || m == "--source=nvidia-smi") {
        EXPECT_FALSE(a["memory_mib"].is_null()) << m << " learns the memory size";
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fleet, NvidiaToolsTest,
                         ::testing::Combine(::testing::ValuesIn(kMachines), ::testing::ValuesIn(kReleases)),
                         [](const auto& info) {
                           std::string s = std::string(std::get<0>(info.param)) + "_" + std::get<1>(info.param);
                           for (char& c : s) if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return s;
                         });

// Faults of the description reach NVIDIA's tools as the driver's errors would.
class NvidiaToolsFaultTest : public ::testing::TestWithParam<const char*> {};

TEST_P(NvidiaToolsFaultTest, ControlNodeRefusedIsInsufficientPermissions) {
  const std::string release = GetParam();
  const std::string dist = Dist(release);
  ASSERT_TRUE(Exists(dist + "/lib/libnvidia-ml.so.1")) << "run tools/bootstrap";
  setenv("LD_LIBRARY_PATH", (dist + "/lib").c_str(), 1);
  auto run = [&](std::vector<std::string> cmd) {
    std::vector<std::string> args = {"fake_driver/fakedrv", "run", "--machine",
                                     "traces/machines/fault-ctl-eacces-a100.json", "--driver",
                                     release, "--"};
    args.insert(args.end(), cmd.begin(), cmd.end());
    return nvprobe::testing::RunCommand(args, 120);
  };
  CommandResult smi = run({dist + "/bin/nvidia-smi", "-L"});
  EXPECT_NE(smi.status, 0);
  EXPECT_THAT(smi.out + smi.err, HasSubstr("Failed to initialize NVML: Insufficient Permissions"));
  CommandResult nvml = run({"tests/nvidia/nvml_client"});
  EXPECT_EQ(nvml.status, 2) << nvml.out << nvml.err;
  EXPECT_THAT(nvml.err, HasSubstr("nvmlInit_v2: Insufficient Permissions"));
  // nvprobe: /dev/nvidiactl refused, the driver's files still answer (exit 0, source files).
  CommandResult p = run({"probe/nvprobe", "--json"});
  ASSERT_EQ(p.status, 0) << p.out << p.err;
  nlohmann::json j = nlohmann::json::parse(p.out);
  EXPECT_EQ(j["driver"]["source"], "files");
  EXPECT_EQ(j["driver"]["version"], release);
}

// A fault on a control only NVIDIA's tools use reaches them as the driver's status:
// with GID info refused, NVML has no UUID and nvidia-smi says N/A.
TEST_P(NvidiaToolsFaultTest, RefusedGidInfoIsUuidNotAvailable) {
  const std::string release = GetParam();
  const std::string dist = Dist(release);
  ASSERT_TRUE(Exists(dist + "/lib/libnvidia-ml.so.1")) << "run tools/bootstrap";
  setenv("LD_LIBRARY_PATH", (dist + "/lib").c_str(), 1);
  std::ifstream in("traces/machines/l4-1x.json");
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(in);
  j["faults"] = {{"control_status", {{"NV2080_CTRL_CMD_GPU_GET_GID_INFO", "NV_ERR_NOT_SUPPORTED"}}}};
  const std::string machine = nvprobe::testing::TmpDir() + "/l4-gid-refused.json";
  std::ofstream(machine) << j.dump();
  CommandResult r = nvprobe::testing::RunCommand(
      {"fake_driver/fakedrv", "run", "--machine", machine, "--driver", release, "--", dist + "/bin/nvidia-smi",
       "--query-gpu=name,uuid", "--format=csv,noheader"},
      120);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "NVIDIA L4, [N/A]\n");
}

INSTANTIATE_TEST_SUITE_P(Releases, NvidiaToolsFaultTest, ::testing::ValuesIn(kReleases),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& c : s) if (c == '.') c = '_';
                           return s;
                         });

}  // namespace
