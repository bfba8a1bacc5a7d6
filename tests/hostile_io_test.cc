// Hostile input, second round (issue 14): `-o` onto a FIFO nothing reads, a refused transcript
// with export and show, a 2 MB line shown, import limits that follow --max-file-size and an
// expansion rule that can be lifted, codebooks and codings tables past their caps, and a codings
// table header of 300,000 columns (quadratic before). Every input is generated here; no case
// asserts a time.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <zip.h>

#include <string>
#include <vector>

#include "framework/refi_import.h"
#include "run_binary.h"
#include "study_copy.h"
#include "zip_test_util.h"

namespace {

using namespace framework_test;
using framework::ImportResult;

// A project whose one text source is `bytes` bytes of very compressible text.
std::string CompressibleQdpx(std::size_t bytes) {
  const std::string project =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"P\" origin=\"test\"><CodeBook><Codes>"
      "<Code guid=\"k1\" name=\"K\"/></Codes></CodeBook><Sources><TextSource guid=\"t1\" "
      "name=\"T\" plainTextPath=\"internal://t1.txt\"/></Sources></Project>\n";
  const std::string line = "The quick brown fox jumps over the lazy dog, and then some more.\n";
  std::string text;
  text.reserve(bytes + line.size());
  while (text.size() < bytes) text += line;
  return MakeZip(project, "sources/t1.txt", text);
}

const framework::Diagnostic* FindRule(const framework::Diagnostics& diagnostics,
                                      const std::string& rule) {
  for (const auto& d : diagnostics)
    if (d.rule == rule) return &d;
  return nullptr;
}

}  // namespace

TEST_CASE("hostile io: export -o onto a FIFO nothing reads is refused, exit 3, no hang") {
  StudyCopy study;
  const fs::path fifo = study.tmp() / "out.fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
  const RunResult r = Run({"export", "--format", "json", "-o", fifo.string()}, study.root());
  CHECK(r.exit_code == 3);
  CHECK(Contains(r.err, "a FIFO (named pipe) that nothing reads"));
  CHECK(fs::is_fifo(fifo));
  // /dev/null stays a valid target (a character device, written in place).
  const RunResult null = Run({"export", "--format", "json", "-o", "/dev/null"}, study.root());
  CHECK(null.exit_code == 0);
}

TEST_CASE("hostile io: export exits 3 when a transcript is refused, and show says why") {
  StudyCopy study;
  const fs::path p14 = study.root() / "transcripts" / "P14.txt";
  fs::remove(p14);
  fs::create_symlink("/etc/passwd", p14);
  fs::create_symlink("b.txt", study.root() / "transcripts" / "a.txt");
  fs::create_symlink("a.txt", study.root() / "transcripts" / "b.txt");
  const RunResult json =
      Run({"export", "--format", "json", "-o", (study.tmp() / "out.json").string()}, study.root());
  CHECK(json.exit_code == 3);
  CHECK(fs::exists(study.tmp() / "out.json"));  // still written, from the rest
  CHECK_FALSE(Contains(ReadFile(study.tmp() / "out.json"), "root:x:0"));
  const RunResult qdpx =
      Run({"export", "--format", "qdpx", "-o", (study.tmp() / "out.qdpx").string()}, study.root());
  CHECK(qdpx.exit_code == 3);

  const RunResult show = Run({"show", "P14"}, study.root());
  CHECK(show.exit_code == 3);
  CHECK(Contains(show.err, "transcripts/P14.txt: error: cannot read transcript"));
  CHECK(Contains(show.err, "outside the study folder"));
  CHECK_FALSE(Contains(show.err, "has no transcript"));
  CHECK_FALSE(Contains(show.out, "root:"));
}

TEST_CASE("hostile io: a participants file that cannot be read at all fails the output, exit 1") {
  // The output is still written, but without one attribute: a report built on it would lack
  // every group, so the exit code must say so (a bad transcript alone keeps exit 0).
  StudyCopy study;
  WriteFile(study / "participants.yaml", "participants: [ {id: P01\n");
  const fs::path out = study.tmp() / "out.json";
  const RunResult json = Run({"export", "--format", "json", "-o", out.string()}, study.root());
  CHECK(json.exit_code == 1);
  CHECK(fs::exists(out));
  CHECK(Contains(json.err, "error: the participants file participants.yaml could not be read"));
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"quotes", "role.background", "-q"}, {"summarise", "-q"}}) {
    const RunResult r = Run(command, study.root());
    CHECK(r.exit_code == 1);
    CHECK(Contains(r.err, "could not be read, so no participant attribute"));
  }
  // An empty but valid participants file is read: no error from it.
  WriteFile(study / "participants.yaml", "participants: []\n");
  const RunResult empty = Run({"export", "--format", "json", "-o", out.string()}, study.root());
  CHECK_FALSE(Contains(empty.err, "could not be read, so no participant attribute"));
}

TEST_CASE("hostile io: show cuts a line past 1 MiB with a note, and shows the rest") {
  StudyCopy study;
  const fs::path p14 = study.root() / "transcripts" / "P14.txt";
  WriteFile(p14, "---\nparticipant: P14\n---\nP14: " + std::string(3u << 20, '{') + "\nlast\n");
  const RunResult r = Run({"show", "P14", "--color", "never"}, study.root());
  CHECK(r.exit_code == 0);
  CHECK(Contains(r.out, "more bytes of this line not shown"));
  CHECK(Contains(r.out, "last"));
  CHECK(r.out.size() < (3u << 20));  // the long line is not all there
  CHECK(r.out.size() > (1u << 20));
}

TEST_CASE("hostile io: import's expansion rule can be lifted, and its sizes follow the limit") {
  const std::string zip = CompressibleQdpx(3u << 20);  // 3 MB of text in a few KB
  ImportResult strict = framework::ImportQdpx("c.qdpx", zip);
  CHECK_FALSE(strict.ok);
  const auto* bomb = FindRule(strict.diagnostics, "unsafe-archive");
  REQUIRE(bomb != nullptr);
  CHECK(Contains(bomb->message, "zip bomb"));
  CHECK(Contains(bomb->hint, "--max-expansion"));
  framework::ImportOptions lifted;
  lifted.limits.max_ratio = 0;
  CHECK(framework::ImportQdpx("c.qdpx", zip, lifted).ok);

  TempDir tmp;
  WriteFile(tmp.path() / "c.qdpx", zip);
  const RunResult refused =
      Run({"import", (tmp.path() / "c.qdpx").string(), "-o", (tmp.path() / "a").string()});
  CHECK(refused.exit_code == 1);
  CHECK(Contains(refused.err, "zip bomb"));
  const RunResult allowed = Run({"import", (tmp.path() / "c.qdpx").string(), "--max-expansion", "0",
                                 "-o", (tmp.path() / "b").string()});
  CHECK(allowed.exit_code == 0);
  CHECK(fs::exists(tmp.path() / "b" / "framework.yaml"));
  const RunResult negative = Run({"import", (tmp.path() / "c.qdpx").string(), "--max-expansion",
                                  "-1", "-o", (tmp.path() / "n").string()});
  CHECK(negative.exit_code == 2);  // not read as a huge ratio
  // The per-file limit is --max-file-size: 1M refuses the 3 MB source.
  const RunResult small = Run({"--max-file-size", "1M", "import", (tmp.path() / "c.qdpx").string(),
                               "--max-expansion", "0", "-o", (tmp.path() / "c").string()});
  CHECK(small.exit_code == 1);
  CHECK(Contains(small.err, "1 MB, the limit for one file"));
  CHECK(Contains(small.err, "--max-file-size"));
}

TEST_CASE("hostile io: a codebook of more codes than the limit is refused before it is built") {
  std::string codes;
  for (int i = 0; i < 60000; ++i)
    codes += "<Code guid=\"c" + std::to_string(i) + "\" name=\"c\" isCodable=\"true\"/>";
  const std::string qdc =
      "<?xml version=\"1.0\"?>\n<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\">"
      "<Codes><Code guid=\"top\" name=\"T\">" +
      codes + "</Code></Codes></CodeBook>\n";
  ImportResult r = framework::ImportCodebook("big.qdc", qdc, nullptr);
  CHECK_FALSE(r.ok);
  CHECK(r.files.empty());
  const auto* d = FindRule(r.diagnostics, "too-many-codes");
  REQUIRE(d != nullptr);
  CHECK(d->message == "the codebook has 60001 codes, more than 50000, the limit");
  CHECK(d->line == 2);
  CHECK(d->column > 50000 * 40);  // at the 50,001st code
  framework::ImportOptions small;
  small.limits.max_codes = 3;
  CHECK(framework::ImportCodebook("t.qdc",
                                  "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes>"
                                  "<Code guid=\"a\" name=\"A\"/><Code guid=\"b\" name=\"B\"/>"
                                  "<Code guid=\"c\" name=\"C\"/></Codes></CodeBook>",
                                  nullptr, small)
            .ok);
}

TEST_CASE("hostile io: codings tables: 300,000 header columns read linearly; rows are capped") {
  TempDir tmp;
  fs::create_directories(tmp.path() / "tx");
  WriteFile(tmp.path() / "tx" / "T1.txt", "alpha beta gamma\n");
  std::string header = "document,code,text";
  for (int i = 0; i < 300000; ++i) header += ",c" + std::to_string(i);
  WriteFile(tmp.path() / "wide.csv", header + "\nT1,A > B,alpha\n");
  const RunResult wide = Run({"import", (tmp.path() / "wide.csv").string(), "--transcripts",
                              (tmp.path() / "tx").string(), "-o", (tmp.path() / "w").string()});
  CHECK(wide.exit_code == 1);  // the row is short of the header: a located error, quickly
  CHECK(Contains(wide.err, "wide.csv:2:1: error: record has 3 fields, the header has 300003"));

  std::string rows = "document,code,start,end\n";
  for (int i = 0; i < 200001; ++i) rows += "T1,A > B,0,5\n";
  WriteFile(tmp.path() / "rows.csv", rows);
  const RunResult many = Run({"import", (tmp.path() / "rows.csv").string(), "--transcripts",
                              (tmp.path() / "tx").string(), "-o", (tmp.path() / "r").string()});
  CHECK(many.exit_code == 1);
  CHECK(Contains(many.err,
                 "rows.csv:200002:1: error: the codings table has 200001 rows, more "
                 "than 200000, the limit"));
  CHECK_FALSE(fs::exists(tmp.path() / "r" / "framework.yaml"));
}

// One thread a transcript up to -j once aborted the process when the system refused the
// threads (std::system_error, uncaught); -j is now at most 256.
TEST_CASE("hostile io: -j past 256 is a usage error, not an abort") {
  const RunResult r = Run({"check", "-j", "100000"}, kExample);
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "--jobs"));
  const RunResult ok = Run({"check", "-q", "-j", "256"}, kExample);
  CHECK(ok.exit_code == 0);
}

namespace {

// `ascii` as UTF-16LE with a byte order mark.
std::string Utf16(const std::string& ascii) {
  std::string out = "\xFF\xFE";
  for (char c : ascii) {
    out += c;
    out += '\0';
  }
  return out;
}

}  // namespace

TEST_CASE("hostile io: a NUL byte in a transcript is one located error, exit 1") {
  StudyCopy study;
  const fs::path file = study.root() / "transcripts" / "P02.txt";
  std::string text = ReadFile(file);
  const std::size_t second = text.find('\n') + 1;
  text.insert(second + 3, std::string(1, '\0'));  // line 2, column 4
  WriteFile(file, text);
  RunResult r = Run({"check"}, study.root());
  CHECK(r.exit_code == 1);
  CHECK(Contains(r.err, "transcripts/P02.txt:2:4: error: a NUL byte (0x00)"));
  CHECK(Contains(r.err, "tr -d"));

  // The reader itself: the first NUL, its line and column in code points.
  framework::MemoryFileSystem files;
  files.Add("t.txt", std::string("ab\n\xC3\xA9x\0y", 7));
  const framework::ReadResult read = framework::ReadTextFile(files, "t.txt");
  CHECK_FALSE(read.ok);
  CHECK(read.encoding == "binary");
  CHECK(read.line == 2);
  CHECK(read.column == 3);
}

TEST_CASE("hostile io: chart --draft over a UTF-16 chart file names the encoding") {
  StudyCopy study;
  const fs::path chart = study.root() / "charts" / "training.yaml";
  WriteFile(chart, Utf16(ReadFile(chart)));
  RunResult r = Run({"chart", "training", "--draft"}, study.root());
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(Contains(r.err, "UTF-16LE text"));
  CHECK(Contains(r.err, "iconv -f UTF-16 -t UTF-8"));
  CHECK_FALSE(Contains(r.err, "invalid UTF-8"));
}

TEST_CASE("hostile io: --rebase of a cell that --where leaves out says so") {
  StudyCopy study;
  // P01 is a practitioner: a filter on managers leaves its row out.
  RunResult r = Run({"chart", "training", "--where", "role=manager", "--rebase", "P01:prequal"},
                    study.root());
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err,
                 "P01:prequal is not rebased: its participant is not among the rows "
                 "--where 'role=manager' selects"));
  CHECK(Contains(r.err, "nothing rebased"));
  // A cell the filter keeps: rebased, no warning.
  RunResult kept = Run({"chart", "training", "--where", "role=manager", "--rebase", "P03:prequal"},
                       study.root());
  INFO(kept.err);
  CHECK(kept.exit_code == 0);
  CHECK_FALSE(Contains(kept.err, "not rebased"));
}

TEST_CASE("hostile io: a transcript set aside while the import is checked comes back whole") {
  // 5 MB: past the size at which a transcript waits in a scratch file during the check.
  const std::size_t bytes = 5u << 20;
  framework::ImportOptions options;
  options.limits.max_ratio = 0;
  ImportResult r = framework::ImportQdpx("c.qdpx", CompressibleQdpx(bytes), options);
  REQUIRE(r.ok);
  CHECK(framework::CountDiagnostics(r.diagnostics).errors == 0);
  const framework::ImportedFile* transcript = nullptr;
  for (const framework::ImportedFile& f : r.files)
    if (f.path.starts_with("transcripts/") && f.path.ends_with(".txt")) transcript = &f;
  REQUIRE(transcript != nullptr);
  CHECK(transcript->contents.size() >= bytes);
  CHECK(transcript->contents.ends_with("and then some more.\n"));
  const std::string_view head(transcript->contents.data(), 1000);
  CHECK(head.find("The quick brown fox") != std::string_view::npos);
}

TEST_CASE("hostile io: an unknown theme lists ten theme ids and how many more, not all") {
  StudyCopy study;
  const fs::path fw = study.root() / "framework.yaml";
  std::string text = ReadFile(fw);  // its themes list ends the file
  for (int i = 0; i < 30; ++i)
    text += "  - {id: extra" + std::to_string(i) + ", label: E, subthemes: [{id: s, label: S}]}\n";
  WriteFile(fw, text);
  RunResult r = Run({"chart", "nothing-like-it"}, study.root());
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "and 26 more"));
  CHECK(Contains(r.err, ", extra3 and 26 more"));
  CHECK_FALSE(Contains(r.err, "extra4"));
}
