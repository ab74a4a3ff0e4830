#include "fake_driver/responder/recording_responder.h"

#include <linux/ioctl.h>

#include <algorithm>

namespace nvprobe::fakedrv {
namespace {

// Where fake pointers start: a user-space-looking address, page aligned.
constexpr uint64_t kFirstFakeAddress = 0x7ffd00001000;
constexpr uint64_t kFakeAddressStep = 0x1000;

bool SameBuffer(const ArgBuffer& a, const ArgBuffer& b) {
  if (a.field != b.field || a.layout != b.layout || a.in != b.in || a.out != b.out ||
      a.nested.size() != b.nested.size()) {
    return false;
  }
  for (size_t i = 0; i < a.nested.size(); ++i) {
    if (!SameBuffer(a.nested[i], b.nested[i])) return false;
  }
  return true;
}

}  // namespace

void MakePointersFake(ArgBuffer& buf, uint64_t& next) {
  buf.address = 0;
  // Raw bytes may hold pointers the ABI does not describe; left unchanged by the
  // driver they are not written back on replay (ioctl_replayer.cc), so their
  // content means nothing and is recorded as zeros.
  if (buf.layout == nullptr && buf.out == buf.in) {
    std::fill(buf.in.begin(), buf.in.end(), 0);
    std::fill(buf.out.begin(), buf.out.end(), 0);
  }
  ForEachField(buf.layout, buf.in.size(), abi::FieldKind::kPointer,
               [&](const abi::Field& f, uint32_t offset) {
                 if (LoadUint(buf.in, offset, f.width) == 0) return;
                 StoreUint(buf.in, offset, f.width, next);
                 if (offset + f.width <= buf.out.size() && LoadUint(buf.out, offset, f.width) != 0)
                   StoreUint(buf.out, offset, f.width, next);
                 next += kFakeAddressStep;
               });
  for (ArgBuffer& c : buf.nested) MakePointersFake(c, next);
}

bool SameEvent(const IoctlEvent& a, const IoctlEvent& b) {
  return a.device == b.device && a.request == b.request && a.ret == b.ret && a.err == b.err &&
         a.nested_not_followed == b.nested_not_followed && SameBuffer(a.args, b.args);
}

IoctlResult RecordingResponder::Handle(const std::string& device, uint32_t request, uint64_t arg,
                                       TargetMemory& mem, int pid, OpenFileId file) {
  IoctlEvent ev;
  ev.device = device;
  ev.request = request;
  ev.args.address = arg;
  ev.args.in.resize(_IOC_SIZE(request));
  ev.args.layout = EscapeLayout(*abi_, ev.nr(), ev.args.in.size());
  const bool readable = mem.Read(arg, ev.args.in).ok() &&
                        ReadNestedBuffers(*abi_, ev.args, mem) == ReadError::kNone;
  IoctlResult r = inner_.Handle(device, request, arg, mem, pid, file);
  if (r.gone) return r;
  if (!readable || !ReadOutputs(mem, ev.args)) {
    ++unreadable_;
    return r;
  }
  ev.ret = r.err != 0 ? -1 : r.ret;
  ev.err = r.err;
  uint64_t next = kFirstFakeAddress;
  MakePointersFake(ev.args, next);
  events_.push_back(std::move(ev));
  return r;
}

}  // namespace nvprobe::fakedrv
