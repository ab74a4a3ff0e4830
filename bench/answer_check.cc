#include "bench/answer_check.h"

#include <nlohmann/json.hpp>

#include "tests/matrix/answer_compare.h"

namespace nvprobe::bench {

bool AnswerMatches(const std::string& expected_file_text, const std::string& mode,
                   int exit_status, const std::string& nvprobe_stdout, std::string* why) {
  using Json = nlohmann::ordered_json;
  Json expected = Json::parse(expected_file_text, nullptr, false);
  Json got = Json::parse(nvprobe_stdout, nullptr, false);
  if (expected.is_discarded()) return *why = "expected answer is not JSON", false;
  if (got.is_discarded()) return *why = "nvprobe printed no JSON", false;
  std::vector<std::string> diffs = matrix::CompareAnswer(expected["modes"][mode], got, exit_status);
  if (diffs.empty()) return true;
  *why = diffs.front() + (diffs.size() > 1 ? " (and " + std::to_string(diffs.size() - 1) + " more)" : "");
  return false;
}

}  // namespace nvprobe::bench
