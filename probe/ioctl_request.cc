#include "probe/ioctl_request.h"

#include <linux/ioctl.h>

#include <string>

namespace nvprobe::probe {

StatusOr<unsigned long> NvRequest(const abi::Abi& abi, std::string_view escape, uint32_t size) {
  StatusOr<uint64_t> magic = abi.Constant("NV_IOCTL_MAGIC");
  if (!magic.ok()) return magic.status();
  StatusOr<uint64_t> nr = abi.Constant(escape);
  if (!nr.ok()) return nr.status();
  if (size > kMaxIoctlSize || *nr > 0xff || *magic > 0xff)
    return InvalidArgumentError("ioctl " + std::string(escape) + " of " +
                                std::to_string(size) + " bytes does not fit a request");
  return static_cast<unsigned long>(_IOC(_IOC_READ | _IOC_WRITE, *magic, *nr, size));
}

}  // namespace nvprobe::probe
