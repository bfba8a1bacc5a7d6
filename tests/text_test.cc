// Unicode and text helpers (text.h) and the diagnostic format (diagnostic.h).
#include "framework/text.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "framework/diagnostic.h"

using framework::Diagnostic;
using framework::Severity;

// ---------------------------------------------------------------------------------------------
// UTF-8

TEST_CASE("IsValidUtf8") {
  CHECK(framework::IsValidUtf8(""));
  CHECK(framework::IsValidUtf8("plain ASCII"));
  CHECK(framework::IsValidUtf8("caf\u00e9 \u65e5\u672c \U0001F600"));
  CHECK_FALSE(framework::IsValidUtf8("\xFF"));
  CHECK_FALSE(framework::IsValidUtf8("caf\xC3"));           // truncated
  CHECK_FALSE(framework::IsValidUtf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(framework::IsValidUtf8("\xED\xA0\x80"));      // a surrogate
  CHECK_FALSE(framework::IsValidUtf8("\xF4\x90\x80\x80"));  // beyond U+10FFFF
  CHECK_FALSE(framework::IsValidUtf8("a\x80z"));            // a lone continuation byte
}

TEST_CASE("FindInvalidUtf8 gives the byte offset of every bad sequence, up to a limit") {
  CHECK(framework::FindInvalidUtf8("all good \u00e9").empty());
  CHECK(framework::FindInvalidUtf8("a\xFF"
                                   "b\xC3(\xE6\x97") == std::vector<std::size_t>{1, 3, 5});
  CHECK(framework::FindInvalidUtf8("\xFF\xFF\xFF", 2) == std::vector<std::size_t>{0, 1});
}

TEST_CASE("SanitizeUtf8 replaces bad sequences with U+FFFD") {
  CHECK(framework::SanitizeUtf8("a\xFF"
                                "b") ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK(framework::SanitizeUtf8("ok \u00e9") == "ok \u00e9");
}

TEST_CASE("CountCodePoints") {
  CHECK(framework::CountCodePoints("") == 0);
  CHECK(framework::CountCodePoints("abc") == 3);
  CHECK(framework::CountCodePoints("\u65e5\u672c\u8a9e") == 3);
  CHECK(framework::CountCodePoints("caf\u00e9") == 4);
  CHECK(framework::CountCodePoints("cafe\u0301") == 5);
  CHECK(framework::CountCodePoints("\U0001F600") == 1);
}

TEST_CASE("MakeNfc normalises in place and leaves text already NFC where it is") {
  std::string decomposed = "cafe\u0301 \u1100\u1161";
  framework::MakeNfc(decomposed);
  CHECK(decomposed == framework::ToNfc("cafe\u0301 \u1100\u1161"));
  CHECK(decomposed == "caf\u00e9 \uAC00");
  // Already NFC, and long (not in the string's own buffer): not copied.
  std::string composed(1000, 'x');
  composed += "caf\u00e9";
  const char* before = composed.data();
  framework::MakeNfc(composed);
  CHECK(composed.data() == before);
  CHECK(composed == std::string(1000, 'x') + "caf\u00e9");
  std::string invalid = "cafe\u0301 \xFF";
  framework::MakeNfc(invalid);
  CHECK(invalid == "cafe\u0301 \xFF");  // as ToNfc: invalid UTF-8 unchanged
}

TEST_CASE("ToNfc") {
  CHECK(framework::ToNfc("cafe\u0301") == "caf\u00e9");
  CHECK(framework::ToNfc("caf\u00e9") == "caf\u00e9");
  CHECK(framework::ToNfc("ascii only") == "ascii only");
  CHECK(framework::ToNfc("\u1100\u1161") == "\uAC00");                    // Hangul jamo compose
  CHECK(framework::ToNfc("\u212B") == "\u00C5");                          // ANGSTROM SIGN -> Å
  CHECK(framework::ToNfc("bad \xFF e\xCC\x81") == "bad \xFF e\xCC\x81");  // invalid: unchanged
}

// ---------------------------------------------------------------------------------------------
// White space

TEST_CASE("CollapseWhitespace") {
  CHECK(framework::CollapseWhitespace("  a \t\n b\r\n\f\v c  ") == "a b c");
  CHECK(framework::CollapseWhitespace("one") == "one");
  CHECK(framework::CollapseWhitespace("") == "");
  CHECK(framework::CollapseWhitespace(" \n\t ") == "");
  CHECK(framework::CollapseWhitespace("\u00e9  \u65e5") == "\u00e9 \u65e5");
}

TEST_CASE("Trim") {
  CHECK(framework::Trim("  a b \r\n") == "a b");
  CHECK(framework::Trim("\t") == "");
  CHECK(framework::Trim("") == "");
  CHECK(framework::Trim("x") == "x");
}

// ---------------------------------------------------------------------------------------------
// Display width and words

TEST_CASE("DisplayWidth") {
  CHECK(framework::DisplayWidth("") == 0);
  CHECK(framework::DisplayWidth("hello") == 5);
  CHECK(framework::DisplayWidth("\u65e5\u672c\u8a9e") == 6);  // East Asian wide
  CHECK(framework::DisplayWidth("\uFF21") == 2);              // fullwidth A
  CHECK(framework::DisplayWidth("cafe\u0301") == 4);          // combining mark: 0
  CHECK(framework::DisplayWidth("caf\u00e9") == 4);
  CHECK(framework::DisplayWidth("\U0001F600") == 2);    // emoji
  CHECK(framework::DisplayWidth("\u2764\uFE0F") == 2);  // emoji presentation selector
  CHECK(framework::DisplayWidth("a\u200Bb") == 2);      // zero width space
  CHECK(framework::DisplayWidth("\u65e5x\U0001F600") == 5);
}

TEST_CASE("DisplayWidth: a ZWJ family is one grapheme cluster of width 2") {
  // MAN, ZWJ, WOMAN, ZWJ, GIRL.
  CHECK(framework::DisplayWidth("\U0001F468\u200D\U0001F469\u200D\U0001F467") == 2);
  CHECK(framework::DisplayWidth("a\U0001F468\u200D\U0001F469\u200D\U0001F467b") == 4);
}

TEST_CASE("DisplayWidth: a flag (two regional indicators) is one cluster of width 2") {
  CHECK(framework::DisplayWidth("\U0001F1EC\U0001F1E7") == 2);  // GB
}

TEST_CASE("CountWords") {
  CHECK(framework::CountWords("") == 0);
  CHECK(framework::CountWords("Hello, world! It's fine.") == 4);
  CHECK(framework::CountWords("There are 42 cats") == 4);
  CHECK(framework::CountWords("... -- !!") == 0);
  CHECK(framework::CountWords("Ll\u0177r a Si\u00e2n") == 3);  // Welsh: ŷ and â inside words
  CHECK(framework::CountWords("Lle\u0302r") == 1);             // decomposed accent
  // Chinese has no spaces: ICU's dictionary splits 我/喜欢/学习/中文.
  CHECK(framework::CountWords("\u6211\u559c\u6b22\u5b66\u4e60\u4e2d\u6587") == 4);
  // Called twice on one thread: the break iterator is reused.
  CHECK(framework::CountWords("one two") == 2);
}

// ---------------------------------------------------------------------------------------------
// Edit distance and suggestions

TEST_CASE("CountWords: ASCII text is counted without ICU, as ICU counts it") {
  // The ASCII rules (text.cc CountAsciiWords) against ICU's: a word after " \u00e9" (not ASCII)
  // sends the text through ICU, and counts one more, its segmentation of `text` unchanged.
  auto icu = [](const std::string& text) { return framework::CountWords(text + " \u00e9") - 1; };
  for (const char* text :
       {"a:b",   "a.b",   "a'b",  "1,2",  "1;2",  "1.2",
        "1'2",   "a.1",   "1.a",  "a,b",  "a..b", "a.b.c",
        "1,2,3", "a.1.b", "x1.5", "1.5x", "@",    "x@y.com",
        "a'",    "'a",    "1'a",  "a-b",  "a\vb", "it's 3.5 o'clock; 1,000,000 e.g."}) {
    CAPTURE(text);
    CHECK(framework::CountWords(text) == icu(text));
  }
  CHECK(framework::CountWords("a.b a:b 1,2 a,b") == 6);
  // Random texts over the bytes the rules treat apart, and any other ASCII byte now and then.
  const std::string alphabet = "aZ@09.,;:'\" -!?\n\r\t\v\f[`{/";
  unsigned state = 12345;
  auto next = [&] { return (state = state * 1103515245u + 12345u) >> 16; };
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    for (unsigned n = next() % 14; n > 0; --n)
      text += next() % 8 ? alphabet[next() % alphabet.size()] : static_cast<char>(1 + next() % 127);
    CAPTURE(text);
    REQUIRE(framework::CountWords(text) == icu(text));
  }
}

TEST_CASE("EditDistance") {
  CHECK(framework::EditDistance("kitten", "sitting") == 3);
  CHECK(framework::EditDistance("same", "same") == 0);
  CHECK(framework::EditDistance("", "abc") == 3);
  CHECK(framework::EditDistance("caf\u00e9", "cafe") == 1);  // by code point, not byte
  CHECK(framework::EditDistance("\u65e5\u672c", "\u65e5\u672c\u8a9e") == 1);
  // With a limit: limit + 1 once the distance exceeds it.
  CHECK(framework::EditDistance("kitten", "sitting", 1) == 2);
  CHECK(framework::EditDistance("abc", "abcdefgh", 3) == 4);
  CHECK(framework::EditDistance("abcdef", "uvwxyz", 10) == 6);
}

TEST_CASE("Suggest") {
  using Words = std::vector<std::string>;
  // A case-insensitive match wins over a nearer candidate.
  CHECK(framework::Suggest("ABC", Words{"ABD", "abc"}) == std::optional<std::string>("abc"));
  CHECK(framework::Suggest("trainng", Words{"practice", "training"}) ==
        std::optional<std::string>("training"));
  // Ties: the first candidate.
  CHECK(framework::Suggest("cat", Words{"bat", "hat"}) == std::optional<std::string>("bat"));
  CHECK(framework::Suggest("cat", Words{"hat", "bat"}) == std::optional<std::string>("hat"));
  // Within 3, not beyond.
  CHECK(framework::Suggest("abc", Words{"xyz"}) == std::optional<std::string>("xyz"));
  CHECK(framework::Suggest("abcd", Words{"wxyz"}) == std::nullopt);
  CHECK(framework::Suggest("abc", Words{}) == std::nullopt);
  // The word itself is no suggestion.
  CHECK(framework::Suggest("abc", Words{"abc"}) == std::nullopt);
}

namespace {
// The full Levenshtein table by code point (text.cc's decoding: each invalid byte one).
std::size_t PlainDistance(const std::u32string& x, const std::u32string& y) {
  std::vector<std::size_t> prev(y.size() + 1), cur(y.size() + 1);
  for (std::size_t j = 0; j <= y.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= x.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= y.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] != y[j - 1])});
    std::swap(prev, cur);
  }
  return prev[y.size()];
}
}  // namespace

TEST_CASE("EditDistance: the banded table agrees with the full one, within every limit") {
  // Short strings over a small alphabet (one letter of two bytes), so distances are all sizes.
  const std::vector<std::string> letters{"a", "b", "c", "\u00e9"};
  const std::u32string points = U"abc\u00e9";
  unsigned seed = 7;
  auto next = [&] { return seed = seed * 1103515245u + 12345u, (seed >> 16) & 0x7fff; };
  for (int round = 0; round < 3000; ++round) {
    std::string a, b;
    std::u32string x, y;
    for (unsigned n = next() % 9; n > 0; --n) {
      const unsigned k = next() % 4;
      a += letters[k];
      x += points[k];
    }
    for (unsigned n = next() % 9; n > 0; --n) {
      const unsigned k = next() % 4;
      b += letters[k];
      y += points[k];
    }
    const std::size_t full = PlainDistance(x, y);
    for (std::size_t limit = 0; limit <= 9; ++limit) {
      INFO(a << " / " << b << " limit " << limit);
      CHECK(framework::EditDistance(a, b, limit) == std::min(full, limit + 1));
    }
  }
}

TEST_CASE("Suggest: a 100 KB word against 20,000 candidates, and a near one among them") {
  // Issue 14 (hostile sweep 18s): every candidate was decoded and compared in full.
  std::vector<std::string> codes;
  for (int i = 0; i < 20000; ++i) codes.push_back("code" + std::to_string(i));
  const std::string word(100000, 'c');
  CHECK(framework::Suggest(word, codes) == std::nullopt);
  codes.push_back(std::string(99998, 'c') + "xy");
  codes.push_back(std::string(99999, 'c') + "x");
  CHECK(framework::Suggest(word, codes) == std::optional<std::string>(codes.back()));
  // Lengths in bytes and in code points differ: two-byte letters are still compared.
  CHECK(framework::Suggest("\u00e9\u00e9\u00e9\u00e9", {"eeee", "\u00e9\u00e9\u00e9"}) ==
        std::optional<std::string>("\u00e9\u00e9\u00e9"));
  CHECK(framework::Suggest("abcdefgh", {"\u65e5\u672c\u8a9e"}) == std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// Ids and hashes

TEST_CASE("IsValidId and FirstInvalidIdChar") {
  CHECK(framework::IsValidId("training", false));
  CHECK(framework::IsValidId("P-07_x", false));
  CHECK(framework::IsValidId("caf\u00e9", false));
  CHECK(framework::IsValidId("cafe\u0301", false));  // a combining mark after a letter
  CHECK(framework::IsValidId("\u65e5\u672c", false));
  CHECK(framework::IsValidId("\u0663", false));  // ARABIC-INDIC DIGIT THREE
  CHECK_FALSE(framework::IsValidId("", false));
  CHECK_FALSE(framework::IsValidId("", true));
  CHECK_FALSE(framework::IsValidId("training.prequal", false));
  CHECK(framework::IsValidId("training.prequal", true));
  CHECK_FALSE(framework::IsValidId("a b", true));
  CHECK_FALSE(framework::IsValidId("a/b", true));
  CHECK_FALSE(framework::IsValidId("a{b", true));
  CHECK_FALSE(framework::IsValidId("a:b", true));
  CHECK_FALSE(framework::IsValidId("a\xFF", true));

  CHECK(framework::FirstInvalidIdChar("abc", false) == "");
  CHECK(framework::FirstInvalidIdChar("ab c", false) == " ");
  CHECK(framework::FirstInvalidIdChar("a.b", false) == ".");
  CHECK(framework::FirstInvalidIdChar("a.b", true) == "");
  CHECK(framework::FirstInvalidIdChar("a\u65e5{", true) == "{");
  CHECK(framework::FirstInvalidIdChar("a\u2192b", true) == "\u2192");  // →
}

TEST_CASE("HashHex is FNV-1a 64, as 16 hex digits") {
  // Reference values of FNV-1a 64 (offset basis cbf29ce484222325, prime 100000001b3).
  CHECK(framework::HashHex("") == "cbf29ce484222325");
  CHECK(framework::HashHex("a") == "af63dc4c8601ec8c");
  CHECK(framework::HashHex("foobar") == "85944171f73967e8");
  CHECK(framework::HashHex("Honestly, there was nothing.") == "ce7e40ed1ce2b621");
  CHECK(framework::HashHex("a") != framework::HashHex("b"));
  CHECK(framework::HashHex("\u65e5\u672c").size() == 16);
}

// ---------------------------------------------------------------------------------------------
// Diagnostics

namespace {
Diagnostic Make(Severity severity, std::string file, int line, int column, int length,
                std::string message, std::string hint, std::string source_line) {
  Diagnostic d;
  d.severity = severity;
  d.rule = "test";
  d.file = std::move(file);
  d.line = line;
  d.column = column;
  d.length = length;
  d.message = std::move(message);
  d.hint = std::move(hint);
  d.source_line = std::move(source_line);
  return d;
}
}  // namespace

TEST_CASE("RenderDiagnostic: location, source line, caret, tildes and hint") {
  Diagnostic d = Make(Severity::kError, "transcripts/P07.txt", 12, 7, 7, "unknown code 'trainng'",
                      "did you mean 'training'?", "P07: {trainng}x");
  CHECK(framework::RenderDiagnostic(d) ==
        "transcripts/P07.txt:12:7: error: unknown code 'trainng'\n"
        " 12 | P07: {trainng}x\n"
        "    |       ^~~~~~~\n"
        "    = hint: did you mean 'training'?\n");

  framework::RenderOptions options;
  options.path_prefix = "study/";
  d.severity = Severity::kWarning;
  d.hint.clear();
  d.length = 1;
  CHECK(framework::RenderDiagnostic(d, options) ==
        "study/transcripts/P07.txt:12:7: warning: unknown code 'trainng'\n"
        " 12 | P07: {trainng}x\n"
        "    |       ^\n");
}

TEST_CASE("RenderDiagnostic: without a location") {
  Diagnostic d = Make(Severity::kError, "framework.yaml", 0, 0, 1,
                      "cannot read framework.yaml: no such file or directory",
                      "run 'framework init' to start a study here", "");
  CHECK(framework::RenderDiagnostic(d) ==
        "framework.yaml: error: cannot read framework.yaml: no such file or directory\n"
        "  = hint: run 'framework init' to start a study here\n");

  Diagnostic note = Make(Severity::kNote, "a.txt", 3, 0, 1, "see here", "", "line three");
  CHECK(framework::RenderDiagnostic(note) ==
        "a.txt:3: note: see here\n"
        " 3 | line three\n");
}

TEST_CASE("RenderDiagnostic: the caret lines up by display width after wide characters") {
  // Column 5 is '{' after three wide characters and a space: 7 terminal columns in.
  Diagnostic d = Make(Severity::kError, "t.txt", 1, 5, 3, "bad tag", "", "\u65e5\u672c\u8a9e {x}");
  CHECK(framework::RenderDiagnostic(d) ==
        "t.txt:1:5: error: bad tag\n"
        " 1 | \u65e5\u672c\u8a9e {x}\n"
        "   |        ^~~\n");

  // The underline covers the display width of the span: two wide characters are 4 columns.
  Diagnostic wide = Make(Severity::kError, "t.txt", 2, 3, 2, "m", "", "a \u65e5\u672c b");
  CHECK(framework::RenderDiagnostic(wide) ==
        "t.txt:2:3: error: m\n"
        " 2 | a \u65e5\u672c b\n"
        "   |   ^~~~\n");

  // Tabs are shown as single spaces so the caret still lines up.
  Diagnostic tab = Make(Severity::kError, "t.txt", 1, 3, 1, "m", "", "\t\tx");
  CHECK(framework::RenderDiagnostic(tab) ==
        "t.txt:1:3: error: m\n"
        " 1 |   x\n"
        "   |   ^\n");
}

TEST_CASE("RenderDiagnostic: colour") {
  Diagnostic d = Make(Severity::kError, "f", 1, 1, 1, "m", "h", "x");
  framework::RenderOptions options;
  options.color = true;
  const std::string out = framework::RenderDiagnostic(d, options);
  CHECK(out.find("\033[1;31merror:\033[0m") != std::string::npos);
  CHECK(out.find("\033[1;32m^\033[0m") != std::string::npos);
  CHECK(framework::RenderDiagnostic(d).find('\033') == std::string::npos);
}

TEST_CASE("SeverityName, CountDiagnostics, SortDiagnostics") {
  CHECK(framework::SeverityName(Severity::kError) == "error");
  CHECK(framework::SeverityName(Severity::kWarning) == "warning");
  CHECK(framework::SeverityName(Severity::kNote) == "note");

  framework::Diagnostics ds = {
      Make(Severity::kError, "b.txt", 2, 1, 1, "b2", "", ""),
      Make(Severity::kNote, "b.txt", 9, 9, 1, "note of b2", "", ""),
      Make(Severity::kWarning, "framework.yaml", 5, 1, 1, "f5", "", ""),
      Make(Severity::kError, "a.txt", 1, 1, 1, "a1", "", ""),
      Make(Severity::kError, "b.txt", 1, 4, 1, "b1", "", ""),
      Make(Severity::kError, "framework.yaml", 1, 1, 1, "f1", "", ""),
  };
  const auto counts = framework::CountDiagnostics(ds);
  CHECK(counts.errors == 4);
  CHECK(counts.warnings == 1);
  framework::SortDiagnostics(ds, {"framework.yaml", "b.txt"});
  std::string order;
  for (const auto& d : ds) order += d.message + ";";
  CHECK(order == "f1;f5;b1;b2;note of b2;a1;");
}

TEST_CASE("CountCharacters counts each invalid sequence as one character, as displayed") {
  CHECK(framework::CountCharacters("") == 0);
  CHECK(framework::CountCharacters("caf\u00e9 \u65e5\u672c") == 7);  // valid: code points
  CHECK(framework::CountCharacters("a\x80\x80z") == 4);
  CHECK(framework::CountCharacters("\xE6\x97z") == 2);  // a truncated sequence is one
  CHECK(framework::CountCharacters("\xFF\xFE") == 2);
  // As many as SanitizeUtf8 shows.
  const std::string bad = "x\xC3(\x80\xF0\x9F\x98 \xE9t";
  CHECK(framework::CountCharacters(bad) ==
        framework::CountCodePoints(framework::SanitizeUtf8(bad)));
}
