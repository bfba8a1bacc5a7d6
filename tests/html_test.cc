// Tests of `framework export --format html`: the page writer (escaping, structure, nothing loaded
// from outside), the command on the example and on a study whose text is made to break HTML, and
// the page in a real browser: headless Chromium loads it without console messages and prints it
// to PDF, and the PDF's words (read with pdftotext -bbox) hold every word of every matrix, on the
// page, at a readable size.
//
// The browser test needs /usr/bin/chromium and /usr/bin/pdftotext (Debian's chromium and
// poppler-utils; scripts/setup.sh installs them). Without them it is skipped with a message,
// unless FRAMEWORK_REQUIRE_BROWSER=1 (set by scripts/test.sh), when it fails instead.
//
// Golden (regenerate with UPDATE_GOLDENS=1 ./framework_tests -tc='*html*'):
//   export-training.html    `export training --format html --attributes role`
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "framework/csv.h"
#include "framework/export.h"
#include "framework/html.h"
#include "run_binary.h"

namespace {

using namespace framework_test;

constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kPdfToText = "/usr/bin/pdftotext";

// A study whose cells would break a careless page: markup, entities, quotes, line breaks, a very
// long word, right-to-left text, diacritics, and a theme with many sub-themes. (No emoji or CJK:
// the PDF check reads words back, and a bare machine has no font for them.)
class HtmlStudy {
 public:
  HtmlStudy() {
    std::string subthemes;
    for (int i = 1; i <= 9; ++i)
      subthemes += "      - id: s" + std::to_string(i) + "\n        label: Column " +
                   std::to_string(i) + " <b>not bold</b>\n";
    Write("framework.yaml",
          "framework: 1\ntitle: \"HTML test: <title> & 'quotes'\"\n"
          "speakers: {INT: interviewer}\nthemes:\n"
          "  - id: wide\n    label: A wide theme & more\n    subthemes:\n" +
              subthemes);
    Write("participants.yaml", "participants:\n  - {id: P1}\n  - {id: P2}\n  - {id: P3}\n");
    std::string p1 = "P1: ";
    for (int i = 1; i <= 9; ++i)
      p1 += "{wide.s" + std::to_string(i) + "}Words for column " + std::to_string(i) + "{/wide.s" +
            std::to_string(i) + "} ";
    Write("transcripts/P1.txt", p1 + "\n");
    Write("transcripts/P2.txt", "P2: {wide.s1}Nothing else.{/wide.s1}\n");
    Write("transcripts/P3.txt", "P3: {wide.s2}یہ ایک جملہ ہے{/wide.s2}\n");
    Write("charts/wide.yaml", R"yaml(theme: wide
cells:
  - participant: P1
    subtheme: s1
    status: charted
    summary: "<script>alert('x')</script> said \"no\" & left (L1)"
  - participant: P1
    subtheme: s2
    status: charted
    summary: "First line\nSecond line, &amp; literally"
  - participant: P1
    subtheme: s3
    status: draft
    summary: "Supercalifragilisticexpialidociousandthensomemorelettersthatneverbreak at all"
  - participant: P2
    subtheme: s1
    status: charted
    summary: "Polish: zażółć gęślą jaźń; Welsh: mae'n ddrwg gen i"
  - participant: P3
    subtheme: s2
    status: reviewed
    summary: "یہ ایک جملہ ہے — said in Urdu"
)yaml");
  }
  fs::path root() const { return tmp_.path() / "study"; }
  fs::path tmp() const { return tmp_.path(); }

 private:
  void Write(const std::string& relative, const std::string& text) {
    WriteFile(root() / relative, text);
  }
  TempDir tmp_;
};

std::size_t Count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size()))
    ++n;
  return n;
}

// Every attribute value that points somewhere (href, src, url()) points inside the page.
void CheckSelfContained(const std::string& page) {
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("<link") == std::string::npos);
  CHECK(page.find("<img") == std::string::npos);
  CHECK(page.find("src=") == std::string::npos);
  CHECK(page.find("url(") == std::string::npos);
  CHECK(page.find("@import") == std::string::npos);
  const std::regex href("href=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(page.begin(), page.end(), href); it != std::sregex_iterator();
       ++it) {
    const std::string target = (*it)[1].str();
    INFO("href: ", target);
    REQUIRE(!target.empty());
    CHECK(target.front() == '#');
    CHECK(page.find("id=\"" + target.substr(1) + "\"") != std::string::npos);
  }
}

// The wide CSV of one theme, read back: what the HTML table must show.
std::vector<std::vector<std::string>> WideTable(const fs::path& root, const std::string& theme) {
  RunResult csv = Run({"export", theme, "--format", "csv", "--lf"}, root);
  REQUIRE(csv.exit_code == 0);
  framework::Diagnostics diagnostics;
  std::vector<std::vector<std::string>> table;
  for (const auto& row : framework::ReadCsv("<export>", csv.out, diagnostics)) {
    std::vector<std::string> fields;
    for (const auto& field : row.fields) fields.push_back(field.value);
    table.push_back(std::move(fields));
  }
  REQUIRE(diagnostics.empty());
  return table;
}

// ---- the page writer ------------------------------------------------------------------------

TEST_CASE("html: HtmlEscape escapes markup and quotes, multiline text gets <br>") {
  CHECK(framework::HtmlEscape("<a href=\"x\">Tom & 'Jo'</a>") ==
        "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jo&#39;&lt;/a&gt;");
  CHECK(framework::HtmlEscape("Zoë — 日本語 🙂") == "Zoë — 日本語 🙂");
  CHECK(framework::HtmlEscapeMultiline("one\ntwo & three\n") == "one<br>two &amp; three<br>");
  CHECK(framework::HtmlEscapeMultiline("") == "");
}

TEST_CASE("html: WriteHtml makes one page: contents, a table per sheet, the codebook last") {
  framework::Sheet a;
  a.name = "alpha";
  a.title = "Alpha & Co";
  a.header = {"participant", "One", "Two"};
  a.rows = {{"P1", "x <y>", ""}, {"P2", "line\nbreak", "z"}};
  framework::Sheet b = a;
  b.name = "beta";
  b.title = "";
  framework::Sheet codebook;
  codebook.name = "codebook";
  codebook.title = "Codebook";
  codebook.header = {"theme", "subtheme"};
  codebook.rows = {{"alpha", "one"}};
  const std::string page = framework::WriteHtml({a, b}, "Study <1>", codebook);

  CHECK(page.rfind("<!DOCTYPE html>\n", 0) == 0);
  CHECK(page.find("<title>Study &lt;1&gt;</title>") != std::string::npos);
  CHECK(page.find("<h1>Study &lt;1&gt;</h1>") != std::string::npos);
  CHECK(page.find("<meta charset=\"utf-8\">") != std::string::npos);
  // Contents link each section; a sheet without a title is headed by its name.
  CHECK(page.find("<a href=\"#m-alpha\">Alpha &amp; Co</a>") != std::string::npos);
  CHECK(page.find("<a href=\"#m-beta\">beta</a>") != std::string::npos);
  CHECK(page.find("<a href=\"#m-codebook\">Codebook</a>") != std::string::npos);
  CHECK(Count(page, "<section class=\"matrix\"") == 2);
  CHECK(Count(page, "<table>") == 3);
  CHECK(page.find("<section class=\"codebook\" id=\"m-codebook\">") > page.find("id=\"m-beta\""));
  // Header cells, row headers, escaped and broken cells, marked empty cells.
  CHECK(page.find("<th scope=\"col\">One</th>") != std::string::npos);
  CHECK(page.find("<th scope=\"row\">P2</th>") != std::string::npos);
  CHECK(page.find("<td>x &lt;y&gt;</td>") != std::string::npos);
  CHECK(page.find("<td>line<br>break</td>") != std::string::npos);
  CHECK(Count(page, "<td class=\"empty\"></td>") == 2);
  // Sticky headers on screen, repeated headers and a page per matrix in print.
  CHECK(page.find("thead th { position: sticky; top: 0;") != std::string::npos);
  CHECK(page.find("tbody th { position: sticky; left: 0;") != std::string::npos);
  CHECK(page.find("@media print") != std::string::npos);
  CHECK(page.find("thead { display: table-header-group; }") != std::string::npos);
  CHECK(page.find("section.matrix { break-before: page; }") != std::string::npos);
  CheckSelfContained(page);
  CHECK(page.ends_with("</body>\n</html>\n"));
  // Deterministic; the same fragment id twice is made unique.
  CHECK(framework::WriteHtml({a, b}, "Study <1>", codebook) == page);
  const std::string twice = framework::WriteHtml({a, a}, "t", {});
  CHECK(twice.find("id=\"m-alpha\"") != std::string::npos);
  CHECK(twice.find("id=\"m-alpha-2\"") != std::string::npos);
  CHECK(twice.find("m-codebook") == std::string::npos);  // no codebook rows: no section
}

// ---- the command ----------------------------------------------------------------------------

TEST_CASE("html: export --format html of the example holds every cell, escaped, golden") {
  RunResult page = Run({"export", "--format", "html"}, kExample);
  REQUIRE(page.exit_code == 0);
  CheckSelfContained(page.out);
  CHECK(Count(page.out, "<section class=\"matrix\"") == 6);
  CHECK(page.out.find("<section class=\"codebook\"") != std::string::npos);
  for (const std::string theme : {"training", "treatment"}) {
    const auto rows = WideTable(kExample, theme);
    REQUIRE(rows.size() == 15);  // header + 14 participants
    std::size_t cells = 0;
    for (const auto& row : rows)
      for (const std::string& cell : row)
        if (!cell.empty()) {
          INFO("cell: ", cell);
          CHECK(page.out.find(">" + framework::HtmlEscapeMultiline(cell) + "</") !=
                std::string::npos);
          ++cells;
        }
    CHECK(cells > 50);
  }
  RunResult again = Run({"export", "--format", "html"}, kExample);
  CHECK(again.out == page.out);
  RunResult golden =
      Run({"export", "training", "--format", "html", "--attributes", "role"}, kExample);
  REQUIRE(golden.exit_code == 0);
  CheckGolden(kGoldens / "export-training.html", golden.out);
}

TEST_CASE("html: -o FILE.html is one page, -o DIR one page per theme, wrong options exit 2") {
  TempDir tmp;
  const fs::path file = tmp.path() / "all.html";
  RunResult one = Run({"export", "training", "treatment", "-o", file.string()}, kExample);
  REQUIRE(one.exit_code == 0);
  CHECK(Count(ReadFile(file), "<section class=\"matrix\"") == 2);

  const fs::path dir = tmp.path() / "pages";
  RunResult many = Run({"export", "--format", "html", "-o", dir.string() + "/"}, kExample);
  REQUIRE(many.exit_code == 0);
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  CHECK(names.size() == 6);
  CHECK(std::count(names.begin(), names.end(), "training.html") == 1);
  const std::string training = ReadFile(dir / "training.html");
  CHECK(Count(training, "<section class=\"matrix\"") == 1);
  CHECK(training.find("<section class=\"codebook\"") != std::string::npos);
  CHECK(training.find(">Pre-qualification teaching<") != std::string::npos);

  RunResult long_form =
      Run({"export", "--format", "html", "--long", "--attributes", "role"}, kExample);
  REQUIRE(long_form.exit_code == 0);
  CHECK(Count(long_form.out, "<section class=\"matrix\"") == 1);
  CHECK(long_form.out.find("<th scope=\"col\">line_start</th>") != std::string::npos);

  RunResult lf = Run({"export", "training", "--format", "html", "--lf"}, kExample);
  CHECK(lf.exit_code == 2);
  CHECK(lf.err.find("--lf applies to csv and tsv only") != std::string::npos);
  RunResult sanitize = Run({"export", "training", "--format", "html", "--no-sanitize"}, kExample);
  CHECK(sanitize.exit_code == 2);
}

TEST_CASE("html: markup, entities, line breaks and right-to-left text arrive as text") {
  HtmlStudy study;
  RunResult page = Run({"export", "--format", "html"}, study.root());
  REQUIRE(page.exit_code == 0);
  CheckSelfContained(page.out);
  CHECK(page.out.find("<title>HTML test: &lt;title&gt; &amp; &#39;quotes&#39;</title>") !=
        std::string::npos);
  CHECK(page.out.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; said &quot;no&quot; &amp; "
                      "left (L1)") != std::string::npos);
  CHECK(page.out.find("First line<br>Second line, &amp;amp; literally") != std::string::npos);
  CHECK(page.out.find("Column 1 &lt;b&gt;not bold&lt;/b&gt;") != std::string::npos);
  CHECK(page.out.find("یہ ایک جملہ ہے — said in Urdu") != std::string::npos);
  CHECK(page.out.find("zażółć gęślą jaźń") != std::string::npos);
}

// ---- in a real browser ----------------------------------------------------------------------

bool BrowserAvailable() {
  const bool present = fs::exists(kChromium) && fs::exists(kPdfToText);
  if (present) return true;
  const char* require = std::getenv("FRAMEWORK_REQUIRE_BROWSER");
  if (require && std::string(require) == "1")
    FAIL("FRAMEWORK_REQUIRE_BROWSER=1 but " << kChromium << " or " << kPdfToText
                                            << " is missing (apt-get install chromium "
                                               "poppler-utils)");
  MESSAGE("skipped: " << kChromium << " or " << kPdfToText << " is missing");
  return false;
}

// Runs headless Chromium on the page at `html` with `action` (e.g. --print-to-pdf=FILE) and
// returns its stderr log, in which each console message appears as a line with ":CONSOLE".
std::string Chromium(const fs::path& html, const std::string& action, const fs::path& profile) {
  RunResult run =
      RunProgram(kChromium,
                 {"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                  "--disable-extensions", "--disable-sync", "--disable-component-update",
                  "--mute-audio", "--user-data-dir=" + profile.string(), "--enable-logging=stderr",
                  "--v=0", "--window-size=1280,900", action, "file://" + html.string()},
                 html.parent_path(), {{"HOME", profile.string()}});
  INFO("chromium stderr: ", run.err);
  CHECK(run.exit_code == 0);
  return run.err;
}

std::vector<std::string> ConsoleLines(const std::string& log) {
  std::vector<std::string> lines;
  for (const std::string& line : Lines(log))
    if (line.find(":CONSOLE") != std::string::npos) lines.push_back(line);
  return lines;
}

// A word of the PDF, as pdftotext -bbox gives it.
struct PdfWord {
  double x_min, y_min, x_max, y_max;
  std::string text;
  int page;
};

std::string XmlUnescape(std::string text) {
  const std::pair<const char*, const char*> entities[] = {{"&lt;", "<"},    {"&gt;", ">"},
                                                          {"&quot;", "\""}, {"&apos;", "'"},
                                                          {"&#39;", "'"},   {"&amp;", "&"}};
  for (const auto& [from, to] : entities)
    for (std::size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + std::string(to).size()))
      text.replace(at, std::string(from).size(), to);
  return text;
}

// Words split at white space and after hyphens and dashes, where the browser may break a line.
// Bidirectional controls (U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069), which a PDF's text
// carries around right-to-left runs, are dropped.
std::vector<std::string> Tokens(const std::string& text) {
  std::vector<std::string> tokens;
  std::string current;
  auto bidi_control = [&](std::size_t i) {
    if (text.compare(i, 2, "\xE2\x80") == 0 && i + 2 < text.size()) {
      const unsigned char c = static_cast<unsigned char>(text[i + 2]);
      return c == 0x8E || c == 0x8F || (c >= 0xAA && c <= 0xAE);
    }
    if (text.compare(i, 2, "\xE2\x81") == 0 && i + 2 < text.size()) {
      const unsigned char c = static_cast<unsigned char>(text[i + 2]);
      return c >= 0xA6 && c <= 0xA9;
    }
    return false;
  };
  auto flush = [&] {
    if (!current.empty()) tokens.push_back(current);
    current.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (bidi_control(i)) {
      i += 2;
    } else if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      flush();
    } else if (c == '-') {
      current += c;
      flush();
    } else if (text.compare(i, 3, "\xE2\x80\x93") == 0 || text.compare(i, 3, "\xE2\x80\x94") == 0) {
      current += text.substr(i, 3);  // en and em dashes
      i += 2;
      flush();
    } else {
      current += c;
    }
  }
  flush();
  return tokens;
}

// True when `word` has a letter of a right-to-left script (U+0590 to U+07FF: Hebrew, Arabic,
// Syriac, Thaana, NKo), whose UTF-8 lead bytes are 0xD6 to 0xDF.
bool RightToLeft(const std::string& word) {
  return std::any_of(word.begin(), word.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b >= 0xD6 && b <= 0xDF;
  });
}

struct PdfText {
  std::vector<PdfWord> words;
  std::vector<std::pair<double, double>> pages;  // width, height in points
};

PdfText ReadPdf(const fs::path& pdf) {
  const fs::path bbox = pdf.parent_path() / "words.html";
  RunResult run = RunProgram(kPdfToText, {"-bbox", pdf.string(), bbox.string()});
  REQUIRE(run.exit_code == 0);
  const std::string xml = ReadFile(bbox);
  PdfText text;
  const std::regex page_re("<page width=\"([0-9.]+)\" height=\"([0-9.]+)\">");
  const std::regex word_re(
      "<word xMin=\"([0-9.-]+)\" yMin=\"([0-9.-]+)\" xMax=\"([0-9.-]+)\" yMax=\"([0-9.-]+)\">"
      "([^<]*)</word>");
  for (const std::string& line : Lines(xml)) {
    std::smatch m;
    if (std::regex_search(line, m, page_re)) {
      text.pages.emplace_back(std::stod(m[1]), std::stod(m[2]));
    } else if (std::regex_search(line, m, word_re)) {
      for (const std::string& token : Tokens(XmlUnescape(m[5])))
        text.words.push_back({std::stod(m[1]), std::stod(m[2]), std::stod(m[3]), std::stod(m[4]),
                              token, static_cast<int>(text.pages.size()) - 1});
    }
  }
  return text;
}

// Prints `page` to PDF in Chromium, then checks: no console messages while loading; every word of
// every table (the CSV export of the same themes) is in the PDF as often as in the tables, inside
// its page and at least 6 points high.
void CheckInBrowser(const fs::path& root, const std::vector<std::string>& themes) {
  TempDir tmp;
  const fs::path html = tmp.path() / "matrices.html";
  std::vector<std::string> args{"export"};
  args.insert(args.end(), themes.begin(), themes.end());
  args.insert(args.end(), {"--format", "html", "-o", html.string()});
  REQUIRE(Run(args, root).exit_code == 0);

  const std::string log = Chromium(html, "--dump-dom", tmp.path() / "profile");
  CHECK(ConsoleLines(log).empty());
  const fs::path pdf = tmp.path() / "matrices.pdf";
  Chromium(html, "--print-to-pdf=" + pdf.string(), tmp.path() / "profile");
  REQUIRE(fs::exists(pdf));
  const PdfText text = ReadPdf(pdf);
  REQUIRE(!text.pages.empty());
  CHECK(text.pages.size() >= themes.size());

  // Words as counted, and all of them run together, for a word the browser broke across lines.
  std::map<std::string, int> available;
  std::string run_together;
  for (const PdfWord& w : text.words) {
    ++available[w.text];
    run_together += w.text;
    INFO("word: ", w.text, " on page ", w.page + 1);
    REQUIRE(w.page >= 0);
    const auto [width, height] = text.pages[static_cast<std::size_t>(w.page)];
    CHECK(w.x_min >= 0);
    CHECK(w.y_min >= 0);
    CHECK(w.x_max <= width);
    CHECK(w.y_max <= height);
    CHECK(w.y_max - w.y_min >= 6.0);
  }
  // pdftotext gives right-to-left words in visual order, and not always every letter, so those
  // are counted rather than matched: the PDF has at least as many as the tables.
  int rtl_available = 0;
  for (const PdfWord& w : text.words) rtl_available += RightToLeft(w.text);
  std::size_t needed = 0;
  int rtl_wanted = 0;
  for (const std::string& theme : themes) {
    std::map<std::string, int> wanted;
    for (const auto& row : WideTable(root, theme))
      for (const std::string& cell : row)
        for (const std::string& token : Tokens(cell)) {
          if (RightToLeft(token))
            ++rtl_wanted;
          else
            ++wanted[token];
        }
    for (const auto& entry : wanted) {
      const std::string& token = entry.first;  // a named variable: doctest's INFO captures it
      const int count = entry.second;
      INFO("theme ", theme, ": the PDF lacks \"", token, "\"");
      CHECK((available[token] >= count || run_together.find(token) != std::string::npos));
      needed += static_cast<std::size_t>(count);
    }
  }
  CHECK(needed > 0);
  CHECK(rtl_available >= rtl_wanted);
}

TEST_CASE("html: Chromium reports console messages on a page that logs one (the probe works)") {
  if (!BrowserAvailable()) return;
  TempDir tmp;
  const fs::path page = tmp.path() / "noisy.html";
  WriteFile(page, "<!DOCTYPE html><title>x</title><script>console.error('noisy page')</script>");
  const std::vector<std::string> lines =
      ConsoleLines(Chromium(page, "--dump-dom", tmp.path() / "profile"));
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("noisy page") != std::string::npos);
}

TEST_CASE("html: the example's matrices load cleanly in Chromium and print readably to PDF") {
  if (!BrowserAvailable()) return;
  CheckInBrowser(kExample, {"training", "treatment"});
}

TEST_CASE(
    "html: a study made to break HTML loads cleanly in Chromium and prints every word readably") {
  if (!BrowserAvailable()) return;
  HtmlStudy study;
  CheckInBrowser(study.root(), {"wide"});
}

}  // namespace
