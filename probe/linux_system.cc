#include "probe/linux_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

extern char** environ;

namespace nvprobe::probe {

Status ErrnoToStatus(int err, const std::string& what) {
  std::string msg = what + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
    case ENODEV:
    case ENXIO:
    case ENOTDIR:
      return NotFoundError(msg);
    case EACCES:
    case EPERM:
      return PermissionDeniedError(msg);
    default:
      return UnavailableError(msg);
  }
}

StatusOr<int> LinuxSystem::Open(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, "open " + path);
  return fd;
}

IoctlResult LinuxSystem::Ioctl(int fd, unsigned long request, void* arg) {
  int r;
  do {
    r = ::ioctl(fd, request, arg);
  } while (r < 0 && errno == EINTR);
  return IoctlResult{r, r < 0 ? errno : 0};
}

void LinuxSystem::Close(int fd) { ::close(fd); }

StatusOr<std::string> LinuxSystem::ReadFile(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return ErrnoToStatus(errno, "open " + path);
  std::string out;
  char buf[4096];
  while (out.size() < max_bytes) {
    ssize_t n = ::read(fd, buf, std::min(sizeof(buf), max_bytes - out.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return ErrnoToStatus(err, "read " + path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

StatusOr<std::vector<std::string>> LinuxSystem::ListDir(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return ErrnoToStatus(errno, "opendir " + path);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(d);
  return names;
}

namespace {

// Appends what the pipe holds now, without blocking; false at EOF or on an error.
bool ReadAvailable(int fd, std::string& out, size_t max_output) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    if (n == 0) return false;
    if (out.size() < max_output)
      out.append(buf, std::min(static_cast<size_t>(n), max_output - out.size()));
  }
}

}  // namespace

StatusOr<CommandResult> LinuxSystem::Run(const std::vector<std::string>& argv,
                                         std::chrono::milliseconds timeout,
                                         size_t max_output) {
  if (argv.empty()) return InvalidArgumentError("empty command");
  // As a shell's PATH search: a directory or a file without execute permission is
  // skipped (PERMISSION_DENIED), not fatal.
  struct stat st;
  if (::stat(argv[0].c_str(), &st) != 0) return ErrnoToStatus(errno, argv[0]);
  if (!S_ISREG(st.st_mode))
    return PermissionDeniedError(argv[0] + (S_ISDIR(st.st_mode) ? ": is a directory"
                                                                 : ": not a regular file"));
  if (::access(argv[0].c_str(), X_OK) != 0) return ErrnoToStatus(errno, argv[0]);
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return ErrnoToStatus(errno, "pipe");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  // Its own process group: on a timeout its children (a `sleep` a script started)
  // die with it.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = ::posix_spawn(&pid, argv[0].c_str(), &fa, &attr, args.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  ::close(pipefd[1]);
  if (rc != 0) {
    ::close(pipefd[0]);
    return ErrnoToStatus(rc, "spawn " + argv[0]);
  }
  ::fcntl(pipefd[0], F_SETFL, ::fcntl(pipefd[0], F_GETFL) | O_NONBLOCK);
  // Readable when the child exits (Linux 5.3+); without it, waitpid is polled.
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));

  CommandResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool pipe_open = true, exited = false;
  int wstatus = 0;
  for (;;) {
    pid_t w = ::waitpid(pid, &wstatus, WNOHANG);
    if (w == pid) {
      exited = true;
      break;
    }
    if (w < 0 && errno != EINTR) {  // reaped elsewhere (SIGCHLD ignored): no status
      wstatus = 0;
      exited = true;
      break;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd p[2];
    nfds_t n = 0;
    if (pipe_open) p[n++] = pollfd{pipefd[0], POLLIN, 0};
    if (pidfd >= 0) p[n++] = pollfd{pidfd, POLLIN, 0};
    long wait_ms = pidfd >= 0 ? left.count() : std::min<long>(left.count(), 10);
    wait_ms = std::min<long>(wait_ms, 1000000);
    int pr = ::poll(p, n, static_cast<int>(wait_ms));
    if (pr < 0 && errno != EINTR) {
      result.timed_out = true;  // cannot wait: treat as no answer
      break;
    }
    if (pipe_open && pr > 0 && p[0].revents != 0)
      pipe_open = ReadAvailable(pipefd[0], result.out, max_output);
  }
  // Whatever is left in its group (everything, after a timeout) is killed: nothing
  // nvprobe started outlives it. The group's ID stays reserved while any member lives.
  ::kill(-pid, SIGKILL);
  if (result.timed_out) {
    while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
    }
  } else if (pipe_open) {
    // The child wrote before it exited: that is in the pipe now. A background process
    // holding the pipe is not waited for.
    ReadAvailable(pipefd[0], result.out, max_output);
  }
  ::close(pipefd[0]);
  if (pidfd >= 0) ::close(pidfd);
  if (exited && WIFEXITED(wstatus)) {
    result.exit_code = WEXITSTATUS(wstatus);
  } else {
    result.exit_code = -1;
    if (exited && WIFSIGNALED(wstatus)) result.signal = WTERMSIG(wstatus);
  }
  return result;
}

}  // namespace nvprobe::probe
