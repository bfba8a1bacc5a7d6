// Tests of `framework import`: REFI-QDA projects (.qdpx) shaped like real exports of NVivo
// (Windows and Mac), MAXQDA, ATLAS.ti, QualCoder and qc; malformed and hostile archives; .qdc
// codebooks, new and merged; codings tables (CSV). Archives are built here with libzip.
//
// Each fixture codes known passages of its text, with offsets counted the way its producer
// counts them (UTF-16 code units with CRLF as 2 for NVivo, code points with CRLF as 1 for
// ATLAS.ti, ...). The import must load as a study with no errors, and every coded passage must
// come back as a segment with the same text.
#include <doctest/doctest.h>
#include <zip.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "framework/file_system.h"
#include "framework/refi_import.h"
#include "framework/study.h"
#include "framework/text.h"
#include "run_binary.h"
#include "zip_test_util.h"

namespace {

using namespace framework_test;
using framework::ImportResult;

// ---------------------------------------------------------------------------------------------
// Building archives.

// How a producer counts offsets.
enum class Count { kUtf16, kCodePoints, kCodePointsCrlfAsOne };

std::size_t Units(std::string_view raw, Count count) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < raw.size();) {
    const unsigned char b = static_cast<unsigned char>(raw[i]);
    const std::size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    if (count == Count::kCodePointsCrlfAsOne && b == '\r' && i + 1 < raw.size() &&
        raw[i + 1] == '\n') {
      n += 1;
      i += 2;
      continue;
    }
    n += (count == Count::kUtf16 && len == 4) ? 2 : 1;
    i += len;
  }
  return n;
}

// A passage of `raw` (without BOM), found by its text, as [start, end) in `count` units.
std::pair<std::size_t, std::size_t> Offsets(std::string_view raw, std::string_view passage,
                                            Count count) {
  const std::size_t at = raw.find(passage);
  REQUIRE_MESSAGE(at != std::string_view::npos, passage);
  return {Units(raw.substr(0, at), count), Units(raw.substr(0, at + passage.size()), count)};
}

std::string Selection(const std::string& guid, std::pair<std::size_t, std::size_t> range,
                      const std::vector<std::string>& codes, const std::string& name = "",
                      const std::string& inner = "") {
  std::string s = "<PlainTextSelection guid=\"" + guid + "\" name=\"" + name +
                  "\" startPosition=\"" + std::to_string(range.first) + "\" endPosition=\"" +
                  std::to_string(range.second) + "\">" + inner;
  int n = 0;
  for (const std::string& c : codes)
    s += "<Coding guid=\"" + guid.substr(0, guid.size() - 2) + "c" + std::to_string(n++) +
         "\"><CodeRef targetGUID=\"" + c + "\"/></Coding>";
  return s + "</PlainTextSelection>\n";
}

// What a study holds: (code, collapsed text) of every segment, and its check diagnostics.
struct Loaded {
  framework::Study study;
  std::multiset<std::pair<std::string, std::string>> segments;
  std::multiset<std::string> texts;
};

Loaded Load(const ImportResult& result) {
  framework::MemoryFileSystem fs;
  for (const auto& f : result.files) fs.Add(f.path, f.contents);
  Loaded l{framework::LoadStudy(fs), {}, {}};
  for (const auto& t : l.study.transcripts)
    for (const auto& s : t.segments) {
      l.segments.insert({s.code, t.SegmentText(s)});
      l.texts.insert(t.SegmentText(s));
    }
  return l;
}

std::string Errors(const framework::Diagnostics& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics)
    if (d.severity == framework::Severity::kError) out += framework::RenderDiagnostic(d);
  return out;
}

bool HasRule(const framework::Diagnostics& diagnostics, const std::string& rule) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [&](const auto& d) { return d.rule == rule; });
}

const framework::Diagnostic* FindRule(const framework::Diagnostics& diagnostics,
                                      const std::string& rule) {
  for (const auto& d : diagnostics)
    if (d.rule == rule) return &d;
  return nullptr;
}

std::string Collapse(std::string_view text) {
  return framework::ToNfc(framework::CollapseWhitespace(text));
}

// ---------------------------------------------------------------------------------------------
// Fixtures shaped like real exports (see the notes on REFI-QDA producers in docs/decisions.md).

const char* kBom = "\xEF\xBB\xBF";

// Interview text with a non-BMP character (an emoji), accents, a brace, CRLF when asked.
std::string InterviewText(const std::string& who, bool crlf) {
  std::string t = "INT: Tell me about training on abuse before you qualified.\n" + who +
                  ": Honestly there was one lecture \xF0\x9F\x98\x80 in the second year, and "
                  "nothing about perpetrators.\n"
                  "INT: And since then?\n" +
                  who +
                  ": The council runs an awareness day {twice a year}, but caf\xC3\xA9 "
                  "meetings with the team help more \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD.\n"
                  "It depends on the manager.\n";
  if (!crlf) return t;
  std::string out;
  for (char c : t) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

const char* kPassageA = "Honestly there was one lecture \xF0\x9F\x98\x80 in the second year";
const char* kPassageB = "nothing about perpetrators.";
const char* kPassageC =
    "The council runs an awareness day {twice a year}, but caf\xC3\xA9 meetings with the team "
    "help more \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD.";
const char* kPassageD = "It depends on the manager.";

std::string NVivoProject(bool windows, const std::string& text1, const std::string& text2) {
  // Lower-case guids in the project, one selection per coding (the same range repeated for a
  // second code), name="" on selections, case nodes that are also codes, classification-prefixed
  // variables, braces on one reference.
  const Count u = Count::kUtf16;
  std::string qde = std::string("<?xml version=\"1.0\" encoding=\"utf-8\"") +
                    (windows ? "" : " standalone=\"no\"") +
                    "?>\n<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"Training interviews\" "
                    "origin=\"" +
                    (windows ? "NVivo 12.6 for Windows" : "NVivo 12.7 for Mac") +
                    "\" basePath=\"\">\n"
                    "<Users><User guid=\"0d6ac2c5-3f1e-4c38-8a2c-000000000001\" name=\"Coder\" "
                    "id=\"CO\"/></Users>\n"
                    "<CodeBook><Codes>\n"
                    "<Code guid=\"1a000000-0000-4000-8000-000000000001\" name=\"Training\" "
                    "isCodable=\"true\"><Description>Training before and after "
                    "qualifying</Description>\n"
                    " <Code guid=\"1a000000-0000-4000-8000-000000000002\" name=\"Before "
                    "qualifying\" isCodable=\"true\">\n"
                    "  <Code guid=\"1a000000-0000-4000-8000-000000000003\" name=\"Lectures\" "
                    "isCodable=\"true\"/>\n"
                    " </Code>\n"
                    " <Code guid=\"1a000000-0000-4000-8000-000000000004\" name=\"After "
                    "qualifying\" isCodable=\"true\"/>\n"
                    "</Code>\n"
                    "<Code guid=\"1a000000-0000-4000-8000-000000000005\" name=\"Support\" "
                    "isCodable=\"true\"/>\n"
                    "<Code guid=\"2b000000-0000-4000-8000-000000000001\" name=\"Case A\" "
                    "isCodable=\"true\"/>\n"
                    "<Code guid=\"2b000000-0000-4000-8000-000000000002\" name=\"Case B\" "
                    "isCodable=\"true\"/>\n"
                    "</Codes></CodeBook>\n"
                    "<Variables><Variable guid=\"3c000000-0000-4000-8000-000000000001\" "
                    "name=\"Cases:Years in post\" typeOfVariable=\"Integer\"/>"
                    "<Variable guid=\"3c000000-0000-4000-8000-000000000002\" name=\"Cases:Role\" "
                    "typeOfVariable=\"Text\"/></Variables>\n"
                    "<Cases>\n"
                    "<Case guid=\"2b000000-0000-4000-8000-000000000001\" name=\"Case A\">"
                    "<VariableValue><VariableRef "
                    "targetGUID=\"3c000000-0000-4000-8000-000000000001\"/><IntegerValue>4</"
                    "IntegerValue></VariableValue>"
                    "<VariableValue><VariableRef "
                    "targetGUID=\"3c000000-0000-4000-8000-000000000002\"/><TextValue>practitioner</"
                    "TextValue></VariableValue></Case>\n"
                    "<Case guid=\"2b000000-0000-4000-8000-000000000002\" name=\"Case B\">"
                    "<VariableValue><VariableRef "
                    "targetGUID=\"{3C000000-0000-4000-8000-000000000002}\"/><TextValue>manager</"
                    "TextValue></VariableValue></Case>\n"
                    "</Cases>\n<Sources>\n";
  auto source = [&](const std::string& guid, const std::string& name, const std::string& text,
                    const std::string& case_guid, int n) {
    std::string s = "<TextSource guid=\"" + guid + "\" name=\"" + name +
                    "\" richTextPath=\"internal://" + guid + ".docx\" plainTextPath=\"internal://" +
                    guid + ".txt\">\n";
    const std::string g = "4d00000" + std::to_string(n) + "-0000-4000-8000-0000000000";
    s += Selection(g + "01", Offsets(text, kPassageA, u), {"1a000000-0000-4000-8000-000000000003"});
    s += Selection(g + "02", Offsets(text, kPassageA, u), {"1a000000-0000-4000-8000-000000000002"});
    s += Selection(g + "03", Offsets(text, kPassageB, u), {"1a000000-0000-4000-8000-000000000001"});
    s += Selection(g + "04", Offsets(text, kPassageC, u), {"1a000000-0000-4000-8000-000000000004"});
    s += Selection(g + "05", Offsets(text, kPassageD, u), {"1a000000-0000-4000-8000-000000000005"});
    s += Selection(g + "06", {0, Units(text, u)}, {case_guid});
    return s + "</TextSource>\n";
  };
  qde += source("5e000000-0000-4000-8000-000000000001", "Interview A", text1,
                "2b000000-0000-4000-8000-000000000001", 1);
  qde += source("5e000000-0000-4000-8000-000000000002", "Interview B", text2,
                "2b000000-0000-4000-8000-000000000002", 2);
  return qde + "</Sources>\n</Project>\n";
}

std::multiset<std::string> FivePassages(int copies) {
  std::multiset<std::string> want;
  for (int i = 0; i < copies; ++i)
    for (const char* p : {kPassageA, kPassageA, kPassageB, kPassageC, kPassageD})
      want.insert(Collapse(p));
  return want;
}

TEST_CASE("import: NVivo for Windows (BOM, CRLF, UTF-16 offsets, Sources/ folder)") {
  const std::string a = InterviewText("Case A", true), b = InterviewText("R2", true);
  const std::string archive = MakeZip({
      {"project.qde", NVivoProject(true, a, b)},
      {"Sources/5e000000-0000-4000-8000-000000000001.txt", kBom + a},
      {"Sources/5e000000-0000-4000-8000-000000000002.txt", kBom + b},
      {"Sources/5e000000-0000-4000-8000-000000000001.docx", "not read"},
  });
  ImportResult result = framework::ImportQdpx("nvivo-win.qdpx", archive);
  REQUIRE_MESSAGE(result.ok, Errors(result.diagnostics));
  CHECK(Errors(result.diagnostics).empty());
  CHECK(result.offset_rule.find("UTF-16 code units, CRLF counted as 2") == 0);
  Loaded l = Load(result);
  CHECK_MESSAGE(Errors(l.study.diagnostics).empty(), Errors(l.study.diagnostics));
  CHECK(l.texts == FivePassages(2));
  // The tree: Training > Before qualifying > Lectures is an alias; Training itself has a
  // "general" column because it was coded directly; Support has only its general column.
  CHECK(l.segments.count({"training.before-qualifying.lectures", Collapse(kPassageA)}) == 2);
  CHECK(l.segments.count({"training.before-qualifying", Collapse(kPassageA)}) == 2);
  CHECK(l.segments.count({"training.general", Collapse(kPassageB)}) == 2);
  CHECK(l.segments.count({"support.general", Collapse(kPassageD)}) == 2);
  // Case nodes are cases, not themes; their sources are their transcripts.
  CHECK(l.study.framework.themes.size() == 2);
  REQUIRE(l.study.participants.participants.size() == 2);
  CHECK(l.study.participants.participants[0].id == "case-a");
  CHECK(result.Find("transcripts/case-a.txt") != nullptr);
  CHECK(result.Find("transcripts/case-b.txt") != nullptr);
  // Typed attributes, the classification prefix dropped.
  CHECK(l.study.participants.FindAttribute("years-in-post") >= 0);
  CHECK(l.study.participants.attributes[0].type == framework::AttributeType::kInteger);
  CHECK(l.study.participants.attributes[1].type == framework::AttributeType::kCategory);
  // The docx is not read, the report exists and says how offsets were read.
  const auto* report = result.Find("IMPORT-REPORT.md");
  REQUIRE(report != nullptr);
  CHECK(Contains(report->contents, "UTF-16 code units"));
}

TEST_CASE("import: NVivo for Mac (LF, UTF-16 offsets, sources/.root)") {
  const std::string a = InterviewText("Case A", false), b = InterviewText("Case B", false);
  const std::string archive = MakeZip({
      {"project.qde", NVivoProject(false, a, b)},
      {"sources/.root", ""},
      {"sources/5e000000-0000-4000-8000-000000000001.txt", a},
      {"sources/5e000000-0000-4000-8000-000000000002.txt", b},
  });
  ImportResult result = framework::ImportQdpx("nvivo-mac.qdpx", archive);
  REQUIRE_MESSAGE(result.ok, Errors(result.diagnostics));
  CHECK(Errors(result.diagnostics).empty());
  Loaded l = Load(result);
  CHECK_MESSAGE(Errors(l.study.diagnostics).empty(), Errors(l.study.diagnostics));
  CHECK(l.texts == FivePassages(2));
  CHECK(result.offset_rule.find("UTF-16") == 0);
  // A line "Case A: ..." does not start a turn (the participant id is case-a).
  CHECK(Contains(result.Find("transcripts/case-a.txt")->contents, "\nCase A: "));
}

TEST_CASE("import: MAXQDA (upper-case GUIDs, document variables, memos, sets)") {
  const std::string text =
      "Interviewer: Where did you learn about coercive control?\n"
      "Respondent: Mostly from colleagues. The r\xC3\xB4le of the team leader was key.\n"
      "Respondent: Later a course, which was excellent.\n";
  const Count u = Count::kCodePointsCrlfAsOne;
  const std::string qde =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"Learning\" origin=\"MAXQDA 24.7.0\">\n"
      "<CodeBook><Codes>\n"
      "<Code guid=\"A1B2C3D4-0000-4000-8000-000000000001\" name=\"Sources of knowledge\" "
      "isCodable=\"true\">\n"
      " <Code guid=\"A1B2C3D4-0000-4000-8000-000000000002\" name=\"Colleagues\" "
      "isCodable=\"true\"/>\n"
      " <Code guid=\"A1B2C3D4-0000-4000-8000-000000000003\" name=\"Courses\" isCodable=\"true\"/>\n"
      "</Code></Codes></CodeBook>\n"
      "<Variables><Variable guid=\"B1B2C3D4-0000-4000-8000-000000000001\" name=\"Sector\" "
      "typeOfVariable=\"Text\"/>"
      "<Variable guid=\"B1B2C3D4-0000-4000-8000-000000000002\" name=\"Qualified\" "
      "typeOfVariable=\"Boolean\"/></Variables>\n"
      "<Cases><Case guid=\"C1B2C3D4-0000-4000-8000-000000000001\">"
      "<VariableValue><VariableRef targetGUID=\"B1B2C3D4-0000-4000-8000-000000000001\"/>"
      "<TextValue>adult social care</TextValue></VariableValue>"
      "<SourceRef targetGUID=\"D1B2C3D4-0000-4000-8000-000000000001\"/></Case></Cases>\n"
      "<Sources><TextSource guid=\"D1B2C3D4-0000-4000-8000-000000000001\" name=\"Interview "
      "07\" plainTextPath=\"internal://D1B2C3D4-0000-4000-8000-000000000001.txt\">\n" +
      Selection(
          "E1B2C3D4-0000-4000-8000-000000000001",
          Offsets(text, "Mostly from colleagues. The r\xC3\xB4le of the team leader was key.", u),
          {"A1B2C3D4-0000-4000-8000-000000000002"}) +
      Selection("E1B2C3D4-0000-4000-8000-000000000002",
                Offsets(text, "a course, which was excellent", u),
                {"A1B2C3D4-0000-4000-8000-000000000003"}) +
      Selection("E1B2C3D4-0000-4000-8000-000000000003", Offsets(text, "team leader", u), {}, "",
                "<Description>Ask about supervision</Description>") +
      "<VariableValue><VariableRef targetGUID=\"B1B2C3D4-0000-4000-8000-000000000002\"/>"
      "<BooleanValue>1</BooleanValue></VariableValue>\n"
      "</TextSource></Sources>\n"
      "<Sets><Set guid=\"F1B2C3D4-0000-4000-8000-000000000001\" name=\"ICLS 2024\">"
      "<MemberSource targetGUID=\"D1B2C3D4-0000-4000-8000-000000000001\"/></Set></Sets>\n"
      "</Project>\n";
  const std::string archive = MakeZip({
      {"project.qde", qde},
      {"sources/D1B2C3D4-0000-4000-8000-000000000001.txt", text},
  });
  ImportResult result = framework::ImportQdpx("maxqda.qdpx", archive);
  REQUIRE_MESSAGE(result.ok, Errors(result.diagnostics));
  CHECK(Errors(result.diagnostics).empty());
  Loaded l = Load(result);
  CHECK_MESSAGE(Errors(l.study.diagnostics).empty(), Errors(l.study.diagnostics));
  CHECK(l.segments == std::multiset<std::pair<std::string, std::string>>{
                          {"sources-of-knowledge.colleagues",
                           "Mostly from colleagues. The r\xC3\xB4le of the team leader was key."},
                          {"sources-of-knowledge.courses", "a course, which was excellent"}});
  // The nameless case is the document's variables: one participant named after the source,
  // with both values (one from the case, one from the source).
  REQUIRE(l.study.participants.participants.size() == 1);
  const auto& p = l.study.participants.participants[0];
  CHECK(p.id == "interview-07");
  CHECK(p.values[static_cast<std::size_t>(l.study.participants.FindAttribute("sector"))] ==
        "adult social care");
  CHECK(p.values[static_cast<std::size_t>(l.study.participants.FindAttribute("qualified"))] ==
        "true");
  // The memo is kept as a note with its line; the set is reported.
  const auto* notes = result.Find("notes/interview-07.md");
  REQUIRE(notes != nullptr);
  CHECK(Contains(notes->contents, "- L5: Ask about supervision"));
  const auto* set = FindRule(result.diagnostics, "not-imported");
  REQUIRE(set != nullptr);
  CHECK(Contains(set->message, "set 'ICLS 2024'"));
  CHECK(set->line > 0);
}

TEST_CASE("import: ATLAS.ti (named .qde, '::' codes, CRLF counted once, quotation names)") {
  const std::string text =
      "Q: What helped?\r\nA: Supervision every fortnight, honestly. \xE2\x80\x94 "
      "And peer groups \xF0\x9F\x99\x82 on Fridays.\r\nQ: Anything else?\r\nA: Not really.\r\n";
  const Count u = Count::kCodePointsCrlfAsOne;
  const std::string quote1 = "Supervision every fortnight, honestly.";
  const std::string quote2 = "And peer groups \xF0\x9F\x99\x82 on Fridays.\r\nQ: Anything else";
  const std::string qde =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"Trial\" origin=\"ATLAS.ti 23.2.3 "
      "(Windows)\">\n"
      "<Users><User guid=\"C32A2BD5-537F-4838-8B17-DF9EFBAFDF4B\" name=\"ATLAS.ti\"/></Users>\n"
      "<CodeBook><Codes>\n"
      "<Code guid=\"11111111-2222-4333-8444-000000000001\" name=\"Support::supervision\" "
      "isCodable=\"true\"/>\n"
      "<Code guid=\"11111111-2222-4333-8444-000000000002\" name=\"Support::peers\" "
      "isCodable=\"true\"/>\n"
      "<Code guid=\"11111111-2222-4333-8444-000000000003\" name=\"Barriers\" "
      "isCodable=\"true\"/>\n"
      "<Code guid=\"11111111-2222-4333-8444-000000000004\" name=\"Support\" "
      "isCodable=\"true\"/>\n"
      "</Codes></CodeBook>\n"
      "<Sources><TextSource guid=\"22222222-2222-4333-8444-000000000001\" name=\"Doc 1\" "
      "plainTextPath=\"internal://99999999-2222-4333-8444-000000000009.txt\">\n" +
      Selection("33333333-2222-4333-8444-000000000001", Offsets(text, quote1, u),
                {"11111111-2222-4333-8444-000000000001"}, quote1,
                "<NoteRef targetGUID=\"44444444-2222-4333-8444-000000000001\"/>") +
      Selection("33333333-2222-4333-8444-000000000002", Offsets(text, quote2, u),
                {"11111111-2222-4333-8444-000000000002", "11111111-2222-4333-8444-000000000003"},
                "And peer groups \xF0\x9F\x99\x82 on Fri\xE2\x80\xA6") +
      "</TextSource></Sources>\n"
      "<Notes><Note guid=\"44444444-2222-4333-8444-000000000001\" name=\"Comment\">"
      "<PlainTextContent>Compare with the managers</PlainTextContent></Note></Notes>\n"
      "</Project>\n";
  const std::string archive = MakeZip({
      {"Trial.qde", qde},
      {"sources/99999999-2222-4333-8444-000000000009.txt", text},
  });
  ImportResult result = framework::ImportQdpx("Project.qdpx", archive);
  REQUIRE_MESSAGE(result.ok, Errors(result.diagnostics));
  CHECK(Errors(result.diagnostics).empty());
  CHECK(result.offset_rule.find("Unicode code points, CRLF counted as 1") == 0);
  Loaded l = Load(result);
  CHECK_MESSAGE(Errors(l.study.diagnostics).empty(), Errors(l.study.diagnostics));
  CHECK(l.segments == std::multiset<std::pair<std::string, std::string>>{
                          {"support.supervision", Collapse(quote1)},
                          {"support.peers", Collapse(quote2)},
                          {"barriers.general", Collapse(quote2)}});
  CHECK(Contains(result.Find("notes/doc-1.md")->contents, "Compare with the managers"));
  // "Support" after "Support::..." is the same theme, not a second one.
  CHECK(l.study.framework.themes.size() == 2);
}

TEST_CASE("import: ATLAS.ti offsets are found by the sanity check even without an origin") {
  // CRLF counted once but no origin: the selection names (the quoted text) decide.
  const std::string text = "Line one here.\r\nLine two is the coded one.\r\nLine three.\r\n";
  const Count u = Count::kCodePointsCrlfAsOne;
  const std::string qde =
      "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"P\">"
      "<CodeBook><Codes><Code guid=\"11111111-2222-4333-8444-000000000001\" name=\"Two\" "
      "isCodable=\"true\"/></Codes></CodeBook><Sources>"
      "<TextSource guid=\"22222222-2222-4333-8444-000000000001\" name=\"d\" "
      "plainTextPath=\"internal://d.txt\">" +
      Selection("33333333-2222-4333-8444-000000000001",
                Offsets(text, "Line two is the coded one.", u),
                {"11111111-2222-4333-8444-000000000001"}, "Line two is the coded one.") +
      Selection("33333333-2222-4333-8444-000000000002", Offsets(text, "Line three.", u),
                {"11111111-2222-4333-8444-000000000001"}, "Line three.") +
      "</TextSource></Sources></Project>";
  ImportResult result =
      framework::ImportQdpx("x.qdpx", MakeZip({{"project.qde", qde}, {"sources/d.txt", text}}));
  REQUIRE(result.ok);
  CHECK(result.offset_rule.find("Unicode code points, CRLF counted as 1 (the sanity check") == 0);
  Loaded l = Load(result);
  CHECK(l.texts == std::multiset<std::string>{"Line two is the coded one.", "Line three."});
}

TEST_CASE("import: QualCoder (BOM, categories, whole-file coding, dangling SourceRef)") {
  const std::string text = "First answer about stress.\nSecond answer about sleep.\n";
  const Count u = Count::kUtf16;
  const std::string qde =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"qc\" origin=\"QualCoder 3.5\" "
      "creatingUserGUID=\"\">\n"
      "<CodeBook><Codes>\n"
      "<Code guid=\"aa000000-0000-4000-8000-000000000001\" name=\"Wellbeing\" "
      "isCodable=\"false\" color=\"#F00\">\n"
      " <Code guid=\"aa000000-0000-4000-8000-000000000002\" name=\"Stress\" isCodable=\"true\"/>\n"
      " <Code guid=\"aa000000-0000-4000-8000-000000000003\" name=\"Sleep\" isCodable=\"true\"/>\n"
      "</Code>\n"
      "<Code guid=\"aa000000-0000-4000-8000-000000000004\" name=\"Whole interview\" "
      "isCodable=\"true\"/>\n"
      "</Codes></CodeBook>\n"
      "<Cases><Case guid=\"bb000000-0000-4000-8000-000000000001\" name=\"Participant 1\">"
      "<SourceRef targetGUID=\"cc000000-0000-4000-8000-00000000dead\"/></Case></Cases>\n"
      "<Sources><TextSource guid=\"cc000000-0000-4000-8000-000000000001\" name=\"int1.txt\" "
      "plainTextPath=\"internal://dd000000-0000-4000-8000-000000000001.txt\" creatingUser=\"\">\n" +
      Selection("ee000000-0000-4000-8000-000000000001",
                Offsets(text, "First answer about stress.", u),
                {"aa000000-0000-4000-8000-000000000002"}, "First answer about stress.") +
      Selection("ee000000-0000-4000-8000-000000000002", Offsets(text, "answer about sleep", u),
                {"aa000000-0000-4000-8000-000000000003"}, "answer about sleep") +
      "<Coding guid=\"ff000000-0000-4000-8000-000000000001\"><CodeRef "
      "targetGUID=\"aa000000-0000-4000-8000-000000000004\"/></Coding>\n"
      "</TextSource></Sources>\n</Project>\n";
  const std::string archive = MakeZip({
      {"project.qde", qde},
      {"sources/dd000000-0000-4000-8000-000000000001.txt", kBom + text},
  });
  ImportResult result = framework::ImportQdpx("qualcoder.qdpx", archive);
  REQUIRE(result.ok);
  // The dangling reference is an error, located, and the import goes on.
  const auto* dangling = FindRule(result.diagnostics, "dangling-reference");
  REQUIRE(dangling != nullptr);
  CHECK(dangling->file == "qualcoder.qdpx/project.qde");
  CHECK(dangling->line == 10);
  CHECK(Contains(dangling->message, "cc000000-0000-4000-8000-00000000dead"));
  Loaded l = Load(result);
  CHECK_MESSAGE(Errors(l.study.diagnostics).empty(), Errors(l.study.diagnostics));
  CHECK(l.segments == std::multiset<std::pair<std::string, std::string>>{
                          {"wellbeing.stress", "First answer about stress."},
                          {"wellbeing.sleep", "answer about sleep"},
                          {"whole-interview.general", Collapse(text)}});
  // The case without a source is declared; the source is a participant of its own.
  CHECK(l.study.participants.Find("Participant-1") < 0);
  CHECK(l.study.participants.Find("participant-1") >= 0);
  CHECK(l.study.participants.Find("int1") >= 0);
  CHECK(HasRule(result.diagnostics, "case-without-source"));
}

namespace {

// A project as qc writes it (no XML declaration, a plain file name): one code "greek" on one
// selection, characters 11..20 ("beta line") of sources/admin-1.txt, named `selection_name`.
std::string QcProject(const std::string& project_name, const std::string& selection_name) {
  return "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"" + project_name +
         "\" origin=\"qc 1.3.2\">"
         "<CodeBook><Codes><Code guid=\"34653336-3766-3035-6339-613066363966\" name=\"greek\" "
         "isCodable=\"true\"/></Codes></CodeBook><Sources>"
         "<TextSource guid=\"34653336-3766-3035-6339-000000000001\" name=\"admin-1.txt\" "
         "plainTextPath=\"admin-1.txt\">" +
         Selection("34653336-3766-3035-6339-0000000000a1", {11, 20},
                   {"34653336-3766-3035-6339-613066363966"}, selection_name) +
         "</TextSource></Sources></Project>";
}

}  // namespace

TEST_CASE("import: qc (no XML declaration, plain file names, line:N names)") {
  const std::string text = "alpha line\nbeta line\ngamma line\n";
  const std::string qde = QcProject("board", "line:2");
  ImportResult result = framework::ImportQdpx(
      "demo.qdpx", MakeZip({{"project.qde", qde}, {"sources/admin-1.txt", text}}));
  REQUIRE_MESSAGE(result.ok, Errors(result.diagnostics));
  CHECK(Errors(result.diagnostics).empty());
  Loaded l = Load(result);
  CHECK(Errors(l.study.diagnostics).empty());
  CHECK(l.segments ==
        std::multiset<std::pair<std::string, std::string>>{{"codes.greek", "beta line"}});
}

TEST_CASE("import: a NUL byte in a source becomes U+FFFD with an error, offsets unchanged") {
  // The study's reader refuses a file with a NUL byte, so the import must not write one.
  const std::string text = std::string("alpha\0line\nbeta line\n", 21);
  const std::string qde = QcProject("nul", "");
  ImportResult result = framework::ImportQdpx(
      "nul.qdpx", MakeZip({{"project.qde", qde}, {"sources/admin-1.txt", text}}));
  REQUIRE(result.ok);
  const auto* nul = FindRule(result.diagnostics, "nul-byte");
  REQUIRE(nul != nullptr);
  CHECK(Contains(nul->message, "admin-1.txt"));
  CHECK(Contains(nul->hint, "tr -d"));
  Loaded l = Load(result);
  CHECK(Errors(l.study.diagnostics).empty());
  CHECK(l.segments ==
        std::multiset<std::pair<std::string, std::string>>{{"codes.greek", "beta line"}});
}

TEST_CASE(
    "import: overlapping selections of one code merge, several sources of a case concatenate") {
  const std::string one = "aaa bbb ccc ddd\n", two = "second source text\n";
  const std::string qde =
      "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"P\">"
      "<CodeBook><Codes><Code guid=\"11111111-2222-4333-8444-000000000001\" name=\"T\" "
      "isCodable=\"true\"><Code guid=\"11111111-2222-4333-8444-000000000002\" name=\"S\" "
      "isCodable=\"true\"/></Code></Codes></CodeBook>"
      "<Cases><Case guid=\"55555555-2222-4333-8444-000000000001\" name=\"P01\">"
      "<SourceRef targetGUID=\"22222222-2222-4333-8444-000000000001\"/>"
      "<SourceRef targetGUID=\"22222222-2222-4333-8444-000000000002\"/></Case></Cases>"
      "<Sources><TextSource guid=\"22222222-2222-4333-8444-000000000001\" name=\"part 1\" "
      "plainTextPath=\"internal://a.txt\">" +
      Selection("33333333-2222-4333-8444-000000000001", {0, 7},
                {"11111111-2222-4333-8444-000000000002"}) +
      Selection("33333333-2222-4333-8444-000000000002", {4, 11},
                {"11111111-2222-4333-8444-000000000002"}) +
      "<Description>Recorded in the office</Description></TextSource>"
      "<TextSource guid=\"22222222-2222-4333-8444-000000000002\" name=\"part 2\" "
      "plainTextPath=\"internal://b.txt\">" +
      Selection("33333333-2222-4333-8444-000000000003", {7, 13},
                {"11111111-2222-4333-8444-000000000002"}) +
      "</TextSource></Sources></Project>";
  ImportResult result = framework::ImportQdpx(
      "p.qdpx", MakeZip({{"project.qde", qde}, {"sources/a.txt", one}, {"sources/b.txt", two}}));
  REQUIRE(result.ok);
  Loaded l = Load(result);
  CHECK(Errors(l.study.diagnostics).empty());
  CHECK(l.segments == std::multiset<std::pair<std::string, std::string>>{{"t.s", "aaa bbb ccc"},
                                                                         {"t.s", "source"}});
  const std::string& t = result.Find("transcripts/P01.txt")->contents;
  CHECK(Contains(t, "=== Source 1 of 2: part 1 ===\n\n{t.s}aaa bbb ccc{/t.s} ddd\n"));
  CHECK(Contains(t, "\n=== Source 2 of 2: part 2 ===\n\nsecond {t.s}source{/t.s} text\n"));
  CHECK(Contains(result.Find("notes/P01.md")->contents, "Recorded in the office"));
}

TEST_CASE("import: names that YAML would read as null, booleans or numbers stay text") {
  std::string cases, sources, codes;
  const char* names[] = {"null", "True", "123", "~"};
  for (int i = 0; i < 4; ++i) {
    const std::string n = std::to_string(i);
    codes += "<Code guid=\"11111111-2222-4333-8444-00000000000" + n + "\" name=\"" + names[i] +
             "\" isCodable=\"true\"/>";
    cases += "<Case guid=\"55555555-2222-4333-8444-00000000000" + n + "\" name=\"" + names[i] +
             "\"><VariableValue><VariableRef targetGUID=\"66666666-2222-4333-8444-000000000001\"/>"
             "<TextValue>" +
             names[3 - i] +
             "</TextValue></VariableValue>"
             "<SourceRef targetGUID=\"22222222-2222-4333-8444-00000000000" +
             n + "\"/></Case>";
    sources += "<TextSource guid=\"22222222-2222-4333-8444-00000000000" + n + "\" name=\"s" + n +
               "\"><PlainTextContent>some text</PlainTextContent>" +
               Selection("33333333-2222-4333-8444-00000000000" + n, {5, 9},
                         {"11111111-2222-4333-8444-00000000000" + n}) +
               "</TextSource>";
  }
  const std::string qde =
      "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"null\"><CodeBook><Codes>" + codes +
      "</Codes></CodeBook><Variables><Variable guid=\"66666666-2222-4333-8444-000000000001\" "
      "name=\"null\" typeOfVariable=\"Text\"/></Variables><Cases>" +
      cases + "</Cases><Sources>" + sources + "</Sources></Project>";
  ImportResult result = framework::ImportQdpx("y.qdpx", MakeZip({{"project.qde", qde}}));
  REQUIRE(result.ok);
  Loaded l = Load(result);
  CHECK_MESSAGE(Errors(l.study.diagnostics).empty(), Errors(l.study.diagnostics));
  CHECK(l.study.transcripts.size() == 4);
  CHECK(l.study.participants.Find("null") >= 0);
  CHECK(l.study.participants.Find("True") >= 0);
  CHECK(l.study.participants.Find("123") >= 0);
  CHECK(l.segments.size() == 4);
}

TEST_CASE("import: our own export's conventions (origin 'framework') keep ids, labels, settings") {
  const std::string text =
      "INT: How did you learn?\nP07: At university, one lecture.\nINT: And?\n"
      "P07: Nothing since.\n";
  const std::string qde =
      "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"IPV\" origin=\"framework 0.1.0\">"
      "<CodeBook><Codes>"
      "<Code guid=\"11111111-2222-4333-8444-000000000001\" name=\"training\" isCodable=\"false\">"
      "<Description>Training and guidance\n\nBefore and after qualifying</Description>"
      "<Code guid=\"11111111-2222-4333-8444-000000000002\" name=\"prequal\" isCodable=\"true\">"
      "<Description>Pre-qualification training</Description>"
      "<Code guid=\"11111111-2222-4333-8444-000000000003\" name=\"cpd\" isCodable=\"true\">"
      "<Description>An alias of training.prequal.</Description></Code></Code>"
      "</Code></Codes></CodeBook>"
      "<Variables><Variable guid=\"66666666-2222-4333-8444-000000000001\" name=\"role\" "
      "typeOfVariable=\"Text\"><Description>Main role\n\nvalues:\n- practitioner\n- "
      "manager</Description></Variable></Variables>"
      "<Cases><Case guid=\"55555555-2222-4333-8444-000000000001\" name=\"P07\"><VariableValue>"
      "<VariableRef targetGUID=\"66666666-2222-4333-8444-000000000001\"/><TextValue>manager"
      "</TextValue></VariableValue><SourceRef targetGUID=\"22222222-2222-4333-8444-000000000001\"/>"
      "</Case></Cases>"
      "<Sources><TextSource guid=\"22222222-2222-4333-8444-000000000001\" name=\"P07\" "
      "plainTextPath=\"internal://22222222-2222-4333-8444-000000000001.txt\">"
      "<Description>Transcript P07.txt; line 1 of this text is line 6 of the file (line "
      "references in chart summaries count the file's lines). Its front matter:\n---\n"
      "participant: \"P07\"\ndate: \"2022-02-21\"\n---</Description>" +
      Selection("33333333-2222-4333-8444-000000000001",
                Offsets(text, "At university, one lecture.\nINT: And?\nP07: Nothing since.",
                        Count::kCodePoints),
                {"11111111-2222-4333-8444-000000000003"}) +
      "</TextSource></Sources>"
      "<Notes><Note guid=\"77777777-2222-4333-8444-000000000001\" name=\"Framework settings\">"
      "<PlainTextContent>title: \"Responses to IPV\"\nspeakers: {INT: interviewer}\n"
      "attribution: \"{role}\"\nmin_group: 2\n</PlainTextContent></Note>"
      "<Note guid=\"77777777-2222-4333-8444-000000000002\" name=\"P07 \xC3\x97 "
      "training.prequal\"><Description>participant: \"P07\"\ntheme: \"training\"\n"
      "subtheme: \"prequal\"\nstatus: reviewed\nrefs: [L7-9]\ncomment: \"ask again\""
      "</Description><PlainTextContent>One lecture (L7-9).</PlainTextContent></Note></Notes>"
      "<NoteRef targetGUID=\"77777777-2222-4333-8444-000000000001\"/></Project>";
  ImportResult result = framework::ImportQdpx(
      "own.qdpx",
      MakeZip({{"project.qde", qde}, {"sources/22222222-2222-4333-8444-000000000001.txt", text}}));
  REQUIRE(result.ok);
  CHECK(Errors(result.diagnostics).empty());
  Loaded l = Load(result);
  CHECK_MESSAGE(Errors(l.study.diagnostics).empty(), Errors(l.study.diagnostics));
  const auto& fw = l.study.framework;
  CHECK(fw.title == "Responses to IPV");
  CHECK(fw.min_group == 2);
  CHECK(fw.attribution == "{role}");
  REQUIRE(fw.speakers.size() == 1);
  CHECK(fw.speakers[0].label == "INT");
  REQUIRE(fw.themes.size() == 1);
  CHECK(fw.themes[0].id == "training");
  CHECK(fw.themes[0].label == "Training and guidance");
  CHECK(fw.themes[0].description == "Before and after qualifying");
  REQUIRE(fw.themes[0].subthemes.size() == 1);  // no "general": the theme is not codable
  CHECK(fw.themes[0].subthemes[0].label == "Pre-qualification training");
  CHECK(fw.themes[0].subthemes[0].codes == std::vector<std::string>{"cpd"});
  const auto& attr = l.study.participants.attributes[0];
  CHECK(attr.name == "role");
  CHECK(attr.values == std::vector<std::string>{"practitioner", "manager"});
  CHECK(attr.description == "Main role");
  // The front matter comes back, and the text starts on line 6 again; the speaker labels
  // inside the passage are not coded text.
  const std::string& t = result.Find("transcripts/P07.txt")->contents;
  CHECK(t.rfind("---\nparticipant: \"P07\"\ndate: \"2022-02-21\"\n---\n\nINT: How", 0) == 0);
  REQUIRE(l.study.transcripts.size() == 1);
  CHECK(l.study.transcripts[0].date == "2022-02-21");
  CHECK(l.segments == std::multiset<std::pair<std::string, std::string>>{
                          {"cpd", "At university, one lecture. And? Nothing since."}});
  CHECK(l.study.transcripts[0].segments[0].line_start == 7);
  CHECK_FALSE(HasRule(result.diagnostics, "coded-text-changed"));
  // The summary note is a chart entry again, not a note.
  REQUIRE(l.study.charts.size() == 1);
  REQUIRE(l.study.charts[0].cells.size() == 1);
  const auto& cell = l.study.charts[0].cells[0];
  CHECK(cell.summary == "One lecture (L7-9).");
  CHECK(cell.status == framework::ChartStatus::kReviewed);
  CHECK(cell.comment == "ask again");
  CHECK(cell.refs == std::vector<std::string>{"L7-9"});
  CHECK(result.Find("notes/project.md") == nullptr);
}

// ---------------------------------------------------------------------------------------------
// Malformed and hostile input.

const std::string kTinyQde =
    "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"P\"><CodeBook><Codes><Code "
    "guid=\"11111111-2222-4333-8444-000000000001\" name=\"T\" isCodable=\"true\"/></Codes>"
    "</CodeBook><Sources><TextSource guid=\"22222222-2222-4333-8444-000000000001\" name=\"d\" "
    "plainTextPath=\"internal://d.txt\">SELECTIONS</TextSource></Sources></Project>";

std::string TinyQde(const std::string& selections) {
  std::string q = kTinyQde;
  q.replace(q.find("SELECTIONS"), 10, selections);
  return q;
}

TEST_CASE("import: unsafe entry names are refused (zip slip)") {
  for (const std::string name : {"../evil.txt", "sources/../../evil.txt", "/etc/passwd",
                                 "sources\\x.txt", "C:/x.txt", ".."}) {
    CAPTURE(name);
    ImportResult result =
        framework::ImportQdpx("slip.qdpx", MakeZip({{"project.qde", TinyQde("")}, {name, "x"}}));
    CHECK_FALSE(result.ok);
    CHECK(result.files.empty());
    const auto* d = FindRule(result.diagnostics, "bad-archive");
    REQUIRE(d != nullptr);
    CHECK(Contains(d->message, "unsafe entry name"));
    CHECK(d->file == "slip.qdpx");
  }
}

TEST_CASE("import: a zip bomb and too many entries are refused") {
  framework::ImportOptions options;
  options.limits.ratio_floor_bytes = 64 * 1024;
  const std::string zeros(2 * 1024 * 1024, '\0');
  ImportResult bomb = framework::ImportQdpx(
      "bomb.qdpx", MakeZip({{"project.qde", TinyQde("")}, {"sources/d.txt", zeros}}), options);
  CHECK_FALSE(Errors(bomb.diagnostics).empty());
  const auto* d = FindRule(bomb.diagnostics, "unsafe-archive");
  REQUIRE(d != nullptr);
  CHECK(Contains(d->message, "times its compressed size"));
  CHECK(d->file == "bomb.qdpx/sources/d.txt");

  options.limits.read.max_file_size = 1000;
  ImportResult big = framework::ImportQdpx(
      "big.qdpx",
      MakeZip({{"project.qde", TinyQde("")}, {"sources/d.txt", std::string(5000, 'x')}}), options);
  CHECK(HasRule(big.diagnostics, "unsafe-archive"));

  options = {};
  options.limits.max_entries = 3;
  ImportResult many = framework::ImportQdpx(
      "many.qdpx", MakeZip({{"project.qde", TinyQde("")}, {"a", ""}, {"b", ""}, {"c", ""}}),
      options);
  CHECK_FALSE(many.ok);
  CHECK(Contains(FindRule(many.diagnostics, "bad-archive")->message, "4 entries"));

  ImportResult not_zip = framework::ImportQdpx("junk.qdpx", "PK\x03\x04 this is not a zip");
  CHECK_FALSE(not_zip.ok);
  CHECK(HasRule(not_zip.diagnostics, "bad-archive"));
}

TEST_CASE("import: malformed XML is located, DOCTYPE and entities are refused") {
  ImportResult bad = framework::ImportQdpx(
      "bad.qdpx", MakeZip({{"project.qde", "<Project name=\"x\">\n  <CodeBook>\n</Project>"}}));
  CHECK_FALSE(bad.ok);
  const auto* d = FindRule(bad.diagnostics, "bad-xml");
  REQUIRE(d != nullptr);
  CHECK(d->file == "bad.qdpx/project.qde");
  CHECK(d->line == 3);
  CHECK(d->column == 3);

  const std::string xxe =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE Project [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
      "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"&x;\"/>";
  ImportResult doctype = framework::ImportQdpx("xxe.qdpx", MakeZip({{"project.qde", xxe}}));
  CHECK_FALSE(doctype.ok);
  const auto* e = FindRule(doctype.diagnostics, "xml-doctype");
  REQUIRE(e != nullptr);
  CHECK(e->line == 2);

  ImportResult none = framework::ImportQdpx("none.qdpx", MakeZip({{"readme.txt", "x"}}));
  CHECK(HasRule(none.diagnostics, "no-project-file"));

  ImportResult wrong = framework::ImportQdpx("w.qdpx", MakeZip({{"project.qde", "<Other/>"}}));
  CHECK_FALSE(wrong.ok);
  CHECK(HasRule(wrong.diagnostics, "not-refi-project"));
}

TEST_CASE("import: dangling code, offsets out of range or inside a surrogate pair, missing file") {
  // "a😀b": UTF-16 units a=0, 😀=1..3, b=3.
  const std::string text =
      "a\xF0\x9F\x98\x80"
      "b and more text\n";
  std::string qde = TinyQde(Selection("33333333-2222-4333-8444-000000000001", {2, 4},
                                      {"11111111-2222-4333-8444-000000000001"}) +
                            Selection("33333333-2222-4333-8444-000000000002", {5, 900},
                                      {"11111111-2222-4333-8444-000000000001"}) +
                            Selection("33333333-2222-4333-8444-000000000003", {5, 8},
                                      {"99999999-2222-4333-8444-000000000001"}) +
                            Selection("33333333-2222-4333-8444-000000000004", {5, 8},
                                      {"11111111-2222-4333-8444-000000000001"}));
  qde.replace(qde.find("name=\"P\""), 8, "name=\"P\" origin=\"NVivo 14\"");
  ImportResult result =
      framework::ImportQdpx("e.qdpx", MakeZip({{"project.qde", qde}, {"sources/d.txt", text}}));
  REQUIRE(result.ok);
  const auto* inside = FindRule(result.diagnostics, "offset-inside-character");
  REQUIRE(inside != nullptr);
  CHECK(Contains(inside->message, "surrogate pair"));
  CHECK(inside->line == 1);
  const auto* range = FindRule(result.diagnostics, "offset-out-of-range");
  REQUIRE(range != nullptr);
  CHECK(Contains(range->message, "5..900"));
  CHECK(Contains(range->message, "UTF-16 code units"));
  CHECK(HasRule(result.diagnostics, "dangling-reference"));
  // NVivo's rule is kept (the code-point reading puts no selection on a word boundary), and the
  // good selection survives ("and" is UTF-16 units 5..8).
  CHECK(result.offset_rule.find("UTF-16 code units") == 0);
  Loaded l = Load(result);
  CHECK(l.texts == std::multiset<std::string>{"and"});
  CHECK(Contains(result.Find("IMPORT-REPORT.md")->contents, "surrogate pair"));

  ImportResult missing = framework::ImportQdpx("m.qdpx", MakeZip({{"project.qde", TinyQde("")}}));
  REQUIRE(missing.ok);
  const auto* m = FindRule(missing.diagnostics, "missing-source");
  REQUIRE(m != nullptr);
  CHECK(Contains(m->message, "internal://d.txt"));
}

TEST_CASE("import: PDF sources, links and graphs are reported, not dropped silently") {
  std::string qde = TinyQde("");
  qde.replace(qde.find("</Sources>"), 10,
              "<PDFSource guid=\"66666666-2222-4333-8444-000000000001\" name=\"scan.pdf\" "
              "path=\"internal://scan.pdf\"/></Sources><Links><Link "
              "guid=\"77777777-2222-4333-8444-000000000001\" name=\"see also\" "
              "originGUID=\"22222222-2222-4333-8444-000000000001\" "
              "targetGUID=\"66666666-2222-4333-8444-000000000001\"/></Links>");
  ImportResult result = framework::ImportQdpx(
      "pdf.qdpx", MakeZip({{"project.qde", qde}, {"sources/d.txt", "text\n"}}));
  REQUIRE(result.ok);
  std::string report = result.Find("IMPORT-REPORT.md")->contents;
  CHECK(Contains(report, "PDFSource 'scan.pdf' is not text"));
  CHECK(Contains(report, "link 'see also' is not imported"));
}

// ---------------------------------------------------------------------------------------------
// Codebooks.

const char* kCodebook =
    "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" origin=\"QualCoder\">\n"
    "<Codes>\n"
    "<Code guid=\"{11111111-2222-4333-8444-000000000001}\" name=\"Training\" isCodable=\"false\">"
    "<Description>Training on abuse</Description>\n"
    " <Code guid=\"11111111-2222-4333-8444-000000000002\" name=\"Before qualifying\" "
    "isCodable=\"true\"><Description>At university</Description>\n"
    "  <Code guid=\"11111111-2222-4333-8444-000000000003\" name=\"Lectures\" isCodable=\"true\"/>\n"
    " </Code>\n"
    " <Code guid=\"11111111-2222-4333-8444-000000000004\" name=\"Since qualifying\" "
    "isCodable=\"true\"/>\n"
    "</Code>\n"
    "<Code guid=\"11111111-2222-4333-8444-000000000005\" name=\"Gr\xC3\xBC\xC3\x9F"
    "e & Dank\" "
    "isCodable=\"true\"/>\n"
    "</Codes>\n"
    "<Sets><Set guid=\"11111111-2222-4333-8444-000000000006\" name=\"group\"><MemberCode "
    "guid=\"11111111-2222-4333-8444-000000000002\"/></Set></Sets>\n"
    "</CodeBook>\n";

TEST_CASE("import: a .qdc codebook makes a new study that checks") {
  ImportResult result = framework::ImportCodebook("codebook.qdc", kCodebook, nullptr);
  REQUIRE_MESSAGE(result.ok, Errors(result.diagnostics));
  CHECK_MESSAGE(Errors(result.diagnostics).empty(), Errors(result.diagnostics));
  CHECK(result.Find("transcripts/README.md") != nullptr);
  Loaded l = Load(result);
  CHECK_MESSAGE(Errors(l.study.diagnostics).empty(), Errors(l.study.diagnostics));
  const auto& themes = l.study.framework.themes;
  REQUIRE(themes.size() == 2);
  CHECK(themes[0].id == "training");
  CHECK(themes[0].description == "Training on abuse");
  REQUIRE(themes[0].subthemes.size() == 2);
  CHECK(themes[0].subthemes[0].id == "before-qualifying");
  CHECK(themes[0].subthemes[0].description == "At university");
  CHECK(themes[0].subthemes[0].codes ==
        std::vector<std::string>{"training.before-qualifying.lectures"});
  CHECK(themes[1].id == "grusse-dank");  // transliterated to ASCII
  CHECK(themes[1].label ==
        "Gr\xC3\xBC\xC3\x9F"
        "e & Dank");
  CHECK(HasRule(result.diagnostics, "not-imported"));  // the set
  CHECK(result.Find("participants.yaml") != nullptr);
}

TEST_CASE("import: a .qdc codebook merged into framework.yaml adds and never changes") {
  const std::string existing =
      "# my framework, with comments that must stay\n"
      "framework: 1\n"
      "title: Mine\n"
      "themes:\n"
      "  - id: training\n"
      "    label: Training\n"
      "    description: My own words\n"
      "    subthemes:\n"
      "      - id: since-qualifying   # a comment\n"
      "        label: After qualifying\n"
      "        codes: [cpd]\n"
      "\n"
      "  - id: other\n"
      "    label: Other things\n"
      "    subthemes:\n"
      "      - id: misc\n"
      "        label: Misc\n"
      "# trailing comment\n";
  ImportResult result = framework::ImportCodebook("codebook.qdc", kCodebook, &existing);
  REQUIRE_MESSAGE(result.ok, Errors(result.diagnostics));
  const std::string merged = result.Find("framework.yaml")->contents;
  // Every line of the original is still there, in order.
  std::size_t at = 0;
  for (std::size_t start = 0; start < existing.size();) {
    std::size_t nl = existing.find('\n', start);
    std::string line = existing.substr(start, nl - start + 1);
    std::size_t found = merged.find(line, at);
    CHECK_MESSAGE(found != std::string::npos, line);
    if (found != std::string::npos) at = found + line.size();
    start = nl + 1;
  }
  framework::Diagnostics diagnostics;
  framework::Framework fw = framework::LoadFramework("framework.yaml", merged, diagnostics);
  CHECK(Errors(diagnostics).empty());
  REQUIRE(fw.themes.size() == 3);
  CHECK(fw.themes[0].description == "My own words");
  REQUIRE(fw.themes[0].subthemes.size() == 2);
  CHECK(fw.themes[0].subthemes[1].id == "before-qualifying");
  CHECK(fw.themes[0].subthemes[1].codes ==
        std::vector<std::string>{"training.before-qualifying.lectures"});
  CHECK(fw.themes[2].id == "grusse-dank");
  // The differing description is a reported conflict; the existing one was kept.
  CHECK(HasRule(result.diagnostics, "merge-conflict"));

  // Flow style cannot be merged into: nothing changes, and it says so.
  const std::string flow =
      "framework: 1\ntitle: F\nthemes: [{id: a, label: A, subthemes: [{id: b, label: B}]}]\n";
  ImportResult refused = framework::ImportCodebook("codebook.qdc", kCodebook, &flow);
  CHECK_FALSE(refused.ok);
  CHECK(HasRule(refused.diagnostics, "merge-failed"));
}

TEST_CASE("import: a .qdc merge reports codes below a sub-theme that is already there") {
  const std::string existing =
      "framework: 1\n"
      "title: Mine\n"
      "themes:\n"
      "  - id: training\n"
      "    label: Training\n"
      "    subthemes:\n"
      "      - id: before-qualifying\n"
      "        label: Before qualifying\n";
  ImportResult result = framework::ImportCodebook("codebook.qdc", kCodebook, &existing);
  REQUIRE_MESSAGE(result.ok, Errors(result.diagnostics));
  const auto* not_added = FindRule(result.diagnostics, "merge-not-added");
  REQUIRE(not_added != nullptr);
  CHECK(Contains(not_added->message, "'training.before-qualifying.lectures'"));
  CHECK(not_added->line == 7);  // the existing sub-theme
  framework::Diagnostics diagnostics;
  framework::Framework fw = framework::LoadFramework(
      "framework.yaml", result.Find("framework.yaml")->contents, diagnostics);
  CHECK(Errors(diagnostics).empty());
  REQUIRE(fw.themes.size() == 2);
  REQUIRE(fw.themes[0].subthemes.size() == 2);
  CHECK(fw.themes[0].subthemes[0].codes.empty());  // nothing added to what was there
  CHECK(fw.themes[0].subthemes[1].id == "since-qualifying");
  CHECK(Contains(result.Find("IMPORT-REPORT.md")->contents,
                 "1 theme(s) added, 1 sub-theme(s) added to existing themes"));
}

// ---------------------------------------------------------------------------------------------
// Codings tables.

TEST_CASE("import: a codings CSV by offsets and by coded text, with header aliases") {
  framework::MemoryFileSystem fs;
  fs.Add("plain/Int 01.txt", std::string(kBom) +
                                 "INT: Hello.\r\nP: We tried \xF0\x9F\x98\x80 "
                                 "a new approach.\r\nIt worked well.\r\n");
  fs.Add("plain/int-02.txt", "Only one line about budgets and budgets.\n");
  // QualCoder-like: codename, file, pos0, pos1, coded text; a MAXQDA-like row with only the
  // segment; a Taguette-like tag path; a semicolon delimiter.
  const std::string csv =
      "Codename;File;Pos0;Pos1;Coded text\n"
      "Approach > New;Int 01.txt;15;31;a new approach.\n"
      "Outcome;Int 01;;;\"It  worked\nwell.\"\n"
      "Money\\Budgets;int-02.txt;;;budgets\n"
      "Money\\Budgets;int-02.txt;;;budgets\n"
      "Missing;int-03.txt;;;x\n"
      "Outcome;Int 01.txt;;;not in the text\n";
  ImportResult result = framework::ImportCodingsCsv("codings.csv", csv, fs, "plain");
  REQUIRE(result.ok);
  Loaded l = Load(result);
  CHECK_MESSAGE(Errors(l.study.diagnostics).empty(), Errors(l.study.diagnostics));
  CHECK(l.segments ==
        std::multiset<std::pair<std::string, std::string>>{{"approach.new", "a new approach."},
                                                           {"outcome.general", "It worked well."},
                                                           {"money.budgets", "budgets"},
                                                           {"money.budgets", "budgets"}});
  // The two "budgets" rows code the two occurrences, in order.
  CHECK(Contains(result.Find("transcripts/int-02.txt")->contents,
                 "about {money.budgets}budgets{/money.budgets} and "
                 "{money.budgets}budgets{/money.budgets}."));
  const auto* unknown = FindRule(result.diagnostics, "unknown-document");
  REQUIRE(unknown != nullptr);
  CHECK(unknown->line == 7);  // the quoted field before spans two lines
  CHECK(Contains(unknown->hint, "int-02.txt"));
  const auto* not_found = FindRule(result.diagnostics, "text-not-found");
  REQUIRE(not_found != nullptr);
  CHECK(not_found->line == 8);

  ImportResult bad = framework::ImportCodingsCsv("c.csv", "who,what\nx,y\n", fs, "plain");
  CHECK_FALSE(bad.ok);
  CHECK(HasRule(bad.diagnostics, "bad-csv"));
}

TEST_CASE("import: codings CSV rows that cannot be placed, or are ambiguous, are located") {
  framework::MemoryFileSystem fs;
  fs.Add("plain/a.txt", "one two one two\n   \nend\n");
  const std::string csv =
      "document,code,start,end,text\n"
      "a.txt,Repeat,,,one two\n"  // twice in the text: the first after the previous coding
      "a.txt,Space,16,19,\n"      // only white space: placed, then not imported
      "a.txt,Bad,x,y,\n"
      "a.txt,Far,100,200,\n"
      "a.txt,,,,end\n"
      "a.txt,A > B > C,,,end\n";
  framework::ImportOptions options;
  options.limits.max_depth = 2;
  ImportResult result = framework::ImportCodingsCsv("codings.csv", csv, fs, "plain", options);
  REQUIRE(result.ok);
  auto line_of = [&](const std::string& rule) {
    const auto* d = FindRule(result.diagnostics, rule);
    return d ? d->line : -1;
  };
  CHECK(line_of("ambiguous-text") == 2);
  CHECK(FindRule(result.diagnostics, "ambiguous-text")->severity == framework::Severity::kNote);
  CHECK(line_of("bad-offset") == 4);
  CHECK(FindRule(result.diagnostics, "bad-offset")->column == 11);  // the start field
  CHECK(line_of("offset-out-of-range") == 5);
  CHECK(line_of("bad-code") == 6);
  CHECK(line_of("too-deep") == 7);
  CHECK(HasRule(result.diagnostics, "empty-selection"));
  CHECK(result.offset_rule ==
        "1 coding(s) placed by start/end (Unicode code points; CRLF counted as 1, else as 2, else "
        "UTF-16 units, the first whose text matches), 1 by finding the coded text");
  CHECK(result.segments == 1);
  // The first occurrence coded; the white-space selection not written.
  CHECK(result.Find("transcripts/a.txt")->contents ==
        "---\nparticipant: a\nsource: a.txt\n---\n"
        "{codes.repeat}one two{/codes.repeat} one two\n   \nend\n");
}

// ---------------------------------------------------------------------------------------------
// Writing, and the command.

TEST_CASE("import: the command writes a study that checks, and refuses a non-empty folder") {
  TempDir tmp;
  const std::string a = InterviewText("R1", true), b = InterviewText("R2", false);
  WriteFile(tmp.path() / "p.qdpx",
            MakeZip({{"project.qde", NVivoProject(true, a, b)},
                     {"Sources/5e000000-0000-4000-8000-000000000001.txt", kBom + a},
                     {"sources/5e000000-0000-4000-8000-000000000002.txt", b}}));
  RunResult run =
      Run({"import", (tmp.path() / "p.qdpx").string(), "-o", (tmp.path() / "study").string()});
  CHECK_MESSAGE(run.exit_code == 0, run.err);
  CHECK(Contains(run.err, "import: imported"));
  CHECK(fs::exists(tmp.path() / "study" / "IMPORT-REPORT.md"));
  RunResult check = Run({"check", "-C", (tmp.path() / "study").string()});
  CHECK_MESSAGE(check.exit_code == 0, check.err);
  // NVivo knows no speakers: the "INT:" and "R1:"/"R2:" lines are undeclared, and check says so.
  CHECK_MESSAGE(Contains(check.err, "10 segments: 0 errors, 4 warnings"), check.err);
  CHECK(Contains(check.err, "warning: 'INT:' starts 2 lines like a speaker label"));

  // Again into the same folder: refused, nothing touched.
  auto before = Snapshot(tmp.path() / "study");
  RunResult again =
      Run({"import", (tmp.path() / "p.qdpx").string(), "-o", (tmp.path() / "study").string()});
  CHECK(again.exit_code == 2);
  CHECK(Contains(again.err, "not an empty folder"));
  CHECK(Snapshot(tmp.path() / "study") == before);

  // A codebook merged into it.
  WriteFile(tmp.path() / "cb.qdc", kCodebook);
  RunResult merge =
      Run({"import", (tmp.path() / "cb.qdc").string(), "-C", (tmp.path() / "study").string()});
  CHECK_MESSAGE(merge.exit_code == 0, merge.err);
  CHECK(Contains(ReadFile(tmp.path() / "study" / "framework.yaml"), "id: grusse-dank"));
  CHECK(Run({"check", "-C", (tmp.path() / "study").string()}).exit_code == 0);

  // A broken archive: exit 1, nothing written.
  WriteFile(tmp.path() / "bad.qdpx", "not a zip");
  RunResult bad = Run(
      {"import", (tmp.path() / "bad.qdpx").string(), "-o", (tmp.path() / "bad-study").string()});
  CHECK(bad.exit_code == 1);
  CHECK_FALSE(fs::exists(tmp.path() / "bad-study" / "framework.yaml"));
  // No -o: a usage error.
  CHECK(Run({"import", (tmp.path() / "p.qdpx").string()}).exit_code == 2);
}

TEST_CASE("import: SlugId makes valid, ASCII, deterministic ids") {
  CHECK(framework::SlugId("Pre-qualification training") == "pre-qualification-training");
  CHECK(framework::SlugId("Gr\xC3\xBC\xC3\x9F"
                          "e") == "grusse");
  CHECK(framework::SlugId("\xE4\xB8\xAD\xE6\x96\x87") == "zhong-wen");
  CHECK(framework::SlugId("!!!", "code") == "code");
  CHECK(framework::IsValidId(framework::SlugId("a.b c"), false));
}

}  // namespace

namespace {

// A small deterministic generator (no timing, no global state).
struct Lcg {
  std::uint64_t state;
  std::uint64_t Next() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  }
  std::size_t Below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(Next() % n); }
};

std::string Mutate(std::string s, Lcg& rng) {
  const int edits = 1 + static_cast<int>(rng.Below(4));
  for (int k = 0; k < edits && !s.empty(); ++k) {
    const std::size_t at = rng.Below(s.size());
    switch (rng.Below(5)) {
      case 0:
        s[at] = static_cast<char>(rng.Below(256));
        break;
      case 1:
        s.erase(at, rng.Below(40));
        break;
      case 2:
        s.insert(at, s.substr(rng.Below(s.size()), rng.Below(60)));
        break;
      case 3:
        s.insert(at, rng.Below(2) ? "<" : "\"99999999\"");
        break;
      default:
        if (s[at] >= '0' && s[at] <= '9')
          s[at] = static_cast<char>('0' + rng.Below(10));
        else
          s.resize(at);
    }
  }
  return s;
}

TEST_CASE("import: mutated projects and archives never crash and never half-succeed") {
  const std::string a = InterviewText("Case A", true), b = InterviewText("Case B", false);
  const std::string qde = NVivoProject(true, a, b);
  framework::MemoryFileSystem sources;
  sources.Add("sources/5e000000-0000-4000-8000-000000000001.txt", kBom + a);
  sources.Add("sources/5e000000-0000-4000-8000-000000000002.txt", b);
  Lcg rng{20240601};
  int imported = 0;
  for (int i = 0; i < 300; ++i) {
    ImportResult r = framework::ImportQde("m.qde", Mutate(qde, rng), sources);
    CHECK(r.ok == !r.files.empty());
    if (r.ok) {
      ++imported;
      CHECK(r.Find("framework.yaml") != nullptr);
      CHECK(r.Find("IMPORT-REPORT.md") != nullptr);
    } else {
      CHECK_FALSE(Errors(r.diagnostics).empty());
    }
  }
  CHECK(imported > 0);
  // Mutated sources: any bytes at all, offsets now pointing anywhere.
  for (int i = 0; i < 100; ++i) {
    framework::MemoryFileSystem mutated;
    mutated.Add("sources/5e000000-0000-4000-8000-000000000001.txt", Mutate(kBom + a, rng));
    mutated.Add("sources/5e000000-0000-4000-8000-000000000002.txt", Mutate(b, rng));
    ImportResult r = framework::ImportQde("m.qde", qde, mutated);
    REQUIRE(r.ok);
    Loaded l = Load(r);
    CHECK(l.study.framework_loaded);
  }
  const std::string archive = MakeZip({{"project.qde", qde},
                                       {"sources/5e000000-0000-4000-8000-000000000001.txt", a},
                                       {"sources/5e000000-0000-4000-8000-000000000002.txt", b}});
  for (int i = 0; i < 200; ++i) {
    ImportResult r = framework::ImportQdpx("m.qdpx", Mutate(archive, rng));
    CHECK(r.ok == !r.files.empty());
  }
}

}  // namespace
