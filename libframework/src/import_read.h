// What the importers share for reading their input: names, the XML of REFI-QDA projects and
// codebooks parsed with positions for diagnostics, the code tree walked without recursion, and
// selection offsets read under several units. Internal to the library; included only by the
// importers (refi_qdpx_import.cc, refi_qdc_import.cc, codings_csv_import.cc).
#pragma once

#include <pugixml.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "framework/diagnostic.h"
#include "framework/refi_import.h"
#include "framework/source_text.h"
#include "import_model.h"

namespace framework::import_read {

// ---------------------------------------------------------------------------------------------
// Names.

/// `s` with ASCII letters lower-cased (other bytes as they are).
std::string Lower(std::string s);

/// A GUID trimmed, without braces, lower-cased: "{ABCD-...}" and "abcd-..." name the same thing.
std::string NormalGuid(std::string_view guid);

/// The part of `path` after its last '/'.
std::string BaseName(std::string_view path);

/// BaseName(path) without its extension (a leading dot is kept: ".qdc" stays ".qdc").
std::string Stem(std::string_view path);

// ---------------------------------------------------------------------------------------------
// XML.

/// An element's name without its namespace prefix ("qda:Code" is "Code").
std::string_view LocalName(const pugi::xml_node& node);

/// The first child element of `node` whose local name is `name`, or a null node.
pugi::xml_node Child(const pugi::xml_node& node, std::string_view name);

/// Every child element of `node` whose local name is `name`, in document order.
std::vector<pugi::xml_node> Children(const pugi::xml_node& node, std::string_view name);

/// An element's text as written (line endings kept: source offsets may count them); empty for
/// a null node.
std::string RawText(const pugi::xml_node& node);

/// An element's text for notes and names: CRLF and CR become LF.
std::string Text(const pugi::xml_node& node);

/// The parsed XML, with positions for diagnostics. The text is owned and parsed in place (no
/// second copy of a large project); its line starts are indexed before parsing, and positions
/// asked in document order cost the distance from the previous one, not from the line start
/// (an XML file is often one long line).
class Xml {
 public:
  /// `name` is the display name diagnostics are located in; `text` the file's bytes.
  Xml(std::string name, std::string text) : name_(std::move(name)), text_(std::move(text)) {}
  Xml(const Xml&) = delete;
  Xml& operator=(const Xml&) = delete;

  /// Parses without DTD processing: a DOCTYPE is refused (no entity can be declared or
  /// expanded; pugixml expands only the five predefined entities and character references).
  /// False, with an error in `result`, when the XML is malformed, has a DOCTYPE or more markup
  /// than `limits.max_xml_markup`.
  bool Parse(ImportResult& result, const ImportLimits& limits);

  /// The 1-based line and column (in characters; a BOM takes none) of byte `offset`.
  Position PositionOf(std::size_t offset) const;
  /// Where `node` starts; line 0 when it has no place (a null node).
  Position At(const pugi::xml_node& node) const {
    const std::ptrdiff_t off = node.offset_debug();
    return off < 0 ? Position{} : PositionOf(static_cast<std::size_t>(off));
  }
  /// Adds a diagnostic located at `node` to `result`.
  void Diag(ImportResult& result, Severity severity, std::string rule, const pugi::xml_node& node,
            std::string message, std::string hint = {}) const {
    Position p = At(node);
    import_model::Report(result, severity, std::move(rule), name_, std::move(message),
                         std::move(hint), p.line, p.column);
  }

  /// The document element (null before a successful Parse).
  pugi::xml_node Root() const { return doc_.document_element(); }
  /// The display name.
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::string text_;
  std::vector<std::size_t> line_starts_;
  mutable std::size_t last_line_ = static_cast<std::size_t>(-1), last_offset_ = 0;
  mutable int last_column_ = 1;
  pugi::xml_document doc_;
};

/// One element of a code tree, with its parent's index in the walk's order (-1 for a root).
struct CodeElement {
  pugi::xml_node node;
  int parent = -1;
};

/// A code tree's `Code` elements (children of `codes`, nested) in document order, parents before
/// children, appended to `*out`; walked without recursion. False (with `*deep` set to the first
/// element too deep) when codes nest deeper than `max_depth`.
bool WalkCodes(const pugi::xml_node& codes, int max_depth, std::vector<CodeElement>* out,
               pugi::xml_node* deep);

/// "code nesting deeper than N levels": the message of a code tree deeper than `max_depth`.
std::string DepthMessage(int max_depth);

/// The hint of a code tree (XML or CSV paths) deeper than the limit.
extern const char* const kDepthHint;

/// The error for a codebook of more than `max_codes` (ImportLimits::max_codes) codes, and its
/// hint.
std::string TooManyCodesMessage(std::size_t codes, std::size_t max_codes);
extern const char* const kTooManyCodesHint;

// ---------------------------------------------------------------------------------------------
// Offsets. A source's raw text (BOM stripped) is kept; selections are resolved under one of
// several readings of their numbers, and mapped to byte offsets of the LF-normalised text.

/// A reading of selection offsets: what is counted, and whether a CRLF counts as one or two.
enum class Unit { kUtf16Raw, kCodePointRaw, kCodePointLf, kUtf16Lf, kBytesRaw };
/// Every reading, in the order they are tried (the standard's first).
inline constexpr Unit kUnits[] = {Unit::kCodePointRaw, Unit::kUtf16Raw, Unit::kCodePointLf,
                                  Unit::kUtf16Lf, Unit::kBytesRaw};

/// The reading in words, for the report ("UTF-16 code units, CRLF counted as 2").
std::string UnitName(Unit u);

/// What the reading counts, in a word or two ("characters", "UTF-16 code units", "bytes").
std::string UnitShort(Unit u);

/// What Resolve gives for an offset beyond the end of the text...
inline constexpr long long kOutOfRange = -1;
/// ...and for one inside a character (a surrogate pair, a UTF-8 sequence).
inline constexpr long long kInsideCharacter = -2;

/// What offsets are resolved against. The source's LF-normalised text lives in the model; the
/// raw text is kept beside it only when it differs (it has CRs), so a large source is held once.
struct RawSource {
  std::string raw;            ///< UTF-8, BOM stripped, line endings as in the file...
  bool lf_only = false;       ///< ...or empty, when the file has no CR: then it is the text
  std::size_t units[5] = {};  ///< length in each unit
  /// The raw text, given the LF-normalised `text` it was made with.
  const std::string& Raw(const std::string& text) const { return lf_only ? text : raw; }
};

/// Replaces each NUL byte of `bytes` with U+FFFD (one character for one, so character offsets
/// hold) and says whether there was one. A NUL is valid UTF-8, but the study's reader refuses
/// a file that holds one: an import must not write a transcript its own study cannot read.
bool ReplaceNulBytes(std::string& bytes);

/// Splits a file's bytes into `*text` (BOM stripped, LF-normalised) and what offsets need.
RawSource MakeRawSource(std::string raw, std::string* text);

/// Resolves `offsets` (any order) read in `unit` against `raw` (RawSource::Raw) to byte offsets
/// of the LF-normalised text, or kOutOfRange / kInsideCharacter. One pass over the text.
std::vector<long long> Resolve(const std::string& raw, Unit unit,
                               const std::vector<long long>& offsets);

/// The reading a tool is known to write, from a project's `origin` ("NVivo 14", "ATLAS.ti");
/// the standard's (code points, CRLF as 2) for any other.
Unit DefaultUnit(const std::string& origin);

}  // namespace framework::import_read
