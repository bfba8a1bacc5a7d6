// Markdown escaping shared by every Markdown renderer (`export --format md`, `summarise
// --format md`, `quotes --format md`), so study text shows as written and never as markup.
#pragma once

#include <string>
#include <string_view>

namespace framework {

/// What MarkdownEscape does with line breaks (CR, LF, CRLF).
enum class MarkdownBreaks {
  kSpace,  ///< each becomes one space (headings, list items, paragraphs)
  kBr,     ///< each becomes `<br>` (table cells)
};

/// `text` as inline Markdown (CommonMark with GitHub tables) that renders as the text itself:
/// a backslash before each of \ ` * _ [ ] < > # | ~ & (so no emphasis, code, link, image,
/// autolink, raw HTML, entity, table pipe or strike-through can start; `<script>`,
/// `<img onerror=…>` and `[x](javascript:…)` show as plain text), and before a leading `+`, `-`
/// or `1.`/`1)` that would start a list. Line breaks are handled as `breaks` says. Safe in a
/// heading, a list item, a blockquote, a paragraph and a table cell.
std::string MarkdownEscape(std::string_view text, MarkdownBreaks breaks = MarkdownBreaks::kSpace);

}  // namespace framework
