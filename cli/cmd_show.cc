// framework show: a transcript with its codes visible, or one code's excerpts.

#include <algorithm>
#include <filesystem>
#include <string_view>
#include <vector>

#include "commands.h"
#include "framework/chart.h"
#include "framework/export_json.h"
#include "framework/file_system.h"
#include "framework/table.h"
#include "framework/text.h"

namespace framework::cli {
namespace {

struct ShowOptions {
  CommonOptions common;
  std::string participant;
  std::vector<std::string> codes;
  std::string format = "text";
  std::size_t width = 0;
};

// SGR codes. Text inside segments takes its theme's colour, cycling through six; red comes
// last, so with few themes it is not mistaken for an error.
constexpr const char* kThemeColors[] = {"36", "32", "33", "35", "34", "31"};
constexpr const char* kDim = "2";
constexpr const char* kBold = "1";
constexpr std::string_view kReset = "\x1b[0m";

const char* ThemeColor(int theme) {
  if (theme < 0) return nullptr;
  return kThemeColors[static_cast<std::size_t>(theme) % std::size(kThemeColors)];
}

// Appends `text`, wrapped in the SGR code `sgr` when colour is on and `sgr` is set.
void Styled(std::string& out, std::string_view text, const char* sgr, bool color) {
  if (text.empty()) return;
  if (!color || !sgr) {
    out += text;
    return;
  }
  out += "\x1b[";
  out += sgr;
  out += 'm';
  out += text;
  out += kReset;
}

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// `line` made safe for a terminal: invalid UTF-8, C0 controls other than tab, DEL and C1
// controls become U+FFFD, so a transcript cannot carry escape sequences to the screen. Text
// without them (every well-formed transcript) is returned byte for byte.
std::string SafeLine(std::string_view line) {
  bool plain = true;
  for (char c : line) {
    const auto b = static_cast<unsigned char>(c);
    if ((b < 0x20 && b != '\t') || b >= 0x7F) {
      plain = false;
      break;
    }
  }
  if (plain) return std::string(line);
  const std::string valid = IsValidUtf8(line) ? std::string(line) : SanitizeUtf8(line);
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(valid.size());
  for (std::size_t i = 0; i < valid.size(); ++i) {
    const auto b = static_cast<unsigned char>(valid[i]);
    if ((b < 0x20 && b != '\t') || b == 0x7F) {
      out += kReplacement;
    } else if (b == 0xC2 && i + 1 < valid.size() &&
               static_cast<unsigned char>(valid[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(valid[i + 1]) <= 0x9F) {
      out += kReplacement;  // U+0080..U+009F, which some terminals read as controls
      ++i;
    } else {
      out += valid[i];
    }
  }
  return out;
}

// The file's lines as shown: a BOM dropped, split at '\n', the CR of a CRLF removed. A final
// line break does not start an extra empty line.
std::vector<std::string_view> SplitLines(std::string_view bytes) {
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    std::size_t eol = bytes.find('\n', pos);
    if (eol == std::string_view::npos) eol = bytes.size();
    std::string_view line = bytes.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    pos = eol + 1;
  }
  return lines;
}

// How many leading lines are front matter (both fences included), as the parser decides: a
// first line "---", up to a line "---" or "...". An unclosed front matter makes the whole file
// front matter, since the parser then reads no body at all.
std::size_t FrontMatterLines(const std::vector<std::string_view>& lines) {
  if (lines.empty() || Trim(lines[0]) != "---") return 0;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::string_view t = Trim(lines[i]);
    if (t == "---" || t == "...") return i + 1;
  }
  return lines.size();
}

// Renders body lines with their codes visible, from the spans the library's parser read as
// tags and labels (ParseOptions::spans): it reads no tags of its own. It tracks the open
// segments across lines, so each character takes the colour of the latest-opened segment still
// open around it (re-opening an open code and closing a code that is not open change nothing).
class BodyHighlighter {
 public:
  BodyHighlighter(const Framework& framework, const std::vector<BodySpan>& spans, bool color)
      : framework_(framework), spans_(spans), color_(color) {}

  // Line `number` (1-based), of which `raw` is what is shown (a long line may be cut): each
  // stretch made safe for the terminal (SafeLine) as it is written.
  void Line(int number, std::string_view raw, std::string& out) {
    while (next_ < spans_.size() && spans_[next_].line < number) ++next_;
    std::size_t chunk = 0;
    for (; next_ < spans_.size() && spans_[next_].line == number; ++next_) {
      const BodySpan& s = spans_[next_];
      if (s.end > raw.size() || s.begin < chunk) continue;  // cut off: not shown as a tag
      if (s.kind == BodySpan::Kind::kLabel) {
        out += SafeLine(raw.substr(chunk, s.begin - chunk));  // the blanks before a label
        Styled(out, SafeLine(raw.substr(s.begin, s.end - s.begin)), kBold, color_);
      } else {
        Styled(out, SafeLine(raw.substr(chunk, s.begin - chunk)), CurrentColor(), color_);
        Styled(out, SafeLine(raw.substr(s.begin, s.end - s.begin)), kDim, color_);
        Apply(s);
      }
      chunk = s.end;
    }
    Styled(out, SafeLine(raw.substr(chunk)), CurrentColor(), color_);
  }

 private:
  // Opens or closes the segments of tag `s` as the parser does.
  void Apply(const BodySpan& s) {
    auto open = [&](const std::string& code) {
      return std::find_if(open_.begin(), open_.end(),
                          [&](const OpenSegment& o) { return o.code == code; });
    };
    switch (s.kind) {
      case BodySpan::Kind::kCloseAll:
        open_.clear();
        break;
      case BodySpan::Kind::kClose:
        for (const std::string& code : s.codes)
          if (auto it = open(code); it != open_.end()) open_.erase(it);
        break;
      case BodySpan::Kind::kOpen:
        for (const std::string& code : s.codes)
          if (open(code) == open_.end()) open_.push_back({code, framework_.Resolve(code).theme});
        break;
      case BodySpan::Kind::kLabel:
        break;
    }
  }

  // The latest-opened segment of a known code decides the colour.
  const char* CurrentColor() const {
    for (auto it = open_.rbegin(); it != open_.rend(); ++it)
      if (it->theme >= 0) return ThemeColor(it->theme);
    return nullptr;
  }

  struct OpenSegment {
    std::string code;
    int theme;
  };
  const Framework& framework_;
  const std::vector<BodySpan>& spans_;
  bool color_;
  std::size_t next_ = 0;  // the first span not yet drawn
  std::vector<OpenSegment> open_;
};

// The tags and labels of the transcript `bytes` as the parser reads them (the parse's
// diagnostics are the check's business, so they are dropped).
std::vector<BodySpan> BodySpans(const Transcript& t, std::string_view bytes, const Framework& f) {
  std::vector<BodySpan> spans;
  ParseOptions po;
  po.speakers = f.speakers;
  po.stem = std::filesystem::path(t.path).stem().string();
  po.codes = f.parsed ? &f.codes : nullptr;
  po.max_span_turns = f.max_span_turns;
  po.keep_text = false;
  po.spans = &spans;
  Diagnostics ignored;
  ParseTranscript(t.path, bytes, po, ignored);
  return spans;
}

// Lines longer than this are shown cut, with a note of what was left out: a transcript is read
// by a person, and one line of hundreds of megabytes would only cost time and memory.
constexpr std::size_t kShownLineBytes = std::size_t{1} << 20;

// Prints the transcript's lines to `stream` as they are rendered, one at a time, so memory does
// not grow with the transcript.
void PrintTranscript(std::string_view bytes, const std::vector<std::string_view>& lines,
                     const Transcript& t, const Framework& framework, bool color,
                     std::FILE* stream) {
  const std::size_t digits = std::to_string(lines.size()).size();
  const std::size_t gutter = std::max<std::size_t>(4, digits);
  const std::size_t front = FrontMatterLines(lines);
  const std::vector<BodySpan> spans = BodySpans(t, bytes, framework);
  BodyHighlighter body(framework, spans, color);
  std::string out;
  for (std::size_t n = 0; n < lines.size(); ++n) {
    std::string_view raw = lines[n];
    std::size_t cut = 0;
    if (raw.size() > kShownLineBytes) {
      std::size_t keep = kShownLineBytes;
      while (keep > 0 && (static_cast<unsigned char>(raw[keep]) & 0xC0) == 0x80) --keep;
      cut = raw.size() - keep;
      raw = raw.substr(0, keep);
    }
    std::string number = std::to_string(n + 1);
    number.insert(0, gutter - number.size(), ' ');
    Styled(out, number + " │", kDim, color);
    if (!raw.empty()) {
      out += ' ';
      if (n < front)
        Styled(out, SafeLine(raw), kDim, color);
      else
        body.Line(static_cast<int>(n + 1), raw, out);
    }
    if (cut > 0)
      Styled(out, " … (" + std::to_string(cut) + " more bytes of this line not shown)", kDim,
             color);
    out += '\n';
    if (out.size() >= (1u << 16) || n + 1 == lines.size()) {
      std::fwrite(out.data(), 1, out.size(), stream);
      out.clear();
    }
  }
}

// A matrix column asked for, and the code the user named it by.
struct Selection {
  ColumnRef column;
  std::string given;
};

// Resolves each --code to its column: a code (theme.subtheme or an alias), or a theme id for all
// of its columns. A column named twice is listed once. Prints an error and returns false for an
// unknown code.
bool ResolveCodes(const Framework& f, const std::vector<std::string>& codes,
                  std::vector<Selection>* selections) {
  auto add = [&](ColumnRef column, std::string given) {
    for (const Selection& s : *selections)
      if (s.column == column) return;
    selections->push_back({column, std::move(given)});
  };
  for (const std::string& raw : codes) {
    const std::string code = ToNfc(Trim(raw));
    if (ColumnRef column = f.Resolve(code); column.valid()) {
      add(column, code);
      continue;
    }
    if (int theme = f.FindTheme(code); theme >= 0) {
      const Theme& th = f.themes[static_cast<std::size_t>(theme)];
      for (std::size_t s = 0; s < th.subthemes.size(); ++s)
        add({theme, static_cast<int>(s)}, th.id + "." + th.subthemes[s].id);
      continue;
    }
    std::vector<std::string> candidates = f.codes.codes();
    for (const Theme& th : f.themes) candidates.push_back(th.id);
    auto guess = Suggest(code, candidates);
    PrintError("unknown code " + Quote(code),
               guess ? "did you mean '" + *guess + "'?"
                     : "give a code as theme.subtheme or an alias from framework.yaml, or a "
                       "theme id; 'framework codes' lists them");
    return false;
  }
  return true;
}

std::string ColumnCode(const Framework& f, ColumnRef c) {
  const Theme& theme = f.themes[static_cast<std::size_t>(c.theme)];
  return theme.id + "." + theme.subthemes[static_cast<std::size_t>(c.subtheme)].id;
}

std::string RefOf(const Segment& s) { return LineRef{s.line_start, s.line_end}.ToString(); }

// The excerpts of each selected column, as `L14-16  text…` wrapped to `width`, continuation
// lines under the text. With more than one column, each group has a heading.
std::string RenderExcerpts(const Transcript& t, const Framework& f,
                           const std::vector<Selection>& selections, std::size_t width,
                           bool color) {
  std::size_t ref_width = 0;
  for (const Segment& s : t.segments)
    for (const Selection& sel : selections)
      if (s.target == sel.column) ref_width = std::max(ref_width, DisplayWidth(RefOf(s)));
  const std::size_t gutter = ref_width + 2;
  const std::size_t text_width = width > gutter + 10 ? width - gutter : 10;
  const bool headings = selections.size() > 1;

  std::string out;
  for (std::size_t g = 0; g < selections.size(); ++g) {
    const Selection& sel = selections[g];
    if (headings) {
      if (g) out += '\n';
      const Theme& theme = f.themes[static_cast<std::size_t>(sel.column.theme)];
      const Subtheme& sub = theme.subthemes[static_cast<std::size_t>(sel.column.subtheme)];
      std::string heading = ColumnCode(f, sel.column);
      if (sel.given != heading) heading = sel.given + " → " + heading;
      Styled(out, heading, kBold, color);
      if (!sub.label.empty()) Styled(out, "  " + sub.label, kDim, color);
      out += '\n';
    }
    bool any = false;
    for (const Segment& s : t.segments) {
      if (!(s.target == sel.column)) continue;
      any = true;
      const std::string ref = RefOf(s);
      const std::string tag = s.code != sel.given ? "[" + s.code + "] " : std::string();
      const std::vector<std::string> lines = WrapText(tag + t.SegmentText(s), text_width);
      for (std::size_t k = 0; k < lines.size(); ++k) {
        if (k == 0) {
          Styled(out, ref, ThemeColor(sel.column.theme), color);
          out.append(gutter - DisplayWidth(ref), ' ');
        } else if (!lines[k].empty()) {
          out.append(gutter, ' ');
        }
        std::string_view text = lines[k];
        if (k == 0 && !tag.empty() && text.substr(0, tag.size() - 1) == Trim(tag)) {
          Styled(out, text.substr(0, tag.size() - 1), kDim, color);
          text.remove_prefix(tag.size() - 1);
        }
        out += text;
        out += '\n';
      }
    }
    if (!any && headings) {
      out.append(gutter, ' ');
      Styled(out, "(no segments)", kDim, color);
      out += '\n';
    }
  }
  return out;
}

// Finds the participant's transcript; on failure prints the error and sets `exit_code`.
const Transcript* FindParticipant(const Study& study, const StudyLocation& where,
                                  const std::string& id, const std::string& color, int* exit_code) {
  if (int index = study.FindTranscript(id); index >= 0)
    return &study.transcripts[static_cast<std::size_t>(index)];
  // A transcript named for the participant that could not be read (refused, unreadable, not
  // UTF-8): its reason, not "has no transcript".
  for (const Diagnostic& d : study.diagnostics) {
    if ((d.rule != "io-error" && d.rule != "wrong-encoding") || d.severity != Severity::kError)
      continue;
    const std::filesystem::path file(d.file);
    if (file.extension() != ".txt" || file.stem().string() != id) continue;
    PrintDiagnostics({d}, where, UseColor(stderr, color));
    *exit_code = d.rule == "io-error" ? kExitIo : kExitStudyErrors;
    return nullptr;
  }
  if (int declared = study.participants.Find(id); declared >= 0) {
    const Participant& p = study.participants.participants[static_cast<std::size_t>(declared)];
    std::string place = where.path_prefix + study.participants_path;
    if (p.line > 0) place += ":" + std::to_string(p.line);
    PrintError("participant " + Quote(id) + " is declared in " + place + " but has no transcript",
               "add a transcript for it under " + Quote(study.framework.transcripts) + " (named " +
                   id + ".txt, or with 'participant: " + id + "' in its front matter)");
    *exit_code = kExitStudyErrors;
    return nullptr;
  }
  std::vector<std::string> ids;
  for (const Transcript& t : study.transcripts) ids.push_back(t.participant);
  std::sort(ids.begin(), ids.end(), NaturalLess);
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::string hint;
  if (auto guess = Suggest(id, ids)) {
    hint = "did you mean '" + *guess + "'?";
  } else if (ids.empty()) {
    hint = "the study has no transcripts yet";
  } else {
    hint = "participants with transcripts: ";
    const std::size_t shown = std::min<std::size_t>(ids.size(), 10);
    for (std::size_t i = 0; i < shown; ++i) hint += (i ? ", " : "") + ids[i];
    if (ids.size() > shown) hint += ", and " + std::to_string(ids.size() - shown) + " more";
  }
  PrintError("no participant " + Quote(id), hint);
  *exit_code = kExitUsage;
  return nullptr;
}

int RunShow(const ShowOptions& options) {
  int exit_code = kExitOk;
  auto where = LocateStudy(options.common, &exit_code);
  if (!where) return exit_code;
  // The coded text is needed for JSON and excerpts; the transcript itself is read again below.
  Study study = LoadStudyAt(*where, options.common,
                            /*keep_text=*/options.format == "json" || !options.codes.empty());
  const Framework& f = study.framework;
  if (!study.framework_loaded) {
    PrintDiagnostics(study.diagnostics, *where, UseColor(stderr, options.common.color));
    return study.io_error ? kExitIo : kExitStudyErrors;
  }

  const std::string id = ToNfc(Trim(options.participant));
  const Transcript* t = FindParticipant(study, *where, id, options.common.color, &exit_code);
  if (!t) return exit_code;
  std::vector<Selection> selections;
  if (!ResolveCodes(f, options.codes, &selections)) return kExitUsage;

  // The lines are shown as the file has them, so they are read again, not rebuilt from the
  // parsed text (which has lost its tags, escapes and labels).
  DiskFileSystem disk = StudyDisk(where->root);
  ReadResult file = ReadTextFile(disk, t->path);
  if (!file.ok) {
    PrintError("cannot read " + where->path_prefix + t->path + ": " + file.error, file.hint);
    return kExitIo;
  }
  const std::vector<std::string_view> lines = SplitLines(file.contents);
  const bool color = UseColor(stdout, options.common.color);

  if (options.format == "json") {
    std::vector<ColumnRef> columns;
    for (const Selection& sel : selections) columns.push_back(sel.column);
    WriteShowJson(*t, f, lines.size(), columns, [](std::string_view piece) {
      std::fwrite(piece.data(), 1, piece.size(), stdout);
    });
  } else if (selections.empty()) {
    PrintTranscript(file.contents, lines, *t, f, color, stdout);
  } else {
    const std::string out = RenderExcerpts(*t, f, selections, TerminalWidth(options.width), color);
    std::fwrite(out.data(), 1, out.size(), stdout);
  }

  if (!options.common.quiet) {
    if (options.format != "json") {
      std::string footer = t->participant + ": " + where->path_prefix + t->path + ", ";
      if (selections.empty()) {
        footer += Plural(lines.size(), "line", "lines") + ", " +
                  Plural(t->segments.size(), "segment", "segments");
      } else {
        std::size_t n = 0;
        for (const Segment& s : t->segments)
          for (const Selection& sel : selections) n += s.target == sel.column;
        footer += Plural(n, "segment", "segments") + " in ";
        for (std::size_t k = 0; k < selections.size(); ++k)
          footer += (k ? ", " : "") + ColumnCode(f, selections[k].column);
      }
      std::fprintf(stderr, "%s\n", footer.c_str());
    }
    std::size_t errors = 0;
    for (const Diagnostic& d : study.diagnostics)
      errors += d.severity == Severity::kError && d.file == t->path;
    if (errors > 0)
      std::fprintf(stderr,
                   "note: %s%s has %zu error%s, so some segments may be missing; run 'framework "
                   "check' to see %s\n",
                   where->path_prefix.c_str(), t->path.c_str(), errors, errors == 1 ? "" : "s",
                   errors == 1 ? "it" : "them");
  }
  return FinishOutput(OutputExitCode(study));
}

}  // namespace

Runner SetupShow(CLI::App& app) {
  auto options = std::make_shared<ShowOptions>();
  app.add_option("PARTICIPANT", options->participant,
                 "The participant whose transcript to show, e.g. P07")
      ->required();
  app.add_option("--code", options->codes,
                 "Show only the excerpts that index into this code's column: theme.subtheme, an "
                 "alias, or a theme id for all its columns (repeatable; commas allowed)")
      ->type_name("CODE")
      ->delimiter(',')
      ->allow_extra_args(false);
  app.add_option("-f,--format", options->format, "Output format: text or json")
      ->transform(CLI::IsMember({"text", "json"}, CLI::ignore_case))
      ->type_name("FORMAT");
  app.add_option("-w,--width", options->width,
                 "Wrap excerpts to N columns (default: $COLUMNS, else the terminal, else 80)")
      ->check(CLI::Range(std::size_t{1}, kMaxWidth))
      ->type_name("N");
  AddCommonOptions(app, options->common);
  app.footer(
      "Without --code, prints the participant's transcript as the file has it, with line\n"
      "numbers (front matter counted, as in diagnostics and line refs). On a colour terminal the\n"
      "code tags are dim and coded text takes its theme's colour (where segments overlap, the\n"
      "latest opened wins); without colour the tags show as written. Control characters and\n"
      "invalid UTF-8 are shown as U+FFFD.\n\n"
      "With --code, lists the participant's excerpts in that code's matrix column, in transcript\n"
      "order, as 'L14-16  text' (white space collapsed, wrapped to --width); an excerpt coded\n"
      "with another code of the column shows it in brackets. Several --code options give a\n"
      "group each.\n\n"
      "A summary goes to stderr (not with -q or --format json). --format json prints the\n"
      "participant, the file, its line count and the segments (only the selected ones with\n"
      "--code), each with code, theme, subtheme, line_start, line_end, speaker and text.\n\n"
      "Examples:\n"
      "  framework show P07 | less -R\n"
      "  framework show P07 --code training.prequal\n"
      "  framework show P07 --code cpd --code training.gaps --width 100\n"
      "  framework show P07 --code training\n"
      "  framework show P07 --format json | jq '.segments[] | select(.theme==\"training\")'\n\n"
      "Exit codes: 0 ok, 1 the participant has no transcript (or framework.yaml is unusable),\n"
      "2 usage (unknown participant or code), 3 input/output.");
  return [options] { return RunShow(*options); };
}

}  // namespace framework::cli
