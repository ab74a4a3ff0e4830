// The nvprobe binary's standard output: output that cannot be written (stdout on
// /dev/full, a full disk) is an error in every output mode, not a silent exit 0.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Outcome {
  int status = -1;  // exit status, 128+signal
  std::string err;
};

std::string Nvprobe() {
  const char* dir = std::getenv("TEST_SRCDIR");
  const char* ws = std::getenv("TEST_WORKSPACE");
  return std::string(dir ? dir : ".") + "/" + (ws ? ws : "nvprobe") + "/probe/nvprobe";
}

// Runs nvprobe ARGS with stdout on `stdout_path` and stderr captured.
Outcome RunNvprobe(const std::vector<std::string>& args, const std::string& stdout_path) {
  const char* t = std::getenv("TEST_TMPDIR");
  std::string err_path = std::string(t ? t : "/tmp") + "/nvprobe.err." + std::to_string(getpid());
  std::vector<std::string> argv = {Nvprobe()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (std::string& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    int out = open(stdout_path.c_str(), O_WRONLY);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0) _exit(97);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    // No driver, no nvidia-smi: the answer does not depend on the host.
    setenv("PATH", "/nonexistent", 1);
    unsetenv("NVPROBE_DRIVER_VERSION");
    execv(cargv[0], cargv.data());
    _exit(98);
  }
  Outcome o;
  int st = 0;
  waitpid(pid, &st, 0);
  o.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  std::ifstream e(err_path);
  std::stringstream s;
  s << e.rdbuf();
  o.err = s.str();
  return o;
}

TEST(NvprobeBinaryTest, StdoutOnDevFullIsAnError) {
  ASSERT_EQ(access("/dev/full", W_OK), 0) << "this test needs /dev/full";
  const std::vector<std::vector<std::string>> modes = {
      {"--source=files"},
      {"--source=files", "--json"},
      {"--source=files", "--query-gpu=driver_version", "--format=csv"},
      {"--help"},
  };
  for (const std::vector<std::string>& args : modes) {
    const std::string what = ::testing::PrintToString(args);
    // Written to /dev/null it succeeds (3: no driver here; 0 for --help) ...
    Outcome ok = RunNvprobe(args, "/dev/null");
    EXPECT_TRUE(ok.status == 0 || ok.status == 3) << what << ": " << ok.status << " " << ok.err;
    // ... to /dev/full it fails, saying why.
    Outcome full = RunNvprobe(args, "/dev/full");
    EXPECT_EQ(full.status, 1) << what << ": " << full.err;
    EXPECT_THAT(full.err, ::testing::HasSubstr("nvprobe: cannot write the output: No space left on device"))
        << what;
  }
}

}  // namespace
