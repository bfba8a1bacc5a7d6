#include "framework/refi_export.h"

#include <yaml-cpp/yaml.h>
#include <zip.h>
#include <pugixml.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <string_view>

#include "framework/chart.h"
#include "framework/export.h"
#include "framework/matrix.h"
#include "framework/text.h"

namespace framework {

std::string DerivedGuid(const std::string& key) {
  std::string hex = HashHex("guid-a\x1f" + key) + HashHex("guid-b\x1f" + key);
  static const char* kHex = "0123456789abcdef";
  hex[12] = '8';  // version: RFC 9562 "custom" (derived, not random)
  const int variant = (hex[16] >= 'a' ? hex[16] - 'a' + 10 : hex[16] - '0');
  hex[16] = kHex[(variant & 0x3) | 0x8];  // variant: 10xx
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::vector<std::size_t> CodePointOffsets(const std::string& text,
                                          const std::vector<std::size_t>& offsets) {
  std::vector<std::size_t> out;
  out.reserve(offsets.size());
  std::size_t pos = 0, count = 0;
  for (std::size_t target : offsets) {
    target = std::min(target, text.size());
    for (; pos < target; ++pos)
      if ((static_cast<unsigned char>(text[pos]) & 0xC0) != 0x80) ++count;
    out.push_back(count);
  }
  return out;
}

namespace {

// Text safe to put in XML 1.0: valid UTF-8, and no code point XML forbids (C0 controls other
// than tab, LF and CR; U+FFFE, U+FFFF), each replaced by U+FFFD.
std::string XmlText(std::string_view text) {
  std::string s = IsValidUtf8(text) ? std::string(text) : SanitizeUtf8(text);
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      out += "\xEF\xBF\xBD";
    } else if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBF &&
               (static_cast<unsigned char>(s[i + 2]) == 0xBE ||
                static_cast<unsigned char>(s[i + 2]) == 0xBF)) {
      out += "\xEF\xBF\xBD";
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

void SetAttr(pugi::xml_node node, const char* name, std::string_view value) {
  node.append_attribute(name).set_value(XmlText(value).c_str());
}

pugi::xml_node AddText(pugi::xml_node parent, const char* name, std::string_view text) {
  pugi::xml_node node = parent.append_child(name);
  node.append_child(pugi::node_pcdata).set_value(XmlText(text).c_str());
  return node;
}

void AddRef(pugi::xml_node parent, const char* name, const std::string& guid) {
  parent.append_child(name).append_attribute("targetGUID").set_value(guid.c_str());
}

// "Label\n\ndescription": the convention that carries a theme's or sub-theme's label and
// description in one Description (an empty first paragraph when there is no label).
std::string CodeDescription(const std::string& label, const std::string& description) {
  if (description.empty()) return label;
  return label + "\n\n" + description;
}

std::string_view VariableType(AttributeType type) {
  switch (type) {
    case AttributeType::kInteger:
      return "Integer";
    case AttributeType::kNumber:
      return "Float";
    case AttributeType::kBoolean:
      return "Boolean";
    case AttributeType::kDate:
      return "Date";
    case AttributeType::kCategory:
    case AttributeType::kString:
      break;
  }
  return "Text";
}

bool IsXsdInteger(std::string_view v) {
  std::size_t i = (!v.empty() && (v[0] == '+' || v[0] == '-')) ? 1 : 0;
  if (i >= v.size()) return false;
  for (; i < v.size(); ++i)
    if (v[i] < '0' || v[i] > '9') return false;
  return true;
}

bool IsXsdDecimal(std::string_view v) {
  std::size_t i = (!v.empty() && (v[0] == '+' || v[0] == '-')) ? 1 : 0;
  bool digits = false, dot = false;
  for (; i < v.size(); ++i) {
    if (v[i] >= '0' && v[i] <= '9') {
      digits = true;
    } else if (v[i] == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digits;
}

bool IsXsdDate(std::string_view v) {
  if (v.size() != 10 || v[4] != '-' || v[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (v[i] < '0' || v[i] > '9') return false;
  return true;
}

// The value element of an attribute value, typed as its Variable says, or nothing (with the
// reason in *why) when the value has no lexical form the schema accepts.
bool AddTypedValue(pugi::xml_node value_node, const AttributeDef& def, const std::string& value,
                   std::string* why) {
  switch (def.type) {
    case AttributeType::kInteger:
      if (!IsXsdInteger(value)) break;
      AddText(value_node, "IntegerValue", value);
      return true;
    case AttributeType::kNumber: {
      if (IsXsdDecimal(value)) {
        AddText(value_node, "FloatValue", value);
        return true;
      }
      // xsd:decimal has no exponent: write 1e3 as 1000.
      char* end = nullptr;
      const double d = std::strtod(value.c_str(), &end);
      if (value.empty() || !end || *end != '\0' || !std::isfinite(d)) break;
      char buffer[400];
      auto [ptr, ec] = std::to_chars(buffer, buffer + sizeof buffer, d, std::chars_format::fixed);
      if (ec != std::errc()) break;
      AddText(value_node, "FloatValue", std::string(buffer, ptr));
      return true;
    }
    case AttributeType::kBoolean:
      if (value != "true" && value != "false") break;
      AddText(value_node, "BooleanValue", value);
      return true;
    case AttributeType::kDate:
      if (!IsXsdDate(value)) break;
      AddText(value_node, "DateValue", value);
      return true;
    case AttributeType::kCategory:
    case AttributeType::kString:
      AddText(value_node, "TextValue", value);
      return true;
  }
  *why = "'" + value + "' is not a valid " + std::string(AttributeTypeName(def.type));
  return false;
}

// The transcript's display name in other tools: its path under the transcripts folder, without
// the .txt extension ("P07", "site-a/P07").
std::string SourceName(const Study& study, const Transcript& t) {
  std::string name = t.path;
  std::string dir = study.framework.transcripts;
  if (!dir.empty() && dir.back() != '/') dir += '/';
  if (!dir.empty() && dir.find_first_of("*?[") == std::string::npos &&
      name.compare(0, dir.size(), dir) == 0)
    name = name.substr(dir.size());
  else if (auto slash = name.rfind('/'); slash != std::string::npos)
    name = name.substr(slash + 1);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".txt") == 0)
    name.resize(name.size() - 4);
  return name;
}

// The first line of the transcript file that `text` begins with (front matter counted).
int FirstBodyLine(const Transcript& t) {
  const auto newlines = static_cast<int>(std::count(t.text.begin(), t.text.end(), '\n'));
  int first = t.line_count - newlines + (!t.text.empty() && t.text.back() == '\n' ? 1 : 0);
  return std::max(first, 1);
}

// The TextSource's Description: where the text comes from, then the transcript's own front
// matter (participant and date when it gave them, the speakers it declares beyond the study's,
// its other keys) between `---` lines, so the transcript can be written back whole.
std::string SourceDescription(const Framework& f, const Transcript& t) {
  YAML::Emitter e;
  e << YAML::BeginMap;
  if (t.participant_from_front_matter)
    e << YAML::Key << "participant" << YAML::Value << YAML::DoubleQuoted << t.participant;
  if (!t.date.empty()) e << YAML::Key << "date" << YAML::Value << YAML::DoubleQuoted << t.date;
  std::vector<const Speaker*> own;
  for (const Speaker& s : t.speakers) {
    if (s.label == t.participant && s.role == SpeakerRole::kParticipant) continue;
    const bool from_study =
        std::any_of(f.speakers.begin(), f.speakers.end(),
                    [&](const Speaker& x) { return x.label == s.label && x.role == s.role; });
    if (!from_study) own.push_back(&s);
  }
  if (!own.empty()) {
    e << YAML::Key << "speakers" << YAML::Value << YAML::Flow << YAML::BeginMap;
    for (const Speaker* s : own)
      e << YAML::Key << s->label << YAML::Value << std::string(SpeakerRoleName(s->role));
    e << YAML::EndMap;
  }
  for (const auto& [key, value] : t.metadata)
    e << YAML::Key << key << YAML::Value << YAML::DoubleQuoted << value;
  e << YAML::EndMap;
  std::string out = "Transcript " + t.path + "; line 1 of this text is line " +
                    std::to_string(FirstBodyLine(t)) +
                    " of the file (line references in chart summaries count the file's lines).";
  const std::string yaml = e.good() ? e.c_str() : "";
  if (!yaml.empty() && yaml != "{}") out += " Its front matter:\n---\n" + yaml + "\n---";
  return out;
}

// The study's settings that belong to no theme, participant or transcript, as framework.yaml
// writes them, for a project-level note.
std::string SettingsYaml(const Framework& f) {
  YAML::Emitter e;
  e << YAML::BeginMap;
  e << YAML::Key << "title" << YAML::Value << YAML::DoubleQuoted << f.title;
  if (!f.speakers.empty()) {
    e << YAML::Key << "speakers" << YAML::Value << YAML::Flow << YAML::BeginMap;
    for (const Speaker& s : f.speakers)
      e << YAML::Key << s.label << YAML::Value << std::string(SpeakerRoleName(s.role));
    e << YAML::EndMap;
  }
  e << YAML::Key << "attribution" << YAML::Value << YAML::DoubleQuoted << f.attribution;
  e << YAML::Key << "min_group" << YAML::Value << f.min_group;
  e << YAML::EndMap;
  return std::string(e.good() ? e.c_str() : "") + "\n";
}

// A transcript's source text: the parsed text with the speaker label put back where each turn
// begins. `Shift` maps a byte offset of `t.text` to one of the source text.
struct PlainSource {
  std::string text;
  std::vector<std::size_t> at;     // offsets of `t.text` where a label was inserted, ascending
  std::vector<std::size_t> total;  // bytes inserted up to and including each of them

  std::size_t Shift(std::size_t offset) const {
    // A label stands before whatever begins at its turn's offset (a tag right after "P07:").
    auto it = std::upper_bound(at.begin(), at.end(), offset);
    return it == at.begin() ? offset
                            : offset + total[static_cast<std::size_t>(it - at.begin()) - 1];
  }
};

PlainSource MakePlainSource(const Transcript& t) {
  PlainSource out;
  out.text.reserve(t.text.size() + t.turns.size() * 8);
  std::size_t pos = 0;
  for (const Turn& turn : t.turns) {
    if (turn.speaker < 0 || static_cast<std::size_t>(turn.speaker) >= t.speakers.size()) continue;
    const std::size_t at = std::min<std::size_t>(turn.text_begin, t.text.size());
    if (at < pos) continue;
    out.text.append(t.text, pos, at - pos);
    const std::string label = t.speakers[static_cast<std::size_t>(turn.speaker)].label + ":";
    out.text += label;
    out.at.push_back(at);
    out.total.push_back((out.total.empty() ? 0 : out.total.back()) + label.size());
    pos = at;
  }
  out.text.append(t.text, pos, std::string::npos);
  return out;
}

// What the record of one chart entry says in the matrix note: its summary, else a count.
std::string CellLine(const Subtheme* subtheme, const std::string& subtheme_id,
                     const MatrixCell* cell, const ChartCell* chart) {
  std::string heading = subtheme && !subtheme->label.empty()
                            ? subtheme->label + " (" + subtheme_id + ")"
                            : subtheme_id;
  std::string line = "  " + heading;
  if (chart && !chart->summary.empty()) {
    line += " [" + std::string(ChartStatusName(chart->status));
    if (cell && cell->stale()) line += ", stale";
    line += "]: " + CollapseWhitespace(chart->summary);
  } else if (cell && cell->has_data()) {
    const std::size_t n = cell->segments.size();
    line += ": not charted (" + std::to_string(n) + (n == 1 ? " excerpt)" : " excerpts)");
  } else {
    return {};
  }
  return line;
}

std::string MatrixRecord(const Theme& theme, const Matrix& m) {
  std::string out =
      "Matrix: " + (theme.label.empty() ? theme.id : theme.label) + " (" + theme.id + ")\n";
  out +=
      "Rows are participants, columns sub-themes. Each entry holds the chart summary, or the "
      "number of coded excerpts when the cell is not charted yet. Line references (L12-14) count "
      "the lines of the transcript files.\n";
  for (std::size_t r = 0; r < m.participants.size(); ++r) {
    std::string rows;
    for (std::size_t c = 0; c < m.subthemes.size() && c < m.cells[r].size(); ++c) {
      const MatrixCell& cell = m.cells[r][c];
      const Subtheme* sub = c < theme.subthemes.size() ? &theme.subthemes[c] : nullptr;
      std::string line = CellLine(sub, m.subthemes[c], &cell, cell.chart ? &*cell.chart : nullptr);
      if (!line.empty()) rows += line + "\n";
    }
    out += "\n" + m.participants[r] + "\n" + (rows.empty() ? "  (no data)\n" : rows);
  }
  if (!m.orphans.empty()) {
    out += "\nChart entries whose participant or sub-theme is no longer in the study:\n";
    for (const ChartCell& c : m.orphans)
      out += "  " + c.participant + ", " + c.subtheme + ": " + CollapseWhitespace(c.summary) + "\n";
  }
  return out;
}

// A chart entry's fields besides its summary, as YAML, for its Note's Description: everything
// a chart file holds for it, so the entry can be written back whole.
std::string ChartEntryDescription(const std::string& theme, const ChartCell& c, bool stale) {
  YAML::Emitter e;
  e << YAML::BeginMap;
  e << YAML::Key << "participant" << YAML::Value << YAML::DoubleQuoted << c.participant;
  e << YAML::Key << "theme" << YAML::Value << YAML::DoubleQuoted << theme;
  e << YAML::Key << "subtheme" << YAML::Value << YAML::DoubleQuoted << c.subtheme;
  e << YAML::Key << "status" << YAML::Value << std::string(ChartStatusName(c.status));
  if (stale) e << YAML::Key << "stale" << YAML::Value << true;
  if (!c.refs.empty()) {
    e << YAML::Key << "refs" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const std::string& r : c.refs) e << r;
    e << YAML::EndSeq;
  }
  if (!c.source.empty())
    e << YAML::Key << "source" << YAML::Value << YAML::DoubleQuoted << c.source;
  if (!c.at.empty()) {
    e << YAML::Key << "at" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const std::string& r : c.at) e << r;
    e << YAML::EndSeq;
  }
  if (!c.updated.empty())
    e << YAML::Key << "updated" << YAML::Value << YAML::DoubleQuoted << c.updated;
  if (!c.comment.empty())
    e << YAML::Key << "comment" << YAML::Value << YAML::DoubleQuoted << c.comment;
  e << YAML::EndMap;
  return e.good() ? e.c_str() : "";
}

// GUIDs derived from the study's title, each made once: a study with errors may repeat an id
// (two themes, two cells), and a repeated key gets a numbered variant, so GUIDs stay unique.
class FreshGuids {
 public:
  explicit FreshGuids(std::string title) : title_(std::move(title)) {}
  std::string operator()(const std::string& kind, const std::string& id) {
    std::string g = Guid(kind, id);
    for (int n = 2; !used_.insert(g).second; ++n) g = Guid(kind, id + "\x1f" + std::to_string(n));
    return g;
  }

 private:
  std::string Guid(const std::string& kind, const std::string& id) const {
    return DerivedGuid(title_ + "\x1f" + kind + "\x1f" + id);
  }
  std::string title_;
  std::set<std::string> used_;
};

// A Note to write: chart entries, matrix records and the settings.
struct NoteOut {
  std::string guid, name, description, content;
};

// The document's declaration and its Project element, with the one user.
pugi::xml_node AddProject(pugi::xml_document& doc, const std::string& title,
                          const RefiExportOptions& options, const std::string& user) {
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version").set_value("1.0");
  decl.append_attribute("encoding").set_value("utf-8");
  pugi::xml_node project = doc.append_child("Project");
  project.append_attribute("xmlns").set_value("urn:QDA-XML:project:1.0");
  SetAttr(project, "name", title);
  SetAttr(project, "origin", options.origin);
  project.append_attribute("creatingUserGUID").set_value(user.c_str());

  pugi::xml_node user_node = project.append_child("Users").append_child("User");
  user_node.append_attribute("guid").set_value(user.c_str());
  user_node.append_attribute("name").set_value("framework");
  return project;
}

// GUIDs of the code tree; a code as written resolves as the CodeIndex does (first wins).
void MakeCodeGuids(const Framework& f, FreshGuids& fresh, std::vector<std::string>& theme_guids,
                   std::vector<std::vector<std::string>>& subtheme_guids,
                   std::vector<std::vector<std::vector<std::string>>>& alias_guids,
                   std::map<std::string, std::string>& code_guid) {
  for (const Theme& t : f.themes) {
    theme_guids.push_back(fresh("theme", t.id));
    subtheme_guids.emplace_back();
    alias_guids.emplace_back();
    for (const Subtheme& s : t.subthemes) {
      subtheme_guids.back().push_back(fresh("code", t.id + "." + s.id));
      code_guid.emplace(t.id + "." + s.id, subtheme_guids.back().back());
      alias_guids.back().emplace_back();
      for (const std::string& alias : s.codes) {
        alias_guids.back().back().push_back(fresh("code", alias));
        code_guid.emplace(alias, alias_guids.back().back().back());
      }
    }
  }
}

// Participants (declared, or with a transcript), in natural order, each once.
std::vector<std::string> ParticipantIds(const Study& study) {
  std::vector<std::string> ids;
  for (const Participant& p : study.participants.participants) ids.push_back(p.id);
  for (const Transcript& t : study.transcripts)
    if (!t.participant.empty()) ids.push_back(t.participant);
  std::sort(ids.begin(), ids.end(),
            [](const std::string& a, const std::string& b) { return NaturalLess(a, b); });
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// Per theme, its matrix record, then its chart entries by participant (natural order), then
// sub-theme; each referenced from its code (`notes_of_code`) and its participant.
void AddChartNotes(const Framework& f, const std::vector<Matrix>& matrices,
                   const std::vector<std::string>& theme_guids,
                   const std::vector<std::vector<std::string>>& subtheme_guids, FreshGuids& fresh,
                   std::vector<NoteOut>& notes,
                   std::map<std::string, std::vector<std::string>>& notes_of_code,
                   std::map<std::string, std::vector<std::string>>& notes_of_participant) {
  for (std::size_t i = 0; i < matrices.size(); ++i) {
    const Matrix& m = matrices[i];
    const Theme& theme = f.themes[i];
    const std::string& theme_code = theme_guids[i];
    NoteOut record{
        fresh("matrix", theme.id), "Matrix: " + (theme.label.empty() ? theme.id : theme.label),
        "The Framework matrix of theme '" + theme.id + "' as plain text.", MatrixRecord(theme, m)};
    notes_of_code[theme_code].push_back(record.guid);
    notes.push_back(std::move(record));

    auto add_entry = [&](const ChartCell& c, bool stale, const std::string& code) {
      if (Trim(c.summary).empty() && Trim(c.comment).empty()) return;
      NoteOut n{fresh("summary", theme.id + "\x1f" + c.participant + "\x1f" + c.subtheme),
                c.participant + " × " + theme.id + "." + c.subtheme,
                ChartEntryDescription(theme.id, c, stale), c.summary};
      notes_of_code[code].push_back(n.guid);
      notes_of_participant[c.participant].push_back(n.guid);
      notes.push_back(std::move(n));
    };
    for (std::size_t r = 0; r < m.participants.size(); ++r)
      for (std::size_t c = 0; c < m.subthemes.size() && c < m.cells[r].size(); ++c) {
        const MatrixCell& cell = m.cells[r][c];
        if (!cell.chart) continue;
        add_entry(*cell.chart, cell.stale(), subtheme_guids[i][c]);
      }
    // Entries whose participant or sub-theme is gone: kept, as notes on the theme.
    for (const ChartCell& c : m.orphans) add_entry(c, false, theme_code);
  }
}

// The code tree: theme > sub-theme > alias.
void AddCodeBook(pugi::xml_node project, const Framework& f,
                 const std::vector<std::string>& theme_guids,
                 const std::vector<std::vector<std::string>>& subtheme_guids,
                 const std::vector<std::vector<std::vector<std::string>>>& alias_guids,
                 const std::map<std::string, std::vector<std::string>>& notes_of_code,
                 RefiProject& result) {
  if (!f.themes.empty()) {
    pugi::xml_node codes = project.append_child("CodeBook").append_child("Codes");
    auto add_notes = [&](pugi::xml_node node, const std::string& code) {
      auto it = notes_of_code.find(code);
      if (it == notes_of_code.end()) return;
      for (const std::string& n : it->second) AddRef(node, "NoteRef", n);
    };
    for (std::size_t ti = 0; ti < f.themes.size(); ++ti) {
      const Theme& t = f.themes[ti];
      pugi::xml_node tn = codes.append_child("Code");
      tn.append_attribute("guid").set_value(theme_guids[ti].c_str());
      SetAttr(tn, "name", t.id);
      tn.append_attribute("isCodable").set_value("false");
      std::string d = CodeDescription(t.label, t.description);
      if (!d.empty()) AddText(tn, "Description", d);
      add_notes(tn, theme_guids[ti]);
      ++result.codes;
      for (std::size_t si = 0; si < t.subthemes.size(); ++si) {
        const Subtheme& s = t.subthemes[si];
        pugi::xml_node sn = tn.append_child("Code");
        sn.append_attribute("guid").set_value(subtheme_guids[ti][si].c_str());
        SetAttr(sn, "name", s.id);
        sn.append_attribute("isCodable").set_value("true");
        d = CodeDescription(s.label, s.description);
        if (!d.empty()) AddText(sn, "Description", d);
        add_notes(sn, subtheme_guids[ti][si]);
        ++result.codes;
        for (std::size_t ai = 0; ai < s.codes.size(); ++ai) {
          pugi::xml_node an = sn.append_child("Code");
          an.append_attribute("guid").set_value(alias_guids[ti][si][ai].c_str());
          SetAttr(an, "name", s.codes[ai]);
          an.append_attribute("isCodable").set_value("true");
          AddText(an, "Description", "An alias of " + t.id + "." + s.id + ".");
          ++result.codes;
        }
      }
    }
  }
}

// Variables: one per declared attribute.
void AddVariables(pugi::xml_node project, const std::vector<AttributeDef>& defs,
                  const std::vector<std::string>& variable_guids) {
  if (!defs.empty()) {
    pugi::xml_node vars = project.append_child("Variables");
    for (std::size_t a = 0; a < defs.size(); ++a) {
      const AttributeDef& def = defs[a];
      pugi::xml_node v = vars.append_child("Variable");
      v.append_attribute("guid").set_value(variable_guids[a].c_str());
      SetAttr(v, "name", def.name);
      v.append_attribute("typeOfVariable").set_value(std::string(VariableType(def.type)).c_str());
      std::string d = def.description;
      if (def.type == AttributeType::kCategory) {
        if (!d.empty()) d += "\n\n";
        d += "values:";
        for (const std::string& value : def.values) d += "\n- " + value;
      }
      if (!d.empty()) AddText(v, "Description", d);
    }
  }
}

// Which transcripts make it into the project (valid UTF-8 only: a source must be UTF-8).
std::vector<const Transcript*> ExportedTranscripts(const Study& study, RefiProject& result) {
  std::vector<const Transcript*> transcripts;
  for (const Transcript& t : study.transcripts) {
    if (!IsValidUtf8(t.text)) {
      result.skipped.push_back(t.path +
                               ": not valid UTF-8, so not exported (fix it: 'framework "
                               "check' shows where)");
      continue;
    }
    transcripts.push_back(&t);
  }
  return transcripts;
}

// Cases: every participant, each with its attribute values and sources.
void AddCases(pugi::xml_node project, const Study& study, const std::vector<std::string>& ids,
              std::map<std::string, std::string>& case_guid,
              const std::vector<std::string>& variable_guids,
              const std::vector<const Transcript*>& transcripts,
              std::map<const Transcript*, std::string>& source_guids, RefiProject& result) {
  const std::vector<AttributeDef>& defs = study.participants.attributes;
  if (!ids.empty()) {
    pugi::xml_node cases = project.append_child("Cases");
    for (const std::string& id : ids) {
      pugi::xml_node c = cases.append_child("Case");
      c.append_attribute("guid").set_value(case_guid[id].c_str());
      SetAttr(c, "name", id);
      const int p = study.participants.Find(id);
      if (p >= 0) {
        const Participant& row = study.participants.participants[static_cast<std::size_t>(p)];
        for (std::size_t a = 0; a < defs.size() && a < row.values.size(); ++a) {
          if (!row.values[a]) continue;
          pugi::xml_node vv = c.append_child("VariableValue");
          AddRef(vv, "VariableRef", variable_guids[a]);
          std::string why;
          if (!AddTypedValue(vv, defs[a], *row.values[a], &why)) {
            result.skipped.push_back("participant " + id + ", attribute " + defs[a].name + ": " +
                                     why + "; exported without a value");
          }
        }
      }
      for (const Transcript* t : transcripts)
        if (t->participant == id) AddRef(c, "SourceRef", source_guids[t]);
      ++result.cases;
    }
  }
}

// Sources: one TextSource per transcript, a PlainTextSelection per segment.
void AddSources(pugi::xml_node project, const Study& study,
                const std::vector<const Transcript*>& transcripts,
                std::map<const Transcript*, std::string>& source_guids,
                const std::map<std::string, std::string>& code_guid,
                const std::map<std::string, std::vector<std::string>>& notes_of_participant,
                const std::string& user, FreshGuids& fresh, RefiProject& result) {
  const Framework& f = study.framework;
  if (!transcripts.empty()) {
    pugi::xml_node sources = project.append_child("Sources");
    for (const Transcript* tp : transcripts) {
      const Transcript& t = *tp;
      const std::string sg = source_guids[&t];
      PlainSource src = MakePlainSource(t);

      std::vector<std::size_t> offsets;
      offsets.reserve(t.segments.size() * 2);
      for (const Segment& s : t.segments) {
        offsets.push_back(src.Shift(s.text_begin));
        offsets.push_back(src.Shift(s.text_end));
      }
      std::vector<std::size_t> sorted = offsets;
      std::sort(sorted.begin(), sorted.end());
      sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
      const std::vector<std::size_t> points = CodePointOffsets(src.text, sorted);
      auto position = [&](std::size_t byte) {
        auto it = std::lower_bound(sorted.begin(), sorted.end(), byte);
        return points[static_cast<std::size_t>(it - sorted.begin())];
      };

      pugi::xml_node ts = sources.append_child("TextSource");
      ts.append_attribute("guid").set_value(sg.c_str());
      SetAttr(ts, "name", SourceName(study, t));
      ts.append_attribute("plainTextPath").set_value(("internal://" + sg + ".txt").c_str());
      ts.append_attribute("creatingUser").set_value(user.c_str());
      AddText(ts, "Description", SourceDescription(f, t));

      for (std::size_t i = 0; i < t.segments.size(); ++i) {
        const Segment& s = t.segments[i];
        auto code = code_guid.find(s.code);
        if (code == code_guid.end() || !s.target.valid()) {
          result.skipped.push_back(t.path + ":" + std::to_string(s.line_start) + ": segment '" +
                                   s.code +
                                   "' indexes into no column of the framework, so it is not "
                                   "exported");
          continue;
        }
        const std::string key = t.path + "\x1f" + std::to_string(i);
        pugi::xml_node sel = ts.append_child("PlainTextSelection");
        sel.append_attribute("guid").set_value(fresh("selection", key).c_str());
        SetAttr(sel, "name", t.SegmentText(s));
        sel.append_attribute("startPosition").set_value(position(offsets[2 * i]));
        sel.append_attribute("endPosition").set_value(position(offsets[2 * i + 1]));
        sel.append_attribute("creatingUser").set_value(user.c_str());
        pugi::xml_node coding = sel.append_child("Coding");
        coding.append_attribute("guid").set_value(fresh("coding", key).c_str());
        coding.append_attribute("creatingUser").set_value(user.c_str());
        AddRef(coding, "CodeRef", code->second);
        ++result.selections;
      }
      if (auto it = notes_of_participant.find(t.participant); it != notes_of_participant.end())
        for (const std::string& n : it->second) AddRef(ts, "NoteRef", n);

      result.sources.emplace_back("sources/" + sg + ".txt", std::move(src.text));
    }
  }
}

// The Notes, in the order they were collected.
void AddNotes(pugi::xml_node project, const std::vector<NoteOut>& notes, const std::string& user,
              RefiProject& result) {
  if (!notes.empty()) {
    pugi::xml_node notes_node = project.append_child("Notes");
    for (const NoteOut& n : notes) {
      pugi::xml_node note = notes_node.append_child("Note");
      note.append_attribute("guid").set_value(n.guid.c_str());
      SetAttr(note, "name", n.name);
      note.append_attribute("creatingUser").set_value(user.c_str());
      AddText(note, "Description", n.description);
      AddText(note, "PlainTextContent", n.content);
      ++result.notes;
    }
  }
}

// Links from each case to its summaries, so an importer can tell whose they are (a Case has
// no NoteRef in the schema).
void AddLinks(pugi::xml_node project, const std::vector<std::string>& ids,
              const std::map<std::string, std::vector<std::string>>& notes_of_participant,
              std::map<std::string, std::string>& case_guid, FreshGuids& fresh) {
  std::vector<std::pair<std::string, std::string>> links;
  for (const std::string& id : ids)
    if (auto it = notes_of_participant.find(id); it != notes_of_participant.end())
      for (const std::string& n : it->second) links.emplace_back(id, n);
  if (!links.empty()) {
    pugi::xml_node links_node = project.append_child("Links");
    for (const auto& [participant, n] : links) {
      pugi::xml_node link = links_node.append_child("Link");
      link.append_attribute("guid").set_value(fresh("link", n).c_str());
      link.append_attribute("name").set_value("summary");
      link.append_attribute("direction").set_value("OneWay");
      link.append_attribute("originGUID").set_value(case_guid[participant].c_str());
      link.append_attribute("targetGUID").set_value(n.c_str());
    }
  }
}

}  // namespace

RefiProject BuildRefiProject(const Study& study, const RefiExportOptions& options) {
  RefiProject result;
  const Framework& f = study.framework;
  const std::string title = f.title.empty() ? "Framework study" : f.title;
  FreshGuids fresh(title);
  const std::string user = fresh("user", "");

  pugi::xml_document doc;
  pugi::xml_node project = AddProject(doc, title, options, user);

  // Every theme, with its matrix, chart entries attached.
  std::vector<int> all_themes;
  for (std::size_t t = 0; t < f.themes.size(); ++t) all_themes.push_back(static_cast<int>(t));
  const std::vector<Matrix> matrices = ChartedMatrices(study, all_themes);

  // Notes first (their GUIDs are referenced from codes and sources), in a fixed order: per theme,
  // the matrix record, then its chart entries by participant (natural order), then sub-theme.
  std::vector<NoteOut> notes;
  std::map<std::string, std::vector<std::string>> notes_of_code;         // code guid -> notes
  std::map<std::string, std::vector<std::string>> notes_of_participant;  // id -> notes
  std::map<std::string, std::string> code_guid;                          // code as written -> guid

  std::vector<std::string> theme_guids;
  std::vector<std::vector<std::string>> subtheme_guids;
  std::vector<std::vector<std::vector<std::string>>> alias_guids;
  MakeCodeGuids(f, fresh, theme_guids, subtheme_guids, alias_guids, code_guid);
  const std::vector<std::string> ids = ParticipantIds(study);
  std::map<std::string, std::string> case_guid;
  for (const std::string& id : ids) case_guid[id] = fresh("case", id);
  std::vector<std::string> variable_guids;
  for (const AttributeDef& def : study.participants.attributes)
    variable_guids.push_back(fresh("variable", def.name));
  std::map<const Transcript*, std::string> source_guids;
  for (const Transcript& t : study.transcripts) source_guids[&t] = fresh("source", t.path);

  // The study's settings, a project-level note.
  const std::string settings_guid = fresh("settings", "");
  notes.push_back({settings_guid, "Framework settings",
                   "Settings of the study's framework.yaml that belong to no theme, participant "
                   "or transcript (speaker labels, quote attribution, smallest group shown).",
                   SettingsYaml(f)});

  AddChartNotes(f, matrices, theme_guids, subtheme_guids, fresh, notes, notes_of_code,
                notes_of_participant);

  AddCodeBook(project, f, theme_guids, subtheme_guids, alias_guids, notes_of_code, result);
  AddVariables(project, study.participants.attributes, variable_guids);
  const std::vector<const Transcript*> transcripts = ExportedTranscripts(study, result);
  AddCases(project, study, ids, case_guid, variable_guids, transcripts, source_guids, result);
  AddSources(project, study, transcripts, source_guids, code_guid, notes_of_participant, user,
             fresh, result);
  AddNotes(project, notes, user, result);
  AddLinks(project, ids, notes_of_participant, case_guid, fresh);

  if (!f.description.empty()) AddText(project, "Description", f.description);
  AddRef(project, "NoteRef", settings_guid);

  std::ostringstream out;
  doc.save(out, "  ", pugi::format_indent, pugi::encoding_utf8);
  result.project_xml = out.str();
  return result;
}

namespace {

// DOS date and time of a Unix time (UTC), clamped to the zip format's 1980..2107.
void DosDateTime(std::int64_t seconds, zip_uint16_t* dos_date, zip_uint16_t* dos_time) {
  seconds = std::clamp<std::int64_t>(seconds, 315532800, 4354819199);
  std::int64_t days = seconds / 86400, rest = seconds % 86400;
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  days += 719468;
  const std::int64_t era = days / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  *dos_date = static_cast<zip_uint16_t>(((year - 1980) << 9) | (month << 5) | day);
  *dos_time = static_cast<zip_uint16_t>(((rest / 3600) << 11) | (((rest / 60) % 60) << 5) |
                                        ((rest % 60) / 2));
}

}  // namespace

std::string PackQdpx(const RefiProject& project, const RefiExportOptions& options,
                     std::string* bytes) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (!buffer) {
    std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    return message;
  }
  zip_source_keep(buffer);
  zip_t* zip = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  if (!zip) {
    std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    zip_source_free(buffer);
    return message;
  }
  zip_error_fini(&error);

  zip_uint16_t dos_date = 0, dos_time = 0;
  DosDateTime(options.timestamp, &dos_date, &dos_time);
  auto fail = [&](zip_t* z) {
    std::string message = zip_strerror(z);
    zip_discard(z);
    zip_source_free(buffer);
    return message;
  };
  auto add = [&](const std::string& name, const std::string& data) {
    zip_source_t* s = zip_source_buffer(zip, data.data(), data.size(), 0);
    if (!s) return false;
    const zip_int64_t index = zip_file_add(zip, name.c_str(), s, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(s);
      return false;
    }
    const auto i = static_cast<zip_uint64_t>(index);
    return zip_set_file_compression(zip, i, ZIP_CM_DEFLATE, 9) == 0 &&
           zip_file_set_dostime(zip, i, dos_time, dos_date, 0) == 0;
  };
  if (!add("project.qde", project.project_xml)) return fail(zip);
  for (const auto& [name, text] : project.sources)
    if (!add(name, text)) return fail(zip);
  if (zip_close(zip) != 0) return fail(zip);

  std::string out;
  if (zip_source_open(buffer) != 0) {
    zip_source_free(buffer);
    return "cannot read the archive back from memory";
  }
  char chunk[65536];
  zip_int64_t n = 0;
  while ((n = zip_source_read(buffer, chunk, sizeof chunk)) > 0)
    out.append(chunk, static_cast<std::size_t>(n));
  zip_source_close(buffer);
  zip_source_free(buffer);
  if (n < 0) return "cannot read the archive back from memory";
  *bytes = std::move(out);
  return {};
}

}  // namespace framework
