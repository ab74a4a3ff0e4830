// [4] Regression-matrix throughput: corpus traces verified per second, each trace
// being nvprobe fast, --details and --full under `fakedrv run --strict` compared with the
// trace's expected answer (what tests/matrix does, without Bazel's per-test
// overhead), sequentially and in parallel, against /bin/true under the same
// supervisor on the same traces.
#include <algorithm>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench/answer_check.h"
#include "bench/context.h"
#include "bench/process.h"

namespace nvprobe::bench {
namespace {

constexpr char kSection[] = "4 matrix throughput";

struct Cell {
  std::string trace, expected, mode;  // mode: "floor", "fast", "details" or "full"
};

// Committed corpus traces that have an expected answer, in a stable order,
// spread over the corpus when only `limit` are wanted.
std::vector<std::pair<std::string, std::string>> CorpusTraces(Context& ctx, int limit) {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, std::string>> all;
  std::error_code ec;
  for (const fs::directory_entry& release : fs::directory_iterator(ctx.Runfile("traces"), ec)) {
    if (!release.is_directory()) continue;
    for (const fs::directory_entry& f : fs::directory_iterator(release.path(), ec)) {
      std::string p = f.path().string();
      const std::string suffix = ".trace.jsonl";
      if (!p.ends_with(suffix)) continue;
      std::string expected = p.substr(0, p.size() - suffix.size()) + ".expected.json";
      if (fs::exists(expected)) all.emplace_back(p, expected);
    }
  }
  std::sort(all.begin(), all.end());
  if (limit <= 0 || static_cast<size_t>(limit) >= all.size()) return all;
  std::vector<std::pair<std::string, std::string>> some;
  for (int i = 0; i < limit; ++i) some.push_back(all[i * all.size() / limit]);
  return some;
}

struct PoolResult {
  double seconds = 0;
  int failed = 0;
};

// Runs `cells`, `jobs` at a time; counts the cells whose answer is wrong.
PoolResult RunCells(Context& ctx, const std::vector<Cell>& cells, int jobs, Context::WorkDir wd) {
  const std::string nvprobe = ctx.Runfile("probe/nvprobe");
  struct Slot {
    Started proc;
    size_t cell = 0;
    std::string out, log;
  };
  std::vector<Slot> slots;
  std::vector<Started> running;
  for (int j = 0; j < jobs; ++j) {
    slots.push_back({{}, 0, ctx.Scratch("cell.out"), ctx.Scratch("cell.log")});
  }
  std::vector<size_t> free_slots;
  for (int j = jobs - 1; j >= 0; --j) free_slots.push_back(j);
  std::vector<size_t> busy;  // slot indexes, parallel to `running`
  PoolResult result;
  size_t next = 0;
  double start = NowNs();
  while (next < cells.size() || !busy.empty()) {
    while (next < cells.size() && !free_slots.empty()) {
      Slot& s = slots[free_slots.back()];
      const Cell& c = cells[next];
      std::vector<std::string> cmd = {"/bin/true"};
      if (c.mode != "floor") cmd = {nvprobe, "--json"};
      if (c.mode == "full") cmd.push_back("--full");
      if (c.mode == "details") cmd.push_back("--details");
      s.cell = next++;
      s.proc = Start(ctx.UnderFakedrv(c.trace, s.log, cmd), s.out, "", ctx.ProbeEnv(wd));
      busy.push_back(free_slots.back());
      running.push_back(s.proc);
      free_slots.pop_back();
    }
    Finished f;
    int i = WaitFirst(running, 120, &f);
    if (i < 0) {
      ctx.Problem("a matrix cell hung for 120 s; throughput figures are incomplete");
      break;
    }
    Slot& s = slots[busy[i]];
    const Cell& c = cells[s.cell];
    std::string why;
    if (c.mode == "floor") {
      if (f.status != 0) ++result.failed;
    } else if (f.status == 120) {
      ++result.failed;
      why = "fakedrv --strict: a request had no recorded answer";
    } else if (!AnswerMatches(ReadFile(c.expected), c.mode, f.status, ReadFile(s.out), &why)) {
      ++result.failed;
    }
    if (!why.empty() && result.failed <= 3) {
      ctx.Problem("matrix: " + c.trace + " (" + c.mode + "): " + why);
    }
    free_slots.push_back(busy[i]);
    busy.erase(busy.begin() + i);
    running.erase(running.begin() + i);
  }
  result.seconds = (NowNs() - start) / 1e9;
  return result;
}

}  // namespace

void MatrixThroughput(Context& ctx) {
  int limit = ctx.settings().quick ? 3 : ctx.settings().matrix_traces;
  std::vector<std::pair<std::string, std::string>> traces = CorpusTraces(ctx, limit);
  if (traces.empty()) {
    ctx.Problem("matrix: no corpus traces in the runfiles");
    return;
  }
  int jobs = ctx.settings().jobs > 0 ? ctx.settings().jobs
                                     : std::max(1u, std::thread::hardware_concurrency());
  std::vector<Cell> floor, verify;
  for (const auto& [t, e] : traces) {
    floor.push_back({t, e, "floor"});
    verify.push_back({t, e, "fast"});
    verify.push_back({t, e, "details"});
    verify.push_back({t, e, "full"});
  }
  const double n = static_cast<double>(traces.size());
  const std::string count = std::to_string(traces.size()) + " traces";
  for (Context::WorkDir wd : ctx.WorkDirs()) {
    const std::string section = std::string(kSection) + " (work dir: " + ctx.WorkDirName(wd) + ")";
    PoolResult base = RunCells(ctx, floor, 1, wd);
    double floor_rate = n / base.seconds;
    ctx.Add({section, "/bin/true under fakedrv, 1 job (" + count + ")", floor_rate, 0,
             "traces/s", ""});
    PoolResult one = RunCells(ctx, verify, 1, wd);
    ctx.Add({section, "verified (fast + --details + --full), 1 job (" + count + ")", n / one.seconds,
             floor_rate, "traces/s", "floor"});
    int failed = one.failed;
    if (jobs > 1) {
      PoolResult many = RunCells(ctx, verify, jobs, wd);
      ctx.Add({section,
               "verified (fast + --details + --full), " + std::to_string(jobs) + " jobs (" + count + ")",
               n / many.seconds, floor_rate, "traces/s", "floor"});
      failed = std::max(failed, many.failed);
    }
    if (failed > 0) {
      ctx.Problem("matrix: " + std::to_string(failed) + " cell(s) did not verify (see above)");
    }
  }
}

}  // namespace nvprobe::bench
