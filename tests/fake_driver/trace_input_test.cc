// Where a trace comes from: a FIFO nobody writes to is an error, not a wait for
// ever (`fakedrv show FIFO` hung); one with a writer is read; a line that never
// ends is one message, read no further than the line limit.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "abi/registry.h"
#include "fake_driver/trace/trace_io.h"
#include "tests/util/subprocess.h"

namespace nvprobe::fakedrv {
namespace {

using ::nvprobe::testing::CommandResult;
using ::nvprobe::testing::RunCommand;
using ::nvprobe::testing::TmpDir;
using ::testing::HasSubstr;

constexpr char kTrace[] = "tests/fake_driver/testdata/h100.trace.jsonl";

std::string Fifo(const std::string& name) {
  const std::string path = TmpDir() + "/" + name;
  unlink(path.c_str());
  EXPECT_EQ(mkfifo(path.c_str(), 0600), 0);
  return path;
}

TEST(TraceInputTest, AFifoWithNoWriterIsAnErrorNotAHang) {
  const std::string fifo = Fifo("nowriter.jsonl");
  CommandResult show = RunCommand({"fake_driver/fakedrv", "show", fifo}, /*timeout_s=*/20);
  EXPECT_EQ(show.status, 1) << show.err;
  EXPECT_THAT(show.err, HasSubstr(fifo + ": a FIFO with no writer"));
  const std::string marker = TmpDir() + "/fifo-ran";
  CommandResult run =
      RunCommand({"fake_driver/fakedrv", "run", "--trace", fifo, "--", "/bin/touch", marker}, 20);
  EXPECT_EQ(run.status, 1) << run.err;
  EXPECT_THAT(run.err, HasSubstr("a FIFO with no writer"));
  EXPECT_NE(access(marker.c_str(), F_OK), 0) << "the command ran";
}

TEST(TraceInputTest, AFifoWithAWriterIsRead) {
  const std::string fifo = Fifo("writer.jsonl");
  std::ifstream in(kTrace);
  std::stringstream text;
  text << in.rdbuf();
  // The writer opens first (the loader then finds a pipe with a writer) and
  // writes in pieces, slowly, as a command would.
  const int w = open(fifo.c_str(), O_RDWR);  // RDWR: opening does not wait
  ASSERT_GE(w, 0);
  std::thread writer([&] {
    const std::string s = text.str();
    for (size_t at = 0; at < s.size(); at += 1000) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      ASSERT_GT(write(w, s.data() + at, std::min<size_t>(1000, s.size() - at)), 0);
    }
    close(w);
  });
  TraceLoad t = LoadTrace(fifo, abi::Registry::Default());
  writer.join();
  ASSERT_TRUE(t.ok()) << t.errors[0];
  EXPECT_EQ(t.trace.events.size(), 7u);
}

TEST(TraceInputTest, AnEndlessPipeIsOneMessageAtTheLineLimit) {
  // `yes | fakedrv show /dev/stdin` read 64 MiB and printed two errors.
  CommandResult r = RunCommand({"/bin/sh", "-c", "yes | tr -d '\\n' | fake_driver/fakedrv show /dev/stdin"}, 30);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "/dev/stdin:1: line too long (more than 8388608 bytes)\n");
}

}  // namespace
}  // namespace nvprobe::fakedrv
