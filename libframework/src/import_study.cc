// The study an import produces: themes from the code tree, participants from cases, transcripts
// with inline codes, notes, and the import report. Shared by every importer.
#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <tuple>

#include "framework/study.h"
#include "framework/text.h"
#include "framework/transcript.h"
#include "import_model.h"

namespace framework {

const ImportedFile* ImportResult::Find(std::string_view path) const {
  for (const ImportedFile& f : files)
    if (f.path == path) return &f;
  return nullptr;
}

std::string SlugId(std::string_view name, std::string_view fallback) {
  static std::mutex mutex;
  static std::unique_ptr<icu::Transliterator> translit;
  std::string ascii;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (!translit) {
      UErrorCode status = U_ZERO_ERROR;
      translit.reset(icu::Transliterator::createInstance("Any-Latin; Latin-ASCII; Lower",
                                                         UTRANS_FORWARD, status));
      if (U_FAILURE(status)) translit.reset();
    }
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(
        icu::StringPiece(name.data(), static_cast<int32_t>(name.size())));
    if (translit) translit->transliterate(u);
    u.toUTF8String(ascii);
  }
  std::string slug;
  bool dash = false;
  for (char c : ascii) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
    if (alnum || c == '_') {
      if (dash && !slug.empty()) slug += '-';
      dash = false;
      slug += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    } else {
      dash = true;
    }
    if (slug.size() >= 40) break;
  }
  while (!slug.empty() && (slug.back() == '-' || slug.back() == '_')) slug.pop_back();
  if (slug.empty()) slug = std::string(fallback);
  return slug;
}

namespace import_model {
namespace {

std::string Lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// Hands out ids unique within one scope (compared without case, so file names stay distinct on
// case-insensitive file systems): "x", "x-2", "x-3"... Each base remembers the last number it
// gave, so n ids of one name cost n log n, not n².
class UniqueIds {
 public:
  std::string Take(const std::string& base) {
    const std::string key = Lower(base);
    if (used_.insert(key).second) return base;
    int& n = next_[key];
    if (n < 2) n = 2;
    std::string id;
    for (;; ++n) {
      id = base + "-" + std::to_string(n);
      if (used_.insert(Lower(id)).second) break;
    }
    ++n;
    return id;
  }
  void Reserve(const std::string& id) { used_.insert(Lower(id)); }

 private:
  std::set<std::string> used_;
  std::map<std::string, int> next_;  // base (lower case) -> the next number to try
};

std::string Label(const std::string& name, const std::string& fallback) {
  std::string label = CollapseWhitespace(name);
  return label.empty() ? fallback : ToNfc(label);
}

std::string OneLine(const std::string& text) { return CollapseWhitespace(text); }

}  // namespace

void Report(ImportResult& result, Severity severity, std::string rule, std::string file,
            std::string message, std::string hint, int line, int column) {
  Diagnostic d;
  d.severity = severity;
  d.rule = std::move(rule);
  d.file = std::move(file);
  d.line = line;
  d.column = column;
  d.message = std::move(message);
  d.hint = std::move(hint);
  result.diagnostics.push_back(std::move(d));
}

void SplitFlatHierarchy(Model& model) {
  for (const Code& c : model.codes)
    if (!c.children.empty()) return;
  bool any = false;
  for (const Code& c : model.codes) any |= c.name.find("::") != std::string::npos;
  if (!any) return;
  // Parents are made (or found) by their path, as (parent, name) pairs; codes keep their index
  // so references stay good.
  std::map<std::pair<int, std::string>, int> by_path;
  const std::size_t original = model.codes.size();
  // Codes named like a folder ("Support" beside "Support::peers") are that folder.
  for (std::size_t i = 0; i < original; ++i)
    if (!model.codes[i].case_node && model.codes[i].name.find("::") == std::string::npos)
      by_path.emplace(std::make_pair(-1, std::string(Trim(model.codes[i].name))),
                      static_cast<int>(i));
  for (std::size_t i = 0; i < original; ++i) {
    if (model.codes[i].case_node) continue;
    std::string name = model.codes[i].name;
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
      std::size_t sep = name.find("::", start);
      std::string part = std::string(Trim(name.substr(start, sep - start)));
      if (!part.empty()) parts.push_back(part);
      if (sep == std::string::npos) break;
      start = sep + 2;
    }
    if (parts.size() < 2 || parts.size() > kMaxSplitParts) continue;
    int parent = -1;
    for (std::size_t k = 0; k + 1 < parts.size(); ++k) {
      const auto path = std::make_pair(parent, parts[k]);
      auto it = by_path.find(path);
      int index;
      if (it != by_path.end()) {
        index = it->second;
      } else {
        index = static_cast<int>(model.codes.size());
        Code folder;
        folder.name = parts[k];
        folder.parent = parent;
        model.codes.push_back(folder);
        if (parent >= 0) model.codes[static_cast<std::size_t>(parent)].children.push_back(index);
        by_path[path] = index;
      }
      parent = index;
    }
    model.codes[i].name = parts.back();
    model.codes[i].parent = parent;
    model.codes[static_cast<std::size_t>(parent)].children.push_back(static_cast<int>(i));
  }
}

void SplitLabel(Code& code) {
  const std::string d = code.description;
  const std::size_t cut = d.find("\n\n");
  code.label = std::string(Trim(d.substr(0, cut)));
  code.description =
      cut == std::string::npos ? std::string() : std::string(Trim(d.substr(cut + 2)));
  if (code.description.rfind("An alias of ", 0) == 0) code.description.clear();
}

CodeMap MapCodes(const Model& model, const std::vector<bool>& used_directly) {
  CodeMap map;
  // Our own exports name codes by their ids: keep them.
  auto id_of = [&](const Code& c, const char* fallback) {
    if (model.framework_origin && IsValidId(c.name, false)) return c.name;
    return SlugId(c.name, fallback);
  };
  auto label_of = [&](const Code& c, const std::string& fallback) {
    return c.label.empty() ? Label(c.name, fallback) : c.label;
  };
  map.code_ids.assign(model.codes.size(), std::string());
  auto is_root = [&](const Code& c) {
    return !c.case_node &&
           (c.parent < 0 || model.codes[static_cast<std::size_t>(c.parent)].case_node);
  };
  std::vector<int> roots;
  bool flat = true;
  for (std::size_t i = 0; i < model.codes.size(); ++i) {
    const Code& c = model.codes[i];
    if (c.case_node) continue;
    if (is_root(c)) roots.push_back(static_cast<int>(i));
    for (int child : c.children)
      if (!model.codes[static_cast<std::size_t>(child)].case_node) flat = false;
  }
  if (roots.empty()) return map;

  UniqueIds theme_ids;
  if (flat) {
    // A flat codebook: one matrix, a column per code.
    Theme theme;
    theme.id = theme_ids.Take("codes");
    theme.label = "Codes";
    UniqueIds sub_ids;
    for (int r : roots) {
      const Code& c = model.codes[static_cast<std::size_t>(r)];
      Subtheme sub;
      sub.id = sub_ids.Take(id_of(c, "code"));
      sub.label = label_of(c, sub.id);
      sub.description = c.description;
      map.code_ids[static_cast<std::size_t>(r)] = theme.id + "." + sub.id;
      theme.subthemes.push_back(std::move(sub));
    }
    map.themes.push_back(std::move(theme));
    return map;
  }

  for (int r : roots) {
    const Code& root = model.codes[static_cast<std::size_t>(r)];
    Theme theme;
    theme.id = theme_ids.Take(id_of(root, "theme"));
    theme.label = label_of(root, theme.id);
    theme.description = root.description;
    UniqueIds sub_ids;
    std::vector<int> children;
    for (int child : root.children)
      if (!model.codes[static_cast<std::size_t>(child)].case_node) children.push_back(child);
    const bool general = children.empty() || used_directly[static_cast<std::size_t>(r)];
    if (general) {
      Subtheme sub;
      sub.id = sub_ids.Take("general");
      sub.label = children.empty() ? theme.label : "General";
      sub.description =
          children.empty() ? std::string() : "Passages coded with '" + theme.label + "' itself";
      map.code_ids[static_cast<std::size_t>(r)] = theme.id + "." + sub.id;
      theme.subthemes.push_back(std::move(sub));
    }
    for (int child : children) {
      const Code& c = model.codes[static_cast<std::size_t>(child)];
      Subtheme sub;
      sub.id = sub_ids.Take(id_of(c, "code"));
      sub.label = label_of(c, sub.id);
      sub.description = c.description;
      const std::string column = theme.id + "." + sub.id;
      map.code_ids[static_cast<std::size_t>(child)] = column;
      // Deeper codes: aliases of this column, named by their path of slugs.
      // Below kAliasPathLevels, codes are named in the namespace of their ancestor at that level.
      struct Item {
        int index;
        std::string alias;
        int level;  // 1: a child of the sub-theme
        int space;  // the namespace it was named in (deep codes), else -1
      };
      struct Namespace {
        std::string prefix;
        UniqueIds ids;
      };
      std::deque<Namespace> spaces;
      std::vector<Item> stack;
      // Pushes the children of `parent` (at `level`; case nodes aside), named `prefix.slug`, so
      // that they pop in their document order.
      auto push_children = [&](const Code& parent, const std::string& prefix, int level,
                               int space) {
        UniqueIds local;
        UniqueIds* ids = &local;
        std::string base = prefix;
        if (level == kAliasPathLevels) {
          spaces.push_back({prefix, {}});
          space = static_cast<int>(spaces.size()) - 1;
        }
        if (level >= kAliasPathLevels) {
          ids = &spaces[static_cast<std::size_t>(space)].ids;
          base = spaces[static_cast<std::size_t>(space)].prefix;
        } else {
          space = -1;
        }
        std::vector<Item> items;
        for (int g : parent.children)
          if (!model.codes[static_cast<std::size_t>(g)].case_node)
            items.push_back(
                {g,
                 base + "." +
                     ids->Take(SlugId(model.codes[static_cast<std::size_t>(g)].name, "code")),
                 level + 1, space});
        for (auto it = items.rbegin(); it != items.rend(); ++it) stack.push_back(std::move(*it));
      };
      push_children(c, column, 0, -1);
      while (!stack.empty()) {
        auto [index, alias, level, space] = stack.back();
        stack.pop_back();
        const Code& d = model.codes[static_cast<std::size_t>(index)];
        if (model.framework_origin && IsValidId(d.name, true))
          alias = d.name;  // an alias of ours, named as written
        map.code_ids[static_cast<std::size_t>(index)] = alias;
        sub.codes.push_back(alias);
        std::string note = "- `" + alias + "`: " + Label(d.name, alias);
        if (!d.description.empty()) note += " — " + OneLine(d.description);
        map.deeper_notes.push_back(std::move(note));
        push_children(d, alias, level, space);
      }
      theme.subthemes.push_back(std::move(sub));
    }
    map.themes.push_back(std::move(theme));
  }
  return map;
}

std::string RenderThemes(const std::vector<Theme>& themes, const std::string& indent) {
  std::string out;
  for (const Theme& t : themes) {
    out += indent + "- id: " + YamlScalar(t.id) + "\n";
    out += indent + "  label: " + YamlScalar(t.label) + "\n";
    if (!t.description.empty())
      out += indent + "  description: " + YamlScalar(t.description) + "\n";
    out += indent + "  subthemes:\n";
    for (const Subtheme& s : t.subthemes) {
      out += indent + "    - id: " + YamlScalar(s.id) + "\n";
      out += indent + "      label: " + YamlScalar(s.label) + "\n";
      if (!s.description.empty())
        out += indent + "      description: " + YamlScalar(s.description) + "\n";
      if (!s.codes.empty()) {
        out += indent + "      codes:\n";
        for (const std::string& c : s.codes) out += indent + "        - " + YamlScalar(c) + "\n";
      }
    }
  }
  return out;
}

namespace {

struct Attr {
  std::string name;
  AttributeType type = AttributeType::kString;
  std::vector<std::string> values;  // categories
  std::string description;
};

// The REFI type mapped onto ours; Text becomes a category when it has few distinct values.
std::vector<Attr> MapAttributes(const Model& model,
                                const std::vector<std::map<int, std::string>>& values,
                                ImportResult& result, const std::string& file) {
  std::vector<Attr> attrs(model.variables.size());
  // Each variable's distinct values, gathered in one pass over the rows.
  std::vector<std::set<std::string>> seen_values(model.variables.size());
  for (const auto& row : values)
    for (const auto& [var, value] : row)
      if (var >= 0 && static_cast<std::size_t>(var) < seen_values.size())
        seen_values[static_cast<std::size_t>(var)].insert(value);
  UniqueIds ids;
  for (std::size_t v = 0; v < model.variables.size(); ++v) {
    const Variable& var = model.variables[v];
    Attr& a = attrs[v];
    // NVivo prefixes a classification ("Cases:Age group"): drop it.
    std::string name = var.name;
    const std::size_t colon = name.find(':');
    if (colon != std::string::npos && colon + 1 < name.size()) name = name.substr(colon + 1);
    a.name =
        ids.Take(model.framework_origin && IsValidId(var.name, false) ? var.name
                                                                      : SlugId(name, "attribute"));
    a.description = var.description;
    const std::set<std::string>& seen = seen_values[v];
    const std::string& t = var.type;
    if (t == "Integer")
      a.type = AttributeType::kInteger;
    else if (t == "Float")
      a.type = AttributeType::kNumber;
    else if (t == "Boolean")
      a.type = AttributeType::kBoolean;
    else if (t == "Date")
      a.type = AttributeType::kDate;
    else if (t == "Text" && var.has_values)
      a.type = AttributeType::kCategory;
    else if (t == "Text" && !model.framework_origin && !seen.empty() && seen.size() <= 20)
      a.type = AttributeType::kCategory;
    else
      a.type = AttributeType::kString;
    if (a.type == AttributeType::kCategory) {
      if (var.has_values) {
        a.values = var.values;
        for (const std::string& value : seen)
          if (std::find(a.values.begin(), a.values.end(), value) == a.values.end())
            a.values.push_back(value);
      } else {
        a.values.assign(seen.begin(), seen.end());
      }
    }
    AttributeDef def;
    def.name = a.name;
    def.type = a.type;
    def.values = a.values;
    for (const std::string& value : seen) {
      std::string hint;
      if (!CheckAttributeValue(def, value, &hint).empty()) {
        Report(result, Severity::kWarning, "attribute-type", file,
               "variable '" + var.name + "' is declared " + t + " but has the value '" + value +
                   "'; it is imported as a string attribute",
               "");
        a.type = AttributeType::kString;
        a.values.clear();
        break;
      }
    }
  }
  return attrs;
}

struct Piece {
  std::size_t begin, end;
  std::string code;
};

// The files of an import as a read-only file system, without copying them all: names are
// listed by a MemoryFileSystem of empty files, contents read from the files themselves, or from
// the scratch file a large one was set aside in (see CheckStudy).
class FilesView : public FileSystem {
 public:
  explicit FilesView(const std::vector<ImportedFile>& files) {
    for (const ImportedFile& f : files) {
      names_.Add(f.path, "");
      contents_[f.path] = &f.contents;
    }
  }
  void SetAside(const std::string& path, std::FILE* scratch, std::size_t size) {
    aside_[path] = {scratch, size};
  }
  ReadResult Read(const std::string& path) const override {
    ReadResult r;
    if (auto a = aside_.find(path); a != aside_.end()) {
      r.ok = ReadBack(a->second.first, a->second.second, &r.contents);
      if (!r.ok) r.error = "cannot read it back from a scratch file";
      return r;
    }
    auto it = contents_.find(path);
    if (it == contents_.end()) return names_.Read(path);
    r.ok = true;
    r.contents = *it->second;
    return r;
  }
  bool IsDirectory(const std::string& path) const override { return names_.IsDirectory(path); }
  bool Exists(const std::string& path) const override { return names_.Exists(path); }
  std::vector<std::string> ListFiles(const std::string& dir,
                                     const std::string& suffix) const override {
    return names_.ListFiles(dir, suffix);
  }
  std::vector<std::string> Glob(const std::string& pattern) const override {
    return names_.Glob(pattern);
  }

  /// The `size` bytes of `scratch` into `*out`.
  static bool ReadBack(std::FILE* scratch, std::size_t size, std::string* out) {
    out->resize(size);
    return std::fseek(scratch, 0, SEEK_SET) == 0 &&
           std::fread(out->data(), 1, size, scratch) == size;
  }

 private:
  MemoryFileSystem names_;
  std::map<std::string, const std::string*> contents_;
  std::map<std::string, std::pair<std::FILE*, std::size_t>> aside_;
};

// A coded passage compared by its first 60 bytes, its length and its hash (the one content
// hash, HashHex: the same on every platform), not a copy of it all.
std::string PassageKey(const std::string& text) {
  std::string key = text.substr(0, 60);
  key += '\0';
  key += std::to_string(text.size()) + ":" + HashHex(text);
  return key;
}

std::string PassageShown(const std::string& key) { return key.substr(0, key.find('\0')); }

// A participant of the study: one per case, then one per source in no case.
struct Person {
  std::string id;
  std::string origin;  // "case 'X'" or "source 'Y'"
  std::vector<int> sources;
  std::map<int, std::string> values;
  std::vector<std::string> notes;
};

// A coded passage as the transcript must give it back: by a hash of its text (and the start
// of it, to show), not a copy.
struct Expected {
  std::string code, text;
};

// The code tree as themes, sub-themes and aliases, the codes used directly told apart; a
// placeholder theme (and a warning) when the input has no codes.
CodeMap MapThemes(Model& model, ImportResult& result, bool& placeholder_theme) {
  const std::string& input = model.display_name;
  SplitFlatHierarchy(model);

  std::vector<bool> used_directly(model.codes.size(), false);
  for (const Source& s : model.sources)
    for (const Selection& sel : s.selections)
      if (sel.code >= 0) used_directly[static_cast<std::size_t>(sel.code)] = true;
  CodeMap map = MapCodes(model, used_directly);
  if (map.themes.empty()) {
    Theme t;
    t.id = "imported";
    t.label = "Imported";
    t.description = "The input had no codes; replace this theme with your own";
    Subtheme s;
    s.id = "general";
    s.label = "General";
    t.subthemes.push_back(s);
    map.themes.push_back(t);
    placeholder_theme = true;
    Report(result, Severity::kWarning, "no-codes", input,
           "the input has no codes; framework.yaml has a placeholder theme 'imported'",
           "add your themes to framework.yaml");
  }
  return map;
}

// Participants: one per case, then one per source in no case. Document variables go to the
// source's participant, unless the case already has a value.
std::vector<Person> PlanPeople(const Model& model, ImportResult& result) {
  const std::string& input = model.display_name;
  std::vector<Person> people;
  UniqueIds person_ids;
  auto person_id = [&](const std::string& name, const char* fallback) {
    std::string base = ToNfc(std::string(Trim(name)));
    if (!IsValidId(base, false)) base = SlugId(base, fallback);
    if (base.size() > 60) base = SlugId(base, fallback);
    return person_ids.Take(base);
  };
  for (const Case& c : model.cases) {
    Person p;
    p.id = person_id(c.name, "case");
    p.origin = "case '" + c.name + "'";
    p.sources = c.sources;
    for (const auto& [var, value] : c.values) p.values[var] = value;
    p.notes = c.notes;
    people.push_back(std::move(p));
  }
  for (std::size_t i = 0; i < model.sources.size(); ++i) {
    if (model.sources[i].case_index >= 0) continue;
    std::string name = model.sources[i].name;
    const std::size_t dot = name.rfind('.');
    if (dot != std::string::npos && dot > 0 && name.size() - dot <= 5) name = name.substr(0, dot);
    Person p;
    p.id = person_id(name, "source");
    p.origin = "source '" + model.sources[i].name + "'";
    p.sources.push_back(static_cast<int>(i));
    people.push_back(std::move(p));
  }
  // Document variables go to the source's participant, unless the case already has a value.
  for (Person& p : people) {
    for (int s : p.sources) {
      for (const auto& [var, value] : model.sources[static_cast<std::size_t>(s)].values) {
        auto it = p.values.find(var);
        if (it == p.values.end()) {
          p.values[var] = value;
        } else if (it->second != value) {
          Report(result, Severity::kWarning, "attribute-conflict", input,
                 "participant '" + p.id + "' has two values of '" +
                     model.variables[static_cast<std::size_t>(var)].name + "': '" + it->second +
                     "' and '" + value + "' (from source '" +
                     model.sources[static_cast<std::size_t>(s)].name + "'); the first is kept");
        }
      }
    }
  }
  return people;
}

// The front matter of participant `p`'s transcript; `line` becomes the line its text starts on
// (our own exports: the line it started on).
std::string TranscriptHead(const Model& model, const Person& p, int& line) {
  std::string out;
  const Source& first = model.sources[static_cast<std::size_t>(p.sources[0])];
  if (model.framework_origin && p.sources.size() == 1) {
    // Our own export: the transcript's front matter as it was, and its text starting on the
    // line it started on, so line references in summaries still hold.
    line = 1;
    if (!first.front_matter.empty()) {
      out = "---\n" + first.front_matter + "---\n";
      line = 1 + static_cast<int>(std::count(out.begin(), out.end(), '\n'));
    }
    for (; line < first.first_line; ++line) out += '\n';
  } else {
    out = "---\nparticipant: " + YamlScalar(p.id) + "\n";
    if (p.sources.size() == 1) {
      out += "source: " + YamlScalar(first.name) + "\n";
    } else {
      out += "sources: " + std::to_string(p.sources.size()) + "\n";
    }
    out += "---\n";
  }
  return out;
}

// Reserves what `out` will hold once participant `p`'s sources are written into it.
void ReserveTranscript(const Model& model, const Person& p, const CodeMap& map, std::string& out) {
  std::size_t size = out.size() + 256;
  for (int s : p.sources) {
    const Source& src = model.sources[static_cast<std::size_t>(s)];
    size += src.text.size() + src.name.size() + 64;
    for (char c : src.text) size += c == '{' || c == '}' || c == '\\';
    for (const Selection& sel : src.selections)
      if (sel.code >= 0) size += 2 * map.code_ids[static_cast<std::size_t>(sel.code)].size() + 4;
  }
  out.reserve(size);
}

// The segments of `src`: per code, overlapping selections merged (counted in `merged`),
// selections of only white space dropped; each also added to `expected`.
std::vector<Piece> CodedPieces(const Source& src, const Model& model, const CodeMap& map,
                               ImportResult& result, std::vector<Expected>& expected,
                               std::size_t& merged) {
  const std::string& input = model.display_name;
  std::map<std::string, std::vector<std::pair<std::size_t, std::size_t>>> by_code;
  for (const Selection& sel : src.selections) {
    if (sel.code < 0) continue;
    const std::string& code = map.code_ids[static_cast<std::size_t>(sel.code)];
    if (code.empty()) continue;
    by_code[code].emplace_back(sel.begin, sel.end);
  }
  std::vector<Piece> pieces;
  for (auto& [code, ranges] : by_code) {
    std::sort(ranges.begin(), ranges.end());
    std::vector<std::pair<std::size_t, std::size_t>> kept;
    for (const auto& r : ranges) {
      if (!kept.empty() && r.first < kept.back().second) {
        kept.back().second = std::max(kept.back().second, r.second);
        ++merged;
      } else {
        kept.push_back(r);
      }
    }
    for (const auto& r : kept) {
      std::string_view text = std::string_view(src.text).substr(r.first, r.second - r.first);
      if (Trim(text).empty()) {
        Report(result, Severity::kWarning, "empty-selection", input,
               "a selection of '" + code + "' in source '" + src.name +
                   "' covers only white space; it is not imported");
        continue;
      }
      pieces.push_back({r.first, r.second, code});
      // Our own exports compare without speaker labels (below): their text is kept.
      std::string passage = ToNfc(CollapseWhitespace(text));
      expected.push_back({code, model.framework_origin ? std::move(passage) : PassageKey(passage)});
    }
  }
  return pieces;
}

// Appends the text of `src` to `out` with its pieces as inline tags (braces escaped), ending
// in a line break; `line` counts the lines written.
void WriteTagged(const Source& src, const std::vector<Piece>& pieces, std::string& out, int& line) {
  // Tags: at one position, closing tags before opening ones, each group by code.
  struct Event {
    std::size_t pos;
    int kind;  // 0 close, 1 open
    std::string code;
    bool operator<(const Event& o) const {
      return std::tie(pos, kind, code) < std::tie(o.pos, o.kind, o.code);
    }
  };
  std::vector<Event> events;
  for (const Piece& piece : pieces) {
    events.push_back({piece.begin, 1, piece.code});
    events.push_back({piece.end, 0, piece.code});
  }
  std::sort(events.begin(), events.end());
  std::size_t pos = 0;
  auto emit_text = [&](std::size_t to) {
    for (; pos < to; ++pos) {
      const char c = src.text[pos];
      if (c == '{' || c == '}' || c == '\\') out += '\\';
      out += c;
      if (c == '\n') ++line;
    }
  };
  for (std::size_t e = 0; e < events.size();) {
    emit_text(events[e].pos);
    std::size_t f = e;
    std::string opens;
    while (f < events.size() && events[f].pos == events[e].pos) {
      if (events[f].kind == 0) {
        out += "{/" + events[f].code + "}";
      } else {
        opens += (opens.empty() ? "" : ", ") + events[f].code;
      }
      ++f;
    }
    if (!opens.empty()) out += "{" + opens + "}";
    e = f;
  }
  emit_text(src.text.size());
  if (out.empty() || out.back() != '\n') {
    out += '\n';
    ++line;
  }
}

// The notes of `src` and the remarks anchored in it, with line references into the transcript
// (its text starts on `base_line`).
std::string SourceNotes(const Source& src, int base_line) {
  std::vector<std::size_t> line_ends;  // offsets of the source's line breaks
  if (!src.remarks.empty())
    for (std::size_t at = src.text.find('\n'); at != std::string::npos;
         at = src.text.find('\n', at + 1))
      line_ends.push_back(at);
  auto line_of = [&](std::size_t offset) {
    offset = std::min(offset, src.text.size());
    return base_line +
           static_cast<int>(std::lower_bound(line_ends.begin(), line_ends.end(), offset) -
                            line_ends.begin());
  };
  std::string source_notes;
  for (const std::string& n : src.notes) source_notes += n + "\n\n";
  for (const Remark& r : src.remarks) {
    const int a = line_of(r.begin), b = line_of(r.end > r.begin ? r.end - 1 : r.end);
    source_notes += "- L" + std::to_string(a) + (b > a ? "-" + std::to_string(b) : "") +
                    (r.code_name.empty() ? "" : " (" + r.code_name + ")") + ": " + OneLine(r.text) +
                    "\n";
  }
  return source_notes;
}

// Every coded text must survive: parses participant `p`'s transcript `out` back and warns when
// a passage in `expected` reads differently.
void CheckCodedText(const Model& model, const Person& p, const std::string& out,
                    const std::vector<Expected>& expected, ImportResult& result) {
  Diagnostics parse_diagnostics;
  ParseOptions po;
  po.stem = p.id;
  Transcript t = ParseTranscript("transcripts/" + p.id + ".txt", out, po, parse_diagnostics);
  // Our own exports declare speakers: their labels inside a passage are not coded text.
  std::vector<std::string> labels;
  if (model.framework_origin) {
    for (const Speaker& sp : model.speakers) labels.push_back(sp.label);
    labels.push_back(p.id);
  }
  auto without_labels = [&](std::string text) {
    for (const std::string& label : labels) {
      const std::string needle = " " + label + ":";
      for (std::size_t at = text.find(needle); at != std::string::npos;
           at = text.find(needle, at)) {
        text.erase(at + 1, label.size() + 1);
      }
    }
    return CollapseWhitespace(text);
  };
  std::multiset<std::pair<std::string, std::string>> want, got;
  for (const Expected& x : expected)
    want.insert({x.code, labels.empty() ? x.text : PassageKey(without_labels(x.text))});
  for (const Segment& s : t.segments) {
    std::string text = t.SegmentText(s);
    got.insert({s.code, PassageKey(labels.empty() ? std::move(text) : without_labels(text))});
  }
  std::string().swap(t.text);
  if (want != got) {
    for (const auto& w : want) {
      if (got.count(w)) continue;
      Report(result, Severity::kWarning, "coded-text-changed", "transcripts/" + p.id + ".txt",
             "a passage coded '" + w.first + "' reads differently in the transcript ('" +
                 PassageShown(w.second) + "')",
             "a line starting with '" + p.id +
                 ":' is read as a speaker turn and its label is not part of the segment");
      break;
    }
  }
}

// Transcripts: one per participant with a source (their notes beside it), each checked by
// parsing it back; `mapping_rows` gets a report row per participant.
void WriteTranscripts(Model& model, const std::vector<Person>& people, const CodeMap& map,
                      ImportResult& result, std::vector<ImportedFile>& files, std::size_t& segments,
                      std::size_t& merged, std::vector<std::string>& mapping_rows) {
  const std::string& input = model.display_name;
  for (const Person& p : people) {
    std::string note_text;
    for (const std::string& n : p.notes) note_text += n + "\n\n";
    mapping_rows.push_back(
        "| " + p.origin + " | " + p.id + " | " +
        (p.sources.empty() ? std::string("(no source)") : "transcripts/" + p.id + ".txt") + " |");
    if (p.sources.empty()) {
      Report(result, Severity::kWarning, "case-without-source", input,
             p.origin + " has no text source; participant '" + p.id +
                 "' is declared without a transcript");
      if (!note_text.empty())
        files.push_back({"notes/" + p.id + ".md", "# " + p.id + "\n\n" + note_text});
      continue;
    }
    int line = 4;
    std::string out = TranscriptHead(model, p, line);
    std::vector<Expected> expected;
    ReserveTranscript(model, p, map, out);
    for (std::size_t k = 0; k < p.sources.size(); ++k) {
      const Source& src = model.sources[static_cast<std::size_t>(p.sources[k])];
      if (p.sources.size() > 1) {
        std::string heading = "=== Source " + std::to_string(k + 1) + " of " +
                              std::to_string(p.sources.size()) + ": " + OneLine(src.name) + " ===";
        std::string escaped;
        for (char c : heading) {
          if (c == '{' || c == '}' || c == '\\') escaped += '\\';
          escaped += c;
        }
        out += (k ? "\n" : "") + escaped + "\n\n";
        line += k ? 3 : 2;
      }
      const int base_line = line;
      std::vector<Piece> pieces = CodedPieces(src, model, map, result, expected, merged);
      segments += pieces.size();
      WriteTagged(src, pieces, out, line);
      std::string source_notes = SourceNotes(src, base_line);
      if (!source_notes.empty())
        note_text += "## Source: " + OneLine(src.name) + "\n\n" + source_notes + "\n";
    }
    // The sources' texts are in `out` now: release them before parsing it back.
    for (int s : p.sources) std::string().swap(model.sources[static_cast<std::size_t>(s)].text);
    if (!note_text.empty())
      files.push_back({"notes/" + p.id + ".md",
                       "# " + p.id + "\n\nNotes imported with transcripts/" + p.id +
                           ".txt; line references (L12-14) point into it.\n\n" + note_text});
    CheckCodedText(model, p, out, expected, result);
    files.push_back({"transcripts/" + p.id + ".txt", std::move(out)});
  }
}

// participants.yaml: the attributes used, then every participant with its values.
std::string ParticipantsFile(const Model& model, const std::vector<Person>& people,
                             const std::vector<Attr>& attrs, const std::vector<bool>& var_used,
                             ImportResult& result) {
  const std::string& input = model.display_name;
  std::string pfile = "# Participants imported from " + input + "; see IMPORT-REPORT.md.\n";
  bool any_attr = false;
  for (std::size_t v = 0; v < attrs.size(); ++v) {
    if (!var_used[v]) continue;
    if (!any_attr) pfile += "attributes:\n";
    any_attr = true;
    const Attr& a = attrs[v];
    pfile +=
        "  " + YamlScalar(a.name) + ":\n    type: " + std::string(AttributeTypeName(a.type)) + "\n";
    if (a.type == AttributeType::kCategory) {
      pfile += "    values: [";
      for (std::size_t k = 0; k < a.values.size(); ++k)
        pfile += (k ? ", " : "") + YamlScalar(a.values[k]);
      pfile += "]\n";
    }
    // Our own projects carry the description as it was, empty or not.
    std::string description = a.description.empty() && !model.framework_origin
                                  ? "From variable '" + model.variables[v].name + "'"
                                  : a.description;
    if (!description.empty()) pfile += "    description: " + YamlScalar(description) + "\n";
  }
  for (std::size_t v = 0; v < attrs.size(); ++v)
    if (!var_used[v])
      Report(result, Severity::kWarning, "unused-variable", input,
             "variable '" + model.variables[v].name + "' has no values; it is not imported");
  if (people.empty()) {
    pfile += "participants: []\n";
  } else {
    pfile += "participants:\n";
    for (const Person& p : people) {
      pfile += "  - {id: " + YamlScalar(p.id);
      for (const auto& [var, value] : p.values) {
        const Attr& a = attrs[static_cast<std::size_t>(var)];
        std::string v = value;
        if (a.type == AttributeType::kBoolean)
          v = (v == "1" || Lower(v) == "true") ? "true" : "false";
        pfile += ", " + YamlScalar(a.name) + ": " +
                 (a.type == AttributeType::kInteger || a.type == AttributeType::kNumber ||
                          a.type == AttributeType::kBoolean
                      ? v
                      : YamlScalar(v));
      }
      pfile += "}\n";
    }
  }
  return pfile;
}

// framework.yaml: title, settings and the themes.
std::string FrameworkFile(const Model& model, const CodeMap& map, const std::vector<Attr>& attrs,
                          const std::vector<bool>& var_used) {
  const std::string& input = model.display_name;
  std::string attribution = "Participant";
  for (std::size_t v = 0; v < attrs.size(); ++v)
    if (var_used[v] && attrs[v].type == AttributeType::kCategory) {
      attribution = "{" + attrs[v].name + "}";  // a slug: no YAML or template specials
      break;
    }
  if (!model.attribution.empty()) attribution = model.attribution;
  std::string title = model.title.empty() ? std::string("Imported study") : OneLine(model.title);
  std::string fw = "# Imported from " + input +
                   (model.origin.empty() ? std::string() : " (" + OneLine(model.origin) + ")") +
                   " by 'framework import'; see IMPORT-REPORT.md.\n"
                   "# Top-level codes are themes, their children sub-themes; deeper codes are\n"
                   "# aliases listed under their sub-theme's 'codes:'.\n"
                   "framework: 1\ntitle: " +
                   YamlScalar(title) +
                   "\ntranscripts: transcripts/\nparticipants: participants.yaml\n"
                   "attribution: " +
                   YamlScalar(attribution) + "\n";
  if (!model.description.empty()) fw += "description: " + YamlScalar(model.description) + "\n";
  if (!model.speakers.empty()) {
    fw += "speakers: {";
    for (std::size_t i = 0; i < model.speakers.size(); ++i)
      fw += (i ? ", " : "") + YamlScalar(model.speakers[i].label) + ": " +
            std::string(SpeakerRoleName(model.speakers[i].role));
    fw += "}\n";
  }
  if (model.min_group > 0) fw += "min_group: " + std::to_string(model.min_group) + "\n";
  fw += "themes:\n";
  fw += RenderThemes(map.themes, "  ");
  return fw;
}

// Charts (our own exports carry the summaries).
void AddCharts(const Model& model, const CodeMap& map, ImportResult& result,
               std::vector<ImportedFile>& files) {
  const std::string& input = model.display_name;
  for (const auto& [theme_id, cells] : model.charts) {
    Chart chart;
    chart.theme = theme_id;
    chart.cells = cells;
    std::vector<std::string> order;
    for (const Theme& t : map.themes)
      if (t.id == theme_id)
        for (const Subtheme& sub : t.subthemes) order.push_back(sub.id);
    const std::string path = "charts/" + theme_id + ".yaml";
    if (!IsValidId(theme_id, false)) {
      Report(result, Severity::kWarning, "not-imported", input,
             "summaries of theme '" + theme_id + "' are not imported: not a valid theme id");
      continue;
    }
    files.push_back({path, SerializeChart(chart, order)});
  }
}

// Notes: the project's, and the codebook's (aliases and notes on codes).
void AddNotes(const Model& model, const std::vector<std::string>& codebook_notes,
              std::vector<ImportedFile>& files) {
  std::string project_notes;
  for (const std::string& n : model.project_notes) project_notes += n + "\n\n";
  if (!project_notes.empty())
    files.push_back({"notes/project.md", "# Project notes\n\n" + project_notes});
  if (!codebook_notes.empty()) {
    std::string text =
        "# Codebook notes\n\nCodes below sub-theme level (aliases) and notes on "
        "codes, as imported.\n\n";
    for (const std::string& n : codebook_notes) text += n + "\n";
    files.push_back({"notes/codebook.md", text});
  }
}

// Transcripts at least this large are set aside in a scratch file while the study is checked.
constexpr std::size_t kSetAsideBytes = 4u << 20;

// The study, checked as `framework check` would; its findings go to `result`. Checking reads
// each transcript and parses it, so a large one would be held three times (in `files`, as read,
// and as parsed): each of kSetAsideBytes or more is set aside in an anonymous scratch file
// meanwhile and read back after, so the largest costs about twice its size.
void CheckStudy(std::vector<ImportedFile>& files, ImportResult& result) {
  struct Aside {
    ImportedFile* file;
    std::FILE* scratch;
    std::size_t size;
  };
  std::vector<Aside> aside;
  for (ImportedFile& f : files) {
    if (f.contents.size() < kSetAsideBytes || f.path.rfind("transcripts/", 0) != 0) continue;
    std::FILE* scratch = std::tmpfile();
    if (!scratch) continue;  // no scratch file: checked from memory
    if (std::fwrite(f.contents.data(), 1, f.contents.size(), scratch) != f.contents.size() ||
        std::fflush(scratch) != 0) {
      std::fclose(scratch);
      continue;
    }
    aside.push_back({&f, scratch, f.contents.size()});
  }
  // (Read from `files` through a view, not a second copy; checked as `check` loads: no text.)
  FilesView view(files);
  for (Aside& a : aside) {
    view.SetAside(a.file->path, a.scratch, a.size);
    std::string().swap(a.file->contents);
  }
  LoadOptions load;
  load.keep_text = false;
  load.keep_segments = false;
  Study study = LoadStudy(view, load);
  for (Diagnostic d : study.diagnostics) {
    if (d.rule == "participant-without-transcript") continue;  // reported above, per case
    result.diagnostics.push_back(std::move(d));
  }
  for (Aside& a : aside) {
    if (!FilesView::ReadBack(a.scratch, a.size, &a.file->contents)) {
      Report(result, Severity::kError, "io-error", a.file->path,
             "cannot read the transcript back from its scratch file; it is not imported",
             "free disk space in the temporary folder (TMPDIR) and import again", 0, 0);
      a.file->contents.clear();
    }
    std::fclose(a.scratch);
  }
}

// The report's table of codes: each code's path of names and what it is written as.
void AddCodeRows(const Model& model, const CodeMap& map, std::vector<std::string>& summary) {
  summary.push_back("| code | written as |");
  summary.push_back("|---|---|");
  for (std::size_t i = 0; i < model.codes.size(); ++i) {
    if (map.code_ids[i].empty()) continue;
    // The code's path of names: at most its last six levels, each name at most 80 bytes.
    auto shown = [](const std::string& name) {
      if (name.size() <= 80) return name;
      std::size_t cut = 80;
      while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
      return name.substr(0, cut) + "\xE2\x80\xA6";
    };
    std::string path = shown(model.codes[i].name);
    int levels = 1;
    for (int p = model.codes[i].parent; p >= 0;
         p = model.codes[static_cast<std::size_t>(p)].parent, ++levels) {
      if (levels == 6) {
        path = "\xE2\x80\xA6 > " + path;
        break;
      }
      path = shown(model.codes[static_cast<std::size_t>(p)].name) + " > " + path;
    }
    for (char& c : path)
      if (c == '|' || c == '\n') c = ' ';
    summary.push_back("| " + path + " | `" + map.code_ids[i] + "` |");
  }
}

}  // namespace

void BuildStudy(Model model, ImportResult& result) {
  const std::string& input = model.display_name;
  bool placeholder_theme = false;
  CodeMap map = MapThemes(model, result, placeholder_theme);

  // Participants: one per case, then one per source in no case.
  std::vector<Person> people = PlanPeople(model, result);
  std::vector<std::map<int, std::string>> value_rows;
  for (const Person& p : people) value_rows.push_back(p.values);
  std::vector<Attr> attrs = MapAttributes(model, value_rows, result, input);
  std::vector<bool> var_used(model.variables.size(), false);
  for (const Person& p : people)
    for (const auto& kv : p.values) var_used[static_cast<std::size_t>(kv.first)] = true;

  std::vector<ImportedFile> files;
  std::vector<std::string> codebook_notes = map.deeper_notes;
  for (std::size_t i = 0; i < model.codes.size(); ++i)
    for (const std::string& n : model.codes[i].notes)
      codebook_notes.push_back("- `" + map.code_ids[i] + "` (" + model.codes[i].name + "): " + n);

  // Transcripts.
  std::size_t segments = 0, merged = 0;
  std::vector<std::string> mapping_rows;
  WriteTranscripts(model, people, map, result, files, segments, merged, mapping_rows);

  // The transcripts folder exists even when there is no transcript yet (a codebook alone).
  if (std::none_of(files.begin(), files.end(),
                   [](const ImportedFile& f) { return f.path.rfind("transcripts/", 0) == 0; }))
    files.push_back(
        {"transcripts/README.md", "Put the coded transcripts (.txt) of this study here.\n"});

  // participants.yaml
  files.push_back({"participants.yaml", ParticipantsFile(model, people, attrs, var_used, result)});

  // framework.yaml
  files.push_back({"framework.yaml", FrameworkFile(model, map, attrs, var_used)});

  AddCharts(model, map, result, files);
  AddNotes(model, codebook_notes, files);

  std::size_t aliases = 0, columns = 0;
  for (const Theme& t : map.themes) {
    columns += t.subthemes.size();
    for (const Subtheme& s : t.subthemes) aliases += s.codes.size();
  }
  result.sources = model.sources.size();
  result.participants = people.size();
  result.segments = segments;
  result.codes = 0;
  for (const std::string& id : map.code_ids) result.codes += id.empty() ? 0 : 1;

  // The study, checked as `framework check` would.
  CheckStudy(files, result);

  std::vector<std::string> summary;
  summary.push_back("- Input: `" + input + "` (" + model.kind +
                    (model.origin.empty() ? std::string() : ", origin \"" + model.origin + "\"") +
                    ")");
  summary.push_back("- " + std::to_string(model.sources.size()) + " text source(s) → " +
                    std::to_string(people.size()) + " participant(s)");
  summary.push_back("- " + std::to_string(result.codes) + " code(s) → " +
                    std::to_string(map.themes.size()) + " theme(s), " + std::to_string(columns) +
                    " sub-theme column(s), " + std::to_string(aliases) + " alias(es)" +
                    (placeholder_theme ? " (placeholder theme)" : ""));
  summary.push_back("- " + std::to_string(segments) + " coded segment(s) written; " +
                    std::to_string(merged) + " overlapping selection(s) of one code merged");
  if (!result.offset_rule.empty()) summary.push_back("- Offsets: " + result.offset_rule);
  summary.push_back("");
  summary.push_back("## Codes");
  summary.push_back("");
  AddCodeRows(model, map, summary);
  summary.push_back("");
  summary.push_back("## Participants");
  summary.push_back("");
  summary.push_back("| from | participant | transcript |");
  summary.push_back("|---|---|---|");
  for (std::string row : mapping_rows) summary.push_back(row);
  files.push_back({"IMPORT-REPORT.md", ""});
  std::sort(files.begin(), files.end(),
            [](const ImportedFile& a, const ImportedFile& b) { return a.path < b.path; });
  result.files = std::move(files);
  // The report last, so it lists the check's findings too.
  for (ImportedFile& f : result.files)
    if (f.path == "IMPORT-REPORT.md") f.contents = RenderReport(result, "Import report", summary);
}

std::string RenderReport(const ImportResult& result, const std::string& heading,
                         const std::vector<std::string>& summary) {
  std::string out = "# " + heading + "\n\n";
  for (const std::string& s : summary) out += s + "\n";
  out += "\n## Problems and what was not imported\n\n";
  if (result.diagnostics.empty()) {
    out += "Nothing: everything in the input was imported.\n";
  } else {
    out += "```\n";
    for (const Diagnostic& d : result.diagnostics) out += RenderDiagnostic(d);
    out += "```\n";
  }
  return out;
}

}  // namespace import_model

std::string WriteMergedFramework(const std::string& dir, const ImportResult& result) {
  for (const ImportedFile& f : result.files) {
    if (f.path != "framework.yaml" && f.path != "IMPORT-REPORT.md") continue;
    std::string error = WriteFileAtomically(dir + "/" + f.path, f.contents);
    if (!error.empty()) return error;
  }
  return {};
}

}  // namespace framework
