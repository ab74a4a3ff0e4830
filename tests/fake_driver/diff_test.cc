// `fakedrv diff --machine M T`: the machine model asked every ioctl event of a
// recording. A trace the model made itself (renumbered as real RM numbers its
// clients) shows no difference; a hand-altered copy shows exactly the altered
// fields; bad input is refused naming the file; a wrong machine is differences,
// not a crash.
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "abi/registry.h"
#include "fake_driver/diff/fake_address_space.h"
#include "fake_driver/diff/handle_translation.h"
#include "fake_driver/diff/placed_request.h"
#include "fake_driver/responder/responder.h"
#include "fake_driver/trace/arg_buffer.h"
#include "fake_driver/machine/machine_description.h"
#include "fake_driver/model/machine_model.h"
#include "fake_driver/trace/trace_io.h"
#include "tests/util/subprocess.h"

namespace nvprobe::fakedrv::diff {
namespace {

using ::nvprobe::testing::CommandResult;
using ::nvprobe::testing::RunCommand;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kFakedrv[] = "fake_driver/fakedrv";
constexpr int kTimeoutS = 60;

struct CorpusPair {
  const char* machine;
  const char* release;
};
constexpr CorpusPair kPairs[] = {
    {"hgx-h100-8x", "580.95.05"},
    {"a100-pcie-1x", "535.43.08"},
};

std::string MachinePath(const CorpusPair& p) {
  return std::string("traces/machines/") + p.machine + ".json";
}
std::string TracePath(const CorpusPair& p) {
  return std::string("traces/") + p.release + "/" + p.machine + ".trace.jsonl";
}

// Each buffer's `out` := what the model wrote, pointer fields as the client
// passed them (a recording keeps the client's addresses).
void TakeModelOutput(ArgBuffer& rec, const ArgBuffer& placed) {
  rec.out = placed.out;
  ForEachField(placed.layout, rec.out.size(), abi::FieldKind::kPointer,
               [&](const abi::Field& f, uint32_t off) {
                 StoreUint(rec.out, off, f.width, LoadUint(rec.in, off, f.width));
               });
  for (size_t i = 0; i < rec.nested.size() && i < placed.nested.size(); ++i) {
    TakeModelOutput(rec.nested[i], placed.nested[i]);
  }
}

// Real RM numbers its clients 0xc1d0XXXX from a counter other processes advance
// too (0xc1d0004f); the model from 0xc1d00000. Renumbering the model's lets the
// diff prove it translates driver-chosen handles.
constexpr uint32_t kClientHandleSpace = 0xc1d00000;
constexpr uint32_t kRenumber = 0x4f;

void RenumberClients(ArgBuffer& b) {
  for (std::vector<uint8_t>* bytes : {&b.in, &b.out}) {
    ForEachField(b.layout, bytes->size(), abi::FieldKind::kHandle, [&](const abi::Field& f, uint32_t off) {
      const uint64_t h = LoadUint(*bytes, off, f.width);
      if ((h & 0xffff0000) == kClientHandleSpace) StoreUint(*bytes, off, f.width, h ^ kRenumber);
    });
  }
  for (ArgBuffer& n : b.nested) RenumberClients(n);
}

void RenumberClients(Trace& trace) {
  for (IoctlEvent& ev : trace.events) RenumberClients(ev.args);
}

// The corpus trace's requests, answered by the model of its own description: a
// trace the model made, its clients renumbered as real RM would number them.
std::string ModelMadeTrace(const CorpusPair& p) {
  TraceLoad load = LoadTrace(TracePath(p), abi::Registry::Default());
  EXPECT_TRUE(load.ok()) << (load.errors.empty() ? "" : load.errors[0]);
  StatusOr<Machine> machine = LoadMachine(MachinePath(p), MachineUse::kModel);
  EXPECT_TRUE(machine.ok()) << machine.status().message();
  if (!load.ok() || !machine.ok()) return "";
  Trace& trace = load.trace;
  std::ostringstream log;
  model::MachineModel model(*machine, trace.abi, trace.driver, log);
  HandleTranslation handles;
  for (IoctlEvent& ev : trace.events) {
    FakeAddressSpace space;
    const abi::StructLayout* escape = EscapeLayout(*trace.abi, ev.nr(), ev.args.in.size());
    const abi::StructLayout* layout = escape != nullptr ? escape : ev.args.layout;
    ArgBuffer request = ev.args;
    request.layout = layout;
    handles.RewriteInputs(request);
    PlacedRequest placed = PlaceRequest(std::move(request), layout, space);
    const IoctlResult r = model.Handle(ev.device, ev.request, placed.args.address, space, 1, 3);
    ReadOutputs(space, placed.args);
    handles.Learn(ev.args, placed.args);
    TakeModelOutput(ev.args, placed.args);
    ev.ret = r.ret;
    ev.err = r.err;
  }
  RenumberClients(trace);
  std::ostringstream text;
  WriteTrace(trace, text);
  const std::string s = text.str();
  const std::string path = nvprobe::testing::TmpDir() + "/" + p.machine + "-" + p.release + ".model.trace.jsonl";
  std::ofstream(path) << s;
  return path;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(DiffTest, ATraceTheModelMadeShowsNoDifference) {
  for (const CorpusPair& p : kPairs) {
    const std::string made = ModelMadeTrace(p);
    ASSERT_FALSE(made.empty());
    // Some client handle was renumbered (little-endian 0xc1d0XXXX, XXXX != 0000).
    ASSERT_THAT(nvprobe::testing::ReadFileOrEmpty(made), ContainsRegex("[0-9a-f]{4}d0c1"));
    CommandResult r = RunCommand({kFakedrv, "diff", "--machine", MachinePath(p), made}, kTimeoutS);
    EXPECT_EQ(r.status, 0) << p.machine << " " << p.release << ":\n" << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr(", differing: 0 (")) << r.out;
    EXPECT_THAT(r.out, Not(ContainsRegex("\n#[0-9]"))) << r.out;
  }
}

// The committed corpus is `fakedrv synth` recording the model: the model serves
// every request there with the same status and handler.
TEST(DiffTest, TheCorpusGetsTheSameStatusesFromTheModel) {
  for (const CorpusPair& p : kPairs) {
    CommandResult r = RunCommand({kFakedrv, "diff", "--machine", MachinePath(p), TracePath(p)}, kTimeoutS);
    EXPECT_THAT(r.out, HasSubstr("(status differs: 0, output differs: ")) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("model has no handler: 0)")) << r.out;
  }
}

// Traces the model made (the corpus: synth records it) show no difference, and
// so does the corpus's trace of NVIDIA's nvidia-smi -q (76 requests, most of them
// controls nvprobe never makes).
TEST(DiffTest, CorpusTracesMatchTheirOwnDescription) {
  for (const CorpusPair& p : kPairs) {
    CommandResult r = RunCommand({kFakedrv, "diff", "--machine", MachinePath(p), TracePath(p)}, kTimeoutS);
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr(", differing: 0 (")) << r.out;
  }
  CommandResult smi = RunCommand({kFakedrv, "diff", "--machine", "traces/machines/a100-pcie-1x.json",
                                  "traces/nvidia/550.163.01/a100-pcie-1x.nvidia-smi-q.trace.jsonl"},
                                 kTimeoutS);
  EXPECT_EQ(smi.status, 0) << smi.out << smi.err;
  EXPECT_THAT(smi.out, ContainsRegex("events compared: [0-9]+, identical: [0-9]+, differing: 0 \\("));
}

TEST(DiffTest, AHandAlteredTraceShowsExactlyTheAlteredFields) {
  const std::string made = ModelMadeTrace(kPairs[0]);
  ASSERT_FALSE(made.empty());
  std::string text = nvprobe::testing::ReadFileOrEmpty(made);
  // The first GPU's name, "...HBM3" -> "...HBM4", and its GPU_GET_INFO answer
  // (index 0x2c, SM version 0x900) -> 0x800.
  text = Replace(text, "48424d33", "48424d34");
  text = Replace(text, "2c<4>090000\"", "2c<4>080000\"");  // trace format 2's zero run
  const std::string altered = nvprobe::testing::TmpDir() + "/altered.trace.jsonl";
  std::ofstream(altered) << text;
  CommandResult r = RunCommand({kFakedrv, "diff", "--machine", MachinePath(kPairs[0]), altered}, kTimeoutS);
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  // Event numbers follow the corpus's order; the lines are exactly these.
  EXPECT_THAT(r.out, ContainsRegex("\n#[0-9]+ NV2080_CTRL_CMD_GPU_GET_INFO: "
                                   "NV2080_CTRL_GPU_GET_INFO_PARAMS\\.gpuInfoList\\[0\\]\\.data: "
                                   "0x900 != 0x800\n#"));
  EXPECT_THAT(r.out, ContainsRegex("\n#[0-9]+ NV2080_CTRL_CMD_GPU_GET_NAME_STRING: "
                                   "NV2080_CTRL_GPU_GET_NAME_STRING_PARAMS\\.gpuNameString\\.ascii: "
                                   "\"NVIDIA H100 80GB HBM3\" != \"NVIDIA H100 80GB HBM4\"\nevents compared"));
  EXPECT_THAT(r.out, HasSubstr("differing: 2 (status differs: 0, output differs: 2, "
                               "model has no handler: 0)"));
}

TEST(DiffTest, AMissingTraceOrDescriptionIsBadInputNamingTheFile) {
  CommandResult r = RunCommand({kFakedrv, "diff", "--machine", MachinePath(kPairs[0]), "/nonexistent/t.jsonl"},
                               kTimeoutS);
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/t.jsonl"));
  r = RunCommand({kFakedrv, "diff", "--machine", "/nonexistent/m.json", TracePath(kPairs[0])}, kTimeoutS);
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/m.json"));
  r = RunCommand({kFakedrv, "diff", TracePath(kPairs[0])}, kTimeoutS);
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("--machine"));
}

TEST(DiffTest, AMachineWithOtherGpusIsDifferencesNotACrash) {
  // The 8-GPU node's requests against a 1-GPU description: GPUs 1..7 do not exist.
  CommandResult r = RunCommand({kFakedrv, "diff", "--machine", MachinePath(kPairs[1]), TracePath(kPairs[0])},
                               kTimeoutS);
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("NV2080_CTRL_GPU_GET_NAME_STRING_PARAMS.gpuNameString.ascii: "
                               "\"NVIDIA A100-PCIE-40GB\" != \"NVIDIA H100 80GB HBM3\""));
  EXPECT_THAT(r.out, HasSubstr("NVOS21_PARAMETERS.status: NV_ERR_"));
  EXPECT_THAT(r.out, HasSubstr("events compared: "));
}

TEST(DiffTest, MaxLinesShortensAnEvent) {
  CommandResult r = RunCommand({kFakedrv, "diff", "--max-lines", "1", "--machine", MachinePath(kPairs[1]),
                                TracePath(kPairs[0])},
                               kTimeoutS);
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, HasSubstr(" more\n"));
}

// The header said "model (...) != recorded (...)" even when nothing differed: it
// names the two sides, and only a difference line says "!=".
TEST(DiffTest, TheHeaderDoesNotClaimADifference) {
  CommandResult r = RunCommand({kFakedrv, "diff", "--machine", MachinePath(kPairs[0]), TracePath(kPairs[0])},
                               kTimeoutS);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const std::string header = r.out.substr(0, r.out.find('\n'));
  EXPECT_THAT(header, HasSubstr("# fakedrv diff: model (traces/machines/hgx-h100-8x.json, driver 580.95.05, "
                                "ABI 580.95.05) against recorded (traces/580.95.05/hgx-h100-8x.trace.jsonl, "));
  EXPECT_THAT(header, Not(HasSubstr("!=")));
  EXPECT_THAT(r.out, HasSubstr("\n# each difference: #EVENT NAME: STRUCT.FIELD: MODEL != RECORDED\n"));
}

// What the recording says of itself (the driver it reported) reaches the header:
// printed escaped, never as the terminal control it holds.
TEST(DiffTest, TheRecordingsTextIsPrintedEscaped) {
  std::string text = nvprobe::testing::ReadFileOrEmpty(TracePath(kPairs[0]));
  text = Replace(text, "\"machine\":{",
                 "\"machine\":{\"recorded\":{\"driver_reported\":\"580.95.05\\u001b[2K\\u202e\\u009b1A\"},");
  const std::string crafted = nvprobe::testing::TmpDir() + "/crafted-driver.trace.jsonl";
  std::ofstream(crafted) << text;
  CommandResult r = RunCommand({kFakedrv, "diff", "--machine", MachinePath(kPairs[0]), crafted}, kTimeoutS);
  EXPECT_THAT(r.out, HasSubstr("driver 580.95.05\\x1b[2K\\u202e\\u009b1A, ABI 580.95.05)")) << r.out << r.err;
  for (const std::string& stream : {r.out, r.err}) {
    EXPECT_EQ(stream.find('\x1b'), std::string::npos);
    EXPECT_EQ(stream.find("\xe2\x80\xae"), std::string::npos);
    EXPECT_EQ(stream.find("\xc2\x9b"), std::string::npos);
  }
}

}  // namespace
}  // namespace nvprobe::fakedrv::diff
