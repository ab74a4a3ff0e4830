// The hostile client (hostile_client.c) against the machine model instead of a
// trace: bad pointers, lying sizes, guard pages, threads, processes, a fork bomb,
// fds closed mid-call and XFER loops must neither crash nor hang the supervisor,
// and every answer must land exactly in the caller's own buffers.
#include <fstream>
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
using ::testing::Not;

constexpr char kFakedrv[] = "fake_driver/fakedrv";
constexpr char kClient[] = "tests/fake_driver/hostile_client";
constexpr char kMachine8[] = "traces/machines/hgx-h100-8x.json";
// The client's single-GPU scenarios check an H100 (sm 0x900) and one card.
constexpr char kDriver[] = "580.95.05";

std::string OneGpuH100() {
  std::ifstream in(kMachine8);
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(in);
  j["gpus"] = nlohmann::ordered_json::array({j["gpus"][0]});
  const std::string path = nvprobe::testing::TmpDir() + "/h100-1x.json";
  std::ofstream(path) << j.dump();
  return path;
}

CommandResult Hostile(const std::string& machine, const std::vector<std::string>& scenario,
                      int timeout_s = 300) {
  std::vector<std::string> args = {kFakedrv, "run", "--machine", machine, "--driver", kDriver, "--", kClient};
  args.insert(args.end(), scenario.begin(), scenario.end());
  return RunCommand(args, timeout_s);
}

void ExpectAllHeld(const CommandResult& r) {
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("FAILED"))) << r.out;
  EXPECT_THAT(r.err, Not(HasSubstr("fakedrv: run:"))) << r.err;
}

TEST(HostileModelTest, UnmappedAndReadOnlyPointersGiveEfault) {
  CommandResult r = Hostile(OneGpuH100(), {"badpointers"});
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("params unmapped: EFAULT\n"));
  EXPECT_THAT(r.out, HasSubstr("good control after faults: sm 0x900\n"));
}

TEST(HostileModelTest, SizesLargerThanTheBuffersWriteNothing) {
  CommandResult r = Hostile(OneGpuH100(), {"oversize"});
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("list after oversize: untouched\n"));
}

TEST(HostileModelTest, AnswersLandExactlyInTheClientsBuffers) {
  CommandResult r = Hostile(OneGpuH100(), {"guard"});
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("control GPU_GET_INFO (guard at end): sm 0x900\n"));
  EXPECT_THAT(r.out, HasSubstr("control GPU_GET_INFO (guard at start): sm 0x900\n"));
}

TEST(HostileModelTest, SixtyFourThreadsEachGetTheirOwnAnswers) {
  CommandResult r = Hostile(kMachine8, {"threads", "64", "3"});
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("threads: 64 threads x 3 rounds, 0 wrong answers\n"));
  EXPECT_THAT(r.out, HasSubstr("root clients: distinct\n"));
}

TEST(HostileModelTest, InterleavedProcessesEachGetTheirOwnAnswers) {
  CommandResult r = Hostile(kMachine8, {"procs", "16", "3"});
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("processes: 16 of 16 processes x 3 rounds, 0 wrong answers, 0 bad exits\n"));
}

TEST(HostileModelTest, BoundedForkBomb) {
  CommandResult r = Hostile(OneGpuH100(), {"forkbomb", "4", "3"});
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("fork bomb: 121 processes, 0 wrong\n"));
}

TEST(HostileModelTest, FdsClosedOrReplacedWhileACallIsInFlight) {
  CommandResult r = Hostile(OneGpuH100(), {"closerace", "20000"});
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr(" 0 other, 0 torn\n"));
}

TEST(HostileModelTest, XferLoopsAreRefused) {
  CommandResult r = Hostile(OneGpuH100(), {"xferloop"});
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("xfer pointing at itself: EINVAL\n"));
  EXPECT_THAT(r.out, HasSubstr("version after: answers\n"));
}

TEST(HostileModelTest, AHundredThousandIoctls) {
  CommandResult r = Hostile(OneGpuH100(), {"million", "100000"});
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("calls: 100000 calls, 0 wrong\n"));
}

}  // namespace
