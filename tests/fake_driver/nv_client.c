/* A small NVIDIA driver client for the fake-driver tests, written the way real
 * GPU-detection code talks to the kernel driver (its own struct declarations for
 * driver 580.95.05, raw ioctls). Linked statically, so LD_PRELOAD could not see it.
 * Usage: nv_client MODE [ARGS]; prints results on stdout, exits 0 when the mode's
 * expectations hold. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NV_IOCTL(nr, size) _IOC(_IOC_READ | _IOC_WRITE, 'F', (nr), (size))

struct version_t { uint32_t cmd, reply; char versionString[64]; };
struct card_info_t {
  uint8_t valid; uint8_t pad[3];
  uint32_t domain; uint8_t bus, slot, function, pad2; uint16_t vendor_id, device_id;
  uint32_t gpu_id; uint16_t interrupt_line; uint8_t pad3[2];
  uint64_t reg_address, reg_size, fb_address, fb_size;
  uint32_t minor_number; uint8_t dev_name[10]; uint8_t pad4[2];
};
struct nvos21 { uint32_t hRoot, hObjectParent, hObjectNew, hClass; uint64_t pAllocParms; uint32_t paramsSize, status; };
struct nvos54 { uint32_t hClient, hObject, cmd, flags; uint64_t params; uint32_t paramsSize, status; };
struct nvos00 { uint32_t hRoot, hObjectParent, hObjectOld, status; };
struct nv0080_alloc { uint32_t deviceId, hClientShare, hTargetClient, hTargetDevice, flags, pad; uint64_t vaSpaceSize, vaStartInternal, vaLimitInternal; uint32_t vaMode, pad2; };
struct gpu_info { uint32_t index, data; };
struct gpu_get_info { uint32_t gpuInfoListSize, pad; uint64_t gpuInfoList; };

static int Fail(const char* what) {
  printf("FAIL: %s (errno %d %s)\n", what, errno, strerror(errno));
  return 1;
}

static int OpenCtl(void) { return open("/dev/nvidiactl", O_RDWR | O_CLOEXEC); }

static int QueryVersion(int fd, char* out) {
  struct version_t v;
  memset(&v, 0, sizeof v);
  v.cmd = '2';
  if (ioctl(fd, NV_IOCTL(0xd2, sizeof v), &v) != 0) return -1;
  memcpy(out, v.versionString, 64);
  out[63] = 0;
  return v.reply == 1 ? 0 : -1;
}

static int Version(void) {
  int fd = OpenCtl();
  if (fd < 0) return Fail("open /dev/nvidiactl");
  char v[64];
  if (QueryVersion(fd, v) != 0) return Fail("version query");
  printf("driver version: %s\n", v);
  return 0;
}

static int CardInfo(void) {
  int fd = OpenCtl();
  if (fd < 0) return Fail("open");
  static struct card_info_t ci[32];
  if (ioctl(fd, NV_IOCTL(0xc8, sizeof ci), ci) != 0) return Fail("card info");
  for (int i = 0; i < 32; ++i) {
    if (!ci[i].valid) continue;
    printf("gpu %04x:%02x:%02x.0 %04x:%04x minor %u\n", ci[i].domain, ci[i].bus, ci[i].slot,
           ci[i].vendor_id, ci[i].device_id, ci[i].minor_number);
  }
  return 0;
}

static int Rm(void) {
  int fd = OpenCtl();
  if (fd < 0) return Fail("open");
  struct nvos21 a;
  memset(&a, 0, sizeof a);
  a.hClass = 0x41;
  if (ioctl(fd, NV_IOCTL(0x2b, sizeof a), &a) != 0 || a.status != 0) return Fail("alloc root");
  uint32_t client = a.hObjectNew;
  printf("client 0x%x\n", client);
  const uint32_t dev = 0xabc00001, sub = 0xabc00002; /* chosen here, unlike the trace's */
  struct nv0080_alloc dp;
  memset(&dp, 0, sizeof dp);
  memset(&a, 0, sizeof a);
  a.hRoot = client; a.hObjectParent = client; a.hObjectNew = dev; a.hClass = 0x80;
  a.pAllocParms = (uintptr_t)&dp; a.paramsSize = sizeof dp;
  if (ioctl(fd, NV_IOCTL(0x2b, sizeof a), &a) != 0 || a.status != 0) return Fail("alloc device");
  uint32_t sp = 0;
  memset(&a, 0, sizeof a);
  a.hRoot = client; a.hObjectParent = dev; a.hObjectNew = sub; a.hClass = 0x2080;
  a.pAllocParms = (uintptr_t)&sp; a.paramsSize = sizeof sp;
  if (ioctl(fd, NV_IOCTL(0x2b, sizeof a), &a) != 0 || a.status != 0) return Fail("alloc subdevice");
  printf("device 0x%x subdevice 0x%x (handles %s)\n", dev, a.hObjectNew,
         a.hObjectNew == sub ? "kept" : "CHANGED");
  struct gpu_info gi = {0x2c, 0};
  struct gpu_get_info p = {1, 0, (uintptr_t)&gi};
  struct nvos54 c;
  memset(&c, 0, sizeof c);
  c.hClient = client; c.hObject = sub; c.cmd = 0x20800101; c.params = (uintptr_t)&p; c.paramsSize = sizeof p;
  if (ioctl(fd, NV_IOCTL(0x2a, sizeof c), &c) != 0 || c.status != 0) return Fail("control");
  printf("sm version 0x%x (params pointer %s)\n", gi.data, c.params == (uintptr_t)&p ? "kept" : "CHANGED");
  /* The same control with a wrong paramsSize: the driver's own rule answers
     NV_ERR_INVALID_PARAM_STRUCT (0x3a), recorded or not. */
  c.paramsSize = sizeof p + 8; c.status = 0;
  if (ioctl(fd, NV_IOCTL(0x2a, sizeof c), &c) != 0) return Fail("wrong params size");
  printf("wrong params size status 0x%x\n", c.status);
  /* An unrecorded command (GPU_GET_SHORT_NAME_STRING, 64-byte params): ioctl
     succeeds, status NV_ERR_NOT_SUPPORTED. */
  unsigned char short_name[64] = {0};
  c.cmd = 0x20800111; c.status = 0; c.params = (uintptr_t)short_name; c.paramsSize = sizeof short_name;
  if (ioctl(fd, NV_IOCTL(0x2a, sizeof c), &c) != 0) return Fail("unsupported control");
  printf("unsupported control status 0x%x\n", c.status);
  struct nvos00 f = {client, 0, client, 0};
  if (ioctl(fd, NV_IOCTL(0x29, sizeof f), &f) != 0 || f.status != 0) return Fail("free");
  printf("freed\n");
  return 0;
}

static void* ThreadMain(void* arg) {
  int fd = *(int*)arg;
  for (int i = 0; i < 50; ++i) {
    char v[64];
    if (QueryVersion(fd, v) != 0 || strcmp(v, "580.95.05") != 0) return (void*)1;
  }
  return NULL;
}

static int Threads(void) {
  int fd = OpenCtl();
  if (fd < 0) return Fail("open");
  pthread_t t[8];
  for (int i = 0; i < 8; ++i) pthread_create(&t[i], NULL, ThreadMain, &fd);
  int bad = 0;
  for (int i = 0; i < 8; ++i) {
    void* r;
    pthread_join(t[i], &r);
    bad += r != NULL;
  }
  printf("threads ok: %d of 8\n", 8 - bad);
  return bad != 0;
}

static int ForkExec(const char* self) {
  int fd = OpenCtl();
  if (fd < 0) return Fail("open");
  pid_t pid = fork();
  if (pid == 0) {
    char v[64];
    if (QueryVersion(fd, v) != 0) _exit(3);  /* inherited fd works in the child */
    execl(self, self, "version", (char*)NULL);
    _exit(4);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  printf("child status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

static int Dup2(void) {
  int fd = OpenCtl();
  if (fd < 0) return Fail("open");
  if (dup2(fd, 900) != 900) return Fail("dup2");
  close(fd);
  char v[64];
  if (QueryVersion(900, v) != 0) return Fail("version on fd 900");
  int f3 = fcntl(900, F_DUPFD_CLOEXEC, 1000);
  if (f3 < 1000 || QueryVersion(f3, v) != 0) return Fail("version on F_DUPFD fd");
  printf("dup2 version: %s\n", v);
  return 0;
}

static int BadPointer(void) {
  int fd = OpenCtl();
  if (fd < 0) return Fail("open");
  int r = ioctl(fd, NV_IOCTL(0xd2, sizeof(struct version_t)), (void*)8);
  printf("bad pointer: ret %d errno %s\n", r, r < 0 && errno == EFAULT ? "EFAULT" : strerror(errno));
  return r < 0 && errno == EFAULT ? 0 : 1;
}

static int Files(void) {
  struct stat st;
  if (stat("/dev/nvidiactl", &st) != 0) return Fail("stat nvidiactl");
  printf("nvidiactl: %s %u:%u\n", S_ISCHR(st.st_mode) ? "chardev" : "NOT chardev", major(st.st_rdev), minor(st.st_rdev));
  int fd = open("/dev/nvidia0", O_RDWR);
  if (fd < 0 || fstat(fd, &st) != 0) return Fail("fstat nvidia0");
  printf("nvidia0: %s %u:%u\n", S_ISCHR(st.st_mode) ? "chardev" : "NOT chardev", major(st.st_rdev), minor(st.st_rdev));
  struct statx sx;
  if (statx(AT_FDCWD, "/dev/nvidiactl", 0, STATX_BASIC_STATS, &sx) != 0) return Fail("statx");
  printf("statx nvidiactl: %s %u:%u\n", S_ISCHR(sx.stx_mode) ? "chardev" : "NOT chardev", sx.stx_rdev_major, sx.stx_rdev_minor);
  errno = 0;
  printf("open nvidia1: %s\n", open("/dev/nvidia1", O_RDWR) < 0 ? strerror(errno) : "opened");
  printf("open nvidia-uvm: %s\n", open("/dev/nvidia-uvm", O_RDWR) < 0 ? strerror(errno) : "opened");
  printf("access nvidiactl: %d\n", access("/dev/nvidiactl", R_OK | W_OK));
  char buf[256] = {0};
  int vf = open("/sys/module/nvidia/version", O_RDONLY);
  if (vf < 0 || read(vf, buf, sizeof buf - 1) <= 0) return Fail("read sysfs version");
  printf("sysfs version: %s", buf);
  /* A directory of the fake machine, then a path relative to it. */
  int dfd = open("/proc/driver/nvidia", O_RDONLY | O_DIRECTORY);
  if (dfd < 0) return Fail("open /proc/driver/nvidia");
  int gfd = openat(dfd, "gpus", O_RDONLY | O_DIRECTORY);
  DIR* d = gfd < 0 ? NULL : fdopendir(gfd);
  if (d == NULL) return Fail("opendir gpus");
  struct dirent* e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] != '.') printf("gpus entry: %s\n", e->d_name);
  }
  closedir(d);
  return 0;
}

/* Opens the device, says so, then waits for the supervisor (our parent) to die
 * and tries an ioctl: it must fail with ENOSYS, not hang. */
static int SupervisorDeath(const char* ready_file) {
  int fd = OpenCtl();
  if (fd < 0) return Fail("open");
  pid_t parent = getppid();
  FILE* f = fopen(ready_file, "w");
  if (f == NULL) return Fail("ready file");
  fclose(f);
  for (int i = 0; i < 2000 && getppid() == parent; ++i) usleep(5000);
  if (getppid() == parent) return Fail("supervisor still alive");
  char v[64];
  int r = QueryVersion(fd, v);
  printf("after supervisor death: ret %d errno %s\n", r, errno == ENOSYS ? "ENOSYS" : strerror(errno));
  return r < 0 && errno == ENOSYS ? 0 : 1;
}

static volatile sig_atomic_t got_signal = 0;
static void OnSignal(int sig) { (void)sig; got_signal = 1; }

/* Signals while ioctls are in flight: every call still gets its answer. The timer
 * fires every `interval_ns` (the slow variant suits a ptrace tracer, whose stops
 * make a call take longer than 50 us: then every call would be interrupted). */
static int Signals(long interval_ns, int calls) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = OnSignal;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, NULL);
  timer_t timer;
  struct sigevent sev;
  memset(&sev, 0, sizeof sev);
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = SIGUSR1;
  if (timer_create(CLOCK_MONOTONIC, &sev, &timer) != 0) return Fail("timer_create");
  struct itimerspec its = {{0, interval_ns}, {0, interval_ns}};
  timer_settime(timer, 0, &its, NULL);
  int fd = OpenCtl();
  if (fd < 0) return Fail("open");
  int ok = 0;
  for (int i = 0; i < calls; ++i) {
    char v[64];
    if (QueryVersion(fd, v) == 0 && strcmp(v, "580.95.05") == 0) ++ok;
    else if (errno != EINTR) return Fail("version under signals");
  }
  struct itimerspec off = {{0, 0}, {0, 0}};
  timer_settime(timer, 0, &off, NULL);
  printf("signals: %d answered, signal seen %d\n", ok, (int)got_signal);
  return ok > 0 ? 0 : 1;
}

static int KillSelf(void) {
  char v[64];
  int fd = OpenCtl();
  if (fd < 0 || QueryVersion(fd, v) != 0) return Fail("version");
  raise(SIGKILL);
  return 1;
}

static int UnknownEscape(void) {
  int fd = OpenCtl();
  if (fd < 0) return Fail("open");
  char buf[16] = {0};
  int r = ioctl(fd, NV_IOCTL(0x77, sizeof buf), buf);
  printf("unknown escape: ret %d errno %s\n", r, r < 0 && errno == EINVAL ? "EINVAL" : strerror(errno));
  return r < 0 && errno == EINVAL ? 0 : 1;
}

/* The parent exits at once; its child asks for the version after that. The whole
 * process tree must still be served. */
static int Orphan(void) {
  pid_t pid = fork();
  if (pid < 0) return Fail("fork");
  if (pid == 0) {
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
    int fd = OpenCtl();
    char v[64];
    if (fd < 0 || QueryVersion(fd, v) != 0) {
      printf("orphan failed (errno %d)\n", errno);
      _exit(1);
    }
    printf("orphan: driver version: %s\n", v);
    _exit(0);
  }
  return 0;
}

// The parent-death signal it was started with (kept across exec): fakedrv run and
// fakedrv record set SIGKILL, so that the command dies with them.
static int PdeathSig(void) {
  int sig = -1;
  if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) != 0) return Fail("prctl");
  printf("pdeathsig %d\n", sig);
  return 0;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2) return 2;
  const char* m = argv[1];
  if (!strcmp(m, "version")) return Version();
  if (!strcmp(m, "cardinfo")) return CardInfo();
  if (!strcmp(m, "rm")) return Rm();
  if (!strcmp(m, "threads")) return Threads();
  if (!strcmp(m, "forkexec")) return ForkExec(argv[0]);
  if (!strcmp(m, "dup2")) return Dup2();
  if (!strcmp(m, "badpointer")) return BadPointer();
  if (!strcmp(m, "files")) return Files();
  if (!strcmp(m, "supervisor_death") && argc > 2) return SupervisorDeath(argv[2]);
  if (!strcmp(m, "signals")) return Signals(50000, 500);
  if (!strcmp(m, "slow_signals")) return Signals(1000000, 200);
  if (!strcmp(m, "killself")) return KillSelf();
  if (!strcmp(m, "unknown_escape")) return UnknownEscape();
  if (!strcmp(m, "orphan")) return Orphan();
  if (!strcmp(m, "pdeathsig")) return PdeathSig();
  return 2;
}
