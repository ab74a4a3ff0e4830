// The last step of a forked child that runs the user's command, shared by the
// supervisor (fakedrv run) and the tracer (fakedrv record).
#ifndef NVPROBE_FAKE_DRIVER_EXEC_CHILD_H_
#define NVPROBE_FAKE_DRIVER_EXEC_CHILD_H_

namespace nvprobe::fakedrv {

// execvp(argv[0], argv); if that fails, says why on stderr and exits 127, as a shell
// does. Only async-signal-safe calls: safe between fork() and exec.
[[noreturn]] void ExecOrExit127(char* const argv[]);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_EXEC_CHILD_H_
