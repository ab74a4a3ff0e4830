// The main() a fuzz target gets in ordinary builds (gcc, plain or --config=asan),
// where libFuzzer is not available: it runs every seed and regression input named
// on the command line, then deterministic mutations of them (mutator.h) until an
// iteration cap or a wall-time cap, whichever comes first, and prints one summary
// line. Under --config=fuzz the same target links libFuzzer's main instead (see
// fuzz/README.md), so the flags below use libFuzzer's spelling and meaning where
// there is one: the same command line works for both.
//
//   TARGET [-runs=N] [-max_total_time=S] [-seed=N] [-max_len=N] [-timeout=S]
//          [-artifact_prefix=DIR/] [-min_inputs=N] [-min_runs=N] FILE_OR_DIR...
//
// -runs caps the mutated inputs (the seeds always all run).
// -min_inputs and -min_runs (ours, not libFuzzer's) are floors: the run fails when
// fewer seed/regression inputs were read (default 1; a directory named on the command
// line with no file in it is an error too) or when -runs is below -min_runs (default
// 0); the time cap is only checked once -min_runs mutations ran, so a slow machine
// (ASan, a loaded CI box) runs fewer mutations but never none. The smoke tests set
// both (fuzz.bzl), so a smoke run that read nothing or mutated nothing fails. Inputs longer than an
// explicit -max_len run once, whole, but are not mutated: a regression input made
// big on purpose (a 64 KiB line) would otherwise slow every mutant down.
// NVPROBE_FUZZ_RUNS and
// NVPROBE_FUZZ_SECONDS, when set, replace -runs and -max_total_time (so a smoke test
// can be lengthened with `bazel test --test_env=NVPROBE_FUZZ_SECONDS=300`).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "fuzz/mutator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);
// Present when a sanitizer runtime is linked: it reports, then calls us, then dies.
extern "C" __attribute__((weak)) void __sanitizer_set_death_callback(void (*callback)(void));

namespace nvprobe::fuzz {
namespace {

struct Options {
  uint64_t runs = 10000;
  double max_total_time = 10;
  uint64_t seed = 1;
  size_t max_len = 0;  // 0: the largest seed plus 1 KiB (at least 4 KiB)
  unsigned timeout = 30;
  std::string artifact_prefix = "./";
  uint64_t min_inputs = 1;
  uint64_t min_runs = 0;
  std::vector<std::string> paths;
};

struct Input {
  std::string name;
  std::string bytes;
};

// What is running now, for the crash handlers (which may only use these globals).
const char* g_data = nullptr;
size_t g_size = 0;
char g_prefix[1024] = "./";
volatile sig_atomic_t g_dumped = 0;

void WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w <= 0) return;
    p += w;
    n -= static_cast<size_t>(w);
  }
}

void WriteStr(int fd, const char* s) { WriteAll(fd, s, std::strlen(s)); }

// Async-signal-safe: saves the current input as <prefix>crash-<fnv1a64>.
void DumpCurrentInput() {
  if (g_dumped || g_data == nullptr) return;
  g_dumped = 1;
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < g_size; ++i)
    h = (h ^ static_cast<unsigned char>(g_data[i])) * 0x100000001b3ull;
  char path[1100];
  size_t n = 0;
  for (const char* p = g_prefix; *p && n < 1024; ++p) path[n++] = *p;
  for (const char* p = "crash-"; *p; ++p) path[n++] = *p;
  for (int i = 15; i >= 0; --i) path[n++] = "0123456789abcdef"[(h >> (4 * i)) & 0xf];
  path[n] = '\0';
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    WriteAll(fd, g_data, g_size);
    close(fd);
    WriteStr(2, "\n==standalone fuzz driver== the failing input is saved as ");
    WriteStr(2, path);
    WriteStr(2, "\n  (add it under fuzz/regressions/<target>/ once fixed; see fuzz/README.md)\n");
  } else {
    WriteStr(2, "\n==standalone fuzz driver== cannot write the failing input to ");
    WriteStr(2, path);
    WriteStr(2, "\n");
  }
}

void OnFatalSignal(int sig) {
  DumpCurrentInput();
  signal(sig, SIG_DFL);
  raise(sig);
}

void OnTimeout(int) {
  WriteStr(2, "\n==standalone fuzz driver== an input ran past -timeout\n");
  DumpCurrentInput();
  _exit(70);  // libFuzzer's exit status for a timeout
}

void InstallHandlers() {
  if (__sanitizer_set_death_callback != nullptr) {
    // The sanitizer reports SEGV and friends itself; we only keep the input.
    __sanitizer_set_death_callback(DumpCurrentInput);
  } else {
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL}) signal(sig, OnFatalSignal);
  }
  signal(SIGABRT, OnFatalSignal);  // assertions, uncaught exceptions, abort_on_error
  signal(SIGALRM, OnTimeout);
}

bool ParseFlag(const std::string& arg, const char* name, std::string& value) {
  std::string prefix = std::string("-") + name + "=";
  if (arg.rfind(prefix, 0) != 0) return false;
  value = arg.substr(prefix.size());
  return true;
}

std::optional<Options> ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i], v;
    char* end = nullptr;
    if (ParseFlag(a, "runs", v)) {
      o.runs = std::strtoull(v.c_str(), &end, 10);
    } else if (ParseFlag(a, "max_total_time", v)) {
      o.max_total_time = std::strtod(v.c_str(), &end);
    } else if (ParseFlag(a, "seed", v)) {
      o.seed = std::strtoull(v.c_str(), &end, 10);
    } else if (ParseFlag(a, "max_len", v)) {
      o.max_len = std::strtoull(v.c_str(), &end, 10);
    } else if (ParseFlag(a, "timeout", v)) {
      o.timeout = static_cast<unsigned>(std::strtoul(v.c_str(), &end, 10));
    } else if (ParseFlag(a, "min_inputs", v)) {
      o.min_inputs = std::strtoull(v.c_str(), &end, 10);
    } else if (ParseFlag(a, "min_runs", v)) {
      o.min_runs = std::strtoull(v.c_str(), &end, 10);
    } else if (ParseFlag(a, "artifact_prefix", v)) {
      o.artifact_prefix = v;
      end = v.data() + v.size();
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "standalone fuzz driver: ignoring libFuzzer-only flag %s\n", a.c_str());
      continue;
    } else {
      o.paths.push_back(a);
      continue;
    }
    if (end == nullptr || *end != '\0') {
      std::fprintf(stderr, "standalone fuzz driver: bad value in %s\n", a.c_str());
      return std::nullopt;
    }
  }
  if (const char* e = std::getenv("NVPROBE_FUZZ_RUNS"); e && *e)
    o.runs = std::strtoull(e, nullptr, 10);
  if (const char* e = std::getenv("NVPROBE_FUZZ_SECONDS"); e && *e)
    o.max_total_time = std::strtod(e, nullptr);
  // Under `bazel test`, keep crashing inputs with the test's outputs.
  const char* outputs = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  if (outputs && *outputs && o.artifact_prefix == "./")
    o.artifact_prefix = std::string(outputs) + "/";
  return o;
}

bool ReadInputs(const std::string& path, std::vector<Input>& out) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> files;
  if (fs::is_directory(path, ec)) {
    for (const fs::directory_entry& e : fs::recursive_directory_iterator(path, ec))
      if (e.is_regular_file()) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty()) {
      std::fprintf(stderr, "standalone fuzz driver: %s: no input files in this directory\n",
                   path.c_str());
      return false;
    }
  } else {
    files.push_back(path);
  }
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "standalone fuzz driver: cannot read %s\n", f.c_str());
      return false;
    }
    out.push_back({f, std::string(std::istreambuf_iterator<char>(in), {})});
  }
  return true;
}

void RunOne(const std::string& bytes, unsigned timeout) {
  g_dumped = 0;
  g_data = bytes.data();
  g_size = bytes.size();
  alarm(timeout);
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  alarm(0);
  g_data = nullptr;
}

int Main(int argc, char** argv) {
  std::optional<Options> o = ParseArgs(argc, argv);
  if (!o) return 2;
  std::snprintf(g_prefix, sizeof g_prefix, "%s", o->artifact_prefix.c_str());
  std::vector<Input> inputs;
  for (const std::string& p : o->paths)
    if (!ReadInputs(p, inputs)) return 1;
  if (inputs.size() < o->min_inputs) {
    std::fprintf(stderr,
                 "standalone fuzz driver: FAILED: %zu seed/regression inputs, below the floor of "
                 "%llu (-min_inputs)\n",
                 inputs.size(), static_cast<unsigned long long>(o->min_inputs));
    return 1;
  }
  if (o->runs < o->min_runs) {
    std::fprintf(stderr,
                 "standalone fuzz driver: FAILED: a cap of %llu mutations (-runs or "
                 "NVPROBE_FUZZ_RUNS) is below the floor of %llu (-min_runs)\n",
                 static_cast<unsigned long long>(o->runs),
                 static_cast<unsigned long long>(o->min_runs));
    return 1;
  }
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  InstallHandlers();

  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  size_t largest = 0;
  for (const Input& in : inputs) {
    largest = std::max(largest, in.bytes.size());
    RunOne(in.bytes, o->timeout);
  }
  const double seeds_time = elapsed();
  size_t max_len = o->max_len ? o->max_len : std::max<size_t>(4096, largest + 1024);
  std::vector<std::string> pool;
  for (const Input& in : inputs)
    if (o->max_len == 0 || in.bytes.size() <= max_len) pool.push_back(in.bytes);
  Mutator mutator(o->seed, std::move(pool), max_len);
  uint64_t mutations = 0;
  // The time cap counts only once the floor is reached.
  while (mutations < o->runs && (mutations < o->min_runs || elapsed() < o->max_total_time)) {
    RunOne(mutator.Next(), o->timeout);
    ++mutations;
  }
  const double total = elapsed();
  const char* name = std::strrchr(argv[0], '/');
  std::printf(
      "%s: %zu seed/regression inputs in %.2f s, then %llu mutations (seed %llu, max_len %zu) "
      "in %.2f s: %.0f inputs/s (floors: %llu inputs, %llu mutations)\n",
      name ? name + 1 : argv[0], inputs.size(), seeds_time,
      static_cast<unsigned long long>(mutations), static_cast<unsigned long long>(o->seed),
      max_len, total - seeds_time,
      total > 0 ? static_cast<double>(inputs.size() + mutations) / total : 0.0,
      static_cast<unsigned long long>(o->min_inputs), static_cast<unsigned long long>(o->min_runs));
  if (mutations < o->min_runs) {  // cannot happen with the loop above; kept as the contract
    std::fprintf(stderr, "standalone fuzz driver: FAILED: %llu mutations, below the floor of %llu\n",
                 static_cast<unsigned long long>(mutations),
                 static_cast<unsigned long long>(o->min_runs));
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace nvprobe::fuzz

int main(int argc, char** argv) { return nvprobe::fuzz::Main(argc, argv); }
