#include "fuzz/script_recorder.h"

#include <algorithm>

namespace nvprobe::fuzz {

ScriptRecorder::ScriptRecorder(probe::System& inner, uint8_t flags,
                               const std::optional<std::string>& env_version)
    : inner_(inner) {
  U8(static_cast<uint8_t>(env_version ? flags | kEnvVersion : flags & ~kEnvVersion));
  if (env_version) Bytes("NVPROBE_DRIVER_VERSION", *env_version, 255);
}

void ScriptRecorder::Uint(uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) U8(static_cast<uint8_t>(v >> (8 * i)));
}

// A length-prefixed string; the prefix is as wide as `max` needs.
void ScriptRecorder::Bytes(const std::string& what, const std::string& s, size_t max) {
  if (s.size() > max) lossy_.push_back(what + ": " + std::to_string(s.size()) + " bytes cut");
  size_t n = std::min(s.size(), max);
  Uint(static_cast<uint32_t>(n), max <= 0xff ? 1 : max <= 0xffff ? 2 : 3);
  script_.append(s, 0, n);
}

void ScriptRecorder::Kind(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk: return U8(kOk);
    case StatusCode::kNotFound: return U8(kNotFound);
    case StatusCode::kPermissionDenied: return U8(kPermissionDenied);
    default: return U8(kUnavailable);
  }
}

StatusOr<int> ScriptRecorder::Open(const std::string& path, int flags) {
  StatusOr<int> fd = inner_.Open(path, flags);
  Kind(fd.status());
  return fd;
}

probe::IoctlResult ScriptRecorder::Ioctl(int fd, unsigned long request, void* arg) {
  std::vector<Region> regions = abi_.Regions(request, arg);
  probe::IoctlResult r = inner_.Ioctl(fd, request, arg);
  if (r.ret == 0 && r.err == 0) {
    U8(kWritesBuffers | kRetZero << 1);
  } else if (r.ret == -1 && r.err >= 0 && r.err <= 0xff) {
    U8(kWritesBuffers | kRetErrno << 1);
    U8(static_cast<uint8_t>(r.err));
  } else {
    U8(kWritesBuffers | kRetValueErrno << 1);
    Uint(static_cast<uint32_t>(r.ret), 4);
    if (r.err < 0 || r.err > 0xff) lossy_.push_back("errno " + std::to_string(r.err));
    U8(static_cast<uint8_t>(r.err));
  }
  for (const Region& region : regions)
    script_.append(reinterpret_cast<const char*>(region.data), region.size);
  abi_.AfterReply(request, arg);
  return r;
}

void ScriptRecorder::Close(int fd) { inner_.Close(fd); }

StatusOr<std::string> ScriptRecorder::ReadFile(const std::string& path, size_t max_bytes) {
  StatusOr<std::string> s = inner_.ReadFile(path, max_bytes);
  Kind(s.status());
  if (s.ok()) Bytes(path, *s, 0xffff);
  return s;
}

StatusOr<std::vector<std::string>> ScriptRecorder::ListDir(const std::string& path) {
  StatusOr<std::vector<std::string>> names = inner_.ListDir(path);
  Kind(names.status());
  if (!names.ok()) return names;
  if (names->size() > 0xff)
    lossy_.push_back(path + ": " + std::to_string(names->size()) + " names");
  size_t n = std::min<size_t>(names->size(), 0xff);
  U8(static_cast<uint8_t>(n));
  for (size_t i = 0; i < n; ++i) Bytes(path + " entry", (*names)[i], 0xff);
  return names;
}

StatusOr<probe::CommandResult> ScriptRecorder::Run(const std::vector<std::string>& argv,
                                                   std::chrono::milliseconds timeout,
                                                   size_t max_output) {
  StatusOr<probe::CommandResult> r = inner_.Run(argv, timeout, max_output);
  if (!r.ok()) {
    U8(r.status().code() == StatusCode::kNotFound ? kNotFound : kUnavailable);
    return r;
  }
  U8(kOk);
  if (r->exit_code < -128 || r->exit_code > 127) lossy_.push_back("exit code");
  U8(static_cast<uint8_t>(static_cast<int8_t>(r->exit_code)));
  U8(r->timed_out ? 1 : 0);
  Bytes(argv[0] + " output", r->out, 0xffffff);
  return r;
}

}  // namespace nvprobe::fuzz
