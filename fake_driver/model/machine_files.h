// The fake machine's files under the model: nvprobe's (AddDriverFiles()) and what
// NVIDIA's own userspace reads besides (module parameters, the module list,
// /dev/char links, PCI config space, the UVM device).
#ifndef NVPROBE_FAKE_DRIVER_MODEL_MACHINE_FILES_H_
#define NVPROBE_FAKE_DRIVER_MODEL_MACHINE_FILES_H_

#include <memory>
#include <string>

#include "abi/abi.h"
#include "fake_driver/machine/machine_description.h"
#include "fake_driver/trace/trace.h"

namespace nvprobe::fakedrv::model {

// The files and device nodes nvprobe reads (device nodes, version files, procfs GPU
// information, sysfs PCI IDs) for `machine` reporting `driver`, with the
// description's file faults, added to `t` (driver_files.cc).
void AddDriverFiles(const Machine& machine, const std::string& driver, Trace& t);

// A trace with the machine's files and no events: what the supervisor needs to
// present the machine while the model answers the ioctls.
Trace MachineFilesOf(const Machine& machine, std::shared_ptr<const abi::Abi> abi,
                     const std::string& driver);

// The first 64 bytes of a GPU's PCI configuration space (the part an unprivileged
// reader of sysfs `config` sees), zero-padded to 256: IDs, class, revision,
// header type 0, subsystem IDs.
std::string PciConfigSpace(const MachineGpu& g);

}  // namespace nvprobe::fakedrv::model

#endif  // NVPROBE_FAKE_DRIVER_MODEL_MACHINE_FILES_H_
