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

// `options.work_dir` empty: $TMPDIR or /tmp.
int RunCommand(const abi::Registry& registry, const std::string& trace_path, RunOptions options,
               const std::string& log_path, const std::vector<std::string>& argv,
               std::ostream& err);

// `run --machine M --driver V`: the machine model answers (fake_driver/model/).
int RunModelCommand(const abi::Registry& registry, const std::string& machine_path,
                    const std::string& driver, RunOptions options, const std::string& log_path,
                    const std::vector<std::string>& argv, std::ostream& err);

int ShowCommand(const abi::Registry& registry, const std::string& trace_path, std::ostream& out,
                std::ostream& err);

// The strace-like text of one trace (for `show`).
void DescribeTrace(const Trace& trace, std::ostream& out);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_TRACE_COMMANDS_H_
