// A ptrace process-tree follower for `fakedrv record`: starts a command under
// PTRACE_SEIZE (TRACESYSGOOD, fork/vfork/clone/exec followed) and reports every
// syscall entry and exit of every thread of every process it spawns, without
// changing what the target does: its syscalls run as they would, signals are
// delivered, group stops are kept. Single-threaded; one stop at a time.
#ifndef NVPROBE_FAKE_DRIVER_RECORD_TRACER_H_
#define NVPROBE_FAKE_DRIVER_RECORD_TRACER_H_

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "abi/status.h"

namespace nvprobe::fakedrv {

struct SyscallStop {
  pid_t tid = 0;
  uint64_t nr = 0;                  // syscall number (entry; repeated at exit)
  std::array<uint64_t, 6> args{};   // entry arguments (repeated at exit)
  int64_t ret = 0;                  // exit only: the raw return value (-errno on error)
};

class TracerObserver {
 public:
  virtual ~TracerObserver() = default;
  virtual void OnSyscallEntry(const SyscallStop& s) = 0;
  virtual void OnSyscallExit(const SyscallStop& s) = 0;
  // The thread is gone (exited, killed, or replaced by exec in another thread).
  virtual void OnThreadGone(pid_t /*tid*/) {}
  // `tid` completed an execve (the command itself first: before it, nothing ran).
  virtual void OnExec(pid_t /*tid*/) {}
};

// Runs `argv` traced until every traced thread is gone. Returns the command's exit
// status (128 + N when signal N ended it, 127 when it could not be executed).
StatusOr<int> TraceCommand(const std::vector<std::string>& argv, TracerObserver& observer);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_RECORD_TRACER_H_
