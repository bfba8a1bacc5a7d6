// Participants and their attributes, from participants.yaml or .csv.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "framework/codebook.h"
#include "framework/diagnostic.h"

namespace framework {

/// The longest attribute value a participants file may hold (64 KiB): attributes describe a
/// participant in a word or a few, and every display, filter and export copies them. A longer
/// value is a located "attribute-too-long" error and is not kept.
inline constexpr std::size_t kMaxAttributeValueBytes = std::size_t{64} << 10;

/// The most columns participants.csv may have, its id column counted (1,000): past it the file is
/// refused at the first column over ("too-many-columns"), before its rows are read, since every
/// row holds a field per column.
inline constexpr std::size_t kMaxParticipantsCsvColumns = 1000;

/// A participant: an id and a value per declared attribute (missing values are empty optionals).
struct Participant {
  std::string id;
  std::vector<std::optional<std::string>> values;  ///< aligned with `Participants::attributes`
  int line = 0;
  int column = 0;
};

/// The participants file, loaded.
struct Participants {
  std::vector<AttributeDef> attributes;
  std::vector<Participant> participants;  ///< in file order

  /// Index of participant `id`, or -1.
  int Find(std::string_view id) const;
  /// Index of attribute `name`, or -1.
  int FindAttribute(std::string_view name) const;
  /// Every participant id, in file order.
  std::vector<std::string> Ids() const;

  /// Hashes ids as views, so `Find` looks a `string_view` up without building a string.
  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, int, IdHash, std::equal_to<>>
      index;  ///< id -> position in `participants`
  /// Every participant of the file was read. False after a syntax error (bad YAML, a broken CSV
  /// record): then "not declared" checks against this list are not made.
  bool complete = false;
};

/// Loads participants.yaml. Never throws; problems go to `diagnostics`.
Participants LoadParticipantsYaml(std::string_view name, std::string_view text,
                                  Diagnostics& diagnostics);

/// Loads participants.csv. `declared` holds attribute types from framework.yaml (may be empty:
/// then each column's type is inferred). Never throws; problems go to `diagnostics`.
Participants LoadParticipantsCsv(std::string_view name, std::string_view text,
                                 const std::vector<AttributeDef>& declared,
                                 Diagnostics& diagnostics);

/// An integer attribute's value: an optional sign and digits, within the range of a signed 64-bit
/// integer. Nothing for anything else (a value beyond the range included: never saturated).
std::optional<std::int64_t> ParseInteger(std::string_view value);

/// Checks one value against its attribute's type. Returns an empty string when it fits, else the
/// message (and sets `hint`).
std::string CheckAttributeValue(const AttributeDef& attribute, std::string_view value,
                                std::string* hint);

}  // namespace framework
