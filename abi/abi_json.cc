#include "abi/abi_json.h"

namespace nvprobe::abi {

nlohmann::ordered_json DumpJson(const Abi& abi) {
  nlohmann::ordered_json structs = nlohmann::ordered_json::object();
  for (const auto& [name, s] : abi.structs()) {
    nlohmann::ordered_json fields = nlohmann::ordered_json::object();
    for (const Field& f : s.fields) fields[f.name] = f.offset;
    structs[name] = {{"size", s.size}, {"fields", std::move(fields)}};
  }
  nlohmann::ordered_json constants = nlohmann::ordered_json::object();
  for (const auto& [name, value] : abi.constants()) constants[name] = value;
  nlohmann::ordered_json out = {{"driver", abi.release().ToString()},
                                 {"structs", std::move(structs)},
                                 {"constants", std::move(constants)}};
  if (!abi.carried_back().empty()) {
    nlohmann::ordered_json carried = nlohmann::ordered_json::object();
    for (const auto& [name, from] : abi.carried_back()) carried[name] = from.ToString();
    out["carried_back"] = std::move(carried);
  }
  return out;
}

}  // namespace nvprobe::abi
