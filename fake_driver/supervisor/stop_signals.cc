#include "fake_driver/supervisor/stop_signals.h"

#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace nvprobe::fakedrv {

StopSignals::StopSignals() {
  sigemptyset(&set_);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&set_, s);
  pthread_sigmask(SIG_BLOCK, &set_, &original_);
  fd_ = signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd_ < 0) pthread_sigmask(SIG_SETMASK, &original_, nullptr);
}

StopSignals::~StopSignals() {
  if (fd_ < 0) return;
  close(fd_);
  pthread_sigmask(SIG_SETMASK, &original_, nullptr);
}

std::optional<StopSignals::Received> StopSignals::Next() {
  if (fd_ < 0) return std::nullopt;
  signalfd_siginfo info{};
  if (read(fd_, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return std::nullopt;
  // The terminal's ^C, ^\ and hang-up come from the kernel (SI_KERNEL); kill(2),
  // sigqueue(3) and tgkill(2) carry SI_USER, SI_QUEUE or SI_TKILL.
  const int code = info.ssi_code;
  return Received{static_cast<int>(info.ssi_signo),
                  code == SI_USER || code == SI_QUEUE || code == SI_TKILL};
}

}  // namespace nvprobe::fakedrv
