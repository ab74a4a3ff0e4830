// Fuzz target: fake_driver/trace/trace_io.h, the trace loader and validator (ParseTrace:
// JSON Lines, hex buffers, every size and nested pointer checked against the ABI
// layer of the trace's release), the writer, and NormalizePath.
//
// Input: a trace file (traces/FORMAT.md). A trace that loads must write back in
// canonical form, load again, and write back byte for byte the same. The size
// limits too: the input is loaded again with limits small enough for a mutant to
// cross (kSmall); it may load then only if no line and not the whole exceeds them,
// and an input within them loads the same under both.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "abi/registry.h"
#include "fake_driver/trace/trace_io.h"
#include "fuzz/fuzz_check.h"

namespace nvprobe::fakedrv {
namespace {

// Small enough that inputs of the smoke run's max_len (24 KiB) cross them.
constexpr TraceLimits kSmall{/*max_line_bytes=*/4096, /*max_file_bytes=*/16384};

bool WithinLimits(std::string_view text, const TraceLimits& limits) {
  if (text.size() > limits.max_file_bytes) return false;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (end - start > limits.max_line_bytes) return false;
    start = end + 1;
  }
  return true;
}

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

  std::istringstream small_in(text);
  TraceLoad small = ParseTrace(small_in, "fuzz", reg, kSmall);
  const bool within = WithinLimits(text, kSmall);
  if (within) {
    FUZZ_CHECK(small.errors == load.errors, "the limits change a trace within them: %s",
               small.errors.empty() ? load.errors.front().c_str() : small.errors.front().c_str());
  } else {
    // Loading may stop before the limit is reached (a bad header, 20 errors), but
    // never loads.
    FUZZ_CHECK(!small.ok(), "over the limits, yet no error");
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
