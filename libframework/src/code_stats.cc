// Per-column code statistics: see code_stats.h.
#include "framework/code_stats.h"

#include <map>
#include <set>
#include <utility>

#include "framework/text.h"

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

}  // namespace framework
