// Which fake device nodes a target process holds open. The driver's device
// allocation asks this of the caller's fd table (kernel-open/nvidia/nv.c:
// nv_is_gpu_accessible() walks current->files); we read /proc/PID/fd instead.
#ifndef NVPROBE_FAKE_DRIVER_SUPERVISOR_HELD_DEVICES_H_
#define NVPROBE_FAKE_DRIVER_SUPERVISOR_HELD_DEVICES_H_

#include <sys/types.h>

#include <string>

#include "fake_driver/supervisor/fake_machine.h"

namespace nvprobe::fakedrv {

// True when some fd of `pid` (a thread ID works too: it shares the process's table)
// is the fake node `device_path` of `machine`.
bool ProcessHoldsDevice(pid_t pid, const FakeMachine& machine, const std::string& device_path);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_SUPERVISOR_HELD_DEVICES_H_
