#include "probe/files_source.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <sstream>

#include "abi/driver_version.h"
#include "probe/card_info.h"

namespace nvprobe::probe {
namespace {

constexpr size_t kMaxFile = 64 * 1024;

std::string Trim(std::string s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool IsText(const std::string& s) {
  for (char c : s)
    if (c == '\0' || (!std::isprint(static_cast<unsigned char>(c)) && c != '\n' && c != '\t'))
      return false;
  return true;
}

// "0x10de\n" -> 0x10de, nullopt when not a hex number that fits `max`.
std::optional<uint32_t> ParseHex(const std::string& text, uint32_t max) {
  std::string t = Trim(text);
  if (t.size() < 3 || t.size() > 10 || t[0] != '0' || (t[1] != 'x' && t[1] != 'X')) return std::nullopt;
  uint64_t v = 0;
  for (size_t i = 2; i < t.size(); ++i) {
    if (!std::isxdigit(static_cast<unsigned char>(t[i]))) return std::nullopt;
    v = v * 16 + static_cast<uint64_t>(std::isdigit(static_cast<unsigned char>(t[i]))
                                           ? t[i] - '0'
                                           : std::tolower(static_cast<unsigned char>(t[i])) - 'a' + 10);
  }
  if (v > max) return std::nullopt;
  return static_cast<uint32_t>(v);
}

std::optional<std::string> ValidVersion(const std::string& token) {
  if (abi::DriverVersion::Parse(token).ok()) return token;
  return std::nullopt;
}

void ReadPciDevices(System& sys, std::map<std::string, GpuInfo>& gpus,
                    std::vector<std::string>& notes, std::vector<std::string>& warnings) {
  const std::string dir = "/sys/bus/pci/devices";
  StatusOr<std::vector<std::string>> names = sys.ListDir(dir);
  if (!names.ok()) {
    notes.push_back(names.status().message());
    return;
  }
  for (const std::string& name : *names) {
    std::string base = dir + "/" + name + "/";
    StatusOr<std::string> vendor = sys.ReadFile(base + "vendor", 64);
    if (!vendor.ok() || ParseHex(*vendor, 0xffff) != 0x10de) continue;
    StatusOr<std::string> cls = sys.ReadFile(base + "class", 64);
    std::optional<uint32_t> klass = cls.ok() ? ParseHex(*cls, 0xffffff) : std::nullopt;
    if (!klass || (*klass >> 16) != 0x03) continue;  // display controllers only
    std::optional<std::string> bus = NormalizeBusId(name);
    if (!bus) {
      warnings.push_back("files: " + dir + "/" + name + " is not a PCI bus ID; skipped");
      continue;
    }
    GpuInfo& g = gpus[*bus];
    g.pci_bus_id = *bus;
    g.pci_vendor_id = 0x10de;
    auto field = [&](const char* file, uint32_t max) -> std::optional<uint32_t> {
      StatusOr<std::string> t = sys.ReadFile(base + file, 64);
      if (!t.ok()) return std::nullopt;
      std::optional<uint32_t> v = ParseHex(*t, max);
      if (!v) warnings.push_back("files: " + base + file + " is not a hex number");
      return v;
    };
    if (auto d = field("device", 0xffff)) g.pci_device_id = static_cast<uint16_t>(*d);
    auto sv = field("subsystem_vendor", 0xffff), sd = field("subsystem_device", 0xffff);
    if (sv && sd) g.pci_subsystem_id = (*sd << 16) | *sv;
    if (auto r = field("revision", 0xff)) g.pci_revision_id = static_cast<uint8_t>(*r);
  }
}

}  // namespace

void CapGpuName(std::string& name, const std::string& where, std::vector<std::string>& warnings) {
  if (name.size() <= kMaxGpuNameBytes) return;
  size_t cut = kMaxGpuNameBytes;
  // Not inside a UTF-8 sequence: back up over continuation bytes to its lead byte.
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xc0) == 0x80) --cut;
  warnings.push_back(where + " is " + std::to_string(name.size()) + " bytes long; truncated to " +
                     std::to_string(kMaxGpuNameBytes) + " bytes");
  name.resize(cut);
  while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
}

std::optional<std::string> NormalizeBusId(const std::string& text) {
  // domain:bus:slot.function, domain up to 8 hex digits (nvidia-smi prints 8).
  std::string t = Trim(text);
  unsigned domain = 0, bus = 0, slot = 0, function = 0;
  size_t c1 = t.find(':'), c2 = t.find(':', c1 == std::string::npos ? 0 : c1 + 1),
         dot = t.find('.');
  if (c1 == std::string::npos || c2 == std::string::npos || dot == std::string::npos ||
      !(c1 < c2 && c2 < dot) || c1 == 0 || c1 > 8 || c2 - c1 != 3 || dot - c2 != 3 ||
      t.size() != dot + 2)
    return std::nullopt;
  for (size_t i = 0; i < t.size(); ++i)
    if (i != c1 && i != c2 && i != dot && !std::isxdigit(static_cast<unsigned char>(t[i])))
      return std::nullopt;
  domain = static_cast<unsigned>(std::strtoul(t.substr(0, c1).c_str(), nullptr, 16));
  bus = static_cast<unsigned>(std::strtoul(t.substr(c1 + 1, 2).c_str(), nullptr, 16));
  slot = static_cast<unsigned>(std::strtoul(t.substr(c2 + 1, 2).c_str(), nullptr, 16));
  function = static_cast<unsigned>(std::strtoul(t.substr(dot + 1, 1).c_str(), nullptr, 16));
  if (domain > 0xffff || slot > 0x1f || function > 7) return std::nullopt;
  return FormatBusId(domain, bus, slot, function);
}

std::optional<std::string> ParseProcVersion(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("NVRM version:", 0) != 0) continue;
    std::istringstream words(line.substr(13));
    std::string w;
    while (words >> w)
      if (auto v = ValidVersion(w)) return v;
    return std::nullopt;
  }
  return std::nullopt;
}

void ParseGpuInformation(const std::string& text, const std::string& path, GpuInfo& gpu,
                         std::vector<std::string>& warnings) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = Trim(line.substr(0, colon)), value = Trim(line.substr(colon + 1));
    if (key == "Model" && !value.empty()) {
      CapGpuName(value, "files: " + path + ": field \"Model\"", warnings);
      gpu.name = value;
    } else if (key == "GPU UUID") {
      if (value.rfind("GPU-", 0) == 0)
        gpu.uuid = value;
      else if (!value.empty() && value.find("N/A") == std::string::npos)
        warnings.push_back("files: " + path + ": field \"GPU UUID\" is not a GPU UUID");
    } else if (key == "Device Minor") {
      char* end = nullptr;
      unsigned long m = std::strtoul(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || m >= 255)
        warnings.push_back("files: " + path + ": field \"Device Minor\" is not a minor number");
      else
        gpu.minor = static_cast<uint32_t>(m);
    }
  }
}

FilesFindings ReadDriverFiles(System& sys, std::vector<std::string>& warnings, bool per_gpu) {
  FilesFindings f;
  const std::string sys_path = "/sys/module/nvidia/version";
  if (StatusOr<std::string> t = sys.ReadFile(sys_path, 256); t.ok()) {
    std::string v = Trim(*t);
    if (auto valid = ValidVersion(v))
      f.sys_module_version = valid;
    else
      warnings.push_back("files: " + sys_path + " does not hold a version");
  } else {
    f.notes.push_back(t.status().message());
  }

  const std::string proc_path = "/proc/driver/nvidia/version";
  if (StatusOr<std::string> t = sys.ReadFile(proc_path, kMaxFile); t.ok()) {
    f.proc_version = ParseProcVersion(*t);
    if (!f.proc_version)
      warnings.push_back("files: " + proc_path + ": no version in its \"NVRM version:\" line");
  } else {
    f.notes.push_back(t.status().message());
  }

  if (!per_gpu) return f;
  std::map<std::string, GpuInfo> gpus;  // by bus ID: the PCI order nvidia-smi uses
  const std::string gpus_dir = "/proc/driver/nvidia/gpus";
  if (StatusOr<std::vector<std::string>> names = sys.ListDir(gpus_dir); names.ok()) {
    for (const std::string& name : *names) {
      std::optional<std::string> bus = NormalizeBusId(name);
      if (!bus) {
        warnings.push_back("files: " + gpus_dir + "/" + name + " is not a PCI bus ID; skipped");
        continue;
      }
      GpuInfo& g = gpus[*bus];
      g.pci_bus_id = *bus;
      std::string path = gpus_dir + "/" + name + "/information";
      StatusOr<std::string> t = sys.ReadFile(path, kMaxFile);
      if (!t.ok()) {
        warnings.push_back("files: " + t.status().message());
        continue;
      }
      if (!IsText(*t)) {
        warnings.push_back("files: " + path + " holds non-text bytes; ignored");
        continue;
      }
      ParseGpuInformation(*t, path, g, warnings);
    }
  } else {
    f.notes.push_back(names.status().message());
  }
  ReadPciDevices(sys, gpus, f.notes, warnings);
  uint32_t index = 0;
  for (auto& [bus, g] : gpus) {
    g.index = index++;
    g.source = kSourceFiles;
    f.gpus.push_back(std::move(g));
  }
  return f;
}

}  // namespace nvprobe::probe
