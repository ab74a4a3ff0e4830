#include "fake_driver/machine/machine_description.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

#include "abi/driver_version.h"
#include "fake_driver/text/printable.h"
#include "fake_driver/trace/json_depth.h"
#include "fake_driver/trace/json_view.h"

namespace nvprobe::fakedrv {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::pair<const char*, int> kErrnos[] = {
    {"EPERM", EPERM}, {"ENOENT", ENOENT}, {"EIO", EIO},     {"ENXIO", ENXIO},
    {"EACCES", EACCES}, {"EBUSY", EBUSY}, {"ENODEV", ENODEV}, {"EINVAL", EINVAL},
};

template <size_t N>
bool OneOf(const std::string& s, const char* const (&names)[N]) {
  for (const char* n : names)
    if (s == n) return true;
  return false;
}

template <size_t N>
std::string List(const char* const (&names)[N]) {
  std::string out;
  for (const char* n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

// A file fault must name a file the synthesized trace has and whose loss the
// expected answer models.
Status CheckFaultFile(const std::string& path, const std::vector<MachineGpu>& gpus,
                      const std::string& where) {
  if (path == "/proc/driver/nvidia/version" || path == "/sys/module/nvidia/version") return OkStatus();
  for (const MachineGpu& g : gpus) {
    if (path == "/proc/driver/nvidia/gpus/" + g.BusId() + "/information") return OkStatus();
    for (const char* f : kFaultablePciFiles)
      if (path == "/sys/bus/pci/devices/" + g.BusId() + "/" + f) return OkStatus();
  }
  return InvalidArgumentError(where + ": \"" + path +
                              "\" is not a file whose loss is modelled (the driver's version files, "
                              "a GPU's procfs information, or its sysfs subsystem/revision)");
}

// An object's members, each name once: CheckNoDuplicateKeys has refused a name
// written twice (JsonView lists duplicates; nlohmann_json would keep the last).
std::vector<std::pair<std::string, JsonView>> Members(JsonView object) {
  std::vector<std::pair<std::string, JsonView>> members;
  for (JsonView m = object.first(); m; m = m.next()) members.emplace_back(std::string(m.key()), m);
  return members;
}

StatusOr<uint64_t> HexField(JsonView j, const std::string& key, uint64_t max,
                            const std::string& where) {
  const JsonView v = j.Find(key);
  if (!v.is_string()) return InvalidArgumentError(where + key + ": missing or not a hex string");
  const std::string s(v.string());
  if (s.size() < 3 || s.size() > 18 || s[0] != '0' || s[1] != 'x')
    return InvalidArgumentError(where + key + ": \"" + s + "\" is not 0x<hex>");
  uint64_t value = 0;
  for (size_t i = 2; i < s.size(); ++i) {
    char c = s[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return InvalidArgumentError(where + key + ": \"" + s + "\" is not lower-case hex");
    value = value * 16 + static_cast<uint64_t>(d);
  }
  if (value > max) return InvalidArgumentError(where + key + ": " + s + " is out of range");
  return value;
}

StatusOr<std::string> StringField(JsonView j, const std::string& key, const std::string& where) {
  const JsonView v = j.Find(key);
  if (!v.is_string() || v.string().empty())
    return InvalidArgumentError(where + key + ": missing or not a non-empty string");
  return std::string(v.string());
}

#define ASSIGN_OR_RETURN_(lhs, expr)     \
  auto lhs##_or = (expr);                \
  if (!lhs##_or.ok()) return lhs##_or.status(); \
  auto lhs = *lhs##_or

// What the driver can hold and NVIDIA's tools can show: a name of printable
// ASCII that fits the driver's name string, with no comma (nvidia-smi's CSV).
Status CheckGpuName(const std::string& name, const std::string& where) {
  if (name.size() > kMaxGpuNameBytes)
    return InvalidArgumentError(where + "name: longer than " + std::to_string(kMaxGpuNameBytes) +
                                " bytes (the driver's NV2080_GPU_MAX_NAME_STRING_LENGTH, " +
                                std::to_string(kMaxGpuNameBytes + 1) + " with its NUL)");
  for (unsigned char c : name) {
    if (c < 0x20 || c > 0x7e)
      return InvalidArgumentError(where + "name: byte " + std::to_string(c) +
                                  " is not printable ASCII, which the driver's name string holds");
    if (c == ',')
      return InvalidArgumentError(where + "name: \"" + name +
                                  "\" has a comma, which nvidia-smi's CSV output cannot carry");
  }
  return OkStatus();
}

// GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx in lower-case hex: the 16 bytes the
// driver holds, as it prints them.
Status CheckUuid(const std::string& uuid, const std::string& where) {
  const std::string quoted = "uuid: \"" + uuid + "\"";
  bool shape = uuid.size() == 40 && uuid.rfind("GPU-", 0) == 0;
  for (size_t k = 4; shape && k < uuid.size(); ++k)
    shape = (uuid[k] == '-') == (k == 12 || k == 17 || k == 22 || k == 27);
  if (!shape)
    return InvalidArgumentError(where + quoted +
                                " is not GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (32 hex digits, "
                                "dashes after 8, 12, 16 and 20)");
  for (size_t k = 4; k < uuid.size(); ++k) {
    const char c = uuid[k];
    if (c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) continue;
    if (c >= 'A' && c <= 'F')
      return InvalidArgumentError(where + quoted + " has an upper-case digit; the driver prints lower-case hex");
    return InvalidArgumentError(where + quoted + " has a non-hex digit; the driver holds the UUID as 16 bytes");
  }
  return OkStatus();
}

StatusOr<MachineGpu> ParseGpu(JsonView g, const std::string& where) {
  if (!g.is_object()) return InvalidArgumentError(where + ": not an object");
  static const std::set<std::string, std::less<>> kGpuKeys = {
      "pci_bus_id", "device_id", "subsystem_id", "revision_id", "class", "chip", "architecture",
      "arch",       "impl",      "compute_capability", "name", "uuid",  "memory_mib", "minor",
      "in_pci_ids"};
  for (JsonView member = g.first(); member; member = member.next()) {
    if (!kGpuKeys.count(member.key()))
      return InvalidArgumentError(where + std::string(member.key()) + ": unknown key");
  }
  MachineGpu out;
  ASSIGN_OR_RETURN_(bus_id, StringField(g, "pci_bus_id", where));
  unsigned d = 0, b = 0, s = 0, f = 0;
  char tail = 0;
  if (bus_id.size() != 12 ||
      std::sscanf(bus_id.c_str(), "%4x:%2x:%2x.%1x%c", &d, &b, &s, &f, &tail) != 4 || s > 0x1f ||
      f != 0)
    return InvalidArgumentError(where + "pci_bus_id: \"" + bus_id +
                                "\" is not DDDD:BB:SS.0 (function 0)");
  out.domain = d;
  out.bus = b;
  out.slot = s;
  if (out.BusId() != bus_id)
    return InvalidArgumentError(where + "pci_bus_id: write it lower-case, as " + out.BusId());
  ASSIGN_OR_RETURN_(dev, HexField(g, "device_id", 0xffff, where));
  out.device_id = static_cast<uint16_t>(dev);
  ASSIGN_OR_RETURN_(sub, HexField(g, "subsystem_id", 0xffffffff, where));
  out.subsystem_id = static_cast<uint32_t>(sub);
  ASSIGN_OR_RETURN_(rev, HexField(g, "revision_id", 0xff, where));
  out.revision_id = static_cast<uint8_t>(rev);
  ASSIGN_OR_RETURN_(cls, HexField(g, "class", 0xffffff, where));
  if ((cls >> 16) != 0x03)
    return InvalidArgumentError(where + "class: " + std::string(g.Find("class").string()) +
                                " is not a display controller (0x03xxxx: 0x030000 VGA, 0x030200 3D)");
  out.pci_class = static_cast<uint32_t>(cls);
  ASSIGN_OR_RETURN_(chip, StringField(g, "chip", where));
  out.chip = chip;
  ASSIGN_OR_RETURN_(arch_name, StringField(g, "architecture", where));
  out.architecture = arch_name;
  ASSIGN_OR_RETURN_(arch, HexField(g, "arch", 0xffffffff, where));
  out.arch = static_cast<uint32_t>(arch);
  ASSIGN_OR_RETURN_(impl, HexField(g, "impl", 0xffffffff, where));
  out.impl = static_cast<uint32_t>(impl);
  ASSIGN_OR_RETURN_(sm, StringField(g, "compute_capability", where));
  unsigned major = 0, minor = 0;
  if (std::sscanf(sm.c_str(), "%u.%u%c", &major, &minor, &tail) != 2 || major == 0 ||
      major > 0xff || minor > 9)
    return InvalidArgumentError(where + "compute_capability: \"" + sm + "\" is not M.m");
  out.sm_version = (major << 8) | minor;
  ASSIGN_OR_RETURN_(name, StringField(g, "name", where));
  NVPROBE_RETURN_IF_ERROR(CheckGpuName(name, where));
  out.name = name;
  ASSIGN_OR_RETURN_(uuid, StringField(g, "uuid", where));
  NVPROBE_RETURN_IF_ERROR(CheckUuid(uuid, where));
  out.uuid = uuid;
  const JsonView memory = g.Find("memory_mib");
  if (!memory.is_number_unsigned() || memory.unsigned_integer() == 0 ||
      memory.unsigned_integer() > 4194303)
    return InvalidArgumentError(where + "memory_mib: missing or not a positive number (< 4 TiB)");
  out.memory_mib = static_cast<uint32_t>(memory.unsigned_integer());
  const JsonView minor_number = g.Find("minor");
  if (!minor_number.is_number_unsigned() || minor_number.unsigned_integer() >= 255)
    return InvalidArgumentError(where + "minor: missing or not 0..254");
  out.minor = static_cast<uint32_t>(minor_number.unsigned_integer());
  if (const JsonView listed = g.Find("in_pci_ids")) {
    if (!listed.is_boolean()) return InvalidArgumentError(where + "in_pci_ids: not true or false");
    out.in_pci_ids = listed.boolean();
  }
  return out;
}

StatusOr<MachineFaults> ParseFaults(JsonView j, MachineUse use) {
  const bool synth = use == MachineUse::kSynth;
  MachineFaults f;
  if (!j.is_object()) return InvalidArgumentError("faults: not an object");
  for (const auto& [key, v] : Members(j)) {
    if (key == "ctl_open_errno") {
      f.ctl_open_errno = v.is_string() ? ErrnoFromName(std::string(v.string())) : 0;
      if (f.ctl_open_errno == 0) return InvalidArgumentError("faults.ctl_open_errno: not an errno name");
    } else if (key == "gpu_open_errno") {
      if (!v.is_object()) return InvalidArgumentError("faults.gpu_open_errno: not {minor: errno}");
      for (const auto& [minor, e] : Members(v)) {
        int err = e.is_string() ? ErrnoFromName(std::string(e.string())) : 0;
        char* end = nullptr;
        unsigned long m = std::strtoul(minor.c_str(), &end, 10);
        if (err == 0 || minor.empty() || *end != '\0' || m >= 255)
          return InvalidArgumentError("faults.gpu_open_errno." + minor + ": bad minor or errno");
        f.gpu_open_errno[static_cast<uint32_t>(m)] = err;
      }
    } else if (key == "no_driver_files") {
      if (!v.is_boolean()) return InvalidArgumentError("faults.no_driver_files: not a boolean");
      f.no_driver_files = v.boolean();
    } else if (key == "files_version") {
      if (!v.is_string()) return InvalidArgumentError("faults.files_version: not a string");
      // A driver version, as the driver's files print it (the model and synth
      // write it into them; synth looks up its CUDA level).
      if (StatusOr<abi::DriverVersion> version = abi::DriverVersion::Parse(v.string()); !version.ok())
        return InvalidArgumentError("faults.files_version: " + version.status().message());
      f.files_version = std::string(v.string());
    } else if (key == "garbled_proc_version") {
      if (!v.is_boolean()) return InvalidArgumentError("faults.garbled_proc_version: not a boolean");
      f.garbled_proc_version = v.boolean();
    } else if (key == "alloc_status") {
      if (!v.is_object()) return InvalidArgumentError("faults.alloc_status: not {class: status}");
      for (const auto& [cls, st] : Members(v)) {
        if (synth && !OneOf(cls, kFaultableClasses))
          return InvalidArgumentError("faults.alloc_status." + cls + ": not a class nvprobe allocates (" +
                                      List(kFaultableClasses) + ")");
        if (!st.is_string() || !st.string().starts_with("NV_ERR_"))
          return InvalidArgumentError("faults.alloc_status." + cls + ": not an NV_ERR_* name");
        f.alloc_status[cls] = std::string(st.string());
      }
    } else if (key == "control_status") {
      if (!v.is_object()) return InvalidArgumentError("faults.control_status: not {command: status}");
      for (const auto& [cmd, st] : Members(v)) {
        if (synth ? !OneOf(cmd, kFaultableControls) : cmd.find("_CTRL_CMD_") == std::string::npos)
          return InvalidArgumentError("faults.control_status." + cmd +
                                      (synth ? ": not a control nvprobe issues (" + List(kFaultableControls) + ")"
                                             : ": not a control command name (NVxxxx_CTRL_CMD_...)"));
        if (!st.is_string() || !st.string().starts_with("NV_ERR_"))
          return InvalidArgumentError("faults.control_status." + cmd + ": not an NV_ERR_* name");
        f.control_status[cmd] = std::string(st.string());
      }
    } else if (key == "ioctl_errno") {
      if (!v.is_object()) return InvalidArgumentError("faults.ioctl_errno: not {escape: errno}");
      for (const auto& [esc, e] : Members(v)) {
        if (synth ? !OneOf(esc, kFaultableEscapes) : esc.rfind("NV_ESC_", 0) != 0)
          return InvalidArgumentError("faults.ioctl_errno." + esc +
                                      (synth ? ": not an escape nvprobe uses (" + List(kFaultableEscapes) + ")"
                                             : ": not an escape name (NV_ESC_...)"));
        int err = e.is_string() ? ErrnoFromName(std::string(e.string())) : 0;
        if (err == 0) return InvalidArgumentError("faults.ioctl_errno." + esc + ": not an errno name");
        f.ioctl_errno[esc] = err;
      }
    } else if (key == "missing_files" || key == "garbled_files") {
      if (!v.is_array()) return InvalidArgumentError("faults." + key + ": not an array of paths");
      for (JsonView p = v.first(); p; p = p.next()) {
        if (!p.is_string()) return InvalidArgumentError("faults." + key + ": not an array of paths");
        (key == "missing_files" ? f.missing_files : f.garbled_files).emplace_back(p.string());
      }
    } else {
      return InvalidArgumentError("faults." + key + ": unknown fault");
    }
  }
  return f;
}

}  // namespace

std::string MachineGpu::BusId() const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04x:%02x:%02x.0", domain & 0xffff, bus & 0xff, slot & 0x1f);
  return buf;
}

std::string MachineGpu::ComputeCapability() const {
  return std::to_string(sm_version >> 8) + "." + std::to_string(sm_version & 0xff);
}

MachineFaults::FileState MachineFaults::StateOf(const std::string& path) const {
  for (const std::string& p : missing_files)
    if (p == path) return FileState::kMissing;
  for (const std::string& p : garbled_files)
    if (p == path) return FileState::kGarbled;
  return FileState::kOk;
}

int MachineFaults::ErrnoOf(const std::string& escape) const {
  auto it = ioctl_errno.find(escape);
  return it == ioctl_errno.end() ? 0 : it->second;
}

int ErrnoFromName(const std::string& name) {
  for (const auto& [n, v] : kErrnos)
    if (name == n) return v;
  return 0;
}

namespace {

// ParseMachine without keeping the JSON (Machine::json), which its callers copy
// or move in.
StatusOr<Machine> ParseMachineFields(JsonView j, MachineUse use) {
  if (!j.is_object()) return InvalidArgumentError("machine: not a JSON object");
  static const std::set<std::string, std::less<>> kKeys = {
      "name", "description", "source", "platform", "gpus", "faults", "notes", "passthrough"};
  for (JsonView member = j.first(); member; member = member.next()) {
    if (!kKeys.count(member.key())) return InvalidArgumentError(std::string(member.key()) + ": unknown key");
  }
  Machine m;
  ASSIGN_OR_RETURN_(name, StringField(j, "name", ""));
  m.name = name;
  ASSIGN_OR_RETURN_(source, StringField(j, "source", ""));
  m.source = source;
  if (const JsonView description = j.Find("description")) {
    if (!description.is_string()) return InvalidArgumentError("description: not a string");
    m.description = description.string();
  }
  if (const JsonView platform = j.Find("platform")) {
    if (!platform.is_string()) return InvalidArgumentError("platform: not a string");
    m.platform = platform.string();
    if (m.platform != "bare-metal" && m.platform != "container" && m.platform != "wsl2" &&
        m.platform != "no-driver")
      return InvalidArgumentError("platform: \"" + m.platform +
                                  "\" is not bare-metal, container, wsl2 or no-driver");
  }
  if (const JsonView passthrough = j.Find("passthrough")) {
    if (!passthrough.is_boolean()) return InvalidArgumentError("passthrough: not true or false");
    m.passthrough = passthrough.boolean();
    if (m.passthrough && m.platform != "bare-metal")
      return InvalidArgumentError("passthrough: a GPU passed through to a VM is seen as bare metal there");
  }
  const JsonView gpus = j.Find("gpus");
  if (!gpus.is_array()) return InvalidArgumentError("gpus: missing or not an array");
  std::set<uint32_t> minors;
  std::map<std::string, size_t> uuids;
  std::map<std::string, size_t> bus_ids;
  size_t i = 0;
  for (JsonView gpu = gpus.first(); gpu; gpu = gpu.next(), ++i) {
    std::string where = "gpus[" + std::to_string(i) + "].";
    ASSIGN_OR_RETURN_(g, ParseGpu(gpu, where));
    if (!minors.insert(g.minor).second) return InvalidArgumentError(where + "minor: used twice");
    if (auto [it, fresh] = uuids.emplace(g.uuid, i); !fresh)
      return InvalidArgumentError(where + "uuid: \"" + g.uuid + "\" is gpus[" + std::to_string(it->second) +
                                  "]'s too; every GPU has its own");
    if (auto [it, fresh] = bus_ids.emplace(g.BusId(), i); !fresh)
      return InvalidArgumentError(where + "pci_bus_id: \"" + g.BusId() + "\" is gpus[" +
                                  std::to_string(it->second) + "]'s too; every GPU has its own");
    if (!m.gpus.empty() && !(m.gpus.back().BusId() < g.BusId()))
      return InvalidArgumentError(where + "pci_bus_id: \"" + g.BusId() + "\" comes before gpus[" +
                                  std::to_string(i - 1) + "]'s \"" + m.gpus.back().BusId() +
                                  "\"; GPUs must be listed in PCI bus order");
    m.gpus.push_back(std::move(g));
  }
  if (const JsonView faults = j.Find("faults")) {
    ASSIGN_OR_RETURN_(f, ParseFaults(faults, use));
    m.faults = std::move(f);
  }
  for (const auto& [minor, err] : m.faults.gpu_open_errno) {
    (void)err;
    if (!minors.count(minor))
      return InvalidArgumentError("faults.gpu_open_errno." + std::to_string(minor) + ": no GPU has minor " +
                                  std::to_string(minor));
  }
  if (m.platform != "bare-metal") m.faults.no_driver_files = true;
  for (size_t i = 0; i < m.faults.missing_files.size(); ++i)
    NVPROBE_RETURN_IF_ERROR(CheckFaultFile(m.faults.missing_files[i], m.gpus,
                                           "faults.missing_files[" + std::to_string(i) + "]"));
  for (size_t i = 0; i < m.faults.garbled_files.size(); ++i)
    NVPROBE_RETURN_IF_ERROR(CheckFaultFile(m.faults.garbled_files[i], m.gpus,
                                           "faults.garbled_files[" + std::to_string(i) + "]"));
  return m;
}

}  // namespace

StatusOr<Machine> ParseMachine(const Json& j, MachineUse use) {
  // The checks read JsonDoc's views (ParseMachineText's fast path): of this DOM's text.
  std::string text;
  try {
    text = j.dump();
  } catch (const Json::exception& e) {
    return InvalidArgumentError(std::string("machine: ") + e.what());
  }
  JsonDoc doc;
  if (!doc.Parse(text, kMaxMachineDepth + 1))
    return InvalidArgumentError("machine: JSON nested deeper than " + std::to_string(kMaxMachineDepth) +
                                " levels");
  StatusOr<Machine> m = ParseMachineFields(doc.root(), use);
  if (!m.ok()) return Status(m.status().code(), Printable(m.status().message()));
  m->json = j;
  return m;
}

namespace {

// "LINE:COLUMN" (1-based; the column in bytes) of byte `offset` of `text`.
std::string LineColumn(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return std::to_string(line) + ":" + std::to_string(offset - line_start + 1);
}

// nlohmann's message without its "[json.exception...] parse error at ...: " prefix.
std::string ParseErrorReason(const std::string& what) {
  size_t p = what.find("parse error");
  p = p == std::string::npos ? std::string::npos : what.find(": ", p);
  return p == std::string::npos ? what : what.substr(p + 2);
}

std::string ErrnoText(int e) { return std::strerror(e); }

// Where `value` (a view of `text`) starts, as LINE:COLUMN.
std::string PlaceOf(std::string_view text, JsonView value) {
  const std::string_view raw = value.raw();
  if (raw.data() < text.data() || raw.data() > text.data() + text.size()) return "?";
  return LineColumn(text, static_cast<size_t>(raw.data() - text.data()));
}

// A key written twice in one object: JSON parsers keep one of them (nlohmann_json
// and JsonView's Find the last), so the other would be dropped silently. Refused,
// named by its path (`gpus[3].name`) and both places. `text`: what `v` views.
Status CheckNoDuplicateKeys(JsonView v, std::string_view text, const std::string& path) {
  if (v.is_array()) {
    size_t i = 0;
    for (JsonView c = v.first(); c; c = c.next(), ++i)
      NVPROBE_RETURN_IF_ERROR(CheckNoDuplicateKeys(c, text, path + "[" + std::to_string(i) + "]"));
    return OkStatus();
  }
  if (!v.is_object()) return OkStatus();
  std::unordered_map<std::string_view, JsonView> seen;
  for (JsonView c = v.first(); c; c = c.next()) {
    const std::string key_path = path.empty() ? std::string(c.key()) : path + "." + std::string(c.key());
    if (auto [it, fresh] = seen.emplace(c.key(), c); !fresh)
      return InvalidArgumentError(PlaceOf(text, c) + ": " + key_path + ": duplicate key (first at " +
                                  PlaceOf(text, it->second) + "); write each key once");
    NVPROBE_RETURN_IF_ERROR(CheckNoDuplicateKeys(c, text, key_path));
  }
  return OkStatus();
}

// The same for what only nlohmann_json parses (ParseMachineText's fallback): the
// first key written twice in an object, or "".
std::string FirstDuplicateKey(std::string_view text) {
  std::vector<std::set<std::string>> open;
  std::string duplicate;
  Json::parser_callback_t watch = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) {
      open.emplace_back();
    } else if (event == Json::parse_event_t::object_end && !open.empty()) {
      open.pop_back();
    } else if (event == Json::parse_event_t::key && !open.empty() && parsed.is_string() &&
               !open.back().insert(parsed.get<std::string>()).second && duplicate.empty()) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  try {
    const Json dom = Json::parse(text.begin(), text.end(), watch);
  } catch (const Json::exception&) {
  }
  return duplicate;
}

// Description text in a message (paths, keys, values, what the JSON parser last
// read) cannot drive the terminal it is printed on.
Status Escaped(const Status& s) { return s.ok() ? s : Status(s.code(), Printable(s.message())); }

StatusOr<Machine> ParseText(std::string_view text, const std::string& name, MachineUse use,
                            MachineJson json) {
  if (text.size() > kMaxMachineBytes)
    return InvalidArgumentError(name + ": larger than " + std::to_string(kMaxMachineBytes) +
                                " bytes, the most a machine description may be");
  if (size_t deep = FirstTooDeep(text, kMaxMachineDepth); deep != std::string_view::npos)
    return InvalidArgumentError(name + ":" + LineColumn(text, deep) + ": JSON nested deeper than " +
                                std::to_string(kMaxMachineDepth) + " levels");
  // JsonDoc (RapidJSON, views of the text): a tenth of nlohmann_json's time on the
  // 64-GPU description, and no DOM to build and free for `fakedrv run --machine`.
  // It refuses what nlohmann_json refuses, and then nlohmann_json words the error;
  // what only RapidJSON refuses (never in practice: a number such as 0e400 it finds
  // too big) goes through ParseMachine, which reads nlohmann_json's rewrite of it.
  JsonDoc doc;
  if (!doc.Parse(text, kMaxMachineDepth + 1)) {
    Json j;
    try {
      j = Json::parse(text.begin(), text.end());
    } catch (const Json::parse_error& e) {
      return InvalidArgumentError(name + ":" + LineColumn(text, e.byte == 0 ? 0 : e.byte - 1) +
                                  ": not valid JSON: " + ParseErrorReason(e.what()));
    } catch (const Json::exception& e) {
      return InvalidArgumentError(name + ": not valid JSON: " + e.what());
    }
    if (const std::string key = FirstDuplicateKey(text); !key.empty())
      return InvalidArgumentError(name + ": \"" + key + "\": duplicate key in one object; write each key once");
    StatusOr<Machine> m = ParseMachine(j, use);
    if (!m.ok()) return InvalidArgumentError(name + ": " + m.status().message());
    if (json == MachineJson::kDrop) m->json = nullptr;
    return m;
  }
  if (Status s = CheckNoDuplicateKeys(doc.root(), text, ""); !s.ok())
    return InvalidArgumentError(name + ":" + s.message());
  StatusOr<Machine> m = ParseMachineFields(doc.root(), use);
  if (!m.ok()) return InvalidArgumentError(name + ": " + m.status().message());
  if (json == MachineJson::kKeep) m->json = doc.root().ToJson();
  return m;
}

StatusOr<Machine> Load(const std::string& path, MachineUse use, MachineJson json) {
  // O_NONBLOCK: opening a FIFO no process writes to returns at once instead of
  // waiting for a writer (forever); the reads below block again.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return NotFoundError(path + ": cannot open: " + ErrnoText(errno));
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  struct stat st {};
  if (fstat(fd, &st) != 0) return InvalidArgumentError(path + ": cannot read: " + ErrnoText(errno));
  if (S_ISDIR(st.st_mode)) return InvalidArgumentError(path + ": cannot read: " + ErrnoText(EISDIR));
  std::string text;
  char buf[65536];
  if (S_ISFIFO(st.st_mode)) {
    // A pipe or FIFO: a read now gives data, EAGAIN while a writer holds it open
    // (`--machine <(cmd)`), or end of file when none does (nothing will ever come).
    ssize_t n;
    do n = read(fd, buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    if (n == 0)
      return InvalidArgumentError(path + ": a FIFO with no writer: nothing to read (write the description into it "
                                         "while fakedrv reads, or give a file)");
    if (n < 0 && errno != EAGAIN) return InvalidArgumentError(path + ": cannot read: " + ErrnoText(errno));
    if (n > 0) text.append(buf, static_cast<size_t>(n));
  }
  if (const int flags = fcntl(fd, F_GETFL); flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
    return InvalidArgumentError(path + ": cannot read: " + ErrnoText(errno));
  // One byte more than allowed tells a file that is too large (or endless).
  while (text.size() <= kMaxMachineBytes) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return InvalidArgumentError(path + ": cannot read: " + ErrnoText(errno));
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  return ParseText(text, path, use, json);
}

}  // namespace

StatusOr<Machine> ParseMachineText(std::string_view text, const std::string& name, MachineUse use,
                                   MachineJson json) {
  StatusOr<Machine> m = ParseText(text, name, use, json);
  if (!m.ok()) return Escaped(m.status());
  return m;
}

StatusOr<Machine> LoadMachine(const std::string& path, MachineUse use, MachineJson json) {
  StatusOr<Machine> m = Load(path, use, json);
  if (!m.ok()) return Escaped(m.status());
  return m;
}

std::vector<std::string> MachineWarnings(const Machine& m) {
  std::vector<std::string> warnings;
  if (m.gpus.size() > kNvMaxDevices)
    warnings.push_back(
        std::to_string(m.gpus.size()) + " GPUs: NVIDIA's nvidia-smi and NVML refuse a machine with more than " +
        std::to_string(kNvMaxDevices) +
        " (NV_MAX_DEVICES): they ask the driver's card info for that many entries, and a driver with more GPUs "
        "answers EINVAL (nv.c:nvidia_read_card_info()), as on a real machine");
  return warnings;
}

}  // namespace nvprobe::fakedrv

