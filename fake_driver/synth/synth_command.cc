// `fakedrv synth`'s command line: inputs and outputs checked before anything runs,
// both outputs made before either is written.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "fake_driver/synth/synth.h"
#include "fake_driver/trace/executable_path.h"
#include "fake_driver/trace/output_file.h"
#include "fake_driver/trace/trace_io.h"

namespace nvprobe::fakedrv {

int SynthCommand(const abi::Registry& registry, const SynthOptions& options, std::ostream& err) {
  const std::string& machine_path = options.machine_path;
  const std::string& driver = options.driver;
  const std::string& trace_path = options.trace_path;
  const std::string& expected_path = options.expected_path;
  auto fail = [&](const std::string& message) {
    err << "fakedrv synth: " << message << "\n";
    return 1;
  };
  // An output that is an input (or the other output) would be lost.
  if (SameFile(trace_path, machine_path))
    return fail("-o " + trace_path + " is the machine description (--machine); write the trace elsewhere");
  if (!expected_path.empty() && SameFile(expected_path, machine_path))
    return fail("--expected " + expected_path +
                " is the machine description (--machine); write the answer elsewhere");
  if (!expected_path.empty() && SameFile(expected_path, trace_path))
    return fail("--expected " + expected_path + " is the trace (-o); write them to two files");
  // The program synth runs (nvprobe or CMD) must not be replaced by an output.
  const bool nvprobe_runs = options.command.empty();
  StatusOr<std::string> program = FindExecutable(nvprobe_runs ? options.nvprobe_path : options.command[0]);
  if (!program.ok()) {
    return fail(program.status().message() +
                (nvprobe_runs && options.nvprobe_path == "nvprobe" ? " (give --nvprobe PATH)" : ""));
  }
  for (const auto& [flag, out] : {std::pair<const char*, const std::string&>("-o", trace_path),
                                  std::pair<const char*, const std::string&>("--expected", expected_path)}) {
    if (out.empty()) continue;
    if (SameFile(out, *program)) {
      return fail(std::string(flag) + " " + out + " is the program synth runs (" + *program +
                  "); write it elsewhere");
    }
    if (Status s = CheckOutputPath(out); !s.ok()) return fail(s.message());
  }
  // The expected answer models only faults on what nvprobe asks; another command
  // may meet any fault the model takes.
  const bool nvprobe_only = options.command.empty() || !expected_path.empty();
  StatusOr<Machine> m = LoadMachine(machine_path, nvprobe_only ? MachineUse::kSynth : MachineUse::kModel);
  if (!m.ok()) return fail(m.status().message());
  StatusOr<std::shared_ptr<const abi::Abi>> abi = SynthRelease(registry, driver);
  if (!abi.ok()) return fail(abi.status().message());
  if (Status s = CheckFaultStatuses(*m, **abi); !s.ok()) return fail(machine_path + ": " + s.message());
  std::vector<SynthRun> runs;
  if (nvprobe_runs) {
    runs = NvprobeRuns(*program, driver);
  } else {
    runs.push_back({options.command, {}});
    runs.back().argv[0] = *program;
  }
  StatusOr<Trace> t = SynthesizeTrace(registry, *m, driver, runs, !options.command.empty());
  if (!t.ok()) return fail(t.status().message());
  std::ostringstream text;
  WriteTrace(*t, text);
  // What we write must load: the loader checks every size and layout against the ABI.
  std::istringstream again(text.str());
  TraceLoad load = ParseTrace(again, trace_path, registry);
  if (!load.ok()) {
    for (const std::string& e : load.errors) err << "fakedrv synth: internal: " << e << "\n";
    return 1;
  }
  // Both outputs are made before either is written.
  std::string expected_text;
  if (!expected_path.empty()) {
    StatusOr<nlohmann::ordered_json> expected = ExpectedAnswer(registry, *m, driver);
    if (!expected.ok()) return fail(expected.status().message());
    expected_text = expected->dump(2) + "\n";
  }
  // Written whole beside the outputs, then renamed over them.
  const std::string trace_text = text.str();
  std::vector<OutputFile> files;
  for (const auto& [path, content] : {std::pair<const std::string&, std::string_view>(trace_path, trace_text),
                                      std::pair<const std::string&, std::string_view>(expected_path, expected_text)}) {
    if (path.empty()) continue;
    StatusOr<OutputFile> f = OutputFile::Create(path);
    if (!f.ok()) return fail(f.status().message());
    if (Status s = f->Write(content); !s.ok()) return fail(s.message());
    files.push_back(std::move(*f));
  }
  for (OutputFile& f : files) {
    if (Status s = f.Commit(); !s.ok()) return fail(s.message());
  }
  return 0;
}

}  // namespace nvprobe::fakedrv
