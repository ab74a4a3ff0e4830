#include "fake_driver/supervisor/supervisor.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "fake_driver/supervisor/command_launch.h"
#include "fake_driver/supervisor/fake_machine.h"
#include "fake_driver/supervisor/held_devices.h"
#include "fake_driver/supervisor/loop_watcher.h"
#include "fake_driver/supervisor/seccomp_policy.h"
#include "fake_driver/supervisor/stop_signals.h"
#include "fake_driver/supervisor/syscall_emulator.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

namespace nvprobe::fakedrv {

std::string DefaultWorkDir() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/tmp";
}
namespace {

class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd() { if (fd_ >= 0) close(fd_); }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
 private:
  int fd_;
};

// Our open fds that are real NVIDIA devices (inherited by fakedrv): the command
// must not inherit them, since no path check would stand between it and the
// driver then (fake_driver/THREAT_MODEL.md).
std::vector<int> RealNvidiaFds(const FakeMachine& machine) {
  std::vector<int> fds;
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return fds;
  while (const dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    int fd = std::atoi(e->d_name);
    struct stat st;
    if (fd != dirfd(d) && fstat(fd, &st) == 0 && machine.IsRealNvidiaDevice(st)) fds.push_back(fd);
  }
  closedir(d);
  return fds;
}

void Respond(int listener, uint64_t id, const Reply& r) {
  seccomp_notif_resp resp{};
  resp.id = id;
  if (r.kind == Reply::Kind::kContinue) {
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  } else if (r.err != 0) {
    resp.error = -r.err;
  } else {
    resp.val = r.val;
  }
  // ENOENT: the target was interrupted or died; a restarted call comes again, and
  // IoctlReplayer recognizes it.
  ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

}  // namespace

StatusOr<RunOutcome> Supervisor::Run(const std::vector<std::string>& argv) {
  if (argv.empty()) return InvalidArgumentError("no command to run");
  utsname u{};
  uname(&u);
  NVPROBE_RETURN_IF_ERROR(KernelSupport::Check(u.release));
  // Before the fake machine exists, so that no stop signal can leave it behind.
  StopSignals stop;
  StatusOr<std::unique_ptr<FakeMachine>> machine = FakeMachine::Create(trace_, options_.work_dir);
  if (!machine.ok()) return machine.status();
  StatusOr<std::vector<sock_filter>> filter = SeccompPolicy::BuildFilter();
  if (!filter.ok()) return filter.status();
  std::vector<int> drop = RealNvidiaFds(**machine);
  for (int fd : drop) {
    diag_ << "fakedrv: fd " << fd << " is a real NVIDIA device; the command does not inherit it\n";
  }
  StatusOr<LaunchedCommand> target = LaunchCommand(argv, *filter, drop, stop.original_mask());
  if (!target.ok()) return target.status();
  UniqueFd listener(target->listener), pidfd(target->pidfd);
  if (options_.on_started) options_.on_started(pidfd.get());
  if (options_.sync_wake_up != RunOptions::SyncWakeUp::kOff) {
    uint64_t wake = SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;
    // 6.6+; correct without it, only slower.
    if (ioctl(listener.get(), SECCOMP_IOCTL_NOTIF_SET_FLAGS, wake) != 0 &&
        options_.sync_wake_up == RunOptions::SyncWakeUp::kOn) {
      diag_ << "fakedrv: note: --sync-wake-up: this kernel lacks "
               "SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (Linux 6.6+): "
            << std::strerror(errno) << "; serving without it\n";
    }
  }

  responder_.set_holds_device([&fake = **machine](int pid, const std::string& device) {
    return ProcessHoldsDevice(pid, fake, device);
  });
  SyscallEmulator emulator(**machine, responder_, listener.get());
  emulator.set_diagnostics(&diag_);
  RunOutcome outcome;
  // Serve until the command has exited and no process of its tree is left under
  // the filter (the listener hangs up then), so children that outlive the command
  // are still served; the exit status is the command's. The loop blocks in RECV;
  // the watcher's thread sees to signals, the command's exit and the hang-up.
  {
    LoopWatcher watcher(listener.get(), pidfd.get(), target->pid, stop);
    while (!watcher.done()) {
      seccomp_notif n{};
      const int got = ioctl(listener.get(), SECCOMP_IOCTL_NOTIF_RECV, &n);
      const int err = errno;
      if (std::string lines = watcher.TakeLines(); !lines.empty()) diag_ << lines << std::flush;
      if (got == 0) {
        Reply r = emulator.Handle(n);
        if (r.kind != Reply::Kind::kSent) Respond(listener.get(), n.id, r);
      } else if (err == ENOENT) {
        // A request withdrawn (its caller interrupted or killed), or, since Linux
        // 6.6, the hang-up itself: no process is left under the filter and none can
        // come, so there is nothing more to receive; the watcher finishes the run.
        pollfd p{listener.get(), 0, 0};
        if (poll(&p, 1, 0) == 1 && (p.revents & POLLHUP)) watcher.WaitUntilDone();
      }
    }
    if (std::string lines = watcher.TakeLines(); !lines.empty()) diag_ << lines << std::flush;
    // No process is left: every open file is gone, and the responder hears so.
    emulator.ReportReleases();
    if (std::string error = watcher.error(); !error.empty()) return InternalError(error);
    outcome.exit_status = watcher.exit_status();
  }
  outcome.unmatched = responder_.unmatched();
  return outcome;
}

}  // namespace nvprobe::fakedrv
