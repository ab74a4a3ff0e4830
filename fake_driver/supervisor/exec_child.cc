#include "fake_driver/supervisor/exec_child.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <initializer_list>

namespace nvprobe::fakedrv {
namespace {

// What IgnoreSigpipe() found: whether it changed anything, and what to restore.
bool g_sigpipe_changed = false;
struct sigaction g_sigpipe_original {};

}  // namespace

void IgnoreSigpipe() {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  if (sigaction(SIGPIPE, &ignore, &g_sigpipe_original) == 0) g_sigpipe_changed = true;
}

// Not instrumented by ASan: under LaunchCommand it runs on a stack ASan does not
// know, where _exit() (noreturn) would make it warn on the command's stderr.
__attribute__((no_sanitize("address"))) void ExecOrExit127(char* const argv[]) {
  // sigaction is async-signal-safe; a handler would not survive exec anyway, so
  // anything but "ignored" becomes the default.
  if (g_sigpipe_changed && g_sigpipe_original.sa_handler != SIG_IGN) {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGPIPE, &dfl, nullptr);
  }
  execvp(argv[0], argv);
  // Not strerror(): it may translate (open a catalog, trapped by the filter while
  // our parent waits for this exec) or write a buffer in memory we share with it.
  const char* why = strerrordesc_np(errno);
  if (why == nullptr) why = "unknown error";
  for (const char* part : {"fakedrv: cannot run ", static_cast<const char*>(argv[0]), ": ", why,
                           "\n"}) {
    (void)!write(2, part, strlen(part));
  }
  _exit(127);
}

}  // namespace nvprobe::fakedrv
