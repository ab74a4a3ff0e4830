#include "fake_driver/model/control_helpers.h"

#include <map>

namespace nvprobe::fakedrv::model {

ControlFill InfoList(std::string size_field, std::string list_field, std::string prefix,
                     std::vector<std::pair<std::string, InfoValue>> values) {
  return [=](ControlCall& c) -> const char* {
    const uint64_t n = c.In(size_field);
    // V1: a pointer to the entries (read by the caller as a nested buffer); V2: the
    // entries embedded in the params.
    ControlCall::Entries list = c.EntriesOf(list_field);
    if (list.entry == nullptr) return n == 0 ? "NV_OK" : "NV_ERR_INVALID_ARGUMENT";
    const abi::Field* index_f = list.entry->Find("index");
    const abi::Field* data_f = list.entry->Find("data");
    if (index_f == nullptr || data_f == nullptr || n > list.count) return "NV_ERR_INVALID_ARGUMENT";
    std::map<uint64_t, const InfoValue*> by_number;
    for (const auto& [name, fn] : values) {
      if (std::optional<uint64_t> v = c.abi.FindConstant(prefix + name)) by_number[*v] = &fn;
    }
    for (uint32_t i = 0; i < n; ++i) {
      const uint32_t at = list.offset + i * list.entry->size;
      const uint64_t index = LoadUint(*list.in, at + index_f->offset, index_f->width);
      auto it = by_number.find(index);
      StoreUint(*list.out, at + data_f->offset, data_f->width, it == by_number.end() ? 0 : (*it->second)(c));
    }
    return "NV_OK";
  };
}

}  // namespace nvprobe::fakedrv::model
