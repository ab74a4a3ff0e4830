// Every driver release nvprobe knows, as a tree: each release names its parent and
// applies a (usually empty) delta to the parent's ABI. Within a branch (a major
// number: 535, 550, ...) a release's parent is the previous release of that branch;
// a branch's first release forks from the main line, i.e. the first release of the
// previous branch. So a change written at 560.28.03 reaches every later branch but
// no 535.x or 550.x update.
#ifndef NVPROBE_ABI_REGISTRY_H_
#define NVPROBE_ABI_REGISTRY_H_

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abi/abi.h"
#include "abi/abi_builder.h"
#include "abi/driver_version.h"
#include "abi/status.h"

namespace nvprobe::abi {

using DeltaFn = void (*)(AbiBuilder&);

// One row of a release table: the tag, its parent tag ("" for the root), and the
// delta (nullptr when the release changed nothing we describe).
struct ReleaseEntry {
  std::string_view version;
  std::string_view parent;
  DeltaFn delta;
};

struct ReleaseInfo {
  DriverVersion version;
  std::optional<DriverVersion> parent;
  bool has_delta = false;
};

// How a requested version maps onto a known release.
struct Resolution {
  DriverVersion requested;
  DriverVersion release;
  // Empty when the version is known; otherwise says which release stands in and why.
  std::string notice;
  // `release` has the numbers asked for, written with other zero padding
  // (580.95.5 asked, 580.95.05 known).
  bool written_differently = false;
  bool exact() const { return notice.empty(); }
};

class Registry {
 public:
  // The built-in registry (abi/releases/release_table.cc). Built once; immutable
  // apart from its thread-safe cache of built ABIs.
  static const Registry& Default();

  // A registry over another table (tests). The table must be in version order and
  // name parents that precede their children.
  static StatusOr<std::unique_ptr<Registry>> FromTable(std::span<const ReleaseEntry> table);

  const std::vector<ReleaseInfo>& releases() const { return releases_; }
  bool Knows(const DriverVersion& v) const;

  // A known version resolves to itself. Otherwise, numerically per component: the
  // known release with the same numbers written with other padding (580.95.5 is
  // 580.95.05); failing that the nearest lower known release of the same major;
  // failing that the nearest lower known release overall; failing that (older than
  // every known release) the oldest one. The notice says which.
  Resolution Resolve(const DriverVersion& v) const;
  StatusOr<Resolution> Resolve(std::string_view text) const;

  // The ABI of a known release.
  StatusOr<std::shared_ptr<const Abi>> AbiOf(const DriverVersion& release) const;

 private:
  Registry() = default;
  const ReleaseEntry* Entry(const DriverVersion& v) const;

  std::vector<ReleaseInfo> releases_;        // version order
  std::vector<ReleaseEntry> entries_;        // same order
  mutable std::mutex mu_;
  mutable std::map<DriverVersion, std::shared_ptr<const Abi>> cache_;
};

}  // namespace nvprobe::abi

#endif  // NVPROBE_ABI_REGISTRY_H_
