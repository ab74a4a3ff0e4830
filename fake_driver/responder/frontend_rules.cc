#include "fake_driver/responder/frontend_rules.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace nvprobe::fakedrv {

std::optional<RuleAnswer> CardInfoAnswer(const abi::Abi& abi, std::span<const uint8_t> gpu_entries,
                                         const std::string& device, const ArgBuffer& args) {
  const abi::StructLayout* entry = abi.FindStruct("nv_ioctl_card_info_t");
  if (entry == nullptr || entry->size == 0) return std::nullopt;
  const size_t gpus = gpu_entries.size() / entry->size;
  RuleAnswer a;
  a.out.assign(args.in.size(), 0);  // the driver clears every entry first
  const size_t entries = args.in.size() / entry->size;
  if (device != "/dev/nvidiactl" || entries < gpus) {
    a.rule = "card info with " + std::to_string(entries) + " entries on " + device + " (" +
             std::to_string(gpus) + " GPUs): EINVAL";
    a.ret = -1;
    a.err = EINVAL;
    if (device != "/dev/nvidiactl") a.out.clear();  // refused before the copy-in
    return a;
  }
  std::copy(gpu_entries.begin(), gpu_entries.end(), a.out.begin());
  a.rule = "card info with " + std::to_string(entries) + " entries: the " + std::to_string(gpus) +
           " GPUs";
  return a;
}

std::optional<RuleAnswer> VersionCheckAnswer(const abi::Abi& abi, const std::string& driver,
                                             const ArgBuffer& args) {
  const abi::StructLayout* l = args.layout;
  if (l == nullptr || l->name != "nv_ioctl_rm_api_version_t" || args.in.size() != l->size) return std::nullopt;
  const abi::Field* cmd_f = l->Find("cmd");
  const abi::Field* reply_f = l->Find("reply");
  const abi::Field* str_f = l->Find("versionString");
  if (cmd_f == nullptr || reply_f == nullptr || str_f == nullptr) return std::nullopt;
  RuleAnswer a;
  a.out = args.in;
  StoreUint(a.out, reply_f->offset, reply_f->width,
            abi.FindConstant("NV_RM_API_VERSION_REPLY_RECOGNIZED").value_or(1));
  const uint64_t cmd = LoadUint(args.in, cmd_f->offset, cmd_f->width);
  std::span<uint8_t> str(a.out.data() + str_f->offset, str_f->width);
  const std::string& ours = driver;
  auto copy_ours = [&] {
    std::memset(str.data(), 0, str.size());
    std::memcpy(str.data(), ours.data(), std::min(ours.size(), str.size() - 1));
  };
  if (cmd == abi.FindConstant("NV_RM_API_VERSION_CMD_QUERY")) {
    copy_ours();
    a.rule = "version QUERY: " + ours;
    return a;
  }
  if (cmd == abi.FindConstant("NV_RM_API_VERSION_CMD_OVERRIDE")) {
    a.rule = "version OVERRIDE: success";
    return a;
  }
  const bool relaxed = cmd == abi.FindConstant("NV_RM_API_VERSION_CMD_RELAXED");
  // Character by character, as the driver compares, up to the NUL (or the first
  // '.' when relaxed).
  for (size_t i = 0; i < str.size(); ++i) {
    const char theirs = static_cast<char>(str[i]);
    const char mine = i < ours.size() ? ours[i] : '\0';
    if (theirs != mine) break;
    if ((relaxed && theirs == '.') || theirs == '\0') {
      a.rule = std::string(relaxed ? "version RELAXED" : "version STRICT") + ": match";
      return a;
    }
  }
  copy_ours();
  a.rule = std::string(relaxed ? "version RELAXED" : "version STRICT") + ": mismatch, " + ours +
           " returned, EINVAL";
  a.ret = -1;
  a.err = EINVAL;
  return a;
}

}  // namespace nvprobe::fakedrv
