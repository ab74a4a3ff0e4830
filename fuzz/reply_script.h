// A reply script: every answer a machine gives the probe, as one byte string, in the
// order the probe asks. ScriptSystem (script_system.h) plays one back as a
// probe::System, so a fuzzer that mutates the bytes fuzzes every reply the probe
// decodes; ScriptRecorder (script_recorder.h) writes one while the probe runs
// against another System (a trace), which is how the seeds are made.
//
//   script  := options reply*
//   options := flags:u8 [env_len:u8 env_bytes]     (env only when flags & kEnvVersion)
//
// One reply per System call, in call order (Close consumes nothing):
//
//   Open     := kind:u8                    0 ok (a new fd), 1 NOT_FOUND,
//                                          2 PERMISSION_DENIED, 3 UNAVAILABLE (kind % 4)
//   Ioctl    := how:u8 [errno:u8 | ret:i32le | ret:i32le errno:u8] [bytes...]
//               how & 1: the driver writes the argument buffers: the top-level buffer
//               (_IOC_SIZE bytes) then each nested buffer its pointer fields lead to
//               (per the ABI of the release the probe resolved, depth first), each
//               filled from the next bytes (fewer bytes left: only a prefix changes);
//               (how >> 1) & 3: 0 -> ret 0; 1 -> ret -1 and errno:u8;
//               2 -> ret:i32le; 3 -> ret:i32le and errno:u8
//   ReadFile := kind:u8 (0 ok, then len:u16le bytes; else as Open)
//   ListDir  := kind:u8 (0 ok, then count:u8 and count x (len:u8 bytes); else as Open)
//   Run      := kind:u8 (0 ok, then exit:i8 timed_out:u8 len:u24le bytes;
//               1 NOT_FOUND; else UNAVAILABLE)
//
// When the script runs out, every call gets the "nothing here" answer: NOT_FOUND,
// or -1/ENOTTY for an ioctl, with the buffers untouched.
#ifndef NVPROBE_FUZZ_REPLY_SCRIPT_H_
#define NVPROBE_FUZZ_REPLY_SCRIPT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "abi/abi.h"
#include "probe/probe.h"

namespace nvprobe::fuzz {

// The options byte.
inline constexpr uint8_t kFull = 1 << 0;         // --full
inline constexpr uint8_t kSourcesShift = 1;      // 2 bits: which sources run
inline constexpr uint8_t kEnvVersion = 1 << 3;   // NVPROBE_DRIVER_VERSION follows
inline constexpr uint8_t kDetails = 1 << 4;      // --details

// Reply kinds shared by Open, ReadFile, ListDir and Run.
enum ReplyKind : uint8_t { kOk = 0, kNotFound = 1, kPermissionDenied = 2, kUnavailable = 3 };

// The Ioctl `how` byte.
inline constexpr uint8_t kWritesBuffers = 1;
enum IoctlRet : uint8_t { kRetZero = 0, kRetErrno = 1, kRetValue = 2, kRetValueErrno = 3 };

// Probe options from the options byte: --full, --details, the sources (all, nvidia-smi only,
// the kernel driver only, the files only), the environment override.
probe::ProbeOptions OptionsFromFlags(uint8_t flags, std::string env_version);
// The options byte for a run in fast or full mode with every source.
inline uint8_t FlagsFor(bool full) { return full ? kFull : 0; }

// One buffer the driver may write during an ioctl.
struct Region {
  uint8_t* data;
  size_t size;
};

// Which ABI the probe is using: the release its last version answer resolves to,
// as probe/version_query.cc and probe/probe.cc resolve it. Its layouts say where an
// RM request's nested buffers are, so that a reply writes exactly the buffers the
// probe allocated for it.
class AbiTracker {
 public:
  AbiTracker();
  // The buffers of a request, top-level first, then nested ones depth first, read
  // from the argument as the probe filled it (before the reply overwrites it).
  std::vector<Region> Regions(unsigned long request, void* arg) const;
  // After a reply: if it answered the version check, follow the version.
  void AfterReply(unsigned long request, void* arg);

 private:
  void AddNested(const abi::StructLayout& layout, uint8_t* bytes, int depth,
                 std::vector<Region>& out) const;

  std::shared_ptr<const abi::Abi> oldest_;  // describes the version check
  std::shared_ptr<const abi::Abi> abi_;     // the probe's, once it knows it
};

}  // namespace nvprobe::fuzz

#endif  // NVPROBE_FUZZ_REPLY_SCRIPT_H_
