// A named text with a line index: turns byte offsets into 1-based lines and code-point columns.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "framework/diagnostic.h"

namespace framework {

/// A 1-based line and code-point column.
struct Position {
  int line = 0;
  int column = 0;
};

/// A view of a file's bytes under a display name. Does not own the text. The line index is
/// built on first use, so a parser that never reports anything never pays for it.
class SourceText {
 public:
  SourceText(std::string name, std::string_view text) : name_(std::move(name)), text_(text) {}

  const std::string& name() const { return name_; }
  std::string_view text() const { return text_; }

  /// Position of byte `offset` (clamped to the text).
  Position PositionAt(std::size_t offset) const;

  /// Byte offset of 0-based `line0` and 0-based byte column `byte_column0` (yaml-cpp marks).
  std::size_t OffsetOf(int line0, int byte_column0) const;

  /// The text of 1-based `line`, without its line ending; empty when out of range.
  std::string_view Line(int line) const;

  /// A diagnostic located at byte `offset`, underlining `length` code points.
  Diagnostic At(Severity severity, std::string rule, std::size_t offset, std::string message,
                std::string hint = {}, int length = 1) const;

  /// Reports each invalid UTF-8 sequence of the text (the first `limit`) as an error with its
  /// byte offset and `hint`. Returns true when the text is valid UTF-8.
  bool CheckUtf8(Diagnostics& diagnostics, const std::string& hint = "save the file as UTF-8",
                 std::size_t limit = 5) const;

  /// A diagnostic at a 1-based line and column.
  Diagnostic AtPosition(Severity severity, std::string rule, Position position, std::string message,
                        std::string hint = {}, int length = 1) const;

 private:
  void BuildIndex() const;

  std::string name_;
  std::string_view text_;
  mutable std::vector<std::size_t> line_starts_;
  // The last position PositionAt gave (0-based line, byte offset, column), to resume from.
  mutable std::size_t last_line_ = static_cast<std::size_t>(-1);
  mutable std::size_t last_offset_ = 0;
  mutable int last_column_ = 0;
};

}  // namespace framework
