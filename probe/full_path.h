// The kernel driver's full path for one GPU: with /dev/nvidia<minor> held open (the
// RM refuses a Device to a process that has not opened the GPU:
// src/nvidia/arch/nvalloc/unix/src/osapi.c, NV_ERR_INSUFFICIENT_PERMISSIONS), allocate
// NV01_DEVICE_0 and NV20_SUBDEVICE_0 under the root client, ask the subdevice for
// its SM version (the authoritative compute capability), architecture, name, UUID,
// PCI IDs and memory, then free both objects and close the GPU's fd - on success and
// on every error path.
#ifndef NVPROBE_PROBE_FULL_PATH_H_
#define NVPROBE_PROBE_FULL_PATH_H_

#include <string>
#include <vector>

#include "abi/status.h"
#include "probe/card_info.h"
#include "probe/result.h"
#include "probe/rm_client.h"
#include "probe/system.h"

namespace nvprobe::probe {

// Fills what it learns into `gpu`. Fails only when no object could be allocated;
// a single control that fails becomes a warning and leaves its fields empty.
Status ProbeGpuFull(System& sys, RmClient& client, const CardInfo& card, uint32_t index,
                    GpuInfo& gpu, std::vector<std::string>& warnings);

// Names an (architecture, implementation) pair from MC_GET_ARCH_INFO with the
// release's constants: {"Hopper", "GH100"}. Empty optionals for unknown values.
struct ArchName {
  std::optional<std::string> architecture;
  std::optional<std::string> chip;
};
ArchName NameArchitecture(const abi::Abi& abi, uint32_t architecture, uint32_t implementation);

}  // namespace nvprobe::probe

#endif  // NVPROBE_PROBE_FULL_PATH_H_
