// The nvprobe command line (see probe/README.md), separate from main() so that tests
// run it against a mock System.
#ifndef NVPROBE_PROBE_CLI_H_
#define NVPROBE_PROBE_CLI_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "probe/system.h"

namespace nvprobe::probe {

struct CliEnvironment {
  std::optional<std::string> driver_version;  // NVPROBE_DRIVER_VERSION
  std::string path;                           // PATH
};

// args excludes argv[0]. Returns the exit status.
int RunCli(System& sys, const std::vector<std::string>& args, const CliEnvironment& env,
           std::ostream& out, std::ostream& err);

std::string HelpText();

}  // namespace nvprobe::probe

#endif  // NVPROBE_PROBE_CLI_H_
