#include "fake_driver/record/record_anonymize.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>
#include <optional>
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

// NV2080_CTRL_CMD_GPU_GET_OEM_BOARD_INFO, which the ABI layer need not describe
// (its params are then raw bytes). NVIDIA's ctrl2080gpu.h (515.43.04 to 595.45.04,
// e.g. 580.142 lines 1575-1597):
//   #define NV2080_CTRL_CMD_GPU_GET_OEM_BOARD_INFO (0x2080013fU)
//   typedef struct NV2080_CTRL_GPU_GET_OEM_BOARD_INFO_PARAMS {
//       NvU32 buildDate;
//       NvU8  marketingName[NV2080_GPU_MAX_MARKETING_NAME_LENGTH];  // 0x18
//       NvU8  serialNumber[NV2080_GPU_MAX_SERIAL_NUMBER_LENGTH];    // 0x10
//       ...                      // 116 bytes in 515.43.04, 136 bytes in 580.142
// so the board serial number is the 16 bytes at offset 4 + 24 = 28, ASCII padded
// with NULs. Where the ABI does describe the struct, its field is used instead.
constexpr uint32_t kOemBoardInfoCmd = 0x2080013f;
constexpr char kOemBoardInfoParams[] = "NV2080_CTRL_GPU_GET_OEM_BOARD_INFO_PARAMS";
constexpr uint32_t kOemSerialOffset = 28;
constexpr uint32_t kOemSerialLength = 16;

// The GPU's PDI (persistent device identifier, 64 bits), answered by
// NV2080_CTRL_CMD_GPU_GET_INFO[_V2] as two NV2080_CTRL_GPU_INFO {index, data}
// entries. NVIDIA's open headers leave these two indexes unnamed (ctrl2080gpu.h
// jumps from GEMINI_BOARD 0x22 to SURPRISE_REMOVAL_POSSIBLE 0x25); nvidia-smi -q asks
// both in one GET_INFO_V2 (recorded on an H100, 580.159.04). Low 32 bits at 0x23,
// high at 0x24, like ECID_LO32 (1) / ECID_HI32 (2) and gpu_uuid.c's
// "PDI = (PDI_1 << 32) OR PDI_0". Only the index bits 23:0 count
// (NV2080_CTRL_GPU_INFO_INDEX_INDEX; 30:24 are the group id).
constexpr uint32_t kGpuInfoIndexPdiLo = 0x23;
constexpr uint32_t kGpuInfoIndexPdiHi = 0x24;
constexpr uint32_t kGpuInfoIndexMask = 0xffffff;
constexpr uint32_t kGpuInfoEntry = 8;  // NV2080_CTRL_GPU_INFO: NvU32 index, NvU32 data
// Fake PDIs: 0xface0000'0000000N, N = 1, 2, ... in the order of the real values.
constexpr uint32_t kFakePdiHi = 0xface0000;

std::string AsString(const std::vector<uint8_t>& b) { return std::string(b.begin(), b.end()); }

void ForEachBytes(ArgBuffer& b, const std::function<void(std::vector<uint8_t>&)>& fn) {
  fn(b.in);
  fn(b.out);
  for (ArgBuffer& c : b.nested) ForEachBytes(c, fn);
}

void ForEachMutableBuffer(ArgBuffer& b, const std::function<void(ArgBuffer&)>& fn) {
  fn(b);
  for (ArgBuffer& c : b.nested) ForEachMutableBuffer(c, fn);
}

void ForEachBuffer(const ArgBuffer& b, const std::function<void(const ArgBuffer&)>& fn) {
  fn(b);
  for (const ArgBuffer& c : b.nested) ForEachBuffer(c, fn);
}

// Calls `fn(params, cmd)` for every RM control's params buffer that answered NV_OK
// (NVOS54_PARAMETERS -> params, at any depth: NV_ESC_IOCTL_XFER_CMD wraps it).
void ForEachControlAnswer(const ArgBuffer& b,
                          const std::function<void(const ArgBuffer&, uint64_t)>& fn) {
  if (b.layout != nullptr && b.layout->name == "NVOS54_PARAMETERS") {
    const abi::Field* cmd = b.layout->Find("cmd");
    const abi::Field* status = b.layout->Find("status");
    if (cmd != nullptr && status != nullptr && b.in.size() >= b.layout->size &&
        b.out.size() >= b.layout->size && LoadUint(b.out, status->offset, status->width) == 0) {
      const uint64_t c = LoadUint(b.in, cmd->offset, cmd->width);
      for (const ArgBuffer& n : b.nested) {
        if (n.field == "params") fn(n, c);
      }
    }
  }
  for (const ArgBuffer& c : b.nested) ForEachControlAnswer(c, fn);
}

// The board serial number of a GET_OEM_BOARD_INFO answer: printable ASCII up to
// the first NUL, or nothing.
std::optional<std::string> OemBoardSerial(const ArgBuffer& params, uint64_t cmd) {
  uint32_t offset = kOemSerialOffset, length = kOemSerialLength;
  if (params.layout != nullptr) {
    if (params.layout->name != kOemBoardInfoParams) return std::nullopt;
    const abi::Field* f = params.layout->Find("serialNumber");
    if (f == nullptr) return std::nullopt;
    offset = f->offset;
    length = f->width;
  } else if (cmd != kOemBoardInfoCmd) {
    return std::nullopt;
  }
  if (params.out.size() < static_cast<size_t>(offset) + length) return std::nullopt;
  std::string s(params.out.begin() + offset, params.out.begin() + offset + length);
  s = s.substr(0, s.find('\0'));
  while (!s.empty() && s.back() == ' ') s.pop_back();
  for (char c : s) {
    if (!std::isgraph(static_cast<unsigned char>(c))) return std::nullopt;
  }
  // A placeholder ("0000000000000") identifies nothing and would match too much.
  if (s.find_first_not_of(s.empty() ? '\0' : s[0]) == std::string::npos) return std::nullopt;
  return s;
}

// Calls `fn(offset)` for every NV2080_CTRL_GPU_INFO entry in `bytes` read as
// `layout`: the embedded list of a GET_INFO_V2 params (gpuInfoListSize entries), or
// a GET_INFO (V1) gpuInfoList buffer (NV2080_CTRL_GPU_INFO elements back to back).
void ForEachGpuInfoEntry(const abi::StructLayout* layout, std::span<const uint8_t> bytes,
                         const std::function<void(uint32_t)>& fn) {
  if (layout == nullptr) return;
  if (layout->name == "NV2080_CTRL_GPU_INFO") {
    for (uint32_t o = 0; o + kGpuInfoEntry <= bytes.size(); o += kGpuInfoEntry) fn(o);
    return;
  }
  if (layout->name != "NV2080_CTRL_GPU_GET_INFO_V2_PARAMS") return;
  const abi::Field* size = layout->Find("gpuInfoListSize");
  const abi::Field* list = layout->Find("gpuInfoList");
  if (size == nullptr || list == nullptr || list->element_width() != kGpuInfoEntry ||
      bytes.size() < layout->size) {
    return;
  }
  const uint64_t n = std::min<uint64_t>(LoadUint(bytes, size->offset, size->width), list->count);
  for (uint64_t i = 0; i < n; ++i) fn(list->offset + static_cast<uint32_t>(i) * kGpuInfoEntry);
}

// The index (bits 23:0) of the NV2080_CTRL_GPU_INFO entry at `entry`.
uint32_t GpuInfoIndex(std::span<const uint8_t> bytes, uint32_t entry) {
  return static_cast<uint32_t>(LoadUint(bytes, entry, 4)) & kGpuInfoIndexMask;
}

std::string HexNumber(uint64_t v, int digits) {
  char b[24];
  std::snprintf(b, sizeof b, "%0*llx", digits, static_cast<unsigned long long>(v));
  return b;
}

std::string LittleEndian64(uint64_t v) {
  std::string s;
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
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

// "(user@host)" groups in `s`; the host may be empty ("(nixbld@)", a Nix build).
void FindUserAtHost(const std::string& s, std::vector<std::string>& out) {
  for (size_t open = s.find('('); open != std::string::npos; open = s.find('(', open + 1)) {
    size_t close = s.find(')', open);
    if (close == std::string::npos) return;
    std::string inner = s.substr(open + 1, close - open - 1);
    size_t at = inner.find('@');
    if (at == std::string::npos || at == 0 || inner.find_first_of(" \t\n(") != std::string::npos) {
      continue;
    }
    out.push_back(inner.substr(0, at));
    if (at + 1 < inner.size()) out.push_back(inner.substr(at + 1));
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
  // Board serial numbers only the driver's GET_OEM_BOARD_INFO answers tell, and PDIs:
  // both halves from one answer, or a half asked on its own.
  std::set<uint64_t> pdis;
  std::set<uint32_t> lone_pdi_lo, lone_pdi_hi;
  for (const IoctlEvent& e : trace.events) {
    ForEachControlAnswer(e.args, [&](const ArgBuffer& params, uint64_t cmd) {
      if (std::optional<std::string> s = OemBoardSerial(params, cmd)) serials.push_back(*s);
      ForEachBuffer(params, [&](const ArgBuffer& b) {
        std::optional<uint32_t> lo, hi;
        ForEachGpuInfoEntry(b.layout, b.out, [&](uint32_t entry) {
          const uint32_t index = GpuInfoIndex(b.out, entry);
          const auto data = static_cast<uint32_t>(LoadUint(b.out, entry + 4, 4));
          if (index == kGpuInfoIndexPdiLo && !lo) lo = data;
          if (index == kGpuInfoIndexPdiHi && !hi) hi = data;
        });
        if (lo && hi) {
          if (*lo != 0 || *hi != 0) pdis.insert((uint64_t{*hi} << 32) | *lo);
        } else if (lo && *lo != 0) {
          lone_pdi_lo.insert(*lo);
        } else if (hi && *hi != 0) {
          lone_pdi_hi.insert(*hi);
        }
      });
    });
  }
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
  // PDIs: the low half numbers the fake, the high half is kFakePdiHi.
  std::map<uint32_t, uint32_t> pdi_lo, pdi_hi;  // original half -> fake half
  uint32_t pdi_index = 0;
  for (uint64_t pdi : pdis) {
    const uint64_t fake = (uint64_t{kFakePdiHi} << 32) | ++pdi_index;
    pdi_lo.emplace(static_cast<uint32_t>(pdi), static_cast<uint32_t>(fake));
    pdi_hi.emplace(static_cast<uint32_t>(pdi >> 32), kFakePdiHi);
    mapping["0x" + HexNumber(pdi, 16)] = "0x" + HexNumber(fake, 16);
    // Whole, elsewhere: 8 little-endian bytes, or 16 hex digits as text.
    if (static_cast<uint32_t>(pdi) != 0 && (pdi >> 32) != 0) {
      exact.emplace_back(LittleEndian64(pdi), LittleEndian64(fake));
      text_ci.emplace_back(HexNumber(pdi, 16), HexNumber(fake, 16));
    }
  }
  for (uint32_t lo : lone_pdi_lo) {
    if (pdi_lo.contains(lo)) continue;
    pdi_lo[lo] = ++pdi_index;
    mapping["0x" + HexNumber(lo, 8) + " (PDI bits 31:0)"] = "0x" + HexNumber(pdi_index, 8);
  }
  for (uint32_t hi : lone_pdi_hi) {
    if (pdi_hi.emplace(hi, kFakePdiHi).second) {
      mapping["0x" + HexNumber(hi, 8) + " (PDI bits 63:32)"] = "0x" + HexNumber(kFakePdiHi, 8);
    }
  }

  // Serial numbers and names: fakes numbered per prefix ("SN0...1", "anon01").
  std::map<std::string, size_t> indexes;
  std::set<std::string> done;
  auto add = [&](const std::string& value, const std::string& prefix, size_t min_length) {
    if (value.size() < min_length || !done.insert(value).second) return;
    std::string fake = FakeOfLength(prefix, ++indexes[prefix], value.size());
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
    ForEachMutableBuffer(e.args, [&](ArgBuffer& b) {
      for (std::vector<uint8_t>* bytes : {&b.in, &b.out}) {
        ForEachGpuInfoEntry(b.layout, *bytes, [&](uint32_t entry) {
          const uint32_t index = GpuInfoIndex(*bytes, entry);
          const std::map<uint32_t, uint32_t>* halves = index == kGpuInfoIndexPdiLo   ? &pdi_lo
                                                       : index == kGpuInfoIndexPdiHi ? &pdi_hi
                                                                                     : nullptr;
          if (halves == nullptr) return;
          auto it = halves->find(static_cast<uint32_t>(LoadUint(*bytes, entry + 4, 4)));
          if (it != halves->end()) StoreUint(*bytes, entry + 4, 4, it->second);
        });
      }
    });
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
