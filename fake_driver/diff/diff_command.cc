#include "fake_driver/diff/diff_command.h"

#include <sstream>

#include "fake_driver/machine/machine_description.h"
#include "fake_driver/model/machine_check.h"
#include "fake_driver/model/machine_model.h"
#include "fake_driver/text/printable.h"
#include "fake_driver/trace/trace_io.h"

namespace nvprobe::fakedrv::diff {
namespace {

// The version the recorded driver reported. A recording names the ABI release it
// was decoded with in its header (580.142) and, when the running driver was a
// release the ABI layer does not list, what that driver said of itself
// (machine.recorded.driver_reported: 580.159.04); the model is asked to be that
// driver, so the version string it answers is comparable.
std::string ReportedDriver(const Trace& trace) {
  const auto recorded = trace.machine.find("recorded");
  if (recorded != trace.machine.end() && recorded->is_object()) {
    const auto reported = recorded->find("driver_reported");
    if (reported != recorded->end() && reported->is_string() && !reported->get<std::string>().empty()) {
      return reported->get<std::string>();
    }
  }
  return trace.driver;
}

}  // namespace

int DiffCommand(const abi::Registry& registry, const std::string& machine_path,
                const std::string& trace_path, const DiffOptions& options, std::ostream& out,
                std::ostream& err) {
  TraceLoad load = LoadTrace(trace_path, registry);
  for (const std::string& e : load.errors) err << Printable(e) << "\n";
  if (!load.ok()) return kExitBadInput;
  const Trace& trace = load.trace;
  StatusOr<Machine> machine = LoadMachine(machine_path, MachineUse::kModel, MachineJson::kDrop);
  if (!machine.ok()) {
    err << "fakedrv: " << machine.status().message() << "\n";  // escaped by LoadMachine
    return kExitBadInput;
  }
  if (Status s = model::CheckMachineForModel(*machine, *trace.abi); !s.ok()) {
    err << "fakedrv: " << Printable(machine_path) << ": " << Printable(s.message()) << "\n";
    return kExitBadInput;
  }
  const std::string driver = ReportedDriver(trace);
  // The model's own "not supported" lines: the diff says the same per event.
  std::ostringstream model_log;
  model::MachineModel model(*machine, trace.abi, driver, model_log);
  // A recording only holds what its client could do, so every device it used
  // was open: the device-allocation rule never refuses here.
  model.set_holds_device([](int, const std::string&) { return true; });

  // What the two sides are, then what each difference line says: the header makes
  // no claim that they differ (they may not). `driver` is the recording's text.
  out << "# fakedrv diff: model (" << Printable(machine_path) << ", driver " << Printable(driver)
      << ", ABI " << trace.abi->release().ToString() << ") against recorded (" << Printable(trace_path)
      << ", " << trace.events.size() << " ioctl events)\n"
      << "# each difference: #EVENT NAME: STRUCT.FIELD: MODEL != RECORDED\n";
  const DiffSummary summary = DiffTrace(trace, model, options, out);
  WriteSummary(summary, out);
  return summary.differing() > 0 ? kExitDifferences : kExitNoDifference;
}

}  // namespace nvprobe::fakedrv::diff
