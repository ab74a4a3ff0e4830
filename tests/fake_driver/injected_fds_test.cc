// InjectedFds: the kcmp fast path of the fd-identity check proves that a task's fd
// is the very open file the supervisor installed, and proves nothing otherwise.
#include "fake_driver/supervisor/injected_fds.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace nvprobe::fakedrv {
namespace {

std::string TempFile(const char* name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = std::string(dir ? dir : "/tmp") + "/" + name;
  int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  close(fd);
  return path;
}

// A child that holds our fds (inherited) until killed.
pid_t ForkHolder() {
  pid_t pid = fork();
  if (pid == 0) {
    pause();
    _exit(0);
  }
  return pid;
}

void Reap(pid_t pid) {
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

TEST(InjectedFdsTest, FindsTheInstalledFileAndNothingElse) {
  FileNode device;
  device.path = "/dev/nvidiactl";
  const std::string path = TempFile("device");
  // Our own fd table stands for the target's: `target` is what we installed there.
  int target = open(path.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(target, 0);
  InjectedFds fds;
  fds.Add(getpid(), target, dup(target), &device);
  EXPECT_EQ(fds.Find(getpid(), target), &device);
  // Unknown task or fd number: not proven (the caller stats instead).
  EXPECT_EQ(fds.Find(getpid(), target + 1), nullptr);
  EXPECT_EQ(fds.Find(getpid() + 1, target), nullptr);
  // The same inode opened again is another open file: not ours.
  int again = open(path.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(again, 0);
  ASSERT_EQ(dup2(again, target), target);
  EXPECT_EQ(fds.Find(getpid(), target), nullptr);
  // Closed: nothing there.
  close(target);
  EXPECT_EQ(fds.Find(getpid(), target), nullptr);
  close(again);
}

TEST(InjectedFdsTest, LearnsAForkedChildsInheritedFd) {
  FileNode device;
  const std::string path = TempFile("inherited");
  int target = open(path.c_str(), O_RDWR);  // inherited by the child
  ASSERT_GE(target, 0);
  InjectedFds fds;
  fds.Add(getpid(), target, dup(target), &device);
  pid_t child = ForkHolder();
  ASSERT_GT(child, 0);
  EXPECT_EQ(fds.Find(child, target), nullptr);  // not known for that task yet
  FileNode other;
  fds.Learn(child, target, &other);  // not the device we installed there
  EXPECT_EQ(fds.Find(child, target), nullptr);
  fds.Learn(child, target, &device);  // after the stat found it
  EXPECT_EQ(fds.Find(child, target), &device);
  // Another number proves nothing.
  fds.Learn(child, target + 1, &device);
  EXPECT_EQ(fds.Find(child, target + 1), nullptr);
  Reap(child);
  // A task that is gone: kcmp fails, nothing is proven.
  EXPECT_EQ(fds.Find(child, target), nullptr);
  close(target);
}

TEST(InjectedFdsTest, KeepsABoundedNumberOfFiles) {
  FileNode device;
  const std::string path = TempFile("bounded");
  int target = open(path.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(target, 0);
  InjectedFds fds;
  fds.Add(getpid(), target, dup(target), &device);
  // Many more installs (other tasks' numbers) evict the oldest, closing our copy.
  for (int i = 0; i < 300; ++i) fds.Add(100000 + i, 3, dup(target), &device);
  EXPECT_EQ(fds.Find(getpid(), target), nullptr);
  // Our fd table did not grow by 300.
  int probe = dup(target);
  EXPECT_LT(probe, 300);
  close(probe);
  close(target);
}

}  // namespace
}  // namespace nvprobe::fakedrv
