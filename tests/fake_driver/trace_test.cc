// Trace format v1: loading, every validation error (as FILE:LINE: message), the
// canonical writer, and replay matching with handle remapping over an in-process
// TargetMemory.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "abi/registry.h"
#include "fake_driver/trace/hex.h"
#include "fake_driver/replay/ioctl_replayer.h"
#include "fake_driver/trace/trace_io.h"
#include "tests/fake_driver/region_memory.h"

namespace nvprobe::fakedrv {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::ordered_json;

constexpr char kTrace[] = "tests/fake_driver/testdata/h100.trace.jsonl";

std::vector<std::string> Lines() {
  std::ifstream in(kTrace);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

TraceLoad Parse(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  std::istringstream in(text);
  return ParseTrace(in, "t.jsonl", abi::Registry::Default());
}

// Applies `edit` to the JSON of line `n` (1-based) and returns the first error.
std::string ErrorAfter(int n, const std::function<void(Json&)>& edit) {
  std::vector<std::string> lines = Lines();
  Json j = Json::parse(lines[static_cast<size_t>(n - 1)]);
  edit(j);
  lines[static_cast<size_t>(n - 1)] = j.dump();
  TraceLoad t = Parse(lines);
  return t.errors.empty() ? "" : t.errors[0];
}

int LineOf(const std::string& key) {
  std::vector<std::string> lines = Lines();
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find(key) != std::string::npos) return static_cast<int>(i + 1);
  }
  return -1;
}

TEST(TraceLoadTest, TestTraceIsValid) {
  TraceLoad t = LoadTrace(kTrace, abi::Registry::Default());
  ASSERT_TRUE(t.ok()) << t.errors[0];
  EXPECT_EQ(t.trace.driver, "580.95.05");
  EXPECT_EQ(t.trace.files.size(), 7u);
  EXPECT_EQ(t.trace.events.size(), 7u);
  const IoctlEvent& ctl = t.trace.events[5];
  ASSERT_EQ(ctl.args.nested.size(), 1u);
  EXPECT_EQ(ctl.args.nested[0].field, "params");
  ASSERT_EQ(ctl.args.nested[0].nested.size(), 1u);
  EXPECT_EQ(ctl.args.nested[0].nested[0].layout->name, "NV2080_CTRL_GPU_INFO");
}

// StagedTraceLoad (what `fakedrv run` uses): the header and files first, the
// events on another thread, and in the end exactly what LoadTrace gives.
std::string WriteLines(const std::string& name, const std::vector<std::string>& lines) {
  std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream out(path);
  for (const std::string& l : lines) out << l << "\n";
  return path;
}

TEST(StagedTraceLoadTest, FilesFirstThenTheSameAsLoadTrace) {
  const TraceLoad whole = LoadTrace(kTrace, abi::Registry::Default());
  ASSERT_TRUE(whole.ok());
  StagedTraceLoad staged(kTrace, abi::Registry::Default());
  EXPECT_TRUE(staged.files_ok());
  EXPECT_EQ(staged.trace().files.size(), whole.trace.files.size());
  EXPECT_TRUE(staged.trace().events.empty());  // not read yet
  bool called = false, called_ok = false;
  sigset_t mask_there;
  sigemptyset(&mask_there);
  staged.ReadEventsInBackground([&](bool ok) {
    called = true;
    called_ok = ok;
    pthread_sigmask(SIG_SETMASK, nullptr, &mask_there);
  });
  const TraceLoad& load = staged.Finish();
  EXPECT_TRUE(called);
  EXPECT_TRUE(called_ok);
  // A signal sent to the process must not land on the events' thread.
  EXPECT_EQ(sigismember(&mask_there, SIGTERM), 1);
  EXPECT_EQ(sigismember(&mask_there, SIGINT), 1);
  std::ostringstream a, b;
  WriteTrace(load.trace, a);
  WriteTrace(whole.trace, b);
  EXPECT_EQ(a.str(), b.str());
}

// HeaderMachine::kSkip (`fakedrv run`): the same load, less the header's machine DOM.
TEST(StagedTraceLoadTest, SkippingTheHeadersMachineChangesNothingElse) {
  const TraceLoad whole = LoadTrace(kTrace, abi::Registry::Default());
  ASSERT_TRUE(whole.ok());
  const Trace empty;
  ASSERT_NE(whole.trace.machine, empty.machine) << kTrace << " has a header machine";
  StagedTraceLoad staged(kTrace, abi::Registry::Default(), TraceLimits{}, HeaderMachine::kSkip);
  const TraceLoad& load = staged.Finish();
  ASSERT_TRUE(load.ok());
  EXPECT_EQ(load.trace.machine, empty.machine);
  Trace without = whole.trace;
  without.machine = empty.machine;
  std::ostringstream a, b;
  WriteTrace(load.trace, a);
  WriteTrace(without, b);
  EXPECT_EQ(a.str(), b.str());
}

TEST(StagedTraceLoadTest, ErrorsAreLoadTracesInEitherPart) {
  std::vector<std::string> lines = Lines();
  // An event that is not one: found by the events' part.
  lines.push_back(R"({"ioctl":"/dev/nvidiactl","request":"zz"})");
  const std::string bad_event = WriteLines("bad-event.jsonl", lines);
  StagedTraceLoad events(bad_event, abi::Registry::Default());
  EXPECT_TRUE(events.files_ok());
  events.ReadEventsInBackground([](bool) {});
  EXPECT_EQ(events.Finish().errors, LoadTrace(bad_event, abi::Registry::Default()).errors);
  EXPECT_FALSE(events.Finish().ok());
  // A file entry that is not one: found before the events; Finish() reads on
  // (no thread) and lists the events' problems too, as LoadTrace does.
  lines.insert(lines.begin() + 1, R"({"path":"relative","type":"file"})");
  const std::string bad_both = WriteLines("bad-both.jsonl", lines);
  StagedTraceLoad both(bad_both, abi::Registry::Default());
  EXPECT_FALSE(both.files_ok());
  const TraceLoad& load = both.Finish();
  EXPECT_EQ(load.errors, LoadTrace(bad_both, abi::Registry::Default()).errors);
  ASSERT_EQ(load.errors.size(), 2u);
  EXPECT_THAT(load.errors[0], HasSubstr(":2: path \"relative\""));
  // Refused before reading: the same message as LoadTrace's.
  StagedTraceLoad missing("/nonexistent/t.jsonl", abi::Registry::Default());
  EXPECT_FALSE(missing.files_ok());
  EXPECT_EQ(missing.Finish().errors, LoadTrace("/nonexistent/t.jsonl", abi::Registry::Default()).errors);
}

TEST(TraceLoadTest, WriterIsCanonicalAndRoundTrips) {
  TraceLoad t = LoadTrace(kTrace, abi::Registry::Default());
  ASSERT_TRUE(t.ok());
  std::ostringstream out;
  WriteTrace(t.trace, out);
  std::ostringstream expected;
  for (const std::string& l : Lines()) expected << l << "\n";
  EXPECT_EQ(out.str(), expected.str());
}

TEST(TraceLoadTest, EveryValidationError) {
  const int ctl = LineOf("NV_ESC_RM_CONTROL");
  const int version = LineOf("NV_ESC_CHECK_VERSION_STR");
  const int dev = LineOf("\"/dev/nvidia0\"");
  struct Case {
    int line;
    std::function<void(Json&)> edit;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {1, [](Json& j) { j["format"] = "other"; }, "t.jsonl:1: the first line must be the header"},
      {1, [](Json& j) { j["version"] = 3; }, "t.jsonl:1: unknown trace format version 3 (this fakedrv reads versions 1 to 2)"},
      {1, [](Json& j) { j["driver"] = "123.45"; }, "t.jsonl:1: driver \"123.45\" is not a release known"},
      {1, [](Json& j) { j["origin"] = "guessed"; }, "t.jsonl:1: \"origin\" must be"},
      {dev, [](Json& j) { j["type"] = "socket"; }, ":" + std::to_string(dev) + ": \"type\" must be"},
      {dev, [](Json& j) { j["path"] = "dev/x"; }, "is not absolute and normalized"},
      {dev, [](Json& j) { j["path"] = "/dev/nvidiactl"; }, "listed twice"},
      {dev, [](Json& j) { j.erase("major"); }, "a chardev needs unsigned \"major\""},
      {dev, [](Json& j) { j["mode"] = "rw"; }, "\"mode\" must be an octal string"},
      {dev, [](Json& j) { j["open_errno"] = "EWHATEVER"; }, "\"open_errno\" must be one of"},
      {version, [](Json& j) { j["in"] = "abc"; }, "odd number of hex digits"},
      {version, [](Json& j) { j["in"] = std::string(144, 'z'); }, "not a hex digit at position 0"},
      {version, [](Json& j) { j["out"] = "00"; }, "\"in\" has 72 bytes but \"out\" has 1"},
      {version, [](Json& j) { j["request"] = "0xc04847d2"; }, "is not an NVIDIA ioctl"},
      {version, [](Json& j) { j["request"] = "0xc0484677"; }, "escape 0x77 is unknown to driver 580.95.05"},
      {version, [](Json& j) { j["request"] = "zz"; }, "\"request\" must be a hex string"},
      {version, [](Json& j) { j["escape"] = "NV_ESC_CARD_INFO"; }, "\"escape\" says"},
      {version, [](Json& j) { j["ioctl"] = "/dev/nvidia7"; }, "device \"/dev/nvidia7\" is not a chardev"},
      {version, [](Json& j) { j["ret"] = -1; }, "\"errno\" must be nonzero exactly when \"ret\" is -1"},
      {version, [](Json& j) { j.erase("ret"); }, "\"ret\" (an integer) missing"},
      {version, [](Json& j) { j["in"] = std::string(146, '0'); j["out"] = std::string(146, '0'); },
       "73 bytes, but nv_ioctl_rm_api_version_t is 72 bytes"},
      {version, [](Json& j) { j["request"] = "0xc04946d2"; j["in"] = std::string(146, '0'); j["out"] = std::string(146, '0'); },
       "is 72 bytes"},
      {ctl, [](Json& j) { j.erase("nested"); }, "nested buffer \"params\" (16 bytes, per the ABI) missing"},
      {ctl, [](Json& j) { j["nested"][0]["field"] = "paramz"; }, "nested buffer \"paramz\" is not a non-null pointer field"},
      {ctl, [](Json& j) { j["nested"][0]["nested"][0]["in"] = "00"; j["nested"][0]["nested"][0]["out"] = "00"; },
       "NV_ESC_RM_CONTROL.params.gpuInfoList: 1 bytes, but"},
      {ctl, [](Json& j) { j["nested"][0]["struct"] = "NVOS00_PARAMETERS"; }, "\"struct\" says"},
      {ctl, [](Json& j) { j["nested"][0].erase("nested"); }, "nested buffer \"gpuInfoList\" (8 bytes, per the ABI) missing"},
      // Unknown keys are errors naming the key (a misspelt fault used to be dropped).
      {1, [](Json& j) { j["drivr"] = "580.95.05"; }, "unknown key \"drivr\" in the header"},
      {dev, [](Json& j) { j["open_erno"] = "EACCES"; },
       "unknown key \"open_erno\" in a file entry (it has path, type, major, minor, mode, open_errno, content, content_hex)"},
      {version, [](Json& j) { j["erno"] = 5; }, "unknown key \"erno\" in an ioctl event"},
      {ctl, [](Json& j) { j["nested"][0]["nested"][0]["count"] = 1; },
       "unknown key \"count\" in NV_ESC_RM_CONTROL.params.gpuInfoList"},
      // Out of range: the device number, errno and ret.
      {dev, [](Json& j) { j["minor"] = 99999999999ull; },
       "device number 195,99999999999 out of range (major 0..4095, minor 0..1048575)"},
      {dev, [](Json& j) { j["major"] = 4096; }, "device number 4096,0 out of range"},
      {dev, [](Json& j) { j["type"] = "dir"; }, "\"major\" and \"minor\" belong to chardevs only"},
      {version, [](Json& j) { j["ret"] = -1; j["errno"] = 99999; },
       "\"errno\" 99999 must be an integer from 0 to 4095"},
      {version, [](Json& j) { j["ret"] = -1; j["errno"] = "EIO"; }, "\"errno\" \"EIO\" must be an integer"},
      {version, [](Json& j) { j["ret"] = -2; j["errno"] = 5; }, "\"ret\" -2 out of range (-1..2147483647)"},
      {version, [](Json& j) { j["ret"] = 4294967296ull; }, "\"ret\" 4294967296 out of range"},
  };
  for (const Case& c : cases) {
    std::string e = ErrorAfter(c.line, c.edit);
    EXPECT_THAT(e, HasSubstr(c.expected)) << "case expecting: " << c.expected;
    EXPECT_THAT(e, ::testing::StartsWith("t.jsonl:" + std::to_string(c.line) + ": "))
        << c.expected;
  }
}

// A key written twice was taken silently (the last one): a trace could show a
// reviewer one path and serve another. Every kind of line refuses it.
TEST(TraceLoadTest, DuplicateKeysAreRefused) {
  struct Case {
    std::string from, to, expected;
  };
  const std::vector<Case> cases = {
      {"{\"path\":\"/dev/nvidia0\"", "{\"path\":\"/tmp/x\",\"path\":\"/dev/nvidia0\"",
       "duplicate key \"path\" in a file entry; write each key once"},
      {"\"driver\":\"580.95.05\"", "\"driver\":\"580.95.05\",\"driver\":\"580.95.05\"",
       "duplicate key \"driver\" in the header"},
      {"\"machine\":{\"name\":\"h100-test\"", "\"machine\":{\"name\":\"x\",\"name\":\"h100-test\"",
       "duplicate key \"machine.name\" in the header"},
      {"\"escape\":\"NV_ESC_RM_FREE\",", "\"escape\":\"NV_ESC_RM_FREE\",\"ret\":0,",
       "duplicate key \"ret\" in an ioctl event"},
      {"{\"field\":\"gpuInfoList\",", "{\"field\":\"gpuInfoList\",\"field\":\"gpuInfoList\",",
       "duplicate key \"field\" in NV_ESC_RM_CONTROL.params.gpuInfoList"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> lines = Lines();
    bool replaced = false;
    for (std::string& l : lines) {
      const size_t at = l.find(c.from);
      if (at == std::string::npos || replaced) continue;
      l.replace(at, c.from.size(), c.to);
      replaced = true;
    }
    ASSERT_TRUE(replaced) << c.from;
    TraceLoad t = Parse(lines);
    ASSERT_FALSE(t.ok()) << c.expected;
    EXPECT_THAT(t.errors[0], HasSubstr(c.expected));
  }
}

TEST(TraceLoadTest, StructuralErrors) {
  std::vector<std::string> lines = Lines();
  std::vector<std::string> bad = lines;
  bad.insert(bad.begin() + 2, "{not json");
  EXPECT_EQ(Parse(bad).errors.at(0),
            "t.jsonl:3: invalid JSON at column 3: syntax error while parsing object key - invalid "
            "literal; last read: '{no'; expected string literal");
  bad = lines;
  bad.insert(bad.begin() + 2, "[1, 2]");
  EXPECT_EQ(Parse(bad).errors.at(0), "t.jsonl:3: not a JSON object");
  bad = lines;
  bad.push_back(lines[1]);
  EXPECT_THAT(Parse(bad).errors.at(0), HasSubstr("file entries must come before the ioctl events"));
  bad = lines;
  bad.push_back("{\"what\":1}");
  EXPECT_THAT(Parse(bad).errors.at(0), HasSubstr("neither a file entry"));
  EXPECT_THAT(Parse({}).errors.at(0), HasSubstr("t.jsonl:1: empty trace"));
  TraceLoad missing = LoadTrace("/nonexistent/x.jsonl", abi::Registry::Default());
  EXPECT_THAT(missing.errors.at(0), HasSubstr("/nonexistent/x.jsonl:0: cannot open"));
}

// The parser's reason, where it stopped: not "not a JSON object" for a line that
// is one, but for a trailing comma or a byte that is not UTF-8.
TEST(TraceLoadTest, InvalidJsonGivesTheParsersReason) {
  std::vector<std::string> bad = Lines();
  bad[1].insert(bad[1].size() - 1, ",");  // {"path":...,"mode":"0666",}
  EXPECT_THAT(Parse(bad).errors.at(0),
              ::testing::MatchesRegex("t\\.jsonl:2: invalid JSON at column [0-9]+: syntax error "
                                      "while parsing object key - unexpected '}'; expected string "
                                      "literal"));
  bad = Lines();
  bad[1].replace(bad[1].find("/dev/nvidiactl"), 14, "/dev/nvidia\xff");
  EXPECT_THAT(Parse(bad).errors.at(0),
              ::testing::MatchesRegex("t\\.jsonl:2: invalid JSON at column [0-9]+: syntax error "
                                      "while parsing value - invalid string: ill-formed UTF-8 byte; "
                                      "last read: '\"/dev/nvidia\\\\xff'"));
  bad = Lines();
  bad.insert(bad.begin() + 3, "{\"path\":1e400}");
  EXPECT_EQ(Parse(bad).errors.at(0), "t.jsonl:4: invalid JSON: number overflow parsing '1e400'");
}

TraceLoad ParseText(const std::string& text, const TraceLimits& limits) {
  std::istringstream in(text);
  return ParseTrace(in, "t.jsonl", abi::Registry::Default(), limits);
}

std::string TraceText() {
  std::string text;
  for (const std::string& l : Lines()) text += l + "\n";
  return text;
}

// A line or a file over the limits ends the load with one message; nothing beyond
// the limits is read or kept.
TEST(TraceLoadTest, LineAndFileSizeLimits) {
  const std::string text = TraceText();
  size_t longest = 0;
  for (const std::string& l : Lines()) longest = std::max(longest, l.size());
  // At the limits exactly: valid.
  EXPECT_TRUE(ParseText(text, {longest, text.size()}).ok());
  TraceLoad line = ParseText(text, {longest - 1, text.size()});
  ASSERT_FALSE(line.ok());
  EXPECT_THAT(line.errors[0], ::testing::MatchesRegex("t\\.jsonl:[0-9]+: line too long \\(more than " +
                                                      std::to_string(longest - 1) + " bytes\\)"));
  EXPECT_EQ(line.errors.size(), 1u);
  TraceLoad file = ParseText(text, {longest, text.size() - 1});
  ASSERT_EQ(file.errors.size(), 1u) << file.errors[0];
  EXPECT_EQ(file.errors[0], "t.jsonl: larger than " + std::to_string(text.size() - 1) + " bytes");
  // A line that never ends: one message, nothing read past the line limit's chunk
  // (it was read up to the file limit, then said so twice).
  TraceLoad endless = ParseText(std::string(5000, 'x'), {100, 1000});
  ASSERT_EQ(endless.errors.size(), 1u);
  EXPECT_EQ(endless.errors[0], "t.jsonl:1: line too long (more than 100 bytes)");
  // Empty lines count too: a stream of newlines ends at the file limit.
  EXPECT_EQ(ParseText(text + std::string(2000, '\n'), {longest, text.size() + 1000}).errors.at(0),
            "t.jsonl: larger than " + std::to_string(text.size() + 1000) + " bytes");
  // The defaults, stated in traces/FORMAT.md.
  EXPECT_EQ(kMaxTraceLineBytes, 8u << 20);
  EXPECT_EQ(kMaxTraceFileBytes, 64u << 20);
  TraceLoad big = ParseText(Lines()[0] + "\n" + std::string(kMaxTraceLineBytes + 1, ' ') + "\n", {});
  ASSERT_EQ(big.errors.size(), 1u);
  EXPECT_EQ(big.errors[0], "t.jsonl:2: line too long (more than 8388608 bytes)");
}

// `fakedrv show /dev/zero` read forever (2 GB in 5 s) before the limits.
TEST(TraceLoadTest, EndlessFilesEndQuickly) {
  const auto start = std::chrono::steady_clock::now();
  TraceLoad zero = LoadTrace("/dev/zero", abi::Registry::Default());
  ASSERT_EQ(zero.errors.size(), 1u);
  EXPECT_EQ(zero.errors[0], "/dev/zero:1: line too long (more than 8388608 bytes)");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  // A regular file over the limit is refused before it is read (sparse: no disk).
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string huge = std::string(tmp ? tmp : "/tmp") + "/huge.trace.jsonl";
  { std::ofstream(huge) << Lines()[0] << "\n"; }
  ASSERT_EQ(truncate(huge.c_str(), static_cast<off_t>(kMaxTraceFileBytes) + 1), 0);
  TraceLoad h = LoadTrace(huge, abi::Registry::Default());
  ASSERT_EQ(h.errors.size(), 1u);
  EXPECT_EQ(h.errors[0], huge + ": larger than 67108864 bytes (67108865 bytes)");
  unlink(huge.c_str());
}

// A directory was "empty trace: no header line".
TEST(TraceLoadTest, DirectoryIsNamed) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = tmp ? tmp : "/tmp";
  TraceLoad d = LoadTrace(dir, abi::Registry::Default());
  ASSERT_EQ(d.errors.size(), 1u);
  EXPECT_EQ(d.errors[0], dir + ": is a directory");
}

TEST(TraceLoadTest, NormalizePath) {
  EXPECT_EQ(NormalizePath("/a/./b/../c"), "/a/c");
  EXPECT_EQ(NormalizePath("gpus/x", "/proc/driver/nvidia"), "/proc/driver/nvidia/gpus/x");
  EXPECT_EQ(NormalizePath("/../.."), "/");
}

template <typename T>
void Put(std::vector<uint8_t>& b, size_t off, T v) { std::memcpy(b.data() + off, &v, sizeof v); }
template <typename T>
T Get(const std::vector<uint8_t>& b, size_t off) { T v; std::memcpy(&v, b.data() + off, sizeof v); return v; }

TEST(ReplayTest, RemapsHandlesAndFollowsNestedBuffers) {
  TraceLoad t = LoadTrace(kTrace, abi::Registry::Default());
  ASSERT_TRUE(t.ok());
  std::ostringstream diag;
  IoctlReplayer r(t.trace, diag);
  RegionMemory mem;
  const std::string ctl = "/dev/nvidiactl";
  const uint32_t kAlloc = 0xc020462b, kControl = 0xc020462a;
  // Root client: driver-assigned, so the client gets a replay handle.
  mem.regions[0x1000] = std::vector<uint8_t>(32);
  Put<uint32_t>(mem.regions[0x1000], 12, 0x41);
  IoctlResult res = r.Handle(ctl, kAlloc, 0x1000, mem, 1);
  EXPECT_EQ(res.ret, 0);
  uint32_t client = Get<uint32_t>(mem.regions[0x1000], 8);
  EXPECT_EQ(client, HandleMap::kFirstAssigned);
  // Device with a handle the client chose; nested params at 0x2000.
  mem.regions[0x2000] = std::vector<uint8_t>(56);
  std::vector<uint8_t>& a = mem.regions[0x1000];
  std::fill(a.begin(), a.end(), 0);
  Put<uint32_t>(a, 0, client); Put<uint32_t>(a, 4, client); Put<uint32_t>(a, 8, 0x77);
  Put<uint32_t>(a, 12, 0x80); Put<uint64_t>(a, 16, 0x2000); Put<uint32_t>(a, 24, 56);
  res = r.Handle(ctl, kAlloc, 0x1000, mem, 1);
  EXPECT_EQ(Get<uint32_t>(a, 8), 0x77u);
  EXPECT_EQ(Get<uint64_t>(a, 16), 0x2000u);  // the client's pointer, not the trace's
  EXPECT_EQ(r.handles().ToTrace(0x77), 0x5c000001u);
  // Subdevice, then the control with a two-level nested buffer.
  Put<uint32_t>(a, 4, 0x77); Put<uint32_t>(a, 8, 0x78); Put<uint32_t>(a, 12, 0x2080);
  Put<uint32_t>(a, 24, 4);
  r.Handle(ctl, kAlloc, 0x1000, mem, 1);
  EXPECT_EQ(Get<uint32_t>(a, 28), 0u);
  mem.regions[0x3000] = std::vector<uint8_t>(16);
  mem.regions[0x4000] = std::vector<uint8_t>(8);
  Put<uint32_t>(mem.regions[0x3000], 0, 1); Put<uint64_t>(mem.regions[0x3000], 8, 0x4000);
  Put<uint32_t>(mem.regions[0x4000], 0, 0x2c);
  std::fill(a.begin(), a.end(), 0);
  Put<uint32_t>(a, 0, client); Put<uint32_t>(a, 4, 0x78); Put<uint32_t>(a, 8, 0x20800101);
  Put<uint64_t>(a, 16, 0x3000); Put<uint32_t>(a, 24, 16);
  res = r.Handle(ctl, kControl, 0x1000, mem, 1);
  EXPECT_EQ(res.ret, 0);
  EXPECT_EQ(Get<uint32_t>(mem.regions[0x4000], 4), 0x900u);
  EXPECT_EQ(Get<uint64_t>(mem.regions[0x3000], 8), 0x4000u);
  EXPECT_EQ(r.unmatched(), 0);
  // The same control on an unknown object: NV_ERR_NOT_SUPPORTED and a diagnostic.
  Put<uint32_t>(a, 4, 0x99);
  res = r.Handle(ctl, kControl, 0x1000, mem, 1);
  EXPECT_EQ(res.ret, 0);
  EXPECT_EQ(Get<uint32_t>(a, 28), 0x56u);
  EXPECT_EQ(r.unmatched(), 1);
  EXPECT_THAT(diag.str(), HasSubstr("unmatched request from pid 1 on /dev/nvidiactl: NV_ESC_RM_CONTROL"));
  EXPECT_THAT(diag.str(), HasSubstr("cmd=NV2080_CTRL_CMD_GPU_GET_INFO"));
  EXPECT_THAT(diag.str(), HasSubstr("closest recorded: t"));
  // Bad top-level and nested pointers: EFAULT.
  EXPECT_EQ(r.Handle(ctl, kControl, 0x9000, mem, 1).err, EFAULT);
  Put<uint32_t>(a, 4, 0x78); Put<uint64_t>(a, 16, 0x9000);
  EXPECT_EQ(r.Handle(ctl, kControl, 0x1000, mem, 1).err, EFAULT);
}

TEST(ReplayTest, WrapsAroundAndRepeats) {
  TraceLoad t = LoadTrace(kTrace, abi::Registry::Default());
  ASSERT_TRUE(t.ok());
  std::ostringstream diag;
  IoctlReplayer r(t.trace, diag);
  RegionMemory mem;
  for (int i = 0; i < 3; ++i) {
    mem.regions[0x1000] = std::vector<uint8_t>(72);
    mem.regions[0x1000][0] = '2';
    EXPECT_EQ(r.Handle("/dev/nvidiactl", 0xc04846d2, 0x1000, mem, 1).ret, 0);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(mem.regions[0x1000].data() + 8)), "580.95.05");
  }
  // Not recorded on /dev/nvidia0: the driver answers a version query on any of
  // its nodes, so the release's rule does (release_rules.h).
  std::fill(mem.regions[0x1000].begin(), mem.regions[0x1000].end(), 0);
  mem.regions[0x1000][0] = '2';
  EXPECT_EQ(r.Handle("/dev/nvidia0", 0xc04846d2, 0x1000, mem, 1).ret, 0);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(mem.regions[0x1000].data() + 8)), "580.95.05");
  EXPECT_EQ(r.answered_by_rule(), 1);
  // An unknown escape: EINVAL.
  EXPECT_EQ(r.Handle("/dev/nvidiactl", 0xc0104677, 0x1000, mem, 1).err, EINVAL);
  EXPECT_EQ(r.unmatched(), 1);
}

}  // namespace
}  // namespace nvprobe::fakedrv
