// The XLSX writer, read back independently: the package opened with libzip, its parts parsed
// with pugixml, and every cell, name, pane and style compared with what was asked for.
#include <doctest/doctest.h>
#include <zip.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <pugixml.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "framework/export.h"
#include "framework/file_system.h"
#include "framework/study.h"
#include "framework/text.h"
#include "test_paths.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using framework::Sheet;
using framework_test::ReadFile;
using framework_test::TempDir;

constexpr std::size_t kCellLimit = 32767;

// ---- reading a workbook back ------------------------------------------------------------------

std::optional<std::string> ReadEntry(zip_t* zip, const std::string& name) {
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat(zip, name.c_str(), 0, &st) != 0) return std::nullopt;
  zip_file_t* file = zip_fopen(zip, name.c_str(), 0);
  if (file == nullptr) return std::nullopt;
  std::string data(static_cast<std::size_t>(st.size), '\0');
  const zip_int64_t n = zip_fread(file, data.data(), st.size);
  zip_fclose(file);
  if (n < 0 || static_cast<zip_uint64_t>(n) != st.size) return std::nullopt;
  return data;
}

// Appends the UTF-8 encoding of `cp`.
void AppendUtf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// What Excel shows for an ST_Xstring: each `_xHHHH_` is the character U+HHHH, left to right.
std::string DecodeXstring(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (i + 7 <= s.size() && s[i] == '_' && s[i + 1] == 'x' && IsHex(s[i + 2]) && IsHex(s[i + 3]) &&
        IsHex(s[i + 4]) && IsHex(s[i + 5]) && s[i + 6] == '_') {
      AppendUtf8(out, static_cast<unsigned>(std::stoul(s.substr(i + 2, 4), nullptr, 16)));
      i += 7;
    } else {
      out += s[i++];
    }
  }
  return out;
}

// The text of a shared or inline string: its <t>, or its runs' <t>s.
std::string StringItemText(const pugi::xml_node& item) {
  std::string text = item.child("t").text().get();
  for (const pugi::xml_node& run : item.children("r")) text += run.child("t").text().get();
  return DecodeXstring(text);
}

// "BC12" -> (11, 54): 0-based row and column.
std::pair<int, int> CellRef(const std::string& ref) {
  int col = 0;
  std::size_t i = 0;
  while (i < ref.size() && std::isalpha(static_cast<unsigned char>(ref[i])))
    col = col * 26 + (ref[i++] - 'A' + 1);
  return {std::stoi(ref.substr(i)) - 1, col - 1};
}

struct ReadSheet {
  std::string name;
  std::map<std::pair<int, int>, std::string> cells;  ///< (row, column) -> text
  std::map<std::pair<int, int>, int> styles;         ///< (row, column) -> s
  int rows = 0;                                      ///< <row> elements
  bool has_formula = false;
  std::string pane_state, x_split, y_split;
  std::map<int, double> widths;  ///< 0-based column -> width
  std::string Cell(int r, int c) const {
    auto it = cells.find({r, c});
    return it == cells.end() ? std::string() : it->second;
  }
};

struct Style {
  bool bold = false;
  std::string bottom_border;
  bool wrap = false;
  std::string vertical;
};

struct ReadWorkbook {
  bool ok = false;
  std::vector<ReadSheet> sheets;
  std::vector<Style> styles;  ///< by cellXfs index
  std::string core;           ///< docProps/core.xml
};

bool Parse(pugi::xml_document& doc, const std::string& xml) {
  return static_cast<bool>(
      doc.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata));
}

ReadWorkbook Read(const fs::path& path) {
  ReadWorkbook book;
  int err = 0;
  zip_t* zip = zip_open(path.c_str(), ZIP_RDONLY, &err);
  REQUIRE_MESSAGE(zip != nullptr, "cannot open " << path << " as a zip (" << err << ")");
  auto part = [&](const std::string& name) {
    std::optional<std::string> data = ReadEntry(zip, name);
    CHECK_MESSAGE(data.has_value(), "missing part " << name);
    return data.value_or("");
  };

  pugi::xml_document workbook, rels, sst, styles;
  REQUIRE(Parse(workbook, part("xl/workbook.xml")));
  REQUIRE(Parse(rels, part("xl/_rels/workbook.xml.rels")));
  std::vector<std::string> strings;
  if (auto data = ReadEntry(zip, "xl/sharedStrings.xml")) {
    REQUIRE(Parse(sst, *data));
    for (const pugi::xml_node& si : sst.child("sst").children("si"))
      strings.push_back(StringItemText(si));
  }
  REQUIRE(Parse(styles, part("xl/styles.xml")));
  book.core = part("docProps/core.xml");

  const pugi::xml_node ss = styles.child("styleSheet");
  std::vector<pugi::xml_node> fonts, borders;
  for (const pugi::xml_node& f : ss.child("fonts").children("font")) fonts.push_back(f);
  for (const pugi::xml_node& b : ss.child("borders").children("border")) borders.push_back(b);
  for (const pugi::xml_node& xf : ss.child("cellXfs").children("xf")) {
    Style style;
    const auto font = xf.attribute("fontId").as_uint();
    const auto border = xf.attribute("borderId").as_uint();
    if (font < fonts.size()) style.bold = static_cast<bool>(fonts[font].child("b"));
    if (border < borders.size())
      style.bottom_border = borders[border].child("bottom").attribute("style").value();
    style.wrap = xf.child("alignment").attribute("wrapText").as_bool();
    style.vertical = xf.child("alignment").attribute("vertical").value();
    book.styles.push_back(style);
  }

  std::map<std::string, std::string> targets;
  for (const pugi::xml_node& r : rels.child("Relationships").children("Relationship"))
    targets[r.attribute("Id").value()] = r.attribute("Target").value();

  for (const pugi::xml_node& s : workbook.child("workbook").child("sheets").children("sheet")) {
    ReadSheet sheet;
    sheet.name = s.attribute("name").value();
    pugi::xml_document doc;
    REQUIRE(Parse(doc, part("xl/" + targets[s.attribute("r:id").value()])));
    const pugi::xml_node ws = doc.child("worksheet");
    const pugi::xml_node pane = ws.child("sheetViews").child("sheetView").child("pane");
    sheet.pane_state = pane.attribute("state").value();
    sheet.x_split = pane.attribute("xSplit").value();
    sheet.y_split = pane.attribute("ySplit").value();
    for (const pugi::xml_node& col : ws.child("cols").children("col"))
      for (int c = col.attribute("min").as_int(); c <= col.attribute("max").as_int(); ++c)
        sheet.widths[c - 1] = col.attribute("width").as_double();
    for (const pugi::xml_node& row : ws.child("sheetData").children("row")) {
      ++sheet.rows;
      for (const pugi::xml_node& c : row.children("c")) {
        const auto ref = CellRef(c.attribute("r").value());
        const std::string type = c.attribute("t").value();
        if (c.child("f") || type == "str") sheet.has_formula = true;
        std::string text;
        if (type == "s") {
          const auto index = c.child("v").text().as_uint();
          REQUIRE(index < strings.size());
          text = strings[index];
        } else if (type == "inlineStr") {
          text = StringItemText(c.child("is"));
        } else {
          text = c.child("v").text().get();
        }
        sheet.cells[ref] = text;
        sheet.styles[ref] = c.attribute("s").as_int();
      }
    }
    book.sheets.push_back(std::move(sheet));
  }
  zip_close(zip);
  book.ok = true;
  return book;
}

// ---- the sheets written -----------------------------------------------------------------------

std::string LongText(std::size_t code_points, const std::string& unit) {
  std::string out;
  for (std::size_t n = 0; n < code_points;) {
    out += unit;
    n += framework::CountCodePoints(unit);
  }
  return out;
}

// 40,000 code points, all in the BMP, with multi-byte ones so the cut is tested on UTF-8.
const std::string& LongCell() {
  static const std::string text = LongText(40000, "ab\u20AC");
  return text;
}

// 40,000 code points, a third of them outside the BMP (two UTF-16 units each in Excel).
const std::string& LongAstralCell() {
  static const std::string text = LongText(40002, "x\U0001F600y");
  return text;
}

constexpr const char* kLongName1 = "themes[1]: a very long name with *forbidden* chars? yes";
constexpr const char* kLongName2 = "themes[1]: a very long name with *forbidden* chars? no";

std::vector<Sheet> TestSheets() {
  Sheet a;
  a.name = kLongName1;
  a.title = "First";
  a.header = {"participant", "âge", "Thème: \"quotes\""};
  a.frozen_columns = 2;
  a.rows = {
      {"P01", "34", "She said \"no\".\nThen \"yes\"."},
      {"P02", "=HYPERLINK(\"x\")", "+1 -2"},
      {"P03", "", "@SUM(A1)"},
      {"P04", "-5", "line1\r\nline2\ttab"},
      {"P05", "_x0041_ literal", "\x01 control"},
      {"P06", "\tTab first", LongCell()},
      {"P07", "日本語のテキスト", LongAstralCell()},
      {"P08", " leading and trailing spaces ", "émoji 😀 and ‘curly’ quotes"},
  };

  Sheet b;
  b.name = kLongName2;  // the same as a's name once cut to 31
  b.header = {"participant", "x"};
  b.rows = {{"P01", "one"}};

  Sheet c;
  c.name = "codebook";  // clashes with the last sheet, whatever the case
  c.header = {"a"};
  c.rows = {{"1"}};

  Sheet d;
  d.name = "Übersicht/Ärger – 情绪与经验的长名称，超过三十一个字符的限制吧";
  d.header = {"participant", "y"};
  d.frozen_columns = 0;
  d.rows = {{"P01", "two"}};

  Sheet e;
  e.name = "'quoted'";
  e.header = {"h"};
  e.rows = {};
  return {a, b, c, d, e};
}

Sheet TestCodebook() {
  Sheet s;
  s.name = "codebook";
  s.title = "Codebook";
  s.header = {"theme", "subtheme", "description"};
  s.rows = {{"t1", "s1", "What people said."}, {"t1", "s2", "=1+1"}};
  return s;
}

std::vector<std::vector<std::string>> Grid(const Sheet& sheet) {
  std::vector<std::vector<std::string>> grid{sheet.header};
  grid.insert(grid.end(), sheet.rows.begin(), sheet.rows.end());
  return grid;
}

std::size_t Utf16Length(const std::string& text) {
  std::size_t units = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++units;
    if (c >= 0xF0) ++units;
  }
  return units;
}

const std::string kMarkerStart = "\u2026 [truncated: ";
const std::string kMarkerEnd = " characters more in the source]";

// Checks `actual` is `source` cut with the marker, and returns the count the marker states.
void CheckTruncated(const std::string& actual, const std::string& source) {
  REQUIRE(actual.size() > kMarkerEnd.size());
  CHECK(actual.ends_with(kMarkerEnd));
  const std::size_t start = actual.rfind(kMarkerStart);
  REQUIRE(start != std::string::npos);
  const std::string number = actual.substr(
      start + kMarkerStart.size(), actual.size() - kMarkerEnd.size() - start - kMarkerStart.size());
  const std::size_t more = std::stoul(number);
  const std::string kept = actual.substr(0, start);
  CHECK(source.starts_with(kept));
  CHECK(framework::IsValidUtf8(kept));
  CHECK(framework::CountCodePoints(kept) + more == framework::CountCodePoints(source));
  CHECK(Utf16Length(actual) <= kCellLimit);
  // Only a character outside the BMP at the cut can leave one unit unused.
  CHECK(Utf16Length(actual) >= kCellLimit - 1);
}

bool ValidSheetName(const std::string& name) {
  if (name.empty() || Utf16Length(name) > 31) return false;
  if (name.front() == '\'' || name.back() == '\'') return false;
  return name.find_first_of("[]:*?/\\") == std::string::npos && framework::IsValidUtf8(name);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void CheckWorkbook(const ReadWorkbook& book, const std::vector<Sheet>& sheets,
                   const Sheet& codebook, bool sanitize) {
  REQUIRE(book.sheets.size() == sheets.size() + 1);
  std::set<std::string> names;
  for (const ReadSheet& s : book.sheets) {
    CHECK_MESSAGE(ValidSheetName(s.name), s.name);
    CHECK_MESSAGE(names.insert(Lower(s.name)).second, "duplicate sheet name " << s.name);
  }
  CHECK(book.sheets.back().name == "Codebook");

  for (std::size_t i = 0; i < book.sheets.size(); ++i) {
    const ReadSheet& read = book.sheets[i];
    const Sheet& sheet = i < sheets.size() ? sheets[i] : codebook;
    CAPTURE(read.name);
    CHECK_FALSE(read.has_formula);
    CHECK(read.pane_state == "frozen");
    CHECK(read.y_split == "1");
    CHECK(read.x_split == (sheet.frozen_columns == 0 ? "" : std::to_string(sheet.frozen_columns)));

    const auto grid = Grid(sheet);
    CHECK(read.rows == static_cast<int>(grid.size()));
    for (std::size_t r = 0; r < grid.size(); ++r) {
      for (std::size_t c = 0; c < grid[r].size(); ++c) {
        const std::string& source = grid[r][c];
        const std::string expected = sanitize ? framework::NeutraliseFormula(source) : source;
        const std::string actual = read.Cell(static_cast<int>(r), static_cast<int>(c));
        CAPTURE(r);
        CAPTURE(c);
        if (Utf16Length(expected) > kCellLimit) {
          CheckTruncated(actual, expected);
        } else {
          CHECK(actual == expected);
        }
        // Every cell, empty ones too, carries the wrapped, top-aligned format.
        auto style = read.styles.find({static_cast<int>(r), static_cast<int>(c)});
        REQUIRE(style != read.styles.end());
        REQUIRE(static_cast<std::size_t>(style->second) < book.styles.size());
        const Style& st = book.styles[static_cast<std::size_t>(style->second)];
        CHECK(st.wrap);
        CHECK(st.vertical == "top");
        CHECK(st.bold == (r == 0));
        CHECK(st.bottom_border == (r == 0 ? "thin" : ""));
      }
    }
    // Identifying columns are as wide as their content (at most 30), the others 40 (which
    // libxlsxwriter stores with Excel's padding added).
    for (std::size_t c = 0; c < sheet.header.size(); ++c) {
      REQUIRE(read.widths.count(static_cast<int>(c)) == 1);
      const double width = read.widths.at(static_cast<int>(c));
      if (c < sheet.frozen_columns) {
        CHECK(width <= 31);
      } else {
        CHECK(width > 40);
        CHECK(width < 41);
      }
    }
  }
}

std::vector<std::string> DirectoryEntries(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) out.push_back(entry.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("xlsx: cells, names, panes and styles read back as written (sanitised)") {
  TempDir dir;
  const fs::path path = dir.path() / "out.xlsx";
  const auto sheets = TestSheets();
  const Sheet codebook = TestCodebook();
  REQUIRE(framework::WriteXlsx(sheets, codebook, true, path.string()) == "");
  CHECK(DirectoryEntries(dir.path()) == std::vector<std::string>{"out.xlsx"});

  const ReadWorkbook book = Read(path);
  REQUIRE(book.ok);
  CheckWorkbook(book, sheets, codebook, true);

  // Names: forbidden characters replaced, cut to 31, clashes numbered within the limit; the
  // theme called "codebook" gives way to the last sheet; no apostrophe at either end.
  CHECK(book.sheets[0].name == "themes_1__ a very long name wit");
  CHECK(book.sheets[1].name == "themes_1__ a very long name (2)");
  CHECK(book.sheets[2].name == "codebook (2)");
  CHECK(book.sheets[3].name == "Übersicht_Ärger – 情绪与经验的长名称，超过三");
  CHECK(framework::CountCodePoints(book.sheets[3].name) == 31);
  CHECK(book.sheets[4].name == "_quoted_");
  CHECK(book.sheets[5].name == "Codebook");

  // The dangerous cells, spelled out.
  const ReadSheet& first = book.sheets[0];
  CHECK(first.Cell(2, 1) == "'=HYPERLINK(\"x\")");
  CHECK(first.Cell(2, 2) == "'+1 -2");
  CHECK(first.Cell(3, 2) == "'@SUM(A1)");
  CHECK(first.Cell(4, 1) == "'-5");
  CHECK(first.Cell(6, 1) == "'\tTab first");
  CHECK(first.Cell(1, 2) == "She said \"no\".\nThen \"yes\".");
  CHECK(first.Cell(4, 2) == "line1\r\nline2\ttab");
  CHECK(first.Cell(5, 1) == "_x0041_ literal");
  CHECK(first.Cell(5, 2) == "\x01 control");
  CHECK(first.Cell(8, 1) == " leading and trailing spaces ");
  CHECK(book.sheets[5].Cell(2, 2) == "'=1+1");

  // The long cell is exactly at the limit and says how much was left out.
  const std::string long_cell = first.Cell(6, 2);
  CHECK(framework::CountCodePoints(long_cell) == kCellLimit);
  // 40,002 source characters, 32,718 kept, then a marker of 49.
  CHECK(long_cell.ends_with("\u2026 [truncated: 7284 characters more in the source]"));
  CHECK(long_cell.starts_with("ab\u20ACab\u20AC"));

  // Frozen below the header and right of the identifying columns; the first column sized by
  // "participant" (11 + 2), the second by its widest line.
  CHECK(first.x_split == "2");
  CHECK(first.widths.at(0) > 13);
  CHECK(first.widths.at(0) < 14);
  CHECK(first.widths.at(1) > 30);  // "leading and trailing spaces" and more: capped at 30
  CHECK(first.widths.at(1) < 31);

  CHECK(framework_test::Contains(book.core, "1980-01-01T00:00:00Z"));
}

TEST_CASE("xlsx: a long cell of escape look-alikes is cut by what Excel counts") {
  // Each "_x0041_" is written with its underscore escaped ("_x005F_x0041_"), which libxlsxwriter
  // counts in full: the cut leaves room for that and still never splits an escape.
  std::string source;
  while (framework::CountCodePoints(source) < 40000) source += "_x0041_";
  Sheet sheet;
  sheet.name = "escapes";
  sheet.header = {"participant", "text"};
  sheet.rows = {{"P01", source}};
  TempDir dir;
  const fs::path path = dir.path() / "escapes.xlsx";
  REQUIRE(framework::WriteXlsx({sheet}, TestCodebook(), true, path.string()) == "");
  const ReadWorkbook book = Read(path);
  REQUIRE(book.ok);
  const std::string actual = book.sheets[0].Cell(1, 1);
  REQUIRE(actual.ends_with(kMarkerEnd));
  const std::size_t start = actual.rfind(kMarkerStart);
  REQUIRE(start != std::string::npos);
  const std::string kept = actual.substr(0, start);
  const std::size_t more = std::stoul(actual.substr(start + kMarkerStart.size()));
  CHECK(source.starts_with(kept));
  CHECK(kept.size() + more == source.size());
  CHECK(Utf16Length(actual) <= kCellLimit);
  CHECK(Utf16Length(actual) > kCellLimit / 2);
}

TEST_CASE("xlsx: without sanitising, cells are the source text, still never formulas") {
  TempDir dir;
  const fs::path path = dir.path() / "raw.xlsx";
  const auto sheets = TestSheets();
  const Sheet codebook = TestCodebook();
  REQUIRE(framework::WriteXlsx(sheets, codebook, false, path.string()) == "");
  const ReadWorkbook book = Read(path);
  REQUIRE(book.ok);
  CheckWorkbook(book, sheets, codebook, false);
  CHECK(book.sheets[0].Cell(2, 1) == "=HYPERLINK(\"x\")");
  CHECK(book.sheets[0].Cell(6, 1) == "\tTab first");
}

TEST_CASE("xlsx: the same input gives the same bytes, and a rewrite replaces the file") {
  TempDir dir;
  const auto sheets = TestSheets();
  const Sheet codebook = TestCodebook();
  const fs::path a = dir.path() / "a.xlsx";
  const fs::path b = dir.path() / "b.xlsx";
  REQUIRE(framework::WriteXlsx(sheets, codebook, true, a.string()) == "");
  REQUIRE(framework::WriteXlsx(sheets, codebook, true, b.string()) == "");
  const std::string first = ReadFile(a);
  CHECK(first.size() > 0);
  CHECK(first == ReadFile(b));

  // Over an existing file (with its permissions kept), and nothing left behind.
  fs::permissions(a, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  REQUIRE(framework::WriteXlsx(sheets, codebook, true, a.string()) == "");
  CHECK(ReadFile(a) == first);
  CHECK((fs::status(a).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));
  CHECK(DirectoryEntries(dir.path()) == std::vector<std::string>{"a.xlsx", "b.xlsx"});

  // A different content gives different bytes (the comparison above means something).
  std::vector<Sheet> changed = sheets;
  changed[1].rows[0][1] = "uno";
  REQUIRE(framework::WriteXlsx(changed, codebook, true, b.string()) == "");
  CHECK(first != ReadFile(b));
}

TEST_CASE("xlsx: SOURCE_DATE_EPOCH sets the creation time") {
  const char* saved = std::getenv("SOURCE_DATE_EPOCH");
  const std::string old = saved ? saved : "";
  ::setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
  TempDir dir;
  const fs::path path = dir.path() / "dated.xlsx";
  const std::string error = framework::WriteXlsx(TestSheets(), TestCodebook(), true, path.string());
  if (saved)
    ::setenv("SOURCE_DATE_EPOCH", old.c_str(), 1);
  else
    ::unsetenv("SOURCE_DATE_EPOCH");
  REQUIRE(error == "");
  const ReadWorkbook book = Read(path);
  CHECK(framework_test::Contains(book.core, "2023-11-14T22:13:20Z"));
}

TEST_CASE("xlsx: an unwritable path is an error, and leaves nothing behind") {
  TempDir dir;
  const fs::path path = dir.path() / "missing" / "out.xlsx";
  const std::string error = framework::WriteXlsx(TestSheets(), TestCodebook(), true, path.string());
  CHECK(error.starts_with("cannot create a temporary file in "));
  CHECK_FALSE(fs::exists(path));

  // A folder where the file should be: refused before anything is written.
  fs::create_directories(dir.path() / "taken.xlsx" / "inside");
  const std::string error2 = framework::WriteXlsx(TestSheets(), TestCodebook(), true,
                                                  (dir.path() / "taken.xlsx").string());
  CHECK(error2 == "cannot write " + (dir.path() / "taken.xlsx").string() + ": is a folder");
  CHECK(DirectoryEntries(dir.path()) == std::vector<std::string>{"taken.xlsx"});
}

TEST_CASE("xlsx: the example study, a sheet per theme with a row per participant") {
  const fs::path root = fs::path(FRAMEWORK_SOURCE_DIR) / "examples" / "ipv-social-work";
  framework::DiskFileSystem disk(root.string());
  const framework::Study study = framework::LoadStudy(disk);
  std::vector<int> themes;
  for (std::size_t t = 0; t < study.framework.themes.size(); ++t)
    themes.push_back(static_cast<int>(t));
  REQUIRE(themes.size() >= 2);
  framework::ExportOptions options;
  options.content = framework::CellContent::kBoth;
  std::vector<Sheet> sheets;
  for (const framework::Matrix& m : framework::ChartedMatrices(study, themes))
    sheets.push_back(framework::WideSheet(study, m, options));
  const Sheet codebook = framework::CodebookSheet(study, themes);

  TempDir dir;
  const fs::path path = dir.path() / "ipv.xlsx";
  REQUIRE(framework::WriteXlsx(sheets, codebook, true, path.string()) == "");
  const ReadWorkbook book = Read(path);
  REQUIRE(book.ok);
  REQUIRE(book.sheets.size() == themes.size() + 1);
  CheckWorkbook(book, sheets, codebook, true);
  for (std::size_t t = 0; t < themes.size(); ++t) {
    CAPTURE(book.sheets[t].name);
    CHECK(book.sheets[t].name == study.framework.themes[t].id);
    CHECK(sheets[t].rows.size() == 14);
    CHECK(book.sheets[t].rows == 15);  // the header and 14 participants
    CHECK(book.sheets[t].Cell(1, 0) == "P01");
    CHECK(book.sheets[t].Cell(14, 0) == "P14");
  }
  CHECK(book.sheets.back().rows == static_cast<int>(codebook.rows.size()) + 1);
}

}  // namespace
