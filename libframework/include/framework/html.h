// Self-contained HTML pages: escaping and the page frame shared by every HTML renderer
// (`export --format html`, `summarise --format html`). Pages carry their own CSS, load nothing
// from outside, and print cleanly.
#pragma once

#include <string>
#include <string_view>

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

}  // namespace framework
