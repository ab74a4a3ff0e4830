// `fakedrv run`: starts the command under the seccomp filter (no_new_privs, no
// privileges needed), receives the filter's listener, and serves notifications
// until the command exits. The command's process tree shares the filter; when the
// supervisor dies the listener closes and the target's notified calls fail with
// ENOSYS instead of hanging (the target keeps no copy of the listener).
#ifndef NVPROBE_FAKE_DRIVER_SUPERVISOR_H_
#define NVPROBE_FAKE_DRIVER_SUPERVISOR_H_

#include <ostream>
#include <string>
#include <vector>

#include "abi/status.h"
#include "fake_driver/trace.h"

namespace nvprobe::fakedrv {

struct RunOptions {
  bool strict = false;
  std::string work_dir;  // where the fake machine's files are materialized
};

struct RunOutcome {
  int exit_status = 0;  // the command's, or 128 + its terminating signal
  int unmatched = 0;
};

class Supervisor {
 public:
  Supervisor(const Trace& trace, RunOptions options, std::ostream& diagnostics)
      : trace_(trace), options_(std::move(options)), diag_(diagnostics) {}

  StatusOr<RunOutcome> Run(const std::vector<std::string>& argv);

 private:
  const Trace& trace_;
  RunOptions options_;
  std::ostream& diag_;
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_SUPERVISOR_H_
