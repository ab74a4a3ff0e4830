#include "fake_driver/responder/responder.h"

namespace nvprobe::fakedrv {

ReadError ReadNestedBuffers(const abi::Abi& abi, ArgBuffer& buf, TargetMemory& mem, int depth) {
  if (buf.layout == nullptr) return ReadError::kNone;
  StatusOr<std::vector<PointerTarget>> targets = PointerTargets(abi, *buf.layout, buf.in);
  if (!targets.ok()) return ReadError::kInvalid;
  if (!targets->empty() && depth >= kMaxNestingDepth) return ReadError::kInvalid;
  for (const PointerTarget& t : *targets) {
    ArgBuffer child;
    child.field = t.field->name;
    child.layout = t.layout;
    child.address = t.address;
    child.in.resize(t.length);
    if (!mem.Read(t.address, child.in).ok()) return ReadError::kFault;
    ReadError e = ReadNestedBuffers(abi, child, mem, depth + 1);
    if (e != ReadError::kNone) return e;
    buf.nested.push_back(std::move(child));
  }
  return ReadError::kNone;
}

bool ReadOutputs(TargetMemory& mem, ArgBuffer& buf) {
  buf.out.resize(buf.in.size());
  if (!mem.Read(buf.address, buf.out).ok()) return false;
  for (ArgBuffer& c : buf.nested) {
    if (!ReadOutputs(mem, c)) return false;
  }
  return true;
}

}  // namespace nvprobe::fakedrv
