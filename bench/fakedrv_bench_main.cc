// fakedrv_bench: how fast `fakedrv run` serves nvprobe (issue 7), and nvprobe
// against NVIDIA's own tools on the same fake machine (issue 14). Each figure is
// measured against a baseline taken in the same run, and printed with the ratio;
// the targets of the issues are checked at the end. A benchmark, not a test: it
// exits 1 only when something did not run correctly, never because of a timing.
//
//   bazel run -c opt //bench:fakedrv_bench [-- --quick] [--reps=N] [--matrix_traces=N]
//       [--jobs=N] [--sections=replay,floor,e2e,syscalls,matrix,tools]
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

#include "bench/context.h"

namespace {

constexpr char kUsage[] =
    "usage: fakedrv_bench [--quick] [--reps=N] [--matrix_traces=N] [--jobs=N]\n"
    "                     [--sections=replay,floor,e2e,syscalls,matrix,tools]\n"
    "  --quick            seconds-long smoke run (tiny counts; the figures mean nothing)\n"
    "  --reps=N           process runs per end-to-end figure, median taken (default 15)\n"
    "  --matrix_traces=N  corpus traces for the matrix throughput, spread over the\n"
    "                     corpus (default 60; 0: all of them)\n"
    "  --jobs=N           parallel matrix cells (default: one per CPU)\n"
    "  --sections=LIST    run only these sections\n";

bool IntFlag(const std::string& arg, const std::string& name, int* out) {
  if (arg.rfind(name + "=", 0) != 0) return false;
  *out = std::atoi(arg.c_str() + name.size() + 1);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  nvprobe::bench::Settings settings;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      settings.quick = true;
    } else if (IntFlag(a, "--reps", &settings.reps) || IntFlag(a, "--jobs", &settings.jobs) ||
               IntFlag(a, "--matrix_traces", &settings.matrix_traces)) {
    } else if (a.rfind("--sections=", 0) == 0) {
      std::istringstream list(a.substr(11));
      for (std::string s; std::getline(list, s, ',');) settings.sections.push_back(s);
    } else {
      std::cerr << (a == "--help" || a == "-h" ? "" : "fakedrv_bench: unknown option " + a + "\n")
                << kUsage;
      return a == "--help" || a == "-h" ? 0 : 2;
    }
  }
  if (settings.reps < 1) settings.reps = 1;
  nvprobe::bench::Context ctx(settings, argv[0]);
  struct Section {
    const char* name;
    void (*run)(nvprobe::bench::Context&);
  };
  const Section kSections[] = {{"replay", nvprobe::bench::ReplayOverhead},
                               {"floor", nvprobe::bench::FloorScaling},
                               {"e2e", nvprobe::bench::EndToEnd},
                               {"syscalls", nvprobe::bench::SyscallCounts},
                               {"matrix", nvprobe::bench::MatrixThroughput},
                               {"tools", nvprobe::bench::ToolsVsNvprobe}};
  for (const Section& s : kSections) {
    bool wanted = settings.sections.empty();
    for (const std::string& w : settings.sections) wanted |= w == s.name;
    if (!wanted) continue;
    std::cout << "== " << s.name << std::endl;
    s.run(ctx);
  }
  ctx.PrintReport();
  return ctx.had_problems() ? 1 : 0;
}
