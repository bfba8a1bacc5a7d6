// Hostile input to `framework import` (issue 14): code trees nested far too deep, zip archives
// whose central directory lies or repeats a name, sources beyond the size limit, a bare .qde
// whose sources are symbolic links out of its folder or FIFOs, and inputs that used to cost
// quadratic time (a codings table whose texts are not found, thousands of codes of one name).
// Every input is generated here; each case asserts its diagnostic and outcome, never its time
// (docs/limits.md lists the limits; the measurements are in the notes of the change).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <zip.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "framework/file_system.h"
#include "framework/refi_import.h"
#include "framework/study.h"
#include "import_model.h"
#include "run_binary.h"
#include "zip_test_util.h"

namespace {

using namespace framework_test;
using framework::ImportResult;

void Put32(std::string& bytes, std::size_t at, std::uint32_t value) {
  for (int i = 0; i < 4; ++i)
    bytes[at + static_cast<std::size_t>(i)] = static_cast<char>(value >> (8 * i));
}

// The central directory record of entry `name` in `zip`: its offset.
std::size_t CentralRecord(const std::string& zip, const std::string& name) {
  for (std::size_t at = zip.find("PK\x01\x02"); at != std::string::npos;
       at = zip.find("PK\x01\x02", at + 4)) {
    const std::size_t len = static_cast<unsigned char>(zip[at + 28]) |
                            static_cast<std::size_t>(static_cast<unsigned char>(zip[at + 29])) << 8;
    if (zip.compare(at + 46, len, name) == 0 && len == name.size()) return at;
  }
  FAIL("no central record for " << name);
  return 0;
}

// Makes the central directory claim other sizes for entry `name` (the local header is kept);
// a size not given stays as it is.
std::string Lie(std::string zip, const std::string& name, std::optional<std::uint32_t> compressed,
                std::optional<std::uint32_t> uncompressed) {
  const std::size_t at = CentralRecord(zip, name);
  if (compressed) Put32(zip, at + 20, *compressed);
  if (uncompressed) Put32(zip, at + 24, *uncompressed);
  return zip;
}

// Renames every occurrence of `from` in the archive's headers to `to` (same length).
std::string Rename(std::string zip, const std::string& from, const std::string& to) {
  REQUIRE(from.size() == to.size());
  for (std::size_t at = zip.find(from); at != std::string::npos; at = zip.find(from, at + 1))
    zip.replace(at, from.size(), to);
  return zip;
}

const framework::Diagnostic* FindRule(const framework::Diagnostics& diagnostics,
                                      const std::string& rule) {
  for (const auto& d : diagnostics)
    if (d.rule == rule) return &d;
  return nullptr;
}

std::size_t CountRule(const framework::Diagnostics& diagnostics, const std::string& rule) {
  return static_cast<std::size_t>(std::count_if(diagnostics.begin(), diagnostics.end(),
                                                [&](const auto& d) { return d.rule == rule; }));
}

// `depth` codes, each inside the one before.
std::string NestedCodes(int depth, const std::string& leaves = "") {
  std::string out;
  for (int i = 0; i < depth; ++i)
    out += "<Code guid=\"c" + std::to_string(i) + "\" name=\"Level " + std::to_string(i) + "\">";
  out += leaves;
  for (int i = 0; i < depth; ++i) out += "</Code>";
  return out;
}

std::string Codebook(const std::string& codes) {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
         "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" origin=\"test\"><Codes>" +
         codes + "</Codes></CodeBook>\n";
}

// A project with one text source, sources/t1.txt, its first three characters coded "K".
std::string Project(const std::string& codes = "<Code guid=\"k1\" name=\"K\"/>") {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
         "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"P\" origin=\"test\">\n"
         "<CodeBook><Codes>" +
         codes +
         "</Codes></CodeBook>\n<Sources><TextSource guid=\"t1\" name=\"T\" "
         "plainTextPath=\"internal://t1.txt\"><PlainTextSelection guid=\"p1\" startPosition=\"0\" "
         "endPosition=\"3\"><Coding guid=\"g1\"><CodeRef targetGUID=\"k1\"/></Coding>"
         "</PlainTextSelection></TextSource></Sources></Project>\n";
}

std::size_t OutputBytes(const ImportResult& result) {
  std::size_t n = 0;
  for (const auto& f : result.files) n += f.contents.size();
  return n;
}

framework::Study LoadImported(const ImportResult& result) {
  framework::MemoryFileSystem files;
  for (const auto& f : result.files) files.Add(f.path, f.contents);
  return framework::LoadStudy(files);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Depth.

TEST_CASE("import hostile: codes nested 30,000 deep are a located error, not a stack overflow") {
  const std::string deep = NestedCodes(30000);
  ImportResult qdc = framework::ImportCodebook("deep.qdc", Codebook(deep), nullptr);
  CHECK_FALSE(qdc.ok);
  CHECK(qdc.files.empty());
  const auto* d = FindRule(qdc.diagnostics, "too-deep");
  REQUIRE(d != nullptr);
  CHECK(d->severity == framework::Severity::kError);
  CHECK(d->message == "code nesting deeper than 100 levels");
  CHECK(d->file == "deep.qdc");
  CHECK(d->line == 2);
  CHECK(d->column > 100 * 20);  // at the 101st <Code>, far along the line
  CHECK(Contains(d->hint, "flatten"));

  framework::MemoryFileSystem none;
  ImportResult qde = framework::ImportQde("project.qde", Project(deep), none);
  CHECK_FALSE(qde.ok);
  REQUIRE(FindRule(qde.diagnostics, "too-deep") != nullptr);

  ImportResult qdpx = framework::ImportQdpx(
      "deep.qdpx", MakeZip({{"project.qde", Project(deep)}, {"sources/t1.txt", "abc"}}));
  CHECK_FALSE(qdpx.ok);
  CHECK(qdpx.files.empty());
  const auto* z = FindRule(qdpx.diagnostics, "too-deep");
  REQUIRE(z != nullptr);
  CHECK(z->file == "deep.qdpx/project.qde");
  CHECK(z->line == 3);

  // The command: a located error, exit 1, nothing written.
  TempDir tmp;
  WriteFile(tmp.path() / "deep.qdc", Codebook(deep));
  RunResult run =
      Run({"import", (tmp.path() / "deep.qdc").string(), "-o", (tmp.path() / "study").string()});
  CHECK(run.exit_code == 1);
  CHECK(Contains(run.err, "deep.qdc:2:"));
  CHECK(Contains(run.err, "error: code nesting deeper than 100 levels"));
  CHECK_FALSE(fs::exists(tmp.path() / "study" / "framework.yaml"));
  WriteFile(tmp.path() / "deep.qdpx",
            MakeZip({{"project.qde", Project(deep)}, {"sources/t1.txt", "abc"}}));
  RunResult zipped =
      Run({"import", (tmp.path() / "deep.qdpx").string(), "-o", (tmp.path() / "study2").string()});
  CHECK(zipped.exit_code == 1);
  CHECK(Contains(zipped.err, "deep.qdpx/project.qde:3:"));
  CHECK(Contains(zipped.err, "code nesting deeper than 100 levels"));

  // The limit is a setting: 100 levels pass, 101 do not.
  CHECK(framework::ImportCodebook("ok.qdc", Codebook(NestedCodes(100)), nullptr).ok);
  CHECK_FALSE(framework::ImportCodebook("no.qdc", Codebook(NestedCodes(101)), nullptr).ok);
  framework::ImportOptions shallow;
  shallow.limits.max_depth = 3;
  ImportResult three =
      framework::ImportCodebook("c.qdc", Codebook(NestedCodes(4)), nullptr, shallow);
  REQUIRE(FindRule(three.diagnostics, "too-deep") != nullptr);
  CHECK(FindRule(three.diagnostics, "too-deep")->message == "code nesting deeper than 3 levels");
}

TEST_CASE(
    "import hostile: deep codes get short aliases, so the output stays near the input's size") {
  // 3,000 nested codes are over the depth limit; 100 levels (the limit), 2,000 leaves at the last,
  // used to give aliases of 100 slugs each.
  CHECK(
      FindRule(framework::ImportCodebook("n.qdc", Codebook(NestedCodes(3000)), nullptr).diagnostics,
               "too-deep") != nullptr);
  std::string leaves;
  for (int i = 0; i < 2000; ++i)
    leaves += "<Code guid=\"l" + std::to_string(i) + "\" name=\"Leaf\"/>";
  const std::string input = Codebook(NestedCodes(99, leaves));
  ImportResult result = framework::ImportCodebook("wide.qdc", input, nullptr);
  REQUIRE_MESSAGE(result.ok, Summary(result.diagnostics));
  CHECK(OutputBytes(result) < 10 * input.size());  // not growing with the depth
  const framework::ImportedFile* fw = result.Find("framework.yaml");
  REQUIRE(fw != nullptr);
  // Aliases: theme.subtheme, then at most kAliasPathLevels slugs of path, then one more.
  std::size_t longest = 0;
  for (std::size_t at = fw->contents.find("        - "); at != std::string::npos;
       at = fw->contents.find("        - ", at + 1)) {
    const std::string alias = fw->contents.substr(at + 10, fw->contents.find('\n', at) - at - 10);
    longest = std::max<std::size_t>(
        longest, static_cast<std::size_t>(std::count(alias.begin(), alias.end(), '.')));
  }
  CHECK(longest == 2 + framework::import_model::kAliasPathLevels);
  CHECK(Contains(fw->contents, ".leaf-2000\n"));
  framework::Study study = LoadImported(result);
  CHECK(framework::CountDiagnostics(study.diagnostics).errors == 0);

  // A "::" name of thousands of parts is not split into a hierarchy that deep.
  std::string parts = "A";
  for (int i = 0; i < 5000; ++i) parts += "::b" + std::to_string(i);
  ImportResult flat = framework::ImportCodebook(
      "flat.qdc",
      Codebook("<Code guid=\"x\" name=\"" + parts + "\"/><Code guid=\"y\" name=\"A::c\"/>"),
      nullptr);
  REQUIRE(flat.ok);
  CHECK(OutputBytes(flat) < 4 * parts.size() + 10000);
}

// ---------------------------------------------------------------------------------------------
// Zip archives.

TEST_CASE("import hostile: a central directory that lies about sizes does not widen the limits") {
  const std::string zeros(8u << 20, '\0');  // deflates to a few kilobytes
  const std::string honest = MakeZip({{"project.qde", Project()}, {"sources/t1.txt", zeros}});
  REQUIRE(honest.size() < 64 * 1024);
  for (const auto& [label_, zip] : std::vector<std::pair<std::string, std::string>>{
           {"honest", honest},
           {"compressed size claimed 200 MB", Lie(honest, "sources/t1.txt", 200u << 20, 8u << 20)},
           {"uncompressed size claimed 10 bytes",
            Lie(honest, "sources/t1.txt", std::nullopt, 10)}}) {
    const std::string label = label_;  // clang 14 lambdas (CAPTURE) cannot capture a binding
    CAPTURE(label);
    ImportResult result = framework::ImportQdpx("lie.qdpx", zip);
    CHECK_FALSE(result.ok);
    CHECK(result.files.empty());
    const auto* d = FindRule(result.diagnostics, "unsafe-archive");
    if (d == nullptr) d = FindRule(result.diagnostics, "bad-archive");
    REQUIRE_MESSAGE(d != nullptr, Summary(result.diagnostics));
    CHECK(d->severity == framework::Severity::kError);
    if (d->rule == "unsafe-archive") {
      CHECK(d->file == "lie.qdpx/sources/t1.txt");
      CHECK((Contains(d->message, "times its compressed size") ||
             Contains(d->message, "times its own size")));
      CHECK(Contains(d->hint, "nothing is imported"));
    }
  }

  // The limits hold on the bytes inflated, whatever the header says: 3 MB of text with a
  // 1 MB limit, the uncompressed size claimed as 100 bytes.
  std::string text;
  for (int i = 0; text.size() < (3u << 20); ++i)
    text += "P1: line " + std::to_string(i) + " of an interview about training and support.\n";
  framework::ImportOptions options;
  options.limits.read.max_file_size = 1u << 20;
  const std::string big = MakeZip({{"project.qde", Project()}, {"sources/t1.txt", text}});
  ImportResult declared = framework::ImportQdpx("big.qdpx", big, options);
  CHECK_FALSE(declared.ok);
  REQUIRE(FindRule(declared.diagnostics, "unsafe-archive") != nullptr);
  CHECK(Contains(FindRule(declared.diagnostics, "unsafe-archive")->message,
                 "more than 1 MB, the limit for one file"));
  const std::string small_claim = Lie(big, "sources/t1.txt", std::nullopt, 100);
  ImportResult inflated = framework::ImportQdpx("big.qdpx", small_claim, options);
  CHECK_FALSE(inflated.ok);
  REQUIRE(FindRule(inflated.diagnostics, "unsafe-archive") != nullptr);
  CHECK(Contains(FindRule(inflated.diagnostics, "unsafe-archive")->message,
                 "expands beyond 1 MB, the limit for one file"));
  // Under the limit the same source imports.
  options.limits.read.max_file_size = 4u << 20;
  ImportResult fits = framework::ImportQdpx("big.qdpx", big, options);
  CHECK_MESSAGE(fits.ok, Summary(fits.diagnostics));
  CHECK(fits.Find("transcripts/T.txt") != nullptr);
}

TEST_CASE("import hostile: the default per-file limit is 64 MB, checked before inflating") {
  // The declared size alone refuses an entry over the limit (nothing is inflated): a header
  // claiming 300 MB.
  const std::string zip = MakeZip({{"project.qde", Project()}, {"sources/t1.txt", "abc def"}});
  ImportResult result =
      framework::ImportQdpx("huge.qdpx", Lie(zip, "sources/t1.txt", std::nullopt, 300u << 20));
  CHECK_FALSE(result.ok);
  const auto* d = FindRule(result.diagnostics, "unsafe-archive");
  REQUIRE(d != nullptr);
  CHECK(d->message ==
        "entry is 314572800 bytes uncompressed, more than 64 MB, the limit for one file");
  CHECK(framework::ImportLimits{}.read.max_file_size == 64u << 20);
}

TEST_CASE("import hostile: duplicate entry names in a zip are an error") {
  const std::string zip = MakeZip(
      {{"project.qde", Project()}, {"sources/t1.txt", "abc one"}, {"sources/t2.txt", "xyz two"}});
  for (const std::string& twin : {std::string("sources/t1.txt"), std::string("Sources/T1.txt")}) {
    CAPTURE(twin);
    ImportResult result = framework::ImportQdpx("dup.qdpx", Rename(zip, "sources/t2.txt", twin));
    CHECK_FALSE(result.ok);
    CHECK(result.files.empty());
    const auto* d = FindRule(result.diagnostics, "bad-archive");
    REQUIRE(d != nullptr);
    CHECK(d->message ==
          "duplicate entry name '" + twin + "' (entries 2 and 3); the archive is not read");
    CHECK(d->file == "dup.qdpx");
  }
  TempDir tmp;
  WriteFile(tmp.path() / "dup.qdpx", Rename(zip, "sources/t2.txt", "sources/t1.txt"));
  RunResult run =
      Run({"import", (tmp.path() / "dup.qdpx").string(), "-o", (tmp.path() / "study").string()});
  CHECK(run.exit_code == 1);
  CHECK(Contains(run.err, "error: duplicate entry name 'sources/t1.txt'"));
}

// ---------------------------------------------------------------------------------------------
// A bare .qde: its sources come from its folder only.

TEST_CASE("import hostile: a bare .qde does not read sources through links out of its folder") {
  TempDir tmp;
  const fs::path project = tmp.path() / "project";
  fs::create_directories(project / "sources");
  WriteFile(tmp.path() / "secret.txt", "SECRET shadow line\n");
  WriteFile(project / "project.qde", Project());
  fs::create_symlink(tmp.path() / "secret.txt", project / "sources" / "t1.txt");

  RunResult run =
      Run({"import", (project / "project.qde").string(), "-o", (tmp.path() / "study").string()});
  CHECK(run.exit_code == 1);
  CHECK(Contains(run.err, "error: source file 'sources/t1.txt' cannot be read: it resolves to '"));
  CHECK(Contains(run.err, "outside the project's folder"));
  CHECK(Contains(run.err, "--follow-symlinks"));
  for (const auto& [path, contents] : Snapshot(tmp.path() / "study"))
    CHECK_FALSE(Contains(contents, "SECRET"));

  // The library: refused by default, read when following links is allowed.
  framework::ImportOptions options;
  framework::SourceFolder folder(project.string(), options);
  framework::ReadResult refused = folder.Read("sources/t1.txt");
  CHECK_FALSE(refused.ok);
  CHECK_FALSE(refused.not_found);
  CHECK(Contains(refused.error, "outside the project's folder"));
  options.limits.read.follow_symlinks = true;
  framework::ReadResult followed =
      framework::SourceFolder(project.string(), options).Read("sources/t1.txt");
  CHECK(followed.ok);
  CHECK(followed.contents == "SECRET shadow line\n");

  // A link that stays inside the folder is read.
  fs::remove(project / "sources" / "t1.txt");
  WriteFile(project / "real.txt", "abc inside\n");
  fs::create_symlink("../real.txt", project / "sources" / "t1.txt");
  RunResult inside = Run(
      {"import", (project / "project.qde").string(), "-o", (tmp.path() / "study-inside").string()});
  CHECK_MESSAGE(inside.exit_code == 0, inside.err);
  CHECK(Contains(ReadFile(tmp.path() / "study-inside" / "transcripts" / "T.txt"),
                 "{codes.k}abc{/codes.k} inside"));

  // A FIFO is refused at once (never opened for a blocking read), as is a folder.
  fs::remove(project / "sources" / "t1.txt");
  REQUIRE(::mkfifo((project / "sources" / "t1.txt").c_str(), 0600) == 0);
  RunResult fifo = Run(
      {"import", (project / "project.qde").string(), "-o", (tmp.path() / "study-fifo").string()});
  CHECK(fifo.exit_code == 1);
  CHECK(Contains(fifo.err, "cannot be read: it is not a regular file (a FIFO)"));
  fs::remove(project / "sources" / "t1.txt");
  fs::create_directories(project / "sources" / "t1.txt");
  CHECK(Contains(framework::SourceFolder(project.string(), {}).Read("sources/t1.txt").error,
                 "it is a folder"));

  // Over the size limit: refused by its size, without reading it.
  fs::remove(project / "sources" / "t1.txt");
  WriteFile(project / "sources" / "t1.txt", std::string(3000, 'x'));
  framework::ImportOptions small;
  small.limits.read.max_file_size = 2000;
  framework::ReadResult big =
      framework::SourceFolder(project.string(), small).Read("sources/t1.txt");
  CHECK_FALSE(big.ok);
  CHECK(Contains(big.error, "it is 3000 bytes, more than"));
}

// ---------------------------------------------------------------------------------------------
// Linear cost.

TEST_CASE("import hostile: 3,000 coded texts not in a 1 MB transcript are found missing quickly") {
  std::string transcript;
  const char* words[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta"};
  for (int i = 0; transcript.size() < (1u << 20); ++i)
    transcript += std::string("P1: ") + words[i % 6] + " " + words[(i * 7 + 1) % 6] + "  " +
                  words[(i * 5 + 2) % 6] + " number " + std::to_string(i) + " here\n";
  framework::MemoryFileSystem fs;
  fs.Add("plain/int1.txt", transcript);
  std::string csv = "document,code,start,end,text\n";
  for (int r = 0; r < 3000; ++r)
    csv += "int1.txt,Code " + std::to_string(r % 50) + ",,,alpha beta missing words " +
           std::to_string(r) + "\n";
  // Repeated text codes its occurrences in turn; a text with its white space changed is found.
  for (int r = 0; r < 40; ++r) csv += "int1.txt,Again,,,number " + std::to_string(r) + " here\n";
  for (int r = 0; r < 5; ++r) csv += "int1.txt,Repeat,,,\"here\nP1:\"\n";
  // Rows by offsets, resolved in one pass over the source.
  for (int r = 0; r < 3000; ++r)
    csv +=
        "int1.txt,Offsets," + std::to_string(r * 100) + "," + std::to_string(r * 100 + 4) + ",\n";
  ImportResult result = framework::ImportCodingsCsv("codings.csv", csv, fs, "plain");
  REQUIRE(result.ok);
  CHECK(CountRule(result.diagnostics, "text-not-found") == 3000);
  const auto* first = FindRule(result.diagnostics, "text-not-found");
  REQUIRE(first != nullptr);
  CHECK(first->line == 2);
  CHECK(
      Contains(first->message, "the coded text 'alpha beta missing words 0' is not in 'int1.txt'"));
  // 40 + 5 found by text, 3000 by offsets; the five "here / P1:" rows are five occurrences.
  CHECK(Contains(result.offset_rule, "3000 coding(s) placed by start/end"));
  CHECK(Contains(result.offset_rule, "45 by finding the coded text"));
  CHECK(result.segments == 3000 + 40 + 5);
  const std::string& out = result.Find("transcripts/int1.txt")->contents;
  CHECK(Contains(out, "{codes.again}number 0 here{/codes.again}"));
  std::size_t again = 0;
  for (std::size_t at = out.find("{codes.again}"); at != std::string::npos;
       at = out.find("{codes.again}", at + 1))
    ++again;
  CHECK(again == 40);
}

TEST_CASE("import hostile: 20,000 codes of one name get unique ids in n log n") {
  std::string same;
  for (int i = 0; i < 20000; ++i)
    same += "<Code guid=\"s" + std::to_string(i) + "\" name=\"Same\"/>";
  ImportResult flat = framework::ImportCodebook("same.qdc", Codebook(same), nullptr);
  REQUIRE(flat.ok);
  const std::string& fw = flat.Find("framework.yaml")->contents;
  CHECK(Contains(fw, "- id: same\n"));
  CHECK(Contains(fw, "- id: same-2\n"));
  CHECK(Contains(fw, "- id: same-20000\n"));
  CHECK_FALSE(Contains(fw, "- id: same-20001\n"));

  // The same as aliases below one sub-theme.
  ImportResult deep = framework::ImportCodebook(
      "deep.qdc",
      Codebook("<Code guid=\"t\" name=\"T\"><Code guid=\"u\" name=\"S\">" + same +
               "</Code></Code>"),
      nullptr);
  REQUIRE(deep.ok);
  const std::string& aliases = deep.Find("framework.yaml")->contents;
  CHECK(Contains(aliases, "- t.s.same\n"));
  CHECK(Contains(aliases, "- t.s.same-20000\n"));
  CHECK(framework::CountDiagnostics(LoadImported(deep).diagnostics).errors == 0);
}

TEST_CASE("import hostile: XML with more elements than the limit is refused before parsing") {
  // 200 MB of "<a/>" would make a tree of gigabytes: the markup is counted first.
  std::string codes;
  for (int i = 0; i < 2000; ++i) codes += "<Code guid=\"c" + std::to_string(i) + "\" name=\"x\"/>";
  framework::ImportOptions options;
  options.limits.max_xml_markup = 3000;
  ImportResult result = framework::ImportCodebook("big.qdc", Codebook(codes), nullptr, options);
  CHECK_FALSE(result.ok);
  const auto* d = FindRule(result.diagnostics, "too-large");
  REQUIRE(d != nullptr);
  CHECK(d->message.rfind("the XML has 60", 0) == 0);
  CHECK(Contains(d->message, " elements and attributes, more than 3000, the limit"));
  CHECK(framework::ImportCodebook("big.qdc", Codebook(codes), nullptr).ok);
  CHECK(framework::ImportLimits{}.max_xml_markup == 3000000);
}

TEST_CASE("import hostile: a codings table's code paths nest no deeper than the limit") {
  framework::MemoryFileSystem fs;
  fs.Add("plain/a.txt", "some text here\n");
  std::string path = "A";
  for (int i = 0; i < 150; ++i) path += " > b" + std::to_string(i);
  ImportResult result = framework::ImportCodingsCsv(
      "c.csv", "document,code,text\na.txt," + path + ",some text\na.txt,A > B,here\n", fs, "plain");
  REQUIRE(result.ok);
  const auto* d = FindRule(result.diagnostics, "too-deep");
  REQUIRE(d != nullptr);
  CHECK(d->message == "code nesting deeper than 100 levels (151)");
  CHECK(d->line == 2);
  CHECK(result.segments == 1);
}

TEST_CASE("import hostile: 20,000 dangling references on one XML line are located in linear time") {
  std::string refs;
  for (int i = 0; i < 20000; ++i)
    refs += "<PlainTextSelection guid=\"s" + std::to_string(i) +
            "\" startPosition=\"0\" endPosition=\"3\"><Coding guid=\"c" + std::to_string(i) +
            "\"><CodeRef targetGUID=\"nothing\"/></Coding></PlainTextSelection>";
  std::string qde = Project();
  qde.replace(qde.find("<PlainTextSelection"),
              qde.find("</TextSource>") - qde.find("<PlainTextSelection"), refs);
  framework::MemoryFileSystem sources;
  sources.Add("sources/t1.txt", "abc def\n");
  ImportResult result = framework::ImportQde("project.qde", qde, sources);
  REQUIRE(result.ok);
  CHECK(CountRule(result.diagnostics, "dangling-reference") == 20000);
  const auto* first = FindRule(result.diagnostics, "dangling-reference");
  const auto& last = *std::find_if(result.diagnostics.rbegin(), result.diagnostics.rend(),
                                   [](const auto& d) { return d.rule == "dangling-reference"; });
  CHECK(first->line == 4);
  CHECK(last.line == 4);
  CHECK(last.column > first->column + 19999 * 100);
}
