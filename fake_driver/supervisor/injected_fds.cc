#include "fake_driver/supervisor/injected_fds.h"

#include <linux/kcmp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace nvprobe::fakedrv {

InjectedFds::InjectedFds() : self_(getpid()) {}

InjectedFds::~InjectedFds() {
  for (const Entry& e : entries_) close(e.file);
}

void InjectedFds::Push(Entry e) {
  if (entries_.size() >= kMaxFiles) {
    close(entries_.front().file);
    entries_.pop_front();
  }
  entries_.push_back(e);
}

void InjectedFds::Add(pid_t tid, int target_fd, int file, const FileNode* device) {
  if (!kcmp_works_ || device == nullptr || target_fd < 0) {
    close(file);
    return;
  }
  // The number may have been ours before in this task (closed, then reopened).
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->tid == tid && it->target_fd == target_fd) {
      close(it->file);
      entries_.erase(it);
      break;
    }
  }
  Push({tid, target_fd, file, device});
}

bool InjectedFds::SameFile(pid_t tid, int target_fd, int file) {
  // kernel/kcmp.c: 0 when both fds name the same struct file. Needs the same
  // access to the target as reading /proc/TID/fd (PTRACE_MODE_READ_REALCREDS).
  long r = syscall(SYS_kcmp, tid, self_, KCMP_FILE, target_fd, file);
  if (r < 0 && errno == ENOSYS) kcmp_works_ = false;  // CONFIG_KCMP off
  return r == 0;
}

const FileNode* InjectedFds::Find(pid_t tid, int target_fd) {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->tid != tid || it->target_fd != target_fd) continue;
    return SameFile(tid, target_fd, it->file) ? it->device : nullptr;
  }
  return nullptr;
}

void InjectedFds::Learn(pid_t tid, int target_fd, const FileNode* device) {
  if (!kcmp_works_ || device == nullptr) return;
  int tries = 0;
  for (auto it = entries_.rbegin(); it != entries_.rend() && tries < kMaxLearnTries; ++it) {
    if (it->target_fd != target_fd || it->device != device || it->tid == tid) continue;
    ++tries;
    if (!SameFile(tid, target_fd, it->file)) continue;
    int copy = dup(it->file);
    if (copy >= 0) Add(tid, target_fd, copy, device);
    return;
  }
}

}  // namespace nvprobe::fakedrv
