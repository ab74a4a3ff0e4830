#include "tests/abi/header_facts.h"

#include <fstream>

namespace nvprobe::abi {

HeaderFacts::HeaderFacts(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    error_ = "cannot open " + path;
    return;
  }
  try {
    json_ = nlohmann::json::parse(in);
    for (const auto& t : json_.at("tags")) tags_.push_back(t.get<std::string>());
  } catch (const nlohmann::json::exception& e) {
    error_ = path + ": " + e.what();
  }
}

std::set<std::string> HeaderFacts::Expand(const nlohmann::json& ranges) const {
  std::set<std::string> out;
  for (const auto& r : ranges) {
    const std::string s = r.get<std::string>();
    const size_t dots = s.find("..");
    if (dots == std::string::npos) {
      out.insert(s);
      continue;
    }
    const std::string a = s.substr(0, dots), b = s.substr(dots + 2);
    bool in = false;
    for (const std::string& t : tags_) {
      if (t == a) in = true;
      if (in) out.insert(t);
      if (t == b) break;
    }
  }
  return out;
}

const nlohmann::json* HeaderFacts::VariantFor(const nlohmann::json& variants,
                                              const std::string& tag) const {
  for (const auto& v : variants) {
    if (Expand(v["tags"]).contains(tag)) return &v;
  }
  return nullptr;
}

}  // namespace nvprobe::abi
