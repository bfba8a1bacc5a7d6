// The analytical framework (framework.yaml): themes, sub-themes, and which codes index where.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "framework/diagnostic.h"

namespace framework {

/// What a speaker label stands for.
enum class SpeakerRole : std::uint8_t { kInterviewer, kParticipant, kOther };

/// "interviewer", "participant" or "other".
std::string_view SpeakerRoleName(SpeakerRole role);

/// The role SpeakerRoleName names `name` (exactly); nothing for any other text.
std::optional<SpeakerRole> ParseSpeakerRole(std::string_view name);

/// A speaker label and its role, e.g. {"INT", kInterviewer}.
struct Speaker {
  std::string label;
  SpeakerRole role = SpeakerRole::kOther;
};

/// The type of a participant attribute.
enum class AttributeType : std::uint8_t { kCategory, kInteger, kNumber, kString, kBoolean, kDate };

/// "category", "integer", "number", "string", "boolean" or "date".
std::string_view AttributeTypeName(AttributeType type);

/// The type AttributeTypeName names `name` (exactly); nothing for any other text.
std::optional<AttributeType> ParseAttributeType(std::string_view name);

/// A declared participant attribute (role, sector, years...).
struct AttributeDef {
  std::string name;
  AttributeType type = AttributeType::kString;
  std::vector<std::string> values;  ///< allowed values, for categories, in declared order
  std::string description;
  int line = 0;
  int column = 0;
};

/// A column of a theme matrix.
struct Subtheme {
  std::string id;
  std::string label;
  std::string description;
  std::vector<std::string> codes;  ///< aliases indexed into this column, beyond `theme.subtheme`
  int line = 0;
  int column = 0;
};

/// A theme: one matrix.
struct Theme {
  std::string id;
  std::string label;
  std::string description;
  std::vector<Subtheme> subthemes;
  int line = 0;
  int column = 0;
};

/// A (theme, sub-theme) cell column, as indexes into `Framework::themes`.
struct ColumnRef {
  int theme = -1;
  int subtheme = -1;
  bool valid() const { return theme >= 0; }
  friend bool operator==(const ColumnRef&, const ColumnRef&) = default;
};

/// Maps code ids (NFC) to matrix columns: `theme.subtheme` for every column, plus aliases.
class CodeIndex {
 public:
  /// Adds `code` -> `column`. Returns false (and changes nothing) when `code` is already mapped.
  bool Add(std::string code, ColumnRef column);
  /// The column `code` indexes into, or an invalid ref.
  ColumnRef Resolve(std::string_view code) const;
  /// Every known code, in the order added (for "did you mean").
  const std::vector<std::string>& codes() const { return codes_; }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, ColumnRef, Hash, std::equal_to<>> map_;
  std::vector<std::string> codes_;
};

/// Where the words `summarise --words` uses for a share of a group begin, in percent of the
/// group (framework.yaml `share_words`): none (0), a few (below `some`), some, many, most, all
/// (every one). Valid when 0 < some < many < most < 100.
struct ShareWords {
  int some = 25;
  int many = 50;
  int most = 75;
};

/// The most themes framework.yaml may list. A framework has a handful (a study's topic guide, a
/// dozen at most); past this, the file is refused at the first theme too many.
inline constexpr std::size_t kMaxThemes = 500;
/// The most sub-themes of all themes together: the columns of every matrix, and the side of the
/// co-occurrence table `summarise` builds over them (n by n).
inline constexpr std::size_t kMaxSubthemes = 1000;

/// framework.yaml, loaded. Paths are as written in the file (relative to the study root).
struct Framework {
  int version = 1;
  std::string title;
  std::string description;
  std::string transcripts = "transcripts/";
  std::string participants = "participants.yaml";
  std::vector<Speaker> speakers;
  std::string attribution = "{role}";
  std::vector<AttributeDef> attributes;  ///< types for a participants.csv
  bool has_attributes = false;
  /// The file was read as a YAML mapping. When false, nothing in it can be trusted, and checks
  /// that depend on it (unknown codes) are not made, so one syntax error gives one diagnostic.
  bool parsed = false;
  int min_group = 3;
  ShareWords share_words;  ///< thresholds of `summarise --words`
  /// How many speaker turns back a '{/}' may close a segment without a warning (`max_span_turns`).
  int max_span_turns = 2;
  std::vector<Theme> themes;
  CodeIndex codes;

  // Where keys stand, for diagnostics about what they name (1-based; 0 when absent).
  int transcripts_line = 0, transcripts_column = 0;
  int participants_line = 0, participants_column = 0;
  int attribution_line = 0, attribution_column = 0;

  /// The column `code` indexes into, or an invalid ref.
  ColumnRef Resolve(std::string_view code) const { return codes.Resolve(code); }
  /// The theme with `id` (the first, should two share it), or -1. O(log n) once indexed
  /// (LoadFramework indexes); a linear search while `themes` has grown or shrunk since.
  int FindTheme(std::string_view id) const;
  /// Indexes `themes` for FindTheme. Call it after changing a theme's id by hand (themes added
  /// or removed are noticed).
  void IndexThemes();

  /// Theme id -> index into `themes`, as IndexThemes left it (FindTheme's; not to be used).
  std::map<std::string, int, std::less<>> theme_index;
  /// How many themes there were when indexed (-1: never).
  std::ptrdiff_t theme_index_size = -1;
};

/// Loads framework.yaml from its text. `name` is the display path used in diagnostics.
/// Never throws; every problem found is appended to `diagnostics`.
Framework LoadFramework(std::string_view name, std::string_view text, Diagnostics& diagnostics);

}  // namespace framework
