// An RFC 4180 CSV reader that keeps where every field stood.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "framework/diagnostic.h"

namespace framework {

/// One field: its unquoted value and where it began (1-based line, code-point column).
struct CsvField {
  std::string value;
  int line = 0;
  int column = 0;
};

/// One record.
struct CsvRow {
  std::vector<CsvField> fields;
  int line = 0;
};

/// Reads RFC 4180 CSV: fields separated by `delimiter`, optionally quoted with '"', quotes doubled
/// inside quoted fields, records ended by CRLF or LF, line breaks allowed inside quoted fields.
/// A UTF-8 BOM is skipped; a final line ending is optional; blank lines are skipped. Reports
/// unterminated quotes, stray quotes in unquoted fields, invalid UTF-8 and records whose field
/// count differs from the first record's. Never throws.
std::vector<CsvRow> ReadCsv(std::string_view name, std::string_view text, Diagnostics& diagnostics,
                            char delimiter = ',');

}  // namespace framework
