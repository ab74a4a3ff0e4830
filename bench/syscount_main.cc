// syscount: runs a command under ptrace (fake_driver/record/tracer.h, what `fakedrv
// record` uses) and counts the system calls its whole process tree makes, by
// entry: all of them, NVIDIA ioctls (type 'F'), and the path and stat calls that
// fakedrv's seccomp filter sends to the supervisor. Run inside `fakedrv run`, so
// the counts are those of the command on the fake machine; the supervisor's own
// calls are not counted (it is not traced).
//
//   syscount OUT_FILE CMD ARGS...   writes "syscalls=N nv_ioctls=N notified=N opens=N"
#include <sys/syscall.h>

#include <cstdint>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "fake_driver/record/tracer.h"

namespace {

// The calls fake_driver/supervisor/seccomp_policy.cc hands to the supervisor, besides 'F'
// ioctls (kept in step with it by hand; the bench only reports them).
constexpr uint64_t kPathCalls[] = {SYS_open,       SYS_openat, SYS_openat2,    SYS_creat,
                                   SYS_stat,       SYS_lstat,  SYS_newfstatat, SYS_fstat,
                                   SYS_statx,      SYS_access, SYS_faccessat,  SYS_faccessat2};

class Counter : public nvprobe::fakedrv::TracerObserver {
 public:
  void OnSyscallEntry(const nvprobe::fakedrv::SyscallStop& s) override {
    ++syscalls;
    if (s.nr == SYS_ioctl && ((s.args[1] >> 8) & 0xff) == 'F') {
      ++nv_ioctls;
      ++notified;
    }
    for (uint64_t nr : kPathCalls) notified += s.nr == nr;
    opens += s.nr == SYS_open || s.nr == SYS_openat || s.nr == SYS_openat2 || s.nr == SYS_creat;
  }
  void OnSyscallExit(const nvprobe::fakedrv::SyscallStop&) override {}

  long syscalls = 0, nv_ioctls = 0, notified = 0, opens = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: syscount OUT_FILE CMD ARGS...\n";
    return 2;
  }
  Counter counter;
  nvprobe::StatusOr<int> status =
      nvprobe::fakedrv::TraceCommand(std::vector<std::string>(argv + 2, argv + argc), counter);
  if (!status.ok()) {
    std::cerr << "syscount: " << status.status().message() << "\n";
    return 125;
  }
  std::ofstream(argv[1]) << "syscalls=" << counter.syscalls << " nv_ioctls=" << counter.nv_ioctls
                         << " notified=" << counter.notified << " opens=" << counter.opens << "\n";
  return *status;
}
