// The machine model under `fakedrv run --machine`: RM clients belong to the open
// file of /dev/nvidiactl they were allocated on, not to its fd number
// (open_file_client.c; fake_driver/supervisor/open_device_files.h), and the
// model's "not supported" lines stay off the command's stderr unless asked for.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/util/subprocess.h"

namespace {

using ::nvprobe::testing::CommandResult;
using ::nvprobe::testing::RunCommand;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kFakedrv[] = "fake_driver/fakedrv";
constexpr char kClient[] = "tests/fake_driver/open_file_client";
constexpr char kMachine[] = "traces/machines/l4-1x.json";
constexpr char kDriver[] = "580.95.05";

CommandResult Client(const std::string& scenario, const std::vector<std::string>& flags = {}) {
  std::vector<std::string> args = {kFakedrv, "run", "--machine", kMachine, "--driver", kDriver};
  args.insert(args.end(), flags.begin(), flags.end());
  args.insert(args.end(), {"--", kClient, scenario});
  return RunCommand(args, 120);
}

void ExpectAllHeld(const CommandResult& r) {
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("FAILED"))) << r.out;
  EXPECT_THAT(r.err, Not(HasSubstr("fakedrv: run:"))) << r.err;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(OpenFileModelTest, AnotherProcessWithTheSameFdNumberCannotUseOrFreeAClient) {
  CommandResult r = Client("samefd");
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("other process: its own open: same fd number\n"));
  EXPECT_THAT(r.out, HasSubstr("other process, same fd number: control on the client: NV_ERR_INVALID_CLIENT\n"));
  EXPECT_THAT(r.out, HasSubstr("other process, same fd number: free of the client: NV_ERR_INVALID_CLIENT\n"));
  EXPECT_THAT(r.out, HasSubstr("owner after: control on its client: NV_OK\n"));
}

TEST(OpenFileModelTest, DupsForksAndScmRightsCopiesAreTheSameOpenFile) {
  CommandResult r = Client("dups");
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("fstat and /proc/self/fd stat: the device node\n"));
  EXPECT_THAT(r.out, HasSubstr("dup(): control: NV_OK\n"));
  EXPECT_THAT(r.out, HasSubstr("F_DUPFD: control: NV_OK\n"));
  EXPECT_THAT(r.out, HasSubstr("SCM_RIGHTS copy: control: NV_OK\n"));
  EXPECT_THAT(r.out, HasSubstr("forked child, inherited fd: control: NV_OK\n"));
  EXPECT_THAT(r.out, HasSubstr("SCM_RIGHTS copy after the original's close: control: NV_OK\n"));
  EXPECT_THAT(r.out, HasSubstr("dup(): free: NV_OK\n"));
}

TEST(OpenFileModelTest, ClientsAreFreedOnTheFilesLastCloseHoweverItComes) {
  CommandResult r = Client("lastclose", {"--verbose"});
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("one of two copies closed: control on the other: NV_OK\n"));
  EXPECT_THAT(r.out, HasSubstr("one of two copies closed: its handle still taken: NV_ERR_INSERT_DUPLICATE_NAME\n"));
  for (const char* how : {"close of the last copy", "the owner's exit", "dup2() over the last copy",
                          "close_range()"}) {
    EXPECT_THAT(r.out, HasSubstr(std::string("after ") + how +
                                 ": control on the client from a new open: NV_ERR_INVALID_CLIENT\n"));
    EXPECT_THAT(r.out, HasSubstr(std::string("after ") + how + ": its handle allocated again: NV_OK\n"));
  }
  EXPECT_THAT(r.err, HasSubstr("closed: freed 1 client(s) <- nv.c:nvidia_close()"));
}

// Item 9 of issue 21: the model's "not supported" lines interleaved with the
// command's own stderr (nvidia-smi's table, gpustat's JSON).
constexpr char kLine[] = "fakedrv: model: not supported, pid ";
constexpr char kUnnamed[] = ": cmd 0x127 (paramsSize 4) on 0x";

TEST(OpenFileModelTest, NotSupportedLinesAreCountedUnlessVerboseOrLogged) {
  CommandResult r = Client("unsupported");
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("cmd 0x127: NV_ERR_NOT_SUPPORTED\n"));
  EXPECT_THAT(r.err, Not(HasSubstr(kLine))) << r.err;
  EXPECT_THAT(r.err, HasSubstr("fakedrv: model: 1 request(s) answered as not supported "
                               "(--verbose or --log FILE lists them)\n"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(OpenFileModelTest, VerboseListsEachNotSupportedRequestOnceByNumber) {
  CommandResult r = Client("unsupported", {"--verbose"});
  ExpectAllHeld(r);
  EXPECT_THAT(r.err, HasSubstr(kLine));
  EXPECT_THAT(r.err, HasSubstr(kUnnamed));
  EXPECT_THAT(r.err, Not(HasSubstr("cmd 0x127 (0x127"))) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("answered as not supported"))) << r.err;
}

TEST(OpenFileModelTest, LogListsEachNotSupportedRequestAndStderrStaysClean) {
  const std::string log = nvprobe::testing::TmpDir() + "/unsupported.log";
  CommandResult r = Client("unsupported", {"--log", log});
  ExpectAllHeld(r);
  EXPECT_EQ(r.err, "");
  const std::string logged = Slurp(log);
  EXPECT_THAT(logged, HasSubstr(kLine));
  EXPECT_THAT(logged, HasSubstr(kUnnamed));
  EXPECT_THAT(logged, Not(HasSubstr("answered as not supported"))) << logged;
}

TEST(OpenFileModelTest, StrictStillCountsWhatWasNotListed) {
  CommandResult r = Client("unsupported", {"--strict"});
  EXPECT_EQ(r.status, 120) << r.out << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr(kLine))) << r.err;
  EXPECT_THAT(r.err, HasSubstr("fakedrv: --strict: 1 request(s) had no handler in the model\n"));
}

}  // namespace
