#include "abi/abi_diff.h"

#include <cstdio>
#include <map>
#include <optional>
#include <set>

namespace nvprobe::abi {
namespace {

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string Describe(const Field& f) {
  std::string s = "@" + std::to_string(f.offset) + ", " + std::to_string(f.width) + " bytes, " +
                  std::string(FieldKindName(f.kind));
  if (f.kind == FieldKind::kArray || f.kind == FieldKind::kString) {
    s += "[" + std::to_string(f.count) + "]";
  }
  if (!f.union_name.empty()) s += " in union " + f.union_name;
  return s;
}

void DiffStruct(const StructLayout& a, const StructLayout& b, std::vector<std::string>& out) {
  const std::string p = "struct " + a.name + ": ";
  if (a.size != b.size) {
    out.push_back(p + "size " + std::to_string(a.size) + " -> " + std::to_string(b.size));
  }
  for (const Field& fa : a.fields) {
    const Field* fb = b.Find(fa.name);
    if (fb == nullptr) {
      out.push_back(p + "field " + fa.name + " removed (was " + Describe(fa) + ")");
    } else if (fa.offset != fb->offset) {
      out.push_back(p + "field " + fa.name + " moved " + std::to_string(fa.offset) + " -> " +
                    std::to_string(fb->offset));
    } else if (!(fa == *fb)) {
      out.push_back(p + "field " + fa.name + " changed: " + Describe(fa) + " -> " + Describe(*fb));
    }
  }
  for (const Field& fb : b.fields) {
    if (a.Find(fb.name) == nullptr) {
      out.push_back(p + "field " + fb.name + " added " + Describe(fb));
    }
  }
}

void DiffBindings(std::string_view what, const std::vector<Binding>& a,
                  const std::vector<Binding>& b, std::vector<std::string>& out) {
  std::map<std::string, const Binding*> ma, mb;
  for (const Binding& x : a) ma[x.name] = &x;
  for (const Binding& x : b) mb[x.name] = &x;
  auto takes = [](const Binding& x) {
    std::string t = x.params_struct.empty() ? std::string("no params") : x.params_struct;
    if (!x.alt_params_struct.empty()) t += " or " + x.alt_params_struct;
    return t;
  };
  for (const auto& [name, x] : ma) {
    auto it = mb.find(name);
    if (it == mb.end()) {
      out.push_back(std::string(what) + " " + name + " removed");
    } else if (x->number != it->second->number) {
      out.push_back(std::string(what) + " " + name + " " + Hex(x->number) + " -> " +
                    Hex(it->second->number));
    } else if (x->params_struct != it->second->params_struct ||
               x->alt_params_struct != it->second->alt_params_struct) {
      out.push_back(std::string(what) + " " + name + " now takes " + takes(*it->second) +
                    " (was " + takes(*x) + ")");
    }
  }
  for (const auto& [name, x] : mb) {
    if (!ma.contains(name)) {
      out.push_back(std::string(what) + " " + name + " = " + Hex(x->number) + " added, takes " +
                    takes(*x));
    }
  }
}

}  // namespace

std::vector<std::string> DiffAbis(const Abi& from, const Abi& to) {
  std::vector<std::string> out;
  for (const auto& [name, s] : from.structs()) {
    if (const StructLayout* t = to.FindStruct(name)) {
      DiffStruct(s, *t, out);
    } else {
      out.push_back("struct " + name + " removed (was " + std::to_string(s.size) + " bytes)");
    }
  }
  for (const auto& [name, s] : to.structs()) {
    if (from.FindStruct(name) == nullptr) {
      out.push_back("struct " + name + " added (" + std::to_string(s.size) + " bytes, " +
                    std::to_string(s.fields.size()) + " fields)");
    }
  }
  DiffBindings("escape", from.escapes(), to.escapes(), out);
  DiffBindings("control", from.controls(), to.controls(), out);
  DiffBindings("class", from.classes(), to.classes(), out);
  // Constants that name a binding were reported with it.
  std::set<std::string> bound;
  for (const Abi* abi : {&from, &to}) {
    for (const auto* list : {&abi->escapes(), &abi->controls(), &abi->classes()}) {
      for (const Binding& b : *list) bound.insert(b.name);
    }
  }
  // " (carried back from V)" for a constant not from `abi`'s own headers.
  auto carried = [](const Abi& abi, const std::string& name) {
    auto f = abi.CarriedBackFrom(name);
    return f ? " (carried back from " + f->ToString() + ")" : std::string();
  };
  for (const auto& [name, v] : from.constants()) {
    if (bound.contains(name)) continue;
    auto t = to.FindConstant(name);
    if (!t) {
      out.push_back("constant " + name + " removed (was " + Hex(v) + carried(from, name) + ")");
    } else if (*t != v) {
      out.push_back("constant " + name + " " + Hex(v) + " -> " + Hex(*t));
    } else if (auto cf = from.CarriedBackFrom(name), ct = to.CarriedBackFrom(name); cf != ct) {
      auto where = [](const std::optional<DriverVersion>& f) {
        return f ? "carried back from " + f->ToString() : std::string("in the headers");
      };
      out.push_back("constant " + name + " = " + Hex(v) + " now " + where(ct) + " (was " +
                    where(cf) + ")");
    }
  }
  for (const auto& [name, v] : to.constants()) {
    if (!bound.contains(name) && !from.FindConstant(name))
      out.push_back("constant " + name + " = " + Hex(v) + " added" + carried(to, name));
  }
  auto fa = from.semantics().List();
  auto fb = to.semantics().List();
  for (size_t i = 0; i < fa.size() && i < fb.size(); ++i) {
    if (fa[i].second != fb[i].second) {
      out.push_back("behaviour " + std::string(fa[i].first) + ": " +
                    (fa[i].second ? "on" : "off") + " -> " + (fb[i].second ? "on" : "off"));
    }
  }
  return out;
}

}  // namespace nvprobe::abi
