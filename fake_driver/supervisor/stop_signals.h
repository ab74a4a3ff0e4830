// The signals that ask `fakedrv run` to stop (SIGINT, SIGTERM, SIGHUP, SIGQUIT).
// Left at their default action they would kill the supervisor alone: the command
// would run on unsupervised and the fake machine's files would stay behind. While a
// StopSignals lives they are blocked and read from a signalfd instead, so that the
// supervisor can pass them on to the command, wait for it, and clean up.
#ifndef NVPROBE_FAKE_DRIVER_SUPERVISOR_STOP_SIGNALS_H_
#define NVPROBE_FAKE_DRIVER_SUPERVISOR_STOP_SIGNALS_H_

#include <signal.h>

#include <optional>

namespace nvprobe::fakedrv {

class StopSignals {
 public:
  // Blocks the signals in the calling thread (threads it starts later inherit the
  // mask: LoopWatcher's) and opens the fd.
  StopSignals();
  // Closes the fd and restores the mask; a signal still pending is delivered then.
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Readable when a signal is pending; -1 if signalfd failed (then the signals are
  // left alone, as before).
  int fd() const { return fd_; }
  // The mask to restore in the command before it execs.
  const sigset_t& original_mask() const { return original_; }

  struct Received {
    int signal;
    // Sent to fakedrv by a process (kill, timeout) rather than by the terminal to
    // the whole foreground process group, which the command then got as well.
    bool sent_by_process;
  };
  // The next pending signal, if any (never blocks).
  std::optional<Received> Next();

 private:
  sigset_t set_{}, original_{};
  int fd_ = -1;
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_SUPERVISOR_STOP_SIGNALS_H_
