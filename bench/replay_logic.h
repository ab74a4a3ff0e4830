// The replayer's own work per request, in-process: IoctlReplayer::Handle on a
// loaded trace with the request in our own memory, no seccomp round trip, no
// process_vm_readv. Section 1 sets it beside the round trip to show where a
// replayed ioctl's time goes.
#ifndef NVPROBE_BENCH_REPLAY_LOGIC_H_
#define NVPROBE_BENCH_REPLAY_LOGIC_H_

#include <cstdint>
#include <string>

namespace nvprobe::bench {

// Mean ns per Handle() call for `mode` ("cardinfo" or "control", as ioctl_loop)
// over `calls` calls after a warm-up; 0 when the trace does not load or a request
// is not answered.
double ReplayLogicNs(const std::string& trace_path, const std::string& mode, long calls,
                     uint32_t gpu_id, std::string* error);

}  // namespace nvprobe::bench

#endif  // NVPROBE_BENCH_REPLAY_LOGIC_H_
