#include "framework/agreement.h"

#include <algorithm>
#include <cmath>

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

}  // namespace framework
