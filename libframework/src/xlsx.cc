// The XLSX writer: Sheets into one workbook through libxlsxwriter, written atomically and
// byte-for-byte reproducibly.
#include <unicode/unistr.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "framework/export.h"
#include "framework/file_system.h"
#include "framework/text.h"

namespace framework {
namespace {

// Excel counts characters in UTF-16 code units, so limits are kept in those; a code point
// outside the BMP counts two. Staying within the limit in UTF-16 also keeps within it in code
// points, which is what libxlsxwriter checks.
constexpr std::size_t kMaxCellChars = 32767;
constexpr std::size_t kMaxSheetNameChars = LXW_SHEETNAME_MAX;  // 31
constexpr double kFrozenColumnMaxWidth = 30;
constexpr double kFrozenColumnMinWidth = 4;
constexpr double kColumnWidth = 40;
// 1980-01-01T00:00:00Z: the earliest date a zip entry can carry, used when SOURCE_DATE_EPOCH is
// not set. libxlsxwriter reads 0 as "now", so the fallback must not be 0.
constexpr std::time_t kDefaultCreated = 315532800;

// lxw_strerror's sentences in the project's style: lower-case first letter, no final period.
std::string LxwErrorText(lxw_error error) {
  std::string text = lxw_strerror(error);
  while (!text.empty() && (text.back() == '.' || text.back() == ' ')) text.pop_back();
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// Bytes in the UTF-8 sequence that starts with `lead` (valid UTF-8 assumed).
std::size_t SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

std::size_t Utf16Length(std::string_view text) {
  std::size_t units = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = SequenceLength(static_cast<unsigned char>(text[i]));
    units += n == 4 ? 2 : 1;
    i += n;
  }
  return units;
}

// The longest prefix of `text` of at most `max_units` UTF-16 code units, cut between code
// points.
std::string_view CutToUnits(std::string_view text, std::size_t max_units) {
  std::size_t units = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t n = SequenceLength(static_cast<unsigned char>(text[i]));
    const std::size_t u = n == 4 ? 2 : 1;
    if (units + u > max_units) break;
    units += u;
    i += n;
  }
  return text.substr(0, i);
}

std::string ValidUtf8(std::string_view text) {
  return IsValidUtf8(text) ? std::string(text) : SanitizeUtf8(text);
}

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// True when `text` at `i` reads `_xHHHH_`, which Excel decodes as the character U+HHHH.
bool IsXmlEscapeAt(std::string_view text, std::size_t i) {
  return i + 7 <= text.size() && text[i] == '_' && text[i + 1] == 'x' && IsHex(text[i + 2]) &&
         IsHex(text[i + 3]) && IsHex(text[i + 4]) && IsHex(text[i + 5]) && text[i + 6] == '_';
}

constexpr std::string_view kEscapedUnderscore = "_x005F_";

// Excel reads `_xHHHH_` in a string as an escaped character (libxlsxwriter uses that form for
// control characters), so a literal one would change on reading: its underscore is escaped as
// `_x005F_`, which Excel turns back into `_`.
std::string EscapeLiteralEscapes(std::string text) {
  if (text.find("_x") == std::string::npos) return text;
  std::string out;
  out.reserve(text.size() + 16);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (IsXmlEscapeAt(text, i))
      out += kEscapedUnderscore;
    else
      out += text[i];
  }
  return out;
}

std::string TruncationMarker(std::size_t more) {
  return "\u2026 [truncated: " + std::to_string(more) + " characters more in the source]";
}

// `text` (already escaped) cut to fit the cell limit with a marker saying how many characters
// of the source were left out. The marker's length depends on that count, which depends on
// where the cut falls: iterate until they agree (they do within a few rounds, as a longer marker
// can only leave more out). Each `_x005F_` counts as the one source character it stands for.
std::string FitCell(const std::string& text) {
  if (Utf16Length(text) <= kMaxCellChars) return text;
  std::size_t source_chars = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (text.compare(i, kEscapedUnderscore.size(), kEscapedUnderscore) == 0) {
      i += kEscapedUnderscore.size();
    } else {
      i += SequenceLength(static_cast<unsigned char>(text[i]));
    }
    ++source_chars;
  }
  std::size_t more = source_chars > kMaxCellChars ? source_chars - kMaxCellChars : 1;
  for (int round = 0;; ++round) {
    const std::string marker = TruncationMarker(more);
    const std::size_t budget = kMaxCellChars - Utf16Length(marker);
    std::size_t units = 0;
    std::size_t kept = 0;
    std::size_t i = 0;
    while (i < text.size()) {
      std::size_t bytes;
      std::size_t u;
      if (text.compare(i, kEscapedUnderscore.size(), kEscapedUnderscore) == 0) {
        bytes = u = kEscapedUnderscore.size();
      } else {
        bytes = SequenceLength(static_cast<unsigned char>(text[i]));
        u = bytes == 4 ? 2 : 1;
      }
      if (units + u > budget) break;
      units += u;
      i += bytes;
      ++kept;
    }
    const std::size_t left_out = source_chars - kept;
    if (left_out == more || round >= 8) return text.substr(0, i) + TruncationMarker(left_out);
    more = left_out;
  }
}

std::string CellText(const std::string& cell, bool sanitize) {
  std::string text = ValidUtf8(cell);
  if (sanitize) text = NeutraliseFormula(text);
  return FitCell(EscapeLiteralEscapes(std::move(text)));
}

// Whether CellText would give `cell` back as it is: valid UTF-8, no formula to neutralise, no
// literal `_xHHHH_`, within the cell limit (UTF-16 units are never more than bytes). Most cells
// are, and are written without a copy.
bool WrittenAsIs(const std::string& cell, bool sanitize) {
  if (cell.size() > kMaxCellChars || cell.find("_x") != std::string::npos) return false;
  if (sanitize && NeutraliseFormula(std::string(cell, 0, 1)).size() > 1) return false;
  return IsValidUtf8(cell);
}

// Excel compares sheet names without regard to case.
std::string FoldCase(const std::string& name) {
  std::string out;
  icu::UnicodeString::fromUTF8(name).foldCase().toUTF8String(out);
  return out;
}

// `name` as Excel accepts it: forbidden characters ([]:*?/\ and controls) become '_', and so
// does an apostrophe at either end; never empty.
std::string CleanSheetName(const std::string& name) {
  std::string out = ValidUtf8(name);
  for (char& c : out)
    if (std::strchr("[]:*?/\\", c) != nullptr || static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
      c = '_';
  if (out.empty()) out = "Sheet";
  if (out.front() == '\'') out.front() = '_';
  return out;
}

std::string CutSheetName(const std::string& name, std::size_t max_chars) {
  std::string out(CutToUnits(name, max_chars));
  if (!out.empty() && out.back() == '\'') out.back() = '_';
  return out;
}

// A valid name for `wanted` that is not in `taken` (case-folded), recorded there.
std::string UniqueSheetName(const std::string& wanted, std::set<std::string>& taken) {
  const std::string base = CleanSheetName(wanted);
  std::string name = CutSheetName(base, kMaxSheetNameChars);
  for (int n = 2; taken.count(FoldCase(name)) != 0; ++n) {
    const std::string suffix = " (" + std::to_string(n) + ")";
    name = CutSheetName(base, kMaxSheetNameChars - suffix.size()) + suffix;
  }
  taken.insert(FoldCase(name));
  return name;
}

// Display width of the widest line of `cell`.
std::size_t WidestLine(const std::string& cell) {
  std::size_t widest = 0;
  std::size_t start = 0;
  while (start <= cell.size()) {
    std::size_t end = cell.find_first_of("\r\n", start);
    if (end == std::string::npos) end = cell.size();
    widest = std::max(widest, DisplayWidth(std::string_view(cell).substr(start, end - start)));
    start = end + 1;
  }
  return widest;
}

std::time_t CreationTime() {
  const char* epoch = std::getenv("SOURCE_DATE_EPOCH");
  if (epoch != nullptr && *epoch != '\0') {
    char* end = nullptr;
    errno = 0;
    const long long value = std::strtoll(epoch, &end, 10);
    if (errno == 0 && *end == '\0' && value > 0) return static_cast<std::time_t>(value);
  }
  return kDefaultCreated;
}

struct Formats {
  lxw_format* header = nullptr;
  lxw_format* body = nullptr;
};

lxw_error AddSheet(lxw_workbook* workbook, const Sheet& sheet, const std::string& name,
                   const Formats& formats, bool sanitize) {
  // Validated first: workbook_add_worksheet would print the reason and return only NULL.
  if (lxw_error e = workbook_validate_sheet_name(workbook, name.c_str())) return e;
  lxw_worksheet* ws = workbook_add_worksheet(workbook, name.c_str());
  if (ws == nullptr) return LXW_ERROR_MEMORY_MALLOC_FAILED;

  std::size_t columns = sheet.header.size();
  for (const auto& row : sheet.rows) columns = std::max(columns, row.size());
  const std::size_t frozen = std::min(sheet.frozen_columns, columns);
  for (std::size_t c = 0; c < columns; ++c) {
    double width = kColumnWidth;
    if (c < frozen) {
      std::size_t widest = c < sheet.header.size() ? WidestLine(sheet.header[c]) : 0;
      for (const auto& row : sheet.rows)
        if (c < row.size()) widest = std::max(widest, WidestLine(row[c]));
      // Two more for the bold header and the cell margins.
      width =
          std::clamp(static_cast<double>(widest) + 2, kFrozenColumnMinWidth, kFrozenColumnMaxWidth);
    }
    const auto col = static_cast<lxw_col_t>(c);
    if (lxw_error e = worksheet_set_column(ws, col, col, width, formats.body)) return e;
  }

  std::string text;
  auto write_row = [&](lxw_row_t r, const std::vector<std::string>& cells, lxw_format* format) {
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const char* bytes = cells[c].c_str();
      if (!WrittenAsIs(cells[c], sanitize)) {
        text = CellText(cells[c], sanitize);
        bytes = text.c_str();
      }
      if (lxw_error e = worksheet_write_string(ws, r, static_cast<lxw_col_t>(c), bytes, format))
        return e;
    }
    return LXW_NO_ERROR;
  };
  if (lxw_error e = write_row(0, sheet.header, formats.header)) return e;
  for (std::size_t r = 0; r < sheet.rows.size(); ++r)
    if (lxw_error e = write_row(static_cast<lxw_row_t>(r + 1), sheet.rows[r], formats.body))
      return e;

  worksheet_freeze_panes(ws, 1, static_cast<lxw_col_t>(frozen));
  return LXW_NO_ERROR;
}

std::string CheckLimits(const Sheet& sheet) {
  // The header takes one of the rows.
  if (sheet.rows.size() + 1 > LXW_ROW_MAX)
    return "sheet '" + sheet.name + "' has " + std::to_string(sheet.rows.size()) +
           " rows; an XLSX worksheet holds at most " + std::to_string(LXW_ROW_MAX - 1) +
           " below its header";
  std::size_t columns = sheet.header.size();
  for (const auto& row : sheet.rows) columns = std::max(columns, row.size());
  if (columns > LXW_COL_MAX)
    return "sheet '" + sheet.name + "' has " + std::to_string(columns) +
           " columns; an XLSX worksheet holds at most " + std::to_string(LXW_COL_MAX);
  return {};
}

}  // namespace

struct XlsxWorkbook::State {
  AtomicFile file;
  std::string path;
  std::string tmpdir;  // $TMPDIR, for libxlsxwriter's scratch files; empty: the system's
  lxw_workbook* workbook = nullptr;
  Formats formats;
  bool sanitize = true;
  // "Codebook" is claimed first so the last sheet keeps its name whatever the others are
  // called; "History" is reserved by Excel.
  std::set<std::string> taken{FoldCase("Codebook"), FoldCase("History")};
};

XlsxWorkbook::XlsxWorkbook() = default;

XlsxWorkbook::~XlsxWorkbook() {
  // An unfinished workbook: closed (which frees it) into the scratch file, then discarded.
  if (state_ && state_->workbook) workbook_close(state_->workbook);
}

std::string XlsxWorkbook::Open(const std::string& path, bool sanitize) {
  state_ = std::make_unique<State>();
  State& st = *state_;
  st.path = path;
  st.sanitize = sanitize;
  // libxlsxwriter writes a file by name: a scratch file that AtomicFile puts in place (renamed
  // over a regular file, copied into a device, FIFO or socket), as every output is written.
  std::string scratch;
  if (std::string error = st.file.OpenByName(path, &scratch); !error.empty()) return error;
  if (const char* dir = std::getenv("TMPDIR"); dir != nullptr && *dir != '\0') st.tmpdir = dir;
  lxw_workbook_options options{};
  options.constant_memory = LXW_TRUE;
  options.tmpdir = st.tmpdir.empty() ? nullptr : st.tmpdir.data();
  st.workbook = workbook_new_opt(scratch.c_str(), &options);
  if (st.workbook == nullptr)
    return "cannot write " + path + ": cannot start a workbook (out of memory)";

  lxw_doc_properties properties{};
  properties.created = CreationTime();
  if (lxw_error e = workbook_set_properties(st.workbook, &properties))
    return "cannot write " + path + ": " + LxwErrorText(e);
  st.formats.body = workbook_add_format(st.workbook);
  format_set_text_wrap(st.formats.body);
  format_set_align(st.formats.body, LXW_ALIGN_VERTICAL_TOP);
  st.formats.header = workbook_add_format(st.workbook);
  format_set_bold(st.formats.header);
  format_set_bottom(st.formats.header, LXW_BORDER_THIN);
  format_set_text_wrap(st.formats.header);
  format_set_align(st.formats.header, LXW_ALIGN_VERTICAL_TOP);
  // Constant-memory mode numbers a format when a cell first uses it (the header row comes
  // first); numbered here, body then header, they keep the numbers they always had (body 1,
  // header 2), so styles.xml and the sheets' style references are as before.
  lxw_format_get_xf_index(st.formats.body);
  lxw_format_get_xf_index(st.formats.header);
  return {};
}

std::string XlsxWorkbook::AddSheet(const Sheet& sheet) {
  if (!state_ || !state_->workbook) return "the workbook is not open";
  State& st = *state_;
  // Limits are checked first: libxlsxwriter would print a warning and skip the cell.
  if (std::string error = CheckLimits(sheet); !error.empty()) return error;
  const std::string name = UniqueSheetName(sheet.name, st.taken);
  if (lxw_error e = ::framework::AddSheet(st.workbook, sheet, name, st.formats, st.sanitize))
    return "cannot write " + st.path + ": " + LxwErrorText(e);
  return {};
}

std::string XlsxWorkbook::Finish(const Sheet& codebook) {
  if (!state_ || !state_->workbook) return "the workbook is not open";
  State& st = *state_;
  if (std::string error = CheckLimits(codebook); !error.empty()) return error;
  lxw_error error =
      ::framework::AddSheet(st.workbook, codebook, "Codebook", st.formats, st.sanitize);
  // Closing also frees the workbook, so it happens even after an error.
  const lxw_error closed = workbook_close(st.workbook);
  st.workbook = nullptr;
  if (error == LXW_NO_ERROR) error = closed;
  if (error != LXW_NO_ERROR) return "cannot write " + st.path + ": " + LxwErrorText(error);
  return st.file.Commit();
}

std::string WriteXlsx(const std::vector<Sheet>& sheets, const Sheet& codebook, bool sanitize,
                      const std::string& path) {
  // Limits are checked first, before anything is written.
  for (const Sheet& sheet : sheets)
    if (std::string error = CheckLimits(sheet); !error.empty()) return error;
  if (std::string error = CheckLimits(codebook); !error.empty()) return error;
  XlsxWorkbook workbook;
  if (std::string error = workbook.Open(path, sanitize); !error.empty()) return error;
  for (const Sheet& sheet : sheets)
    if (std::string error = workbook.AddSheet(sheet); !error.empty()) return error;
  return workbook.Finish(codebook);
}

}  // namespace framework
