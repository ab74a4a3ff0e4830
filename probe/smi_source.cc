#include "probe/smi_source.h"

#include <string.h>

#include <cctype>
#include <cstddef>
#include <cstdlib>
#include <sstream>

#include "abi/driver_version.h"
#include "probe/files_source.h"

namespace nvprobe::probe {
namespace {

constexpr size_t kMaxOutput = 256 * 1024;
constexpr char kWslSmi[] = "/usr/lib/wsl/lib/nvidia-smi";

std::string Trim(std::string s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool Missing(const std::string& v) { return v.empty() || v.front() == '['; }  // "[N/A]"

std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == ',') {
      out.push_back(Trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(Trim(cur));
  return out;
}

// "9 (SIGKILL)".
std::string SignalName(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return std::to_string(sig) + (abbrev ? std::string(" (SIG") + abbrev + ")" : "");
}

std::vector<std::string> Query(bool with_compute_cap) {
  return {std::string("--query-gpu=driver_version,name,pci.bus_id,uuid,") +
              (with_compute_cap ? "compute_cap," : "") + "memory.total",
          "--format=csv,noheader,nounits"};
}

}  // namespace

StatusOr<SmiFindings> ParseSmiOutput(const std::string& out, bool with_compute_cap,
                                     std::vector<std::string>& warnings) {
  SmiFindings f;
  std::istringstream lines(out);
  std::string line;
  const size_t want = with_compute_cap ? 6 : 5;
  uint32_t index = 0;
  while (std::getline(lines, line)) {
    if (Trim(line).empty()) continue;
    std::vector<std::string> v = Split(line);
    // A name with a comma would add fields: join the surplus back into the name, in
    // one pass (a line of commas must not cost time quadratic in its length).
    if (v.size() > want) {
      const size_t surplus = v.size() - want;
      for (size_t i = 2; i < 2 + surplus; ++i) v[1] += "," + v[i];
      v.erase(v.begin() + 2, v.begin() + 2 + static_cast<std::ptrdiff_t>(surplus));
    }
    if (v.size() != want)
      return UnavailableError("nvidia-smi: line " + std::to_string(index + 1) + " has " +
                              std::to_string(v.size()) + " fields, expected " +
                              std::to_string(want) + ": \"" + line.substr(0, 120) + "\"");
    if (!abi::DriverVersion::Parse(v[0]).ok())
      return UnavailableError("nvidia-smi: driver_version \"" + v[0].substr(0, 40) +
                              "\" is not a version");
    if (!f.driver_version) {
      f.driver_version = v[0];
    } else if (*f.driver_version != v[0]) {
      return FailedPreconditionError("nvidia-smi: GPU lines disagree on driver_version: " +
                                     *f.driver_version + " vs " + v[0] +
                                     " (please report this)");
    }
    GpuInfo g;
    g.index = index++;
    g.source = kSourceSmi;
    if (!Missing(v[1])) {
      CapGpuName(v[1], "nvidia-smi: line " + std::to_string(index) + ": field name", warnings);
      g.name = v[1];
    }
    if (auto bus = NormalizeBusId(v[2]))
      g.pci_bus_id = bus;
    else
      warnings.push_back("nvidia-smi: field pci.bus_id \"" + v[2].substr(0, 40) + "\" is malformed");
    if (!Missing(v[3]) && v[3].rfind("GPU-", 0) == 0) g.uuid = v[3];
    size_t mem = 4;
    if (with_compute_cap) {
      mem = 5;
      const std::string& cc = v[4];
      if (!Missing(cc)) {
        if (cc.size() >= 3 && cc.size() <= 5 && std::isdigit(static_cast<unsigned char>(cc[0])) &&
            cc.find('.') != std::string::npos) {
          g.compute_capability = cc;
          g.compute_capability_source = "nvidia-smi";
        } else {
          warnings.push_back("nvidia-smi: field compute_cap \"" + cc.substr(0, 20) +
                             "\" is malformed");
        }
      }
    }
    if (!Missing(v[mem])) {
      char* end = nullptr;
      unsigned long long m = std::strtoull(v[mem].c_str(), &end, 10);
      if (*end == '\0' && m < (1ull << 40))
        g.memory_mib = m;
      else
        warnings.push_back("nvidia-smi: field memory.total \"" + v[mem].substr(0, 20) +
                           "\" is malformed");
    }
    f.gpus.push_back(std::move(g));
  }
  if (!f.driver_version) return UnavailableError("nvidia-smi printed no GPU line");
  return f;
}

StatusOr<SmiFindings> RunNvidiaSmi(System& sys, const std::string& path_env,
                                   std::chrono::milliseconds timeout,
                                   std::vector<std::string>& warnings) {
  std::vector<std::string> candidates;
  std::istringstream dirs(path_env);
  std::string dir;
  while (std::getline(dirs, dir, ':'))
    if (!dir.empty() && dir.front() == '/') candidates.push_back(dir + "/nvidia-smi");
  candidates.push_back(kWslSmi);

  // As a shell does: a candidate that is not an executable file (no execute
  // permission, a directory) is skipped, and reported only if no other one runs.
  std::string denied;
  for (const std::string& bin : candidates) {
    for (bool with_cc : {true, false}) {
      std::vector<std::string> argv = {bin};
      for (const std::string& a : Query(with_cc)) argv.push_back(a);
      StatusOr<CommandResult> r = sys.Run(argv, timeout, kMaxOutput);
      if (!r.ok()) {
        if (r.status().code() == StatusCode::kNotFound) break;  // next candidate
        if (r.status().code() == StatusCode::kPermissionDenied) {
          if (denied.empty()) denied = r.status().message();
          break;  // next candidate
        }
        return UnavailableError("nvidia-smi: " + r.status().message());
      }
      if (r->timed_out)
        return DeadlineExceededError(bin + " did not answer within " +
                                     std::to_string(timeout.count()) + " ms; killed");
      if (r->exit_code != 0) {
        // nvidia-smi older than the compute_cap field rejects the query: ask again
        // without it.
        if (with_cc && r->exit_code > 0 && r->out.find("compute_cap") != std::string::npos)
          continue;
        std::string first = Trim(r->out.substr(0, r->out.find('\n')).substr(0, 200));
        std::string how = r->exit_code >= 0
                              ? "exited with status " + std::to_string(r->exit_code)
                              : r->signal > 0 ? "was killed by signal " + SignalName(r->signal)
                                              : "ended with no exit status";
        return UnavailableError(bin + " " + how + (first.empty() ? "" : ": " + first));
      }
      StatusOr<SmiFindings> f = ParseSmiOutput(r->out, with_cc, warnings);
      if (f.ok()) f->binary = bin;
      return f;
    }
  }
  if (!denied.empty())
    return UnavailableError("nvidia-smi: " + denied + " (and no other nvidia-smi in PATH or " +
                            kWslSmi + ")");
  return NotFoundError("no nvidia-smi in PATH or " + std::string(kWslSmi));
}

}  // namespace nvprobe::probe
