#include "framework/participants.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <set>
#include <unordered_set>

#include "attribute_defs.h"
#include "framework/csv.h"
#include "framework/source_text.h"
#include "framework/text.h"
#include "test_hooks.h"
#include "warning_cap.h"
#include "yaml_support.h"

namespace framework {

int Participants::Find(std::string_view id) const {
  auto it = index.find(id);
  return it == index.end() ? -1 : it->second;
}

int Participants::FindAttribute(std::string_view name) const {
  for (std::size_t i = 0; i < attributes.size(); ++i)
    if (attributes[i].name == name) return static_cast<int>(i);
  return -1;
}

std::vector<std::string> Participants::Ids() const {
  std::vector<std::string> ids;
  ids.reserve(participants.size());
  for (const auto& p : participants) ids.push_back(p.id);
  return ids;
}

namespace {
// Digits with an optional sign, whatever their size.
bool IntegerShaped(std::string_view v) {
  if (!v.empty() && (v.front() == '-' || v.front() == '+')) v.remove_prefix(1);
  return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}
}  // namespace

std::optional<std::int64_t> ParseInteger(std::string_view v) {
  if (!IntegerShaped(v)) return std::nullopt;
  if (v.front() == '+') v.remove_prefix(1);
  std::int64_t n = 0;
  const auto [end, error] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (error != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return n;
}

namespace {

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

bool IsInteger(std::string_view v) { return ParseInteger(v).has_value(); }

bool IsNumber(std::string_view v) {
  if (v.empty() || v.size() > 64) return false;
  std::string s(v);
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && s.find_first_of("xXnN") == std::string::npos;
}

bool IsDate(std::string_view v) {
  if (v.size() != 10 || v[4] != '-' || v[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (v[i] < '0' || v[i] > '9') return false;
  int year = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 + (v[3] - '0');
  int month = (v[5] - '0') * 10 + (v[6] - '0');
  int day = (v[8] - '0') * 10 + (v[9] - '0');
  if (month < 1 || month > 12 || day < 1) return false;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

// The error for a value of attribute `key` longer than kMaxAttributeValueBytes.
Diagnostic AttributeTooLong(const SourceText& source, Position at, std::string_view key,
                            std::size_t bytes) {
  return source.AtPosition(Severity::kError, "attribute-too-long", at,
                           "the value of attribute " + Quote(key) + " is " + std::to_string(bytes) +
                               " bytes, longer than the limit of " +
                               std::to_string(kMaxAttributeValueBytes) + " bytes (64 KiB)",
                           "attributes describe a participant in a few words; keep longer notes "
                           "in a file of their own (see docs/limits.md)");
}

void Index(Participants& p, const SourceText& source, Diagnostics& diagnostics) {
  for (std::size_t i = 0; i < p.participants.size(); ++i) {
    const Participant& participant = p.participants[i];
    auto [it, inserted] = p.index.emplace(participant.id, static_cast<int>(i));
    if (!inserted) {
      Diagnostic d = source.AtPosition(
          Severity::kError, "duplicate-participant", {participant.line, participant.column},
          "duplicate participant id " + Quote(participant.id),
          "it is first declared at line " +
              std::to_string(p.participants[static_cast<std::size_t>(it->second)].line));
      d.length = static_cast<int>(CountCodePoints(participant.id));
      diagnostics.push_back(std::move(d));
    }
  }
}

}  // namespace

std::string CheckAttributeValue(const AttributeDef& attribute, std::string_view value,
                                std::string* hint) {
  switch (attribute.type) {
    case AttributeType::kString:
      return {};
    case AttributeType::kInteger:
      if (IsInteger(value)) return {};
      if (IntegerShaped(value)) {
        *hint = "declare " + Quote(attribute.name) +
                " as a string to keep long digit strings (ids, phone numbers) as written";
        return Quote(value) + " is beyond the range of an integer (" + Quote(attribute.name) +
               " is an integer: -9223372036854775808 to 9223372036854775807)";
      }
      *hint = "write a whole number, e.g. 4";
      return Quote(value) + " is not a whole number (" + Quote(attribute.name) + " is an integer)";
    case AttributeType::kNumber:
      if (IsNumber(value)) return {};
      *hint = "write a number, e.g. 4.5";
      return Quote(value) + " is not a number (" + Quote(attribute.name) + " is a number)";
    case AttributeType::kBoolean:
      if (value == "true" || value == "false") return {};
      *hint = "write true or false";
      return Quote(value) + " is not true or false (" + Quote(attribute.name) + " is a boolean)";
    case AttributeType::kDate:
      if (IsDate(value)) return {};
      *hint = "write the date as YYYY-MM-DD";
      return Quote(value) + " is not a date (" + Quote(attribute.name) + " is a date)";
    case AttributeType::kCategory: {
      std::string nfc = ToNfc(value);
      if (std::find(attribute.values.begin(), attribute.values.end(), nfc) !=
          attribute.values.end())
        return {};
      if (auto guess = Suggest(nfc, attribute.values)) {
        *hint = "did you mean '" + *guess + "'?";
      } else {
        *hint = "allowed values:";
        for (std::size_t i = 0; i < attribute.values.size(); ++i)
          *hint += (i ? ", " : " ") + attribute.values[i];
      }
      return Quote(value) + " is not a value of " + Quote(attribute.name);
    }
  }
  return {};
}

std::vector<AttributeDef> LoadAttributeDefs(const SourceText& source, const YAML::Node& node,
                                            Diagnostics& diagnostics) {
  std::vector<AttributeDef> defs;
  if (!node.IsMap()) {
    diagnostics.push_back(yaml::At(source, node, Severity::kError, "bad-attributes",
                                   "attributes must map names to their type",
                                   "e.g. role: {type: category, values: [practitioner, manager]}"));
    return defs;
  }
  yaml::CheckKeys(source, node, {}, "attributes", diagnostics);
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    auto name = yaml::Scalar(source, it->first, "an attribute name", diagnostics);
    if (!name || !seen.insert(*name).second) continue;
    if (!IsValidId(*name, false) || *name == "id") {
      diagnostics.push_back(yaml::At(source, it->first, Severity::kError, "bad-id",
                                     "attribute name " + Quote(*name) + " is not valid",
                                     *name == "id" ? "'id' is the participant id itself"
                                                   : "names use letters, digits, '-' and '_'"));
      continue;
    }
    AttributeDef def;
    def.name = *name;
    Position p = yaml::PositionOf(source, it->first);
    def.line = p.line;
    def.column = p.column;
    const YAML::Node spec = it->second;
    if (!spec.IsMap()) {
      diagnostics.push_back(yaml::At(source, spec, Severity::kError, "bad-attributes",
                                     "attribute " + Quote(*name) + " must be a mapping with a type",
                                     "e.g. {type: integer}"));
      continue;
    }
    yaml::CheckKeys(source, spec, {"type", "values", "description"}, "attribute", diagnostics);
    const YAML::Node type = yaml::Get(spec, "type");
    if (!type.IsDefined()) {
      diagnostics.push_back(yaml::At(source, it->first, Severity::kError, "missing-key",
                                     "attribute " + Quote(*name) + " has no 'type'",
                                     "types: category, integer, number, string, boolean, date"));
      continue;
    }
    auto type_name = yaml::Scalar(source, type, "type", diagnostics);
    if (!type_name) continue;
    auto parsed = ParseAttributeType(*type_name);
    if (!parsed) {
      auto guess =
          Suggest(*type_name, {"category", "integer", "number", "string", "boolean", "date"});
      diagnostics.push_back(
          yaml::At(source, type, Severity::kError, "bad-attributes",
                   "unknown attribute type " + Quote(*type_name),
                   guess ? "did you mean '" + *guess + "'?"
                         : "types: category, integer, number, string, boolean, date"));
      continue;
    }
    def.type = *parsed;
    const YAML::Node values = yaml::Get(spec, "values");
    if (def.type == AttributeType::kCategory) {
      if (!values.IsDefined() || !values.IsSequence() || values.size() == 0) {
        diagnostics.push_back(yaml::At(source, values.IsDefined() ? values : it->first,
                                       Severity::kError, "bad-attributes",
                                       "category " + Quote(*name) + " needs a list of values",
                                       "e.g. values: [practitioner, manager, academic]"));
        continue;
      }
      for (const auto& v : values) {
        auto value = yaml::Scalar(source, v, "a category value", diagnostics);
        if (!value) continue;
        if (std::find(def.values.begin(), def.values.end(), *value) != def.values.end()) {
          diagnostics.push_back(yaml::At(source, v, Severity::kError, "duplicate-value",
                                         "value " + Quote(*value) + " is listed twice"));
          continue;
        }
        def.values.push_back(*value);
      }
    } else if (values.IsDefined()) {
      diagnostics.push_back(yaml::At(source, values, Severity::kError, "bad-attributes",
                                     "only category attributes take 'values'",
                                     "remove 'values', or make the type 'category'"));
    }
    if (auto d = yaml::Get(spec, "description"); d.IsDefined())
      if (auto v = yaml::Scalar(source, d, "description", diagnostics)) def.description = *v;
    defs.push_back(std::move(def));
  }
  return defs;
}

namespace {

// ---- the fast path: a participants list of one flow mapping per line ----------------------------
//
// yaml-cpp reads a few megabytes a second, and a study of 20,000 participants has a participants
// file of a few megabytes. When `participants:` is the file's last key and each entry is one line,
// `  - {id: P01, role: manager, sector: "adult social care"}` (plain or double-quoted values), the
// part before the list (the attributes) is still read by yaml-cpp and the entries here. Anything
// else, and any entry that would draw a diagnostic (a bad value or id, a duplicate key, a null;
// an unknown attribute is warned about here, as yaml-cpp's path does), returns nothing, and the
// whole file is read by yaml-cpp as before, so the result and the messages are the same either
// way.

// One `key: value` of an entry line: the value decoded, and its byte offset in the line.
struct FlowEntry {
  std::string_view key;
  std::string value;
  std::size_t offset = 0;
  bool quoted = false;
};

// The `{...}` of an entry line as key/value pairs; nothing for anything but the plain shape.
std::optional<std::vector<FlowEntry>> ReadFlowMapping(std::string_view line, std::size_t open) {
  if (line.size() < open + 2 || line[open] != '{' || line.back() != '}') return std::nullopt;
  const std::size_t end = line.size() - 1;  // the closing brace
  std::vector<FlowEntry> entries;
  std::size_t pos = open + 1;
  while (pos < end) {
    const std::size_t colon = line.find(':', pos);
    if (colon == std::string_view::npos || colon + 1 >= end || line[colon + 1] != ' ')
      return std::nullopt;
    FlowEntry e;
    e.key = line.substr(pos, colon - pos);
    if (!IsValidId(e.key, false) || !IsAscii(e.key)) return std::nullopt;
    std::size_t v = colon + 2;
    e.offset = v;
    std::size_t after = 0;
    if (line[v] == '"') {
      std::size_t q = v + 1;
      while (q < end && line[q] != '"') q += line[q] == '\\' ? 2 : 1;
      if (q >= end) return std::nullopt;
      auto text = yaml::DoubleQuoted(line.substr(v, q + 1 - v));
      if (!text) return std::nullopt;
      e.value = std::move(*text);
      e.quoted = true;
      after = q + 1;
    } else {
      std::size_t comma = line.find(',', v);
      if (comma == std::string_view::npos || comma > end) comma = end;
      std::string_view plain = line.substr(v, comma - v);
      // ':' in a flow plain scalar is read differently by YAML versions: left to yaml-cpp.
      if (!yaml::SafePlain(plain, true) || plain.find(':') != std::string_view::npos)
        return std::nullopt;
      e.value = std::string(plain);
      after = comma;
    }
    entries.push_back(std::move(e));
    if (after == end) return entries;
    if (line.compare(after, 2, ", ") != 0) return std::nullopt;
    pos = after + 2;
  }
  return std::nullopt;
}

// Values over kMaxAttributeValueBytes are reported to `extra` and not kept; a key naming no
// declared attribute is reported to `extra` (unknown-attribute, a warning) and ignored.
std::optional<Participants> ReadPlainParticipants(const SourceText& source, std::string_view text,
                                                  Diagnostics& extra) {
  // The list: `participants:` at the start of a line, then only entry lines to the end.
  std::size_t list = text.substr(0, 14) == "participants:\n" ? 0 : text.find("\nparticipants:\n");
  if (list == std::string_view::npos) return std::nullopt;
  if (list) ++list;
  Participants result;
  WarningCap cap(extra);             // the unknown-attribute warnings
  std::size_t unknown_warnings = 0;  // given to `cap` so far
  Diagnostics head_diagnostics;
  if (list > 0) {
    bool ok = false;
    const std::string head(text.substr(0, list));
    yaml::Reservation held;  // outlives root, released before any fallback to yaml-cpp
    YAML::Node root =
        yaml::Parse(source, head, head_diagnostics, &ok, &held, yaml::YamlFile::kParticipants);
    if (!ok || !(root.IsMap() || root.IsNull())) return std::nullopt;
    if (root.IsMap()) {
      yaml::CheckKeys(source, root, {"attributes"}, "the participants file", head_diagnostics);
      if (auto attrs = yaml::Get(root, "attributes"); attrs.IsDefined())
        result.attributes = LoadAttributeDefs(source, attrs, head_diagnostics);
    }
    if (!head_diagnostics.empty()) return std::nullopt;
  }
  std::size_t pos = list + 14;
  int line_no =
      static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n'));
  if (result.attributes.size() > 64) return std::nullopt;  // `seen` below is a 64-bit mask
  std::string indent;
  bool first = true;
  std::vector<std::string> names;  // the attributes' names, for suggestions (made when needed)
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    const std::size_t lead = line.find_first_not_of(' ');
    if (lead == std::string_view::npos || line[lead] == '#') continue;
    if (line.compare(lead, 2, "- ") != 0) return std::nullopt;
    if (first) indent = std::string(line.substr(0, lead));
    if (line.substr(0, lead) != indent) return std::nullopt;
    first = false;
    auto entries = ReadFlowMapping(line, lead + 2);
    if (!entries) return std::nullopt;
    Participant p;
    p.values.resize(result.attributes.size());
    unsigned long long seen = 0;  // attributes given (at most 64 in this path, checked above)
    std::unordered_set<std::string_view> unknown;  // keys of this entry that name no attribute
    bool has_id = false;
    for (FlowEntry& e : *entries) {
      if (!e.quoted && yaml::IsNullWord(e.value)) return std::nullopt;
      if (!IsAscii(e.value)) {
        if (!IsValidUtf8(e.value)) return std::nullopt;
        e.value = ToNfc(e.value);
      }
      if (e.key == "id") {
        if (has_id || e.quoted || !IsValidId(e.value, false)) return std::nullopt;
        has_id = true;
        p.id = std::move(e.value);
        p.line = line_no;
        p.column = static_cast<int>(CountCodePoints(line.substr(0, e.offset))) + 1;
        continue;
      }
      const int index = result.FindAttribute(e.key);
      if (index < 0) {
        // Warned about and ignored, as the yaml-cpp path does (a key given twice is a
        // duplicate-key error there: left to it).
        if (!unknown.insert(e.key).second) return std::nullopt;
        // Listed up to the file's warning cap, then only counted: no column worked out (a pass
        // over the line) and no suggestion past it, so 200,000 unknown keys on a line cost one
        // pass, not 200,000.
        const bool column_needed = ++unknown_warnings <= kMaxWarningsPerFile + 1;
        const std::size_t key_offset = static_cast<std::size_t>(e.key.data() - line.data());
        const int column =
            column_needed ? static_cast<int>(CountCodePoints(line.substr(0, key_offset))) + 1 : 1;
        if (!cap.Take(source, {line_no, column})) continue;
        if (names.empty())
          for (const auto& a : result.attributes) names.push_back(a.name);
        const std::string key(e.key);
        auto guess = Suggest(key, names);
        extra.push_back(
            source.AtPosition(Severity::kWarning, "unknown-attribute", {line_no, column},
                              "attribute " + Quote(key) + " is not declared and is ignored",
                              guess ? "did you mean '" + *guess + "'?"
                                    : "declare it under 'attributes:' with its type",
                              static_cast<int>(std::max<std::size_t>(1, CountCodePoints(key)))));
        continue;
      }
      if (seen >> index & 1u) return std::nullopt;
      seen |= 1ull << index;
      if (e.value.size() > kMaxAttributeValueBytes) {
        const int column = static_cast<int>(CountCodePoints(line.substr(0, e.offset))) + 1;
        extra.push_back(AttributeTooLong(source, {line_no, column}, e.key, e.value.size()));
        continue;
      }
      std::string hint;
      if (!CheckAttributeValue(result.attributes[static_cast<std::size_t>(index)], e.value, &hint)
               .empty())
        return std::nullopt;
      p.values[static_cast<std::size_t>(index)] = std::move(e.value);
    }
    if (!has_id) return std::nullopt;
    result.participants.push_back(std::move(p));
  }
  if (result.participants.empty()) return std::nullopt;
  result.complete = true;
  return result;
}

}  // namespace

Participants LoadParticipantsYaml(std::string_view name, std::string_view text,
                                  Diagnostics& diagnostics) {
  SourceText source{std::string(name), text};
  if (IsValidUtf8(text) && yaml::PlainShapeText(text)) {
    Diagnostics extra;
    if (auto fast = ReadPlainParticipants(source, text, extra)) {
      diagnostics.insert(diagnostics.end(), std::make_move_iterator(extra.begin()),
                         std::make_move_iterator(extra.end()));
      Index(*fast, source, diagnostics);
      return std::move(*fast);
    }
  }
  return LoadParticipantsYamlWithYamlCpp(name, text, diagnostics);
}

Participants LoadParticipantsYamlWithYamlCpp(std::string_view name, std::string_view text,
                                             Diagnostics& diagnostics) {
  Participants result;
  SourceText source{std::string(name), text};
  if (!source.CheckUtf8(diagnostics)) return result;
  bool ok = false;
  yaml::Reservation held;  // outlives root
  YAML::Node root = yaml::Parse(source, std::string(text), diagnostics, &ok, &held,
                                yaml::YamlFile::kParticipants);
  if (!ok) return result;
  if (!root.IsMap()) {
    diagnostics.push_back(source.AtPosition(Severity::kError, "bad-participants", {1, 1},
                                            "the participants file must be a mapping",
                                            "with 'attributes:' and 'participants:'"));
    return result;
  }
  yaml::CheckKeys(source, root, {"attributes", "participants"}, "the participants file",
                  diagnostics);
  if (auto attrs = yaml::Get(root, "attributes"); attrs.IsDefined())
    result.attributes = LoadAttributeDefs(source, attrs, diagnostics);

  const YAML::Node list = yaml::Get(root, "participants");
  if (!list.IsDefined()) {
    diagnostics.push_back(source.AtPosition(Severity::kError, "missing-key", {1, 1},
                                            "the participants file has no 'participants' list",
                                            "add 'participants:' with '- {id: P01}' entries"));
    return result;
  }
  if (!list.IsSequence()) {
    diagnostics.push_back(yaml::At(source, list, Severity::kError, "bad-participants",
                                   "participants must be a list",
                                   "each entry is '- {id: P01, role: ...}'"));
    return result;
  }
  result.complete = true;
  for (const auto& entry : list) {
    if (!entry.IsMap()) {
      diagnostics.push_back(yaml::At(source, entry, Severity::kError, "bad-participants",
                                     "a participant must be a mapping with an 'id'"));
      continue;
    }
    yaml::CheckKeys(source, entry, {}, "participant", diagnostics);
    Participant p;
    p.values.resize(result.attributes.size());
    const YAML::Node id = yaml::Get(entry, "id");
    if (!id.IsDefined()) {
      diagnostics.push_back(yaml::At(source, entry, Severity::kError, "missing-key",
                                     "participant has no 'id'", "add 'id: P01'"));
      continue;
    }
    auto id_value = yaml::Scalar(source, id, "participant id", diagnostics);
    if (!id_value) continue;
    if (!IsValidId(*id_value, false)) {
      diagnostics.push_back(yaml::At(source, id, Severity::kError, "bad-id",
                                     "participant id " + Quote(*id_value) + " is not valid",
                                     "ids use letters, digits, '-' and '_'"));
      continue;
    }
    p.id = *id_value;
    Position pos = yaml::PositionOf(source, id);
    p.line = pos.line;
    p.column = pos.column;
    std::vector<std::string> names;
    for (const auto& a : result.attributes) names.push_back(a.name);
    for (auto it = entry.begin(); it != entry.end(); ++it) {
      if (!it->first.IsScalar() || it->first.Scalar() == "id") continue;
      const std::string key = it->first.Scalar();
      int index = result.FindAttribute(key);
      if (index < 0) {
        auto guess = Suggest(key, names);
        diagnostics.push_back(
            yaml::At(source, it->first, Severity::kWarning, "unknown-attribute",
                     "attribute " + Quote(key) + " is not declared and is ignored",
                     guess ? "did you mean '" + *guess + "'?"
                           : "declare it under 'attributes:' with its type"));
        continue;
      }
      if (it->second.IsNull()) continue;  // a missing value
      auto value = yaml::Scalar(source, it->second, "attribute " + Quote(key), diagnostics);
      if (!value) continue;
      if (value->size() > kMaxAttributeValueBytes) {
        diagnostics.push_back(
            AttributeTooLong(source, yaml::PositionOf(source, it->second), key, value->size()));
        continue;
      }
      std::string hint;
      std::string problem =
          CheckAttributeValue(result.attributes[static_cast<std::size_t>(index)], *value, &hint);
      if (!problem.empty()) {
        diagnostics.push_back(
            yaml::At(source, it->second, Severity::kError, "bad-attribute-value", problem, hint));
        continue;
      }
      p.values[static_cast<std::size_t>(index)] = *value;
    }
    result.participants.push_back(std::move(p));
  }
  Index(result, source, diagnostics);
  return result;
}

Participants LoadParticipantsCsv(std::string_view name, std::string_view text,
                                 const std::vector<AttributeDef>& declared,
                                 Diagnostics& diagnostics) {
  Participants result;
  SourceText source{std::string(name), text};
  std::size_t before = diagnostics.size();
  CsvLimits limits;
  limits.max_fields = kMaxParticipantsCsvColumns;
  limits.max_field_bytes = kMaxAttributeValueBytes;
  limits.fields_hint = "participants.csv holds at most " +
                       std::to_string(kMaxParticipantsCsvColumns) +
                       " columns, the id and an attribute a column; keep the attributes the "
                       "analysis uses (see docs/limits.md)";
  limits.field_bytes_hint =
      "an attribute value holds at most 64 KiB: attributes describe a participant in a few "
      "words; keep longer notes in a file of their own (see docs/limits.md)";
  std::vector<CsvRow> rows = ReadCsv(name, text, diagnostics, ',', limits);
  bool broken = false;
  for (std::size_t i = before; i < diagnostics.size(); ++i)
    broken |= diagnostics[i].severity == Severity::kError;
  if (rows.empty()) {
    if (!broken)
      diagnostics.push_back(source.AtPosition(Severity::kError, "bad-participants", {1, 1},
                                              "the participants file is empty",
                                              "the first row names the columns: id,role,..."));
    return result;
  }
  const CsvRow& header = rows.front();
  int id_column = -1;
  std::vector<int> attribute_of(header.fields.size(), -1);
  std::set<std::string> seen;
  WarningCap cap(diagnostics);
  for (std::size_t c = 0; c < header.fields.size(); ++c) {
    std::string column = ToNfc(Trim(header.fields[c].value));
    if (!seen.insert(column).second) {
      diagnostics.push_back(source.AtPosition(
          Severity::kError, "duplicate-key", {header.fields[c].line, header.fields[c].column},
          "duplicate column " + Quote(column), "each column needs its own name"));
      continue;
    }
    if (column == "id") {
      id_column = static_cast<int>(c);
      continue;
    }
    if (!IsValidId(column, false)) {
      diagnostics.push_back(source.AtPosition(
          Severity::kError, "bad-id", {header.fields[c].line, header.fields[c].column},
          "column name " + Quote(column) + " is not a valid attribute name",
          "names use letters, digits, '-' and '_'"));
      continue;
    }
    AttributeDef def;
    auto it = std::find_if(declared.begin(), declared.end(),
                           [&](const AttributeDef& d) { return d.name == column; });
    if (it != declared.end()) {
      def = *it;
    } else {
      def.name = column;
      // Infer: all integers, else all numbers, else a category of the values seen.
      bool all_int = true, all_num = true, any = false;
      std::vector<std::string> values;
      for (std::size_t r = 1; r < rows.size(); ++r) {
        if (c >= rows[r].fields.size()) continue;
        std::string v = ToNfc(Trim(rows[r].fields[c].value));
        if (v.empty()) continue;
        any = true;
        all_int &= IsInteger(v);
        // Digits beyond an integer's range would lose some as a number: kept as text.
        all_num &= IsNumber(v) && (IsInteger(v) || !IntegerShaped(v));
        if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
      }
      def.type = !any      ? AttributeType::kString
                 : all_int ? AttributeType::kInteger
                 : all_num ? AttributeType::kNumber
                           : AttributeType::kCategory;
      if (def.type == AttributeType::kCategory) def.values = values;
      if (!declared.empty() && cap.Take(source, {header.fields[c].line, header.fields[c].column})) {
        std::vector<std::string> names;
        for (const auto& d : declared) names.push_back(d.name);
        auto guess = Suggest(column, names);
        diagnostics.push_back(source.AtPosition(
            Severity::kWarning, "unknown-attribute",
            {header.fields[c].line, header.fields[c].column},
            "column " + Quote(column) + " is not declared under 'attributes' in framework.yaml",
            guess ? "did you mean '" + *guess + "'?" : "its type is inferred from its values"));
      }
    }
    def.line = header.fields[c].line;
    def.column = header.fields[c].column;
    attribute_of[c] = static_cast<int>(result.attributes.size());
    result.attributes.push_back(std::move(def));
  }
  if (id_column < 0) {
    diagnostics.push_back(source.AtPosition(Severity::kError, "missing-key", {1, 1},
                                            "the participants file has no 'id' column",
                                            "name the first column 'id'"));
    return result;
  }
  result.complete = !broken;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const CsvRow& row = rows[r];
    if (static_cast<std::size_t>(id_column) >= row.fields.size()) continue;
    const CsvField& id = row.fields[static_cast<std::size_t>(id_column)];
    std::string id_value = ToNfc(Trim(id.value));
    if (!IsValidId(id_value, false)) {
      diagnostics.push_back(source.AtPosition(
          Severity::kError, "bad-id", {id.line, id.column},
          id_value.empty() ? std::string("participant id is empty")
                           : "participant id " + Quote(id_value) + " is not valid",
          "ids use letters, digits, '-' and '_'"));
      continue;
    }
    Participant p;
    p.id = id_value;
    p.line = id.line;
    p.column = id.column;
    p.values.resize(result.attributes.size());
    for (std::size_t c = 0; c < row.fields.size() && c < attribute_of.size(); ++c) {
      if (attribute_of[c] < 0) continue;
      std::string value = ToNfc(Trim(row.fields[c].value));
      if (value.empty()) continue;
      const AttributeDef& def = result.attributes[static_cast<std::size_t>(attribute_of[c])];
      std::string hint;
      std::string problem = CheckAttributeValue(def, value, &hint);
      if (!problem.empty()) {
        Diagnostic d = source.AtPosition(Severity::kError, "bad-attribute-value",
                                         {row.fields[c].line, row.fields[c].column}, problem, hint);
        d.length = std::max(1, static_cast<int>(CountCodePoints(row.fields[c].value)));
        diagnostics.push_back(std::move(d));
        continue;
      }
      p.values[static_cast<std::size_t>(attribute_of[c])] = value;
    }
    result.participants.push_back(std::move(p));
  }
  Index(result, source, diagnostics);
  return result;
}

}  // namespace framework
