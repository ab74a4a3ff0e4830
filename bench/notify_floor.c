/* The least any seccomp user-notification supervisor can cost per call on this
 * kernel: a child issues N 'F'-type ioctls on /dev/null under a filter that
 * notifies exactly those, and its parent answers each with a bare
 * SECCOMP_IOCTL_NOTIF_RECV + SEND(CONTINUE), nothing else (no poll, no fd lookup,
 * no memory access). fakedrv's pass-through and replay figures sit on top of this.
 *
 * STEPS adds, per call and in this order, the kernel calls that answering a
 * request takes, with the primitives fakedrv uses, and no logic of its own:
 *   poll      poll() on the listener before RECV (fakedrv also watches signals)
 *   identity  the fd-identity check: kcmp(KCMP_FILE) of the call's fd against
 *             our copy of the same open file
 *   read      process_vm_readv of the 2304-byte argument (a card-info request)
 *   valid     SECCOMP_IOCTL_NOTIF_ID_VALID (the read was of the right process)
 *   write     process_vm_writev of the 2304 bytes back
 *
 *   notify_floor N sync|nosync [STEPS]   prints the child's "ns_per_call=<mean> calls=<N>"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/kcmp.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#define REQUEST _IOC(_IOC_READ | _IOC_WRITE, 'F', 0xc8, 2304)
#define DONE 0xd0e  /* the ioctl argument of the child's last call */

static double NowNs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int InstallFilter(void) {
  struct sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      /* Low half of args[1] (little-endian): the request number. */
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
      BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff00),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 'F' << 8, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {sizeof code / sizeof code[0], code};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
                      &prog);
}

static void SendFd(int sock, int fd) {
  char control[CMSG_SPACE(sizeof(int))];
  memset(control, 0, sizeof control);
  char byte = 0;
  struct iovec iov = {&byte, 1};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  sendmsg(sock, &msg, 0);
}

static int RecvFd(int sock) {
  char control[CMSG_SPACE(sizeof(int))];
  char byte;
  struct iovec iov = {&byte, 1};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (recvmsg(sock, &msg, 0) <= 0) return -1;
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  int fd = -1;
  if (c != NULL && c->cmsg_type == SCM_RIGHTS) memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

static int Child(int sock, long n) {
  int listener = InstallFilter();
  if (listener < 0) {
    perror("notify_floor: seccomp");
    return 1;
  }
  int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  SendFd(sock, listener);
  SendFd(sock, fd);  /* the same open file, for the identity step's kcmp */
  close(listener);
  close(sock);
  static char buf[2304];
  for (long i = 0; i < n / 10 + 1; ++i) ioctl(fd, REQUEST, buf);
  double start = NowNs();
  for (long i = 0; i < n; ++i) {
    if (ioctl(fd, REQUEST, buf) != -1 || errno != ENOTTY) return 1;
  }
  double elapsed = NowNs() - start;
  ioctl(fd, REQUEST, DONE);
  printf("ns_per_call=%.1f calls=%ld\n", elapsed / (double)n, n);
  fflush(stdout);
  return 0;
}

/* Whether the comma-separated `steps` names `step`. */
static int HasStep(const char* steps, const char* step) {
  size_t n = strlen(step);
  for (const char* p = steps; *p;) {
    const char* end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && strncmp(p, step, n) == 0) return 1;
    p += len + (end ? 1 : 0);
  }
  return 0;
}

static int CountSteps(const char* steps) {
  if (*steps == 0) return 0;
  int n = 1;
  for (const char* p = steps; *p; ++p) n += *p == ',';
  return n;
}

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    fprintf(stderr, "usage: notify_floor N sync|nosync [poll,identity,read,valid,write]\n");
    return 2;
  }
  const char* steps = argc == 4 ? argv[3] : "";
  const int do_poll = HasStep(steps, "poll"), do_identity = HasStep(steps, "identity"),
            do_read = HasStep(steps, "read"), do_valid = HasStep(steps, "valid"),
            do_write = HasStep(steps, "write");
  if (do_poll + do_identity + do_read + do_valid + do_write != CountSteps(steps)) {
    fprintf(stderr, "notify_floor: unknown step in \"%s\"\n", steps);
    return 2;
  }
  long n = strtol(argv[1], NULL, 10);
  int sv[2];
  if (n <= 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return 2;
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    fflush(stdout);
    _exit(Child(sv[1], n));
  }
  close(sv[1]);
  int listener = RecvFd(sv[0]);
  int child_file = RecvFd(sv[0]);
  if (listener < 0 || child_file < 0) return 1;
  const pid_t self = getpid();
  static char arg[2304];
  if (strcmp(argv[2], "sync") == 0) {
    uint64_t flags = SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, flags) != 0) {
      fprintf(stderr, "notify_floor: note: no SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP here (%s)\n",
              strerror(errno));
    }
  }
  for (;;) {
    struct seccomp_notif req;
    memset(&req, 0, sizeof req);
    if (do_poll) {
      struct pollfd p = {listener, POLLIN, 0};
      if (poll(&p, 1, -1) < 0 && errno != EINTR) break;
    }
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
      if (errno == EINTR) continue;
      break;
    }
    const int last = req.data.args[2] == DONE;
    struct iovec local = {arg, sizeof arg}, remote = {(void*)req.data.args[2], sizeof arg};
    if (do_identity &&
        syscall(SYS_kcmp, req.pid, self, KCMP_FILE, (int)req.data.args[0], child_file) != 0) {
      fprintf(stderr, "notify_floor: kcmp: not the same file (%s)\n", strerror(errno));
      return 1;
    }
    if (do_read && !last && process_vm_readv(req.pid, &local, 1, &remote, 1, 0) != sizeof arg) {
      perror("notify_floor: process_vm_readv");
      return 1;
    }
    uint64_t id = req.id;
    if (do_valid) ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id);
    if (do_write && !last && process_vm_writev(req.pid, &local, 1, &remote, 1, 0) != sizeof arg) {
      perror("notify_floor: process_vm_writev");
      return 1;
    }
    struct seccomp_notif_resp resp;
    memset(&resp, 0, sizeof resp);
    resp.id = req.id;
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    if (req.data.args[2] == DONE) break;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
