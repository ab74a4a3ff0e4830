#include "bench/replay_logic.h"

#include <linux/ioctl.h>

#include <cstdint>
#include <cstring>
#include <sstream>

#include "abi/registry.h"
#include "bench/process.h"
#include "fake_driver/replay/ioctl_replayer.h"
#include "fake_driver/trace/trace_io.h"

namespace nvprobe::bench {
namespace {

// The client's memory is ours: addresses are our own pointers.
class LocalMemory : public fakedrv::TargetMemory {
 public:
  Status Read(uint64_t address, std::span<uint8_t> out) override {
    std::memcpy(out.data(), reinterpret_cast<const void*>(address), out.size());
    return OkStatus();
  }
  Status Write(uint64_t address, std::span<const uint8_t> bytes) override {
    std::memcpy(reinterpret_cast<void*>(address), bytes.data(), bytes.size());
    return OkStatus();
  }
  bool StillValid() override { return true; }
};

// As in ioctl_loop.c (driver 580.95.05).
struct Nvos21 {
  uint32_t hRoot, hObjectParent, hObjectNew, hClass;
  uint64_t pAllocParms;
  uint32_t paramsSize, status;
};
struct Nvos54 {
  uint32_t hClient, hObject, cmd, flags;
  uint64_t params;
  uint32_t paramsSize, status;
};
struct IdInfoV2 { uint32_t words[8]; };

constexpr uint32_t Request(uint32_t nr, uint32_t size) {
  return _IOC(_IOC_READ | _IOC_WRITE, 'F', nr, size);
}
constexpr char kCtl[] = "/dev/nvidiactl";
constexpr int kPid = 1;

}  // namespace

double ReplayLogicNs(const std::string& trace_path, const std::string& mode, long calls,
                     uint32_t gpu_id, std::string* error) {
  fakedrv::TraceLoad load = fakedrv::LoadTrace(trace_path, abi::Registry::Default());
  if (!load.ok()) return *error = load.errors.front(), 0;
  std::ostringstream diag;
  fakedrv::IoctlReplayer replayer(load.trace, diag);
  LocalMemory mem;
  uint32_t client = 0;
  if (mode == "control") {
    Nvos21 a{};
    a.hClass = 0x41;  // NV01_ROOT_CLIENT
    fakedrv::IoctlResult r = replayer.Handle(kCtl, Request(0x2b, sizeof a),
                                             reinterpret_cast<uintptr_t>(&a), mem, kPid);
    if (r.ret != 0 || a.status != 0) return *error = "root client not allocated", 0;
    client = a.hObjectNew;
  }
  static uint8_t cards[32 * 72];
  auto one = [&]() {
    if (mode == "cardinfo") {
      std::memset(cards, 0, sizeof cards);
      return replayer.Handle(kCtl, Request(0xc8, sizeof cards), reinterpret_cast<uintptr_t>(cards),
                             mem, kPid).ret == 0;
    }
    IdInfoV2 p{};
    p.words[0] = gpu_id;
    Nvos54 c{client, client, 0x205, 0, reinterpret_cast<uintptr_t>(&p), sizeof p, 0};
    return replayer.Handle(kCtl, Request(0x2a, sizeof c), reinterpret_cast<uintptr_t>(&c), mem,
                           kPid).ret == 0 && c.status == 0;
  };
  for (long i = 0; i < calls / 10 + 1; ++i) {
    if (!one()) return *error = mode + " not answered: " + diag.str().substr(0, 300), 0;
  }
  double start = NowNs();
  for (long i = 0; i < calls; ++i) one();
  return (NowNs() - start) / static_cast<double>(calls);
}

}  // namespace nvprobe::bench
