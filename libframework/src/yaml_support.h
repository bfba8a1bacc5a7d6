// yaml-cpp at the boundary: exceptions become diagnostics, marks become 1-based code-point
// positions, duplicate and unknown keys are found (yaml-cpp 0.7 accepts duplicates silently).
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "framework/diagnostic.h"
#include "framework/source_text.h"

namespace framework::yaml {

/// The nesting depth at which yaml-cpp 0.7's parser stops (its DepthGuard); deeper input is
/// reported as "nesting deeper than N levels" at the place it is reached.
inline constexpr int kMaxYamlDepth = 2000;

/// The largest text yaml-cpp is given (2 MiB). yaml-cpp 0.7 reads about a megabyte a second
/// and holds up to some 160 bytes a byte read (80 for prose, more for short flow items), so
/// larger YAML is refused with a located error before it is parsed. Files in the shapes the tool
/// writes (charts, participants as one flow mapping a line) are read by faster readers of their
/// own and are not bounded by this.
inline constexpr std::size_t kMaxYamlCppBytes = std::size_t{2} << 20;

/// The YAML text that may be in yaml-cpp at once, over every thread (2 MiB): a parse that would
/// pass it waits until others have released theirs (a file larger than it waits to be alone), so
/// peak memory does not grow with `-j`. A thread that already holds a part is never made to wait
/// (so no thread waits on itself).
inline constexpr std::size_t kYamlCppBytesInFlight = kMaxYamlCppBytes;

/// A share of kYamlCppBytesInFlight, held from a parse until it is released or destroyed (hold it
/// for as long as the parsed node lives: the node is most of the memory).
class Reservation {
 public:
  Reservation() = default;
  /// Takes `bytes` of the budget (at most all of it), waiting while others hold too much.
  explicit Reservation(std::size_t bytes);
  Reservation(Reservation&& other) noexcept;
  Reservation& operator=(Reservation&& other) noexcept;
  Reservation(const Reservation&) = delete;
  Reservation& operator=(const Reservation&) = delete;
  ~Reservation();
  /// Gives the share back (nothing when none is held).
  void Release();

 private:
  std::size_t bytes_ = 0;
};

/// How far YAML aliases may expand a file read with yaml-cpp: the nodes and scalar bytes a reader
/// walks (an alias walked as often as it is named) may be at most this many times the file's
/// size, plus kAliasExpansionSlack. More is refused as "yaml-alias-expansion" (a "billion
/// laughs" file would otherwise cost gigabytes as it is read).
inline constexpr std::size_t kAliasExpansionFactor = 4;
inline constexpr std::size_t kAliasExpansionSlack = std::size_t{1} << 20;

/// Walks `root` as a reader does (an alias as often as it is named), counting nodes and scalar
/// bytes, and returns the node at which the count passes kAliasExpansionFactor × `input_bytes`
/// + kAliasExpansionSlack (the anchored value named too often), or an undefined node when it
/// stays within. Iterative: bounded by the budget, whatever the depth or the aliases.
YAML::Node OverExpanded(const YAML::Node& root, std::size_t input_bytes);

/// Parses `yaml_text` (which must have the same lines as `source`, or be a prefix-blanked copy
/// of part of it) into a node. On a syntax error, or when `yaml_text` is larger than
/// kMaxYamlCppBytes ("yaml-too-large"), or when its aliases expand it past the budget above
/// ("yaml-alias-expansion"), reports it and returns a null node. The parse holds a Reservation of
/// `yaml_text.size()` bytes; it is moved to `*held` when given (declare it before the node, so
/// that it outlives it), else released on return.
/// Which of the study's files a YAML text is: the "yaml-too-large" hint says what such a file
/// holds, or the shape in which a large one is still read. kGuess takes it from the name:
/// framework.yaml, a .txt or .md transcript's front matter, a file under charts/, else a
/// hint naming the fast-read shapes of charts and participants files.
enum class YamlFile { kGuess, kFramework, kParticipants, kChart, kFrontMatter };

YAML::Node Parse(const SourceText& source, const std::string& yaml_text, Diagnostics& diagnostics,
                 bool* ok, Reservation* held = nullptr, YamlFile kind = YamlFile::kGuess);

/// 1-based position of a node (its mark), or {0, 0} when it has none.
Position PositionOf(const SourceText& source, const YAML::Node& node);

/// A diagnostic at `node`, or at `fallback` when the node has no mark.
Diagnostic At(const SourceText& source, const YAML::Node& node, Severity severity, std::string rule,
              std::string message, std::string hint = {});

/// Reports duplicate keys of `map` (errors) and keys not in `allowed` (warnings, with "did you
/// mean"). `what` names the map in messages ("framework.yaml", "theme", ...). Also reports keys
/// that are not scalars. An empty `allowed` list accepts every key (duplicates still reported).
void CheckKeys(const SourceText& source, const YAML::Node& map,
               std::initializer_list<std::string_view> allowed, std::string_view what,
               Diagnostics& diagnostics);

/// The scalar value of `node` (NFC), reporting an error naming `what` when it is not a scalar.
std::optional<std::string> Scalar(const SourceText& source, const YAML::Node& node,
                                  std::string_view what, Diagnostics& diagnostics);

/// `node[key]` without yaml-cpp's writing `operator[]`; an invalid node when absent.
YAML::Node Get(const YAML::Node& map, std::string_view key);

// For the fast readers of files in the plain shapes the tool writes (charts, participants):
// they take only what these accept and leave everything else to yaml-cpp.

/// True when `text` has no character YAML treats specially beyond '\n' line ends: no BOM, no
/// C0 or C1 control (tab and CR included), no DEL, no U+2028/2029, no noncharacter U+FFFE/FFFF.
/// The fast readers take only such files (yaml-cpp rejects or reinterprets the rest).
bool PlainShapeText(std::string_view text);

/// `~`, `null`, `Null` or `NULL`: what YAML reads as null.
bool IsNullWord(std::string_view v);

/// True when `v`, written as a plain scalar (inside a flow collection when `in_flow`), is read by
/// YAML as exactly these characters, as a string.
bool SafePlain(std::string_view v, bool in_flow);

/// The text of the double-quoted scalar `v` (quotes included, the whole of `v`) when it uses
/// JSON's escapes only; nothing otherwise.
std::optional<std::string> DoubleQuoted(std::string_view v);

}  // namespace framework::yaml
