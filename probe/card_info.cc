#include "probe/card_info.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "abi/struct_view.h"
#include "probe/ioctl_request.h"

namespace nvprobe::probe {

std::string FormatBusId(uint32_t domain, uint32_t bus, uint32_t slot, uint32_t function) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04x:%02x:%02x.%x", domain & 0xffff, bus & 0xff,
                slot & 0x1f, function & 0x7);
  return buf;
}

std::string CardInfo::BusId() const { return FormatBusId(domain, bus, slot, 0); }

StatusOr<std::vector<CardInfo>> ReadCardInfo(System& sys, int ctl_fd, const abi::Abi& abi,
                                             std::vector<std::string>& warnings) {
  StatusOr<const abi::StructLayout*> layout = abi.Struct("nv_ioctl_card_info_t");
  if (!layout.ok()) return layout.status();
  StatusOr<uint64_t> max_devices = abi.Constant("NV_MAX_DEVICES");
  if (!max_devices.ok()) return max_devices.status();
  StatusOr<uint64_t> max_size = abi.Constant("NV_ABSOLUTE_MAX_IOCTL_SIZE");
  if (!max_size.ok()) return max_size.status();
  const uint32_t entry = (*layout)->size;
  if (entry == 0 || *max_devices == 0 || *max_devices > 1024 || *max_size > (1u << 20))
    return InternalError("card info: bad NV_MAX_DEVICES, NV_ABSOLUTE_MAX_IOCTL_SIZE or entry size");
  // The driver fails with EINVAL when it has more GPUs than entries
  // (kernel-open/nvidia/nv.c:nvidia_read_card_info()). NV_MAX_DEVICES is what its
  // own clients pass; a machine with more GPUs gets one more try with as many entries
  // as a single ioctl carries (_IOC_SIZE has 14 bits; nv.c:nvidia_ioctl() caps any
  // argument at NV_ABSOLUTE_MAX_IOCTL_SIZE).
  const uint32_t most = static_cast<uint32_t>(std::min<uint64_t>(*max_size, (1u << 14) - 1) / entry);
  std::vector<uint8_t> buf;
  uint32_t count = static_cast<uint32_t>(*max_devices);
  for (;;) {
    buf.assign(static_cast<size_t>(entry) * count, 0);
    StatusOr<unsigned long> req = NvRequest(abi, "NV_ESC_CARD_INFO", static_cast<uint32_t>(buf.size()));
    if (!req.ok()) return req.status();
    IoctlResult io = sys.Ioctl(ctl_fd, *req, buf.data());
    if (io.ok()) break;
    std::string failed = std::string("NV_ESC_CARD_INFO failed: ") + std::strerror(io.err) + " (" +
                         std::to_string(count) + " entries)";
    // EINVAL to the largest call too: the driver has more GPUs than any card-info
    // call can carry, so the kernel driver lists none, to anyone. Both ways in are
    // capped (kernel-open/nvidia/nv.c:nvidia_ioctl(): _IOC_SIZE's 14 bits, and
    // NV_ABSOLUTE_MAX_IOCTL_SIZE, 16384, through NV_ESC_IOCTL_XFER_CMD: 227 entries
    // of 72 bytes either way), and nvidia_read_card_info() answers EINVAL whenever
    // num_entries < num_nv_devices. A real driver never gets there: the RM registers
    // at most NV_MAX_DEVICES GPUs
    // (src/nvidia/src/kernel/gpu_mgr/gpu_mgr.c:gpumgrRegisterGpuId(), probedGpus[32]),
    // and a GPU it refuses fails kernel-open/nvidia/nv-pci.c:nv_pci_probe() before
    // num_nv_devices counts it; the machine model lets a description have up to 255.
    if (io.err == EINVAL && count >= most)
      return OutOfRangeError(failed + ": the driver has more GPUs than one card-info call carries (" +
                             std::to_string(most) + " entries of " + std::to_string(entry) +
                             " bytes) and lists none");
    if (io.err != EINVAL || count >= most) return UnavailableError(failed);
    count = most;
  }

  std::vector<CardInfo> cards;
  for (uint32_t i = 0; i < count; ++i) {
    std::span<const uint8_t> bytes(buf.data() + static_cast<size_t>(i) * entry, entry);
    StatusOr<abi::StructReader> r = abi::StructReader::Make(**layout, bytes);
    if (!r.ok()) return r.status();
    StatusOr<uint8_t> valid = r->Get<uint8_t>("valid");
    if (!valid.ok()) return valid.status();
    if (*valid == 0) continue;
    CardInfo c;
    StatusOr<uint32_t> domain = r->Get<uint32_t>("pci_info.domain");
    StatusOr<uint8_t> bus = r->Get<uint8_t>("pci_info.bus");
    StatusOr<uint8_t> slot = r->Get<uint8_t>("pci_info.slot");
    StatusOr<uint16_t> vendor = r->Get<uint16_t>("pci_info.vendor_id");
    StatusOr<uint16_t> device = r->Get<uint16_t>("pci_info.device_id");
    StatusOr<uint32_t> gpu_id = r->Get<uint32_t>("gpu_id");
    StatusOr<uint32_t> minor = r->Get<uint32_t>("minor_number");
    for (const Status& s : {domain.status(), bus.status(), slot.status(), vendor.status(),
                            device.status(), gpu_id.status(), minor.status()})
      NVPROBE_RETURN_IF_ERROR(s);
    c.domain = *domain;
    c.bus = *bus;
    c.slot = *slot;
    c.vendor_id = *vendor;
    c.device_id = *device;
    c.gpu_id = *gpu_id;
    c.minor = *minor;
    std::string where = "ioctl: nv_ioctl_card_info_t[" + std::to_string(i) + "].";
    if (c.vendor_id != 0x10de) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "0x%04x", c.vendor_id);
      warnings.push_back(where + "pci_info.vendor_id is " + hex + ", not NVIDIA's 0x10de");
    }
    if (c.domain > 0xffff) {
      warnings.push_back(where + "pci_info.domain " + std::to_string(c.domain) +
                         " is out of range; entry skipped");
      continue;
    }
    if (c.slot > 0x1f) {
      warnings.push_back(where + "pci_info.slot " + std::to_string(c.slot) +
                         " is out of range; entry skipped");
      continue;
    }
    // /dev/nvidiactl is minor 255; GPU minors are 0..254 (kernel-open/nvidia/nv.c).
    if (c.minor >= 255) {
      warnings.push_back(where + "minor_number " + std::to_string(c.minor) +
                         " is out of range; entry skipped");
      continue;
    }
    cards.push_back(c);
  }
  return cards;
}

}  // namespace nvprobe::probe
