// The fake device files the supervisor put into targets' fd tables (ADDFD), kept
// open so that the fd-identity check of an 'F' ioctl (fake_driver/THREAT_MODEL.md)
// is one kcmp(KCMP_FILE): the target's fd is still the very open file we
// installed. That proves more than the stat of /proc/TID/fd/N (the same inode) and
// costs about half as much: one access check, no path walk. Anything it cannot
// prove (another thread's fd, a dup, a closed or replaced fd, no kcmp in this
// kernel) is left to that stat.
#ifndef NVPROBE_FAKE_DRIVER_SUPERVISOR_INJECTED_FDS_H_
#define NVPROBE_FAKE_DRIVER_SUPERVISOR_INJECTED_FDS_H_

#include <sys/types.h>

#include <deque>

#include "fake_driver/trace/trace.h"

namespace nvprobe::fakedrv {

class InjectedFds {
 public:
  InjectedFds();
  ~InjectedFds();
  InjectedFds(const InjectedFds&) = delete;
  InjectedFds& operator=(const InjectedFds&) = delete;

  // `file` (ours; closed on eviction) is now `target_fd` of task `tid`, and is the
  // fake `device`. Takes `file` in any case.
  void Add(pid_t tid, int target_fd, int file, const FileNode* device);

  // The device when `target_fd` of `tid` is provably a file we installed, else
  // nullptr (unknown, or no longer ours: the caller checks another way).
  const FileNode* Find(pid_t tid, int target_fd);

  // After another check found `device` behind `target_fd` of `tid`: if it is one of
  // our files installed under that number in another task (a thread, a forked
  // child), remembers it for `tid` too, so that the next call is proven by kcmp.
  void Learn(pid_t tid, int target_fd, const FileNode* device);

 private:
  // Files kept open; the oldest is closed first. Only the fast path is lost then.
  static constexpr size_t kMaxFiles = 256;
  // Entries of other tasks tried by Learn(), so that a miss costs bounded work.
  static constexpr int kMaxLearnTries = 4;
  struct Entry {
    pid_t tid;
    int target_fd;
    int file;
    const FileNode* device;
  };
  bool SameFile(pid_t tid, int target_fd, int file);
  void Push(Entry e);

  const pid_t self_;  // kcmp's second task: us
  std::deque<Entry> entries_;
  bool kcmp_works_ = true;  // false once the kernel says it has no kcmp
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_SUPERVISOR_INJECTED_FDS_H_
