// LinuxSystem::Run and the nvidia-smi source on real processes: fake nvidia-smi
// shell scripts written into TEST_TMPDIR. What a run leaves behind is checked in
// /proc: a process that nvprobe started may not outlive its run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "probe/linux_system.h"
#include "probe/smi_source.h"

namespace nvprobe::probe {
namespace {

using ::testing::HasSubstr;

constexpr char kSmiLine[] =
    "580.95.05, NVIDIA H100 80GB HBM3, 00000000:3B:00.0, GPU-12345678-1234-1234-1234-123456789abc, "
    "9.0, 81559";

// A fresh directory under TEST_TMPDIR.
std::string NewDir(const std::string& name) {
  const char* t = std::getenv("TEST_TMPDIR");
  std::string dir = std::string(t ? t : "/tmp") + "/" + name + "." + std::to_string(::getpid());
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

std::string Write(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
  return path;
}

std::string Script(const std::string& dir, const std::string& body) {
  return Write(dir + "/nvidia-smi", "#!/bin/sh\n" + body, 0755);
}

pid_t ReadPid(const std::string& path) {
  // The script writes it first thing; give a loaded machine time.
  for (int i = 0; i < 500; ++i) {
    std::ifstream in(path);
    pid_t pid = 0;
    if (in >> pid && pid > 0) return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return 0;
}

// Not running: no such process (kill(pid, 0) fails with ESRCH), or a zombie that its
// new parent has yet to reap.
bool Running(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  size_t paren = stat.rfind(')');
  return !(paren != std::string::npos && paren + 2 < stat.size() &&
           (stat[paren + 2] == 'Z' || stat[paren + 2] == 'X'));
}

bool EndsWithin(pid_t pid, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (Running(pid)) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// On a timeout the whole process group dies: the script and the `sleep` it started.
TEST(LinuxSystemRunTest, TimeoutKillsTheWholeProcessGroup) {
  std::string dir = NewDir("timeout");
  std::string bin = Script(dir, "sleep 300 &\necho $! > " + dir + "/bg.pid\nsleep 300\n");
  LinuxSystem sys;
  auto start = std::chrono::steady_clock::now();
  StatusOr<CommandResult> r = sys.Run({bin}, std::chrono::milliseconds(1500), 1024);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->exit_code, -1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  pid_t bg = ReadPid(dir + "/bg.pid");
  ASSERT_GT(bg, 0) << "the script did not start its background sleep";
  bool ended = EndsWithin(bg, std::chrono::seconds(5));
  if (!ended) ::kill(bg, SIGKILL);
  EXPECT_TRUE(ended) << "the script's child " << bg << " outlived the timeout";
}

// A nvidia-smi that prints its answer and exits, leaving a background process that
// holds the pipe: its answer is used as soon as it exits, not after the timeout, and
// the leftover process is killed.
TEST(LinuxSystemRunTest, OutputIsTakenOnceTheChildExits) {
  std::string dir = NewDir("bg");
  std::string bin = Script(dir, std::string("echo '") + kSmiLine + "'\nsleep 300 &\necho $! > " +
                                    dir + "/bg.pid\nexit 0\n");
  LinuxSystem sys;
  auto start = std::chrono::steady_clock::now();
  StatusOr<CommandResult> r = sys.Run({bin}, std::chrono::seconds(20), 1024);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->timed_out);
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->out, std::string(kSmiLine) + "\n");
  EXPECT_LT(took, std::chrono::seconds(10)) << "waited for the background process's EOF";
  pid_t bg = ReadPid(dir + "/bg.pid");
  ASSERT_GT(bg, 0);
  bool ended = EndsWithin(bg, std::chrono::seconds(5));
  if (!ended) ::kill(bg, SIGKILL);
  EXPECT_TRUE(ended) << "the background process " << bg << " was left running";

  // Through the source: found, in far less than its timeout.
  ::unlink((dir + "/bg.pid").c_str());
  std::vector<std::string> w;
  start = std::chrono::steady_clock::now();
  StatusOr<SmiFindings> f = RunNvidiaSmi(sys, dir, std::chrono::seconds(20), w);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(*f->driver_version, "580.95.05");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  if (pid_t again = ReadPid(dir + "/bg.pid"); again > 0 && !EndsWithin(again, std::chrono::seconds(5))) {
    ::kill(again, SIGKILL);
    ADD_FAILURE() << "the background process " << again << " was left running";
  }
}

TEST(LinuxSystemRunTest, ExitStatusAndSignal) {
  std::string dir = NewDir("status");
  LinuxSystem sys;
  StatusOr<CommandResult> r = sys.Run({Script(dir, "echo out\nexit 7\n")}, std::chrono::seconds(20), 1024);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 7);
  EXPECT_EQ(r->signal, 0);
  EXPECT_EQ(r->out, "out\n");
  r = sys.Run({Script(dir, "kill -KILL $$\n")}, std::chrono::seconds(20), 1024);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->timed_out);
  EXPECT_EQ(r->exit_code, -1);
  EXPECT_EQ(r->signal, SIGKILL);
  std::vector<std::string> w;
  StatusOr<SmiFindings> f = RunNvidiaSmi(sys, dir, std::chrono::seconds(20), w);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(), dir + "/nvidia-smi was killed by signal 9 (SIGKILL)");
  // Output is capped at the size asked for.
  r = sys.Run({Script(dir, "yes | head -c 100000\n")}, std::chrono::seconds(20), 1000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->out.size(), 1000u);
}

// `PATH=dirA:dirB`: a nvidia-smi in dirA without execute permission, or a directory
// named nvidia-smi, is skipped as a shell skips it; dirB's answers.
TEST(LinuxSystemRunTest, PathSearchSkipsWhatCannotBeRun) {
  std::string noexec = NewDir("noexec"), isdir = NewDir("isdir"), good = NewDir("good");
  Write(noexec + "/nvidia-smi", "#!/bin/sh\necho 'should not run'\n", 0644);
  ::mkdir((isdir + "/nvidia-smi").c_str(), 0755);
  Script(good, std::string("echo '") + kSmiLine + "'\n");
  LinuxSystem sys;
  StatusOr<CommandResult> r = sys.Run({noexec + "/nvidia-smi"}, std::chrono::seconds(5), 1024);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  r = sys.Run({isdir + "/nvidia-smi"}, std::chrono::seconds(5), 1024);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(r.status().message(), isdir + "/nvidia-smi: is a directory");

  std::vector<std::string> w;
  StatusOr<SmiFindings> f =
      RunNvidiaSmi(sys, noexec + ":" + isdir + ":" + good, std::chrono::seconds(20), w);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->binary, good + "/nvidia-smi");
  EXPECT_EQ(*f->driver_version, "580.95.05");

  // Nothing else: the reason is the first candidate's.
  f = RunNvidiaSmi(sys, noexec + ":" + isdir, std::chrono::seconds(20), w);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(f.status().message(), HasSubstr(noexec + "/nvidia-smi: Permission denied"));
}

}  // namespace
}  // namespace nvprobe::probe
