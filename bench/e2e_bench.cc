// [2] nvprobe end to end under `fakedrv run`, fast path, --details and --full, against the
// same supervisor on the same trace running /bin/true (the floor: process start,
// trace loading, fake machine set-up), and how both scale with the GPU count.
// The 580.95.05 machines run with the fake machine's files where users get them
// ($TMPDIR) and on tmpfs; the scaling series on tmpfs only, where the host
// filesystem adds no noise to the differences they look at.
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "bench/context.h"
#include "bench/machines.h"
#include "bench/process.h"

namespace nvprobe::bench {
namespace {

using WorkDir = Context::WorkDir;

constexpr double kFastTarget = 1.5;    // x the floor
constexpr double kIndependence = 1.5;  // fast path's cost above the floor, 64 GPUs / 1 GPU
constexpr double kGrowthOfFloor = 0.05;  // or its growth from 1 to 64 GPUs, x the 64-GPU floor
constexpr double kLinearity = 1.5;     // spread of the full path's per-GPU cost

struct Medians {
  double floor = 0, fast = 0, details = 0, full = 0;
};

double Min(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::min_element(v.begin(), v.end());
}

struct Samples {
  std::vector<double> floor, fast, details, full;
  Medians Get() const { return {Median(floor), Median(fast), Median(details), Median(full)}; }
  Medians Least() const { return {Min(floor), Min(fast), Min(details), Min(full)}; }
};

// The median over repetitions of (nvprobe - floor), each pair run back to back.
double PairedMedian(const Samples& s) {
  std::vector<double> d;
  for (size_t i = 0; i < s.floor.size() && i < s.fast.size(); ++i) d.push_back(s.fast[i] - s.floor[i]);
  return Median(d);
}

struct Variant {
  Machine machine;
  WorkDir wd;
  Samples wall, cpu;
};

// The scaling checks look at differences of a fraction of a millisecond between
// runs of 10 to 60 ms; they take each variant's least-disturbed run (noise on a
// shared machine only ever adds time), in wall and in CPU time.
enum class Clock { kWall, kCpu };

Medians Get(const Variant& v, Clock clock) {
  return (clock == Clock::kWall ? v.wall : v.cpu).Least();
}

const char* Name(Clock clock) { return clock == Clock::kWall ? "min wall" : "min CPU"; }

std::string Fmt(const char* format, double a, double b = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, format, a, b);
  return buf;
}

std::string Section(const Context& ctx, WorkDir wd) {
  return "2 nvprobe end to end under fakedrv run (work dir: " + ctx.WorkDirName(wd) + ")";
}

const Variant* Find(const std::vector<Variant>& runs, const Machine& m, WorkDir wd) {
  for (const Variant& r : runs) {
    if (r.machine.trace == m.trace && r.wd == wd) return &r;
  }
  return nullptr;
}

// Fast path against the GPU count: what it adds to the floor, fewest vs most GPUs.
void CheckIndependence(Context& ctx, const std::vector<Variant>& runs, WorkDir wd) {
  std::vector<Machine> scale = MachinesOf(ctx, Series::kFastScale);
  if (scale.size() < 2) return;
  std::string measured;
  double ratio[2] = {0, 0};
  for (Clock clock : {Clock::kWall, Clock::kCpu}) {
    std::string per_size;
    for (const Machine& m : scale) {
      Medians x = Get(*Find(runs, m, wd), clock);
      per_size += (per_size.empty() ? "" : ", ") + std::to_string(m.gpus) + " GPUs " +
                  Fmt("%+.2f ms", x.fast - x.floor);
    }
    Medians lo = Get(*Find(runs, scale.front(), wd), clock);
    Medians hi = Get(*Find(runs, scale.back(), wd), clock);
    double net_lo = lo.fast - lo.floor, net_hi = hi.fast - hi.floor;
    ratio[static_cast<int>(clock)] = net_lo > 0 ? net_hi / net_lo : 0;
    ctx.Add({Section(ctx, wd), std::string("fast path above the floor (") + Name(clock) + "), " +
                                   std::to_string(scale.back().gpus) + " vs " +
                                   std::to_string(scale.front().gpus) + " GPU (" +
                                   scale.front().release + ")",
             net_hi, net_lo, "ms", std::to_string(scale.front().gpus) + "-GPU"});
    measured += std::string(measured.empty() ? "" : "; ") + Name(clock) + " " + per_size +
                Fmt(": %.2fx", ratio[static_cast<int>(clock)]);
  }
  // Once the fast path does no per-GPU work its cost above the floor is a fraction
  // of a millisecond at any size, and the ratio of two such small differences is
  // noise. So growth by at most 5% of the largest machine's floor also counts as
  // independent (section 3 counts the work itself exactly). The growth is taken
  // from paired runs: each repetition runs the floor and nvprobe back to back, and
  // the median of their differences cancels the slow drift of a shared machine that
  // the minima above do not.
  const double cpu = ratio[static_cast<int>(Clock::kCpu)];
  const Variant& small = *Find(runs, scale.front(), wd);
  const Variant& big = *Find(runs, scale.back(), wd);
  const double growth = PairedMedian(big.cpu) - PairedMedian(small.cpu);
  const double allowed = kGrowthOfFloor * Median(big.cpu.floor);
  measured += Fmt("; growth %+.2f ms (median of paired CPU differences), allowed %.2f ms", growth,
                  allowed);
  ctx.Check("fast path independent of GPU count up to 64: its cost above the floor at " +
                std::to_string(scale.back().gpus) + " GPUs within 1.5x of 1 GPU (least CPU time), "
                "or grown by at most 5% of the floor (paired runs; " +
                scale.front().release + ", " + ctx.WorkDirName(wd) + ")",
            measured, (cpu > 0 && cpu <= kIndependence) || growth <= allowed);
}

// Full path against the GPU count: its cost above the fast path, per added GPU,
// on machines where it does RM work per GPU. Judged on CPU time: the per-GPU cost
// is a fraction of a millisecond, below the wall-clock noise of a shared machine.
void CheckLinearity(Context& ctx, const std::vector<Variant>& runs, WorkDir wd) {
  std::vector<Machine> scale = MachinesOf(ctx, Series::kFullScale);
  if (scale.size() < 3) return;
  const Machine& base = scale.front();
  std::string measured;
  bool linear = false;
  for (Clock clock : {Clock::kWall, Clock::kCpu}) {
    Medians b = Get(*Find(runs, base, wd), clock);
    std::vector<double> per_gpu;
    std::string part;
    for (size_t i = 1; i < scale.size(); ++i) {
      const Machine& m = scale[i];
      if (!m.full_per_gpu) continue;
      Medians x = Get(*Find(runs, m, wd), clock);
      double slope = ((x.full - x.fast) - (b.full - b.fast)) / (m.gpus - base.gpus);
      per_gpu.push_back(slope);
      ctx.Add({Section(ctx, wd), std::string("--full over fast (") + Name(clock) +
                                     "), per added GPU, " + std::to_string(base.gpus) + " to " +
                                     std::to_string(m.gpus) + " GPUs (" + m.release + ")",
               slope, 0, "ms", ""});
      part += (part.empty() ? "" : ", ") + std::to_string(base.gpus) + "->" +
              std::to_string(m.gpus) + " GPUs " + Fmt("%.3f ms/GPU", slope);
    }
    bool ok = per_gpu.size() >= 2;
    double spread = 0;
    if (ok) {
      auto [lo, hi] = std::minmax_element(per_gpu.begin(), per_gpu.end());
      spread = *lo > 0 ? *hi / *lo : 0;
      ok = *lo > 0 && spread <= kLinearity;
    }
    measured += std::string(measured.empty() ? "" : "; ") + Name(clock) + " " + part +
                Fmt(" (spread %.2fx)", spread);
    if (clock == Clock::kCpu) linear = ok;
  }
  ctx.Check("full path linear in GPU count: per-GPU cost of --full over the fast path the "
            "same within 1.5x from 1 to 4 and to 8 GPUs (least CPU time; " + base.release + ", " +
                ctx.WorkDirName(wd) + ")",
            measured, linear);
}

}  // namespace

void EndToEnd(Context& ctx) {
  const int reps = ctx.settings().quick ? 1 : ctx.settings().reps;
  std::vector<Variant> runs;
  const WorkDir quiet = ctx.QuietWorkDir();
  if (quiet != WorkDir::kDefault) {
    for (const Machine& m : MachinesOf(ctx, Series::kHeadline)) {
      runs.push_back({m, WorkDir::kDefault, {}, {}});
    }
  }
  for (Series s : {Series::kHeadline, Series::kFastScale, Series::kFullScale}) {
    for (const Machine& m : MachinesOf(ctx, s)) runs.push_back({m, quiet, {}, {}});
  }
  const std::string nvprobe = ctx.Runfile("probe/nvprobe"), log = ctx.Scratch("fakedrv.log");
  std::map<std::string, bool> failed;
  auto timed = [&](Variant& r, const std::vector<std::string>& cmd,
                   std::vector<double> Samples::*into) {
    Finished f = Run(ctx.UnderFakedrv(r.machine.trace, log, cmd), "", "", ctx.ProbeEnv(r.wd));
    if (f.status != 0 && !failed[r.machine.trace]) {
      failed[r.machine.trace] = true;
      ctx.Problem(r.machine.Label() + ": `" + cmd.back() + "` under fakedrv exited " +
                  std::to_string(f.status) + ": " + ReadFile(log).substr(0, 300));
    }
    (r.wall.*into).push_back(f.wall_ms);
    (r.cpu.*into).push_back(f.cpu_ms);
  };
  // Repetitions outermost, so that drift on a shared machine hits every variant.
  for (int i = 0; i < reps; ++i) {
    for (Variant& r : runs) {
      timed(r, {"/bin/true"}, &Samples::floor);
      timed(r, {nvprobe, "--json"}, &Samples::fast);
      timed(r, {nvprobe, "--json", "--details"}, &Samples::details);
      timed(r, {nvprobe, "--json", "--full"}, &Samples::full);
    }
  }
  for (WorkDir wd : ctx.WorkDirs()) {
    std::string ratios;
    bool met = true;
    for (const Variant& r : runs) {
      if (r.wd != wd) continue;
      Medians x = r.wall.Get();
      const std::string label = r.machine.Label();
      ctx.Add({Section(ctx, wd), label + ": /bin/true (floor)", x.floor, 0, "ms", ""});
      ctx.Add({Section(ctx, wd), label + ": nvprobe", x.fast, x.floor, "ms", "floor"});
      ctx.Add({Section(ctx, wd), label + ": nvprobe --details", x.details, x.floor, "ms", "floor"});
      ctx.Add({Section(ctx, wd), label + ": nvprobe --full", x.full, x.floor, "ms", "floor"});
      ratios += (ratios.empty() ? "" : "; ") + r.machine.release + " " + r.machine.name + " " +
                Fmt("%.2fx (%.1f ms)", x.floor > 0 ? x.fast / x.floor : 0, x.fast);
      met = met && x.floor > 0 && x.fast / x.floor <= kFastTarget;
    }
    ctx.Check("fast path within 1.5x of the /bin/true floor (" + ctx.WorkDirName(wd) + ")",
              ratios, met);
  }
  CheckIndependence(ctx, runs, quiet);
  CheckLinearity(ctx, runs, quiet);
}

}  // namespace nvprobe::bench
