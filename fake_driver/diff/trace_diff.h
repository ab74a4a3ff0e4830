// Holding a responder (the machine model) against a recording: every ioctl event
// of the trace is asked again, in order, in-process, as one client would ask it,
// and the answer compared with the recorded one field by field.
#ifndef NVPROBE_FAKE_DRIVER_DIFF_TRACE_DIFF_H_
#define NVPROBE_FAKE_DRIVER_DIFF_TRACE_DIFF_H_

#include <cstddef>
#include <ostream>

#include "fake_driver/responder/responder.h"
#include "fake_driver/trace/trace.h"

namespace nvprobe::fakedrv::diff {

struct DiffOptions {
  // Field lines printed per event before "... N more".
  size_t max_lines_per_event = 8;
};

struct DiffSummary {
  int compared = 0;
  int identical = 0;
  // An event counts once, under the first that applies: the responder had no
  // handler for it; the ioctl's return / errno or the RM status differs; some
  // other output field differs.
  int no_handler = 0;
  int status_differs = 0;
  int output_differs = 0;
  int ignored_fields = 0;  // time-varying fields skipped (ignored_fields.h)
  int stand_ins = 0;       // unrecorded buffers the responder was given zeros for

  int differing() const { return no_handler + status_differs + output_differs; }
};

// Asks `responder` every ioctl event of `trace` (one fd per device path; every
// device counts as held) and writes one line per differing field to `out`:
// "#N NAME: STRUCT.FIELD: RESPONDER'S != RECORDED", N counting events from 1.
DiffSummary DiffTrace(const Trace& trace, IoctlResponder& responder, const DiffOptions& options,
                      std::ostream& out);

// "events compared: N, identical: N, differing: N (...)".
void WriteSummary(const DiffSummary& summary, std::ostream& out);

}  // namespace nvprobe::fakedrv::diff

#endif  // NVPROBE_FAKE_DRIVER_DIFF_TRACE_DIFF_H_
