#include "framework/codebook.h"

#include <algorithm>
#include <set>
#include <unordered_set>

#include "attribute_defs.h"
#include "framework/attribution.h"
#include "framework/source_text.h"
#include "framework/text.h"
#include "yaml_support.h"

namespace framework {

std::string_view SpeakerRoleName(SpeakerRole role) {
  switch (role) {
    case SpeakerRole::kInterviewer:
      return "interviewer";
    case SpeakerRole::kParticipant:
      return "participant";
    case SpeakerRole::kOther:
      return "other";
  }
  return "other";
}

std::optional<SpeakerRole> ParseSpeakerRole(std::string_view name) {
  for (SpeakerRole role :
       {SpeakerRole::kInterviewer, SpeakerRole::kParticipant, SpeakerRole::kOther})
    if (name == SpeakerRoleName(role)) return role;
  return std::nullopt;
}

std::optional<AttributeType> ParseAttributeType(std::string_view name) {
  for (AttributeType type :
       {AttributeType::kCategory, AttributeType::kInteger, AttributeType::kNumber,
        AttributeType::kString, AttributeType::kBoolean, AttributeType::kDate})
    if (name == AttributeTypeName(type)) return type;
  return std::nullopt;
}

std::string_view AttributeTypeName(AttributeType type) {
  switch (type) {
    case AttributeType::kCategory:
      return "category";
    case AttributeType::kInteger:
      return "integer";
    case AttributeType::kNumber:
      return "number";
    case AttributeType::kString:
      return "string";
    case AttributeType::kBoolean:
      return "boolean";
    case AttributeType::kDate:
      return "date";
  }
  return "string";
}

bool CodeIndex::Add(std::string code, ColumnRef column) {
  if (map_.count(code)) return false;
  codes_.push_back(code);
  map_.emplace(std::move(code), column);
  return true;
}

ColumnRef CodeIndex::Resolve(std::string_view code) const {
  auto it = map_.find(code);
  return it == map_.end() ? ColumnRef{} : it->second;
}

int Framework::FindTheme(std::string_view id) const {
  if (theme_index_size == static_cast<std::ptrdiff_t>(themes.size())) {
    auto it = theme_index.find(id);
    return it == theme_index.end() ? -1 : it->second;
  }
  for (std::size_t i = 0; i < themes.size(); ++i)
    if (themes[i].id == id) return static_cast<int>(i);
  return -1;
}

void Framework::IndexThemes() {
  theme_index.clear();
  for (std::size_t i = 0; i < themes.size(); ++i)
    theme_index.emplace(themes[i].id, static_cast<int>(i));  // the first of an id stays
  theme_index_size = static_cast<std::ptrdiff_t>(themes.size());
}

namespace {

using yaml::At;
using yaml::Get;

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

class FrameworkLoader {
 public:
  FrameworkLoader(std::string_view name, std::string_view text, Diagnostics& diagnostics)
      : source_(std::string(name), text), text_(text), diagnostics_(diagnostics) {}

  Framework Run();

 private:
  void Error(const YAML::Node& node, const char* rule, std::string message, std::string hint = {}) {
    diagnostics_.push_back(
        At(source_, node, Severity::kError, rule, std::move(message), std::move(hint)));
  }
  std::optional<std::string> Id(const YAML::Node& node, std::string_view what);
  void LoadTheme(const YAML::Node& node);
  void LoadSubtheme(Theme& theme, const YAML::Node& node);
  void IndexCodes();
  void LoadShareWords(const YAML::Node& node);

  SourceText source_;
  std::string_view text_;
  Diagnostics& diagnostics_;
  Framework f_;
  // Alias nodes, for locating conflicts: (theme, subtheme, code index) -> node.
  std::vector<std::vector<std::vector<YAML::Node>>> alias_nodes_;
  std::vector<std::vector<YAML::Node>> subtheme_nodes_;
  // Ids seen so far: the theme ids, and the sub-theme ids of the theme being loaded, so a
  // duplicate is found in constant time however many there are.
  std::unordered_set<std::string> theme_ids_;
  std::unordered_set<std::string> subtheme_ids_;
  std::size_t subthemes_ = 0;  // of all themes so far
  bool too_many_ = false;      // past kMaxThemes or kMaxSubthemes: the framework is refused
};

std::optional<std::string> FrameworkLoader::Id(const YAML::Node& node, std::string_view what) {
  auto id = yaml::Scalar(source_, node, what, diagnostics_);
  if (!id) return std::nullopt;
  if (!IsValidId(*id, false)) {
    std::string bad = FirstInvalidIdChar(*id, false);
    Error(node, "bad-id",
          std::string(what) + " " + Quote(*id) + " is not valid: " +
              (id->empty() ? std::string("it is empty") : Quote(bad) + " is not allowed"),
          "ids use letters, digits, '-' and '_' (no dots or spaces)");
    return std::nullopt;
  }
  return id;
}

Framework FrameworkLoader::Run() {
  if (!source_.CheckUtf8(diagnostics_)) return f_;
  bool ok = false;
  yaml::Reservation held;  // outlives root
  YAML::Node root = yaml::Parse(source_, std::string(text_), diagnostics_, &ok, &held);
  if (!ok) return f_;
  if (!root.IsMap()) {
    diagnostics_.push_back(source_.AtPosition(
        Severity::kError, "bad-framework", {1, 1}, "framework.yaml must be a mapping",
        "start from 'framework init', or see the format in the README"));
    return f_;
  }
  f_.parsed = true;
  yaml::CheckKeys(
      source_, root,
      {"framework", "title", "description", "transcripts", "participants", "speakers",
       "attribution", "attributes", "min_group", "share_words", "max_span_turns", "themes"},
      "framework.yaml", diagnostics_);

  const YAML::Node version = Get(root, "framework");
  if (!version.IsDefined()) {
    diagnostics_.push_back(source_.AtPosition(Severity::kError, "missing-key", {1, 1},
                                              "framework.yaml has no 'framework' format version",
                                              "add 'framework: 1' at the top"));
  } else if (!version.IsScalar() || version.Scalar() != "1") {
    Error(version, "bad-version",
          "unsupported framework format version " +
              Quote(version.IsScalar() ? version.Scalar() : "?"),
          "this version of framework reads format 1");
  }
  const YAML::Node title = Get(root, "title");
  if (!title.IsDefined()) {
    diagnostics_.push_back(source_.AtPosition(Severity::kError, "missing-key", {1, 1},
                                              "framework.yaml has no 'title'",
                                              "add a line such as 'title: My study'"));
  } else if (auto t = yaml::Scalar(source_, title, "title", diagnostics_)) {
    f_.title = *t;
  }
  if (auto n = Get(root, "description"); n.IsDefined())
    if (auto v = yaml::Scalar(source_, n, "description", diagnostics_)) f_.description = *v;
  if (auto n = Get(root, "transcripts"); n.IsDefined()) {
    if (auto v = yaml::Scalar(source_, n, "transcripts", diagnostics_)) f_.transcripts = *v;
    Position p = yaml::PositionOf(source_, n);
    f_.transcripts_line = p.line;
    f_.transcripts_column = p.column;
  }
  if (auto n = Get(root, "participants"); n.IsDefined()) {
    if (auto v = yaml::Scalar(source_, n, "participants", diagnostics_)) f_.participants = *v;
    Position p = yaml::PositionOf(source_, n);
    f_.participants_line = p.line;
    f_.participants_column = p.column;
  }
  if (auto n = Get(root, "attribution"); n.IsDefined()) {
    if (auto v = yaml::Scalar(source_, n, "attribution", diagnostics_)) {
      if (std::string problem = AttributionTemplateProblem(*v); !problem.empty()) {
        // Refused whole: every attribution is then the template without fields.
        Error(n, "bad-value", problem,
              "an attribution names a few attributes, e.g. 'attribution: \"{role}, {sector}\"'");
        f_.attribution = "Participant";
      } else {
        f_.attribution = *v;
      }
    }
    Position p = yaml::PositionOf(source_, n);
    f_.attribution_line = p.line;
    f_.attribution_column = p.column;
  }
  if (auto n = Get(root, "min_group"); n.IsDefined()) {
    auto v = yaml::Scalar(source_, n, "min_group", diagnostics_);
    int value = 0;
    if (v && !v->empty() && v->size() < 9 &&
        std::all_of(v->begin(), v->end(), [](char c) { return c >= '0' && c <= '9'; }))
      value = std::stoi(*v);
    if (value < 1)
      Error(n, "bad-value", "min_group must be a whole number of at least 1",
            "it is the smallest group shown on its own in comparisons, e.g. 'min_group: 3'");
    else
      f_.min_group = value;
  }
  if (auto n = Get(root, "share_words"); n.IsDefined()) LoadShareWords(n);
  if (auto n = Get(root, "max_span_turns"); n.IsDefined()) {
    auto v = yaml::Scalar(source_, n, "max_span_turns", diagnostics_);
    if (v && !v->empty() && v->size() < 7 &&
        std::all_of(v->begin(), v->end(), [](char c) { return c >= '0' && c <= '9'; }))
      f_.max_span_turns = std::stoi(*v);
    else
      Error(n, "bad-value", "max_span_turns must be a whole number of at least 0",
            "it is how many speaker turns back '{/}' may close a segment without a warning, "
            "e.g. 'max_span_turns: 2'");
  }
  if (auto n = Get(root, "speakers"); n.IsDefined()) {
    if (!n.IsMap()) {
      Error(n, "bad-speakers", "speakers must map labels to roles",
            "e.g. speakers: {INT: interviewer}");
    } else {
      yaml::CheckKeys(source_, n, {}, "speakers", diagnostics_);
      std::set<std::string> seen;
      for (auto it = n.begin(); it != n.end(); ++it) {
        auto label = yaml::Scalar(source_, it->first, "a speaker label", diagnostics_);
        auto role = yaml::Scalar(source_, it->second, "a speaker role", diagnostics_);
        if (!label || !role || !seen.insert(*label).second) continue;
        const std::optional<SpeakerRole> r = ParseSpeakerRole(*role);
        if (!r) {
          auto guess = Suggest(*role, {"interviewer", "participant", "other"});
          Error(it->second, "bad-speakers", "unknown speaker role " + Quote(*role),
                guess ? "did you mean '" + *guess + "'?"
                      : "roles are interviewer, participant and other");
          continue;
        }
        f_.speakers.push_back({*label, *r});
      }
    }
  }
  if (auto n = Get(root, "attributes"); n.IsDefined()) {
    f_.has_attributes = true;
    f_.attributes = LoadAttributeDefs(source_, n, diagnostics_);
  }

  const YAML::Node themes = Get(root, "themes");
  if (!themes.IsDefined()) {
    diagnostics_.push_back(source_.AtPosition(Severity::kError, "missing-key", {1, 1},
                                              "framework.yaml has no 'themes'",
                                              "list at least one theme with its sub-themes"));
  } else if (!themes.IsSequence() || themes.size() == 0) {
    Error(themes, "bad-themes", "themes must be a non-empty list",
          "each theme is '- id: ...' with a label and sub-themes");
  } else if (themes.size() > kMaxThemes) {
    Error(themes[kMaxThemes], "too-many-themes",
          "more than " + std::to_string(kMaxThemes) + " themes (" + std::to_string(themes.size()) +
              " listed)",
          "a framework has a few themes, each a matrix; group related ones as sub-themes");
    too_many_ = true;
  } else {
    for (const auto& theme : themes) {
      LoadTheme(theme);
      if (too_many_) break;
    }
  }
  if (too_many_) {
    // Refused whole, like a file that is not YAML: nothing of a partial framework is used, and
    // the transcripts' codes are not checked against it.
    f_.parsed = false;
    f_.themes.clear();
    return f_;
  }
  IndexCodes();
  return f_;
}

// share_words: {some: 25, many: 50, most: 75}, percentages of a group, strictly increasing.
void FrameworkLoader::LoadShareWords(const YAML::Node& node) {
  const char* hint = "e.g. 'share_words: {some: 25, many: 50, most: 75}', percentages of a group";
  if (!node.IsMap()) {
    Error(node, "bad-value", "share_words must map 'some', 'many' and 'most' to percentages", hint);
    return;
  }
  yaml::CheckKeys(source_, node, {"some", "many", "most"}, "share_words", diagnostics_);
  ShareWords words = f_.share_words;
  const std::pair<const char*, int*> keys[] = {
      {"some", &words.some}, {"many", &words.many}, {"most", &words.most}};
  bool ok = true;
  for (const auto& [key, target] : keys) {
    const YAML::Node value = Get(node, key);
    if (!value.IsDefined()) continue;
    auto v = yaml::Scalar(source_, value, key, diagnostics_);
    int number = 0;
    if (v && !v->empty() && v->size() < 4 &&
        std::all_of(v->begin(), v->end(), [](char c) { return c >= '0' && c <= '9'; }))
      number = std::stoi(*v);
    if (number < 1 || number > 99) {
      Error(value, "bad-value",
            std::string("share_words: ") + key + " must be a whole number from 1 to 99", hint);
      ok = false;
    } else {
      *target = number;
    }
  }
  if (ok && !(words.some < words.many && words.many < words.most)) {
    Error(node, "bad-value",
          "share_words must rise: some (" + std::to_string(words.some) + ") < many (" +
              std::to_string(words.many) + ") < most (" + std::to_string(words.most) + ")",
          hint);
    return;
  }
  if (ok) f_.share_words = words;
}

void FrameworkLoader::LoadTheme(const YAML::Node& node) {
  if (!node.IsMap()) {
    Error(node, "bad-themes", "a theme must be a mapping with id, label and subthemes");
    return;
  }
  yaml::CheckKeys(source_, node, {"id", "label", "description", "subthemes"}, "theme",
                  diagnostics_);
  Theme theme;
  Position p = yaml::PositionOf(source_, node);
  theme.line = p.line;
  theme.column = p.column;
  const YAML::Node id = Get(node, "id");
  if (!id.IsDefined()) {
    Error(node, "missing-key", "theme has no 'id'", "add 'id: short_name'");
    return;
  }
  auto id_value = Id(id, "theme id");
  if (!id_value) return;
  theme.id = *id_value;
  if (!theme_ids_.insert(theme.id).second) {
    Error(id, "duplicate-id", "duplicate theme id " + Quote(theme.id),
          "each theme needs its own id");
    return;
  }
  if (auto label = Get(node, "label"); label.IsDefined()) {
    if (auto v = yaml::Scalar(source_, label, "label", diagnostics_)) theme.label = *v;
  } else {
    Error(id, "missing-key", "theme " + Quote(theme.id) + " has no 'label'",
          "add 'label: ...', the heading shown on its matrix");
  }
  if (auto d = Get(node, "description"); d.IsDefined())
    if (auto v = yaml::Scalar(source_, d, "description", diagnostics_)) theme.description = *v;

  f_.themes.push_back(std::move(theme));
  alias_nodes_.emplace_back();
  subtheme_nodes_.emplace_back();
  const YAML::Node subs = Get(node, "subthemes");
  if (!subs.IsDefined()) {
    Error(id, "missing-key", "theme " + Quote(f_.themes.back().id) + " has no 'subthemes'",
          "list its sub-themes, the columns of its matrix");
  } else if (!subs.IsSequence() || subs.size() == 0) {
    Error(subs, "bad-themes", "subthemes must be a non-empty list");
  } else if (subthemes_ + subs.size() > kMaxSubthemes) {
    Error(subs[kMaxSubthemes - subthemes_], "too-many-subthemes",
          "more than " + std::to_string(kMaxSubthemes) + " sub-themes in all themes together",
          "sub-themes are the columns of the matrices; a framework has tens of them, not "
          "thousands (codes: lists the codes a sub-theme gathers)");
    too_many_ = true;
  } else {
    subthemes_ += subs.size();
    subtheme_ids_.clear();
    for (const auto& sub : subs) LoadSubtheme(f_.themes.back(), sub);
  }
}

void FrameworkLoader::LoadSubtheme(Theme& theme, const YAML::Node& node) {
  if (!node.IsMap()) {
    Error(node, "bad-themes", "a sub-theme must be a mapping with id and label");
    return;
  }
  yaml::CheckKeys(source_, node, {"id", "label", "description", "codes"}, "sub-theme",
                  diagnostics_);
  Subtheme sub;
  Position p = yaml::PositionOf(source_, node);
  sub.line = p.line;
  sub.column = p.column;
  const YAML::Node id = Get(node, "id");
  if (!id.IsDefined()) {
    Error(node, "missing-key", "sub-theme has no 'id'", "add 'id: short_name'");
    return;
  }
  auto id_value = Id(id, "sub-theme id");
  if (!id_value) return;
  sub.id = *id_value;
  if (!subtheme_ids_.insert(sub.id).second) {
    Error(id, "duplicate-id",
          "duplicate sub-theme id " + Quote(sub.id) + " in theme " + Quote(theme.id),
          "each sub-theme of a theme needs its own id");
    return;
  }
  if (auto label = Get(node, "label"); label.IsDefined()) {
    if (auto v = yaml::Scalar(source_, label, "label", diagnostics_)) sub.label = *v;
  } else {
    Error(id, "missing-key", "sub-theme " + Quote(sub.id) + " has no 'label'",
          "add 'label: ...', the column heading");
  }
  if (auto d = Get(node, "description"); d.IsDefined())
    if (auto v = yaml::Scalar(source_, d, "description", diagnostics_)) sub.description = *v;
  std::vector<YAML::Node> alias_nodes;
  if (auto codes = Get(node, "codes"); codes.IsDefined()) {
    if (!codes.IsSequence()) {
      Error(codes, "bad-codes", "codes must be a list of code names",
            "e.g. codes: [cpd, post-qual-training]");
    } else {
      for (const auto& c : codes) {
        auto code = yaml::Scalar(source_, c, "a code", diagnostics_);
        if (!code) continue;
        if (!IsValidId(*code, true)) {
          Error(c, "bad-id", "code " + Quote(*code) + " is not valid",
                "codes use letters, digits, '-', '_' and '.'");
          continue;
        }
        sub.codes.push_back(*code);
        alias_nodes.push_back(c);
      }
    }
  }
  theme.subthemes.push_back(std::move(sub));
  alias_nodes_.back().push_back(std::move(alias_nodes));
  subtheme_nodes_.back().push_back(id);
}

void FrameworkLoader::IndexCodes() {
  // Default codes first, so an alias that collides with one is the one reported.
  for (std::size_t t = 0; t < f_.themes.size(); ++t)
    for (std::size_t s = 0; s < f_.themes[t].subthemes.size(); ++s)
      f_.codes.Add(f_.themes[t].id + "." + f_.themes[t].subthemes[s].id,
                   {static_cast<int>(t), static_cast<int>(s)});
  for (std::size_t t = 0; t < f_.themes.size(); ++t) {
    for (std::size_t s = 0; s < f_.themes[t].subthemes.size(); ++s) {
      const Subtheme& sub = f_.themes[t].subthemes[s];
      for (std::size_t k = 0; k < sub.codes.size(); ++k) {
        ColumnRef here{static_cast<int>(t), static_cast<int>(s)};
        ColumnRef existing = f_.codes.Resolve(sub.codes[k]);
        if (existing.valid()) {
          if (existing == here) continue;  // listing its own default code is harmless
          const Theme& other_theme = f_.themes[static_cast<std::size_t>(existing.theme)];
          const Subtheme& other =
              other_theme.subthemes[static_cast<std::size_t>(existing.subtheme)];
          Error(alias_nodes_[t][s][k], "duplicate-alias",
                "code " + Quote(sub.codes[k]) +
                    " is indexed into two columns: " + Quote(f_.themes[t].id + "." + sub.id) +
                    " and " + Quote(other_theme.id + "." + other.id),
                "a code can index into one column only; remove it from one of them");
          continue;
        }
        f_.codes.Add(sub.codes[k], here);
      }
    }
  }
}

}  // namespace

Framework LoadFramework(std::string_view name, std::string_view text, Diagnostics& diagnostics) {
  FrameworkLoader loader(name, text, diagnostics);
  Framework framework = loader.Run();
  framework.IndexThemes();
  return framework;
}

}  // namespace framework
