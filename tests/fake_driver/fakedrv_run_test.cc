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

#include <sys/file.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
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

// The client runs as the command's child: the command itself dies with the
// supervisor (PR_SET_PDEATHSIG, KilledSupervisorTakesTheCommandAlong), but what it
// started carries on and must get ENOSYS instead of hanging.
TEST(FakedrvRunTest, SupervisorDeathGivesEnosysWithoutHanging) {
  std::string ready = TmpDir() + "/ready";
  unlink(ready.c_str());
  // "; true": the shell forks the client instead of exec'ing it.
  Spawned s = Spawn({kFakedrv, "run", "--trace", kTrace, "--", "/bin/sh", "-c",
                     std::string(kStatic) + " supervisor_death " + ready + "; true"});
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

// Asked to stop once the command has exited, while a process it left is still
// under the filter: the loop, blocked in RECV with nothing to receive, is
// interrupted (LoopWatcher's SIGURG) and fakedrv ends at once with the command's
// status, instead of waiting for the leftover process.
TEST(FakedrvRunTest, StopAfterTheCommandEndsTheRunWhileItsChildLivesOn) {
  const std::string pidfile = TmpDir() + "/leftover.pid";
  unlink(pidfile.c_str());
  Spawned s = Spawn({kFakedrv, "run", "--trace", kTrace, "--", "/bin/sh", "-c",
                     "/bin/sleep 60 & echo $! > " + pidfile + "; exit 3"});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kTimeoutS);
  while (Slurp(pidfile).find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const pid_t leftover = std::atoi(Slurp(pidfile).c_str());
  ASSERT_GT(leftover, 0) << Slurp(s.err_path);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the shell has exited
  const auto asked = std::chrono::steady_clock::now();
  kill(s.pid, SIGTERM);
  Result r = nvprobe::testing::Wait(s, 20);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count();
  kill(leftover, SIGKILL);
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("Terminated: stopping; processes the command left get ENOSYS"));
  EXPECT_LT(took, 10) << "the run waited for the leftover process";
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

bool WaitForFile(const std::string& path, int timeout_s = kTimeoutS) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (access(path.c_str(), F_OK) != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return access(path.c_str(), F_OK) == 0;
}

// Gone, or a zombie nobody has reaped yet: it runs no more.
bool ProcessEnded(pid_t pid) {
  std::string stat = Slurp("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return true;
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() &&
         (stat[paren + 2] == 'Z' || stat[paren + 2] == 'X');
}

bool WaitForEnd(pid_t pid, int timeout_s) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (!ProcessEnded(pid) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return ProcessEnded(pid);
}

std::string Ls(const std::string& dir) { return RunCmd({"/bin/ls", "-A", dir}).out; }

// A fresh, empty directory for TMPDIR.
std::string FreshDir(const std::string& name) {
  const std::string dir = TmpDir() + "/" + name;
  RunCmd({"/bin/rm", "-rf", dir});
  mkdir(dir.c_str(), 0700);
  return dir;
}

// A supervisor started with TMPDIR=work whose command sleeps; returns once the
// command runs, with the command's pid.
Spawned SleepingRun(const std::string& work, pid_t& command) {
  const std::string ready = work + ".ready";
  unlink(ready.c_str());
  Spawned s = Spawn({"/usr/bin/env", "TMPDIR=" + work, kFakedrv, "run", "--trace", kTrace, "--",
                     "/bin/sh", "-c",
                     "echo $$ > " + ready + ".tmp; mv " + ready + ".tmp " + ready + "; exec sleep 60"});
  command = WaitForFile(ready) ? std::atoi(Slurp(ready).c_str()) : 0;
  return s;
}

// `kill -KILL` of fakedrv: the command used to run on with parent 1, and the fake
// machine's directory stayed in TMPDIR for good.
TEST(FakedrvRunTest, KilledSupervisorTakesTheCommandAlong) {
  const std::string work = FreshDir("killed");
  pid_t command = 0;
  Spawned s = SleepingRun(work, command);
  ASSERT_GT(command, 0) << Slurp(s.err_path);
  kill(s.pid, SIGKILL);
  Result r = nvprobe::testing::Wait(s, 10);
  EXPECT_EQ(r.status, 128 + SIGKILL);
  EXPECT_TRUE(WaitForEnd(command, 10)) << "the command runs on without its supervisor";
  kill(command, SIGKILL);  // in case it did
  // The dead supervisor's directory is left; the next run removes it.
  EXPECT_THAT(Ls(work), HasSubstr("fakedrv-machine-" + std::to_string(s.pid) + "-"));
  Result next = RunCmd({"/usr/bin/env", "TMPDIR=" + work, kFakedrv, "run", "--trace", kTrace, "--",
                        "/bin/true"});
  EXPECT_EQ(next.status, 0) << next.err;
  EXPECT_EQ(Ls(work), "") << "stale fake machine left in " << work;
}

// Only directories of dead supervisors go: never a live one's, whether its pid is
// visible (alive) or not (its lock is held, as by a supervisor in another pid
// namespace).
TEST(FakedrvRunTest, StaleDirectoriesOnlyOfDeadSupervisorsAreRemoved) {
  const std::string work = FreshDir("stale");
  pid_t dead = fork();
  if (dead == 0) _exit(0);
  waitpid(dead, nullptr, 0);
  const std::string stale = work + "/fakedrv-machine-" + std::to_string(dead) + "-aaaaaa";
  const std::string locked = work + "/fakedrv-machine-" + std::to_string(dead) + "-bbbbbb";
  const std::string alive = work + "/fakedrv-machine-" + std::to_string(getpid()) + "-cccccc";
  const std::string other = work + "/fakedrv-machine-old";  // not a name fakedrv gives
  for (const std::string& d : {stale, locked, alive, other}) {
    ASSERT_EQ(mkdir(d.c_str(), 0700), 0) << d;
    std::ofstream(d + "/file") << "x";
  }
  int lock = open(locked.c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_EQ(flock(lock, LOCK_EX), 0);
  pid_t command = 0;
  Spawned running = SleepingRun(work, command);  // a live supervisor in the same TMPDIR
  ASSERT_GT(command, 0) << Slurp(running.err_path);
  Result r = RunCmd({"/usr/bin/env", "TMPDIR=" + work, kFakedrv, "run", "--trace", kTrace, "--",
                     "/bin/true"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(access(stale.c_str(), F_OK), 0) << "a dead supervisor's directory stays";
  for (const std::string& d : {locked, alive, other}) {
    EXPECT_EQ(access((d + "/file").c_str(), F_OK), 0) << d << " was touched";
  }
  EXPECT_THAT(Ls(work), HasSubstr("fakedrv-machine-" + std::to_string(running.pid) + "-"))
      << "the running supervisor's machine was removed";
  kill(running.pid, SIGTERM);
  EXPECT_EQ(nvprobe::testing::Wait(running, 10).status, 128 + SIGTERM);
  close(lock);
  RunCmd({"/bin/rm", "-rf", work});
}

// A machine directory is made as fakedrv-new-<pid>-*, locked, then renamed: the
// clean-up never sees an unlocked machine directory of a live supervisor (test
// shards in pid namespaces of their own, sharing /tmp, took each other's in the
// instant between mkdtemp and flock). A fakedrv-new-* of a dead supervisor is only
// removed once it is a minute old.
TEST(FakedrvRunTest, DirectoriesBeingMadeAreLeftAloneUntilOld) {
  const std::string work = FreshDir("making");
  pid_t dead = fork();
  if (dead == 0) _exit(0);
  waitpid(dead, nullptr, 0);
  const std::string young = work + "/fakedrv-new-" + std::to_string(dead) + "-aaaaaa";
  const std::string old = work + "/fakedrv-new-" + std::to_string(dead) + "-bbbbbb";
  for (const std::string& d : {young, old}) ASSERT_EQ(mkdir(d.c_str(), 0700), 0) << d;
  const timespec long_ago[2] = {{time(nullptr) - 3600, 0}, {time(nullptr) - 3600, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, old.c_str(), long_ago, 0), 0);
  Result r = RunCmd({"/usr/bin/env", "TMPDIR=" + work, kFakedrv, "run", "--trace", kTrace, "--", "/bin/true"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(access(young.c_str(), F_OK), 0) << "a directory being made was removed";
  EXPECT_NE(access(old.c_str(), F_OK), 0) << "a dead supervisor's old directory stays";
  EXPECT_THAT(Ls(work), Not(HasSubstr("fakedrv-machine-"))) << "the run left its machine";
  RunCmd({"/bin/rm", "-rf", work});
}

// `fakedrv run --verbose ... 2>&1 | head -1`: the first diagnostic to the closed
// pipe killed fakedrv (SIGPIPE), the command's later calls got ENOSYS and the fake
// machine stayed. Diagnostics are now dropped, and the command is served to the end.
TEST(FakedrvRunTest, ClosedStderrDoesNotKillTheSupervisor) {
  const std::string work = FreshDir("sigpipe");
  const std::string out = TmpDir() + "/sigpipe.out";
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  close(p[0]);  // nobody reads: every write to p[1] is EPIPE (and SIGPIPE)
  const std::string env = "TMPDIR=" + work;
  const std::string cmd = std::string(kStatic) + " rm 2>/dev/null; " + kStatic + " version";
  std::vector<const char*> argv = {"/usr/bin/env", env.c_str(), kFakedrv, "run", "--verbose",
                                   "--trace", kTrace, "--", "/bin/sh", "-c", cmd.c_str(), nullptr};
  pid_t pid = fork();
  if (pid == 0) {
    int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int n = open("/dev/null", O_RDONLY);
    dup2(n, 0);
    dup2(o, 1);
    dup2(p[1], 2);
    setpgid(0, 0);
    signal(SIGPIPE, SIG_DFL);
    execv(argv[0], const_cast<char* const*>(argv.data()));
    _exit(98);
  }
  close(p[1]);
  Result r = Wait(Spawned{pid, out, TmpDir() + "/nonexistent.err"});
  EXPECT_EQ(r.status, 0) << "fakedrv died of signal " << r.status - 128;
  EXPECT_THAT(r.out, HasSubstr("client 0xcf000001\n"));
  EXPECT_THAT(r.out, HasSubstr("freed"));
  EXPECT_THAT(r.out, HasSubstr("driver version: 580.95.05\n"));
  EXPECT_EQ(Ls(work), "") << "left behind in " << work;
}

// fakedrv ignores SIGPIPE; the command must not inherit that.
TEST(FakedrvRunTest, CommandGetsTheDefaultSigpipe) {
  signal(SIGPIPE, SIG_DFL);  // what the supervisor is started with
  Result r = RunCmd({kFakedrv, "run", "--trace", kTrace, "--", "/bin/grep", "^SigIgn:",
                     "/proc/self/status"});
  ASSERT_EQ(r.status, 0) << r.err;
  const unsigned long long ignored = std::strtoull(r.out.substr(r.out.find(':') + 1).c_str(), nullptr, 16);
  EXPECT_EQ(ignored & (1ull << (SIGPIPE - 1)), 0u) << r.out;
}

// Diagnostics appended to an input would corrupt it: refused before anything runs.
TEST(FakedrvRunTest, LogThatIsAnInputIsRefused) {
  const std::string trace = TmpDir() + "/log-input.trace.jsonl";
  std::ofstream(trace) << Slurp(kTrace);
  const std::string marker = TmpDir() + "/log-input-ran";
  unlink(marker.c_str());
  Result r = RunCmd({kFakedrv, "run", "--verbose", "--trace", trace, "--log", trace, "--",
                     "/bin/touch", marker});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "fakedrv: --log " + trace + " is the trace (" + trace +
                       "): diagnostics would be written into an input; choose another file\n");
  EXPECT_NE(access(marker.c_str(), F_OK), 0) << "the command ran";
  EXPECT_EQ(Slurp(trace), Slurp(kTrace));
  // Another name for the same file too.
  const std::string link = TmpDir() + "/log-input-link";
  unlink(link.c_str());
  ASSERT_EQ(symlink(trace.c_str(), link.c_str()), 0);
  EXPECT_EQ(RunCmd({kFakedrv, "run", "--trace", trace, "--log", link, "--", "/bin/touch", marker})
                .status,
            2);
  // The machine description of `run --machine`.
  const std::string machine = TmpDir() + "/log-input.json";
  std::ofstream(machine) << "{}\n";
  Result m = RunCmd({kFakedrv, "run", "--machine", machine, "--driver", "550.163.01", "--log",
                     machine, "--", "/bin/touch", marker});
  EXPECT_EQ(m.status, 2);
  EXPECT_THAT(m.err, HasSubstr("is the machine description"));
  EXPECT_EQ(Slurp(machine), "{}\n");
  EXPECT_NE(access(marker.c_str(), F_OK), 0) << "the command ran";
}

// /dev/zero as a trace used to be read forever.
TEST(FakedrvRunTest, EndlessTraceEndsQuicklyWithAnError) {
  const std::string marker = TmpDir() + "/zero-ran";
  Result run = nvprobe::testing::Wait(Spawn({kFakedrv, "run", "--trace", "/dev/zero", "--", "/bin/touch", marker}), 10);
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.err, "/dev/zero:1: line too long (more than 8388608 bytes)\n");
  EXPECT_NE(access(marker.c_str(), F_OK), 0);
  Result show = nvprobe::testing::Wait(Spawn({kFakedrv, "show", "/dev/zero"}), 10);
  EXPECT_EQ(show.status, 1);
  EXPECT_THAT(show.err, HasSubstr("/dev/zero:1: line too long"));
  EXPECT_EQ(show.out, "");
}

TEST(FakedrvRunTest, ShowSaysADirectoryIsOne) {
  Result r = RunCmd({kFakedrv, "show", TmpDir()});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, TmpDir() + ": is a directory\n");
}

// `show T > /dev/full` exited 0 having written nothing.
TEST(FakedrvRunTest, ShowFailsWhenStdoutCannotBeWritten) {
  Result r = RunCmd({"/bin/sh", "-c", std::string("exec ") + kFakedrv + " show " + kTrace + " >/dev/full"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "fakedrv: cannot write to standard output: No space left on device\n");
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

// The events are read while the command starts: an invalid one stops it as soon as
// it is found, with the same message as a load error, and exit status 1; a command
// that asks the driver before then gets no answer from the unchecked trace.
std::string WithBadEventAfter(const std::string& name, const std::string& trace) {
  std::string bad = TmpDir() + "/" + name;
  std::ofstream(bad) << Slurp(trace) << "{\"ioctl\":\"/dev/nvidiactl\",\"request\":\"zz\"}\n";
  return bad;
}

TEST(FakedrvRunTest, InvalidEventStopsTheCommand) {
  const std::string bad = WithBadEventAfter("bad-event.trace.jsonl", kTrace);
  const std::string good = Slurp(kTrace);
  const int bad_line = static_cast<int>(std::count(good.begin(), good.end(), '\n')) + 1;
  const auto start = std::chrono::steady_clock::now();
  Result r = RunCmd({kFakedrv, "run", "--trace", bad, "--", "/bin/sleep", "30"});
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr(bad + ":" + std::to_string(bad_line) + ": "));
  EXPECT_THAT(r.err, HasSubstr("was stopped (SIGKILL) when they turned out invalid"));
  EXPECT_LT(took, 20) << "the command ran on";
  // The same trace, loaded whole (show), gives the same message.
  Result show = RunCmd({kFakedrv, "show", bad});
  EXPECT_EQ(show.status, 1);
  EXPECT_THAT(r.err, HasSubstr(show.err.substr(0, show.err.find('\n'))));
}

TEST(FakedrvRunTest, InvalidEventGivesNoAnswer) {
  const std::string bad = WithBadEventAfter("bad-event-ioctl.trace.jsonl", kTrace);
  Result r = RunCmd({kFakedrv, "run", "--trace", bad, "--", kStatic, "version"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("driver version: 580.95.05")));
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
