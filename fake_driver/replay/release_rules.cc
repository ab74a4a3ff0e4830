#include "fake_driver/replay/release_rules.h"

#include <linux/ioctl.h>

#include <cerrno>
#include <cstring>

namespace nvprobe::fakedrv {
namespace {

constexpr char kStatus[] = "status";
constexpr char kVersionStruct[] = "nv_ioctl_rm_api_version_t";

const abi::Binding* EscapeOf(const Trace& t, uint32_t request) {
  return t.abi->EscapeByNumber(request & 0xff);
}

bool Is(const abi::Binding* b, std::string_view name) { return b != nullptr && b->name == name; }

std::optional<uint64_t> Get(const ArgBuffer& b, std::string_view field) {
  if (b.layout == nullptr || b.in.size() != b.layout->size) return std::nullopt;
  const abi::Field* f = b.layout->Find(field);
  if (f == nullptr) return std::nullopt;
  return LoadUint(b.in, f->offset, f->width);
}

std::optional<uint64_t> GetOut(const ArgBuffer& b, std::string_view field, size_t element = 0) {
  if (b.layout == nullptr) return std::nullopt;
  const abi::Field* f = b.layout->Find(field);
  size_t base = element * b.layout->size;
  if (f == nullptr || base + b.layout->size > b.out.size()) return std::nullopt;
  return LoadUint(std::span<const uint8_t>(b.out).subspan(base), f->offset, f->width);
}

}  // namespace

ReleaseRules::ReleaseRules(const Trace& trace) : trace_(trace) {
  const abi::Abi& abi = *trace.abi;
  std::optional<uint64_t> id_info = abi.FindConstant("NV0000_CTRL_CMD_GPU_GET_ID_INFO_V2");
  std::map<uint32_t, uint32_t> minor_of_gpu_id;    // card info
  std::map<uint32_t, uint32_t> instance_of_gpu_id;  // GPU_GET_ID_INFO_V2
  for (const IoctlEvent& e : trace.events) {
    if (e.nested_not_followed || e.ret != 0) continue;
    const abi::Binding* esc = EscapeOf(trace, e.request);
    if (Is(esc, "NV_ESC_CARD_INFO") && e.args.layout != nullptr) {
      if (card_info_ == nullptr && e.device == "/dev/nvidiactl") card_info_ = &e;
      for (size_t i = 0; (i + 1) * e.args.layout->size <= e.args.out.size(); ++i) {
        if (GetOut(e.args, "valid", i).value_or(0) == 0) continue;
        std::optional<uint64_t> id = GetOut(e.args, "gpu_id", i);
        std::optional<uint64_t> minor = GetOut(e.args, "minor_number", i);
        if (id && minor) minor_of_gpu_id[static_cast<uint32_t>(*id)] = static_cast<uint32_t>(*minor);
      }
    } else if (Is(esc, "NV_ESC_RM_CONTROL") && id_info && Get(e.args, "cmd") == id_info &&
               GetOut(e.args, kStatus) == 0 && !e.args.nested.empty()) {
      const ArgBuffer& p = e.args.nested.front();
      std::optional<uint64_t> id = Get(p, "gpuId");
      std::optional<uint64_t> inst = GetOut(p, "deviceInstance");
      if (id && inst) instance_of_gpu_id[static_cast<uint32_t>(*id)] = static_cast<uint32_t>(*inst);
    }
  }
  for (const auto& [gpu_id, instance] : instance_of_gpu_id) {
    auto it = minor_of_gpu_id.find(gpu_id);
    if (it != minor_of_gpu_id.end())
      device_nodes_[instance] = "/dev/nvidia" + std::to_string(it->second);
  }
}

std::optional<RuleAnswer> ReleaseRules::WithStatus(const LiveRequest& req, const std::string& rule,
                                                   const char* status) const {
  const abi::Field* st = req.args.layout ? req.args.layout->Find(kStatus) : nullptr;
  std::optional<uint64_t> value = trace_.abi->FindConstant(status);
  if (st == nullptr || !value || req.args.in.size() != req.args.layout->size) return std::nullopt;
  RuleAnswer a;
  a.rule = rule + ": " + status;
  a.out = req.args.in;
  StoreUint(a.out, st->offset, st->width, *value);
  return a;
}

std::optional<RuleAnswer> ReleaseRules::Malformed(const LiveRequest& req) const {
  const abi::Abi& abi = *trace_.abi;
  const abi::Binding* esc = EscapeOf(trace_, req.request);
  if (esc == nullptr || esc->params_struct.empty()) return std::nullopt;
  const uint32_t size = _IOC_SIZE(req.request);
  const abi::StructLayout* layout = abi.FindStruct(esc->ParamsForSize(size, abi));
  if (layout == nullptr) return std::nullopt;
  const bool rm_call = layout->Find(kStatus) != nullptr || layout->name == kVersionStruct;
  if (rm_call && size != layout->size) {
    RuleAnswer a;
    a.rule = esc->name + " with a " + std::to_string(size) + "-byte argument (" + layout->name +
             " is " + std::to_string(layout->size) + "): EINVAL";
    a.ret = -1;
    a.err = EINVAL;
    return a;
  }
  if (!Is(esc, "NV_ESC_RM_CONTROL")) return std::nullopt;
  std::optional<uint64_t> cmd = Get(req.args, "cmd");
  std::optional<uint64_t> params_size = Get(req.args, "paramsSize");
  if (!cmd || !params_size) return std::nullopt;
  const abi::Binding* control = abi.ControlByNumber(static_cast<uint32_t>(*cmd));
  if (control == nullptr || control->params_struct.empty()) return std::nullopt;
  const abi::StructLayout* params = abi.FindStruct(control->params_struct);
  if (params == nullptr || *params_size == params->size) return std::nullopt;
  return WithStatus(req,
                    control->name + " with paramsSize " + std::to_string(*params_size) + " (" +
                        params->name + " is " + std::to_string(params->size) + ")",
                    "NV_ERR_INVALID_PARAM_STRUCT");
}

std::optional<RuleAnswer> ReleaseRules::Refused(const LiveRequest& req, const HoldsDevice& holds) const {
  const abi::Abi& abi = *trace_.abi;
  if (!Is(EscapeOf(trace_, req.request), "NV_ESC_RM_ALLOC")) return std::nullopt;
  std::optional<uint64_t> device_class = abi.FindConstant("NV01_DEVICE_0");
  if (!device_class || Get(req.args, "hClass") != device_class || req.args.nested.empty())
    return std::nullopt;
  std::optional<uint64_t> instance = Get(req.args.nested.front(), "deviceId");
  if (!instance) return std::nullopt;
  auto node = device_nodes_.find(static_cast<uint32_t>(*instance));
  if (node == device_nodes_.end() || holds(node->second)) return std::nullopt;
  return WithStatus(req,
                    "NV01_DEVICE_0 for device " + std::to_string(*instance) + " without " +
                        node->second + " open",
                    "NV_ERR_INSUFFICIENT_PERMISSIONS");
}

std::optional<RuleAnswer> ReleaseRules::Unrecorded(const LiveRequest& req) const {
  const abi::Binding* esc = EscapeOf(trace_, req.request);
  if (Is(esc, "NV_ESC_CHECK_VERSION_STR")) return VersionCheck(req);
  if (Is(esc, "NV_ESC_CARD_INFO")) return CardInfo(req);
  return std::nullopt;
}

std::optional<RuleAnswer> ReleaseRules::CardInfo(const LiveRequest& req) const {
  const abi::StructLayout* entry = trace_.abi->FindStruct("nv_ioctl_card_info_t");
  if (entry == nullptr || entry->size == 0 || card_info_ == nullptr) return std::nullopt;
  size_t gpus = 0;
  while (GetOut(card_info_->args, "valid", gpus).value_or(0) != 0) ++gpus;
  std::span<const uint8_t> entries(card_info_->args.out.data(), gpus * entry->size);
  return CardInfoAnswer(*trace_.abi, entries, req.device, req.args);
}

std::optional<RuleAnswer> ReleaseRules::VersionCheck(const LiveRequest& req) const {
  return VersionCheckAnswer(*trace_.abi, trace_.driver, req.args);
}

}  // namespace nvprobe::fakedrv
