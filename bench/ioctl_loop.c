/* The benchmark's ioctl client: issues one kind of ioctl N times in a loop and
 * prints the mean time per call, measured inside the process so that process
 * start-up and the supervisor's trace loading are left out.
 *
 *   ioctl_loop null N          NV_ESC_CARD_INFO's request number on /dev/null (the
 *                              native baseline: the kernel answers ENOTTY; under
 *                              fakedrv the call is intercepted and passed through)
 *   ioctl_loop cardinfo N      NV_ESC_CARD_INFO (32 entries) on /dev/nvidiactl
 *   ioctl_loop control N GPUID NV0000_CTRL_CMD_GPU_GET_ID_INFO_V2 for GPUID on a
 *                              root client: an RM control with a nested buffer
 *
 * Structs as for driver 580.95.05 (the bench's trace). Prints
 * "ns_per_call=<mean> calls=<N>" on stdout; exits 1 when a call fails. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define NV_IOCTL(nr, size) _IOC(_IOC_READ | _IOC_WRITE, 'F', (nr), (size))

struct card_info { uint8_t bytes[72]; };
struct nvos21 {
  uint32_t hRoot, hObjectParent, hObjectNew, hClass;
  uint64_t pAllocParms;
  uint32_t paramsSize, status;
};
struct nvos54 {
  uint32_t hClient, hObject, cmd, flags;
  uint64_t params;
  uint32_t paramsSize, status;
};
struct id_info_v2 {
  uint32_t gpuId, gpuFlags, deviceInstance, subDeviceInstance;
  uint32_t sliStatus, boardId, gpuInstance, numaId;
};

static const unsigned long kCardInfo = NV_IOCTL(0xc8, 32 * sizeof(struct card_info));
static const unsigned long kAlloc = NV_IOCTL(0x2b, sizeof(struct nvos21));
static const unsigned long kControl = NV_IOCTL(0x2a, sizeof(struct nvos54));
static const uint32_t kRootClientClass = 0x41;        /* NV01_ROOT_CLIENT */
static const uint32_t kGetIdInfoV2 = 0x205;           /* NV0000_CTRL_CMD_GPU_GET_ID_INFO_V2 */

static double NowNs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int Fail(const char* what) {
  fprintf(stderr, "ioctl_loop: %s: %s\n", what, strerror(errno));
  return 1;
}

/* One call of the chosen kind; 0 when it behaved as expected. */
typedef int (*Call)(int fd, void* state);

static int NullCall(int fd, void* state) {
  (void)state;
  static struct card_info ci[32];
  return ioctl(fd, kCardInfo, ci) == -1 && errno == ENOTTY ? 0 : -1;
}

static int CardInfoCall(int fd, void* state) {
  (void)state;
  static struct card_info ci[32];
  memset(ci, 0, sizeof ci);  /* the recorded request is all zero */
  return ioctl(fd, kCardInfo, ci);
}

struct ControlState { uint32_t client, gpu_id; };

static int ControlCall(int fd, void* state) {
  const struct ControlState* s = state;
  struct id_info_v2 p;
  memset(&p, 0, sizeof p);
  p.gpuId = s->gpu_id;
  struct nvos54 c;
  memset(&c, 0, sizeof c);
  c.hClient = s->client;
  c.hObject = s->client;
  c.cmd = kGetIdInfoV2;
  c.params = (uintptr_t)&p;
  c.paramsSize = sizeof p;
  return ioctl(fd, kControl, &c) == 0 && c.status == 0 ? 0 : -1;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: ioctl_loop null|cardinfo|control N [GPUID]\n");
    return 2;
  }
  const char* mode = argv[1];
  long n = strtol(argv[2], NULL, 10);
  if (n <= 0) return 2;
  Call call = NULL;
  void* state = NULL;
  struct ControlState control = {0, 0};
  int fd = -1;
  if (strcmp(mode, "null") == 0) {
    fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    call = NullCall;
  } else if (strcmp(mode, "cardinfo") == 0) {
    fd = open("/dev/nvidiactl", O_RDWR | O_CLOEXEC);
    call = CardInfoCall;
  } else if (strcmp(mode, "control") == 0 && argc > 3) {
    fd = open("/dev/nvidiactl", O_RDWR | O_CLOEXEC);
    if (fd < 0) return Fail("open /dev/nvidiactl");
    struct nvos21 a;
    memset(&a, 0, sizeof a);
    a.hClass = kRootClientClass;
    if (ioctl(fd, kAlloc, &a) != 0 || a.status != 0) return Fail("alloc root client");
    control.client = a.hObjectNew;
    control.gpu_id = (uint32_t)strtoul(argv[3], NULL, 0);
    call = ControlCall;
    state = &control;
  } else {
    return 2;
  }
  if (fd < 0) return Fail("open");
  /* Warm up: page faults, the supervisor's first-time work, caches. */
  long warm = n / 10 + 1;
  for (long i = 0; i < warm; ++i) {
    if (call(fd, state) != 0) return Fail(mode);
  }
  double start = NowNs();
  for (long i = 0; i < n; ++i) {
    if (call(fd, state) != 0) return Fail(mode);
  }
  double elapsed = NowNs() - start;
  printf("ns_per_call=%.1f calls=%ld\n", elapsed / (double)n, n);
  return 0;
}
