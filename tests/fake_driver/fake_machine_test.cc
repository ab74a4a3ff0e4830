// The fake machine's files (fake_driver/supervisor/fake_machine.h): made lazily, a
// directory whole before it is opened, and never through something the target put
// in the way.
#include "fake_driver/supervisor/fake_machine.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "abi/registry.h"
#include "fake_driver/trace/trace_io.h"

namespace nvprobe::fakedrv {
namespace {

constexpr char k64[] = "traces/550.76/scale-64x.trace.jsonl";

Trace Load(const char* path) {
  TraceLoad t = LoadTrace(path, abi::Registry::Default());
  EXPECT_TRUE(t.ok()) << (t.errors.empty() ? "" : t.errors.front());
  return std::move(t.trace);
}

std::unique_ptr<FakeMachine> Make(const Trace& t) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  StatusOr<std::unique_ptr<FakeMachine>> m = FakeMachine::Create(t, tmp ? tmp : "/tmp");
  EXPECT_TRUE(m.ok()) << m.status().message();
  return m.ok() ? std::move(*m) : nullptr;
}

// Entries of a directory opened through the fake machine, as the target lists them.
std::set<std::string> List(FakeMachine& m, const std::string& dir) {
  std::set<std::string> names;
  int fd = m.OpenVerified(dir, O_RDONLY | O_DIRECTORY);
  EXPECT_GE(fd, 0) << dir << ": " << std::strerror(-fd);
  if (fd < 0) return names;
  DIR* d = fdopendir(fd);
  while (const dirent* e = readdir(d)) {
    if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") names.insert(e->d_name);
  }
  closedir(d);
  return names;
}

// What the trace says a directory holds.
std::set<std::string> Expected(const Trace& t, const std::string& dir) {
  std::set<std::string> names;
  for (const FileNode& n : t.files) {
    if (n.type == NodeType::kAbsent || n.path.rfind(dir + "/", 0) != 0) continue;
    std::string rest = n.path.substr(dir.size() + 1);
    names.insert(rest.substr(0, rest.find('/')));
  }
  return names;
}

int CountEntries(const std::string& root) {
  int n = 0;
  std::set<std::string> todo = {root};
  while (!todo.empty()) {
    std::string d = *todo.begin();
    todo.erase(todo.begin());
    DIR* dir = opendir(d.c_str());
    if (dir == nullptr) continue;
    while (const dirent* e = readdir(dir)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      ++n;
      if (e->d_type == DT_DIR) todo.insert(d + "/" + name);
    }
    closedir(dir);
  }
  return n;
}

TEST(FakeMachineTest, NothingIsWrittenUntilAPathIsLookedUp) {
  Trace t = Load(k64);
  std::unique_ptr<FakeMachine> m = Make(t);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(CountEntries(m->root()), 0);
  std::optional<FakePath> version = m->Find("/proc/driver/nvidia/version");
  ASSERT_TRUE(version.has_value());
  EXPECT_EQ(version->error, 0);
  // The file and the directories above it, nothing else.
  EXPECT_EQ(CountEntries(m->root()), 4);  // proc, driver, nvidia, version
  int fd = open(version->host_path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  EXPECT_EQ(std::string(buf, n > 0 ? n : 0), version->node->content);
}

TEST(FakeMachineTest, ADirectoryListsExactlyTheTracesEntries) {
  Trace t = Load(k64);
  std::unique_ptr<FakeMachine> m = Make(t);
  ASSERT_NE(m, nullptr);
  // One GPU's file first: its directory exists then, without its siblings.
  const std::string gpus = "/proc/driver/nvidia/gpus";
  const std::string one = *Expected(t, gpus).begin();
  ASSERT_TRUE(m->Find(gpus + "/" + one + "/information").has_value());
  for (const std::string& dir : {gpus, std::string("/sys/bus/pci/devices"), gpus + "/" + one,
                                std::string("/proc/driver/nvidia"), std::string("/dev")}) {
    std::set<std::string> want = Expected(t, dir);
    EXPECT_EQ(List(*m, dir), want) << dir;
  }
  EXPECT_EQ(Expected(t, gpus).size(), 64u);
  struct stat st {};
  EXPECT_EQ(m->StatVerified("/sys/bus/pci/devices", &st), 0);
  EXPECT_EQ(st.st_nlink, 2u + 64u);
}

// A listed /dev lists only the machine's nodes (nvprobe reads WSL2 off /dev/dxg
// there), yet the host's /dev/null stays, and a GPU node the trace does not name
// does not exist.
TEST(FakeMachineTest, ListedDevKeepsTheHostsOtherNodes) {
  Trace t = Load(k64);
  ASSERT_NE(t.FindFile("/dev"), nullptr) << "synth lists /dev in every trace";
  std::unique_ptr<FakeMachine> m = Make(t);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(List(*m, "/dev"), Expected(t, "/dev"));
  EXPECT_EQ(Expected(t, "/dev").count("null"), 0u);
  EXPECT_FALSE(m->Find("/dev/null").has_value()) << "the host's /dev/null";
  EXPECT_FALSE(m->Find("/dev/pts/0").has_value());
  for (const char* gone : {"/dev/nvidia200", "/dev/dxg", "/dev/nvidia-caps/nvidia-cap1"}) {
    std::optional<FakePath> p = m->Find(gone);
    ASSERT_TRUE(p.has_value()) << gone;
    EXPECT_EQ(p->error, ENOENT) << gone;
  }
}

// A trace of the given entries, in that order.
Trace Listing(std::initializer_list<std::pair<const char*, NodeType>> entries) {
  Trace t;
  for (const auto& [path, type] : entries) {
    FileNode n;
    n.path = path;
    n.type = type;
    t.files.push_back(n);
  }
  return t;
}

// A path below listed entries: the one the trace lists first decides (an absent
// directory: ENOENT; a file: ENOTDIR), whichever is nearer; below a directory the
// listed paths imply, nothing else exists; the rest of the host is not the
// machine's. Found by walking up the path, as a scan of every entry found it.
TEST(FakeMachineTest, BelowListedPathsTheFirstListedEntryDecides) {
  const Trace absent_first = Listing({{"/sys/fake", NodeType::kAbsent},
                                      {"/sys/fake/dir/file", NodeType::kFile},
                                      {"/proc/driver/nvidia/version", NodeType::kFile}});
  const Trace file_first = Listing({{"/sys/fake/dir/file", NodeType::kFile},
                                    {"/sys/fake", NodeType::kAbsent},
                                    {"/proc/driver/nvidia/version", NodeType::kFile}});
  std::unique_ptr<FakeMachine> a = Make(absent_first), f = Make(file_first);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(f, nullptr);
  auto error = [](FakeMachine& m, const char* path) {
    std::optional<FakePath> p = m.Find(path);
    return p.has_value() ? p->error : -1;
  };
  EXPECT_EQ(error(*a, "/sys/fake/dir/file/below"), ENOENT);
  EXPECT_EQ(error(*f, "/sys/fake/dir/file/below"), ENOTDIR);
  EXPECT_EQ(error(*a, "/sys/fake/dir/other"), ENOENT);
  EXPECT_EQ(error(*a, "/proc/driver/nvidia/version/x"), ENOTDIR);
  EXPECT_EQ(error(*a, "/proc/driver/nvidia/gpus"), ENOENT) << "below an implied directory";
  EXPECT_EQ(error(*a, "/proc/driver/nvidia"), 0) << "the implied directory itself";
  EXPECT_EQ(error(*a, "/dev/nvidia0"), ENOENT) << "a GPU node the trace does not list";
  EXPECT_EQ(error(*a, "/proc/driver/other"), -1) << "above the implied depth: the host's";
  EXPECT_EQ(error(*a, "/etc/passwd"), -1);
}

TEST(FakeMachineTest, DevicesAreKnownByIdentityOnceMade) {
  Trace t = Load(k64);
  std::unique_ptr<FakeMachine> m = Make(t);
  ASSERT_NE(m, nullptr);
  int fd = m->OpenVerified("/dev/nvidia63", O_RDWR);
  ASSERT_GE(fd, 0) << std::strerror(-fd);
  struct stat st {};
  ASSERT_EQ(fstat(fd, &st), 0);
  close(fd);
  const FileNode* node = m->DeviceByIdentity(st.st_dev, st.st_ino);
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->path, "/dev/nvidia63");
}

TEST(FakeMachineTest, SomethingPlantedWhereAFileIsToBeMadeIsNeverWrittenThrough) {
  Trace t = Load(k64);
  std::unique_ptr<FakeMachine> m = Make(t);
  ASSERT_NE(m, nullptr);
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string victim = std::string(tmp ? tmp : "/tmp") + "/fake_machine_test_victim";
  unlink(victim.c_str());
  // The target runs as the same user and can reach the private directory: a
  // symlink where /proc/driver/nvidia/version is to be made, and a directory's
  // entry pointing elsewhere.
  ASSERT_TRUE(m->Find("/proc/driver/nvidia/gpus").has_value());
  const std::string planted = m->root() + "/proc/driver/nvidia/version";
  ASSERT_EQ(symlink(victim.c_str(), planted.c_str()), 0);
  std::optional<FakePath> version = m->Find("/proc/driver/nvidia/version");
  ASSERT_TRUE(version.has_value());
  EXPECT_EQ(version->error, EIO);
  EXPECT_EQ(m->OpenVerified("/proc/driver/nvidia/version", O_RDONLY), -EIO);
  struct stat st {};
  EXPECT_NE(lstat(victim.c_str(), &st), 0) << "written through the planted symlink";
  // A planted symlink in place of a directory on the way.
  const std::string sys = m->root() + "/sys";
  ASSERT_EQ(symlink(tmp ? tmp : "/tmp", sys.c_str()), 0);
  EXPECT_EQ(m->OpenVerified("/sys/bus/pci/devices", O_RDONLY | O_DIRECTORY), -EIO);
}

}  // namespace
}  // namespace nvprobe::fakedrv
