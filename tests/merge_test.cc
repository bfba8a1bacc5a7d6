// Tests of split exports and `framework merge`: `export --format json --only GLOB` over parts
// of a study, merged, gives the bytes of one `export --format json` over the whole study; and
// merge refuses parts that do not belong together. Also `--jobs`: -j 1 and -j 2 give the same
// bytes for every batch command.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "framework/merge.h"
#include "run_binary.h"

namespace {

using namespace framework_test;

// Exports the study at `root` whole, and as parts by `globs` (each a list of --only values),
// merges the parts and checks the bytes are the same.
void CheckSplitMerge(const fs::path& root, const std::vector<std::vector<std::string>>& globs,
                     const std::vector<std::string>& extra = {}) {
  TempDir tmp;
  std::vector<std::string> whole_args{"export", "-C", root.string(), "--format", "json"};
  whole_args.insert(whole_args.end(), extra.begin(), extra.end());
  RunResult whole = Run(whole_args);
  REQUIRE(whole.exit_code == 0);
  REQUIRE(!whole.out.empty());
  CHECK(whole.out.find("\"part\"") == std::string::npos);

  std::vector<std::string> merge_args{"merge"};
  for (std::size_t i = 0; i < globs.size(); ++i) {
    const std::string part = (tmp.path() / ("part" + std::to_string(i) + ".json")).string();
    std::vector<std::string> args = whole_args;
    for (const std::string& g : globs[i]) args.insert(args.end(), {"--only", g});
    args.insert(args.end(), {"-o", part, "-q"});
    RunResult r = Run(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto json = nlohmann::json::parse(ReadFile(part));
    CHECK(json.contains("part"));
    CHECK(!json["part"]["transcripts"].empty());
    CHECK(ReadFile(part) != whole.out);  // a part is not the whole
    merge_args.push_back(part);
  }
  const std::string merged = (tmp.path() / "all.json").string();
  merge_args.insert(merge_args.end(), {"-o", merged});
  RunResult m = Run(merge_args);
  INFO(m.err);
  REQUIRE(m.exit_code == 0);
  CHECK(ReadFile(merged) == whole.out);

  // The parts in another order give the same bytes, on standard output too.
  std::vector<std::string> reversed{"merge"};
  for (std::size_t i = globs.size(); i-- > 0;)
    reversed.push_back((tmp.path() / ("part" + std::to_string(i) + ".json")).string());
  RunResult again = Run(reversed);
  REQUIRE(again.exit_code == 0);
  CHECK(again.out == whole.out);
}

// A study where parts see different things: a transcript of an undeclared participant (P9,
// charted), a declared participant without a transcript (P3, charted), a chart entry for a
// participant nobody has (an orphan), a duplicate chart entry, a stale entry, a second chart
// file of the same theme, and transcripts in two folders.
class SplitStudy {
 public:
  SplitStudy() {
    Write("framework.yaml", R"(framework: 1
title: Split test
transcripts: "transcripts/*/*.txt"
participants: participants.yaml
speakers: {INT: interviewer}
themes:
  - id: work
    subthemes: [{id: load}, {id: pay, codes: [money]}]
  - id: home
    subthemes: [{id: kin}]
)");
    Write("participants.yaml", R"(attributes:
  site: {type: category, values: [north, south]}
  years: {type: integer}
participants:
  - {id: P1, site: north, years: 3}
  - {id: P2, site: south, years: 12}
  - {id: P3, site: south}
  - {id: P10, site: north, years: 1}
)");
    Write("transcripts/north/P1.txt",
          "INT: Tell me.\nP1: {work.load}Too many cases{/work.load} and {money}low pay{/money}.\n"
          "P1: {home.kin}My sister helps.{/home.kin} {work.load}Again cases.{/work.load}\n");
    Write("transcripts/north/P10.txt", "P10: {work.pay}Pay is fine, «really».{/work.pay}\n");
    Write("transcripts/south/P2.txt", "P2: {work.load, home.kin}Both at once{/}.\n");
    Write("transcripts/south/P9.txt", "P9: {work.load}Not declared.{/work.load}\n");
    Write("charts/work.yaml", R"(theme: work
cells:
  - {participant: P1, subtheme: load, status: reviewed, summary: Too many (L2)., source: 0000000000000000}
  - {participant: P3, subtheme: pay, status: charted, summary: No transcript yet.}
  - {participant: P9, subtheme: load, status: draft, summary: Undeclared but charted.}
  - {participant: P77, subtheme: load, status: charted, summary: Nobody.}
  - {participant: P2, subtheme: gone, status: charted, summary: A sub-theme removed.}
)");
    Write("charts/work2.yaml", R"(theme: work
cells:
  - {participant: P1, subtheme: load, status: charted, summary: A duplicate.}
  - {participant: P10, subtheme: pay, status: charted, summary: Fine.}
)");
  }
  fs::path root() const { return tmp_.path(); }

 private:
  void Write(const std::string& relative, const std::string& text) {
    fs::create_directories((tmp_.path() / relative).parent_path());
    WriteFile(tmp_.path() / relative, text);
  }
  TempDir tmp_;
};

TEST_CASE("export --only and merge: three parts of the example give the single run's bytes") {
  CheckSplitMerge(kExample, {{"P0[1-4]"}, {"P0[5-9]"}, {"P1*"}});
  // Theme arguments, globs on paths, and a part given as two globs.
  CheckSplitMerge(kExample, {{"transcripts/P0*.txt"}, {"P10", "P11"}, {"P1[2-9]"}}, {"training"});
}

TEST_CASE("export --only and merge: orphans, undeclared and missing participants, stale cells") {
  SplitStudy study;
  CheckSplitMerge(study.root(), {{"transcripts/north/*"}, {"transcripts/south/*"}});
  CheckSplitMerge(study.root(), {{"P1"}, {"P10"}, {"P2"}, {"P9"}});
  CheckSplitMerge(study.root(), {{"P*"}});  // one part is the whole
}

TEST_CASE("export --only-from reads globs and ids from a file") {
  TempDir tmp;
  WriteFile(tmp.path() / "list.txt", "# the first site\nP01\n  P02  \n\nP1[0-4]\n");
  const std::string part = (tmp.path() / "part.json").string();
  RunResult r = Run({"export", "-C", kExample.string(), "--format", "json", "--only-from",
                     (tmp.path() / "list.txt").string(), "-o", part, "-q"});
  REQUIRE(r.exit_code == 0);
  const auto json = nlohmann::json::parse(ReadFile(part));
  CHECK(json["part"]["transcripts"] ==
        nlohmann::json::array({"P01", "P02", "P10", "P11", "P12", "P13", "P14"}));
  CHECK(json["part"]["only"] == nlohmann::json::array({"P01", "P02", "P1[0-4]"}));

  RunResult none = Run({"export", "-C", kExample.string(), "--format", "json", "--only", "Q*"});
  CHECK(none.exit_code == 2);
  CHECK(none.err.find("--only matches no transcript") != std::string::npos);
  RunResult missing = Run({"export", "-C", kExample.string(), "--format", "json", "--only-from",
                           (tmp.path() / "nope.txt").string()});
  CHECK(missing.exit_code == 3);
}

TEST_CASE("merge refuses parts that do not belong together") {
  TempDir tmp;
  auto part = [&](const fs::path& root, const std::string& glob, const std::string& name,
                  std::vector<std::string> extra = {}) {
    const std::string path = (tmp.path() / name).string();
    std::vector<std::string> args{"export", "-C", root.string(), "--format", "json",
                                  "--only", glob, "-o",          path,       "-q"};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = Run(args);
    REQUIRE(r.exit_code == 0);
    return path;
  };
  const std::string a = part(kExample, "P0*", "a.json");
  const std::string b = part(kExample, "P0[5-9]", "b.json");  // overlaps a
  const std::string c = part(kExample, "P1*", "c.json", {"training"});
  SplitStudy other;
  const std::string d = part(other.root(), "P1*", "d.json");

  RunResult overlap = Run({"merge", a, b});
  CHECK(overlap.exit_code == 1);
  CHECK(overlap.err.find("participant 'P05' is in two parts") != std::string::npos);
  CHECK(overlap.out.empty());

  RunResult themes = Run({"merge", a, c});
  CHECK(themes.exit_code == 1);
  CHECK(themes.err.find("different framework") != std::string::npos);
  RunResult study = Run({"merge", a, d});
  CHECK(study.exit_code == 1);
  CHECK(study.err.find("different framework") != std::string::npos);

  // Same framework, other participants: a changed participants file.
  TempDir copy;
  fs::copy(kExample, copy.path(), fs::copy_options::recursive);
  std::string participants = ReadFile(copy.path() / "participants.yaml");
  WriteFile(copy.path() / "participants.yaml",
            participants +
                "  - {id: P99, role: manager, sector: \"adult social care\", years: 1, "
                "nation: Wales}\n");
  RunResult changed_export = Run({"export", "-C", copy.path().string(), "--format", "json",
                                  "--only", "P1*", "-o", (tmp.path() / "e.json").string(), "-q"});
  REQUIRE(changed_export.exit_code == 0);
  RunResult changed = Run({"merge", a, (tmp.path() / "e.json").string()});
  CHECK(changed.exit_code == 1);
  CHECK(changed.err.find("different participants or charts") != std::string::npos);

  // Not parts: a whole export, not JSON, a missing file.
  RunResult whole = Run({"export", "-C", kExample.string(), "--format", "json"});
  WriteFile(tmp.path() / "whole.json", whole.out);
  RunResult not_part = Run({"merge", a, (tmp.path() / "whole.json").string()});
  CHECK(not_part.exit_code == 1);
  CHECK(not_part.err.find("without --only") != std::string::npos);
  auto broken = nlohmann::json::parse(ReadFile(a));
  broken["part"]["transcripts"] = nlohmann::json::array({1, 2});
  WriteFile(tmp.path() / "broken.json", broken.dump());
  RunResult malformed = Run({"merge", (tmp.path() / "broken.json").string()});
  CHECK(malformed.exit_code == 1);
  CHECK(malformed.err.find("malformed") != std::string::npos);
  WriteFile(tmp.path() / "junk.json", "{ not json");
  CHECK(Run({"merge", (tmp.path() / "junk.json").string()}).exit_code == 1);
  CHECK(Run({"merge", (tmp.path() / "missing.json").string()}).exit_code == 3);
  CHECK(Run({"merge"}).exit_code == 2);
}

TEST_CASE("merge: a part given again is refused as it is read, before the parts after it") {
  // Each part is checked against those before it as it is read (hostile sweep 49c: a thousand
  // copies of one part were all held, 551 MB, before the overlap was found). The missing file
  // after the copy is never reached: the overlap is the error, not the unreadable file.
  TempDir tmp;
  const std::string a = (tmp.path() / "a.json").string();
  REQUIRE(
      Run({"export", "-C", kExample.string(), "--format", "json", "--only", "P0*", "-o", a, "-q"})
          .exit_code == 0);
  const std::string copy = (tmp.path() / "copy.json").string();
  fs::copy_file(a, copy);
  const std::string missing = (tmp.path() / "missing.json").string();
  RunResult r = Run({"merge", a, copy, missing});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("participant 'P01' is in two parts, " + a + " and " + copy) !=
        std::string::npos);
  CHECK(r.err.find("missing.json") == std::string::npos);
  CHECK(r.out.empty());

  // A part listing no transcript (export never writes one) is refused, so that copies of it
  // cannot pile up either.
  auto empty = nlohmann::json::parse(ReadFile(a));
  empty["part"]["transcripts"] = nlohmann::json::array();
  const std::string e = (tmp.path() / "empty.json").string();
  WriteFile(e, empty.dump(2));
  RunResult none = Run({"merge", a, e, e, missing});
  CHECK(none.exit_code == 1);
  CHECK(none.err.find(e + ": part lists no transcript") != std::string::npos);
}

// A study whose texts hold what JSON escapes: quotes, backslashes, tabs, a control character,
// non-ASCII and a 4-byte character; and one passage of `big` bytes, many lines long.
class EscapeStudy {
 public:
  explicit EscapeStudy(std::size_t big) {
    Write("framework.yaml", R"(framework: 1
title: "Quotes \"and\" slashes \\ «é» 😀"
themes:
  - id: work
    subthemes: [{id: load}, {id: pay}]
)");
    Write("transcripts/P1.txt",
          "P1: {work.load}She said \"no\"\tand left \\\\ back\\\\slash «é» 😀 \x01.{/work.load}\n");
    std::string passage;
    while (passage.size() < big) passage += "a line with \"quotes\", a\ttab and \\\\ «ü»\n";
    Write("transcripts/P2.txt", "P2: {work.pay}" + passage + "end{/work.pay}\n");
    Write("charts/work.yaml", R"(theme: work
cells:
  - {participant: P1, subtheme: load, status: charted, summary: "A \"quoted\" summary \\ «é»"}
)");
  }
  fs::path root() const { return tmp_.path(); }

 private:
  void Write(const std::string& relative, const std::string& text) {
    fs::create_directories((tmp_.path() / relative).parent_path());
    WriteFile(tmp_.path() / relative, text);
  }
  TempDir tmp_;
};

TEST_CASE("merge: escapes, non-ASCII and a long passage give the single run's bytes") {
  EscapeStudy study(3u << 20);
  CheckSplitMerge(study.root(), {{"P1"}, {"P2"}});
}

TEST_CASE("merge: a part laid out or escaped otherwise merges to the same bytes") {
  TempDir tmp;
  std::vector<framework::ExportPart> parts;
  for (const char* glob : {"P0*", "P1*"}) {
    const std::string path = (tmp.path() / (std::string(glob, 2) + ".json")).string();
    REQUIRE(Run({"export", "-C", kExample.string(), "--format", "json", "--only", glob, "-o", path,
                 "-q"})
                .exit_code == 0);
    parts.push_back({path, ReadFile(path)});
  }
  std::string merged;
  REQUIRE(framework::MergeExportTexts(parts, &merged).ok());
  CHECK(merged == Run({"export", "-C", kExample.string(), "--format", "json"}).out);
  // One line, every non-ASCII character as \u escapes (surrogate pairs too), "\/" for '/'.
  std::vector<framework::ExportPart> other = parts;
  for (framework::ExportPart& part : other) {
    std::string text = nlohmann::ordered_json::parse(part.text).dump(-1, ' ', true);
    for (std::size_t at = text.find('/'); at != std::string::npos; at = text.find('/', at + 2))
      text.replace(at, 1, "\\/");
    part.text = text;
  }
  CHECK(other[0].text.find("\\u") != std::string::npos);
  std::string again;
  REQUIRE(framework::MergeExportTexts(other, &again).ok());
  CHECK(again == merged);
}

TEST_CASE("merge: a member name twice in one object is a located error") {
  TempDir tmp;
  const std::string path = (tmp.path() / "part.json").string();
  REQUIRE(Run({"export", "-C", kExample.string(), "--format", "json", "--only", "P0*", "-o", path,
               "-q"})
              .exit_code == 0);
  std::string text = ReadFile(path);
  const std::size_t title = text.find("  \"title\": ");
  REQUIRE(title != std::string::npos);
  text.insert(title, "  \"title\": \"x\",\n");
  WriteFile(path, text);
  RunResult r = Run({"merge", path});
  CHECK(r.exit_code == 1);
  CHECK(
      Contains(r.err, "part.json:5:3: duplicate member name 'title' in one object (first at 4:3)"));
  CHECK(r.out.empty());

  // Names compared as text, escaped or not; objects with many members too.
  std::string merged;
  framework::Status s =
      framework::MergeExportTexts({{"a.json", R"({"a\u0062": 1, "ab": 2})"}}, &merged);
  CHECK(s.code == framework::StatusCode::kStudyErrors);
  CHECK(s.message == "a.json:1:16: duplicate member name 'ab' in one object (first at 1:2)");
  std::string many = "{";
  for (int k = 0; k < 40; ++k) many += "\"k" + std::to_string(k) + "\": 0, ";
  many += "\"k33\": 1}";
  s = framework::MergeExportTexts({{"b.json", many}}, &merged);
  CHECK(Contains(s.message, "duplicate member name 'k33'"));
}

TEST_CASE("merge: what is not JSON is refused at its line and column") {
  std::string merged;
  const std::vector<std::pair<std::string, std::string>> cases{
      {"{\n  \"a\": [1, 2,]\n}", "p.json:2:14: not JSON: expected a value"},
      {"{\"a\": \"tab\there\"}", "p.json:1:11: not JSON: a control character in a string"},
      {"{\"a\": \"\\ud800\"}", "p.json:1:8: not JSON: a high surrogate without a low one"},
      {"{\"a\": 01}", "p.json:1:8: not JSON: expected ',' or '}'"},
      {"{\"a\": 1e999}", "p.json:1:7: not JSON: number overflow"},
      {"{\"a\": 1} x", "p.json:1:10: not JSON: more text after the JSON value"},
      {"{\"a\": \"\xC3\"}", "p.json:1:8: not JSON: invalid UTF-8"},
      {"[[[[", "p.json:1:5: not JSON: the text ends where a value should be"},
  };
  for (const auto& [text, message] : cases) {
    const std::string want = message;
    CAPTURE(want);
    framework::Status s = framework::MergeExportTexts({{"p.json", text}}, &merged);
    CHECK(s.code == framework::StatusCode::kStudyErrors);
    CHECK(Contains(s.message, want));
  }
  // Nesting is read without recursion, to a limit.
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  framework::Status s = framework::MergeExportTexts({{"d.json", deep}}, &merged);
  CHECK(s.message == "d.json:1:1001: nesting deeper than 1000 levels");
  const std::string fits = std::string(1000, '[') + std::string(1000, ']');
  s = framework::MergeExportTexts({{"f.json", fits}}, &merged);
  CHECK(Contains(s.message, "not a framework export"));
}

TEST_CASE("--jobs 1 and --jobs 2 give the same bytes") {
  const std::string dir = kExample.string();
  const std::vector<std::vector<std::string>> commands{
      {"check"},
      {"codes"},
      {"chart", "training", "--format", "json"},
      {"export", "--format", "json"},
      {"export", "--format", "csv", "--long"},
      {"export", "--format", "csv", "--long", "--content", "summary"},
      {"quotes", "training.prequal", "--format", "json"},
  };
  for (const auto& command : commands) {
    std::vector<std::string> one = command, two = command;
    one.insert(one.end(), {"-C", dir, "--jobs", "1"});
    two.insert(two.end(), {"-C", dir, "-j", "2"});
    RunResult a = Run(one), b = Run(two);
    INFO(command[0]);
    CHECK(a.exit_code == b.exit_code);
    CHECK(!(a.out + a.err).empty());
    CHECK(a.out == b.out);
    CHECK(a.err == b.err);
  }
}

}  // namespace
