// The one YAML scalar writer for text framework writes itself: see yaml_write.h.
#include "framework/yaml_write.h"

#include <cstdio>

namespace framework {
namespace {

bool IsReservedWord(std::string_view s) {
  static const std::string_view kWords[] = {"true", "false", "yes", "no", "on",
                                            "off",  "null",  "y",   "n",  "~"};
  std::string lower(s);
  for (char& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  for (std::string_view w : kWords)
    if (lower == w) return true;
  return false;
}

}  // namespace

std::string YamlQuoted(std::string_view text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    std::string_view rest = text.substr(i);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
    } else if (rest.substr(0, 3) == "\xE2\x80\xA8") {
      out += "\\L";
      i += 2;
    } else if (rest.substr(0, 3) == "\xE2\x80\xA9") {
      out += "\\P";
      i += 2;
    } else if (rest.substr(0, 2) == "\xC2\x85") {
      out += "\\N";
      i += 1;
    } else if (rest.substr(0, 3) == "\xEF\xBB\xBF") {
      out += "\\uFEFF";
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string YamlScalar(std::string_view text) {
  bool plain = !text.empty() && !IsReservedWord(text) && text.back() != ' ';
  if (plain) {
    const unsigned char first = static_cast<unsigned char>(text.front());
    plain = first >= 0x80 || (first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z');
  }
  for (std::size_t i = 0; plain && i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const bool ok = c >= 0x80 || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    (c >= '0' && c <= '9') || c == ' ' || c == '_' || c == '.' || c == '-' ||
                    c == '(' || c == ')' || c == '/' || c == '\'';
    if (!ok) plain = false;
  }
  // Line and paragraph separators, NEL and BOM are escaped rather than written raw.
  if (plain && (text.find("\xE2\x80\xA8") != std::string_view::npos ||
                text.find("\xE2\x80\xA9") != std::string_view::npos ||
                text.find("\xC2\x85") != std::string_view::npos ||
                text.find("\xEF\xBB\xBF") != std::string_view::npos))
    plain = false;
  return plain ? std::string(text) : YamlQuoted(text);
}

}  // namespace framework
