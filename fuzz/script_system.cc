#include "fuzz/script_system.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace nvprobe::fuzz {

uint8_t ScriptReader::U8() {
  if (left_ == 0) return 0;
  --left_;
  return *p_++;
}

uint32_t ScriptReader::Uint(int bytes) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint32_t>(U8()) << (8 * i);
  return v;
}

size_t ScriptReader::Copy(uint8_t* dst, size_t n) {
  n = std::min(n, left_);
  if (n > 0) std::memcpy(dst, p_, n);
  p_ += n;
  left_ -= n;
  return n;
}

std::string ScriptReader::String(size_t n) {
  n = std::min(n, left_);
  std::string s(reinterpret_cast<const char*>(p_), n);
  p_ += n;
  left_ -= n;
  return s;
}

ScriptOptions ReadScriptOptions(const uint8_t* data, size_t size) {
  ScriptReader in(data, size);
  uint8_t flags = in.U8();
  std::string env;
  size_t used = size == 0 ? 0 : 1;
  if (flags & kEnvVersion) {
    size_t n = in.U8();
    env = in.String(n);
    used = std::min(size, 2 + n);
  }
  return {OptionsFromFlags(flags, std::move(env)), used};
}

Status ScriptSystem::Error(uint8_t kind, const std::string& what) const {
  switch (kind % 4) {
    case kNotFound: return NotFoundError(what + ": No such file or directory");
    case kPermissionDenied: return PermissionDeniedError(what + ": Permission denied");
    default: return UnavailableError(what + ": Input/output error");
  }
}

StatusOr<int> ScriptSystem::Open(const std::string& path, int) {
  if (in_.empty()) return NotFoundError("open " + path + ": No such file or directory");
  uint8_t kind = in_.U8();
  if (kind % 4 != kOk) return Error(kind, "open " + path);
  int fd = next_fd_++;
  open_fds_.insert(fd);
  return fd;
}

probe::IoctlResult ScriptSystem::Ioctl(int fd, unsigned long request, void* arg) {
  if (!open_fds_.count(fd) && misuse_.empty())
    misuse_ = "ioctl on fd " + std::to_string(fd) + ", which is not open";
  if (in_.empty()) return {-1, ENOTTY};
  // Where the buffers are, from the arguments as the probe wrote them.
  std::vector<Region> regions = abi_.Regions(request, arg);
  uint8_t how = in_.U8();
  probe::IoctlResult r;
  switch ((how >> 1) & 3) {
    case kRetZero: break;
    case kRetErrno: r = {-1, in_.U8()}; break;
    case kRetValue: r = {static_cast<int>(in_.Uint(4)), 0}; break;
    case kRetValueErrno: {
      int ret = static_cast<int>(in_.Uint(4));
      r = {ret, in_.U8()};
      break;
    }
  }
  if (how & kWritesBuffers)
    for (const Region& region : regions) in_.Copy(region.data, region.size);
  abi_.AfterReply(request, arg);
  return r;
}

void ScriptSystem::Close(int fd) {
  if (open_fds_.erase(fd) == 0 && misuse_.empty())
    misuse_ = "close of fd " + std::to_string(fd) + ", which is not open";
}

StatusOr<std::string> ScriptSystem::ReadFile(const std::string& path, size_t max_bytes) {
  if (in_.empty()) return NotFoundError("open " + path + ": No such file or directory");
  uint8_t kind = in_.U8();
  if (kind % 4 != kOk) return Error(kind, "open " + path);
  std::string content = in_.String(in_.Uint(2));
  if (content.size() > max_bytes) content.resize(max_bytes);
  return content;
}

StatusOr<std::vector<std::string>> ScriptSystem::ListDir(const std::string& path) {
  if (in_.empty()) return NotFoundError("opendir " + path + ": No such file or directory");
  uint8_t kind = in_.U8();
  if (kind % 4 != kOk) return Error(kind, "opendir " + path);
  std::vector<std::string> names(in_.U8());
  for (std::string& n : names) n = in_.String(in_.U8());
  return names;
}

StatusOr<probe::CommandResult> ScriptSystem::Run(const std::vector<std::string>& argv,
                                                 std::chrono::milliseconds, size_t max_output) {
  if (in_.empty()) return NotFoundError(argv[0] + ": No such file or directory");
  uint8_t kind = in_.U8();
  if (kind % 4 == kNotFound) return NotFoundError(argv[0] + ": No such file or directory");
  if (kind % 4 != kOk) return UnavailableError(argv[0] + ": Exec format error");
  probe::CommandResult r;
  r.exit_code = static_cast<int8_t>(in_.U8());
  r.timed_out = (in_.U8() & 1) != 0;
  r.out = in_.String(in_.Uint(3));
  if (r.out.size() > max_output) r.out.resize(max_output);
  return r;
}

}  // namespace nvprobe::fuzz
