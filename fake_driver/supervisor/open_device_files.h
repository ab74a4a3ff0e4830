// The open files of the fake devices, one per open(2), for a responder whose
// answers depend on the open file a request comes on (IoctlResponder::
// tracks_open_files(): the machine model's RM clients belong to the file they were
// allocated on, as the driver's belong to the file's private data). Each open gets
// a file of its own (FakeMachine::OpenDeviceFile(): its own inode, linked nowhere)
// and an OpenFileId, so that:
//
// - the fd-identity check of an 'F' ioctl (the stat of /proc/TID/fd/N) also says
//   which open file the fd is: every dup(), fork() or SCM_RIGHTS copy of it shares
//   the inode, another open of the same device does not, whatever its fd number;
// - its last close is seen: an inotify watch on the inode (IN_DELETE_SELF, then
//   IN_IGNORED) fires once no file of it is left anywhere, however it went (close,
//   dup2 or close_range over it, exec with O_CLOEXEC, the process's exit, a socket
//   holding it in flight freed). The supervisor keeps no reference to it (so no
//   kcmp against its own copy, InjectedFds, for these: that copy would keep the
//   file open forever).
//
// Knows nothing of NVIDIA: it reports "open file X released", and the responder
// decides what that frees.
#ifndef NVPROBE_FAKE_DRIVER_SUPERVISOR_OPEN_DEVICE_FILES_H_
#define NVPROBE_FAKE_DRIVER_SUPERVISOR_OPEN_DEVICE_FILES_H_

#include <sys/types.h>

#include <map>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fake_driver/responder/responder.h"
#include "fake_driver/supervisor/fake_machine.h"

namespace nvprobe::fakedrv {

class OpenDeviceFiles {
 public:
  explicit OpenDeviceFiles(FakeMachine& machine);
  ~OpenDeviceFiles();
  OpenDeviceFiles(const OpenDeviceFiles&) = delete;
  OpenDeviceFiles& operator=(const OpenDeviceFiles&) = delete;

  // A new open file of device `node`, opened with `flags`: our fd of it (the
  // caller installs it in the target, then closes it; if that fails, the file is
  // released like any other), or -errno. `*id`: its OpenFileId.
  int Open(const FileNode& node, int flags, OpenFileId* id);

  // The open file with identity (dev, ino) (of a stat of the target's fd), or
  // kNoOpenFile.
  OpenFileId Find(dev_t dev, ino_t ino) const;

  // The open files whose last reference went since the last call, forgotten here
  // (and by the fake machine) from now on. One read of the watch queue when it is
  // empty.
  std::vector<OpenFileId> TakeReleased();

  size_t size() const { return by_identity_.size(); }

 private:
  struct File {
    OpenFileId id;
    dev_t dev;
    ino_t ino;
  };
  OpenFileId NextId();
  // Reads the watches' events: released files are forgotten, their ids queued.
  void Drain();

  FakeMachine& machine_;
  int inotify_ = -1;
  std::unordered_map<int, File> by_watch_;  // inotify watch descriptor -> file
  std::map<std::pair<dev_t, ino_t>, OpenFileId> by_identity_;
  std::set<OpenFileId> live_;
  OpenFileId next_ = 1;
  std::vector<OpenFileId> released_;  // not taken yet
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_SUPERVISOR_OPEN_DEVICE_FILES_H_
