#include "framework/csv.h"

#include <cstdint>

#include "framework/source_text.h"
#include "framework/text.h"

namespace framework {

std::vector<CsvRow> ReadCsv(std::string_view name, std::string_view text, Diagnostics& diagnostics,
                            char delimiter, const CsvLimits& limits) {
  SourceText source{std::string(name), text};
  std::vector<CsvRow> rows;
  if (!source.CheckUtf8(diagnostics, "save the file as UTF-8 (in Excel: 'CSV UTF-8')")) return rows;
  std::size_t i = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  const std::size_t n = text.size();
  int line = 1;
  std::size_t line_start = 0;
  // Columns are counted on from the last field's on the same line, so a header of many
  // thousand fields costs its length once, not once a field.
  std::size_t counted_line = static_cast<std::size_t>(-1), counted_to = 0, counted = 0;
  auto column = [&](std::size_t offset) {
    std::size_t from = line_start == 0 && text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : line_start;
    if (counted_line != line_start || offset < counted_to) {
      counted_line = line_start;
      counted_to = from;
      counted = 0;
    }
    if (offset > counted_to) {
      counted += CountCodePoints(text.substr(counted_to, offset - counted_to));
      counted_to = offset;
    }
    return static_cast<int>(counted) + 1;
  };
  while (i < n) {
    // Skip blank lines between records.
    if (text[i] == '\n' || (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n')) {
      i += text[i] == '\r' ? 2 : 1;
      ++line;
      line_start = i;
      continue;
    }
    CsvRow row;
    row.line = line;
    bool end_of_record = false;
    while (!end_of_record) {
      CsvField field;
      field.line = line;
      field.column = column(i);
      std::size_t field_bytes = 0;
      if (row.fields.size() == limits.max_fields) {
        diagnostics.push_back(
            source.AtPosition(Severity::kError, "too-many-columns", {field.line, field.column},
                              "record has more than " + std::to_string(limits.max_fields) +
                                  " fields, the limit for this file",
                              limits.fields_hint));
        return rows;
      }
      if (i < n && text[i] == '"') {
        std::size_t quote_offset = i;
        int quote_line = line;
        ++i;
        bool closed = false;
        while (i < n) {
          char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              if (++field_bytes <= limits.max_field_bytes) field.value.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          if (c == '\n') {
            ++line;
            line_start = i + 1;
          }
          if (++field_bytes <= limits.max_field_bytes) field.value.push_back(c);
          ++i;
        }
        if (!closed) {
          Diagnostic d =
              source.At(Severity::kError, "bad-csv", quote_offset, "quoted field is never closed",
                        "end the field with '\"'; write a quote inside it as '\"\"'");
          d.line = quote_line;
          diagnostics.push_back(std::move(d));
          return rows;
        }
        // After the closing quote: a delimiter, a line ending or the end.
        if (i < n && text[i] != delimiter && text[i] != '\n' && text[i] != '\r') {
          diagnostics.push_back(source.At(Severity::kError, "bad-csv", i,
                                          "unexpected text after a closing quote",
                                          "quote the whole field, and double quotes inside it"));
          while (i < n && text[i] != delimiter && text[i] != '\n') ++i;
        }
      } else {
        std::size_t start = i;
        while (i < n && text[i] != delimiter && text[i] != '\n' &&
               !(text[i] == '\r' && i + 1 < n && text[i + 1] == '\n')) {
          if (text[i] == '"') {
            diagnostics.push_back(source.At(Severity::kError, "bad-csv", i,
                                            "quote inside an unquoted field",
                                            "quote the whole field and double the quote: "
                                            "\"say \"\"hello\"\"\""));
          }
          ++i;
        }
        field_bytes = i - start;
        if (field_bytes <= limits.max_field_bytes)
          field.value.assign(text.substr(start, i - start));
      }
      if (field_bytes > limits.max_field_bytes) {
        Diagnostic d = source.AtPosition(
            Severity::kError, "field-too-long", {field.line, field.column},
            "field of " + std::to_string(field_bytes) + " bytes, longer than the limit of " +
                std::to_string(limits.max_field_bytes) + " bytes",
            limits.field_bytes_hint);
        diagnostics.push_back(std::move(d));
        std::string().swap(field.value);
      }
      row.fields.push_back(std::move(field));
      if (i >= n) {
        end_of_record = true;
      } else if (text[i] == delimiter) {
        ++i;
      } else {
        i += (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') ? 2 : 1;
        ++line;
        line_start = i;
        end_of_record = true;
      }
    }
    if (!rows.empty() && row.fields.size() != rows.front().fields.size()) {
      Diagnostic d = source.AtPosition(
          Severity::kError, "bad-csv", {row.line, 1},
          "record has " + std::to_string(row.fields.size()) + " fields, the header has " +
              std::to_string(rows.front().fields.size()),
          "every row needs one field per header column; quote fields that contain commas");
      diagnostics.push_back(std::move(d));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace framework
