#include "fake_driver/supervisor/seccomp_policy.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace nvprobe::fakedrv {

Status KernelSupport::Check(const std::string& release) {
  int major = 0, minor = 0;
  if (std::sscanf(release.c_str(), "%d.%d", &major, &minor) != 2) {
    return FailedPreconditionError("cannot read the kernel release \"" + release + "\"");
  }
  if (major < kMinMajor || (major == kMinMajor && minor < kMinMinor)) {
    return FailedPreconditionError(
        "this kernel (" + release + ") is too old: fakedrv run needs Linux " +
        std::to_string(kMinMajor) + "." + std::to_string(kMinMinor) +
        " or later (seccomp user notification with SECCOMP_ADDFD_FLAG_SEND)");
  }
  return OkStatus();
}

StatusOr<std::vector<sock_filter>> SeccompPolicy::BuildFilter() {
  std::unique_ptr<void, void (*)(scmp_filter_ctx)> ctx(seccomp_init(SCMP_ACT_ALLOW), seccomp_release);
  if (!ctx) return InternalError("seccomp_init failed");
  // The target sets no_new_privs itself before loading the exported program.
  seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0);
  // A 32-bit (int 0x80) or x32 call would pass a filter written for x86_64 numbers
  // unseen, and the supervisor emulates x86_64 calls only: such a call kills the
  // process (SIGSYS, exit 159 from fakedrv) rather than reach a real device.
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS); rc != 0) {
    return InternalError(std::string("seccomp bad-arch action: ") + std::strerror(-rc));
  }
  constexpr uint64_t kTypeMask = 0xff00, kNvidiaType = 'F' << 8;
  int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_NOTIFY, SCMP_SYS(ioctl), 1,
                            SCMP_A1(SCMP_CMP_MASKED_EQ, kTypeMask, kNvidiaType));
  if (rc != 0) return InternalError(std::string("seccomp rule for ioctl: ") + std::strerror(-rc));
  const int kPathCalls[] = {SCMP_SYS(open),  SCMP_SYS(openat),     SCMP_SYS(openat2),
                            SCMP_SYS(creat),
                            SCMP_SYS(stat),  SCMP_SYS(lstat),      SCMP_SYS(newfstatat),
                            SCMP_SYS(fstat), SCMP_SYS(statx),      SCMP_SYS(access),
                            SCMP_SYS(faccessat), SCMP_SYS(faccessat2)};
  for (int nr : kPathCalls) {
    rc = seccomp_rule_add(ctx.get(), SCMP_ACT_NOTIFY, nr, 0);
    if (rc != 0) return InternalError(std::string("seccomp rule: ") + std::strerror(-rc));
  }
  int fd = memfd_create("fakedrv-bpf", MFD_CLOEXEC);
  if (fd < 0) return InternalError(std::string("memfd_create: ") + std::strerror(errno));
  rc = seccomp_export_bpf(ctx.get(), fd);
  off_t size = lseek(fd, 0, SEEK_END);
  std::vector<sock_filter> prog(size > 0 ? static_cast<size_t>(size) / sizeof(sock_filter) : 0);
  ssize_t n = pread(fd, prog.data(), prog.size() * sizeof(sock_filter), 0);
  close(fd);
  if (rc != 0 || prog.empty() || n != static_cast<ssize_t>(prog.size() * sizeof(sock_filter))) {
    return InternalError("exporting the seccomp filter failed");
  }
  return prog;
}

}  // namespace nvprobe::fakedrv
