// `fakedrv run` against hostile targets (tests/fake_driver/hostile_client.c): the
// supervisor must neither crash nor hang, answer each client its own bytes, write
// only into the buffers a client passed, and never let a call reach a real NVIDIA
// device (fake_driver/THREAT_MODEL.md). Each scenario prints one "label: result"
// line per check and exits 0 only when all held; every run is bounded.
//
// Real NVIDIA nodes are never touched: the device-node tests (HostileDevTest, run
// outside Bazel's sandbox by their own target, as they need real root) mknod their
// own 195:N nodes under TEST_TMPDIR or in a private /dev of their own mount
// namespace. They must run where they can: as root with a working mknod (CI runs
// `.ci/run` as root; the target is unsandboxed) a case that cannot set itself up
// fails; only elsewhere (a non-root developer) may it skip, and it says so loudly
// in the test log. The control runs that open such a node without fakedrv only
// happen where no NVIDIA driver is loaded.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "abi/registry.h"
#include "fake_driver/replay/ioctl_replayer.h"
#include "fake_driver/trace/trace_io.h"
#include "tests/fake_driver/region_memory.h"
#include "tests/util/subprocess.h"

namespace nvprobe::fakedrv {
namespace {

using ::nvprobe::testing::CommandResult;
using ::nvprobe::testing::ReadFileOrEmpty;
using ::nvprobe::testing::RunCommand;
using ::nvprobe::testing::SpawnOptions;
using ::nvprobe::testing::TmpDir;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kFakedrv[] = "fake_driver/fakedrv";
constexpr char kClient[] = "tests/fake_driver/hostile_client";
constexpr char kTrace[] = "tests/fake_driver/testdata/h100.trace.jsonl";
constexpr char kTrace8[] = "traces/580.95.05/hgx-h100-8x.trace.jsonl";
constexpr int kTimeoutS = 120;

// The hostile client under `fakedrv run --trace trace`.
CommandResult Hostile(const std::string& trace, const std::vector<std::string>& scenario,
                      int timeout_s = kTimeoutS, SpawnOptions options = {}) {
  std::vector<std::string> args = {kFakedrv, "run", "--trace", trace, "--", kClient};
  args.insert(args.end(), scenario.begin(), scenario.end());
  return RunCommand(args, timeout_s, options);
}

// Every check of the scenario held, and fakedrv passed the client's status on: the
// supervisor lived to the end (it exits 125 when it fails, and a client whose
// supervisor died gets ENOSYS).
void ExpectAllHeld(const CommandResult& r) {
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("FAILED"))) << r.out;
  EXPECT_THAT(r.err, Not(HasSubstr("fakedrv: run:"))) << r.err;
}

bool NvidiaDriverLoaded() { return ReadFileOrEmpty("/proc/devices").find("nvidia") != std::string::npos; }

// A character device node of our own; false (errno set) when mknod is not permitted.
bool MakeNode(const std::string& path, unsigned major, unsigned minor) {
  unlink(path.c_str());
  return mknod(path.c_str(), S_IFCHR | 0666, makedev(major, minor)) == 0;
}

// Whether the device-node cases are required here: euid 0 and mknod of a 195:N
// node under TEST_TMPDIR works (real root, not a sandbox's user namespace). Decided
// once per process and printed in the test log.
bool DevTestsRequired() {
  static const bool required = [] {
    std::string why;
    bool ok = false;
    if (geteuid() != 0) {
      why = "not root (euid " + std::to_string(geteuid()) + ")";
    } else {
      const std::string probe = TmpDir() + "/mknod_probe";
      ok = MakeNode(probe, 195, 255);
      if (!ok) why = std::string("root, but mknod is refused: ") + std::strerror(errno);
      unlink(probe.c_str());
    }
    if (ok) {
      std::cout << "HostileDevTest: real root with mknod: every device-node case is REQUIRED to run"
                << std::endl;
    } else {
      std::cout << "HostileDevTest: *** device-node cases may be SKIPPED here: " << why
                << " (they are required as root, e.g. in CI) ***" << std::endl;
    }
    return ok;
  }();
  return required;
}

// A device-node case that cannot set itself up: a failure where the cases are
// required, else a loud skip.
#define DEV_TEST_CANNOT_RUN(why)                                                             \
  do {                                                                                       \
    const std::string why_ = (why);                                                          \
    if (DevTestsRequired()) FAIL() << "cannot run although required (root with mknod): " << why_; \
    std::cout << "SKIPPED " << ::testing::UnitTest::GetInstance()->current_test_info()->name() \
              << ": " << why_ << std::endl;                                                  \
    GTEST_SKIP() << why_;                                                                    \
  } while (0)

// Logs that a device-node case ran all its checks.
void DevTestRan() {
  std::cout << "RAN " << ::testing::UnitTest::GetInstance()->current_test_info()->name()
            << ": all its checks" << std::endl;
}

std::string Symlink(const std::string& target, const std::string& path) {
  unlink(path.c_str());
  EXPECT_EQ(symlink(target.c_str(), path.c_str()), 0) << path << ": " << std::strerror(errno);
  return path;
}

TEST(HostileTest, UnmappedAndReadOnlyPointersGiveEfault) {
  CommandResult r = Hostile(kTrace, {"badpointers"});
  ExpectAllHeld(r);
  for (const char* line :
       {"version into unmapped: EFAULT", "version into read-only: EFAULT", "params unmapped: EFAULT",
        "params read-only: EFAULT", "gpuInfoList PROT_NONE: EFAULT", "gpuInfoList read-only: EFAULT",
        "NVOS54 read-only: EFAULT", "good control after faults: sm 0x900"}) {
    EXPECT_THAT(r.out, HasSubstr(std::string(line) + "\n"));
  }
}

TEST(HostileTest, SizesLargerThanTheBuffersWriteNothing) {
  CommandResult r = Hostile(kTrace, {"oversize"});
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("gpuInfoListSize 2 for 1: EFAULT\n"));
  EXPECT_THAT(r.out, HasSubstr("list after oversize: untouched\n"));
  EXPECT_THAT(r.out, HasSubstr("version buffer after oversize: untouched\n"));
}

TEST(HostileTest, AnswersLandExactlyInTheClientsBuffers) {
  // Every buffer against a PROT_NONE page, at its end and then at its start, with
  // canaries around it: one byte too many would fault or show.
  CommandResult r = Hostile(kTrace, {"guard"});
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("control GPU_GET_INFO (guard at end): sm 0x900\n"));
  EXPECT_THAT(r.out, HasSubstr("control GPU_GET_INFO (guard at start): sm 0x900\n"));
}

TEST(HostileTest, AMillionIoctls) {
  // Every 1000th an RM control, the rest version queries; all answers checked. The
  // kernel round trip dominates: about 35 s, under ASan too.
  CommandResult r = Hostile(kTrace, {"million", "1000000"}, 600);
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("calls: 1000000 calls, 0 wrong\n"));
}

TEST(HostileTest, SixtyFourThreadsEachGetTheirOwnAnswers) {
  // Thread i uses GPU i % 8 of the 8-GPU trace with handles of its own, and checks
  // that GPU's UUID, its own handles and pointers in every answer.
  CommandResult r = Hostile(kTrace8, {"threads", "64", "3"});
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("threads: 64 threads x 3 rounds, 0 wrong answers\n"));
  EXPECT_THAT(r.out, HasSubstr("root clients: distinct\n"));
}

TEST(HostileTest, InterleavedProcessesEachGetTheirOwnAnswers) {
  CommandResult r = Hostile(kTrace8, {"procs", "16", "3"});
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("processes: 16 of 16 processes x 3 rounds, 0 wrong answers, 0 bad exits\n"));
  EXPECT_THAT(r.out, HasSubstr("root clients: distinct\n"));
}

TEST(HostileTest, BoundedForkBomb) {
  // Three children per process, four levels down: 121 processes, each asking the
  // driver and reading the fake machine's files; fakedrv waits for all of them.
  CommandResult r = Hostile(kTrace, {"forkbomb", "4", "3"});
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("fork bomb: 121 processes, 0 wrong\n"));
}

TEST(HostileTest, FdsClosedOrReplacedWhileACallIsInFlight) {
  // Another thread dup2()s /dev/null over the fake fd, closes it and puts it back
  // while calls run: each call is answered whole, or fails as the kernel fails it
  // (ENOTTY, EBADF) with nothing written.
  CommandResult r = Hostile(kTrace, {"closerace", "20000"});
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr(" 0 other, 0 torn\n"));
}

TEST(HostileTest, XferPointingAtItselfIsRefused) {
  // NV_ESC_IOCTL_XFER_CMD whose inner command is XFER again, pointing at itself:
  // before the nesting limit, following it overflowed the supervisor's stack.
  CommandResult r = Hostile(kTrace, {"xferloop"});
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("xfer pointing at itself: EINVAL\n"));
  EXPECT_THAT(r.out, HasSubstr("version after: answers\n"));
}

TEST(HostileTest, FullFdTableGetsEmfileNotAHang) {
  // The fd is installed by SECCOMP_IOCTL_NOTIF_ADDFD; when that fails, the call
  // must still be answered.
  CommandResult r = Hostile(kTrace, {"fdfull"});
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("open nvidiactl with a full fd table: EMFILE\n"));
}

TEST(HostileTest, FakeFilesAreReadOnly) {
  CommandResult r = Hostile(kTrace, {"writefiles"});
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("open proc version O_WRONLY: EACCES\n"));
  EXPECT_THAT(r.out, HasSubstr("sysfs version seen by another process: unchanged\n"));
}

TEST(HostileTest, ThirtyTwoBitAndX32CallsAreKilled) {
  // The filter knows x86_64 numbers only; a call of another ABI kills the process
  // (SIGSYS) before it runs. The path is a plain file: nothing to protect there,
  // only whether the call ran.
  std::string file = TmpDir() + "/plain";
  close(open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
  CommandResult outside = RunCommand({kClient, "compat", file}, kTimeoutS);
  CommandResult r = Hostile(kTrace, {"compat", file});
  if (outside.status == 1) {  // the kernel ran it: it has 32-bit emulation
    std::cout << "32-bit (int 0x80) calls: the kernel runs them outside fakedrv; CHECKED that "
                 "fakedrv kills them"
              << std::endl;
    EXPECT_EQ(r.status, 128 + SIGSYS) << r.out << r.err;
    EXPECT_THAT(r.out, Not(HasSubstr("returned")));
  } else {
    std::cout << "32-bit (int 0x80) calls: NOT CHECKED, this kernel does not run them (the client "
                 "outside fakedrv exited "
              << outside.status << ": " << outside.out << outside.err << ")" << std::endl;
  }
  std::cout << "x32 calls: CHECKED that fakedrv kills them" << std::endl;
  r = Hostile(kTrace, {"x32", file});
  EXPECT_EQ(r.status, 128 + SIGSYS) << r.out << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("returned")));
}

TEST(HostileDevTest, SetuidBinaryGainsNoPrivilege) {
  DevTestsRequired();  // says in the test log whether this case may skip
  if (geteuid() != 0) DEV_TEST_CANNOT_RUN("needs root to make a setuid-root binary");
  // A setuid-root copy of the client must not outlive the test, nor be reachable
  // by anyone else meanwhile: a directory only root can enter, removed at the end.
  const std::string dir = TmpDir() + "/setuid";
  const std::string copy = dir + "/client";
  struct Cleanup {
    std::string dir, copy;
    ~Cleanup() {
      unlink(copy.c_str());
      rmdir(dir.c_str());
    }
  } cleanup{dir, copy};
  mkdir(dir.c_str(), 0700);
  ASSERT_EQ(chmod(dir.c_str(), 0700), 0) << std::strerror(errno);
  {
    std::string bytes = ReadFileOrEmpty(kClient);
    ASSERT_FALSE(bytes.empty());
    unlink(copy.c_str());
    int fd = open(copy.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0755);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    close(fd);
    ASSERT_EQ(chown(copy.c_str(), 0, 0), 0);
    ASSERT_EQ(chmod(copy.c_str(), 04755), 0);
  }
  // The client becomes uid 65534 and execs the copy (by fd). Without the filter the
  // set-user-ID bit makes it root again: the control that the setup works here.
  CommandResult outside = RunCommand({kClient, "setuid-exec", copy, "65534"}, kTimeoutS);
  if (outside.status == 77) DEV_TEST_CANNOT_RUN(outside.out);
  ASSERT_EQ(outside.status, 0) << outside.out << outside.err;
  if (outside.out.find("euid 0 ") == std::string::npos) {
    DEV_TEST_CANNOT_RUN("set-user-ID bits are ignored here (nosuid mount?): " + outside.out);
  }
  CommandResult r = Hostile(kTrace, {"setuid-exec", copy, "65534"});
  ExpectAllHeld(r);
  EXPECT_EQ(r.out, "ruid 65534 euid 65534 suid 65534 nnp 1\n");
  DevTestRan();
}

TEST(HostileTest, UndumpableTargetIsRefusedNotPassedThrough) {
  // Without CAP_SYS_PTRACE the supervisor cannot look at an undumpable process:
  // its opens and 'F' ioctls fail with EPERM instead of reaching the kernel
  // unchecked. With the capability it is served as usual.
  CommandResult r = Hostile(kTrace, {"undumpable"}, kTimeoutS, {.drop_caps = true});
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("undumpable version: EPERM\n"));
  EXPECT_THAT(r.out, HasSubstr("undumpable open: EPERM\n"));
  EXPECT_THAT(r.err, HasSubstr("cannot inspect it (not dumpable?)"));
  std::cout << "undumpable target without CAP_SYS_PTRACE: CHECKED" << std::endl;
  if (geteuid() == 0) {
    r = Hostile(kTrace, {"undumpable"});
    ExpectAllHeld(r);
    EXPECT_THAT(r.out, HasSubstr("undumpable version: ok\n"));
    std::cout << "undumpable target with CAP_SYS_PTRACE (root): CHECKED" << std::endl;
  } else {
    std::cout << "undumpable target with CAP_SYS_PTRACE: NOT CHECKED, not root (euid " << geteuid()
              << ")" << std::endl;
  }
}

TEST(HostileDevTest, DevicePathsAndNodesOutsideTheTrace) {
  DevTestsRequired();  // says in the test log whether this case may skip
  const std::string d = TmpDir();
  const std::string ctl = d + "/node_ctl", n77 = d + "/node_77", n0 = d + "/node_0";
  if (!MakeNode(ctl, 195, 255)) {
    DEV_TEST_CANNOT_RUN(std::string("mknod of a character device is not permitted here: ") +
                        std::strerror(errno));
  }
  ASSERT_TRUE(MakeNode(n77, 195, 77) && MakeNode(n0, 195, 0)) << std::strerror(errno);
  if (!NvidiaDriverLoaded()) {
    // Control: the kernel's answer for these nodes, which fakedrv must not give.
    EXPECT_EQ(RunCommand({kClient, "openerrno", ctl}, kTimeoutS).out, "ENXIO\n");
  }
  CommandResult r = Hostile(kTrace, {"devpaths", ctl, n77, n0, Symlink(ctl, d + "/link_node"),
                                     Symlink("/dev/nvidiactl", d + "/link_ctl"),
                                     Symlink("/dev/nvidia5", d + "/link_5"), Symlink(n77, d + "/link_77")});
  ExpectAllHeld(r);
  for (const char* line :
       {"open /dev/nvidia5: ENOENT", "open /dev/nvidia-caps/nvidia-cap1: ENOENT",
        "open /proc/self/root/dev/nvidia5: ENOENT", "open nvidia5 in /dev: ENOENT",
        "open /proc/self/root/dev/nvidiactl: fake nvidiactl",
        "open symlink to /dev/nvidiactl: fake nvidiactl", "open symlink to /dev/nvidia5: ENOENT",
        "open 195:255 node: fake nvidiactl", "open symlink to 195:255 node: fake nvidiactl",
        "open 195:0 node: fake nvidia0", "open 195:77 node: ENODEV", "open symlink to 195:77 node: ENODEV",
        "openat2 195:255 node: fake nvidiactl"}) {
    EXPECT_THAT(r.out, HasSubstr(std::string(line) + "\n"));
  }
  EXPECT_THAT(r.err, HasSubstr("is a real NVIDIA device (195:77) that the trace does not have"));
  DevTestRan();
}

TEST(HostileDevTest, TheHostsNvidiaNodesAreHidden) {
  DevTestsRequired();  // says in the test log whether this case may skip
  // A private /dev (own mount namespace) with real 195:N nodes the trace does not
  // list, as on a GPU host: under fakedrv they do not exist.
  CommandResult r = RunCommand({kClient, "privdev", "--", kFakedrv, "run", "--trace", kTrace, "--",
                                kClient, "devhost"},
                               kTimeoutS);
  if (r.status == 77) DEV_TEST_CANNOT_RUN(r.out);
  ExpectAllHeld(r);
  for (const char* line : {"open /dev/nvidia5: ENOENT", "stat /dev/nvidia5: ENOENT",
                           "open /dev/nvidia-modeset: ENOENT", "open /dev/nvidia-caps/nvidia-cap1: ENOENT",
                           "open /dev/char/195:5: ENOENT", "open /proc/self/root/dev/nvidia5: ENOENT",
                           "open /dev/nvidiactl: fake nvidiactl"}) {
    EXPECT_THAT(r.out, HasSubstr(std::string(line) + "\n"));
  }
  if (!NvidiaDriverLoaded()) {
    EXPECT_EQ(RunCommand({kClient, "privdev", "--", kClient, "openerrno", "/dev/nvidia5"}, kTimeoutS).out,
              "ENXIO\n");
  }
  DevTestRan();
}

TEST(HostileDevTest, InheritedAndReceivedNvidiaFds) {
  DevTestsRequired();  // says in the test log whether this case may skip
  // The client is started holding an O_PATH fd of a real 195:255 node (fd 7), and
  // receives another over a socket from outside the filter.
  const std::string ctl = TmpDir() + "/held_ctl";
  if (!MakeNode(ctl, 195, 255)) {
    DEV_TEST_CANNOT_RUN(std::string("mknod of a character device is not permitted here: ") +
                        std::strerror(errno));
  }
  CommandResult r = RunCommand({kClient, "hold", ctl, "7", "--", kFakedrv, "run", "--trace", kTrace, "--",
                                kClient, "inherited", "7"},
                               kTimeoutS);
  ExpectAllHeld(r);
  EXPECT_THAT(r.out, HasSubstr("inherited NVIDIA fd: EBADF\n"));  // not passed on
  EXPECT_THAT(r.out, HasSubstr("'F' ioctl on a received 195:255 fd: EPERM\n"));
  EXPECT_THAT(r.out, HasSubstr("its argument: untouched\n"));
  EXPECT_THAT(r.out, HasSubstr("reopen it through /proc/self/fd: fake nvidiactl\n"));
  EXPECT_THAT(r.err, HasSubstr("fd 7 is a real NVIDIA device; the command does not inherit it"));
  DevTestRan();
}

// ---- The replayer's write bounds, in-process: a trace whose recorded output is
// longer than the request (the loader refuses such a trace; the replayer must not
// rely on that) writes nothing.

template <typename T>
void Put(std::vector<uint8_t>& b, size_t off, T v) { std::memcpy(b.data() + off, &v, sizeof v); }

TEST(HostileReplayTest, RecordedOutputLongerThanTheLiveBufferIsNotWritten) {
  TraceLoad t = LoadTrace(kTrace, abi::Registry::Default());
  ASSERT_TRUE(t.ok());
  // The version answer 64 bytes longer than its 72-byte struct.
  ASSERT_EQ(t.trace.events[0].args.out.size(), 72u);
  t.trace.events[0].args.out.resize(72 + 64, 0xee);
  std::ostringstream diag;
  IoctlReplayer replayer(t.trace, diag);
  RegionMemory mem;
  mem.regions[0x1000] = std::vector<uint8_t>(72 + 64, 0xa5);
  std::fill_n(mem.regions[0x1000].begin(), 72, 0);
  Put<uint32_t>(mem.regions[0x1000], 0, '2');
  IoctlResult r = replayer.Handle("/dev/nvidiactl", t.trace.events[0].request, 0x1000, mem, 1);
  EXPECT_EQ(r.err, EIO);
  for (const auto& [a, n] : mem.writes) EXPECT_LE(a + n, 0x1000u + 72) << "write past the struct";
  EXPECT_EQ(mem.regions[0x1000][72], 0xa5);
}

TEST(HostileReplayTest, NestedOutputLongerThanTheLiveListIsNotWritten) {
  TraceLoad t = LoadTrace(kTrace, abi::Registry::Default());
  ASSERT_TRUE(t.ok());
  IoctlEvent& ev = t.trace.events[5];  // GPU_GET_INFO: NVOS54 -> params -> gpuInfoList
  ASSERT_EQ(ev.args.nested.size(), 1u);
  ASSERT_EQ(ev.args.nested[0].nested.size(), 1u);
  ev.args.nested[0].nested[0].out.resize(8 + 8, 0xee);
  std::ostringstream diag;
  IoctlReplayer replayer(t.trace, diag);
  RegionMemory mem;
  std::vector<uint8_t>& c = mem.regions[0x1000] = std::vector<uint8_t>(32);
  Put<uint32_t>(c, 0, 0x1);          // hClient, new: stands for the recorded one
  Put<uint32_t>(c, 4, 0x2);          // hObject
  Put<uint32_t>(c, 8, 0x20800101);   // NV2080_CTRL_CMD_GPU_GET_INFO
  Put<uint64_t>(c, 16, 0x2000);      // params
  Put<uint32_t>(c, 24, 16);          // paramsSize
  std::vector<uint8_t>& p = mem.regions[0x2000] = std::vector<uint8_t>(16);
  Put<uint32_t>(p, 0, 1);            // gpuInfoListSize
  Put<uint64_t>(p, 8, 0x3000);       // gpuInfoList
  std::vector<uint8_t>& list = mem.regions[0x3000] = std::vector<uint8_t>(8 + 8, 0xa5);
  Put<uint32_t>(list, 0, 0x2c);
  Put<uint32_t>(list, 4, 0);
  IoctlResult r = replayer.Handle("/dev/nvidiactl", ev.request, 0x1000, mem, 1);
  EXPECT_EQ(r.err, EIO);
  for (const auto& [a, n] : mem.writes) {
    if (a >= 0x3000) {
      EXPECT_LE(a + n, 0x3000u + 8) << "write past the list";
    }
  }
  EXPECT_EQ(list[8], 0xa5);
}

}  // namespace
}  // namespace nvprobe::fakedrv
