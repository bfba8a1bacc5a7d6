#include "summarise_render.h"

#include <string>

namespace framework::summarise_render {

void Output::Hand() {
  if (text.empty()) return;
  tail_ = (tail_ + text.substr(text.size() >= 2 ? text.size() - 2 : 0));
  if (tail_.size() > 2) tail_.erase(0, tail_.size() - 2);
  (*sink_)(text);
  text.clear();
}

std::string Output::Finish() {
  if (!sink_) return std::move(text);
  Hand();
  return {};
}

bool Output::EndsWithBlankLine() const {
  const std::string last = tail_ + text.substr(text.size() >= 2 ? text.size() - 2 : 0);
  return last.size() >= 2 && last.compare(last.size() - 2, 2, "\n\n") == 0;
}

std::string Plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string JoinRefs(const std::vector<std::string>& refs) {
  std::string out;
  for (const std::string& r : refs) out += (out.empty() ? "" : ", ") + r;
  return out;
}

std::string ShareText(const Share& s, const SummaryReport& report) {
  if (report.options.words) return ShareWord(s.spoke, s.size, report.share_words);
  return std::to_string(s.spoke) + " of " + std::to_string(s.size) + " (" +
         std::to_string(SharePercent(s.spoke, s.size)) + "%)";
}

std::string GroupHeading(const SummaryGroup& g, const SummaryReport& report) {
  if (report.options.words) return g.label;
  return g.label + " (" + std::to_string(g.participants.size()) + ")";
}

std::string SpokeText(const CoverageColumn& c, std::size_t population, const SummaryReport& r) {
  if (r.options.words) return ShareWord(c.participants, population, r.share_words);
  return std::to_string(c.participants) + " of " + std::to_string(population);
}

std::string Marks(ChartStatus status, bool stale) {
  std::string out;
  if (status == ChartStatus::kDraft) out += " [draft]";
  if (stale) out += " [stale]";
  return out;
}

std::string WithinText(Within within) {
  return within == Within::kTurn ? "codes whose segments open in the same speaker turn"
                                 : "codes whose segments overlap in the same text";
}

std::string ShadeRange(int level, std::size_t max_words) {
  if (max_words == 0) return {};
  // Level k holds the w with (k-1)*max < 4w <= k*max (ShadeLevel is ceil(4w/max)).
  const std::size_t k = static_cast<std::size_t>(level);
  const std::size_t lo = (k - 1) * max_words / 4 + 1;
  const std::size_t hi = k * max_words / 4;
  if (lo > hi) return {};
  return lo == hi ? std::to_string(lo) : std::to_string(lo) + "\u2013" + std::to_string(hi);
}

}  // namespace framework::summarise_render
