#include "fake_driver/record/tracer.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "fake_driver/supervisor/exec_child.h"

namespace nvprobe::fakedrv {
namespace {

constexpr long kOptions = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                          PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;

// The child: waits until the tracer has seized it, then execs. Only
// async-signal-safe calls. PTRACE_O_EXITKILL ends a seized command with the tracer,
// but a tracer killed before the seize (or a command it never seized) left the
// command running with parent 1: it read end-of-file on `go` and exec'd untraced.
// PR_SET_PDEATHSIG, set before checking the parent (had the tracer died in
// between, getppid() says so), as the supervisor's ChildMain does for `fakedrv run`.
[[noreturn]] void Child(int go, char* const argv[], pid_t tracer) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != tracer) _exit(125);
  char c;
  ssize_t n;
  while ((n = read(go, &c, 1)) < 0 && errno == EINTR) {}
  close(go);
  if (n != 1) _exit(125);  // the tracer went away without seizing it: never run untraced
  ExecOrExit127(argv);
}

bool IsGroupStopSignal(int sig) {
  return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

}  // namespace

StatusOr<int> TraceCommand(const std::vector<std::string>& args, TracerObserver& observer) {
  if (args.empty()) return InvalidArgumentError("no command");
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t tracer = getpid();
  int go[2];
  if (pipe2(go, O_CLOEXEC) != 0) return InternalError(std::string("pipe: ") + strerror(errno));
  pid_t pid = fork();
  if (pid < 0) return InternalError(std::string("fork: ") + strerror(errno));
  if (pid == 0) {
    close(go[1]);
    Child(go[0], argv.data(), tracer);
  }
  close(go[0]);
  auto abandon = [&](const std::string& what) -> Status {
    int e = errno;
    kill(pid, SIGKILL);
    close(go[1]);
    waitpid(pid, nullptr, 0);
    return UnavailableError(what + ": " + strerror(e) +
                            (e == EPERM ? " (ptrace not permitted here: Yama ptrace_scope, "
                                          "a seccomp policy or a missing CAP_SYS_PTRACE)"
                                        : ""));
  };
  if (ptrace(PTRACE_SEIZE, pid, 0, kOptions) != 0) return abandon("ptrace(PTRACE_SEIZE)");
  // Seized tracees run on until stopped: stop it once, then resume with syscall stops.
  if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) != 0) return abandon("ptrace(PTRACE_INTERRUPT)");
  int st = 0;
  while (waitpid(pid, &st, __WALL) < 0) {
    if (errno != EINTR) return abandon("waitpid");
  }
  if (!WIFSTOPPED(st) || ptrace(PTRACE_SYSCALL, pid, 0, 0) != 0) {
    return abandon("ptrace(PTRACE_SYSCALL)");
  }
  (void)!write(go[1], "g", 1);
  close(go[1]);

  std::set<pid_t> known = {pid};
  std::map<pid_t, SyscallStop> in_flight;  // entry seen, exit not yet
  int status = -1;
  for (;;) {
    pid_t tid = waitpid(-1, &st, __WALL);
    if (tid < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) break;
      return InternalError(std::string("waitpid: ") + strerror(errno));
    }
    if (WIFEXITED(st) || WIFSIGNALED(st)) {
      if (tid == pid) status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      known.erase(tid);
      in_flight.erase(tid);
      observer.OnThreadGone(tid);
      continue;
    }
    if (!WIFSTOPPED(st)) continue;
    const int sig = WSTOPSIG(st);
    const int event = st >> 16;
    if (sig == (SIGTRAP | 0x80)) {
      __ptrace_syscall_info info{};
      if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info) > 0) {
        if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
          SyscallStop s;
          s.tid = tid;
          s.nr = info.entry.nr;
          for (int i = 0; i < 6; ++i) s.args[i] = info.entry.args[i];
          in_flight[tid] = s;
          observer.OnSyscallEntry(s);
        } else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
          auto it = in_flight.find(tid);
          if (it != in_flight.end()) {
            SyscallStop s = it->second;
            in_flight.erase(it);
            s.ret = info.exit.rval;
            observer.OnSyscallExit(s);
          }
        }
      }
      ptrace(PTRACE_SYSCALL, tid, 0, 0);
      continue;
    }
    if (!known.count(tid)) {
      // A new thread or process, auto-attached: its first stop.
      known.insert(tid);
      ptrace(PTRACE_SYSCALL, tid, 0, 0);
      continue;
    }
    if (event == PTRACE_EVENT_STOP) {
      // A group stop stays a stop (as without a tracer); anything else resumes.
      if (IsGroupStopSignal(sig)) {
        ptrace(PTRACE_LISTEN, tid, 0, 0);
      } else {
        ptrace(PTRACE_SYSCALL, tid, 0, 0);
      }
      continue;
    }
    if (event != 0) {
      if (event == PTRACE_EVENT_EXEC) {
        unsigned long former = 0;
        ptrace(PTRACE_GETEVENTMSG, tid, 0, &former);
        if (static_cast<pid_t>(former) != tid) {
          // A non-leader thread exec'd: it now runs as the leader's tid.
          in_flight.erase(static_cast<pid_t>(former));
          known.erase(static_cast<pid_t>(former));
          observer.OnThreadGone(static_cast<pid_t>(former));
        }
        observer.OnExec(tid);
      }
      ptrace(PTRACE_SYSCALL, tid, 0, 0);
      continue;
    }
    // Signal-delivery stop: deliver it unchanged.
    ptrace(PTRACE_SYSCALL, tid, 0, sig);
  }
  return status < 0 ? 0 : status;
}

}  // namespace nvprobe::fakedrv
