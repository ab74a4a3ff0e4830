// System on Linux: each method is one syscall (or a few), nothing more.
#ifndef NVPROBE_PROBE_LINUX_SYSTEM_H_
#define NVPROBE_PROBE_LINUX_SYSTEM_H_

#include "probe/system.h"

namespace nvprobe::probe {

class LinuxSystem : public System {
 public:
  StatusOr<int> Open(const std::string& path, int flags) override;
  IoctlResult Ioctl(int fd, unsigned long request, void* arg) override;
  void Close(int fd) override;
  StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes) override;
  StatusOr<std::vector<std::string>> ListDir(const std::string& path) override;
  StatusOr<CommandResult> Run(const std::vector<std::string>& argv,
                              std::chrono::milliseconds timeout,
                              size_t max_output) override;
};

// Maps an errno from open(2)/opendir(3) to a Status (see System::Open).
Status ErrnoToStatus(int err, const std::string& what);

}  // namespace nvprobe::probe

#endif  // NVPROBE_PROBE_LINUX_SYSTEM_H_
