#include "framework/html.h"

namespace framework {

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string HtmlEscapeMultiline(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (start > 0) out += "<br>";
    out += HtmlEscape(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

namespace {

// Screen: matrices scroll inside their own box with the header row and the participant column
// sticky. Print: boxes expand, tables break across pages with the header repeated, each matrix
// starts on a new page in landscape.
constexpr std::string_view kStyle = R"css(
:root { color-scheme: light; --line: #c8c8c8; --head: #eef1f5; --muted: #5a6270; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  color: #1d2330; margin: 0 auto; padding: 1.5rem; max-width: 100%; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .4rem; }
p.meta, .muted { color: var(--muted); }
nav ul { padding-left: 1.2rem; }
.scroll { overflow: auto; max-height: 85vh; width: fit-content; max-width: 100%;
  border: 1px solid var(--line); }
table { border-collapse: separate; border-spacing: 0; }
th, td { border-right: 1px solid var(--line); border-bottom: 1px solid var(--line);
  padding: .35rem .5rem; vertical-align: top; text-align: left; }
td { min-width: 14rem; max-width: 28rem; overflow-wrap: anywhere; }
thead th { position: sticky; top: 0; background: var(--head); z-index: 2; }
tbody th { position: sticky; left: 0; background: #fafbfc; z-index: 1; white-space: nowrap; }
thead th:first-child { left: 0; z-index: 3; }
td.empty { background: #f6f7f9; }
td.empty::after { content: "\2013"; color: #9aa1ad; }
td.key { min-width: 0; white-space: nowrap; }
.refs, .status { color: var(--muted); font-size: .85em; }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { padding: 0; font-size: 9pt; }
  .scroll { overflow: visible; max-height: none; border: 0; }
  thead { display: table-header-group; }
  thead th, tbody th { position: static; }
  tr, td, th { break-inside: avoid; }
  section.matrix { break-before: page; }
  section.matrix:first-of-type { break-before: auto; }
  section.codebook { break-before: page; }
  td { min-width: 0; max-width: none; }
  nav { display: none; }
}
)css";

}  // namespace

std::string HtmlPageBegin(std::string_view title, std::string_view extra_css) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
  out += HtmlEscape(title);
  out += "</title>\n<style>";
  out += kStyle;
  out += extra_css;
  out += "</style>\n</head>\n<body>\n";
  return out;
}

std::string HtmlPageEnd() { return "</body>\n</html>\n"; }

void AppendHtmlTableStart(const std::vector<std::string>& header, const HtmlTableStyle& style,
                          std::string& out) {
  const char* sep = style.tag_per_line ? "\n" : "";
  out += style.focusable ? "<div class=\"scroll\" tabindex=\"0\">" : "<div class=\"scroll\">";
  out += sep;
  out += "<table";
  if (!style.table_class.empty()) out += " class=\"" + style.table_class + "\"";
  out += ">";
  out += sep;
  out += "<thead>";
  out += sep;
  out += "<tr>";
  for (const std::string& h : header) {
    out += style.scopes ? "<th scope=\"col\">" : "<th>";
    out += h;
    out += "</th>";
  }
  out += "</tr>";
  out += sep;
  out += "</thead>";
  out += sep;
  out += "<tbody>\n";
}

void AppendHtmlTableRow(const std::vector<HtmlCell>& cells, const HtmlTableStyle& style,
                        std::string& out) {
  out += "<tr>";
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i == 0) {
      out += style.scopes ? "<th scope=\"row\">" : "<th>";
      out += cells[i].html;
      out += "</th>";
      continue;
    }
    out += cells[i].cls.empty() ? "<td>" : "<td class=\"" + cells[i].cls + "\">";
    out += cells[i].html;
    out += "</td>";
  }
  out += "</tr>\n";
}

void AppendHtmlTableEnd(const HtmlTableStyle& style, std::string& out) {
  out += style.tag_per_line ? "</tbody>\n</table>\n</div>\n" : "</tbody></table></div>\n";
}

void AppendHtmlTable(const std::vector<std::string>& header,
                     const std::vector<std::vector<HtmlCell>>& rows, const HtmlTableStyle& style,
                     std::string& out) {
  AppendHtmlTableStart(header, style, out);
  for (const auto& row : rows) AppendHtmlTableRow(row, style, out);
  AppendHtmlTableEnd(style, out);
}

}  // namespace framework
