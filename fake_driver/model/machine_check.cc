#include "fake_driver/model/machine_check.h"

#include <cctype>
#include <string>

namespace nvprobe::fakedrv::model {
namespace {

std::string Release(const abi::Abi& abi) { return abi.release().ToString(); }

bool Describes(const std::vector<abi::Binding>& bindings, const std::string& name) {
  for (const abi::Binding& b : bindings) {
    if (b.name == name) return true;
  }
  return false;
}

Status CheckStatus(const abi::Abi& abi, const std::string& where, const std::string& status) {
  if (abi.FindConstant(status)) return OkStatus();
  return InvalidArgumentError(where + ": " + status + " is not a status of release " + Release(abi));
}

}  // namespace

Status CheckMachineForModel(const Machine& m, const abi::Abi& abi) {
  const std::string hint = " (fakedrv abi dump --driver " + Release(abi) + " lists what it describes)";
  for (const auto& [name, status] : m.faults.control_status) {
    const std::string where = "faults.control_status." + name;
    if (!Describes(abi.controls(), name))
      return InvalidArgumentError(where + ": not a control release " + Release(abi) + " describes" + hint);
    NVPROBE_RETURN_IF_ERROR(CheckStatus(abi, where, status));
  }
  for (const auto& [name, status] : m.faults.alloc_status) {
    const std::string where = "faults.alloc_status." + name;
    if (!Describes(abi.classes(), name))
      return InvalidArgumentError(where + ": not a class release " + Release(abi) + " describes" + hint);
    NVPROBE_RETURN_IF_ERROR(CheckStatus(abi, where, status));
  }
  for (const auto& [name, err] : m.faults.ioctl_errno) {
    (void)err;
    if (!abi.FindConstant(name))
      return InvalidArgumentError("faults.ioctl_errno." + name + ": not an escape release " + Release(abi) +
                                  " has" + hint);
  }
  // gpu.c:subdeviceCtrlCmdGpuGetNameString_IMPL() copies the name into
  // NV2080_GPU_MAX_NAME_STRING_LENGTH bytes with its NUL; NVML prints it as it is.
  const uint64_t longest = abi.FindConstant("NV2080_GPU_MAX_NAME_STRING_LENGTH").value_or(64) - 1;
  for (size_t i = 0; i < m.gpus.size(); ++i) {
    const MachineGpu& g = m.gpus[i];
    const std::string where = "gpus[" + std::to_string(i) + "].";
    if (g.name.size() > longest)
      return InvalidArgumentError(where + "name: longer than " + std::to_string(longest) +
                                  " bytes (the driver's NV2080_GPU_MAX_NAME_STRING_LENGTH)");
    for (unsigned char c : g.name) {
      if (c < 0x20 || c > 0x7e)
        return InvalidArgumentError(where + "name: byte " + std::to_string(c) +
                                    " is not printable ASCII, which the driver's name string holds");
    }
    for (size_t k = 4; k < g.uuid.size(); ++k) {
      const char c = g.uuid[k];
      if (c != '-' && !std::isxdigit(static_cast<unsigned char>(c)))
        return InvalidArgumentError(where + "uuid: \"" + g.uuid +
                                    "\" has a non-hex digit; the driver holds the UUID as 16 bytes");
    }
  }
  return OkStatus();
}

}  // namespace nvprobe::fakedrv::model
