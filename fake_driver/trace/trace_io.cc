#include "fake_driver/trace/trace_io.h"

#include <fcntl.h>
#include <signal.h>
#include <linux/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <set>
#include <streambuf>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>

#include "fake_driver/trace/hex.h"
#include "fake_driver/trace/json_depth.h"
#include "fake_driver/trace/json_view.h"
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

  // The next line, without its '\n': a view of the chunk when the line lies
  // within it (most do; copying them all cost a tenth of loading a large trace),
  // else of a copy. Valid until the next call.
  Result Next(std::string_view& line) {
    line = {};
    partial_.clear();
    bool any = false;
    for (;;) {
      if (pos_ == len_ && !Fill()) {
        line = partial_;
        return any ? Result::kLine : Result::kEnd;
      }
      any = true;
      const char* start = chunk_.data() + pos_;
      const void* nl = std::memchr(start, '\n', len_ - pos_);
      const size_t n = nl ? static_cast<size_t>(static_cast<const char*>(nl) - start) : len_ - pos_;
      // Not read to its end: a pipe that never ends (or /dev/zero) would be
      // read up to the file limit only to say how long the line is.
      if (partial_.size() + n > limits_.max_line_bytes) {
        partial_.clear();
        return Result::kTooLong;
      }
      const size_t consumed = n + (nl ? 1 : 0);
      if (consumed > limits_.max_file_bytes - total_) return Result::kFileTooLarge;
      total_ += consumed;
      pos_ += consumed;
      if (nl != nullptr && partial_.empty()) {
        line = std::string_view(start, n);
        return Result::kLine;
      }
      partial_.append(start, n);
      if (nl != nullptr) {
        line = partial_;
        return Result::kLine;
      }
    }
  }

 private:
  bool Fill() {
    pos_ = len_ = 0;
    if (sb_ == nullptr) return false;
    const std::streamsize n = sb_->sgetn(chunk_.data(), static_cast<std::streamsize>(chunk_.size()));
    if (n <= 0) return false;
    len_ = static_cast<size_t>(n);
    return true;
  }

  std::streambuf* sb_;
  TraceLimits limits_;
  std::vector<char> chunk_ = std::vector<char>(size_t{1} << 16);
  std::string partial_;  // a line that crosses chunks
  size_t pos_ = 0, len_ = 0;
  size_t total_ = 0;  // bytes consumed, newlines included
};

// A file descriptor as a streambuf that remembers why a read failed (an ifstream
// reports EISDIR or EIO as the end of the file).
class FdStreambuf : public std::streambuf {
 public:
  explicit FdStreambuf(int fd) : fd_(fd) {}
  int error() const { return error_; }

  // One read of what a pipe holds now, kept for the first reads (O_NONBLOCK on
  // the fd: -1 with EAGAIN while a writer holds it open, 0 when none does).
  ssize_t ReadAhead() {
    const ssize_t n = Read(buf_, sizeof buf_);
    if (n > 0) setg(buf_, buf_, buf_ + n);
    if (n < 0 && errno == EAGAIN) error_ = 0;
    return n;
  }

 protected:
  int_type underflow() override {
    const ssize_t n = Read(buf_, sizeof buf_);
    if (n <= 0) return traits_type::eof();
    setg(buf_, buf_, buf_ + n);
    return traits_type::to_int_type(buf_[0]);
  }

  // LineReader's chunks, read straight into its buffer: one read() per 64 KiB
  // rather than one per 4 KiB through buf_, and one copy fewer.
  std::streamsize xsgetn(char* s, std::streamsize count) override {
    std::streamsize done = 0;
    if (gptr() < egptr()) {
      done = std::min<std::streamsize>(count, egptr() - gptr());
      std::memcpy(s, gptr(), static_cast<size_t>(done));
      gbump(static_cast<int>(done));
    }
    while (done < count) {
      const ssize_t n = Read(s + done, static_cast<size_t>(count - done));
      if (n <= 0) break;
      done += n;
    }
    return done;
  }

 private:
  ssize_t Read(char* to, size_t count) {
    ssize_t n;
    do {
      n = read(fd_, to, count);
    } while (n < 0 && errno == EINTR);
    if (n < 0) error_ = errno;
    return n;
  }

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

// The string at `key`, or "" when it is absent or not a string.
std::string StringField(JsonView j, std::string_view key) { return std::string(j.Find(key).string()); }

// Whether `v` equals the integer `n` as nlohmann_json's operator== compares
// numbers (1, 1.0 and 1e0 all equal 1).
bool EqualsInteger(JsonView v, int64_t n) {
  if (v.is_number_unsigned()) return static_cast<int64_t>(v.unsigned_integer()) == n;
  if (v.is_number_integer()) return v.integer() == n;
  return v.is_number() && v.number() == static_cast<double>(n);
}

// Whether `v` is the string `s` (nlohmann_json's j != Json(s), negated).
bool EqualsString(JsonView v, std::string_view s) { return v.is_string() && v.string() == s; }

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
// drop the fault it meant silently). `what()` names the object in the message
// (built only then: most objects are fine).
template <size_t N, typename What>
bool OnlyKnownKeys(JsonView j, const std::array<std::string_view, N>& known, const What& what,
                   Problems& p, int line) {
  // In text order: the first unknown key is the one nlohmann_json's items()
  // (each key once, where it first appeared) would find. A key written twice is
  // refused too: readers disagree on which one counts, so a trace could show a
  // reviewer one path and give the command another.
  std::array<bool, N> seen{};
  for (JsonView member = j.first(); member; member = member.next()) {
    const std::string_view key = member.key();
    size_t i = 0;
    while (i < N && key != known[i]) ++i;
    if (i < N && seen[i]) {
      p.Add(line, "duplicate key " + Json(std::string(key)).dump() + " in " + what() + "; write each key once");
      return false;
    }
    if (i < N) {
      seen[i] = true;
      continue;
    }
    std::string list;
    for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    p.Add(line, "unknown key " + Json(std::string(key)).dump() + " in " + what() + " (it has " + list + ")");
    return false;
  }
  return true;
}

// The first key written twice in one object anywhere inside `v`, as its path
// below `path` ("machine.gpus[1].name"), or "".
std::string DuplicateKeyIn(JsonView v, const std::string& path) {
  size_t i = 0;
  for (JsonView c = v.first(); c; c = c.next(), ++i) {
    const std::string below = v.is_array() ? path + "[" + std::to_string(i) + "]" : path + "." + std::string(c.key());
    if (v.is_object()) {
      for (JsonView d = v.first(); d.raw().data() != c.raw().data(); d = d.next()) {
        if (d.key() == c.key()) return below;
      }
    }
    if (std::string d = DuplicateKeyIn(c, below); !d.empty()) return d;
  }
  return "";
}

// An object's members by name, found in one pass over them (looking each name up
// with Find() cost a pass per name): `known` lists the names, and value[i] is the
// member named known[i]. `has_unknown` also when a name comes twice: OnlyKnownKeys
// says which.
template <size_t N>
struct Fields {
  std::array<JsonView, N> value;
  bool has_unknown = false;

  Fields(JsonView j, const std::array<std::string_view, N>& known) {
    if (!j.is_object()) return;
    for (JsonView member = j.first(); member; member = member.next()) {
      const std::string_view key = member.key();
      size_t i = 0;
      while (i < N && key != known[i]) ++i;
      if (i < N && !value[i]) {
        value[i] = member;
      } else {
        has_unknown = true;
      }
    }
  }
};

// How a trace's byte strings are read: its format version's encoding, and what is
// left of the decoded bytes the whole trace may take (TraceLimits): a zero run
// makes a short line a large buffer.
struct ByteStrings {
  bool zero_runs = true;
  // Format 1 sized allocation params by paramsSize (arg_buffer.h).
  AllocParamsLength alloc = AllocParamsLength::kClassSize;
  size_t limit = kMaxTraceDecodedBytes;
  size_t budget = kMaxTraceDecodedBytes;  // what is left of `limit`
};

// Reads "in"/"out" of a buffer object and its nested buffers, checking them
// against the ABI. `where` names the buffer in messages.
class BufferParser {
 public:
  BufferParser(const abi::Abi& abi, Problems& problems, int line, ByteStrings& bytes)
      : abi_(abi), problems_(problems), line_(line), bytes_(bytes) {}

  // `in_hex`, `out_hex`, `struct_name`, `nested`: the buffer object's members of
  // those names (struct_name: "struct"), empty when absent.
  bool Parse(JsonView in_hex, JsonView out_hex, JsonView struct_name, JsonView nested,
             const std::string& where, ArgBuffer& buf) {
    if (!in_hex.is_string()) return Fail(where + ": \"in\" (hex string) missing");
    if (!out_hex.is_string()) return Fail(where + ": \"out\" (hex string) missing");
    if (!Decode(in_hex.string(), where + ": \"in\"", buf.in) ||
        !Decode(out_hex.string(), where + ": \"out\"", buf.out)) {
      return false;
    }
    if (buf.in.size() != buf.out.size()) {
      return Fail(where + ": \"in\" has " + std::to_string(buf.in.size()) + " bytes but \"out\" has " +
                  std::to_string(buf.out.size()));
    }
    if (struct_name && buf.layout != nullptr && !EqualsString(struct_name, buf.layout->name)) {
      return Fail(where + ": \"struct\" says " + struct_name.Dump() + " but driver " +
                  abi_.release().ToString() + " has " + buf.layout->name + " here");
    }
    if (buf.layout != nullptr &&
        (buf.in.empty() || buf.in.size() % buf.layout->size != 0)) {
      return Fail(where + ": " + std::to_string(buf.in.size()) + " bytes, but " + buf.layout->name +
                  " is " + std::to_string(buf.layout->size) + " bytes in driver " +
                  abi_.release().ToString());
    }
    return ParseNested(nested, where, buf);
  }

 private:
  bool Fail(const std::string& what) {
    problems_.Add(line_, what);
    return false;
  }

  // One byte string, sized before anything is allocated for it.
  bool Decode(std::string_view text, const std::string& what, std::vector<uint8_t>& to) {
    StatusOr<size_t> size = ByteStringSize(text, bytes_.zero_runs);
    if (!size.ok()) return Fail(what + ": " + size.status().message());
    if (*size > bytes_.budget) {
      return Fail(what + ": " + std::to_string(*size) + " bytes, beyond the " +
                  std::to_string(bytes_.limit) + " bytes of ioctl data a trace may hold");
    }
    StatusOr<std::vector<uint8_t>> b = ByteStringDecode(text, bytes_.zero_runs, kMaxNestedBytes);
    if (!b.ok()) return Fail(what + ": " + b.status().message());
    bytes_.budget -= b->size();
    to = std::move(*b);
    return true;
  }

  bool ParseNested(JsonView nested, const std::string& where, ArgBuffer& buf) {
    std::vector<PointerTarget> targets;
    if (buf.layout != nullptr) {
      StatusOr<std::vector<PointerTarget>> t = PointerTargets(abi_, *buf.layout, buf.in, bytes_.alloc);
      if (!t.ok()) return Fail(where + ": " + t.status().message());
      targets = std::move(*t);
    }
    if (nested && !nested.is_array()) return Fail(where + ": \"nested\" must be an array");
    std::set<std::string> seen;
    enum { kField, kStruct, kIn, kOut, kNested };
    static constexpr std::array<std::string_view, 5> kKeys = {"field", "struct", "in", "out", "nested"};
    for (JsonView n = nested.first(); n; n = n.next()) {
      const Fields<5> f(n, kKeys);
      if (!n.is_object() || !f.value[kField].is_string()) {
        return Fail(where + ": each nested buffer needs a \"field\"");
      }
      std::string field(f.value[kField].string());
      if (f.has_unknown &&
          !OnlyKnownKeys(n, kKeys,
                         [&] { return where + "." + field; }, problems_, line_)) {
        return false;
      }
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
      if (!Parse(f.value[kIn], f.value[kOut], f.value[kStruct], f.value[kNested],
                 where + "." + field, child)) {
        return false;
      }
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
  ByteStrings& bytes_;
};

// The kernel's limits for a device number (include/linux/kdev_t.h: MINORBITS 20,
// and 12 bits of major in a dev_t's user-visible encoding).
constexpr uint64_t kMaxMajor = (1u << 12) - 1;
constexpr uint64_t kMaxMinor = (1u << 20) - 1;
// The largest errno a system call can return (include/linux/err.h: MAX_ERRNO).
constexpr int64_t kMaxErrno = 4095;

// Whether NormalizePath(path) == path, without building the normal form (500
// paths in a 64-GPU trace): "/", or '/'-separated names none of which is empty,
// "." or "..".
bool IsNormalAbsolute(std::string_view path) {
  if (path == "/") return true;
  if (path.empty() || path[0] != '/') return false;
  size_t start = 1;
  for (;;) {
    const size_t slash = path.find('/', start);
    const std::string_view name = path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (name.empty() || name == "." || name == "..") return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool ParseFileNode(JsonView j, int line, Problems& p, FileNode& node) {
  node.line = line;
  enum { kPath, kType, kMajor, kMinor, kMode, kOpenErrno, kContent, kContentHex };
  static constexpr std::array<std::string_view, 8> kKeys = {
      "path", "type", "major", "minor", "mode", "open_errno", "content", "content_hex"};
  const Fields<8> f(j, kKeys);
  if (f.has_unknown && !OnlyKnownKeys(j, kKeys, [] { return "a file entry"; }, p, line)) {
    return false;
  }
  if (!f.value[kPath].is_string()) {
    p.Add(line, "\"path\" must be a string");
    return false;
  }
  node.path = f.value[kPath].string();
  if (!IsNormalAbsolute(node.path)) {
    p.Add(line, "path \"" + node.path + "\" is not absolute and normalized");
    return false;
  }
  const std::string_view type = f.value[kType].string();
  if (type == "file") node.type = NodeType::kFile;
  else if (type == "dir") node.type = NodeType::kDir;
  else if (type == "chardev") node.type = NodeType::kCharDev;
  else if (type == "absent") node.type = NodeType::kAbsent;
  else {
    p.Add(line, "\"type\" must be file, dir, chardev or absent, not \"" + std::string(type) + "\"");
    return false;
  }
  const JsonView content = f.value[kContent], content_hex = f.value[kContentHex];
  if (content) {
    if (node.type != NodeType::kFile || !content.is_string()) {
      p.Add(line, "\"content\" (a string) belongs to files only");
      return false;
    }
    node.content = content.string();
  }
  // Bytes that are not UTF-8 (a PCI config space) cannot be a JSON string.
  if (content_hex) {
    if (node.type != NodeType::kFile || !content_hex.is_string() || content) {
      p.Add(line, "\"content_hex\" (a string) belongs to files only, instead of \"content\"");
      return false;
    }
    StatusOr<std::vector<uint8_t>> bytes = HexDecode(content_hex.string());
    if (!bytes.ok()) {
      p.Add(line, "\"content_hex\": " + bytes.status().message());
      return false;
    }
    node.content.assign(bytes->begin(), bytes->end());
  }
  const JsonView major = f.value[kMajor], minor = f.value[kMinor];
  if (node.type == NodeType::kCharDev) {
    if (!major.is_number_unsigned() || !minor.is_number_unsigned()) {
      p.Add(line, "a chardev needs unsigned \"major\" and \"minor\"");
      return false;
    }
    if (major.unsigned_integer() > kMaxMajor || minor.unsigned_integer() > kMaxMinor) {
      p.Add(line, "device number " + major.Dump() + "," + minor.Dump() +
                      " out of range (major 0.." + std::to_string(kMaxMajor) + ", minor 0.." +
                      std::to_string(kMaxMinor) + ")");
      return false;
    }
    node.major = static_cast<uint32_t>(major.unsigned_integer());
    node.minor = static_cast<uint32_t>(minor.unsigned_integer());
  } else if (major || minor) {
    p.Add(line, "\"major\" and \"minor\" belong to chardevs only");
    return false;
  }
  if (const JsonView mode = f.value[kMode]) {
    std::string m(mode.string());
    char* end = nullptr;
    unsigned long v = std::strtoul(m.c_str(), &end, 8);
    if (m.empty() || *end != '\0' || v > 07777) {
      p.Add(line, "\"mode\" must be an octal string such as \"0666\"");
      return false;
    }
    node.mode = static_cast<uint32_t>(v);
  }
  if (const JsonView open_errno = f.value[kOpenErrno]) {
    std::string e(open_errno.string());
    node.open_errno = ErrnoByName(e);
    if (node.open_errno == 0) {
      p.Add(line, "\"open_errno\" must be one of EPERM ENOENT EIO ENXIO EACCES EBUSY ENODEV EINVAL");
      return false;
    }
  }
  return true;
}

// `files`: the index in trace.files of each path listed so far.
bool ParseEvent(JsonView j, int line, const Trace& trace,
                const std::unordered_map<std::string, size_t>& files, Problems& p,
                ByteStrings& bytes, IoctlEvent& ev) {
  const abi::Abi& abi = *trace.abi;
  ev.line = line;
  enum { kIoctl, kRequest, kEscape, kIn, kOut, kNested, kNotFollowed, kRet, kErrno };
  static constexpr std::array<std::string_view, 9> kKeys = {
      "ioctl", "request", "escape", "in", "out", "nested", "nested_not_followed", "ret", "errno"};
  const Fields<9> f(j, kKeys);
  if (f.has_unknown && !OnlyKnownKeys(j, kKeys, [] { return "an ioctl event"; }, p, line)) {
    return false;
  }
  ev.device = f.value[kIoctl].string();
  const auto listed = files.find(ev.device);
  const FileNode* dev = listed == files.end() ? nullptr : &trace.files[listed->second];
  if (dev == nullptr || dev->type != NodeType::kCharDev) {
    p.Add(line, "device \"" + ev.device + "\" is not a chardev listed before the events");
    return false;
  }
  std::string req(f.value[kRequest].string());
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
  const JsonView not_followed = f.value[kNotFollowed];
  if (not_followed && !not_followed.is_boolean()) {
    p.Add(line, "\"nested_not_followed\" must be true or false");
    return false;
  }
  ev.nested_not_followed = not_followed.boolean();
  if (esc == nullptr && !ev.nested_not_followed) {
    p.Add(line, "escape " + HexNumber(ev.nr()) + " is unknown to driver " + trace.driver);
    return false;
  }
  if (const JsonView escape = f.value[kEscape];
      escape && (esc == nullptr || !EqualsString(escape, esc->name))) {
    p.Add(line, "\"escape\" says " + escape.Dump() + " but request " + req + " is " +
                    (esc ? esc->name : "unknown to driver " + trace.driver));
    return false;
  }
  if (ev.nested_not_followed) {
    // Raw top-level bytes only, whatever the escape (FORMAT.md, "Recorded traces").
    if (f.value[kNested]) {
      p.Add(line, "an event with \"nested_not_followed\" has no \"nested\" buffers");
      return false;
    }
    if (!BufferParser(abi, p, line, bytes).Parse(f.value[kIn], f.value[kOut], {}, {}, req, ev.args)) {
      return false;
    }
  } else {
    ev.args.layout = EscapeLayout(abi, ev.nr(), _IOC_SIZE(ev.request));
    if (!BufferParser(abi, p, line, bytes)
             .Parse(f.value[kIn], f.value[kOut], {}, f.value[kNested], esc->name, ev.args)) {
      return false;
    }
  }
  if (ev.args.in.size() != _IOC_SIZE(ev.request)) {
    p.Add(line, "\"in\" has " + std::to_string(ev.args.in.size()) + " bytes but request " + req +
                    " carries " + std::to_string(_IOC_SIZE(ev.request)));
    return false;
  }
  const JsonView ret = f.value[kRet];
  if (!ret.is_number_integer()) {
    p.Add(line, "\"ret\" (an integer) missing");
    return false;
  }
  // An ioctl returns an int: -1 or what the driver gave, never below.
  if ((ret.is_number_unsigned() && ret.unsigned_integer() > INT_MAX) ||
      (!ret.is_number_unsigned() && (ret.integer() < -1 || ret.integer() > INT_MAX))) {
    p.Add(line, "\"ret\" " + ret.Dump() + " out of range (-1.." + std::to_string(INT_MAX) + ")");
    return false;
  }
  ev.ret = ret.integer();
  if (const JsonView e = f.value[kErrno]) {
    if (!e.is_number_integer() || (e.is_number_unsigned() && e.unsigned_integer() > kMaxErrno) ||
        (!e.is_number_unsigned() && (e.integer() < 0 || e.integer() > kMaxErrno))) {
      p.Add(line, "\"errno\" " + e.Dump() + " must be an integer from 0 to " +
                      std::to_string(kMaxErrno));
      return false;
    }
    ev.err = static_cast<int>(e.integer());
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

namespace {

// ParseTrace's reader, which can stop before the first ioctl event and go on
// later, on another thread (StagedTraceLoad).
class TraceParser {
 public:
  TraceParser(std::istream& in, const std::string& name, const abi::Registry& registry,
              const TraceLimits& limits)
      : registry_(registry), limits_(limits), p_(name, result_.errors), reader_(in, limits) {
    result_.trace.source = name;
    bytes_.limit = bytes_.budget = limits.max_decoded_bytes;
  }

  // Reads to the end, or up to the first ioctl event when `stop_at_events`.
  void Read(bool stop_at_events);
  // After the last Read: the end-of-input checks.
  void End() {
    if (!header_ && !refused_) p_.Add(line_ == 0 ? 1 : line_, "empty trace: no header line");
    if (machine_text_.empty() || header_machine_ == HeaderMachine::kSkip) return;
    // JsonDoc took it, or nlohmann_json wrote it: nlohmann_json takes it.
    try {
      result_.trace.machine = Json::parse(machine_text_);
    } catch (const nlohmann::json::exception& e) {
      p_.Add(1, "\"machine\": invalid JSON" + JsonErrorReason(e));
    }
  }
  TraceLoad& result() { return result_; }
  void set_header_machine(HeaderMachine h) { header_machine_ = h; }

 private:
  void AddEvent(JsonView j) {
    events_started_ = true;
    IoctlEvent ev;
    if (ParseEvent(j, line_, result_.trace, paths_, p_, bytes_, ev)) {
      result_.trace.events.push_back(std::move(ev));
    }
  }

  const abi::Registry& registry_;
  const TraceLimits limits_;
  TraceLoad result_;
  Problems p_;
  LineReader reader_;
  JsonDoc doc_;            // reused: its arrays keep their capacity
  ByteStrings bytes_;
  std::string rewritten_;  // a line nlohmann_json rewrote for JsonDoc
  int line_ = 0;
  bool header_ = false, events_started_ = false;
  bool pending_event_ = false;  // doc_ holds the first event, not yet added
  std::string machine_text_;    // the header's "machine", as written
  HeaderMachine header_machine_ = HeaderMachine::kParse;
  bool done_ = false;           // nothing more to read
  bool refused_ = false;        // the input as a whole (too long, too large)
  // Each listed path's index in trace.files: events name their device by path,
  // and a 64-GPU trace has 700 events and 500 paths.
  std::unordered_map<std::string, size_t> paths_;
};

void TraceParser::Read(bool stop_at_events) {
  if (done_) return;
  Trace& trace = result_.trace;
  std::string_view text;
  while (!p_.full()) {
    if (pending_event_) {
      // The first event, parsed by the call that stopped there (its views are
      // still valid: nothing was read since).
      pending_event_ = false;
      AddEvent(doc_.root());
      continue;
    }
    const LineReader::Result got = reader_.Next(text);
    if (got == LineReader::Result::kEnd) {
      done_ = true;
      return;
    }
    ++line_;
    if (got == LineReader::Result::kTooLong) {
      p_.Add(line_, "line too long (more than " + std::to_string(limits_.max_line_bytes) + " bytes)");
      done_ = refused_ = true;
      return;
    }
    if (got == LineReader::Result::kFileTooLarge) {
      p_.AddFile("larger than " + std::to_string(limits_.max_file_bytes) + " bytes");
      done_ = refused_ = true;
      return;
    }
    if (text.empty()) continue;
    if (!doc_.Parse(text, kMaxJsonDepth)) {
      // What JsonDoc refuses, nlohmann_json says why (or, should it take the line,
      // writes it in a form JsonDoc reads).
      if (FirstTooDeep(text, kMaxJsonDepth) != std::string_view::npos) {
        p_.Add(line_, "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
        continue;
      }
      try {
        rewritten_ = Json::parse(text.begin(), text.end()).dump();
      } catch (const nlohmann::json::exception& e) {
        p_.Add(line_, "invalid JSON" + JsonErrorReason(e));
        continue;
      }
      if (!doc_.Parse(rewritten_, kMaxJsonDepth)) {
        p_.Add(line_, "invalid JSON: not readable by the trace loader");
        continue;
      }
    }
    const JsonView j = doc_.root();
    if (!j.is_object()) {
      p_.Add(line_, "not a JSON object");
      continue;
    }
    if (!header_) {
      header_ = true;
      if (StringField(j, "format") != kTraceFormatName) {
        p_.Add(line_, std::string("the first line must be the header, with \"format\": \"") +
                        kTraceFormatName + "\"");
        done_ = true;
        return;
      }
      const JsonView version = j.Find("version");
      for (int v = kOldestTraceFormatVersion; v <= kTraceFormatVersion; ++v) {
        if (EqualsInteger(version, v)) trace.version = v;
      }
      if (trace.version == 0) {
        p_.Add(line_, "unknown trace format version " +
                        (version ? version.Dump() : std::string("(none)")) + " (this fakedrv reads versions " +
                        std::to_string(kOldestTraceFormatVersion) + " to " +
                        std::to_string(kTraceFormatVersion) + ")");
        done_ = true;
        return;
      }
      bytes_.zero_runs = trace.version >= 2;
      bytes_.alloc = trace.version >= 2 ? AllocParamsLength::kClassSize : AllocParamsLength::kSizeField;
      static constexpr std::array<std::string_view, 6> kHeaderKeys = {
          "format", "version", "driver", "origin", "provenance", "machine"};
      if (!OnlyKnownKeys(j, kHeaderKeys,
                         [] { return "the header"; }, p_, line_)) {
        done_ = true;
        return;
      }
      trace.driver = StringField(j, "driver");
      StatusOr<abi::DriverVersion> v = abi::DriverVersion::Parse(trace.driver);
      if (!v.ok() || !registry_.Knows(*v)) {
        p_.Add(line_, "driver \"" + trace.driver + "\" is not a release known to the ABI layer");
        done_ = true;
        return;
      }
      StatusOr<std::shared_ptr<const abi::Abi>> a = registry_.AbiOf(*v);
      if (!a.ok()) {
        p_.Add(line_, a.status().message());
        done_ = true;
        return;
      }
      trace.abi = *a;
      trace.origin = StringField(j, "origin");
      if (trace.origin != "synthesized" && trace.origin != "recorded") {
        p_.Add(line_, "\"origin\" must be \"synthesized\" or \"recorded\"");
      }
      const JsonView provenance = j.Find("provenance");
      if (provenance && !provenance.is_string()) p_.Add(line_, "\"provenance\" must be a string");
      trace.provenance = provenance.string();
      // Kept as text until End(): `run` starts its command without it (a 64-GPU
      // description is 29 KB of JSON), and no check needs it.
      if (const JsonView machine = j.Find("machine")) {
        if (std::string d = DuplicateKeyIn(machine, "machine"); !d.empty()) {
          p_.Add(line_, "duplicate key " + Json(d).dump() + " in the header; write each key once");
        }
        machine_text_ = machine.raw();
      }
      continue;
    }
    if (j.contains("path")) {
      if (events_started_) {
        p_.Add(line_, "file entries must come before the ioctl events");
        continue;
      }
      FileNode node;
      if (!ParseFileNode(j, line_, p_, node)) continue;
      if (!paths_.emplace(node.path, trace.files.size()).second) {
        p_.Add(line_, "path " + node.path + " listed twice");
        continue;
      }
      trace.files.push_back(std::move(node));
    } else if (j.contains("ioctl")) {
      if (stop_at_events) {
        pending_event_ = true;
        return;
      }
      AddEvent(j);
    } else {
      p_.Add(line_, "neither a file entry (\"path\") nor an ioctl event (\"ioctl\")");
    }
  }
}

}  // namespace

TraceLoad ParseTrace(std::istream& in, const std::string& name, const abi::Registry& registry,
                     const TraceLimits& limits) {
  TraceParser parser(in, name, registry, limits);
  parser.Read(false);
  parser.End();
  return std::move(parser.result());
}

// The file and parser of a StagedTraceLoad; `parser` is null when the file was
// refused before reading (then `load` holds why).
struct StagedTraceLoad::Impl {
  int fd = -1;
  std::unique_ptr<FdStreambuf> buf;
  std::unique_ptr<std::istream> in;
  std::unique_ptr<TraceParser> parser;
  TraceLoad refused;
  bool files_ok = false;
  bool events_read = false;
  std::thread events;
  // The whole load, once the events are read.
  TraceLoad& load() { return parser ? parser->result() : refused; }
  void ReadEvents() {
    if (events_read) return;
    events_read = true;
    if (parser == nullptr) return;
    parser->Read(false);
    parser->End();
    if (buf->error() != 0) {
      // What was read before may look complete: the error comes first.
      std::vector<std::string>& errors = parser->result().errors;
      errors.insert(errors.begin(), parser->result().trace.source + ": cannot read: " +
                                        std::strerror(buf->error()));
      if (errors.size() > TraceLoad::kMaxTraceErrors) errors.pop_back();
    }
  }
};

StagedTraceLoad::StagedTraceLoad(const std::string& path, const abi::Registry& registry,
                                 const TraceLimits& limits, HeaderMachine header_machine)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  // O_NONBLOCK: opening a FIFO that no process writes to returns at once
  // instead of waiting for a writer forever; reads block again below.
  m.fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (m.fd < 0) {
    m.refused.errors.push_back(path + ":0: cannot open: " + std::strerror(errno));
    return;
  }
  struct stat st;
  const bool stated = fstat(m.fd, &st) == 0;
  if (stated && S_ISDIR(st.st_mode)) {
    m.refused.errors.push_back(path + ": is a directory");
    return;
  }
  if (stated && S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > limits.max_file_bytes) {
    m.refused.errors.push_back(path + ": larger than " + std::to_string(limits.max_file_bytes) +
                               " bytes (" + std::to_string(st.st_size) + " bytes)");
    return;
  }
  m.buf = std::make_unique<FdStreambuf>(m.fd);
  if (stated && S_ISFIFO(st.st_mode) && m.buf->ReadAhead() == 0) {
    // `show <(cmd)` has a writer; a FIFO nobody writes to never will have one.
    m.refused.errors.push_back(path + ": a FIFO with no writer: nothing to read (write the trace into it "
                                      "while fakedrv reads, or give a file)");
    return;
  }
  if (const int flags = fcntl(m.fd, F_GETFL); flags < 0 || fcntl(m.fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
    m.refused.errors.push_back(path + ": cannot read: " + std::strerror(errno));
    return;
  }
  m.in = std::make_unique<std::istream>(m.buf.get());
  m.parser = std::make_unique<TraceParser>(*m.in, path, registry, limits);
  m.parser->set_header_machine(header_machine);
  m.parser->Read(/*stop_at_events=*/true);
  m.files_ok = m.parser->result().ok() && m.buf->error() == 0;
}

StagedTraceLoad::~StagedTraceLoad() {
  if (impl_->events.joinable()) impl_->events.join();
  if (impl_->fd >= 0) close(impl_->fd);
}

bool StagedTraceLoad::files_ok() const { return impl_->files_ok; }

const Trace& StagedTraceLoad::trace() const { return impl_->load().trace; }

void StagedTraceLoad::ReadEventsInBackground(std::function<void(bool ok)> done) {
  // The thread takes no signal: one sent to the process (SIGTERM to `fakedrv run`)
  // must reach the thread that handles it, not end the process here.
  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &saved);
  impl_->events = std::thread([this, done = std::move(done)] {
    // Named, so that perf, top and /proc tell it from the supervisor's loop.
    pthread_setname_np(pthread_self(), "fakedrv-events");
    impl_->ReadEvents();
    if (done) done(impl_->load().ok());
  });
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
}

const TraceLoad& StagedTraceLoad::Finish() {
  if (impl_->events.joinable()) {
    impl_->events.join();
  } else {
    impl_->ReadEvents();
  }
  return impl_->load();
}

TraceLoad LoadTrace(const std::string& path, const abi::Registry& registry,
                    const TraceLimits& limits) {
  StagedTraceLoad staged(path, registry, limits);
  staged.Finish();
  return std::move(staged.impl_->load());
}

namespace {

Json BufferJson(const ArgBuffer& b, bool top) {
  Json j = Json::object();
  if (!top) {
    j["field"] = b.field;
    if (b.layout != nullptr) j["struct"] = b.layout->name;
  }
  j["in"] = ByteStringEncode(b.in);
  j["out"] = ByteStringEncode(b.out);
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
