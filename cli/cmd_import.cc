// framework import: a REFI-QDA project (.qdpx), a REFI-QDA codebook (.qdc) or a codings table
// (.csv) into a new study, or a codebook merged into the current study's framework.yaml.
#include <cstdint>
#include <filesystem>

#include "commands.h"
#include "framework/codebook.h"
#include "framework/file_system.h"
#include "framework/refi_import.h"

namespace framework::cli {
namespace {

namespace fs = std::filesystem;

struct ImportCliOptions {
  CommonOptions common;
  std::string input;
  std::string output;
  std::string transcripts;
  std::string title;
  bool force = false;
  long long max_expansion = static_cast<long long>(ImportLimits{}.max_ratio);
};

std::string Extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  for (char& c : ext)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return ext;
}

// Diagnostics about files of the new study get the study's folder in front of their path.
void Print(const ImportResult& result, const std::string& dir, bool color) {
  RenderOptions plain;
  plain.color = color;
  RenderOptions in_study = plain;
  in_study.path_prefix = dir.empty() ? "" : dir + "/";
  for (const Diagnostic& d : result.diagnostics) {
    const bool study_file = result.Find(d.file) != nullptr;
    std::string text = RenderDiagnostic(d, study_file ? in_study : plain);
    std::fwrite(text.data(), 1, text.size(), stderr);
  }
}

int Finish(const ImportResult& result, const std::string& dir, const ImportCliOptions& o,
           const std::string& what) {
  DiagnosticCounts counts = CountDiagnostics(result.diagnostics);
  if (!o.common.quiet) {
    std::string line = "import: " + what + ": " + Plural(counts.errors, "error", "errors") + ", " +
                       Plural(counts.warnings, "warning", "warnings");
    if (!dir.empty() && result.Find("IMPORT-REPORT.md"))
      line += " (see " + dir + "/IMPORT-REPORT.md)";
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  return FinishOutput(counts.errors > 0 ? kExitStudyErrors : kExitOk);
}

// A new study must go into a new or empty folder (or --force).
bool CheckOutput(const ImportCliOptions& o, int* code) {
  if (o.output.empty()) {
    PrintError("give the folder for the new study with -o DIR",
               "e.g. framework import " + o.input + " -o my-study");
    *code = kExitUsage;
    return false;
  }
  std::error_code ec;
  if (fs::exists(o.output, ec) &&
      (!fs::is_directory(o.output, ec) || (!o.force && !fs::is_empty(o.output, ec)))) {
    PrintError(o.output + " is not an empty folder; nothing was imported",
               "import into a new folder, or add --force to write the study's files there "
               "(other files are left alone; files of the same name are replaced)");
    *code = kExitUsage;
    return false;
  }
  return true;
}

int WriteStudy(const ImportResult& result, const ImportCliOptions& o, const std::string& what) {
  const bool color = UseColor(stderr, o.common.color);
  Print(result, o.output, color);
  if (!result.ok) {
    std::fprintf(stderr, "import: nothing was imported\n");
    return FinishOutput(kExitStudyErrors);
  }
  // A study inside another one must not write that one's inputs (a transcript folder under its
  // transcripts/, say): the import is an output too.
  std::error_code ec;
  fs::path target = fs::absolute(o.output, ec).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();  // "dir/" and "."
  const fs::path parent = target.parent_path();
  if (auto outer = FindStudyRoot(parent.string())) {
    ReadResult file = DiskFileSystem(*outer).Read("framework.yaml");
    Diagnostics ignored;
    const Framework framework =
        LoadFramework("framework.yaml", file.ok ? file.contents : "", ignored);
    int code = kExitOk;
    for (const ImportedFile& f : result.files)
      if (!CheckOutputTarget((fs::path(o.output) / f.path).string(), *outer, framework, {o.input},
                             &code)) {
        std::fprintf(stderr, "import: nothing was imported\n");
        return code;
      }
  }
  std::vector<std::string> notes;
  std::string error = WriteImportedStudy(o.output, result, o.force, &notes);
  if (!o.common.quiet)
    for (const std::string& note : notes)
      std::fprintf(stderr, "framework: note: %s\n", note.c_str());
  if (!error.empty()) {
    PrintError(error, "nothing was imported; " + o.output + " is as it was");
    return kExitIo;
  }
  return Finish(result, o.output, o,
                what + " into " + o.output + ": " +
                    Plural(result.participants, "participant", "participants") + ", " +
                    Plural(result.segments, "segment", "segments") + ", " +
                    Plural(result.codes, "code", "codes"));
}

int RunImport(const ImportCliOptions& o) {
  const std::string ext = Extension(o.input);
  ImportOptions options;
  options.title = o.title;
  // The byte limits follow --max-file-size: one file (an archive entry, a source) up to it, an
  // archive up to twice it in all (64 MB and 128 MB by default).
  options.limits.read = InputPolicy();  // and --follow-symlinks, for a bare .qde's sources
  options.limits.max_total_bytes =
      InputPolicy().max_file_size > UINT64_MAX / 2 ? UINT64_MAX : 2 * InputPolicy().max_file_size;
  options.limits.max_ratio = static_cast<std::uint64_t>(o.max_expansion);
  int code = kExitOk;
  std::error_code ec;
  // The checks every input gets (libzip opens a .qdpx itself, so they are made here first).
  if (ReadResult check = CheckInputFile(o.input, InputPolicy()); !check.ok) {
    PrintError("cannot read " + o.input + ": " + check.error,
               check.hint.empty() ? "give a .qdpx project, a .qdc codebook or a .csv codings table"
                                  : check.hint);
    return kExitIo;
  }
  if (ext == ".qdpx") {
    if (!CheckOutput(o, &code)) return code;
    ImportResult result = ImportQdpxFile(o.input, options);
    return WriteStudy(result, o, "imported " + o.input);
  }
  if (ext == ".qde") {
    if (!CheckOutput(o, &code)) return code;
    // Its sources: regular files in its folder only (no symbolic link out of it, unless
    // --follow-symlinks).
    SourceFolder beside(fs::path(o.input).parent_path().string(), options);
    ReadResult xml = ReadNamedFile(o.input);
    if (!xml.ok) {
      PrintError("cannot read " + o.input + ": " + xml.error, xml.hint);
      return kExitIo;
    }
    ImportResult result = ImportQde(o.input, xml.contents, beside, options);
    return WriteStudy(result, o, "imported " + o.input);
  }
  if (ext == ".csv" || ext == ".tsv" || ext == ".txt") {
    if (o.transcripts.empty()) {
      PrintError("a codings table needs the plain transcripts it refers to",
                 "add --transcripts DIR, the folder of .txt files");
      return kExitUsage;
    }
    if (!fs::is_directory(o.transcripts, ec)) {
      PrintError("cannot use --transcripts " + o.transcripts + ": no such folder");
      return kExitIo;
    }
    if (!CheckOutput(o, &code)) return code;
    ReadResult csv = ReadNamedFile(o.input);
    if (!csv.ok) {
      PrintError("cannot read " + o.input + ": " + csv.error, csv.hint);
      return kExitIo;
    }
    DiskFileSystem disk(".", InputPolicy());
    disk.ConfineTo(o.transcripts);
    ImportResult result = ImportCodingsCsv(o.input, csv.contents, disk, o.transcripts, options);
    return WriteStudy(result, o, "imported " + o.input);
  }
  if (ext == ".qdc") {
    ReadResult xml = ReadNamedFile(o.input);
    if (!xml.ok) {
      PrintError("cannot read " + o.input + ": " + xml.error, xml.hint);
      return kExitIo;
    }
    if (!o.output.empty()) {
      if (!CheckOutput(o, &code)) return code;
      ImportResult result = ImportCodebook(o.input, xml.contents, nullptr, options);
      return WriteStudy(result, o, "imported " + o.input);
    }
    // Merged into the study's framework.yaml: added to, never changed.
    auto where = LocateStudy(o.common, &code);
    if (!where) return code;
    ReadResult existing = StudyDisk(where->root).Read("framework.yaml");
    if (!existing.ok) {
      PrintError("cannot read " + where->path_prefix + "framework.yaml: " + existing.error,
                 existing.hint);
      return kExitIo;
    }
    ImportResult result = ImportCodebook(o.input, xml.contents, &existing.contents, options);
    const bool color = UseColor(stderr, o.common.color);
    Print(result,
          where->path_prefix.empty() ? ""
                                     : where->path_prefix.substr(0, where->path_prefix.size() - 1),
          color);
    if (!result.ok) {
      std::fprintf(stderr, "import: framework.yaml was not changed\n");
      return FinishOutput(kExitStudyErrors);
    }
    const ImportedFile* merged = result.Find("framework.yaml");
    if (merged && merged->contents != existing.contents) {
      // framework.yaml is replaced whole (atomically, through a symlink), and only if no one
      // changed it since it was read: a change made meanwhile is never overwritten.
      ReadResult now = StudyDisk(where->root).Read("framework.yaml");
      if (!now.ok || now.contents != existing.contents) {
        PrintError(where->path_prefix +
                       "framework.yaml changed while the codebook was merged; "
                       "it was not written",
                   "run the import again");
        return kExitStudyErrors;
      }
      std::string error = WriteFileAtomically(where->root + "/framework.yaml", merged->contents);
      if (!error.empty()) {
        PrintError(error);
        return kExitIo;
      }
    }
    return Finish(result, "", o,
                  merged && merged->contents != existing.contents
                      ? "merged " + o.input + " into " + where->path_prefix + "framework.yaml"
                      : "nothing new in " + o.input + "; framework.yaml unchanged");
  }
  PrintError("cannot import '" + o.input + "': unknown kind of file",
             "give a .qdpx project, a .qdc codebook, or a .csv codings table with --transcripts");
  return kExitUsage;
}

}  // namespace

Runner SetupImport(CLI::App& app) {
  auto options = std::make_shared<ImportCliOptions>();
  app.add_option("FILE", options->input, "A .qdpx project, a .qdc codebook or a .csv codings table")
      ->required();
  AddCommonOptions(app, options->common);
  app.add_option("-o,--output", options->output, "Folder for the new study (new or empty)")
      ->type_name("DIR");
  app.add_option("--transcripts", options->transcripts,
                 "For a codings table: the folder of plain .txt transcripts it refers to")
      ->type_name("DIR");
  app.add_option("--title", options->title, "The new study's title (default: the project's name)");
  app.add_flag("--force", options->force,
               "Write into a folder that is not empty (files of the same name are replaced)");
  app.add_option("--max-expansion", options->max_expansion,
                 "For a .qdpx: how many times its compressed size an archive (or an entry) may "
                 "expand, past 1 MB (default 200; 0: no ratio limit, the --max-file-size limits "
                 "still hold)")
      ->check(CLI::Range(0LL, 1000000000LL))
      ->type_name("RATIO");
  app.footer(
      "Imports another tool's work into a study, then checks it. Text sources become\n"
      "transcripts with inline codes; top-level codes become themes, their children sub-themes,\n"
      "deeper codes aliases; cases and variables become participants and attributes. What could\n"
      "not be mapped is listed on stderr and in IMPORT-REPORT.md.\n\n"
      "Examples:\n"
      "  framework import project.qdpx -o my-study\n"
      "  framework import codebook.qdc -o my-study      (a new study with its themes)\n"
      "  framework import codebook.qdc -C my-study      (themes added to framework.yaml)\n"
      "  framework import codings.csv --transcripts plain/ -o my-study\n\n"
      "Exit codes: 0 imported cleanly, 1 the input had errors (see the report), 2 usage,\n"
      "3 input/output failure.");
  return [options] { return RunImport(*options); };
}

}  // namespace framework::cli
