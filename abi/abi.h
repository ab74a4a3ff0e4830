// One driver release's ABI, resolved: every struct layout, every named constant
// (NVIDIA's macro names), which struct each escape, control command and allocation
// class takes, and the release's behavioural traits. Immutable once built; built by
// AbiBuilder from a parent release plus a delta (see registry.h).
#ifndef NVPROBE_ABI_ABI_H_
#define NVPROBE_ABI_ABI_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abi/driver_version.h"
#include "abi/layout.h"
#include "abi/status.h"

namespace nvprobe::abi {

// Behaviour that changed between releases without a layout change.
struct Semantics {
  // kernel-open/nvidia/nv.c:nvidia_ioctl() NV_ESC_CHECK_VERSION_STR: the QUERY command
  // returns the kernel's version string (530.30.02 on). Before, the same value was
  // OVERRIDE, which accepted any client and returned the caller's buffer untouched.
  bool version_query = false;
  // kernel-open/nvidia/nv.c:nvidia_ioctl(): the outer ioctl size must equal the
  // escape's struct size exactly, else EINVAL (595.44.02 on). Earlier releases only
  // checked sizes per command.
  bool strict_outer_size = false;

  // Name/value pairs, for diffs and listings.
  std::vector<std::pair<std::string_view, bool>> List() const;
  bool operator==(const Semantics&) const = default;
};

// What an ioctl number, control command or class takes as its parameters.
class Abi;

struct Binding {
  std::string name;           // the constant naming it, e.g. "NV_ESC_RM_ALLOC"
  uint64_t number = 0;        // its value
  std::string params_struct;  // empty: takes no struct (e.g. a root client's params)
  // Another struct the same request accepts, told apart by the ioctl's size
  // (NV_ESC_RM_ALLOC takes NVOS21_PARAMETERS or NVOS64_PARAMETERS).
  std::string alt_params_struct;

  // The struct for a request whose argument is `size` bytes: the alternative when
  // its size matches, else the main struct.
  const std::string& ParamsForSize(uint32_t size, const Abi& abi) const;
};

class Abi {
 public:
  const DriverVersion& release() const { return release_; }

  const StructLayout* FindStruct(std::string_view name) const;
  StatusOr<const StructLayout*> Struct(std::string_view name) const;
  std::optional<uint64_t> FindConstant(std::string_view name) const;
  StatusOr<uint64_t> Constant(std::string_view name) const;

  // Lookups by number, for decoding: frontend/RM escapes by ioctl nr, control
  // commands by command number, allocation classes by class number.
  const Binding* EscapeByNumber(uint32_t nr) const;
  const Binding* ControlByNumber(uint32_t cmd) const;
  const Binding* ClassByNumber(uint32_t hclass) const;

  // The name of a constant with this value whose name starts with one of
  // `prefixes` (e.g. {"NV_OK", "NV_ERR_", "NV_WARN_"} for an RM status).
  std::optional<std::string> NameOf(uint64_t value,
                                    std::initializer_list<std::string_view> prefixes) const;
  // "NV_ERR_NOT_SUPPORTED", or "0x1234 (unknown status)".
  std::string StatusName(uint32_t status) const;

  const std::map<std::string, StructLayout, std::less<>>& structs() const { return structs_; }
  const std::map<std::string, uint64_t, std::less<>>& constants() const { return constants_; }
  // The constants in constants() that are not from this release's headers: each
  // carried back, with the same value, from the later release whose headers first
  // name it (the driver reported the number before NVIDIA's headers named it; e.g.
  // Ada's and Hopper's MC_ARCH_INFO implementations, named from 565.57.01), by name.
  // Everything else in constants() is the release's own.
  const std::map<std::string, DriverVersion, std::less<>>& carried_back() const {
    return carried_back_;
  }
  // The release `name` was carried back from; nullopt for the release's own
  // constants and for unknown names.
  std::optional<DriverVersion> CarriedBackFrom(std::string_view name) const;
  const std::vector<Binding>& escapes() const { return escapes_; }
  const std::vector<Binding>& controls() const { return controls_; }
  const std::vector<Binding>& classes() const { return classes_; }
  const Semantics& semantics() const { return semantics_; }

  // Every struct: fields sorted, inside the size, not overlapping, widths that fit
  // their kind; every nested buffer's size field and element struct exist; every
  // binding names a known constant and struct; every carried-back constant exists
  // and comes from a later release. Returns the first problem.
  Status Validate() const;

 private:
  friend class AbiBuilder;

  DriverVersion release_;
  std::map<std::string, StructLayout, std::less<>> structs_;
  std::map<std::string, uint64_t, std::less<>> constants_;
  std::map<std::string, DriverVersion, std::less<>> carried_back_;
  std::vector<Binding> escapes_;
  std::vector<Binding> controls_;
  std::vector<Binding> classes_;
  Semantics semantics_;
};

}  // namespace nvprobe::abi

#endif  // NVPROBE_ABI_ABI_H_
