// `fakedrv run` and `fakedrv show`. Each returns the process exit status.
#ifndef NVPROBE_FAKE_DRIVER_TRACE_COMMANDS_H_
#define NVPROBE_FAKE_DRIVER_TRACE_COMMANDS_H_

#include <ostream>
#include <string>
#include <vector>

#include "abi/registry.h"
#include "fake_driver/supervisor/supervisor.h"
#include "fake_driver/trace/trace.h"

namespace nvprobe::fakedrv {

// `run --strict`: the command ran but at least one request went unanswered.
inline constexpr int kExitStrictUnmatched = 120;
// The supervisor could not start or serve the command.
inline constexpr int kExitSupervisorFailed = 125;

// What `run` does with the trace or the machine model once the command has ended.
// kFree: frees it, for a caller that goes on. kLeaveToExit: keeps it (reachable,
// so no leak to LeakSanitizer) for the kernel to reclaim whole when the process
// exits, as clang's -disable-free does: freeing a 64-GPU trace's thousands of
// buffers one by one cost `fakedrv run` 0.2-0.3 ms. For fakedrv's main, which
// exits next.
enum class AtEnd { kFree, kLeaveToExit };

// `options.work_dir` empty: $TMPDIR or /tmp.
int RunCommand(const abi::Registry& registry, const std::string& trace_path, RunOptions options,
               const std::string& log_path, const std::vector<std::string>& argv,
               std::ostream& err, AtEnd at_end = AtEnd::kFree);

// `run --machine M --driver V`: the machine model answers (fake_driver/model/).
int RunModelCommand(const abi::Registry& registry, const std::string& machine_path,
                    const std::string& driver, RunOptions options, const std::string& log_path,
                    const std::vector<std::string>& argv, std::ostream& err,
                    AtEnd at_end = AtEnd::kFree);

int ShowCommand(const abi::Registry& registry, const std::string& trace_path, std::ostream& out,
                std::ostream& err);

// The strace-like text of one trace (for `show`).
void DescribeTrace(const Trace& trace, std::ostream& out);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_TRACE_COMMANDS_H_
