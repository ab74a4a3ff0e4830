// A trace (format versions 1 and 2, see traces/FORMAT.md): the fake machine's files and
// device nodes, and the ioctl events that a replay answers from. Loaded once and
// never changed while a replay runs.
#ifndef NVPROBE_FAKE_DRIVER_TRACE_TRACE_H_
#define NVPROBE_FAKE_DRIVER_TRACE_TRACE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "abi/abi.h"
#include "abi/driver_version.h"
#include "fake_driver/trace/arg_buffer.h"

namespace nvprobe::fakedrv {

inline constexpr char kTraceFormatName[] = "nvprobe-trace";
// What WriteTrace writes; the loader reads every version from the oldest.
inline constexpr int kTraceFormatVersion = 2;
inline constexpr int kOldestTraceFormatVersion = 1;

enum class NodeType { kFile, kDir, kCharDev, kAbsent };

// One path of the fake machine.
struct FileNode {
  int line = 0;
  std::string path;            // absolute, normalized
  NodeType type = NodeType::kFile;
  std::string content;         // kFile
  uint32_t major = 0, minor = 0;  // kCharDev
  uint32_t mode = 0;           // permission bits; 0: the type's default
  int open_errno = 0;          // nonzero: opening it fails so (e.g. EACCES)
};

struct IoctlEvent {
  int line = 0;
  std::string device;      // path of a kCharDev node
  uint32_t request = 0;    // the full ioctl request number
  ArgBuffer args;          // top-level struct and nested buffers, in and out
  int64_t ret = 0;
  int err = 0;             // errno when ret is -1
  // Recorded without following nested buffers (the escape, command or class is
  // unknown to the ABI layer): `args` is the raw top-level argument only.
  bool nested_not_followed = false;

  uint32_t nr() const { return request & 0xff; }
};

struct Trace {
  std::string source;  // file name, for messages
  int version = 0;     // the header's format version (0 until read)
  std::string driver;  // as written in the header
  std::string origin;  // "synthesized" or "recorded"
  std::string provenance;
  nlohmann::ordered_json machine = nlohmann::ordered_json::object();
  std::shared_ptr<const abi::Abi> abi;
  std::vector<FileNode> files;
  std::vector<IoctlEvent> events;

  const FileNode* FindFile(std::string_view path) const;
};

std::string_view NodeTypeName(NodeType t);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_TRACE_TRACE_H_
