// A faithful recording of the machine model: NVIDIA's NVML (our NVML client, both
// releases) on a 4-GPU model, recorded by `fakedrv record` (ptrace, as on a real
// machine), then `fakedrv diff` against the same description. Every event must be
// identical: NVML allocates NV01_DEVICE_0 with paramsSize 0 and the deviceId in
// its params, which the RM reads anyway (arg_buffer.h, AllocParamsLength); a
// recorder that dropped them made the model answer every device as GPU 0 (another
// GPU's UUID in the diff).
#include <cctype>
#include <cstdlib>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/nvidia/tool_checks.h"
#include "tests/util/subprocess.h"

namespace nvprobe::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kFakedrv[] = "fake_driver/fakedrv";
constexpr char kMachine[] = "traces/machines/a10g-4x.json";

class ModelRecordingTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ModelRecordingTest, RecordedNvmlOnTheModelDiffsToNothing) {
  const std::string release = GetParam();
  const std::string dist = NvidiaDist(release);
  ASSERT_TRUE(Exists(dist + "/lib/libnvidia-ml.so.1"))
      << "NVIDIA's userspace " << release << " is missing at " << dist << ": run tools/bootstrap";
  setenv("LD_LIBRARY_PATH", (dist + "/lib").c_str(), 1);
  const std::string trace = TmpDir() + "/nvml-" + release + ".trace.jsonl";
  CommandResult rec = RunCommand({kFakedrv, "run", "--machine", kMachine, "--driver", release, "--",
                                  kFakedrv, "record", "-o", trace, "--", "tests/nvidia/nvml_client"},
                                 /*timeout_s=*/120,
                                 // LeakSanitizer cannot run in a traced process (it uses
                                 // ptrace itself): the ASan-built client runs without it.
                                 {.no_leak_check = true});
  ASSERT_EQ(rec.status, 0) << rec.err;
  ExpectNvmlClientShows(rec.out, GpusOf("a10g-4x"), release);
  // The device allocations carry their params (deviceId 0..3).
  const std::string text = ReadFileOrEmpty(trace);
  EXPECT_THAT(text, HasSubstr("\"struct\":\"NV0080_ALLOC_PARAMETERS\""));
  CommandResult diff = RunCommand({kFakedrv, "diff", "--machine", kMachine, trace}, 60);
  EXPECT_EQ(diff.status, 0) << diff.out << diff.err;
  EXPECT_THAT(diff.out, HasSubstr(", differing: 0 (")) << diff.out;
}

INSTANTIATE_TEST_SUITE_P(Releases, ModelRecordingTest, ::testing::Values("535.261.03", "550.163.01"),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& c : s) if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return s;
                         });

}  // namespace
}  // namespace nvprobe::testing
