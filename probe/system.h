// The probe's one window on the machine: open, ioctl, close, read a file, list a
// directory, run a command. Everything the probe learns goes through this interface,
// so every source and every failure path is unit-testable with a mock
// (tests/probe/mock_system.h); LinuxSystem (linux_system.h) is the thin real layer.
#ifndef NVPROBE_PROBE_SYSTEM_H_
#define NVPROBE_PROBE_SYSTEM_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "abi/status.h"

namespace nvprobe::probe {

// The outcome of one ioctl(2): the return value and, when it is -1, errno.
struct IoctlResult {
  int ret = 0;
  int err = 0;
  bool ok() const { return ret == 0; }
};

struct CommandResult {
  int exit_code = -1;   // -1 when killed by a signal or by the timeout
  bool timed_out = false;
  std::string out;      // stdout, at most the requested number of bytes
  int signal = 0;       // the signal that ended it (not the timeout's kill), else 0
};

class System {
 public:
  virtual ~System() = default;

  // open(2). Errors: NOT_FOUND (ENOENT/ENODEV/ENXIO), PERMISSION_DENIED (EACCES,
  // EPERM), UNAVAILABLE (anything else); the message carries strerror.
  virtual StatusOr<int> Open(const std::string& path, int flags) = 0;
  // ioctl(2) with a pointer argument; `arg` points at the request's buffer.
  virtual IoctlResult Ioctl(int fd, unsigned long request, void* arg) = 0;
  virtual void Close(int fd) = 0;
  // At most `max_bytes` of a file (procfs/sysfs files report size 0: read to EOF).
  virtual StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes) = 0;
  // Names in a directory, without "." and "..", in no particular order.
  virtual StatusOr<std::vector<std::string>> ListDir(const std::string& path) = 0;
  // Runs argv[0] (an absolute path) with argv, no shell, stdin from /dev/null,
  // stderr discarded, in a process group of its own. Its output is taken once it has
  // exited (a background process it left holding stdout is not waited for); whatever
  // it leaves in its group then, or everything in the group after `timeout`, is
  // killed. NOT_FOUND when argv[0] does not exist; PERMISSION_DENIED when it is not
  // an executable file (a directory, no execute permission): a PATH search goes on.
  virtual StatusOr<CommandResult> Run(const std::vector<std::string>& argv,
                                      std::chrono::milliseconds timeout,
                                      size_t max_output) = 0;
};

}  // namespace nvprobe::probe

#endif  // NVPROBE_PROBE_SYSTEM_H_
