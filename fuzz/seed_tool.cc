// Makes fuzz seeds from the trace corpus (fuzz/BUILD runs it in genrules, so the
// seeds follow the traces and the ABI layer):
//
//   seed_tool probe --trace T (--fast|--full) -o OUT
//       the reply script of nvprobe's run against T (probe_replies fuzzer); fails
//       when the trace leaves a request unanswered or the script cannot carry an
//       answer
//   seed_tool file --trace T --path P -o OUT
//       the content of the first file entry whose path is P or ends with P
//   seed_tool smi --trace T -o OUT
//       what `nvidia-smi --query-gpu=driver_version,name,pci.bus_id,uuid,compute_cap,
//       memory.total --format=csv,noheader,nounits` prints on the trace's machine
//       (from the description in its header)
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include "abi/registry.h"
#include "fake_driver/trace/trace_io.h"
#include "fuzz/reply_script.h"
#include "fuzz/script_recorder.h"
#include "fuzz/trace_system.h"
#include "probe/probe.h"

namespace nvprobe::fuzz {
namespace {

int Fail(const std::string& msg) {
  std::cerr << "seed_tool: " << msg << "\n";
  return 1;
}

bool Write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  return static_cast<bool>(out);
}

int Probe(const fakedrv::Trace& trace, bool full, const std::string& out) {
  TraceSystem machine(trace);
  ScriptRecorder recorder(machine, FlagsFor(full), std::nullopt);
  (void)probe::RunProbe(recorder, OptionsFromFlags(FlagsFor(full), ""));
  if (machine.unmatched() > 0)
    return Fail(trace.source + ": " + std::to_string(machine.unmatched()) +
                " request(s) unanswered:\n" + machine.diagnostics());
  for (const std::string& l : recorder.lossy()) return Fail(trace.source + ": " + l);
  return Write(out, recorder.script()) ? 0 : Fail("cannot write " + out);
}

int File(const fakedrv::Trace& trace, const std::string& path, const std::string& out) {
  for (const fakedrv::FileNode& f : trace.files) {
    if (f.type != fakedrv::NodeType::kFile) continue;
    if (f.path == path || (f.path.size() > path.size() &&
                           f.path.compare(f.path.size() - path.size(), path.size(), path) == 0))
      return Write(out, f.content) ? 0 : Fail("cannot write " + out);
  }
  return Fail(trace.source + ": no file entry " + path);
}

// nvidia-smi prints the bus ID with an 8-digit domain, in upper case.
std::string SmiBusId(const std::string& bus) {
  std::string up = "0000";
  for (char c : bus) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return up;
}

int Smi(const fakedrv::Trace& trace, const std::string& out) {
  std::string text;
  if (!trace.machine.contains("gpus") || !trace.machine["gpus"].is_array())
    return Fail(trace.source + ": the header's machine has no gpus");
  for (const auto& g : trace.machine["gpus"]) {
    text += trace.driver + ", " + g.value("name", "[N/A]") + ", " +
            SmiBusId(g.value("pci_bus_id", "")) + ", " + g.value("uuid", "[N/A]") + ", " +
            g.value("compute_capability", "[N/A]") + ", " +
            std::to_string(g.value("memory_mib", 0)) + "\n";
  }
  return Write(out, text) ? 0 : Fail("cannot write " + out);
}

int Main(int argc, char** argv) {
  if (argc < 2) return Fail("usage: seed_tool probe|file|smi --trace T ... -o OUT");
  std::string cmd = argv[1];
  std::map<std::string, std::string> flags;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--fast" || a == "--full") {
      flags["mode"] = a.substr(2);
    } else if ((a == "--trace" || a == "--path" || a == "-o") && i + 1 < argc) {
      flags[a] = argv[++i];
    } else {
      return Fail("unknown argument " + a);
    }
  }
  if (!flags.count("--trace") || !flags.count("-o")) return Fail("--trace and -o are required");
  fakedrv::TraceLoad load = fakedrv::LoadTrace(flags["--trace"], abi::Registry::Default());
  if (!load.ok()) return Fail(load.errors.front());
  if (cmd == "probe") {
    if (!flags.count("mode")) return Fail("probe needs --fast or --full");
    return Probe(load.trace, flags["mode"] == "full", flags["-o"]);
  }
  if (cmd == "file") {
    if (!flags.count("--path")) return Fail("file needs --path");
    return File(load.trace, flags["--path"], flags["-o"]);
  }
  if (cmd == "smi") return Smi(load.trace, flags["-o"]);
  return Fail("unknown command " + cmd);
}

}  // namespace
}  // namespace nvprobe::fuzz

int main(int argc, char** argv) { return nvprobe::fuzz::Main(argc, argv); }
