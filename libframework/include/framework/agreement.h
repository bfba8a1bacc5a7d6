// Intercoder agreement: observed agreement, Cohen's and Fleiss' kappa, Krippendorff's alpha
// (nominal), and a seeded bootstrap over clusters (participants). The statistics live here once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "framework/study.h"

namespace framework {

/// A coder gave no value for a unit (a missing copy of a transcript).
inline constexpr int kAgreementMissing = -1;

/// Reliability data, coders by units, stored as distinct unit patterns (one value per coder,
/// kAgreementMissing or a category >= 0) with how many units share each: a study's millions of
/// units fold into a few patterns, so every measure and every bootstrap replicate is cheap.
class ReliabilityData {
 public:
  explicit ReliabilityData(int coders = 2) : coders_(coders) {}
  int coders() const { return coders_; }
  /// Adds `count` units whose values are `values` (one per coder).
  void Add(std::span<const int> values, std::uint64_t count = 1);
  /// Adds every unit of `other` (same number of coders), `times` times over.
  void Merge(const ReliabilityData& other, std::uint64_t times = 1);
  /// Units with at least one value.
  std::uint64_t Units() const;
  const std::map<std::vector<int>, std::uint64_t>& patterns() const { return patterns_; }

 private:
  int coders_ = 2;
  std::map<std::vector<int>, std::uint64_t> patterns_;
};

/// Observed agreement: the share of agreeing pairs of values among all pairs of values within
/// pairable units (units with two or more values), each unit weighted by its values as in
/// Krippendorff's coincidences, i.e. 1 - D_o. With two coders and no missing value it is the
/// share of units on which they agree. Nullopt with no pairable unit.
std::optional<double> ObservedAgreement(const ReliabilityData& data);
/// Cohen's kappa (1960): two coders, over the units both coded. Nullopt with other numbers of
/// coders, no such unit, or chance agreement 1 (e.g. a code nobody used).
std::optional<double> CohenKappa(const ReliabilityData& data);
/// Fleiss' kappa (1971): the units every coder gave a value to. Nullopt with fewer than two
/// coders, no such unit, or chance agreement 1.
std::optional<double> FleissKappa(const ReliabilityData& data);
/// Krippendorff's alpha, nominal metric, any number of coders, missing values allowed
/// (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"). Nullopt when the
/// expected disagreement is 0 (one category used, or fewer than two pairable values).
std::optional<double> KrippendorffAlpha(const ReliabilityData& data);

/// The measures of one set of units.
struct AgreementMeasures {
  std::uint64_t units = 0;             ///< units with at least one value
  std::optional<double> agreement;     ///< ObservedAgreement
  std::optional<double> kappa;         ///< CohenKappa, two coders only
  std::optional<double> fleiss_kappa;  ///< FleissKappa, three or more coders only
  std::optional<double> alpha;         ///< KrippendorffAlpha
  std::optional<double> alpha_low;     ///< bootstrap 95% interval of alpha, when asked
  std::optional<double> alpha_high;
};
AgreementMeasures MeasureAgreement(const ReliabilityData& data);

/// splitmix64 (Steele, Lea and Flood 2014): a fixed generator, so a seed gives the same
/// replicates on every platform and standard library.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next();
  /// Uniform in [0, bound), bound > 0, without modulo bias (rejection).
  std::uint64_t Below(std::uint64_t bound);

 private:
  std::uint64_t state_;
};

inline constexpr std::uint64_t kDefaultBootstrapSeed = 20260101;

/// Percentile bootstrap 95% interval of Krippendorff's alpha, resampling `clusters` (each a
/// participant's units) with replacement, `replicates` times, from `seed`. Replicates whose
/// alpha is undefined are left out; nullopt when none is defined or there are no clusters.
/// The interval ends are the 2.5th and 97.5th percentiles (linear between order statistics).
std::optional<std::pair<double, double>> BootstrapAlpha(std::span<const ReliabilityData> clusters,
                                                        int replicates,
                                                        std::uint64_t seed = kDefaultBootstrapSeed);

/// What one unit is (README "Coding as a team" gives the exact definitions).
enum class AgreementUnit { kLine, kWord, kChar };

struct AgreementOptions {
  AgreementUnit unit = AgreementUnit::kLine;
  bool all_speakers = false;     ///< every non-blank unit, not only participant speech
  bool exclude_uncoded = false;  ///< only units at least one coder coded (per code)
  int bootstrap = 1000;          ///< replicates; 0: no interval
  std::uint64_t seed = kDefaultBootstrapSeed;
  bool disagreements = false;  ///< list where coders differ
};

/// A run of neighbouring units of one transcript on which the coders gave the same differing
/// verdicts for one code.
struct AgreementDisagreement {
  std::string participant;
  int line_start = 0, line_end = 0;  ///< lines of the transcript file (front matter counted)
  std::vector<int> verdicts;         ///< per coder: 1 coded, 0 not, -1 no copy
  std::string text;                  ///< the units' text, white space collapsed
};

struct AgreementRow {
  std::string code;      ///< theme.subtheme; empty for a theme or the overall row
  std::string theme;     ///< empty for the overall row
  std::string subtheme;  ///< empty for a theme or the overall row
  AgreementMeasures measures;
  std::vector<AgreementDisagreement> disagreements;  ///< codes only, with `disagreements`
};

struct AgreementReport {
  int coders = 0;
  AgreementOptions options;
  std::vector<AgreementRow> codes;   ///< framework order
  std::vector<AgreementRow> themes;  ///< codes pooled
  AgreementRow overall;              ///< every code pooled
};

/// Where the coders' copies first fail to match.
struct AgreementMismatch {
  int coder = 0;     ///< the copy that differs from the first (index into the studies)
  std::string path;  ///< study-relative, e.g. "transcripts/P07.txt"; empty for the framework
  int line = 0, column = 0;  ///< 1-based; column in code points of the text with tags removed
  std::string message;
};

/// Compares the coders' copies of one study (each loaded with the text kept) unit by unit.
/// Returns the first mismatch instead when the frameworks' columns, the participants or a
/// transcript's text (tags removed) differ.
std::optional<AgreementMismatch> CompareCoders(std::span<const Study* const> studies,
                                               const AgreementOptions& options,
                                               AgreementReport& report);

/// `agree --format json`: described by schemas/agree.schema.json.
std::string AgreementJson(const AgreementReport& report, const std::vector<std::string>& coders);

}  // namespace framework
