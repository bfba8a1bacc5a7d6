#include "framework/export.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <set>

#include "framework/chart.h"
#include "framework/html.h"
#include "framework/markdown.h"
#include "row_blocks.h"

namespace framework {

namespace {

const Theme* FindThemeById(const Study& study, std::string_view id) {
  int t = study.framework.FindTheme(id);
  return t < 0 ? nullptr : &study.framework.themes[static_cast<std::size_t>(t)];
}

std::string ColumnHeading(const Subtheme& subtheme) {
  return subtheme.label.empty() ? subtheme.id : subtheme.label;
}

// The header cells of the requested attributes, and each participant's values for them.
void AddAttributeHeader(const ExportOptions& options, std::vector<std::string>& header) {
  header.insert(header.end(), options.attributes.begin(), options.attributes.end());
}

void AddAttributeValues(const Study& study, const std::string& participant,
                        const ExportOptions& options, std::vector<std::string>& row) {
  auto kept = options.attributes_kept.find(participant);
  for (std::size_t a = 0; a < options.attributes.size(); ++a)
    row.push_back(kept != options.attributes_kept.end() && a >= kept->second
                      ? std::string(kWithheld)
                      : AttributeText(study, participant, options.attributes[a]));
}

std::string Excerpts(const MatrixCell& cell) {
  std::string out;
  for (const CellSegment& s : cell.segments) {
    if (!out.empty()) out += "\n\n";
    out += LineRef{s.line_start, s.line_end}.ToString() + ": " + s.TextWithSpeakers();
  }
  return out;
}

std::string CellText(const MatrixCell& cell, CellContent content) {
  std::string summary = cell.chart ? cell.chart->summary : std::string();
  switch (content) {
    case CellContent::kSummary:
      return summary;
    case CellContent::kExcerpts:
      return Excerpts(cell);
    case CellContent::kBoth: {
      std::string excerpts = Excerpts(cell);
      if (summary.empty()) return excerpts;
      if (excerpts.empty()) return summary;
      return summary + "\n\n" + excerpts;
    }
  }
  return summary;
}

// Calls `visit(row, column, cell)` for every cell of `m`, in export order: participant (chart
// order), sub-theme (framework order).
template <typename Visit>
void ForEachCell(const Matrix& m, Visit visit) {
  for (std::size_t r = 0; r < m.cells.size(); ++r)
    for (std::size_t c = 0; c < m.cells[r].size() && c < m.subthemes.size(); ++c)
      visit(r, c, m.cells[r][c]);
}

// A sink that appends to a sheet's rows.
RowSink AppendTo(Sheet& sheet) {
  return [&sheet](const std::vector<std::string>& row) { sheet.rows.push_back(row); };
}

bool NeedsQuotes(const std::string& field, char delimiter) {
  // Eight bytes at a time while none of them is the delimiter, '"', CR or LF (the "has a zero
  // byte" bit trick on the word xor each of them); then byte by byte.
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  auto has = [&](std::uint64_t word, char c) {
    const std::uint64_t x = word ^ (kOnes * static_cast<unsigned char>(c));
    return ((x - kOnes) & ~x & kHigh) != 0;
  };
  std::size_t i = 0;
  for (std::uint64_t word; i + 8 <= field.size(); i += 8) {
    std::memcpy(&word, field.data() + i, 8);
    if (has(word, delimiter) || has(word, '"') || has(word, '\r') || has(word, '\n')) break;
  }
  for (; i < field.size(); ++i) {
    const char ch = field[i];
    if (ch == delimiter || ch == '"' || ch == '\r' || ch == '\n') return true;
  }
  return false;
}

// Whether a cell starts with what spreadsheets run as a formula: = + - @ tab or CR.
bool StartsLikeFormula(const std::string& cell) {
  if (cell.empty()) return false;
  switch (cell.front()) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
      return true;
    default:
      return false;
  }
}

// A table cell, title or heading (the one escaper, framework/markdown.h); line breaks <br>.
std::string MarkdownCell(const std::string& text) {
  return MarkdownEscape(text, MarkdownBreaks::kBr);
}

void AppendMarkdownRow(const std::vector<std::string>& cells, std::size_t columns,
                       std::string& out) {
  out += "|";
  for (std::size_t i = 0; i < columns; ++i) {
    std::string cell = i < cells.size() ? MarkdownCell(cells[i]) : std::string();
    out += cell.empty() ? " |" : " " + cell + " |";
  }
  out += "\n";
}

}  // namespace

std::vector<Matrix> ChartedMatrices(const Study& study, const std::vector<int>& themes) {
  std::vector<Matrix> matrices;
  for (int theme : themes) {
    if (theme < 0 || static_cast<std::size_t>(theme) >= study.framework.themes.size()) continue;
    Matrix m = IndexTheme(study, theme);
    for (const Chart& chart : study.charts)
      if (chart.theme == m.theme) AttachChart(m, chart);
    matrices.push_back(std::move(m));
  }
  return matrices;
}

Matrix TakeChartedMatrix(Study& study, int theme) {
  Matrix m = TakeTheme(study, theme);
  for (Chart& chart : study.charts)
    if (chart.theme == m.theme) AttachChart(m, std::move(chart));
  return m;
}

std::string AttributeText(const Study& study, std::string_view participant, std::string_view name) {
  int p = study.participants.Find(participant);
  int a = study.participants.FindAttribute(name);
  if (p < 0 || a < 0) return {};
  const Participant& row = study.participants.participants[static_cast<std::size_t>(p)];
  if (static_cast<std::size_t>(a) >= row.values.size()) return {};
  return row.values[static_cast<std::size_t>(a)].value_or("");
}

Sheet WideSheetHead(const Study& study, const Matrix& matrix, const ExportOptions& options) {
  Sheet sheet;
  sheet.name = matrix.theme;
  const Theme* theme = FindThemeById(study, matrix.theme);
  sheet.title = theme && !theme->label.empty() ? theme->label : matrix.theme;
  sheet.header.push_back("participant");
  AddAttributeHeader(options, sheet.header);
  sheet.frozen_columns = sheet.header.size();
  for (const std::string& id : matrix.subthemes) {
    const Subtheme* sub = nullptr;
    if (theme)
      for (const Subtheme& s : theme->subthemes)
        if (s.id == id) sub = &s;
    sheet.header.push_back(sub ? ColumnHeading(*sub) : id);
  }
  return sheet;
}

void WideRows(const Study& study, const Matrix& matrix, const ExportOptions& options,
              const RowSink& sink) {
  std::vector<std::string> row;
  for (std::size_t r = 0; r < matrix.participants.size(); ++r) {
    row.assign({matrix.participants[r]});
    AddAttributeValues(study, matrix.participants[r], options, row);
    for (std::size_t c = 0; c < matrix.subthemes.size(); ++c)
      row.push_back(c < matrix.cells[r].size() ? CellText(matrix.cells[r][c], options.content)
                                               : std::string());
    sink(row);
  }
}

Sheet WideSheet(const Study& study, const Matrix& matrix, const ExportOptions& options) {
  Sheet sheet = WideSheetHead(study, matrix, options);
  WideRows(study, matrix, options, AppendTo(sheet));
  return sheet;
}

Sheet LongSegmentsHead(const ExportOptions& options) {
  Sheet sheet;
  sheet.name = "segments";
  sheet.title = "Coded segments";
  sheet.header = {"participant", "theme",   "subtheme", "code",    "line_start",
                  "line_end",    "speaker", "text",     "speakers"};
  AddAttributeHeader(options, sheet.header);
  return sheet;
}

namespace {

// The long-form row of segment `s` of cell (r, c) of `m`, into `row` (its strings reused: each
// field copied once into the capacity it had).
void FillSegmentRow(const Study& study, const Matrix& m, std::size_t r, std::size_t c,
                    const CellSegment& s, const ExportOptions& options,
                    std::vector<std::string>& row) {
  constexpr std::size_t kFields = 9;
  row.resize(kFields);
  row[0] = m.participants[r];
  row[1] = m.theme;
  row[2] = m.subthemes[c];
  row[3] = s.code;
  row[4] = std::to_string(s.line_start);
  row[5] = std::to_string(s.line_end);
  row[6] = s.speaker;
  row[7] = s.text;
  row[8] = s.SpeakerLines();
  AddAttributeValues(study, m.participants[r], options, row);
}

}  // namespace

void LongSegmentsRows(const Study& study, const Matrix& m, const ExportOptions& options,
                      const RowSink& sink) {
  std::vector<std::string> row;
  ForEachCell(m, [&](std::size_t r, std::size_t c, const MatrixCell& cell) {
    for (const CellSegment& s : cell.segments) {
      FillSegmentRow(study, m, r, c, s, options, row);
      sink(row);
    }
  });
}

void WriteLongSegmentsCsv(const Study& study, const Matrix& m, const ExportOptions& options,
                          const CsvOptions& csv, unsigned jobs, const TextSink& sink) {
  auto write = [&](std::size_t from, std::size_t to, RowBlock& block) {
    std::vector<std::string> row;
    for (std::size_t r = from; r < to; ++r)
      for (std::size_t c = 0; c < m.cells[r].size() && c < m.subthemes.size(); ++c)
        for (const CellSegment& s : m.cells[r][c].segments) {
          FillSegmentRow(study, m, r, c, s, options, row);
          AppendCsvRow(row, csv, block.text);
          ++block.count;
        }
  };
  const unsigned threads = RowThreads(jobs, LargestRowBytes(m));
  if (threads == 1) {
    // Straight to `sink` a row at a time, in pieces of about 64 KiB.
    std::string text;
    std::vector<std::string> row;
    ForEachCell(m, [&](std::size_t r, std::size_t c, const MatrixCell& cell) {
      for (const CellSegment& s : cell.segments) {
        FillSegmentRow(study, m, r, c, s, options, row);
        AppendCsvRow(row, csv, text);
        if (text.size() < (64u << 10)) continue;
        sink(text);
        text.clear();
      }
    });
    if (!text.empty()) sink(text);
    return;
  }
  ForEachRowBlock(m.cells.size(), threads, write, [&](const RowBlock& block) {
    if (!block.text.empty()) sink(block.text);
  });
}

Sheet LongSegmentsSheet(const Study& study, const std::vector<Matrix>& matrices,
                        const ExportOptions& options) {
  Sheet sheet = LongSegmentsHead(options);
  for (const Matrix& m : matrices) LongSegmentsRows(study, m, options, AppendTo(sheet));
  return sheet;
}

Sheet LongSummariesHead(const ExportOptions& options) {
  Sheet sheet;
  sheet.name = "summaries";
  sheet.title = "Chart summaries";
  sheet.header = {"participant", "theme", "subtheme", "status", "stale", "summary", "refs"};
  AddAttributeHeader(options, sheet.header);
  return sheet;
}

void LongSummariesRows(const Study& study, const Matrix& m, const ExportOptions& options,
                       const RowSink& sink) {
  std::vector<std::string> row;
  ForEachCell(m, [&](std::size_t r, std::size_t c, const MatrixCell& cell) {
    if (!cell.chart) return;
    std::string refs;
    for (const std::string& ref : cell.chart->refs) refs += (refs.empty() ? "" : "; ") + ref;
    row.assign({m.participants[r], m.theme, m.subthemes[c],
                std::string(ChartStatusName(cell.chart->status)), cell.stale() ? "true" : "false",
                cell.chart->summary, std::move(refs)});
    AddAttributeValues(study, m.participants[r], options, row);
    sink(row);
  });
}

Sheet LongSummariesSheet(const Study& study, const std::vector<Matrix>& matrices,
                         const ExportOptions& options) {
  Sheet sheet = LongSummariesHead(options);
  for (const Matrix& m : matrices) LongSummariesRows(study, m, options, AppendTo(sheet));
  return sheet;
}

Sheet CodebookSheet(const Study& study, const std::vector<int>& themes) {
  Sheet sheet;
  sheet.name = "codebook";
  sheet.title = "Codebook";
  sheet.header = {"theme", "theme label", "subtheme", "subtheme label", "description", "codes"};
  sheet.frozen_columns = 1;
  for (int t : themes) {
    if (t < 0 || static_cast<std::size_t>(t) >= study.framework.themes.size()) continue;
    const Theme& theme = study.framework.themes[static_cast<std::size_t>(t)];
    for (const Subtheme& sub : theme.subthemes) {
      std::string codes = theme.id + "." + sub.id;
      for (const std::string& alias : sub.codes) codes += ", " + alias;
      sheet.rows.push_back(
          {theme.id, theme.label, sub.id, sub.label, sub.description, std::move(codes)});
    }
  }
  return sheet;
}

std::string NeutraliseFormula(const std::string& cell) {
  return StartsLikeFormula(cell) ? "'" + cell : cell;
}

std::string CsvPreamble(const CsvOptions& options) { return options.bom ? "\xEF\xBB\xBF" : ""; }

void AppendCsvRow(const std::vector<std::string>& cells, const CsvOptions& options,
                  std::string& out) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i) out += options.delimiter;
    const std::string& cell = cells[i];
    // NeutraliseFormula's leading ' changes nothing about the quoting.
    const bool formula = options.sanitize && StartsLikeFormula(cell);
    if (!NeedsQuotes(cell, options.delimiter)) {
      if (formula) out += '\'';
      out += cell;
      continue;
    }
    out += '"';
    if (formula) out += '\'';
    // Each '"' doubled: the runs between them appended whole.
    std::string_view rest = cell;
    for (std::size_t q; (q = rest.find('"')) != std::string_view::npos; rest.remove_prefix(q + 1)) {
      out.append(rest.data(), q + 1);
      out += '"';
    }
    out.append(rest);
    out += '"';
  }
  out += options.crlf ? "\r\n" : "\n";
}

std::string WriteCsv(const Sheet& sheet, const CsvOptions& options) {
  std::string out = CsvPreamble(options);
  AppendCsvRow(sheet.header, options, out);
  for (const auto& row : sheet.rows) AppendCsvRow(row, options, out);
  return out;
}

std::string WriteMarkdown(const std::vector<Sheet>& sheets, const std::string& title) {
  std::string out = "# " + MarkdownCell(title) + "\n";
  for (const Sheet& sheet : sheets) {
    out += "\n## " + MarkdownCell(sheet.title.empty() ? sheet.name : sheet.title) + "\n\n";
    std::size_t columns = sheet.header.size();
    for (const auto& row : sheet.rows) columns = std::max(columns, row.size());
    if (columns == 0) continue;
    AppendMarkdownRow(sheet.header, columns, out);
    out += "|";
    for (std::size_t i = 0; i < columns; ++i) out += " --- |";
    out += "\n";
    for (const auto& row : sheet.rows) AppendMarkdownRow(row, columns, out);
  }
  return out;
}

namespace {

// A fragment id from a sheet name: letters, digits, '-' and '_' kept, anything else '-'; made
// unique with a numeric suffix.
std::string FragmentId(const std::string& name, std::set<std::string>& used) {
  std::string id = "m-";
  for (unsigned char c : name)
    id += (std::isalnum(c) || c == '-' || c == '_') ? static_cast<char>(c) : '-';
  std::string unique = id;
  for (int n = 2; !used.insert(unique).second; ++n) unique = id + "-" + std::to_string(n);
  return unique;
}

// A sheet as html.h's table: header and row headers scoped, empty cells marked, the frozen
// columns' cells unwrapped.
void AppendSheetTable(const Sheet& sheet, std::string& out) {
  std::size_t columns = sheet.header.size();
  for (const auto& row : sheet.rows) columns = std::max(columns, row.size());
  HtmlTableStyle style;
  style.focusable = style.scopes = style.tag_per_line = true;
  std::vector<std::string> header(columns);
  for (std::size_t c = 0; c < sheet.header.size(); ++c) header[c] = HtmlEscape(sheet.header[c]);
  AppendHtmlTableStart(header, style, out);
  std::vector<HtmlCell> cells(columns);
  const std::string empty;
  for (const auto& row : sheet.rows) {
    for (std::size_t c = 0; c < columns; ++c) {
      const std::string& cell = c < row.size() ? row[c] : empty;
      if (c == 0)
        cells[c] = {HtmlEscape(cell)};
      else if (cell.empty())
        cells[c] = {"", "empty"};
      else
        cells[c] = {HtmlEscapeMultiline(cell), c < sheet.frozen_columns ? "key" : ""};
    }
    AppendHtmlTableRow(cells, style, out);
  }
  AppendHtmlTableEnd(style, out);
}

}  // namespace

std::string WriteHtml(const std::vector<Sheet>& sheets, const std::string& title,
                      const Sheet& codebook) {
  std::string out = HtmlPageBegin(title);
  out += "<header>\n<h1>" + HtmlEscape(title) + "</h1>\n</header>\n";
  std::set<std::string> used;
  std::vector<std::string> ids;
  for (const Sheet& sheet : sheets) ids.push_back(FragmentId(sheet.name, used));
  const std::string codebook_id = FragmentId("codebook", used);
  if (sheets.size() > 1 || !codebook.rows.empty()) {
    out += "<nav aria-label=\"Contents\">\n<ul>\n";
    for (std::size_t i = 0; i < sheets.size(); ++i)
      out += "<li><a href=\"#" + ids[i] + "\">" +
             HtmlEscape(sheets[i].title.empty() ? sheets[i].name : sheets[i].title) + "</a></li>\n";
    if (!codebook.rows.empty())
      out += "<li><a href=\"#" + codebook_id + "\">" + HtmlEscape(codebook.title) + "</a></li>\n";
    out += "</ul>\n</nav>\n";
  }
  for (std::size_t i = 0; i < sheets.size(); ++i) {
    const Sheet& sheet = sheets[i];
    out += "<section class=\"matrix\" id=\"" + ids[i] + "\">\n<h2>" +
           HtmlEscape(sheet.title.empty() ? sheet.name : sheet.title) + "</h2>\n";
    AppendSheetTable(sheet, out);
    out += "</section>\n";
  }
  if (!codebook.rows.empty()) {
    out += "<section class=\"codebook\" id=\"" + codebook_id + "\">\n<h2>" +
           HtmlEscape(codebook.title) + "</h2>\n";
    AppendSheetTable(codebook, out);
    out += "</section>\n";
  }
  return out + HtmlPageEnd();
}

}  // namespace framework
