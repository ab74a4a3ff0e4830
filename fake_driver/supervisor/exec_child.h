// The last step of the child that runs the user's command, shared by the
// supervisor (fakedrv run, a CLONE_VM child) and the tracer (fakedrv record, forked).
#ifndef NVPROBE_FAKE_DRIVER_SUPERVISOR_EXEC_CHILD_H_
#define NVPROBE_FAKE_DRIVER_SUPERVISOR_EXEC_CHILD_H_

namespace nvprobe::fakedrv {

// Makes fakedrv itself ignore SIGPIPE, so that writing diagnostics to a closed
// stderr (`fakedrv run --verbose ... 2>&1 | head -1`) fails quietly instead of
// killing the supervisor mid-run. ExecOrExit127 gives the command back the
// disposition fakedrv was started with. Call once, early, before any fork.
void IgnoreSigpipe();

// execvp(argv[0], argv); if that fails, says why on stderr and exits 127, as a shell
// does. Before the exec, SIGPIPE gets back the disposition it had before
// IgnoreSigpipe(). Only async-signal-safe calls, and no write to memory but the
// stack: safe between fork() or vfork() and exec.
[[noreturn]] void ExecOrExit127(char* const argv[]);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_SUPERVISOR_EXEC_CHILD_H_
