#include "abi/registry.h"

#include <algorithm>

#include "abi/releases/release_table.h"

namespace nvprobe::abi {

const Registry& Registry::Default() {
  static const Registry* registry = [] {
    StatusOr<std::unique_ptr<Registry>> r = FromTable(releases::ReleaseTable());
    // The table is compiled in and covered by tests; a broken one is a build bug.
    if (!r.ok()) __builtin_trap();
    return r->release();
  }();
  return *registry;
}

StatusOr<std::unique_ptr<Registry>> Registry::FromTable(std::span<const ReleaseEntry> table) {
  std::unique_ptr<Registry> r(new Registry());
  for (const ReleaseEntry& e : table) {
    StatusOr<DriverVersion> v = DriverVersion::Parse(e.version);
    if (!v.ok()) return v.status().WithContext("release table");
    ReleaseInfo info{.version = *v, .parent = std::nullopt, .has_delta = e.delta != nullptr};
    if (!r->releases_.empty() && !(r->releases_.back().version < *v)) {
      return InvalidArgumentError("release table: " + std::string(e.version) +
                                  " is out of version order");
    }
    if (!e.parent.empty()) {
      StatusOr<DriverVersion> p = DriverVersion::Parse(e.parent);
      if (!p.ok()) return p.status().WithContext("release table: parent of " + std::string(e.version));
      if (!r->Knows(*p)) {
        return InvalidArgumentError("release table: parent " + std::string(e.parent) + " of " +
                                    std::string(e.version) + " is not listed before it");
      }
      info.parent = *p;
    } else if (!r->releases_.empty()) {
      return InvalidArgumentError("release table: only the first release may lack a parent");
    }
    r->releases_.push_back(info);
    r->entries_.push_back(e);
  }
  if (r->releases_.empty()) return InvalidArgumentError("release table is empty");
  return r;
}

bool Registry::Knows(const DriverVersion& v) const { return Entry(v) != nullptr; }

const ReleaseEntry* Registry::Entry(const DriverVersion& v) const {
  auto it = std::lower_bound(releases_.begin(), releases_.end(), v,
                             [](const ReleaseInfo& a, const DriverVersion& b) { return a.version < b; });
  if (it == releases_.end() || !(it->version == v)) return nullptr;
  return &entries_[static_cast<size_t>(it - releases_.begin())];
}

Resolution Registry::Resolve(const DriverVersion& v) const {
  if (Knows(v)) return {v, v, ""};
  const std::string req = v.ToString();
  // Padding is part of NVIDIA's tag but not of the number: releases that differ
  // only in it sort next to each other, so this is a neighbour of lower_bound.
  auto at = std::lower_bound(releases_.begin(), releases_.end(), v,
                             [](const ReleaseInfo& a, const DriverVersion& b) { return a.version < b; });
  for (auto it = at == releases_.begin() ? at : at - 1; it != releases_.end() && it <= at; ++it) {
    if (it->version.SameNumbers(v)) {
      Resolution r{v, it->version,
                   "driver " + req + " is release " + it->version.ToString() +
                       " written differently (NVIDIA writes it " + it->version.ToString() + "); using " +
                       it->version.ToString()};
      r.written_differently = true;
      return r;
    }
  }
  const ReleaseInfo* same_major = nullptr;
  const ReleaseInfo* lower = nullptr;
  for (const ReleaseInfo& r : releases_) {
    if (!(r.version < v)) break;
    lower = &r;
    if (r.version.major() == v.major()) same_major = &r;
  }
  if (same_major != nullptr) {
    return {v, same_major->version,
            "driver " + req + " is not a known release; using " + same_major->version.ToString() +
                ", the nearest earlier release of the " + std::to_string(v.major()) + " branch"};
  }
  if (lower != nullptr) {
    return {v, lower->version,
            "driver " + req + " is not a known release and no earlier " +
                std::to_string(v.major()) + " release is known; using " +
                lower->version.ToString() + ", the nearest earlier release"};
  }
  const DriverVersion& oldest = releases_.front().version;
  return {v, oldest,
          "driver " + req + " is older than every known release; using " + oldest.ToString() +
              ", the oldest known (layouts may differ)"};
}

StatusOr<Resolution> Registry::Resolve(std::string_view text) const {
  StatusOr<DriverVersion> v = DriverVersion::Parse(text);
  if (!v.ok()) return v.status();
  return Resolve(*v);
}

StatusOr<std::shared_ptr<const Abi>> Registry::AbiOf(const DriverVersion& release) const {
  const ReleaseEntry* e = Entry(release);
  if (e == nullptr) {
    return NotFoundError("driver " + release.ToString() +
                         " is not a known release (resolve it first)");
  }
  std::lock_guard<std::mutex> lock(mu_);
  // Walk up to the nearest cached ancestor (or the root), then build down.
  std::vector<const ReleaseEntry*> chain;
  std::shared_ptr<const Abi> base;
  for (const ReleaseEntry* cur = e; cur != nullptr;) {
    DriverVersion v = *DriverVersion::Parse(cur->version);
    if (auto it = cache_.find(v); it != cache_.end()) {
      base = it->second;
      break;
    }
    chain.push_back(cur);
    cur = cur->parent.empty() ? nullptr : Entry(*DriverVersion::Parse(cur->parent));
  }
  // One builder takes every delta of the chain in turn: copying the whole ABI once
  // per release made a lookup of the newest release cost milliseconds, which
  // nvprobe paid on every run. Only the release asked for is cached.
  AbiBuilder b = base ? AbiBuilder(*base, release) : AbiBuilder(release);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it)
    if ((*it)->delta != nullptr) (*it)->delta(b);
  base = std::make_shared<const Abi>(std::move(b).Build());
  cache_[release] = base;
  return base;
}

}  // namespace nvprobe::abi
