// Reading and writing traces. Loading validates everything against the ABI layer
// of the trace's driver release and reports each problem as "FILE:LINE: what is
// wrong"; writing produces the canonical form (stable key order, one line each).
#ifndef NVPROBE_FAKE_DRIVER_TRACE_TRACE_IO_H_
#define NVPROBE_FAKE_DRIVER_TRACE_TRACE_IO_H_

#include <functional>
#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "abi/registry.h"
#include "fake_driver/trace/trace.h"

namespace nvprobe::fakedrv {

// Either a valid trace or every problem found (at most kMaxTraceErrors), one
// "FILE:LINE: message" per entry.
struct TraceLoad {
  static constexpr size_t kMaxTraceErrors = 20;
  Trace trace;
  std::vector<std::string> errors;
  bool ok() const { return errors.empty(); }
};

// What a trace may be at most (traces/FORMAT.md, "Validation"). The largest line in
// the corpus is 64 KB (the 64-GPU card info) and the largest trace 530 KB; a
// recorded event with a 1 MiB nested buffer (kMaxNestedBytes) takes 4 MiB of hex.
// Input is read line by line and never held beyond these bounds, so a trace that
// is /dev/zero, a pipe that never ends or a 200 MB file fails fast.
inline constexpr size_t kMaxTraceLineBytes = size_t{8} << 20;   // 8 MiB
inline constexpr size_t kMaxTraceFileBytes = size_t{64} << 20;  // 64 MiB

// What a trace's ioctl buffers may decode to in all (format 2's zero runs make a
// short line a large buffer; each buffer is also at most kMaxNestedBytes).
inline constexpr size_t kMaxTraceDecodedBytes = size_t{256} << 20;  // 256 MiB

struct TraceLimits {
  size_t max_line_bytes = kMaxTraceLineBytes;  // without the newline
  size_t max_file_bytes = kMaxTraceFileBytes;
  size_t max_decoded_bytes = kMaxTraceDecodedBytes;
};

// A line longer than the limit is "NAME:LINE: line too long (N bytes > LIMIT)",
// input beyond the file limit "NAME: larger than LIMIT bytes"; loading stops there.
TraceLoad ParseTrace(std::istream& in, const std::string& name, const abi::Registry& registry,
                     const TraceLimits& limits = {});
// Also "PATH: is a directory", "PATH:0: cannot open: why", "PATH: cannot read: why";
// a regular file over the limit is refused before it is read.
TraceLoad LoadTrace(const std::string& path, const abi::Registry& registry,
                    const TraceLimits& limits = {});

// Whether the loader builds Trace::machine, the header's "machine" as an
// nlohmann_json DOM (`show`, `diff` and the writer read it). kSkip leaves it as a
// new Trace has it (an empty object) for `fakedrv run`, which never reads it: building it was a tenth of loading the
// 64-GPU trace. Its text is checked as JSON either way, with the header line.
enum class HeaderMachine { kParse, kSkip };

// A trace read in two steps, so that `fakedrv run` can start the command while the
// ioctl events, most of a large trace, are read and checked: the header and the
// file entries first (all the fake machine's files need), then the events, on a
// thread of their own. Same checks and messages as LoadTrace, which reads the same
// way in one go.
class StagedTraceLoad {
 public:
  // Opens `path` and reads it up to its first ioctl event.
  StagedTraceLoad(const std::string& path, const abi::Registry& registry,
                  const TraceLimits& limits = {},
                  HeaderMachine header_machine = HeaderMachine::kParse);
  // Waits for the events' thread, if one runs.
  ~StagedTraceLoad();
  StagedTraceLoad(const StagedTraceLoad&) = delete;
  StagedTraceLoad& operator=(const StagedTraceLoad&) = delete;

  // The header and the file entries were read without a problem.
  bool files_ok() const;
  // The trace read so far: its header and files do not change once constructed
  // (the events' thread only adds events), so they may be used meanwhile.
  const Trace& trace() const;

  // Reads and checks the events on another thread, which calls `done(ok)` then;
  // `ok`: the whole trace is valid.
  void ReadEventsInBackground(std::function<void(bool ok)> done);
  // The whole load, as LoadTrace gives it: waits for the events' thread, or reads
  // the events here when none was started.
  const TraceLoad& Finish();

 private:
  friend TraceLoad LoadTrace(const std::string&, const abi::Registry&, const TraceLimits&);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

void WriteTrace(const Trace& trace, std::ostream& out);

// A path made absolute and lexically normal ("/a/./b/../c" -> "/a/c"); relative
// paths are taken against `base`.
std::string NormalizePath(std::string_view path, std::string_view base = "/");

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_TRACE_TRACE_IO_H_
