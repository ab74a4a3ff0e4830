// A probe::System that answers every call from a reply script (reply_script.h): the
// in-process fake driver of the probe_replies fuzzer. It also watches how the probe
// uses it: every fd it hands out must be closed exactly once, and nothing may be
// done with an fd that is not open.
#ifndef NVPROBE_FUZZ_SCRIPT_SYSTEM_H_
#define NVPROBE_FUZZ_SCRIPT_SYSTEM_H_

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "fuzz/reply_script.h"
#include "probe/system.h"

namespace nvprobe::fuzz {

// The next bytes of a script; past its end every read gives zeros.
class ScriptReader {
 public:
  ScriptReader(const uint8_t* data, size_t size) : p_(data), left_(size) {}
  bool empty() const { return left_ == 0; }
  uint8_t U8();
  uint32_t Uint(int bytes);  // little-endian
  // Copies up to `n` bytes to `dst`; returns how many there were.
  size_t Copy(uint8_t* dst, size_t n);
  std::string String(size_t n);

 private:
  const uint8_t* p_;
  size_t left_;
};

struct ScriptOptions {
  probe::ProbeOptions options;
  size_t header_size = 0;  // bytes the options took
};
ScriptOptions ReadScriptOptions(const uint8_t* data, size_t size);

class ScriptSystem : public probe::System {
 public:
  // `data` starts at the first reply (after the options).
  ScriptSystem(const uint8_t* data, size_t size) : in_(data, size) {}

  StatusOr<int> Open(const std::string& path, int flags) override;
  probe::IoctlResult Ioctl(int fd, unsigned long request, void* arg) override;
  void Close(int fd) override;
  StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes) override;
  StatusOr<std::vector<std::string>> ListDir(const std::string& path) override;
  StatusOr<probe::CommandResult> Run(const std::vector<std::string>& argv,
                                     std::chrono::milliseconds timeout,
                                     size_t max_output) override;

  const std::set<int>& open_fds() const { return open_fds_; }
  // The first misuse seen ("close of fd 7, which is not open"); empty if none.
  const std::string& misuse() const { return misuse_; }

 private:
  Status Error(uint8_t kind, const std::string& what) const;

  ScriptReader in_;
  AbiTracker abi_;
  std::set<int> open_fds_;
  int next_fd_ = 3;
  std::string misuse_;
};

}  // namespace nvprobe::fuzz

#endif  // NVPROBE_FUZZ_SCRIPT_SYSTEM_H_
