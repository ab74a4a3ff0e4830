// Starting the user's command under the seccomp filter: the child installs the
// filter with a listener, hands the listener back over a socket and execs.
#ifndef NVPROBE_FAKE_DRIVER_SUPERVISOR_COMMAND_LAUNCH_H_
#define NVPROBE_FAKE_DRIVER_SUPERVISOR_COMMAND_LAUNCH_H_

#include <linux/filter.h>
#include <signal.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "abi/status.h"

namespace nvprobe::fakedrv {

// The started command: its pid, a pidfd to wait on, and the filter's listener.
// The caller owns both fds.
struct LaunchedCommand {
  pid_t pid = -1;
  int pidfd = -1;
  int listener = -1;
};

// Starts `args` with `filter` installed, the fds in `drop` closed and the signal
// mask `mask`. The child shares our memory until it execs (CLONE_VM|CLONE_VFORK,
// as posix_spawn does) instead of a fork's copy: a fork's cost grows with what the
// supervisor holds (a 64-GPU trace) and every page the events' thread writes
// meanwhile would be copied. The calling thread waits until the command has
// exec'd (or failed to); other threads run on.
StatusOr<LaunchedCommand> LaunchCommand(const std::vector<std::string>& args,
                                        const std::vector<sock_filter>& filter,
                                        const std::vector<int>& drop, const sigset_t& mask);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_SUPERVISOR_COMMAND_LAUNCH_H_
