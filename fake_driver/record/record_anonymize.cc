#include "fake_driver/record/record_anonymize.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>
#include <set>

#include "fake_driver/trace/arg_buffer.h"

namespace nvprobe::fakedrv {
namespace {

constexpr size_t kUuidHex = 32;

// Where the ABI says a raw UUID is: struct, its flags field and FORMAT_BINARY
// constant, the length field and the data field.
struct RawUuidField {
  const char* layout;
  const char* binary_flag;
  const char* flags;
  const char* length;
  const char* data;
};
constexpr RawUuidField kRawUuidFields[] = {
    {"NV2080_CTRL_GPU_GET_GID_INFO_PARAMS", "NV2080_GPU_CMD_GPU_GET_GID_FLAGS_FORMAT_BINARY",
     "flags", "length", "data"},
    {"NV0000_CTRL_GPU_GET_UUID_FROM_GPU_ID_PARAMS",
     "NV0000_CTRL_CMD_GPU_GET_UUID_FROM_GPU_ID_FLAGS_FORMAT_BINARY", "flags", "uuidStrLen",
     "gpuUuid"},
};

std::string AsString(const std::vector<uint8_t>& b) { return std::string(b.begin(), b.end()); }

void ForEachBytes(ArgBuffer& b, const std::function<void(std::vector<uint8_t>&)>& fn) {
  fn(b.in);
  fn(b.out);
  for (ArgBuffer& c : b.nested) ForEachBytes(c, fn);
}

void ForEachBuffer(const ArgBuffer& b, const std::function<void(const ArgBuffer&)>& fn) {
  fn(b);
  for (const ArgBuffer& c : b.nested) ForEachBuffer(c, fn);
}

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// Text UUIDs ("GPU-" or "MIG-" then 8-4-4-4-12 hex digits) in `s`, as 32 lower-case
// hex digits. (No std::regex: GCC 12 warns inside it under ASan.)
void FindTextUuids(const std::string& s, std::set<std::string>& out) {
  constexpr size_t kGroups[] = {8, 4, 4, 4, 12};
  for (size_t i = 0; i + 4 + 36 <= s.size(); ++i) {
    if (s.compare(i, 4, "GPU-") != 0 && s.compare(i, 4, "MIG-") != 0) continue;
    size_t p = i + 4;
    std::string hex;
    bool ok = true;
    for (size_t g = 0; g < 5 && ok; ++g) {
      for (size_t k = 0; k < kGroups[g] && ok; ++k, ++p) {
        ok = IsHex(s[p]);
        hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(s[p]))));
      }
      if (ok && g < 4) ok = s[p++] == '-';
    }
    if (ok) out.insert(hex);
  }
}

// "(user@host)" groups in `s`.
void FindUserAtHost(const std::string& s, std::vector<std::string>& out) {
  for (size_t open = s.find('('); open != std::string::npos; open = s.find('(', open + 1)) {
    size_t close = s.find(')', open);
    if (close == std::string::npos) return;
    std::string inner = s.substr(open + 1, close - open - 1);
    size_t at = inner.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == inner.size() ||
        inner.find_first_of(" \t\n(") != std::string::npos) {
      continue;
    }
    out.push_back(inner.substr(0, at));
    out.push_back(inner.substr(at + 1));
  }
}

// The values of "Serial Number: X" lines (any case of "serial number").
void FindSerials(const std::string& s, std::vector<std::string>& out) {
  std::string lower = s;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (size_t p = lower.find("serial number"); p != std::string::npos;
       p = lower.find("serial number", p + 1)) {
    size_t colon = s.find_first_not_of(" \t", p + 13);
    if (colon == std::string::npos || s[colon] != ':') continue;
    size_t b = s.find_first_not_of(" \t", colon + 1);
    if (b == std::string::npos || s[b] == '\n') continue;
    size_t e = s.find_first_of(" \t\r\n", b);
    out.push_back(s.substr(b, e == std::string::npos ? std::string::npos : e - b));
  }
}

std::string Dashed(const std::string& hex) {
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::string RawOf(const std::string& hex) {
  std::string raw;
  for (size_t i = 0; i < kUuidHex; i += 2) {
    raw.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return raw;
}

std::string HexOf(const std::string& raw) {
  std::string hex;
  char b[3];
  for (unsigned char c : raw) {
    std::snprintf(b, sizeof b, "%02x", c);
    hex += b;
  }
  return hex;
}

// A fake of exactly `length` characters: prefix, zeros, index.
std::string FakeOfLength(const std::string& prefix, size_t index, size_t length) {
  std::string n = std::to_string(index);
  std::string s = prefix;
  while (s.size() + n.size() < length) s.push_back('0');
  s += n;
  return s.size() > length ? s.substr(s.size() - length) : s;
}

bool IEqual(char a, char b) {
  return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
}

// Replaces every occurrence of `from` in `s` by `to` (same length). With
// `ignore_case`, letters of `to` follow the case of the occurrence's first letter.
void ReplaceAll(std::string& s, const std::string& from, const std::string& to, bool ignore_case) {
  if (from.empty() || s.size() < from.size()) return;
  for (size_t i = 0; i + from.size() <= s.size();) {
    bool eq = ignore_case ? std::equal(from.begin(), from.end(), s.begin() + static_cast<long>(i), IEqual)
                          : s.compare(i, from.size(), from) == 0;
    if (!eq) {
      ++i;
      continue;
    }
    std::string rep = to;
    if (ignore_case) {
      bool upper = std::any_of(s.begin() + static_cast<long>(i),
                               s.begin() + static_cast<long>(i + from.size()),
                               [](unsigned char c) { return std::isupper(c); });
      for (char& c : rep) c = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(c))
                                                      : std::tolower(static_cast<unsigned char>(c)));
    }
    s.replace(i, from.size(), rep);
    i += from.size();
  }
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::map<std::string, std::string> AnonymizeTrace(Trace& trace, const AnonymizeOptions& options) {
  // 1. Learn what to replace.
  std::set<std::string> uuids;  // 32 hex digits
  std::vector<std::string> names, serials;
  for (const FileNode& f : trace.files) {
    if (f.type != NodeType::kFile) continue;
    FindTextUuids(f.content, uuids);
    if (f.path == "/proc/driver/nvidia/version") FindUserAtHost(f.content, names);
    FindSerials(f.content, serials);
    if (f.path.size() > 7 && f.path.compare(f.path.size() - 7, 7, "/serial") == 0) {
      serials.push_back(Trim(f.content));
    }
  }
  std::set<std::string> raw_uuids;
  for (const IoctlEvent& e : trace.events) {
    ForEachBuffer(e.args, [&](const ArgBuffer& b) {
      FindTextUuids(AsString(b.in), uuids);
      FindTextUuids(AsString(b.out), uuids);
      if (b.layout == nullptr || b.out.size() != b.layout->size || trace.abi == nullptr) return;
      for (const RawUuidField& r : kRawUuidFields) {
        if (b.layout->name != r.layout) continue;
        std::optional<uint64_t> binary = trace.abi->FindConstant(r.binary_flag);
        const abi::Field* flags = b.layout->Find(r.flags);
        const abi::Field* length = b.layout->Find(r.length);
        const abi::Field* data = b.layout->Find(r.data);
        if (!binary || flags == nullptr || length == nullptr || data == nullptr) continue;
        if (!(LoadUint(b.in, flags->offset, flags->width) & *binary)) continue;
        if (LoadUint(b.out, length->offset, length->width) < 16 || data->width < 16) continue;
        raw_uuids.insert(std::string(b.out.begin() + data->offset, b.out.begin() + data->offset + 16));
      }
    });
  }
  for (const std::string& raw : raw_uuids) uuids.insert(HexOf(raw));
  for (const std::string& n : options.extra_names) names.push_back(n);

  // 2. One fake per value.
  std::map<std::string, std::string> mapping;  // original -> fake, text forms
  std::vector<std::pair<std::string, std::string>> text_ci, exact;  // (from, to)
  size_t index = 0;
  for (const std::string& hex : uuids) {
    char tail[16];
    std::snprintf(tail, sizeof tail, "%012zx", ++index);
    std::string fake = "face0000" "0000" "4000" "8000" + std::string(tail);
    text_ci.emplace_back(Dashed(hex), Dashed(fake));
    exact.emplace_back(RawOf(hex), RawOf(fake));
    mapping["GPU-" + Dashed(hex)] = "GPU-" + Dashed(fake);
  }
  index = 0;
  std::set<std::string> done;
  auto add = [&](const std::string& value, const std::string& prefix, size_t min_length) {
    if (value.size() < min_length || !done.insert(value).second) return;
    std::string fake = FakeOfLength(prefix, ++index, value.size());
    mapping[value] = fake;
    exact.emplace_back(value, fake);
  };
  for (const std::string& s : serials) add(s, "SN", 4);
  for (size_t i = 0; i < names.size(); ++i) {
    add(names[i], "anon", 3);
  }
  // Longer values first, so that a name inside another is not half-replaced.
  std::stable_sort(exact.begin(), exact.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });

  // 3. Replace everywhere.
  auto apply = [&](std::string& s) {
    for (const auto& [from, to] : text_ci) ReplaceAll(s, from, to, true);
    for (const auto& [from, to] : exact) ReplaceAll(s, from, to, false);
  };
  for (FileNode& f : trace.files) {
    if (f.type == NodeType::kFile) apply(f.content);
  }
  for (IoctlEvent& e : trace.events) {
    ForEachBytes(e.args, [&](std::vector<uint8_t>& bytes) {
      std::string s = AsString(bytes);
      apply(s);
      bytes.assign(s.begin(), s.end());
    });
  }
  apply(trace.provenance);
  std::string machine = trace.machine.dump();
  apply(machine);
  nlohmann::ordered_json m = nlohmann::ordered_json::parse(machine, nullptr, false);
  if (!m.is_discarded()) trace.machine = std::move(m);
  return mapping;
}

}  // namespace nvprobe::fakedrv
