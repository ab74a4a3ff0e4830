/* A hostile client for `fakedrv run`: every way a target can misuse the fake
 * driver that tests/fake_driver/hostile_test.cc checks the supervisor survives -
 * bad pointers, lying sizes, floods of calls, threads and processes racing, fds
 * closed under an in-flight call, device nodes in unexpected places, privilege
 * games. Raw ioctls with its own struct declarations for driver 580.95.05 (offsets
 * from `fakedrv abi dump --driver 580.95.05`), linked statically.
 *
 * Usage: hostile_client SCENARIO [ARGS]. Each scenario prints what it saw, one
 * "label: result" line per check, and exits 0 only when every check held (1 on a
 * failed check, 2 on bad usage). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define NV_IOCTL(nr, size) _IOC(_IOC_READ | _IOC_WRITE, 'F', (nr), (size))
#define ESC_RM_FREE 0x29
#define ESC_RM_CONTROL 0x2a
#define ESC_RM_ALLOC 0x2b
#define ESC_CARD_INFO 0xc8
#define ESC_VERSION 0xd2
#define ESC_XFER 0xd3
#define CMD_GPU_GET_INFO 0x20800101u
#define CMD_GPU_GET_GID_INFO 0x2080014au
#define DRIVER "580.95.05"

struct version_t { uint32_t cmd, reply; char versionString[64]; };
struct card_info_t { uint8_t bytes[72]; };
struct nvos21 { uint32_t hRoot, hObjectParent, hObjectNew, hClass; uint64_t pAllocParms; uint32_t paramsSize, status; };
struct nvos54 { uint32_t hClient, hObject, cmd, flags; uint64_t params; uint32_t paramsSize, status; };
struct nvos00 { uint32_t hRoot, hObjectParent, hObjectOld, status; };
struct nv0080_alloc { uint32_t deviceId, hClientShare, hTargetClient, hTargetDevice, flags, pad; uint64_t vaSpaceSize, vaStartInternal, vaLimitInternal; uint32_t vaMode, pad2; };
struct gpu_info { uint32_t index, data; };
struct gpu_get_info { uint32_t gpuInfoListSize, pad; uint64_t gpuInfoList; };
struct gid_info { uint32_t index, flags, length; uint8_t data[256]; };
struct xfer { uint32_t cmd, size; uint64_t ptr; };

_Static_assert(sizeof(struct version_t) == 72, "version");
_Static_assert(sizeof(struct nvos21) == 32 && sizeof(struct nvos54) == 32, "rm");
_Static_assert(sizeof(struct nv0080_alloc) == 56 && sizeof(struct gid_info) == 268, "params");

static int failures = 0;

/* One check: prints "label: what" and counts a failure when !ok. */
static void Check(int ok, const char* label, const char* what) {
  printf("%s: %s%s\n", label, what, ok ? "" : "  <-- FAILED");
  if (!ok) ++failures;
}

static const char* ErrName(int e) {
  switch (e) {
    case 0: return "ok";
    case EFAULT: return "EFAULT";
    case EINVAL: return "EINVAL";
    case ENOENT: return "ENOENT";
    case ENODEV: return "ENODEV";
    case ENXIO: return "ENXIO";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case EBADF: return "EBADF";
    case ENOTTY: return "ENOTTY";
    case EMFILE: return "EMFILE";
    case ENOSYS: return "ENOSYS";
    case ELOOP: return "ELOOP";
    case EISDIR: return "EISDIR";
    case EEXIST: return "EEXIST";
    default: return strerror(e);
  }
}

/* The errno of a call that returned `r` (0 when it succeeded). */
static int Err(long r) { return r < 0 ? errno : 0; }

static void CheckErr(int got, int want, const char* label) {
  char what[96];
  snprintf(what, sizeof what, "%s", ErrName(got));
  if (got != want) snprintf(what, sizeof what, "%s (expected %s)", ErrName(got), ErrName(want));
  Check(got == want, label, what);
}

/* ---- Guarded buffers: `size` bytes against a PROT_NONE page (after it when
 * at_end, before it otherwise), the rest of their pages filled with a canary. */

#define PAGE 4096
#define CANARY 0xa5

struct guarded {
  uint8_t* map;   /* guard page, data pages, guard page */
  size_t data_len;
  uint8_t* buf;
  size_t size;
};

static void* Guarded(struct guarded* g, size_t size, int at_end) {
  g->data_len = (size + PAGE - 1) / PAGE * PAGE + PAGE;
  g->map = mmap(NULL, g->data_len + 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (g->map == MAP_FAILED) abort();
  uint8_t* data = g->map + PAGE;
  if (mprotect(data, g->data_len, PROT_READ | PROT_WRITE) != 0) abort();
  memset(data, CANARY, g->data_len);
  g->buf = at_end ? data + g->data_len - size : data;
  g->size = size;
  memset(g->buf, 0, size);
  return g->buf;
}

/* Whether every byte of the data pages outside the buffer still holds the canary. */
static int CanaryIntact(const struct guarded* g) {
  const uint8_t* data = g->map + PAGE;
  for (size_t i = 0; i < g->data_len; ++i) {
    const uint8_t* p = data + i;
    if (p >= g->buf && p < g->buf + g->size) continue;
    if (*p != CANARY) return 0;
  }
  return 1;
}

static void FreeGuarded(struct guarded* g) { munmap(g->map, g->data_len + 2 * PAGE); }

/* ---- The driver calls. */

static int Open(const char* path) { return open(path, O_RDWR | O_CLOEXEC); }

static int VersionOn(int fd, struct version_t* v) {
  memset(v, 0, sizeof *v);
  v->cmd = '2';
  return (int)ioctl(fd, NV_IOCTL(ESC_VERSION, sizeof *v), v);
}

/* 1 when `fd` answers the version query as the trace's driver does. */
static int Answers(int fd) {
  struct version_t v;
  return VersionOn(fd, &v) == 0 && v.reply == 1 && strcmp(v.versionString, DRIVER) == 0;
}

static int Alloc(int fd, uint32_t root, uint32_t parent, uint32_t handle, uint32_t cls,
                 void* params, uint32_t size, uint32_t* out) {
  struct nvos21 a = {root, parent, handle, cls, (uintptr_t)params, size, 0};
  if (ioctl(fd, NV_IOCTL(ESC_RM_ALLOC, sizeof a), &a) != 0) return -1;
  if (out) *out = a.hObjectNew;
  return (int)a.status;
}

static int Free(int fd, uint32_t root, uint32_t parent, uint32_t handle) {
  struct nvos00 f = {root, parent, handle, 0};
  if (ioctl(fd, NV_IOCTL(ESC_RM_FREE, sizeof f), &f) != 0) return -1;
  return (int)f.status;
}

/* A root client, a device (GPU `gpu`) and its subdevice, with the handles chosen
 * here for device and subdevice. 0 on success. */
struct rm { uint32_t client, device, subdevice; };

static int RmOpen(int fd, uint32_t gpu, uint32_t dev_handle, struct rm* rm) {
  if (Alloc(fd, 0, 0, 0, 0x41, NULL, 0, &rm->client) != 0 || rm->client == 0) return -1;
  struct nv0080_alloc dp;
  memset(&dp, 0, sizeof dp);
  dp.deviceId = gpu;
  rm->device = dev_handle;
  rm->subdevice = dev_handle + 1;
  uint32_t got = 0;
  if (Alloc(fd, rm->client, rm->client, rm->device, 0x80, &dp, sizeof dp, &got) != 0 || got != rm->device) return -2;
  uint32_t sp = 0;
  if (Alloc(fd, rm->client, rm->device, rm->subdevice, 0x2080, &sp, sizeof sp, &got) != 0 || got != rm->subdevice) return -3;
  return 0;
}

/* Freeing the client frees everything under it (the traces record only that); the
 * test trace records the client's free with parent 0, the corpus with the client. */
static int free_parent_is_client = 0;

static int RmClose(int fd, const struct rm* rm) {
  return Free(fd, rm->client, free_parent_is_client ? rm->client : 0, rm->client);
}

/* NV2080_CTRL_CMD_GPU_GET_INFO for index 0x2c (the SM version) with the caller's
 * buffers; returns the ioctl's result (errno set) and leaves the RM status in c. */
static void SetupInfo(const struct rm* rm, struct nvos54* c, struct gpu_get_info* p,
                      struct gpu_info* list, uint32_t list_size) {
  memset(c, 0, sizeof *c);
  c->hClient = rm->client;
  c->hObject = rm->subdevice;
  c->cmd = CMD_GPU_GET_INFO;
  c->params = (uintptr_t)p;
  c->paramsSize = sizeof *p;
  p->gpuInfoListSize = list_size;
  p->pad = 0;
  p->gpuInfoList = (uintptr_t)list;
  if (list) {
    list->index = 0x2c;
    list->data = 0;
  }
}

static int GetInfo(int fd, const struct rm* rm, struct nvos54* c, struct gpu_get_info* p,
                   struct gpu_info* list, uint32_t list_size) {
  SetupInfo(rm, c, p, list, list_size);
  return (int)ioctl(fd, NV_IOCTL(ESC_RM_CONTROL, sizeof *c), c);
}

/* ---- Scenarios. */

/* Unmapped and read-only memory for the top-level argument and for nested
 * pointers: EFAULT, nothing written, and the next good call still answers. */
static int BadPointers(void) {
  int ctl = Open("/dev/nvidiactl"), gpu0 = Open("/dev/nvidia0");
  if (ctl < 0 || gpu0 < 0) return Check(0, "open", strerror(errno)), 1;
  uint8_t* none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  uint8_t* unmapped = (uint8_t*)0x8000; /* below mmap_min_addr: never mapped */
  uint8_t* ro = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

  CheckErr(Err(ioctl(ctl, NV_IOCTL(ESC_VERSION, 72), none)), EFAULT, "version into PROT_NONE");
  CheckErr(Err(ioctl(ctl, NV_IOCTL(ESC_VERSION, 72), unmapped)), EFAULT, "version into unmapped");
  CheckErr(Err(ioctl(ctl, NV_IOCTL(ESC_VERSION, 72), (void*)-4096L)), EFAULT, "version into kernel space");
  struct version_t* rov = (struct version_t*)ro;
  memset(rov, 0, sizeof *rov);
  rov->cmd = '2';
  mprotect(ro, PAGE, PROT_READ);
  CheckErr(Err(ioctl(ctl, NV_IOCTL(ESC_VERSION, 72), rov)), EFAULT, "version into read-only");
  Check(rov->reply == 0 && rov->versionString[0] == 0, "read-only version untouched", rov->reply ? "no" : "yes");
  /* Straddling: the struct starts 8 bytes before a PROT_NONE page. */
  struct guarded g;
  uint8_t* end = Guarded(&g, 8, 1);
  CheckErr(Err(ioctl(ctl, NV_IOCTL(ESC_VERSION, 72), end)), EFAULT, "version straddling a guard page");
  Check(CanaryIntact(&g) && end[0] == 0, "straddling canary", CanaryIntact(&g) ? "intact" : "overwritten");
  FreeGuarded(&g);

  struct rm rm;
  int r = RmOpen(ctl, 0, 0xbad00001, &rm);
  if (r != 0) return Check(0, "rm setup", strerror(errno)), 1;
  struct nvos54 c;
  struct gpu_get_info p;
  struct gpu_info gi;
  /* NVOS54_PARAMETERS.params into unmapped memory and into a PROT_NONE page. */
  SetupInfo(&rm, &c, &p, &gi, 1);
  c.params = (uintptr_t)unmapped;
  CheckErr(Err(ioctl(ctl, NV_IOCTL(ESC_RM_CONTROL, sizeof c), &c)), EFAULT, "params unmapped");
  c.params = (uintptr_t)none;
  CheckErr(Err(ioctl(ctl, NV_IOCTL(ESC_RM_CONTROL, sizeof c), &c)), EFAULT, "params PROT_NONE");
  /* params in a read-only page: readable, so the request matches, but the answer
   * cannot be written. */
  struct gpu_get_info* rop = (struct gpu_get_info*)(ro + PAGE);
  mprotect(ro + PAGE, PAGE, PROT_READ | PROT_WRITE);
  rop->gpuInfoListSize = 1;
  rop->gpuInfoList = (uintptr_t)&gi;
  mprotect(ro + PAGE, PAGE, PROT_READ);
  c.params = (uintptr_t)rop;
  gi.index = 0x2c;
  gi.data = 0;
  CheckErr(Err(ioctl(ctl, NV_IOCTL(ESC_RM_CONTROL, sizeof c), &c)), EFAULT, "params read-only");
  /* NV2080_CTRL_GPU_GET_INFO_PARAMS.gpuInfoList unmapped, PROT_NONE, read-only. */
  SetupInfo(&rm, &c, &p, NULL, 1);
  p.gpuInfoList = (uintptr_t)unmapped;
  CheckErr(Err(ioctl(ctl, NV_IOCTL(ESC_RM_CONTROL, sizeof c), &c)), EFAULT, "gpuInfoList unmapped");
  p.gpuInfoList = (uintptr_t)none;
  CheckErr(Err(ioctl(ctl, NV_IOCTL(ESC_RM_CONTROL, sizeof c), &c)), EFAULT, "gpuInfoList PROT_NONE");
  struct gpu_info* rol = (struct gpu_info*)(ro + 2 * PAGE);
  rol->index = 0x2c;
  mprotect(ro + 2 * PAGE, PAGE, PROT_READ);
  p.gpuInfoList = (uintptr_t)rol;
  CheckErr(Err(ioctl(ctl, NV_IOCTL(ESC_RM_CONTROL, sizeof c), &c)), EFAULT, "gpuInfoList read-only");
  Check(rol->data == 0, "read-only gpuInfoList untouched", rol->data == 0 ? "yes" : "no");
  /* The top-level NVOS54 itself read-only, nested buffers fine. */
  struct nvos54* roc = (struct nvos54*)(ro + 3 * PAGE);
  SetupInfo(&rm, roc, &p, &gi, 1);
  mprotect(ro + 3 * PAGE, PAGE, PROT_READ);
  CheckErr(Err(ioctl(ctl, NV_IOCTL(ESC_RM_CONTROL, sizeof c), roc)), EFAULT, "NVOS54 read-only");
  /* And a good call after all that. */
  r = GetInfo(ctl, &rm, &c, &p, &gi, 1);
  Check(r == 0 && c.status == 0 && gi.data == 0x900, "good control after faults", r == 0 ? "sm 0x900" : strerror(errno));
  Check(RmClose(ctl, &rm) == 0, "rm teardown", "freed");
  Check(Answers(ctl), "version after faults", "answers");
  return failures != 0;
}

/* Sizes that claim more than the buffers hold, each buffer against a guard page. */
static int Oversize(void) {
  int ctl = Open("/dev/nvidiactl"), gpu0 = Open("/dev/nvidia0");
  if (ctl < 0 || gpu0 < 0) return Check(0, "open", strerror(errno)), 1;
  struct rm rm;
  if (RmOpen(ctl, 0, 0xb1600001, &rm) != 0) return Check(0, "rm setup", strerror(errno)), 1;
  struct guarded gl, gp;
  struct gpu_info* list = Guarded(&gl, sizeof(struct gpu_info), 1);
  struct gpu_get_info* p = Guarded(&gp, sizeof *p, 1);
  struct nvos54 c;
  /* gpuInfoListSize 2 over a one-element list that ends at a guard page. */
  SetupInfo(&rm, &c, p, list, 2);
  CheckErr(Err(ioctl(ctl, NV_IOCTL(ESC_RM_CONTROL, sizeof c), &c)), EFAULT, "gpuInfoListSize 2 for 1");
  Check(list->data == 0 && CanaryIntact(&gl), "list after oversize", CanaryIntact(&gl) ? "untouched" : "overwritten");
  /* gpuInfoListSize far beyond any buffer (and beyond the supervisor's limit). */
  p->gpuInfoListSize = 0x7fffffff;
  int e = Err(ioctl(ctl, NV_IOCTL(ESC_RM_CONTROL, sizeof c), &c));
  Check(e == EFAULT || e == EINVAL, "gpuInfoListSize 0x7fffffff", ErrName(e));
  p->gpuInfoListSize = 0xffffffff;
  e = Err(ioctl(ctl, NV_IOCTL(ESC_RM_CONTROL, sizeof c), &c));
  Check(e == EFAULT || e == EINVAL, "gpuInfoListSize 0xffffffff", ErrName(e));
  Check(CanaryIntact(&gl) && CanaryIntact(&gp), "canaries after huge sizes", "intact");
  /* paramsSize larger than the params buffer, which ends at a guard page: the
   * driver's struct-size rule or a fault, never a write past it. */
  SetupInfo(&rm, &c, p, list, 1);
  c.paramsSize = 4096;
  e = Err(ioctl(ctl, NV_IOCTL(ESC_RM_CONTROL, sizeof c), &c));
  Check(CanaryIntact(&gp) && CanaryIntact(&gl) && list->data == 0 && p->gpuInfoListSize == 1,
        "paramsSize 4096 for 16", e == 0 ? "answered without writing" : ErrName(e));
  /* The request number's size larger than the argument (the argument ends at a guard page). */
  struct guarded gv;
  struct version_t* v = Guarded(&gv, sizeof *v, 1);
  v->cmd = '2';
  CheckErr(Err(ioctl(ctl, NV_IOCTL(ESC_VERSION, sizeof *v + 8), v)), EFAULT, "version with _IOC_SIZE 80 for 72");
  CheckErr(Err(ioctl(ctl, NV_IOCTL(ESC_VERSION, 0x3fff), v)), EFAULT, "version with _IOC_SIZE 16383");
  Check(v->reply == 0 && CanaryIntact(&gv), "version buffer after oversize", CanaryIntact(&gv) ? "untouched" : "overwritten");
  int r = GetInfo(ctl, &rm, &c, p, list, 1);
  Check(r == 0 && c.status == 0 && list->data == 0x900, "good control after oversize", r == 0 ? "sm 0x900" : strerror(errno));
  Check(RmClose(ctl, &rm) == 0, "rm teardown", "freed");
  return failures != 0;
}

/* Every answer written exactly into the client's buffers: each buffer sits against
 * a PROT_NONE page (at its end, then at its start) with canaries around it. */
static int GuardPass(int ctl, int at_end) {
  const char* where = at_end ? "end" : "start";
  char label[96];
  struct guarded gv, gci, ga, gd, gs, gc, gp, gl;
  struct version_t* v = Guarded(&gv, sizeof *v, at_end);
  v->cmd = '2';
  int r = (int)ioctl(ctl, NV_IOCTL(ESC_VERSION, sizeof *v), v);
  snprintf(label, sizeof label, "version (guard at %s)", where);
  Check(r == 0 && strcmp(v->versionString, DRIVER) == 0 && CanaryIntact(&gv), label, r == 0 ? v->versionString : strerror(errno));

  struct card_info_t* ci = Guarded(&gci, 32 * sizeof *ci, at_end);
  r = (int)ioctl(ctl, NV_IOCTL(ESC_CARD_INFO, 32 * sizeof *ci), ci);
  snprintf(label, sizeof label, "card info (guard at %s)", where);
  Check(r == 0 && ci[0].bytes[0] == 1 && ci[1].bytes[0] == 0 && CanaryIntact(&gci), label, r == 0 ? "1 gpu" : strerror(errno));

  struct nvos21* a = Guarded(&ga, sizeof *a, at_end);
  a->hClass = 0x41;
  r = (int)ioctl(ctl, NV_IOCTL(ESC_RM_ALLOC, sizeof *a), a);
  uint32_t client = a->hObjectNew;
  snprintf(label, sizeof label, "alloc root (guard at %s)", where);
  Check(r == 0 && a->status == 0 && client != 0 && CanaryIntact(&ga), label, r == 0 ? "allocated" : strerror(errno));

  struct nv0080_alloc* dp = Guarded(&gd, sizeof *dp, at_end);
  memset(a, 0, sizeof *a);
  *a = (struct nvos21){client, client, 0xca000001, 0x80, (uintptr_t)dp, sizeof *dp, 0};
  r = (int)ioctl(ctl, NV_IOCTL(ESC_RM_ALLOC, sizeof *a), a);
  snprintf(label, sizeof label, "alloc device (guard at %s)", where);
  Check(r == 0 && a->status == 0 && a->hObjectNew == 0xca000001 && a->pAllocParms == (uintptr_t)dp &&
            CanaryIntact(&ga) && CanaryIntact(&gd),
        label, r == 0 ? "allocated" : strerror(errno));

  uint32_t* sp = Guarded(&gs, sizeof *sp, at_end);
  *a = (struct nvos21){client, 0xca000001, 0xca000002, 0x2080, (uintptr_t)sp, sizeof *sp, 0};
  r = (int)ioctl(ctl, NV_IOCTL(ESC_RM_ALLOC, sizeof *a), a);
  snprintf(label, sizeof label, "alloc subdevice (guard at %s)", where);
  Check(r == 0 && a->status == 0 && CanaryIntact(&gs) && CanaryIntact(&ga), label, r == 0 ? "allocated" : strerror(errno));

  struct nvos54* c = Guarded(&gc, sizeof *c, at_end);
  struct gpu_get_info* p = Guarded(&gp, sizeof *p, at_end);
  struct gpu_info* list = Guarded(&gl, sizeof *list, at_end);
  struct rm rm = {client, 0xca000001, 0xca000002};
  r = GetInfo(ctl, &rm, c, p, list, 1);
  snprintf(label, sizeof label, "control GPU_GET_INFO (guard at %s)", where);
  Check(r == 0 && c->status == 0 && list->data == 0x900 && list->index == 0x2c &&
            p->gpuInfoList == (uintptr_t)list && c->params == (uintptr_t)p &&
            CanaryIntact(&gc) && CanaryIntact(&gp) && CanaryIntact(&gl),
        label, r == 0 ? "sm 0x900" : strerror(errno));
  /* Unanswered: the status written into the struct, nothing around it. */
  c->cmd = 0x20800111;
  c->status = 0;
  r = (int)ioctl(ctl, NV_IOCTL(ESC_RM_CONTROL, sizeof *c), c);
  snprintf(label, sizeof label, "unsupported control (guard at %s)", where);
  Check(r == 0 && c->status != 0 && CanaryIntact(&gc) && CanaryIntact(&gp) && CanaryIntact(&gl), label,
        r == 0 ? "status set" : strerror(errno));
  snprintf(label, sizeof label, "free (guard at %s)", where);
  Check(RmClose(ctl, &rm) == 0, label, "freed");
  struct guarded* all[] = {&gv, &gci, &ga, &gd, &gs, &gc, &gp, &gl};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i) FreeGuarded(all[i]);
  return 0;
}

static int Guard(void) {
  int ctl = Open("/dev/nvidiactl"), gpu0 = Open("/dev/nvidia0");
  if (ctl < 0 || gpu0 < 0) return Check(0, "open", strerror(errno)), 1;
  GuardPass(ctl, 1);
  GuardPass(ctl, 0);
  return failures != 0;
}

/* `n` calls on one fd, every answer checked; every 1000th an RM control. */
static int Million(long n) {
  int ctl = Open("/dev/nvidiactl"), gpu0 = Open("/dev/nvidia0");
  if (ctl < 0 || gpu0 < 0) return Check(0, "open", strerror(errno)), 1;
  struct rm rm;
  if (RmOpen(ctl, 0, 0xa1100001, &rm) != 0) return Check(0, "rm setup", strerror(errno)), 1;
  long bad = 0;
  for (long i = 0; i < n; ++i) {
    if (i % 1000 == 999) {
      struct nvos54 c;
      struct gpu_get_info p;
      struct gpu_info gi;
      if (GetInfo(ctl, &rm, &c, &p, &gi, 1) != 0 || c.status != 0 || gi.data != 0x900) ++bad;
    } else if (!Answers(ctl)) {
      ++bad;
    }
  }
  Check(RmClose(ctl, &rm) == 0, "rm teardown", "freed");
  char what[64];
  snprintf(what, sizeof what, "%ld calls, %ld wrong", n, bad);
  Check(bad == 0, "calls", what);
  return failures != 0;
}

/* ---- Many clients at once, each checking its own answers: on the 8-GPU trace,
 * worker i uses GPU i % 8 with handles of its own and must get that GPU's UUID. */

static int gpu_fds[8];
static int shared_ctl = -1;

static void ExpectedUuid(uint32_t gpu, char* out, size_t n) {
  snprintf(out, n, "GPU-1d8e5a3c-%04x-%04x-%04x-%012x", gpu, 0x4000 + gpu, 0x8000 + gpu, gpu + 1);
}

/* One client's rounds; returns the number of wrong answers, and its first root
 * client handle in *first_client. */
static int Worker(int id, int rounds, uint32_t* first_client) {
  uint32_t gpu = (uint32_t)id % 8;
  char want[64];
  ExpectedUuid(gpu, want, sizeof want);
  int wrong = 0;
  for (int round = 0; round < rounds; ++round) {
    struct rm rm;
    uint32_t dev = 0xd0000001 + ((uint32_t)id << 12) + ((uint32_t)round << 2);
    if (RmOpen(shared_ctl, gpu, dev, &rm) != 0) return wrong + 1000;
    if (round == 0) *first_client = rm.client;
    for (int k = 0; k < 4; ++k) {
      struct gid_info gid;
      memset(&gid, 0, sizeof gid);
      struct nvos54 c = {rm.client, rm.subdevice, CMD_GPU_GET_GID_INFO, 0, (uintptr_t)&gid, sizeof gid, 0};
      if (ioctl(shared_ctl, NV_IOCTL(ESC_RM_CONTROL, sizeof c), &c) != 0 || c.status != 0 ||
          c.hClient != rm.client || c.hObject != rm.subdevice || c.params != (uintptr_t)&gid ||
          gid.length != strlen(want) + 1 || memcmp(gid.data, want, strlen(want) + 1) != 0) {
        ++wrong;
      }
      struct gpu_get_info p;
      struct gpu_info gi;
      if (GetInfo(shared_ctl, &rm, &c, &p, &gi, 1) != 0 || c.status != 0 || gi.data != 0x900 ||
          p.gpuInfoList != (uintptr_t)&gi) {
        ++wrong;
      }
      sched_yield();
    }
    if (RmClose(shared_ctl, &rm) != 0) ++wrong;
  }
  return wrong;
}

static int OpenAllGpus(void) {
  free_parent_is_client = 1;
  shared_ctl = Open("/dev/nvidiactl");
  if (shared_ctl < 0) return -1;
  for (int g = 0; g < 8; ++g) {
    char path[32];
    snprintf(path, sizeof path, "/dev/nvidia%d", g);
    if ((gpu_fds[g] = Open(path)) < 0) return -1;
  }
  return 0;
}

struct worker_arg { int id, rounds, wrong; uint32_t client; };

static void* WorkerThread(void* p) {
  struct worker_arg* a = p;
  a->wrong = Worker(a->id, a->rounds, &a->client);
  return NULL;
}

static int DistinctClients(const struct worker_arg* a, int n) {
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      if (a[i].client == a[j].client) return 0;
    }
  }
  return 1;
}

static int Threads(int n, int rounds) {
  if (OpenAllGpus() != 0) return Check(0, "open", strerror(errno)), 1;
  struct worker_arg* args = calloc((size_t)n, sizeof *args);
  pthread_t* t = calloc((size_t)n, sizeof *t);
  for (int i = 0; i < n; ++i) {
    args[i] = (struct worker_arg){i, rounds, 0, 0};
    if (pthread_create(&t[i], NULL, WorkerThread, &args[i]) != 0) return Check(0, "pthread_create", "failed"), 1;
  }
  int wrong = 0;
  for (int i = 0; i < n; ++i) {
    pthread_join(t[i], NULL);
    wrong += args[i].wrong;
  }
  char what[64];
  snprintf(what, sizeof what, "%d threads x %d rounds, %d wrong answers", n, rounds, wrong);
  Check(wrong == 0, "threads", what);
  Check(DistinctClients(args, n), "root clients", DistinctClients(args, n) ? "distinct" : "SHARED");
  return failures != 0;
}

/* The same from `n` processes (the fds inherited), each reporting over a pipe. */
static int Procs(int n, int rounds) {
  if (OpenAllGpus() != 0) return Check(0, "open", strerror(errno)), 1;
  int fds[2];
  if (pipe(fds) != 0) return 1;
  for (int i = 0; i < n; ++i) {
    pid_t pid = fork();
    if (pid < 0) return Check(0, "fork", strerror(errno)), 1;
    if (pid == 0) {
      struct worker_arg a = {i, rounds, 0, 0};
      a.wrong = Worker(i, rounds, &a.client);
      if (write(fds[1], &a, sizeof a) != sizeof a) _exit(3);
      _exit(0);
    }
  }
  close(fds[1]);
  struct worker_arg* args = calloc((size_t)n, sizeof *args);
  int got = 0, wrong = 0;
  while (got < n && read(fds[0], &args[got], sizeof *args) == sizeof *args) wrong += args[got++].wrong;
  int bad_exit = 0, st = 0;
  while (wait(&st) > 0) bad_exit += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  char what[96];
  snprintf(what, sizeof what, "%d of %d processes x %d rounds, %d wrong answers, %d bad exits", got, n,
           rounds, wrong, bad_exit);
  Check(got == n && wrong == 0 && bad_exit == 0, "processes", what);
  Check(DistinctClients(args, got), "root clients", DistinctClients(args, got) ? "distinct" : "SHARED");
  return failures != 0;
}

/* A bounded fork bomb: `fanout` children per process down to `depth`; every
 * process asks the driver and reads a fake file. Exit status: wrong answers (capped). */
static int BombNode(int depth, int fanout, int inherited) {
  int wrong = 0;
  if (!Answers(inherited)) ++wrong;
  int fd = Open("/dev/nvidiactl");
  if (fd < 0 || !Answers(fd)) ++wrong;
  if (fd >= 0) close(fd);
  struct stat st;
  if (stat("/dev/nvidia0", &st) != 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 195) ++wrong;
  int vf = open("/sys/module/nvidia/version", O_RDONLY);
  char buf[32] = {0};
  if (vf < 0 || read(vf, buf, sizeof buf - 1) <= 0 || strcmp(buf, DRIVER "\n") != 0) ++wrong;
  if (vf >= 0) close(vf);
  if (depth > 0) {
    for (int i = 0; i < fanout; ++i) {
      pid_t pid = fork();
      if (pid == 0) _exit(BombNode(depth - 1, fanout, inherited));
      if (pid < 0) ++wrong;
    }
    int status = 0;
    while (wait(&status) > 0) wrong += WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  }
  return wrong > 100 ? 100 : wrong;
}

static int ForkBomb(int depth, int fanout) {
  /* Effective for an unprivileged run; root ignores it, so the fan-out bounds it. */
  struct rlimit rl = {4096, 4096};
  setrlimit(RLIMIT_NPROC, &rl);
  int ctl = Open("/dev/nvidiactl");
  if (ctl < 0) return Check(0, "open", strerror(errno)), 1;
  int total = 0, level = 1;
  for (int d = 0; d <= depth; ++d, level *= fanout) total += level;
  int wrong = BombNode(depth, fanout, ctl);
  char what[64];
  snprintf(what, sizeof what, "%d processes, %d wrong", total, wrong);
  Check(wrong == 0, "fork bomb", what);
  return failures != 0;
}

/* ---- Privileges. */

static int SetuidProbe(void) {
  uid_t r, e, s;
  getresuid(&r, &e, &s);
  printf("ruid %u euid %u suid %u nnp %d\n", r, e, s, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  return 0;
}

/* Opens `file` (a setuid-root copy of this program), becomes `uid`, and execs it
 * by fd (so no directory on the way needs to be searchable for `uid`). */
static int SetuidExec(const char* file, uid_t uid) {
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Check(0, "open setuid binary", strerror(errno)), 1;
  gid_t gid = (gid_t)uid;
  if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0) {
    printf("drop privileges: %s\n", strerror(errno));
    return 77;  /* not root here (a sandbox's user namespace): nothing to test */
  }
  char* argv[] = {(char*)"hostile_client", (char*)"setuid-probe", NULL};
  char* envp[] = {NULL};
  syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
  return Check(0, "execveat", strerror(errno)), 1;
}

/* Undumpable: the supervisor (without CAP_SYS_PTRACE) cannot look at this process,
 * so it must refuse rather than let calls through to the kernel. */
static int Undumpable(void) {
  int ctl = Open("/dev/nvidiactl");
  if (ctl < 0 || !Answers(ctl)) return Check(0, "version before", strerror(errno)), 1;
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  struct version_t v;
  int e = Err(VersionOn(ctl, &v));
  printf("undumpable version: %s\n", ErrName(e));
  int fd = Open("/dev/nvidiactl");
  printf("undumpable open: %s\n", ErrName(Err(fd)));
  prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  Check(Answers(ctl), "dumpable again", "answers");
  return failures != 0;
}

/* ---- Fds closed or replaced while a call is in flight. */

static volatile int race_stop = 0;
static int race_fd, race_saved, race_null;

static void* Racer(void* unused) {
  (void)unused;
  for (unsigned i = 0; !race_stop; ++i) {
    switch (i % 4) {
      case 0: dup2(race_null, race_fd); break;
      case 1: dup2(race_saved, race_fd); break;
      case 2: close(race_fd); break;
      case 3: dup2(race_saved, race_fd); break;
    }
    if (i % 64 == 0) sched_yield();
  }
  return NULL;
}

static int CloseRace(int calls) {
  race_saved = Open("/dev/nvidiactl");
  race_null = open("/dev/null", O_RDWR | O_CLOEXEC);
  race_fd = dup(race_saved);
  if (race_saved < 0 || race_null < 0 || race_fd < 0) return Check(0, "open", strerror(errno)), 1;
  pthread_t t;
  pthread_create(&t, NULL, Racer, NULL);
  int answered = 0, enotty = 0, ebadf = 0, other = 0, torn = 0;
  for (int i = 0; i < calls; ++i) {
    struct version_t v;
    int r = VersionOn(race_fd, &v);
    if (r == 0) {
      if (v.reply == 1 && strcmp(v.versionString, DRIVER) == 0) ++answered;
      else ++torn;
    } else {
      /* Failed: then nothing may have been written. */
      if (v.reply != 0 || v.versionString[0] != 0) ++torn;
      if (errno == ENOTTY) ++enotty;
      else if (errno == EBADF) ++ebadf;
      else ++other;
    }
  }
  race_stop = 1;
  pthread_join(t, NULL);
  dup2(race_saved, race_fd);
  printf("close race: %d answered, %d ENOTTY, %d EBADF, %d other, %d torn\n", answered, enotty, ebadf, other, torn);
  Check(other == 0 && torn == 0, "close race", "every call answered whole or refused by the kernel");
  Check(Answers(race_fd), "after the race", "answers");
  return failures != 0;
}

/* ---- Device paths and nodes the trace does not list. */

static void OpenCase(const char* label, const char* path, int want) {
  int fd = open(path, O_RDWR | O_CLOEXEC);
  int e = Err(fd);
  if (want == 0 && fd >= 0) {
    /* Opened: it must be the fake nvidiactl answering. */
    Check(Answers(fd), label, Answers(fd) ? "fake nvidiactl" : "opened, but not fakedrv's device");
  } else {
    CheckErr(e, want, label);
  }
  if (fd >= 0) close(fd);
}

static void StatCase(const char* label, const char* path, int want) {
  struct stat st;
  CheckErr(Err(stat(path, &st)), want, label);
}

/* Args: a 195:255 node, a 195:77 node, a 195:0 node, a symlink to the first, a
 * symlink to /dev/nvidiactl, one to /dev/nvidia5, one to the 195:77 node. */
static int DevPaths(char** a) {
  const char *node_ctl = a[0], *node_77 = a[1], *node_0 = a[2], *link_node = a[3], *link_ctl = a[4],
             *link_5 = a[5], *link_77 = a[6];
  const char* unlisted[] = {"/dev/nvidia5", "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset",
                            "/dev/nvidia-caps/nvidia-cap1", "/dev/nvidia-nvswitchctl",
                            "/dev/../dev/nvidia5", "//dev///nvidia5", "/proc/self/root/dev/nvidia5",
                            "/proc/thread-self/root/dev/nvidia-modeset"};
  for (size_t i = 0; i < sizeof unlisted / sizeof unlisted[0]; ++i) {
    char label[128];
    snprintf(label, sizeof label, "open %s", unlisted[i]);
    OpenCase(label, unlisted[i], ENOENT);
    snprintf(label, sizeof label, "stat %s", unlisted[i]);
    StatCase(label, unlisted[i], ENOENT);
  }
  CheckErr(Err(access("/dev/nvidia5", F_OK)), ENOENT, "access /dev/nvidia5");
  OpenCase("open /proc/self/root/dev/nvidiactl", "/proc/self/root/dev/nvidiactl", 0);
  if (chdir("/dev") != 0) return Check(0, "chdir /dev", strerror(errno)), 1;
  OpenCase("open nvidia5 in /dev", "nvidia5", ENOENT);
  OpenCase("open ./nvidiactl in /dev", "./nvidiactl", 0);
  if (chdir("/") != 0) return 1;
  int dev = open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CheckErr(Err(openat(dev, "nvidia-modeset", O_RDWR)), ENOENT, "openat /dev fd, nvidia-modeset");
  int fd = openat(dev, "nvidiactl", O_RDWR | O_CLOEXEC);
  Check(fd >= 0 && Answers(fd), "openat /dev fd, nvidiactl", fd >= 0 ? "fake nvidiactl" : strerror(errno));
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  OpenCase("reopen /proc/self/fd of the fake nvidiactl", path, 0);
  snprintf(path, sizeof path, "/dev/fd/%d", fd);
  OpenCase("reopen /dev/fd of the fake nvidiactl", path, 0);

  OpenCase("open symlink to /dev/nvidiactl", link_ctl, 0);
  OpenCase("open symlink to /dev/nvidia5", link_5, ENOENT);
  StatCase("stat symlink to /dev/nvidia5", link_5, ENOENT);
  struct stat st;
  int r = stat(link_ctl, &st);
  Check(r == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(195, 255), "stat symlink to /dev/nvidiactl",
        r == 0 ? "fake 195:255" : strerror(errno));
  /* Real character devices with NVIDIA's major outside /dev: the fake node of the
   * same number when the trace lists one, else ENODEV, never the kernel's ENXIO. */
  OpenCase("open 195:255 node", node_ctl, 0);
  OpenCase("open symlink to 195:255 node", link_node, 0);
  fd = open(node_0, O_RDWR | O_CLOEXEC);
  r = fd < 0 ? -1 : fstat(fd, &st);
  Check(r == 0 && st.st_rdev == makedev(195, 0) && st.st_size == 0, "open 195:0 node",
        r == 0 ? "fake nvidia0" : strerror(errno));
  OpenCase("open 195:77 node", node_77, ENODEV);
  OpenCase("open symlink to 195:77 node", link_77, ENODEV);
  CheckErr(Err(open(node_77, O_PATH | O_CLOEXEC)), ENODEV, "open O_PATH 195:77 node");
  struct open_how how = {.flags = O_RDWR | O_CLOEXEC};
  fd = (int)syscall(SYS_openat2, AT_FDCWD, node_ctl, &how, sizeof how);
  Check(fd >= 0 && Answers(fd), "openat2 195:255 node", fd >= 0 ? "fake nvidiactl" : strerror(errno));
  return failures != 0;
}

/* Outside fakedrv: holds an O_PATH fd of `node` at fd `n` (inherited by what it
 * runs) and sends another over a socket at fd n + 1, then runs argv. */
static int Hold(const char* node, int n, char** argv) {
  int fd = open(node, O_PATH);
  int sv[2];
  if (fd < 0 || socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0) return Check(0, "hold", strerror(errno)), 1;
  char control[CMSG_SPACE(sizeof(int))];
  memset(control, 0, sizeof control);
  char byte = 'x';
  struct iovec iov = {&byte, 1};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  if (sendmsg(sv[0], &msg, 0) != 1) return Check(0, "sendmsg", strerror(errno)), 1;
  if (dup2(fd, n) != n || dup2(sv[1], n + 1) != n + 1) return 1;
  execv(argv[0], argv);
  return Check(0, "exec", strerror(errno)), 1;
}

/* Under fakedrv, after Hold: the inherited NVIDIA fd is gone, and 'F' ioctls on
 * one received from outside are refused (the kernel would say EBADF for O_PATH). */
static int Inherited(int n) {
  CheckErr(Err(fcntl(n, F_GETFD)), EBADF, "inherited NVIDIA fd");
  char byte;
  char control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {&byte, 1};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
  if (recvmsg(n + 1, &msg, 0) != 1) return Check(0, "recvmsg", strerror(errno)), 1;
  int fd = -1;
  memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof fd);
  struct version_t v;
  int e = Err(VersionOn(fd, &v));
  CheckErr(e, EPERM, "'F' ioctl on a received 195:255 fd");
  Check(v.reply == 0 && v.versionString[0] == 0, "its argument", v.reply == 0 ? "untouched" : "written");
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  OpenCase("reopen it through /proc/self/fd", path, 0);
  return failures != 0;
}

/* ---- Calls the supervisor must not be fooled by. */

/* NV_ESC_IOCTL_XFER_CMD whose inner command is XFER again, pointing at itself
 * (the driver unwraps one level), and a long chain of them. */
static int XferLoop(void) {
  int ctl = Open("/dev/nvidiactl");
  if (ctl < 0) return Check(0, "open", strerror(errno)), 1;
  struct xfer x = {ESC_XFER, sizeof x, 0};
  x.ptr = (uintptr_t)&x;
  CheckErr(Err(ioctl(ctl, NV_IOCTL(ESC_XFER, sizeof x), &x)), EINVAL, "xfer pointing at itself");
  static struct xfer chain[256];
  for (int i = 0; i < 256; ++i) {
    chain[i] = (struct xfer){ESC_XFER, sizeof chain[i], i + 1 < 256 ? (uintptr_t)&chain[i + 1] : 0};
  }
  CheckErr(Err(ioctl(ctl, NV_IOCTL(ESC_XFER, sizeof x), &chain[0])), EINVAL, "xfer chain of 256");
  Check(Answers(ctl), "version after", "answers");
  return failures != 0;
}

/* A full fd table: opening a fake node fails as the kernel would (EMFILE), instead
 * of leaving the call unanswered. */
static int FdFull(void) {
  struct rlimit rl = {32, 32};
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) return Check(0, "setrlimit", strerror(errno)), 1;
  int last = -1;
  while (1) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd < 0) break;
    last = fd;
  }
  CheckErr(Err(open("/dev/nvidiactl", O_RDWR)), EMFILE, "open nvidiactl with a full fd table");
  CheckErr(Err(open("/proc/driver/nvidia/version", O_RDONLY)), EMFILE, "open a fake file with a full fd table");
  close(last);
  int fd = Open("/dev/nvidiactl");
  Check(fd >= 0 && Answers(fd), "open after freeing one", fd >= 0 ? "answers" : strerror(errno));
  return failures != 0;
}

/* The fake machine's files are read-only for the target: another process of the
 * run must see what the trace says. */
static int WriteFiles(void) {
  CheckErr(Err(open("/proc/driver/nvidia/version", O_WRONLY)), EACCES, "open proc version O_WRONLY");
  CheckErr(Err(open("/sys/module/nvidia/version", O_RDWR | O_TRUNC)), EACCES, "open sysfs version O_RDWR|O_TRUNC");
  CheckErr(Err(open("/proc/driver/nvidia", O_WRONLY)), EISDIR, "open proc dir O_WRONLY");
  pid_t pid = fork();
  if (pid == 0) {
    char buf[32] = {0};
    int fd = open("/sys/module/nvidia/version", O_RDONLY);
    _exit(fd >= 0 && read(fd, buf, sizeof buf) > 0 && strcmp(buf, DRIVER "\n") == 0 ? 0 : 1);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  Check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "sysfs version seen by another process", "unchanged");
  return failures != 0;
}

/* A 32-bit system call (int 0x80) opening `path`: the filter knows only x86_64
 * numbers, so under fakedrv the process must die (SIGSYS) before the call runs.
 * Outside, it prints what the kernel returned. */
static int Compat(const char* path) {
  long r;
  /* i386 open = 5; the path must be addressable in 32 bits: copy it low. */
  char* low = mmap((void*)0x10000000, PAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_32BIT, -1, 0);
  if (low == MAP_FAILED) return Check(0, "mmap low", strerror(errno)), 1;
  snprintf(low, PAGE, "%s", path);
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(5), "b"(low), "c"(O_RDONLY) : "memory");
  printf("int 0x80 open returned %ld\n", r);
  return 1;
}

/* The same with an x32 call (openat with __X32_SYSCALL_BIT). */
static int X32(const char* path) {
  long r = syscall(0x40000000L | 257, AT_FDCWD, path, O_RDONLY);
  printf("x32 openat returned %ld\n", r < 0 ? -errno : r);
  return 1;
}

/* Outside fakedrv: what opening `path` gives, for comparison. */
static int OpenErrno(const char* path) {
  int fd = open(path, O_RDWR | O_CLOEXEC);
  printf("%s\n", ErrName(Err(fd)));
  return 0;
}

/* Runs argv in a private mount namespace whose /dev is a fresh tmpfs holding
 * null, zero and real NVIDIA nodes the test traces do not list (nvidia5,
 * nvidia-modeset, nvidia-caps/nvidia-cap1, a /dev/char link as udev makes): what a
 * GPU host would have, without touching the host's /dev. Exit 77 when that cannot
 * be set up here. */
static int PrivDev(char** argv) {
  if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
      mount("fakedrv-test-dev", "/dev", "tmpfs", MS_NOSUID, "mode=0755") != 0) {
    printf("privdev: no private /dev here: %s\n", strerror(errno));
    return 77;
  }
  struct { const char* path; mode_t mode; unsigned major, minor; } nodes[] = {
      {"/dev/null", 0666, 1, 3},          {"/dev/zero", 0666, 1, 5},
      {"/dev/nvidia5", 0666, 195, 5},     {"/dev/nvidia-modeset", 0666, 195, 254},
      {"/dev/nvidia-caps/nvidia-cap1", 0400, 195, 250}};
  if (mkdir("/dev/nvidia-caps", 0755) != 0 || mkdir("/dev/char", 0755) != 0) return 77;
  for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; ++i) {
    if (mknod(nodes[i].path, S_IFCHR | nodes[i].mode, makedev(nodes[i].major, nodes[i].minor)) != 0) {
      printf("privdev: mknod %s: %s\n", nodes[i].path, strerror(errno));
      return 77;
    }
  }
  if (symlink("../nvidia5", "/dev/char/195:5") != 0) return 77;
  execv(argv[0], argv);
  printf("privdev: exec %s: %s\n", argv[0], strerror(errno));
  return 1;
}

/* Under fakedrv in PrivDev's /dev: the host's NVIDIA nodes do not exist. */
static int DevHost(void) {
  const char* paths[] = {"/dev/nvidia5", "/dev/nvidia-modeset", "/dev/nvidia-caps/nvidia-cap1",
                         "/dev/char/195:5", "/proc/self/root/dev/nvidia5"};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; ++i) {
    char label[96];
    snprintf(label, sizeof label, "open %s", paths[i]);
    OpenCase(label, paths[i], ENOENT);
    snprintf(label, sizeof label, "stat %s", paths[i]);
    StatCase(label, paths[i], ENOENT);
  }
  int dev = open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CheckErr(Err(openat(dev, "nvidia-caps/nvidia-cap1", O_RDONLY)), ENOENT, "openat /dev fd, nvidia-caps/nvidia-cap1");
  OpenCase("open /dev/nvidiactl", "/dev/nvidiactl", 0);
  return failures != 0;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2) return 2;
  const char* m = argv[1];
  if (!strcmp(m, "badpointers")) return BadPointers();
  if (!strcmp(m, "oversize")) return Oversize();
  if (!strcmp(m, "guard")) return Guard();
  if (!strcmp(m, "million") && argc > 2) return Million(atol(argv[2]));
  if (!strcmp(m, "threads") && argc > 3) return Threads(atoi(argv[2]), atoi(argv[3]));
  if (!strcmp(m, "procs") && argc > 3) return Procs(atoi(argv[2]), atoi(argv[3]));
  if (!strcmp(m, "forkbomb") && argc > 3) return ForkBomb(atoi(argv[2]), atoi(argv[3]));
  if (!strcmp(m, "setuid-probe")) return SetuidProbe();
  if (!strcmp(m, "setuid-exec") && argc > 3) return SetuidExec(argv[2], (uid_t)atoi(argv[3]));
  if (!strcmp(m, "undumpable")) return Undumpable();
  if (!strcmp(m, "closerace") && argc > 2) return CloseRace(atoi(argv[2]));
  if (!strcmp(m, "devpaths") && argc > 8) return DevPaths(argv + 2);
  if (!strcmp(m, "hold") && argc > 5 && !strcmp(argv[4], "--")) return Hold(argv[2], atoi(argv[3]), argv + 5);
  if (!strcmp(m, "inherited") && argc > 2) return Inherited(atoi(argv[2]));
  if (!strcmp(m, "xferloop")) return XferLoop();
  if (!strcmp(m, "fdfull")) return FdFull();
  if (!strcmp(m, "writefiles")) return WriteFiles();
  if (!strcmp(m, "compat") && argc > 2) return Compat(argv[2]);
  if (!strcmp(m, "x32") && argc > 2) return X32(argv[2]);
  if (!strcmp(m, "openerrno") && argc > 2) return OpenErrno(argv[2]);
  if (!strcmp(m, "privdev") && argc > 3 && !strcmp(argv[2], "--")) return PrivDev(argv + 3);
  if (!strcmp(m, "devhost")) return DevHost();
  return 2;
}
