/* A client for `fakedrv run --machine` that checks RM clients belong to the open
 * file of /dev/nvidiactl they were allocated on, as the driver binds them to the
 * file's private data (kernel-open/nvidia/nv.c: nvidia_open(), nvidia_close();
 * rmapi/client.c: rmclientValidate_IMPL()), not to an fd number:
 *
 *   samefd       another process that opens the device and gets the same fd number
 *                can neither use nor free the first one's client;
 *   dups         dup(), fcntl(F_DUPFD), an SCM_RIGHTS copy and a forked child's
 *                inherited fd are the same open file: they use the client;
 *   lastclose    a client lives while any copy of its file does, and is freed
 *                on the file's last close, however that comes (close, dup2,
 *                close_range, the process's exit): its handle is free again;
 *   unsupported  one control the model has no handler for (cmd 0x127).
 *
 * Raw ioctls with its own struct declarations for driver 580.95.05 (offsets from
 * `fakedrv abi dump --driver 580.95.05`), linked statically. Prints one
 * "label: result" line per check; exits 0 only when every check held (1 on a
 * failed check, 2 on bad usage). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NV_IOCTL(nr, size) _IOC(_IOC_READ | _IOC_WRITE, 'F', (nr), (size))
#define ESC_RM_FREE 0x29
#define ESC_RM_CONTROL 0x2a
#define ESC_RM_ALLOC 0x2b
#define NV01_ROOT_CLIENT 0x41
#define CMD_GET_ATTACHED_IDS 0x201u /* NV0000_CTRL_CMD_GPU_GET_ATTACHED_IDS */
#define CMD_UNNAMED 0x127u          /* a root-client command no release names */
#define NV_OK 0
#define NV_ERR_INSERT_DUPLICATE_NAME 0x19
#define NV_ERR_INVALID_CLIENT 0x23
#define NV_ERR_NOT_SUPPORTED 0x56

struct nvos21 { uint32_t hRoot, hObjectParent, hObjectNew, hClass; uint64_t pAllocParms; uint32_t paramsSize, status; };
struct nvos54 { uint32_t hClient, hObject, cmd, flags; uint64_t params; uint32_t paramsSize, status; };
struct nvos00 { uint32_t hRoot, hObjectParent, hObjectOld, status; };
struct attached_ids { uint32_t gpuIds[32]; }; /* NV0000_CTRL_GPU_GET_ATTACHED_IDS_PARAMS */

_Static_assert(sizeof(struct nvos21) == 32 && sizeof(struct nvos54) == 32, "rm");
_Static_assert(sizeof(struct attached_ids) == 128, "params");

static int failures = 0;

static void Check(int ok, const char* label, const char* what) {
  printf("%s: %s%s\n", label, what, ok ? "" : "  <-- FAILED");
  fflush(stdout);
  if (!ok) ++failures;
}

/* An RM status, or -errno when the ioctl itself failed. */
static const char* StatusName(int s) {
  static char buf[32];
  switch (s) {
    case NV_OK: return "NV_OK";
    case NV_ERR_INSERT_DUPLICATE_NAME: return "NV_ERR_INSERT_DUPLICATE_NAME";
    case NV_ERR_INVALID_CLIENT: return "NV_ERR_INVALID_CLIENT";
    case NV_ERR_NOT_SUPPORTED: return "NV_ERR_NOT_SUPPORTED";
    default: snprintf(buf, sizeof buf, s < 0 ? "errno %d" : "status 0x%x", s < 0 ? -s : s); return buf;
  }
}

static void CheckStatus(int got, int want, const char* label) {
  char what[128];
  if (got == want) {
    snprintf(what, sizeof what, "%s", StatusName(got));
  } else {
    snprintf(what, sizeof what, "%s", StatusName(got));
    snprintf(what + strlen(what), sizeof what - strlen(what), " (expected %s)", StatusName(want));
  }
  Check(got == want, label, what);
}

static int OpenCtl(void) {
  int fd = open("/dev/nvidiactl", O_RDWR);
  if (fd < 0) {
    perror("open /dev/nvidiactl");
    exit(1);
  }
  return fd;
}

/* A root client with handle `handle` (0: the driver picks, into *out). */
static int AllocClient(int fd, uint32_t handle, uint32_t* out) {
  struct nvos21 a = {0, 0, handle, NV01_ROOT_CLIENT, 0, 0, 0};
  if (ioctl(fd, NV_IOCTL(ESC_RM_ALLOC, sizeof a), &a) != 0) return -errno;
  if (out) *out = a.hObjectNew;
  return (int)a.status;
}

static int FreeClient(int fd, uint32_t client) {
  struct nvos00 f = {client, 0, client, 0};
  if (ioctl(fd, NV_IOCTL(ESC_RM_FREE, sizeof f), &f) != 0) return -errno;
  return (int)f.status;
}

static int Control(int fd, uint32_t client, uint32_t cmd, void* params, uint32_t size) {
  struct nvos54 c = {client, client, cmd, 0, (uintptr_t)params, size, 0};
  if (ioctl(fd, NV_IOCTL(ESC_RM_CONTROL, sizeof c), &c) != 0) return -errno;
  return (int)c.status;
}

/* A control the model answers on a root client: NV_OK when `client` is usable. */
static int Use(int fd, uint32_t client) {
  struct attached_ids p;
  memset(&p, 0, sizeof p);
  return Control(fd, client, CMD_GET_ATTACHED_IDS, &p, sizeof p);
}

/* Runs `child` in a forked process; its exit status (1 when it failed a check). */
static int InChild(int (*child)(void*), void* arg) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) exit(1);
  if (pid == 0) {
    failures = 0;
    int r = child(arg);
    fflush(stdout);
    _exit(r != 0 || failures != 0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- samefd */

struct samefd { int fd; uint32_t client; };

static int SameFdChild(void* p) {
  const struct samefd* s = p;
  close(s->fd);  /* the inherited copy of the owner's file */
  int mine = OpenCtl();
  Check(mine == s->fd, "other process: its own open", mine == s->fd ? "same fd number" : "another fd number");
  CheckStatus(Use(mine, s->client), NV_ERR_INVALID_CLIENT, "other process, same fd number: control on the client");
  CheckStatus(FreeClient(mine, s->client), NV_ERR_INVALID_CLIENT, "other process, same fd number: free of the client");
  close(mine);
  return 0;
}

static int SameFd(void) {
  struct samefd s = {OpenCtl(), 0xc1e0f001};
  CheckStatus(AllocClient(s.fd, s.client, NULL), NV_OK, "owner: client allocated");
  Check(InChild(SameFdChild, &s) == 0, "other process", "done");
  CheckStatus(Use(s.fd, s.client), NV_OK, "owner after: control on its client");
  CheckStatus(FreeClient(s.fd, s.client), NV_OK, "owner after: free of its client");
  return failures != 0;
}

/* ---- dups */

/* A copy of `fd` received over a socket (SCM_RIGHTS), at another number. */
static int ScmCopy(int fd) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) exit(1);
  char byte = 'x';
  struct iovec iov = {&byte, 1};
  char control[CMSG_SPACE(sizeof(int))];
  memset(control, 0, sizeof control);
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof control;
  struct cmsghdr* c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  if (sendmsg(sv[0], &m, 0) != 1) exit(1);
  memset(control, 0, sizeof control);
  m.msg_controllen = sizeof control;
  if (recvmsg(sv[1], &m, 0) != 1) exit(1);
  c = CMSG_FIRSTHDR(&m);
  int got = -1;
  if (c == NULL || c->cmsg_type != SCM_RIGHTS) exit(1);
  memcpy(&got, CMSG_DATA(c), sizeof got);
  close(sv[0]);
  close(sv[1]);
  return got;
}

struct dups { int fd; uint32_t client; };

static int DupsChild(void* p) {
  const struct dups* d = p;
  CheckStatus(Use(d->fd, d->client), NV_OK, "forked child, inherited fd: control");
  return 0;
}

static int Dups(void) {
  int ctl = OpenCtl();
  uint32_t client = 0;
  CheckStatus(AllocClient(ctl, 0, &client), NV_OK, "client allocated");
  int d = dup(ctl);
  int high = fcntl(ctl, F_DUPFD_CLOEXEC, 100);
  int scm = ScmCopy(ctl);
  Check(d != ctl && high != ctl && scm != ctl && scm != d, "copies", "at other fd numbers");
  /* Every open of a device node has the node's inode, seen through the fd or its
   * /proc link. */
  struct stat node, byfd, bylink;
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", scm);
  int stats = stat("/dev/nvidiactl", &node) == 0 && fstat(ctl, &byfd) == 0 && stat(link, &bylink) == 0;
  Check(stats && S_ISCHR(byfd.st_mode) && S_ISCHR(bylink.st_mode) && byfd.st_rdev == node.st_rdev &&
            bylink.st_rdev == node.st_rdev && byfd.st_ino == node.st_ino && bylink.st_ino == node.st_ino,
        "fstat and /proc/self/fd stat", "the device node");
  CheckStatus(Use(d, client), NV_OK, "dup(): control");
  CheckStatus(Use(high, client), NV_OK, "F_DUPFD: control");
  CheckStatus(Use(scm, client), NV_OK, "SCM_RIGHTS copy: control");
  struct dups arg = {scm, client};
  Check(InChild(DupsChild, &arg) == 0, "forked child", "done");
  close(ctl);
  CheckStatus(Use(scm, client), NV_OK, "SCM_RIGHTS copy after the original's close: control");
  CheckStatus(FreeClient(d, client), NV_OK, "dup(): free");
  CheckStatus(Use(high, client), NV_ERR_INVALID_CLIENT, "after the free: control");
  close(d);
  close(high);
  close(scm);
  return failures != 0;
}

/* ---- lastclose */

/* Whether `client`'s handle is free again: a new open can take it (and frees it). */
static void CheckFreed(uint32_t client, const char* how) {
  char label[160];
  int ctl = OpenCtl();
  snprintf(label, sizeof label, "after %s: control on the client from a new open", how);
  CheckStatus(Use(ctl, client), NV_ERR_INVALID_CLIENT, label);
  snprintf(label, sizeof label, "after %s: its handle allocated again", how);
  CheckStatus(AllocClient(ctl, client, NULL), NV_OK, label);
  FreeClient(ctl, client);
  close(ctl);
}

static int ExitingChild(void* p) {
  int ctl = OpenCtl();
  CheckStatus(AllocClient(ctl, *(uint32_t*)p, NULL), NV_OK, "child: client allocated, then exit without close");
  return 0;
}

static int LastClose(void) {
  /* Closing one of two copies frees nothing; closing the last does. */
  uint32_t client = 0xc1e0f101;
  int ctl = OpenCtl();
  CheckStatus(AllocClient(ctl, client, NULL), NV_OK, "client allocated");
  int d = dup(ctl);
  close(ctl);
  CheckStatus(Use(d, client), NV_OK, "one of two copies closed: control on the other");
  int again = OpenCtl();  /* likely the closed copy's number */
  CheckStatus(AllocClient(again, client, NULL), NV_ERR_INSERT_DUPLICATE_NAME,
              "one of two copies closed: its handle still taken");
  close(again);
  close(d);
  CheckFreed(client, "close of the last copy");

  /* The process's exit. */
  client = 0xc1e0f102;
  Check(InChild(ExitingChild, &client) == 0, "child", "exited");
  CheckFreed(client, "the owner's exit");

  /* dup2() over the last copy. */
  client = 0xc1e0f103;
  ctl = OpenCtl();
  CheckStatus(AllocClient(ctl, client, NULL), NV_OK, "client allocated");
  int null = open("/dev/null", O_RDONLY);
  dup2(null, ctl);
  close(null);
  CheckFreed(client, "dup2() over the last copy");
  close(ctl);

  /* close_range() over it. */
  client = 0xc1e0f104;
  ctl = OpenCtl();
  CheckStatus(AllocClient(ctl, client, NULL), NV_OK, "client allocated");
  if (syscall(SYS_close_range, ctl, ctl, 0) != 0) perror("close_range");
  CheckFreed(client, "close_range()");
  return failures != 0;
}

/* ---- unsupported */

static int Unsupported(void) {
  int ctl = OpenCtl();
  uint32_t client = 0;
  CheckStatus(AllocClient(ctl, 0, &client), NV_OK, "client allocated");
  uint32_t params = 0;
  CheckStatus(Control(ctl, client, CMD_UNNAMED, &params, sizeof params), NV_ERR_NOT_SUPPORTED,
              "cmd 0x127");
  FreeClient(ctl, client);
  close(ctl);
  return failures != 0;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc != 2) {
    fprintf(stderr, "usage: open_file_client samefd|dups|lastclose|unsupported\n");
    return 2;
  }
  const char* m = argv[1];
  int r;
  if (!strcmp(m, "samefd")) r = SameFd();
  else if (!strcmp(m, "dups")) r = Dups();
  else if (!strcmp(m, "lastclose")) r = LastClose();
  else if (!strcmp(m, "unsupported")) r = Unsupported();
  else return 2;
  return r != 0 || failures != 0;
}
