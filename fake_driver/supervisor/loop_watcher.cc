#include "fake_driver/supervisor/loop_watcher.h"

#include <poll.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace nvprobe::fakedrv {
namespace {

// Only there to make a blocking RECV return EINTR.
void Interrupted(int) {}

constexpr auto kKickEvery = std::chrono::milliseconds(1);

}  // namespace

LoopWatcher::LoopWatcher(int listener, int pidfd, pid_t command, StopSignals& stop)
    : listener_(listener), pidfd_(pidfd), command_(command), stop_(stop),
      loop_thread_(pthread_self()) {
  struct sigaction sa {};
  sa.sa_handler = Interrupted;  // no SA_RESTART: RECV must return
  sigemptyset(&sa.sa_mask);
  sigaction(SIGURG, &sa, &old_urg_);
  // The watcher's thread does not take SIGURG (nor, as the loop's, stop signals).
  sigset_t urg, saved;
  sigemptyset(&urg);
  sigaddset(&urg, SIGURG);
  pthread_sigmask(SIG_BLOCK, &urg, &saved);
  thread_ = std::thread([this] {
    // Named, so that perf, top and /proc tell it from the supervisor's loop.
    pthread_setname_np(pthread_self(), "fakedrv-watch");
    Watch();
  });
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
}

LoopWatcher::~LoopWatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
    seen_cv_.notify_one();
  }
  thread_.join();
  sigaction(SIGURG, &old_urg_, nullptr);
}

bool LoopWatcher::done() {
  if (!done_.load()) return false;
  std::lock_guard<std::mutex> lock(mu_);
  seen_ = true;
  seen_cv_.notify_one();
  return true;
}

void LoopWatcher::WaitUntilDone() {
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [this] { return done_.load(); });
}

std::string LoopWatcher::TakeLines() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::move(lines_);
}

std::string LoopWatcher::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

void LoopWatcher::Kick() { pthread_kill(loop_thread_, SIGURG); }

void LoopWatcher::Finish() {
  std::unique_lock<std::mutex> lock(mu_);
  done_ = true;
  done_cv_.notify_all();
  // Until the loop has seen it: a kick that lands before it blocks is repeated.
  while (!seen_ && !quit_) {
    Kick();
    seen_cv_.wait_for(lock, kKickEvery, [this] { return seen_ || quit_.load(); });
  }
}

void LoopWatcher::Watch() {
  bool listening = true, command_running = true;
  while (!quit_) {
    // events 0 on the listener: only its hang-up wakes us, not each notification.
    pollfd fds[3] = {{listening ? listener_ : -1, 0, 0},
                     {stop_.fd(), POLLIN, 0},
                     {command_running ? pidfd_ : -1, POLLIN, 0}};
    // A timeout only to notice quit_ (the loop ending on its own).
    if (poll(fds, 3, 100) < 0 && errno != EINTR) {
      std::lock_guard<std::mutex> lock(mu_);
      error_ = std::string("poll: ") + std::strerror(errno);
      break;
    }
    if (fds[1].revents & POLLIN) {
      // Asked to stop: the command gets the signal (unless the terminal sent it to
      // the whole group) and decides; once it is gone, nothing is left to wait for.
      std::string lines;
      while (std::optional<StopSignals::Received> s = stop_.Next()) {
        lines += std::string("fakedrv: ") + strsignal(s->signal) +
                 (command_running ? (s->sent_by_process ? ": passed on to the command\n"
                                                        : ": the command got it too\n")
                                  : ": stopping; processes the command left get ENOSYS\n");
        if (command_running && s->sent_by_process) kill(command_, s->signal);
        if (!command_running) listening = false;
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        lines_ += lines;
      }
      Kick();  // printed soon rather than at the next request
    }
    if (listening && (fds[0].revents & (POLLHUP | POLLERR))) listening = false;
    if (command_running && (fds[2].revents & POLLIN)) {
      siginfo_t info{};
      if (waitid(P_PID, static_cast<id_t>(command_), &info, WEXITED) != 0) {
        std::lock_guard<std::mutex> lock(mu_);
        error_ = std::string("waitid: ") + std::strerror(errno);
        break;
      }
      exit_status_ = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
      command_running = false;
    }
    if (!listening && !command_running) break;
  }
  Finish();
}

}  // namespace nvprobe::fakedrv
