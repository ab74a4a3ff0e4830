// fakedrv's command line around traces and machine descriptions, issue 21: what
// `show` and the diagnostics print of a trace's or a description's text, and how
// `run --machine` meets odd inputs (a FIFO, a directory as --log, 33+ GPUs).
#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/util/subprocess.h"

namespace {

using ::nvprobe::testing::CommandResult;
using ::nvprobe::testing::RunCommand;
using ::nvprobe::testing::TmpDir;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kFakedrv[] = "fake_driver/fakedrv";
constexpr char kTrace[] = "tests/fake_driver/testdata/h100.trace.jsonl";
constexpr char kMachine[] = "traces/machines/l4-1x.json";
constexpr char kScale64[] = "traces/machines/scale-64x.json";
constexpr char kDriver[] = "550.163.01";

// No byte a terminal acts on: C0 (but the newline), DEL, C1 as UTF-8 or bare,
// bidi controls.
void ExpectNothingATerminalObeys(const std::string& s, const std::string& what) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    EXPECT_FALSE((c < 0x20 && c != '\n') || c == 0x7f) << what << ": byte " << int(c) << " at " << i;
  }
  EXPECT_EQ(s.find("\xc2\x9b"), std::string::npos) << what;
  EXPECT_EQ(s.find("\xe2\x80\xae"), std::string::npos) << what;
  EXPECT_EQ(s.find("\xe2\x81\xa6"), std::string::npos) << what;
  EXPECT_EQ(s.find("\x9b"), std::string::npos) << what;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(text.substr(start, nl - start));
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

// A trace whose author hides its own /etc/passwd from the reviewer: a provenance
// that conceals what follows (ESC [8m) and erases lines, a path written right to
// left, a C1 CSI in the header's machine, an escape sequence in file content.
TEST(FakedrvShowTest, ACraftedTraceCannotHideItsOverridesFromShow) {
  std::vector<std::string> lines = Lines(nvprobe::testing::ReadFileOrEmpty(kTrace));
  ASSERT_GT(lines.size(), 2u);
  nlohmann::ordered_json header = nlohmann::ordered_json::parse(lines[0]);
  header["provenance"] = "hand-written\x1b[8m\x1b[1A\x1b[2K";
  header["machine"]["name"] = "h100\xc2\x9b" "2K";
  lines[0] = header.dump();
  const std::vector<std::string> added = {
      R"({"path":"/etc/passwd","type":"file","content":"root::0:0:root:/root:/bin/sh\n"})",
      R"({"path":"/opt/\u202edwssap\u2066/x","type":"absent"})",
      R"({"path":"/etc/motd","type":"file","content":"hi\u001b]0;title\u0007\u009b2J\u007f"})",
  };
  lines.insert(lines.begin() + 1, added.begin(), added.end());
  const std::string crafted = TmpDir() + "/crafted-show.trace.jsonl";
  {
    std::ofstream out(crafted);
    for (const std::string& l : lines) out << l << "\n";
  }
  CommandResult r = RunCommand({kFakedrv, "show", crafted}, 60);
  ASSERT_EQ(r.status, 0) << r.err;
  ExpectNothingATerminalObeys(r.out, "show's output");
  EXPECT_THAT(r.out, HasSubstr("(hand-written\\x1b[8m\\x1b[1A\\x1b[2K)\n"));
  EXPECT_THAT(r.out, HasSubstr("h100\\u009b2K"));
  EXPECT_THAT(r.out, HasSubstr("\n/etc/passwd  file \"root::0:0:root:/root:/bin/sh\"...\n"));
  EXPECT_THAT(r.out, HasSubstr("\n/opt/\\u202edwssap\\u2066/x  absent\n"));
  EXPECT_THAT(r.out, HasSubstr("\n/etc/motd  file \"hi\\x1b]0;title\\x07\\u009b2J\\x7f\"\n"));
}

// The trace loader's messages quote the trace: printed escaped by show too.
TEST(FakedrvShowTest, LoadErrorsAreEscaped) {
  const std::string bad = TmpDir() + "/bad-origin.trace.jsonl";
  std::ofstream(bad) << R"({"format":"nvprobe-trace","version":1,"driver":"580.95.05","origin":"x","provenance":"p"})"
                     << "\n"
                     << R"({"path":"relative\u001b[2K","type":"dir"})" << "\n";
  CommandResult r = RunCommand({kFakedrv, "show", bad}, 60);
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("bad-origin.trace.jsonl:"));
  ExpectNothingATerminalObeys(r.err, "show's errors");
}

// A FIFO nobody writes to: `run --machine` waited for a writer forever.
TEST(FakedrvRunMachineTest, AFifoWithNoWriterIsAnErrorNotAHang) {
  const std::string fifo = TmpDir() + "/machine.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  CommandResult r = RunCommand({kFakedrv, "run", "--machine", fifo, "--driver", kDriver, "--", "/bin/true"}, 20);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr(fifo + ": a FIFO with no writer: nothing to read"));
}

// A pipe with its writer (`--machine <(cat M)`) is read as before.
TEST(FakedrvRunMachineTest, APipeWithAWriterIsRead) {
  CommandResult r = RunCommand({"/bin/bash", "-c",
                                std::string("exec ") + kFakedrv + " run --machine <(cat " + kMachine +
                                    ") --driver " + kDriver + " -- /bin/true"},
                               60);
  EXPECT_EQ(r.status, 0) << r.err;
}

// `--log DIR` said "cannot open log file DIR" and no reason.
TEST(FakedrvRunMachineTest, ALogThatCannotBeOpenedSaysWhy) {
  CommandResult r =
      RunCommand({kFakedrv, "run", "--log", TmpDir(), "--machine", kMachine, "--driver", kDriver, "--", "/bin/true"},
                 60);
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("fakedrv: --log " + TmpDir() + ": cannot open: Is a directory\n"));
  r = RunCommand({kFakedrv, "run", "--log", TmpDir() + "/no/such/dir/log", "--machine", kMachine, "--driver",
                  kDriver, "--", "/bin/true"},
                 60);
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("/no/such/dir/log: cannot open: No such file or directory\n"));
}

// More than NV_MAX_DEVICES (32) GPUs: NVIDIA's userspace refuses the machine, as
// on real hardware; the description stays valid, with a warning.
TEST(FakedrvRunMachineTest, MoreThan32GpusIsWarnedOf) {
  CommandResult r = RunCommand({kFakedrv, "run", "--machine", kScale64, "--driver", kDriver, "--", "/bin/true"}, 60);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr(std::string("fakedrv: warning: ") + kScale64 +
                               ": 64 GPUs: NVIDIA's nvidia-smi and NVML refuse a machine with more than 32 "
                               "(NV_MAX_DEVICES)"));
  CommandResult one = RunCommand({kFakedrv, "run", "--machine", kMachine, "--driver", kDriver, "--", "/bin/true"}, 60);
  EXPECT_EQ(one.status, 0) << one.err;
  EXPECT_THAT(one.err, Not(HasSubstr("warning")));
}

// faults.files_version "abc" was taken by run --machine (and failed in synth later).
TEST(FakedrvRunMachineTest, AFilesVersionThatIsNoVersionIsRefusedNamingTheKey) {
  std::ifstream in(kMachine);
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(in);
  j["faults"] = {{"files_version", "abc"}};
  const std::string path = TmpDir() + "/l4-files-version-abc.json";
  std::ofstream(path) << j.dump();
  CommandResult r = RunCommand({kFakedrv, "run", "--machine", path, "--driver", kDriver, "--", "/bin/true"}, 60);
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr(path + ": faults.files_version: bad driver version \"abc\""));
}

// A description's text in run --machine's errors is escaped: a value it quotes,
// and what the JSON parser last read.
TEST(FakedrvRunMachineTest, DescriptionTextInErrorsIsEscaped) {
  std::ifstream in(kMachine);
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(in);
  j["platform"] = "bare\x1b[2K\xe2\x80\xaemetal\xc2\x9b";
  const std::string path = TmpDir() + "/l4-crafted-platform.json";
  std::ofstream(path) << j.dump();
  CommandResult r = RunCommand({kFakedrv, "run", "--machine", path, "--driver", kDriver, "--", "/bin/true"}, 60);
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr(path + ": platform: \"bare\\x1b[2K\\u202emetal\\u009b\" is not"));
  ExpectNothingATerminalObeys(r.err, "run --machine's error");
  const std::string garbage = TmpDir() + "/garbage.json";
  std::ofstream(garbage) << "{\"name\": \x1b[2K\xe2\x80\xae}";
  r = RunCommand({kFakedrv, "run", "--machine", garbage, "--driver", kDriver, "--", "/bin/true"}, 60);
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr(garbage + ":1:"));
  ExpectNothingATerminalObeys(r.err, "run --machine's JSON error");
}

// `fakedrv abi` alone pointed to `fakedrv --help`; its subcommands are in its own.
TEST(FakedrvAbiTest, AbiWithoutASubcommandPointsToItsOwnHelp) {
  CommandResult r = RunCommand({kFakedrv, "abi"}, 60);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "fakedrv: A subcommand is required (see fakedrv abi --help)\n");
  CommandResult help = RunCommand({kFakedrv, "abi", "--help"}, 60);
  EXPECT_EQ(help.status, 0);
  EXPECT_THAT(help.out, HasSubstr("versions"));
  CommandResult none = RunCommand({kFakedrv}, 60);
  EXPECT_EQ(none.err, "fakedrv: A subcommand is required (see fakedrv --help)\n");
}

}  // namespace
