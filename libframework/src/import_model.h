// What every importer fills in (codes, sources with byte-offset selections, cases, variables,
// notes), and the one builder that turns it into a study. Internal to the library.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "framework/chart.h"
#include "framework/codebook.h"
#include "framework/refi_import.h"
#include "framework/yaml_write.h"

namespace framework::import_model {

struct Code {
  std::string name;
  std::string label;  ///< when it differs from the name (our own exports: names are ids)
  std::string description;
  int parent = -1;
  std::vector<int> children;
  std::vector<std::string> notes;
  bool case_node = false;  ///< an NVivo case node: not part of the code tree
};

/// A coded passage: a byte range of `Source::text` coded with `code`.
struct Selection {
  std::size_t begin = 0;
  std::size_t end = 0;
  int code = -1;
};

/// A remark anchored in a source: a selection's description, a coding's note, an annotation.
struct Remark {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string code_name;  ///< the code it is about, if any
  std::string text;
};

struct Source {
  std::string name;
  std::string text;  ///< UTF-8, LF line endings, no BOM
  std::vector<Selection> selections;
  std::vector<Remark> remarks;
  std::vector<std::string> notes;                   ///< the source's description and notes
  std::vector<std::pair<int, std::string>> values;  ///< (variable, value): document variables
  int case_index = -1;
  std::string front_matter;  ///< YAML lines to write as the transcript's front matter
  int first_line = 0;        ///< the line the text starts on in the original file, if known
};

struct Variable {
  std::string name;
  std::string type;  ///< REFI typeOfVariable: Text, Boolean, Integer, Float, Date, DateTime
  std::string description;
  bool has_values = false;  ///< declared category values (our own exports)
  std::vector<std::string> values;
};

struct Case {
  std::string name;
  std::vector<std::string> notes;
  std::vector<int> sources;
  std::vector<std::pair<int, std::string>> values;
};

struct Model {
  std::string title;
  std::string origin;
  std::vector<std::string> project_notes;
  std::vector<Code> codes;
  std::vector<Source> sources;
  std::vector<Variable> variables;
  std::vector<Case> cases;
  std::string display_name;  ///< the input's name, for the report
  /// Written by `framework export --format qdpx` (origin "framework ..."): names are ids, and
  /// labels, settings and front matter travel in descriptions and a settings note.
  bool framework_origin = false;
  std::string description;
  std::vector<Speaker> speakers;
  std::string attribution;
  int min_group = 0;
  std::map<std::string, std::vector<ChartCell>> charts;  ///< theme -> summaries (our exports)
  std::string kind;  ///< "REFI-QDA project", "codings table", ...
};

/// Splits flat code names holding "::" (ATLAS.ti) into a hierarchy.
void SplitFlatHierarchy(Model& model);

/// Column and code id of every code, from the code tree.
struct CodeMap {
  std::vector<Theme> themes;
  std::vector<std::string> code_ids;      ///< per model code: the id written in transcripts
  std::vector<std::string> deeper_notes;  ///< codebook notes: names and descriptions of aliases
};
CodeMap MapCodes(const Model& model, const std::vector<bool>& used_directly);

/// Splits "Label\n\ndescription" (our own exports' convention) into the code's label and
/// description.
void SplitLabel(Code& code);

/// The framework.yaml text for `themes` (and attributes, title...).
std::string RenderThemes(const std::vector<Theme>& themes, const std::string& indent);

/// Builds the study files from `model` into `result` (files, counts, report), then loads the
/// study from memory and adds its check diagnostics. Takes the model (moved in by the
/// importers): each source's text is released once its transcript is written.
void BuildStudy(Model model, ImportResult& result);

/// Sub-theme aliases name their path of slugs up to this many levels below the sub-theme;
/// deeper codes are named below their ancestor at this level (`theme.sub.a.b.c.d.slug`, unique
/// there), so alias ids stay short however deep the tree.
constexpr int kAliasPathLevels = 4;

/// A code named "a::b::c" is split into a hierarchy only up to this many parts.
constexpr std::size_t kMaxSplitParts = 100;

/// Adds a diagnostic without a position.
void Report(ImportResult& result, Severity severity, std::string rule, std::string file,
            std::string message, std::string hint = {}, int line = 0, int column = 0);

/// Renders IMPORT-REPORT.md from the result's diagnostics and the given summary lines.
std::string RenderReport(const ImportResult& result, const std::string& heading,
                         const std::vector<std::string>& summary);

}  // namespace framework::import_model
