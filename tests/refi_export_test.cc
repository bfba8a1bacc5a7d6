// Tests of the REFI-QDA export (`framework export --format qdpx`): the archive is opened with
// libzip and project.qde parsed with pugixml, then compared with the model (the study loaded
// through the library): every PlainTextSelection's [startPosition, endPosition), counted in
// code points, is the segment's text in its source; codes, cases, variables and notes are
// there and every GUID reference resolves; the bytes are the same on every run. When xmllint and
// the schema (../shared/refi/Project.xsd beside the source tree) are present, project.qde is
// validated against it.
#include <doctest/doctest.h>
#include <zip.h>
#include <pugixml.hpp>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "framework/diagnostic.h"
#include "framework/file_system.h"
#include "framework/refi_export.h"
#include "framework/study.h"
#include "framework/text.h"
#include "run_binary.h"

namespace {

using namespace framework_test;

// A study whose text is made to break offsets: non-BMP characters (emoji, a CJK extension-B
// ideograph) before and inside segments, Welsh, Polish and Urdu text, overlapping segments, a
// segment that spans a turn (so a speaker label falls inside it), one opened right after a
// label, escaped braces, an alias, and a chart with a summary and an orphan.
class OffsetStudy {
 public:
  OffsetStudy() {
    Write("framework.yaml", R"(framework: 1
title: Offsets — emoji 😀, Cymraeg, polski, اردو
speakers: {INT: interviewer}
themes:
  - id: iaith
    label: Iaith a diwylliant
    description: Language and culture
    subthemes:
      - id: cymraeg
        label: Siarad Cymraeg
        codes: [welsh]
      - id: polski
        label: Język polski
  - id: emoji
    label: Emoji
    subthemes:
      - id: faces
        label: Faces
)");
    Write("participants.yaml", R"(attributes:
  nation: {type: category, values: [Cymru, Polska, Pakistan], description: Where they grew up}
  age: {type: integer}
  score: {type: number}
  consent: {type: boolean}
  interviewed: {type: date}
  note: {type: string}
participants:
  - {id: P1, nation: Cymru, age: 41, score: 1e3, consent: true, interviewed: 2023-05-02, note: "a, b"}
  - {id: P2, nation: Polska, score: 2.5, consent: false}
  - {id: P3, nation: Pakistan}
  - {id: P4}
)");
    Write(
        "transcripts/P1.txt",
        "---\n"
        "participant: P1\n"
        "date: 2023-05-02\n"
        "---\n"
        "INT: Sut wyt ti? 😀 \\{not a tag\\}\n"
        "\n"
        "P1:{iaith.cymraeg}Dw i'n siarad Cymraeg bob dydd — ŵ, ŷ, â.{/iaith.cymraeg} 👍🏽 "
        "{emoji.faces}😀😃 𠀀 faces{/emoji.faces}\n"
        "{welsh}Diolch yn fawr{/welsh} {iaith.cymraeg, emoji.faces}overlap 🙂\n"
        "\n"
        "INT: A wedyn?{/iaith.cymraeg} still open{/emoji.faces}\n");
    Write("transcripts/P2.txt",
          "P2: {iaith.polski}Zażółć gęślą jaźń — 🇵🇱 flaga.{/iaith.polski}\r\n"
          "INT: Dziękuję.\r\n");
    Write("transcripts/P3.txt",
          "---\nspeakers: {TR: other}\n---\n"
          "P3: {iaith.polski}یہ ایک جملہ ہے 😀 اردو میں{/iaith.polski}\n"
          "TR: {iaith.polski}It is a sentence in Urdu{/iaith.polski}\n");
    Write("charts/iaith.yaml", R"(theme: iaith
cells:
  - participant: P1
    subtheme: cymraeg
    status: charted
    summary: "Speaks Welsh daily (L7) — 😀"
    refs: [L7]
    comment: check the second half
  - participant: P2
    subtheme: polski
    status: draft
    summary: "Zażółć, with a control \u0001 character"
  - participant: Gone
    subtheme: cymraeg
    status: charted
    summary: An orphan, kept
)");
  }
  fs::path root() const { return tmp_.path() / "study"; }
  fs::path tmp() const { return tmp_.path(); }

 private:
  void Write(const std::string& relative, const std::string& text) {
    WriteFile(root() / relative, text);
  }
  TempDir tmp_;
};

framework::Study Load(const fs::path& root) {
  framework::DiskFileSystem disk(root.string());
  return framework::LoadStudy(disk);
}

// The archive's entries, in archive order, with their bytes and DOS date and time.
struct Entry {
  std::string name;
  std::string data;
  zip_uint16_t compression = 0;
};

std::vector<Entry> ReadArchive(const std::string& bytes) {
  std::vector<Entry> entries;
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  REQUIRE(src != nullptr);
  zip_t* zip = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  REQUIRE_MESSAGE(zip != nullptr, zip_error_strerror(&error));
  zip_error_fini(&error);
  const zip_int64_t n = zip_get_num_entries(zip, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    const auto index = static_cast<zip_uint64_t>(i);
    zip_stat_t st;
    zip_stat_init(&st);
    REQUIRE(zip_stat_index(zip, index, 0, &st) == 0);
    Entry e;
    e.name = st.name;
    e.compression = st.comp_method;
    e.data.resize(st.size);
    zip_file_t* file = zip_fopen_index(zip, index, 0);
    REQUIRE(file != nullptr);
    const zip_int64_t read = zip_fread(file, e.data.data(), st.size);
    zip_fclose(file);
    REQUIRE(read == static_cast<zip_int64_t>(st.size));
    entries.push_back(std::move(e));
  }
  zip_close(zip);
  return entries;
}

// The code points of `text` from `begin` to `end` (0-based, end exclusive), as UTF-8.
std::optional<std::string> SliceCodePoints(const std::string& text, long long begin,
                                           long long end) {
  if (begin < 0 || end < begin) return std::nullopt;
  std::vector<std::size_t> starts;  // byte offset of each code point, then the end
  for (std::size_t i = 0; i < text.size(); ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  starts.push_back(text.size());
  if (static_cast<std::size_t>(end) >= starts.size()) return std::nullopt;
  const std::size_t b = starts[static_cast<std::size_t>(begin)];
  return text.substr(b, starts[static_cast<std::size_t>(end)] - b);
}

// `text` without speaker labels ("P1:") where lines begin: what the model's segment text leaves
// out of a segment that spans turns.
std::string WithoutLabels(const std::string& text, const framework::Transcript& t) {
  std::string out;
  std::size_t pos = 0;
  bool line_start = false;  // a slice begins mid-line unless a label begins it
  for (const auto& s : t.speakers)
    if (text.compare(0, s.label.size() + 1, s.label + ":") == 0) line_start = true;
  while (pos < text.size()) {
    if (line_start || (pos > 0 && text[pos - 1] == '\n')) {
      for (const auto& s : t.speakers)
        if (text.compare(pos, s.label.size() + 1, s.label + ":") == 0) {
          pos += s.label.size() + 1;
          break;
        }
      line_start = false;
    }
    if (pos < text.size()) out.push_back(text[pos++]);
  }
  return out;
}

struct Exported {
  framework::RefiProject project;
  std::string bytes;
  std::vector<Entry> entries;
  pugi::xml_document doc;
};

void Export(const framework::Study& study, Exported& out) {
  out.project = framework::BuildRefiProject(study);
  REQUIRE(framework::PackQdpx(out.project, {}, &out.bytes) == "");
  out.entries = ReadArchive(out.bytes);
  REQUIRE(!out.entries.empty());
  REQUIRE(out.entries[0].name == "project.qde");
  pugi::xml_parse_result parsed =
      out.doc.load_buffer(out.entries[0].data.data(), out.entries[0].data.size(),
                          pugi::parse_default | pugi::parse_ws_pcdata);
  REQUIRE_MESSAGE(parsed, parsed.description());
}

// Every element carrying a guid, by guid (lower case), and every reference's target.
void CollectGuids(const pugi::xml_node& node, std::map<std::string, std::string>& guids,
                  std::vector<std::pair<std::string, std::string>>& refs) {
  for (const pugi::xml_node& child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    if (auto g = child.attribute("guid")) {
      CHECK_MESSAGE(guids.count(g.value()) == 0, "duplicate guid " << g.value());
      guids[g.value()] = child.name();
    }
    if (auto t = child.attribute("targetGUID")) refs.emplace_back(child.name(), t.value());
    if (auto o = child.attribute("originGUID")) refs.emplace_back(child.name(), o.value());
    CollectGuids(child, guids, refs);
  }
}

// The code as written in transcripts for each Code guid: theme (depth 1) "theme", sub-theme
// "theme.subtheme", alias (depth 3) its own name.
void CollectCodes(const pugi::xml_node& codes, int depth, const std::string& theme,
                  std::map<std::string, std::string>& out) {
  for (const pugi::xml_node& code : codes.children("Code")) {
    const std::string name = code.attribute("name").value();
    const std::string written = depth == 1 ? name : depth == 2 ? theme + "." + name : name;
    out[code.attribute("guid").value()] = written;
    CollectCodes(code, depth + 1, depth == 1 ? name : theme, out);
  }
}

// The checks every export must pass, against the study it came from.
void CheckAgainstModel(const framework::Study& study, const Exported& e) {
  const pugi::xml_node project = e.doc.child("Project");
  REQUIRE(project);
  CHECK(std::string(project.attribute("xmlns").value()) == "urn:QDA-XML:project:1.0");

  // Entries: project.qde, then one sources/<guid>.txt per transcript, nothing else.
  std::map<std::string, std::string> files;
  for (std::size_t i = 1; i < e.entries.size(); ++i) {
    CHECK(e.entries[i].name.rfind("sources/", 0) == 0);
    CHECK(e.entries[i].compression == ZIP_CM_DEFLATE);
    files[e.entries[i].name] = e.entries[i].data;
  }
  CHECK(files.size() == study.transcripts.size());

  // Referential integrity: every reference names an element of the project.
  std::map<std::string, std::string> guids;
  std::vector<std::pair<std::string, std::string>> refs;
  CollectGuids(e.doc, guids, refs);
  for (const auto& ref : refs)
    CHECK_MESSAGE(guids.count(ref.second) == 1, ref.first << " -> " << ref.second << " dangles");

  std::map<std::string, std::string> code_of_guid;
  CollectCodes(project.child("CodeBook").child("Codes"), 1, "", code_of_guid);
  std::size_t expected_codes = 0;
  for (const auto& t : study.framework.themes) {
    ++expected_codes;
    for (const auto& s : t.subthemes) expected_codes += 1 + s.codes.size();
  }
  CHECK(code_of_guid.size() == expected_codes);
  CHECK(e.project.codes == expected_codes);

  // Sources: the text is the transcript's, and every selection slices out its segment's text.
  std::size_t checked = 0;
  std::size_t ti = 0;
  for (const pugi::xml_node& source : project.child("Sources").children("TextSource")) {
    REQUIRE(ti < study.transcripts.size());
    const framework::Transcript& t = study.transcripts[ti++];
    const std::string path = source.attribute("plainTextPath").value();
    REQUIRE(path.rfind("internal://", 0) == 0);
    const std::string entry = "sources/" + path.substr(11);
    REQUIRE(files.count(entry) == 1);
    const std::string& text = files[entry];
    CHECK(framework::IsValidUtf8(text));
    CHECK(text.rfind("\xEF\xBB\xBF", 0) != 0);  // no BOM
    CHECK(text.find('\r') == std::string::npos);
    CHECK(WithoutLabels(text, t) == t.text);

    std::size_t si = 0;
    for (const pugi::xml_node& sel : source.children("PlainTextSelection")) {
      REQUIRE(si < t.segments.size());
      const framework::Segment& seg = t.segments[si++];
      auto slice = SliceCodePoints(text, sel.attribute("startPosition").as_llong(-1),
                                   sel.attribute("endPosition").as_llong(-1));
      REQUIRE_MESSAGE(slice.has_value(), t.path << " segment " << si << " out of range");
      const std::string expected = t.SegmentText(seg);
      CHECK_MESSAGE(
          framework::ToNfc(framework::CollapseWhitespace(WithoutLabels(*slice, t))) == expected,
          t.path << " segment " << si << ": '" << *slice << "'");
      CHECK(std::string(sel.attribute("name").value()) == expected);
      const pugi::xml_node coding = sel.child("Coding");
      REQUIRE(coding);
      CHECK(code_of_guid[coding.child("CodeRef").attribute("targetGUID").value()] == seg.code);
      ++checked;
    }
    CHECK(si == t.segments.size());
  }
  CHECK(ti == study.transcripts.size());
  CHECK(checked == study.SegmentCount());
  CHECK(e.project.selections == checked);

  // Cases: one per participant, with typed values and its transcripts.
  std::set<std::string> case_names;
  for (const pugi::xml_node& c : project.child("Cases").children("Case")) {
    const std::string id = c.attribute("name").value();
    case_names.insert(id);
    const int p = study.participants.Find(id);
    std::size_t values = 0;
    if (p >= 0)
      for (const auto& v : study.participants.participants[static_cast<std::size_t>(p)].values)
        values += v.has_value();
    CHECK(static_cast<std::size_t>(std::distance(c.children("VariableValue").begin(),
                                                 c.children("VariableValue").end())) == values);
    std::size_t sources = 0;
    for (const framework::Transcript& t : study.transcripts) sources += t.participant == id;
    CHECK(static_cast<std::size_t>(std::distance(c.children("SourceRef").begin(),
                                                 c.children("SourceRef").end())) == sources);
  }
  for (const auto& p : study.participants.participants) CHECK(case_names.count(p.id) == 1);
  for (const auto& t : study.transcripts) CHECK(case_names.count(t.participant) == 1);

  // Variables: one per attribute, in order.
  std::vector<std::string> variables;
  for (const pugi::xml_node& v : project.child("Variables").children("Variable"))
    variables.push_back(v.attribute("name").value());
  std::vector<std::string> attributes;
  for (const auto& a : study.participants.attributes) attributes.push_back(a.name);
  CHECK(variables == attributes);

  // Notes: each chart summary once, plus a matrix record per theme.
  std::size_t summaries = 0;
  for (const framework::Chart& chart : study.charts)
    for (const auto& cell : chart.cells)
      summaries += !framework::Trim(cell.summary).empty() || !framework::Trim(cell.comment).empty();
  CHECK(e.project.notes == summaries + study.framework.themes.size() + 1);
  CHECK(static_cast<std::size_t>(std::distance(project.child("Notes").children("Note").begin(),
                                               project.child("Notes").children("Note").end())) ==
        e.project.notes);
}

// Runs xmllint over `qde` against the REFI-QDA schema; false (with a message) when either is
// not available here.
bool ValidateWithSchema(const std::string& qde, const fs::path& dir, int* status,
                        bool expect_failure = false) {
  const fs::path xsd = kSourceDir / ".." / "shared" / "refi" / "Project.xsd";
  if (!fs::exists(xsd) || std::system("command -v xmllint >/dev/null 2>&1") != 0) {
    MESSAGE("skipped: xmllint or " << xsd.string() << " not available");
    return false;
  }
  const fs::path file = dir / "project.qde";
  WriteFile(file, qde);
  const std::string command = "xmllint --noout --nonet --schema '" + xsd.string() + "' '" +
                              file.string() + "' 2>'" + (dir / "xmllint.err").string() + "'";
  *status = std::system(command.c_str());
  if (*status != 0 && !expect_failure) MESSAGE(ReadFile(dir / "xmllint.err"));
  return true;
}

}  // namespace

TEST_CASE("refi export: the example study, every selection slices out its segment") {
  const framework::Study study = Load(kExample);
  REQUIRE(study.diagnostics.empty());
  Exported e;
  Export(study, e);
  CheckAgainstModel(study, e);
  CHECK(e.project.skipped.empty());
  CHECK(e.project.selections > 100);

  const pugi::xml_node project = e.doc.child("Project");
  CHECK(std::string(project.attribute("name").value()) == study.framework.title);
  // A theme is a category; a sub-theme a codable code whose Description is "label\n\ndescription".
  const pugi::xml_node theme = project.child("CodeBook").child("Codes").child("Code");
  CHECK(std::string(theme.attribute("name").value()) == "role");
  CHECK(std::string(theme.attribute("isCodable").value()) == "false");
  const pugi::xml_node sub = theme.child("Code");
  CHECK(std::string(sub.attribute("name").value()) == "background");
  CHECK(std::string(sub.attribute("isCodable").value()) == "true");
  CHECK(std::string(sub.child_value("Description")) ==
        "Background and current role\n\nThe participant's route into social work, their current "
        "post and time in it.");
  // years is an integer; role a category whose values follow its description.
  for (const pugi::xml_node& v : project.child("Variables").children("Variable")) {
    const std::string name = v.attribute("name").value();
    if (name == "years") CHECK(std::string(v.attribute("typeOfVariable").value()) == "Integer");
    if (name == "role") {
      CHECK(std::string(v.attribute("typeOfVariable").value()) == "Text");
      CHECK(std::string(v.child_value("Description")) ==
            "Participant's main professional role at the time of interview.\n\nvalues:\n"
            "- practitioner\n- manager\n- academic");
    }
  }
  const pugi::xml_node p01 = project.child("Cases").child("Case");
  CHECK(std::string(p01.attribute("name").value()) == "P01");
  bool has_integer = false;
  for (const pugi::xml_node& vv : p01.children("VariableValue"))
    if (vv.child("IntegerValue")) has_integer = std::string(vv.child_value("IntegerValue")) == "3";
  CHECK(has_integer);
}

TEST_CASE("refi export: non-BMP, Welsh, Polish and Urdu text, offsets count code points") {
  OffsetStudy generated;
  const framework::Study study = Load(generated.root());
  // Warnings only: P4 has no transcript, a chart entry is an orphan.
  REQUIRE_MESSAGE(framework::CountDiagnostics(study.diagnostics).errors == 0,
                  Summary(study.diagnostics));
  Exported e;
  Export(study, e);
  CheckAgainstModel(study, e);
  // The orphan summary is kept (as a note on its theme), and P1's summary is attached to its
  // sub-theme, its source and (by a Link) its case.
  const pugi::xml_node project = e.doc.child("Project");
  bool orphan = false, attached = false;
  for (const pugi::xml_node& note : project.child("Notes").children("Note")) {
    const std::string content = note.child_value("PlainTextContent");
    if (content == "An orphan, kept") orphan = true;
    if (content == "Speaks Welsh daily (L7) — 😀") {
      const std::string guid = note.attribute("guid").value();
      CHECK(std::string(note.child_value("Description")) ==
            "participant: \"P1\"\ntheme: \"iaith\"\nsubtheme: \"cymraeg\"\nstatus: charted\n"
            "refs: [L7]\ncomment: \"check the second half\"");
      const std::string xml = e.entries[0].data;
      CHECK(project.find_node([&](const pugi::xml_node& n) {
        return std::string(n.name()) == "Link" && guid == n.attribute("targetGUID").value();
      }));
      const pugi::xml_node cymraeg =
          project.child("CodeBook").child("Codes").child("Code").child("Code");
      CHECK(std::string(cymraeg.attribute("name").value()) == "cymraeg");
      CHECK(std::string(cymraeg.child("NoteRef").attribute("targetGUID").value()) == guid);
      attached = true;
    }
  }
  CHECK(orphan);
  CHECK(attached);
  // The control character of a summary is replaced, so the XML stays well-formed.
  CHECK(Contains(e.entries[0].data, "control \xEF\xBF\xBD character"));

  // Positions by hand: in P1's source the first selection starts after "INT: Sut wyt ti? 😀
  // {not a tag}\n\nP1:" — 35 code points (the emoji counts one; UTF-16 would count 36), and
  // spans the 41 of "Dw i'n siarad Cymraeg bob dydd — ŵ, ŷ, â.".
  const pugi::xml_node p1_source = project.child("Sources").child("TextSource");
  // Its Description locates the text in the file and carries the front matter back.
  CHECK(std::string(p1_source.child_value("Description")) ==
        "Transcript transcripts/P1.txt; line 1 of this text is line 5 of the file (line references "
        "in chart summaries count the file's lines). Its front matter:\n---\nparticipant: "
        "\"P1\"\ndate: \"2023-05-02\"\n---");
  // P3 declares a speaker of its own; the study's are in the settings note.
  const pugi::xml_node p3_source = p1_source.next_sibling("TextSource").next_sibling("TextSource");
  CHECK(std::string(p3_source.child_value("Description")) ==
        "Transcript transcripts/P3.txt; line 1 of this text is line 4 of the file (line references "
        "in chart summaries count the file's lines). Its front matter:\n---\nspeakers: {TR: "
        "other}\n---");
  const pugi::xml_node settings = project.child("Notes").child("Note");
  CHECK(std::string(settings.attribute("name").value()) == "Framework settings");
  CHECK(std::string(settings.child_value("PlainTextContent")) ==
        "title: \"Offsets — emoji 😀, Cymraeg, polski, اردو\"\nspeakers: {INT: interviewer}\n"
        "attribution: \"{role}\"\nmin_group: 3\n");
  CHECK(std::string(project.child("NoteRef").attribute("targetGUID").value()) ==
        settings.attribute("guid").value());
  const pugi::xml_node first = p1_source.child("PlainTextSelection");
  CHECK(first.attribute("startPosition").as_int() == 35);
  CHECK(first.attribute("endPosition").as_int() == 35 + 41);
  // Typed values: 1e3 becomes the decimal 1000; the date and boolean keep their form.
  const pugi::xml_node p1 = project.child("Cases").child("Case");
  std::string values;
  for (const pugi::xml_node& vv : p1.children("VariableValue"))
    for (const pugi::xml_node& v : vv.children())
      if (v.type() == pugi::node_element && std::string(v.name()) != "VariableRef")
        values += std::string(v.name()) + "=" + v.child_value() + "; ";
  CHECK(values ==
        "TextValue=Cymru; IntegerValue=41; FloatValue=1000; BooleanValue=true; "
        "DateValue=2023-05-02; TextValue=a, b; ");
}

TEST_CASE("refi export: the same study gives the same bytes") {
  OffsetStudy generated;
  const framework::Study study = Load(generated.root());
  std::string a, b;
  REQUIRE(framework::PackQdpx(framework::BuildRefiProject(study), {}, &a) == "");
  REQUIRE(framework::PackQdpx(framework::BuildRefiProject(Load(generated.root())), {}, &b) == "");
  CHECK(a == b);
  // Through the binary, in two time zones, and with SOURCE_DATE_EPOCH changing only the dates.
  const fs::path out = generated.tmp();
  RunResult r1 = Run({"export", "-C", generated.root().string(), "--format", "qdpx", "-o",
                      (out / "a.qdpx").string()},
                     kSourceDir, {{"TZ", "UTC"}});
  RunResult r2 = Run({"export", "-C", generated.root().string(), "-o", (out / "b.qdpx").string()},
                     kSourceDir, {{"TZ", "Pacific/Auckland"}});
  CHECK(r1.exit_code == 0);
  CHECK(r2.exit_code == 0);
  CHECK(Contains(r1.err, "wrote "));
  CHECK(Contains(r1.err, "3 sources"));
  const std::string file_a = ReadFile(out / "a.qdpx");
  CHECK(file_a.size() > 100);
  CHECK(file_a == ReadFile(out / "b.qdpx"));
  RunResult r3 = Run({"export", "-C", generated.root().string(), "-o", (out / "c.qdpx").string()},
                     kSourceDir, {{"SOURCE_DATE_EPOCH", "1700000000"}});
  CHECK(r3.exit_code == 0);
  const std::string file_c = ReadFile(out / "c.qdpx");
  CHECK(file_c.size() == file_a.size());
  CHECK(file_c != file_a);
  std::vector<Entry> ea = ReadArchive(file_a), ec = ReadArchive(file_c);
  REQUIRE(ea.size() == ec.size());
  for (std::size_t i = 0; i < ea.size(); ++i) CHECK(ea[i].data == ec[i].data);
}

TEST_CASE("refi export: a study with errors exports what it can and says what it left out") {
  TempDir tmp;
  const fs::path root = tmp.path() / "study";
  WriteFile(root / "framework.yaml",
            "framework: 1\ntitle: Broken\nthemes:\n  - id: t\n    label: T\n    subthemes:\n"
            "      - id: s\n        label: S\n");
  WriteFile(root / "participants.yaml", "participants:\n  - {id: P1}\n  - {id: P2}\n");
  WriteFile(root / "transcripts/P1.txt", "{t.s}kept{/t.s} {t.nope}unknown code{/t.nope}\n");
  WriteFile(root / "transcripts/P2.txt", "{t.s}bad \xFF byte{/t.s}\n");
  const framework::Study study = Load(root);
  CHECK(framework::CountDiagnostics(study.diagnostics).errors >= 2);
  Exported e;
  Export(study, e);
  CHECK(e.project.selections == 1);
  CHECK(e.project.sources.size() == 1);
  REQUIRE(e.project.skipped.size() == 2);
  CHECK(Contains(e.project.skipped[0], "transcripts/P2.txt: not valid UTF-8"));
  CHECK(Contains(e.project.skipped[1], "transcripts/P1.txt:1: segment 't.nope'"));
  // Both participants are cases; only P1 has a source.
  const pugi::xml_node cases = e.doc.child("Project").child("Cases");
  const pugi::xml_node p1 = cases.child("Case"), p2 = p1.next_sibling("Case");
  CHECK(std::string(p1.attribute("name").value()) == "P1");
  CHECK(p1.child("SourceRef"));
  CHECK(std::string(p2.attribute("name").value()) == "P2");
  CHECK(!p2.child("SourceRef"));

  RunResult r = Run({"export", "-C", root.string(), "-o", (tmp.path() / "b.qdpx").string()});
  CHECK(r.exit_code == 0);
  CHECK(Contains(r.err, "framework: note: transcripts/P2.txt: not valid UTF-8"));
  CHECK(Contains(r.err, "the study has"));
  // The binary's archive differs only in the origin it names ("framework <version>").
  const std::vector<Entry> from_cli = ReadArchive(ReadFile(tmp.path() / "b.qdpx"));
  REQUIRE(from_cli.size() == 2);
  CHECK(from_cli[1].name == e.entries[1].name);
  CHECK(from_cli[1].data == e.entries[1].data);
  CHECK(Contains(from_cli[0].data, "origin=\"framework 0."));
  int status = -1;
  if (ValidateWithSchema(e.entries[0].data, tmp.path(), &status)) CHECK(status == 0);
}

TEST_CASE("refi export: repeated ids in a broken study still give unique GUIDs") {
  TempDir tmp;
  const fs::path root = tmp.path() / "study";
  WriteFile(root / "framework.yaml",
            "framework: 1\ntitle: Twice\nthemes:\n"
            "  - id: t\n    label: T\n    subthemes:\n      - {id: s, label: S}\n"
            "      - {id: s, label: S again}\n"
            "  - id: t\n    label: T again\n    subthemes:\n      - {id: s, label: S}\n");
  WriteFile(root / "participants.yaml", "participants:\n  - {id: P1}\n  - {id: P1}\n");
  WriteFile(root / "transcripts/P1.txt", "{t.s}coded{/t.s}\n");
  WriteFile(root / "charts/t.yaml",
            "theme: t\ncells:\n  - {participant: P1, subtheme: s, status: charted, summary: one}\n"
            "  - {participant: P1, subtheme: s, status: charted, summary: two}\n");
  const framework::Study study = Load(root);
  CHECK(framework::CountDiagnostics(study.diagnostics).errors > 0);
  Exported e;
  Export(study, e);
  // CollectGuids (in CheckAgainstModel's first steps) reports duplicates; references resolve.
  std::map<std::string, std::string> guids;
  std::vector<std::pair<std::string, std::string>> refs;
  CollectGuids(e.doc, guids, refs);
  for (const auto& [element, target] : refs) CHECK(guids.count(target) == 1);
  CHECK(e.project.cases == 1);
  CHECK(e.project.selections == 1);
  int status = -1;
  if (ValidateWithSchema(e.entries[0].data, tmp.path(), &status)) CHECK(status == 0);
}

TEST_CASE("refi export: usage errors") {
  TempDir out;
  const std::string dir = kExample.string();
  RunResult no_file = Run({"export", "-C", dir, "--format", "qdpx"});
  CHECK(no_file.exit_code == 2);
  CHECK(Contains(no_file.err, "-o FILE.qdpx is required"));
  RunResult theme = Run({"export", "training", "-C", dir, "--format", "qdpx", "-o",
                         (out.path() / "x.qdpx").string()});
  CHECK(theme.exit_code == 2);
  CHECK(Contains(theme.err, "takes no THEME"));
  RunResult content =
      Run({"export", "-C", dir, "-o", (out.path() / "x.qdpx").string(), "--content", "both"});
  CHECK(content.exit_code == 2);
  CHECK(!fs::exists(out.path() / "x.qdpx"));
  RunResult missing_dir = Run({"export", "-C", dir, "-o", (out.path() / "no" / "x.qdpx").string()});
  CHECK(missing_dir.exit_code == 3);
}

TEST_CASE("refi export: project.qde validates against Project.xsd") {
  TempDir dir;
  int status = -1;
  // The schema and xmllint first agree on the shared minimal example.
  const fs::path minimal =
      kSourceDir / ".." / "shared" / "refi" / "minimal-valid-text-project.example.qde";
  if (fs::exists(minimal)) {
    if (!ValidateWithSchema(ReadFile(minimal), dir.path(), &status)) return;
    REQUIRE(status == 0);
  }
  for (int which = 0; which < 2; ++which) {
    OffsetStudy generated;
    const framework::Study study = Load(which == 0 ? kExample : generated.root());
    Exported e;
    Export(study, e);
    if (!ValidateWithSchema(e.entries[0].data, dir.path(), &status)) return;
    CHECK_MESSAGE(status == 0, (which == 0 ? "example" : "generated") << " study");
  }
  // A broken document fails, so the check above can fail.
  if (!ValidateWithSchema("<Project xmlns=\"urn:QDA-XML:project:1.0\"><Cases/></Project>",
                          dir.path(), &status, /*expect_failure=*/true))
    return;
  CHECK(status != 0);
}

TEST_CASE("refi export: derived GUIDs and code-point offsets") {
  const std::string g = framework::DerivedGuid(
      "title\x1f"
      "code\x1f"
      "training.prequal");
  REQUIRE(g.size() == 36);
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23)
      CHECK(g[i] == '-');
    else
      CHECK(std::string("0123456789abcdef").find(g[i]) != std::string::npos);
  }
  CHECK(g[14] == '8');                                          // version
  CHECK(std::string("89ab").find(g[19]) != std::string::npos);  // variant
  CHECK(g == framework::DerivedGuid("title\x1f"
                                    "code\x1f"
                                    "training.prequal"));
  CHECK(g != framework::DerivedGuid("title\x1f"
                                    "code\x1f"
                                    "training.postqual"));

  // "a😀bŵ": the emoji is 4 bytes and one code point, ŵ 2 bytes and one.
  const std::string text =
      "a\xF0\x9F\x98\x80"
      "b\xC5\xB5";
  CHECK(framework::CodePointOffsets(text, {0, 1, 5, 6, 8}) ==
        std::vector<std::size_t>{0, 1, 2, 3, 4});
  CHECK(framework::CodePointOffsets(text, {}).empty());
}

namespace {

// project.qde as pugixml writes it, after reading it back whole (no end-of-line or attribute
// white-space normalisation; white-space-only text kept where it is an element's only child):
// what the export wrote when it built a pugixml tree, byte for byte.
std::string AsPugixmlWritesIt(const std::string& xml) {
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed =
      doc.load_buffer(xml.data(), xml.size(),
                      pugi::parse_declaration | pugi::parse_escapes | pugi::parse_ws_pcdata_single);
  REQUIRE_MESSAGE(parsed, parsed.description());
  // An empty text element (<Description></Description>) reads back without its text node; the
  // export's tree had one (every element without attributes or children is a text element).
  struct EmptyText : pugi::xml_tree_walker {
    bool for_each(pugi::xml_node& node) override {
      if (node.type() == pugi::node_element && !node.first_child() && !node.first_attribute())
        node.append_child(pugi::node_pcdata);
      return true;
    }
  } empty_text;
  doc.traverse(empty_text);
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_indent, pugi::encoding_utf8);
  return out.str();
}

// A study with what XML must escape or cannot hold everywhere a text goes: quotes, apostrophes,
// ampersands, angle brackets, tabs, CR and LF, C0 controls, U+FFFE and U+FFFF, empty and
// white-space-only texts, in the title, description, labels, attributes, segments (ASCII ones,
// written as they are collapsed, and others), chart summaries and comments.
class EscapeStudy {
 public:
  EscapeStudy() {
    WriteFile(root() / "framework.yaml",
              "framework: 1\n"
              "title: \"Q \\\"quoted\\\" & 'apostrophe' <tag> \\t tab \\u0001 \\uFFFE end\"\n"
              "description: \"Line one\\r\\nline two & <three> \\\"four\\\"\\u0002\"\n"
              "speakers: {INT: interviewer, \"A&B\": participant}\n"
              "themes:\n"
              "  - id: t\n"
              "    label: \"T <&> \\\"\"\n"
              "    description: \"   \"\n"
              "    subthemes:\n"
              "      - {id: s, label: \"S ' \\\" & \\uFFFF\", codes: [\"a&b\"]}\n"
              "      - {id: u, label: \"\"}\n");
    WriteFile(root() / "participants.yaml",
              "attributes:\n  note: {type: string, description: \"<d> & \\\"e\\\"\"}\n"
              "  kind: {type: category, values: [\"x&y\", \"<z>\"]}\n"
              "participants:\n"
              "  - {id: P1, note: \"a \\\"b\\\" & <c>\\t\\n'd'\", kind: \"x&y\"}\n"
              "  - {id: P2, note: \"\"}\n");
    WriteFile(root() / "transcripts/P1.txt",
              "P1: {t.s}ASCII \"quoted\" & <angled>\t\ttabbed\r\nacross \x01 lines 'x'{/t.s}\n"
              "A&B: {t.u}caf\xC3\xA9 \"q\" & <a>\t\x02 \xEF\xBF\xBE \xEF\xBF\xBF{/t.u}\n"
              "INT: {a&b}   {/a&b} {t.s}{/t.s}\n");
    WriteFile(root() / "transcripts/P2.txt", "");
    WriteFile(root() / "charts/t.yaml",
              "theme: t\ncells:\n"
              "  - participant: P1\n    subtheme: s\n    status: charted\n"
              "    summary: \"<b>bold</b> & \\\"so\\\"\\r\\n\\ton \\u0003\"\n"
              "    comment: \"c & <d>\"\n"
              "  - participant: P1\n    subtheme: u\n    status: draft\n    summary: \"\"\n"
              "    comment: only a comment\n"
              "  - participant: P2\n    subtheme: s\n    status: charted\n    summary: \"   \"\n"
              "    comment: \" \"\n");
  }
  fs::path root() const { return tmp_.path() / "study"; }
  fs::path tmp() const { return tmp_.path(); }

 private:
  TempDir tmp_;
};

}  // namespace

TEST_CASE("refi export: project.qde is written as pugixml wrote it, escapes and all") {
  // The export writes project.qde element by element (no tree, so a million segments cost no
  // million nodes); its layout and escaping are pugixml's, which made it before.
  EscapeStudy escapes;
  OffsetStudy offsets;
  for (const fs::path& root : {escapes.root(), offsets.root(), kExample}) {
    CAPTURE(root.string());
    const framework::RefiProject p = framework::BuildRefiProject(Load(root));
    CHECK(p.project_xml == AsPugixmlWritesIt(p.project_xml));
    CHECK(p.source_count == p.sources.size());
  }
  const framework::RefiProject p = framework::BuildRefiProject(Load(escapes.root()));
  const std::string& xml = p.project_xml;
  // Attributes: " & < escaped, > and ' not; tab, CR and LF as character references; controls,
  // U+FFFE and U+FFFF as U+FFFD. Text: & < > escaped, quotes and white space as they are.
  CHECK(Contains(xml,
                 "name=\"Q &quot;quoted&quot; &amp; 'apostrophe' &lt;tag> &#09; tab "
                 "\xEF\xBF\xBD \xEF\xBF\xBD end\""));
  CHECK(Contains(xml,
                 "<Description>Line one\r\nline two &amp; &lt;three&gt; \"four\""
                 "\xEF\xBF\xBD</Description>"));
  // The ASCII segment, collapsed as it is written; the other through SegmentText.
  CHECK(Contains(xml,
                 "name=\"ASCII &quot;quoted&quot; &amp; &lt;angled> tabbed across "
                 "\xEF\xBF\xBD lines 'x'\""));
  CHECK(Contains(xml,
                 "name=\"caf\xC3\xA9 &quot;q&quot; &amp; &lt;a> \xEF\xBF\xBD "
                 "\xEF\xBF\xBD \xEF\xBF\xBD\""));
  CHECK(Contains(xml,
                 "<PlainTextContent>&lt;b&gt;bold&lt;/b&gt; &amp; \"so\"\r\n\ton "
                 "\xEF\xBF\xBD</PlainTextContent>"));
  CHECK(Contains(xml, "<PlainTextContent></PlainTextContent>"));  // a comment, no summary
  CHECK(Contains(xml, "<TextValue>a \"b\" &amp; &lt;c&gt;\t\n'd'</TextValue>"));
  // An empty transcript is an empty source; still an entry.
  REQUIRE(p.sources.size() == 2);
  CHECK(p.sources[1].second.empty());
}

TEST_CASE("refi export: WriteQdpx streams the bytes PackQdpx makes, and leaves nothing beside") {
  // Many sources, one larger than the 64 KiB pieces the writers work in, turns of several
  // speakers (labels put back), non-ASCII text, an empty one: written to a file as they are made
  // (WriteQdpx, what the CLI runs), the archive is byte for byte the one built in memory.
  TempDir tmp;
  const fs::path root = tmp.path() / "study";
  WriteFile(root / "framework.yaml",
            "framework: 1\ntitle: Many\nspeakers: {INT: interviewer}\nthemes:\n"
            "  - id: t\n    label: T\n    subthemes:\n      - {id: s, label: S}\n"
            "      - {id: u, label: U}\n");
  std::string participants = "participants:\n";
  for (int i = 1; i <= 40; ++i) {
    const std::string id = "P" + std::to_string(i);
    participants += "  - {id: " + id + "}\n";
    std::string text;
    for (int line = 0; line < (i == 7 ? 3000 : i % 5); ++line)
      text += "INT: question " + std::to_string(line) + " & <more>?\n" + id + ": {t.s}answer " +
              std::to_string(line) + " \xC5\xB5 \"quoted\"{/t.s} {t.u}" + std::string(i, 'x') +
              "{/t.u}\n";
    WriteFile(root / ("transcripts/" + id + ".txt"), text);
  }
  WriteFile(root / "participants.yaml", participants);
  WriteFile(root / "charts/t.yaml",
            "theme: t\ncells:\n  - participant: P3\n    subtheme: s\n    status: charted\n"
            "    summary: \"Three & <four>\"\n");
  const framework::Study study = Load(root);
  REQUIRE(framework::CountDiagnostics(study.diagnostics).errors == 0);

  framework::RefiExportOptions options;
  options.origin = "framework test";
  options.timestamp = 1700000000;
  const framework::RefiProject built = framework::BuildRefiProject(study, options);
  REQUIRE(built.sources.size() == 40);
  std::size_t largest = 0;
  for (const auto& source : built.sources) largest = std::max(largest, source.second.size());
  CHECK(largest > 2 * 65536);
  std::string in_memory;
  REQUIRE(framework::PackQdpx(built, options, &in_memory) == "");

  const fs::path out_dir = tmp.path() / "out";
  fs::create_directories(out_dir);
  const fs::path out = out_dir / "many.qdpx";
  WriteFile(out, "old bytes");
  framework::RefiProject report;
  REQUIRE(framework::WriteQdpx(study, options, out.string(), &report) == "");
  CHECK(ReadFile(out) == in_memory);
  CHECK(report.project_xml.empty());
  CHECK(report.sources.empty());
  CHECK(report.source_count == 40);
  CHECK(report.selections == built.selections);
  CHECK(report.notes == built.notes);
  CHECK(report.skipped == built.skipped);
  // No scratch file (the archive's, project.qde's or libzip's) is left beside the output.
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(out_dir)) left.push_back(e.path().filename());
  CHECK(left == std::vector<std::string>{"many.qdpx"});

  // Under a file, nothing can be written: an error, and nothing made.
  const fs::path under_a_file = out / "x.qdpx";
  CHECK(!framework::WriteQdpx(study, options, under_a_file.string()).empty());
  CHECK(ReadFile(out) == in_memory);

  // Entries larger together than fast_deflate_bytes are deflated at the fastest level: the zip
  // headers' deflate option bits (1-2 of the flags at offset 6) say "fast" (2), not "maximum"
  // (1); the same entries come out, in as many bytes or more, the same each time.
  auto deflate_bits = [](const std::string& zip) {
    REQUIRE(zip.size() > 8);
    return (static_cast<unsigned char>(zip[6]) >> 1) & 3;
  };
  CHECK(deflate_bits(in_memory) == 1);
  framework::RefiExportOptions fast = options;
  fast.fast_deflate_bytes = 1000;
  std::string quick, again;
  REQUIRE(framework::PackQdpx(built, fast, &quick) == "");
  REQUIRE(framework::PackQdpx(built, fast, &again) == "");
  CHECK(quick == again);
  CHECK(deflate_bits(quick) == 2);
  CHECK(quick != in_memory);
  CHECK(quick.size() >= in_memory.size());
  const std::vector<Entry> slow_entries = ReadArchive(in_memory), fast_entries = ReadArchive(quick);
  REQUIRE(fast_entries.size() == slow_entries.size());
  for (std::size_t i = 0; i < fast_entries.size(); ++i) {
    CHECK(fast_entries[i].name == slow_entries[i].name);
    CHECK(fast_entries[i].data == slow_entries[i].data);
    CHECK(fast_entries[i].compression == ZIP_CM_DEFLATE);
  }
  // Past store_bytes, stored: the same entries, uncompressed.
  framework::RefiExportOptions store = fast;
  store.store_bytes = 1000;
  std::string stored;
  REQUIRE(framework::PackQdpx(built, store, &stored) == "");
  CHECK(stored.size() > quick.size());
  const std::vector<Entry> stored_entries = ReadArchive(stored);
  REQUIRE(stored_entries.size() == slow_entries.size());
  for (std::size_t i = 0; i < stored_entries.size(); ++i) {
    CHECK(stored_entries[i].data == slow_entries[i].data);
    CHECK(stored_entries[i].compression == ZIP_CM_STORE);
  }
}
