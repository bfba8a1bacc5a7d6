// REFI-QDA codebooks (.qdc): a new study of themes, or new themes merged into a framework.yaml.
#include "framework/refi_import.h"

#include <pugixml.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "framework/codebook.h"
#include "framework/text.h"
#include "import_model.h"
#include "import_read.h"

namespace framework {
namespace {

using import_model::Report;
using import_read::BaseName;
using import_read::Child;
using import_read::Children;
using import_read::CodeElement;
using import_read::DepthMessage;
using import_read::kDepthHint;
using import_read::kTooManyCodesHint;
using import_read::LocalName;
using import_read::Lower;
using import_read::Stem;
using import_read::Text;
using import_read::TooManyCodesMessage;
using import_read::WalkCodes;
using import_read::Xml;

void AddQdcCode(const pugi::xml_node& node, int parent, import_model::Model& model) {
  import_model::Code code;
  code.name = node.attribute("name").value();
  code.description = Text(Child(node, "Description"));
  code.parent = parent;
  const int index = static_cast<int>(model.codes.size());
  model.codes.push_back(std::move(code));
  if (parent >= 0) model.codes[static_cast<std::size_t>(parent)].children.push_back(index);
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

int Indent(const std::string& line) {
  int n = 0;
  while (n < static_cast<int>(line.size()) && line[static_cast<std::size_t>(n)] == ' ') ++n;
  return n;
}

bool Skippable(const std::string& line) {
  std::string_view t = Trim(line);
  return t.empty() || t.front() == '#';
}

// The 0-based line after the block of the sequence item whose mapping starts at 1-based
// (line, column): the first later line, not blank or a comment, indented less than the column.
std::size_t EndOfItem(const std::vector<std::string>& lines, int line, int column) {
  std::size_t i = static_cast<std::size_t>(line);  // the line after (0-based index == line)
  std::size_t last = static_cast<std::size_t>(line);
  for (; i < lines.size(); ++i) {
    if (Skippable(lines[i])) continue;
    if (Indent(lines[i]) < column - 1) break;
    last = i + 1;
  }
  return last;
}

std::string Reindent(const std::string& text, int extra) {
  std::string pad(static_cast<std::size_t>(std::max(0, extra)), ' ');
  std::string out;
  for (const std::string& l : SplitLines(text)) out += pad + l + "\n";
  return out;
}

// Reads the codebook's code tree (and warns of its sets) into `model`. False, with an error in
// `result`, when it is not a codebook or its codes nest too deep.
bool ReadCodebook(const Xml& xml, std::string_view name, const ImportOptions& options,
                  import_model::Model& model, ImportResult& result) {
  pugi::xml_node root = xml.Root();
  model.display_name = BaseName(name);
  model.kind = "REFI-QDA codebook";
  model.origin = root.attribute("origin").value();
  model.title = options.title.empty() ? Stem(name) : options.title;
  pugi::xml_node codes;
  if (root && LocalName(root) == "CodeBook") {
    codes = Child(root, "Codes");
  } else if (root && LocalName(root) == "Project") {
    codes = Child(Child(root, "CodeBook"), "Codes");
  } else {
    xml.Diag(
        result, Severity::kError, "not-refi-codebook", root,
        "the root element is '" + std::string(root ? LocalName(root) : "") + "', not 'CodeBook'",
        "give a REFI-QDA codebook (.qdc)");
    return false;
  }
  {
    std::vector<CodeElement> tree;
    pugi::xml_node deep;
    if (!WalkCodes(codes, options.limits.max_depth, &tree, &deep)) {
      xml.Diag(result, Severity::kError, "too-deep", deep, DepthMessage(options.limits.max_depth),
               kDepthHint);
      return false;
    }
    if (tree.size() > options.limits.max_codes) {
      xml.Diag(result, Severity::kError, "too-many-codes", tree[options.limits.max_codes].node,
               TooManyCodesMessage(tree.size(), options.limits.max_codes), kTooManyCodesHint);
      return false;
    }
    for (const CodeElement& e : tree) AddQdcCode(e.node, e.parent, model);
  }
  if (pugi::xml_node sets = Child(root, "Sets"))
    for (pugi::xml_node s : Children(sets, "Set"))
      xml.Diag(result, Severity::kWarning, "not-imported", s,
               "code set '" + std::string(s.attribute("name").value()) + "' is not imported");
  return true;
}

// Lines to insert into framework.yaml.
struct Insertion {
  std::size_t at;  // 0-based line index to insert before
  std::string text;
};

// Where the codebook's themes (`map`) go in framework.yaml (`fw`, read from `lines`): a new
// sub-theme of a theme already there after that theme's last sub-theme, new themes after the
// last theme. Conflicts and codes not added are warned of in `result`.
std::vector<Insertion> PlanInsertions(import_model::CodeMap& map, const Framework& fw,
                                      const std::vector<std::string>& lines, ImportResult& result,
                                      std::size_t& added_themes, std::size_t& added_subthemes) {
  std::vector<Insertion> insertions;
  std::vector<Theme> new_themes;
  auto same = [](const std::string& a, const std::string& b) {
    return Lower(CollapseWhitespace(a)) == Lower(CollapseWhitespace(b));
  };
  std::set<std::string> known_codes(fw.codes.codes().begin(), fw.codes.codes().end());
  for (Theme& theme : map.themes) {
    int found = -1;
    for (std::size_t t = 0; t < fw.themes.size(); ++t)
      if (fw.themes[t].id == theme.id || same(fw.themes[t].label, theme.label))
        found = static_cast<int>(t);
    if (found < 0) {
      for (const Subtheme& s : theme.subthemes)
        for (const std::string& alias : s.codes)
          if (known_codes.count(alias))
            Report(result, Severity::kWarning, "merge-conflict", "framework.yaml",
                   "alias '" + alias + "' is already used in framework.yaml");
      new_themes.push_back(theme);
      ++added_themes;
      continue;
    }
    const Theme& have = fw.themes[static_cast<std::size_t>(found)];
    if (!theme.description.empty() && !have.description.empty() &&
        CollapseWhitespace(theme.description) != CollapseWhitespace(have.description))
      Report(result, Severity::kWarning, "merge-conflict", "framework.yaml",
             "theme '" + have.id +
                 "' has a different description in the codebook; the one in "
                 "framework.yaml is kept",
             "", have.line, have.column);
    std::vector<Subtheme> add;
    for (Subtheme& sub : theme.subthemes) {
      const Subtheme* match = nullptr;
      for (const Subtheme& s : have.subthemes)
        if (s.id == sub.id || same(s.label, sub.label)) match = &s;
      if (!match) {
        // Aliases are renamed onto the existing theme id.
        std::vector<std::string> aliases;
        for (const std::string& alias : sub.codes) {
          std::string renamed = have.id + alias.substr(theme.id.size());
          if (known_codes.count(renamed)) {
            Report(result, Severity::kWarning, "merge-conflict", "framework.yaml",
                   "alias '" + renamed + "' is already used in framework.yaml; not added");
            continue;
          }
          aliases.push_back(renamed);
        }
        sub.codes = aliases;
        bool clash = false;
        for (const Subtheme& s : have.subthemes) clash |= s.id == sub.id;
        if (clash) sub.id += "-2";
        add.push_back(sub);
        continue;
      }
      if (!sub.description.empty() && !match->description.empty() &&
          CollapseWhitespace(sub.description) != CollapseWhitespace(match->description))
        Report(result, Severity::kWarning, "merge-conflict", "framework.yaml",
               "sub-theme '" + have.id + "." + match->id +
                   "' has a different description in the codebook; the one in framework.yaml "
                   "is kept",
               "", match->line, match->column);
      for (const std::string& alias : sub.codes)
        Report(result, Severity::kWarning, "merge-not-added", "framework.yaml",
               "code '" + alias + "' (below '" + have.id + "." + match->id +
                   "') is not added to an existing sub-theme",
               "add it by hand under that sub-theme's 'codes:' if you want it", match->line,
               match->column);
    }
    if (add.empty()) continue;
    const Subtheme& last = have.subthemes.back();
    const std::size_t at = EndOfItem(lines, last.line, last.column);
    Theme holder;
    holder.subthemes = add;
    std::string rendered = import_model::RenderThemes({holder}, "");
    // Keep only the sub-theme items, indented like the existing ones.
    std::string items;
    bool in_items = false;
    for (const std::string& l : SplitLines(rendered)) {
      if (l.rfind("  subthemes:", 0) == 0) {
        in_items = true;
        continue;
      }
      if (in_items) items += l.substr(std::min<std::size_t>(4, l.size())) + "\n";
    }
    insertions.push_back({at, Reindent(items, last.column - 3)});
    added_subthemes += add.size();
  }
  if (!new_themes.empty()) {
    const Theme& last = fw.themes.back();
    const std::size_t at = EndOfItem(lines, last.line, last.column);
    insertions.push_back(
        {at, Reindent(import_model::RenderThemes(new_themes, ""), last.column - 3)});
  }
  return insertions;
}

// `lines` with the insertions made, ending as `*existing` does (with a line break or not).
std::string ApplyInsertions(const std::vector<std::string>& lines,
                            std::vector<Insertion>& insertions, const std::string* existing) {
  std::sort(insertions.begin(), insertions.end(),
            [](const Insertion& a, const Insertion& b) { return a.at < b.at; });
  std::string merged;
  std::size_t next = 0;
  for (std::size_t i = 0; i <= lines.size(); ++i) {
    while (next < insertions.size() && insertions[next].at == i) {
      std::string t = insertions[next++].text;
      while (!t.empty() && t.back() == '\n' && t.size() > 1 && t[t.size() - 2] == '\n')
        t.pop_back();
      merged += t;
    }
    if (i < lines.size()) merged += lines[i] + "\n";
  }
  if (!existing->empty() && existing->back() != '\n') merged.pop_back();
  return merged;
}

}  // namespace

ImportResult ImportCodebook(std::string_view name, std::string_view xml_text,
                            const std::string* existing, const ImportOptions& options) {
  ImportResult result;
  Xml xml{std::string(name), std::string(xml_text)};
  if (!xml.Parse(result, options.limits)) return result;
  import_model::Model model;
  if (!ReadCodebook(xml, name, options, model, result)) return result;

  if (!existing) {
    import_model::BuildStudy(std::move(model), result);
    result.ok = true;
    // A codebook alone makes a study without participants or transcripts.
    std::vector<ImportedFile> kept;
    for (ImportedFile& f : result.files)
      if (f.path.rfind("notes/", 0) != 0) kept.push_back(std::move(f));
    result.files = std::move(kept);
    return result;
  }

  // Merge: new themes and sub-themes are added to the existing text; nothing there changes.
  import_model::SplitFlatHierarchy(model);
  std::vector<bool> used(model.codes.size(), false);
  import_model::CodeMap map = import_model::MapCodes(model, used);
  Diagnostics load_diagnostics;
  Framework fw = LoadFramework("framework.yaml", *existing, load_diagnostics);
  if (!fw.parsed || CountDiagnostics(load_diagnostics).errors > 0) {
    Report(result, Severity::kError, "bad-framework", "framework.yaml",
           "framework.yaml has errors; the codebook is not merged into it",
           "run 'framework check' and fix them first");
    for (auto& d : load_diagnostics) result.diagnostics.push_back(std::move(d));
    return result;
  }
  std::vector<std::string> lines = SplitLines(*existing);
  std::size_t added_themes = 0, added_subthemes = 0;
  std::vector<Insertion> insertions =
      PlanInsertions(map, fw, lines, result, added_themes, added_subthemes);
  std::string merged = ApplyInsertions(lines, insertions, existing);
  Diagnostics check;
  Framework after = LoadFramework("framework.yaml", merged, check);
  if (!after.parsed || CountDiagnostics(check).errors > 0 ||
      after.themes.size() != fw.themes.size() + added_themes) {
    Report(result, Severity::kError, "merge-failed", "framework.yaml",
           "the codebook could not be merged into framework.yaml as it is laid out (flow style "
           "or unusual indentation); nothing was changed",
           "import it into a new folder with -o and copy the themes across by hand");
    return result;
  }
  result.ok = true;
  result.codes = model.codes.size();
  result.files.push_back({"framework.yaml", merged});
  std::vector<std::string> summary = {
      "- Input: `" + BaseName(name) + "` (REFI-QDA codebook" +
          (model.origin.empty() ? std::string() : ", origin \"" + model.origin + "\"") +
          "), merged into framework.yaml",
      "- " + std::to_string(added_themes) + " theme(s) added, " + std::to_string(added_subthemes) +
          " sub-theme(s) added to existing themes; nothing "
          "already in framework.yaml was changed"};
  result.files.push_back(
      {"IMPORT-REPORT.md", import_model::RenderReport(result, "Codebook import report", summary)});
  return result;
}

}  // namespace framework
