#include "fake_driver/trace/json_view.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

// RapidJSON scans strings and whitespace 16 bytes at a time with SSE2 (every
// x86-64 has it). No other file includes RapidJSON, so this setting is its only one.
#if defined(__SSE2__) && !defined(RAPIDJSON_SSE2)
#define RAPIDJSON_SSE2
#endif
#include <rapidjson/encodings.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

namespace nvprobe::fakedrv {
namespace {

// RapidJSON parses, with these flags:
// - kParseInsituFlag: over JsonDoc's NUL-terminated copy of the text, where the
//   Reader leaves strings without escapes as they are and decodes the others in
//   place, and hands out pointers into it, which tell where each value starts.
// - kParseIterativeFlag: an explicit stack, not recursion, so a text nested a
//   million deep cannot overflow ours; the Handler refuses beyond max_depth.
// - kParseNumbersAsStringsFlag: RawNumber gets the number's text, and the Handler
//   types and converts it with the calls nlohmann_json makes (strtoull, strtoll,
//   strtod), so the values are the same by construction; RapidJSON's own
//   Int/Uint/Int64/Uint64/Double split and its strtod (kParseFullPrecisionFlag or
//   not, which this flag makes moot) would each need proving equal.
// Not kParseValidateEncodingFlag: it turns off the SIMD string scan and made the
// 64-GPU trace's lines parse 6x slower (1.9 ms, against 0.29 ms). The text is
// checked whole with RapidJSON's UTF-8 validator instead (Utf8), which refuses
// the same texts: nlohmann_json refuses a byte >= 0x80 outside a string as well
// as invalid UTF-8 in one.
constexpr unsigned kFlags =
    rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag;

// An output stream for rapidjson::UTF8<>::Validate, which copies what it checks.
struct Discard {
  void Put(char) {}
};

// Whether s is UTF-8 as RFC 3629 has it (no overlong forms, no surrogates,
// nothing above U+10FFFF): RapidJSON's validator, for each byte >= 0x80; ASCII,
// most of a trace, 32 bytes at a time.
bool Utf8(std::string_view s) {
  rapidjson::MemoryStream in(s.data(), s.size());
  Discard discard;
  while (in.Tell() < s.size()) {
    uint64_t words[4];
    if (s.size() - in.Tell() >= 32 && (std::memcpy(words, in.src_, 32),
                                       ((words[0] | words[1] | words[2] | words[3]) & 0x8080808080808080ull) == 0)) {
      in.src_ += 32;
    } else if (!rapidjson::UTF8<>::Validate(in, discard)) {
      return false;  // (a sequence cut short reads MemoryStream's '\0' at the end)
    }
  }
  return true;
}

}  // namespace

// Builds JsonDoc's nodes from the Reader's SAX events. A callback returning false
// stops the parse (kParseErrorTermination): Parse then refuses the text. A JsonDoc
// keeps its Handler, whose Reader and buffers keep their capacity: a trace is a
// thousand short lines, and mallocs per line cost as much as parsing them.
class JsonDoc::Handler {
 public:
  explicit Handler(JsonDoc& doc) : doc_(doc) {}

  bool Parse(std::string_view text, int max_depth) {
    // nlohmann_json skips a UTF-8 byte order mark at the start; RapidJSON's
    // Reader refuses it (and its EncodedInputStream<UTF8<>, MemoryStream> would
    // skip EF, BB, BF each alone too, which nlohmann_json refuses).
    if (text.substr(0, 3) == "\xef\xbb\xbf") text.remove_prefix(3);
    if (!Utf8(text)) return false;
    // The copy ends with a NUL and 15 more, which RapidJSON's aligned 16-byte
    // loads may read.
    doc_.copy_.assign(text.begin(), text.end());
    doc_.copy_.resize(text.size() + 16, '\0');
    rapidjson::InsituStringStream in(doc_.copy_.data());
    text_ = text;
    in_ = &in;
    max_depth_ = max_depth;
    open_.clear();
    // The Reader stops at a NUL byte as at the end: it takes "1\0x", which
    // nlohmann_json refuses (a NUL byte is nowhere valid JSON).
    return !reader_.Parse<kFlags>(in, *this).IsError() && in.Tell() == text.size();
  }

  // After a literal, the stream is just past it.
  bool Null() {
    Scalar(JsonType::kNull, Tell() - 4, 4);
    return true;
  }
  bool Bool(bool b) {
    const size_t size = b ? 4 : 5;
    doc_.nodes_[Scalar(JsonType::kBoolean, Tell() - size, size)].boolean = b;
    return true;
  }
  // kParseNumbersAsStringsFlag: every number comes to RawNumber.
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(int64_t) { return false; }
  bool Uint64(uint64_t) { return false; }
  bool Double(double) { return false; }

  // `str` is the number's text in the copy (not NUL-terminated). Typed as
  // nlohmann_json's lexer types it: with a fraction or an exponent a float; else
  // with '-' an integer if strtoll takes it, without '-' unsigned if strtoull
  // takes it; one too large for that is a float. A float that overflows (1e400)
  // nlohmann_json's parser refuses.
  bool RawNumber(const char* str, rapidjson::SizeType length, bool /*copy*/) {
    JsonNode& node = doc_.nodes_[Scalar(JsonType::kFloat, Offset(str), length)];
    number_.assign(str, length);
    const bool is_float = number_.find_first_of(".eE") != std::string::npos;
    errno = 0;
    if (!is_float && number_[0] == '-') {
      node.integer = std::strtoll(number_.c_str(), nullptr, 10);
      node.type = JsonType::kInteger;
    } else if (!is_float) {
      node.unsigned_integer = std::strtoull(number_.c_str(), nullptr, 10);
      node.type = JsonType::kUnsigned;
    }
    if (!is_float && errno == 0) return true;
    node.type = JsonType::kFloat;
    node.number = std::strtod(number_.c_str(), nullptr);
    return std::isfinite(node.number);
  }

  // `str` is the string in the copy, decoded, just after its opening quote.
  bool String(const char* str, rapidjson::SizeType length, bool /*copy*/) {
    const size_t start = Offset(str) - 1;
    JsonNode& node = doc_.nodes_[Scalar(JsonType::kString, start, length + 2)];
    if (!Escaped(start, length)) {
      node.string = text_.substr(start + 1, length);
      return true;
    }
    // RapidJSON has checked the escapes: each '\\' starts one whose second byte
    // is no quote to stop at.
    size_t end = start + 1;
    while (text_[end] != '"') end += text_[end] == '\\' ? 2 : 1;
    node.raw = text_.substr(start, end + 1 - start);
    node.string = std::string_view(str, length);
    return Utf8(node.string);
  }
  bool Key(const char* str, rapidjson::SizeType length, bool /*copy*/) {
    const size_t start = Offset(str) - 1;
    if (!Escaped(start, length)) {
      key_ = text_.substr(start + 1, length);
      return true;
    }
    key_ = std::string_view(str, length);
    return Utf8(key_);
  }

  // In iterative mode a container's events come before its bracket is taken.
  bool StartObject() { return Start(JsonType::kObject); }
  bool EndObject(rapidjson::SizeType /*members*/) { return End(); }
  bool StartArray() { return Start(JsonType::kArray); }
  bool EndArray(rapidjson::SizeType /*elements*/) { return End(); }

 private:
  // Positions in the copy are positions in the text.
  size_t Tell() const { return in_->Tell(); }
  size_t Offset(const char* p) const { return static_cast<size_t>(p - in_->head_); }

  // A new node, the next child of the innermost open container (with the key
  // just read, in an object), its text [start, start + size).
  uint32_t Scalar(JsonType type, size_t start, size_t size) {
    const auto i = static_cast<uint32_t>(doc_.nodes_.size());
    doc_.nodes_.emplace_back();
    JsonNode& node = doc_.nodes_.back();
    node.type = type;
    node.raw = text_.substr(start, size);
    if (!open_.empty()) {
      Open& parent = open_.back();
      (parent.last == 0 ? doc_.nodes_[parent.index].first : doc_.nodes_[parent.last].next) = i;
      parent.last = i;
      if (doc_.nodes_[parent.index].type == JsonType::kObject) node.key = key_;
    }
    return i;
  }

  bool Start(JsonType type) {
    if (static_cast<int>(open_.size()) >= max_depth_) return false;  // nlohmann's count: the root is 1
    open_.push_back({Scalar(type, Tell(), 1), 0});
    return true;
  }

  bool End() {
    JsonNode& node = doc_.nodes_[open_.back().index];
    const size_t start = static_cast<size_t>(node.raw.data() - text_.data());
    node.raw = text_.substr(start, Tell() + 1 - start);  // through the bracket
    open_.pop_back();
    return true;
  }

  // Whether the string whose quote is at `start`, decoded to `length` bytes, had
  // escapes. Decoding only shrinks a string, so with escapes the byte `length`
  // after the quote is inside it: no quote, or one escaped by the '\\' before.
  // Without, that byte is the closing quote and the one before no '\\'.
  // A string with escapes is a view of the copy and must be UTF-8: RapidJSON
  // 1.1.0 encodes a lone low surrogate escape ("\udc00") as the bytes of U+DC00,
  // which nlohmann_json refuses (and which are not UTF-8).
  bool Escaped(size_t start, size_t length) const {
    return text_[start + 1 + length] != '"' || text_[start + length] == '\\';
  }

  struct Open {
    uint32_t index;  // the container's node
    uint32_t last;   // its last child so far; 0: none yet
  };

  JsonDoc& doc_;
  rapidjson::Reader reader_;
  std::string_view text_;
  rapidjson::InsituStringStream* in_ = nullptr;
  int max_depth_ = 0;
  std::vector<Open> open_;
  std::string_view key_;  // the member name just read
  std::string number_;    // a number's text, NUL-terminated for strtod & co.
};

JsonDoc::JsonDoc() : handler_(std::make_unique<Handler>(*this)) {}
JsonDoc::~JsonDoc() = default;

bool JsonDoc::Parse(std::string_view text, int max_depth) {
  nodes_.clear();
  if (handler_->Parse(text, max_depth)) return true;
  nodes_.clear();
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

namespace {

// A number node's value as T, converted as nlohmann_json's get<T>() converts it;
// 0 for any other node.
template <typename T>
T NumberAs(const JsonNode* node) {
  if (!node) return 0;
  switch (node->type) {
    case JsonType::kInteger: return static_cast<T>(node->integer);
    case JsonType::kUnsigned: return static_cast<T>(node->unsigned_integer);
    case JsonType::kFloat: return static_cast<T>(node->number);
    default: return 0;
  }
}

}  // namespace

int64_t JsonView::integer() const { return NumberAs<int64_t>(node_); }
uint64_t JsonView::unsigned_integer() const { return NumberAs<uint64_t>(node_); }
double JsonView::number() const { return NumberAs<double>(node_); }

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
