// `framework quotes` and its library part (attribution.h): the attribution template, cutting
// quotes to a word limit, and the command run as a binary on the bundled example and on small
// studies written to a temporary folder.
//
// Goldens, in tests/golden/ (regenerate with UPDATE_GOLDENS=1 ./framework_tests -tc='*quote*',
// then read the diff before committing it):
//   quotes-prequal.txt           `framework quotes training.prequal --width 72`
//   quotes-prequal-by-sector.md  `framework quotes training.prequal --by sector --max-words 30
//                                 --format md`
//   quotes-prequal.csv           `framework quotes training.prequal --format csv`
//   quotes-postqual-by-role.json `framework quotes training.postqual --by role --format json`
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "framework/attribution.h"
#include "framework/file_system.h"
#include "framework/participants.h"
#include "framework/study.h"
#include "framework/text.h"
#include "run_binary.h"

namespace {

using namespace framework_test;

// A study holding only participants (all Attribute() reads), from participants.yaml text.
framework::Study StudyWithParticipants(const std::string& yaml) {
  framework::Study study;
  framework::Diagnostics diagnostics;
  study.participants = framework::LoadParticipantsYaml("participants.yaml", yaml, diagnostics);
  INFO(Summary(diagnostics));
  REQUIRE(diagnostics.empty());
  return study;
}

const char* const kPeople =
    "attributes:\n"
    "  role: {type: category, values: [practitioner, manager, éducatrice]}\n"
    "  sector: {type: category, values: [\"children's services\", \"adult social care\", "
    "\"gofal cymdeithasol\"]}\n"
    "  nation: {type: string}\n"
    "  years: {type: integer}\n"
    "participants:\n"
    "  - {id: P01, role: practitioner, sector: \"children's services\", nation: England}\n"
    "  - {id: P02, role: practitioner, nation: Wales}\n"
    "  - {id: P03, sector: \"adult social care\", years: 3}\n"
    "  - {id: P04}\n"
    "  - {id: P05, role: éducatrice, sector: gofal cymdeithasol, nation: \"łódź\"}\n"
    "  - {id: P06, role: manager, nation: \"  Cardiff \\t  Bay  \"}\n"
    "  - {id: P07, role: manager, nation: \"社会工作\"}\n";

// The example study, loaded through the library.
const framework::Study& ExampleStudy() {
  static const framework::Study study = [] {
    framework::DiskFileSystem disk(kExample.string());
    return framework::LoadStudy(disk);
  }();
  return study;
}

// What `quotes CODE` must select, computed from the transcripts: every segment indexing into the
// column with participant speech, as that speech, one per (participant, lines, text).
std::vector<std::tuple<std::string, int, int, std::string>> ExpectedQuotes(
    const framework::Study& study, const std::string& code) {
  const framework::ColumnRef column = study.framework.Resolve(code);
  REQUIRE(column.valid());
  std::vector<std::tuple<std::string, int, int, std::string>> out;
  for (const framework::Transcript& t : study.transcripts) {
    for (const framework::Segment& s : t.segments) {
      if (!(s.target == column)) continue;
      const std::string text = t.ParticipantText(s);
      if (text.empty()) continue;
      auto quote = std::make_tuple(t.participant, s.line_start, s.line_end, text);
      if (std::find(out.begin(), out.end(), quote) == out.end()) out.push_back(quote);
    }
  }
  return out;
}

nlohmann::json Json(const RunResult& r) {
  INFO("stdout: ", r.out, "\nstderr: ", r.err);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

std::size_t QuoteCount(const nlohmann::json& report) {
  std::size_t n = 0;
  for (const auto& g : report.at("groups")) n += g.at("quotes").size();
  return n;
}

// A study with one theme (a.b, a.c with alias c-alias), the given template and participants, and
// one transcript per entry of `transcripts` (participant id -> text).
void WriteStudy(const fs::path& dir, const std::string& attribution, const std::string& people,
                const std::map<std::string, std::string>& transcripts) {
  WriteFile(dir / "framework.yaml",
            "framework: 1\ntitle: t\nspeakers: {INT: interviewer, OBS: other}\nattribution: \"" +
                attribution +
                "\"\nthemes:\n  - id: a\n    label: A theme\n    subthemes:\n"
                "      - {id: b, label: B column}\n"
                "      - {id: c, label: C column, codes: [c-alias]}\n");
  WriteFile(dir / "participants.yaml", people);
  for (const auto& [id, text] : transcripts) WriteFile(dir / "transcripts" / (id + ".txt"), text);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The library: Attribute(), CapitaliseFirst(), CutToWords().

TEST_CASE("quotes: Attribute fills the template and capitalises the first letter") {
  const framework::Study study = StudyWithParticipants(kPeople);
  CHECK(framework::Attribute("{role}, {sector}", study, "P01") ==
        "Practitioner, children's services");
  CHECK(framework::Attribute("{role} in {sector}, {nation}", study, "P01") ==
        "Practitioner in children's services, England");
  CHECK(framework::Attribute("{ role }", study, "P01") == "Practitioner");
  CHECK(framework::Attribute("{sector}", study, "P01") == "Children's services");
  CHECK(framework::Attribute("A {role}", study, "P01") == "A practitioner");
  // White space inside a value is collapsed, and at its ends trimmed.
  CHECK(framework::Attribute("{role} ({nation})", study, "P06") == "Manager (Cardiff Bay)");
}

TEST_CASE("quotes: Attribute drops a missing value with its separator, never leaving one") {
  const framework::Study study = StudyWithParticipants(kPeople);
  CHECK(framework::Attribute("{role}, {sector}", study, "P02") == "Practitioner");
  CHECK(framework::Attribute("{role}, {sector}", study, "P03") == "Adult social care");
  CHECK(framework::Attribute("{role}, {sector}, {nation}", study, "P02") == "Practitioner, Wales");
  CHECK(framework::Attribute("{role}, {sector}, {nation}", study, "P03") == "Adult social care");
  // The separator kept is the one written before the later value.
  CHECK(framework::Attribute("{role}, {sector} in {nation}", study, "P02") ==
        "Practitioner in Wales");
  // Brackets around one placeholder go with it; brackets around several stay.
  CHECK(framework::Attribute("{role} ({sector})", study, "P01") ==
        "Practitioner (children's services)");
  CHECK(framework::Attribute("{role} ({sector})", study, "P02") == "Practitioner");
  CHECK(framework::Attribute("{role}, {sector} ({nation})", study, "P03") == "Adult social care");
  CHECK(framework::Attribute("{role}, {sector} ({nation})", study, "P02") ==
        "Practitioner (Wales)");
  CHECK(framework::Attribute("({role}, {sector})", study, "P03") == "(Adult social care)");
  CHECK(framework::Attribute("{role} \u201C{sector}\u201D", study, "P02") == "Practitioner");
  // No value at all: "Participant", for a participant without values or not declared.
  CHECK(framework::Attribute("{role}, {sector}", study, "P04") == "Participant");
  CHECK(framework::Attribute("{role}, {sector}", study, "P99") == "Participant");
  CHECK(framework::Attribute("({role})", study, "P04") == "Participant");
  // A template without placeholders is its own text.
  CHECK(framework::Attribute("interviewee", study, "P01") == "Interviewee");
  for (const char* id : {"P01", "P02", "P03", "P04", "P05", "P06", "P07", "P99"}) {
    for (const char* pattern : {"{role}, {sector}", "{role}, {sector}, {nation}, {years}",
                                "{years}, {role}", "{sector}; {role} - {nation}"}) {
      const std::string a = framework::Attribute(pattern, study, id);
      INFO(pattern, " for ", id, ": '", a, "'");
      CHECK(!a.empty());
      CHECK(a == std::string(framework::Trim(a)));
      for (const char* dangling : {", ", ",", "; ", " -"}) {
        CHECK(a.rfind(dangling, 0) != 0);
        CHECK(!a.ends_with(dangling));
      }
      CHECK(!Contains(a, ", ,"));
      CHECK(!Contains(a, "{"));
    }
  }
}

TEST_CASE("quotes: unknown placeholders are dropped and listed once, {id} only when allowed") {
  const framework::Study study = StudyWithParticipants(kPeople);
  CHECK(framework::Attribute("{role}, {secotr}", study, "P01") == "Practitioner");
  CHECK(framework::UnknownPlaceholders("{role}, {secotr}, {secotr} {x}", study) ==
        std::vector<std::string>{"secotr", "x"});
  CHECK(framework::UnknownPlaceholders("{role}, {sector}", study).empty());
  CHECK(framework::Placeholders("{role}, {sector}, {role}") ==
        std::vector<std::string>{"role", "sector"});

  CHECK(framework::Attribute("{id}, {role}", study, "P01") == "Practitioner");
  CHECK(framework::UnknownPlaceholders("{id}, {role}", study) == std::vector<std::string>{"id"});
  CHECK(framework::Attribute("{id}, {role}", study, "P01", /*allow_id=*/true) ==
        "P01, practitioner");
  CHECK(framework::UnknownPlaceholders("{id}, {role}", study, /*allow_id=*/true).empty());
  CHECK(framework::Attribute("{id}, {role}, {sector}", study, "P04", true) == "P04");

  // Literal braces, and braces that make no placeholder.
  CHECK(framework::Attribute("{{{role}}}", study, "P01") == "{Practitioner}");
  CHECK(framework::Placeholders("{{role}}").empty());
  CHECK(framework::Attribute("{} {role}", study, "P01") == "{} Practitioner");
  CHECK(framework::Attribute("{role", study, "P01") == "{Role");
}

TEST_CASE("quotes: Attribute and CapitaliseFirst with non-ASCII values") {
  const framework::Study study = StudyWithParticipants(kPeople);
  CHECK(framework::Attribute("{role}, {sector}, {nation}", study, "P05") ==
        "Éducatrice, gofal cymdeithasol, łódź");
  CHECK(framework::Attribute("{nation}", study, "P05") == "Łódź");
  CHECK(framework::Attribute("{nation}, {role}", study, "P07") == "社会工作, manager");
  CHECK(framework::CapitaliseFirst("\u00E9cole") == "\u00C9cole");
  CHECK(framework::CapitaliseFirst("\u01C6emal") == "\u01C5emal");  // title case, not upper
  CHECK(framework::CapitaliseFirst("\u03C8\u03C5\u03C7\u03AE") == "\u03A8\u03C5\u03C7\u03AE");
  CHECK(framework::CapitaliseFirst("(manager)") == "(Manager)");
  CHECK(framework::CapitaliseFirst("\u201Cmanager\u201D") == "\u201CManager\u201D");
  CHECK(framework::CapitaliseFirst("3 years") == "3 years");
  CHECK(framework::CapitaliseFirst("Manager") == "Manager");
  CHECK(framework::CapitaliseFirst("") == "");
  CHECK(framework::CapitaliseFirst("\xFFmanager") == "\xFFmanager");
  // A decomposed value comes out NFC: "e" + combining acute, capitalised, is "É".
  const framework::Study decomposed = StudyWithParticipants(
      "attributes:\n  role: {type: string}\nparticipants:\n  - {id: P01, role: "
      "\"e\u0301ducatrice\"}\n");
  CHECK(framework::Attribute("{role}", decomposed, "P01") == "\u00C9ducatrice");
}

TEST_CASE("quotes: CutToWords cuts after the Nth word, as CountWords counts") {
  CHECK(framework::CutToWords("one two three four", 2) == "one two\u2026");
  CHECK(framework::CutToWords("one two three four", 4) == "one two three four");
  CHECK(framework::CutToWords("one two three four", 9) == "one two three four");
  CHECK(framework::CutToWords("one two three four", 0) == "one two three four");
  CHECK(framework::CutToWords("Honestly, very little. Nothing at all.", 1) == "Honestly\u2026");
  CHECK(framework::CutToWords("Honestly, very little.", 3) == "Honestly, very little.");
  CHECK(framework::CutToWords("\"It was one lecture\" \u2013 and that was it", 4) ==
        "\"It was one lecture\u2026");
  CHECK(framework::CutToWords("Dw i ddim yn siŵr o gwbl", 5) == "Dw i ddim yn siŵr\u2026");
  CHECK(framework::CutToWords("", 3) == "");
  const std::string cut = framework::CutToWords("社会工作者 的 培训 很 少", 2);
  CHECK(cut.ends_with("\u2026"));
  CHECK(framework::CountWords(cut) == 2);
}

// ---------------------------------------------------------------------------------------------
// The command on the bundled example.

TEST_CASE(
    "quotes: every participant-spoken segment of the column, in participant then line order") {
  const auto expected = ExpectedQuotes(ExampleStudy(), "training.prequal");
  REQUIRE(expected.size() > 5);
  const RunResult r =
      Run({"quotes", "training.prequal", "--format", "json", "--ids", "-C", kExample.string()});
  const nlohmann::json report = Json(r);
  CHECK(report.at("format") == "framework-quotes");
  CHECK(report.at("version") == 1);
  CHECK(report.at("column") == nlohmann::json{{"theme", "training"},
                                              {"subtheme", "prequal"},
                                              {"label", "Pre-qualification teaching"}});
  CHECK(report.at("by").is_null());
  REQUIRE(report.at("groups").size() == 1);
  CHECK(report.at("groups")[0].at("value").is_null());
  const auto& quotes = report.at("groups")[0].at("quotes");
  REQUIRE(quotes.size() == expected.size());
  for (std::size_t i = 0; i < quotes.size(); ++i) {
    const auto& [participant, start, end, text] = expected[i];
    INFO("quote ", i);
    CHECK(quotes[i].at("participant") == participant);
    CHECK(quotes[i].at("line_start") == start);
    CHECK(quotes[i].at("line_end") == end);
    CHECK(quotes[i].at("text") == text);
  }
  std::set<std::string> participants;
  for (const auto& q : expected) participants.insert(std::get<0>(q));
  CHECK(r.err ==
        "training.prequal (Pre-qualification teaching): " + std::to_string(expected.size()) +
            " quotes from " + std::to_string(participants.size()) + " participants\n");

  // Every format has the same quotes.
  const RunResult text = Run({"quotes", "training.prequal", "-q"}, kExample);
  CHECK(static_cast<std::size_t>(std::count(text.out.begin(), text.out.end(), '\n')) >=
        2 * expected.size());
  const std::string dash = "\u2014 ";
  std::size_t attributions = 0;
  for (std::size_t at = text.out.find(dash); at != std::string::npos;
       at = text.out.find(dash, at + 1))
    ++attributions;
  CHECK(attributions == expected.size());
  const RunResult csv = Run({"quotes", "training.prequal", "--format", "csv", "-q"}, kExample);
  CHECK(Lines(csv.out).size() == expected.size() + 1);
}

TEST_CASE("quotes: no participant id in any format without --ids, with --ids, ids are there") {
  for (const char* format : {"text", "md", "csv", "json"}) {
    for (const char* code : {"training.prequal", "treatment.gaps", "role.background"}) {
      INFO("format ", format, ", code ", code);
      const RunResult plain = Run({"quotes", code, "--format", format, "--by", "role"}, kExample);
      CHECK(plain.exit_code == 0);
      CHECK(!Contains(plain.out, "P0"));
      CHECK(!Contains(plain.out, "P1"));
      CHECK(!Contains(plain.err, "P0"));
      CHECK(!Contains(plain.err, "P1"));
      const RunResult ids = Run({"quotes", code, "--format", format, "--ids"}, kExample);
      CHECK(ids.exit_code == 0);
      CHECK(Contains(ids.out, "P0"));
      CHECK(Contains(ids.out, "P1"));
    }
  }
  // With --ids, text and md put the id first in the attribution; csv adds a column.
  const RunResult text = Run({"quotes", "training.prequal", "--ids", "--width", "200"}, kExample);
  CHECK(Contains(text.out, "    \u2014 P07, practitioner (L76-78)\n"));
  const RunResult csv = Run({"quotes", "training.prequal", "--ids", "--format", "csv"}, kExample);
  CHECK(csv.out.rfind("group,attribution,text,lines,participant\r\n", 0) == 0);
}

TEST_CASE("quotes: --by groups by an attribute's values, categories in declared order") {
  const auto by_sector = Json(
      Run({"quotes", "training.prequal", "--by", "sector", "--format", "json", "--ids"}, kExample));
  CHECK(by_sector.at("by") == "sector");
  REQUIRE(by_sector.at("groups").size() == 2);
  CHECK(by_sector.at("groups")[0].at("value") == "children's services");
  CHECK(by_sector.at("groups")[1].at("value") == "adult social care");
  CHECK(QuoteCount(by_sector) == ExpectedQuotes(ExampleStudy(), "training.prequal").size());
  const framework::Study& study = ExampleStudy();
  const int sector = study.participants.FindAttribute("sector");
  for (const auto& g : by_sector.at("groups")) {
    std::string previous;
    for (const auto& q : g.at("quotes")) {
      const std::string id = q.at("participant");
      const auto& p =
          study.participants.participants[static_cast<std::size_t>(study.participants.Find(id))];
      CHECK(p.values[static_cast<std::size_t>(sector)] == g.at("value").get<std::string>());
      if (!previous.empty()) CHECK(!framework::NaturalLess(id, previous));
      previous = id;
    }
  }

  const auto by_role =
      Json(Run({"quotes", "training.postqual", "--by", "role", "--format", "json"}, kExample));
  std::vector<std::string> roles;
  for (const auto& g : by_role.at("groups")) roles.push_back(g.at("value"));
  CHECK(roles == std::vector<std::string>{"practitioner", "manager", "academic"});

  // Numbers by value; the text format heads each group. (Each value fits one participant:
  // at the study's min_group 3 they would all be "(other)".)
  const auto by_years = Json(
      Run({"quotes", "training.prequal", "--by", "years", "--min-group", "1", "--format", "json"},
          kExample));
  double last = -1;
  for (const auto& g : by_years.at("groups")) {
    const double years = std::stod(g.at("value").get<std::string>());
    CHECK(years > last);
    last = years;
  }
  const RunResult text = Run({"quotes", "training.prequal", "--by", "sector", "-q"}, kExample);
  CHECK(text.out.rfind("sector: children's services (", 0) == 0);
  CHECK(Contains(text.out, "\n\nsector: adult social care ("));
}

TEST_CASE("quotes: --max-words cuts each quote at a word boundary, marked with an ellipsis") {
  const auto full = Json(Run({"quotes", "training.prequal", "--format", "json"}, kExample));
  const auto cut =
      Json(Run({"quotes", "training.prequal", "--format", "json", "--max-words", "12"}, kExample));
  const auto& a = full.at("groups")[0].at("quotes");
  const auto& b = cut.at("groups")[0].at("quotes");
  REQUIRE(a.size() == b.size());
  std::size_t cuts = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string whole = a[i].at("text"), shown = b[i].at("text");
    INFO(shown);
    if (framework::CountWords(whole) <= 12) {
      CHECK(shown == whole);
      continue;
    }
    ++cuts;
    CHECK(framework::CountWords(shown) == 12);
    REQUIRE(shown.ends_with("\u2026"));
    const std::string kept = shown.substr(0, shown.size() - std::string("\u2026").size());
    CHECK(whole.rfind(kept, 0) == 0);  // a prefix of the quote,
    CHECK(!kept.ends_with(" "));       // ending with a word
  }
  CHECK(cuts > 0);
  const RunResult bad = Run({"quotes", "training.prequal", "--max-words", "0"}, kExample);
  CHECK(bad.exit_code == 2);
}

TEST_CASE("quotes: goldens in text, md, csv and json") {
  SUBCASE("text, wrapped to the width") {
    const RunResult r = Run({"quotes", "training.prequal", "--width", "72"}, kExample);
    CHECK(r.exit_code == 0);
    CheckGolden(kGoldens / "quotes-prequal.txt", r.out);
    for (const std::string& line : Lines(r.out)) CHECK(framework::DisplayWidth(line) <= 72);
    CHECK(r.out.rfind("\u201C", 0) == 0);
  }
  SUBCASE("md, grouped by sector and cut to 30 words") {
    const RunResult r =
        Run({"quotes", "training.prequal", "--by", "sector", "--max-words", "30", "--format", "md"},
            kExample);
    CHECK(r.exit_code == 0);
    CheckGolden(kGoldens / "quotes-prequal-by-sector.md", r.out);
    CHECK(r.out.rfind("# Pre-qualification teaching\n", 0) == 0);
    CHECK(Contains(r.out, "\n## sector: children's services\n"));
    CHECK(Contains(r.out, "\n> \u2014 Practitioner (L76-78)\n"));
  }
  SUBCASE("csv: RFC 4180 with CRLF") {
    const RunResult r = Run({"quotes", "training.prequal", "--format", "csv"}, kExample);
    CHECK(r.exit_code == 0);
    CheckGolden(kGoldens / "quotes-prequal.csv", r.out);
    CHECK(r.out.rfind("group,attribution,text,lines\r\n", 0) == 0);
    CHECK(r.out.ends_with("\r\n"));
    CHECK(!Contains(r.out, "\r\r"));
  }
  SUBCASE("json, grouped by role") {
    const RunResult r =
        Run({"quotes", "training.postqual", "--by", "role", "--format", "json"}, kExample);
    CHECK(r.exit_code == 0);
    CheckGolden(kGoldens / "quotes-postqual-by-role.json", r.out);
  }
}

TEST_CASE("quotes: an alias selects its whole column") {
  for (const char* format : {"text", "json"}) {
    const RunResult alias = Run({"quotes", "cpd", "--format", format}, kExample);
    const RunResult column = Run({"quotes", "training.postqual", "--format", format}, kExample);
    CHECK(alias.exit_code == 0);
    CHECK(!alias.out.empty());
    CHECK(alias.out == column.out);
    CHECK(alias.err == column.err);
  }
}

TEST_CASE("quotes: usage errors exit 2 with a suggestion") {
  const RunResult code = Run({"quotes", "trainng.prequal"}, kExample);
  CHECK(code.exit_code == 2);
  CHECK(code.out.empty());
  CHECK(code.err ==
        "framework: error: unknown code 'trainng.prequal'\n"
        "  = hint: did you mean 'training.prequal'?\n");
  const RunResult theme = Run({"quotes", "training"}, kExample);
  CHECK(theme.exit_code == 2);
  CHECK(Contains(theme.err, "'training' is a theme"));
  CHECK(Contains(theme.err, "training.prequal, training.postqual"));
  const RunResult by = Run({"quotes", "training.prequal", "--by", "secter"}, kExample);
  CHECK(by.exit_code == 2);
  CHECK(Contains(by.err, "did you mean 'sector'?"));
  CHECK(Run({"quotes"}, kExample).exit_code == 2);
  CHECK(Run({"quotes", "training.prequal", "--format", "xlsx"}, kExample).exit_code == 2);
  const RunResult help = Run({"quotes", "--help"}, kExample);
  CHECK(help.exit_code == 0);
  CHECK(Contains(help.out, "--max-words"));
}

TEST_CASE("quotes: -o writes the file atomically and prints nothing on stdout") {
  TempDir dir;
  const fs::path out = dir.path() / "quotes.md";
  const RunResult r =
      Run({"quotes", "training.prequal", "--format", "md", "-o", out.string()}, kExample);
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(Contains(r.err, "; written to " + out.string()));
  CHECK(ReadFile(out) == Run({"quotes", "training.prequal", "--format", "md"}, kExample).out);
  const RunResult missing =
      Run({"quotes", "training.prequal", "-o", (dir.path() / "no" / "such" / "x.txt").string()},
          kExample);
  CHECK(missing.exit_code == 3);
  CHECK(Contains(missing.err, "cannot write"));
}

// ---------------------------------------------------------------------------------------------
// Small studies: interviewer turns, missing values, the template's warnings.

TEST_CASE("quotes: interviewer and other turns are never quoted") {
  TempDir dir;
  WriteStudy(dir.path(), "{role}",
             "attributes:\n  role: {type: category, values: [practitioner, manager]}\n"
             "participants:\n  - {id: P01, role: manager}\n",
             {{"P01",
               "{a.b}Before any turn is the participant's.{/a.b}\n"
               "INT: {a.b}So you said the training was poor?{/a.b}\n"
               "P01: {a.b}Yes, poor.{/a.b}\n"
               "OBS: {a.b}An observer's aside.{/a.b}\n"
               "P01: {a.b, c-alias}Coded twice.{/}\n"}});
  // (One participant: the attribution in full needs --allow-identifying.)
  const auto report =
      Json(Run({"quotes", "a.b", "--format", "json", "--allow-identifying"}, dir.path()));
  const auto& quotes = report.at("groups")[0].at("quotes");
  REQUIRE(quotes.size() == 3);
  CHECK(quotes[0].at("text") == "Before any turn is the participant's.");
  CHECK(quotes[1].at("text") == "Yes, poor.");
  CHECK(quotes[2].at("text") == "Coded twice.");
  CHECK(quotes[2].at("attribution") == "Manager");
  const RunResult r = Run({"quotes", "a.b"}, dir.path());
  CHECK(r.err ==
        "a.b (B column): 3 quotes from 1 participant; 2 segments not spoken by "
        "participants left out\n");
}

TEST_CASE("quotes: missing values give clean attributions and a '(not recorded)' group") {
  TempDir dir;
  WriteStudy(dir.path(), "{role}, {sector}",
             "attributes:\n  role: {type: category, values: [practitioner, manager]}\n"
             "  sector: {type: category, values: [adult, children]}\n"
             "participants:\n  - {id: P01, role: manager}\n  - {id: P02, sector: children}\n"
             "  - {id: P10}\n  - {id: P03, role: practitioner, sector: adult}\n",
             {{"P01", "P01: {a.b}One.{/a.b}\n"},
              {"P02", "P02: {a.b}Two.{/a.b}\n"},
              {"P10", "P10: {a.b}Ten.{/a.b}\n"},
              {"P03", "P03: {a.b}Three.{/a.b}\n"}});
  // Four participants, each attribution their own: in full only at --min-group 1.
  const auto all = Json(Run({"quotes", "a.b", "--format", "json", "--min-group", "1"}, dir.path()));
  std::vector<std::string> attributions;
  for (const auto& q : all.at("groups")[0].at("quotes"))
    attributions.push_back(q.at("attribution"));
  CHECK(attributions ==
        std::vector<std::string>{"Manager", "Children", "Practitioner, adult", "Participant"});

  const auto grouped = Json(
      Run({"quotes", "a.b", "--by", "role", "--format", "json", "--min-group", "1"}, dir.path()));
  REQUIRE(grouped.at("groups").size() == 3);
  CHECK(grouped.at("groups")[0].at("value") == "practitioner");
  CHECK(grouped.at("groups")[1].at("value") == "manager");
  CHECK(grouped.at("groups")[2].at("value").is_null());
  CHECK(grouped.at("groups")[2].at("quotes").size() == 2);
  const RunResult md = Run(
      {"quotes", "a.b", "--by", "role", "--format", "md", "-q", "--min-group", "1"}, dir.path());
  CHECK(Contains(md.out, "\n## role: (not recorded)\n"));
  const RunResult csv = Run(
      {"quotes", "a.b", "--by", "role", "--format", "csv", "-q", "--min-group", "1"}, dir.path());
  CHECK(Contains(csv.out, "\r\n(not recorded),Participant,Ten.,L1\r\n"));
}

TEST_CASE("quotes: the template's unknown placeholders and {id} are warned about once") {
  TempDir dir;
  WriteStudy(
      dir.path(), "{id}: {role}, {secotr}, {secotr}",
      "attributes:\n  role: {type: category, values: [practitioner]}\n"
      "  sector: {type: string}\n"
      "participants:\n  - {id: P01, role: practitioner}\n  - {id: P02}\n",
      {{"P01", "P01: {a.b}One.{/a.b} {a.b}Two.{/a.b}\n"}, {"P02", "P02: {a.b}Three.{/a.b}\n"}});
  const RunResult r = Run({"quotes", "a.b", "--width", "80", "--allow-identifying"}, dir.path());
  CHECK(r.exit_code == 0);
  CHECK(r.out ==
        "\u201COne.\u201D\n    \u2014 Practitioner (L1)\n\n"
        "\u201CTwo.\u201D\n    \u2014 Practitioner (L1)\n\n"
        "\u201CThree.\u201D\n    \u2014 Participant (L1)\n");
  CHECK(r.err ==
        "framework: warning: the attribution template '{id}: {role}, {secotr}, {secotr}' uses "
        "{id}, which identifies participants; it is left out\n"
        "  = hint: pass --ids for quotes with participant ids (never in a report)\n"
        "framework: warning: the attribution template '{id}: {role}, {secotr}, {secotr}' uses "
        "{secotr}, which is not a participant attribute; it is left out\n"
        "  = hint: did you mean '{sector}'?\n"
        "a.b (B column): 3 quotes from 2 participants\n");
  // With --ids the template's own {id} places the id (no second one is added).
  const RunResult ids = Run({"quotes", "a.b", "--ids", "-q"}, dir.path());
  CHECK(Contains(ids.out, "\u2014 P01: practitioner (L1)\n"));
  CHECK(Contains(ids.out, "\u2014 P02 (L1)\n"));
  CHECK(Contains(ids.err, "{secotr}"));
  CHECK(!Contains(ids.err, "uses {id}"));
}

TEST_CASE("quotes: formula-like text is neutralised in csv and markup escaped in md") {
  TempDir dir;
  WriteStudy(dir.path(), "{role}",
             "attributes:\n  role: {type: string}\n"
             "participants:\n  - {id: P01, role: \"=HYPERLINK(x)\"}\n",
             {{"P01",
               "P01: {a.b}=SUM(A1), \"quoted\" and *starred*{/a.b}\n"
               "P01: {a.b}- a dash, <b>tags</b>{/a.b}\n"}});
  const RunResult csv =
      Run({"quotes", "a.b", "--format", "csv", "-q", "--allow-identifying"}, dir.path());
  CHECK(csv.out ==
        "group,attribution,text,lines\r\n"
        ",'=HYPERLINK(x),\"'=SUM(A1), \"\"quoted\"\" and *starred*\",L1\r\n"
        ",'=HYPERLINK(x),\"'- a dash, <b>tags</b>\",L2\r\n");
  const RunResult md = Run({"quotes", "a.b", "--format", "md", "-q"}, dir.path());
  CHECK(Contains(md.out, "\n> =SUM(A1), \"quoted\" and \\*starred\\*\n"));
  CHECK(Contains(md.out, "\n> \\- a dash, \\<b\\>tags\\</b\\>\n"));
}

TEST_CASE("quotes: colour only on the terminal's text, and a failed write is exit 3") {
  const RunResult color =
      Run({"quotes", "training.prequal", "--by", "role", "--color", "always", "-q"}, kExample);
  CHECK(color.exit_code == 0);
  CHECK(color.out.rfind("\x1b[1msector", 0) != 0);
  CHECK(color.out.rfind("\x1b[1mrole: practitioner (", 0) == 0);
  CHECK(Contains(color.out, "    \x1b[2m\u2014 Practitioner ("));
  CHECK(StripAnsi(color.out) ==
        Run({"quotes", "training.prequal", "--by", "role", "-q"}, kExample).out);
  for (const char* format : {"md", "csv", "json"}) {
    const RunResult r =
        Run({"quotes", "training.prequal", "--format", format, "--color", "always"}, kExample);
    CHECK(r.out.find('\x1b') == std::string::npos);
  }
  TempDir dir;
  const fs::path file = dir.path() / "q.txt";
  CHECK(Run({"quotes", "training.prequal", "--color", "always", "-o", file.string()}, kExample)
            .exit_code == 0);
  CHECK(ReadFile(file).find('\x1b') == std::string::npos);

  RunStdout full;
  full.file = "/dev/full";
  const RunResult r = Run({"quotes", "training.prequal"}, kExample, {}, full);
  CHECK(r.exit_code == 3);
  CHECK(Contains(r.err, "cannot write output"));
}

TEST_CASE("quotes: a study with errors still gives its quotes, with a note on stderr") {
  TempDir dir;
  WriteStudy(dir.path(), "{role}",
             "attributes:\n  role: {type: string}\nparticipants:\n  - {id: P01, role: nurse}\n",
             {{"P01", "P01: {a.b}Kept.{/a.b} {a.x}Unknown code.{/a.x}\n"}});
  const RunResult r = Run({"quotes", "a.b", "--format", "csv", "--allow-identifying"}, dir.path());
  CHECK(r.exit_code == 0);
  CHECK(r.out == "group,attribution,text,lines\r\n,Nurse,Kept.,L1\r\n");
  CHECK(r.err ==
        "a.b (B column): 1 quote from 1 participant\n"
        "note: the study has 1 error, so some quotes may be missing; run 'framework check' to "
        "see it\n");
  const RunResult quiet = Run({"quotes", "a.b", "-q"}, dir.path());
  CHECK(quiet.err.empty());
}
