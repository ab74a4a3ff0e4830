// The corpus traces the end-to-end and syscall sections run, and what their
// expected answers say about them.
#ifndef NVPROBE_BENCH_MACHINES_H_
#define NVPROBE_BENCH_MACHINES_H_

#include <string>
#include <vector>

#include "bench/context.h"

namespace nvprobe::bench {

struct Machine {
  std::string release, name;
  int gpus = 0;
  // From the expected answer: whether --full does RM work per GPU (it does not
  // where NV_ESC_CARD_INFO cannot list the GPUs: more than 32).
  bool full_per_gpu = false;
  std::string trace, expected;  // runfiles paths
  std::string Label() const;    // "550.76 a100-pcie-1x (1 GPU)"
};

enum class Series {
  kHeadline,    // 580.95.05: the 8x H100 and the 64-GPU machine
  kFastScale,   // one release, 1 / 8 / 64 GPUs
  kFullScale,   // one release, 1 / 4 / 8 GPUs, all with the per-GPU full path
};

std::vector<Machine> MachinesOf(Context& ctx, Series series);

}  // namespace nvprobe::bench

#endif  // NVPROBE_BENCH_MACHINES_H_
