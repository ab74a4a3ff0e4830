/* nvml_client: a small client of NVIDIA's NVML (libnvidia-ml.so.1), loaded with dlopen.
 *
 * It makes the calls a monitoring tool (or, with --calls=installer, a driver
 * installer's check) makes, and prints what NVML answered as one JSON document. Run it
 * against the real library from @nvidia_userspace (third_party/nvidia_userspace) to
 * see what NVML asks of the driver. --help says what it does and its exit statuses. */

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The few NVML facts this client needs. Source: NVIDIA's nvml.h, as shipped in
 * Debian's package libnvidia-ml-dev (non-free; checked against 12.4.127~12.4.1-2,
 * i.e. CUDA 12.4's nvml.h): nvmlReturn_t is an enum whose NVML_SUCCESS is 0 (passed
 * as an int), nvmlDevice_t is a pointer to an opaque struct, and the buffer sizes and
 * struct layouts below are copied from there. */
typedef int nvmlReturn_t;
#define NVML_SUCCESS 0
typedef struct nvmlDevice_st *nvmlDevice_t;

#define NVML_DEVICE_NAME_V2_BUFFER_SIZE 96
#define NVML_DEVICE_UUID_V2_BUFFER_SIZE 96
#define NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE 80
#define NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE 32
#define NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE 16

typedef struct nvmlPciInfo_st {
  char busIdLegacy[NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE];
  unsigned int domain;
  unsigned int bus;
  unsigned int device;
  unsigned int pciDeviceId;    /* 16-bit device id << 16 | 16-bit vendor id */
  unsigned int pciSubSystemId; /* 32-bit subsystem id */
  char busId[NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE];
} nvmlPciInfo_t;

typedef struct nvmlMemory_st {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
} nvmlMemory_t;

/* The functions, as nvml.h declares them. */
static struct {
  nvmlReturn_t (*Init_v2)(void);
  nvmlReturn_t (*Shutdown)(void);
  const char *(*ErrorString)(nvmlReturn_t result);
  nvmlReturn_t (*SystemGetDriverVersion)(char *version, unsigned int length);
  nvmlReturn_t (*DeviceGetCount_v2)(unsigned int *deviceCount);
  nvmlReturn_t (*DeviceGetHandleByIndex_v2)(unsigned int index, nvmlDevice_t *device);
  nvmlReturn_t (*DeviceGetName)(nvmlDevice_t device, char *name, unsigned int length);
  nvmlReturn_t (*DeviceGetUUID)(nvmlDevice_t device, char *uuid, unsigned int length);
  nvmlReturn_t (*DeviceGetPciInfo)(nvmlDevice_t device, nvmlPciInfo_t *pci);
  nvmlReturn_t (*DeviceGetMemoryInfo)(nvmlDevice_t device, nvmlMemory_t *memory);
  nvmlReturn_t (*DeviceGetCudaComputeCapability)(nvmlDevice_t device, int *major,
                                                 int *minor);
} nvml;
static const char *pci_info_name = "nvmlDeviceGetPciInfo_v3";
static int initialized;

typedef struct {
  char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
  char uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
  nvmlPciInfo_t pci;
  nvmlMemory_t memory;
  int cc_major, cc_minor;
} gpu_t;

enum {
  EXIT_CALL_FAILED = 1,
  EXIT_INIT_FAILED = 2,
  EXIT_NO_LIBRARY = 3,
  EXIT_USAGE = 64,
};

static void usage(FILE *out) {
  fputs(
      "usage: nvml_client [--lib PATH] [--calls=full|installer]\n"
      "\n"
      "Loads NVIDIA's NVML library with dlopen: libnvidia-ml.so.1 as the dynamic loader\n"
      "finds it (LD_LIBRARY_PATH, then the system's library paths), or the file given by\n"
      "--lib PATH. Asks it for the driver version and every GPU, and prints one JSON\n"
      "document on stdout once every call has succeeded.\n"
      "\n"
      "  --lib PATH, --lib=PATH  dlopen PATH instead of libnvidia-ml.so.1\n"
      "  --calls=full            (default) nvmlInit_v2, nvmlSystemGetDriverVersion,\n"
      "                          nvmlDeviceGetCount_v2; per GPU nvmlDeviceGetHandleByIndex_v2,\n"
      "                          nvmlDeviceGetName, nvmlDeviceGetUUID, nvmlDeviceGetPciInfo_v3\n"
      "                          (nvmlDeviceGetPciInfo if the library lacks _v3),\n"
      "                          nvmlDeviceGetMemoryInfo, nvmlDeviceGetCudaComputeCapability;\n"
      "                          then nvmlShutdown. Prints\n"
      "                          {\"driver_version\": \"...\", \"count\": N, \"gpus\": [{\"index\": 0,\n"
      "                          \"name\": \"...\", \"uuid\": \"...\", \"pci_bus_id\": \"...\",\n"
      "                          \"pci_device_id\": \"0x........\", \"pci_subsystem_id\": \"0x........\",\n"
      "                          \"memory_total_bytes\": N, \"compute_capability\": \"M.m\"}, ...]}\n"
      "  --calls=installer       only what a driver installer's check calls: nvmlInit_v2,\n"
      "                          nvmlSystemGetDriverVersion, nvmlDeviceGetCount_v2; per GPU\n"
      "                          nvmlDeviceGetHandleByIndex_v2, nvmlDeviceGetCudaComputeCapability;\n"
      "                          then nvmlShutdown. The JSON has only driver_version, count and,\n"
      "                          per GPU, index and compute_capability.\n"
      "  -h, --help              this text\n"
      "\n"
      "Exit status: 0 success; 1 an NVML call failed (stderr: \"nvml_client: <function>:\n"
      "<nvmlErrorString> (<nvmlReturn_t>)\"; nvmlShutdown is still called); 2 nvmlInit_v2\n"
      "failed (for example \"Driver Not Loaded\" on a machine without NVIDIA's driver);\n"
      "3 the library could not be loaded (dlerror's message) or lacks a function needed;\n"
      "64 bad arguments.\n",
      out);
}

static const char *error_string(nvmlReturn_t ret) {
  const char *s = nvml.ErrorString ? nvml.ErrorString(ret) : NULL;
  return s ? s : "(no nvmlErrorString)";
}

/* Reports a failed NVML call and exits: status 2 for nvmlInit_v2, else 1. */
static void fail(const char *function, nvmlReturn_t ret) {
  fprintf(stderr, "nvml_client: %s: %s (%d)\n", function, error_string(ret), ret);
  if (initialized && nvml.Shutdown) {
    initialized = 0;
    nvml.Shutdown();
  }
  exit(strcmp(function, "nvmlInit_v2") == 0 ? EXIT_INIT_FAILED : EXIT_CALL_FAILED);
}

#define CHECK(function, call)                    \
  do {                                           \
    nvmlReturn_t ret_ = (call);                  \
    if (ret_ != NVML_SUCCESS) fail(function, ret_); \
  } while (0)

/* dlsym into a function pointer (ISO C has no conversion from void *, hence memcpy).
 * Returns 0 if the library lacks the symbol. */
static int resolve(void *lib, const char *name, void *function_pointer, size_t size) {
  void *p;
  dlerror();
  p = dlsym(lib, name);
  if (p == NULL) return 0;
  if (size != sizeof p) return 0;
  memcpy(function_pointer, &p, size);
  return 1;
}

static void require(void *lib, const char *name, void *function_pointer, size_t size,
                    const char *path) {
  if (!resolve(lib, name, function_pointer, size)) {
    const char *e = dlerror();
    fprintf(stderr, "nvml_client: %s lacks %s: %s\n", path, name,
            e ? e : "symbol not found");
    exit(EXIT_NO_LIBRARY);
  }
}

#define REQUIRE(field, name) require(lib, name, &nvml.field, sizeof nvml.field, path)

/* A NUL-terminated string as a JSON string. */
static void json_string(const char *s) {
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
      case '"': fputs("\\\"", stdout); break;
      case '\\': fputs("\\\\", stdout); break;
      case '\b': fputs("\\b", stdout); break;
      case '\f': fputs("\\f", stdout); break;
      case '\n': fputs("\\n", stdout); break;
      case '\r': fputs("\\r", stdout); break;
      case '\t': fputs("\\t", stdout); break;
      default:
        if (*p < 0x20 || *p == 0x7f) printf("\\u%04x", *p);
        else putchar(*p);
    }
  }
  putchar('"');
}

int main(int argc, char **argv) {
  const char *path = "libnvidia-ml.so.1";
  int installer = 0;

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "--lib") == 0 && i + 1 < argc) {
      path = argv[++i];
    } else if (strncmp(a, "--lib=", 6) == 0 && a[6] != '\0') {
      path = a + 6;
    } else if (strcmp(a, "--calls=full") == 0) {
      installer = 0;
    } else if (strcmp(a, "--calls=installer") == 0) {
      installer = 1;
    } else {
      fprintf(stderr, "nvml_client: bad argument '%s'\n", a);
      usage(stderr);
      return EXIT_USAGE;
    }
  }

  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    fprintf(stderr, "nvml_client: cannot load %s: %s\n", path, dlerror());
    return EXIT_NO_LIBRARY;
  }
  resolve(lib, "nvmlErrorString", &nvml.ErrorString, sizeof nvml.ErrorString);
  REQUIRE(Init_v2, "nvmlInit_v2");
  REQUIRE(Shutdown, "nvmlShutdown");
  REQUIRE(SystemGetDriverVersion, "nvmlSystemGetDriverVersion");
  REQUIRE(DeviceGetCount_v2, "nvmlDeviceGetCount_v2");
  REQUIRE(DeviceGetHandleByIndex_v2, "nvmlDeviceGetHandleByIndex_v2");
  REQUIRE(DeviceGetCudaComputeCapability, "nvmlDeviceGetCudaComputeCapability");
  if (!installer) {
    REQUIRE(DeviceGetName, "nvmlDeviceGetName");
    REQUIRE(DeviceGetUUID, "nvmlDeviceGetUUID");
    REQUIRE(DeviceGetMemoryInfo, "nvmlDeviceGetMemoryInfo");
    if (!resolve(lib, pci_info_name, &nvml.DeviceGetPciInfo, sizeof nvml.DeviceGetPciInfo)) {
      pci_info_name = "nvmlDeviceGetPciInfo";
      REQUIRE(DeviceGetPciInfo, "nvmlDeviceGetPciInfo");
    }
  }

  CHECK("nvmlInit_v2", nvml.Init_v2());
  initialized = 1;

  char driver[NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE] = {0};
  CHECK("nvmlSystemGetDriverVersion",
        nvml.SystemGetDriverVersion(driver, sizeof driver));
  driver[sizeof driver - 1] = '\0';

  unsigned int count = 0;
  CHECK("nvmlDeviceGetCount_v2", nvml.DeviceGetCount_v2(&count));

  gpu_t *gpus = calloc(count ? count : 1, sizeof *gpus);
  if (gpus == NULL) {
    fprintf(stderr, "nvml_client: out of memory for %u GPUs\n", count);
    nvml.Shutdown();
    return EXIT_CALL_FAILED;
  }
  for (unsigned int i = 0; i < count; i++) {
    gpu_t *g = &gpus[i];
    nvmlDevice_t device = NULL;
    CHECK("nvmlDeviceGetHandleByIndex_v2", nvml.DeviceGetHandleByIndex_v2(i, &device));
    if (!installer) {
      CHECK("nvmlDeviceGetName", nvml.DeviceGetName(device, g->name, sizeof g->name));
      CHECK("nvmlDeviceGetUUID", nvml.DeviceGetUUID(device, g->uuid, sizeof g->uuid));
      CHECK(pci_info_name, nvml.DeviceGetPciInfo(device, &g->pci));
      CHECK("nvmlDeviceGetMemoryInfo", nvml.DeviceGetMemoryInfo(device, &g->memory));
      g->name[sizeof g->name - 1] = '\0';
      g->uuid[sizeof g->uuid - 1] = '\0';
      g->pci.busId[sizeof g->pci.busId - 1] = '\0';
      g->pci.busIdLegacy[sizeof g->pci.busIdLegacy - 1] = '\0';
    }
    CHECK("nvmlDeviceGetCudaComputeCapability",
          nvml.DeviceGetCudaComputeCapability(device, &g->cc_major, &g->cc_minor));
  }

  initialized = 0;
  CHECK("nvmlShutdown", nvml.Shutdown());

  printf("{\"driver_version\": ");
  json_string(driver);
  printf(", \"count\": %u, \"gpus\": [", count);
  for (unsigned int i = 0; i < count; i++) {
    const gpu_t *g = &gpus[i];
    printf("%s{\"index\": %u", i ? ", " : "", i);
    if (!installer) {
      /* The legacy nvmlDeviceGetPciInfo fills only the 16-byte id at the start. */
      const char *bus_id = g->pci.busId[0] ? g->pci.busId : g->pci.busIdLegacy;
      printf(", \"name\": ");
      json_string(g->name);
      printf(", \"uuid\": ");
      json_string(g->uuid);
      printf(", \"pci_bus_id\": ");
      json_string(bus_id);
      printf(", \"pci_device_id\": \"0x%08x\", \"pci_subsystem_id\": \"0x%08x\"",
             g->pci.pciDeviceId, g->pci.pciSubSystemId);
      printf(", \"memory_total_bytes\": %llu", g->memory.total);
    }
    printf(", \"compute_capability\": \"%d.%d\"}", g->cc_major, g->cc_minor);
  }
  printf("]}\n");
  free(gpus);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    perror("nvml_client: writing stdout");
    return EXIT_CALL_FAILED;
  }
  return 0;
}
