// What every benchmark section needs: where the binaries and traces are (Bazel
// runfiles), a scratch directory, how hard to try, and the report being built.
#ifndef NVPROBE_BENCH_CONTEXT_H_
#define NVPROBE_BENCH_CONTEXT_H_

#include <string>
#include <vector>

namespace nvprobe::bench {

struct Settings {
  bool quick = false;      // a seconds-long smoke run: tiny counts, figures meaningless
  int reps = 15;           // process runs per end-to-end figure (median taken)
  int matrix_traces = 60;  // traces for the matrix throughput; 0: the whole corpus
  int jobs = 0;            // parallel matrix cells; 0: one per CPU
  std::vector<std::string> sections;  // empty: all
};

// One line of the final report: a figure, its baseline, and the ratio.
struct Figure {
  std::string section, what;
  double value = 0, baseline = 0;
  std::string unit;        // of value and baseline
  std::string baseline_name;
};

// A target from issues 7 and 14 and whether this run met it.
struct Target {
  std::string what, measured;
  bool met = false;
};

class Context {
 public:
  Context(Settings settings, const std::string& argv0);
  ~Context();

  const Settings& settings() const { return settings_; }
  // A runfile by its workspace-relative path, e.g. "fake_driver/fakedrv".
  std::string Runfile(const std::string& path) const;
  // A fresh path in the scratch directory.
  std::string Scratch(const std::string& name);

  // `fakedrv run --strict --log LOG --trace TRACE -- CMD...`
  std::vector<std::string> UnderFakedrv(const std::string& trace, const std::string& log,
                                        const std::vector<std::string>& cmd) const;
  // Where `fakedrv run` materializes the fake machine's files: $TMPDIR as the
  // user has it, or a tmpfs directory. The first is what users get; the second
  // leaves out the host filesystem's cost (large on ext4, which allocates inodes
  // slowly right after deleting many), so scaling is seen without its noise.
  enum class WorkDir { kDefault, kTmpfs };
  // Added to every run's environment: $PATH is an empty directory, so that no host
  // nvidia-smi answers, and $TMPDIR for `wd`.
  std::vector<std::string> ProbeEnv(WorkDir wd = WorkDir::kDefault) const;
  // "$TMPDIR ext4" or "tmpfs": what the work directory is on, for the report.
  std::string WorkDirName(WorkDir wd) const;
  // The work dirs to measure: the default, and tmpfs where there is one (not under
  // `bazel test`, which keeps everything in TEST_TMPDIR).
  std::vector<WorkDir> WorkDirs() const;
  // Where the scaling series run: tmpfs if there is one.
  WorkDir QuietWorkDir() const { return tmpfs_dir_.empty() ? WorkDir::kDefault : WorkDir::kTmpfs; }

  void Add(Figure f);
  void Check(const std::string& what, const std::string& measured, bool met);
  void Note(const std::string& line);
  // Something did not run as it should (a failed run, a wrong answer): noted, and
  // the benchmark exits 1, so that its smoke test catches it. Never about timing.
  void Problem(const std::string& line);
  bool had_problems() const { return problems_ > 0; }
  void PrintReport() const;

 private:
  Settings settings_;
  std::string runfiles_, scratch_, empty_path_;
  std::string tmpfs_dir_;  // empty: no writable tmpfs (then kTmpfs is the default)
  int scratch_serial_ = 0;
  int problems_ = 0;
  std::vector<Figure> figures_;
  std::vector<Target> targets_;
  std::vector<std::string> notes_;
};

// The benchmark sections (one file each).
void ReplayOverhead(Context& ctx);    // replay_bench.cc
void EndToEnd(Context& ctx);          // e2e_bench.cc
void SyscallCounts(Context& ctx);     // syscall_bench.cc
void MatrixThroughput(Context& ctx);  // matrix_bench.cc
void ToolsVsNvprobe(Context& ctx);    // tools_bench.cc
void FloorScaling(Context& ctx);      // floor_bench.cc

// Median of samples (sorted copy); 0 when empty.
double Median(std::vector<double> samples);

}  // namespace nvprobe::bench

#endif  // NVPROBE_BENCH_CONTEXT_H_
