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

/// Bounds on what one file may make ReadCsv hold (none by default).
struct CsvLimits {
  /// A record with more fields is an error at the first field over, and reading stops there
  /// (the rows before are returned).
  std::size_t max_fields = static_cast<std::size_t>(-1);
  /// A field longer than this (bytes, unquoted) is an error at its start; its value is left
  /// empty, and what lies past the limit is never held.
  std::size_t max_field_bytes = static_cast<std::size_t>(-1);
  /// Hints for the two errors.
  std::string fields_hint;
  std::string field_bytes_hint;
};

/// Reads RFC 4180 CSV: fields separated by `delimiter`, optionally quoted with '"', quotes doubled
/// inside quoted fields, records ended by CRLF or LF, line breaks allowed inside quoted fields.
/// A UTF-8 BOM is skipped; a final line ending is optional; blank lines are skipped. Reports
/// unterminated quotes, stray quotes in unquoted fields, invalid UTF-8 and records whose field
/// count differs from the first record's, and what passes `limits`. Never throws.
std::vector<CsvRow> ReadCsv(std::string_view name, std::string_view text, Diagnostics& diagnostics,
                            char delimiter = ',', const CsvLimits& limits = {});

}  // namespace framework
