#include "bench/process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

extern char** environ;

namespace nvprobe::bench {
namespace {

int OpenOr(const std::string& path, int flags) {
  return open(path.empty() ? "/dev/null" : path.c_str(), flags | O_CLOEXEC, 0644);
}

Finished Reap(const Started& s, double end_ns) {
  Finished f;
  int st = 0;
  rusage ru{};
  if (wait4(s.pid, &st, 0, &ru) == s.pid) {
    f.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    auto ms = [](const timeval& t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; };
    f.cpu_ms = ms(ru.ru_utime) + ms(ru.ru_stime);
  }
  f.wall_ms = (end_ns - s.start_ns) / 1e6;
  close(s.pidfd);
  return f;
}

}  // namespace

double NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Started Start(const std::vector<std::string>& args, const std::string& out_path,
              const std::string& err_path, const std::vector<std::string>& extra_env) {
  // Everything the child needs is prepared before fork: it only calls
  // async-signal-safe functions.
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_storage = extra_env;  // NAME=VALUE, replacing ours
  for (char** e = environ; *e != nullptr; ++e) {
    std::string var(*e);
    bool replaced = false;
    for (const std::string& x : extra_env) {
      replaced |= x.compare(0, x.find('=') + 1, var, 0, var.find('=') + 1) == 0;
    }
    if (!replaced) env_storage.push_back(std::move(var));
  }
  std::vector<char*> envp;
  for (std::string& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);
  int in = OpenOr("", O_RDONLY);
  int out = OpenOr(out_path, O_WRONLY | O_CREAT | O_TRUNC);
  int err = OpenOr(err_path, O_WRONLY | O_CREAT | O_TRUNC);
  Started s;
  s.start_ns = NowNs();
  s.pid = fork();
  if (s.pid == 0) {
    setpgid(0, 0);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(in);
  close(out);
  close(err);
  if (s.pid > 0) s.pidfd = static_cast<int>(syscall(SYS_pidfd_open, s.pid, 0));
  return s;
}

int WaitFirst(const std::vector<Started>& running, int timeout_s, Finished* result) {
  std::vector<pollfd> fds;
  for (const Started& s : running) fds.push_back({s.pidfd, POLLIN, 0});
  int ready = 0;
  do {
    ready = poll(fds.data(), fds.size(), timeout_s * 1000);
  } while (ready < 0 && errno == EINTR);
  double end = NowNs();
  if (ready <= 0) return -1;
  for (size_t i = 0; i < fds.size(); ++i) {
    if (fds[i].revents & POLLIN) {
      *result = Reap(running[i], end);
      return static_cast<int>(i);
    }
  }
  return -1;
}

Finished Wait(const Started& s, int timeout_s) {
  if (s.pid <= 0 || s.pidfd < 0) return {};
  Finished f;
  if (WaitFirst({s}, timeout_s, &f) == 0) return f;
  kill(-s.pid, SIGKILL);
  Finished killed = Reap(s, NowNs());
  killed.status = -1;
  return killed;
}

Finished Run(const std::vector<std::string>& args, const std::string& out_path,
             const std::string& err_path, const std::vector<std::string>& extra_env,
             int timeout_s) {
  return Wait(Start(args, out_path, err_path, extra_env), timeout_s);
}

}  // namespace nvprobe::bench
