#include "tests/util/subprocess.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace nvprobe::testing {

std::string TmpDir() {
  const char* t = std::getenv("TEST_TMPDIR");
  return t ? t : "/tmp";
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Spawned Spawn(const std::vector<std::string>& args, SpawnOptions options) {
  static std::atomic<int> counter = 0;
  std::string base = TmpDir() + "/cmd" + std::to_string(getpid()) + "_" + std::to_string(counter++);
  Spawned s{-1, base + ".out", base + ".err"};
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  s.pid = fork();
  if (s.pid == 0) {
    int o = open(s.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(s.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int n = open("/dev/null", O_RDONLY);
    dup2(n, 0);
    dup2(o, 1);
    dup2(e, 2);
    setpgid(0, 0);
    if (options.no_leak_check) setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
    if (options.drop_caps) {
      prctl(PR_SET_SECUREBITS, 0x2f /* NOROOT, NO_SETUID_FIXUP, KEEP_CAPS locked */);
      __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
      __user_cap_data_struct d[2] = {};
      if (syscall(SYS_capset, &h, d) != 0) _exit(99);
    }
    execv(argv[0], argv.data());
    _exit(98);
  }
  return s;
}

CommandResult Wait(const Spawned& s, int timeout_s) {
  CommandResult r;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  int st = 0;
  bool timed_out = false;
  while (waitpid(s.pid, &st, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(-s.pid, SIGKILL);
      waitpid(s.pid, &st, 0);
      timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.status = timed_out ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = ReadFileOrEmpty(s.out_path);
  r.err = ReadFileOrEmpty(s.err_path) + (timed_out ? "\n(timed out)" : "");
  return r;
}

CommandResult RunCommand(const std::vector<std::string>& args, int timeout_s,
                         SpawnOptions options) {
  return Wait(Spawn(args, options), timeout_s);
}

}  // namespace nvprobe::testing
