#include "probe/output.h"

#include <algorithm>

#include <cctype>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

namespace nvprobe::probe {
namespace {

using json = nlohmann::ordered_json;

std::string Hex(uint64_t v, int digits) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}

template <typename T>
json Opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}
template <typename T>
json OptHex(const std::optional<T>& v, int digits) {
  return v ? json(Hex(*v, digits)) : json(nullptr);
}

// nvidia-smi's form of a bus ID: "00000000:3B:00.0".
std::string SmiBusId(const std::string& bus) {
  std::string up;
  for (char c : bus) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return "0000" + up;
}

// The longest prefix of `s` of at most `max` bytes that does not end inside a UTF-8
// sequence.
std::string Prefix(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;
  return s.substr(0, cut);
}

}  // namespace

std::string EscapeControl(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  auto hex = [&](unsigned char b) {
    static const char kDigits[] = "0123456789abcdef";
    o += "\\x";
    o += kDigits[b >> 4];
    o += kDigits[b & 15];
  };
  auto cont = [&](size_t i, unsigned char lo, unsigned char hi) {
    return i < s.size() && static_cast<unsigned char>(s[i]) >= lo &&
           static_cast<unsigned char>(s[i]) <= hi;
  };
  for (size_t i = 0; i < s.size();) {
    const unsigned char b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      if (b == '\n') o += "\\n";
      else if (b == '\r') o += "\\r";
      else if (b == '\t') o += "\\t";
      else if (b < 0x20 || b == 0x7f) hex(b);
      else o += static_cast<char>(b);
      ++i;
      continue;
    }
    // A well-formed UTF-8 sequence (RFC 3629: no overlong forms, no surrogates,
    // nothing past U+10FFFF), else the lead byte alone is escaped.
    size_t len = 0;
    if (b >= 0xc2 && b <= 0xdf) len = cont(i + 1, 0x80, 0xbf) ? 2 : 0;
    else if (b == 0xe0) len = cont(i + 1, 0xa0, 0xbf) && cont(i + 2, 0x80, 0xbf) ? 3 : 0;
    else if (b == 0xed) len = cont(i + 1, 0x80, 0x9f) && cont(i + 2, 0x80, 0xbf) ? 3 : 0;
    else if (b >= 0xe1 && b <= 0xef) len = cont(i + 1, 0x80, 0xbf) && cont(i + 2, 0x80, 0xbf) ? 3 : 0;
    else if (b == 0xf0)
      len = cont(i + 1, 0x90, 0xbf) && cont(i + 2, 0x80, 0xbf) && cont(i + 3, 0x80, 0xbf) ? 4 : 0;
    else if (b >= 0xf1 && b <= 0xf3)
      len = cont(i + 1, 0x80, 0xbf) && cont(i + 2, 0x80, 0xbf) && cont(i + 3, 0x80, 0xbf) ? 4 : 0;
    else if (b == 0xf4)
      len = cont(i + 1, 0x80, 0x8f) && cont(i + 2, 0x80, 0xbf) && cont(i + 3, 0x80, 0xbf) ? 4 : 0;
    if (len == 0) {
      hex(b);
      ++i;
    } else if (b == 0xc2 && static_cast<unsigned char>(s[i + 1]) < 0xa0) {  // C1 control
      hex(b);
      hex(static_cast<unsigned char>(s[i + 1]));
      i += 2;
    } else {
      o.append(s.substr(i, len));
      i += len;
    }
  }
  return o;
}

std::string ToJson(const ProbeResult& r) {
  json doc;
  doc["schema"] = kSchema;
  doc["driver"] = {{"version", Opt(r.driver.version)},
                   {"source", r.driver.version ? json(r.driver.source) : json(nullptr)},
                   {"cuda", Opt(r.driver.cuda)},
                   {"abi_release", Opt(r.driver.abi_release)}};
  doc["platform"] = r.platform;
  doc["gpus"] = json::array();
  for (const GpuInfo& g : r.gpus) {
    doc["gpus"].push_back({{"index", g.index},
                           {"pci_bus_id", Opt(g.pci_bus_id)},
                           {"pci_vendor_id", OptHex(g.pci_vendor_id, 4)},
                           {"pci_device_id", OptHex(g.pci_device_id, 4)},
                           {"pci_subsystem_id", OptHex(g.pci_subsystem_id, 8)},
                           {"pci_revision_id", OptHex(g.pci_revision_id, 2)},
                           {"name", Opt(g.name)},
                           {"uuid", Opt(g.uuid)},
                           {"architecture", Opt(g.architecture)},
                           {"chip", Opt(g.chip)},
                           {"compute_capability", Opt(g.compute_capability)},
                           {"compute_capability_source", Opt(g.compute_capability_source)},
                           {"memory_mib", Opt(g.memory_mib)},
                           {"minor", Opt(g.minor)},
                           {"source", g.source}});
  }
  doc["sources_tried"] = json::array();
  for (const SourceReport& s : r.sources_tried) {
    doc["sources_tried"].push_back({{"source", s.source},
                                    {"ok", s.ok},
                                    {"skipped", s.skipped},
                                    {"found", s.found.empty() ? json(nullptr) : json(s.found)},
                                    {"error", s.error.empty() ? json(nullptr) : json(s.error)},
                                    {"elapsed_us", s.elapsed_us}});
  }
  doc["warnings"] = r.warnings;
  // Driver data may carry any bytes: replace invalid UTF-8 rather than throw.
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string ToHuman(const ProbeResult& r) {
  std::ostringstream o;
  // Every string may come from the driver, nvidia-smi or the environment.
  auto s = [](const std::optional<std::string>& v) {
    return v ? EscapeControl(*v) : std::string("-");
  };
  o << "Driver:   " << s(r.driver.version);
  if (r.driver.version) o << "  (from " << EscapeControl(r.driver.source) << ")";
  o << "\nCUDA:     " << s(r.driver.cuda) << "\nPlatform: " << EscapeControl(r.platform) << "\n";
  if (r.gpus.empty()) {
    o << "GPUs:     none found\n";
  } else {
    o << "\n";
    char line[512];
    auto arch_of = [&](const GpuInfo& g) {
      std::string arch = s(g.architecture);
      if (g.chip) arch += " " + EscapeControl(*g.chip);
      return arch;
    };
    // As wide as the longest ("Ada Lovelace AD102" overflowed a fixed 13), within
    // what the line holds.
    int arch_width = 13;
    for (const GpuInfo& g : r.gpus) {
      arch_width = std::max(arch_width, std::min(static_cast<int>(arch_of(g).size()), 64));
    }
    std::snprintf(line, sizeof(line), "%-3s %-12s %-6s %-32s %-4s %-*s %-10s %s\n", "#",
                  "PCI bus", "device", "name", "cc", arch_width, "architecture", "memory", "uuid");
    o << line;
    bool unnamed = false, no_memory = false, full_failed = false;
    for (const SourceReport& src : r.sources_tried)
      full_failed |= src.source == kSourceIoctlFull && !src.ok && !src.skipped;
    for (const GpuInfo& g : r.gpus) {
      unnamed |= !g.name || !g.uuid;
      no_memory |= !g.memory_mib;
      std::string mem = g.memory_mib ? std::to_string(*g.memory_mib) + " MiB" : "-";
      std::string dev = g.pci_device_id ? Hex(*g.pci_device_id, 4) : "-";
      const std::string arch = arch_of(g);
      std::string name = g.name ? EscapeControl(Prefix(*g.name, 32)) : "-";
      // The UUID, of any length nvidia-smi printed, is not cut by the line buffer.
      std::snprintf(line, sizeof(line), "%-3u %-12s %-6s %-32s %-4s %-*s %-10s ", g.index,
                    s(g.pci_bus_id).c_str(), dev.c_str(), name.c_str(),
                    s(g.compute_capability).c_str(), arch_width, arch.c_str(), mem.c_str());
      o << line << s(g.uuid) << "\n";
    }
    if (unnamed)
      o << "(-: not learned; names and UUIDs: --details, those and memory: --full)\n";
    else if (no_memory && !full_failed)
      o << "(-: not learned; memory: --full)\n";
    else if (no_memory)
      o << "(-: not learned; memory: the full path failed, see ioctl-full below)\n";
  }
  o << "\nSources:\n";
  for (const SourceReport& src : r.sources_tried) {
    o << "  " << EscapeControl(src.source) << ": "
      << (src.skipped ? "skipped" : src.ok ? "ok" : "failed") << " (" << src.elapsed_us
      << " us)";
    if (!src.found.empty()) o << " - " << EscapeControl(src.found);
    if (!src.error.empty()) o << (src.found.empty() ? " - " : "; ") << EscapeControl(src.error);
    o << "\n";
  }
  if (!r.warnings.empty()) {
    o << "\nWarnings:\n";
    for (const std::string& w : r.warnings) o << "  " << EscapeControl(w) << "\n";
  }
  return o.str();
}

bool CsvFieldNeedsDetails(const std::string& f) {
  return f == "name" || f == "gpu_name" || f == "uuid" || f == "gpu_uuid";
}

bool CsvFieldNeedsFull(const std::string& f) { return f == "memory.total"; }

StatusOr<std::string> ToCsv(const ProbeResult& r, const std::vector<std::string>& fields,
                            CsvFormat format) {
  const std::string na = "[N/A]";
  std::vector<std::string> header;
  for (const std::string& f : fields) {
    if (f == "driver_version" || f == "name" || f == "gpu_name" || f == "pci.bus_id" ||
        f == "gpu_bus_id" || f == "uuid" || f == "gpu_uuid" || f == "compute_cap")
      header.push_back(f);
    else if (f == "memory.total")
      header.push_back(format.units ? "memory.total [MiB]" : "memory.total");
    else
      return InvalidArgumentError("Field \"" + f + "\" is not a valid field to query.");
  }
  std::ostringstream o;
  auto row = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) o << (i ? ", " : "") << EscapeControl(cells[i]);
    o << "\n";
  };
  if (format.header) row(header);
  for (const GpuInfo& g : r.gpus) {
    std::vector<std::string> cells;
    for (const std::string& f : fields) {
      if (f == "driver_version")
        cells.push_back(r.driver.version.value_or(na));
      else if (f == "name" || f == "gpu_name")
        cells.push_back(g.name.value_or(na));
      else if (f == "pci.bus_id" || f == "gpu_bus_id")
        cells.push_back(g.pci_bus_id ? SmiBusId(*g.pci_bus_id) : na);
      else if (f == "uuid" || f == "gpu_uuid")
        cells.push_back(g.uuid.value_or(na));
      else if (f == "compute_cap")
        cells.push_back(g.compute_capability.value_or(na));
      else if (f == "memory.total")
        cells.push_back(g.memory_mib ? std::to_string(*g.memory_mib) + (format.units ? " MiB" : "")
                                     : na);
    }
    row(cells);
  }
  return o.str();
}

}  // namespace nvprobe::probe
