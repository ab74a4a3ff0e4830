#include "fake_driver/diff/fake_address_space.h"

#include <cstring>

namespace nvprobe::fakedrv::diff {
namespace {

constexpr uint64_t kPage = 0x1000;

}  // namespace

uint64_t FakeAddressSpace::Place(std::span<const uint8_t> bytes) {
  const uint64_t at = next_;
  regions_[at].assign(bytes.begin(), bytes.end());
  // Rounded up to a page, plus one unmapped page: an overrun faults.
  next_ += ((bytes.size() + kPage - 1) & ~(kPage - 1)) + kPage;
  return at;
}

uint8_t* FakeAddressSpace::Find(uint64_t address, size_t size) {
  auto it = regions_.upper_bound(address);
  if (it == regions_.begin()) return nullptr;
  --it;
  const uint64_t offset = address - it->first;
  std::vector<uint8_t>& bytes = it->second;
  // Written so that neither sum can wrap, whatever the caller's address and size.
  if (offset > bytes.size() || size > bytes.size() - offset) return nullptr;
  return bytes.data() + offset;
}

Status FakeAddressSpace::Read(uint64_t address, std::span<uint8_t> out) {
  const uint8_t* p = Find(address, out.size());
  if (p == nullptr) return UnavailableError("fault reading " + std::to_string(out.size()) + " bytes");
  if (!out.empty()) std::memcpy(out.data(), p, out.size());
  return OkStatus();
}

Status FakeAddressSpace::Write(uint64_t address, std::span<const uint8_t> bytes) {
  uint8_t* p = Find(address, bytes.size());
  if (p == nullptr) return UnavailableError("fault writing " + std::to_string(bytes.size()) + " bytes");
  if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
  return OkStatus();
}

}  // namespace nvprobe::fakedrv::diff
