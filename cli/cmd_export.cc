// framework export: theme matrices for reports and scripts, as CSV, TSV, Markdown, HTML, JSON or
// XLSX.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string_view>

#include "commands.h"
#include "framework/attribution.h"
#include "framework/chart.h"
#include "framework/disclosure.h"
#include "framework/export.h"
#include "framework/export_json.h"
#include "framework/file_system.h"
#include "framework/refi_export.h"
#include "framework/text.h"
#include "framework/version.h"

namespace framework::cli {
namespace {

namespace fs = std::filesystem;

struct ExportCliOptions {
  CommonOptions common;
  std::vector<std::string> themes;
  std::string format;  // csv, tsv, json, md, html, xlsx; empty: from -o's extension
  std::string output;
  std::string attributes;
  std::string content;  // summary, excerpts, both; empty: the default for the form
  bool long_form = false;
  bool lf = false;
  bool excel = false;
  bool no_sanitize = false;
  bool allow_identifying = false;
  int min_group = 0;              // 0: framework.yaml's min_group
  std::vector<std::string> only;  // --only GLOB (repeatable)
  std::string only_from;          // --only-from FILE
};

// One file (or stdout, when path is empty) to write, rendered whole.
struct Rendered {
  std::string path;
  std::string contents;
};

// Where one streamed output goes: standard output (an empty path), or a file written
// atomically (see AtomicFile: the target keeps its old version until Commit()).
class Output {
 public:
  std::string Open(const std::string& path) {
    path_ = path;
    return path_.empty() ? std::string() : file_.Open(path_);
  }
  void Write(std::string_view bytes) {
    if (path_.empty())
      std::fwrite(bytes.data(), 1, bytes.size(), stdout);
    else
      file_.Write(bytes);
  }
  std::string Commit() { return path_.empty() ? std::string() : file_.Commit(); }

 private:
  std::string path_;
  AtomicFile file_;
};

// Bytes gathered for an Output and handed over in pieces of about this size.
constexpr std::size_t kChunk = 1 << 16;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The format named by a file name's extension, or "".
std::string FormatOfPath(const std::string& path) {
  std::string ext = Lower(fs::path(path).extension().string());
  if (ext == ".csv") return "csv";
  if (ext == ".tsv" || ext == ".tab") return "tsv";
  if (ext == ".json") return "json";
  if (ext == ".md" || ext == ".markdown") return "md";
  if (ext == ".html" || ext == ".htm") return "html";
  if (ext == ".xlsx") return "xlsx";
  if (ext == ".qdpx") return "qdpx";
  return "";
}

bool CheckQdpxOptions(const ExportCliOptions& options, int* exit_code);
int ExportQdpx(const Study& study, const ExportCliOptions& options);

// Usage errors that need no study: the format, and options that do not apply to it.
bool CheckOptions(ExportCliOptions& options, int* exit_code) {
  auto usage = [&](const std::string& message, const std::string& hint) {
    PrintError(message, hint);
    *exit_code = kExitUsage;
    return false;
  };
  if (options.output == "-") options.output.clear();  // "-o -": standard output
  if (options.format.empty()) options.format = FormatOfPath(options.output);
  if (options.format.empty())
    return usage("no output format given",
                 "add --format csv, tsv, json, md, html, xlsx or qdpx (or -o FILE with one of "
                 "those extensions)");
  const std::string& f = options.format;
  if (f == "qdpx") return CheckQdpxOptions(options, exit_code);
  const bool table = f == "csv" || f == "tsv";
  if (f == "json" && (options.long_form || !options.content.empty() || !options.attributes.empty()))
    return usage(
        "--format json exports the whole model; --long, --content and --attributes do "
        "not apply to it",
        "leave them out, or use --format csv");
  if ((options.lf || options.excel) && !table)
    return usage(std::string(options.lf ? "--lf" : "--excel") + " applies to csv and tsv only",
                 "leave it out for --format " + f);
  if (options.no_sanitize && !table && f != "xlsx")
    return usage("--no-sanitize applies to csv, tsv and xlsx only",
                 "leave it out for --format " + f);
  if (options.long_form && options.content == "both")
    return usage("--long makes one table of segments or of summaries, not both",
                 "--long (one row per segment) or --long --content summary (one row per "
                 "charted cell)");
  if (f == "xlsx") {
    std::error_code ec;
    if (options.output.empty() || FormatOfPath(options.output) != "xlsx" ||
        fs::is_directory(options.output, ec))
      return usage("--format xlsx writes a workbook file: -o FILE.xlsx is required",
                   "e.g. framework export --format xlsx -o matrices.xlsx");
  }
  return true;
}

// ---- REFI-QDA (.qdpx) ------------------------------------------------------------------------

// qdpx is the whole study in one archive: it takes -o FILE and none of the table options.
bool CheckQdpxOptions(const ExportCliOptions& options, int* exit_code) {
  auto usage = [&](const std::string& message, const std::string& hint) {
    PrintError(message, hint);
    *exit_code = kExitUsage;
    return false;
  };
  std::error_code ec;
  if (options.output.empty() || fs::is_directory(options.output, ec) ||
      options.output.back() == '/')
    return usage("--format qdpx writes a project file: -o FILE.qdpx is required",
                 "e.g. framework export --format qdpx -o study.qdpx");
  if (!options.themes.empty())
    return usage("--format qdpx exports the whole study; it takes no THEME",
                 "leave out " + options.themes.front() + " (other tools get every theme)");
  if (options.long_form || !options.content.empty() || !options.attributes.empty() || options.lf ||
      options.excel || options.no_sanitize)
    return usage(
        "--format qdpx exports the whole study; --long, --content, --attributes, --lf, "
        "--excel and --no-sanitize do not apply to it",
        "leave them out");
  return true;
}

int ExportQdpx(const Study& study, const ExportCliOptions& options) {
  RefiExportOptions refi;
  refi.origin = std::string("framework ") + kVersion;
  // Reproducible builds' convention: SOURCE_DATE_EPOCH dates the archive's entries.
  int ignored = 0;  // checked in RunExport
  if (auto epoch = SourceDateEpoch(&ignored); epoch && *epoch >= 0) refi.timestamp = *epoch;
  RefiProject project;
  if (std::string error = WriteQdpx(study, refi, options.output, &project); !error.empty()) {
    PrintError("cannot write " + options.output + ": " + error);
    return kExitIo;
  }
  if (!options.common.quiet) {
    for (const std::string& line : project.skipped)
      std::fprintf(stderr, "framework: note: %s\n", line.c_str());
    std::fprintf(stderr, "wrote %s: %s, %s, %s, %s, %s\n", options.output.c_str(),
                 Plural(project.source_count, "source", "sources").c_str(),
                 Plural(project.codes, "code", "codes").c_str(),
                 Plural(project.selections, "coded selection", "coded selections").c_str(),
                 Plural(project.cases, "case", "cases").c_str(),
                 Plural(project.notes, "note", "notes").c_str());
    NoteStudyErrors(study.diagnostics, "the export may be incomplete");
  }
  return OutputExitCode(study);
}

// ---- the run -------------------------------------------------------------------------------

// --only and --only-from: the transcripts to export, as globs, in `only`. False (with
// `exit_code`) when the --only-from list cannot be read or names nothing.
bool TranscriptGlobs(const ExportCliOptions& options, std::vector<std::string>& only,
                     int* exit_code) {
  only = options.only;
  if (options.only_from.empty()) return true;
  ReadResult list = ReadNamedFile(options.only_from);
  if (!list.ok) {
    PrintError("cannot read --only-from " + options.only_from + ": " + list.error, list.hint);
    *exit_code = kExitIo;
    return false;
  }
  std::istringstream in(list.contents);
  for (std::string line; std::getline(in, line);)
    if (auto item = Trim(line); !item.empty() && item.front() != '#') only.emplace_back(item);
  if (only.empty()) {
    PrintError("--only-from " + options.only_from + " lists no transcript",
               "one glob or participant id per line (# starts a comment)");
    *exit_code = kExitUsage;
    return false;
  }
  return true;
}

// What the format needs loaded. Summaries need only each cell's chart entry and whether it is
// stale: the transcripts are reduced to their cells' sources as they load, and their text is
// not kept. Excerpts and JSON need the coded text of the themes exported, not the rest of the
// transcripts; only qdpx carries whole transcripts.
LoadOptions ExportLoadOptions(const ExportCliOptions& options,
                              const std::vector<std::string>& only) {
  const std::string& format = options.format;
  const bool summaries_only =
      format != "json" && format != "qdpx" &&
      (options.long_form ? options.content == "summary"
                         : options.content.empty() || options.content == "summary");
  LoadOptions load;
  load.keep_text = format == "qdpx";
  load.keep_segments = !summaries_only;
  load.keep_cells = !summaries_only && format != "qdpx";
  for (const std::string& id : options.themes) load.cell_themes.push_back(ToNfc(id));
  load.only = only;
  return load;
}

// The themes, as given (each once), else every theme in framework order. False (with
// `exit_code`) for a theme the framework lacks.
bool ExportThemes(const Framework& f, const ExportCliOptions& options, std::vector<int>& themes,
                  int* exit_code) {
  for (const std::string& id : options.themes) {
    int t = ResolveTheme(f, ToNfc(id), exit_code);
    if (t < 0) return false;
    if (std::find(themes.begin(), themes.end(), t) == themes.end()) themes.push_back(t);
  }
  if (themes.empty())
    for (std::size_t t = 0; t < f.themes.size(); ++t) themes.push_back(static_cast<int>(t));
  return true;
}

// The sheets' options: the attribute columns asked for, each value shown only as far as it fits
// min_group participants (disclosure.h; a note says how many rows lost some), and the cells'
// content. False (with `exit_code`) for an attribute the study lacks.
bool SheetOptions(const Study& study, const ExportCliOptions& options, ExportOptions& sheet_options,
                  int* exit_code) {
  const Framework& f = study.framework;
  for (const std::string& name : SplitList(options.attributes)) {
    int a = ResolveAttribute(study, ToNfc(name), exit_code);
    if (a < 0) return false;
    sheet_options.attributes.push_back(
        study.participants.attributes[static_cast<std::size_t>(a)].name);
  }
  if (!sheet_options.attributes.empty() && !options.allow_identifying) {
    const int min_group = options.min_group > 0 ? options.min_group : f.min_group;
    WarnAboutMinGroup(min_group, f.min_group);
    const std::vector<std::string> population = Population(study);
    const AttributionPlan attribution = PlanAttribution(study, population, min_group, false);
    std::vector<std::string> labels;
    for (const std::string& id : population) labels.push_back(attribution.Label(study, id, false));
    sheet_options.attributes_kept =
        ExportAttributeCounts(study, population, labels, sheet_options.attributes, min_group);
    std::size_t rows = 0;
    for (const auto& [id, kept] : sheet_options.attributes_kept)
      rows += kept < sheet_options.attributes.size();
    if (rows > 0 && !options.common.quiet)
      std::fprintf(stderr,
                   "framework: note: attribute values of %s are %s: with them the row would "
                   "fit fewer than %d participants (--allow-identifying shows them)\n",
                   Plural(rows, "participant", "participants").c_str(),
                   std::string(kWithheld).c_str(), min_group);
  }
  const std::string& content = options.content;
  sheet_options.content = content == "excerpts" ? CellContent::kExcerpts
                          : content == "both"   ? CellContent::kBoth
                                                : CellContent::kSummary;
  return true;
}

// Where the output goes: standard output, one file (`path`), or a folder of files.
struct Placement {
  std::string path;     // -o as given ("" for standard output)
  bool folder = false;  // `path` is a folder of files
  std::string FileInFolder(const std::string& name, const std::string& ext) const {
    return (fs::path(path) / (name + "." + ext)).string();
  }
};

// Decides where the output goes, creates the folder it goes in, and checks every file the
// export writes before any is written (output never replaces an input). False (with
// `exit_code`) when the output cannot go where asked.
bool PlaceOutput(const Framework& f, const StudyLocation& where, const ExportCliOptions& options,
                 const std::vector<int>& themes, Placement& place, int* exit_code) {
  const std::string& format = options.format;
  std::error_code ec;
  const bool wide = !options.long_form && format != "json" && format != "xlsx";
  const bool several = wide && themes.size() > 1;
  const std::string& out_path = options.output;
  place.path = out_path;
  bool& folder = place.folder;
  folder = !out_path.empty() && format != "xlsx" &&
           (fs::is_directory(out_path, ec) || out_path.back() == '/');
  // Markdown and HTML make one document of several themes; other formats one file per theme.
  const bool document = format == "md" || format == "html";
  if (several && !folder) {
    if (out_path.empty() && !document) {
      PrintError(Plural(themes.size(), "theme", "themes") + " make one " + format +
                     " file each; they cannot all go to standard output",
                 "give a folder with -o DIR, one THEME, or --long for one table");
      *exit_code = kExitUsage;
      return false;
    }
    if (!out_path.empty() && !document) {
      if (FormatOfPath(out_path) == format || fs::exists(out_path, ec)) {
        PrintError("-o " + out_path + " names a file, but " +
                       Plural(themes.size(), "theme", "themes") + " make one " + format +
                       " file each",
                   "give a folder with -o DIR, one THEME, or --long for one table");
        *exit_code = kExitUsage;
        return false;
      }
      folder = true;
    }
    // Markdown and HTML: several themes make one document (on stdout, or in an .md/.html
    // file); -o anything else is a folder of one document per theme.
    if (!out_path.empty() && document && FormatOfPath(out_path) != format) folder = true;
  }

  if (folder && format != "xlsx") {
    fs::create_directories(out_path, ec);
    if (ec || !fs::is_directory(out_path, ec)) {
      PrintError("cannot create the folder " + out_path + ": " +
                 (ec ? ec.message() : std::string("not a folder")));
      *exit_code = kExitIo;
      return false;
    }
  }
  std::vector<std::string> targets;
  if (!folder && !out_path.empty()) {
    targets.push_back(out_path);
  } else if (folder && format == "json") {
    targets.push_back(place.FileInFolder("export", "json"));
  } else if (folder && options.long_form) {
    targets.push_back(
        place.FileInFolder(options.content == "summary" ? "summaries" : "segments", format));
  } else if (folder) {
    for (int t : themes)
      targets.push_back(place.FileInFolder(f.themes[static_cast<std::size_t>(t)].id, format));
  }
  for (const std::string& target : targets)
    if (!CheckOutputTarget(target, where.root, f, {options.only_from}, exit_code)) return false;
  return true;
}

// Writes the export's files, placed: JSON and CSV/TSV tables streamed as they are made, one
// theme's matrix at a time (its chart entries moved out of the study, written or made a sheet,
// and dropped before the next); Markdown and HTML rendered whole from their sheets; XLSX a
// sheet at a time.
class ExportWriter {
 public:
  ExportWriter(Study& study, const ExportCliOptions& options, const std::vector<int>& themes,
               const std::vector<std::string>& only, const ExportOptions& sheet_options,
               const Placement& place)
      : study_(study),
        options_(options),
        format_(options.format),
        themes_(themes),
        only_(only),
        sheet_options_(sheet_options),
        place_(place) {
    csv_.delimiter = format_ == "tsv" ? '\t' : ',';
    csv_.crlf = !options.lf;
    csv_.bom = options.excel;
    csv_.sanitize = !options.no_sanitize;
  }

  // Writes every output and the closing notes; the exit code.
  int Run() {
    if (format_ == "xlsx") xlsx_error_ = workbook_.Open(place_.path, csv_.sanitize);
    WriteMatrices();
    std::vector<Rendered> rendered;
    if (format_ == "xlsx") {
      if (!FinishWorkbook()) return kExitIo;
    } else {
      rendered = RenderDocuments();
    }
    sheets_.clear();
    for (const Rendered& r : rendered) {
      if (!error_.empty()) break;
      Stream(r.path, [&](Output& out) { out.Write(r.contents); });
    }
    if (!error_.empty()) {
      PrintError(error_);
      return kExitIo;
    }
    const bool quiet = options_.common.quiet;
    if (!quiet && files_ > 0) {
      if (place_.folder)
        std::fprintf(stderr, "wrote %s in %s\n", Plural(files_, "file", "files").c_str(),
                     place_.path.c_str());
      else
        std::fprintf(stderr, "wrote %s\n", place_.path.c_str());
    }
    if (!quiet) NoteStudyErrors(study_.diagnostics, "the export may be incomplete");
    return FinishOutput(OutputExitCode(study_));
  }

 private:
  // Theme `theme`'s matrix, its chart entries moved out of the study; orphans noted.
  Matrix Charted(int theme) {
    Matrix m = TakeChartedMatrix(study_, theme);
    if (!m.orphans.empty() && !options_.common.quiet && format_ != "json")
      std::fprintf(stderr,
                   "framework: note: %s in charts of '%s' (participant or sub-theme gone) are "
                   "not in the tables; --format json includes them\n",
                   Plural(m.orphans.size(), "orphan entry", "orphan entries").c_str(),
                   m.theme.c_str());
    return m;
  }

  // Streams one output: `write(out)` gives its bytes; then it is put in place.
  bool Stream(const std::string& path, const std::function<void(Output&)>& write) {
    Output out;
    error_ = out.Open(path);
    if (!error_.empty()) return false;
    write(out);
    error_ = out.Commit();
    if (!error_.empty()) return false;
    if (!path.empty()) ++files_;
    return true;
  }

  // A CSV or TSV table: `head`'s header, then the rows `rows` gives.
  bool StreamTable(const std::string& path, const Sheet& head,
                   const std::function<void(const RowSink&)>& rows) {
    return Stream(path, [&](Output& out) {
      std::string text = CsvPreamble(csv_);
      AppendCsvRow(head.header, csv_, text);
      rows([&](const std::vector<std::string>& row) {
        AppendCsvRow(row, csv_, text);
        if (text.size() < kChunk) return;
        out.Write(text);
        text.clear();
      });
      out.Write(text);
    });
  }

  // md and html: kept to be rendered whole; xlsx: added to the workbook and dropped.
  void AddSheet(Sheet sheet) {
    if (format_ != "xlsx")
      sheets_.push_back(std::move(sheet));
    else if (xlsx_error_.empty())
      xlsx_error_ = workbook_.AddSheet(sheet);
  }

  std::string Target(const std::string& name, const std::string& ext) const {
    return place_.folder ? place_.FileInFolder(name, ext) : place_.path;
  }

  // The matrices: the whole model as JSON, the long table, or a wide table per theme.
  void WriteMatrices() {
    const bool table = format_ == "csv" || format_ == "tsv";
    const bool summaries = options_.content == "summary";
    if (format_ == "json") {
      // The whole model (export_json.h), written as it is made.
      Stream(Target("export", "json"), [&](Output& out) {
        WriteExportJson(study_, {themes_, only_, options_.common.jobs},
                        [&](std::string_view piece) { out.Write(piece); });
      });
    } else if (options_.long_form) {
      // --long means segments unless --content summary asks for the summaries.
      Sheet head = summaries ? LongSummariesHead(sheet_options_) : LongSegmentsHead(sheet_options_);
      auto rows = [&](const RowSink& sink) {
        for (int t : themes_) {
          const Matrix m = Charted(t);
          if (summaries)
            LongSummariesRows(study_, m, sheet_options_, sink);
          else
            LongSegmentsRows(study_, m, sheet_options_, sink);
        }
      };
      if (table && !summaries) {
        // Segments: each matrix's rows written on --jobs threads (WriteLongSegmentsCsv).
        Stream(Target(head.name, format_), [&](Output& out) {
          std::string text = CsvPreamble(csv_);
          AppendCsvRow(head.header, csv_, text);
          out.Write(text);
          for (int t : themes_)
            WriteLongSegmentsCsv(study_, Charted(t), sheet_options_, csv_, options_.common.jobs,
                                 [&](std::string_view piece) { out.Write(piece); });
        });
      } else if (table) {
        StreamTable(Target(head.name, format_), head, rows);
      } else {
        rows([&](const std::vector<std::string>& row) { head.rows.push_back(row); });
        AddSheet(std::move(head));
      }
    } else {
      for (int t : themes_) {
        const Matrix m = Charted(t);
        if (!table) {
          AddSheet(WideSheet(study_, m, sheet_options_));
          continue;
        }
        const Sheet head = WideSheetHead(study_, m, sheet_options_);
        if (!StreamTable(Target(head.name, format_), head,
                         [&](const RowSink& sink) { WideRows(study_, m, sheet_options_, sink); }))
          break;
      }
    }
  }

  // The workbook closed with its codebook sheet; false (the error printed) when it fails.
  bool FinishWorkbook() {
    error_ = xlsx_error_.empty() ? workbook_.Finish(CodebookSheet(study_, themes_)) : xlsx_error_;
    if (!error_.empty()) {
      PrintError("cannot write " + place_.path + ": " + error_);
      return false;
    }
    if (!options_.common.quiet) std::fprintf(stderr, "wrote %s\n", place_.path.c_str());
    return true;
  }

  // Markdown and HTML documents from the sheets: one, or one per sheet in a folder.
  std::vector<Rendered> RenderDocuments() const {
    std::vector<Rendered> rendered;
    const std::string& title = study_.framework.title;
    if (format_ == "html") {
      if (place_.folder) {
        for (std::size_t i = 0; i < sheets_.size(); ++i)
          rendered.push_back(
              {place_.FileInFolder(sheets_[i].name, "html"),
               WriteHtml(
                   {sheets_[i]}, title,
                   CodebookSheet(study_,
                                 options_.long_form ? themes_ : std::vector<int>{themes_[i]}))});
      } else {
        rendered.push_back(
            {place_.path, WriteHtml(sheets_, title, CodebookSheet(study_, themes_))});
      }
    } else if (format_ == "md") {
      if (place_.folder) {
        for (const Sheet& s : sheets_)
          rendered.push_back({place_.FileInFolder(s.name, "md"), WriteMarkdown({s}, title)});
      } else {
        rendered.push_back({place_.path, WriteMarkdown(sheets_, title)});
      }
    }
    return rendered;
  }

  Study& study_;
  const ExportCliOptions& options_;
  const std::string& format_;
  const std::vector<int>& themes_;
  const std::vector<std::string>& only_;
  const ExportOptions& sheet_options_;
  const Placement& place_;
  CsvOptions csv_;
  std::size_t files_ = 0;  // files written (not counting standard output)
  std::string error_;
  std::vector<Sheet> sheets_;  // md and html: rendered whole
  // xlsx: a workbook written a sheet at a time, each sheet dropped once added.
  XlsxWorkbook workbook_;
  std::string xlsx_error_;
};

int RunExport(ExportCliOptions options) {
  int exit_code = kExitOk;
  if (!CheckOptions(options, &exit_code)) return exit_code;
  if (SourceDateEpoch(&exit_code); exit_code != kExitOk) return exit_code;  // dates qdpx, xlsx
  std::vector<std::string> only;
  if (!TranscriptGlobs(options, only, &exit_code)) return exit_code;

  auto where = LocateStudy(options.common, &exit_code);
  if (!where) return exit_code;
  Study study = LoadStudyAt(*where, options.common, ExportLoadOptions(options, only));
  if (study.partial && study.transcripts.empty() && !study.io_error) {
    PrintError("--only matches no transcript",
               "globs match a transcript's path under the study "
               "(transcripts/P01.txt) or its name without .txt (P01)");
    return kExitUsage;
  }
  const Framework& f = study.framework;
  if (!study.framework_loaded || !f.parsed || f.themes.empty()) {
    PrintDiagnostics(study.diagnostics, *where, UseColor(stderr, options.common.color));
    return study.io_error ? kExitIo : kExitStudyErrors;
  }
  if (options.format == "qdpx") {
    if (!CheckOutputTarget(options.output, where->root, f, {options.only_from}, &exit_code))
      return exit_code;
    return ExportQdpx(study, options);
  }
  std::vector<int> themes;
  ExportOptions sheet_options;
  Placement place;
  if (!ExportThemes(f, options, themes, &exit_code) ||
      !SheetOptions(study, options, sheet_options, &exit_code) ||
      !PlaceOutput(f, *where, options, themes, place, &exit_code))
    return exit_code;
  return ExportWriter(study, options, themes, only, sheet_options, place).Run();
}

}  // namespace

Runner SetupExport(CLI::App& app) {
  auto options = std::make_shared<ExportCliOptions>();
  AddCommonOptions(app, options->common);
  app.add_option("THEME", options->themes, "Themes to export (default: every theme, in order)");
  app.add_option("-f,--format", options->format,
                 "csv, tsv, json, md, html, xlsx or qdpx (default: from -o's extension)")
      ->transform(
          CLI::IsMember({"csv", "tsv", "json", "md", "html", "xlsx", "qdpx"}, CLI::ignore_case))
      ->type_name("FORMAT");
  app.add_option("-o,--output", options->output,
                 "Write to FILE (atomically), or one file per theme in the folder DIR "
                 "(default: standard output)")
      ->type_name("PATH");
  app.add_option("--attributes", options->attributes,
                 "Participant attributes as columns after the participant (e.g. role,sector)")
      ->type_name("ATTRS");
  app.add_option("--content", options->content,
                 "What a wide cell holds: summary (default), excerpts or both; with --long: "
                 "summary gives one row per charted cell")
      ->transform(CLI::IsMember({"summary", "excerpts", "both"}, CLI::ignore_case))
      ->type_name("WHAT");
  app.add_flag("--long", options->long_form,
               "One tidy table over the themes: a row per coded segment (or per summary with "
               "--content summary)");
  app.add_option("--only", options->only,
                 "Export only these transcripts: a glob on the path (transcripts/site-a/*) or on "
                 "the name without .txt (P0[0-4]*); repeatable. With --format json the output "
                 "is a part for 'framework merge'")
      ->type_name("GLOB");
  app.add_option("--only-from", options->only_from,
                 "Like --only, with one glob or participant id per line of FILE")
      ->type_name("FILE");
  app.add_flag("--allow-identifying", options->allow_identifying,
               "--attributes: show every value, even where a row's values fit fewer than "
               "--min-group participants (never in a report)");
  app.add_option("--min-group", options->min_group,
                 "--attributes: the fewest participants a row's attribute values must fit "
                 "(default: framework.yaml min_group, else 3)")
      ->check(CLI::Range(1, 1000000))
      ->type_name("N");
  app.add_flag("--lf", options->lf, "csv/tsv: end rows with LF (default: CRLF, as RFC 4180)");
  app.add_flag("--excel", options->excel, "csv/tsv: begin with a UTF-8 BOM, so Excel reads UTF-8");
  app.add_flag("--no-sanitize", options->no_sanitize,
               "Keep cells that start with = + - @ as they are (default: a leading ' stops "
               "spreadsheets running them as formulas)");
  app.footer(
      "Exports theme matrices. Wide (the default): one row per participant, one column per\n"
      "sub-theme, each cell the chart summary (--content excerpts: the coded excerpts with line\n"
      "refs; both: the summary, then the excerpts). One theme goes to standard output or -o\n"
      "FILE; several themes to a folder (-o DIR, one file per theme; Markdown and HTML may also\n"
      "be one document). --long: one table over all the themes, for R or pandas; each segment's\n"
      "whole text, and in 'speakers' who says which lines (\"P07 L58-61; INT L63; P07 L65-67\").\n"
      "Excerpts mark words no participant says: \"[INT: How was that?]\". --format html:\n"
      "one self-contained page to read or print, header row and participant column in view.\n"
      "--format json: the whole model (framework, participants, matrices with segments and chart\n"
      "entries), described by schemas/export.schema.json. --format xlsx: one workbook\n"
      "(-o FILE.xlsx), a sheet per theme plus a codebook. --format qdpx: the whole study as a\n"
      "REFI-QDA project (-o FILE.qdpx) for NVivo, ATLAS.ti, MAXQDA or QualCoder. Output is the\n"
      "same, byte for byte, on every run.\n\n"
      "Disclosure (docs/disclosure.md): the tables name participants by id; --attributes\n"
      "columns show a row's values only as far as they, with its attribution, fit --min-group\n"
      "participants, the rest '(withheld)' (--allow-identifying shows all). JSON and qdpx are\n"
      "the whole model, for scripts and other tools, and keep every value.\n\n"
      "Examples:\n"
      "  framework export training --format csv -o training.csv\n"
      "  framework export --format csv -o matrices/ --attributes role,sector\n"
      "  framework export --format csv --long -o long.csv\n"
      "  framework export --format csv --long --content summary -o summaries.csv\n"
      "  framework export training treatment --format md --content both > matrices.md\n"
      "  framework export --format html -o matrices.html\n"
      "  framework export --format json | jq '.matrices[].rows[].cells[] | select(.stale)'\n"
      "  framework export --format xlsx -o matrices.xlsx --attributes role\n"
      "  framework export --format qdpx -o study.qdpx\n"
      "  framework export --format json --only 'P0[0-4]*' -o part1.json   # then framework merge");
  return [options] { return RunExport(*options); };
}

}  // namespace framework::cli
