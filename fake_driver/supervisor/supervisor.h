// `fakedrv run`: starts the command under the seccomp filter (no_new_privs, no
// privileges needed), receives the filter's listener, and serves notifications
// until the command exits. The command's process tree shares the filter; when the
// supervisor dies the listener closes and the target's notified calls fail with
// ENOSYS instead of hanging (the target keeps no copy of the listener).
#ifndef NVPROBE_FAKE_DRIVER_SUPERVISOR_SUPERVISOR_H_
#define NVPROBE_FAKE_DRIVER_SUPERVISOR_SUPERVISOR_H_

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "abi/status.h"
#include "fake_driver/responder/responder.h"
#include "fake_driver/trace/trace.h"

namespace nvprobe::fakedrv {

// Where a fake machine is materialized unless told: $TMPDIR, else /tmp.
std::string DefaultWorkDir();

struct RunOptions {
  bool strict = false;
  std::string work_dir;  // where the fake machine's files are materialized
  // Also log every served request with what answered it (the trace's FILE:LINE, or
  // the model's handler), so a failing check can show the requests involved.
  bool verbose = false;
  // SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (Linux 6.6+): the supervisor and the blocked
  // caller hand the CPU to each other instead of waking through the scheduler.
  // kAuto tries it quietly; kOn also says so when this kernel lacks it; kOff does
  // without (to measure what it buys: bench/).
  enum class SyncWakeUp { kAuto, kOn, kOff };
  SyncWakeUp sync_wake_up = SyncWakeUp::kAuto;
  // Called once the command runs, with a pidfd of it (valid during the call only),
  // for whoever may have to stop it (`run` does when the trace's events, read
  // meanwhile, turn out invalid).
  std::function<void(int pidfd)> on_started;
};

struct RunOutcome {
  int exit_status = 0;  // the command's, or 128 + its terminating signal
  int unmatched = 0;
};

class Supervisor {
 public:
  // `trace`: the fake machine's files and device nodes (its events are the
  // responder's business); `responder` answers the ioctls on those devices.
  Supervisor(const Trace& trace, IoctlResponder& responder, RunOptions options,
             std::ostream& diagnostics)
      : trace_(trace), responder_(responder), options_(std::move(options)), diag_(diagnostics) {}

  StatusOr<RunOutcome> Run(const std::vector<std::string>& argv);

 private:
  const Trace& trace_;
  IoctlResponder& responder_;
  RunOptions options_;
  std::ostream& diag_;
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_SUPERVISOR_SUPERVISOR_H_
