// The open files of the fake devices (fake_driver/supervisor/open_device_files.h)
// on their own: each open is a file of its own, and its release is reported once
// no copy of it is left anywhere, not before.
#include "fake_driver/supervisor/open_device_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fake_driver/supervisor/fake_machine.h"

namespace nvprobe::fakedrv {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class OpenDeviceFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FileNode ctl;
    ctl.path = "/dev/nvidiactl";
    ctl.type = NodeType::kCharDev;
    ctl.major = 195;
    ctl.minor = 255;
    trace_.files.push_back(ctl);
    const char* tmp = std::getenv("TEST_TMPDIR");
    StatusOr<std::unique_ptr<FakeMachine>> m = FakeMachine::Create(trace_, tmp ? tmp : "/tmp");
    ASSERT_TRUE(m.ok()) << m.status().message();
    machine_ = std::move(*m);
    ASSERT_TRUE(machine_->Find("/dev/nvidiactl").has_value());
    files_ = std::make_unique<OpenDeviceFiles>(*machine_);
  }

  const FileNode& ctl() const { return trace_.files[0]; }

  // Opens the device as a target would get it; the identity of the file to *st.
  int Open(OpenFileId* id, struct stat* st) {
    const int fd = files_->Open(ctl(), O_RDWR, id);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(fstat(fd, st), 0);
    return fd;
  }

  Trace trace_;
  std::unique_ptr<FakeMachine> machine_;
  std::unique_ptr<OpenDeviceFiles> files_;
};

TEST_F(OpenDeviceFilesTest, EachOpenIsAFileOfItsOwn) {
  OpenFileId a = kNoOpenFile, b = kNoOpenFile;
  struct stat sa {}, sb {};
  const int fa = Open(&a, &sa), fb = Open(&b, &sb);
  EXPECT_NE(a, b);
  EXPECT_NE(sa.st_ino, sb.st_ino);
  EXPECT_EQ(files_->Find(sa.st_dev, sa.st_ino), a);
  EXPECT_EQ(files_->Find(sb.st_dev, sb.st_ino), b);
  EXPECT_EQ(machine_->DeviceByIdentity(sa.st_dev, sa.st_ino), &ctl());
  EXPECT_EQ(machine_->DeviceByIdentity(sb.st_dev, sb.st_ino), &ctl());
  // Linked nowhere: nothing but its fds reach it.
  EXPECT_EQ(sa.st_nlink, 0u);
  // The target's fstat shows the device node's own inode, as for every open of it.
  struct stat node {};
  ASSERT_EQ(machine_->StatVerified("/dev/nvidiactl", &node), 0);
  struct stat patched = sa;
  machine_->PatchOpenDeviceStat(ctl(), patched);
  EXPECT_EQ(patched.st_ino, node.st_ino);
  EXPECT_TRUE(S_ISCHR(patched.st_mode));
  close(fa);
  close(fb);
  std::vector<OpenFileId> released = files_->TakeReleased();
  EXPECT_THAT(released, ::testing::UnorderedElementsAre(a, b));
}

TEST_F(OpenDeviceFilesTest, ReleasedOnlyOnceTheLastCopyIsClosed) {
  OpenFileId id = kNoOpenFile;
  struct stat st {};
  const int fd = Open(&id, &st);
  const int copy = dup(fd);
  close(fd);
  EXPECT_THAT(files_->TakeReleased(), IsEmpty());
  EXPECT_EQ(files_->Find(st.st_dev, st.st_ino), id);
  close(copy);
  EXPECT_THAT(files_->TakeReleased(), ElementsAre(id));
  EXPECT_THAT(files_->TakeReleased(), IsEmpty());  // once
  EXPECT_EQ(files_->Find(st.st_dev, st.st_ino), kNoOpenFile);
  EXPECT_EQ(machine_->DeviceByIdentity(st.st_dev, st.st_ino), nullptr);
  EXPECT_EQ(files_->size(), 0u);
}

TEST_F(OpenDeviceFilesTest, AnotherProcessHoldingItKeepsItUntilItExits) {
  OpenFileId id = kNoOpenFile;
  struct stat st {};
  const int fd = Open(&id, &st);
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(go[1]);
    char c;
    (void)!read(go[0], &c, 1);  // holds its inherited copy until told
    _exit(0);
  }
  close(go[0]);
  close(fd);
  EXPECT_THAT(files_->TakeReleased(), IsEmpty());
  close(go[1]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_THAT(files_->TakeReleased(), ElementsAre(id));
}

TEST_F(OpenDeviceFilesTest, AnIdentityGivenAgainIsTheNewFilesOnly) {
  // Released files' inode numbers are given to new files (ext4 does at once): a
  // release reported late must not forget the new file that has its number.
  OpenFileId first = kNoOpenFile;
  struct stat st1 {};
  close(Open(&first, &st1));
  OpenFileId second = kNoOpenFile;
  struct stat st2 {};
  const int fd = Open(&second, &st2);
  EXPECT_THAT(files_->TakeReleased(), ElementsAre(first));
  EXPECT_EQ(files_->Find(st2.st_dev, st2.st_ino), second);
  EXPECT_EQ(machine_->DeviceByIdentity(st2.st_dev, st2.st_ino), &ctl());
  close(fd);
  EXPECT_THAT(files_->TakeReleased(), ElementsAre(second));
}

}  // namespace
}  // namespace nvprobe::fakedrv
