#include "fake_driver/abi_commands.h"

#include <cstdio>
#include <iomanip>
#include <memory>

#include <nlohmann/json.hpp>

#include "abi/abi_diff.h"
#include "abi/abi_json.h"

namespace nvprobe::fakedrv {
namespace {

// Resolves `version` to a known release's ABI, printing the notice if it was not
// known exactly. Returns null after printing an error.
std::shared_ptr<const abi::Abi> Load(const abi::Registry& registry, const std::string& version,
                                     std::ostream& err) {
  StatusOr<abi::Resolution> r = registry.Resolve(version);
  if (!r.ok()) {
    err << "fakedrv: " << r.status().message() << "\n";
    return nullptr;
  }
  if (!r->exact()) err << "fakedrv: notice: " << r->notice << "\n";
  StatusOr<std::shared_ptr<const abi::Abi>> a = registry.AbiOf(r->release);
  if (!a.ok()) {
    err << "fakedrv: " << a.status().message() << "\n";
    return nullptr;
  }
  return *a;
}

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

void DumpText(const abi::Abi& a, std::ostream& out) {
  out << "driver " << a.release().ToString() << ": " << a.structs().size() << " structs, "
      << a.constants().size() << " constants";
  if (!a.carried_back().empty()) {
    out << " (" << a.carried_back().size() << " carried back from later releases)";
  }
  out << "\n";
  for (const auto& [name, s] : a.structs()) {
    out << "\nstruct " << name << " (" << s.size << " bytes)\n";
    for (const abi::Field& f : s.fields) {
      out << "  @" << std::setw(4) << std::left << f.offset << std::right << " " << std::setw(3)
          << f.width << "  " << std::setw(7) << std::left << abi::FieldKindName(f.kind)
          << std::right << " " << f.name;
      if (f.kind == abi::FieldKind::kArray || f.kind == abi::FieldKind::kString) {
        out << "[" << f.count << "]";
      }
      if (!f.element_struct.empty()) out << " of " << f.element_struct;
      if (f.nested) {
        const abi::NestedBuffer& n = *f.nested;
        out << " -> ";
        switch (n.element_from) {
          case abi::NestedBuffer::ElementFrom::kRawBytes: out << "bytes"; break;
          case abi::NestedBuffer::ElementFrom::kFixedStruct: out << n.element_struct; break;
          case abi::NestedBuffer::ElementFrom::kControlCommand: out << "params of control " << n.selector_field; break;
          case abi::NestedBuffer::ElementFrom::kAllocClass: out << "params of class " << n.selector_field; break;
          case abi::NestedBuffer::ElementFrom::kEscape: out << "struct of escape " << n.selector_field; break;
        }
        if (!n.size_field.empty()) {
          out << (n.unit == abi::NestedBuffer::SizeUnit::kElements ? ", count " : ", size ")
              << n.size_field;
        } else if (n.fixed_size != 0) {
          out << ", " << n.fixed_size << " bytes";
        }
      }
      out << "\n";
    }
  }
  auto bindings = [&](const char* title, const std::vector<abi::Binding>& list) {
    out << "\n" << title << "\n";
    for (const abi::Binding& b : list) {
      out << "  " << std::setw(12) << std::left << Hex(b.number) << std::right << " " << b.name
          << " -> " << (b.params_struct.empty() ? "(no struct)" : b.params_struct)
          << (b.alt_params_struct.empty() ? "" : " or " + b.alt_params_struct) << "\n";
    }
  };
  bindings("escapes", a.escapes());
  bindings("control commands", a.controls());
  bindings("classes", a.classes());
  out << "\nbehaviour\n";
  for (const auto& [name, on] : a.semantics().List()) {
    out << "  " << name << ": " << (on ? "on" : "off") << "\n";
  }
  out << "\nconstants\n";
  for (const auto& [name, v] : a.constants()) {
    out << "  " << name << " = " << Hex(v);
    if (auto from = a.CarriedBackFrom(name)) {
      out << "  (carried back from " << from->ToString() << ", not in this release's headers)";
    }
    out << "\n";
  }
}

}  // namespace

int AbiVersions(const abi::Registry& registry, bool json, std::ostream& out) {
  if (json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const abi::ReleaseInfo& r : registry.releases()) {
      list.push_back({{"version", r.version.ToString()},
                      {"parent", r.parent ? nlohmann::ordered_json(r.parent->ToString())
                                          : nlohmann::ordered_json(nullptr)},
                      {"delta", r.has_delta}});
    }
    out << list.dump(1) << "\n";
    return kExitOk;
  }
  out << std::left << std::setw(12) << "RELEASE" << std::setw(12) << "PARENT" << "DELTA\n";
  for (const abi::ReleaseInfo& r : registry.releases()) {
    out << std::setw(12) << r.version.ToString() << std::setw(12)
        << (r.parent ? r.parent->ToString() : "-") << (r.has_delta ? "yes" : "") << "\n";
  }
  out << std::right << registry.releases().size() << " releases\n";
  return kExitOk;
}

int AbiDump(const abi::Registry& registry, const std::string& version, bool json,
            std::ostream& out, std::ostream& err) {
  std::shared_ptr<const abi::Abi> a = Load(registry, version, err);
  if (a == nullptr) return kExitError;
  if (json) {
    out << abi::DumpJson(*a).dump(1) << "\n";
  } else {
    DumpText(*a, out);
  }
  return kExitOk;
}

int AbiDiff(const abi::Registry& registry, const std::string& from, const std::string& to,
            std::ostream& out, std::ostream& err) {
  std::shared_ptr<const abi::Abi> a = Load(registry, from, err);
  if (a == nullptr) return kExitError;
  std::shared_ptr<const abi::Abi> b = Load(registry, to, err);
  if (b == nullptr) return kExitError;
  std::vector<std::string> lines = abi::DiffAbis(*a, *b);
  out << "ABI " << a->release().ToString() << " -> " << b->release().ToString() << ": ";
  if (lines.empty()) {
    out << "no differences\n";
    return kExitOk;
  }
  out << lines.size() << " change" << (lines.size() == 1 ? "" : "s") << "\n";
  for (const std::string& l : lines) out << "  " << l << "\n";
  return kExitOk;
}

}  // namespace nvprobe::fakedrv
