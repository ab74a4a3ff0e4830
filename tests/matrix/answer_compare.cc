#include "tests/matrix/answer_compare.h"

#include <algorithm>

namespace nvprobe::matrix {
namespace {

using Json = nlohmann::ordered_json;

void Expect(std::vector<std::string>& diffs, const std::string& where, const Json& want, const Json& got) {
  if (want != got) diffs.push_back(where + ": expected " + want.dump() + ", got " + got.dump());
}

const Json& At(const Json& j, const std::string& key) {
  static const Json kMissing = "<missing>";
  return j.is_object() && j.contains(key) ? j[key] : kMissing;
}

// Each expected warning (a substring) matches exactly one actual warning, and no
// actual warning is left over: a maximum bipartite matching (augmenting paths), so a
// warning that two expected substrings both fit cannot count for both.
bool Augment(size_t w, const std::vector<std::vector<bool>>& fits, std::vector<bool>& seen,
             std::vector<int>& owner) {
  for (size_t g = 0; g < owner.size(); ++g) {
    if (!fits[w][g] || seen[g]) continue;
    seen[g] = true;
    if (owner[g] < 0 || Augment(static_cast<size_t>(owner[g]), fits, seen, owner)) {
      owner[g] = static_cast<int>(w);
      return true;
    }
  }
  return false;
}

void CompareWarnings(std::vector<std::string>& diffs, const Json& want, const Json& warnings) {
  std::vector<std::string> got_w;
  if (warnings.is_array())
    for (const Json& w : warnings) got_w.push_back(w.is_string() ? w.get<std::string>() : w.dump());
  else
    diffs.push_back("warnings: expected an array, got " + warnings.dump());
  std::vector<std::vector<bool>> fits;
  for (const Json& w : want) {
    fits.emplace_back(got_w.size());
    for (size_t g = 0; g < got_w.size(); ++g)
      fits.back()[g] = got_w[g].find(w.get<std::string>()) != std::string::npos;
  }
  std::vector<int> owner(got_w.size(), -1);
  for (size_t w = 0; w < want.size(); ++w) {
    std::vector<bool> seen(got_w.size());
    if (!Augment(w, fits, seen, owner))
      diffs.push_back("warnings: no warning of its own contains " + want[w].dump() + " (got " +
                      warnings.dump() + ")");
  }
  for (size_t g = 0; g < got_w.size(); ++g)
    if (owner[g] < 0) diffs.push_back("warnings: unexpected " + Json(got_w[g]).dump());
}

// Keys nvprobe prints in `got` that the expected answer neither states nor lists as
// free ("free_keys") are differences too.
void NoExtraKeys(std::vector<std::string>& diffs, const std::string& where, const Json& want, const Json& got,
                 const Json& free_keys) {
  if (!got.is_object()) return;
  for (const auto& [k, v] : got.items()) {
    if (want.contains(k)) continue;
    bool free = free_keys.is_array() && std::find(free_keys.begin(), free_keys.end(), Json(k)) != free_keys.end();
    if (!free) diffs.push_back(where + k + ": printed, but the expected answer lacks it (" + v.dump() + ")");
  }
}

// sources_tried[i]: each key the expected answer states is compared; "found_has" and
// "error_has" say the field is a string containing that text ("" : any string).
void CompareSource(std::vector<std::string>& diffs, const std::string& where, const Json& want, const Json& got) {
  for (const auto& [k, v] : want.items()) {
    if (k == "found_has" || k == "error_has") {
      const std::string field = k.substr(0, k.size() - 4);
      const Json& g = At(got, field);
      if (!g.is_string() || g.get<std::string>().find(v.get<std::string>()) == std::string::npos)
        diffs.push_back(where + field + ": expected a string containing " + v.dump() + ", got " + g.dump());
    } else {
      Expect(diffs, where + k, v, At(got, k));
    }
  }
}

}  // namespace

std::vector<std::string> CompareAnswer(const Json& want, const Json& got, int status) {
  std::vector<std::string> diffs;
  Expect(diffs, "exit status", want["exit_status"], status);
  Expect(diffs, "schema", "nvprobe/1", At(got, "schema"));
  const Json free_keys = want.contains("free_keys") ? want["free_keys"] : Json::array();
  for (const auto& [k, v] : want["driver"].items()) Expect(diffs, "driver." + k, v, At(At(got, "driver"), k));
  NoExtraKeys(diffs, "driver.", want["driver"], At(got, "driver"), free_keys);
  Expect(diffs, "platform", want["platform"], At(got, "platform"));
  const Json& gpus = At(got, "gpus");
  size_t n = gpus.is_array() ? gpus.size() : 0;
  Expect(diffs, "gpus (count)", want["gpus"].size(), n);
  for (size_t i = 0; i < want["gpus"].size() && i < n; ++i) {
    for (const auto& [k, v] : want["gpus"][i].items())
      Expect(diffs, "gpus[" + std::to_string(i) + "]." + k, v, At(gpus[i], k));
    NoExtraKeys(diffs, "gpus[" + std::to_string(i) + "].", want["gpus"][i], gpus[i], free_keys);
  }
  const Json& src = At(got, "sources_tried");
  size_t ns = src.is_array() ? src.size() : 0;
  Expect(diffs, "sources_tried (count)", want["sources"].size(), ns);
  for (size_t i = 0; i < want["sources"].size() && i < ns; ++i)
    CompareSource(diffs, "sources_tried[" + std::to_string(i) + "].", want["sources"][i], src[i]);
  CompareWarnings(diffs, want["warnings"], At(got, "warnings"));
  return diffs;
}

}  // namespace nvprobe::matrix
