// `fakedrv record` end to end, without a GPU: the recorder runs under `fakedrv run`
// (a ptrace tracer under the seccomp supervisor sees the notified syscalls with the
// supervisor's results), records nvprobe and the test client, and the recorded
// trace must validate, replay under `fakedrv run --strict` to the same answers, and
// hold the expected events. Every run is bounded; files go to TEST_TMPDIR.
#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "abi/registry.h"
#include "fake_driver/trace/hex.h"
#include "fake_driver/record/record_anonymize.h"
#include "fake_driver/record/recorder.h"
#include "fake_driver/trace/trace_io.h"
#include "tests/util/subprocess.h"

namespace nvprobe::fakedrv {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kFakedrv[] = "fake_driver/fakedrv";
constexpr char kNvprobe[] = "probe/nvprobe";
constexpr char kClient[] = "tests/fake_driver/nv_client_static";
constexpr char kTrace[] = "tests/fake_driver/testdata/h100.trace.jsonl";
constexpr int kTimeoutS = 60;

using nvprobe::testing::TmpDir;
using Result = nvprobe::testing::CommandResult;

std::string Slurp(const std::string& path) { return nvprobe::testing::ReadFileOrEmpty(path); }

// `no_leak_check`: LeakSanitizer cannot run in a traced process (it uses ptrace
// itself), so an ASan-built target (nvprobe under --config=asan) that is recorded
// runs without it.
Result RunCmd(const std::vector<std::string>& args, bool drop_caps = false,
              bool no_leak_check = false) {
  return nvprobe::testing::RunCommand(
      args, kTimeoutS, {.drop_caps = drop_caps, .no_leak_check = no_leak_check});
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// `fakedrv run --trace TRACE -- fakedrv record [FLAGS] -o OUT -- CMD...`
Result Record(const std::string& trace, const std::string& out, const std::vector<std::string>& cmd,
              const std::vector<std::string>& flags = {}) {
  std::vector<std::string> a = {kFakedrv, "run", "--trace", trace, "--", kFakedrv, "record"};
  a = Concat(a, flags);
  a = Concat(a, {"-o", out, "--"});
  return RunCmd(Concat(a, cmd), false, /*no_leak_check=*/cmd[0] == kNvprobe);
}

Result Replay(const std::string& trace, const std::vector<std::string>& cmd) {
  return RunCmd(Concat({kFakedrv, "run", "--strict", "--trace", trace, "--"}, cmd));
}

std::string Out(const std::string& name) { return TmpDir() + "/" + name + ".trace.jsonl"; }

Trace Load(const std::string& path) {
  TraceLoad l = LoadTrace(path, abi::Registry::Default());
  for (const std::string& e : l.errors) ADD_FAILURE() << e;
  return std::move(l.trace);
}

// nvprobe's JSON without what differs from run to run.
nlohmann::json ProbeAnswer(const std::string& out) {
  nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << out;
  if (j.is_object()) j.erase("sources_tried");
  return j;
}

std::string EscapeName(const Trace& t, const IoctlEvent& e) {
  const abi::Binding* b = t.abi->EscapeByNumber(e.nr());
  return b ? b->name : "?";
}

// Control commands and classes of the nested buffers, e.g. "NV2080_CTRL_GPU_GET_INFO_PARAMS".
std::multiset<std::string> NestedStructs(const Trace& t) {
  std::multiset<std::string> s;
  for (const IoctlEvent& e : t.events) {
    for (const ArgBuffer& n : e.args.nested) {
      if (n.layout) s.insert(n.layout->name);
      for (const ArgBuffer& m : n.nested) {
        if (m.layout) s.insert(m.layout->name);
      }
    }
  }
  return s;
}

const IoctlEvent* FindEvent(const Trace& t, const std::string& escape) {
  for (const IoctlEvent& e : t.events) {
    if (EscapeName(t, e) == escape) return &e;
  }
  return nullptr;
}

TEST(FakedrvRecordTest, NvprobeFastPathRoundTrip) {
  Result direct = RunCmd({kFakedrv, "run", "--trace", kTrace, "--", kNvprobe, "--json"});
  ASSERT_EQ(direct.status, 0) << direct.err;
  const std::string t2 = Out("fast");
  Result rec = Record(kTrace, t2, {kNvprobe, "--json"});
  ASSERT_EQ(rec.status, 0) << rec.err;
  EXPECT_EQ(ProbeAnswer(rec.out), ProbeAnswer(direct.out)) << "recording changed the target";
  EXPECT_THAT(rec.err, HasSubstr("2 requests, 0 unknown to the ABI for 580.95.05"));

  Trace t = Load(t2);
  EXPECT_EQ(t.origin, "recorded");
  EXPECT_EQ(t.driver, "580.95.05");
  // The fast path's events are the original trace's, byte for byte.
  Trace orig = Load(kTrace);
  ASSERT_EQ(t.events.size(), 2u);
  for (const IoctlEvent& e : t.events) {
    const IoctlEvent* o = FindEvent(orig, EscapeName(t, e));
    ASSERT_NE(o, nullptr) << EscapeName(t, e);
    EXPECT_EQ(e.request, o->request);
    EXPECT_EQ(e.args.in, o->args.in);
    EXPECT_EQ(e.args.out, o->args.out);
    EXPECT_EQ(e.ret, 0);
    EXPECT_EQ(e.device, "/dev/nvidiactl");
  }
  // It must not open /dev/nvidiaN; it reads the driver files.
  EXPECT_EQ(t.FindFile("/dev/nvidia0"), nullptr);
  ASSERT_NE(t.FindFile("/dev/nvidiactl"), nullptr);
  EXPECT_EQ(t.FindFile("/dev/nvidiactl")->type, NodeType::kCharDev);
  EXPECT_EQ(t.FindFile("/dev/nvidiactl")->minor, 255u);

  Result replay = Replay(t2, {kNvprobe, "--json"});
  ASSERT_EQ(replay.status, 0) << replay.err;
  EXPECT_EQ(ProbeAnswer(replay.out), ProbeAnswer(direct.out));
}

TEST(FakedrvRecordTest, NvprobeFullPathRoundTripWithNestedBuffers) {
  Result direct = RunCmd({kFakedrv, "run", "--trace", kTrace, "--", kNvprobe, "--full", "--json"});
  ASSERT_EQ(direct.status, 0) << direct.err;
  const std::string t2 = Out("full");
  Result rec = Record(kTrace, t2, {kNvprobe, "--full", "--json"});
  ASSERT_EQ(rec.status, 0) << rec.err;
  EXPECT_EQ(ProbeAnswer(rec.out), ProbeAnswer(direct.out));
  Trace t = Load(t2);
  std::multiset<std::string> escapes;
  for (const IoctlEvent& e : t.events) escapes.insert(EscapeName(t, e));
  EXPECT_EQ(escapes.count("NV_ESC_CHECK_VERSION_STR"), 1u);
  EXPECT_EQ(escapes.count("NV_ESC_CARD_INFO"), 1u);
  EXPECT_GE(escapes.count("NV_ESC_RM_ALLOC"), 3u);
  EXPECT_GE(escapes.count("NV_ESC_RM_CONTROL"), 1u);
  EXPECT_GE(escapes.count("NV_ESC_RM_FREE"), 1u);
  std::multiset<std::string> nested = NestedStructs(t);
  EXPECT_EQ(nested.count("NV2080_CTRL_GPU_GET_INFO_PARAMS"), 1u);
  EXPECT_EQ(nested.count("NV2080_CTRL_GPU_INFO"), 1u);  // nested in nested
  EXPECT_EQ(nested.count("NV0080_ALLOC_PARAMETERS"), 1u);
  // The SM version the original trace answered, recorded in the nested-nested buffer.
  for (const IoctlEvent& e : t.events) {
    for (const ArgBuffer& n : e.args.nested) {
      for (const ArgBuffer& m : n.nested) {
        if (m.layout && m.layout->name == "NV2080_CTRL_GPU_INFO") {
          EXPECT_EQ(LoadUint(m.out, 4, 4), 0x900u);
        }
      }
    }
  }
  for (const IoctlEvent& e : t.events) EXPECT_FALSE(e.nested_not_followed) << e.line;
  // Provenance.
  EXPECT_EQ(t.machine["recorded"]["command"][1], "--full");
  EXPECT_EQ(t.machine["recorded"]["driver_reported"], "580.95.05");
  EXPECT_THAT(t.machine["recorded"]["kernel"].get<std::string>(), HasSubstr("Linux"));
  EXPECT_FALSE(t.machine["recorded"]["date"].get<std::string>().empty());
  EXPECT_THAT(t.machine["recorded"]["tool"].get<std::string>(), HasSubstr("fakedrv record"));
  ASSERT_EQ(t.machine["gpus"].size(), 1u);
  EXPECT_EQ(t.machine["gpus"][0]["name"], "NVIDIA H100 80GB HBM3");
  EXPECT_THAT(t.provenance, HasSubstr("--full"));

  Result replay = Replay(t2, {kNvprobe, "--full", "--json"});
  ASSERT_EQ(replay.status, 0) << replay.err;
  EXPECT_EQ(ProbeAnswer(replay.out), ProbeAnswer(direct.out));
}

// Equal bytes except handle and pointer fields (per the ABI layout): handles are
// remapped between trace and client and pointers are the recorder's addresses.
bool SameUpToHandles(const ArgBuffer& a, const ArgBuffer& b) {
  if (a.field != b.field || a.in.size() != b.in.size() || a.out.size() != b.out.size() ||
      a.nested.size() != b.nested.size()) {
    return false;
  }
  auto masked = [&](std::vector<uint8_t> v) {
    if (a.layout != nullptr && a.layout->size != 0) {
      for (size_t base = 0; base + a.layout->size <= v.size(); base += a.layout->size) {
        for (const abi::Field& f : a.layout->fields) {
          if (f.kind == abi::FieldKind::kHandle || f.kind == abi::FieldKind::kPointer) {
            std::fill_n(v.begin() + static_cast<long>(base + f.offset), f.width, 0);
          }
        }
      }
    }
    return v;
  };
  if (masked(a.in) != masked(b.in) || masked(a.out) != masked(b.out)) return false;
  for (size_t i = 0; i < a.nested.size(); ++i) {
    if (!SameUpToHandles(a.nested[i], b.nested[i])) return false;
  }
  return true;
}

// The issue's round trip on a corpus trace that answers every request of the full
// path: every recorded event equals one of T's up to handle values (and order), and
// the recording replays strictly to the same answer.
TEST(FakedrvRecordTest, FullPathEventsEqualTheOriginalsUpToHandles) {
  const std::string source = "traces/580.95.05/hgx-h100-8x.trace.jsonl";
  const std::string t2 = Out("full_corpus");
  Result rec = Record(source, t2, {kNvprobe, "--full", "--json"});
  ASSERT_EQ(rec.status, 0) << rec.err;
  Trace orig = Load(source);
  Trace t = Load(t2);
  ASSERT_GE(t.events.size(), 8u * 8u);  // 8 GPUs, several requests each
  for (const IoctlEvent& e : t.events) {
    bool found = false;
    for (const IoctlEvent& o : orig.events) {
      if (o.request == e.request && o.device == e.device && o.ret == e.ret &&
          o.err == e.err && SameUpToHandles(e.args, o.args)) {
        found = true;
        break;
      }
    }
    EXPECT_TRUE(found) << "recorded event at " << t2 << ":" << e.line << " ("
                       << EscapeName(t, e) << ") is not in " << source;
  }
  Result replay = RunCmd({kFakedrv, "run", "--strict", "--trace", t2, "--", kNvprobe, "--full",
                          "--json"});
  ASSERT_EQ(replay.status, 0) << replay.err;
  Result direct = RunCmd({kFakedrv, "run", "--trace", source, "--", kNvprobe, "--full", "--json"});
  EXPECT_EQ(ProbeAnswer(replay.out), ProbeAnswer(direct.out));
}

TEST(FakedrvRecordTest, EightThreads) {
  const std::string t2 = Out("threads");
  Result rec = Record(kTrace, t2, {kClient, "threads"});
  ASSERT_EQ(rec.status, 0) << rec.out << rec.err;
  EXPECT_THAT(rec.out, HasSubstr("threads ok: 8 of 8"));
  Trace t = Load(t2);
  EXPECT_EQ(t.events.size(), 400u);
  for (const IoctlEvent& e : t.events) {
    EXPECT_EQ(EscapeName(t, e), "NV_ESC_CHECK_VERSION_STR");
    EXPECT_EQ(e.device, "/dev/nvidiactl");
  }
  Result replay = Replay(t2, {kClient, "threads"});
  EXPECT_EQ(replay.status, 0) << replay.out << replay.err;
}

TEST(FakedrvRecordTest, ForkAndExecAreFollowed) {
  const std::string t2 = Out("forkexec");
  Result rec = Record(kTrace, t2, {kClient, "forkexec"});
  ASSERT_EQ(rec.status, 0) << rec.out << rec.err;
  EXPECT_THAT(rec.out, HasSubstr("child status 0"));
  Trace t = Load(t2);
  // One query in the forked child on the inherited fd, one in the exec'd program.
  EXPECT_EQ(t.events.size(), 2u);
  EXPECT_EQ(Replay(t2, {kClient, "forkexec"}).status, 0);
}

TEST(FakedrvRecordTest, SignalsAreDeliveredAndRestartedCallsRecordedOnce) {
  const std::string t2 = Out("signals");
  Result rec = Record(kTrace, t2, {kClient, "slow_signals"});
  ASSERT_EQ(rec.status, 0) << rec.out << rec.err;
  EXPECT_THAT(rec.out, HasSubstr("200 answered, signal seen 1"));
  Trace t = Load(t2);
  EXPECT_EQ(t.events.size(), 200u);  // no event for a call the kernel restarted
  for (const IoctlEvent& e : t.events) EXPECT_EQ(e.ret, 0) << e.line;
  EXPECT_EQ(Replay(t2, {kClient, "slow_signals"}).status, 0);
}

TEST(FakedrvRecordTest, DuplicatedFdsAreTheSameDevice) {
  const std::string t2 = Out("dup2");
  Result rec = Record(kTrace, t2, {kClient, "dup2"});
  ASSERT_EQ(rec.status, 0) << rec.out << rec.err;
  Trace t = Load(t2);
  ASSERT_EQ(t.events.size(), 2u);
  for (const IoctlEvent& e : t.events) EXPECT_EQ(e.device, "/dev/nvidiactl");
}

TEST(FakedrvRecordTest, FailedOpensDevicesFilesAndDirectories) {
  const std::string t2 = Out("files");
  Result direct = RunCmd({kFakedrv, "run", "--trace", kTrace, "--", kClient, "files"});
  Result rec = Record(kTrace, t2, {kClient, "files"});
  ASSERT_EQ(rec.status, 0) << rec.out << rec.err;
  EXPECT_EQ(rec.out, direct.out);
  Trace t = Load(t2);
  const FileNode* n1 = t.FindFile("/dev/nvidia1");
  ASSERT_NE(n1, nullptr);
  EXPECT_EQ(n1->type, NodeType::kCharDev);
  EXPECT_EQ(n1->open_errno, EACCES);
  EXPECT_EQ(n1->mode, 0600u);
  ASSERT_NE(t.FindFile("/dev/nvidia-uvm"), nullptr);
  EXPECT_EQ(t.FindFile("/dev/nvidia-uvm")->type, NodeType::kAbsent);
  ASSERT_NE(t.FindFile("/sys/module/nvidia/version"), nullptr);
  EXPECT_EQ(t.FindFile("/sys/module/nvidia/version")->content, "580.95.05\n");
  ASSERT_NE(t.FindFile("/proc/driver/nvidia/gpus/0000:3b:00.0"), nullptr);
  EXPECT_EQ(t.FindFile("/proc/driver/nvidia/gpus/0000:3b:00.0")->type, NodeType::kDir);
  Result replay = Replay(t2, {kClient, "files"});
  EXPECT_EQ(replay.status, 0) << replay.err;
  EXPECT_EQ(replay.out, direct.out);
}

TEST(FakedrvRecordTest, UnknownRequestIsRecordedFlaggedAndSummarized) {
  const std::string t2 = Out("unknown");
  Result rec = Record(kTrace, t2, {kClient, "unknown_escape"});
  ASSERT_EQ(rec.status, 0) << rec.out << rec.err;
  EXPECT_THAT(rec.err, HasSubstr("1 requests, 1 unknown to the ABI for 580.95.05: escape 0x77"));
  EXPECT_THAT(Slurp(t2), HasSubstr("\"nested_not_followed\":true"));
  Trace t = Load(t2);
  ASSERT_EQ(t.events.size(), 1u);
  EXPECT_TRUE(t.events[0].nested_not_followed);
  EXPECT_EQ(t.events[0].args.in.size(), 16u);
  EXPECT_EQ(t.events[0].ret, -1);
  EXPECT_EQ(t.events[0].err, EINVAL);
  Result replay = Replay(t2, {kClient, "unknown_escape"});
  EXPECT_EQ(replay.status, 0) << replay.out << replay.err;
  // An unknown RM control command (the client's "unsupported control"); its
  // wrong-paramsSize control is known, answered by the release rule.
  Result rm = Record(kTrace, Out("rm"), {kClient, "rm"});
  ASSERT_EQ(rm.status, 0) << rm.out << rm.err;
  EXPECT_THAT(rm.err, HasSubstr("7 requests, 1 unknown to the ABI for 580.95.05: NV_ESC_RM_CONTROL"));
  Load(Out("rm"));
}

TEST(FakedrvRecordTest, RecordsWithoutAnyCapabilities) {
  const std::string t2 = Out("nocaps");
  Result rec = RunCmd({kFakedrv, "run", "--trace", kTrace, "--", kFakedrv, "record", "-o", t2, "--",
                       kClient, "version"},
                      /*drop_caps=*/true);
  ASSERT_EQ(rec.status, 0) << rec.err;
  EXPECT_EQ(rec.out, "driver version: 580.95.05\n");
  EXPECT_EQ(Load(t2).events.size(), 1u);
}

TEST(FakedrvRecordTest, LoaderChecksTheNotFollowedFlag) {
  ASSERT_EQ(Record(kTrace, Out("unknown2"), {kClient, "unknown_escape"}).status, 0);
  std::string text = Slurp(Out("unknown2"));
  std::string bad = text;
  size_t at = bad.find("\"nested_not_followed\":true");
  ASSERT_NE(at, std::string::npos);
  bad.insert(at, "\"nested\":[],");
  std::istringstream in(bad);
  TraceLoad l = ParseTrace(in, "bad", abi::Registry::Default());
  ASSERT_FALSE(l.ok());
  EXPECT_THAT(l.errors[0], HasSubstr("has no \"nested\" buffers"));
  // Without the flag an unknown escape is refused, as before.
  std::string unflagged = text;
  unflagged.erase(unflagged.find("\"nested_not_followed\":true,"),
                  std::string("\"nested_not_followed\":true,").size());
  std::istringstream in2(unflagged);
  TraceLoad l2 = ParseTrace(in2, "unflagged", abi::Registry::Default());
  ASSERT_FALSE(l2.ok());
  EXPECT_THAT(l2.errors[0], HasSubstr("escape 0x77 is unknown to driver 580.95.05"));
}

// The H100 trace without the version files: the version comes from the ioctl.
std::string TraceWithoutVersionFiles() {
  Trace t = Load(kTrace);
  for (FileNode& f : t.files) {
    if (f.path == "/proc/driver/nvidia/version" || f.path == "/sys/module/nvidia/version") {
      f.type = NodeType::kAbsent;
      f.content.clear();
    }
  }
  const std::string out = Out("no_version_files_source");
  std::ofstream o(out);
  WriteTrace(t, o);
  return out;
}

TEST(FakedrvRecordTest, VersionFromTheDriversReplyWhenNoFileSaysIt) {
  const std::string source = TraceWithoutVersionFiles();
  Result direct = RunCmd({kFakedrv, "run", "--trace", source, "--", kNvprobe, "--full", "--json"});
  ASSERT_EQ(direct.status, 0) << direct.err;
  const std::string t2 = Out("no_version_files");
  Result rec = Record(source, t2, {kNvprobe, "--full", "--json"});
  ASSERT_EQ(rec.status, 0) << rec.err;
  Trace t = Load(t2);
  EXPECT_EQ(t.driver, "580.95.05");
  EXPECT_EQ(NestedStructs(t).count("NV2080_CTRL_GPU_INFO"), 1u);
  for (const IoctlEvent& e : t.events) EXPECT_FALSE(e.nested_not_followed) << e.line;
  Result replay = Replay(t2, {kNvprobe, "--full", "--json"});
  ASSERT_EQ(replay.status, 0) << replay.err;
  EXPECT_EQ(ProbeAnswer(replay.out), ProbeAnswer(direct.out));
  // A client that never asks the version, on a machine whose files do not say it:
  // no trace can be written, and the status says so.
  Result none = Record(source, Out("no_version"), {kClient, "rm"});
  EXPECT_EQ(none.status, 125);
  EXPECT_THAT(none.err, HasSubstr("no trace written: the driver version is unknown"));
}

TEST(FakedrvRecordTest, ExitStatusPassesThrough) {
  EXPECT_EQ(Record(kTrace, Out("exit7"), {"/bin/sh", "-c", "exit 7"}).status, 7);
  EXPECT_EQ(Record(kTrace, Out("killed"), {kClient, "killself"}).status, 128 + SIGKILL);
  Trace t = Load(Out("killed"));
  EXPECT_EQ(t.events.size(), 1u);
  Result missing = Record(kTrace, Out("missing"), {"/nonexistent/cmd"});
  EXPECT_EQ(missing.status, 127);
  EXPECT_THAT(missing.err, HasSubstr("cannot run /nonexistent/cmd"));
}

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

// Issue 15: `record -o good -- /typo/cmd` replaced good with an empty trace.
TEST(FakedrvRecordTest, NothingIsWrittenWhenTheCommandDidNotRun) {
  const std::string good = Out("good");
  { std::ofstream(good) << "a good trace\n"; }
  Result rec = Record(kTrace, good, {"/typo/nvprobe"});
  EXPECT_EQ(rec.status, 127) << rec.err;
  EXPECT_THAT(rec.err, HasSubstr("cannot run /typo/nvprobe"));
  EXPECT_THAT(rec.err, HasSubstr("fakedrv record: no trace written: /typo/nvprobe did not run"));
  EXPECT_EQ(Slurp(good), "a good trace\n");
}

// Issue 15: `-o /nonexistent/x` or `-o DIR` ran CMD to the end, then failed with
// 125 and CMD's status lost. The output is checked first; CMD does not run.
TEST(FakedrvRecordTest, AnUnwritableOutputIsFoundBeforeTheCommandRuns) {
  const std::string mark = TmpDir() + "/record_ran";
  const std::vector<std::string> cmd = {"/bin/sh", "-c", "touch " + mark};
  Result dir = Record(kTrace, TmpDir(), cmd);
  EXPECT_EQ(dir.status, 125);
  EXPECT_THAT(dir.err, HasSubstr("fakedrv record: cannot write " + TmpDir() +
                                 ": Is a directory (the command was not run)"));
  Result missing = Record(kTrace, "/nonexistent/x.jsonl", cmd);
  EXPECT_EQ(missing.status, 125);
  EXPECT_THAT(missing.err, HasSubstr("cannot write /nonexistent/x.jsonl: directory /nonexistent: No such file "
                                     "or directory (the command was not run)"));
  EXPECT_FALSE(Exists(mark));
}

// Issue 15: an existing T.tmp was overwritten (and then renamed away). The
// temporary file is a new one, gone once the trace is in place.
TEST(FakedrvRecordTest, TheTemporaryFileIsANewOne) {
  const std::string out = Out("tmpname");
  { std::ofstream(out + ".tmp") << "someone's file\n"; }
  Result rec = Record(kTrace, out, {kNvprobe, "--json"});
  ASSERT_EQ(rec.status, 0) << rec.err;
  EXPECT_EQ(Slurp(out + ".tmp"), "someone's file\n");
  EXPECT_FALSE(Load(out).events.empty());
  int leftovers = 0;
  if (DIR* d = opendir(TmpDir().c_str())) {
    while (dirent* e = readdir(d)) leftovers += std::string(e->d_name).rfind("tmpname.trace.jsonl.", 0) == 0 &&
                                                 std::string(e->d_name) != "tmpname.trace.jsonl.tmp";
    closedir(d);
  }
  EXPECT_EQ(leftovers, 0);
}

// Issue 15: `kill -KILL` of `fakedrv record` must not leave the command running.
// PTRACE_O_EXITKILL ends a seized command, but one the tracer had not seized yet
// read end-of-file on its start pipe and ran untraced with parent 1. The command now
// starts with PR_SET_PDEATHSIG (SIGKILL), as under `fakedrv run`.
TEST(FakedrvRecordTest, TheCommandStartsWithTheParentDeathSignal) {
  Result rec = Record(kTrace, Out("pdeathsig"), {kClient, "pdeathsig"});
  EXPECT_EQ(rec.status, 0) << rec.err;
  EXPECT_EQ(rec.out, "pdeathsig " + std::to_string(SIGKILL) + "\n") << rec.err;
}

// Gone, or a zombie nobody has reaped yet: it runs no more.
bool ProcessEnded(pid_t pid) {
  std::string stat = Slurp("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return true;
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() &&
         (stat[paren + 2] == 'Z' || stat[paren + 2] == 'X');
}

TEST(FakedrvRecordTest, KilledRecorderTakesTheCommandAlong) {
  const std::string ready = TmpDir() + "/record_killed.ready";
  const std::string out = Out("record_killed");
  unlink(ready.c_str());
  unlink(out.c_str());
  nvprobe::testing::Spawned s = nvprobe::testing::Spawn(
      {kFakedrv, "run", "--trace", kTrace, "--", kFakedrv, "record", "-o", out, "--", "/bin/sh", "-c",
       "echo $$ > " + ready + ".tmp; mv " + ready + ".tmp " + ready + "; exec sleep 60"});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kTimeoutS);
  while (!Exists(ready) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(Exists(ready)) << Slurp(s.err_path);
  const pid_t command = std::atoi(Slurp(ready).c_str());
  ASSERT_GT(command, 0);
  // The recorder is the command's parent (fields after "pid (comm) state": ppid).
  const std::string stat = Slurp("/proc/" + std::to_string(command) + "/stat");
  const size_t paren = stat.rfind(')');
  ASSERT_NE(paren, std::string::npos) << stat;
  const pid_t recorder = std::atoi(stat.substr(paren + 4).c_str());
  ASSERT_GT(recorder, 1) << stat;
  EXPECT_THAT(Slurp("/proc/" + std::to_string(recorder) + "/cmdline"), HasSubstr("record"));
  ASSERT_EQ(kill(recorder, SIGKILL), 0);
  auto gone_by = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!ProcessEnded(command) && std::chrono::steady_clock::now() < gone_by)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(ProcessEnded(command)) << "the command runs on without its recorder";
  Result r = nvprobe::testing::Wait(s, 10);
  EXPECT_EQ(r.status, 128 + SIGKILL) << r.err;
  EXPECT_FALSE(Exists(out)) << "a killed recorder wrote a trace";
  if (!ProcessEnded(command)) kill(command, SIGKILL);
  kill(-s.pid, SIGKILL);  // in case anything hung
}

// A copy of the H100 trace whose GPU has a UUID (GID_INFO answers it, the
// information file shows it), a serial number, and a builder user@host.
constexpr char kUuid[] = "GPU-1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d";
constexpr char kSerial[] = "1650123456789";

std::string TraceWithUuid() {
  const std::string full = Out("full_for_uuid");
  Result rec = Record(kTrace, full, {kNvprobe, "--full", "--json"});
  EXPECT_EQ(rec.status, 0) << rec.err;
  Trace t = Load(full);
  bool patched = false;
  for (IoctlEvent& e : t.events) {
    if (e.args.nested.empty() || e.args.nested[0].layout == nullptr ||
        e.args.nested[0].layout->name != "NV2080_CTRL_GPU_GET_GID_INFO_PARAMS") {
      continue;
    }
    const abi::Field* status = e.args.layout->Find("status");
    StoreUint(e.args.out, status->offset, status->width, 0);
    ArgBuffer& p = e.args.nested[0];
    StoreUint(p.out, p.layout->Find("length")->offset, 4, std::string(kUuid).size());
    std::copy(kUuid, kUuid + std::string(kUuid).size(), p.out.begin() + p.layout->Find("data")->offset);
    patched = true;
  }
  EXPECT_TRUE(patched);
  for (FileNode& f : t.files) {
    if (f.path.find("/information") != std::string::npos) {
      f.content += std::string("GPU UUID: \t ") + kUuid + "\nSerial Number: \t " + kSerial + "\n";
    }
  }
  const std::string out = Out("uuid_source");
  std::ofstream o(out);
  WriteTrace(t, o);
  return out;
}

TEST(FakedrvRecordTest, AnonymizeReplacesUuidsSerialsAndNamesConsistently) {
  const std::string source = TraceWithUuid();
  Result direct = RunCmd({kFakedrv, "run", "--trace", source, "--", kNvprobe, "--full", "--json"});
  ASSERT_EQ(direct.status, 0) << direct.err;
  ASSERT_EQ(ProbeAnswer(direct.out)["gpus"][0]["uuid"], kUuid);

  const std::string t2 = Out("anon");
  Result rec = Record(source, t2, {kNvprobe, "--full", "--json"}, {"--anonymize"});
  ASSERT_EQ(rec.status, 0) << rec.err;
  const std::string text = Slurp(t2);
  std::string lower = kUuid;
  for (char& c : lower) c = static_cast<char>(std::tolower(c));
  std::string hex_uuid = HexEncode(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(kUuid) + 4, std::string(kUuid).size() - 4));
  for (const std::string& secret : {std::string(kUuid + 4), lower.substr(4), hex_uuid,
                                    std::string(kSerial), std::string("dvs-builder"),
                                    std::string("U22-I3-AE18-23-3")}) {
    EXPECT_THAT(text, Not(HasSubstr(secret))) << secret;
  }
  const std::string fake = "GPU-face0000-0000-4000-8000-000000000001";
  Trace t = Load(t2);
  // The same fake in the file and in the ioctl bytes.
  const FileNode* info = t.FindFile("/proc/driver/nvidia/gpus/0000:3b:00.0/information");
  ASSERT_NE(info, nullptr);
  EXPECT_THAT(info->content, HasSubstr(fake));
  EXPECT_THAT(text, HasSubstr(HexEncode(std::span<const uint8_t>(
                        reinterpret_cast<const uint8_t*>(fake.data()), fake.size()))));
  EXPECT_THAT(info->content, Not(HasSubstr(kSerial)));
  const FileNode* version = t.FindFile("/proc/driver/nvidia/version");
  ASSERT_NE(version, nullptr);
  EXPECT_THAT(version->content, HasSubstr("580.95.05"));
  EXPECT_THAT(version->content, Not(HasSubstr("dvs-builder@")));
  EXPECT_TRUE(t.machine["recorded"]["anonymized"].get<bool>());

  // The anonymized trace still replays, and the probe sees the fake UUID.
  Result replay = Replay(t2, {kNvprobe, "--full", "--json"});
  ASSERT_EQ(replay.status, 0) << replay.err;
  nlohmann::json got = ProbeAnswer(replay.out);
  EXPECT_EQ(got["gpus"][0]["uuid"], fake);
  nlohmann::json want = ProbeAnswer(direct.out);
  want["gpus"][0]["uuid"] = fake;
  EXPECT_EQ(got, want);
}

TEST(FakedrvRecordTest, AnonymizeRawUuidsTheAbiMarks) {
  // A GID_INFO answer in FORMAT_BINARY carries the raw 16 bytes; the text form
  // elsewhere must get the same fake.
  const std::string source = TraceWithUuid();
  Trace t = Load(source);
  const uint8_t raw[16] = {0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x7a, 0x8b,
                           0x9c, 0x0d, 0x1e, 0x2f, 0x3a, 0x4b, 0x5c, 0x6d};
  ArgBuffer* gid = nullptr;
  for (IoctlEvent& e : t.events) {
    if (!e.args.nested.empty() && e.args.nested[0].layout &&
        e.args.nested[0].layout->name == "NV2080_CTRL_GPU_GET_GID_INFO_PARAMS") {
      gid = &e.args.nested[0];
    }
  }
  ASSERT_NE(gid, nullptr);
  const uint32_t data = gid->layout->Find("data")->offset;
  StoreUint(gid->in, gid->layout->Find("flags")->offset, 4, 2);  // FORMAT_BINARY
  StoreUint(gid->out, gid->layout->Find("flags")->offset, 4, 2);
  StoreUint(gid->out, gid->layout->Find("length")->offset, 4, 16);
  std::fill(gid->out.begin() + data, gid->out.end(), 0);
  std::copy(raw, raw + 16, gid->out.begin() + data);
  // The text form only in a file.
  std::map<std::string, std::string> m = AnonymizeTrace(t, {});
  ASSERT_EQ(m.count(kUuid), 1u);
  EXPECT_EQ(m[kUuid], "GPU-face0000-0000-4000-8000-000000000001");
  const uint8_t fake_raw[16] = {0xfa, 0xce, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_TRUE(std::equal(fake_raw, fake_raw + 16, gid->out.begin() + data));
  // A second UUID known only in raw form gets the next fake.
  Trace t2 = Load(source);
  for (FileNode& f : t2.files) {
    if (f.type == NodeType::kFile) f.content = "no uuid here\n";
  }
  for (IoctlEvent& e : t2.events) {
    for (ArgBuffer& n : e.args.nested) {
      if (n.layout && n.layout->name == "NV2080_CTRL_GPU_GET_GID_INFO_PARAMS") {
        StoreUint(n.in, n.layout->Find("flags")->offset, 4, 2);
        StoreUint(n.out, n.layout->Find("length")->offset, 4, 16);
        std::fill(n.out.begin() + data, n.out.end(), 0);
        std::copy(raw, raw + 16, n.out.begin() + data);
      }
    }
  }
  std::map<std::string, std::string> m2 = AnonymizeTrace(t2, {});
  EXPECT_EQ(m2.count(kUuid), 1u);
}

// The recorder on its own, fed syscall stops of this very process (its memory is
// read with process_vm_readv like a target's).
TEST(RecorderTest, VersionFromAPre530StrictReplyAndRestartedCallsSkipped) {
  Recorder rec(abi::Registry::Default(), nullptr);
  const pid_t self = getpid();
  const std::string file = TmpDir() + "/fake_nvidiactl";
  std::ofstream(file) << "";
  int fd = open(file.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  static const char kPath[] = "/dev/nvidiactl";
  SyscallStop open_stop{self, SYS_openat, {static_cast<uint64_t>(AT_FDCWD), reinterpret_cast<uint64_t>(kPath)}, 0};
  rec.OnSyscallEntry(open_stop);
  open_stop.ret = fd;
  rec.OnSyscallExit(open_stop);

  struct { uint32_t cmd, reply; char version[64]; } v{};  // nv_ioctl_rm_api_version_t
  const uint64_t request = 0xc04846d2;  // NV_ESC_CHECK_VERSION_STR, 72 bytes
  SyscallStop io{self, SYS_ioctl, {static_cast<uint64_t>(fd), request, reinterpret_cast<uint64_t>(&v)}, 0};
  // Interrupted and restarted by the kernel: not an event.
  rec.OnSyscallEntry(io);
  io.ret = -512;  // ERESTARTSYS
  rec.OnSyscallExit(io);
  EXPECT_TRUE(rec.events().empty());
  // Pre-530 STRICT with an empty string: EINVAL, the kernel's version in the buffer.
  rec.OnSyscallEntry(io);
  std::strcpy(v.version, "515.43.04");
  io.ret = -EINVAL;
  rec.OnSyscallExit(io);
  ASSERT_EQ(rec.events().size(), 1u);
  EXPECT_EQ(rec.events()[0].device, "/dev/nvidiactl");
  EXPECT_EQ(rec.events()[0].ret, -1);
  EXPECT_EQ(rec.events()[0].err, EINVAL);
  EXPECT_EQ(rec.reported_version(), "515.43.04");
  // An OVERRIDE that leaves the caller's (unrecognized) string alone says nothing.
  Recorder rec2(abi::Registry::Default(), nullptr);
  rec2.OnSyscallEntry(open_stop);
  rec2.OnSyscallExit(open_stop);
  std::strcpy(v.version, "999.1.2");
  v.reply = 0;
  io.ret = 0;
  rec2.OnSyscallEntry(io);
  rec2.OnSyscallExit(io);
  EXPECT_EQ(rec2.events().size(), 1u);
  EXPECT_EQ(rec2.reported_version(), "");
  close(fd);
}

}  // namespace
}  // namespace nvprobe::fakedrv
