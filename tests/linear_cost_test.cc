// Issue 14 "linear cost": inputs with very many themes, sub-themes, columns or diagnostics are
// read in linear time, and a file's warnings are capped like its errors, the rest counted.
// The sizes are ones the old quadratic code took minutes over; no timing is asserted.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "framework/codebook.h"
#include "framework/csv.h"
#include "framework/diagnostic.h"
#include "framework/file_system.h"
#include "framework/participants.h"
#include "framework/study.h"
#include "framework/transcript.h"
#include "yaml_support.h"

namespace {

using framework::CountDiagnostics;
using framework::Diagnostic;
using framework::Diagnostics;
using framework::Severity;

std::size_t CountRule(const Diagnostics& ds, const std::string& rule) {
  std::size_t n = 0;
  for (const Diagnostic& d : ds) n += d.rule == rule;
  return n;
}

const Diagnostic* FindRule(const Diagnostics& ds, const std::string& rule) {
  for (const Diagnostic& d : ds)
    if (d.rule == rule) return &d;
  return nullptr;
}

const char* kHead =
    "framework: 1\n"
    "title: T\n"
    "speakers: {INT: interviewer}\n"
    "themes:\n";

}  // namespace

TEST_CASE("linear cost: the most sub-themes in one theme, a duplicate at the end found") {
  std::string f = std::string(kHead) + "  - id: big\n    label: Big\n    subthemes:\n";
  const int n = static_cast<int>(framework::kMaxSubthemes) - 1;  // and the duplicate
  for (int i = 0; i < n; ++i) f += "      - {id: s" + std::to_string(i) + ", label: S}\n";
  f += "      - {id: s7, label: again}\n";  // line 4 + 3 + n + 1
  Diagnostics ds;
  const framework::Framework fw = framework::LoadFramework("framework.yaml", f, ds);
  REQUIRE(fw.themes.size() == 1);
  CHECK(fw.themes[0].subthemes.size() == static_cast<std::size_t>(n));
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].rule == "duplicate-id");
  CHECK(ds[0].message == "duplicate sub-theme id 's7' in theme 'big'");
  CHECK(ds[0].line == 4 + 3 + n + 1);
  // The same sub-theme id under two themes is no duplicate.
  Diagnostics two;
  framework::LoadFramework("framework.yaml",
                           std::string(kHead) +
                               "  - {id: a, label: A, subthemes: [{id: s, label: S}]}\n" +
                               "  - {id: b, label: B, subthemes: [{id: s, label: S}]}\n",
                           two);
  CHECK(two.empty());
}

TEST_CASE("linear cost: the most themes, a duplicate theme id at the end found") {
  std::string f = kHead;
  const int n = static_cast<int>(framework::kMaxThemes) - 1;  // and the duplicate
  for (int i = 0; i < n; ++i)
    f += "  - {id: t" + std::to_string(i) + ", label: T, subthemes: [{id: s, label: S}]}\n";
  f += "  - {id: t123, label: T, subthemes: [{id: s, label: S}]}\n";
  Diagnostics ds;
  const framework::Framework fw = framework::LoadFramework("framework.yaml", f, ds);
  CHECK(fw.themes.size() == static_cast<std::size_t>(n));
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].rule == "duplicate-id");
  CHECK(ds[0].message == "duplicate theme id 't123'");
  CHECK(ds[0].line == 5 + n);
  CHECK(fw.FindTheme("t" + std::to_string(n - 1)) == n - 1);
}

TEST_CASE("linear cost: a CSV header of 200,000 columns; columns counted once") {
  const int n = 200000;
  std::string csv = "id";
  for (int i = 0; i < n; ++i) csv += ",a" + std::to_string(i);
  csv += "\nP01";
  for (int i = 0; i < n; ++i) csv += ",\xC3\xA9";  // two bytes, one code point
  csv += "\n";
  Diagnostics ds;
  const auto rows = framework::ReadCsv("participants.csv", csv, ds);
  CHECK(ds.empty());
  REQUIRE(rows.size() == 2);
  REQUIRE(rows[0].fields.size() == static_cast<std::size_t>(n) + 1);
  // Column of field k: 1 + the code points before it.
  std::size_t before = 3;                                                  // "id,"
  for (int i = 0; i < n - 1; ++i) before += std::to_string(i).size() + 2;  // "aN,"
  CHECK(rows[0].fields.back().column == static_cast<int>(before) + 1);
  CHECK(rows[1].fields[1].column == 5);
  CHECK(rows[1].fields.back().column == 4 + 2 * (n - 1) + 1);
}

TEST_CASE("linear cost: 999 undeclared CSV columns give 100 warnings and a counting note") {
  // The most participants.csv may have beside its id column (kMaxParticipantsCsvColumns).
  const int n = static_cast<int>(framework::kMaxParticipantsCsvColumns) - 1;
  std::string csv = "id";
  for (int i = 0; i < n; ++i) csv += ",a" + std::to_string(i);
  csv += "\nP01";
  for (int i = 0; i < n; ++i) csv += ",1";
  csv += "\n";
  framework::AttributeDef role;
  role.name = "role";
  Diagnostics ds;
  const auto p = framework::LoadParticipantsCsv("participants.csv", csv, {role}, ds);
  CHECK(p.attributes.size() == static_cast<std::size_t>(n));
  CHECK(CountRule(ds, "unknown-attribute") == 100);
  const Diagnostic* note = FindRule(ds, "too-many-warnings");
  REQUIRE(note != nullptr);
  CHECK(note->severity == Severity::kNote);
  CHECK(note->unlisted == static_cast<std::size_t>(n - 100));
  CHECK(note->line == 1);
  CHECK(note->message == "too many warnings in this file: 899 more are counted but not shown");
  const auto counts = CountDiagnostics(ds);
  CHECK(counts.warnings == static_cast<std::size_t>(n));
  CHECK(counts.errors == 0);
  CHECK(counts.unlisted_errors == 0);
}

TEST_CASE("linear cost: a chart of 20,000 orphan cells lists 100 warnings and counts the rest") {
  framework::MemoryFileSystem fs;
  fs.Add("framework.yaml", std::string(kHead) +
                               "  - {id: treatment, label: T, subthemes: [{id: provision, "
                               "label: P}]}\n");
  fs.Add("participants.yaml", "participants:\n  - {id: P01}\n");
  fs.Add("transcripts/P01.txt", "INT: Hello.\n");
  const int n = 20000;
  std::string chart = "theme: treatment\ncells:\n";
  for (int i = 0; i < n; ++i)
    chart += "  - {participant: X" + std::to_string(i) + ", subtheme: provision, summary: s}\n";
  fs.Add("charts/treatment.yaml", chart);
  const framework::Study study = framework::LoadStudy(fs, {});
  // Each cell draws two warnings (no 'status'; no such participant): 100 are listed.
  std::size_t warnings = 0;
  for (const Diagnostic& d : study.diagnostics) warnings += d.severity == Severity::kWarning;
  CHECK(warnings == 100);
  REQUIRE(CountRule(study.diagnostics, "too-many-warnings") == 1);
  const Diagnostic* note = FindRule(study.diagnostics, "too-many-warnings");
  CHECK(note->file == "charts/treatment.yaml");
  CHECK(note->unlisted == static_cast<std::size_t>(2 * n - 100));
  CHECK(note->line == 3 + 50);  // the 101st warning: the 51st cell's first
  CHECK(CountDiagnostics(study.diagnostics).warnings == static_cast<std::size_t>(2 * n));
  CHECK(CountDiagnostics(study.diagnostics).errors == 0);
  CHECK(study.charts.at(0).cells.size() == static_cast<std::size_t>(n));  // every cell kept
}

TEST_CASE("linear cost: 200 participants without a transcript: 100 warnings, then counted") {
  framework::MemoryFileSystem fs;
  fs.Add("framework.yaml", std::string(kHead) +
                               "  - {id: treatment, label: T, subthemes: [{id: provision, "
                               "label: P}]}\n");
  std::string participants = "participants:\n  - {id: P01}\n";
  for (int i = 0; i < 200; ++i) participants += "  - {id: Q" + std::to_string(i) + "}\n";
  fs.Add("participants.yaml", participants);
  fs.Add("transcripts/P01.txt", "INT: Hello.\n");
  const framework::Study study = framework::LoadStudy(fs, {});
  CHECK(CountRule(study.diagnostics, "participant-without-transcript") == 100);
  const Diagnostic* note = FindRule(study.diagnostics, "too-many-warnings");
  REQUIRE(note != nullptr);
  CHECK(note->unlisted == 100);
  CHECK(note->file == "participants.yaml");
  CHECK(note->line == 3 + 100);  // Q100, the 101st without one
  CHECK(CountDiagnostics(study.diagnostics).warnings == 200);
}

TEST_CASE("linear cost: YAML beyond 2 MiB that needs yaml-cpp is refused before parsing") {
  framework::MemoryFileSystem fs;
  fs.Add("framework.yaml", std::string(kHead) +
                               "  - {id: treatment, label: T, subthemes: [{id: provision, "
                               "label: P}]}\n");
  fs.Add("participants.yaml", "participants:\n  - {id: P01}\n");
  fs.Add("transcripts/P01.txt", "INT: Hello.\n");
  std::string chart = "theme: treatment\ncells:\n";
  while (chart.size() <= framework::yaml::kMaxYamlCppBytes)
    chart += "  - {participant: P01, subtheme: provision, summary: a summary of some length}\n";
  fs.Add("charts/treatment.yaml", chart);
  const framework::Study study = framework::LoadStudy(fs, {});
  const Diagnostic* e = FindRule(study.diagnostics, "yaml-too-large");
  REQUIRE(e != nullptr);
  CHECK(e->severity == Severity::kError);
  CHECK(e->file == "charts/treatment.yaml");
  CHECK(e->line == 1);
  CHECK(e->column == 1);
  CHECK(e->message == "file too large to read as general YAML: " + std::to_string(chart.size()) +
                          " bytes, the limit is 2097152 bytes");
  // framework.yaml likewise: one error, nothing else made of it.
  Diagnostics ds;
  std::string f = kHead;
  while (f.size() <= framework::yaml::kMaxYamlCppBytes)
    f += "  - {id: t, label: T, subthemes: [{id: s, label: S}]}\n";
  const framework::Framework fw = framework::LoadFramework("framework.yaml", f, ds);
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].rule == "yaml-too-large");
  CHECK(!fw.parsed);

  // The hint names what the file is: a chart's names charts only, framework.yaml's names
  // framework.yaml (it has no fast reader), a participants file's its one-a-line shape.
  CHECK(e->hint.find("a chart this large") != std::string::npos);
  CHECK(e->hint.find("participants") == std::string::npos);
  CHECK(ds[0].hint.find("framework.yaml is always read as general YAML") != std::string::npos);
  CHECK(ds[0].hint.find("chart") == std::string::npos);
  std::string people = "participants:\n";
  while (people.size() <= framework::yaml::kMaxYamlCppBytes)
    people += "  - id: P01\n    role: manager\n";
  Diagnostics pd;
  (void)framework::LoadParticipantsYaml("people.yaml", people, pd);
  REQUIRE(pd.size() == 1);
  CHECK(pd[0].rule == "yaml-too-large");
  CHECK(pd[0].hint.find("a participants file this large") != std::string::npos);
  CHECK(pd[0].hint.find("chart") == std::string::npos);
  // Front matter is capped far below (256 KiB): only a direct parse reaches the limit.
  const std::string front(framework::yaml::kMaxYamlCppBytes + 1, ' ');
  const framework::SourceText source("transcripts/P01.txt", front);
  Diagnostics fd;
  bool ok = true;
  (void)framework::yaml::Parse(source, front, fd, &ok);
  REQUIRE(fd.size() == 1);
  CHECK(!ok);
  CHECK(fd[0].hint.find("front matter holds a few keys") != std::string::npos);
}

// Front matter that needs yaml-cpp is read up to 256 KiB; the body is still read. Plain
// `key: value` lines are read at any size.
TEST_CASE("linear cost: front matter beyond 256 KiB that needs yaml-cpp is refused") {
  std::string fm = "---\nparticipant: P01\nmeta:\n";
  while (fm.size() <= framework::kMaxFrontMatterYamlBytes + 4) fm += "  k: [a, b, c, d]\n";
  const std::size_t between = fm.size() - 4;  // the bytes between the two fences
  fm += "---\nP01: {t.s}x{/t.s}\n";
  Diagnostics ds;
  framework::ParseOptions o;
  o.stem = "P01";
  const framework::Transcript t = framework::ParseTranscript("transcripts/P01.txt", fm, o, ds);
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].rule == "front-matter-too-large");
  CHECK(ds[0].line == 1);
  CHECK(ds[0].column == 1);
  CHECK(ds[0].message == "front matter of " + std::to_string(between) +
                             " bytes is too large to read as YAML, the limit is 262144 bytes "
                             "(256 KiB)");
  CHECK(ds[0].hint.find("plain 'key: value' lines") != std::string::npos);
  CHECK(t.segments.size() == 1);  // the body is read

  // Plain `key: value` lines are read without yaml-cpp past 256 KiB, up to 1,000 keys.
  std::string plain = "---\n";
  for (std::size_t i = 0; i < framework::kMaxFrontMatterKeys; ++i)
    plain += "key" + std::to_string(i) + ": a value of some length to pass 256 KiB\n";
  REQUIRE(plain.size() > framework::kMaxFrontMatterYamlBytes / 8);
  plain += "participant: P01\n---\nP01: {t.s}x{/t.s}\n";
  Diagnostics plain_ds;
  const framework::Transcript fits = framework::ParseTranscript("P01.txt", plain, o, plain_ds);
  CHECK(plain_ds.empty());
  CHECK(fits.metadata.size() == framework::kMaxFrontMatterKeys);
  CHECK(fits.participant == "P01");

  // Past 1,000 keys: one error at the first key over; the rest are not kept, but participant
  // and date still are, wherever they stand, and the body is read.
  std::string many = "---\n";
  for (int i = 0; i < 200000; ++i) many += "key" + std::to_string(i) + ": a value\n";
  many += "participant: P01\ndate: 2024-05-01\n---\nP01: {t.s}x{/t.s}\n";
  REQUIRE(many.size() > framework::kMaxFrontMatterYamlBytes * 8);
  Diagnostics many_ds;
  const framework::Transcript big = framework::ParseTranscript("P01.txt", many, o, many_ds);
  REQUIRE(many_ds.size() == 1);
  CHECK(many_ds[0].rule == "front-matter-too-large");
  CHECK(many_ds[0].severity == Severity::kError);
  CHECK(many_ds[0].line == 2 + static_cast<int>(framework::kMaxFrontMatterKeys));
  CHECK(many_ds[0].message ==
        "front matter of more than 1000 keys; the keys from here on are "
        "not read");
  CHECK(big.metadata.size() == framework::kMaxFrontMatterKeys);
  CHECK(big.participant == "P01");
  CHECK(big.date == "2024-05-01");
  CHECK(big.segments.size() == 1);
}

// The YAML in yaml-cpp at once is bounded over every thread: a parse past the budget waits for
// the others to release theirs; a thread holding some never waits on itself.
TEST_CASE("linear cost: yaml-cpp bytes in flight are shared across threads") {
  using framework::yaml::kYamlCppBytesInFlight;
  using framework::yaml::Reservation;
  Reservation all(kYamlCppBytesInFlight);
  {
    Reservation more(kYamlCppBytesInFlight);  // this thread holds some: taken at once
  }
  std::atomic<bool> got{false};
  std::thread other([&] {
    Reservation r(kYamlCppBytesInFlight / 2);
    got = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK_FALSE(got.load());  // waits while `all` is held
  all.Release();
  other.join();
  CHECK(got.load());
  // The budget is whole again: a parse on this thread runs.
  Diagnostics ds;
  framework::SourceText source{"x.yaml", "a: 1\n"};
  bool ok = false;
  framework::yaml::Parse(source, "a: 1\n", ds, &ok);
  CHECK(ok);
}

// A small file that names one large anchored value many times ("billion laughs"): refused at
// the anchor before any reader copies it, in framework.yaml, a chart and participants alike.
TEST_CASE("linear cost: YAML aliases that expand a file many times over are refused") {
  const std::string big(200000, 'C');
  std::string f =
      std::string(kHead) + "  - id: t\n    label: &big \"" + big + "\"\n" + "    subthemes:\n";
  for (int i = 0; i < 200; ++i)
    f += "      - {id: s" + std::to_string(i) + ", label: L, description: *big}\n";
  Diagnostics ds;
  const framework::Framework fw = framework::LoadFramework("framework.yaml", f, ds);
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].rule == "yaml-alias-expansion");
  CHECK(ds[0].severity == Severity::kError);
  CHECK(ds[0].line == 6);  // the anchored label
  CHECK(!fw.parsed);

  // Nested aliases: ten levels of ten, 10^10 nodes walked if nothing stopped it.
  std::string laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    laughs += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k)
      laughs += std::string(k ? ", " : "") + "*a" + std::to_string(i - 1);
    laughs += "]\n";
  }
  framework::MemoryFileSystem fs;
  fs.Add("framework.yaml", std::string(kHead) +
                               "  - {id: treatment, label: T, subthemes: [{id: provision, "
                               "label: P}]}\n");
  fs.Add("participants.yaml", laughs + "participants:\n  - {id: P01}\n");
  fs.Add("transcripts/P01.txt", "INT: Hello.\n");
  std::string chart = "theme: treatment\nnote: &n \"" + big + "\"\ncells:\n";
  for (int i = 0; i < 100; ++i)
    chart += "  - {participant: P01, subtheme: provision, summary: *n}\n";
  fs.Add("charts/treatment.yaml", chart);
  const framework::Study study = framework::LoadStudy(fs, {});
  CHECK(CountRule(study.diagnostics, "yaml-alias-expansion") == 2);
  std::map<std::string, int> lines;
  for (const Diagnostic& d : study.diagnostics)
    if (d.rule == "yaml-alias-expansion") lines[d.file] = d.line;
  CHECK(lines["charts/treatment.yaml"] == 2);  // the anchored note
  CHECK(lines["participants.yaml"] >= 1);

  // Honest reuse stays within: one anchored description named by five sub-themes.
  std::string honest =
      std::string(kHead) + "  - id: t\n    label: &d \"" + big + "\"\n" + "    subthemes:\n";
  for (int i = 0; i < 5; ++i)
    honest += "      - {id: s" + std::to_string(i) + ", label: L, description: *d}\n";
  Diagnostics none;
  const framework::Framework ok = framework::LoadFramework("framework.yaml", honest, none);
  CHECK(none.empty());
  CHECK(ok.parsed);
}

// Hostile sweep 36/37: a template of 150,000 placeholders, or 300,000 unknown ones, cost time
// squared in the number (each looked up in a list of those already seen). It is refused whole,
// at the template, and every attribution is then "Participant".
TEST_CASE("linear cost: an attribution template past its limits is one located error") {
  std::string placeholders;
  for (int i = 0; i < 2000; ++i) placeholders += "{x" + std::to_string(i) + "} ";
  const std::string themes = "  - {id: t, label: T, subthemes: [{id: s, label: S}]}\n";
  Diagnostics ds;
  framework::Framework fw = framework::LoadFramework(
      "framework.yaml",
      "framework: 1\ntitle: T\nattribution: \"" + placeholders + "\"\nthemes:\n" + themes, ds);
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].severity == Severity::kError);
  CHECK(ds[0].rule == "bad-value");
  CHECK(ds[0].line == 3);
  CHECK(ds[0].column == 14);
  CHECK(ds[0].message == "the attribution template is " + std::to_string(placeholders.size()) +
                             " bytes long; at most 4096 are allowed");
  CHECK(fw.attribution == "Participant");
  CHECK(fw.themes.size() == 1);  // the rest of the file is read

  // Within the byte limit, 101 placeholders are one too many; 100 are allowed.
  std::string many;
  for (int i = 0; i < 101; ++i) many += "{a}";
  ds.clear();
  fw = framework::LoadFramework(
      "framework.yaml", "framework: 1\ntitle: T\nattribution: \"" + many + "\"\nthemes:\n" + themes,
      ds);
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].message == "the attribution template has 101 placeholders; at most 100 are allowed");
  ds.clear();
  fw = framework::LoadFramework(
      "framework.yaml",
      "framework: 1\ntitle: T\nattribution: \"" + many.substr(3) + "\"\nthemes:\n" + themes, ds);
  CHECK(ds.empty());
  CHECK(fw.attribution == many.substr(3));
}

TEST_CASE("linear cost: unknown placeholders are warnings at the placeholder, {id} is known") {
  framework::MemoryFileSystem fs;
  fs.Add("framework.yaml",
         "framework: 1\ntitle: T\nattribution: \"{role}, {sectr} ({id}) {sectr} {zzzzzz}\"\n"
         "speakers: {INT: interviewer}\nthemes:\n  - {id: t, label: T, subthemes: [{id: s, label: "
         "S}]}\n");
  fs.Add("participants.yaml",
         "attributes:\n  role: {type: string}\n  sector: {type: string}\nparticipants:\n"
         "  - {id: P01, role: nurse, sector: health}\n");
  fs.Add("transcripts/P01.txt", "INT: Hello.\n");
  const framework::Study study = framework::LoadStudy(fs, {});
  REQUIRE(CountRule(study.diagnostics, "unknown-placeholder") == 2);  // once each
  std::vector<const Diagnostic*> found;
  for (const Diagnostic& d : study.diagnostics)
    if (d.rule == "unknown-placeholder") found.push_back(&d);
  CHECK(found[0]->severity == Severity::kWarning);
  CHECK(found[0]->file == "framework.yaml");
  CHECK(found[0]->line == 3);
  CHECK(found[0]->column == 23);
  CHECK(found[0]->message ==
        "the attribution template uses {sectr}, which is not a participant attribute; it is "
        "left out");
  CHECK(found[0]->hint == "did you mean '{sector}'?");
  CHECK(found[1]->column == 46);
  CHECK(found[1]->hint == "attributes are declared in participants.yaml");
  CHECK(CountDiagnostics(study.diagnostics).errors == 0);

  // The default template, not written, draws none (a study without 'role' is "Participant").
  framework::MemoryFileSystem plain;
  plain.Add("framework.yaml",
            "framework: 1\ntitle: T\nthemes:\n  - {id: t, label: T, subthemes: [{id: s, label: "
            "S}]}\n");
  plain.Add("participants.yaml", "participants:\n  - {id: P01}\n");
  plain.Add("transcripts/P01.txt", "P01: Hello.\n");
  CHECK(CountRule(framework::LoadStudy(plain, {}).diagnostics, "unknown-placeholder") == 0);
}

// Hostile sweep 56: --only-from with 20,000 globs tried every glob on every transcript.
TEST_CASE("linear cost: --only with many exact names and globs selects exactly their matches") {
  framework::MemoryFileSystem fs;
  fs.Add("framework.yaml",
         std::string(kHead) + "  - {id: t, label: T, subthemes: [{id: s, label: S}]}\n");
  fs.Add("participants.yaml", "participants:\n  - {id: P0000}\n");
  for (int i = 0; i < 2000; ++i) {
    char id[8];
    std::snprintf(id, sizeof id, "P%04d", i);
    fs.Add(std::string("transcripts/") + id + ".txt", "INT: Hello.\n");
  }
  framework::LoadOptions options;
  for (int i = 0; i < 1000; i += 2) {  // 500 exact names: P0000, P0002, ...
    char id[8];
    std::snprintf(id, sizeof id, "P%04d", i);
    options.only.emplace_back(id);
  }
  options.only.emplace_back("transcripts/P19[0-4]?.txt");  // 50 paths
  options.only.emplace_back("*99");                        // P0099 ... P1999: 20, 5 even < 1000
  options.only.emplace_back("P\\1001");                    // an escape: P1001
  options.only.emplace_back("P0001*[!x]");                 // needs a character after P0001: none
  const framework::Study study = framework::LoadStudy(fs, options);
  std::set<std::string> got;
  for (const auto& t : study.transcripts) got.insert(t.path);
  std::set<std::string> want;
  for (int i = 0; i < 2000; ++i) {
    const bool pick =
        (i < 1000 && i % 2 == 0) || (i >= 1900 && i < 1950) || i % 100 == 99 || i == 1001;
    char path[32];
    std::snprintf(path, sizeof path, "transcripts/P%04d.txt", i);
    if (pick) want.insert(path);
  }
  CHECK(got == want);
  CHECK(study.partial);
}

// Positions on one line resume counting from the last one asked for (one pass for a flow-style
// list of thousands of nodes); in any order, and across multi-byte and invalid UTF-8, each is
// what a fresh count gives.
TEST_CASE("linear cost: positions on a long line are the same resumed or counted afresh") {
  const std::string text =
      "ab\xC3\xA9"
      "c\xE2\x80\x94"
      "d\xFF\xFE"
      "e\xF0\x9F\x98\x80"
      "f\n"
      "x\xC3\xA9y\n";
  framework::SourceText resumed{"x.txt", text};
  const std::size_t offsets[] = {0, 1, 2, 4, 5, 8, 9, 10, 11, 12, 16, 17, 18, 20, 3, 0, 21, 8, 6};
  for (std::size_t offset : offsets) {
    framework::SourceText fresh{"x.txt", text};
    const framework::Position a = resumed.PositionAt(offset);
    const framework::Position b = fresh.PositionAt(offset);
    INFO("offset " << offset);
    CHECK(a.line == b.line);
    CHECK(a.column == b.column);
  }
  CHECK(resumed.PositionAt(12).column == 10);  // after a, b, é, c, —, d, FF, FE and e
  CHECK(resumed.PositionAt(20).line == 2);
}
