#include "fake_driver/trace/trace_io.h"

#include <fcntl.h>
#include <linux/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <initializer_list>
#include <set>
#include <streambuf>
#include <string_view>
#include <utility>

#include "fake_driver/trace/hex.h"
#include "fake_driver/trace/json_depth.h"
#include "fake_driver/trace/utf8.h"

namespace nvprobe::fakedrv {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::pair<const char*, int> kErrnoNames[] = {
    {"EPERM", EPERM}, {"ENOENT", ENOENT}, {"EIO", EIO},       {"ENXIO", ENXIO},
    {"EACCES", EACCES}, {"EBUSY", EBUSY}, {"ENODEV", ENODEV}, {"EINVAL", EINVAL},
};

int ErrnoByName(const std::string& name) {
  for (const auto& [n, v] : kErrnoNames) {
    if (name == n) return v;
  }
  return 0;
}

const char* ErrnoName(int e) {
  for (const auto& [n, v] : kErrnoNames) {
    if (e == v) return n;
  }
  return nullptr;
}

// Lines nested deeper are refused before parsing: copying, comparing and printing a
// JSON value recurse once per level, and a line of "[[[[..." would overflow the stack.
constexpr int kMaxJsonDepth = 64;

// Reads a trace line by line within TraceLimits: no line is held beyond the line
// limit and no more than the file limit is read, whatever the input is. Reads
// ahead in chunks (the stream is not used after loading).
class LineReader {
 public:
  enum class Result { kLine, kEnd, kTooLong, kFileTooLarge };

  LineReader(std::istream& in, const TraceLimits& limits) : sb_(in.rdbuf()), limits_(limits) {}

  // The next line, without its '\n'.
  Result Next(std::string& line) {
    line.clear();
    bool any = false;
    for (;;) {
      if (pos_ == len_ && !Fill()) return any ? Result::kLine : Result::kEnd;
      any = true;
      const char* start = chunk_.data() + pos_;
      const void* nl = std::memchr(start, '\n', len_ - pos_);
      const size_t n = nl ? static_cast<size_t>(static_cast<const char*>(nl) - start) : len_ - pos_;
      if (line.size() + n > limits_.max_line_bytes) {
        too_long_bytes_ = line.size();
        line.clear();
        return MeasureRest();
      }
      const size_t consumed = n + (nl ? 1 : 0);
      if (consumed > limits_.max_file_bytes - total_) return Result::kFileTooLarge;
      total_ += consumed;
      pos_ += consumed;
      line.append(start, n);
      if (nl != nullptr) return Result::kLine;
    }
  }

  // After kTooLong: the line's length, to its end or as far as the file limit let
  // it be read (then `too_long_capped`).
  size_t too_long_bytes() const { return too_long_bytes_; }
  bool too_long_capped() const { return too_long_capped_; }

 private:
  bool Fill() {
    pos_ = len_ = 0;
    if (sb_ == nullptr) return false;
    const std::streamsize n = sb_->sgetn(chunk_.data(), static_cast<std::streamsize>(chunk_.size()));
    if (n <= 0) return false;
    len_ = static_cast<size_t>(n);
    return true;
  }

  // Counts the rest of a line that is too long, without keeping it.
  Result MeasureRest() {
    for (;;) {
      if (pos_ == len_ && !Fill()) return Result::kTooLong;
      const char* start = chunk_.data() + pos_;
      const void* nl = std::memchr(start, '\n', len_ - pos_);
      const size_t n = nl ? static_cast<size_t>(static_cast<const char*>(nl) - start) : len_ - pos_;
      if (n + (nl ? 1 : 0) > limits_.max_file_bytes - total_) {
        too_long_bytes_ += limits_.max_file_bytes - total_;
        too_long_capped_ = true;
        return Result::kTooLong;
      }
      too_long_bytes_ += n;
      total_ += n + (nl ? 1 : 0);
      pos_ += n + (nl ? 1 : 0);
      if (nl != nullptr) return Result::kTooLong;
    }
  }

  std::streambuf* sb_;
  TraceLimits limits_;
  std::vector<char> chunk_ = std::vector<char>(size_t{1} << 16);
  size_t pos_ = 0, len_ = 0;
  size_t total_ = 0;  // bytes consumed, newlines included
  size_t too_long_bytes_ = 0;
  bool too_long_capped_ = false;
};

// A file descriptor as a streambuf that remembers why a read failed (an ifstream
// reports EISDIR or EIO as the end of the file).
class FdStreambuf : public std::streambuf {
 public:
  explicit FdStreambuf(int fd) : fd_(fd) {}
  int error() const { return error_; }

 protected:
  int_type underflow() override {
    ssize_t n;
    do {
      n = read(fd_, buf_, sizeof buf_);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
      if (n < 0) error_ = errno;
      return traits_type::eof();
    }
    setg(buf_, buf_, buf_ + n);
    return traits_type::to_int_type(buf_[0]);
  }

 private:
  int fd_;
  int error_ = 0;
  char buf_[1 << 12];
};

// nlohmann's reason, for one line: " at column 8: syntax error while parsing object
// key - unexpected '}'; expected string literal". Bytes outside printable ASCII (the
// parser quotes what it last read, invalid UTF-8 included) are written \xNN.
std::string JsonErrorReason(const nlohmann::json::exception& e) {
  std::string_view what = e.what();
  if (what.substr(0, 1) == "[") {
    const size_t close = what.find("] ");
    if (close != std::string_view::npos) what.remove_prefix(close + 2);
  }
  std::string reason;
  constexpr std::string_view kAt = "parse error at line 1, ";
  if (what.substr(0, kAt.size()) == kAt) {
    what.remove_prefix(kAt.size());
    reason = " at ";
  } else {
    reason = ": ";
  }
  for (char c : what) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      reason += "\\x";
      reason += kHex[u >> 4];
      reason += kHex[u & 15];
    } else {
      reason += c;
    }
  }
  return reason;
}

// The string at `key`, or "" when it is absent or not a string. (Json::value()
// throws type_error for a key of another type, and a trace is untrusted input.)
std::string StringField(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Collects errors for one file; every message gets the "FILE:LINE: " prefix.
class Problems {
 public:
  Problems(std::string name, std::vector<std::string>& out) : name_(std::move(name)), out_(out) {}
  void Add(int line, const std::string& what) {
    if (out_.size() < TraceLoad::kMaxTraceErrors) {
      out_.push_back(name_ + ":" + std::to_string(line) + ": " + what);
    }
  }
  // A problem of the whole file: "FILE: what is wrong".
  void AddFile(const std::string& what) {
    if (out_.size() < TraceLoad::kMaxTraceErrors) out_.push_back(name_ + ": " + what);
  }
  bool full() const { return out_.size() >= TraceLoad::kMaxTraceErrors; }

 private:
  std::string name_;
  std::vector<std::string>& out_;
};

// Every key of `j` must be one of `known` (a misspelt "open_erno" would otherwise
// drop the fault it meant silently). `what` names the object in the message.
bool OnlyKnownKeys(const Json& j, std::initializer_list<std::string_view> known,
                   const std::string& what, Problems& p, int line) {
  for (const auto& [key, value] : j.items()) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || key == k;
    if (ok) continue;
    std::string list;
    for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    p.Add(line, "unknown key " + Json(key).dump() + " in " + what + " (it has " + list + ")");
    return false;
  }
  return true;
}

// Reads "in"/"out" of a buffer object and its nested buffers, checking them
// against the ABI. `where` names the buffer in messages.
class BufferParser {
 public:
  BufferParser(const abi::Abi& abi, Problems& problems, int line)
      : abi_(abi), problems_(problems), line_(line) {}

  bool Parse(const Json& j, const std::string& where, ArgBuffer& buf) {
    if (!j.contains("in") || !j["in"].is_string()) return Fail(where + ": \"in\" (hex string) missing");
    if (!j.contains("out") || !j["out"].is_string()) return Fail(where + ": \"out\" (hex string) missing");
    StatusOr<std::vector<uint8_t>> in = HexDecode(j["in"].get<std::string>());
    if (!in.ok()) return Fail(where + ": \"in\": " + in.status().message());
    StatusOr<std::vector<uint8_t>> out = HexDecode(j["out"].get<std::string>());
    if (!out.ok()) return Fail(where + ": \"out\": " + out.status().message());
    buf.in = std::move(*in);
    buf.out = std::move(*out);
    if (buf.in.size() != buf.out.size()) {
      return Fail(where + ": \"in\" has " + std::to_string(buf.in.size()) + " bytes but \"out\" has " +
                  std::to_string(buf.out.size()));
    }
    if (j.contains("struct") && buf.layout != nullptr &&
        j["struct"] != Json(buf.layout->name)) {
      return Fail(where + ": \"struct\" says " + j["struct"].dump() + " but driver " +
                  abi_.release().ToString() + " has " + buf.layout->name + " here");
    }
    if (buf.layout != nullptr &&
        (buf.in.empty() || buf.in.size() % buf.layout->size != 0)) {
      return Fail(where + ": " + std::to_string(buf.in.size()) + " bytes, but " + buf.layout->name +
                  " is " + std::to_string(buf.layout->size) + " bytes in driver " +
                  abi_.release().ToString());
    }
    return ParseNested(j, where, buf);
  }

 private:
  bool Fail(const std::string& what) {
    problems_.Add(line_, what);
    return false;
  }

  bool ParseNested(const Json& j, const std::string& where, ArgBuffer& buf) {
    std::vector<PointerTarget> targets;
    if (buf.layout != nullptr) {
      StatusOr<std::vector<PointerTarget>> t = PointerTargets(abi_, *buf.layout, buf.in);
      if (!t.ok()) return Fail(where + ": " + t.status().message());
      targets = std::move(*t);
    }
    const Json empty = Json::array();
    const Json& nested = j.contains("nested") ? j["nested"] : empty;
    if (!nested.is_array()) return Fail(where + ": \"nested\" must be an array");
    std::set<std::string> seen;
    for (const Json& n : nested) {
      if (!n.is_object() || !n.contains("field") || !n["field"].is_string()) {
        return Fail(where + ": each nested buffer needs a \"field\"");
      }
      if (!OnlyKnownKeys(n, {"field", "struct", "in", "out", "nested"},
                         where + "." + n["field"].get<std::string>(), problems_, line_)) {
        return false;
      }
      std::string field = n["field"].get<std::string>();
      const PointerTarget* target = nullptr;
      for (const PointerTarget& t : targets) {
        if (t.field->name == field) target = &t;
      }
      if (target == nullptr) {
        return Fail(where + ": nested buffer \"" + field + "\" is not a non-null pointer field of " +
                    (buf.layout ? buf.layout->name : std::string("raw bytes")) +
                    " (per the ABI and the recorded input)");
      }
      if (!seen.insert(field).second) return Fail(where + ": nested buffer \"" + field + "\" twice");
      ArgBuffer child;
      child.field = field;
      child.layout = target->layout;
      if (!Parse(n, where + "." + field, child)) return false;
      if (child.in.size() != target->length) {
        return Fail(where + "." + field + ": " + std::to_string(child.in.size()) +
                    " bytes, but the ABI gives " + std::to_string(target->length) +
                    " from the recorded input");
      }
      buf.nested.push_back(std::move(child));
    }
    for (const PointerTarget& t : targets) {
      if (!seen.count(t.field->name)) {
        return Fail(where + ": nested buffer \"" + t.field->name + "\" (" + std::to_string(t.length) +
                    " bytes, per the ABI) missing");
      }
    }
    return true;
  }

  const abi::Abi& abi_;
  Problems& problems_;
  int line_;
};

// The kernel's limits for a device number (include/linux/kdev_t.h: MINORBITS 20,
// and 12 bits of major in a dev_t's user-visible encoding).
constexpr uint64_t kMaxMajor = (1u << 12) - 1;
constexpr uint64_t kMaxMinor = (1u << 20) - 1;
// The largest errno a system call can return (include/linux/err.h: MAX_ERRNO).
constexpr int64_t kMaxErrno = 4095;

bool ParseFileNode(const Json& j, int line, Problems& p, FileNode& node) {
  node.line = line;
  if (!OnlyKnownKeys(j, {"path", "type", "major", "minor", "mode", "open_errno", "content", "content_hex"},
                     "a file entry", p, line)) {
    return false;
  }
  if (!j["path"].is_string()) {
    p.Add(line, "\"path\" must be a string");
    return false;
  }
  node.path = j["path"].get<std::string>();
  if (node.path.empty() || node.path[0] != '/' || NormalizePath(node.path) != node.path) {
    p.Add(line, "path \"" + node.path + "\" is not absolute and normalized");
    return false;
  }
  std::string type = StringField(j, "type");
  if (type == "file") node.type = NodeType::kFile;
  else if (type == "dir") node.type = NodeType::kDir;
  else if (type == "chardev") node.type = NodeType::kCharDev;
  else if (type == "absent") node.type = NodeType::kAbsent;
  else {
    p.Add(line, "\"type\" must be file, dir, chardev or absent, not \"" + type + "\"");
    return false;
  }
  if (j.contains("content")) {
    if (node.type != NodeType::kFile || !j["content"].is_string()) {
      p.Add(line, "\"content\" (a string) belongs to files only");
      return false;
    }
    node.content = j["content"].get<std::string>();
  }
  // Bytes that are not UTF-8 (a PCI config space) cannot be a JSON string.
  if (j.contains("content_hex")) {
    if (node.type != NodeType::kFile || !j["content_hex"].is_string() || j.contains("content")) {
      p.Add(line, "\"content_hex\" (a string) belongs to files only, instead of \"content\"");
      return false;
    }
    StatusOr<std::vector<uint8_t>> bytes = HexDecode(j["content_hex"].get<std::string>());
    if (!bytes.ok()) {
      p.Add(line, "\"content_hex\": " + bytes.status().message());
      return false;
    }
    node.content.assign(bytes->begin(), bytes->end());
  }
  if (node.type == NodeType::kCharDev) {
    if (!j.contains("major") || !j["major"].is_number_unsigned() || !j.contains("minor") ||
        !j["minor"].is_number_unsigned()) {
      p.Add(line, "a chardev needs unsigned \"major\" and \"minor\"");
      return false;
    }
    if (j["major"].get<uint64_t>() > kMaxMajor || j["minor"].get<uint64_t>() > kMaxMinor) {
      p.Add(line, "device number " + j["major"].dump() + "," + j["minor"].dump() +
                      " out of range (major 0.." + std::to_string(kMaxMajor) + ", minor 0.." +
                      std::to_string(kMaxMinor) + ")");
      return false;
    }
    node.major = j["major"].get<uint32_t>();
    node.minor = j["minor"].get<uint32_t>();
  } else if (j.contains("major") || j.contains("minor")) {
    p.Add(line, "\"major\" and \"minor\" belong to chardevs only");
    return false;
  }
  if (j.contains("mode")) {
    std::string m = j["mode"].is_string() ? j["mode"].get<std::string>() : "";
    char* end = nullptr;
    unsigned long v = std::strtoul(m.c_str(), &end, 8);
    if (m.empty() || *end != '\0' || v > 07777) {
      p.Add(line, "\"mode\" must be an octal string such as \"0666\"");
      return false;
    }
    node.mode = static_cast<uint32_t>(v);
  }
  if (j.contains("open_errno")) {
    std::string e = j["open_errno"].is_string() ? j["open_errno"].get<std::string>() : "";
    node.open_errno = ErrnoByName(e);
    if (node.open_errno == 0) {
      p.Add(line, "\"open_errno\" must be one of EPERM ENOENT EIO ENXIO EACCES EBUSY ENODEV EINVAL");
      return false;
    }
  }
  return true;
}

bool ParseEvent(const Json& j, int line, const Trace& trace, Problems& p, IoctlEvent& ev) {
  const abi::Abi& abi = *trace.abi;
  ev.line = line;
  if (!OnlyKnownKeys(j, {"ioctl", "request", "escape", "in", "out", "nested",
                         "nested_not_followed", "ret", "errno"},
                     "an ioctl event", p, line)) {
    return false;
  }
  ev.device = j["ioctl"].is_string() ? j["ioctl"].get<std::string>() : "";
  const FileNode* dev = trace.FindFile(ev.device);
  if (dev == nullptr || dev->type != NodeType::kCharDev) {
    p.Add(line, "device \"" + ev.device + "\" is not a chardev listed before the events");
    return false;
  }
  std::string req = StringField(j, "request");
  char* end = nullptr;
  unsigned long long r = std::strtoull(req.c_str(), &end, 16);
  if (req.size() < 3 || req.compare(0, 2, "0x") != 0 || *end != '\0' || r > 0xffffffffull) {
    p.Add(line, "\"request\" must be a hex string such as \"0xc04846d2\", not \"" + req + "\"");
    return false;
  }
  ev.request = static_cast<uint32_t>(r);
  if (_IOC_TYPE(ev.request) != 'F') {
    p.Add(line, "request " + req + " is not an NVIDIA ioctl (type byte is not 'F')");
    return false;
  }
  const abi::Binding* esc = abi.EscapeByNumber(ev.nr());
  if (j.contains("nested_not_followed") && !j["nested_not_followed"].is_boolean()) {
    p.Add(line, "\"nested_not_followed\" must be true or false");
    return false;
  }
  ev.nested_not_followed =
      j.contains("nested_not_followed") && j["nested_not_followed"].get<bool>();
  if (esc == nullptr && !ev.nested_not_followed) {
    p.Add(line, "escape " + HexNumber(ev.nr()) + " is unknown to driver " + trace.driver);
    return false;
  }
  if (j.contains("escape") && (esc == nullptr || j["escape"] != Json(esc->name))) {
    p.Add(line, "\"escape\" says " + j["escape"].dump() + " but request " + req + " is " +
                    (esc ? esc->name : "unknown to driver " + trace.driver));
    return false;
  }
  if (ev.nested_not_followed) {
    // Raw top-level bytes only, whatever the escape (FORMAT.md, "Recorded traces").
    if (j.contains("nested")) {
      p.Add(line, "an event with \"nested_not_followed\" has no \"nested\" buffers");
      return false;
    }
    if (!BufferParser(abi, p, line).Parse(j, req, ev.args)) return false;
  } else {
    ev.args.layout = EscapeLayout(abi, ev.nr(), _IOC_SIZE(ev.request));
    if (!BufferParser(abi, p, line).Parse(j, esc->name, ev.args)) return false;
  }
  if (ev.args.in.size() != _IOC_SIZE(ev.request)) {
    p.Add(line, "\"in\" has " + std::to_string(ev.args.in.size()) + " bytes but request " + req +
                    " carries " + std::to_string(_IOC_SIZE(ev.request)));
    return false;
  }
  if (!j.contains("ret") || !j["ret"].is_number_integer()) {
    p.Add(line, "\"ret\" (an integer) missing");
    return false;
  }
  // An ioctl returns an int: -1 or what the driver gave, never below.
  if ((j["ret"].is_number_unsigned() && j["ret"].get<uint64_t>() > INT_MAX) ||
      (!j["ret"].is_number_unsigned() &&
       (j["ret"].get<int64_t>() < -1 || j["ret"].get<int64_t>() > INT_MAX))) {
    p.Add(line, "\"ret\" " + j["ret"].dump() + " out of range (-1.." + std::to_string(INT_MAX) + ")");
    return false;
  }
  ev.ret = j["ret"].get<int64_t>();
  if (j.contains("errno")) {
    const Json& e = j["errno"];
    if (!e.is_number_integer() || (e.is_number_unsigned() && e.get<uint64_t>() > kMaxErrno) ||
        (!e.is_number_unsigned() && (e.get<int64_t>() < 0 || e.get<int64_t>() > kMaxErrno))) {
      p.Add(line, "\"errno\" " + e.dump() + " must be an integer from 0 to " +
                      std::to_string(kMaxErrno));
      return false;
    }
    ev.err = e.get<int>();
  }
  if ((ev.ret == -1) != (ev.err != 0)) {
    p.Add(line, "\"errno\" must be nonzero exactly when \"ret\" is -1");
    return false;
  }
  return true;
}

}  // namespace

const FileNode* Trace::FindFile(std::string_view path) const {
  for (const FileNode& f : files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

std::string_view NodeTypeName(NodeType t) {
  switch (t) {
    case NodeType::kFile: return "file";
    case NodeType::kDir: return "dir";
    case NodeType::kCharDev: return "chardev";
    case NodeType::kAbsent: return "absent";
  }
  return "?";
}

std::string NormalizePath(std::string_view path, std::string_view base) {
  std::string full = path.empty() || path[0] != '/' ? std::string(base) + "/" + std::string(path)
                                                     : std::string(path);
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= full.size()) {
    size_t j = full.find('/', i);
    if (j == std::string::npos) j = full.size();
    std::string part = full.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (const std::string& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

TraceLoad ParseTrace(std::istream& in, const std::string& name, const abi::Registry& registry,
                     const TraceLimits& limits) {
  TraceLoad result;
  Trace& trace = result.trace;
  trace.source = name;
  Problems p(name, result.errors);
  std::string text;
  int line = 0;
  bool header = false, events_started = false;
  std::set<std::string> paths;
  LineReader reader(in, limits);
  while (!p.full()) {
    const LineReader::Result got = reader.Next(text);
    if (got == LineReader::Result::kEnd) break;
    ++line;
    if (got == LineReader::Result::kTooLong) {
      p.Add(line, std::string("line too long (") + (reader.too_long_capped() ? "at least " : "") +
                      std::to_string(reader.too_long_bytes()) + " bytes > " +
                      std::to_string(limits.max_line_bytes) + ")");
      if (reader.too_long_capped()) {
        p.AddFile("larger than " + std::to_string(limits.max_file_bytes) + " bytes");
      }
      return result;
    }
    if (got == LineReader::Result::kFileTooLarge) {
      p.AddFile("larger than " + std::to_string(limits.max_file_bytes) + " bytes");
      return result;
    }
    if (text.empty()) continue;
    if (FirstTooDeep(text, kMaxJsonDepth) != std::string_view::npos) {
      p.Add(line, "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
      continue;
    }
    Json j;
    try {
      j = Json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      p.Add(line, "invalid JSON" + JsonErrorReason(e));
      continue;
    }
    if (!j.is_object()) {
      p.Add(line, "not a JSON object");
      continue;
    }
    if (!header) {
      header = true;
      if (StringField(j, "format") != kTraceFormatName) {
        p.Add(line, std::string("the first line must be the header, with \"format\": \"") +
                        kTraceFormatName + "\"");
        break;
      }
      if (!j.contains("version") || j["version"] != Json(kTraceFormatVersion)) {
        p.Add(line, "unknown trace format version " +
                        (j.contains("version") ? j["version"].dump() : std::string("(none)")) +
                        " (this fakedrv reads version 1)");
        break;
      }
      if (!OnlyKnownKeys(j, {"format", "version", "driver", "origin", "provenance", "machine"},
                         "the header", p, line)) {
        break;
      }
      trace.driver = StringField(j, "driver");
      StatusOr<abi::DriverVersion> v = abi::DriverVersion::Parse(trace.driver);
      if (!v.ok() || !registry.Knows(*v)) {
        p.Add(line, "driver \"" + trace.driver + "\" is not a release known to the ABI layer");
        break;
      }
      StatusOr<std::shared_ptr<const abi::Abi>> a = registry.AbiOf(*v);
      if (!a.ok()) {
        p.Add(line, a.status().message());
        break;
      }
      trace.abi = *a;
      trace.origin = StringField(j, "origin");
      if (trace.origin != "synthesized" && trace.origin != "recorded") {
        p.Add(line, "\"origin\" must be \"synthesized\" or \"recorded\"");
      }
      if (j.contains("provenance") && !j["provenance"].is_string())
        p.Add(line, "\"provenance\" must be a string");
      trace.provenance = StringField(j, "provenance");
      if (j.contains("machine")) trace.machine = j["machine"];
      continue;
    }
    if (j.contains("path")) {
      if (events_started) {
        p.Add(line, "file entries must come before the ioctl events");
        continue;
      }
      FileNode node;
      if (!ParseFileNode(j, line, p, node)) continue;
      if (!paths.insert(node.path).second) {
        p.Add(line, "path " + node.path + " listed twice");
        continue;
      }
      trace.files.push_back(std::move(node));
    } else if (j.contains("ioctl")) {
      events_started = true;
      IoctlEvent ev;
      if (ParseEvent(j, line, trace, p, ev)) trace.events.push_back(std::move(ev));
    } else {
      p.Add(line, "neither a file entry (\"path\") nor an ioctl event (\"ioctl\")");
    }
  }
  if (!header) p.Add(line == 0 ? 1 : line, "empty trace: no header line");
  return result;
}

TraceLoad LoadTrace(const std::string& path, const abi::Registry& registry,
                    const TraceLimits& limits) {
  TraceLoad r;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    r.errors.push_back(path + ":0: cannot open: " + std::strerror(errno));
    return r;
  }
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    r.errors.push_back(path + ": is a directory");
  } else if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
             static_cast<uint64_t>(st.st_size) > limits.max_file_bytes) {
    r.errors.push_back(path + ": larger than " + std::to_string(limits.max_file_bytes) + " bytes (" +
                       std::to_string(st.st_size) + " bytes)");
  } else {
    FdStreambuf buf(fd);
    std::istream in(&buf);
    r = ParseTrace(in, path, registry, limits);
    if (buf.error() != 0) {
      // What was read before may look complete: the error comes first.
      r.errors.insert(r.errors.begin(), path + ": cannot read: " + std::strerror(buf.error()));
      if (r.errors.size() > TraceLoad::kMaxTraceErrors) r.errors.pop_back();
    }
  }
  close(fd);
  return r;
}

namespace {

Json BufferJson(const ArgBuffer& b, bool top) {
  Json j = Json::object();
  if (!top) {
    j["field"] = b.field;
    if (b.layout != nullptr) j["struct"] = b.layout->name;
  }
  j["in"] = HexEncode(b.in);
  j["out"] = HexEncode(b.out);
  if (!b.nested.empty()) {
    Json n = Json::array();
    for (const ArgBuffer& c : b.nested) n.push_back(BufferJson(c, false));
    j["nested"] = std::move(n);
  }
  return j;
}

}  // namespace

void WriteTrace(const Trace& trace, std::ostream& out) {
  Json h = Json::object();
  h["format"] = kTraceFormatName;
  h["version"] = kTraceFormatVersion;
  h["driver"] = trace.driver;
  h["origin"] = trace.origin;
  h["provenance"] = trace.provenance;
  h["machine"] = trace.machine;
  out << h.dump() << "\n";
  for (const FileNode& f : trace.files) {
    Json j = Json::object();
    j["path"] = f.path;
    j["type"] = std::string(NodeTypeName(f.type));
    if (f.type == NodeType::kCharDev) {
      j["major"] = f.major;
      j["minor"] = f.minor;
    }
    if (f.mode != 0) {
      char m[12];  // a 32-bit mode in octal: gcc -O2 checks the bound
      std::snprintf(m, sizeof m, "%04o", f.mode);
      j["mode"] = m;
    }
    if (f.open_errno != 0 && ErrnoName(f.open_errno)) j["open_errno"] = ErrnoName(f.open_errno);
    if (f.type == NodeType::kFile && IsUtf8(f.content)) {
      j["content"] = f.content;
    } else if (f.type == NodeType::kFile) {
      j["content_hex"] = HexEncode(std::span(reinterpret_cast<const uint8_t*>(f.content.data()), f.content.size()));
    }
    out << j.dump() << "\n";
  }
  for (const IoctlEvent& e : trace.events) {
    Json j = Json::object();
    j["ioctl"] = e.device;
    j["request"] = HexNumber(e.request);
    const abi::Binding* esc = trace.abi ? trace.abi->EscapeByNumber(e.nr()) : nullptr;
    if (esc != nullptr) j["escape"] = esc->name;
    Json b = BufferJson(e.args, true);
    for (auto& [k, v] : b.items()) j[k] = v;
    if (e.nested_not_followed) j["nested_not_followed"] = true;
    j["ret"] = e.ret;
    j["errno"] = e.err;
    out << j.dump() << "\n";
  }
}

}  // namespace nvprobe::fakedrv
