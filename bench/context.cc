#include "bench/context.h"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

namespace nvprobe::bench {
namespace {

std::string FsName(const std::string& path) {
  struct statfs fs {};
  if (statfs(path.c_str(), &fs) != 0) return "?";
  switch (fs.f_type) {
    case TMPFS_MAGIC: return "tmpfs";
    case EXT4_SUPER_MAGIC: return "ext4";
    case BTRFS_SUPER_MAGIC: return "btrfs";
    case XFS_SUPER_MAGIC: return "xfs";
    case OVERLAYFS_SUPER_MAGIC: return "overlayfs";
    default: {
      char b[48];
      std::snprintf(b, sizeof b, "fs type 0x%lx", static_cast<unsigned long>(fs.f_type));
      return b;
    }
  }
}

std::string TmpdirOfRuns() {
  const char* t = std::getenv("TMPDIR");
  return t != nullptr && *t != '\0' ? t : "/tmp";
}

bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

std::string TmpRoot() {
  for (const char* var : {"TEST_TMPDIR", "TMPDIR"}) {
    const char* v = std::getenv(var);
    if (v != nullptr && *v != '\0') return v;
  }
  return "/tmp";
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string WithUnit(double v, const std::string& unit) {
  int decimals = unit == "us" ? 2 : (unit == "ms" || unit == "traces/s") ? 1 : 0;
  if (unit == "us" && v >= 100) decimals = 0;
  if (decimals == 0 && v != static_cast<double>(static_cast<long>(v))) decimals = 2;
  return Fixed(v, decimals) + " " + unit;
}

}  // namespace

double Median(std::vector<double> samples) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  size_t n = samples.size();
  return n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

Context::Context(Settings settings, const std::string& argv0) : settings_(std::move(settings)) {
  // `bazel run` and `bazel test` start us in the runfiles tree; a direct start
  // (bazel-bin/bench/fakedrv_bench) finds it beside the binary.
  std::vector<std::string> candidates;
  for (const char* var : {"RUNFILES_DIR", "TEST_SRCDIR"}) {
    if (const char* v = std::getenv(var)) candidates.push_back(std::string(v) + "/nvprobe/");
  }
  // Our own binary's, resolved now: bazel-bin is a symlink that another build may
  // point elsewhere while we run.
  std::error_code ec;
  std::filesystem::path self = std::filesystem::canonical("/proc/self/exe", ec);
  if (!ec) candidates.push_back(self.string() + ".runfiles/nvprobe/");
  candidates.push_back(argv0 + ".runfiles/nvprobe/");
  candidates.push_back(std::filesystem::current_path().string() + "/");
  for (const std::string& c : candidates) {
    if (Exists(c + "fake_driver/fakedrv")) {
      runfiles_ = std::filesystem::canonical(c).string() + "/";
      break;
    }
  }
  if (runfiles_.empty()) {
    std::cerr << "fakedrv_bench: cannot find the runfiles (start it with bazel run)\n";
    std::exit(1);
  }
  std::string tmpl = TmpRoot() + "/fakedrv_bench.XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    std::perror("fakedrv_bench: mkdtemp");
    std::exit(1);
  }
  scratch_ = tmpl;
  empty_path_ = scratch_ + "/empty-path";
  mkdir(empty_path_.c_str(), 0755);
  // Under `bazel test` everything stays in TEST_TMPDIR (hermetic tests).
  std::string shm = "/dev/shm/fakedrv_bench.XXXXXX";
  if (std::getenv("TEST_TMPDIR") == nullptr && FsName("/dev/shm") == "tmpfs" &&
      mkdtemp(shm.data()) != nullptr) {
    tmpfs_dir_ = shm;
  }
}

Context::~Context() {
  std::error_code ignored;
  std::filesystem::remove_all(scratch_, ignored);
  if (!tmpfs_dir_.empty()) std::filesystem::remove_all(tmpfs_dir_, ignored);
}

std::vector<std::string> Context::ProbeEnv(WorkDir wd) const {
  std::vector<std::string> env = {"PATH=" + empty_path_};
  if (wd == WorkDir::kTmpfs && !tmpfs_dir_.empty()) env.push_back("TMPDIR=" + tmpfs_dir_);
  return env;
}

std::vector<Context::WorkDir> Context::WorkDirs() const {
  if (tmpfs_dir_.empty()) return {WorkDir::kDefault};
  return {WorkDir::kDefault, WorkDir::kTmpfs};
}

std::string Context::WorkDirName(WorkDir wd) const {
  if (wd == WorkDir::kTmpfs && !tmpfs_dir_.empty()) return "tmpfs";
  return "$TMPDIR " + FsName(TmpdirOfRuns());
}

std::string Context::Runfile(const std::string& path) const { return runfiles_ + path; }

std::string Context::Scratch(const std::string& name) {
  return scratch_ + "/" + std::to_string(++scratch_serial_) + "-" + name;
}

std::vector<std::string> Context::UnderFakedrv(const std::string& trace, const std::string& log,
                                               const std::vector<std::string>& cmd) const {
  std::vector<std::string> args = {Runfile("fake_driver/fakedrv"), "run", "--strict", "--log", log,
                                   "--trace", trace, "--"};
  args.insert(args.end(), cmd.begin(), cmd.end());
  return args;
}

void Context::Add(Figure f) {
  std::cout << "  " << f.section << ": " << f.what << ": " << WithUnit(f.value, f.unit);
  if (f.baseline > 0) {
    std::cout << " (" << f.baseline_name << " " << WithUnit(f.baseline, f.unit) << ", "
              << Fixed(f.value / f.baseline, 2) << "x)";
  }
  std::cout << std::endl;
  figures_.push_back(std::move(f));
}

void Context::Check(const std::string& what, const std::string& measured, bool met) {
  targets_.push_back({what, measured, met});
}

void Context::Note(const std::string& line) {
  std::cout << "  note: " << line << std::endl;
  notes_.push_back(line);
}

void Context::Problem(const std::string& line) {
  ++problems_;
  Note("PROBLEM: " + line);
}

void Context::PrintReport() const {
  utsname u{};
  uname(&u);
  std::cout << "\n=== fakedrv bench: Linux " << u.release << ", "
            << std::thread::hardware_concurrency() << " CPU(s); "
            << (settings_.quick ? "QUICK run: figures are meaningless"
                                : "medians of " + std::to_string(settings_.reps) + " runs")
            << " ===\n";
  std::string section;
  for (const Figure& f : figures_) {
    if (f.section != section) {
      section = f.section;
      std::cout << "\n[" << section << "]\n";
    }
    char line[256];
    std::string ratio = f.baseline > 0 ? Fixed(f.value / f.baseline, 2) + "x " + f.baseline_name
                                       : "(baseline)";
    std::snprintf(line, sizeof line, "  %-66s %14s   %14s   %s\n", f.what.c_str(),
                  WithUnit(f.value, f.unit).c_str(),
                  f.baseline > 0 ? WithUnit(f.baseline, f.unit).c_str() : "",
                  ratio.c_str());
    std::cout << line;
  }
  std::cout << "\n[targets (issues 7 and 14)]\n";
  for (const Target& t : targets_) {
    std::cout << "  " << (t.met ? "MET    " : "MISSED ") << t.what << ": " << t.measured << "\n";
  }
  if (!notes_.empty()) {
    std::cout << "\n[notes]\n";
    for (const std::string& n : notes_) std::cout << "  " << n << "\n";
  }
  std::cout.flush();
}

}  // namespace nvprobe::bench
