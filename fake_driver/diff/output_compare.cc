#include "fake_driver/diff/output_compare.h"

#include <algorithm>
#include <set>
#include <span>

#include "fake_driver/diff/ignored_fields.h"
#include "fake_driver/text/printable.h"
#include "fake_driver/trace/hex.h"

namespace nvprobe::fakedrv::diff {
namespace {

constexpr char kStatusField[] = "status";
// Raw byte ranges print at most this many bytes a side.
constexpr size_t kMaxHexBytes = 16;
// Differing raw bytes closer than this are one range, not many short ones.
constexpr size_t kRangeMergeGap = 4;

// A string field up to its NUL, quoted and escaped for the terminal as `fakedrv
// show` quotes it (text/printable.h): both sides are the recording's or the
// description's text.
std::string Quote(std::span<const uint8_t> bytes) {
  const size_t len = std::find(bytes.begin(), bytes.end(), 0) - bytes.begin();
  return Quoted(std::string_view(reinterpret_cast<const char*>(bytes.data()), len));
}

std::string Hex(std::span<const uint8_t> bytes) {
  if (bytes.size() <= kMaxHexBytes) return HexEncode(bytes);
  return HexEncode(bytes.first(kMaxHexBytes)) + "...";
}

class Comparer {
 public:
  Comparer(const abi::Abi& abi, const HandleTranslation& handles, OutputComparison& result)
      : abi_(abi), handles_(handles), result_(result) {}

  // One buffer and its children. `name`: how its fields' paths start;
  // `elements`: the pointer to it counts elements, so its structs are indexed
  // even when there is one.
  void Buffer(const ArgBuffer& rec, const ArgBuffer& model, const std::string& name,
              bool elements, bool escape_struct) {
    const abi::StructLayout* layout = model.layout;
    if (rec.out.size() != model.out.size()) {
      Add(name, std::to_string(model.out.size()) + " bytes", std::to_string(rec.out.size()) + " bytes",
          false);
    } else if (layout != nullptr && layout->size > 0 && rec.out.size() % layout->size == 0) {
      const size_t n = rec.out.size() / layout->size;
      for (size_t i = 0; i < n; ++i) {
        const std::string prefix = n > 1 || elements ? name + "[" + std::to_string(i) + "]" : name;
        const size_t at = i * layout->size;
        Fields(*layout, std::span(rec.out).subspan(at, layout->size),
               std::span(model.out).subspan(at, layout->size), prefix, escape_struct);
      }
    } else {
      Raw(name, rec.out, model.out);
    }
    const std::string owner = layout != nullptr ? layout->name : name;
    for (size_t i = 0; i < rec.nested.size() && i < model.nested.size(); ++i) {
      const ArgBuffer& child = model.nested[i];
      const abi::Field* ptr = layout != nullptr ? layout->Find(child.field) : nullptr;
      const bool child_elements = ptr != nullptr && ptr->nested &&
                                  ptr->nested->unit == abi::NestedBuffer::SizeUnit::kElements;
      // The inner struct of an XFER is an escape's struct in its own right.
      const bool child_escape = ptr != nullptr && ptr->nested &&
                                ptr->nested->element_from == abi::NestedBuffer::ElementFrom::kEscape;
      const bool one_struct = child.layout != nullptr && !child_elements &&
                              child.out.size() == child.layout->size;
      Buffer(rec.nested[i], child, one_struct ? child.layout->name : owner + "." + child.field,
             child_elements, child_escape);
    }
  }

 private:
  void Add(std::string path, std::string model, std::string recorded, bool is_status) {
    result_.differences.push_back({std::move(path), std::move(model), std::move(recorded), is_status});
  }

  void Fields(const abi::StructLayout& layout, std::span<const uint8_t> rec,
              std::span<const uint8_t> model, const std::string& prefix, bool escape_struct) {
    // Members of one C union view the same bytes (gpuNameString.ascii and
    // .unicode): a difference is reported through the first member that shows it.
    std::set<std::string> unions_reported;
    for (const abi::Field& f : layout.fields) {
      if (f.end() > rec.size()) continue;  // the ABI validates this; never trusted blindly
      const std::string path = prefix + "." + f.name;
      if (IsIgnored(layout.name, f.name)) {
        ++result_.ignored;
        continue;
      }
      if (!f.union_name.empty() && unions_reported.count(f.union_name) > 0) continue;
      const size_t before = result_.differences.size();
      std::span<const uint8_t> r = rec.subspan(f.offset, f.width);
      std::span<const uint8_t> m = model.subspan(f.offset, f.width);
      switch (f.kind) {
        case abi::FieldKind::kInteger:
        case abi::FieldKind::kFd: Integer(f, r, m, path, escape_struct); break;
        case abi::FieldKind::kHandle: Handle(f, r, m, path); break;
        case abi::FieldKind::kPointer: {
          const bool rn = LoadUint(r, 0, f.width) == 0, mn = LoadUint(m, 0, f.width) == 0;
          if (rn != mn) Add(path, mn ? "null" : "non-null", rn ? "null" : "non-null", false);
          break;
        }
        case abi::FieldKind::kString:
          if (Quote(r) != Quote(m)) Add(path, Quote(m), Quote(r), false);
          break;
        case abi::FieldKind::kArray: Array(f, r, m, path); break;
      }
      if (!f.union_name.empty() && result_.differences.size() > before) {
        unions_reported.insert(f.union_name);
      }
    }
  }

  void Integer(const abi::Field& f, std::span<const uint8_t> r, std::span<const uint8_t> m,
               const std::string& path, bool escape_struct) {
    const uint64_t rv = LoadUint(r, 0, f.width), mv = LoadUint(m, 0, f.width);
    if (rv == mv) return;
    if (f.name == kStatusField) {
      Add(path, abi_.StatusName(static_cast<uint32_t>(mv)), abi_.StatusName(static_cast<uint32_t>(rv)),
          escape_struct);
    } else {
      Add(path, HexNumber(mv), HexNumber(rv), false);
    }
  }

  void Handle(const abi::Field& f, std::span<const uint8_t> r, std::span<const uint8_t> m,
              const std::string& path) {
    const uint64_t rv = LoadUint(r, 0, f.width);
    uint64_t mv = LoadUint(m, 0, f.width);
    if (f.width == 4) mv = handles_.ToRecorded(static_cast<uint32_t>(mv));
    if (rv != mv) Add(path, HexNumber(mv), HexNumber(rv), false);
  }

  void Array(const abi::Field& f, std::span<const uint8_t> r, std::span<const uint8_t> m,
             const std::string& path) {
    const uint32_t w = f.element_width();
    if (w == 0) return;
    const abi::StructLayout* element =
        f.element_struct.empty() ? nullptr : abi_.FindStruct(f.element_struct);
    for (uint32_t i = 0; i < f.count && (i + 1) * w <= r.size(); ++i) {
      const std::string at = path + "[" + std::to_string(i) + "]";
      std::span<const uint8_t> re = r.subspan(i * w, w), me = m.subspan(i * w, w);
      if (element != nullptr && element->size == w) {
        Fields(*element, re, me, at, false);
      } else if (w <= 8) {
        const uint64_t rv = LoadUint(re, 0, w), mv = LoadUint(me, 0, w);
        if (rv != mv) Add(at, HexNumber(mv), HexNumber(rv), false);
      } else if (!std::equal(re.begin(), re.end(), me.begin())) {
        Add(at, Hex(me), Hex(re), false);
      }
    }
  }

  // Byte ranges that differ: "NAME[16..24)".
  void Raw(const std::string& name, std::span<const uint8_t> r, std::span<const uint8_t> m) {
    size_t i = 0;
    while (i < r.size()) {
      if (r[i] == m[i]) {
        ++i;
        continue;
      }
      size_t end = i + 1, same = 0;
      for (size_t j = end; j < r.size() && same < kRangeMergeGap; ++j) {
        if (r[j] == m[j]) {
          ++same;
        } else {
          same = 0;
          end = j + 1;
        }
      }
      Add(name + "[" + std::to_string(i) + ".." + std::to_string(end) + ")",
          Hex(m.subspan(i, end - i)), Hex(r.subspan(i, end - i)), false);
      i = end;
    }
  }

  const abi::Abi& abi_;
  const HandleTranslation& handles_;
  OutputComparison& result_;
};

}  // namespace

OutputComparison CompareOutputs(const abi::Abi& abi, const ArgBuffer& recorded,
                                const ArgBuffer& model, const HandleTranslation& handles,
                                const std::string& top_name) {
  OutputComparison result;
  Comparer(abi, handles, result)
      .Buffer(recorded, model, model.layout != nullptr ? model.layout->name : top_name,
              /*elements=*/false, /*escape_struct=*/true);
  return result;
}

}  // namespace nvprobe::fakedrv::diff
