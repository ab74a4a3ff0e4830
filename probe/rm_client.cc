#include "probe/rm_client.h"

#include <cstdio>
#include <cstring>

#include "abi/struct_view.h"
#include "probe/ioctl_request.h"

namespace nvprobe::probe {
namespace {

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

uint64_t Address(std::span<uint8_t> params) {
  return params.empty() ? 0 : static_cast<uint64_t>(reinterpret_cast<uintptr_t>(params.data()));
}

}  // namespace

Status RmClient::Send(std::string_view escape, std::string_view what, std::vector<uint8_t>& buf,
                      const abi::StructLayout& layout) {
  StatusOr<unsigned long> req = NvRequest(*abi_, escape, layout.size);
  if (!req.ok()) return req.status();
  IoctlResult io = sys_.Ioctl(fd_, *req, buf.data());
  if (!io.ok())
    return UnavailableError(std::string(what) + ": ioctl failed: " + std::strerror(io.err));
  StatusOr<abi::StructReader> r = abi::StructReader::Make(layout, buf);
  if (!r.ok()) return r.status();
  StatusOr<uint32_t> status = r->Get<uint32_t>("status");
  if (!status.ok()) return status.status();
  if (*status != 0) {
    std::string msg = std::string(what) + ": " + abi_->StatusName(*status);
    // NV_ERR_INSUFFICIENT_PERMISSIONS / NV_ERR_NOT_SUPPORTED are answers, not faults.
    return Status(*status == abi_->FindConstant("NV_ERR_NOT_SUPPORTED").value_or(~0ull)
                      ? StatusCode::kUnimplemented
                      : StatusCode::kUnavailable,
                  msg);
  }
  return OkStatus();
}

StatusOr<std::unique_ptr<RmClient>> RmClient::Create(System& sys, int ctl_fd,
                                                     std::shared_ptr<const abi::Abi> abi) {
  std::unique_ptr<RmClient> c(new RmClient(sys, ctl_fd, std::move(abi)));
  StatusOr<const abi::StructLayout*> layout = c->abi_->Struct("NVOS21_PARAMETERS");
  if (!layout.ok()) return layout.status();
  StatusOr<uint64_t> cls = c->abi_->Constant("NV01_ROOT_CLIENT");
  if (!cls.ok()) return cls.status();
  std::vector<uint8_t> buf((*layout)->size, 0);
  StatusOr<abi::StructWriter> w = abi::StructWriter::Make(**layout, buf);
  if (!w.ok()) return w.status();
  // A root client: hRoot, hObjectParent and hObjectNew 0, no params; the RM answers
  // with the new client's handle in hObjectNew.
  NVPROBE_RETURN_IF_ERROR(w->Set<uint32_t>("hClass", static_cast<uint32_t>(*cls)));
  NVPROBE_RETURN_IF_ERROR(c->Send("NV_ESC_RM_ALLOC", "alloc NV01_ROOT_CLIENT", buf, **layout));
  StatusOr<abi::StructReader> r = abi::StructReader::Make(**layout, buf);
  if (!r.ok()) return r.status();
  StatusOr<uint32_t> h = r->Get<uint32_t>("hObjectNew");
  if (!h.ok()) return h.status();
  if (*h == 0) return UnavailableError("alloc NV01_ROOT_CLIENT: RM returned handle 0");
  c->client_ = *h;
  return c;
}

RmClient::~RmClient() {
  if (client_ != 0) (void)Free(client_, client_);  // hObjectParent = hRoot for a client
}

Status RmClient::Alloc(uint32_t parent, uint32_t handle, std::string_view class_name,
                       std::span<uint8_t> params) {
  StatusOr<const abi::StructLayout*> layout = abi_->Struct("NVOS21_PARAMETERS");
  if (!layout.ok()) return layout.status();
  StatusOr<uint64_t> cls = abi_->Constant(class_name);
  if (!cls.ok()) return cls.status();
  std::vector<uint8_t> buf((*layout)->size, 0);
  StatusOr<abi::StructWriter> w = abi::StructWriter::Make(**layout, buf);
  if (!w.ok()) return w.status();
  NVPROBE_RETURN_IF_ERROR(w->Set<uint32_t>("hRoot", client_));
  NVPROBE_RETURN_IF_ERROR(w->Set<uint32_t>("hObjectParent", parent));
  NVPROBE_RETURN_IF_ERROR(w->Set<uint32_t>("hObjectNew", handle));
  NVPROBE_RETURN_IF_ERROR(w->Set<uint32_t>("hClass", static_cast<uint32_t>(*cls)));
  NVPROBE_RETURN_IF_ERROR(w->Set<uint64_t>("pAllocParms", Address(params)));
  // 535.43.02 on, NVOS21 carries the params size (src/common/sdk/nvidia/inc/nvos.h);
  // whether it does is a fact of the layout, not of a version number.
  if ((*layout)->Find("paramsSize") != nullptr)
    NVPROBE_RETURN_IF_ERROR(w->Set<uint32_t>("paramsSize", static_cast<uint32_t>(params.size())));
  return Send("NV_ESC_RM_ALLOC", "alloc " + std::string(class_name), buf, **layout);
}

Status RmClient::Free(uint32_t parent, uint32_t handle) {
  StatusOr<const abi::StructLayout*> layout = abi_->Struct("NVOS00_PARAMETERS");
  if (!layout.ok()) return layout.status();
  std::vector<uint8_t> buf((*layout)->size, 0);
  StatusOr<abi::StructWriter> w = abi::StructWriter::Make(**layout, buf);
  if (!w.ok()) return w.status();
  NVPROBE_RETURN_IF_ERROR(w->Set<uint32_t>("hRoot", client_));
  NVPROBE_RETURN_IF_ERROR(w->Set<uint32_t>("hObjectParent", parent));
  NVPROBE_RETURN_IF_ERROR(w->Set<uint32_t>("hObjectOld", handle));
  return Send("NV_ESC_RM_FREE", "free " + Hex(handle), buf, **layout);
}

Status RmClient::Control(uint32_t object, std::string_view cmd_name, std::span<uint8_t> params) {
  StatusOr<const abi::StructLayout*> layout = abi_->Struct("NVOS54_PARAMETERS");
  if (!layout.ok()) return layout.status();
  StatusOr<uint64_t> cmd = abi_->Constant(cmd_name);
  if (!cmd.ok()) return cmd.status();
  std::vector<uint8_t> buf((*layout)->size, 0);
  StatusOr<abi::StructWriter> w = abi::StructWriter::Make(**layout, buf);
  if (!w.ok()) return w.status();
  NVPROBE_RETURN_IF_ERROR(w->Set<uint32_t>("hClient", client_));
  NVPROBE_RETURN_IF_ERROR(w->Set<uint32_t>("hObject", object));
  NVPROBE_RETURN_IF_ERROR(w->Set<uint32_t>("cmd", static_cast<uint32_t>(*cmd)));
  NVPROBE_RETURN_IF_ERROR(w->Set<uint64_t>("params", Address(params)));
  NVPROBE_RETURN_IF_ERROR(w->Set<uint32_t>("paramsSize", static_cast<uint32_t>(params.size())));
  return Send("NV_ESC_RM_CONTROL", cmd_name, buf, **layout);
}

}  // namespace nvprobe::probe
