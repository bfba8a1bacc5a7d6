// ReadCsv: RFC 4180, with every field located by line and code-point column.
#include "framework/csv.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "test_util.h"

namespace {

using framework::CsvRow;
using framework::Diagnostics;
using framework_test::Summary;

struct Read {
  std::vector<CsvRow> rows;
  Diagnostics d;
};

Read Csv(std::string_view text, char delimiter = ',') {
  Read r;
  r.rows = framework::ReadCsv("people.csv", text, r.d, delimiter);
  return r;
}

// Rows as "a|b|c" lines joined by " / ", values escaped so line breaks show.
std::string Values(const std::vector<CsvRow>& rows) {
  std::string out;
  for (const CsvRow& row : rows) {
    if (!out.empty()) out += " / ";
    for (std::size_t i = 0; i < row.fields.size(); ++i) {
      if (i) out += '|';
      for (char c : row.fields[i].value) {
        if (c == '\n')
          out += "\\n";
        else if (c == '\r')
          out += "\\r";
        else
          out += c;
      }
    }
  }
  return out;
}

// "line:column" of every field of every row.
std::string Places(const std::vector<CsvRow>& rows) {
  std::string out;
  for (const CsvRow& row : rows) {
    for (const auto& f : row.fields) {
      if (!out.empty()) out += ' ';
      out += std::to_string(f.line) + ":" + std::to_string(f.column);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("ReadCsv: LF and CRLF records, with or without a final line ending") {
  for (const char* text : {"a,b\nc,d\n", "a,b\r\nc,d\r\n", "a,b\nc,d", "a,b\r\nc,d"}) {
    CAPTURE(text);
    Read r = Csv(text);
    CHECK(Summary(r.d) == "");
    CHECK(Values(r.rows) == "a|b / c|d");
    CHECK(Places(r.rows) == "1:1 1:3 2:1 2:3");
    REQUIRE(r.rows.size() == 2);
    CHECK(r.rows[0].line == 1);
    CHECK(r.rows[1].line == 2);
  }
}

TEST_CASE("ReadCsv: quoted fields keep delimiters, line breaks and doubled quotes") {
  Read r = Csv("a,\"x,\r\ny\"\r\n\"say \"\"hi\"\"\",\"\"\r\nc,d\r\n");
  CHECK(Summary(r.d) == "");
  CHECK(Values(r.rows) == "a|x,\\r\\ny / say \"hi\"| / c|d");
  // The record after a quoted line break starts on the next line.
  CHECK(Places(r.rows) == "1:1 1:3 3:1 3:14 4:1 4:3");
  REQUIRE(r.rows.size() == 3);
  CHECK(r.rows[1].line == 3);
}

TEST_CASE("ReadCsv: the field after a multi-line quoted field is located on its last line") {
  Read r = Csv("\"a\nb\",c\n");
  CHECK(Summary(r.d) == "");
  CHECK(Values(r.rows) == "a\\nb|c");
  CHECK(Places(r.rows) == "1:1 2:4");
}

TEST_CASE("ReadCsv: empty fields") {
  Read r = Csv("a,,c\n,,\nx,y,\n");
  CHECK(Summary(r.d) == "");
  CHECK(Values(r.rows) == "a||c / || / x|y|");
  REQUIRE(r.rows.size() == 3);
  CHECK(r.rows[1].fields.size() == 3);
  CHECK(Places(r.rows) == "1:1 1:3 1:4 2:1 2:2 2:3 3:1 3:3 3:5");
}

TEST_CASE("ReadCsv: a UTF-8 BOM is skipped and takes no column") {
  Read r = Csv("\xEF\xBB\xBFid,name\nP1,\u00e9\n");
  CHECK(Summary(r.d) == "");
  CHECK(Values(r.rows) == "id|name / P1|\u00e9");
  CHECK(Places(r.rows) == "1:1 1:4 2:1 2:4");

  Read quoted = Csv("\xEF\xBB\xBF\"id\",x\n");
  CHECK(Values(quoted.rows) == "id|x");
}

TEST_CASE("ReadCsv: blank lines are skipped, and lines still counted") {
  Read r = Csv("a,b\n\n\r\nc,d\n\n");
  CHECK(Summary(r.d) == "");
  CHECK(Values(r.rows) == "a|b / c|d");
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[1].line == 4);
  CHECK(Places(r.rows) == "1:1 1:3 4:1 4:3");
}

TEST_CASE("ReadCsv: an unterminated quote is reported at its opening quote") {
  Read r = Csv("a,b\nc,\"d\ne\n");
  CHECK(Summary(r.d) == "bad-csv@2:3");
  REQUIRE(r.d.size() == 1);
  CHECK(r.d[0].message == "quoted field is never closed");
  CHECK(r.d[0].hint == "end the field with '\"'; write a quote inside it as '\"\"'");
  CHECK(r.d[0].source_line == "c,\"d");
  CHECK(r.d[0].file == "people.csv");
  CHECK(Values(r.rows) == "a|b");  // the records before it are kept

  Read cjk = Csv("\u65e5\u672c,\"x");
  CHECK(Summary(cjk.d) == "bad-csv@1:4");
}

TEST_CASE("ReadCsv: text after a closing quote") {
  Read r = Csv("\"a\"b,c\nd,e\n");
  CHECK(Summary(r.d) == "bad-csv@1:4");
  REQUIRE(r.d.size() == 1);
  CHECK(r.d[0].message == "unexpected text after a closing quote");
  CHECK(r.d[0].hint == "quote the whole field, and double quotes inside it");
  CHECK(Values(r.rows) == "a|c / d|e");
}

TEST_CASE("ReadCsv: a quote inside an unquoted field") {
  Read r = Csv("id,note\nP1,\u00e9 say \"hi\"\n");
  CHECK(Summary(r.d) == "bad-csv@2:10; bad-csv@2:13");
  REQUIRE(r.d.size() == 2);
  CHECK(r.d[0].message == "quote inside an unquoted field");
  CHECK(Values(r.rows) == "id|note / P1|\u00e9 say \"hi\"");
}

TEST_CASE("ReadCsv: records with a different number of fields than the header") {
  Read r = Csv("a,b\nc\nd,e,f\ng,h\n");
  CHECK(Summary(r.d) == "bad-csv@2:1; bad-csv@3:1");
  REQUIRE(r.d.size() == 2);
  CHECK(r.d[0].message == "record has 1 fields, the header has 2");
  CHECK(r.d[1].message == "record has 3 fields, the header has 2");
  CHECK(r.d[0].hint ==
        "every row needs one field per header column; quote fields that contain commas");
  CHECK(r.rows.size() == 4);  // kept, for the caller to use what it can
}

TEST_CASE("ReadCsv: invalid UTF-8 is reported with its byte offset, and nothing is read") {
  Read r = Csv("a,b\n\u00e9,\xFF\n");
  CHECK(Summary(r.d) == "invalid-utf8@2:3");
  REQUIRE(r.d.size() == 1);
  CHECK(r.d[0].message == "invalid UTF-8 at byte offset 7");
  CHECK(r.d[0].hint == "save the file as UTF-8 (in Excel: 'CSV UTF-8')");
  CHECK(r.rows.empty());
}

TEST_CASE("ReadCsv: columns count code points") {
  Read r = Csv("\u65e5\u672c,\u00e9,x,\"\u00fc\",y\n");
  CHECK(Summary(r.d) == "");
  CHECK(Places(r.rows) == "1:1 1:4 1:6 1:8 1:12");
}

TEST_CASE("ReadCsv: another delimiter") {
  Read r = Csv("a;b,c\n\"x;y\";z\n", ';');
  CHECK(Summary(r.d) == "");
  CHECK(Values(r.rows) == "a|b,c / x;y|z");
}

TEST_CASE("ReadCsv: empty input") {
  Read r = Csv("");
  CHECK(Summary(r.d) == "");
  CHECK(r.rows.empty());
  Read bom = Csv("\xEF\xBB\xBF");
  CHECK(bom.rows.empty());
}
