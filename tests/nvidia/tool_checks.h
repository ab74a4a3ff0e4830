// What NVIDIA's tools must show on a fake machine, from its description: shared by
// the model's test (nvidia_tools_test) and the replay of recorded tool traces
// (nvidia_replay_test), so both hold the tools to the same facts.
#ifndef NVPROBE_TESTS_NVIDIA_TOOL_CHECKS_H_
#define NVPROBE_TESTS_NVIDIA_TOOL_CHECKS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace nvprobe::testing {

// $TEST_SRCDIR/nvidia_userspace/dist/<release>: NVIDIA's userspace of a release
// (tools/bootstrap fetches it).
std::string NvidiaDist(const std::string& release);
bool Exists(const std::string& path);

struct DescribedGpu {
  std::string bus_id;  // "0000:3b:00.0"
  std::string name, uuid, cc;
  uint64_t memory_mib = 0;
  uint32_t device_id = 0, subsystem_id = 0;
};

// The GPUs of traces/machines/<machine>.json.
std::vector<DescribedGpu> GpusOf(const std::string& machine);

// NVML's bus id: 8-digit domain, upper case hex.
std::string NvmlBusId(const std::string& bus);
std::string Hex32(uint32_t v);
std::vector<std::string> Lines(const std::string& s);

// gtest expectations: `nvidia-smi -q` output `out` shows release and every GPU.
void ExpectSmiQueryShows(const std::string& out, const std::vector<DescribedGpu>& gpus,
                         const std::string& release);
// The NVML client's JSON `out` (tests/nvidia/nvml_client.c, --calls=full) holds
// release and every GPU.
void ExpectNvmlClientShows(const std::string& out, const std::vector<DescribedGpu>& gpus,
                           const std::string& release);

}  // namespace nvprobe::testing

#endif  // NVPROBE_TESTS_NVIDIA_TOOL_CHECKS_H_
