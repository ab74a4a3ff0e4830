#include "fake_driver/diff/trace_diff.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "fake_driver/diff/event_name.h"
#include "fake_driver/diff/fake_address_space.h"
#include "fake_driver/diff/handle_translation.h"
#include "fake_driver/diff/output_compare.h"
#include "fake_driver/diff/placed_request.h"
#include "fake_driver/responder/responder.h"
#include "fake_driver/trace/arg_buffer.h"

namespace nvprobe::fakedrv::diff {
namespace {

// The one client process that asks everything.
constexpr int kPid = 1000;
// Where the fake fds start (0-2 are a process's standard streams).
constexpr int kFirstFd = 3;

// The layout the request's size selects (NV_ESC_RM_ALLOC: NVOS21 or NVOS64), as
// the driver picks it; the recording's where the escape takes no struct of that size.
const abi::StructLayout* TopLayout(const abi::Abi& abi, const IoctlEvent& ev) {
  const abi::StructLayout* l = EscapeLayout(abi, ev.nr(), ev.args.in.size());
  if (l != nullptr && l->size > 0 && ev.args.in.size() % l->size == 0) return l;
  return ev.args.layout;
}

std::string RetText(int64_t ret, int err) {
  std::string s = std::to_string(ret);
  if (err != 0) s += " (errno " + std::to_string(err) + ")";
  return s;
}

class EventDiffer {
 public:
  EventDiffer(const Trace& trace, IoctlResponder& responder, const DiffOptions& options,
              std::ostream& out)
      : abi_(*trace.abi), responder_(responder), options_(options), out_(out) {}

  void Diff(const IoctlEvent& ev, int index, DiffSummary& summary) {
    FakeAddressSpace space;
    const abi::StructLayout* layout = TopLayout(abi_, ev);
    ArgBuffer request = ev.args;
    request.layout = layout;
    handles_.RewriteInputs(request);
    PlacedRequest placed = PlaceRequest(std::move(request), layout, space);
    const int unmatched_before = responder_.unmatched();
    const IoctlResult r =
        responder_.Handle(ev.device, ev.request, placed.args.address, space, kPid, FdOf(ev.device));
    // Every buffer was placed in `space` just before: reading them back cannot fail.
    ReadOutputs(space, placed.args);
    handles_.Learn(ev.args, placed.args);
    const bool no_handler = responder_.unmatched() > unmatched_before;

    std::vector<FieldDifference> status;
    if (r.ret != ev.ret || r.err != ev.err) {
      status.push_back({"ret", RetText(r.ret, r.err), RetText(ev.ret, ev.err), true});
    }
    const std::string name = EventName(abi_, ev.nr(), placed.args);
    OutputComparison cmp = CompareOutputs(abi_, ev.args, placed.args, handles_, name);
    std::vector<FieldDifference> fields;
    for (FieldDifference& d : cmp.differences) (d.is_status ? status : fields).push_back(std::move(d));

    ++summary.compared;
    summary.ignored_fields += cmp.ignored;
    summary.stand_ins += placed.stand_ins;
    if (status.empty() && fields.empty()) {
      ++summary.identical;
      return;
    }
    const std::string prefix = "#" + std::to_string(index) + " " + name + ": ";
    if (no_handler) {
      ++summary.no_handler;
      out_ << prefix << "no handler in the model\n";
    } else if (!status.empty()) {
      ++summary.status_differs;
    } else {
      ++summary.output_differs;
    }
    // When the calls did not end alike, what either wrote besides says nothing more.
    const std::vector<FieldDifference>& shown = status.empty() ? fields : status;
    size_t printed = 0;
    for (const FieldDifference& d : shown) {
      if (printed == options_.max_lines_per_event) break;
      out_ << prefix << d.path << ": " << d.model << " != " << d.recorded << "\n";
      ++printed;
    }
    if (printed < shown.size()) out_ << prefix << "... " << shown.size() - printed << " more\n";
    if (!status.empty() && !fields.empty()) {
      out_ << prefix << "(" << fields.size() << " output field(s) not compared: the calls ended differently)\n";
    }
  }

 private:
  // One fd per device path: a recording carries no fd numbers, and the model ties
  // clients to the fd they were allocated on.
  int FdOf(const std::string& device) {
    auto [it, added] = fds_.try_emplace(device, kFirstFd + static_cast<int>(fds_.size()));
    return it->second;
  }

  const abi::Abi& abi_;
  IoctlResponder& responder_;
  const DiffOptions& options_;
  std::ostream& out_;
  HandleTranslation handles_;
  std::map<std::string, int> fds_;
};

}  // namespace

DiffSummary DiffTrace(const Trace& trace, IoctlResponder& responder, const DiffOptions& options,
                      std::ostream& out) {
  DiffSummary summary;
  EventDiffer differ(trace, responder, options, out);
  int index = 0;
  for (const IoctlEvent& ev : trace.events) differ.Diff(ev, ++index, summary);
  return summary;
}

void WriteSummary(const DiffSummary& s, std::ostream& out) {
  out << "events compared: " << s.compared << ", identical: " << s.identical
      << ", differing: " << s.differing() << " (status differs: " << s.status_differs
      << ", output differs: " << s.output_differs << ", model has no handler: " << s.no_handler
      << "); time-varying fields ignored: " << s.ignored_fields;
  if (s.stand_ins > 0) out << "; unrecorded buffers given zeros: " << s.stand_ins;
  out << "\n";
}

}  // namespace nvprobe::fakedrv::diff
