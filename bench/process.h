// Starting and timing the benchmark's subprocesses. Wall time is taken around
// fork/exec/wait, as a user of `fakedrv run` would see it.
#ifndef NVPROBE_BENCH_PROCESS_H_
#define NVPROBE_BENCH_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace nvprobe::bench {

struct Started {
  pid_t pid = -1;
  int pidfd = -1;  // readable once the process has exited
  double start_ns = 0;
};

struct Finished {
  int status = -1;  // exit status, or 128 + signal
  double wall_ms = 0;
  // User + system CPU time of the process and every descendant it waited for
  // (wait4): less sensitive than wall time to other tenants of a shared machine.
  double cpu_ms = 0;
};

// Starts args[0] (a path) with stdin from /dev/null, stdout to `out_path` and
// stderr to `err_path` ("" for /dev/null), in its own process group.
Started Start(const std::vector<std::string>& args, const std::string& out_path,
              const std::string& err_path, const std::vector<std::string>& extra_env = {});

// Waits for one started process; after `timeout_s` kills its process group.
Finished Wait(const Started& s, int timeout_s);

// Waits for the first of `running` to finish (they must all have started);
// returns its index in `running` and its result, or -1 after `timeout_s`.
int WaitFirst(const std::vector<Started>& running, int timeout_s, Finished* result);

// Start + Wait.
Finished Run(const std::vector<std::string>& args, const std::string& out_path = "",
             const std::string& err_path = "", const std::vector<std::string>& extra_env = {},
             int timeout_s = 120);

double NowNs();
std::string ReadFile(const std::string& path);

}  // namespace nvprobe::bench

#endif  // NVPROBE_BENCH_PROCESS_H_
