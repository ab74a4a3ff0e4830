#include "fake_driver/trace/json_view.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace nvprobe::fakedrv {
namespace {

// Bytes a string holds as they are: printable ASCII but '"' and '\\' (control
// characters are refused, bytes from 0x80 start a UTF-8 sequence to check).
constexpr bool IsPlain(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

struct PlainTable {
  bool plain[256] = {};
  constexpr PlainTable() {
    for (int c = 0; c < 256; ++c) plain[c] = IsPlain(static_cast<unsigned char>(c));
  }
};
constexpr PlainTable kPlain;

// Whether any of the 8 bytes in `x` is not plain: 8 at a time, since a trace's
// strings are mostly long hex buffers. (x - 0x01..) & ~x & 0x80.. is nonzero
// exactly when a byte of x is zero; 0x20 in place of 0x01, when one is below 0x20.
bool AnyNotPlain(uint64_t x) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  const uint64_t quote = x ^ (kOnes * '"'), backslash = x ^ (kOnes * '\\');
  return ((x | ((x - kOnes * 0x20) & ~x) | ((quote - kOnes) & ~quote) |
           ((backslash - kOnes) & ~backslash)) &
          kHigh) != 0;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

}  // namespace

// Recursive descent over the grammar of RFC 8259 with nlohmann_json's lexer rules
// (whitespace, UTF-8 ranges, surrogate pairs, number typing).
class JsonDoc::Parser {
 public:
  Parser(JsonDoc& doc, std::string_view text, int max_depth)
      : doc_(doc), p_(text.data()), end_(text.data() + text.size()), max_depth_(max_depth) {}

  bool ParseText() {
    SkipSpace();
    if (!ParseValue(0)) return false;
    SkipSpace();
    return p_ == end_;
  }

 private:
  void SkipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }

  uint32_t NewNode(JsonType type) {
    doc_.nodes_.emplace_back();
    doc_.nodes_.back().type = type;
    return static_cast<uint32_t>(doc_.nodes_.size() - 1);
  }

  // Parses the value at p_ into a new node; its index is nodes_.size() - 1 before
  // its children are added, so the caller remembers it first.
  bool ParseValue(int depth) {
    if (p_ == end_) return false;
    const char* start = p_;
    const uint32_t index = NewNode(JsonType::kNull);
    bool ok;
    switch (*p_) {
      case '{': ok = ParseObject(index, depth + 1); break;
      case '[': ok = ParseArray(index, depth + 1); break;
      case '"': {
        std::string_view s;
        ok = ParseString(s);
        doc_.nodes_[index].type = JsonType::kString;
        doc_.nodes_[index].string = s;
        break;
      }
      case 't': ok = Literal("true", index, JsonType::kBoolean, true); break;
      case 'f': ok = Literal("false", index, JsonType::kBoolean, false); break;
      case 'n': ok = Literal("null", index, JsonType::kNull, false); break;
      default: ok = ParseNumber(index); break;
    }
    if (!ok) return false;
    doc_.nodes_[index].raw = std::string_view(start, static_cast<size_t>(p_ - start));
    return true;
  }

  bool Literal(std::string_view word, uint32_t index, JsonType type, bool value) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) {
      return false;
    }
    p_ += word.size();
    doc_.nodes_[index].type = type;
    doc_.nodes_[index].boolean = value;
    return true;
  }

  bool ParseObject(uint32_t index, int depth) {
    if (depth > max_depth_) return false;
    doc_.nodes_[index].type = JsonType::kObject;
    ++p_;  // '{'
    SkipSpace();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    uint32_t last = 0;
    for (;;) {
      if (p_ == end_ || *p_ != '"') return false;
      std::string_view key;
      if (!ParseString(key)) return false;
      SkipSpace();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      SkipSpace();
      const uint32_t child = static_cast<uint32_t>(doc_.nodes_.size());
      if (!ParseValue(depth)) return false;
      doc_.nodes_[child].key = key;
      Link(index, last, child);
      last = child;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      if (*p_ != ',') return false;
      ++p_;
      SkipSpace();
    }
  }

  bool ParseArray(uint32_t index, int depth) {
    if (depth > max_depth_) return false;
    doc_.nodes_[index].type = JsonType::kArray;
    ++p_;  // '['
    SkipSpace();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    uint32_t last = 0;
    for (;;) {
      const uint32_t child = static_cast<uint32_t>(doc_.nodes_.size());
      if (!ParseValue(depth)) return false;
      Link(index, last, child);
      last = child;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      if (*p_ != ',') return false;
      ++p_;
      SkipSpace();
    }
  }

  void Link(uint32_t parent, uint32_t last, uint32_t child) {
    if (last == 0) {
      doc_.nodes_[parent].first = child;
    } else {
      doc_.nodes_[last].next = child;
    }
  }

  // A string at p_ ('"'): a view of the text when it has no escape, else decoded.
  bool ParseString(std::string_view& out) {
    ++p_;  // '"'
    const char* start = p_;
    SkipPlain();
    while (p_ != end_ && kPlain.plain[static_cast<unsigned char>(*p_)]) ++p_;
    if (p_ != end_ && *p_ == '"') {
      out = std::string_view(start, static_cast<size_t>(p_ - start));
      ++p_;
      return true;
    }
    std::string decoded(start, static_cast<size_t>(p_ - start));
    for (;;) {
      if (p_ == end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        break;
      }
      if (c == '\\') {
        if (!Escape(decoded)) return false;
      } else if (c < 0x20) {
        return false;
      } else if (c < 0x80) {
        decoded += static_cast<char>(c);
        ++p_;
      } else if (!Utf8Sequence(decoded)) {
        return false;
      }
    }
    doc_.decoded_.push_back(std::move(decoded));
    out = doc_.decoded_.back();
    return true;
  }

  // Moves p_ over plain bytes, many at a time (most of a trace is long hex
  // strings), stopping at or before the first byte that is not plain.
  void SkipPlain() {
#ifdef __SSE2__
    // A signed byte below 0x20 is a control character or (negative) >= 0x80.
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (end_ - p_ >= 16) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p_));
      const __m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)),
                                       _mm_cmplt_epi8(x, space));
      const int mask = _mm_movemask_epi8(bad);
      if (mask != 0) {
        p_ += __builtin_ctz(static_cast<unsigned>(mask));
        return;
      }
      p_ += 16;
    }
#endif
    for (uint64_t x; end_ - p_ >= 8; p_ += 8) {
      std::memcpy(&x, p_, 8);
      if (AnyNotPlain(x)) break;
    }
  }

  bool Escape(std::string& out) {
    if (end_ - p_ < 2) return false;
    const char e = p_[1];
    p_ += 2;
    switch (e) {
      case '"': out += '"'; return true;
      case '\\': out += '\\'; return true;
      case '/': out += '/'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'n': out += '\n'; return true;
      case 'r': out += '\r'; return true;
      case 't': out += '\t'; return true;
      case 'u': break;
      default: return false;
    }
    uint32_t cp;
    if (!Hex4(cp)) return false;
    if (cp >= 0xdc00 && cp <= 0xdfff) return false;  // a low surrogate alone
    if (cp >= 0xd800 && cp <= 0xdbff) {
      uint32_t low;
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
      p_ += 2;
      if (!Hex4(low) || low < 0xdc00 || low > 0xdfff) return false;
      cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    }
    AppendUtf8(cp, out);
    return true;
  }

  bool Hex4(uint32_t& cp) {
    if (end_ - p_ < 4) return false;
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      const int d = HexValue(p_[i]);
      if (d < 0) return false;
      cp = cp << 4 | static_cast<uint32_t>(d);
    }
    p_ += 4;
    return true;
  }

  // One UTF-8 sequence as RFC 3629 allows it (no overlong forms, no surrogates,
  // nothing above U+10FFFF): nlohmann_json's ranges.
  bool Utf8Sequence(std::string& out) {
    const auto b0 = static_cast<unsigned char>(*p_);
    int more;
    unsigned char lo = 0x80, hi = 0xbf;  // the second byte's range
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      more = 1;
    } else if (b0 == 0xe0) {
      more = 2, lo = 0xa0;
    } else if ((b0 >= 0xe1 && b0 <= 0xec) || b0 == 0xee || b0 == 0xef) {
      more = 2;
    } else if (b0 == 0xed) {
      more = 2, hi = 0x9f;
    } else if (b0 == 0xf0) {
      more = 3, lo = 0x90;
    } else if (b0 >= 0xf1 && b0 <= 0xf3) {
      more = 3;
    } else if (b0 == 0xf4) {
      more = 3, hi = 0x8f;
    } else {
      return false;
    }
    if (end_ - p_ <= more) return false;
    for (int i = 1; i <= more; ++i) {
      const auto b = static_cast<unsigned char>(p_[i]);
      if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf)) return false;
    }
    out.append(p_, static_cast<size_t>(more + 1));
    p_ += more + 1;
    return true;
  }

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, typed as nlohmann_json types it:
  // an integer that fits is unsigned (no '-') or signed, anything else a double,
  // and a double that overflows is an error.
  bool ParseNumber(uint32_t index) {
    const char* start = p_;
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_ || !IsDigit(*p_)) return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ != end_ && IsDigit(*p_)) ++p_;
    }
    bool is_float = false;
    if (p_ != end_ && *p_ == '.') {
      is_float = true;
      ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return false;
      while (p_ != end_ && IsDigit(*p_)) ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      is_float = true;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return false;
      while (p_ != end_ && IsDigit(*p_)) ++p_;
    }
    JsonNode& node = doc_.nodes_[index];
    const std::string token(start, static_cast<size_t>(p_ - start));
    if (!is_float) {
      char* endptr = nullptr;
      errno = 0;
      if (negative) {
        const long long v = std::strtoll(token.c_str(), &endptr, 10);
        if (errno == 0 && endptr == token.c_str() + token.size()) {
          node.type = JsonType::kInteger;
          node.integer = v;
          return true;
        }
      } else {
        const unsigned long long v = std::strtoull(token.c_str(), &endptr, 10);
        if (errno == 0 && endptr == token.c_str() + token.size()) {
          node.type = JsonType::kUnsigned;
          node.unsigned_integer = v;
          return true;
        }
      }
    }
    // A fraction, an exponent, or an integer too large: nlohmann_json's strtod.
    char* endptr = nullptr;
    const double d = std::strtod(token.c_str(), &endptr);
    if (endptr != token.c_str() + token.size() || !std::isfinite(d)) return false;
    node.type = JsonType::kFloat;
    node.number = d;
    return true;
  }

  JsonDoc& doc_;
  const char* p_;
  const char* end_;
  int max_depth_;
};

bool JsonDoc::Parse(std::string_view text, int max_depth) {
  nodes_.clear();
  decoded_.clear();
  Parser parser(*this, text, max_depth);
  if (parser.ParseText()) return true;
  nodes_.clear();
  decoded_.clear();
  return false;
}

JsonView::JsonView(const JsonDoc* doc, uint32_t index)
    : doc_(doc), node_(index < doc->nodes_.size() ? &doc->nodes_[index] : nullptr) {}

bool JsonView::is_null() const { return node_ && node_->type == JsonType::kNull; }
bool JsonView::is_boolean() const { return node_ && node_->type == JsonType::kBoolean; }
bool JsonView::is_number() const { return is_number_integer() || (node_ && node_->type == JsonType::kFloat); }
bool JsonView::is_number_integer() const {
  return node_ && (node_->type == JsonType::kInteger || node_->type == JsonType::kUnsigned);
}
bool JsonView::is_number_unsigned() const { return node_ && node_->type == JsonType::kUnsigned; }
bool JsonView::is_string() const { return node_ && node_->type == JsonType::kString; }
bool JsonView::is_array() const { return node_ && node_->type == JsonType::kArray; }
bool JsonView::is_object() const { return node_ && node_->type == JsonType::kObject; }

bool JsonView::boolean() const { return is_boolean() && node_->boolean; }

int64_t JsonView::integer() const {
  if (!node_) return 0;
  switch (node_->type) {
    case JsonType::kInteger: return node_->integer;
    case JsonType::kUnsigned: return static_cast<int64_t>(node_->unsigned_integer);
    case JsonType::kFloat: return static_cast<int64_t>(node_->number);
    default: return 0;
  }
}

uint64_t JsonView::unsigned_integer() const {
  if (!node_) return 0;
  switch (node_->type) {
    case JsonType::kInteger: return static_cast<uint64_t>(node_->integer);
    case JsonType::kUnsigned: return node_->unsigned_integer;
    case JsonType::kFloat: return static_cast<uint64_t>(node_->number);
    default: return 0;
  }
}

double JsonView::number() const {
  if (!node_) return 0;
  switch (node_->type) {
    case JsonType::kInteger: return static_cast<double>(node_->integer);
    case JsonType::kUnsigned: return static_cast<double>(node_->unsigned_integer);
    case JsonType::kFloat: return node_->number;
    default: return 0;
  }
}

std::string_view JsonView::string() const { return is_string() ? node_->string : std::string_view(); }

JsonView JsonView::Find(std::string_view key) const {
  JsonView found;
  if (!is_object()) return found;
  for (JsonView c = first(); c; c = c.next()) {
    if (c.key() == key) found = c;
  }
  return found;
}

JsonView JsonView::first() const {
  return node_ && node_->first != 0 ? JsonView(doc_, node_->first) : JsonView();
}

JsonView JsonView::next() const {
  return node_ && node_->next != 0 ? JsonView(doc_, node_->next) : JsonView();
}

std::string_view JsonView::key() const { return node_ ? node_->key : std::string_view(); }

std::string_view JsonView::raw() const { return node_ ? node_->raw : std::string_view(); }

std::string JsonView::Dump() const { return ToJson().dump(); }

nlohmann::ordered_json JsonView::ToJson() const {
  using Json = nlohmann::ordered_json;
  if (!node_) return Json();
  switch (node_->type) {
    case JsonType::kNull: return Json();
    case JsonType::kBoolean: return Json(node_->boolean);
    case JsonType::kInteger: return Json(static_cast<Json::number_integer_t>(node_->integer));
    case JsonType::kUnsigned: return Json(static_cast<Json::number_unsigned_t>(node_->unsigned_integer));
    case JsonType::kFloat: return Json(static_cast<Json::number_float_t>(node_->number));
    case JsonType::kString: return Json(std::string(node_->string));
    case JsonType::kArray: {
      Json a = Json::array();
      for (JsonView c = first(); c; c = c.next()) a.push_back(c.ToJson());
      return a;
    }
    case JsonType::kObject: {
      // operator[] keeps a duplicate key where it first appeared, with the last
      // value: what nlohmann_json's parser does.
      Json o = Json::object();
      for (JsonView c = first(); c; c = c.next()) o[std::string(c.key())] = c.ToJson();
      return o;
    }
  }
  return Json();
}

}  // namespace nvprobe::fakedrv
