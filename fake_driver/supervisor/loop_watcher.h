// What the notification loop must not wait on, watched from a thread of its own so
// that the loop can block in SECCOMP_IOCTL_NOTIF_RECV instead of a poll() per
// notification (a system call and a wake-up less per answered request, issue 14):
// stop signals (passed on to the command), the command's exit (reaped, its status
// kept) and the listener's hang-up once no process is left under the filter.
//
// When the loop must end, the watcher sets done() and interrupts the loop's RECV
// with SIGURG (a no-op handler installed without SA_RESTART while a watcher
// lives), again every millisecond until the loop says it has seen it: a signal
// that lands just before the loop enters RECV is not lost. The watcher never
// writes diagnostics itself: the loop's thread prints its lines (TakeLines()), so
// one stream is never written by two threads.
#ifndef NVPROBE_FAKE_DRIVER_SUPERVISOR_LOOP_WATCHER_H_
#define NVPROBE_FAKE_DRIVER_SUPERVISOR_LOOP_WATCHER_H_

#include <pthread.h>
#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "fake_driver/supervisor/stop_signals.h"

namespace nvprobe::fakedrv {

class LoopWatcher {
 public:
  // Watches from now on; the calling thread is the loop's, the one interrupted.
  LoopWatcher(int listener, int pidfd, pid_t command, StopSignals& stop);
  // Stops watching (interrupting nothing more) and restores SIGURG's action.
  ~LoopWatcher();
  LoopWatcher(const LoopWatcher&) = delete;
  LoopWatcher& operator=(const LoopWatcher&) = delete;

  // The loop should end: the command was reaped and the listener hung up, or a stop
  // signal came after the command had gone. Calling it tells the watcher that the
  // loop has seen it, once true.
  bool done();
  // Blocks until done() would be true: for the loop once the listener has hung up,
  // when no request can come any more.
  void WaitUntilDone();
  // The command's exit status (128 + signal when killed); valid once done().
  int exit_status() const { return exit_status_; }
  // Diagnostic lines queued since the last call, for the loop's thread to print.
  std::string TakeLines();
  // An error that ended the watch (waitid failed), or "".
  std::string error() const;

 private:
  void Watch();
  void Finish();
  void Kick();

  const int listener_, pidfd_;
  const pid_t command_;
  StopSignals& stop_;
  const pthread_t loop_thread_;
  struct sigaction old_urg_ {};
  mutable std::mutex mu_;
  std::string lines_, error_;  // guarded by mu_
  bool seen_ = false;          // guarded by mu_: the loop saw done()
  std::condition_variable seen_cv_, done_cv_;
  std::atomic<bool> done_{false}, quit_{false};
  int exit_status_ = 0;  // written before done_ is set
  std::thread thread_;
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_SUPERVISOR_LOOP_WATCHER_H_
