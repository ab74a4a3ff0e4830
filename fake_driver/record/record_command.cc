#include "fake_driver/record/record_command.h"

#include <pwd.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

#include "fake_driver/trace/executable_path.h"
#include "fake_driver/trace/hex.h"
#include "fake_driver/trace/output_file.h"
#include "fake_driver/record/record_anonymize.h"
#include "fake_driver/trace/trace_io.h"
#include "fake_driver/record/tracer.h"

namespace nvprobe::fakedrv {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The driver version the files say: the first token that parses as a version on
// /proc/driver/nvidia/version's first line, else /sys/module/nvidia/version.
std::string VersionFromFiles() {
  std::istringstream line(Slurp("/proc/driver/nvidia/version").substr(0, 512));
  std::string first;
  std::getline(line, first);
  std::istringstream words(first);
  std::string w;
  while (words >> w) {
    if (!w.empty() && std::isdigit(static_cast<unsigned char>(w[0])) &&
        w.find('.') != std::string::npos && abi::DriverVersion::Parse(w).ok()) {
      return w;
    }
  }
  std::string s = Slurp("/sys/module/nvidia/version");
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return abi::DriverVersion::Parse(s).ok() ? s : "";
}

// Whether `b` (captured with some ABI) has exactly the nested buffers that `abi`
// describes for `layout`; sets the layouts to `abi`'s.
bool Conform(const abi::Abi& abi, ArgBuffer& b, const abi::StructLayout* layout) {
  b.layout = layout;
  if (layout == nullptr) return b.nested.empty();
  if (b.in.empty() || b.in.size() % layout->size != 0) return false;
  StatusOr<std::vector<PointerTarget>> targets = PointerTargets(abi, *layout, b.in);
  if (!targets.ok() || targets->size() != b.nested.size()) return false;
  for (const PointerTarget& t : *targets) {
    ArgBuffer* child = nullptr;
    for (ArgBuffer& c : b.nested) {
      if (c.field == t.field->name) child = &c;
    }
    if (child == nullptr || child->in.size() != t.length || !Conform(abi, *child, t.layout)) {
      return false;
    }
  }
  return true;
}

std::string Field(const std::string& content, const std::string& key) {
  size_t p = content.find(key);
  if (p == std::string::npos) return "";
  size_t b = content.find_first_not_of(" \t", p + key.size());
  size_t e = content.find('\n', p);
  if (b == std::string::npos || (e != std::string::npos && b >= e)) return "";
  std::string v = content.substr(b, e == std::string::npos ? std::string::npos : e - b);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
  return v;
}

std::string NowUtc() {
  char buf[32];
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

std::string UnknownToAbi(const abi::Abi& abi, const IoctlEvent& ev) {
  const abi::Binding* esc = abi.EscapeByNumber(ev.nr());
  if (esc == nullptr) return "escape " + HexNumber(ev.nr()) + " (request " + HexNumber(ev.request) + ")";
  const abi::StructLayout* layout = EscapeLayout(abi, ev.nr(), ev.args.in.size());
  if (layout != nullptr && ev.args.in.size() == layout->size) {
    for (const abi::Field& f : layout->fields) {
      if (!f.nested || f.nested->selector_field.empty()) continue;
      const abi::Field* sf = layout->Find(f.nested->selector_field);
      if (sf == nullptr) continue;
      uint32_t v = static_cast<uint32_t>(LoadUint(ev.args.in, sf->offset, sf->width));
      using EF = abi::NestedBuffer::ElementFrom;
      if (f.nested->element_from == EF::kControlCommand && v != 0 && abi.ControlByNumber(v) == nullptr) {
        return esc->name + " cmd " + HexNumber(v);
      }
      if (f.nested->element_from == EF::kAllocClass && v != 0 && abi.ClassByNumber(v) == nullptr) {
        return esc->name + " class " + HexNumber(v);
      }
      if (f.nested->element_from == EF::kEscape && v != 0 && abi.EscapeByNumber(v) == nullptr) {
        return esc->name + " escape " + HexNumber(v);
      }
    }
  }
  if (ev.nested_not_followed) {
    // Name what selected the nested layout, if anything did.
    std::string what = esc->name;
    if (layout != nullptr && ev.args.in.size() == layout->size) {
      for (const abi::Field& f : layout->fields) {
        if (!f.nested || f.nested->selector_field.empty()) continue;
        const abi::Field* sf = layout->Find(f.nested->selector_field);
        if (sf == nullptr) continue;
        uint32_t v = static_cast<uint32_t>(LoadUint(ev.args.in, sf->offset, sf->width));
        const abi::Binding* b = f.nested->element_from == abi::NestedBuffer::ElementFrom::kControlCommand
                                    ? abi.ControlByNumber(v)
                                    : abi.ClassByNumber(v);
        what += " " + (b ? b->name : HexNumber(v));
      }
    }
    return what + " (nested buffers not followed)";
  }
  return "";
}

Trace BuildRecordedTrace(const Recorder& recorder, std::shared_ptr<const abi::Abi> abi) {
  Trace t;
  t.abi = std::move(abi);
  t.driver = t.abi->release().ToString();
  t.origin = "recorded";
  t.files = recorder.files();
  for (const IoctlEvent& captured : recorder.events()) {
    const FileNode* dev = t.FindFile(captured.device);
    if (dev == nullptr || dev->type != NodeType::kCharDev) continue;
    IoctlEvent ev = captured;
    ev.args.address = 0;
    bool known = t.abi->EscapeByNumber(ev.nr()) != nullptr;
    if (ev.nested_not_followed || !known || !Conform(*t.abi, ev.args, EscapeLayout(*t.abi, ev.nr(), ev.args.in.size()))) {
      ev.nested_not_followed = true;
      ev.args.layout = nullptr;
      ev.args.nested.clear();
    }
    t.events.push_back(std::move(ev));
  }
  return t;
}

int RecordCommand(const abi::Registry& registry, const RecordOptions& options, std::ostream& err) {
  std::string file_version = VersionFromFiles();
  std::shared_ptr<const abi::Abi> initial;
  if (!file_version.empty()) {
    StatusOr<abi::Resolution> r = registry.Resolve(file_version);
    if (r.ok()) {
      StatusOr<std::shared_ptr<const abi::Abi>> a = registry.AbiOf(r->release);
      if (a.ok()) initial = *a;
    }
  }
  // Found out now, not after CMD has run.
  if (StatusOr<std::string> program = FindExecutable(options.argv[0]);
      program.ok() && SameFile(options.output, *program)) {
    err << "fakedrv record: -o " << options.output << " is the program to record (" << *program
        << "); write the trace elsewhere (the command was not run)\n";
    return kExitRecordFailed;
  }
  if (Status s = CheckOutputPath(options.output); !s.ok()) {
    err << "fakedrv record: " << s.message() << " (the command was not run)\n";
    return kExitRecordFailed;
  }
  Recorder recorder(registry, initial);
  StatusOr<int> status = TraceCommand(options.argv, recorder);
  if (!status.ok()) {
    err << "fakedrv record: " << status.status().message() << "\n";
    return kExitRecordFailed;
  }
  if (!recorder.command_ran()) {
    // The child said why ("cannot run ..."); there is nothing to record.
    err << "fakedrv record: no trace written: " << options.argv[0] << " did not run\n";
    return *status;
  }
  std::string reported = recorder.reported_version();
  std::string version = reported.empty() ? file_version : reported;
  if (version.empty()) {
    err << "fakedrv record: no trace written: the driver version is unknown (no "
           "NV_ESC_CHECK_VERSION_STR reply, no /proc/driver/nvidia/version or "
           "/sys/module/nvidia/version)\n";
    return kExitRecordFailed;
  }
  StatusOr<abi::Resolution> res = registry.Resolve(version);
  StatusOr<std::shared_ptr<const abi::Abi>> abi =
      res.ok() ? registry.AbiOf(res->release) : StatusOr<std::shared_ptr<const abi::Abi>>(res.status());
  if (!abi.ok()) {
    err << "fakedrv record: no trace written: driver " << version << ": " << abi.status().message() << "\n";
    return kExitRecordFailed;
  }
  if (!res->exact()) err << "fakedrv record: " << res->notice << "\n";
  Trace trace = BuildRecordedTrace(recorder, *abi);

  // Provenance.
  utsname u{};
  uname(&u);
  std::string command;
  for (const std::string& a : options.argv) command += (command.empty() ? "" : " ") + a;
  nlohmann::ordered_json gpus = nlohmann::ordered_json::array();
  for (const FileNode& f : trace.files) {
    if (f.type != NodeType::kFile || f.path.rfind("/proc/driver/nvidia/gpus/", 0) != 0) continue;
    std::string model = Field(f.content, "Model:");
    if (model.empty()) continue;
    gpus.push_back({{"name", model}, {"pci_bus_id", Field(f.content, "Bus Location:")}});
  }
  const std::string date = NowUtc();
  nlohmann::ordered_json rec = {
      {"tool", kRecorderVersion},
      {"date", date},
      {"kernel", std::string(u.sysname) + " " + u.release + " " + u.version + " " + u.machine},
      {"command", options.argv},
      {"driver_reported", version},
      {"abi_release", trace.driver},
      {"anonymized", options.anonymize},
  };
  trace.machine = {{"gpus", gpus}, {"recorded", rec}};
  trace.provenance = "recorded by " + std::string(kRecorderVersion) + " on " + u.sysname + " " +
                     u.release + " " + u.machine + ", " + date + ", driver " + version + ": " + command;
  if (options.anonymize) {
    AnonymizeOptions ao;
    char host[256] = {0};
    if (gethostname(host, sizeof host - 1) == 0 && std::strlen(host) >= 4) ao.extra_names.push_back(host);
    if (const passwd* pw = getpwuid(getuid()); pw != nullptr && std::strlen(pw->pw_name) >= 4) {
      ao.extra_names.push_back(pw->pw_name);
    }
    std::map<std::string, std::string> replaced = AnonymizeTrace(trace, ao);
    err << "fakedrv record: anonymized " << replaced.size() << " value(s)\n";
  }

  std::ostringstream text;
  WriteTrace(trace, text);
  std::istringstream again(text.str());
  TraceLoad check = ParseTrace(again, options.output, registry);
  StatusOr<OutputFile> out = OutputFile::Create(options.output);
  Status written = out.ok() ? out->Write(text.str()) : out.status();
  if (written.ok() && !check.ok()) {
    out->Keep();
    err << "fakedrv record: the recorded trace does not validate (a recorder bug; kept as "
        << out->temp_path() << "):\n";
    for (const std::string& e : check.errors) err << "  " << e << "\n";
    return kExitRecordFailed;
  }
  if (written.ok()) written = out->Commit();
  if (!written.ok()) {
    err << "fakedrv record: " << written.message() << "\n";
    return kExitRecordFailed;
  }

  // Summary.
  std::vector<std::pair<std::string, int>> unknown;
  int unknown_count = 0;
  for (const IoctlEvent& ev : trace.events) {
    std::string what = UnknownToAbi(*trace.abi, ev);
    if (what.empty()) continue;
    ++unknown_count;
    bool found = false;
    for (auto& [w, n] : unknown) {
      if (w == what) found = (++n, true);
    }
    if (!found) unknown.emplace_back(what, 1);
  }
  err << "fakedrv record: wrote " << options.output << ": " << trace.files.size() << " files, "
      << trace.events.size() << " requests, " << unknown_count << " unknown to the ABI for "
      << trace.driver;
  for (size_t i = 0; i < unknown.size(); ++i) {
    err << (i == 0 ? ": " : ", ") << unknown[i].first;
    if (unknown[i].second > 1) err << " (x" << unknown[i].second << ")";
  }
  err << "\n";
  std::vector<std::pair<std::string, int>> skipped;  // grouped, first-seen order
  for (const std::string& s : recorder.skipped()) {
    bool found = false;
    for (auto& [w, n] : skipped) {
      if (w == s) found = (++n, true);
    }
    if (!found) skipped.emplace_back(s, 1);
  }
  for (const auto& [s, n] : skipped) {
    err << "fakedrv record: not recorded: " << s << (n > 1 ? " (x" + std::to_string(n) + ")" : "")
        << "\n";
  }
  return *status;
}

}  // namespace nvprobe::fakedrv
