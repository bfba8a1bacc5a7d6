#include "framework/chart_buffer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "framework/table.h"
#include "framework/text.h"

namespace framework {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSummary = "## SUMMARY";
constexpr std::string_view kComment = "## COMMENT";
constexpr std::string_view kStatus = "## STATUS";

// The section a line opens (after `backslashes` leading backslashes), or -1.
int SectionOf(std::string_view line, std::size_t* backslashes) {
  std::size_t b = 0;
  while (b < line.size() && line[b] == '\\') ++b;
  *backslashes = b;
  std::string_view rest = line.substr(b);
  if (rest.substr(0, kSummary.size()) == kSummary) return 0;
  if (rest.substr(0, kComment.size()) == kComment) return 1;
  if (rest.substr(0, kStatus.size()) == kStatus) return 2;
  return -1;
}

// `text` with each line (split at '\n', which is kept) passed through `change`.
template <typename Change>
std::string MapLines(std::string_view text, Change change) {
  std::string out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    change(text.substr(pos, end - pos), out);
    if (nl == std::string_view::npos) break;
    out += '\n';
    pos = nl + 1;
  }
  return out;
}

// `text` with one more backslash before each line that would read as a section line.
std::string Escape(std::string_view text) {
  return MapLines(text, [](std::string_view line, std::string& out) {
    std::size_t b = 0;
    if (SectionOf(line, &b) >= 0) out += '\\';
    out += line;
  });
}

std::string Unescape(std::string_view text) {
  return MapLines(text, [](std::string_view line, std::string& out) {
    std::size_t b = 0;
    if (SectionOf(line, &b) >= 0 && b > 0) line.remove_prefix(1);
    out += line;
  });
}

std::string TrimBreaks(std::string text) {
  std::size_t start = 0;
  while (start < text.size() &&
         (text[start] == '\n' ||
          (text[start] == '\r' && start + 1 < text.size() && text[start + 1] == '\n')))
    ++start;
  std::size_t end = text.size();
  while (end > start && (text[end - 1] == '\n' || text[end - 1] == '\r')) --end;
  return text.substr(start, end - start);
}

std::string Plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

std::string WriteCellBuffer(std::string_view header, const CellBufferFields& fields) {
  std::string b(header);
  b += std::string(kSummary) + "\n" + Escape(fields.summary) + "\n";
  b += std::string(kComment) + " (your own remark, kept apart from the summary)\n" +
       Escape(fields.comment) + "\n";
  b += std::string(kStatus) + ": " + std::string(ChartStatusName(fields.status)) +
       "   (draft | charted | reviewed)\n";
  return b;
}

ParsedCellBuffer ParseCellBuffer(std::string_view buffer, const CellBufferFields& original) {
  ParsedCellBuffer out;
  std::string converted;
  // An editor that gave every line a CR LF ending: read it with LF endings.
  {
    std::size_t lf = 0, crlf = 0;
    for (std::size_t i = 0; i < buffer.size(); ++i)
      if (buffer[i] == '\n') {
        ++lf;
        if (i > 0 && buffer[i - 1] == '\r') ++crlf;
      }
    if (lf > 0 && crlf == lf) {
      converted.reserve(buffer.size());
      for (std::size_t i = 0; i < buffer.size(); ++i)
        if (!(buffer[i] == '\r' && i + 1 < buffer.size() && buffer[i + 1] == '\n'))
          converted += buffer[i];
      buffer = converted;
    }
  }
  // The section lines: where each starts and where its text starts.
  std::size_t line_start[3] = {0, 0, 0}, text_start[3] = {0, 0, 0};
  int seen[3] = {0, 0, 0};
  int last = -1;
  bool order = true;
  std::string status_line;
  std::size_t pos = 0;
  while (pos < buffer.size()) {
    std::size_t nl = buffer.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? buffer.size() : nl + 1;
    std::string_view line =
        buffer.substr(pos, (nl == std::string_view::npos ? buffer.size() : nl) - pos);
    std::size_t b = 0;
    int section = SectionOf(line, &b);
    if (section >= 0 && b == 0) {
      ++seen[section];
      if (section <= last) order = false;
      last = section;
      line_start[section] = pos;
      text_start[section] = end;
      if (section == 2) status_line = std::string(line);
    }
    pos = end;
  }
  if (seen[0] != 1 || seen[1] != 1 || seen[2] != 1 || !order) {
    out.error =
        "the buffer must keep its '## SUMMARY', '## COMMENT' and '## STATUS:' lines, once each "
        "and in that order";
    return out;
  }
  auto section_text = [&](int s, const std::string& was) {
    std::size_t from = text_start[s], to = line_start[s + 1];
    std::string_view raw = from <= to ? buffer.substr(from, to - from) : std::string_view();
    if (!raw.empty() && raw.back() == '\n') raw.remove_suffix(1);
    std::string text = Unescape(raw);
    if (text == was) return text;
    return TrimBreaks(std::move(text));
  };
  out.fields.summary = section_text(0, original.summary);
  out.fields.comment = section_text(1, original.comment);
  std::string word(Trim(std::string_view(status_line).substr(kStatus.size())));
  if (!word.empty() && word.front() == ':') word = std::string(Trim(word.substr(1)));
  word = word.substr(0, word.find_first_of(" \t\r("));
  if (word.empty())
    out.fields.status = ChartStatus::kCharted;
  else if (const std::optional<ChartStatus> status = ParseChartStatus(word))
    out.fields.status = *status;
  else
    out.error = "unknown status '" + word + "' (draft, charted or reviewed)";
  if (out.error.empty() && (!IsValidUtf8(out.fields.summary) || !IsValidUtf8(out.fields.comment)))
    out.error = "the summary or comment is not valid UTF-8";
  return out;
}

CellBufferFields CellEditFields(const ChartCell* cell) {
  CellBufferFields fields;
  if (cell) {
    fields.summary = cell->summary;
    fields.comment = cell->comment;
    if (cell->status == ChartStatus::kReviewed) fields.status = ChartStatus::kReviewed;
  }
  return fields;
}

std::string CellEditBuffer(const Study& study, int theme_index, const Matrix& matrix, int row,
                           int column, const CellBufferFields& fields) {
  const Theme& theme = study.framework.themes[static_cast<std::size_t>(theme_index)];
  const Subtheme& sub = theme.subthemes[static_cast<std::size_t>(column)];
  const std::string& id = matrix.participants[static_cast<std::size_t>(row)];
  const MatrixCell& cell =
      matrix.cells[static_cast<std::size_t>(row)][static_cast<std::size_t>(column)];
  std::string b;
  b += "# framework chart " + theme.id + " --edit " + id + ":" + sub.id + "\n";
  b += "# Theme: " + theme.label + " (" + theme.id + ")\n";
  b += "# Sub-theme: " + sub.label + " (" + sub.id + ")\n";
  for (const std::string& line : WrapText(sub.description, 76)) b += "#   " + line + "\n";
  std::string attrs;
  if (int p = study.participants.Find(id); p >= 0) {
    const Participant& participant = study.participants.participants[static_cast<std::size_t>(p)];
    for (std::size_t a = 0; a < study.participants.attributes.size(); ++a)
      if (a < participant.values.size() && participant.values[a])
        attrs += (attrs.empty() ? "" : ", ") + study.participants.attributes[a].name + ": " +
                 *participant.values[a];
  }
  b += "# Participant: " + id + (attrs.empty() ? "" : " (" + attrs + ")") + "\n";
  int transcript = study.FindTranscript(id);
  if (transcript >= 0)
    b += "# Transcript: " + study.transcripts[static_cast<std::size_t>(transcript)].path + "\n";
  if (cell.stale())
    b += "# STALE: the coded text changed since this cell was charted; check the summary.\n";
  b += "#\n# Coded excerpts (" + Plural(cell.segments.size(), "segment", "segments") + ", " +
       Plural(cell.words, "word", "words") + "):\n";
  for (const CellSegment& s : cell.segments) {
    LineRef ref{s.line_start, s.line_end};
    b += "# " + ref.ToString() + " [" + s.code + "]" + (s.speaker.empty() ? "" : " " + s.speaker) +
         ":\n";
    for (const std::string& line : WrapText(s.TextWithSpeakers(), 74)) b += "#     " + line + "\n";
  }
  if (cell.segments.empty()) b += "#   (none)\n";
  b += "#\n# Write the summary in the participant's terms, with line refs such as (L12-14);\n"
       "# put verbatim phrases in double quotes. Lines above '## SUMMARY' are ignored; the\n"
       "# text under '## SUMMARY' and '## COMMENT' is saved exactly as typed, '#' lines too.\n"
       "# Saving the buffer unchanged, or with an empty summary, changes nothing.\n";
  return WriteCellBuffer(b, fields);
}

std::string CreateUnsavedBuffer(const std::string& root, const std::string& theme,
                                const std::string& participant, const std::string& subtheme,
                                const std::string& stamp, std::string_view contents,
                                std::string* error) {
  auto safe = [](const std::string& s) {
    std::string out;
    for (char c : s) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
      out += ok ? c : '_';
    }
    return out.empty() ? std::string("_") : out;
  };
  const fs::path dir = fs::path(root) / kUnsavedFolder;
  const std::string base =
      safe(theme) + "-" + safe(participant) + "-" + safe(subtheme) + "-" + safe(stamp);
  std::error_code ec;
  for (int attempt = 1; attempt <= 1000; ++attempt) {
    fs::create_directories(dir, ec);
    const std::string path =
        (dir / (base + (attempt == 1 ? "" : "-" + std::to_string(attempt)) + ".md")).string();
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (errno == EEXIST) continue;
      if (errno == ENOENT && attempt < 5) continue;  // the folder was just removed: again
      *error = "cannot create " + path + ": " + std::strerror(errno);
      return {};
    }
    std::size_t done = 0;
    while (done < contents.size()) {
      ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        *error = "cannot write " + path + ": " + std::strerror(n < 0 ? errno : ENOSPC);
        ::close(fd);
        ::unlink(path.c_str());
        return {};
      }
      done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) {
      *error = "cannot write " + path + ": " + std::strerror(errno);
      ::unlink(path.c_str());
      return {};
    }
    return path;
  }
  *error = "cannot create a buffer in " + dir.string() + ": too many of them";
  return {};
}

Diagnostics UnsavedBufferNotes(const FileSystem& fs) {
  Diagnostics out;
  if (!fs.IsDirectory(kUnsavedFolder)) return out;
  for (const std::string& path : fs.ListFiles(kUnsavedFolder, ".md")) {
    Diagnostic d;
    d.severity = Severity::kNote;
    d.rule = "unsaved-buffer";
    d.file = path;
    d.message = "an edit buffer that was never saved into a chart is kept here";
    d.hint = "copy what you need from it into 'framework chart THEME --edit CELL', then delete it";
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace framework
