#include "bench/answer_check.h"

#include <nlohmann/json.hpp>

namespace nvprobe::bench {
namespace {

using Json = nlohmann::ordered_json;

const Json& At(const Json& j, const std::string& key) {
  static const Json kMissing = "<missing>";
  return j.is_object() && j.contains(key) ? j[key] : kMissing;
}

bool Same(const std::string& where, const Json& want, const Json& got, std::string* why) {
  if (want == got) return true;
  *why = where + ": expected " + want.dump() + ", got " + got.dump();
  return false;
}

// Every field `want` lists, element by element, with the same count.
bool SameList(const std::string& name, const Json& want, const Json& got, std::string* why) {
  size_t n = got.is_array() ? got.size() : 0;
  if (!Same(name + " (count)", want.size(), n, why)) return false;
  for (size_t i = 0; i < want.size(); ++i) {
    for (const auto& [k, v] : want[i].items()) {
      if (!Same(name + "[" + std::to_string(i) + "]." + k, v, At(got[i], k), why)) return false;
    }
  }
  return true;
}

}  // namespace

bool AnswerMatches(const std::string& expected_file_text, const std::string& mode,
                   int exit_status, const std::string& nvprobe_stdout, std::string* why) {
  Json expected = Json::parse(expected_file_text, nullptr, false);
  Json got = Json::parse(nvprobe_stdout, nullptr, false);
  if (expected.is_discarded()) return *why = "expected answer is not JSON", false;
  if (got.is_discarded()) return *why = "nvprobe printed no JSON", false;
  const Json& want = expected["modes"][mode];
  if (!Same("exit status", want["exit_status"], exit_status, why)) return false;
  for (const auto& [k, v] : want["driver"].items()) {
    if (!Same("driver." + k, v, At(At(got, "driver"), k), why)) return false;
  }
  if (!Same("platform", want["platform"], At(got, "platform"), why)) return false;
  if (!SameList("gpus", want["gpus"], At(got, "gpus"), why)) return false;
  if (!SameList("sources_tried", want["sources"], At(got, "sources_tried"), why)) return false;
  const Json& warnings = At(got, "warnings");
  size_t nw = warnings.is_array() ? warnings.size() : 0;
  if (!Same("warnings (count)", want["warnings"].size(), nw, why)) return false;
  for (const Json& w : want["warnings"]) {
    bool found = false;
    for (const Json& g : warnings) {
      found |= g.is_string() &&
               g.get<std::string>().find(w.get<std::string>()) != std::string::npos;
    }
    if (!found) return *why = "warnings: none contains " + w.dump(), false;
  }
  return true;
}

}  // namespace nvprobe::bench
