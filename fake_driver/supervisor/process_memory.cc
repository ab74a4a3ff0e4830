#include "fake_driver/supervisor/process_memory.h"

#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

namespace nvprobe::fakedrv {
namespace {

// EPERM: the target made itself undumpable (or changed credentials) and the
// supervisor lacks CAP_SYS_PTRACE; callers refuse then rather than guess.
Status AccessError(const char* what, int err) {
  std::string m = std::string("cannot ") + what + " target memory: " + std::strerror(err);
  return err == EPERM ? PermissionDeniedError(m) : UnavailableError(m);
}

}  // namespace

Status ProcessMemory::Read(uint64_t address, std::span<uint8_t> out) {
  if (out.empty()) return OkStatus();
  iovec local{out.data(), out.size()};
  iovec remote{reinterpret_cast<void*>(address), out.size()};
  ssize_t n = process_vm_readv(pid_, &local, 1, &remote, 1, 0);
  if (n != static_cast<ssize_t>(out.size())) return AccessError("read", n < 0 ? errno : EFAULT);
  return OkStatus();
}

Status ProcessMemory::Write(uint64_t address, std::span<const uint8_t> bytes) {
  if (bytes.empty()) return OkStatus();
  iovec local{const_cast<uint8_t*>(bytes.data()), bytes.size()};
  iovec remote{reinterpret_cast<void*>(address), bytes.size()};
  ssize_t n = process_vm_writev(pid_, &local, 1, &remote, 1, 0);
  if (n != static_cast<ssize_t>(bytes.size())) return AccessError("write", n < 0 ? errno : EFAULT);
  return OkStatus();
}

Status ProcessMemory::WriteAll(std::span<const TargetWrite> pieces) {
  std::vector<iovec> local, remote;
  local.reserve(pieces.size());
  remote.reserve(pieces.size());
  auto flush = [&]() -> Status {
    size_t want = 0;
    for (const iovec& v : local) want += v.iov_len;
    ssize_t n = local.empty() ? 0
                              : process_vm_writev(pid_, local.data(), local.size(), remote.data(),
                                                  remote.size(), 0);
    // The kernel never splits one iovec: a short count means a piece it could not write.
    if (n != static_cast<ssize_t>(want)) return AccessError("write", n < 0 ? errno : EFAULT);
    local.clear();
    remote.clear();
    return OkStatus();
  };
  for (const TargetWrite& p : pieces) {
    if (p.bytes.empty()) continue;
    local.push_back({const_cast<uint8_t*>(p.bytes.data()), p.bytes.size()});
    remote.push_back({reinterpret_cast<void*>(p.address), p.bytes.size()});
    if (local.size() == IOV_MAX) NVPROBE_RETURN_IF_ERROR(flush());
  }
  return flush();
}

bool ProcessMemory::StillValid() {
  uint64_t id = id_;
  return ioctl(listener_, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

StatusOr<std::string> ProcessMemory::ReadString(uint64_t address, size_t max) {
  constexpr uint64_t kPage = 4096;
  std::string out;
  while (out.size() < max) {
    uint64_t chunk = kPage - (address % kPage);
    uint8_t buf[kPage];
    NVPROBE_RETURN_IF_ERROR(Read(address, std::span<uint8_t>(buf, chunk)));
    for (uint64_t i = 0; i < chunk; ++i) {
      if (buf[i] == 0) return out;
      out.push_back(static_cast<char>(buf[i]));
      if (out.size() >= max) break;
    }
    address += chunk;
  }
  return OutOfRangeError("string too long");
}

}  // namespace nvprobe::fakedrv
