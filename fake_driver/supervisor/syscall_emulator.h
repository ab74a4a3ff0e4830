// Serves one seccomp notification: the path and stat calls that touch the fake
// machine, and ioctls on its devices (recognized by the file behind the fd, so
// dup/dup2/fork/threads all work). Anything else continues in the kernel.
//
// No real NVIDIA device is reached through it (fake_driver/THREAT_MODEL.md): a
// path is matched against the fake machine as written, then with its symlinks
// followed as the target would (/proc/self being the target's), and an open that
// would still land on a real character device of an NVIDIA driver gets the fake
// node of the same number, or ENODEV. 'F' ioctls on such a device that is not a
// fake node are refused with EPERM, and so is every call of a target the
// supervisor cannot inspect (made undumpable while the supervisor lacks
// CAP_SYS_PTRACE).
#ifndef NVPROBE_FAKE_DRIVER_SUPERVISOR_SYSCALL_EMULATOR_H_
#define NVPROBE_FAKE_DRIVER_SUPERVISOR_SYSCALL_EMULATOR_H_

#include <linux/seccomp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "fake_driver/supervisor/fake_machine.h"
#include "fake_driver/responder/responder.h"
#include "fake_driver/supervisor/injected_fds.h"
#include "fake_driver/supervisor/open_device_files.h"
#include "fake_driver/supervisor/proc_fd_dirs.h"
#include "fake_driver/supervisor/process_memory.h"
#include "fake_driver/trace/trace_io.h"

namespace nvprobe::fakedrv {

struct Reply {
  enum class Kind { kContinue, kReturn, kSent };  // kSent: already answered (ADDFD)
  Kind kind = Kind::kContinue;
  int64_t val = 0;
  int err = 0;
  static Reply Continue() { return {}; }
  static Reply Return(int64_t v) { return {Kind::kReturn, v, 0}; }
  static Reply Error(int e) { return {Kind::kReturn, -1, e}; }
  static Reply Sent() { return {Kind::kSent, 0, 0}; }
};

class SyscallEmulator {
 public:
  // When the responder tracks open files, every open of a fake device is a file of
  // its own whose release is reported (OpenDeviceFiles); otherwise all opens of a
  // device share its file and the fd check is kcmp first (InjectedFds).
  SyscallEmulator(FakeMachine& machine, IoctlResponder& responder, int listener);

  // Where refusals are explained, one line each; none when unset.
  void set_diagnostics(std::ostream* diag) { diag_ = diag; }

  Reply Handle(const seccomp_notif& n);

  // Tells the responder of the open files released since the last look (it is
  // also told before every 'F' ioctl): for the end of a run.
  void ReportReleases();

 private:
  // A path argument as the target sees it.
  struct PathArg {
    int error = 0;       // nonzero: the call fails with it (EFAULT, ENAMETOOLONG, EPERM)
    bool empty = false;  // "" (AT_EMPTY_PATH)
    std::string path;    // absolute, normalized; "" when relative to what we cannot name
    std::string raw;     // absolute, as written: ".." after a symlink is the link's
  };
  PathArg ReadPath(pid_t pid, int dirfd, uint64_t path_addr, ProcessMemory& mem);

  // A path with its symlinks followed as the kernel would for the target.
  struct Resolved {
    std::string path;  // the name to look up in the fake machine
    std::string host;  // where the supervisor reaches the same object (via /proc/PID)
  };
  Resolved FollowLinks(pid_t pid, const std::string& path, bool follow_last) const;

  // The fake machine's name for `p`, looked up as written (normalized), then with
  // its links followed; nullopt when it is not part of the fake machine. `resolved`
  // gets the links followed (when that was needed).
  std::optional<FakePath> FindFake(pid_t pid, const PathArg& p, bool follow_last,
                                   std::string* name, Resolved* resolved) const;

  const FileNode* DeviceBehindFd(pid_t pid, int fd, struct stat* st);
  // The fake device whose file has the identity `st` shows, if any.
  const FileNode* DeviceOf(const struct stat& st);
  // The device of the open device file (OpenDeviceFiles) a path such as
  // /proc/PID/fd/N leads to, with its stat in `st`; null for anything else. Such a
  // file is linked nowhere, so the fake machine does not know its path.
  const FileNode* OpenDeviceFileBehind(const Resolved& r, struct stat* st);
  Reply Refuse(pid_t pid, int err, const std::string& why) const;

  Reply Open(const seccomp_notif& n, int dirfd, uint64_t path, uint64_t flags, ProcessMemory& mem);
  Reply OpenFake(const seccomp_notif& n, const std::string& name, const FakePath& fake,
                 uint64_t flags, ProcessMemory& mem);
  Reply Stat(const seccomp_notif& n, int dirfd, uint64_t path, uint64_t buf, int flags,
             ProcessMemory& mem);
  Reply Statx(const seccomp_notif& n, ProcessMemory& mem);
  Reply Access(const seccomp_notif& n, int dirfd, uint64_t path, ProcessMemory& mem);
  Reply Ioctl(const seccomp_notif& n, ProcessMemory& mem);
  // Ioctl() when the responder tracks open files.
  Reply IoctlOnOpenFile(const seccomp_notif& n, ProcessMemory& mem);

  FakeMachine& machine_;  // materializes files on first use
  IoctlResponder& responder_;
  int listener_;
  std::ostream* diag_ = nullptr;
  InjectedFds injected_;  // the fd-identity check of an ioctl, when kcmp can prove it
  std::unique_ptr<OpenDeviceFiles> open_files_;  // when the responder tracks open files
  ProcFdDirs fd_dirs_;    // the fd-identity check otherwise, and of fstat
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_SUPERVISOR_SYSCALL_EMULATOR_H_
