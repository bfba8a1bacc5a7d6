#include "json_model.h"

namespace framework {

nlohmann::ordered_json ChartCellJson(const ChartCell& c) {
  nlohmann::ordered_json j;
  j["participant"] = c.participant;
  j["subtheme"] = c.subtheme;
  j["status"] = std::string(ChartStatusName(c.status));
  j["summary"] = c.summary;
  j["comment"] = c.comment;
  j["refs"] = c.refs;
  j["source"] = c.source;
  j["updated"] = c.updated;
  return j;
}

nlohmann::ordered_json MatrixCellJson(const MatrixCell& cell, const std::string& subtheme) {
  auto segments = nlohmann::ordered_json::array();
  for (const CellSegment& s : cell.segments) {
    // Who says what: one piece per speaker's stretch, so a script can keep a participant's
    // own words (every speaker's words stay in `text`).
    auto speakers = nlohmann::ordered_json::array();
    auto piece = [&](std::string_view label, SpeakerRole role, int first, int last,
                     std::string_view text) {
      speakers.push_back({{"speaker", std::string(label)},
                          {"role", std::string(SpeakerRoleName(role))},
                          {"line_start", first},
                          {"line_end", last},
                          {"text", std::string(text)}});
    };
    if (s.pieces.empty()) piece(s.speaker, s.role, s.line_start, s.line_end, s.text);
    for (std::size_t i = 0; i < s.pieces.size(); ++i) {
      const PieceView p = s.Piece(i);
      piece(p.speaker, p.role, p.line_start, p.line_end, p.text);
    }
    segments.push_back({{"code", s.code},
                        {"line_start", s.line_start},
                        {"line_end", s.line_end},
                        {"speaker", s.speaker},
                        {"text", s.text},
                        {"speakers", std::move(speakers)}});
  }
  std::string state = cell.chart        ? std::string(ChartStatusName(cell.chart->status))
                      : cell.has_data() ? "uncharted"
                                        : "empty";
  return {{"subtheme", subtheme},
          {"state", state},
          {"stale", cell.stale()},
          {"words", cell.words},
          {"source", cell.source},
          {"segments", segments},
          {"chart", cell.chart ? ChartCellJson(*cell.chart) : nlohmann::ordered_json()}};
}

void WriteChartCell(JsonStream& json, const ChartCell& c, const char* key) {
  json.BeginObject(key);
  json.String(c.participant, "participant");
  json.String(c.subtheme, "subtheme");
  json.String(ChartStatusName(c.status), "status");
  json.String(c.summary, "summary");
  json.String(c.comment, "comment");
  json.BeginArray("refs");
  for (const std::string& ref : c.refs) json.String(ref);
  json.End();
  json.String(c.source, "source");
  json.String(c.updated, "updated");
  json.End();
}

void WriteMatrixCell(JsonStream& json, const MatrixCell& cell, const std::string& subtheme) {
  json.BeginObject();
  json.String(subtheme, "subtheme");
  json.String(cell.chart        ? ChartStatusName(cell.chart->status)
              : cell.has_data() ? "uncharted"
                                : "empty",
              "state");
  json.Bool(cell.stale(), "stale");
  json.Unsigned(cell.words, "words");
  json.String(cell.source, "source");
  json.BeginArray("segments");
  for (const CellSegment& s : cell.segments) {
    json.BeginObject();
    json.String(s.code, "code");
    json.Int(s.line_start, "line_start");
    json.Int(s.line_end, "line_end");
    json.String(s.speaker, "speaker");
    json.String(s.text, "text");
    json.BeginArray("speakers");
    auto piece = [&](std::string_view label, SpeakerRole role, int first, int last,
                     std::string_view text) {
      json.BeginObject();
      json.String(label, "speaker");
      json.String(SpeakerRoleName(role), "role");
      json.Int(first, "line_start");
      json.Int(last, "line_end");
      json.String(text, "text");
      json.End();
    };
    if (s.pieces.empty()) piece(s.speaker, s.role, s.line_start, s.line_end, s.text);
    for (std::size_t i = 0; i < s.pieces.size(); ++i) {
      const PieceView p = s.Piece(i);
      piece(p.speaker, p.role, p.line_start, p.line_end, p.text);
    }
    json.End();
    json.End();
  }
  json.End();
  if (cell.chart)
    WriteChartCell(json, *cell.chart, "chart");
  else
    json.Null("chart");
  json.End();
}

std::string JsonLine(const nlohmann::ordered_json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace framework
