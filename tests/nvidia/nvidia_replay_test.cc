// NVIDIA's own traffic replayed exactly: the corpus's traces of nvidia-smi -q and
// the NVML client (traces/nvidia/, recorded on the machine model by `fakedrv synth
// -- TOOL`) replayed with `fakedrv run --strict`, running the same unmodified
// NVIDIA binaries: every request must find its recorded answer, and the tools must
// show the machine description's values. A missing NVIDIA userspace is a failure.
#include <sys/stat.h>

#include <cctype>
#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "tests/nvidia/tool_checks.h"
#include "tests/util/subprocess.h"

namespace nvprobe::testing {
namespace {

// traces/corpus.bzl NVIDIA_TOOL_MACHINES x NVIDIA_TOOL_RELEASES (a trace the
// corpus lacks fails its test: the list must follow corpus.bzl).
const char* const kMachines[] = {"a100-pcie-1x", "l4-1x", "t4-1x",
                                 "rtx3090-gtx1080ti-desktop", "a10g-4x", "hgx-h100-8x"};
// Zeroed params are zero runs in trace format 2: the 8-GPU nvidia-smi -q trace is
// about 220 KB (4 MB in format 1).
constexpr off_t kMaxTraceBytes = 512 * 1024;
const char* const kReleases[] = {"535.261.03", "550.163.01"};

class NvidiaReplayTest : public ::testing::TestWithParam<std::tuple<const char*, const char*>> {
 protected:
  void SetUp() override {
    machine_ = std::get<0>(GetParam());
    release_ = std::get<1>(GetParam());
    dist_ = NvidiaDist(release_);
    ASSERT_TRUE(Exists(dist_ + "/bin/nvidia-smi") && Exists(dist_ + "/lib/libnvidia-ml.so.1"))
        << "NVIDIA's userspace " << release_ << " is missing at " << dist_
        << ": run tools/bootstrap (it fetches nvidia-smi and libnvidia-ml from Debian)";
    setenv("LD_LIBRARY_PATH", (dist_ + "/lib").c_str(), 1);
  }

  // CMD under strict replay of the corpus's trace of `tool`.
  CommandResult Replay(const std::string& tool, std::vector<std::string> cmd) {
    const std::string trace = "traces/nvidia/" + release_ + "/" + machine_ + "." + tool + ".trace.jsonl";
    EXPECT_TRUE(Exists(trace)) << trace << " is not in the corpus (traces/corpus.bzl)";
    struct stat st;
    if (stat(trace.c_str(), &st) == 0) {
      EXPECT_LE(st.st_size, kMaxTraceBytes) << trace << " is too large for the corpus";
    }
    std::vector<std::string> args = {"fake_driver/fakedrv", "run", "--strict", "--trace", trace, "--"};
    args.insert(args.end(), cmd.begin(), cmd.end());
    return RunCommand(args, /*timeout_s=*/120);
  }

  std::string machine_, release_, dist_;
};

TEST_P(NvidiaReplayTest, SmiQueryReplaysStrictly) {
  CommandResult r = Replay("nvidia-smi-q", {dist_ + "/bin/nvidia-smi", "-q"});
  ASSERT_EQ(r.status, 0) << "exit " << r.status << " (120: a request had no recorded answer)\n"
                         << r.err;
  ExpectSmiQueryShows(r.out, GpusOf(machine_), release_);
}

TEST_P(NvidiaReplayTest, NvmlClientReplaysStrictly) {
  CommandResult r = Replay("nvml-client", {"tests/nvidia/nvml_client"});
  ASSERT_EQ(r.status, 0) << "exit " << r.status << " (120: a request had no recorded answer)\n"
                         << r.err;
  ExpectNvmlClientShows(r.out, GpusOf(machine_), release_);
}

// A request the trace lacks is not answered from it: nvidia-smi -L was not
// recorded, and asks what -q did not (or in another order, which replay allows) -
// whatever it asks beyond, --strict must fail rather than invent an answer.
TEST_P(NvidiaReplayTest, ToolNotRecordedIsNotServedUnderStrict) {
  CommandResult r = Replay("nvml-client", {dist_ + "/bin/nvidia-smi", "-q"});
  EXPECT_EQ(r.status, 120) << "nvidia-smi -q replayed strictly from the NVML client's trace:\n" << r.err;
}

INSTANTIATE_TEST_SUITE_P(Corpus, NvidiaReplayTest,
                         ::testing::Combine(::testing::ValuesIn(kMachines), ::testing::ValuesIn(kReleases)),
                         [](const auto& info) {
                           std::string s = std::string(std::get<0>(info.param)) + "_" + std::get<1>(info.param);
                           for (char& c : s) if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return s;
                         });

}  // namespace
}  // namespace nvprobe::testing
