#include "bench/machines.h"

#include <nlohmann/json.hpp>

#include "bench/process.h"

namespace nvprobe::bench {
namespace {

struct Entry {
  const char* release;
  const char* name;
};

// Releases that have every machine of the series in traces/corpus.bzl.
const std::vector<Entry>& EntriesOf(Series s) {
  static const std::vector<Entry> kHeadline = {{"580.95.05", "hgx-h100-8x"},
                                               {"580.95.05", "scale-64x"}};
  static const std::vector<Entry> kFast = {
      {"550.76", "a100-pcie-1x"}, {"550.76", "hgx-h100-8x"}, {"550.76", "scale-64x"}};
  static const std::vector<Entry> kFull = {
      {"550.40.85", "a100-pcie-1x"}, {"550.40.85", "a10g-4x"}, {"550.40.85", "hgx-h100-8x"}};
  return s == Series::kHeadline ? kHeadline : s == Series::kFastScale ? kFast : kFull;
}

}  // namespace

std::string Machine::Label() const {
  return release + " " + name + " (" + std::to_string(gpus) + (gpus == 1 ? " GPU)" : " GPUs)");
}

std::vector<Machine> MachinesOf(Context& ctx, Series series) {
  std::vector<Machine> out;
  for (const Entry& e : EntriesOf(series)) {
    Machine m;
    m.release = e.release;
    m.name = e.name;
    std::string base = std::string("traces/") + e.release + "/" + e.name;
    m.trace = ctx.Runfile(base + ".trace.jsonl");
    m.expected = ctx.Runfile(base + ".expected.json");
    nlohmann::json j = nlohmann::json::parse(ReadFile(m.expected), nullptr, false);
    if (j.is_discarded()) {
      ctx.Problem(m.expected + ": unreadable expected answer; skipped");
      continue;
    }
    const nlohmann::json& full = j["modes"]["full"]["gpus"];
    m.gpus = static_cast<int>(full.size());
    m.full_per_gpu = !full.empty() && full[0].value("source", "") == "ioctl-full";
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace nvprobe::bench
