// The file behind a target's fd, looked up relative to a cached /proc/TID/fd
// directory instead of through a fresh /proc/TID/fd/N path each time: the
// supervisor's check of every 'F' ioctl's fd (fake_driver/THREAT_MODEL.md), which
// must be done per call since the target changes its fd table unseen.
#ifndef NVPROBE_FAKE_DRIVER_SUPERVISOR_PROC_FD_DIRS_H_
#define NVPROBE_FAKE_DRIVER_SUPERVISOR_PROC_FD_DIRS_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <utility>
#include <vector>

namespace nvprobe::fakedrv {

class ProcFdDirs {
 public:
  ProcFdDirs() = default;
  ~ProcFdDirs();
  ProcFdDirs(const ProcFdDirs&) = delete;
  ProcFdDirs& operator=(const ProcFdDirs&) = delete;

  // stat() of what `fd` of task `tid` refers to: 0, or an errno (ENOENT: no such
  // fd; EACCES/EPERM: the task may not be inspected). A directory fd outlives its
  // task and then finds nothing, so a task whose id was reused is never confused
  // with the one before: a cached directory that finds nothing is opened again.
  int Stat(pid_t tid, int fd, struct stat* st);

 private:
  // How many tasks' directories are kept open; the oldest goes first.
  static constexpr size_t kMaxDirs = 64;
  int Open(pid_t tid);
  std::vector<std::pair<pid_t, int>> dirs_;  // (tid, O_DIRECTORY fd of /proc/TID/fd)
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_SUPERVISOR_PROC_FD_DIRS_H_
