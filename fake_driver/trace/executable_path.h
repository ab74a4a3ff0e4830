// Finding the program a command line runs, as execvp would: outputs must not be
// written over it (`synth --nvprobe ./np -o np`, `record -o ./x -- ./x`).
#ifndef NVPROBE_FAKE_DRIVER_TRACE_EXECUTABLE_PATH_H_
#define NVPROBE_FAKE_DRIVER_TRACE_EXECUTABLE_PATH_H_

#include <string>

#include "abi/status.h"

namespace nvprobe::fakedrv {

// `name` when it has a '/', else the first executable regular file `name` in our
// PATH's directories (an empty entry is "."). The message names what is wrong:
// "NAME: not an executable file", "NAME: not found in PATH".
StatusOr<std::string> FindExecutable(const std::string& name);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_TRACE_EXECUTABLE_PATH_H_
