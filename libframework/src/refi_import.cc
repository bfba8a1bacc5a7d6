// REFI-QDA import: the .qdpx archive, its project.qde and sources, and .qdc codebooks.
#include "framework/refi_import.h"

#include <yaml-cpp/yaml.h>
#include <pugixml.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>

#include "framework/codebook.h"
#include "framework/csv.h"
#include "framework/source_text.h"
#include "framework/text.h"
#include "import_model.h"
#include "zip_reader.h"

namespace framework {
namespace {

using import_model::Report;

std::string Lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// "{ABCD-...}" and "abcd-..." name the same thing.
std::string NormalGuid(std::string_view guid) {
  std::string g(Trim(guid));
  if (g.size() >= 2 && g.front() == '{' && g.back() == '}') g = g.substr(1, g.size() - 2);
  return Lower(g);
}

std::string_view LocalName(const pugi::xml_node& node) {
  std::string_view name = node.name();
  const std::size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node Child(const pugi::xml_node& node, std::string_view name) {
  for (pugi::xml_node c : node.children())
    if (c.type() == pugi::node_element && LocalName(c) == name) return c;
  return {};
}

std::vector<pugi::xml_node> Children(const pugi::xml_node& node, std::string_view name) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node c : node.children())
    if (c.type() == pugi::node_element && LocalName(c) == name) out.push_back(c);
  return out;
}

// An element's text as written (line endings kept: source offsets may count them).
std::string RawText(const pugi::xml_node& node) { return node ? node.child_value() : ""; }

// An element's text for notes and names: CRLF and CR become LF.
std::string Text(const pugi::xml_node& node) {
  std::string raw = RawText(node), out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r') {
      out += '\n';
      if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
    } else {
      out += raw[i];
    }
  }
  return out;
}

// The parsed XML, with positions for diagnostics. The text is owned and parsed in place (no
// second copy of a large project); its line starts are indexed before parsing, and positions
// asked in document order cost the distance from the previous one, not from the line start
// (an XML file is often one long line).
class Xml {
 public:
  Xml(std::string name, std::string text) : name_(std::move(name)), text_(std::move(text)) {}
  Xml(const Xml&) = delete;
  Xml& operator=(const Xml&) = delete;

  // Parses without DTD processing: a DOCTYPE is refused (no entity can be declared or expanded;
  // pugixml expands only the five predefined entities and character references).
  bool Parse(ImportResult& result, const ImportLimits& limits) {
    line_starts_.push_back(0);
    for (std::size_t at = text_.find('\n'); at != std::string::npos; at = text_.find('\n', at + 1))
      line_starts_.push_back(at + 1);
    // The tree's size is bounded before it is built: a few bytes of markup make a node.
    const std::uint64_t markup = static_cast<std::uint64_t>(
        std::count(text_.begin(), text_.end(), '<') + std::count(text_.begin(), text_.end(), '='));
    if (markup > limits.max_xml_markup) {
      Report(result, Severity::kError, "too-large", name_,
             "the XML has " + std::to_string(markup) + " elements and attributes, more than " +
                 std::to_string(limits.max_xml_markup) + ", the limit",
             "a project this large is damaged or hostile (the limit is "
             "ImportLimits::max_xml_markup, see docs/limits.md)",
             1, 1);
      return false;
    }
    const unsigned flags = (pugi::parse_default | pugi::parse_doctype) & ~pugi::parse_eol;
    pugi::xml_parse_result r =
        doc_.load_buffer_inplace(text_.data(), text_.size(), flags, pugi::encoding_auto);
    if (!r) {
      Position p = PositionOf(static_cast<std::size_t>(r.offset));
      Report(result, Severity::kError, "bad-xml", name_,
             std::string("malformed XML: ") + Lower(r.description()),
             "the file is damaged or not a REFI-QDA file; export it again", p.line, p.column);
      return false;
    }
    for (pugi::xml_node n : doc_.children()) {
      if (n.type() == pugi::node_doctype) {
        Position p =
            PositionOf(static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, n.offset_debug())));
        Report(result, Severity::kError, "xml-doctype", name_,
               "a DOCTYPE declaration is not allowed (entities and DTDs are never read)",
               "REFI-QDA files have no DOCTYPE; export the project again", p.line, p.column);
        return false;
      }
    }
    return true;
  }

  Position PositionOf(std::size_t offset) const {
    offset = std::min(offset, text_.size());
    const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    const std::size_t line = static_cast<std::size_t>(it - line_starts_.begin()) - 1;
    std::size_t from = line_starts_[line];
    int column = 1;
    if (line == last_line_ && offset >= last_offset_) {
      from = last_offset_;
      column = last_column_;
    } else if (from == 0 && text_.compare(0, 3, "\xEF\xBB\xBF") == 0 && offset >= 3) {
      from = 3;  // a BOM takes no column
    }
    for (std::size_t i = from; i < offset; ++i)
      if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
    last_line_ = line;
    last_offset_ = offset;
    last_column_ = column;
    return {static_cast<int>(line) + 1, column};
  }
  Position At(const pugi::xml_node& node) const {
    const std::ptrdiff_t off = node.offset_debug();
    return off < 0 ? Position{} : PositionOf(static_cast<std::size_t>(off));
  }
  void Diag(ImportResult& result, Severity severity, std::string rule, const pugi::xml_node& node,
            std::string message, std::string hint = {}) const {
    Position p = At(node);
    Report(result, severity, std::move(rule), name_, std::move(message), std::move(hint), p.line,
           p.column);
  }

  pugi::xml_node Root() const { return doc_.document_element(); }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::string text_;
  std::vector<std::size_t> line_starts_;
  mutable std::size_t last_line_ = static_cast<std::size_t>(-1), last_offset_ = 0;
  mutable int last_column_ = 1;
  pugi::xml_document doc_;
};

// A code tree's elements in document order (parents before children), each with its parent's
// index in that order (-1 for a root), walked without recursion. False (with `*deep` set to the
// first element too deep) when codes nest deeper than `max_depth`.
struct CodeElement {
  pugi::xml_node node;
  int parent = -1;
};
bool WalkCodes(const pugi::xml_node& codes, int max_depth, std::vector<CodeElement>* out,
               pugi::xml_node* deep) {
  struct Frame {
    pugi::xml_node next;  // the next sibling to look at
    int parent;
    int depth;
  };
  std::vector<Frame> stack;
  stack.push_back({codes.first_child(), -1, 1});
  while (!stack.empty()) {
    Frame& f = stack.back();
    pugi::xml_node n = f.next;
    while (n && !(n.type() == pugi::node_element && LocalName(n) == "Code")) n = n.next_sibling();
    if (!n) {
      stack.pop_back();
      continue;
    }
    f.next = n.next_sibling();
    if (f.depth > max_depth) {
      *deep = n;
      return false;
    }
    const int index = static_cast<int>(out->size());
    out->push_back({n, f.parent});
    const int depth = f.depth;
    stack.push_back({n.first_child(), index, depth + 1});
  }
  return true;
}

std::string DepthMessage(int max_depth) {
  return "code nesting deeper than " + std::to_string(max_depth) + " levels";
}
// Sources of a bare .qde that are refused (symbolic links out of its folder) say so with this.
const char* const kOutsideFolder = "outside the project's folder";
const char* const kOutsideHint =
    "copy the file into the project's folder, or give --follow-symlinks if you trust where the "
    "link points";

const char* const kDepthHint =
    "a code tree this deep is damaged or hostile; flatten it in the tool that exported it (the "
    "limit is ImportLimits::max_depth, see docs/limits.md)";

// ---------------------------------------------------------------------------------------------
// Offsets. A source's raw text (BOM stripped) is kept; selections are resolved under one of
// several readings of their numbers, and mapped to byte offsets of the LF-normalised text.

enum class Unit { kUtf16Raw, kCodePointRaw, kCodePointLf, kUtf16Lf, kBytesRaw };
constexpr Unit kUnits[] = {Unit::kCodePointRaw, Unit::kUtf16Raw, Unit::kCodePointLf, Unit::kUtf16Lf,
                           Unit::kBytesRaw};

std::string UnitName(Unit u) {
  switch (u) {
    case Unit::kUtf16Raw:
      return "UTF-16 code units, CRLF counted as 2";
    case Unit::kCodePointRaw:
      return "Unicode code points, CRLF counted as 2 (the standard)";
    case Unit::kCodePointLf:
      return "Unicode code points, CRLF counted as 1";
    case Unit::kUtf16Lf:
      return "UTF-16 code units, CRLF counted as 1";
    case Unit::kBytesRaw:
      return "UTF-8 bytes";
  }
  return "";
}

std::string UnitShort(Unit u) {
  switch (u) {
    case Unit::kUtf16Raw:
    case Unit::kUtf16Lf:
      return "UTF-16 code units";
    case Unit::kBytesRaw:
      return "bytes";
    default:
      return "characters";
  }
}

constexpr long long kOutOfRange = -1;
constexpr long long kInsideCharacter = -2;

// What offsets are resolved against. The source's LF-normalised text lives in the model; the
// raw text is kept beside it only when it differs (it has CRs), so a large source is held once.
struct RawSource {
  std::string raw;            // UTF-8, BOM stripped, line endings as in the file...
  bool lf_only = false;       // ...or empty, when the file has no CR: then it is the text
  std::size_t units[5] = {};  // length in each unit
  const std::string& Raw(const std::string& text) const { return lf_only ? text : raw; }
};

// Splits a file's bytes into `*text` (BOM stripped, LF-normalised) and what offsets need.
RawSource MakeRawSource(std::string raw, std::string* text) {
  RawSource s;
  if (raw.size() >= 3 && raw.compare(0, 3, "\xEF\xBB\xBF") == 0) raw.erase(0, 3);
  const bool has_cr = raw.find('\r') != std::string::npos;
  std::string lf;
  if (has_cr) lf.reserve(raw.size());
  std::size_t u16 = 0, cp = 0, cplf = 0, u16lf = 0;
  for (std::size_t i = 0; i < raw.size();) {
    const unsigned char b = static_cast<unsigned char>(raw[i]);
    const std::size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    if (b == '\r') {
      lf += '\n';
      const bool crlf = i + 1 < raw.size() && raw[i + 1] == '\n';
      u16 += crlf ? 2 : 1;
      cp += crlf ? 2 : 1;
      cplf += 1;
      u16lf += 1;
      i += crlf ? 2 : 1;
      continue;
    }
    if (has_cr) lf.append(raw, i, len);
    u16 += len == 4 ? 2 : 1;
    u16lf += len == 4 ? 2 : 1;
    cp += 1;
    cplf += 1;
    i += len;
  }
  s.units[static_cast<int>(Unit::kUtf16Raw)] = u16;
  s.units[static_cast<int>(Unit::kCodePointRaw)] = cp;
  s.units[static_cast<int>(Unit::kCodePointLf)] = cplf;
  s.units[static_cast<int>(Unit::kUtf16Lf)] = u16lf;
  s.units[static_cast<int>(Unit::kBytesRaw)] = raw.size();
  if (has_cr) {
    s.raw = std::move(raw);
    *text = std::move(lf);
  } else {
    s.lf_only = true;
    *text = std::move(raw);
  }
  return s;
}

// Resolves `offsets` (any order) read in `unit` to byte offsets of `source.text`, or
// kOutOfRange / kInsideCharacter. One pass over the text.
std::vector<long long> Resolve(const std::string& raw, Unit unit,
                               const std::vector<long long>& offsets) {
  std::vector<std::size_t> order(offsets.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return offsets[a] < offsets[b]; });
  std::vector<long long> out(offsets.size(), kOutOfRange);
  std::size_t q = 0;
  long long u = 0;
  std::size_t ob = 0;
  auto settle = [&](long long width, std::size_t next_ob) {
    // Offsets at u resolve to ob; offsets strictly inside (u, u + width) are inside a character
    // (a CRLF's inside resolves to the LF).
    while (q < order.size() && offsets[order[q]] < u) {
      out[order[q]] = kOutOfRange;
      ++q;
    }
    while (q < order.size() && offsets[order[q]] == u) out[order[q++]] = static_cast<long long>(ob);
    while (q < order.size() && offsets[order[q]] < u + width) {
      out[order[q++]] = next_ob == static_cast<std::size_t>(-1) ? kInsideCharacter
                                                                : static_cast<long long>(next_ob);
    }
  };
  for (std::size_t i = 0; i < raw.size();) {
    const unsigned char b = static_cast<unsigned char>(raw[i]);
    std::size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    long long width = 1;
    std::size_t inner = static_cast<std::size_t>(-1);
    if (b == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') {
      len = 2;
      const bool lf_unit = unit == Unit::kCodePointLf || unit == Unit::kUtf16Lf;
      width = lf_unit ? 1 : 2;
      inner = ob;  // between CR and LF: the same place in the normalised text
    } else if (unit == Unit::kBytesRaw) {
      width = static_cast<long long>(len);
    } else if ((unit == Unit::kUtf16Raw || unit == Unit::kUtf16Lf) && len == 4) {
      width = 2;
    }
    settle(width, inner);
    u += width;
    ob += (b == '\r') ? 1 : len;
    i += len;
  }
  settle(1, static_cast<std::size_t>(-1));
  while (q < order.size()) out[order[q++]] = kOutOfRange;
  return out;
}

Unit DefaultUnit(const std::string& origin) {
  const std::string o = Lower(origin);
  if (o.find("nvivo") != std::string::npos) return Unit::kUtf16Raw;
  if (o.find("atlas") != std::string::npos) return Unit::kCodePointLf;
  if (o.find("maxqda") != std::string::npos) return Unit::kCodePointLf;
  if (o.find("qualcoder") != std::string::npos) return Unit::kUtf16Lf;
  return Unit::kCodePointRaw;
}

// ---------------------------------------------------------------------------------------------

struct PendingSelection {
  pugi::xml_node node;
  int source = -1;
  long long start = 0, end = 0;
  std::string name;  // the selection's name: often its text (ATLAS.ti, QualCoder)
  std::vector<int> codes;
  std::vector<std::string> remarks;  // description, coding notes
  bool whole = false;                // a Coding directly under the TextSource
};

class QdeImporter {
 public:
  QdeImporter(const Xml& xml, const FileSystem& sources, ImportResult& result)
      : xml_(xml), sources_(sources), result_(result) {}

  void Run(const ImportOptions& options) {
    pugi::xml_node root = xml_.Root();
    if (!root || LocalName(root) != "Project") {
      xml_.Diag(
          result_, Severity::kError, "not-refi-project", root,
          "the root element is '" + std::string(root ? LocalName(root) : "") + "', not 'Project'",
          "give a REFI-QDA project (.qdpx, or its project.qde)");
      return;
    }
    model_.display_name = display_;
    model_.kind = "REFI-QDA project";
    model_.title = options.title.empty() ? root.attribute("name").value() : options.title;
    model_.origin = root.attribute("origin").value();
    model_.framework_origin = Lower(model_.origin).rfind("framework", 0) == 0;
    CollectNotes(root);
    if (pugi::xml_node d = Child(root, "Description"); !Text(d).empty()) {
      if (model_.framework_origin)
        model_.description = Text(d);
      else
        model_.project_notes.push_back("## Project description\n\n" + Text(d));
    }
    for (pugi::xml_node r : Children(root, "NoteRef")) AttachNote(r, model_.project_notes);
    if (pugi::xml_node users = Child(root, "Users"))
      xml_.Diag(result_, Severity::kNote, "not-imported", users,
                "users (" + std::to_string(Children(users, "User").size()) +
                    "): coder attribution is not kept");
    if (pugi::xml_node codes = Child(Child(root, "CodeBook"), "Codes")) {
      std::vector<CodeElement> tree;
      pugi::xml_node deep;
      if (!WalkCodes(codes, options.limits.max_depth, &tree, &deep)) {
        xml_.Diag(result_, Severity::kError, "too-deep", deep,
                  DepthMessage(options.limits.max_depth), kDepthHint);
        return;
      }
      const int first = static_cast<int>(model_.codes.size());
      for (const CodeElement& e : tree) AddCode(e.node, e.parent < 0 ? -1 : first + e.parent);
    }
    if (pugi::xml_node vars = Child(root, "Variables"))
      for (pugi::xml_node v : Children(vars, "Variable")) {
        import_model::Variable var;
        var.name = v.attribute("name").value();
        var.type = v.attribute("typeOfVariable").value();
        var.description = Text(Child(v, "Description"));
        if (model_.framework_origin) {
          // "description\n\nvalues:\n- a\n- b": a category's values, in order.
          const std::size_t at = var.description.rfind("values:");
          if (at != std::string::npos && (at == 0 || var.description[at - 1] == '\n')) {
            var.has_values = true;
            std::size_t pos = at + 7;
            while (pos < var.description.size()) {
              std::size_t nl = var.description.find('\n', pos);
              if (nl == std::string::npos) nl = var.description.size();
              std::string_view line = std::string_view(var.description).substr(pos, nl - pos);
              if (line.substr(0, 2) == "- ") var.values.emplace_back(line.substr(2));
              pos = nl + 1;
            }
            var.description = std::string(Trim(var.description.substr(0, at)));
          }
        }
        variables_[NormalGuid(v.attribute("guid").value())] =
            static_cast<int>(model_.variables.size());
        model_.variables.push_back(std::move(var));
      }
    // Cases first by guid, so NVivo case nodes can be told from codes.
    if (pugi::xml_node cases = Child(root, "Cases"))
      for (pugi::xml_node c : Children(cases, "Case"))
        case_guids_.insert(NormalGuid(c.attribute("guid").value()));
    for (auto& [guid, index] : codes_)
      if (case_guids_.count(guid)) model_.codes[static_cast<std::size_t>(index)].case_node = true;
    if (pugi::xml_node sources = Child(root, "Sources"))
      for (pugi::xml_node s : sources.children()) {
        if (s.type() != pugi::node_element) continue;
        if (LocalName(s) == "TextSource")
          AddTextSource(s);
        else
          Unmapped(s, "a " + std::string(LocalName(s)) + " '" + s.attribute("name").value() +
                          "' is not text; it and its selections are not imported");
      }
    if (pugi::xml_node cases = Child(root, "Cases"))
      for (pugi::xml_node c : Children(cases, "Case")) AddCase(c);
    if (pugi::xml_node links = Child(root, "Links")) AddLinks(links);
    if (pugi::xml_node sets = Child(root, "Sets"))
      for (pugi::xml_node s : Children(sets, "Set"))
        Unmapped(s, "set '" + std::string(s.attribute("name").value()) + "' (" +
                        std::to_string(Children(s, "MemberCode").size() +
                                       Children(s, "MemberSource").size() +
                                       Children(s, "MemberNote").size()) +
                        " members) is not imported");
    if (pugi::xml_node graphs = Child(root, "Graphs"))
      Unmapped(graphs, "graphs (" + std::to_string(Children(graphs, "Graph").size()) +
                           ") are not imported");
    ResolveSelections();
    for (const auto& [guid, note] : notes_)
      if (!used_notes_.count(guid)) model_.project_notes.push_back(note);
    import_model::BuildStudy(std::move(model_), result_);
    result_.ok = true;
  }

  std::string display_;

 private:
  void Unmapped(const pugi::xml_node& node, const std::string& message) {
    xml_.Diag(result_, Severity::kWarning, "not-imported", node, message);
  }

  void CollectNotes(const pugi::xml_node& root) {
    pugi::xml_node notes = Child(root, "Notes");
    if (!notes) return;
    for (pugi::xml_node n : Children(notes, "Note")) {
      std::string text = Text(Child(n, "PlainTextContent"));
      if (text.empty()) {
        std::string path = n.attribute("plainTextPath").value();
        if (!path.empty()) {
          auto bytes = ReadSourceFile(path, n);
          if (bytes) MakeRawSource(std::move(*bytes), &text);
        }
      }
      std::string description = Text(Child(n, "Description"));
      std::string name = n.attribute("name").value();
      std::string body =
          (name.empty() ? std::string("## Note") : "## " + CollapseWhitespace(name)) + "\n\n" +
          text + (description.empty() ? "" : "\n\n" + description);
      if (model_.framework_origin && ReadChartEntry(description, text)) {
        absorbed_notes_.insert(NormalGuid(n.attribute("guid").value()));
        continue;
      }
      if (model_.framework_origin && name == "Framework settings") {
        ApplySettings(text, n);
        absorbed_notes_.insert(NormalGuid(n.attribute("guid").value()));
        continue;
      }
      notes_[NormalGuid(n.attribute("guid").value())] = body;
      note_texts_[NormalGuid(n.attribute("guid").value())] = text.empty() ? description : text;
    }
  }

  // Our own export's summary notes: the cell's keys as YAML in the Description, the summary as
  // the text. Returns false when `description` is not one.
  bool ReadChartEntry(const std::string& description, const std::string& summary) {
    try {
      YAML::Node d = YAML::Load(description);
      if (!d.IsMap()) return false;
      for (const char* key : {"participant", "theme", "subtheme", "status"})
        if (!d[key] || !d[key].IsScalar()) return false;
      ChartCell cell;
      cell.participant = d["participant"].Scalar();
      cell.subtheme = d["subtheme"].Scalar();
      const std::string status = d["status"].Scalar();
      cell.status = status == "draft"      ? ChartStatus::kDraft
                    : status == "reviewed" ? ChartStatus::kReviewed
                                           : ChartStatus::kCharted;
      cell.summary = summary;
      if (d["comment"] && d["comment"].IsScalar()) cell.comment = d["comment"].Scalar();
      if (d["source"] && d["source"].IsScalar()) cell.source = d["source"].Scalar();
      if (d["updated"] && d["updated"].IsScalar()) cell.updated = d["updated"].Scalar();
      if (d["refs"] && d["refs"].IsSequence())
        for (const auto& r : d["refs"])
          if (r.IsScalar()) cell.refs.push_back(r.Scalar());
      model_.charts[d["theme"].Scalar()].push_back(std::move(cell));
      return true;
    } catch (const YAML::Exception&) {
      return false;
    }
  }

  // Our own export's settings note: title, speakers, attribution, min_group as YAML.
  void ApplySettings(const std::string& yaml, const pugi::xml_node& node) {
    try {
      YAML::Node root = YAML::Load(yaml);
      if (!root.IsMap()) return;
      if (root["title"] && root["title"].IsScalar()) model_.title = root["title"].Scalar();
      if (root["attribution"] && root["attribution"].IsScalar())
        model_.attribution = root["attribution"].Scalar();
      if (root["min_group"] && root["min_group"].IsScalar())
        model_.min_group = std::atoi(root["min_group"].Scalar().c_str());
      if (root["speakers"] && root["speakers"].IsMap())
        for (auto it = root["speakers"].begin(); it != root["speakers"].end(); ++it) {
          if (!it->first.IsScalar() || !it->second.IsScalar()) continue;
          const std::string role = it->second.Scalar();
          Speaker sp;
          sp.label = it->first.Scalar();
          sp.role = role == "interviewer"   ? SpeakerRole::kInterviewer
                    : role == "participant" ? SpeakerRole::kParticipant
                                            : SpeakerRole::kOther;
          model_.speakers.push_back(sp);
        }
    } catch (const YAML::Exception&) {
      xml_.Diag(result_, Severity::kWarning, "bad-settings", node,
                "the 'Framework settings' note is not YAML; the settings are not imported");
    }
  }

  void AttachNote(const pugi::xml_node& ref, std::vector<std::string>& to) {
    std::string guid = NormalGuid(ref.attribute("targetGUID").value());
    if (absorbed_notes_.count(guid)) return;  // written back as settings or a chart
    auto it = notes_.find(guid);
    if (it == notes_.end()) {
      Dangling(ref, "note");
      return;
    }
    used_notes_.insert(guid);
    to.push_back(it->second);
  }

  std::string NoteText(const pugi::xml_node& ref) {
    std::string guid = NormalGuid(ref.attribute("targetGUID").value());
    if (absorbed_notes_.count(guid)) return {};
    auto it = note_texts_.find(guid);
    if (it == note_texts_.end()) {
      Dangling(ref, "note");
      return {};
    }
    used_notes_.insert(guid);
    return it->second;
  }

  void Dangling(const pugi::xml_node& ref, const std::string& what) {
    xml_.Diag(result_, Severity::kError, "dangling-reference", ref,
              "<" + std::string(LocalName(ref)) + "> refers to " + what + " '" +
                  ref.attribute("targetGUID").value() + "', which the project does not have",
              "the exporting tool wrote a reference to nothing; the reference is ignored");
  }

  void AddCode(const pugi::xml_node& node, int parent) {
    import_model::Code code;
    code.name = node.attribute("name").value();
    code.description = Text(Child(node, "Description"));
    code.parent = parent;
    if (model_.framework_origin) import_model::SplitLabel(code);
    for (pugi::xml_node r : Children(node, "NoteRef")) AttachNote(r, code.notes);
    const int index = static_cast<int>(model_.codes.size());
    std::string guid = NormalGuid(node.attribute("guid").value());
    if (!guid.empty() && !codes_.emplace(guid, index).second)
      xml_.Diag(result_, Severity::kWarning, "duplicate-guid", node,
                "code guid '" + guid + "' is used twice; references go to the first");
    model_.codes.push_back(std::move(code));
    if (parent >= 0) model_.codes[static_cast<std::size_t>(parent)].children.push_back(index);
  }

  int FindCode(const pugi::xml_node& ref) {
    auto it = codes_.find(NormalGuid(ref.attribute("targetGUID").value()));
    if (it == codes_.end()) {
      Dangling(ref, "code");
      return -1;
    }
    return it->second;
  }

  std::optional<std::string> ReadSourceFile(const std::string& path, const pugi::xml_node& node) {
    std::string p = path;
    const std::string lower = Lower(p);
    if (lower.rfind("internal://", 0) == 0) {
      p = p.substr(11);
    } else if (lower.rfind("relative://", 0) == 0 || lower.rfind("absolute://", 0) == 0 ||
               lower.rfind("file://", 0) == 0) {
      xml_.Diag(result_, Severity::kError, "external-source", node,
                "source file '" + path + "' is outside the archive; it cannot be imported",
                "export the project with its sources embedded");
      return std::nullopt;
    }
    while (!p.empty() && p.front() == '/') p.erase(0, 1);
    if (!UnsafeEntryName(p).empty()) {
      xml_.Diag(result_, Severity::kError, "unsafe-path", node,
                "source path '" + path + "' is not a plain file name; it is not read");
      return std::nullopt;
    }
    for (const std::string& candidate : {"sources/" + p, "Sources/" + p, p}) {
      ReadResult r = sources_.Read(candidate);
      if (r.ok) return std::move(r.contents);
      if (!r.not_found) {
        xml_.Diag(result_, Severity::kError, "bad-source-file", node,
                  "source file '" + candidate + "' cannot be read: " + r.error,
                  r.error.find(kOutsideFolder) != std::string::npos ? kOutsideHint : "");
        return std::nullopt;
      }
    }
    xml_.Diag(result_, Severity::kError, "missing-source", node,
              "source file '" + path + "' is not in the archive",
              "the source is not imported; its selections are lost");
    return std::nullopt;
  }

  void AddTextSource(const pugi::xml_node& node) {
    import_model::Source src;
    src.name = node.attribute("name").value();
    const std::string guid = NormalGuid(node.attribute("guid").value());
    if (src.name.empty()) src.name = guid;
    std::optional<std::string> bytes;
    if (pugi::xml_node content = Child(node, "PlainTextContent")) {
      bytes = RawText(content);
    } else if (std::string path = node.attribute("plainTextPath").value(); !path.empty()) {
      bytes = ReadSourceFile(path, node);
    } else {
      xml_.Diag(result_, Severity::kError, "missing-source", node,
                "text source '" + src.name + "' has neither plainTextPath nor PlainTextContent",
                "only the plain text of a source can be imported");
    }
    if (!bytes) {
      skipped_sources_.insert(guid);
      return;
    }
    if (!IsValidUtf8(*bytes)) {
      xml_.Diag(result_, Severity::kError, "invalid-utf8", node,
                "the text of source '" + src.name +
                    "' is not valid UTF-8; invalid bytes are "
                    "replaced with U+FFFD",
                "REFI-QDA text files are UTF-8");
      *bytes = SanitizeUtf8(*bytes);
    }
    const int index = static_cast<int>(model_.sources.size());
    sources_by_guid_[guid] = index;
    raw_.push_back(MakeRawSource(std::move(*bytes), &src.text));
    if (std::string d = Text(Child(node, "Description")); !d.empty()) {
      if (model_.framework_origin)
        ReadSourceDescription(d, src);
      else
        src.notes.push_back(d);
    }
    for (pugi::xml_node r : Children(node, "NoteRef")) AttachNote(r, src.notes);
    for (pugi::xml_node v : Children(node, "VariableValue")) AddValue(v, src.values);
    model_.sources.push_back(std::move(src));
    for (pugi::xml_node sel : Children(node, "PlainTextSelection")) {
      PendingSelection p;
      p.node = sel;
      p.source = index;
      p.name = sel.attribute("name").value();
      bool ok = true;
      for (const char* attr : {"startPosition", "endPosition"}) {
        std::string v = sel.attribute(attr).value();
        char* endp = nullptr;
        long long n = std::strtoll(v.c_str(), &endp, 10);
        if (v.empty() || *endp != '\0' || n < 0) {
          xml_.Diag(result_, Severity::kError, "bad-offset", sel,
                    std::string("selection ") + attr + " '" + v + "' is not a number >= 0");
          ok = false;
        }
        (std::string_view(attr) == "startPosition" ? p.start : p.end) = n;
      }
      if (!ok) continue;
      if (std::string d = Text(Child(sel, "Description")); !d.empty()) p.remarks.push_back(d);
      for (pugi::xml_node r : Children(sel, "NoteRef"))
        if (std::string t = NoteText(r); !t.empty()) p.remarks.push_back(t);
      for (pugi::xml_node coding : Children(sel, "Coding")) {
        for (pugi::xml_node r : Children(coding, "NoteRef"))
          if (std::string t = NoteText(r); !t.empty()) p.remarks.push_back(t);
        pugi::xml_node ref = Child(coding, "CodeRef");
        if (!ref) continue;
        int code = FindCode(ref);
        if (code >= 0) p.codes.push_back(code);
      }
      selections_by_guid_[NormalGuid(sel.attribute("guid").value())] = pending_.size();
      pending_.push_back(std::move(p));
    }
    for (pugi::xml_node coding : Children(node, "Coding")) {
      pugi::xml_node ref = Child(coding, "CodeRef");
      if (!ref) continue;
      int code = FindCode(ref);
      if (code < 0) continue;
      PendingSelection p;
      p.node = coding;
      p.source = index;
      p.whole = true;
      p.codes.push_back(code);
      pending_.push_back(std::move(p));
    }
  }

  // Our own export: "... line 1 of this text is line N ... Its front matter:\n---\nYAML\n---".
  static void ReadSourceDescription(const std::string& d, import_model::Source& src) {
    const std::string key = "line 1 of this text is line ";
    const std::size_t at = d.find(key);
    if (at != std::string::npos) src.first_line = std::atoi(d.c_str() + at + key.size());
    const std::size_t open = d.find("\n---\n");
    if (open != std::string::npos) {
      const std::size_t close = d.find("\n---", open + 5);
      if (close != std::string::npos) src.front_matter = d.substr(open + 5, close - open - 4);
    }
    if (src.first_line <= 0 || src.first_line > 1000) src.first_line = 0;
  }

  void AddValue(const pugi::xml_node& v, std::vector<std::pair<int, std::string>>& to) {
    pugi::xml_node ref = Child(v, "VariableRef");
    auto it = variables_.find(NormalGuid(ref.attribute("targetGUID").value()));
    if (it == variables_.end()) {
      Dangling(ref ? ref : v, "variable");
      return;
    }
    for (const char* kind : {"TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue",
                             "DateTimeValue"}) {
      if (pugi::xml_node value = Child(v, kind)) {
        std::string text = std::string(Trim(Text(value)));
        if (std::string_view(kind) == "BooleanValue") {
          if (text == "1") text = "true";
          if (text == "0") text = "false";
          text = Lower(text);
        }
        if (!text.empty()) to.emplace_back(it->second, text);
        return;
      }
    }
  }

  void AddCase(const pugi::xml_node& node) {
    import_model::Case c;
    c.name = node.attribute("name").value();
    const std::string guid = NormalGuid(node.attribute("guid").value());
    std::vector<std::pair<int, std::string>> values;
    for (pugi::xml_node v : Children(node, "VariableValue")) AddValue(v, values);
    std::vector<int> sources;
    std::set<int> in_case;
    for (pugi::xml_node r : Children(node, "SourceRef")) {
      std::string target = NormalGuid(r.attribute("targetGUID").value());
      auto it = sources_by_guid_.find(target);
      if (it != sources_by_guid_.end()) {
        sources.push_back(it->second);
        in_case.insert(it->second);
      } else if (!skipped_sources_.count(target)) {
        Dangling(r, "source");
      }
    }
    for (pugi::xml_node r : Children(node, "SelectionRef")) {
      auto it = selections_by_guid_.find(NormalGuid(r.attribute("targetGUID").value()));
      if (it == selections_by_guid_.end()) {
        Dangling(r, "selection");
        continue;
      }
      const int s = pending_[it->second].source;
      if (in_case.insert(s).second) sources.push_back(s);
      xml_.Diag(result_, Severity::kWarning, "case-selection", r,
                "case '" + c.name +
                    "' holds a selection, not a whole source; its source is "
                    "given to the case as a whole");
    }
    // NVivo: the case is also a node, and codings with it say which sources belong to it.
    auto code_it = codes_.find(guid);
    if (code_it != codes_.end()) {
      if (sources_by_code_.empty())  // once, not per case
        for (const PendingSelection& p : pending_)
          for (int code : p.codes) sources_by_code_[code].push_back(p.source);
      for (int s : sources_by_code_[code_it->second])
        if (in_case.insert(s).second) sources.push_back(s);
    }
    for (pugi::xml_node r : Children(node, "CodeRef"))
      Unmapped(r, "case '" + c.name + "' is coded as a whole; case codes are not imported");
    // MAXQDA and Quirkos: a nameless case with one source holds document variables.
    if (c.name.empty() && sources.size() == 1) {
      auto& src = model_.sources[static_cast<std::size_t>(sources[0])];
      for (auto& v : values) src.values.push_back(v);
      return;
    }
    if (c.name.empty()) c.name = guid;
    if (std::string d = Text(Child(node, "Description")); !d.empty())
      c.notes.push_back("## Case description\n\n" + d);
    c.values = std::move(values);
    const int index = static_cast<int>(model_.cases.size());
    for (int s : sources) {
      auto& src = model_.sources[static_cast<std::size_t>(s)];
      if (src.case_index >= 0) {
        xml_.Diag(result_, Severity::kWarning, "source-in-two-cases", node,
                  "source '" + src.name + "' belongs to case '" +
                      model_.cases[static_cast<std::size_t>(src.case_index)].name + "' and to '" +
                      c.name + "'; it stays with the first");
        continue;
      }
      src.case_index = index;
      c.sources.push_back(s);
    }
    model_.cases.push_back(std::move(c));
  }

  void AddLinks(const pugi::xml_node& links) {
    std::size_t links_to_kept_notes = 0;
    for (pugi::xml_node link : Children(links, "Link")) {
      std::string origin = NormalGuid(link.attribute("originGUID").value());
      std::string target = NormalGuid(link.attribute("targetGUID").value());
      // NVivo annotations: a note linked to a selection.
      auto note = note_texts_.find(origin);
      auto sel = selections_by_guid_.find(target);
      if (note == note_texts_.end()) {
        note = note_texts_.find(target);
        sel = selections_by_guid_.find(origin);
      }
      if (note != note_texts_.end() && sel != selections_by_guid_.end()) {
        pending_[sel->second].remarks.push_back(note->second);
        used_notes_.insert(note->first);
        continue;
      }
      // A link to a note that is kept anyway (our exports link each case to its summaries,
      // which the case's source also refers to) loses nothing.
      if ((note_texts_.count(origin) && used_notes_.count(origin)) ||
          (note_texts_.count(target) && used_notes_.count(target)) ||
          absorbed_notes_.count(origin) || absorbed_notes_.count(target)) {
        ++links_to_kept_notes;
        continue;
      }
      Unmapped(link, "link '" + std::string(link.attribute("name").value()) +
                         "' is not imported (only note-to-selection links are kept, as notes)");
    }
    if (links_to_kept_notes > 0)
      xml_.Diag(
          result_, Severity::kNote, "not-imported", links,
          std::to_string(links_to_kept_notes) +
              " link(s) to notes that are imported anyway (see notes/) are not kept as links");
  }

  // Chooses how offsets are counted, then turns pending selections into model selections.
  void ResolveSelections() {
    std::vector<std::vector<long long>> wanted(model_.sources.size());
    for (const PendingSelection& p : pending_) {
      if (p.whole) continue;
      wanted[static_cast<std::size_t>(p.source)].push_back(p.start);
      wanted[static_cast<std::size_t>(p.source)].push_back(p.end);
    }
    std::size_t total = 0;
    for (const auto& w : wanted) total += w.size();
    const Unit preferred = DefaultUnit(model_.origin);
    struct Score {
      std::size_t invalid = 0, names = 0, named = 0, boundaries = 0, boundaries_unnamed = 0;
    };
    std::map<Unit, std::vector<std::vector<long long>>> resolved;
    std::map<Unit, Score> scores;
    for (Unit unit : kUnits) {
      auto& per_source = resolved[unit];
      per_source.resize(model_.sources.size());
      for (std::size_t s = 0; s < model_.sources.size(); ++s)
        if (!wanted[s].empty())
          per_source[s] = Resolve(raw_[s].Raw(model_.sources[s].text), unit, wanted[s]);
      Score score;
      std::vector<std::size_t> next(model_.sources.size(), 0);
      for (const PendingSelection& p : pending_) {
        if (p.whole) continue;
        auto& r = per_source[static_cast<std::size_t>(p.source)];
        std::size_t& k = next[static_cast<std::size_t>(p.source)];
        const long long b = r[k], e = r[k + 1];
        k += 2;
        if (b < 0 || e < 0 || e < b) {
          ++score.invalid;
          continue;
        }
        const std::string& text = model_.sources[static_cast<std::size_t>(p.source)].text;
        std::string_view piece = std::string_view(text).substr(static_cast<std::size_t>(b),
                                                               static_cast<std::size_t>(e - b));
        auto word = [](unsigned char c) { return c >= 0x80 || std::isalnum(c); };
        const bool boundary =
            (b == 0 || !word(static_cast<unsigned char>(text[static_cast<std::size_t>(b - 1)]))) &&
            (static_cast<std::size_t>(e) >= text.size() ||
             !word(static_cast<unsigned char>(text[static_cast<std::size_t>(e)])));
        if (boundary) ++score.boundaries;
        std::string name = CollapseWhitespace(p.name);
        if (name.empty() || name.rfind("line:", 0) == 0) {
          if (boundary) ++score.boundaries_unnamed;
        } else {
          ++score.named;
          std::string got = CollapseWhitespace(piece);
          bool match = ToNfc(got) == ToNfc(name);
          for (std::string_view ell : {"\xE2\x80\xA6", "..."}) {
            if (!match && name.size() > ell.size() &&
                std::string_view(name).substr(name.size() - ell.size()) == ell) {
              std::string prefix(Trim(std::string_view(name).substr(0, name.size() - ell.size())));
              match = got.rfind(prefix, 0) == 0;
            }
          }
          if (match) ++score.names;
        }
      }
      scores[unit] = score;
    }
    // A selection is plausible under a reading when it is in range and its name matches its
    // text (when it has a usable name) or, without a name, it starts and ends on word
    // boundaries. The origin's reading is kept unless another is clearly more plausible.
    auto plausible = [](const Score& s) { return (s.named ? s.names : 0) + s.boundaries_unnamed; };
    Unit chosen = preferred;
    std::string why = model_.origin.empty() ? "no origin given: the standard's rule"
                                            : "origin '" + model_.origin + "'";
    const Score& pref = scores[preferred];
    const std::size_t selections = total / 2;
    const std::size_t margin = std::max<std::size_t>(1, selections / 20);
    for (Unit unit : kUnits) {
      const Score& s = scores[unit];
      const Score& c = scores[chosen];
      bool better = false;
      if (plausible(s) != plausible(c)) {
        better = plausible(s) > plausible(c) + (chosen == preferred ? margin : 0);
      } else if (s.invalid != c.invalid) {
        better = s.invalid < c.invalid && pref.invalid > 0 && chosen == preferred &&
                 plausible(s) >= plausible(c);
      }
      if (better) {
        chosen = unit;
        why = "the sanity check: " + std::to_string(selections - s.invalid) + " of " +
              std::to_string(selections) + " selections in range" +
              (s.named ? ", " + std::to_string(s.names) + " of " + std::to_string(s.named) +
                             " selection names match their text"
                       : ", " + std::to_string(s.boundaries) + " on word boundaries") +
              "; the origin's rule would give " + std::to_string(pref.invalid) + " out of range" +
              (pref.named ? ", " + std::to_string(pref.names) + " names" : "");
      }
    }
    if (total > 0) {
      const Score& s = scores[chosen];
      result_.offset_rule = UnitName(chosen) + " (" + why + ")";
      if (chosen == preferred)
        result_.offset_rule += "; " + std::to_string(total / 2 - s.invalid) + " of " +
                               std::to_string(total / 2) + " selections in range" +
                               (s.named ? ", " + std::to_string(s.names) + " of " +
                                              std::to_string(s.named) + " names match"
                                        : "");
      Report(result_, Severity::kNote, "offset-rule", xml_.name(),
             "selection offsets read as " + result_.offset_rule);
    }
    std::vector<std::size_t> next(model_.sources.size(), 0);
    auto& per_source = resolved[chosen];
    for (const PendingSelection& p : pending_) {
      auto& src = model_.sources[static_cast<std::size_t>(p.source)];
      long long b = 0, e = static_cast<long long>(src.text.size());
      if (!p.whole) {
        auto& r = per_source[static_cast<std::size_t>(p.source)];
        std::size_t& k = next[static_cast<std::size_t>(p.source)];
        b = r[k];
        e = r[k + 1];
        k += 2;
        const std::string range = std::to_string(p.start) + ".." + std::to_string(p.end);
        const std::string length =
            std::to_string(
                raw_[static_cast<std::size_t>(p.source)].units[static_cast<int>(chosen)]) +
            " " + UnitShort(chosen);
        if (b == kOutOfRange || e == kOutOfRange) {
          xml_.Diag(result_, Severity::kError, "offset-out-of-range", p.node,
                    "selection " + range + " lies beyond the end of source '" + src.name + "' (" +
                        length + ")",
                    "the selection is not imported");
          continue;
        }
        if (b == kInsideCharacter || e == kInsideCharacter) {
          xml_.Diag(result_, Severity::kError, "offset-inside-character", p.node,
                    "selection " + range + " of source '" + src.name + "' " +
                        (chosen == Unit::kUtf16Raw || chosen == Unit::kUtf16Lf
                             ? "falls inside a surrogate pair"
                             : "falls inside a character"),
                    "the selection is not imported");
          continue;
        }
        if (e < b) {
          xml_.Diag(result_, Severity::kError, "bad-offset", p.node,
                    "selection " + range + " ends before it starts", "it is not imported");
          continue;
        }
        if (e == b && !p.codes.empty()) {
          xml_.Diag(result_, Severity::kWarning, "empty-selection", p.node,
                    "selection " + range + " of source '" + src.name + "' is empty",
                    "it is not imported");
          continue;
        }
      }
      for (int code : p.codes) {
        if (model_.codes[static_cast<std::size_t>(code)].case_node) continue;
        src.selections.push_back({static_cast<std::size_t>(b), static_cast<std::size_t>(e), code});
      }
      for (const std::string& remark : p.remarks) {
        import_model::Remark r;
        r.begin = static_cast<std::size_t>(b);
        r.end = static_cast<std::size_t>(e);
        if (!p.codes.empty()) r.code_name = model_.codes[static_cast<std::size_t>(p.codes[0])].name;
        r.text = remark;
        src.remarks.push_back(std::move(r));
      }
    }
  }

  const Xml& xml_;
  const FileSystem& sources_;
  ImportResult& result_;
  import_model::Model model_;
  std::map<std::string, int> codes_;
  std::map<std::string, int> variables_;
  std::map<std::string, int> sources_by_guid_;
  std::set<std::string> skipped_sources_;
  std::set<std::string> case_guids_;
  std::map<std::string, std::string> notes_;       // guid -> "## name\n\ntext"
  std::map<std::string, std::string> note_texts_;  // guid -> text
  std::set<std::string> used_notes_;
  std::set<std::string> absorbed_notes_;  // became settings or charts, not notes
  std::map<std::string, std::size_t> selections_by_guid_;
  std::vector<PendingSelection> pending_;
  std::map<int, std::vector<int>> sources_by_code_;  // code -> sources of its selections
  std::vector<RawSource> raw_;
};

// Source files inside an archive, looked up without case (Sources/ and sources/ both occur).
class ZipSources : public FileSystem {
 public:
  ZipSources(SafeZip& zip, std::string archive, ImportResult& result)
      : zip_(zip), archive_(std::move(archive)), result_(result) {
    for (const auto& e : zip.entries()) by_name_[Lower(e.name)] = &e;
  }
  ReadResult Read(const std::string& path) const override {
    ReadResult r;
    auto it = by_name_.find(Lower(path));
    if (it == by_name_.end()) {
      r.not_found = true;
      r.error = "not found";
      return r;
    }
    std::string error;
    if (!zip_.Read(*it->second, &r.contents, &error)) {
      r.error = error;
      Report(result_, Severity::kError, "unsafe-archive", archive_ + "/" + it->second->name, error,
             zip_.limit_exceeded()
                 ? "nothing is imported from this archive (the limits: docs/limits.md)"
                 : "the entry is not read");
      return r;
    }
    r.ok = true;
    return r;
  }
  bool IsDirectory(const std::string&) const override { return false; }
  bool Exists(const std::string& path) const override { return by_name_.count(Lower(path)) > 0; }
  std::vector<std::string> ListFiles(const std::string&, const std::string&) const override {
    return {};
  }
  std::vector<std::string> Glob(const std::string&) const override { return {}; }

 private:
  SafeZip& zip_;
  std::string archive_;
  ImportResult& result_;
  std::map<std::string, const SafeZip::Entry*> by_name_;
};

std::string BaseName(std::string_view path) {
  const std::size_t slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string Stem(std::string_view path) {
  std::string base = BaseName(path);
  const std::size_t dot = base.rfind('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

ImportResult ImportQdeAs(std::string_view name, const std::string& display, std::string xml_text,
                         const FileSystem& sources, const ImportOptions& options);

ImportResult ImportFromZip(SafeZip& zip, const std::string& archive, const ImportOptions& options) {
  ImportResult result;
  // project.qde at the root, else the one *.qde at the root (ATLAS.ti names it after the project).
  const SafeZip::Entry* qde = nullptr;
  std::vector<const SafeZip::Entry*> candidates;
  for (const auto& e : zip.entries()) {
    if (e.name.find('/') != std::string::npos) continue;
    if (Lower(e.name) == "project.qde") qde = &e;
    if (e.name.size() > 4 && Lower(e.name.substr(e.name.size() - 4)) == ".qde")
      candidates.push_back(&e);
  }
  if (!qde && candidates.size() == 1) qde = candidates[0];
  if (!qde) {
    Report(result, Severity::kError, "no-project-file", archive,
           candidates.empty() ? "the archive has no project.qde"
                              : "the archive has several .qde files and no project.qde",
           "a .qdpx holds project.qde and a sources/ folder; is this a REFI-QDA export?");
    return result;
  }
  std::string xml, error;
  if (!zip.Read(*qde, &xml, &error)) {
    Report(result, Severity::kError, "unsafe-archive", archive + "/" + qde->name, error,
           "the archive is not imported");
    return result;
  }
  ZipSources sources(zip, archive, result);
  const ImportOptions& o = options;
  ImportResult inner =
      ImportQdeAs(archive + "/" + qde->name, BaseName(archive), std::move(xml), sources, o);
  // Diagnostics from reading sources were added to `result` first; keep them first.
  for (auto& d : inner.diagnostics) result.diagnostics.push_back(std::move(d));
  inner.diagnostics = std::move(result.diagnostics);
  if (zip.limit_exceeded()) {  // a bomb or an oversized source: nothing is imported
    inner.ok = false;
    inner.files.clear();
  }
  if (inner.ok) {
    // Rebuild the report so it lists the archive's findings too.
    for (ImportedFile& f : inner.files)
      if (f.path == "IMPORT-REPORT.md") {
        const std::size_t cut = f.contents.find("\n## Problems and what was not imported");
        std::string head = f.contents.substr(0, cut == std::string::npos ? f.contents.size() : cut);
        std::vector<std::string> lines;
        std::size_t start = head.find("\n\n");
        head = start == std::string::npos ? "" : head.substr(start + 2);
        while (!head.empty() && head.back() == '\n') head.pop_back();
        lines.push_back(head);
        f.contents = import_model::RenderReport(inner, "Import report", lines);
      }
  }
  return inner;
}

}  // namespace

namespace {

ImportResult ImportQdeAs(std::string_view name, const std::string& display, std::string xml_text,
                         const FileSystem& sources, const ImportOptions& options) {
  ImportResult result;
  Xml xml{std::string(name), std::move(xml_text)};
  if (!xml.Parse(result, options.limits)) return result;
  QdeImporter importer(xml, sources, result);
  importer.display_ = display;
  importer.Run(options);
  if (!result.ok) result.files.clear();
  return result;
}

}  // namespace

ImportResult ImportQde(std::string_view name, std::string_view xml_text, const FileSystem& sources,
                       const ImportOptions& options) {
  return ImportQdeAs(name, BaseName(name), std::string(xml_text), sources, options);
}

// ---------------------------------------------------------------------------------------------
// The sources of a bare .qde on disk.

SourceFolder::SourceFolder(std::string root, const ImportOptions& options)
    : root_(root.empty() ? std::string(".") : std::move(root)),
      max_bytes_(options.limits.max_entry_bytes),
      follow_symlinks_(options.follow_symlinks) {}

ReadResult SourceFolder::Read(const std::string& path) const {
  namespace fs = std::filesystem;
  ReadResult r;
  std::error_code ec;
  const fs::path full = fs::path(root_) / path;
  if (!fs::exists(fs::symlink_status(full, ec))) {
    r.not_found = true;
    r.error = "no such file";
    return r;
  }
  const fs::path real = fs::canonical(full, ec);
  if (ec) {
    r.error = "it is a symbolic link to nothing";
    return r;
  }
  if (!follow_symlinks_) {
    const fs::path base = fs::canonical(root_, ec);
    bool inside = !ec;
    if (inside) {
      auto b = base.begin(), p = real.begin();
      for (; b != base.end() && p != real.end(); ++b, ++p)
        if (*b != *p) break;
      inside = b == base.end();
    }
    if (!inside) {
      r.error = "it resolves to '" + real.string() + "', " + kOutsideFolder;
      return r;
    }
  }
  // Opened without blocking (a FIFO), then checked to be a regular file, read within the limit.
  const int fd = ::open(real.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    r.error = std::strerror(errno);
    for (char& c : r.error) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
  }
  struct stat st;
  const bool examined = ::fstat(fd, &st) == 0;
  if (!examined || !S_ISREG(st.st_mode)) {
    ::close(fd);
    r.error = !examined                                    ? "cannot be examined"
              : S_ISFIFO(st.st_mode)                       ? "it is not a regular file (a FIFO)"
              : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "it is not a regular file (a device)"
              : S_ISSOCK(st.st_mode)                       ? "it is not a regular file (a socket)"
              : S_ISDIR(st.st_mode)                        ? "it is a folder"
                                                           : "it is not a regular file";
    return r;
  }
  const std::string limit = std::to_string(max_bytes_ >> 20) + " MB";
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes_) {
    ::close(fd);
    r.error = "it is " + std::to_string(st.st_size) + " bytes, more than " + limit +
              ", the limit for one file";
    return r;
  }
  r.contents.reserve(static_cast<std::size_t>(st.st_size));
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      r.error = std::strerror(errno);
      r.contents.clear();
      ::close(fd);
      return r;
    }
    if (n == 0) break;
    if (r.contents.size() + static_cast<std::size_t>(n) > max_bytes_) {
      ::close(fd);
      r.contents = std::string();
      r.error = "it grows beyond " + limit + ", the limit for one file";
      return r;
    }
    r.contents.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  r.ok = true;
  return r;
}

bool SourceFolder::IsDirectory(const std::string& path) const {
  std::error_code ec;
  return std::filesystem::is_directory(std::filesystem::path(root_) / path, ec);
}

bool SourceFolder::Exists(const std::string& path) const {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::path(root_) / path, ec);
}

std::vector<std::string> SourceFolder::ListFiles(const std::string&, const std::string&) const {
  return {};
}

std::vector<std::string> SourceFolder::Glob(const std::string&) const { return {}; }

ImportResult ImportQdpx(std::string_view name, std::string_view bytes,
                        const ImportOptions& options) {
  ImportResult result;
  std::string error;
  auto zip = SafeZip::OpenMemory(bytes, options.limits, &error);
  if (!zip) {
    Report(result, Severity::kError, "bad-archive", std::string(name), error,
           "export the project from its tool again as a REFI-QDA project (.qdpx)");
    return result;
  }
  return ImportFromZip(*zip, std::string(name), options);
}

ImportResult ImportQdpxFile(const std::string& path, const ImportOptions& options) {
  ImportResult result;
  std::string error;
  auto zip = SafeZip::OpenFile(path, options.limits, &error);
  if (!zip) {
    Report(result, Severity::kError, "bad-archive", path, error,
           "export the project from its tool again as a REFI-QDA project (.qdpx)");
    return result;
  }
  return ImportFromZip(*zip, path, options);
}

// ---------------------------------------------------------------------------------------------
// Codebooks (.qdc).

namespace {

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

}  // namespace

ImportResult ImportCodebook(std::string_view name, std::string_view xml_text,
                            const std::string* existing, const ImportOptions& options) {
  ImportResult result;
  Xml xml{std::string(name), std::string(xml_text)};
  if (!xml.Parse(result, options.limits)) return result;
  pugi::xml_node root = xml.Root();
  import_model::Model model;
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
    return result;
  }
  {
    std::vector<CodeElement> tree;
    pugi::xml_node deep;
    if (!WalkCodes(codes, options.limits.max_depth, &tree, &deep)) {
      xml.Diag(result, Severity::kError, "too-deep", deep, DepthMessage(options.limits.max_depth),
               kDepthHint);
      return result;
    }
    for (const CodeElement& e : tree) AddQdcCode(e.node, e.parent, model);
  }
  if (pugi::xml_node sets = Child(root, "Sets"))
    for (pugi::xml_node s : Children(sets, "Set"))
      xml.Diag(result, Severity::kWarning, "not-imported", s,
               "code set '" + std::string(s.attribute("name").value()) + "' is not imported");

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
  struct Insertion {
    std::size_t at;  // 0-based line index to insert before
    std::string text;
  };
  std::vector<Insertion> insertions;
  std::vector<Theme> new_themes;
  std::size_t added_themes = 0, added_subthemes = 0;
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

// ---------------------------------------------------------------------------------------------
// Codings tables (CSV).

namespace {

std::string HeaderKey(std::string_view header) {
  std::string key;
  for (char c : Trim(header)) {
    if (c == ' ' || c == '_' || c == '-' || c == '.') continue;
    key += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return key;
}

enum class Column { kNone, kDocument, kCode, kStart, kEnd, kText };

Column ColumnOf(std::string_view header) {
  static const std::pair<const char*, Column> kAliases[] = {
      {"document", Column::kDocument},
      {"doc", Column::kDocument},
      {"documentname", Column::kDocument},
      {"file", Column::kDocument},
      {"filename", Column::kDocument},
      {"source", Column::kDocument},
      {"sourcename", Column::kDocument},
      {"transcript", Column::kDocument},
      {"code", Column::kCode},
      {"codename", Column::kCode},
      {"codepath", Column::kCode},
      {"tag", Column::kCode},
      {"tagname", Column::kCode},
      {"tagpath", Column::kCode},
      {"node", Column::kCode},
      {"category", Column::kCode},
      {"start", Column::kStart},
      {"begin", Column::kStart},
      {"pos0", Column::kStart},
      {"startposition", Column::kStart},
      {"startpos", Column::kStart},
      {"startchar", Column::kStart},
      {"from", Column::kStart},
      {"offset", Column::kStart},
      {"end", Column::kEnd},
      {"pos1", Column::kEnd},
      {"endposition", Column::kEnd},
      {"endpos", Column::kEnd},
      {"endchar", Column::kEnd},
      {"to", Column::kEnd},
      {"text", Column::kText},
      {"codedtext", Column::kText},
      {"segment", Column::kText},
      {"quote", Column::kText},
      {"quotation", Column::kText},
      {"selection", Column::kText},
      {"selectedtext", Column::kText},
      {"content", Column::kText},
      {"excerpt", Column::kText},
      {"highlight", Column::kText},
      {"seltext", Column::kText},
      {"codedsegment", Column::kText},
  };
  const std::string key = HeaderKey(header);
  for (const auto& [alias, column] : kAliases)
    if (key == alias) return column;
  return Column::kNone;
}

std::vector<std::string> CodePath(std::string_view code) {
  std::vector<std::string> parts;
  std::string current;
  for (std::size_t i = 0; i < code.size();) {
    std::size_t skip = 0;
    if (code.substr(i, 3) == " > ")
      skip = 3;
    else if (code.substr(i, 2) == "::")
      skip = 2;
    else if (code[i] == '\\' || code[i] == '>')
      skip = 1;
    if (skip) {
      if (!Trim(current).empty()) parts.emplace_back(Trim(current));
      current.clear();
      i += skip;
      continue;
    }
    current += code[i++];
  }
  if (!Trim(current).empty()) parts.emplace_back(Trim(current));
  return parts;
}

// Finds coded text in one source, white space compared loosely. The source is flattened once
// (runs of white space to one space, leading ones dropped) with a compact map back to its
// bytes, and a 4-gram filter of the flat text rejects most texts that are not in it without a
// scan. Each distinct text is searched once (glibc memmem: linear in the source), its
// non-overlapping occurrences kept, so the rows that repeat it cost a binary search.
class TextFinder {
 public:
  explicit TextFinder(const std::string& text) : text_(text) {
    flat_.reserve(text.size());
    bool space = false;
    std::size_t delta = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (IsAsciiSpace(text[i])) {
        space = true;
        continue;
      }
      if (space && !flat_.empty()) flat_ += ' ';
      space = false;
      if (i - flat_.size() != delta) {
        delta = i - flat_.size();
        shifts_.emplace_back(flat_.size(), delta);
      }
      flat_ += text[i];
    }
    std::size_t bits = 1u << 16;
    while (bits < 8 * flat_.size() && bits < (std::size_t{1} << 27)) bits <<= 1;
    gram_shift_ = 64;
    for (std::size_t b = bits; b > 1; b >>= 1) --gram_shift_;
    grams_.assign(bits / 64, 0);
    for (std::size_t k = 0; k + 4 <= flat_.size(); ++k) {
      const std::size_t h = Gram(flat_.data() + k);
      grams_[h / 64] |= std::uint64_t{1} << (h % 64);
    }
  }

  // The byte range of `want` (white space collapsed, not empty) in the text: its first
  // occurrence starting at or after byte `from`, else its first; npos when it is not there.
  // `*count`: its non-overlapping occurrences.
  std::pair<std::size_t, std::size_t> Find(const std::string& want, std::size_t from,
                                           std::size_t* count) {
    *count = 0;
    if (!MayContain(want)) return {std::string::npos, 0};
    auto [it, added] = cache_.try_emplace(want);
    Occurrences& occ = it->second;
    if (added) {
      const char* base = flat_.data();
      const char* p =
          static_cast<const char*>(::memmem(base, flat_.size(), want.data(), want.size()));
      while (p) {
        const std::size_t at = static_cast<std::size_t>(p - base);
        ++occ.count;
        occ.last = at;
        if (occ.starts.size() < kKept) occ.starts.push_back(at);
        const std::size_t next = at + want.size();
        p = static_cast<const char*>(
            ::memmem(base + next, flat_.size() - next, want.data(), want.size()));
      }
    }
    *count = occ.count;
    if (occ.count == 0) return {std::string::npos, 0};
    std::size_t at = occ.starts.front();
    auto after = std::lower_bound(occ.starts.begin(), occ.starts.end(), from,
                                  [&](std::size_t k, std::size_t f) { return Origin(k) < f; });
    if (after != occ.starts.end()) {
      at = *after;
    } else if (occ.starts.size() < occ.count && Origin(occ.last) >= from) {
      // Past the occurrences kept: search on from the first flat position at or after `from`.
      std::size_t lo = 0, hi = flat_.size();
      while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (Origin(mid) < from)
          lo = mid + 1;
        else
          hi = mid;
      }
      const char* p = static_cast<const char*>(
          ::memmem(flat_.data() + lo, flat_.size() - lo, want.data(), want.size()));
      if (p) at = static_cast<std::size_t>(p - flat_.data());
    }
    const std::size_t b = Origin(at);
    // The last byte may start a multi-byte character: extend to its end.
    std::size_t end = Origin(at + want.size() - 1) + 1;
    while (end < text_.size() && (static_cast<unsigned char>(text_[end]) & 0xC0) == 0x80) ++end;
    return {b, end};
  }

 private:
  static constexpr std::size_t kKept = 4096;  // occurrences kept per distinct text
  struct Occurrences {
    std::size_t count = 0;
    std::size_t last = 0;
    std::vector<std::size_t> starts;  // the first kKept, in order
  };

  std::size_t Gram(const char* p) const {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return static_cast<std::size_t>((std::uint64_t{v} * 0x9E3779B97F4A7C15ull) >> gram_shift_);
  }
  bool MayContain(const std::string& want) const {
    for (std::size_t k = 0; k + 4 <= want.size(); ++k) {
      const std::size_t h = Gram(want.data() + k);
      if (!(grams_[h / 64] & (std::uint64_t{1} << (h % 64)))) return false;
    }
    return true;
  }
  // The byte of the text that flat position `k` (not a collapsed space) came from.
  std::size_t Origin(std::size_t k) const {
    auto it = std::upper_bound(shifts_.begin(), shifts_.end(), std::make_pair(k, SIZE_MAX));
    return it == shifts_.begin() ? k : k + std::prev(it)->second;
  }

  const std::string& text_;
  std::string flat_;
  std::vector<std::pair<std::size_t, std::size_t>> shifts_;  // (flat position, bytes dropped)
  std::vector<std::uint64_t> grams_;
  int gram_shift_ = 48;
  std::unordered_map<std::string, Occurrences> cache_;
};

}  // namespace

ImportResult ImportCodingsCsv(std::string_view name, std::string_view csv,
                              const FileSystem& transcripts, const std::string& dir,
                              const ImportOptions& options) {
  ImportResult result;
  const std::string file(name);
  // The delimiter: the most frequent of ',', ';' and tab on the header line.
  std::string_view header_line = csv.substr(0, csv.find('\n'));
  char delimiter = ',';
  std::size_t best = std::count(header_line.begin(), header_line.end(), ',');
  for (char d : {';', '\t'}) {
    const std::size_t n = std::count(header_line.begin(), header_line.end(), d);
    if (n > best) {
      best = n;
      delimiter = d;
    }
  }
  Diagnostics csv_diagnostics;
  std::vector<CsvRow> rows = ReadCsv(name, csv, csv_diagnostics, delimiter);
  for (auto& d : csv_diagnostics) result.diagnostics.push_back(std::move(d));
  if (rows.empty()) {
    Report(result, Severity::kError, "bad-csv", file, "the codings table is empty",
           "give a header row (document, code, start, end or text) and a row per coding");
    return result;
  }
  int col[6] = {-1, -1, -1, -1, -1, -1};
  for (std::size_t i = 0; i < rows[0].fields.size(); ++i) {
    Column c = ColumnOf(rows[0].fields[i].value);
    if (c != Column::kNone && col[static_cast<int>(c)] < 0)
      col[static_cast<int>(c)] = static_cast<int>(i);
  }
  const int c_doc = col[static_cast<int>(Column::kDocument)];
  const int c_code = col[static_cast<int>(Column::kCode)];
  const int c_start = col[static_cast<int>(Column::kStart)];
  const int c_end = col[static_cast<int>(Column::kEnd)];
  const int c_text = col[static_cast<int>(Column::kText)];
  if (c_doc < 0 || c_code < 0 || ((c_start < 0 || c_end < 0) && c_text < 0)) {
    std::string missing = c_doc < 0    ? "a document column"
                          : c_code < 0 ? "a code column"
                                       : "start and end columns or a text column";
    Report(result, Severity::kError, "bad-csv", file, "the header has no " + missing,
           "headers understood: document/file/source, code/codename/tag, start/begin/pos0, "
           "end/pos1, text/coded text/segment/quote (see README)",
           1, 1);
    return result;
  }

  import_model::Model model;
  model.display_name = BaseName(name);
  model.kind = "codings table";
  model.title = options.title.empty() ? Stem(name) : options.title;
  // Every transcript in the folder, coded or not.
  std::vector<std::string> paths = transcripts.ListFiles(dir, ".txt");
  std::map<std::string, int> by_key;
  std::vector<std::string> names;
  std::vector<RawSource> raw;
  for (const std::string& path : paths) {
    ReadResult r = transcripts.Read(path);
    if (!r.ok) {
      Report(result, Severity::kError, "io-error", path, "cannot read: " + r.error);
      continue;
    }
    if (!IsValidUtf8(r.contents)) {
      Report(result, Severity::kError, "invalid-utf8", path,
             "not valid UTF-8; invalid bytes are replaced with U+FFFD", "save it as UTF-8");
      r.contents = SanitizeUtf8(r.contents);
    }
    import_model::Source src;
    src.name = BaseName(path);
    raw.push_back(MakeRawSource(std::move(r.contents), &src.text));
    const int index = static_cast<int>(model.sources.size());
    by_key.emplace(Lower(src.name), index);
    by_key.emplace(Lower(Stem(src.name)), index);
    names.push_back(src.name);
    model.sources.push_back(std::move(src));
  }
  if (model.sources.empty()) {
    Report(result, Severity::kError, "no-transcripts", dir, "no .txt transcripts in " + dir,
           "give the folder of plain-text transcripts the codings refer to with --transcripts");
    return result;
  }
  std::map<std::pair<int, std::string>, int> code_by_path;  // (parent, name) -> code
  auto code_index = [&](const std::vector<std::string>& parts) {
    int parent = -1;
    for (const std::string& part : parts) {
      const auto path = std::make_pair(parent, part);
      auto it = code_by_path.find(path);
      if (it != code_by_path.end()) {
        parent = it->second;
        continue;
      }
      import_model::Code c;
      c.name = part;
      c.parent = parent;
      const int index = static_cast<int>(model.codes.size());
      model.codes.push_back(c);
      if (parent >= 0) model.codes[static_cast<std::size_t>(parent)].children.push_back(index);
      code_by_path[path] = index;
      parent = index;
    }
    return parent;
  };
  auto source_of = [&](const std::string& doc) {
    auto it = by_key.find(Lower(doc));
    if (it == by_key.end()) it = by_key.find(Lower(Stem(doc)));
    return it == by_key.end() ? -1 : it->second;
  };
  auto offsets_of = [](const std::string& start_s, const std::string& end_s, long long* s0,
                       long long* s1) {
    if (start_s.empty() || end_s.empty()) return false;
    char* p1 = nullptr;
    char* p2 = nullptr;
    *s0 = std::strtoll(start_s.c_str(), &p1, 10);
    *s1 = std::strtoll(end_s.c_str(), &p2, 10);
    return *p1 == '\0' && *p2 == '\0' && *s0 >= 0 && *s1 >= *s0;
  };
  // Offsets are resolved in one pass over each source per reading, for all its rows at once.
  constexpr Unit kCsvUnits[] = {Unit::kCodePointLf, Unit::kCodePointRaw, Unit::kUtf16Lf,
                                Unit::kUtf16Raw};
  std::vector<std::vector<long long>> wanted(model.sources.size());
  std::vector<long long> slot(rows.size(), -1);  // row -> its start's index in wanted[source]
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const CsvRow& row = rows[r];
    auto field = [&](int c) -> std::string {
      return c >= 0 && static_cast<std::size_t>(c) < row.fields.size()
                 ? std::string(Trim(row.fields[static_cast<std::size_t>(c)].value))
                 : std::string();
    };
    long long s0 = 0, s1 = 0;
    const int source = source_of(field(c_doc));
    if (source < 0 || !offsets_of(field(c_start), field(c_end), &s0, &s1)) continue;
    auto& w = wanted[static_cast<std::size_t>(source)];
    slot[r] = static_cast<long long>(w.size());
    w.push_back(s0);
    w.push_back(s1);
  }
  std::vector<std::array<std::vector<long long>, 4>> resolved(model.sources.size());
  for (std::size_t s = 0; s < model.sources.size(); ++s)
    if (!wanted[s].empty())
      for (std::size_t u = 0; u < 4; ++u)
        resolved[s][u] = Resolve(raw[s].Raw(model.sources[s].text), kCsvUnits[u], wanted[s]);
  std::vector<std::unique_ptr<TextFinder>> finders(model.sources.size());
  std::map<std::string, std::optional<std::string>> guesses;  // unknown document -> hint

  std::map<int, std::size_t> last_end;
  std::size_t by_offsets = 0, by_text = 0;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const CsvRow& row = rows[r];
    auto field = [&](int c) -> std::string {
      return c >= 0 && static_cast<std::size_t>(c) < row.fields.size()
                 ? row.fields[static_cast<std::size_t>(c)].value
                 : std::string();
    };
    auto at = [&](int c) {
      return c >= 0 && static_cast<std::size_t>(c) < row.fields.size()
                 ? row.fields[static_cast<std::size_t>(c)].column
                 : 1;
    };
    const std::string doc(Trim(field(c_doc)));
    const std::string code_text(Trim(field(c_code)));
    if (doc.empty() && code_text.empty()) continue;
    const int source = source_of(doc);
    if (source < 0) {
      auto known = guesses.find(doc);
      if (known == guesses.end()) known = guesses.emplace(doc, Suggest(doc, names)).first;
      const auto& guess = known->second;
      Report(result, Severity::kError, "unknown-document", file,
             "document '" + doc + "' is not among the transcripts in " + dir,
             guess ? "did you mean '" + *guess + "'?" : "the row is not imported", row.line,
             at(c_doc));
      continue;
    }
    std::vector<std::string> parts = CodePath(code_text);
    if (parts.empty()) {
      Report(result, Severity::kError, "bad-code", file, "the code is empty",
             "the row is not imported", row.line, at(c_code));
      continue;
    }
    if (parts.size() > static_cast<std::size_t>(std::max(1, options.limits.max_depth))) {
      Report(result, Severity::kError, "too-deep", file,
             "code nesting deeper than " + std::to_string(options.limits.max_depth) + " levels (" +
                 std::to_string(parts.size()) + ")",
             "the row is not imported; " + std::string(kDepthHint), row.line, at(c_code));
      continue;
    }
    const int code = code_index(parts);
    const std::string text = field(c_text);
    auto& src = model.sources[static_cast<std::size_t>(source)];
    long long b = -1, e = -1;
    std::string start_s(Trim(field(c_start))), end_s(Trim(field(c_end)));
    if (!start_s.empty() && !end_s.empty()) {
      long long s0 = 0, s1 = 0;
      if (!offsets_of(start_s, end_s, &s0, &s1)) {
        if (text.empty()) {
          Report(result, Severity::kError, "bad-offset", file,
                 "start/end '" + start_s + "'/'" + end_s + "' are not a range of characters",
                 "the row is not imported", row.line, at(c_start));
          continue;
        }
      } else {
        // Characters (code points), CRLF as one or two, or UTF-16 units: the first reading whose
        // text matches the coded text, if given.
        const auto k = static_cast<std::size_t>(slot[r]);
        for (std::size_t u = 0; u < 4; ++u) {
          const auto& all = resolved[static_cast<std::size_t>(source)][u];
          const long long res[2] = {all[k], all[k + 1]};
          if (res[0] < 0 || res[1] < 0) continue;
          if (!text.empty() &&
              CollapseWhitespace(std::string_view(src.text).substr(
                  static_cast<std::size_t>(res[0]), static_cast<std::size_t>(res[1] - res[0]))) !=
                  CollapseWhitespace(text))
            continue;
          b = res[0];
          e = res[1];
          break;
        }
        if (b < 0 && text.empty()) {
          Report(result, Severity::kError, "offset-out-of-range", file,
                 "range " + start_s + ".." + end_s + " lies beyond the end of '" + src.name +
                     "' (" +
                     std::to_string(raw[static_cast<std::size_t>(source)]
                                        .units[static_cast<int>(Unit::kCodePointLf)]) +
                     " characters)",
                 "the row is not imported", row.line, at(c_start));
          continue;
        }
        if (b >= 0) ++by_offsets;
      }
    }
    if (b < 0) {
      std::size_t count = 0;
      std::pair<std::size_t, std::size_t> found{std::string::npos, 0};
      const std::string want = CollapseWhitespace(text);
      if (!want.empty()) {
        auto& finder = finders[static_cast<std::size_t>(source)];
        if (!finder) finder = std::make_unique<TextFinder>(src.text);
        found = finder->Find(want, last_end[source], &count);
      }
      if (found.first == std::string::npos) {
        Report(result, Severity::kError, "text-not-found", file,
               "the coded text '" + CollapseWhitespace(text).substr(0, 60) + "' is not in '" +
                   src.name + "'",
               "the row is not imported; check the document and the text", row.line, at(c_text));
        continue;
      }
      if (count > 1)
        Report(result, Severity::kNote, "ambiguous-text", file,
               "the coded text occurs " + std::to_string(count) + " times in '" + src.name +
                   "'; the first after the previous coding is used",
               "", row.line, at(c_text));
      b = static_cast<long long>(found.first);
      e = static_cast<long long>(found.second);
      ++by_text;
    }
    last_end[source] = static_cast<std::size_t>(e);
    src.selections.push_back({static_cast<std::size_t>(b), static_cast<std::size_t>(e), code});
  }
  result.offset_rule = std::to_string(by_offsets) +
                       " coding(s) placed by start/end (Unicode code points; CRLF counted as 1, "
                       "else as 2, else UTF-16 units, the first whose text matches), " +
                       std::to_string(by_text) + " by finding the coded text";
  import_model::BuildStudy(std::move(model), result);
  result.ok = true;
  return result;
}

}  // namespace framework
