// Serves one seccomp notification: the path and stat calls that touch the fake
// machine, and ioctls on its devices (recognized by the file behind the fd, so
// dup/dup2/fork/threads all work). Anything else continues in the kernel.
#ifndef NVPROBE_FAKE_DRIVER_SYSCALL_EMULATOR_H_
#define NVPROBE_FAKE_DRIVER_SYSCALL_EMULATOR_H_

#include <linux/seccomp.h>

#include <cstdint>
#include <optional>
#include <string>

#include "fake_driver/fake_machine.h"
#include "fake_driver/ioctl_replayer.h"
#include "fake_driver/process_memory.h"
#include "fake_driver/trace_io.h"

namespace nvprobe::fakedrv {

struct Reply {
  enum class Kind { kContinue, kReturn, kSent };  // kSent: already answered (ADDFD)
  Kind kind = Kind::kContinue;
  int64_t val = 0;
  int err = 0;
  static Reply Continue() { return {}; }
  static Reply Return(int64_t v) { return {Kind::kReturn, v, 0}; }
  static Reply Error(int e) { return {Kind::kReturn, -1, e}; }
  static Reply Sent() { return {Kind::kSent, 0, 0}; }
};

class SyscallEmulator {
 public:
  SyscallEmulator(const FakeMachine& machine, IoctlReplayer& replayer, int listener)
      : machine_(machine), replayer_(replayer), listener_(listener) {}

  Reply Handle(const seccomp_notif& n);

 private:
  // A path argument resolved against the target's cwd or dirfd, as the target sees it.
  std::optional<std::string> ResolvePath(pid_t pid, int dirfd, uint64_t path_addr,
                                         ProcessMemory& mem, bool* empty);
  const FileNode* DeviceBehindFd(pid_t pid, int fd, struct stat* st) const;

  Reply Open(const seccomp_notif& n, int dirfd, uint64_t path, uint64_t flags, ProcessMemory& mem);
  Reply Stat(const seccomp_notif& n, int dirfd, uint64_t path, uint64_t buf, int flags,
             ProcessMemory& mem);
  Reply Statx(const seccomp_notif& n, ProcessMemory& mem);
  Reply Access(const seccomp_notif& n, int dirfd, uint64_t path, ProcessMemory& mem);
  Reply Ioctl(const seccomp_notif& n, ProcessMemory& mem);

  const FakeMachine& machine_;
  IoctlReplayer& replayer_;
  int listener_;
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_SYSCALL_EMULATOR_H_
