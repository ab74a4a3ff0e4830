#include "fake_driver/supervisor/open_device_files.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>
#include <utility>

namespace nvprobe::fakedrv {

OpenDeviceFiles::OpenDeviceFiles(FakeMachine& machine)
    : machine_(machine), inotify_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {}

OpenDeviceFiles::~OpenDeviceFiles() {
  if (inotify_ >= 0) close(inotify_);
}

OpenFileId OpenDeviceFiles::NextId() {
  // Ids are not reused while their file lives (a run would have to open more than
  // INT_MAX files to wrap).
  for (;;) {
    const OpenFileId id = next_;
    next_ = next_ == INT_MAX ? 1 : next_ + 1;
    if (!live_.count(id)) return id;
  }
}

int OpenDeviceFiles::Open(const FileNode& node, int flags, OpenFileId* id) {
  // Without a watch the last close would go unseen: the open fails instead.
  if (inotify_ < 0) return -EMFILE;
  struct stat st {};
  const int fd = machine_.OpenDeviceFile(node, flags, &st);
  if (fd < 0) return fd;
  // A file released before this one was made (whose inode number it may have
  // been given) is forgotten first: its watch's events are queued by now.
  Drain();
  // The watch is on the inode (found through our fd) and holds no file open. It
  // must exist before the target can have closed its copy, which it can as soon as
  // the fd is installed: until we close ours, ours keeps the file alive.
  const std::string self = "/proc/self/fd/" + std::to_string(fd);
  const int wd = inotify_add_watch(inotify_, self.c_str(), IN_DELETE_SELF);
  if (wd < 0) {
    const int err = errno;
    close(fd);
    return err == ENOSPC ? -EMFILE : -err;  // ENOSPC: max_user_watches reached
  }
  machine_.AddOpenDeviceFile(node, st.st_dev, st.st_ino);
  *id = NextId();
  live_.insert(*id);
  by_watch_[wd] = File{*id, st.st_dev, st.st_ino};
  by_identity_[{st.st_dev, st.st_ino}] = *id;
  return fd;
}

OpenFileId OpenDeviceFiles::Find(dev_t dev, ino_t ino) const {
  auto it = by_identity_.find({dev, ino});
  return it == by_identity_.end() ? kNoOpenFile : it->second;
}

std::vector<OpenFileId> OpenDeviceFiles::TakeReleased() {
  Drain();
  return std::exchange(released_, {});
}

void OpenDeviceFiles::Drain() {
  if (inotify_ < 0 || by_watch_.empty()) return;
  alignas(inotify_event) char buf[4096];
  for (;;) {
    const ssize_t n = read(inotify_, buf, sizeof buf);
    if (n <= 0) break;  // EAGAIN: nothing more
    for (ssize_t at = 0; at + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(buf + at);
      at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
      // IN_DELETE_SELF: the inode's last file and name are gone; IN_IGNORED follows
      // (or comes alone, when the kernel drops the watch for another reason).
      if (!(e->mask & (IN_DELETE_SELF | IN_IGNORED))) continue;
      auto it = by_watch_.find(e->wd);
      if (it == by_watch_.end()) continue;  // the IN_IGNORED after IN_DELETE_SELF
      const File f = it->second;
      by_watch_.erase(it);
      live_.erase(f.id);
      // The identity may now be given to another file: nothing may find this one
      // (nor forget that one, if it already has it).
      if (auto known = by_identity_.find({f.dev, f.ino}); known != by_identity_.end() && known->second == f.id) {
        by_identity_.erase(known);
        machine_.ForgetOpenDeviceFile(f.dev, f.ino);
      }
      released_.push_back(f.id);
    }
    if (n < static_cast<ssize_t>(sizeof buf) - static_cast<ssize_t>(sizeof(inotify_event) + NAME_MAX + 1)) break;
  }
}

}  // namespace nvprobe::fakedrv
