// Merging the parts of a split JSON export: see merge.h.
//
// A part is read into an index of its values (16 bytes a value) that points into the part's
// text: strings are not copied or decoded until they are needed, so a part holding a 200 MB
// string costs about its own size, and the merged export is written as it is built, through a
// writer that lays it out exactly as nlohmann's dump(2) does (docs/decisions.md, 2026-12-02).
#include "framework/merge.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <string_view>
#include <unordered_set>

#include "framework/chart.h"
#include "framework/file_system.h"
#include "framework/text.h"

namespace framework {
namespace {

// ---- The index of one part -------------------------------------------------------------------

enum class Kind : std::uint8_t {
  kNull,
  kFalse,
  kTrue,
  kInt,
  kUint,
  kDouble,
  kString,
  kArray,
  kObject
};

// One value. Containers are followed by their children (an object's as key, value, key, ...),
// so the next sibling of node i is i + skip.
struct Node {
  std::uint64_t begin : 48 = 0;  // string: its raw text after the opening quote; number: its
                                 // token; container: its bracket
  std::uint64_t kind : 4 = 0;
  std::uint64_t escaped : 1 = 0;  // a string with a backslash in it
  std::uint32_t length = 0;       // raw bytes (strings, numbers)
  std::uint32_t skip = 1;         // nodes in this subtree, itself included
};
static_assert(sizeof(Node) == 16);

// A part: its text and the index into it.
struct Part {
  std::string path;
  std::string text;
  std::deque<Node> nodes;  // a deque: growing never copies what is there

  const Node& at(std::size_t i) const { return nodes[i]; }
  Kind kind(std::size_t i) const { return static_cast<Kind>(nodes[i].kind); }
  std::string_view raw(std::size_t i) const {
    return std::string_view(text).substr(nodes[i].begin, nodes[i].length);
  }
};

// "LINE:COLUMN" (1-based, columns in code points) of byte `offset` of `text`.
std::string LineColumn(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1, start = 0;
  for (const char* p = text.data();
       (p = static_cast<const char*>(std::memchr(p, '\n', text.data() + offset - p))) != nullptr;
       ++p) {
    ++line;
    start = static_cast<std::size_t>(p - text.data()) + 1;
  }
  std::size_t column = 1;
  for (std::size_t i = start; i < offset; ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;
  return std::to_string(line) + ":" + std::to_string(column);
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The four hex digits at `p` (already checked), as a number.
unsigned Hex4(const char* p) {
  unsigned v = 0;
  for (int k = 0; k < 4; ++k) v = v * 16 + static_cast<unsigned>(HexDigit(p[k]));
  return v;
}

void AppendUtf8(unsigned cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes the escape at raw[i] (a backslash) of a checked string, advancing i past it: the code
// point it stands for.
unsigned DecodeEscape(std::string_view raw, std::size_t& i) {
  const char c = raw[i + 1];
  i += 2;
  switch (c) {
    case 'b':
      return 0x08;
    case 'f':
      return 0x0C;
    case 'n':
      return 0x0A;
    case 'r':
      return 0x0D;
    case 't':
      return 0x09;
    case 'u': {
      unsigned cp = Hex4(raw.data() + i);
      i += 4;
      if (cp >= 0xD800 && cp <= 0xDBFF) {  // a checked pair: \uD8xx\uDCxx
        const unsigned low = Hex4(raw.data() + i + 2);
        i += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      }
      return cp;
    }
    default:
      return static_cast<unsigned char>(c);  // " \ /
  }
}

// The text of a checked string's raw bytes.
std::string Unescape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    const std::size_t next = raw.find('\\', i);
    if (next == std::string_view::npos) {
      out.append(raw.substr(i));
      break;
    }
    out.append(raw.substr(i, next - i));
    i = next;
    AppendUtf8(DecodeEscape(raw, i), out);
  }
  return out;
}

// The most values one part may hold (docs/limits.md, "Merge"): 320 MB of index.
constexpr std::size_t kMaxPartValues = kMaxMergePartValues;

// Reads `part.text` (valid JSON as nlohmann reads it: RFC 8259, one leading UTF-8 byte order
// mark skipped) into `part.nodes`, iteratively. Refuses, at the line and column: what is not
// JSON, a member name twice in one object, more than kMaxPartValues values.
class Indexer {
 public:
  explicit Indexer(Part& part) : part_(part), s_(part.text) {}

  Status Run() {
    if (!IsValidUtf8(s_)) {
      const std::vector<std::size_t> bad = FindInvalidUtf8(s_, 1);
      return NotJson(bad.empty() ? 0 : bad.front(), "invalid UTF-8");
    }
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    Skip();
    for (;;) {
      // A value at pos_.
      if (pos_ >= s_.size()) return NotJson(pos_, "the text ends where a value should be");
      if (part_.nodes.size() >= kMaxPartValues) {
        return Fail(StatusCode::kStudyErrors,
                    Where(pos_) + ": more than " + std::to_string(kMaxPartValues / 1'000'000) +
                        " million JSON values in one part",
                    "export the study in more parts, each with fewer transcripts ('framework "
                    "export --format json --only ...'); an export writes far fewer values a byte");
      }
      const char c = s_[pos_];
      if ((c == '{' || c == '[') && stack_.size() >= kMaxMergeDepth) {
        return Fail(
            StatusCode::kStudyErrors,
            Where(pos_) + ": nesting deeper than " + std::to_string(kMaxMergeDepth) + " levels",
            "a part of an export nests a few levels deep: give the files 'framework "
            "export --format json --only ...' wrote");
      }
      if (c == '{' || c == '[') {
        Open(c == '{' ? Kind::kObject : Kind::kArray);
        ++pos_;
        Skip();
        if (pos_ < s_.size() && s_[pos_] == (c == '{' ? '}' : ']')) {
          ++pos_;
          Close();
        } else if (c == '{') {
          if (Status status = Key(); !status.ok()) return status;
          continue;
        } else {
          continue;
        }
      } else if (Status status = Scalar(); !status.ok()) {
        return status;
      }
      // After a value: the next element or member, or the end of containers.
      for (;;) {
        if (stack_.empty()) {
          Skip();
          if (pos_ < s_.size()) return NotJson(pos_, "more text after the JSON value");
          return {};
        }
        Frame& top = stack_.back();
        Skip();
        const char close = top.object ? '}' : ']';
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          Skip();
          if (top.object)
            if (Status status = Key(); !status.ok()) return status;
          break;
        }
        if (pos_ < s_.size() && s_[pos_] == close) {
          ++pos_;
          Close();
          continue;
        }
        return NotJson(pos_, std::string("expected ',' or '") + close + "'");
      }
    }
  }

 private:
  struct Frame {
    std::size_t node = 0;
    bool object = false;
    std::vector<std::size_t> keys;         // key nodes so far
    std::unordered_set<std::string> many;  // their texts, past kFewKeys
  };
  static constexpr std::size_t kFewKeys = 16;

  std::string Where(std::size_t offset) const { return part_.path + ":" + LineColumn(s_, offset); }
  Status NotJson(std::size_t offset, const std::string& why) const {
    return Fail(StatusCode::kStudyErrors, Where(offset) + ": not JSON: " + why,
                "give the files 'framework export --format json --only ...' wrote");
  }
  void Skip() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t'))
      ++pos_;
  }
  void Open(Kind kind) {
    Node node;
    node.begin = pos_;
    node.kind = static_cast<std::uint64_t>(kind);
    part_.nodes.push_back(node);
    Frame& frame = stack_.emplace_back();
    frame.node = part_.nodes.size() - 1;
    frame.object = kind == Kind::kObject;
  }
  void Close() {
    Frame& frame = stack_.back();
    part_.nodes[frame.node].skip = static_cast<std::uint32_t>(part_.nodes.size() - frame.node);
    stack_.pop_back();
  }

  // A member name, checked against the object's others, and its colon.
  Status Key() {
    if (pos_ >= s_.size() || s_[pos_] != '"')
      return NotJson(pos_, "expected a member name in double quotes");
    const std::size_t at = pos_;
    if (Status status = String(); !status.ok()) return status;
    const std::size_t key = part_.nodes.size() - 1;
    Frame& frame = stack_.back();
    auto text = [&](std::size_t k) {
      return part_.at(k).escaped ? Unescape(part_.raw(k)) : std::string(part_.raw(k));
    };
    std::size_t first = SIZE_MAX;
    if (frame.keys.size() < kFewKeys) {
      const bool escaped = part_.at(key).escaped;
      for (std::size_t k : frame.keys) {
        const bool same = !escaped && !part_.at(k).escaped ? part_.raw(k) == part_.raw(key)
                                                           : text(k) == text(key);
        if (same) {
          first = k;
          break;
        }
      }
      if (first == SIZE_MAX && frame.keys.size() + 1 == kFewKeys) {
        for (std::size_t k : frame.keys) frame.many.insert(text(k));
        frame.many.insert(text(key));
      }
    } else if (!frame.many.insert(text(key)).second) {
      for (std::size_t k : frame.keys)
        if (text(k) == text(key)) {
          first = k;
          break;
        }
    }
    if (first != SIZE_MAX) {
      return Fail(StatusCode::kStudyErrors,
                  Where(at) + ": duplicate member name '" + text(key) +
                      "' in one object (first at " + LineColumn(s_, part_.at(first).begin - 1) +
                      ")",
                  "a part is read as 'framework export' wrote it: export the part again rather "
                  "than editing it");
    }
    frame.keys.push_back(key);
    Skip();
    if (pos_ >= s_.size() || s_[pos_] != ':') return NotJson(pos_, "expected ':'");
    ++pos_;
    Skip();
    return {};
  }

  Status Scalar() {
    const char c = s_[pos_];
    if (c == '"') return String();
    if (c == '-' || (c >= '0' && c <= '9')) return Number();
    for (auto [word, kind] : {std::pair{std::string_view("true"), Kind::kTrue},
                              std::pair{std::string_view("false"), Kind::kFalse},
                              std::pair{std::string_view("null"), Kind::kNull}}) {
      if (s_.substr(pos_, word.size()) == word) {
        Node node;
        node.begin = pos_;
        node.length = static_cast<std::uint32_t>(word.size());
        node.kind = static_cast<std::uint64_t>(kind);
        part_.nodes.push_back(node);
        pos_ += word.size();
        return {};
      }
    }
    return NotJson(pos_, "expected a value");
  }

  // A string at pos_ (its opening quote): checked as nlohmann checks one (no raw control
  // character, escapes of RFC 8259, surrogates in pairs).
  Status String() {
    const std::size_t start = ++pos_;
    bool escaped = false;
    const std::size_t n = s_.size();
    for (;;) {
      while (pos_ < n) {
        const unsigned char b = static_cast<unsigned char>(s_[pos_]);
        if (b == '"' || b == '\\' || b < 0x20) break;
        ++pos_;
      }
      if (pos_ >= n) return NotJson(start - 1, "a string that is not closed");
      const unsigned char b = static_cast<unsigned char>(s_[pos_]);
      if (b == '"') break;
      if (b < 0x20) return NotJson(pos_, "a control character in a string must be escaped");
      escaped = true;
      if (pos_ + 1 >= n) return NotJson(start - 1, "a string that is not closed");
      const char e = s_[pos_ + 1];
      if (std::strchr("\"\\/bfnrt", e) != nullptr && e != '\0') {
        pos_ += 2;
        continue;
      }
      if (e != 'u') return NotJson(pos_, "an invalid escape in a string");
      auto hex4 = [&](std::size_t at) {
        if (at + 4 > n) return false;
        for (std::size_t k = at; k < at + 4; ++k)
          if (HexDigit(s_[k]) < 0) return false;
        return true;
      };
      if (!hex4(pos_ + 2)) return NotJson(pos_, "\\u must be followed by four hex digits");
      const unsigned cp = Hex4(s_.data() + pos_ + 2);
      if (cp >= 0xDC00 && cp <= 0xDFFF)
        return NotJson(pos_, "a low surrogate without a high one before it");
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (pos_ + 7 >= n || s_[pos_ + 6] != '\\' || s_[pos_ + 7] != 'u' || !hex4(pos_ + 8))
          return NotJson(pos_, "a high surrogate without a low one after it");
        const unsigned low = Hex4(s_.data() + pos_ + 8);
        if (low < 0xDC00 || low > 0xDFFF)
          return NotJson(pos_, "a high surrogate without a low one after it");
        pos_ += 12;
      } else {
        pos_ += 6;
      }
    }
    Node node;
    if (pos_ - start > UINT32_MAX) return NotJson(start - 1, "a string of 4 GiB or more");
    node.begin = start;
    node.length = static_cast<std::uint32_t>(pos_ - start);
    node.kind = static_cast<std::uint64_t>(Kind::kString);
    node.escaped = escaped;
    part_.nodes.push_back(node);
    ++pos_;
    return {};
  }

  // A number: RFC 8259's grammar; nlohmann's kinds (an integer too large for 64 bits is a
  // double; a double that overflows is an error).
  Status Number() {
    const std::size_t start = pos_;
    const std::size_t n = s_.size();
    auto digits = [&] {
      const std::size_t from = pos_;
      while (pos_ < n && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ - from;
    };
    if (s_[pos_] == '-') ++pos_;
    if (pos_ < n && s_[pos_] == '0') {
      ++pos_;
    } else if (digits() == 0) {
      return NotJson(start, "expected a digit in a number");
    }
    bool integral = true;
    if (pos_ < n && s_[pos_] == '.') {
      integral = false;
      ++pos_;
      if (digits() == 0) return NotJson(start, "expected a digit after '.' in a number");
    }
    if (pos_ < n && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (pos_ < n && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (digits() == 0) return NotJson(start, "expected a digit in a number's exponent");
    }
    const std::string_view token = s_.substr(start, pos_ - start);
    Kind kind = Kind::kDouble;
    if (integral) {
      std::int64_t i;
      std::uint64_t u;
      if (token[0] == '-'
              ? std::from_chars(token.data(), token.data() + token.size(), i).ec == std::errc()
              : std::from_chars(token.data(), token.data() + token.size(), u).ec == std::errc())
        kind = token[0] == '-' ? Kind::kInt : Kind::kUint;
    }
    if (kind == Kind::kDouble && !std::isfinite(std::strtod(std::string(token).c_str(), nullptr)))
      return NotJson(start, "number overflow");
    Node node;
    node.begin = start;
    if (token.size() > UINT32_MAX) return NotJson(start, "a number of 4 GiB or more");
    node.length = static_cast<std::uint32_t>(token.size());
    node.kind = static_cast<std::uint64_t>(kind);
    part_.nodes.push_back(node);
    return {};
  }

  Part& part_;
  std::string_view s_;
  std::size_t pos_ = 0;
  std::vector<Frame> stack_;
};

// ---- Reading a part --------------------------------------------------------------------------

// A member or element missing, or of the wrong kind: the part is malformed there.
struct Malformed {
  std::string message;
};

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kNull:
      return "null";
    case Kind::kFalse:
    case Kind::kTrue:
      return "a boolean";
    case Kind::kInt:
    case Kind::kUint:
    case Kind::kDouble:
      return "a number";
    case Kind::kString:
      return "a string";
    case Kind::kArray:
      return "an array";
    case Kind::kObject:
      return "an object";
  }
  return "a value";
}

// A value of a part: the part and the node.
struct Ref {
  const Part* part = nullptr;
  std::size_t node = 0;

  Kind kind() const { return part->kind(node); }
  [[noreturn]] void Bad(const std::string& why) const {
    const std::size_t offset = part->at(node).begin - (kind() == Kind::kString ? 1 : 0);
    throw Malformed{part->path + ":" + LineColumn(part->text, offset) +
                    ": a part is malformed: " + why};
  }
  void Expect(Kind want, const std::string& what) const {
    const Kind k = kind();
    if (k == want || (want == Kind::kTrue && k == Kind::kFalse)) return;
    Bad(what + " is " + KindName(k) + ", not " + KindName(want));
  }
  // The children: an array's elements, an object's members' values (with `keys` their names).
  std::vector<Ref> Children(std::vector<Ref>* keys = nullptr) const {
    std::vector<Ref> out;
    const Node& n = part->at(node);
    const bool object = kind() == Kind::kObject;
    for (std::size_t i = node + 1; i < node + n.skip;) {
      if (object) {
        if (keys) keys->push_back({part, i});
        i += 1;
      }
      out.push_back({part, i});
      i += part->at(i).skip;
    }
    return out;
  }
  std::vector<Ref> Elements(const std::string& what) const {
    Expect(Kind::kArray, what);
    return Children();
  }
  std::size_t Size() const {
    const Kind k = kind();
    return k == Kind::kArray || k == Kind::kObject ? part->at(node).skip - 1 : 0;
  }
  std::optional<Ref> Find(std::string_view key) const {
    if (kind() != Kind::kObject) return std::nullopt;
    const Node& n = part->at(node);
    for (std::size_t i = node + 1; i < node + n.skip;) {
      const bool escaped = part->at(i).escaped;
      if (escaped ? Unescape(part->raw(i)) == key : part->raw(i) == key) return Ref{part, i + 1};
      i += 1 + part->at(i + 1).skip;
    }
    return std::nullopt;
  }
  Ref operator[](const char* key) const {
    Expect(Kind::kObject, "the value that should hold '" + std::string(key) + "'");
    if (auto found = Find(key)) return *found;
    Bad(std::string("no member '") + key + "'");
  }
  std::string Str(const std::string& what) const {
    Expect(Kind::kString, what);
    return part->at(node).escaped ? Unescape(part->raw(node)) : std::string(part->raw(node));
  }
  bool IsString(std::string_view text) const {
    if (kind() != Kind::kString) return false;
    return part->at(node).escaped ? Unescape(part->raw(node)) == text : part->raw(node) == text;
  }
};

// ---- Writing ---------------------------------------------------------------------------------

// Writes JSON exactly as nlohmann's dump(2) lays it out (ensure_ascii off), to `sink` in
// pieces; a dry writer only walks.
class Writer {
 public:
  Writer(const MergeSink* sink) : sink_(sink) {}
  ~Writer() = default;

  void BeginObject(const char* key = nullptr) { Open('{', '}', key); }
  void BeginArray(const char* key = nullptr) { Open('[', ']', key); }
  void End() {
    CloseTop();
    if (stack_.empty()) Put("\n");
  }
  void String(std::string_view text, const char* key = nullptr) {
    Item(key);
    Put("\"");
    Escaped(text);
    Put("\"");
  }
  void Bool(bool value, const char* key = nullptr) {
    Item(key);
    Put(value ? "true" : "false");
  }
  void Null(const char* key = nullptr) {
    Item(key);
    Put("null");
  }
  void Uint(std::uint64_t value, const char* key = nullptr) {
    Item(key);
    Put(std::to_string(value));
  }
  // A value of a part, copied: its strings written again as dump() writes them.
  void Copy(const Ref& value, const char* key = nullptr) {
    Item(key);
    const Part& part = *value.part;
    std::vector<std::size_t> ends;  // where each container opened here ends (its last node + 1)
    std::size_t i = value.node;
    for (;;) {
      const Kind k = part.kind(i);
      if (k == Kind::kObject || k == Kind::kArray) {
        Put(k == Kind::kObject ? "{" : "[");
        stack_.push_back({k == Kind::kObject ? '}' : ']', 0});
        ends.push_back(i + part.at(i).skip);
      } else {
        Scalar(part, i);
      }
      ++i;
      while (!ends.empty() && ends.back() == i) {
        ends.pop_back();
        CloseTop();
      }
      if (ends.empty()) return;
      Put(stack_.back().children++ ? ",\n" : "\n");
      Indent();
      if (stack_.back().close == '}') {  // a member: its name first
        Put("\"");
        Raw(part, i);
        Put("\": ");
        ++i;
      }
    }
  }
  bool ok() const { return ok_; }
  void Flush() {
    if (sink_ && !buffer_.empty() && ok_) ok_ = (*sink_)(buffer_);
    buffer_.clear();
  }

 private:
  struct Level {
    char close;
    std::size_t children;
  };
  void CloseTop() {
    const Level level = stack_.back();
    stack_.pop_back();
    if (level.children) {
      Put("\n");
      Indent();
    }
    Put(std::string_view(&level.close, 1));
  }

  void Item(const char* key) {
    if (!stack_.empty()) {
      Put(stack_.back().children++ ? ",\n" : "\n");
      Indent();
    }
    if (key) {
      Put("\"");
      Escaped(key);
      Put("\": ");
    }
  }
  void Open(char open, char close, const char* key) {
    Item(key);
    Put(std::string_view(&open, 1));
    stack_.push_back({close, 0});
  }
  void Indent() {
    static const std::string spaces(256, ' ');
    for (std::size_t n = 2 * stack_.size(); n > 0;) {
      const std::size_t k = std::min(n, spaces.size());
      Put(std::string_view(spaces).substr(0, k));
      n -= k;
    }
  }
  void Put(std::string_view bytes) {
    if (!sink_ || !ok_) return;
    if (bytes.size() >= kChunk) {
      Flush();
      if (ok_) ok_ = (*sink_)(bytes);
      return;
    }
    buffer_.append(bytes);
    if (buffer_.size() >= kChunk) Flush();
  }
  // `text` (valid UTF-8) as dump() escapes it: " \ and control characters only.
  void Escaped(std::string_view text) {
    std::size_t from = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const unsigned char b = static_cast<unsigned char>(text[i]);
      if (b >= 0x20 && b != '"' && b != '\\') continue;
      Put(text.substr(from, i - from));
      EscapeCodePoint(b);
      from = i + 1;
    }
    Put(text.substr(from));
  }
  void EscapeCodePoint(unsigned cp) {
    switch (cp) {
      case 0x08:
        Put("\\b");
        return;
      case 0x09:
        Put("\\t");
        return;
      case 0x0A:
        Put("\\n");
        return;
      case 0x0C:
        Put("\\f");
        return;
      case 0x0D:
        Put("\\r");
        return;
      case '"':
        Put("\\\"");
        return;
      case '\\':
        Put("\\\\");
        return;
      default:
        break;
    }
    if (cp < 0x20) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\u%04x", cp);
      Put(hex);
      return;
    }
    std::string utf8;
    AppendUtf8(cp, utf8);
    Put(utf8);
  }
  // A string node's text, written as dump() writes it: unescaped raw bytes as they are, and
  // each escape as dump() would write what it stands for.
  void Raw(const Part& part, std::size_t i) {
    const std::string_view raw = part.raw(i);
    if (!part.at(i).escaped) {
      Put(raw);
      return;
    }
    for (std::size_t k = 0; k < raw.size();) {
      const std::size_t next = raw.find('\\', k);
      if (next == std::string_view::npos) {
        Put(raw.substr(k));
        break;
      }
      Put(raw.substr(k, next - k));
      k = next;
      EscapeCodePoint(DecodeEscape(raw, k));
    }
  }
  void Scalar(const Part& part, std::size_t i) {
    const std::string_view raw = part.raw(i);
    switch (part.kind(i)) {
      case Kind::kNull:
        Put("null");
        return;
      case Kind::kTrue:
        Put("true");
        return;
      case Kind::kFalse:
        Put("false");
        return;
      case Kind::kString:
        Put("\"");
        Raw(part, i);
        Put("\"");
        return;
      case Kind::kInt: {
        std::int64_t v = 0;
        std::from_chars(raw.data(), raw.data() + raw.size(), v);
        Put(std::to_string(v));
        return;
      }
      case Kind::kUint: {
        std::uint64_t v = 0;
        std::from_chars(raw.data(), raw.data() + raw.size(), v);
        Put(std::to_string(v));
        return;
      }
      case Kind::kDouble:
        Put(nlohmann::json(std::strtod(std::string(raw).c_str(), nullptr)).dump());
        return;
      default:
        return;
    }
  }

  static constexpr std::size_t kChunk = 1 << 16;
  const MergeSink* sink_;
  std::vector<Level> stack_;
  std::string buffer_;
  bool ok_ = true;
};

// ---- Merging ---------------------------------------------------------------------------------

// Reads and checks one part (its text moved in).
Status ReadPart(const std::string& path, std::string text, Part& part) {
  part.path = path;
  part.text = std::move(text);
  part.nodes.clear();
  if (Status status = Indexer(part).Run(); !status.ok()) return status;
  const Ref j{&part, 0};
  auto invalid = [&](const std::string& why, const std::string& hint) {
    return Fail(StatusCode::kStudyErrors, path + ": " + why, hint);
  };
  auto number_one = [](const std::optional<Ref>& v) {
    if (!v) return false;
    const std::string token(v->part->raw(v->node));
    return (v->kind() == Kind::kUint || v->kind() == Kind::kDouble) &&
           std::strtod(token.c_str(), nullptr) == 1.0;
  };
  const std::optional<Ref> format = j.Find("format");
  if (j.kind() != Kind::kObject || !format || !format->IsString("framework-export") ||
      !number_one(j.Find("version")))
    return invalid("not a framework export (format framework-export, version 1)",
                   "give the files 'framework export --format json --only ...' wrote");
  const std::optional<Ref> p = j.Find("part");
  if (!p || p->kind() != Kind::kObject)
    return invalid("a whole export, not a part: it was written without --only",
                   "export each part with 'framework export --format json --only GLOB'");
  for (const char* key : {"framework", "study"})
    if (auto v = p->Find(key); !v || v->kind() != Kind::kString)
      return invalid(std::string("part has no '") + key + "' hash", "export the part again");
  for (const char* key : {"transcripts", "charts"})
    if (auto v = p->Find(key); !v || v->kind() != Kind::kArray)
      return invalid(std::string("part has no '") + key + "' list", "export the part again");
  // export never writes a part without a transcript (--only matches none: a usage error), and
  // refusing one means every part holds a participant no other part does, so a part given
  // twice is refused as soon as it is read (Admit).
  if (p->Find("transcripts")->Size() == 0)
    return invalid("part lists no transcript", "export the part again");
  for (const char* key : {"framework", "participants", "matrices"})
    if (!j.Find(key)) return invalid(std::string("no '") + key + "'", "export the part again");
  return {};
}

// The sub-theme ids of theme `id` in the export's framework.
std::vector<std::string> SubthemeIds(const Ref& framework, const std::string& id) {
  std::vector<std::string> out;
  for (const Ref& theme : framework["themes"].Elements("'themes'"))
    if (theme["id"].IsString(id))
      for (const Ref& s : theme["subthemes"].Elements("'subthemes'"))
        out.push_back(s["id"].Str("a sub-theme's 'id'"));
  return out;
}

// Whether two values are equal as JSON values (nlohmann's ==, for the scalars parts hold).
bool Equal(const Ref& a, const Ref& b) {
  const Kind ka = a.kind(), kb = b.kind();
  auto numeric = [](Kind k) { return k == Kind::kInt || k == Kind::kUint || k == Kind::kDouble; };
  if (ka == Kind::kString && kb == Kind::kString) {
    if (!a.part->at(a.node).escaped && !b.part->at(b.node).escaped)
      return a.part->raw(a.node) == b.part->raw(b.node);
    return a.Str("") == b.Str("");
  }
  if (numeric(ka) && numeric(kb)) {
    if (ka != Kind::kDouble && kb != Kind::kDouble && ka == kb)
      return a.part->raw(a.node) == b.part->raw(b.node) ||
             std::strtod(std::string(a.part->raw(a.node)).c_str(), nullptr) ==
                 std::strtod(std::string(b.part->raw(b.node)).c_str(), nullptr);
    return std::strtod(std::string(a.part->raw(a.node)).c_str(), nullptr) ==
           std::strtod(std::string(b.part->raw(b.node)).c_str(), nullptr);
  }
  if (ka != kb) return false;
  if (ka == Kind::kArray || ka == Kind::kObject) {
    std::string ta, tb;
    MergeSink to_a = [&](std::string_view bytes) {
      ta.append(bytes);
      return true;
    };
    MergeSink to_b = [&](std::string_view bytes) {
      tb.append(bytes);
      return true;
    };
    Writer wa(&to_a), wb(&to_b);
    wa.BeginArray();
    wa.Copy(a);
    wa.End();
    wb.BeginArray();
    wb.Copy(b);
    wb.End();
    wa.Flush();
    wb.Flush();
    return ta == tb;
  }
  return true;  // null, true, false
}

bool NaturalLessString(const std::string& a, const std::string& b) { return NaturalLess(a, b); }

// participant -> the part holding its transcript
using Owners = std::map<std::string, std::size_t>;

// Checks part `i` against the parts before it (the same framework and study as the first, no
// participant of an earlier part) and adds its participants to `owner`. Throws Malformed. Run
// as each part is read, so that a part given twice (or a thousand times) is refused as soon as
// it is read, holding two parts rather than all of them (docs/limits.md, "Merge").
Status Admit(const std::vector<Part>& parts, std::size_t i, Owners& owner) {
  const Part& first = parts.front();
  const Ref head_part = Ref{&first, 0}["part"];
  const Ref p = Ref{&parts[i], 0}["part"];
  if (!Equal(p["framework"], head_part["framework"])) {
    return Fail(StatusCode::kStudyErrors,
                parts[i].path + " was exported from a different framework than " + first.path,
                "export every part from the same study, with the same THEME arguments");
  }
  if (!Equal(p["study"], head_part["study"])) {
    return Fail(StatusCode::kStudyErrors,
                parts[i].path + " and " + first.path +
                    " were exported from different participants or charts",
                "export every part from the same version of the study");
  }
  for (const Ref& id : p["transcripts"].Elements("'transcripts'")) {
    auto [it, inserted] = owner.emplace(id.Str("a transcript's participant"), i);
    if (!inserted) {
      return Fail(StatusCode::kStudyErrors,
                  "participant '" + it->first + "' is in two parts, " + parts[it->second].path +
                      " and " + parts[i].path,
                  "split the transcripts so that each is in exactly one part (the --only "
                  "globs overlap)");
    }
  }
  return {};
}

// A part edited by hand or cut short: a member of the wrong type or missing.
Status MalformedStatus(const Malformed& e) {
  return Fail(StatusCode::kStudyErrors, e.message,
              "export the parts again with 'framework export --format json --only ...'");
}

// Admit, with Malformed as a status.
Status AdmitChecked(const std::vector<Part>& parts, std::size_t i, Owners& owner) {
  try {
    return Admit(parts, i, owner);
  } catch (const Malformed& e) {
    return MalformedStatus(e);
  }
}

// The merged participant rows: the declared ones (their rows in the first part) and every one
// with a transcript in some part, in natural order; `row_of` gives each id's place.
struct MergedRows {
  std::map<std::string, Ref> declared;
  std::vector<std::string> ids;
  std::map<std::string, std::size_t> row_of;
};

MergedRows PlanRows(const Ref& head_participants, const Owners& owner) {
  MergedRows rows;
  for (const Ref& row : head_participants["rows"].Elements("'rows'")) {
    const Ref flag = row["declared"];
    flag.Expect(Kind::kTrue, "'declared'");
    if (flag.kind() == Kind::kTrue) rows.declared.emplace(row["id"].Str("a row's 'id'"), row);
  }
  for (const auto& [id, row] : rows.declared) rows.ids.push_back(id);
  for (const auto& [id, part] : owner)
    if (!rows.declared.count(id) && !id.empty()) rows.ids.push_back(id);
  std::sort(rows.ids.begin(), rows.ids.end(), NaturalLessString);
  for (std::size_t r = 0; r < rows.ids.size(); ++r) rows.row_of.emplace(rows.ids[r], r);
  return rows;
}

// "participants": the first part's attributes, then a row per merged participant (the declared
// row as exported, an undeclared one with no attributes).
void WriteParticipants(const Ref& head_participants, const MergedRows& rows, Writer& out) {
  out.BeginObject("participants");
  out.Copy(head_participants["attributes"], "attributes");
  out.BeginArray("rows");
  for (const std::string& id : rows.ids) {
    auto it = rows.declared.find(id);
    if (it != rows.declared.end()) {
      out.Copy(it->second);
      continue;
    }
    out.BeginObject();
    out.String(id, "id");
    out.Bool(false, "declared");
    out.BeginObject("attributes");
    out.End();
    out.End();
  }
  out.End();
  out.End();
}

// Each merged row's cells in matrix `m` of the part that owns its transcript (nothing for a
// participant without one).
std::vector<std::optional<Ref>> OwnedCells(const std::vector<Part>& parts,
                                           const std::vector<std::vector<Ref>>& part_matrices,
                                           std::size_t m, const Owners& owner,
                                           const MergedRows& rows) {
  std::vector<std::optional<Ref>> data(rows.ids.size());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (m >= part_matrices[i].size())
      Ref{&parts[i], 0}["matrices"].Bad("fewer matrices than in " + parts.front().path);
    for (const Ref& row : part_matrices[i][m]["rows"].Elements("'rows'")) {
      const std::string id = row["participant"].Str("a row's 'participant'");
      auto o = owner.find(id);
      auto r = rows.row_of.find(id);
      if (o != owner.end() && o->second == i && r != rows.row_of.end())
        data[r->second] = row["cells"];
    }
  }
  return data;
}

// The chart entries of `theme`, each in its cell (chart[row][subtheme]), first come first
// served; the rest are orphans.
struct PlacedEntries {
  std::vector<std::vector<std::optional<Ref>>> chart;
  std::vector<Ref> orphans;
};

PlacedEntries PlaceEntries(const std::vector<Ref>& charts, const std::string& theme,
                           const std::vector<std::string>& subthemes, const MergedRows& rows) {
  PlacedEntries placed;
  placed.chart.assign(rows.ids.size(), std::vector<std::optional<Ref>>(subthemes.size()));
  for (const Ref& file : charts) {
    if (!file["theme"].IsString(theme)) continue;
    for (const Ref& cell : file["cells"].Elements("'cells'")) {
      auto r = rows.row_of.find(cell["participant"].Str("a chart entry's 'participant'"));
      auto c = std::find(subthemes.begin(), subthemes.end(),
                         cell["subtheme"].Str("a chart entry's 'subtheme'"));
      if (r != rows.row_of.end() && c != subthemes.end()) {
        std::optional<Ref>& slot =
            placed.chart[r->second][static_cast<std::size_t>(c - subthemes.begin())];
        if (!slot) {
          slot = cell;
          continue;
        }
      }
      placed.orphans.push_back(cell);
    }
  }
  return placed;
}

// One cell of a merged row: its coded data (`cell`, from the owning part; nothing when the row
// has none), its chart `entry`, and the state and staleness worked out from both as export
// works them out.
void WriteCell(const std::string& subtheme, const Ref* cell, const std::optional<Ref>& entry,
               Writer& out) {
  std::optional<Ref> words, source, segments;
  if (cell) {
    words = (*cell)["words"];
    source = (*cell)["source"];
    segments = (*cell)["segments"];
  }
  const bool has_segments =
      segments && (segments->kind() == Kind::kArray || segments->kind() == Kind::kObject
                       ? segments->Size() > 0
                       : segments->kind() != Kind::kNull);
  const std::string state = entry          ? (*entry)["status"].Str("'status'")
                            : has_segments ? "uncharted"
                                           : "empty";
  bool stale = false;
  if (entry) {
    const Ref entry_source = (*entry)["source"];
    stale = !entry_source.IsString("") &&
            (source ? !Equal(entry_source, *source) : !entry_source.IsString(""));
  }
  out.BeginObject();
  out.String(subtheme, "subtheme");
  out.String(state, "state");
  out.Bool(stale, "stale");
  if (words)
    out.Copy(*words, "words");
  else
    out.Uint(0, "words");
  if (source)
    out.Copy(*source, "source");
  else
    out.String("", "source");
  if (segments) {
    out.Copy(*segments, "segments");
  } else {
    out.BeginArray("segments");
    out.End();
  }
  if (entry)
    out.Copy(*entry, "chart");
  else
    out.Null("chart");
  out.End();
}

// Matrix `m` of the merged export: a row per merged participant, then the orphan entries.
void WriteMatrix(const std::vector<Part>& parts, const std::vector<std::vector<Ref>>& part_matrices,
                 std::size_t m, const Ref& framework, const std::vector<Ref>& charts,
                 const Owners& owner, const MergedRows& rows, Writer& out) {
  const std::string theme = part_matrices[0][m]["theme"].Str("a matrix's 'theme'");
  const std::vector<std::string> subthemes = SubthemeIds(framework, theme);
  const std::vector<std::optional<Ref>> data = OwnedCells(parts, part_matrices, m, owner, rows);
  const PlacedEntries placed = PlaceEntries(charts, theme, subthemes, rows);
  out.BeginObject();
  out.String(theme, "theme");
  out.BeginArray("rows");
  for (std::size_t r = 0; r < rows.ids.size(); ++r) {
    out.BeginObject();
    out.String(rows.ids[r], "participant");
    out.BeginArray("cells");
    std::vector<Ref> cells;
    if (data[r]) cells = data[r]->Elements("'cells'");
    for (std::size_t c = 0; c < subthemes.size(); ++c)
      WriteCell(subthemes[c], c < cells.size() ? &cells[c] : nullptr, placed.chart[r][c], out);
    out.End();
    out.End();
  }
  out.End();
  out.BeginArray("orphans");
  for (const Ref& orphan : placed.orphans) out.Copy(orphan);
  out.End();
  out.End();
}

// Joins the parts, writing to `out`. Everything that depends on the whole study (the participant
// rows, the rows of each matrix, which chart entry lands in which cell, stale cells, orphans) is
// recomputed as `export` computes it; each cell's coded data comes from the part holding its
// transcript. Throws Malformed.
Status Merge(const std::vector<Part>& parts, Writer& out) {
  const Part& first = parts.front();
  const Ref head{&first, 0};
  const Ref head_part = head["part"];
  Owners owner;
  for (std::size_t i = 0; i < parts.size(); ++i)
    if (Status status = Admit(parts, i, owner); !status.ok()) return status;

  const Ref head_participants = head["participants"];
  const MergedRows rows = PlanRows(head_participants, owner);

  out.BeginObject();
  out.Copy(head["format"], "format");
  out.Copy(head["version"], "version");
  out.Copy(head["title"], "title");
  const Ref framework = head["framework"];
  out.Copy(framework, "framework");
  WriteParticipants(head_participants, rows, out);

  std::vector<std::vector<Ref>> part_matrices;
  for (const Part& part : parts)
    part_matrices.push_back(Ref{&part, 0}["matrices"].Elements("'matrices'"));
  const std::vector<Ref> charts = head_part["charts"].Elements("'charts'");
  out.BeginArray("matrices");
  for (std::size_t m = 0; m < part_matrices[0].size(); ++m)
    WriteMatrix(parts, part_matrices, m, framework, charts, owner, rows, out);
  out.End();
  out.End();
  return {};
}

// Merges read parts into `write`: once without writing, to find every error, then for real.
Status MergeParts(const std::vector<Part>& parts, const MergeSink& write) {
  if (parts.empty()) return Fail(StatusCode::kUsage, "no part to merge");
  try {
    Writer dry(nullptr);
    if (Status status = Merge(parts, dry); !status.ok()) return status;
  } catch (const Malformed& e) {
    return MalformedStatus(e);
  }
  Writer writer(&write);
  (void)Merge(parts, writer);
  writer.Flush();
  if (!writer.ok()) return Fail(StatusCode::kIoError, "cannot write the merged export");
  return {};
}

// Runs `merge` with a sink that collects the merged text, and gives it to `merged` on success.
template <typename Merge>
Status Collected(const Merge& merge, std::string* merged) {
  std::string text;
  if (Status status = merge([&](std::string_view bytes) {
        text.append(bytes);
        return true;
      });
      !status.ok())
    return status;
  *merged = std::move(text);
  return {};
}

}  // namespace

Status MergeExportTexts(const std::vector<ExportPart>& parts, std::string* merged) {
  std::vector<Part> read(parts.size());
  Owners owner;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (Status status = ReadPart(parts[i].name, parts[i].text, read[i]); !status.ok())
      return status;
    if (Status status = AdmitChecked(read, i, owner); !status.ok()) return status;
  }
  return Collected([&](const MergeSink& write) { return MergeParts(read, write); }, merged);
}

Status MergeExportFiles(const std::vector<std::string>& paths, const ReadPolicy& policy,
                        const MergeSink& write) {
  std::vector<Part> read(paths.size());
  Owners owner;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    ReadResult bytes = ReadInputFile(paths[i], policy);
    if (!bytes.ok)
      return Fail(StatusCode::kIoError, "cannot read " + paths[i] + ": " + bytes.error, bytes.hint);
    if (Status status = ReadPart(paths[i], std::move(bytes.contents), read[i]); !status.ok())
      return status;
    if (Status status = AdmitChecked(read, i, owner); !status.ok()) return status;
  }
  return MergeParts(read, write);
}

Status MergeExportFiles(const std::vector<std::string>& paths, const ReadPolicy& policy,
                        std::string* merged) {
  return Collected([&](const MergeSink& write) { return MergeExportFiles(paths, policy, write); },
                   merged);
}

}  // namespace framework
