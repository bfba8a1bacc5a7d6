// The whole model as JSON (export --format json), streamed one value at a time.
#include "framework/export_json.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "framework/chart.h"
#include "framework/participants.h"
#include "framework/text.h"
#include "json_layout.h"
#include "json_model.h"

namespace framework {
namespace {

using Json = nlohmann::ordered_json;

// An attribute value typed as its declaration says (integer, number, boolean), else text.
Json TypedValue(const AttributeDef& def, const std::string& value) {
  char* end = nullptr;
  if (def.type == AttributeType::kInteger) {
    if (const auto n = ParseInteger(value)) return *n;
  } else if (def.type == AttributeType::kNumber) {
    double d = std::strtod(value.c_str(), &end);
    if (!value.empty() && end && *end == '\0') return d;
  } else if (def.type == AttributeType::kBoolean) {
    if (value == "true") return true;
    if (value == "false") return false;
  }
  return value;
}

std::vector<std::string> NaturalOrder(const std::set<std::string>& ids) {
  std::vector<std::string> out(ids.begin(), ids.end());
  std::sort(out.begin(), out.end(),
            [](const std::string& a, const std::string& b) { return NaturalLess(a, b); });
  return out;
}

// Every participant: the declared ones and any with a transcript, in natural order.
std::vector<std::string> ParticipantIds(const Study& study) {
  std::set<std::string> ids;
  for (const Participant& p : study.participants.participants) ids.insert(p.id);
  for (const Transcript& t : study.transcripts)
    if (!t.participant.empty()) ids.insert(t.participant);
  return NaturalOrder(ids);
}

// The participant `id` as a row of `participants.rows`.
Json ParticipantJson(const Study& study, const std::string& id) {
  const auto& defs = study.participants.attributes;
  Json values = Json::object();
  const int p = study.participants.Find(id);
  if (p >= 0) {
    const Participant& participant = study.participants.participants[static_cast<std::size_t>(p)];
    for (std::size_t a = 0; a < defs.size() && a < participant.values.size(); ++a)
      if (participant.values[a]) values[defs[a].name] = TypedValue(defs[a], *participant.values[a]);
  }
  return {{"id", id}, {"declared", p >= 0}, {"attributes", values}};
}

Json FrameworkJson(const Study& study, const std::vector<int>& themes) {
  auto theme_list = Json::array();
  for (int t : themes) {
    const Theme& theme = study.framework.themes[static_cast<std::size_t>(t)];
    auto subs = Json::array();
    for (const Subtheme& s : theme.subthemes) {
      std::vector<std::string> codes{theme.id + "." + s.id};
      codes.insert(codes.end(), s.codes.begin(), s.codes.end());
      subs.push_back(
          {{"id", s.id}, {"label", s.label}, {"description", s.description}, {"codes", codes}});
    }
    theme_list.push_back({{"id", theme.id},
                          {"label", theme.label},
                          {"description", theme.description},
                          {"subthemes", subs}});
  }
  return {{"description", study.framework.description}, {"themes", theme_list}};
}

Json AttributesJson(const Study& study) {
  auto attributes = Json::array();
  for (const AttributeDef& def : study.participants.attributes)
    attributes.push_back({{"name", def.name},
                          {"type", std::string(AttributeTypeName(def.type))},
                          {"values", def.values},
                          {"description", def.description}});
  return attributes;
}

// What every part of a split export shares (see `framework merge`): hashes of the framework and
// of everything else read from outside the transcripts, the transcripts' participants, and the
// chart entries of the exported themes as the chart files hold them. `declared` are the rows of
// the declared participants.
Json PartJson(const Study& study, const std::vector<int>& themes, const Json& title,
              const Json& framework, const Json& attributes, const Json& declared,
              const std::vector<std::string>& only) {
  auto charts = Json::array();
  for (const Chart& chart : study.charts) {
    bool exported = false;
    for (int t : themes)
      exported |= study.framework.themes[static_cast<std::size_t>(t)].id == chart.theme;
    if (!exported) continue;
    auto cells = Json::array();
    for (const ChartCell& c : chart.cells) cells.push_back(ChartCellJson(c));
    charts.push_back({{"path", chart.path}, {"theme", chart.theme}, {"cells", cells}});
  }
  const Json shared = {{"title", title},
                       {"framework", framework},
                       {"attributes", attributes},
                       {"declared", declared},
                       {"charts", charts}};
  std::set<std::string> ids;
  for (const Transcript& t : study.transcripts) ids.insert(t.participant);
  return {{"framework", HashHex(JsonLine(framework))},
          {"study", HashHex(JsonLine(shared))},
          {"only", only},
          {"transcripts", NaturalOrder(ids)},
          {"charts", charts}};
}

}  // namespace

void WriteExportJson(Study& study, const ExportJsonOptions& options, const TextSink& sink) {
  std::vector<int> themes = options.themes;
  if (themes.empty())
    for (std::size_t t = 0; t < study.framework.themes.size(); ++t)
      themes.push_back(static_cast<int>(t));
  const Json title = study.framework.title;
  const Json framework = FrameworkJson(study, themes);
  const Json attributes = AttributesJson(study);
  const std::vector<std::string> ids = ParticipantIds(study);
  // The part's record of the chart files, taken before the matrices take their entries.
  Json part;
  if (study.partial) {
    auto declared = Json::array();
    for (const std::string& id : ids)
      if (study.participants.Find(id) >= 0) declared.push_back(ParticipantJson(study, id));
    part = PartJson(study, themes, title, framework, attributes, declared, options.only);
  }

  JsonStream json(sink);
  json.BeginObject();
  json.Value("framework-export", "format");
  json.Value(1, "version");
  json.Value(title, "title");
  json.Value(framework, "framework");
  json.BeginObject("participants");
  json.Value(attributes, "attributes");
  json.BeginArray("rows");
  for (const std::string& id : ids) json.Value(ParticipantJson(study, id));
  json.End();
  json.End();
  // A part (--only) carries the rows of its own transcripts' participants only: `merge` takes
  // every other row, and where each chart entry goes, from the whole.
  std::set<std::string> in_part;
  if (study.partial)
    for (const Transcript& t : study.transcripts) in_part.insert(t.participant);
  json.BeginArray("matrices");
  for (int t : themes) {
    const Matrix m = TakeChartedMatrix(study, t);
    json.BeginObject();
    json.Value(m.theme, "theme");
    json.BeginArray("rows");
    auto write_row = [&](JsonStream& out, std::size_t r) {
      out.BeginObject();
      out.String(m.participants[r], "participant");
      out.BeginArray("cells");
      for (std::size_t c = 0; c < m.subthemes.size() && c < m.cells[r].size(); ++c)
        WriteMatrixCell(out, m.cells[r][c], m.subthemes[c]);
      out.End();
      out.End();
    };
    auto skipped = [&](std::size_t r) {
      return study.partial && !in_part.count(m.participants[r]);
    };
    const unsigned threads = RowThreads(options.jobs, LargestRowBytes(m));
    if (threads == 1) {
      for (std::size_t r = 0; r < m.participants.size(); ++r)
        if (!skipped(r)) write_row(json, r);
    } else {
      // A block at a time on each thread, each into its own text (laid out at the depth of the
      // rows), then added in order (row_blocks.h).
      const std::size_t depth = json.Depth();
      auto write_rows = [&](std::size_t from, std::size_t to, RowBlock& block) {
        JsonStream rows([&](std::string_view piece) { block.text.append(piece); }, depth);
        for (std::size_t r = from; r < to; ++r) {
          if (skipped(r)) continue;
          if (block.count++) JsonStream::AppendSeparator(depth, block.text);
          write_row(rows, r);
        }
      };
      ForEachRowBlock(m.participants.size(), threads, write_rows,
                      [&](const RowBlock& block) { json.Elements(block.text, block.count); });
    }
    json.End();
    json.BeginArray("orphans");
    for (const ChartCell& c : m.orphans) WriteChartCell(json, c);
    json.End();
    json.End();
  }
  json.End();
  if (study.partial) json.Value(part, "part");
  json.End();
}

std::string ExportJson(const Study& study, const ExportJsonOptions& options) {
  Study copy = study;
  std::string out;
  WriteExportJson(copy, options, [&](std::string_view piece) { out.append(piece); });
  return out;
}

void WriteShowJson(const Transcript& transcript, const Framework& framework, std::size_t line_count,
                   const std::vector<ColumnRef>& columns, const TextSink& sink) {
  JsonStream json([&](std::string_view piece) { sink(piece); });
  json.BeginObject();
  json.String("framework-show", "format");
  json.Int(1, "version");
  json.String(transcript.participant, "participant");
  json.String(transcript.path, "file");
  json.Unsigned(line_count, "line_count");
  json.BeginArray("segments");
  for (const Segment& s : transcript.segments) {
    if (!columns.empty() && std::find(columns.begin(), columns.end(), s.target) == columns.end())
      continue;
    json.BeginObject();
    json.String(s.code, "code");
    if (s.target.valid()) {
      const Theme& theme = framework.themes[static_cast<std::size_t>(s.target.theme)];
      json.String(theme.id, "theme");
      json.String(theme.subthemes[static_cast<std::size_t>(s.target.subtheme)].id, "subtheme");
    } else {
      json.Null("theme");  // a code the framework lacks (the check reports it)
      json.Null("subtheme");
    }
    json.Int(s.line_start, "line_start");
    json.Int(s.line_end, "line_end");
    if (s.speaker >= 0 && static_cast<std::size_t>(s.speaker) < transcript.speakers.size())
      json.String(transcript.speakers[static_cast<std::size_t>(s.speaker)].label, "speaker");
    else
      json.Null("speaker");
    json.String(transcript.SegmentText(s), "text");
    json.End();
  }
  json.End();
  json.End();
}

}  // namespace framework
