// Runs the real fakedrv binary: exit statuses, one-line errors, and a dump for every
// known release.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "abi/registry.h"

namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kFakedrv[] = "fake_driver/fakedrv";

struct Result {
  int status = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs fakedrv with `args` (shell words), stdin from /dev/null.
Result Fakedrv(const std::string& args) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string err_path = std::string(tmp ? tmp : ".") + "/fakedrv_test_err_XXXXXX";
  int fd = mkstemp(err_path.data());
  if (fd >= 0) close(fd);
  std::string cmd = std::string(kFakedrv) + " " + args + " </dev/null 2>" + err_path;
  Result r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 65536> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  if (FILE* e = fopen(err_path.c_str(), "r")) {
    while ((n = fread(buf.data(), 1, buf.size(), e)) > 0) r.err.append(buf.data(), n);
    fclose(e);
  }
  unlink(err_path.c_str());
  return r;
}

int Lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

TEST(FakedrvAbiTest, DumpAnswersForEveryRelease) {
  for (const auto& rel : nvprobe::abi::Registry::Default().releases()) {
    std::string v = rel.version.ToString();
    Result r = Fakedrv("abi dump --driver " + v + " --json");
    ASSERT_EQ(r.status, 0) << v << ": " << r.err;
    EXPECT_EQ(r.err, "") << v;
    nlohmann::json j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["driver"], v);
    EXPECT_GE(j["structs"].size(), 30u) << v;
    EXPECT_GE(j["constants"].size(), 300u) << v;
  }
}

TEST(FakedrvAbiTest, UnknownVersionResolvesWithANotice) {
  Result r = Fakedrv("abi dump --driver 470.256.02 --json");
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(nlohmann::json::parse(r.out)["driver"], "515.43.04");
  EXPECT_THAT(r.err, HasSubstr("notice: driver 470.256.02"));
  Result future = Fakedrv("abi dump --driver 600.10 --json");
  ASSERT_EQ(future.status, 0);
  EXPECT_EQ(nlohmann::json::parse(future.out)["driver"], "595.45.04");
}

TEST(FakedrvAbiTest, VersionsListsReleasesWithParents) {
  Result r = Fakedrv("abi versions --json");
  ASSERT_EQ(r.status, 0);
  nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 193u);
  EXPECT_EQ(j[0]["version"], "515.43.04");
  EXPECT_TRUE(j[0]["parent"].is_null());
  Result text = Fakedrv("abi versions");
  ASSERT_EQ(text.status, 0);
  EXPECT_THAT(text.out, HasSubstr("545.23.06   535.43.02"));
  EXPECT_THAT(text.out, HasSubstr("193 releases"));
}

TEST(FakedrvAbiTest, DiffPrintsChanges) {
  Result r = Fakedrv("abi diff 530.41.03 535.43.02");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("ABI 530.41.03 -> 535.43.02: "));
  EXPECT_THAT(r.out, HasSubstr("struct NVOS21_PARAMETERS: field status moved 24 -> 28"));
  Result same = Fakedrv("abi diff 535.104.05 535.104.12");
  EXPECT_EQ(same.out, "ABI 535.104.05 -> 535.104.12: no differences\n");
}

TEST(FakedrvAbiTest, TextDumpDescribesKindsAndNestedBuffers) {
  Result r = Fakedrv("abi dump --driver 580.95.05");
  ASSERT_EQ(r.status, 0);
  EXPECT_THAT(r.out, HasSubstr("struct NVOS54_PARAMETERS (32 bytes)"));
  EXPECT_THAT(r.out, HasSubstr("pointer params -> params of control cmd, size paramsSize"));
  EXPECT_THAT(r.out, HasSubstr("handle  hClient"));
  EXPECT_THAT(r.out, HasSubstr("gpuInfoList -> NV2080_CTRL_GPU_INFO, count gpuInfoListSize"));
}

// Ada's and Hopper's implementation numbers, which NVIDIA's headers name only from
// 565.57.01, are in an earlier release's dump too, marked as carried back.
TEST(FakedrvAbiTest, DumpShowsImplementationsCarriedBackFrom565) {
  Result r = Fakedrv("abi dump --driver 550.163.01 --json");
  ASSERT_EQ(r.status, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["driver"], "550.163.01");
  EXPECT_EQ(j["constants"]["NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD102"], 2);
  EXPECT_EQ(j["constants"]["NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD104"], 4);
  EXPECT_EQ(j["constants"]["NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GH100"], 0);
  EXPECT_EQ(j["carried_back"]["NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD102"], "565.57.01");
  EXPECT_FALSE(j["carried_back"].contains("NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GA102"));
  Result text = Fakedrv("abi dump --driver 550.163.01");
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("(11 carried back from later releases)"));
  EXPECT_THAT(text.out, HasSubstr("  NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD102 = 0x2  (carried "
                                  "back from 565.57.01, not in this release's headers)\n"));
  EXPECT_THAT(text.out, HasSubstr("  NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_GA102 = 0x2\n"));
  // From 565.57.01 on they are the release's own: no mark, the contract's three keys.
  Result own = Fakedrv("abi dump --driver 565.57.01 --json");
  ASSERT_EQ(own.status, 0) << own.err;
  nlohmann::json o = nlohmann::json::parse(own.out);
  EXPECT_EQ(o.size(), 3u);
  EXPECT_EQ(o["constants"]["NV2080_CTRL_MC_ARCH_INFO_IMPLEMENTATION_AD102"], 2);
}

TEST(FakedrvAbiTest, BadInputIsOneLineAndNonZero) {
  struct Case {
    std::string args;
    int status;
    std::string says;
  };
  // The whole message, not a piece of it: "to" alone matched any message at all.
  const std::string expected = " (expected MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. 535.98 or 570.124.06)";
  for (const Case& c :
       {Case{"abi dump --driver abc", 1, "fakedrv: bad driver version \"abc\": has 1 component(s)" + expected},
        Case{"abi dump --driver 1.2.3.4.5", 1,
             "fakedrv: bad driver version \"1.2.3.4.5\": has 5 component(s)" + expected},
        Case{"abi dump --driver ''", 1, "fakedrv: bad driver version \"\": empty" + expected},
        Case{"abi diff 535.98 nope", 1, "fakedrv: bad driver version \"nope\": has 1 component(s)" + expected},
        Case{"abi dump", 2, "fakedrv: abi dump: --driver is required (see fakedrv abi dump --help)"},
        Case{"abi dump --driver 535.98 --bogus", 2,
             "fakedrv: The following argument was not expected: --bogus (see fakedrv --help)"},
        Case{"abi frob", 2, "fakedrv: unknown command 'abi frob' (see fakedrv abi --help)"},
        Case{"frob", 2, "fakedrv: unknown command 'frob' (see fakedrv --help)"},
        Case{"", 2, "fakedrv: A subcommand is required (see fakedrv --help)"},
        Case{"--bogus", 2, "fakedrv: unknown option --bogus (see fakedrv --help)"},
        Case{"--bogus show x", 2, "fakedrv: unknown option --bogus (see fakedrv --help)"},
        // CLI11 names the missing positional by its name, TO.
        Case{"abi diff 535.98", 2,
             "fakedrv: abi diff needs two driver versions, FROM and TO (see fakedrv abi diff --help)"}}) {
    Result r = Fakedrv(c.args);
    EXPECT_EQ(r.status, c.status) << c.args;
    EXPECT_EQ(Lines(r.err), 1) << c.args << ": " << r.err;
    EXPECT_EQ(r.err, c.says + "\n") << c.args;
    EXPECT_EQ(r.out, "") << c.args;
  }
}

// `abi dump --json > /dev/full` exited 0 having written nothing.
TEST(FakedrvAbiTest, FailedWriteToStdoutIsAnError) {
  for (const char* args : {"abi dump --driver 580.95.05 --json", "abi dump --driver 580.95.05",
                           "abi versions", "abi diff 530.41.03 535.43.02", "--help"}) {
    Result r = Fakedrv(std::string(args) + " >/dev/full");
    EXPECT_EQ(r.status, 1) << args;
    EXPECT_EQ(r.err, "fakedrv: cannot write to standard output: No space left on device\n") << args;
  }
}

TEST(FakedrvAbiTest, HelpTellsTheCommands) {
  Result r = Fakedrv("--help");
  EXPECT_EQ(r.status, 0);
  EXPECT_THAT(r.out, HasSubstr("abi dump --driver V"));
  EXPECT_THAT(r.out, HasSubstr("Exit status"));
}

}  // namespace
