// Reading and writing traces. Loading validates everything against the ABI layer
// of the trace's driver release and reports each problem as "FILE:LINE: what is
// wrong"; writing produces the canonical form (stable key order, one line each).
#ifndef NVPROBE_FAKE_DRIVER_TRACE_IO_H_
#define NVPROBE_FAKE_DRIVER_TRACE_IO_H_

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "abi/registry.h"
#include "fake_driver/trace.h"

namespace nvprobe::fakedrv {

// Either a valid trace or every problem found (at most kMaxTraceErrors), one
// "FILE:LINE: message" per entry.
struct TraceLoad {
  static constexpr size_t kMaxTraceErrors = 20;
  Trace trace;
  std::vector<std::string> errors;
  bool ok() const { return errors.empty(); }
};

TraceLoad ParseTrace(std::istream& in, const std::string& name, const abi::Registry& registry);
TraceLoad LoadTrace(const std::string& path, const abi::Registry& registry);

void WriteTrace(const Trace& trace, std::ostream& out);

// A path made absolute and lexically normal ("/a/./b/../c" -> "/a/c"); relative
// paths are taken against `base`.
std::string NormalizePath(std::string_view path, std::string_view base = "/");

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_TRACE_IO_H_
