// Recordings of a real machine (traces/recorded/580.159.04/h100-80gb-vm-1x/, see its
// README.md): every trace loads; nvprobe replays its own recordings to exactly what
// it printed on that machine, which agrees with what nvidia-smi printed there; and
// the machine model of the same machine (traces/machines/h100-80gb-vm-1x.json) at
// the same release answers nvprobe --full with the same GPU.
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/util/subprocess.h"

namespace {

using ::nvprobe::testing::CommandResult;
using ::nvprobe::testing::RunCommand;
using ::testing::HasSubstr;

constexpr char kFakedrv[] = "fake_driver/fakedrv";
constexpr char kNvprobe[] = "probe/nvprobe";
constexpr char kDir[] = "traces/recorded/580.159.04/h100-80gb-vm-1x/";
constexpr char kMachine[] = "traces/machines/h100-80gb-vm-1x.json";
constexpr char kDriver[] = "580.159.04";
// The UUID `fakedrv record --anonymize` gave the GPU.
constexpr char kUuid[] = "GPU-face0000-0000-4000-8000-000000000001";

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// nvprobe's answer without what differs from run to run (sources' elapsed_us).
nlohmann::json WithoutTimings(nlohmann::json j) {
  for (nlohmann::json& s : j["sources_tried"]) s.erase("elapsed_us");
  return j;
}

// nvidia-smi --format=csv --query-gpu=... as printed on the machine: one map per GPU
// row, keyed by the header's names ("memory.total [MiB]" as "memory.total").
std::vector<std::map<std::string, std::string>> ReadSmiCsv(const std::string& path) {
  auto split = [](const std::string& line) {
    std::vector<std::string> cells;
    std::stringstream s(line);
    for (std::string c; std::getline(s, c, ',');) {
      const size_t b = c.find_first_not_of(' ');
      cells.push_back(b == std::string::npos ? "" : c.substr(b));
    }
    return cells;
  };
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header = split(line);
  for (std::string& h : header) h = h.substr(0, h.find(' '));
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> cells = split(line);
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(row);
  }
  return rows;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// (a) Every recording loads and validates against its release's ABI.
class RecordedTraceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RecordedTraceTest, LoadsAndValidates) {
  const std::string trace = kDir + GetParam() + ".trace.jsonl";
  CommandResult r = RunCommand({kFakedrv, "show", trace}, 60);
  ASSERT_EQ(r.status, 0) << trace << ": " << r.err;
  // The anonymized recording: its header says so and the real UUID is gone.
  const std::string text = Slurp(trace);
  const std::string header = text.substr(0, text.find('\n'));
  const nlohmann::json h = nlohmann::json::parse(header);
  EXPECT_EQ(h["machine"]["recorded"]["driver_reported"], kDriver);
  EXPECT_EQ(h["machine"]["recorded"]["anonymized"], true);
  EXPECT_THAT(r.out, HasSubstr("NV_ESC_CHECK_VERSION_STR"));
}

INSTANTIATE_TEST_SUITE_P(H100Vm, RecordedTraceTest,
                         ::testing::Values("nvprobe-fast", "nvprobe-details", "nvprobe-full",
                                           "nvidia-smi-q", "nvidia-smi-L", "nvidia-smi-query-driver",
                                           "nvml-client-full", "nvml-client-installer"));

// (b) nvprobe's recordings replay, strictly, to what nvprobe printed on the machine.
struct Mode {
  std::string name;
  std::vector<std::string> flags;
};
void PrintTo(const Mode& m, std::ostream* os) { *os << m.name; }

class NvprobeReplayTest : public ::testing::TestWithParam<Mode> {};

TEST_P(NvprobeReplayTest, AnswersWhatItAnsweredOnTheMachine) {
  const Mode& m = GetParam();
  std::vector<std::string> args = {kFakedrv, "run", "--strict", "--trace",
                                   kDir + ("nvprobe-" + m.name) + ".trace.jsonl", "--", kNvprobe};
  args.insert(args.end(), m.flags.begin(), m.flags.end());
  args.push_back("--json");
  CommandResult r = RunCommand(args, 60);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const nlohmann::json got = WithoutTimings(nlohmann::json::parse(r.out));
  const nlohmann::json want = nlohmann::json::parse(Slurp(kDir + ("nvprobe-" + m.name) + ".expected.json"));
  EXPECT_EQ(got, want) << "got " << got.dump(2) << "\nwant " << want.dump(2);
}

TEST_P(NvprobeReplayTest, ExpectedAnswerAgreesWithNvidiaSmiOnTheMachine) {
  const nlohmann::json want =
      nlohmann::json::parse(Slurp(kDir + ("nvprobe-" + GetParam().name) + ".expected.json"));
  const auto smi = ReadSmiCsv(std::string(kDir) + "nvidia-smi-query.expected.csv");
  ASSERT_EQ(smi.size(), 1u);
  ASSERT_EQ(want["gpus"].size(), smi.size());
  const auto& row = smi[0];
  const nlohmann::json& g = want["gpus"][0];
  EXPECT_EQ(want["driver"]["version"], row.at("driver_version"));
  // nvidia-smi writes an 8-digit domain (00000000:00:06.0), nvprobe sysfs' 4.
  EXPECT_EQ("0000" + g["pci_bus_id"].get<std::string>(), row.at("pci.bus_id"));
  EXPECT_EQ(Lower(row.at("pci.device_id")),
            g["pci_device_id"].get<std::string>() + g["pci_vendor_id"].get<std::string>().substr(2));
  EXPECT_EQ(row.at("uuid"), kUuid);
  EXPECT_EQ(row.at("compute_cap"), g["compute_capability"]);
  // What a mode learns equals nvidia-smi's; what it does not learn is null
  // (probe/README.md: the fast path learns no subsystem, name or UUID, only --full
  // learns memory).
  const bool details = GetParam().name != "fast", full = GetParam().name == "full";
  auto learned = [](bool in_mode, const std::string& value) {
    return in_mode ? nlohmann::json(value) : nlohmann::json(nullptr);
  };
  EXPECT_EQ(g["pci_subsystem_id"], learned(details, Lower(row.at("pci.sub_device_id"))));
  EXPECT_EQ(g["name"], learned(details, row.at("name")));
  EXPECT_EQ(g["uuid"], learned(details, row.at("uuid")));
  EXPECT_EQ(g["memory_mib"].dump(), full ? row.at("memory.total").substr(0, row.at("memory.total").find(' '))
                                         : "null");
}

INSTANTIATE_TEST_SUITE_P(H100Vm, NvprobeReplayTest,
                         ::testing::Values(Mode{"fast", {}}, Mode{"details", {"--details"}},
                                           Mode{"full", {"--full"}}),
                         [](const auto& info) { return info.param.name; });

// (c) The machine model of the recorded machine answers as the machine did.
TEST(RecordedModelTest, ModelAnswersFullLikeTheRecording) {
  CommandResult r = RunCommand({kFakedrv, "run", "--strict", "--machine", kMachine, "--driver", kDriver, "--",
                                kNvprobe, "--full", "--json"},
                               60);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const nlohmann::json got = nlohmann::json::parse(r.out);
  const nlohmann::json want = nlohmann::json::parse(Slurp(std::string(kDir) + "nvprobe-full.expected.json"));
  EXPECT_EQ(got["driver"], want["driver"]);
  ASSERT_EQ(got["gpus"].size(), 1u);
  EXPECT_EQ(got["gpus"], want["gpus"]) << "got " << got["gpus"].dump(2) << "\nwant " << want["gpus"].dump(2);
  EXPECT_EQ(got["gpus"][0]["uuid"], kUuid);
}

// The model against the real driver, request by request (`fakedrv diff`): what
// still differs on nvprobe's full path is exactly this, so a model change that
// drifts from the real driver fails here, and one that closes a gap must say so by
// shrinking the list. Card info's IRQ and BAR addresses and MC_GET_ARCH_INFO's
// subRevision are properties of the board and its slot that machine descriptions
// do not carry (nvprobe reads none of them).
TEST(RecordedModelTest, ModelDiffersFromTheRecordingOnlyWhereKnown) {
  CommandResult r = RunCommand({kFakedrv, "diff", "--machine", kMachine, std::string(kDir) + "nvprobe-full.trace.jsonl"}, 60);
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  std::vector<std::string> lines;
  std::istringstream in(r.out);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l[0] == '#' && l[1] != ' ') lines.push_back(l);
  }
  EXPECT_THAT(lines, ::testing::ElementsAre(
                         "#2 NV_ESC_CARD_INFO: nv_ioctl_card_info_t[0].interrupt_line: 0x0 != 0x29",
                         "#2 NV_ESC_CARD_INFO: nv_ioctl_card_info_t[0].reg_address: 0x0 != 0x102002000000",
                         "#2 NV_ESC_CARD_INFO: nv_ioctl_card_info_t[0].reg_size: 0x0 != 0x1000000",
                         "#2 NV_ESC_CARD_INFO: nv_ioctl_card_info_t[0].fb_address: 0x0 != 0x100000000000",
                         "#2 NV_ESC_CARD_INFO: nv_ioctl_card_info_t[0].fb_size: 0x0 != 0x2000000000",
                         "#8 NV2080_CTRL_CMD_MC_GET_ARCH_INFO: NV2080_CTRL_MC_GET_ARCH_INFO_PARAMS.subRevision: 0x0 != 0x3"))
      << r.out;
  EXPECT_THAT(r.out, ::testing::HasSubstr("events compared: 15, identical: 13, differing: 2 "));
}

// The NVML client's recording (what an installer's NVML calls ask): the IDs,
// flags and modes NVML reads agree with the real driver's (sliStatus, in-use flag,
// pass-through); what is left is listed.
TEST(RecordedModelTest, NvmlInstallerCallsDifferOnlyWhereKnown) {
  CommandResult r = RunCommand(
      {kFakedrv, "diff", "--machine", kMachine, std::string(kDir) + "nvml-client-installer.trace.jsonl"}, 60);
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_THAT(r.out, ::testing::Not(::testing::HasSubstr("sliStatus")));
  EXPECT_THAT(r.out, ::testing::Not(::testing::HasSubstr("gpuFlags")));
  EXPECT_THAT(r.out, ::testing::Not(::testing::HasSubstr("virtualizationMode")));
}

// The H200 recorded the same way (traces/recorded/580.159.04/h200-vm-1x): its
// traces load, nvprobe replays to what nvidia-smi said on that machine, and the
// model differs from it only where it does on the H100.
constexpr char kH200Dir[] = "traces/recorded/580.159.04/h200-vm-1x/";
constexpr char kH200Machine[] = "traces/machines/h200-vm-1x.json";

TEST(RecordedH200Test, TracesLoad) {
  for (const char* t : {"nvprobe-fast", "nvprobe-details", "nvprobe-full", "nvidia-smi-q", "nvidia-smi-L",
                        "nvidia-smi-query-driver", "nvml-client-full", "nvml-client-installer"}) {
    CommandResult r = RunCommand({kFakedrv, "show", std::string(kH200Dir) + t + ".trace.jsonl"}, 60);
    EXPECT_EQ(r.status, 0) << t << ": " << r.err;
  }
}

TEST(RecordedH200Test, NvprobeReplaysToWhatNvidiaSmiSaidThere) {
  CommandResult r = RunCommand({kFakedrv, "run", "--strict", "--trace", std::string(kH200Dir) + "nvprobe-full.trace.jsonl",
                                "--", kNvprobe, "--full", "--json"},
                               60);
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["driver"]["version"], "580.159.04");
  EXPECT_EQ(j["driver"]["cuda"], "13.0");
  ASSERT_EQ(j["gpus"].size(), 1u);
  const nlohmann::json& g = j["gpus"][0];
  // nvidia-smi --query-gpu on the machine: NVIDIA H200, 00000000:00:06.0,
  // 143771 MiB, 9.0, 0x233510DE, 0x18BF10DE (UUID anonymized in the trace).
  EXPECT_EQ(g["name"], "NVIDIA H200");
  EXPECT_EQ(g["pci_bus_id"], "0000:00:06.0");
  EXPECT_EQ(g["memory_mib"], 143771);
  EXPECT_EQ(g["compute_capability"], "9.0");
  EXPECT_EQ(g["pci_device_id"], "0x2335");
  EXPECT_EQ(g["pci_subsystem_id"], "0x18bf10de");
  EXPECT_EQ(g["uuid"], kUuid);
}

TEST(RecordedH200Test, ModelDiffersOnlyWhereKnown) {
  CommandResult r = RunCommand({kFakedrv, "diff", "--machine", kH200Machine, std::string(kH200Dir) + "nvprobe-full.trace.jsonl"}, 60);
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_THAT(r.out, ::testing::HasSubstr("events compared: 15, identical: 13, differing: 2 "));
  EXPECT_THAT(r.out, ::testing::HasSubstr("nv_ioctl_card_info_t[0].fb_size: 0x0 != 0x4000000000"));
  EXPECT_THAT(r.out, ::testing::HasSubstr("NV2080_CTRL_MC_GET_ARCH_INFO_PARAMS.subRevision: 0x0 != 0x3"));
}

}  // namespace
