// Per-column code statistics: see code_stats.h.
#include "framework/code_stats.h"

#include <map>
#include <set>
#include <utility>

#include "framework/text.h"
#include "json_layout.h"

namespace framework {
namespace {

struct Use {
  std::size_t segments = 0;
  std::size_t words = 0;
  std::set<std::string> participants;
  std::vector<CodePlace> places;  // unknown codes only
};

}  // namespace

CodeStats ComputeCodeStats(const Study& study) {
  const Framework& f = study.framework;
  std::vector<std::vector<Use>> columns(f.themes.size());
  for (std::size_t t = 0; t < f.themes.size(); ++t) columns[t].resize(f.themes[t].subthemes.size());
  std::map<std::string, Use> unknown;
  std::map<std::string, std::size_t> code_segments;  // every code as written
  for (const Transcript& t : study.transcripts) {
    for (const Segment& s : t.segments) {
      std::size_t words = CountWords(t.ParticipantText(s));
      ++code_segments[s.code];
      Use* use;
      if (s.target.valid()) {
        use = &columns[static_cast<std::size_t>(s.target.theme)]
                      [static_cast<std::size_t>(s.target.subtheme)];
      } else {
        use = &unknown[s.code];
        use->places.push_back({t.path, s.line_start});
      }
      ++use->segments;
      use->words += words;
      use->participants.insert(t.participant);
    }
  }
  CodeStats stats;
  stats.columns.resize(f.themes.size());
  for (std::size_t t = 0; t < f.themes.size(); ++t) {
    const Theme& theme = f.themes[t];
    for (std::size_t s = 0; s < theme.subthemes.size(); ++s) {
      const Use& use = columns[t][s];
      ColumnStats column;
      std::vector<std::string> codes{theme.id + "." + theme.subthemes[s].id};
      for (const auto& c : theme.subthemes[s].codes)
        if (c != codes.front()) codes.push_back(c);
      for (std::string& c : codes) {
        auto it = code_segments.find(c);
        column.codes.push_back({std::move(c), it == code_segments.end() ? 0 : it->second});
      }
      column.segments = use.segments;
      column.participants = use.participants.size();
      column.words = use.words;
      stats.columns[t].push_back(std::move(column));
    }
  }
  for (auto& [code, use] : unknown)
    stats.unknown.push_back(
        {code, use.segments, use.participants.size(), use.words, std::move(use.places)});
  return stats;
}

void WriteCodeStatsJson(const Framework& framework, const CodeStats& stats,
                        const std::function<void(std::string_view)>& sink) {
  JsonStream out(sink);
  out.BeginObject();
  out.String("framework-codes", "format");
  out.Int(1, "version");
  out.BeginArray("themes");
  for (std::size_t t = 0; t < framework.themes.size(); ++t) {
    const Theme& theme = framework.themes[t];
    out.BeginObject();
    out.String(theme.id, "id");
    out.String(theme.label, "label");
    out.BeginArray("subthemes");
    for (std::size_t s = 0; s < theme.subthemes.size(); ++s) {
      const ColumnStats& use = stats.columns[t][s];
      out.BeginObject();
      out.String(theme.subthemes[s].id, "id");
      out.String(theme.subthemes[s].label, "label");
      out.BeginArray("codes");
      for (const CodeCount& c : use.codes) {
        out.BeginObject();
        out.String(c.code, "code");
        out.Unsigned(c.segments, "segments");
        out.End();
      }
      out.End();
      out.Unsigned(use.segments, "segments");
      out.Unsigned(use.participants, "participants");
      out.Unsigned(use.words, "words");
      out.End();
    }
    out.End();
    out.End();
  }
  out.End();
  out.BeginArray("unknown_codes");
  for (const UnknownCode& use : stats.unknown) {
    out.BeginObject();
    out.String(use.code, "code");
    out.Unsigned(use.segments, "segments");
    out.Unsigned(use.participants, "participants");
    out.Unsigned(use.words, "words");
    out.BeginArray("places");
    for (const CodePlace& place : use.places) {
      out.BeginObject();
      out.String(place.file, "file");
      out.Int(place.line, "line");
      out.End();
    }
    out.End();
    out.End();
  }
  out.End();
  out.End();
}

}  // namespace framework
