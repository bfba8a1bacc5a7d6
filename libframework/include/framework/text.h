// Unicode and text helpers shared by the parsers, checks and renderers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace framework {

/// True when every byte of `text` is ASCII (below 0x80).
bool IsAscii(std::string_view text);

/// True when `text` is valid UTF-8 (fast path: SIMD validation).
bool IsValidUtf8(std::string_view text);

/// Byte offsets of the start of every invalid UTF-8 sequence in `text`, at most `limit` of them.
std::vector<std::size_t> FindInvalidUtf8(std::string_view text, std::size_t limit = 100);

/// `text` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string SanitizeUtf8(std::string_view text);

/// Number of code points in `text` (bytes that are not UTF-8 continuation bytes).
std::size_t CountCodePoints(std::string_view text);

/// Number of characters as displayed: code points, each invalid UTF-8 sequence counting as one
/// (as `SanitizeUtf8` shows it). Equal to `CountCodePoints` for valid UTF-8. Used for columns.
std::size_t CountCharacters(std::string_view text);

/// `text` in Unicode Normalization Form C. Returns `text` unchanged when it already is NFC
/// (always so for ASCII). Invalid UTF-8 is returned unchanged.
std::string ToNfc(std::string_view text);
/// ToNfc in place: `text` is left as it is (not copied) when it already is NFC.
void MakeNfc(std::string& text);

/// True for the ASCII white-space bytes the transcript format collapses (space, tab, CR, LF, FF,
/// VT).
inline bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// Calls `emit(c)` for each byte of CollapseWhitespace(text), in order, without building it: for
/// writers and hashes that take the collapsed text a byte at a time.
template <typename Emit>
void ForEachCollapsedByte(std::string_view text, Emit&& emit) {
  bool started = false, pending_space = false;
  for (char c : text) {
    if (IsAsciiSpace(c)) {
      pending_space = started;
      continue;
    }
    if (pending_space) emit(' ');
    pending_space = false;
    started = true;
    emit(c);
  }
}

/// Every run of white space becomes one space; leading and trailing white space is removed.
std::string CollapseWhitespace(std::string_view text);

/// `text` without leading and trailing ASCII white space.
std::string_view Trim(std::string_view text);

/// Display width in terminal columns: per grapheme cluster, 2 for East Asian wide/fullwidth and
/// emoji presentation, 0 for combining marks and format characters, 1 otherwise.
std::size_t DisplayWidth(std::string_view text);

/// Number of words in `text` by ICU word boundaries (runs of letters, numbers, kana or ideographs).
std::size_t CountWords(std::string_view text);

/// Levenshtein distance between two strings, compared by code point; stops early and returns
/// `limit + 1` once the distance is certain to exceed `limit`.
std::size_t EditDistance(std::string_view a, std::string_view b, std::size_t limit = 3);

/// The candidate nearest to `word` within edit distance `max_distance` (ties: first candidate),
/// or nothing. Case-insensitive matches win over everything else.
std::optional<std::string> Suggest(std::string_view word,
                                   const std::vector<std::string>& candidates,
                                   std::size_t max_distance = 3);

/// True when `id` is non-empty and made of Unicode letters, digits, '-', '_' and, when
/// `allow_dot`, '.'. Used for codes (with dots) and theme, sub-theme, participant ids (without).
bool IsValidId(std::string_view id, bool allow_dot);

/// The first code point of `id` that `IsValidId` rejects, as UTF-8 (empty if none).
std::string FirstInvalidIdChar(std::string_view id, bool allow_dot);

/// Hex digest (16 hex digits, FNV-1a 64) of `text`: stable across platforms and runs.
std::string HashHex(std::string_view text);

}  // namespace framework
