// JSON written piece by piece in exactly the layout of nlohmann's dump(2), for outputs streamed a
// value at a time (export --format json, chart --format json, summarise --format json). Private
// to the library: it includes nlohmann/json, a build-only dependency.
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/text.h"
#include "row_blocks.h"

namespace framework {

namespace json_detail {

// Whether any of the 8 bytes in `word` needs escaping: below 0x20, '"' or '\\' (the classic
// "has a byte less than n" and "has a zero byte" bit tricks).
inline bool AnyToEscape(std::uint64_t word) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  const std::uint64_t quote = word ^ (kOnes * '"'), backslash = word ^ (kOnes * '\\');
  return (((word - kOnes * 0x20) | (quote - kOnes) | (backslash - kOnes)) & ~word & kHigh) != 0;
}

inline bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

}  // namespace json_detail

/// Appends `text` as the JSON string dump() writes for it (ensure_ascii off): `"`, `\\` and
/// the controls escaped (\b \t \n \f \r, else \u00xx), everything else byte for byte; text
/// that is not valid UTF-8 goes through nlohmann, which replaces what is invalid.
/// Appends the inside of that string (without its quotes) for valid UTF-8 `text`: each byte
/// on its own (the runs between bytes to escape appended whole, found eight bytes at a time),
/// so a text may be escaped a part at a time.
inline void AppendJsonEscaped(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    // The run up to the next byte to escape, appended whole.
    const char* q = p;
    for (std::uint64_t word; end - q >= 8; q += 8) {
      std::memcpy(&word, q, 8);
      if (json_detail::AnyToEscape(word)) break;
    }
    while (q < end && !json_detail::NeedsEscape(static_cast<unsigned char>(*q))) ++q;
    out.append(p, static_cast<std::size_t>(q - p));
    if (q == end) return;
    const auto c = static_cast<unsigned char>(*q);
    p = q + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default: {
        const char code[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out.append(code, sizeof code);
      }
    }
  }
}

inline void AppendJsonString(std::string_view text, std::string& out) {
  // A short text (a key, an id) is mostly ASCII: that check costs less than a call to the
  // validator.
  if (!(text.size() < 64 && IsAscii(text)) && !IsValidUtf8(text)) {
    out += nlohmann::ordered_json(std::string(text))
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  out += '"';
  AppendJsonEscaped(text, out);
  out += '"';
}

/// Appends `value` to `out` as dump(2) writes it `depth` levels deep inside a larger document:
/// the same text, each line after the first indented 2 * depth spaces more (JSON strings never
/// hold a raw line break). Invalid UTF-8 is replaced, as everywhere in the JSON outputs.
inline void AppendJsonAtDepth(const nlohmann::ordered_json& value, std::size_t depth,
                              std::string& out) {
  const std::string text = value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  std::size_t from = 0;
  for (std::size_t nl; (nl = text.find('\n', from)) != std::string::npos; from = nl + 1) {
    out.append(text, from, nl + 1 - from);
    out.append(2 * depth, ' ');
  }
  out.append(text, from);
}

/// A JSON document written value by value, laid out exactly as nlohmann's dump(2) lays out the
/// whole (and a final line break): containers are opened and closed here, and the values in
/// them dumped one at a time. The text goes to `sink` in pieces of about 64 KiB, the rest when
/// the document is closed.
class JsonStream {
 public:
  explicit JsonStream(std::function<void(std::string_view)> sink) : sink_(std::move(sink)) {}
  /// A stream for one value (or several, one after the other) that another stream places
  /// `depth` levels deep (see Elements): laid out as there, without the document's final line
  /// break.
  JsonStream(std::function<void(std::string_view)> sink, std::size_t depth)
      : sink_(std::move(sink)), base_(depth) {}
  /// How deep a value written next would be: the elements of the open array are this deep.
  std::size_t Depth() const { return base_ + stack_.size(); }
  /// `count` elements of the open array, written (by streams at depth Depth()) into `text`
  /// with ",\n" and the indentation before each but the first: what writing them here would
  /// have written.
  void Elements(std::string_view text, std::size_t count) {
    if (count == 0) return;
    Item(nullptr);
    stack_.back().children += count - 1;
    text_ += text;
    Spill(false);
  }
  /// What goes before an element of an array `depth` levels deep that has one before it.
  static void AppendSeparator(std::size_t depth, std::string& out) {
    out += ",\n";
    out.append(2 * depth, ' ');
  }
  /// Opens an object or array: the document, an element of the open array, or the member `key`
  /// of the open object.
  void BeginObject(const char* key = nullptr) { Open('{', '}', key); }
  void BeginArray(const char* key = nullptr) { Open('[', ']', key); }
  /// Closes the innermost open container ({} or [] when it stayed empty).
  void End() {
    const Level level = stack_.back();
    stack_.pop_back();
    if (level.children) {
      text_ += '\n';
      text_.append(2 * Depth(), ' ');
    }
    text_ += level.close;
    if (stack_.empty() && base_ == 0) text_ += '\n';
    Spill(stack_.empty());
  }
  /// A whole value, as an element or the member `key`.
  void Value(const nlohmann::ordered_json& value, const char* key = nullptr) {
    Item(key);
    AppendJsonAtDepth(value, Depth(), text_);
    Spill(false);
  }
  /// A string, number, boolean or null, as an element or the member `key`, written directly
  /// (no JSON value is built): the text dump() gives.
  void String(std::string_view value, const char* key = nullptr) {
    Item(key);
    if (value.size() <= kChunk || !IsValidUtf8(value)) {
      AppendJsonString(value, text_);
      return;
    }
    // A long string escaped and spilled a piece at a time: never a second copy of it whole.
    text_ += '"';
    for (std::size_t i = 0; i < value.size(); i += kChunk) {
      AppendJsonEscaped(value.substr(i, kChunk), text_);
      Spill(false);
    }
    text_ += '"';
  }
  void Int(long long value, const char* key = nullptr) {
    Item(key);
    text_ += std::to_string(value);
  }
  void Unsigned(unsigned long long value, const char* key = nullptr) {
    Item(key);
    text_ += std::to_string(value);
  }
  void Bool(bool value, const char* key = nullptr) {
    Item(key);
    text_ += value ? "true" : "false";
  }
  void Null(const char* key = nullptr) {
    Item(key);
    text_ += "null";
  }

 private:
  static constexpr std::size_t kChunk = 1 << 16;
  struct Level {
    char close;
    std::size_t children;
  };
  void Item(const char* key) {
    if (!stack_.empty()) {
      text_ += stack_.back().children++ ? ",\n" : "\n";
      text_.append(2 * Depth(), ' ');
    }
    if (key) {
      AppendJsonString(key, text_);
      text_ += ": ";
    }
  }
  void Open(char open, char close, const char* key) {
    Item(key);
    text_ += open;
    stack_.push_back({close, 0});
  }
  void Spill(bool all) {
    if (!all && text_.size() < kChunk) return;
    sink_(text_);
    text_.clear();
  }

  std::function<void(std::string_view)> sink_;
  std::size_t base_ = 0;  // the depth of the value written first
  std::vector<Level> stack_;
  std::string text_;
};

}  // namespace framework
