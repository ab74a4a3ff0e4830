// The probe_replies seeds are only worth fuzzing from if they drive the probe as
// deep as the traces do: a script recorded against a trace must play back to the
// same ProbeResult, and the RM full path must have answered.
#include <gtest/gtest.h>

#include <string>

#include "abi/registry.h"
#include "fake_driver/trace/trace_io.h"
#include "fuzz/script_recorder.h"
#include "fuzz/script_system.h"
#include "fuzz/trace_system.h"
#include "probe/output.h"
#include "probe/probe.h"

namespace nvprobe::fuzz {
namespace {

// JSON without the timings, which differ between any two runs.
std::string Canonical(probe::ProbeResult r) {
  for (probe::SourceReport& s : r.sources_tried) s.elapsed_us = 0;
  return probe::ToJson(r);
}

class ReplyScriptTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ReplyScriptTest, RecordedScriptPlaysBackTheSameAnswer) {
  fakedrv::TraceLoad load =
      fakedrv::LoadTrace(std::string("traces/") + GetParam(), abi::Registry::Default());
  ASSERT_TRUE(load.ok()) << load.errors.front();
  for (bool full : {false, true}) {
    SCOPED_TRACE(full ? "--full" : "fast");
    TraceSystem machine(load.trace);
    ScriptRecorder recorder(machine, FlagsFor(full), std::nullopt);
    probe::ProbeResult live = probe::RunProbe(recorder, OptionsFromFlags(FlagsFor(full), ""));
    EXPECT_EQ(machine.unmatched(), 0) << machine.diagnostics();
    EXPECT_TRUE(recorder.lossy().empty());
    ASSERT_FALSE(live.gpus.empty());
    if (full) {
      EXPECT_TRUE(live.gpus[0].uuid.has_value()) << Canonical(live);
      EXPECT_EQ(live.gpus[0].source, probe::kSourceIoctlFull);
    }

    const std::string& script = recorder.script();
    auto* data = reinterpret_cast<const uint8_t*>(script.data());
    ScriptOptions o = ReadScriptOptions(data, script.size());
    EXPECT_EQ(o.options.full, full);
    ScriptSystem replay(data + o.header_size, script.size() - o.header_size);
    probe::ProbeResult played = probe::RunProbe(replay, o.options);
    EXPECT_EQ(Canonical(played), Canonical(live));
    EXPECT_TRUE(replay.open_fds().empty());
    EXPECT_EQ(replay.misuse(), "");
  }
}

INSTANTIATE_TEST_SUITE_P(Traces, ReplyScriptTest,
                         ::testing::Values("515.43.04/a100-pcie-1x.trace.jsonl",
                                           "580.95.05/fault-rm-control-status-a10g.trace.jsonl",
                                           "595.44.02/t4-1x.trace.jsonl"));

}  // namespace
}  // namespace nvprobe::fuzz
