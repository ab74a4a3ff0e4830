#include "fake_driver/supervisor/command_launch.h"

#include <linux/seccomp.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "fake_driver/supervisor/exec_child.h"

namespace nvprobe::fakedrv {
namespace {

// What the child needs; it lives on the parent's stack, which the child shares and
// which stays put while the parent waits for the exec.
struct ChildStart {
  int sock;
  const sock_fprog* prog;
  char* const* argv;
  const std::vector<int>* drop;
  const sigset_t* mask;
  pid_t supervisor;
};

// The child shares our memory: a handler of ours running in it (between the mask
// restored and the exec) would do so on our data. posix_spawn resets them too.
// Not instrumented by ASan (this and ChildMain): it runs on a stack ASan does not
// know, where a noreturn call (_exit, the exec) would make it warn on the
// command's stderr.
__attribute__((no_sanitize("address"))) void DefaultSignalHandlers() {
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction sa {};
    if (sigaction(sig, nullptr, &sa) != 0 || sa.sa_handler == SIG_IGN ||
        sa.sa_handler == SIG_DFL) {
      continue;
    }
    sa.sa_handler = SIG_DFL;
    sa.sa_flags = 0;
    sigaction(sig, &sa, nullptr);
  }
}

// Only async-signal-safe calls, and no write to memory but its own stack: it runs
// in our address space. Sends {errno, listener} over `sock`, closes `drop`, restores
// the signal mask, and execs; never returns. The command dies with the supervisor:
// it must not run on unsupervised after a `kill -KILL` of fakedrv (its own children
// are not killed; their calls get ENOSYS, fake_driver/THREAT_MODEL.md).
__attribute__((no_sanitize("address"))) int ChildMain(void* arg) {
  const ChildStart& s = *static_cast<const ChildStart*>(arg);
  for (int fd : *s.drop) close(fd);
  // Set before checking the parent: had it died in between, getppid() says so.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != s.supervisor) _exit(125);
  DefaultSignalHandlers();
  sigprocmask(SIG_SETMASK, s.mask, nullptr);
  int err = 0;
  int listener = -1;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    err = errno;
  } else {
    listener = static_cast<int>(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                                        SECCOMP_FILTER_FLAG_NEW_LISTENER, s.prog));
    if (listener < 0) err = errno;
  }
  char control[CMSG_SPACE(sizeof(int))] = {};
  iovec iov{&err, sizeof err};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (listener >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &listener, sizeof(int));
  }
  if (sendmsg(s.sock, &msg, 0) < 0) _exit(125);
  // Our copy must go, or the target would hang instead of getting ENOSYS once the
  // supervisor is gone.
  if (listener >= 0) close(listener);
  close(s.sock);
  if (err != 0) _exit(125);
  ExecOrExit127(s.argv);
}

// Enough for ChildMain and execvp's PATH search (a path-sized buffer on the stack).
constexpr size_t kChildStackBytes = size_t{256} << 10;

}  // namespace

StatusOr<LaunchedCommand> LaunchCommand(const std::vector<std::string>& args,
                                        const std::vector<sock_filter>& filter,
                                        const std::vector<int>& drop, const sigset_t& mask) {
  sock_fprog prog{static_cast<unsigned short>(filter.size()),
                  const_cast<sock_filter*>(filter.data())};
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return InternalError(std::string("socketpair: ") + std::strerror(errno));
  }
  void* stack = mmap(nullptr, kChildStackBytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) {
    const int err = errno;
    close(sv[0]);
    close(sv[1]);
    return InternalError(std::string("mmap (the command's first stack): ") + std::strerror(err));
  }
  ChildStart start{sv[1], &prog, argv.data(), &drop, &mask, getpid()};
  // No signal handler of ours may run in the child before it resets them.
  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &saved);
  const pid_t pid = clone(ChildMain, static_cast<char*>(stack) + kChildStackBytes,
                          CLONE_VM | CLONE_VFORK | SIGCHLD, &start);
  const int clone_err = errno;
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  munmap(stack, kChildStackBytes);
  close(sv[1]);
  if (pid < 0) {
    close(sv[0]);
    return InternalError(std::string("clone: ") + std::strerror(clone_err));
  }
  LaunchedCommand t;
  t.pid = pid;
  t.pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  int err = 0;
  char control[CMSG_SPACE(sizeof(int))] = {};
  iovec iov{&err, sizeof err};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  const ssize_t n = recvmsg(sv[0], &msg, MSG_CMSG_CLOEXEC);
  close(sv[0]);
  cmsghdr* c = n > 0 ? CMSG_FIRSTHDR(&msg) : nullptr;
  if (c != nullptr && c->cmsg_type == SCM_RIGHTS) std::memcpy(&t.listener, CMSG_DATA(c), sizeof(int));
  if (t.listener < 0 || t.pidfd < 0) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    if (t.pidfd >= 0) close(t.pidfd);
    if (t.listener >= 0) close(t.listener);
    return FailedPreconditionError(std::string("cannot install the seccomp filter: ") +
                                   std::strerror(err ? err : EINVAL));
  }
  return t;
}

}  // namespace nvprobe::fakedrv
