// Runs a command for a test, bounded in time, with its stdout and stderr captured in
// files under TEST_TMPDIR and stdin from /dev/null.
#ifndef NVPROBE_TESTS_UTIL_SUBPROCESS_H_
#define NVPROBE_TESTS_UTIL_SUBPROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace nvprobe::testing {

struct SpawnOptions {
  // No capabilities now or after exec (securebits locked): an unprivileged run
  // even where the test runs as root.
  bool drop_caps = false;
  // LeakSanitizer cannot run in a ptrace-traced process; an ASan-built target that
  // is traced must run without it.
  bool no_leak_check = false;
};

struct Spawned {
  pid_t pid = -1;  // leader of its own process group
  std::string out_path, err_path;
};

struct CommandResult {
  int status = -1;  // exit status, 128+signal, or -1 on timeout
  std::string out, err;
};

// Starts args[0] (a path, not searched in PATH) with args.
Spawned Spawn(const std::vector<std::string>& args, SpawnOptions options = {});

// Waits at most `timeout_s`; on timeout kills the whole process group, returns
// status -1 and appends "(timed out)" to err.
CommandResult Wait(const Spawned& s, int timeout_s);

CommandResult RunCommand(const std::vector<std::string>& args, int timeout_s,
                         SpawnOptions options = {});

// TEST_TMPDIR, or /tmp outside Bazel.
std::string TmpDir();
std::string ReadFileOrEmpty(const std::string& path);

}  // namespace nvprobe::testing

#endif  // NVPROBE_TESTS_UTIL_SUBPROCESS_H_
