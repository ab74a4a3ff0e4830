// Replay answers what the client sent, every time: a client that reuses its
// buffers (NVML asks every GPU's ID info through one params buffer, changing only
// what it points at) is not mistaken for a call restarted after a signal, whose
// buffers hold exactly the answer written before.
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "abi/registry.h"
#include "fake_driver/replay/ioctl_replayer.h"
#include "fake_driver/trace/trace_io.h"
#include "tests/fake_driver/region_memory.h"

namespace nvprobe::fakedrv {
namespace {

constexpr char kTrace[] = "tests/fake_driver/testdata/h100.trace.jsonl";
constexpr uint32_t kAlloc = 0xc020462b, kControl = 0xc020462a;
constexpr char kCtl[] = "/dev/nvidiactl";

template <typename T>
void Put(std::vector<uint8_t>& b, size_t off, T v) { std::memcpy(b.data() + off, &v, sizeof v); }
template <typename T>
T Get(const std::vector<uint8_t>& b, size_t off) { T v; std::memcpy(&v, b.data() + off, sizeof v); return v; }

// The test trace plus a second GPU_GET_INFO answer: index 0x2d -> 7 beside the
// recorded 0x2c -> 0x900.
TraceLoad TraceWithTwoInfoAnswers() {
  std::ifstream in(kTrace);
  std::string text;
  for (std::string l; std::getline(in, l);) {
    text += l + "\n";
    if (l.find("\"gpuInfoList\"") == std::string::npos) continue;
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(l);
    auto& list = j["nested"][0]["nested"][0];
    list["in"] = "2d00000000000000";
    list["out"] = "2d00000007000000";
    text += j.dump() + "\n";
  }
  std::istringstream s(text);
  return ParseTrace(s, "two.jsonl", abi::Registry::Default());
}

class ReplayReuseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    t_ = TraceWithTwoInfoAnswers();
    ASSERT_TRUE(t_.ok()) << (t_.errors.empty() ? "" : t_.errors[0]);
    r_ = std::make_unique<IoctlReplayer>(t_.trace, diag_);
    // Root client, device 0x77, subdevice 0x78 (as the trace's client made them).
    std::vector<uint8_t>& a = mem_.regions[0x1000] = std::vector<uint8_t>(32);
    Put<uint32_t>(a, 12, 0x41);
    ASSERT_EQ(r_->Handle(kCtl, kAlloc, 0x1000, mem_, 1).ret, 0);
    client_ = Get<uint32_t>(a, 8);
    mem_.regions[0x2000] = std::vector<uint8_t>(56);
    std::fill(a.begin(), a.end(), 0);
    Put<uint32_t>(a, 0, client_); Put<uint32_t>(a, 4, client_); Put<uint32_t>(a, 8, 0x77);
    Put<uint32_t>(a, 12, 0x80); Put<uint64_t>(a, 16, 0x2000); Put<uint32_t>(a, 24, 56);
    ASSERT_EQ(r_->Handle(kCtl, kAlloc, 0x1000, mem_, 1).ret, 0);
    Put<uint32_t>(a, 4, 0x77); Put<uint32_t>(a, 8, 0x78); Put<uint32_t>(a, 12, 0x2080);
    Put<uint32_t>(a, 24, 4);
    ASSERT_EQ(r_->Handle(kCtl, kAlloc, 0x1000, mem_, 1).ret, 0);
    // GPU_GET_INFO on the subdevice: NVOS54 at 0x1000 -> params at 0x3000 -> one
    // NV2080_CTRL_GPU_INFO at 0x4000.
    mem_.regions[0x3000] = std::vector<uint8_t>(16);
    mem_.regions[0x4000] = std::vector<uint8_t>(8);
    Put<uint32_t>(mem_.regions[0x3000], 0, 1);
    Put<uint64_t>(mem_.regions[0x3000], 8, 0x4000);
    std::fill(a.begin(), a.end(), 0);
    Put<uint32_t>(a, 0, client_); Put<uint32_t>(a, 4, 0x78); Put<uint32_t>(a, 8, 0x20800101);
    Put<uint64_t>(a, 16, 0x3000); Put<uint32_t>(a, 24, 16);
  }

  // Asks info `index` through the same buffers (its data cleared), leaving the
  // rest as the last answer left them; returns the data answered.
  uint32_t Ask(uint32_t index) {
    Put<uint32_t>(mem_.regions[0x4000], 0, index);
    Put<uint32_t>(mem_.regions[0x4000], 4, 0);
    EXPECT_EQ(r_->Handle(kCtl, kControl, 0x1000, mem_, 1).ret, 0);
    EXPECT_EQ(Get<uint32_t>(mem_.regions[0x1000], 28), 0u) << "status; " << diag_.str();
    EXPECT_EQ(Get<uint32_t>(mem_.regions[0x4000], 0), index) << "the index is echoed";
    return Get<uint32_t>(mem_.regions[0x4000], 4);
  }

  TraceLoad t_;
  std::ostringstream diag_;
  std::unique_ptr<IoctlReplayer> r_;
  RegionMemory mem_;
  uint32_t client_ = 0;
};

TEST_F(ReplayReuseTest, ReusedBuffersGetTheAnswerToWhatTheyNowAsk) {
  EXPECT_EQ(Ask(0x2c), 0x900u);
  // The top-level struct is byte for byte what the answer left; only the nested
  // index changed. Before the fix this was taken for a restart of the 0x2c call.
  EXPECT_EQ(Ask(0x2d), 7u);
  EXPECT_EQ(Ask(0x2c), 0x900u);
  EXPECT_EQ(Ask(0x2d), 7u);
  EXPECT_EQ(r_->unmatched(), 0) << diag_.str();
}

TEST_F(ReplayReuseTest, ACallRestartedWithTheAnswerInItsBuffersIsAnsweredAsFirstRead) {
  EXPECT_EQ(Ask(0x2c), 0x900u);
  // Restarted after a signal: every buffer holds exactly what the answer wrote.
  const std::vector<uint8_t> top = mem_.regions[0x1000], list = mem_.regions[0x4000];
  EXPECT_EQ(r_->Handle(kCtl, kControl, 0x1000, mem_, 1).ret, 0);
  EXPECT_EQ(mem_.regions[0x1000], top);
  EXPECT_EQ(mem_.regions[0x4000], list);
  EXPECT_EQ(r_->unmatched(), 0) << diag_.str();
}

TEST_F(ReplayReuseTest, AnUnrecordedIndexThroughReusedBuffersIsUnmatched) {
  EXPECT_EQ(Ask(0x2c), 0x900u);
  Put<uint32_t>(mem_.regions[0x4000], 0, 0x30);
  Put<uint32_t>(mem_.regions[0x4000], 4, 0);
  EXPECT_EQ(r_->Handle(kCtl, kControl, 0x1000, mem_, 1).ret, 0);
  EXPECT_EQ(r_->unmatched(), 1) << "an index the trace never answered must not get 0x2c's answer";
  EXPECT_NE(Get<uint32_t>(mem_.regions[0x1000], 28), 0u) << "status: not supported";
}

// Replay's diagnostics quote the trace's device paths: escaped, so that a crafted
// path cannot rewrite the terminal's lines (issue 21 item 3).
TEST_F(ReplayReuseTest, DiagnosticsEscapeTheTracesText) {
  diag_.str("");
  mem_.regions[0x5000] = std::vector<uint8_t>(32);
  r_->Handle("/dev/nvidia\x1b[2K\xe2\x80\xae" "0", kControl, 0x5000, mem_, 1);
  EXPECT_THAT(diag_.str(), ::testing::HasSubstr("on /dev/nvidia\\x1b[2K\\u202e0: "));
  EXPECT_EQ(diag_.str().find('\x1b'), std::string::npos) << diag_.str();
}

}  // namespace
}  // namespace nvprobe::fakedrv
