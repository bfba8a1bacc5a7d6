#include "framework/agreement.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string_view>

#include "framework/text.h"
#include "json_layout.h"

namespace framework {

void ReliabilityData::Add(std::span<const int> values, std::uint64_t count) {
  if (count == 0) return;
  std::vector<int> key(values.begin(), values.end());
  key.resize(static_cast<std::size_t>(coders_), kAgreementMissing);
  for (int& v : key)
    if (v < 0) v = kAgreementMissing;
  patterns_[std::move(key)] += count;
}

void ReliabilityData::Merge(const ReliabilityData& other, std::uint64_t times) {
  if (times == 0) return;
  for (const auto& [values, count] : other.patterns_) Add(values, count * times);
}

std::uint64_t ReliabilityData::Units() const {
  std::uint64_t units = 0;
  for (const auto& [values, count] : patterns_)
    if (std::any_of(values.begin(), values.end(), [](int v) { return v >= 0; })) units += count;
  return units;
}

namespace {

// What alpha and the observed agreement need of one pattern: its pairable values by category
// and its disagreeing pairs, (m^2 - sum n_c^2) / (m - 1).
struct PatternShape {
  std::vector<std::pair<int, double>> categories;  // category, values of it
  double values = 0;                               // m_u; 0 when the unit is not pairable
  double disagreement = 0;
};

PatternShape Shape(const std::vector<int>& values) {
  PatternShape shape;
  std::map<int, int> counts;
  int m = 0;
  for (int v : values)
    if (v >= 0) ++counts[v], ++m;
  if (m < 2) return shape;
  double squares = 0;
  for (const auto& [c, n] : counts) {
    shape.categories.push_back({c, static_cast<double>(n)});
    squares += static_cast<double>(n) * n;
  }
  shape.values = m;
  shape.disagreement = (static_cast<double>(m) * m - squares) / (m - 1);
  return shape;
}

struct AlphaParts {
  double n = 0;             // pairable values
  double disagreement = 0;  // sum over c != k of the coincidences o_ck
  std::map<int, double> by_category;
};

std::optional<double> AlphaOf(const AlphaParts& parts) {
  if (parts.n < 2) return std::nullopt;
  double squares = 0;
  int used = 0;
  for (const auto& [c, n] : parts.by_category) {
    if (n <= 0) continue;
    ++used;
    squares += n * n;
  }
  if (used < 2) return std::nullopt;
  double expected = parts.n * parts.n - squares;
  return 1.0 - (parts.n - 1) * parts.disagreement / expected;
}

AlphaParts PartsOf(const ReliabilityData& data) {
  AlphaParts parts;
  for (const auto& [values, count] : data.patterns()) {
    PatternShape shape = Shape(values);
    if (shape.values == 0) continue;
    double w = static_cast<double>(count);
    parts.n += w * shape.values;
    parts.disagreement += w * shape.disagreement;
    for (const auto& [c, n] : shape.categories) parts.by_category[c] += w * n;
  }
  return parts;
}

}  // namespace

std::optional<double> ObservedAgreement(const ReliabilityData& data) {
  AlphaParts parts = PartsOf(data);
  if (parts.n <= 0) return std::nullopt;
  return 1.0 - parts.disagreement / parts.n;
}

std::optional<double> KrippendorffAlpha(const ReliabilityData& data) {
  return AlphaOf(PartsOf(data));
}

std::optional<double> CohenKappa(const ReliabilityData& data) {
  if (data.coders() != 2) return std::nullopt;
  double total = 0, agree = 0;
  std::map<int, double> first, second;
  for (const auto& [values, count] : data.patterns()) {
    if (values[0] < 0 || values[1] < 0) continue;
    double w = static_cast<double>(count);
    total += w;
    if (values[0] == values[1]) agree += w;
    first[values[0]] += w;
    second[values[1]] += w;
  }
  if (total <= 0) return std::nullopt;
  double chance = 0;
  for (const auto& [c, n] : first) {
    auto it = second.find(c);
    if (it != second.end()) chance += (n / total) * (it->second / total);
  }
  if (1.0 - chance <= 1e-12) return std::nullopt;
  return (agree / total - chance) / (1.0 - chance);
}

std::optional<double> FleissKappa(const ReliabilityData& data) {
  const int m = data.coders();
  if (m < 2) return std::nullopt;
  double units = 0, sum_p = 0;
  std::map<int, double> by_category;
  for (const auto& [values, count] : data.patterns()) {
    if (std::any_of(values.begin(), values.end(), [](int v) { return v < 0; })) continue;
    std::map<int, int> counts;
    for (int v : values) ++counts[v];
    double squares = 0;
    for (const auto& [c, n] : counts) {
      squares += static_cast<double>(n) * n;
      by_category[c] += static_cast<double>(count) * n;
    }
    double w = static_cast<double>(count);
    units += w;
    sum_p += w * (squares - m) / (static_cast<double>(m) * (m - 1));
  }
  if (units <= 0) return std::nullopt;
  double chance = 0;
  for (const auto& [c, n] : by_category) {
    double p = n / (units * m);
    chance += p * p;
  }
  if (1.0 - chance <= 1e-12) return std::nullopt;
  return (sum_p / units - chance) / (1.0 - chance);
}

AgreementMeasures MeasureAgreement(const ReliabilityData& data) {
  AgreementMeasures out;
  out.units = data.Units();
  out.agreement = ObservedAgreement(data);
  out.alpha = KrippendorffAlpha(data);
  if (data.coders() == 2) out.kappa = CohenKappa(data);
  if (data.coders() >= 3) out.fleiss_kappa = FleissKappa(data);
  return out;
}

std::uint64_t SplitMix64::Next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t SplitMix64::Below(std::uint64_t bound) {
  // The largest multiple of `bound` that fits; values at or past it are drawn again.
  const std::uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    std::uint64_t r = Next();
    if (r >= threshold) return r % bound;
  }
}

std::optional<std::pair<double, double>> BootstrapAlpha(std::span<const ReliabilityData> clusters,
                                                        int replicates, std::uint64_t seed) {
  if (clusters.empty() || replicates <= 0) return std::nullopt;
  // Each cluster's alpha parts once; a replicate sums them.
  std::vector<AlphaParts> parts;
  parts.reserve(clusters.size());
  for (const ReliabilityData& c : clusters) parts.push_back(PartsOf(c));
  SplitMix64 rng(seed);
  std::vector<double> alphas;
  alphas.reserve(static_cast<std::size_t>(replicates));
  std::vector<std::uint64_t> times(clusters.size());
  for (int r = 0; r < replicates; ++r) {
    std::fill(times.begin(), times.end(), 0);
    for (std::size_t i = 0; i < clusters.size(); ++i) ++times[rng.Below(clusters.size())];
    AlphaParts sum;
    for (std::size_t i = 0; i < clusters.size(); ++i) {
      if (times[i] == 0) continue;
      double w = static_cast<double>(times[i]);
      sum.n += w * parts[i].n;
      sum.disagreement += w * parts[i].disagreement;
      for (const auto& [c, n] : parts[i].by_category) sum.by_category[c] += w * n;
    }
    if (auto a = AlphaOf(sum)) alphas.push_back(*a);
  }
  if (alphas.empty()) return std::nullopt;
  std::sort(alphas.begin(), alphas.end());
  auto quantile = [&](double q) {
    double at = q * static_cast<double>(alphas.size() - 1);
    std::size_t lo = static_cast<std::size_t>(std::floor(at));
    std::size_t hi = std::min(lo + 1, alphas.size() - 1);
    return alphas[lo] + (alphas[hi] - alphas[lo]) * (at - static_cast<double>(lo));
  };
  return std::make_pair(quantile(0.025), quantile(0.975));
}

namespace {

struct Unit {
  std::uint32_t begin = 0, end = 0;
  int line = 0;
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'; }

// The file line of the text's first line: the body's lines follow the front matter.
int BodyLine(const Transcript& t) {
  int newlines = static_cast<int>(std::count(t.text.begin(), t.text.end(), '\n'));
  int lines = newlines + (t.text.empty() || t.text.back() == '\n' ? 0 : 1);
  return t.line_count - lines + 1;
}

// The turns are in text order: the speaker at `pos` is the last turn beginning at or before it
// (a binary search, so `--unit char` stays linear in the transcript).
bool ParticipantAt(const Transcript& t, std::uint32_t pos) {
  auto after =
      std::upper_bound(t.turns.begin(), t.turns.end(), pos,
                       [](std::uint32_t p, const Turn& turn) { return p < turn.text_begin; });
  if (after == t.turns.begin()) return true;  // before any turn: the participant's
  int speaker = std::prev(after)->speaker;
  if (speaker < 0) return true;
  return t.speakers[static_cast<std::size_t>(speaker)].role == SpeakerRole::kParticipant;
}

std::vector<Unit> UnitsOf(const Transcript& t, const AgreementOptions& o) {
  std::vector<Unit> units;
  const std::string& s = t.text;
  int line = BodyLine(t);
  std::size_t i = 0;
  auto keep = [&](std::uint32_t b) { return o.all_speakers || ParticipantAt(t, b); };
  while (i < s.size()) {
    std::size_t eol = s.find('\n', i);
    if (eol == std::string::npos) eol = s.size();
    if (o.unit == AgreementUnit::kLine) {
      std::size_t first = i;
      while (first < eol && IsSpace(s[first])) ++first;
      if (first < eol && keep(static_cast<std::uint32_t>(first)))
        units.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(eol), line});
    } else {
      std::size_t j = i;
      while (j < eol) {
        if (IsSpace(s[j])) {
          ++j;
          continue;
        }
        std::size_t k = j + 1;
        if (o.unit == AgreementUnit::kWord) {
          while (k < eol && !IsSpace(s[k])) ++k;
        } else {
          while (k < eol && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) ++k;
        }
        if (keep(static_cast<std::uint32_t>(j)))
          units.push_back({static_cast<std::uint32_t>(j), static_cast<std::uint32_t>(k), line});
        j = k;
      }
    }
    i = eol + 1;
    ++line;
  }
  return units;
}

// Per unit, whether a segment of `column` covers any byte of it.
std::vector<int> Verdicts(const Transcript& t, ColumnRef column, const std::vector<Unit>& units) {
  std::vector<std::uint32_t> covered(t.text.size() + 1, 0);
  for (const Segment& seg : t.segments) {
    if (!(seg.target == column) || seg.text_end <= seg.text_begin) continue;
    covered[seg.text_begin] += 1;
    covered[seg.text_end] -= 1;
  }
  // covered[i]: segments over byte i; then prefix counts of covered bytes.
  std::vector<std::uint32_t> prefix(t.text.size() + 1, 0);
  std::uint32_t depth = 0;
  for (std::size_t i = 0; i < t.text.size(); ++i) {
    depth += covered[i];
    prefix[i + 1] = prefix[i] + (depth > 0 ? 1 : 0);
  }
  std::vector<int> out(units.size());
  for (std::size_t u = 0; u < units.size(); ++u)
    out[u] = prefix[units[u].end] > prefix[units[u].begin] ? 1 : 0;
  return out;
}

std::string Collapse(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (IsSpace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

void Finish(AgreementRow& row, const std::vector<ReliabilityData>& clusters, int coders,
            const AgreementOptions& o) {
  ReliabilityData all(coders);
  for (const auto& c : clusters) all.Merge(c);
  AgreementMeasures m = MeasureAgreement(all);
  if (o.bootstrap > 0)
    if (auto ci = BootstrapAlpha(clusters, o.bootstrap, o.seed)) {
      m.alpha_low = ci->first;
      m.alpha_high = ci->second;
    }
  row.measures = m;
}

}  // namespace

std::optional<AgreementMismatch> CompareCoders(std::span<const Study* const> studies,
                                               const AgreementOptions& options,
                                               AgreementReport& report) {
  const int coders = static_cast<int>(studies.size());
  report = {};
  report.coders = coders;
  report.options = options;
  const Study& first = *studies[0];
  const Framework& f = first.framework;
  for (int c = 1; c < coders; ++c) {
    const Framework& g = studies[c]->framework;
    bool same = g.themes.size() == f.themes.size();
    for (std::size_t t = 0; same && t < f.themes.size(); ++t) {
      same = g.themes[t].id == f.themes[t].id &&
             g.themes[t].subthemes.size() == f.themes[t].subthemes.size();
      for (std::size_t s = 0; same && s < f.themes[t].subthemes.size(); ++s)
        same = g.themes[t].subthemes[s].id == f.themes[t].subthemes[s].id;
    }
    if (!same) return AgreementMismatch{c, "framework.yaml", 1, 1, "framework differs from"};
    if (studies[c]->participants.Ids() != first.participants.Ids())
      return AgreementMismatch{c, first.participants_path, 1, 1, "participants differ from"};
  }
  // Participants, in the first copy's order of transcripts, then any only others have.
  std::vector<std::string> people;
  for (int c = 0; c < coders; ++c)
    for (const Transcript& t : studies[c]->transcripts)
      if (std::find(people.begin(), people.end(), t.participant) == people.end())
        people.push_back(t.participant);

  std::vector<std::pair<ColumnRef, std::string>> columns;
  for (std::size_t t = 0; t < f.themes.size(); ++t)
    for (std::size_t s = 0; s < f.themes[t].subthemes.size(); ++s)
      columns.push_back({ColumnRef{static_cast<int>(t), static_cast<int>(s)},
                         f.themes[t].id + "." + f.themes[t].subthemes[s].id});
  // clusters[column][participant]
  std::vector<std::vector<ReliabilityData>> clusters(
      columns.size(), std::vector<ReliabilityData>(people.size(), ReliabilityData(coders)));
  std::vector<std::vector<AgreementDisagreement>> listed(columns.size());

  for (std::size_t p = 0; p < people.size(); ++p) {
    std::vector<const Transcript*> copies(static_cast<std::size_t>(coders), nullptr);
    int base = -1;
    for (int c = 0; c < coders; ++c) {
      int i = studies[c]->FindTranscript(people[p]);
      if (i >= 0) copies[c] = &studies[c]->transcripts[static_cast<std::size_t>(i)];
      if (copies[c] && base < 0) base = c;
    }
    const Transcript& ref = *copies[static_cast<std::size_t>(base)];
    for (int c = base + 1; c < coders; ++c) {
      if (!copies[c] || copies[c]->text == ref.text) continue;
      const std::string& a = ref.text;
      const std::string& b = copies[c]->text;
      std::size_t at = 0;
      while (at < a.size() && at < b.size() && a[at] == b[at]) ++at;
      std::size_t line_begin = b.rfind('\n', at == 0 ? 0 : at - 1);
      line_begin = (line_begin == std::string::npos || at == 0) ? 0 : line_begin + 1;
      int line =
          BodyLine(*copies[c]) +
          static_cast<int>(std::count(b.begin(), b.begin() + static_cast<long>(line_begin), '\n'));
      int column = static_cast<int>(
                       CountCodePoints(std::string_view(b).substr(line_begin, at - line_begin))) +
                   1;
      return AgreementMismatch{c, copies[c]->path, line, column, "text differs from"};
    }
    std::vector<Unit> units = UnitsOf(ref, options);
    for (std::size_t k = 0; k < columns.size(); ++k) {
      std::vector<std::vector<int>> v(static_cast<std::size_t>(coders));
      for (int c = 0; c < coders; ++c)
        v[c] = copies[c] ? Verdicts(*copies[c], columns[k].first, units)
                         : std::vector<int>(units.size(), kAgreementMissing);
      std::vector<int> row(static_cast<std::size_t>(coders));
      AgreementDisagreement* open = nullptr;
      for (std::size_t u = 0; u < units.size(); ++u) {
        bool any = false, differ = false;
        int seen = -2;
        for (int c = 0; c < coders; ++c) {
          row[c] = v[c][u];
          any |= row[c] == 1;
          if (row[c] >= 0) {
            if (seen != -2 && seen != row[c]) differ = true;
            seen = row[c];
          }
        }
        if (options.exclude_uncoded && !any) {
          open = nullptr;
          continue;
        }
        clusters[k][p].Add(row);
        if (!options.disagreements || !differ) {
          open = nullptr;
          continue;
        }
        std::string_view text =
            std::string_view(ref.text).substr(units[u].begin, units[u].end - units[u].begin);
        if (open && open->verdicts == row) {
          open->line_end = units[u].line;
          open->text += ' ';
          open->text += Collapse(text);
        } else {
          listed[k].push_back({people[p], units[u].line, units[u].line, row, Collapse(text)});
          open = &listed[k].back();
        }
      }
    }
  }
  report.overall.measures = {};
  std::vector<ReliabilityData> overall(people.size(), ReliabilityData(coders));
  for (std::size_t t = 0, k = 0; t < f.themes.size(); ++t) {
    std::vector<ReliabilityData> theme(people.size(), ReliabilityData(coders));
    for (std::size_t s = 0; s < f.themes[t].subthemes.size(); ++s, ++k) {
      AgreementRow row;
      row.code = columns[k].second;
      row.theme = f.themes[t].id;
      row.subtheme = f.themes[t].subthemes[s].id;
      Finish(row, clusters[k], coders, options);
      row.disagreements = std::move(listed[k]);
      report.codes.push_back(std::move(row));
      for (std::size_t p = 0; p < people.size(); ++p) {
        theme[p].Merge(clusters[k][p]);
        overall[p].Merge(clusters[k][p]);
      }
    }
    AgreementRow row;
    row.theme = f.themes[t].id;
    Finish(row, theme, coders, options);
    report.themes.push_back(std::move(row));
  }
  Finish(report.overall, overall, coders, options);
  return std::nullopt;
}

namespace {

nlohmann::ordered_json Number(const std::optional<double>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json RowJson(const AgreementRow& row, bool code) {
  nlohmann::ordered_json j;
  if (code) j["code"] = row.code;
  j["theme"] =
      row.theme.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(row.theme);
  j["subtheme"] =
      row.subtheme.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(row.subtheme);
  const AgreementMeasures& m = row.measures;
  j["units"] = m.units;
  j["agreement"] = Number(m.agreement);
  j["kappa"] = Number(m.kappa);
  j["fleiss_kappa"] = Number(m.fleiss_kappa);
  j["alpha"] = Number(m.alpha);
  j["alpha_ci"] = m.alpha_low ? nlohmann::ordered_json::array({*m.alpha_low, *m.alpha_high})
                              : nlohmann::ordered_json(nullptr);
  if (code && !row.disagreements.empty()) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const AgreementDisagreement& d : row.disagreements) {
      nlohmann::ordered_json e;
      e["participant"] = d.participant;
      e["lines"] = nlohmann::ordered_json::array({d.line_start, d.line_end});
      e["ref"] = d.participant + ":L" + std::to_string(d.line_start) +
                 (d.line_end != d.line_start ? "-" + std::to_string(d.line_end) : "");
      e["verdicts"] = d.verdicts;
      e["text"] = d.text;
      list.push_back(std::move(e));
    }
    j["disagreements"] = std::move(list);
  }
  return j;
}

}  // namespace

std::string AgreementJson(const AgreementReport& report, const std::vector<std::string>& coders) {
  nlohmann::ordered_json j;
  j["coders"] = coders;
  const char* units[] = {"line", "word", "char"};
  j["unit"] = units[static_cast<int>(report.options.unit)];
  j["all_speakers"] = report.options.all_speakers;
  j["exclude_uncoded"] = report.options.exclude_uncoded;
  j["bootstrap"] = report.options.bootstrap;
  j["seed"] = report.options.seed;
  j["codes"] = nlohmann::ordered_json::array();
  for (const auto& r : report.codes) j["codes"].push_back(RowJson(r, true));
  j["themes"] = nlohmann::ordered_json::array();
  for (const auto& r : report.themes) j["themes"].push_back(RowJson(r, false));
  j["overall"] = RowJson(report.overall, false);
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace framework
