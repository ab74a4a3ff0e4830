// `fakedrv run` end to end: the real supervisor serving the test clients (static
// and dynamic) from tests/fake_driver/testdata/h100.trace.jsonl. Every run is
// bounded by a deadline; nothing touches a real /dev/nvidia*.
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/util/subprocess.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kFakedrv[] = "fake_driver/fakedrv";
constexpr char kStatic[] = "tests/fake_driver/nv_client_static";
constexpr char kDynamic[] = "tests/fake_driver/nv_client_dynamic";
constexpr char kTrace[] = "tests/fake_driver/testdata/h100.trace.jsonl";
constexpr int kTimeoutS = 30;

using nvprobe::testing::Spawn;
using nvprobe::testing::Spawned;
using nvprobe::testing::TmpDir;
using Result = nvprobe::testing::CommandResult;

std::string Slurp(const std::string& path) { return nvprobe::testing::ReadFileOrEmpty(path); }

Result Wait(const Spawned& s, int timeout_s = kTimeoutS) {
  return nvprobe::testing::Wait(s, timeout_s);
}

Result RunCmd(std::vector<std::string> args) { return Wait(Spawn(args)); }

Result Client(const std::string& client, const std::string& mode, bool strict = false) {
  std::vector<std::string> args = {kFakedrv, "run", "--trace", kTrace};
  if (strict) args.push_back("--strict");
  args.insert(args.end(), {"--", client, mode});
  return RunCmd(args);
}

TEST(FakedrvRunTest, StaticClientPrintsTheTracesDriverVersion) {
  Result r = Client(kStatic, "version");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "driver version: 580.95.05\n");
  EXPECT_EQ(r.err, "");
}

TEST(FakedrvRunTest, DynamicClientToo) {
  Result r = Client(kDynamic, "version");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "driver version: 580.95.05\n");
}

TEST(FakedrvRunTest, CardInfo) {
  Result r = Client(kStatic, "cardinfo");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "gpu 0000:3b:00.0 10de:2330 minor 0\n");
}

TEST(FakedrvRunTest, RmAllocControlFreeWithRemappedHandles) {
  Result r = Client(kStatic, "rm");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("client 0xcf000001\n"));  // assigned by the replay
  EXPECT_THAT(r.out, HasSubstr("device 0xabc00001 subdevice 0xabc00002 (handles kept)"));
  EXPECT_THAT(r.out, HasSubstr("sm version 0x900 (params pointer kept)"));
  EXPECT_THAT(r.out, HasSubstr("wrong params size status 0x3a"));
  EXPECT_THAT(r.out, HasSubstr("unsupported control status 0x56"));
  EXPECT_THAT(r.out, HasSubstr("freed"));
  // One diagnostic line each: the rule's answer, the unsupported control.
  EXPECT_THAT(r.err, HasSubstr("answered by the release's rule"));
  EXPECT_THAT(r.err, HasSubstr("NV_ERR_INVALID_PARAM_STRUCT"));
  EXPECT_THAT(r.err, HasSubstr("unmatched request"));
  EXPECT_THAT(r.err, HasSubstr("NV2080_CTRL_CMD_GPU_GET_SHORT_NAME_STRING"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 2) << r.err;
}

TEST(FakedrvRunTest, StrictMakesUnmatchedRequestsADistinctExitStatus) {
  Result r = Client(kStatic, "rm", /*strict=*/true);
  EXPECT_EQ(r.status, 120) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--strict: 1 request(s) had no recorded answer"));
  EXPECT_EQ(Client(kStatic, "version", true).status, 0);
}

TEST(FakedrvRunTest, LogFileTakesDiagnostics) {
  std::string log = TmpDir() + "/diag.log";
  Result r = RunCmd({kFakedrv, "run", "--trace", kTrace, "--log", log, "--", kStatic, "rm"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(Slurp(log), HasSubstr("unmatched request"));
}

TEST(FakedrvRunTest, EightThreadsAtOnce) {
  Result r = Client(kStatic, "threads");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "threads ok: 8 of 8\n");
}

TEST(FakedrvRunTest, ForkAndExec) {
  Result r = Client(kStatic, "forkexec");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("driver version: 580.95.05"));
  EXPECT_THAT(r.out, HasSubstr("child status 0"));
}

TEST(FakedrvRunTest, ServesTheWholeProcessTreeAfterTheCommandExits) {
  Result r = Client(kStatic, "orphan");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "orphan: driver version: 580.95.05\n");
}

TEST(FakedrvRunTest, Dup2ToAHighFd) {
  Result r = Client(kStatic, "dup2");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "dup2 version: 580.95.05\n");
}

TEST(FakedrvRunTest, BadPointerGivesEfault) {
  Result r = Client(kStatic, "badpointer");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("errno EFAULT"));
}

TEST(FakedrvRunTest, UnknownEscapeGivesEinval) {
  Result r = Client(kStatic, "unknown_escape");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("escape 0x77"));
}

TEST(FakedrvRunTest, FilesDevicesAndDirectories) {
  for (const char* client : {kStatic, kDynamic}) {
    Result r = Client(client, "files");
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(r.out,
              "nvidiactl: chardev 195:255\n"
              "nvidia0: chardev 195:0\n"
              "statx nvidiactl: chardev 195:255\n"
              "open nvidia1: Permission denied\n"
              "open nvidia-uvm: No such file or directory\n"
              "access nvidiactl: 0\n"
              "sysfs version: 580.95.05\n"
              "gpus entry: 0000:3b:00.0\n")
        << client;
  }
}

TEST(FakedrvRunTest, SignalsInterruptingCalls) {
  Result r = Client(kStatic, "signals");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("signal seen 1"));
}

TEST(FakedrvRunTest, TargetKilledMidRunGives128PlusSignal) {
  Result r = Client(kStatic, "killself");
  EXPECT_EQ(r.status, 128 + SIGKILL) << r.err;
}

TEST(FakedrvRunTest, CommandExitStatusPassesThrough) {
  EXPECT_EQ(RunCmd({kFakedrv, "run", "--trace", kTrace, "--", "/bin/sh", "-c", "exit 7"}).status, 7);
  Result r = RunCmd({kFakedrv, "run", "--trace", kTrace, "--", "/nonexistent/cmd"});
  EXPECT_EQ(r.status, 127);
  EXPECT_THAT(r.err, HasSubstr("cannot run /nonexistent/cmd"));
}

TEST(FakedrvRunTest, SupervisorDeathGivesEnosysWithoutHanging) {
  std::string ready = TmpDir() + "/ready";
  unlink(ready.c_str());
  Spawned s = Spawn({kFakedrv, "run", "--trace", kTrace, "--", kStatic, "supervisor_death", ready});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kTimeoutS);
  while (access(ready.c_str(), F_OK) != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(access(ready.c_str(), F_OK), 0) << Slurp(s.err_path);
  kill(s.pid, SIGKILL);
  Result r = Wait(s);
  EXPECT_EQ(r.status, 128 + SIGKILL);
  // The orphaned client carries on and reports.
  std::string out;
  while (std::chrono::steady_clock::now() < deadline) {
    out = Slurp(s.out_path);
    if (out.find('\n') != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(out, "after supervisor death: ret -1 errno ENOSYS\n");
  kill(-s.pid, SIGKILL);  // in case it did hang
}

// Asked to stop (SIGTERM from `timeout` or kill, SIGINT by kill), the supervisor
// passes the signal on, waits for the command and removes the fake machine's files;
// before, it died alone and left both behind.
TEST(FakedrvRunTest, StopSignalsReachTheCommandAndLeaveNothingBehind) {
  for (int sig : {SIGTERM, SIGINT}) {
    const std::string work = TmpDir() + "/stop-" + std::to_string(sig);
    const std::string ready = TmpDir() + "/stop-ready-" + std::to_string(sig);
    ASSERT_EQ(RunCmd({"/bin/sh", "-c", "rm -rf " + work + " " + ready + " && mkdir " + work}).status, 0);
    Spawned s = Spawn({"/usr/bin/env", "TMPDIR=" + work, kFakedrv, "run", "--trace", kTrace, "--",
                       "/bin/sh", "-c", "echo $$ > " + ready + ".tmp; mv " + ready + ".tmp " + ready +
                                            "; exec sleep 60"});
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kTimeoutS);
    while (access(ready.c_str(), F_OK) != 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_EQ(access(ready.c_str(), F_OK), 0) << Slurp(s.err_path);
    const pid_t command = std::atoi(Slurp(ready).c_str());
    ASSERT_GT(command, 0);
    EXPECT_NE(RunCmd({"/bin/sh", "-c", "ls " + work + " | grep -q fakedrv-machine"}).status, 1)
        << "the fake machine should exist while the command runs";
    kill(s.pid, sig);
    Result r = nvprobe::testing::Wait(s, 10);
    EXPECT_EQ(r.status, 128 + sig) << r.err;
    EXPECT_THAT(r.err, HasSubstr("passed on to the command"));
    EXPECT_EQ(kill(command, 0), -1) << "the command outlived the supervisor";
    EXPECT_EQ(RunCmd({"/bin/sh", "-c", "ls -A " + work}).out, "") << "left behind in " << work;
    kill(-s.pid, SIGKILL);  // in case it did not stop
  }
}

TEST(FakedrvRunTest, RunsWithoutAnyCapabilities) {
  Result r = Wait(Spawn({kFakedrv, "run", "--trace", kTrace, "--", kStatic, "version"},
                        {.drop_caps = true}));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "driver version: 580.95.05\n");
}

TEST(FakedrvRunTest, InvalidTraceRunsNothing) {
  std::string bad = TmpDir() + "/bad.trace.jsonl";
  std::ofstream(bad) << Slurp(kTrace).substr(0, Slurp(kTrace).find('\n') + 1)
                     << "{\"path\":\"relative\",\"type\":\"file\"}\n";
  std::string marker = TmpDir() + "/ran";
  Result r = RunCmd({kFakedrv, "run", "--trace", bad, "--", "/bin/touch", marker});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, bad + ":2: path \"relative\" is not absolute and normalized\n");
  EXPECT_NE(access(marker.c_str(), F_OK), 0);
}

TEST(FakedrvRunTest, ShowDecodesWithNvidiasNames) {
  Result r = RunCmd({kFakedrv, "show", kTrace});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("NV_ESC_CHECK_VERSION_STR, {cmd=0x32, reply=0x1, versionString=\"580.95.05\"}) = 0"));
  EXPECT_THAT(r.out, HasSubstr("hClass=NV01_ROOT_CLIENT"));
  EXPECT_THAT(r.out, HasSubstr("cmd=NV2080_CTRL_CMD_GPU_GET_INFO"));
  EXPECT_THAT(r.out, HasSubstr("-> gpuInfoList: NV2080_CTRL_GPU_INFO {index=0x2c, data=0x900}"));
  EXPECT_THAT(r.out, HasSubstr("status=NV_OK"));
  EXPECT_EQ(RunCmd({kFakedrv, "show", "/nonexistent.jsonl"}).status, 1);
}

}  // namespace
