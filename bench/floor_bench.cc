// [1b] fakedrv's floor against the GPU count (issue 14): `/bin/true` under
// `fakedrv run`, the cost of a run that asks the fake machine nothing (start-up,
// loading the trace or building the model, setting up the fake machine, clean-up),
// on 1-, 8- and 64-GPU machines, replayed (--trace) and modelled (--machine), with
// the fake machine's files in $TMPDIR and on tmpfs. Target: the 64-GPU floor within
// 1.2x of the 1-GPU floor.
#include <cstdio>
#include <string>
#include <vector>

#include "bench/context.h"
#include "bench/machines.h"
#include "bench/process.h"

namespace nvprobe::bench {
namespace {

using WorkDir = Context::WorkDir;

constexpr double kFlatTarget = 1.2;  // 64-GPU floor / 1-GPU floor
constexpr char kModelDriver[] = "580.95.05";

struct FloorRun {
  std::string label;              // "550.76 a100-pcie-1x (1 GPU)"
  std::vector<std::string> args;  // fakedrv run ... -- /bin/true, less --log
  WorkDir wd;
  std::vector<double> wall;
};

std::string Section(const Context& ctx, WorkDir wd) {
  return "1b fakedrv floor: /bin/true under fakedrv run (work dir: " + ctx.WorkDirName(wd) + ")";
}

// One series (1 / 8 / 64 GPUs) in one work dir: its figures, and the target.
void Report(Context& ctx, const std::string& series, const std::vector<FloorRun*>& runs) {
  if (runs.size() < 2) return;
  const WorkDir wd = runs.front()->wd;
  const double one = Median(runs.front()->wall);
  std::string measured;
  for (const FloorRun* r : runs) {
    const double ms = Median(r->wall);
    if (r == runs.front()) {
      ctx.Add({Section(ctx, wd), series + " " + r->label, ms, 0, "ms", ""});
    } else {
      ctx.Add({Section(ctx, wd), series + " " + r->label, ms, one, "ms", "1-GPU floor"});
    }
    char part[96];
    std::snprintf(part, sizeof part, "%s%.1f ms", measured.empty() ? "" : ", ", ms);
    measured += part;
  }
  const double ratio = one > 0 ? Median(runs.back()->wall) / one : 0;
  char tail[96];
  std::snprintf(tail, sizeof tail, " (1 / 8 / 64 GPUs): %.2fx (target <= %.1fx)", ratio, kFlatTarget);
  ctx.Check("floor flat in GPU count, " + series + " (" + ctx.WorkDirName(wd) + ")", measured + tail,
            ratio > 0 && ratio <= kFlatTarget);
}

}  // namespace

void FloorScaling(Context& ctx) {
  const int reps = ctx.settings().quick ? 1 : ctx.settings().reps;
  const std::string fakedrv = ctx.Runfile("fake_driver/fakedrv");
  const std::string log = ctx.Scratch("fakedrv.log");
  std::vector<FloorRun> runs;
  const std::vector<Machine> traces = MachinesOf(ctx, Series::kFastScale);
  const char* const kModelMachines[][2] = {{"l4-1x", "1 GPU"}, {"hgx-h100-8x", "8 GPUs"},
                                           {"scale-64x", "64 GPUs"}};
  for (WorkDir wd : ctx.WorkDirs()) {
    for (const Machine& m : traces) {
      runs.push_back({m.Label(), {fakedrv, "run", "--strict", "--log", log, "--trace", m.trace, "--",
                                  "/bin/true"}, wd, {}});
    }
    for (const auto& [name, gpus] : kModelMachines) {
      runs.push_back({std::string(kModelDriver) + " " + name + " (" + gpus + ")",
                      {fakedrv, "run", "--log", log, "--machine",
                       ctx.Runfile(std::string("traces/machines/") + name + ".json"), "--driver",
                       kModelDriver, "--", "/bin/true"},
                      wd, {}});
    }
  }
  // Repetitions outermost, so that drift on a shared machine hits every variant.
  std::vector<bool> failed(runs.size(), false);
  for (int i = 0; i < reps; ++i) {
    for (size_t k = 0; k < runs.size(); ++k) {
      Finished f = Run(runs[k].args, "", "", ctx.ProbeEnv(runs[k].wd));
      if (f.status != 0 && !failed[k]) {
        failed[k] = true;
        ctx.Problem(runs[k].label + ": /bin/true under fakedrv exited " + std::to_string(f.status) +
                    ": " + ReadFile(log).substr(0, 300));
      }
      runs[k].wall.push_back(f.wall_ms);
    }
  }
  const size_t per_wd = traces.size() + 3;
  for (size_t w = 0; w * per_wd < runs.size(); ++w) {
    std::vector<FloorRun*> trace_series, model_series;
    for (size_t k = 0; k < per_wd; ++k) {
      (k < traces.size() ? trace_series : model_series).push_back(&runs[w * per_wd + k]);
    }
    Report(ctx, "replay (--trace)", trace_series);
    Report(ctx, "model (--machine)", model_series);
  }
}

}  // namespace nvprobe::bench
