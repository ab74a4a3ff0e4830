#include "fake_driver/supervisor/proc_fd_dirs.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace nvprobe::fakedrv {

ProcFdDirs::~ProcFdDirs() {
  for (const auto& [tid, dir] : dirs_) close(dir);
}

int ProcFdDirs::Open(pid_t tid) {
  char path[32] = "/proc/";
  char* end = std::to_chars(path + 6, path + sizeof path - 4, tid).ptr;
  end[0] = '/', end[1] = 'f', end[2] = 'd', end[3] = '\0';
  int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return -errno;
  if (dirs_.size() >= kMaxDirs) {
    close(dirs_.front().second);
    dirs_.erase(dirs_.begin());
  }
  dirs_.emplace_back(tid, dir);
  return dir;
}

int ProcFdDirs::Stat(pid_t tid, int fd, struct stat* st) {
  if (fd < 0) return EBADF;
  char name[16];
  *std::to_chars(name, name + sizeof name - 1, fd).ptr = '\0';
  for (auto it = dirs_.begin(); it != dirs_.end(); ++it) {
    if (it->first != tid) continue;
    if (fstatat(it->second, name, st, 0) == 0) return 0;
    if (errno != ENOENT) return errno;
    // Nothing there: no such fd, or the task is gone and its id now another's.
    close(it->second);
    dirs_.erase(it);
    break;
  }
  int dir = Open(tid);
  if (dir < 0) return -dir;
  return fstatat(dir, name, st, 0) == 0 ? 0 : errno;
}

}  // namespace nvprobe::fakedrv
