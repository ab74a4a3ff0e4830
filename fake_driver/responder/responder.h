// What the seccomp supervisor asks about an ioctl on one of the fake machine's
// devices. Two implementations: exact replay of a trace (IoctlReplayer) and the
// machine model (model/MachineModel). Neither sees seccomp: a request comes in as
// the device, the request number, the argument's address and the caller's memory.
#ifndef NVPROBE_FAKE_DRIVER_RESPONDER_RESPONDER_H_
#define NVPROBE_FAKE_DRIVER_RESPONDER_RESPONDER_H_

#include <cstdint>
#include <functional>
#include <string>

#include "abi/abi.h"
#include "fake_driver/trace/arg_buffer.h"
#include "fake_driver/responder/target_memory.h"

namespace nvprobe::fakedrv {

struct IoctlResult {
  int64_t ret = 0;
  int err = 0;         // nonzero: the call fails with this errno
  bool gone = false;   // the request vanished while being served: send nothing
};

// An open file of a fake device (an open file description), as the supervisor
// numbers them: every open(2) of a device node makes a new one, while dup(),
// fork() and SCM_RIGHTS copies share it, as they share the driver's per-file
// private data (kernel-open/nvidia/nv.c:nvidia_open() allocates it per open,
// NV_SET_FILE_PRIVATE; nvidia_close() runs on the file's last close).
using OpenFileId = int;
// No open-file identity: the supervisor does not track open files for this
// responder (tracks_open_files() false), or the caller has none.
inline constexpr OpenFileId kNoOpenFile = -1;

class IoctlResponder {
 public:
  virtual ~IoctlResponder() = default;

  // `file`: the open file the request came on (objects belong to it), not the fd
  // number, which another process may hold for another file; kNoOpenFile unless
  // tracks_open_files().
  virtual IoctlResult Handle(const std::string& device, uint32_t request, uint64_t arg,
                             TargetMemory& mem, int pid, OpenFileId file) = 0;
  // Requests answered "not supported" for want of a record or a handler, which
  // `run --strict` counts.
  virtual int unmatched() const = 0;

  // Whether answers depend on which open file a request came on. Then the
  // supervisor gives every open of a device its own OpenFileId and calls
  // Released() once its last reference is gone (closed, replaced by dup2, its
  // processes exited); otherwise it passes kNoOpenFile and reports nothing.
  virtual bool tracks_open_files() const { return false; }
  // Open file `file` is gone (nv.c:nvidia_close()): no request comes on it again.
  virtual void Released(OpenFileId /*file*/) {}

  // Whether process `pid` holds an fd of a device node (the device-allocation rule
  // asks); unset: assumed held, so no request is refused for it.
  using HoldsDeviceOf = std::function<bool(int pid, const std::string& device_path)>;
  // Virtual so that a responder wrapping another (RecordingResponder) passes it on.
  virtual void set_holds_device(HoldsDeviceOf f) { holds_device_ = std::move(f); }

 protected:
  bool Holds(int pid, const std::string& device) const {
    return !holds_device_ || holds_device_(pid, device);
  }

 private:
  HoldsDeviceOf holds_device_;
};

enum class ReadError { kNone, kFault, kInvalid };
// Reads every nested buffer `buf.in` points at, as the ABI describes them, into
// `buf.nested`, recursively; `depth`: how many buffers lie above `buf`
// (kMaxNestingDepth bounds it).
ReadError ReadNestedBuffers(const abi::Abi& abi, ArgBuffer& buf, TargetMemory& mem, int depth = 0);

// After the call: reads `buf` and its nested buffers again, at the addresses their
// inputs were read from, into their `out` bytes. False when any is unreadable.
bool ReadOutputs(TargetMemory& mem, ArgBuffer& buf);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_RESPONDER_RESPONDER_H_
