// What the machine model needs of a description beyond ParseMachine(..., kModel):
// every fault names a control, class, escape and status the release describes,
// and every value can reach NVIDIA's tools as the driver would pass it. Errors
// name the key.
#ifndef NVPROBE_FAKE_DRIVER_MODEL_MACHINE_CHECK_H_
#define NVPROBE_FAKE_DRIVER_MODEL_MACHINE_CHECK_H_

#include "abi/abi.h"
#include "abi/status.h"
#include "fake_driver/machine/machine_description.h"

namespace nvprobe::fakedrv::model {

Status CheckMachineForModel(const Machine& machine, const abi::Abi& abi);

}  // namespace nvprobe::fakedrv::model

#endif  // NVPROBE_FAKE_DRIVER_MODEL_MACHINE_CHECK_H_
