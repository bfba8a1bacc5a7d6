#include "framework/markdown.h"

namespace framework {

std::string MarkdownEscape(std::string_view text, MarkdownBreaks breaks) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  // A list marker only counts at the start of the text (line breaks never start a new line).
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) out += '\\';
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out += breaks == MarkdownBreaks::kBr ? "<br>" : " ";
      continue;
    }
    if (std::string_view("\\`*_[]<>#|~&").find(c) != std::string_view::npos ||
        (i == digits && digits > 0 && (c == '.' || c == ')')))
      out += '\\';
    out += c;
  }
  return out;
}

}  // namespace framework
