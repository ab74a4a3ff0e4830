// A scripted NVIDIA kernel driver behind MockSystem: device nodes, files, and the
// escapes the probe sends (version check, card info, RM alloc/control/free), decoded
// and answered through the ABI layer's layouts for the configured release - so the
// tests never hard-code an offset either. It tracks open fds and live RM objects so
// tests can require that everything was closed and freed.
#ifndef NVPROBE_TESTS_PROBE_FAKE_KERNEL_H_
#define NVPROBE_TESTS_PROBE_FAKE_KERNEL_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "abi/abi.h"
#include "tests/probe/mock_system.h"

namespace nvprobe::probe {

struct FakeGpu {
  uint32_t domain = 0, bus = 0x3b, slot = 0;
  uint16_t device_id = 0x2330;
  uint32_t minor = 0;
  uint32_t arch = 0x180, impl = 0;  // GH100
  uint32_t sm_version = 0x0900;
  std::string name = "NVIDIA H100 80GB HBM3";
  std::string uuid = "GPU-12345678-1234-1234-1234-123456789abc";
  uint32_t fb_kib = 81559u * 1024u;
  uint32_t subsystem = 0x16c110de;
  uint32_t revision = 0xa1;
};

class FakeKernel {
 public:
  // `version`: the release the fake driver runs; its ABI lays out every struct.
  explicit FakeKernel(const std::string& version);

  // Wires every MockSystem method to this fake (ON_CALL defaults).
  void Install(MockSystem& sys);

  // Configuration.
  std::string version;            // what the version check answers
  bool has_ctl = true;            // /dev/nvidiactl exists
  bool ctl_permission_denied = false;
  std::vector<FakeGpu> gpus;
  std::map<std::string, std::string> files;                 // path -> contents
  std::map<std::string, std::vector<std::string>> dirs;     // path -> names
  // RM status to answer for a control command / class (by constant name).
  std::map<std::string, uint32_t> fail_control;
  std::map<std::string, uint32_t> fail_alloc;
  int card_info_errno = 0;
  bool version_no_nul = false;

  // Observations.
  std::set<int> open_fds;
  std::set<uint32_t> live_objects;  // handles allocated and not yet freed
  std::vector<std::string> calls;   // "ALLOC NV01_DEVICE_0", "CONTROL NV2080_...", ...
  std::map<std::string, uint32_t> control_params_size;  // by command name
  int version_queries = 0;
  std::vector<uint32_t> card_info_entries;  // entries passed, per card-info call
  int gpu_opens = 0;

  IoctlResult Ioctl(int fd, unsigned long request, void* arg);

 private:
  StatusOr<int> Open(const std::string& path);
  IoctlResult VersionCheck(void* arg, uint32_t size);
  IoctlResult CardInfo(void* arg, uint32_t size);
  IoctlResult Alloc(void* arg, uint32_t size);
  IoctlResult Control(void* arg, uint32_t size);
  IoctlResult Free(void* arg, uint32_t size);
  uint32_t ControlAnswer(const std::string& cmd, uint32_t object, uint8_t* params, uint32_t size);

  std::shared_ptr<const abi::Abi> abi_;
  int next_fd_ = 10;
  int ctl_fd_ = -1;
  std::map<int, uint32_t> gpu_fd_minor_;
  uint32_t next_client_ = 0xc1d00001;
  std::map<uint32_t, int> subdevice_gpu_;  // subdevice handle -> gpu index
  std::map<uint32_t, int> device_gpu_;
};

}  // namespace nvprobe::probe

#endif  // NVPROBE_TESTS_PROBE_FAKE_KERNEL_H_
