// Self-contained HTML pages: escaping, the page frame and the table writer shared by every HTML
// renderer (`export --format html`, `summarise --format html`). Pages carry their own CSS, load
// nothing from outside, and print cleanly.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace framework {

/// `text` with &, <, >, " and ' escaped, safe inside element content and quoted attributes.
std::string HtmlEscape(std::string_view text);

/// `text` escaped, with each line break turned into <br>.
std::string HtmlEscapeMultiline(std::string_view text);

/// The opening of a page: doctype, <html lang="en">, <head> with charset, viewport, the escaped
/// `title`, the shared stylesheet (tables with sticky headers, print rules) followed by
/// `extra_css`, then <body>. Close it with HtmlPageEnd().
std::string HtmlPageBegin(std::string_view title, std::string_view extra_css = {});

/// The end of a page begun with HtmlPageBegin().
std::string HtmlPageEnd();

/// How `AppendHtmlTable` writes a table.
struct HtmlTableStyle {
  std::string table_class;    ///< the <table>'s class attribute; empty: none
  bool focusable = false;     ///< the scrolling box takes keyboard focus (tabindex="0")
  bool scopes = false;        ///< header cells say scope="col", row headers scope="row"
  bool tag_per_line = false;  ///< a line break after each tag of the frame (div, table, thead)
};

/// One body cell of an HTML table: its content as HTML already (escaped by the caller) and the
/// class of its <td> (empty: none; a row header never has one).
struct HtmlCell {
  HtmlCell() = default;
  /// A cell of `content`, of class `class_name`.
  HtmlCell(std::string content, std::string class_name = {})
      : html(std::move(content)), cls(std::move(class_name)) {}
  std::string html;
  std::string cls;
};

/// Appends the opening of a table inside its scrolling box (<div class="scroll">): the header
/// row of `header` (HTML already, one <th> each) and the opening <tbody>. The rows follow by
/// `AppendHtmlTableRow`, then `AppendHtmlTableEnd`; the same `style` for all three.
void AppendHtmlTableStart(const std::vector<std::string>& header, const HtmlTableStyle& style,
                          std::string& out);

/// Appends one row on a line of its own: the first cell a row header (<th>), the others <td>,
/// as many as given.
void AppendHtmlTableRow(const std::vector<HtmlCell>& cells, const HtmlTableStyle& style,
                        std::string& out);

/// Appends the close of a table begun with `AppendHtmlTableStart`.
void AppendHtmlTableEnd(const HtmlTableStyle& style, std::string& out);

/// The three above: a whole table of `header` and `rows`. The one HTML table writer of the
/// library (`export --format html` and `summarise --format html`).
void AppendHtmlTable(const std::vector<std::string>& header,
                     const std::vector<std::vector<HtmlCell>>& rows, const HtmlTableStyle& style,
                     std::string& out);

}  // namespace framework
