// [3] How many system calls, NVIDIA ioctls and supervisor notifications each probe
// mode makes, and how many per GPU: nvprobe under bench/syscount (ptrace) under
// `fakedrv run`, against /bin/true counted the same way. Counts are exact, not
// timed; the supervisor's own calls are not included.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "bench/context.h"
#include "bench/machines.h"
#include "bench/process.h"

namespace nvprobe::bench {
namespace {

constexpr char kSection[] = "3 system calls per probe (ptrace count)";

struct Counts {
  long syscalls = -1, nv_ioctls = -1, notified = -1;
};

Counts Count(Context& ctx, const Machine& m, const std::vector<std::string>& cmd) {
  std::string out = ctx.Scratch("counts"), log = ctx.Scratch("fakedrv.log");
  std::vector<std::string> args = {ctx.Runfile("bench/syscount"), out};
  args.insert(args.end(), cmd.begin(), cmd.end());
  // LeakSanitizer cannot run in a traced process (--config=asan builds).
  std::vector<std::string> env = ctx.ProbeEnv(Context::WorkDir::kTmpfs);  // counts are the same
  env.push_back("ASAN_OPTIONS=detect_leaks=0");
  Finished f = Run(ctx.UnderFakedrv(m.trace, log, args), "", "", env);
  Counts c;
  if (f.status != 0 || std::sscanf(ReadFile(out).c_str(), "syscalls=%ld nv_ioctls=%ld notified=%ld",
                                   &c.syscalls, &c.nv_ioctls, &c.notified) != 3) {
    ctx.Problem(m.Label() + ": syscount " + cmd.back() + " exited " + std::to_string(f.status) +
             ": " + ReadFile(log).substr(0, 300));
    return {};
  }
  return c;
}

std::string Detail(const Counts& c) {
  return "'F' " + std::to_string(c.nv_ioctls) + ", notified " + std::to_string(c.notified);
}

}  // namespace

void SyscallCounts(Context& ctx) {
  ctx.Note("section 3: 'F' = NVIDIA ioctls; notified = calls seccomp hands to the supervisor "
           "('F' ioctls and the open/stat/access family, fake paths or not)");
  const std::string nvprobe = ctx.Runfile("probe/nvprobe");
  const std::vector<std::pair<std::string, std::vector<std::string>>> modes = {
      {"fast", {nvprobe, "--json"}},
      {"details", {nvprobe, "--json", "--details"}},
      {"full", {nvprobe, "--json", "--full"}}};
  std::vector<std::pair<std::string, Series>> series = {{"8 and 64 GPUs", Series::kHeadline},
                                                        {"1 to 64 GPUs", Series::kFastScale},
                                                        {"1 to 8 GPUs", Series::kFullScale}};
  std::map<std::string, std::map<std::string, Counts>> by_trace;  // trace -> mode -> counts
  bool full_linear = false;
  std::string linear_measured;
  for (const auto& [series_name, s] : series) {
    std::vector<Machine> machines = MachinesOf(ctx, s);
    for (const Machine& m : machines) {
      auto& counts = by_trace[m.trace];
      if (counts.empty()) {
        counts["floor"] = Count(ctx, m, {"/bin/true"});
        for (const auto& [mode, cmd] : modes) counts[mode] = Count(ctx, m, cmd);
        ctx.Add({kSection, m.Label() + ": /bin/true (" + Detail(counts["floor"]) + ")",
                 static_cast<double>(counts["floor"].syscalls), 0, "syscalls", ""});
        for (const auto& [mode, cmd] : modes) {
          ctx.Add({kSection, m.Label() + ": " + mode + " (" + Detail(counts[mode]) + ")",
                   static_cast<double>(counts[mode].syscalls),
                   static_cast<double>(counts["floor"].syscalls), "syscalls", "/bin/true"});
        }
      }
    }
    if (s == Series::kHeadline || machines.size() < 2) continue;
    // Per added GPU, from the series' smallest machine.
    const Machine& base = machines.front();
    for (const auto& [mode, cmd] : modes) {
      for (size_t i = 1; i < machines.size(); ++i) {
        const Machine& m = machines[i];
        const Counts& a = by_trace[base.trace][mode];
        const Counts& b = by_trace[m.trace][mode];
        int dn = m.gpus - base.gpus;
        char what[200];
        std::snprintf(what, sizeof what, "%s, per added GPU %d->%d (%s; 'F' %+.2f, notified %+.2f)",
                      mode.c_str(), base.gpus, m.gpus, m.release.c_str(),
                      double(b.nv_ioctls - a.nv_ioctls) / dn, double(b.notified - a.notified) / dn);
        ctx.Add({kSection, what, double(b.syscalls - a.syscalls) / dn, 0, "syscalls", ""});
      }
    }
    if (s == Series::kFullScale && machines.size() >= 3) {
      // Exactly linear: every size's 'F' ioctls on the line through the first two.
      const Counts& c0 = by_trace[machines[0].trace]["full"];
      const Counts& c1 = by_trace[machines[1].trace]["full"];
      double slope = double(c1.nv_ioctls - c0.nv_ioctls) / (machines[1].gpus - machines[0].gpus);
      full_linear = slope > 0;
      for (const Machine& m : machines) {
        long n = by_trace[m.trace]["full"].nv_ioctls;
        full_linear = full_linear && n == c0.nv_ioctls + slope * (m.gpus - machines[0].gpus);
        linear_measured += (linear_measured.empty() ? "" : ", ") + std::to_string(m.gpus) +
                           " GPUs " + std::to_string(n);
      }
      char tail[80];
      std::snprintf(tail, sizeof tail, " ('F' ioctls; %.0f + %.0f per GPU)",
                    c0.nv_ioctls - slope * machines[0].gpus, slope);
      linear_measured += tail;
    }
  }
  ctx.Check("full path linear in GPU count, counted: its NVIDIA ioctls are a + b x GPUs",
            linear_measured, full_linear);
  // The fast path's work, counted: from 1 to 64 GPUs it may add the one retried card
  // info (above 32 GPUs) and nothing per GPU.
  std::vector<Machine> scale = MachinesOf(ctx, Series::kFastScale);
  if (scale.size() >= 2) {
    const Counts& a = by_trace[scale.front().trace]["fast"];
    const Counts& b = by_trace[scale.back().trace]["fast"];
    char measured[200];
    std::snprintf(measured, sizeof measured,
                  "%d -> %d GPUs (%s): 'F' ioctls %ld -> %ld, notified %ld -> %ld, syscalls %ld -> %ld",
                  scale.front().gpus, scale.back().gpus, scale.front().release.c_str(), a.nv_ioctls,
                  b.nv_ioctls, a.notified, b.notified, a.syscalls, b.syscalls);
    ctx.Check("fast path independent of GPU count, counted: at most one more NVIDIA ioctl and "
              "notified call at 64 GPUs than at 1",
              measured, a.nv_ioctls >= 0 && b.nv_ioctls - a.nv_ioctls <= 1 && b.notified - a.notified <= 1);
  }
}

}  // namespace nvprobe::bench
