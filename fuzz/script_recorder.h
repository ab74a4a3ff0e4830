// A probe::System that forwards every call to another one and writes down each
// answer as a reply script (reply_script.h), so that ScriptSystem plays the same run
// back. Seeds for the probe_replies fuzzer are recorded this way from traces.
#ifndef NVPROBE_FUZZ_SCRIPT_RECORDER_H_
#define NVPROBE_FUZZ_SCRIPT_RECORDER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fuzz/reply_script.h"
#include "probe/system.h"

namespace nvprobe::fuzz {

class ScriptRecorder : public probe::System {
 public:
  // `flags` and `env_version` are the options the probe runs with (reply_script.h).
  ScriptRecorder(probe::System& inner, uint8_t flags,
                 const std::optional<std::string>& env_version);

  StatusOr<int> Open(const std::string& path, int flags) override;
  probe::IoctlResult Ioctl(int fd, unsigned long request, void* arg) override;
  void Close(int fd) override;
  StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes) override;
  StatusOr<std::vector<std::string>> ListDir(const std::string& path) override;
  StatusOr<probe::CommandResult> Run(const std::vector<std::string>& argv,
                                     std::chrono::milliseconds timeout,
                                     size_t max_output) override;

  const std::string& script() const { return script_; }
  // Answers a script cannot carry (a file over 64 KiB, a name over 255 bytes):
  // what ScriptSystem plays back then differs from what the probe saw.
  const std::vector<std::string>& lossy() const { return lossy_; }

 private:
  void Kind(const Status& s);
  void U8(uint8_t v) { script_.push_back(static_cast<char>(v)); }
  void Uint(uint32_t v, int bytes);
  void Bytes(const std::string& what, const std::string& s, size_t max);

  probe::System& inner_;
  AbiTracker abi_;
  std::string script_;
  std::vector<std::string> lossy_;
};

}  // namespace nvprobe::fuzz

#endif  // NVPROBE_FUZZ_SCRIPT_RECORDER_H_
