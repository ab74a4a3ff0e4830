// NVIDIA's header facts (abi/testdata/nvidia_header_facts.json, made by
// tools/nvidia_facts/extract.py) as the ABI tests read them: every tag, and each
// struct's or constant's variants with the tags they hold for ("A..B" ranges).
#ifndef NVPROBE_TESTS_ABI_HEADER_FACTS_H_
#define NVPROBE_TESTS_ABI_HEADER_FACTS_H_

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nvprobe::abi {

class HeaderFacts {
 public:
  // Reads `path`; ok() says whether it could, error() why not.
  explicit HeaderFacts(const std::string& path);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const nlohmann::json& json() const { return json_; }
  const std::vector<std::string>& tags() const { return tags_; }

  // The tags a list of "A..B" ranges and single tags covers, in the facts' order.
  std::set<std::string> Expand(const nlohmann::json& ranges) const;
  // The variant (of a struct's or constant's list) that covers `tag`, or null.
  const nlohmann::json* VariantFor(const nlohmann::json& variants, const std::string& tag) const;

 private:
  nlohmann::json json_;
  std::vector<std::string> tags_;
  std::string error_;
};

}  // namespace nvprobe::abi

#endif  // NVPROBE_TESTS_ABI_HEADER_FACTS_H_
