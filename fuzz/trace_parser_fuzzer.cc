// Fuzz target: fake_driver/trace_io.h, the trace loader and validator (ParseTrace:
// JSON Lines, hex buffers, every size and nested pointer checked against the ABI
// layer of the trace's release), the writer, and NormalizePath.
//
// Input: a trace file (traces/FORMAT.md). A trace that loads must write back in
// canonical form, load again, and write back byte for byte the same.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "abi/registry.h"
#include "fake_driver/trace_io.h"
#include "fuzz/fuzz_check.h"

namespace nvprobe::fakedrv {
namespace {

int FuzzOne(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const abi::Registry& reg = abi::Registry::Default();

  std::istringstream in(text);
  TraceLoad load = ParseTrace(in, "fuzz", reg);
  FUZZ_CHECK(load.errors.size() <= TraceLoad::kMaxTraceErrors, "%zu errors",
             load.errors.size());
  if (load.ok()) {
    std::ostringstream first;
    WriteTrace(load.trace, first);
    std::istringstream again_in(first.str());
    TraceLoad again = ParseTrace(again_in, "fuzz-rewritten", reg);
    FUZZ_CHECK(again.ok(), "the rewritten trace does not load: %s",
               again.errors.empty() ? "" : again.errors.front().c_str());
    std::ostringstream second;
    WriteTrace(again.trace, second);
    FUZZ_CHECK(first.str() == second.str(), "writing is not canonical");
    FUZZ_CHECK(again.trace.events.size() == load.trace.events.size() &&
                   again.trace.files.size() == load.trace.files.size(),
               "the rewrite lost entries");
  }

  // The first line as a path: normalizing is idempotent and absolute.
  std::string_view first_line = std::string_view(text).substr(0, text.find('\n'));
  std::string p = NormalizePath(first_line);
  FUZZ_CHECK(!p.empty() && p[0] == '/' && NormalizePath(p) == p,
             "NormalizePath is not idempotent");
  return 0;
}

}  // namespace
}  // namespace nvprobe::fakedrv

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return nvprobe::fakedrv::FuzzOne(data, size);
}
