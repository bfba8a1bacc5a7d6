// Line wrapping and terminal tables (table.h). Expected output is written out in full; a helper
// also checks that every line of a table has the same display width, so the borders line up.
#include "framework/table.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "framework/text.h"
#include "test_hooks.h"
#include "test_util.h"

using framework::CellStyle;
using framework::DisplayWidth;
using framework::RenderTable;
using framework::TableCell;
using framework::TableOptions;
using framework::TableWidth;
using framework::WrapText;
using framework::WrapTextWithIcu;
using framework_test::StripAnsi;

namespace {

// The lines of WrapText, each followed by '\n', so the result compares with a raw string literal.
// Also checks the promise that no line is wider than `width`.
std::string Wrap(std::string_view text, std::size_t width) {
  std::string out;
  for (const std::string& line : WrapText(text, width)) {
    CHECK_MESSAGE(DisplayWidth(line) <= width, "line too wide: ", line);
    CHECK(line.find('\n') == std::string::npos);
    CHECK_FALSE(line.ends_with(' '));
    out += line;
    out += '\n';
  }
  return out;
}

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    REQUIRE(end != std::string_view::npos);  // every line ends with '\n'
    lines.emplace_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  return lines;
}

// Every line of `table` (escape codes removed) has the display width `expected_width`, and ends
// with a border character rather than a space.
void CheckAligned(const std::string& table, std::size_t expected_width) {
  std::vector<std::string> lines = Lines(StripAnsi(table));
  REQUIRE_FALSE(lines.empty());
  for (const std::string& line : lines) {
    CHECK_MESSAGE(DisplayWidth(line) == expected_width, "misaligned: ", line);
    CHECK_FALSE(line.ends_with(' '));
  }
}

std::vector<TableCell> Header() {
  return {{"ID", CellStyle::kHeader},
          {"Teaching", CellStyle::kHeader},
          {"Assessment", CellStyle::kHeader}};
}

// P02 has fewer cells than the header; P10 mixes CJK, Welsh and Polish.
std::vector<std::vector<TableCell>> Rows() {
  return {
      {{"P01"}, {"One lecture in year 2, nothing on coercive control"}, {"3 segments, 210 words"}},
      {{"P02"}, {"Two days of placement training"}},
      {{"P10"},
       {"\u6211\u559c\u6b22\u5b66\u4e60\u4e2d\u6587\u3002"},
       {"Ll\u0177r and Ma\u0142gorzata agree", CellStyle::kWarning}},
  };
}

TableOptions FixedFirst(std::size_t width) {
  TableOptions options;
  options.width = width;
  options.fixed = {true};
  return options;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// WrapText

TEST_CASE("WrapText: ASCII breaks at spaces, greedily, dropping trailing spaces") {
  CHECK(Wrap("Participants described one lecture on coercive control in year two, then nothing.",
             20) == R"(Participants
described one
lecture on coercive
control in year two,
then nothing.
)");
  CHECK(Wrap("exactly ten", 11) == "exactly ten\n");
  CHECK(Wrap("two  spaces   here   ", 11) == R"(two  spaces
here
)");
}

TEST_CASE("WrapText: ICU also breaks after hyphens and slashes") {
  CHECK(Wrap("See https://example.org/a-very-long-path/with/segments now", 12) == R"(See https://
example.org/
a-very-long-
path/with/
segments now
)");
}

TEST_CASE("WrapText: a word wider than the line starts a new line and is split") {
  CHECK(Wrap("The pneumonoultramicroscopic diagnosis", 10) == R"(The
pneumonoul
tramicrosc
opic
diagnosis
)");
}

TEST_CASE("WrapText: hard line breaks are kept, a final one adds no empty line") {
  CHECK(Wrap("one\ntwo\n\nthree\n", 20) == "one\ntwo\n\nthree\n");
  CHECK(Wrap("a\r\nb\rc", 20) == "a\nb\nc\n");                          // CR LF and lone CR
  CHECK(Wrap("line\xE2\x80\xA8separator", 20) == "line\nseparator\n");  // U+2028
  CHECK(Wrap("\n", 5) == "\n");
}

TEST_CASE("WrapText: empty text, width 0, indentation") {
  CHECK(WrapText("", 5) == std::vector<std::string>{""});
  CHECK(WrapText("   ", 5) == std::vector<std::string>{""});
  CHECK(WrapText("abc", 0) == std::vector<std::string>{"a", "b", "c"});
  CHECK(Wrap("  indented", 12) == "  indented\n");
  CHECK(Wrap("  indented text", 8) == "indented\ntext\n");  // no room: the indentation goes
}

TEST_CASE("WrapText: CJK ideographs are width 2 and may break between each other") {
  // 我喜欢学习中文，也喜欢日本語。 No line starts with the closing "，" or "。".
  CHECK(Wrap("\u6211\u559c\u6b22\u5b66\u4e60\u4e2d\u6587\uff0c\u4e5f\u559c\u6b22\u65e5\u672c\u8a9e"
             "\u3002",
             8) == R"(我喜欢学
习中文，
也喜欢日
本語。
)");
  // A width smaller than one ideograph: one per line, each over-wide rather than cut.
  CHECK(WrapText("\u6211\u559c", 1) == std::vector<std::string>{"\u6211", "\u559c"});
}

TEST_CASE("WrapText: a combining mark stays with its base") {
  // Decomposed: e + U+0301 is one cluster of width 1.
  const std::string expected = R"(résumé
café
)";
  REQUIRE(expected.find("e\u0301") != std::string::npos);  // the literal really is decomposed
  CHECK(Wrap("re\u0301sume\u0301 cafe\u0301", 6) == expected);
  const std::string split = R"(rés
umé
)";
  REQUIRE(split.find("e\u0301") != std::string::npos);
  CHECK(Wrap("re\u0301sume\u0301", 3) == split);
  for (std::size_t width = 1; width <= 6; ++width) {
    for (const std::string& line : WrapText("re\u0301sume\u0301", width))
      CHECK_FALSE(line.starts_with("\u0301"));
  }
}

TEST_CASE("WrapText: never inside a cluster, even where ICU's line rules allow a break") {
  // UAX #14 (LB9/LB10) allows a break between a space and a following combining mark, but UAX #29
  // makes " \u0301" one grapheme cluster. ICU 72 reports that break; WrapText ignores it, so the
  // piece "a \u0301b" is treated as one word (and split as one at width 2).
  CHECK(WrapText("a \u0301b c", 2) == std::vector<std::string>{"a \u0301", "b", "c"});
  CHECK(WrapText("a \u0301b c", 10) == std::vector<std::string>{"a \u0301b c"});
}

TEST_CASE("WrapText: emoji are width 2, a ZWJ family is one cluster") {
  const std::string expected = R"(Family
👨‍👩‍👧 and
😀😀😀
)";
  REQUIRE(expected.find("\U0001F468\u200D\U0001F469\u200D\U0001F467") != std::string::npos);
  CHECK(Wrap("Family \U0001F468\u200D\U0001F469\u200D\U0001F467 and "
             "\U0001F600\U0001F600\U0001F600",
             6) == expected);
  // Split like a long word, the family is never taken apart.
  CHECK(Wrap("\U0001F468\u200D\U0001F469\u200D\U0001F467\U0001F468\u200D\U0001F469\u200D"
             "\U0001F467",
             3) == R"(👨‍👩‍👧
👨‍👩‍👧
)");
}

TEST_CASE("WrapText: Welsh and Polish letters are one column each") {
  CHECK(Wrap("Ll\u0177r, Si\u00e2n a Ma\u0142gorzata", 8) == R"(Llŷr,
Siân a
Małgorza
ta
)");
  CHECK(Wrap("Ma\u0142gorzata", 4) == R"(Małg
orza
ta
)");
  const std::string decomposed = R"(Llŷ
r
)";  // y + U+0302
  REQUIRE(decomposed.find("y\u0302") != std::string::npos);
  CHECK(Wrap("Lly\u0302r", 3) == decomposed);
}

TEST_CASE("WrapText: control characters cannot reach the terminal") {
  CHECK(WrapText("tab\there", 20) == std::vector<std::string>{"tab here"});
  CHECK(WrapText("\x1b[31mred", 20) == std::vector<std::string>{"\uFFFD[31mred"});
  CHECK(WrapText("c1 \xC2\x9B"
                 "31m",
                 20) == std::vector<std::string>{"c1 \uFFFD31m"});
  CHECK(WrapText("bad \xFF byte", 20) == std::vector<std::string>{"bad \uFFFD byte"});
}

TEST_CASE("WrapText: many calls on one thread reuse the iterators") {
  for (int i = 0; i < 100; ++i) CHECK(WrapText("caf\u00e9 au lait", 5).size() == 3);
}

// ---------------------------------------------------------------------------------------------
// WrapText without ICU: plain prose (letters, digits, spaces, common punctuation) is broken by a
// table of its own; these compare it with ICU's line-break iterator on generated texts. More
// samples: FRAMEWORK_TEST_WRAP_SAMPLES=N (e.g. to check another ICU version).

namespace {

std::size_t WrapSamples(std::size_t normal) {
  const char* n = std::getenv("FRAMEWORK_TEST_WRAP_SAMPLES");
  return n ? std::strtoul(n, nullptr, 10) : normal;
}

// Random text over the plain alphabet, with now and then something outside it (a quote, a
// slash, a tab, a line break, accented letters, an en dash), so the texts fall on both sides.
std::string RandomPlainish(std::mt19937& rng, bool words) {
  static const std::vector<std::string> plain = {
      "a", "b", "Z", "e", "q", "0", "7", "1", " ", " ", " ",      ".",     ",",
      ";", ":", "!", "?", "(", ")", "[", "]", "-", "'", "\u2022", "\u2014"};
  static const std::vector<std::string> other = {"\"", "/", "\t",     "\n", "\u00e9", "\u2013", "#",
                                                 "%",  "&", "\u2019", "+",  "$",      "\u00B7"};
  static const std::vector<std::string> word_list = {"Relationships",
                                                     "late",
                                                     "e-learning",
                                                     "same-sex",
                                                     "children's",
                                                     "(L23-24).",
                                                     "(L40)",
                                                     "[draft]",
                                                     "[stale]",
                                                     "records?",
                                                     "years,",
                                                     "1.5",
                                                     "10:30",
                                                     "1,000",
                                                     "\u2022",
                                                     "\u2014",
                                                     "(role)",
                                                     "sub-themes;",
                                                     "P00012,",
                                                     "ok!",
                                                     "(a)",
                                                     "x",
                                                     "Q.",
                                                     "L65-67",
                                                     "[a]b",
                                                     "f(x)",
                                                     "well-known.",
                                                     "don't",
                                                     "(",
                                                     "-",
                                                     "'",
                                                     ")",
                                                     ".",
                                                     "a-",
                                                     "-b",
                                                     "e.g.",
                                                     "5-a",
                                                     "a-5",
                                                     "2019-2020,"};
  std::string out;
  std::uniform_int_distribution<int> pct(0, 99);
  const int n = std::uniform_int_distribution<int>(1, words ? 14 : 40)(rng);
  for (int i = 0; i < n; ++i) {
    if (words) {
      if (i > 0 || pct(rng) < 10) out.append(pct(rng) < 85 ? 1 : 2, ' ');
      out += word_list[std::uniform_int_distribution<std::size_t>(0, word_list.size() - 1)(rng)];
      if (pct(rng) < 3)
        out += other[std::uniform_int_distribution<std::size_t>(0, other.size() - 1)(rng)];
    } else if (pct(rng) < 3) {
      out += other[std::uniform_int_distribution<std::size_t>(0, other.size() - 1)(rng)];
    } else {
      out += plain[std::uniform_int_distribution<std::size_t>(0, plain.size() - 1)(rng)];
    }
  }
  if (pct(rng) < 10) out += ' ';
  return out;
}

}  // namespace

TEST_CASE("WrapText: plain prose breaks where ICU breaks, on generated texts") {
  std::mt19937 rng(15);
  const std::size_t samples = WrapSamples(6000);
  std::size_t plain = 0;
  for (std::size_t i = 0; i < samples; ++i) {
    // Seven in ten are drawn until one is plain prose, the rest as they come.
    std::string text = RandomPlainish(rng, i % 2 == 0);
    for (int tries = 0; i % 10 < 7 && tries < 100 && !framework::IsPlainProseForTest(text); ++tries)
      text = RandomPlainish(rng, i % 2 == 0);
    if (framework::IsPlainProseForTest(text)) ++plain;
    const std::vector<std::size_t> fast = framework::LineBreaksForTest(text, false);
    const std::vector<std::size_t> icu = framework::LineBreaksForTest(text, true);
    CHECK_MESSAGE(fast == icu, "breaks differ in \"", text, "\"");
    // And the lines, at a width that splits long words and one that does not.
    for (const std::size_t width : {std::size_t{1} + i % 7, std::size_t{4} + i % 23}) {
      const std::vector<std::string> lines = WrapText(text, width);
      CHECK_MESSAGE(lines == WrapTextWithIcu(text, width), "lines differ in \"", text,
                    "\" at width ", width);
      std::vector<std::string> handed;  // the same lines handed over one at a time
      WrapText(text, width, [&](std::string_view line) { handed.emplace_back(line); });
      CHECK(handed == lines);
    }
  }
  // Most texts are plain prose: the comparison is not empty.
  CHECK(plain > samples / 2);
  CHECK(plain < samples);
}

TEST_CASE("WrapText: which texts count as plain prose") {
  using framework::IsPlainProseForTest;
  CHECK(IsPlainProseForTest("Late know ever which much about (L23-24)."));
  CHECK(IsPlainProseForTest("\u2022 Years many e-learning thresholds (L344). [draft]"));
  CHECK(IsPlainProseForTest("\u2014 Manager, children's services (L195, L344-346)"));
  CHECK(IsPlainProseForTest("  two  spaces, 1.5 and 10:30! (a) [b]?  "));
  CHECK_FALSE(IsPlainProseForTest("a \"quote\""));    // QU: ICU
  CHECK_FALSE(IsPlainProseForTest("and/or"));         // SY
  CHECK_FALSE(IsPlainProseForTest("word ."));         // LB13 after a space
  CHECK_FALSE(IsPlainProseForTest("-minus"));         // word-initial hyphen
  CHECK_FALSE(IsPlainProseForTest("COVID-19"));       // letter, hyphen, digit
  CHECK_FALSE(IsPlainProseForTest("( spaced"));       // LB14: OP SP*
  CHECK_FALSE(IsPlainProseForTest("\u2014 \u2014"));  // LB17: B2 SP* B2
  CHECK_FALSE(IsPlainProseForTest("caf\u00e9"));      // beyond ASCII
  CHECK_FALSE(IsPlainProseForTest("one\ntwo"));       // a hard break
  CHECK(IsPlainProseForTest("tab\there"));            // a tab is cleaned to a space first
  // e-learning breaks after the hyphen only; a range not at all.
  CHECK(framework::LineBreaksForTest("e-learning L65-67", false) ==
        std::vector<std::size_t>{2, 11, 17});
}

TEST_CASE("DisplayWidth: code points that are clusters of their own, with and without ICU") {
  std::mt19937 rng(29);
  // Width 1 (Latin, shades, box drawing, dashes), 2 (CJK, emoji presentation), 0 (combining
  // marks, joiners, selectors: ICU's path), flags, invalid bytes.
  const std::vector<std::string> parts = {
      "a",          " ",          "\u00e9", "\u0142",     "\u2591", "\u2588", "\u00B7",
      "\u2014",     "\u2022",     "\u6211", "\U0001F600", "\u0301", "\u200D", "\uFE0F",
      "\U0001F1EC", "\U0001F1E7", "\xFF",   "\t",         "\u1100", "\u1161", "\u0915",
      "\u094D",     "\u00AD",     "\u200B", "\u263A",     "\uFF21"};
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    const int n = std::uniform_int_distribution<int>(1, 12)(rng);
    for (int k = 0; k < n; ++k)
      text += parts[std::uniform_int_distribution<std::size_t>(0, parts.size() - 1)(rng)];
    CHECK_MESSAGE(DisplayWidth(text) == framework::DisplayWidthWithIcu(text), "width of \"", text,
                  "\"");
  }
  CHECK(DisplayWidth("\u2591\u2591\u2591 18") == 6);
  CHECK(DisplayWidth("\u6211\u559c") == 4);
  CHECK(DisplayWidth("\u2022 \u2014") == 3);  // what plain prose counts a column each
}

// ---------------------------------------------------------------------------------------------
// PadToWidth

TEST_CASE("PadToWidth pads table cells by display width, left or right, never truncates") {
  CHECK(framework::PadToWidth("ab", 5) == "ab   ");
  CHECK(framework::PadToWidth("ab", 5, true) == "   ab");
  CHECK(framework::PadToWidth("\u65e5\u672c", 5) == "\u65e5\u672c ");
  CHECK(framework::PadToWidth("cafe\u0301", 5) == "cafe\u0301 ");
  CHECK(framework::PadToWidth("too wide", 3) == "too wide");
  CHECK(framework::PadToWidth("", 2) == "  ");
}

// ---------------------------------------------------------------------------------------------
// RenderTable

TEST_CASE("RenderTable: fixed first column, two wrapped columns, width 40") {
  TableOptions options = FixedFirst(40);
  std::string table = RenderTable(Header(), Rows(), options);
  CHECK(table == R"(┌─────┬────────────────┬───────────────┐
│ ID  │ Teaching       │ Assessment    │
├─────┼────────────────┼───────────────┤
│ P01 │ One lecture in │ 3 segments,   │
│     │ year 2,        │ 210 words     │
│     │ nothing on     │               │
│     │ coercive       │               │
│     │ control        │               │
├─────┼────────────────┼───────────────┤
│ P02 │ Two days of    │               │
│     │ placement      │               │
│     │ training       │               │
├─────┼────────────────┼───────────────┤
│ P10 │ 我喜欢学习中   │ Llŷr and      │
│     │ 文。           │ Małgorzata    │
│     │                │ agree         │
└─────┴────────────────┴───────────────┘
)");
  CheckAligned(table, 40);
  CHECK(TableWidth(Header(), Rows(), options) == 40);
}

TEST_CASE("RenderTable: the same table at width 60") {
  TableOptions options = FixedFirst(60);
  std::string table = RenderTable(Header(), Rows(), options);
  CHECK(table == R"(┌─────┬──────────────────────────┬─────────────────────────┐
│ ID  │ Teaching                 │ Assessment              │
├─────┼──────────────────────────┼─────────────────────────┤
│ P01 │ One lecture in year 2,   │ 3 segments, 210 words   │
│     │ nothing on coercive      │                         │
│     │ control                  │                         │
├─────┼──────────────────────────┼─────────────────────────┤
│ P02 │ Two days of placement    │                         │
│     │ training                 │                         │
├─────┼──────────────────────────┼─────────────────────────┤
│ P10 │ 我喜欢学习中文。         │ Llŷr and Małgorzata     │
│     │                          │ agree                   │
└─────┴──────────────────────────┴─────────────────────────┘
)");
  CheckAligned(table, 60);
  CHECK(TableWidth(Header(), Rows(), options) == 60);
}

TEST_CASE("RenderTable: a table that cannot fit keeps min_column and reports its width") {
  TableOptions options;
  options.width = 30;  // three wrapped columns of at least 12 need 46
  CHECK(TableWidth(Header(), Rows(), options) == 46);
  CHECK(TableWidth(Header(), Rows(), options) > options.width);
  std::string table = RenderTable(Header(), Rows(), options);
  CHECK(table == R"(┌──────────────┬──────────────┬──────────────┐
│ ID           │ Teaching     │ Assessment   │
├──────────────┼──────────────┼──────────────┤
│ P01          │ One lecture  │ 3 segments,  │
│              │ in year 2,   │ 210 words    │
│              │ nothing on   │              │
│              │ coercive     │              │
│              │ control      │              │
├──────────────┼──────────────┼──────────────┤
│ P02          │ Two days of  │              │
│              │ placement    │              │
│              │ training     │              │
├──────────────┼──────────────┼──────────────┤
│ P10          │ 我喜欢学习中 │ Llŷr and     │
│              │ 文。         │ Małgorzata   │
│              │              │ agree        │
└──────────────┴──────────────┴──────────────┘
)");
  CheckAligned(table, 46);
}

TEST_CASE("RenderTable: ASCII borders") {
  TableOptions options = FixedFirst(40);
  options.unicode = false;
  std::string table = RenderTable(Header(), Rows(), options);
  CHECK(table == R"(+-----+----------------+---------------+
| ID  | Teaching       | Assessment    |
+-----+----------------+---------------+
| P01 | One lecture in | 3 segments,   |
|     | year 2,        | 210 words     |
|     | nothing on     |               |
|     | coercive       |               |
|     | control        |               |
+-----+----------------+---------------+
| P02 | Two days of    |               |
|     | placement      |               |
|     | training       |               |
+-----+----------------+---------------+
| P10 | 我喜欢学习中   | Llŷr and      |
|     | 文。           | Małgorzata    |
|     |                | agree         |
+-----+----------------+---------------+
)");
  CheckAligned(table, 40);
}

TEST_CASE("RenderTable: colour on the text only, reset after each styled line") {
  std::vector<TableCell> header = {{"ID", CellStyle::kHeader}, {"Note", CellStyle::kHeader}};
  std::vector<std::vector<TableCell>> rows = {
      {{"P01", CellStyle::kEmphasis}, {"missing consent form", CellStyle::kError}},
      {{"P02", CellStyle::kDim}, {"late", CellStyle::kWarning}},
      {{"P03"}, {"", CellStyle::kError}},  // an empty styled cell gets no codes
  };
  TableOptions options = FixedFirst(24);
  const std::string plain = RenderTable(header, rows, options);
  CHECK(plain == R"(┌─────┬────────────────┐
│ ID  │ Note           │
├─────┼────────────────┤
│ P01 │ missing        │
│     │ consent form   │
├─────┼────────────────┤
│ P02 │ late           │
├─────┼────────────────┤
│ P03 │                │
└─────┴────────────────┘
)");
  CHECK(plain.find('\x1b') == std::string::npos);
  CheckAligned(plain, 24);

  options.color = true;
  const std::string colored = RenderTable(header, rows, options);
  CHECK(colored ==
        "┌─────┬────────────────┐\n"
        "│ \x1b[1mID\x1b[0m  │ \x1b[1mNote\x1b[0m           │\n"
        "├─────┼────────────────┤\n"
        "│ \x1b[1mP01\x1b[0m │ \x1b[31mmissing\x1b[0m        │\n"
        "│     │ \x1b[31mconsent form\x1b[0m   │\n"
        "├─────┼────────────────┤\n"
        "│ \x1b[2mP02\x1b[0m │ \x1b[33mlate\x1b[0m           │\n"
        "├─────┼────────────────┤\n"
        "│ P03 │                │\n"
        "└─────┴────────────────┘\n");
  CHECK(StripAnsi(colored) == plain);
  CheckAligned(colored, 24);
  CHECK(TableWidth(header, rows, options) == 24);
}

TEST_CASE("RenderTable: a fixed column keeps hard line breaks and does not wrap") {
  std::vector<TableCell> header = {{"Participant"}, {"Summary"}};
  std::vector<std::vector<TableCell>> rows = {
      {{"P01 (Ll\u0177r)\nyear 2"}, {"Reads widely \U0001F468\u200D\U0001F469\u200D\U0001F467"}},
  };
  TableOptions options = FixedFirst(30);
  options.min_column = 4;
  std::string table = RenderTable(header, rows, options);
  CHECK(table == R"(┌─────────────┬──────────────┐
│ Participant │ Summary      │
├─────────────┼──────────────┤
│ P01 (Llŷr)  │ Reads widely │
│ year 2      │ 👨‍👩‍👧           │
└─────────────┴──────────────┘
)");
  CheckAligned(table, 30);
}

TEST_CASE("RenderTable: rows longer than the header, no header, no columns") {
  TableOptions options;
  options.width = 20;
  options.min_column = 3;
  options.unicode = false;
  std::vector<std::vector<TableCell>> rows = {{{"a"}, {"b"}, {"c"}}, {{"d"}}};
  std::string table = RenderTable({}, rows, options);  // an empty header is not drawn
  CHECK(table == R"(+------+-----+-----+
| a    | b   | c   |
+------+-----+-----+
| d    |     |     |
+------+-----+-----+
)");
  CheckAligned(table, 20);
  CHECK(TableWidth({}, rows, options) == 20);

  std::string extra = RenderTable({{"h"}}, rows, options);  // the header gets empty cells
  CHECK(extra == R"(+------+-----+-----+
| h    |     |     |
+------+-----+-----+
| a    | b   | c   |
+------+-----+-----+
| d    |     |     |
+------+-----+-----+
)");

  CHECK(RenderTable({}, {}, options).empty());
  CHECK(TableWidth({}, {}, options) == 0);
  CHECK(RenderTable({{"only"}}, {}, options) == R"(+------------------+
| only             |
+------------------+
)");
}

TEST_CASE("RenderTable: a column narrower than a wide character widens instead of misaligning") {
  TableOptions options;
  options.width = 5;
  options.min_column = 1;
  std::vector<std::vector<TableCell>> rows = {{{"\u6211\u559c"}}};
  std::string table = RenderTable({}, rows, options);
  CHECK(table == R"(┌────┐
│ 我 │
│ 喜 │
└────┘
)");
  CheckAligned(table, 6);
  CHECK(TableWidth({}, rows, options) == 6);
}
