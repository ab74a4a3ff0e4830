#include <cstdlib>
#include <cstring>

#include "probe/linux_system.h"
#include "probe/nvprobe.h"
#include "probe/output.h"
#include "probe/probe.h"

namespace nvprobe::probe {

// The C API over any System (tests pass a mock).
int JsonIntoBuffer(System& sys, const ProbeOptions& opt, char* buf, size_t size, size_t* needed) {
  ProbeResult r = RunProbe(sys, opt);
  std::string doc = ToJson(r);
  // The document carries timings, so a second run can be a few digits longer: the
  // size asked for leaves each one room for 20 digits, so that calling again with
  // it succeeds (unless the machine itself changed in between).
  const size_t headroom = 20 * (r.sources_tried.size() + 1);
  if (needed != nullptr) *needed = doc.size() + 1 + headroom;
  if (buf == nullptr || size < doc.size() + 1) return NVPROBE_BUFFER_TOO_SMALL;
  std::memcpy(buf, doc.c_str(), doc.size() + 1);
  return ExitStatusOf(r);
}

}  // namespace nvprobe::probe

extern "C" int nvprobe_json(char* buf, size_t size, size_t* needed, unsigned flags) {
  if (buf == nullptr && size != 0) return NVPROBE_BAD_ARGUMENT;
  if ((flags & ~(NVPROBE_FLAG_FULL | NVPROBE_FLAG_DETAILS)) != 0) return NVPROBE_BAD_ARGUMENT;
  nvprobe::probe::ProbeOptions opt;
  if (const char* v = std::getenv("NVPROBE_DRIVER_VERSION")) opt.env_driver_version = v;
  if (const char* p = std::getenv("PATH")) opt.path_env = p;
  opt.full = (flags & NVPROBE_FLAG_FULL) != 0;
  opt.details = (flags & NVPROBE_FLAG_DETAILS) != 0;
  nvprobe::probe::LinuxSystem sys;
  return nvprobe::probe::JsonIntoBuffer(sys, opt, buf, size, needed);
}
