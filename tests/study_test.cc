// LoadStudy over an in-memory file system: the checks across files, and where they point.
#include "framework/study.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "framework/file_system.h"

namespace {

using framework::ColumnRef;
using framework::Diagnostic;
using framework::Diagnostics;
using framework::LoadOptions;
using framework::LoadStudy;
using framework::MemoryFileSystem;
using framework::Severity;
using framework::Study;

using Files = std::map<std::string, std::string>;

const char* kFramework =
    "framework: 1\n"                  // 1
    "title: Test study\n"             // 2
    "speakers: {INT: interviewer}\n"  // 3
    "themes:\n"                       // 4
    "  - id: training\n"              // 5
    "    label: Training\n"           // 6
    "    subthemes:\n"                // 7
    "      - id: prequal\n"           // 8
    "        label: Pre-qualification\n"
    "      - id: postqual\n"
    "        label: Post-qualification\n"
    "        codes: [cpd]\n"
    // No attribute in the attribution: one role each would single them out, and those
    // warnings (disclosure_test.cc) are not what these tests are about.
    "attribution: Participant\n";

const char* kParticipants =
    "attributes:\n"                                                // 1
    "  role: {type: category, values: [practitioner, manager]}\n"  // 2
    "participants:\n"                                              // 3
    "  - {id: P01, role: practitioner}\n"                          // 4
    "  - {id: P02, role: manager}\n";                              // 5

Files CleanStudy() {
  return {
      {"framework.yaml", kFramework},
      {"participants.yaml", kParticipants},
      {"transcripts/P01.txt",
       "INT: Tell me.\nP01: {training.prequal}Nothing at all.{/training.prequal}\n"},
      {"transcripts/P02.txt",
       "---\nparticipant: P02\n---\nINT: And you?\nP02: {cpd}Some courses.{/}\n"},
  };
}

// framework.yaml with `line` inserted after the title (so it becomes line 3).
std::string FrameworkWith(const std::string& line) {
  std::string f = kFramework;
  const std::size_t at = f.find("speakers:");
  return f.insert(at, line);
}

Study Load(const Files& files, LoadOptions options = {}) {
  MemoryFileSystem fs;
  for (const auto& [path, contents] : files) fs.Add(path, contents);
  return LoadStudy(fs, options);
}

// "file:line:col rule" for each diagnostic, joined by "; ".
std::string Summary(const Diagnostics& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    if (!out.empty()) out += "; ";
    out += d.file + ":" + std::to_string(d.line) + ":" + std::to_string(d.column) + " " + d.rule;
  }
  return out;
}

std::string Join(const std::vector<std::string>& paths) {
  std::string out;
  for (const auto& p : paths) out += (out.empty() ? "" : " ") + p;
  return out;
}

}  // namespace

TEST_CASE("LoadStudy: a clean study") {
  for (unsigned jobs : {1u, 0u}) {
    CAPTURE(jobs);
    LoadOptions options;
    options.jobs = jobs;
    Study s = Load(CleanStudy(), options);
    CHECK(Summary(s.diagnostics) == "");
    CHECK(s.framework_loaded);
    CHECK(s.participants_loaded);
    CHECK_FALSE(s.io_error);
    CHECK(s.participants_path == "participants.yaml");
    CHECK(s.framework.title == "Test study");
    CHECK(s.participants.Ids() == std::vector<std::string>{"P01", "P02"});
    REQUIRE(s.transcripts.size() == 2);
    CHECK(s.transcripts[0].path == "transcripts/P01.txt");
    CHECK(s.transcripts[1].path == "transcripts/P02.txt");
    CHECK(s.transcripts[0].participant == "P01");
    CHECK(s.transcripts[1].participant == "P02");
    CHECK(s.FindTranscript("P02") == 1);
    CHECK(s.FindTranscript("P09") == -1);
    CHECK(s.SegmentCount() == 2);
    REQUIRE(s.transcripts[0].segments.size() == 1);
    CHECK(s.transcripts[0].segments[0].target == ColumnRef{0, 0});
    REQUIRE(s.transcripts[1].segments.size() == 1);
    CHECK(s.transcripts[1].segments[0].target == ColumnRef{0, 1});  // the alias 'cpd'
    CHECK(s.transcripts[1].SegmentText(s.transcripts[1].segments[0]) == "Some courses.");
    // The study's speaker labels reach the parser.
    REQUIRE(s.transcripts[0].turns.size() == 2);
    CHECK(s.transcripts[0].speakers[0].label == "INT");
  }
}

TEST_CASE("LoadStudy: keep_text = false") {
  LoadOptions options;
  options.keep_text = false;
  Study s = Load(CleanStudy(), options);
  CHECK(Summary(s.diagnostics) == "");
  REQUIRE(s.transcripts.size() == 2);
  CHECK(s.transcripts[0].text.empty());
  CHECK(s.SegmentCount() == 2);
}

TEST_CASE("LoadStudy: an unknown code is reported with the framework's codes") {
  Files files = CleanStudy();
  files["transcripts/P01.txt"] = "P01: {training.prequel}x{/}\n";
  Study s = Load(files);
  CHECK(Summary(s.diagnostics) == "transcripts/P01.txt:1:7 unknown-code");
  REQUIRE(s.diagnostics.size() == 1);
  CHECK(s.diagnostics[0].hint == "did you mean 'training.prequal'?");
}

TEST_CASE("LoadStudy: an undeclared participant, at the front-matter participant") {
  Files files = CleanStudy();
  files["transcripts/Q.txt"] = "---\nparticipant: Q02\n---\nQ02: hello\n";
  Study s = Load(files);
  CHECK(Summary(s.diagnostics) == "transcripts/Q.txt:2:14 undeclared-participant");
  REQUIRE(s.diagnostics.size() == 1);
  const Diagnostic& d = s.diagnostics[0];
  CHECK(d.severity == Severity::kError);
  CHECK(d.message == "participant 'Q02' is not declared in participants.yaml");
  CHECK(d.hint == "did you mean 'P02'?");
  CHECK(d.length == 3);
  CHECK(d.source_line == "participant: Q02");
  CHECK(s.transcripts.size() == 3);
}

TEST_CASE("LoadStudy: an undeclared participant named by the file's stem") {
  Files files = CleanStudy();
  files["transcripts/interview-seven.txt"] = "Some text.\n";
  Study s = Load(files);
  CHECK(Summary(s.diagnostics) == "transcripts/interview-seven.txt:0:0 undeclared-participant");
  REQUIRE(s.diagnostics.size() == 1);
  CHECK(s.diagnostics[0].message ==
        "participant 'interview-seven' is not declared in participants.yaml");
  CHECK(s.diagnostics[0].hint ==
        "add it to participants.yaml, or name the participant with 'participant:' front matter");
}

TEST_CASE("LoadStudy: one participant in two transcripts") {
  Files files = CleanStudy();
  files["transcripts/P01b.txt"] = "---\nparticipant: P01\n---\nP01: again\n";
  Study s = Load(files);
  CHECK(Summary(s.diagnostics) == "transcripts/P01b.txt:2:14 duplicate-participant");
  REQUIRE(s.diagnostics.size() == 1);
  const Diagnostic& d = s.diagnostics[0];
  CHECK(d.severity == Severity::kError);
  CHECK(d.message == "participant 'P01' already has a transcript, transcripts/P01.txt");
  CHECK(d.hint ==
        "each participant has one transcript: merge the two, or correct the participant id");
  CHECK(d.source_line == "participant: P01");
}

TEST_CASE("LoadStudy: a participant without a transcript is a warning at the participants file") {
  Files files = CleanStudy();
  files["participants.yaml"] = std::string(kParticipants) + "  - {id: P03, role: manager}\n";
  Study s = Load(files);
  CHECK(Summary(s.diagnostics) == "participants.yaml:6:10 participant-without-transcript");
  REQUIRE(s.diagnostics.size() == 1);
  const Diagnostic& d = s.diagnostics[0];
  CHECK(d.severity == Severity::kWarning);
  CHECK(d.message == "participant 'P03' has no transcript");
  CHECK(d.hint == "add a transcript for it under 'transcripts/', or remove the entry");
  CHECK(d.length == 3);
  CHECK(d.source_line == "  - {id: P03, role: manager}");
}

TEST_CASE("LoadStudy: a missing participants file is located at the 'participants:' key") {
  Files files = CleanStudy();
  files["framework.yaml"] = FrameworkWith("participants: people.yaml\n");
  Study s = Load(files);
  CHECK(Summary(s.diagnostics) == "framework.yaml:3:15 missing-file");
  REQUIRE(s.diagnostics.size() == 1);
  const Diagnostic& d = s.diagnostics[0];
  CHECK(d.message == "cannot read the participants file 'people.yaml': no such file or directory");
  CHECK(d.hint == "create it, or point 'participants:' in framework.yaml at the right file");
  CHECK(d.source_line == "participants: people.yaml");
  CHECK_FALSE(s.participants_loaded);
  CHECK_FALSE(s.io_error);  // missing, not unreadable
  CHECK(s.participants_path == "people.yaml");
  CHECK(s.transcripts.size() == 2);  // still parsed

  // Without the key, the default participants.yaml is missing: at the top of framework.yaml.
  Files no_default = CleanStudy();
  no_default.erase("participants.yaml");
  Study t = Load(no_default);
  CHECK(Summary(t.diagnostics) == "framework.yaml:1:1 missing-file");
}

TEST_CASE("LoadStudy: a missing transcripts folder") {
  Files files = CleanStudy();
  files.erase("transcripts/P01.txt");
  files.erase("transcripts/P02.txt");
  Study s = Load(files);
  // Only the cause: "no transcript" warnings for every participant would repeat it.
  CHECK(Summary(s.diagnostics) == "framework.yaml:1:1 missing-file");
  REQUIRE(s.diagnostics.size() == 1);
  CHECK(s.diagnostics[0].message == "the transcripts folder 'transcripts/' does not exist");
  CHECK(s.transcripts.empty());

  Files named = CleanStudy();
  named["framework.yaml"] = FrameworkWith("transcripts: interviews/\n");
  Study t = Load(named);
  REQUIRE_FALSE(t.diagnostics.empty());
  CHECK(Summary({t.diagnostics[0]}) == "framework.yaml:3:14 missing-file");
  CHECK(t.diagnostics[0].message == "the transcripts folder 'interviews/' does not exist");
}

TEST_CASE("LoadStudy: no framework.yaml") {
  Study s = Load({{"participants.yaml", kParticipants}});
  CHECK(Summary(s.diagnostics) == "framework.yaml:0:0 missing-file");
  REQUIRE(s.diagnostics.size() == 1);
  CHECK(s.diagnostics[0].message == "cannot read framework.yaml: no such file or directory");
  CHECK(s.diagnostics[0].hint == "run 'framework init' to start a study here");
  CHECK_FALSE(s.framework_loaded);
}

TEST_CASE("LoadStudy: participants.csv with types declared in framework.yaml") {
  Files files = CleanStudy();
  files.erase("participants.yaml");
  files["framework.yaml"] = FrameworkWith(
      "participants: participants.csv\n"
      "attributes:\n"
      "  role: {type: category, values: [practitioner, manager]}\n");
  files["participants.csv"] = "id,role\nP01,practitioner\nP02,manager\n";
  Study s = Load(files);
  CHECK(Summary(s.diagnostics) == "");
  CHECK(s.participants_path == "participants.csv");
  CHECK(s.participants.Ids() == std::vector<std::string>{"P01", "P02"});
  REQUIRE(s.participants.attributes.size() == 1);
  CHECK(s.participants.attributes[0].type == framework::AttributeType::kCategory);

  files["participants.csv"] = "id,role\nP01,practitioner\nP02,boss\n";
  Study bad = Load(files);
  CHECK(Summary(bad.diagnostics) == "participants.csv:3:5 bad-attribute-value");
}

TEST_CASE("LoadStudy: diagnostics sorted by framework.yaml, participants, transcripts, line") {
  Files files = CleanStudy();
  files.erase("participants.yaml");
  // The participants file's name sorts after "transcripts/": its rank must still come first.
  files["framework.yaml"] = FrameworkWith("tittle: typo\nparticipants: zz-people.yaml\n");
  files["zz-people.yaml"] =
      "attributes:\n"
      "  role: {type: category, values: [practitioner, manager]}\n"
      "participants:\n"
      "  - {id: P01, role: practitioner}\n"
      "  - {id: P02, role: manager, rol: x}\n";
  files["transcripts/P01.txt"] = "INT: hi }\nP01: {trainng.prequal}y{/}\n";
  // The undeclared participant (line 2) is found after the parse error (line 5).
  files["transcripts/P02.txt"] = "---\nparticipant: P2\n---\nINT: q\nP2: a } b\n";
  Study s = Load(files);
  CHECK(Summary(s.diagnostics) ==
        "framework.yaml:3:1 unknown-key; "
        "zz-people.yaml:5:10 participant-without-transcript; "
        "zz-people.yaml:5:30 unknown-attribute; "
        "transcripts/P01.txt:1:9 stray-brace; "
        "transcripts/P01.txt:2:7 unknown-code; "
        "transcripts/P02.txt:2:14 undeclared-participant; "
        "transcripts/P02.txt:5:7 stray-brace");
  REQUIRE(s.diagnostics.size() == 7);
  CHECK(s.diagnostics[5].hint == "did you mean 'P02'?");
}

TEST_CASE("LoadStudy: transcripts from a glob") {
  Files files = CleanStudy();
  files.erase("transcripts/P01.txt");
  files.erase("transcripts/P02.txt");
  files["framework.yaml"] = FrameworkWith("transcripts: \"t/*.txt\"\n");
  files["t/P01.txt"] = "P01: {training.prequal}a{/}\n";
  files["t/P02.txt"] = "P02: {cpd}b{/}\n";
  files["t/notes.md"] = "not a transcript {\n";
  files["t/sub/P09.txt"] = "not matched: * stops at '/'\n";
  Study s = Load(files);
  CHECK(Summary(s.diagnostics) == "");
  REQUIRE(s.transcripts.size() == 2);
  CHECK(s.transcripts[0].path == "t/P01.txt");
  CHECK(s.transcripts[1].path == "t/P02.txt");
  CHECK(s.SegmentCount() == 2);

  files["framework.yaml"] = FrameworkWith("transcripts: \"x/*.txt\"\n");
  Study none = Load(files);
  REQUIRE_FALSE(none.diagnostics.empty());
  CHECK(Summary({none.diagnostics[0]}) == "framework.yaml:3:14 missing-file");
  CHECK(none.diagnostics[0].message == "no transcript matches 'x/*.txt'");
}

TEST_CASE("LoadStudy: transcripts in sub-folders are found") {
  Files files = CleanStudy();
  files["participants.yaml"] = std::string(kParticipants) + "  - {id: P03, role: manager}\n";
  files["transcripts/batch2/P03.txt"] = "P03: fine\n";
  files["transcripts/README.md"] = "not a transcript\n";
  Study s = Load(files);
  CHECK(Summary(s.diagnostics) == "");
  REQUIRE(s.transcripts.size() == 3);
  CHECK(s.transcripts[1].path == "transcripts/P02.txt");
  CHECK(s.transcripts[2].path == "transcripts/batch2/P03.txt");
}

TEST_CASE("LoadStudy: hidden files and folders are skipped, as FileSystem promises") {
  Files files = CleanStudy();
  files["transcripts/.P01.txt.swp.txt"] = "editor junk }\n";
  files["transcripts/.git/x.txt"] = "not a transcript }\n";
  Study s = Load(files);
  CHECK(Summary(s.diagnostics) == "");
  CHECK(s.transcripts.size() == 2);

  MemoryFileSystem fs;
  fs.Add("t/a.txt", "");
  fs.Add("t/.b.txt", "");
  CHECK(Join(fs.Glob("t/*.txt")) == "t/a.txt");
}

TEST_CASE("MemoryFileSystem lists and globs like DiskFileSystem") {
  namespace fs = std::filesystem;
  std::mt19937_64 rng(std::random_device{}());
  const fs::path root = fs::temp_directory_path() / ("framework-test-" + std::to_string(rng()));
  const std::vector<std::string> paths = {"transcripts/P01.txt",     "transcripts/b/P02.txt",
                                          "transcripts/.hidden.txt", "transcripts/.git/x.txt",
                                          "transcripts/notes.md",    "t/x.txt"};
  MemoryFileSystem memory;
  for (const auto& p : paths) {
    fs::create_directories((root / p).parent_path());
    std::ofstream(root / p) << "x";
    memory.Add(p, "x");
  }
  framework::DiskFileSystem disk(root.string());
  CHECK(Join(disk.ListFiles("transcripts/", ".txt")) ==
        "transcripts/P01.txt transcripts/b/P02.txt");
  CHECK(Join(memory.ListFiles("transcripts/", ".txt")) ==
        Join(disk.ListFiles("transcripts/", ".txt")));
  CHECK(Join(memory.ListFiles("transcripts", ".txt")) ==
        Join(disk.ListFiles("transcripts", ".txt")));
  CHECK(Join(memory.Glob("transcripts/*.txt")) == Join(disk.Glob("transcripts/*.txt")));
  CHECK(memory.IsDirectory("transcripts") == disk.IsDirectory("transcripts"));
  CHECK(memory.IsDirectory("t/x.txt") == disk.IsDirectory("t/x.txt"));
  CHECK(memory.Exists("t/x.txt") == disk.Exists("t/x.txt"));
  CHECK(memory.Read("nope").not_found == disk.Read("nope").not_found);
  std::error_code ec;
  fs::remove_all(root, ec);
}

TEST_CASE("LoadStudy: a broken framework.yaml gives one error, not one per code") {
  Files files = CleanStudy();
  files["framework.yaml"] = "framework: 1\ntitle: [\n";
  Study s = Load(files);
  REQUIRE(s.diagnostics.size() == 1);
  CHECK(s.diagnostics[0].file == "framework.yaml");
  CHECK(s.diagnostics[0].rule == "bad-yaml");
  CHECK(s.framework_loaded);
  CHECK_FALSE(s.framework.parsed);
  CHECK(s.transcripts.size() == 2);
}

TEST_CASE("LoadStudy: a broken participants file gives no 'not declared' errors") {
  Files files = CleanStudy();
  files["participants.yaml"] = "participants:\n  - {id: P01\n";
  Study s = Load(files);
  CHECK(Summary(s.diagnostics) == "participants.yaml:3:1 bad-yaml");

  Files csv = CleanStudy();
  csv.erase("participants.yaml");
  csv["framework.yaml"] = FrameworkWith("participants: participants.csv\n");
  csv["participants.csv"] = "id,role\nP01,\"practitioner\nP02,manager\n";
  Study t = Load(csv);
  CHECK(Summary(t.diagnostics) == "participants.csv:2:5 bad-csv");
}
