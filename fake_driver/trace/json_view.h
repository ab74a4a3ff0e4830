// A JSON text parsed for the trace loader's hot path. nlohmann_json's lexer reads
// a character at a time through an iterator adapter and its DOM allocates a node
// per value: on a 64-GPU trace (500 KB, mostly hex strings) that was most of
// `fakedrv run`'s start-up. JsonDoc has RapidJSON's SAX Reader do the parsing
// (json_view.cc) and keeps the values in one flat array, strings as views of the
// text (or, for those with escapes, of the doc's copy that RapidJSON decoded
// them in).
//
// It accepts exactly what nlohmann_json accepts and reads the same values from it
// (numbers typed as nlohmann types them, duplicate keys: the last one counts), or
// fails: the caller then asks nlohmann_json, whose error message is the one users
// see. It also fails, rather than recursing, beyond `max_depth` levels.
#ifndef NVPROBE_FAKE_DRIVER_TRACE_JSON_VIEW_H_
#define NVPROBE_FAKE_DRIVER_TRACE_JSON_VIEW_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace nvprobe::fakedrv {

class JsonDoc;

// One value of a JsonDoc (or none: a member that is absent). Cheap to copy; valid
// while its JsonDoc and the parsed text live and the doc is not parsed again.
class JsonView {
 public:
  JsonView() = default;

  explicit operator bool() const { return node_ != nullptr; }
  bool is_null() const;
  bool is_boolean() const;
  bool is_number() const;
  // Integers as nlohmann_json types them: is_number_integer() for both signed and
  // unsigned, is_number_unsigned() for those written without '-'.
  bool is_number_integer() const;
  bool is_number_unsigned() const;
  bool is_string() const;
  bool is_array() const;
  bool is_object() const;

  // The value as nlohmann_json's get<T>() converts it (a number of another kind is
  // cast); a value of another type gives false, 0 or "".
  bool boolean() const;
  int64_t integer() const;
  uint64_t unsigned_integer() const;
  double number() const;
  std::string_view string() const;

  // An object's member (the last one of that name, as nlohmann_json keeps it), or
  // an empty view.
  JsonView Find(std::string_view key) const;
  bool contains(std::string_view key) const { return static_cast<bool>(Find(key)); }

  // Children of an array or object, in text order (an object's duplicates
  // included): for (JsonView c = v.first(); c; c = c.next()).
  JsonView first() const;
  JsonView next() const;
  // The member name of an object's child.
  std::string_view key() const;

  // The value's JSON text as written.
  std::string_view raw() const;
  // What nlohmann_json's dump() prints for this value (for messages).
  std::string Dump() const;
  // The value as nlohmann_json would have parsed it.
  nlohmann::ordered_json ToJson() const;

 private:
  friend class JsonDoc;
  JsonView(const JsonDoc* doc, uint32_t index);

  const JsonDoc* doc_ = nullptr;
  const struct JsonNode* node_ = nullptr;
};

enum class JsonType : uint8_t { kNull, kBoolean, kInteger, kUnsigned, kFloat, kString, kArray, kObject };

struct JsonNode {
  JsonType type = JsonType::kNull;
  bool boolean = false;
  int64_t integer = 0;
  uint64_t unsigned_integer = 0;
  double number = 0;
  std::string_view raw;     // the value's text
  std::string_view string;  // kString: decoded
  std::string_view key;     // a member's name, decoded
  uint32_t first = 0;       // first child; 0: none (node 0 is the root)
  uint32_t next = 0;        // next sibling; 0: none
};

class JsonDoc {
 public:
  JsonDoc();
  ~JsonDoc();  // (Handler is defined in json_view.cc)

  // Parses `text`, which must outlive the views. False when nlohmann_json would
  // refuse it, when it nests deeper than `max_depth`, or (never in practice) when
  // it is something RapidJSON does not take (a number such as 0e400 that it finds
  // too big): the caller asks nlohmann_json.
  bool Parse(std::string_view text, int max_depth);
  JsonView root() const { return JsonView(this, 0); }

 private:
  friend class JsonView;
  class Handler;

  std::unique_ptr<Handler> handler_;  // RapidJSON's, kept: it reuses its buffers
  std::vector<JsonNode> nodes_;
  // The text RapidJSON parses in place, decoding strings that have escapes: the
  // views of those point here (a vector, whose data a move keeps).
  std::vector<char> copy_;
};

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_TRACE_JSON_VIEW_H_
