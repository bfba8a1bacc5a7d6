// REFI-QDA projects: the .qdpx archive, its project.qde and sources, and a bare .qde with its
// sources on disk.
#include "framework/refi_import.h"

#include <yaml-cpp/yaml.h>
#include <pugixml.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "framework/codebook.h"
#include "framework/text.h"
#include "import_model.h"
#include "import_read.h"
#include "yaml_support.h"
#include "zip_reader.h"

namespace framework {
namespace {

// The hint for an archive refused by a limit: how to lift it, if the archive is genuine.
std::string LimitHint(const std::string& error) {
  if (error.find("zip bomb") != std::string::npos)
    return "nothing is imported from this archive; if it is genuine, allow more expansion with "
           "--max-expansion (e.g. --max-expansion 2000, or 0 for no ratio limit)";
  return "nothing is imported from this archive; raise the limit for one file with "
         "--max-file-size (e.g. --max-file-size 1G; see docs/limits.md)";
}

using import_model::Report;
using import_read::BaseName;
using import_read::Child;
using import_read::Children;
using import_read::CodeElement;
using import_read::DefaultUnit;
using import_read::DepthMessage;
using import_read::kDepthHint;
using import_read::kInsideCharacter;
using import_read::kOutOfRange;
using import_read::kTooManyCodesHint;
using import_read::kUnits;
using import_read::LocalName;
using import_read::Lower;
using import_read::MakeRawSource;
using import_read::NormalGuid;
using import_read::RawSource;
using import_read::RawText;
using import_read::ReplaceNulBytes;
using import_read::Resolve;
using import_read::Text;
using import_read::TooManyCodesMessage;
using import_read::Unit;
using import_read::UnitName;
using import_read::UnitShort;
using import_read::WalkCodes;
using import_read::Xml;

// Sources of a bare .qde that are refused (symbolic links out of its folder) say so with this.
const char* const kOutsideFolder = "outside the project's folder";
const char* const kOutsideHint =
    "copy the file into the project's folder, or give --follow-symlinks if you trust where the "
    "link points";

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
      if (tree.size() > options.limits.max_codes) {
        xml_.Diag(result_, Severity::kError, "too-many-codes", tree[options.limits.max_codes].node,
                  TooManyCodesMessage(tree.size(), options.limits.max_codes), kTooManyCodesHint);
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
      if (!d.IsMap() || yaml::OverExpanded(d, description.size()).IsDefined()) return false;
      for (const char* key : {"participant", "theme", "subtheme", "status"})
        if (!d[key] || !d[key].IsScalar()) return false;
      ChartCell cell;
      cell.participant = d["participant"].Scalar();
      cell.subtheme = d["subtheme"].Scalar();
      const std::string status = d["status"].Scalar();
      cell.status = ParseChartStatus(status).value_or(ChartStatus::kCharted);
      cell.summary = summary;
      if (d["comment"] && d["comment"].IsScalar()) cell.comment = d["comment"].Scalar();
      if (d["source"] && d["source"].IsScalar()) cell.source = d["source"].Scalar();
      if (d["updated"] && d["updated"].IsScalar()) cell.updated = d["updated"].Scalar();
      if (d["refs"] && d["refs"].IsSequence())
        for (const auto& r : d["refs"])
          if (r.IsScalar()) cell.refs.push_back(r.Scalar());
      if (d["at"] && d["at"].IsSequence())
        for (const auto& r : d["at"])
          if (r.IsScalar()) cell.at.push_back(r.Scalar());
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
      if (yaml::OverExpanded(root, yaml.size()).IsDefined()) {
        xml_.Diag(result_, Severity::kWarning, "bad-settings", node,
                  "the 'Framework settings' note's YAML aliases expand it too far; the settings "
                  "are not imported");
        return;
      }
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
    if (ReplaceNulBytes(*bytes))
      xml_.Diag(result_, Severity::kError, "nul-byte", node,
                "the text of source '" + src.name +
                    "' holds a NUL byte (0x00); NUL bytes are replaced with U+FFFD",
                "remove them from the source: tr -d '\\000'");
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
    std::map<Unit, std::vector<std::vector<long long>>> resolved;
    std::map<Unit, Score> scores;
    for (Unit unit : kUnits) scores[unit] = ScoreUnit(unit, wanted, resolved[unit]);
    const Unit chosen = ChooseUnit(scores, total);
    PlaceSelections(chosen, resolved[chosen]);
  }

  // How plausible the selections are under one reading of their offsets.
  struct Score {
    std::size_t invalid = 0, names = 0, named = 0, boundaries = 0, boundaries_unnamed = 0;
  };

  // Resolves each source's `wanted` offsets in `unit` into `per_source`, and scores the reading.
  Score ScoreUnit(Unit unit, const std::vector<std::vector<long long>>& wanted,
                  std::vector<std::vector<long long>>& per_source) {
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
    return score;
  }

  // The reading offsets are read in: the origin's, unless another is clearly more plausible.
  // Says which, and why, in the result's offset rule and a note.
  Unit ChooseUnit(std::map<Unit, Score>& scores, std::size_t total) {
    const Unit preferred = DefaultUnit(model_.origin);
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
    return chosen;
  }

  // Turns the pending selections into model selections and remarks, their offsets read in
  // `chosen` (`per_source`: as ScoreUnit resolved them); those that do not fit are diagnosed.
  void PlaceSelections(Unit chosen, const std::vector<std::vector<long long>>& per_source) {
    std::vector<std::size_t> next(model_.sources.size(), 0);
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
             zip_.limit_exceeded() ? LimitHint(error) : "the entry is not read");
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
      max_bytes_(options.limits.read.max_file_size),
      follow_symlinks_(options.limits.read.follow_symlinks) {}

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

}  // namespace framework
