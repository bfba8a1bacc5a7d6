// The agreement statistics against published worked examples and hand-computed cases.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "framework/agreement.h"

using framework::kAgreementMissing;
using framework::ReliabilityData;

namespace {

constexpr int M = kAgreementMissing;

// Rows are units, one value per coder.
ReliabilityData Units(int coders, const std::vector<std::vector<int>>& rows) {
  ReliabilityData data(coders);
  for (const auto& row : rows) data.Add(row);
  return data;
}

double Round3(double x) { return std::round(x * 1000) / 1000; }

}  // namespace

TEST_CASE("agreement: Krippendorff 2011 nominal example gives alpha 0.743") {
  // "Computing Krippendorff's Alpha-Reliability" (2011), section C: four observers, twelve
  // units, values 1-5, missing data; the paper states alpha_nominal = 0.743.
  ReliabilityData data = Units(4, {{1, 1, M, 1},
                                   {2, 2, 3, 2},
                                   {3, 3, 3, 3},
                                   {3, 3, 3, 3},
                                   {2, 2, 2, 2},
                                   {1, 2, 3, 4},
                                   {4, 4, 4, 4},
                                   {1, 1, 2, 1},
                                   {2, 2, 2, 2},
                                   {M, 5, 5, 5},
                                   {M, M, 1, 1},
                                   {M, 3, M, M}});
  auto alpha = framework::KrippendorffAlpha(data);
  REQUIRE(alpha);
  CHECK(Round3(*alpha) == doctest::Approx(0.743));
  // n = 40 pairable values; disagreeing coincidences: unit 2 gives 6/3, unit 6 12/3, unit 8
  // 6/3, so 8 in all and the observed agreement is 1 - 8/40.
  CHECK(*framework::ObservedAgreement(data) == doctest::Approx(1.0 - 8.0 / 40.0));
  CHECK(data.Units() == 12);
}

TEST_CASE("agreement: Cohen 1960 table 1 gives kappa 0.49") {
  // Cohen (1960), the two judges' joint proportions over 200 cases: p_o = .70, p_c = .41.
  const int cells[3][3] = {{88, 14, 18}, {10, 40, 10}, {2, 6, 12}};
  ReliabilityData data(2);
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) data.Add(std::vector<int>{a, b}, cells[a][b]);
  auto kappa = framework::CohenKappa(data);
  REQUIRE(kappa);
  CHECK(*kappa == doctest::Approx((0.70 - 0.41) / 0.59));
  CHECK(Round3(*kappa) == doctest::Approx(0.492));
  CHECK(*framework::ObservedAgreement(data) == doctest::Approx(0.70));
  CHECK_FALSE(framework::FleissKappa(Units(1, {{1}})));
}

TEST_CASE("agreement: Fleiss 1971 table 1 gives kappa 0.430") {
  // Fleiss (1971), 30 patients, six psychiatrists each, five diagnoses: P-bar = .556,
  // P-bar_e = .220, kappa = .430.
  ReliabilityData data =
      Units(6, {{4, 4, 4, 4, 4, 4}, {2, 2, 2, 5, 5, 5}, {2, 3, 3, 3, 3, 5}, {5, 5, 5, 5, 5, 5},
                {2, 2, 2, 4, 4, 4}, {1, 1, 3, 3, 3, 3}, {3, 3, 3, 3, 5, 5}, {1, 1, 3, 3, 3, 4},
                {1, 1, 4, 4, 4, 4}, {5, 5, 5, 5, 5, 5}, {1, 4, 4, 4, 4, 4}, {1, 2, 4, 4, 4, 4},
                {2, 2, 2, 3, 3, 3}, {1, 4, 4, 4, 4, 4}, {2, 2, 4, 4, 4, 5}, {3, 3, 3, 3, 3, 5},
                {1, 1, 1, 4, 5, 5}, {1, 1, 1, 1, 1, 2}, {2, 2, 4, 4, 4, 4}, {1, 3, 3, 5, 5, 5},
                {5, 5, 5, 5, 5, 5}, {2, 4, 4, 4, 4, 4}, {2, 2, 4, 5, 5, 5}, {1, 1, 4, 4, 4, 4},
                {1, 4, 4, 4, 4, 5}, {2, 2, 2, 2, 2, 4}, {1, 1, 1, 1, 5, 5}, {2, 2, 4, 4, 4, 4},
                {1, 3, 3, 3, 3, 3}, {5, 5, 5, 5, 5, 5}});
  auto kappa = framework::FleissKappa(data);
  REQUIRE(kappa);
  CHECK(Round3(*kappa) == doctest::Approx(0.430));
  CHECK(Round3(*framework::ObservedAgreement(data)) == doctest::Approx(0.556));
  framework::AgreementMeasures m = framework::MeasureAgreement(data);
  CHECK_FALSE(m.kappa);
  CHECK(m.fleiss_kappa);
  // Without missing values alpha is Fleiss' kappa corrected for sample size:
  // alpha = 1 - (1 - kappa) * (n - 1) / n * ... ; here n = 180 values, so slightly above it.
  REQUIRE(m.alpha);
  CHECK(*m.alpha > *kappa);
  CHECK(*m.alpha - *kappa < 0.01);
}

TEST_CASE("agreement: hand cases, unused code, perfect agreement, one coder silent") {
  // A code nobody used: every unit 0 for both coders; kappa and alpha are undefined.
  ReliabilityData unused = Units(2, {{0, 0}, {0, 0}, {0, 0}});
  framework::AgreementMeasures u = framework::MeasureAgreement(unused);
  CHECK_FALSE(u.kappa);
  CHECK_FALSE(u.alpha);
  CHECK(*u.agreement == doctest::Approx(1.0));
  // Perfect agreement with both categories used.
  ReliabilityData perfect = Units(2, {{1, 1}, {0, 0}, {1, 1}, {0, 0}});
  framework::AgreementMeasures p = framework::MeasureAgreement(perfect);
  CHECK(*p.kappa == doctest::Approx(1.0));
  CHECK(*p.alpha == doctest::Approx(1.0));
  // One coder silent (never codes), the other codes half: p_o = .5, p_e = .5, kappa 0;
  // alpha: n = 8, o_01 = o_10 = 2, n_0 = 6, n_1 = 2: 1 - 7 * 4 / (2 * 6 * 2) = -1/6.
  ReliabilityData silent = Units(2, {{1, 0}, {1, 0}, {0, 0}, {0, 0}});
  framework::AgreementMeasures s = framework::MeasureAgreement(silent);
  CHECK(*s.kappa == doctest::Approx(0.0));
  CHECK(*s.alpha == doctest::Approx(1.0 - 7.0 * 4.0 / 24.0));
  CHECK(*s.agreement == doctest::Approx(0.5));
  // A missing copy: units one coder has no value for are left out of kappa, not pairable for
  // alpha, but still counted as units.
  ReliabilityData missing = Units(2, {{1, 1}, {0, 0}, {1, M}, {M, 0}});
  framework::AgreementMeasures mi = framework::MeasureAgreement(missing);
  CHECK(mi.units == 4);
  CHECK(*mi.kappa == doctest::Approx(1.0));
  CHECK(*mi.alpha == doctest::Approx(1.0));
  // Nothing pairable at all.
  CHECK_FALSE(framework::ObservedAgreement(Units(2, {{1, M}})));
  CHECK_FALSE(framework::CohenKappa(Units(2, {{1, M}})));
}

TEST_CASE("agreement: the bootstrap is seeded and deterministic") {
  framework::SplitMix64 a(1), b(1);
  for (int i = 0; i < 5; ++i) CHECK(a.Next() == b.Next());
  // splitmix64's published first output for seed 0.
  CHECK(framework::SplitMix64(0).Next() == 0xe220a8397b1dcdafULL);
  std::vector<ReliabilityData> clusters;
  for (int p = 0; p < 6; ++p) {
    ReliabilityData d(2);
    d.Add(std::vector<int>{1, 1}, 3 + p);
    d.Add(std::vector<int>{0, 0}, 10);
    d.Add(std::vector<int>{1, 0}, p % 3);
    clusters.push_back(d);
  }
  auto first = framework::BootstrapAlpha(clusters, 200, 7);
  auto again = framework::BootstrapAlpha(clusters, 200, 7);
  REQUIRE(first);
  REQUIRE(again);
  CHECK(first->first == again->first);
  CHECK(first->second == again->second);
  CHECK(first->first <= first->second);
  ReliabilityData all(2);
  for (const auto& c : clusters) all.Merge(c);
  double alpha = *framework::KrippendorffAlpha(all);
  CHECK(first->first <= alpha);
  CHECK(alpha <= first->second);
  // Unused everywhere: no replicate is defined.
  std::vector<ReliabilityData> none(3, Units(2, {{0, 0}}));
  CHECK_FALSE(framework::BootstrapAlpha(none, 50, 7));
}

#include <map>
#include <string>

#include "framework/file_system.h"
#include "framework/study.h"

namespace {

framework::Study LoadCopy(const std::string& p01) {
  framework::MemoryFileSystem fs;
  fs.Add("framework.yaml",
         "framework: 1\ntitle: T\nspeakers: {INT: interviewer}\nthemes:\n  - id: t\n    label: T\n"
         "    subthemes:\n      - id: a\n        label: A\n      - id: b\n        label: B\n"
         "attribution: Participant\n");
  fs.Add("participants.yaml", "participants:\n  - {id: P01}\n");
  fs.Add("transcripts/P01.txt", p01);
  return framework::LoadStudy(fs);
}

}  // namespace

TEST_CASE("agreement: coders' copies compared line by line, participant speech only") {
  framework::Study a =
      LoadCopy("INT: Ask.\nP01: {t.a}One.{/t.a}\nP01: Two.\nP01: {t.b}Three.{/}\n");
  framework::Study b =
      LoadCopy("INT: {t.a}Ask.\nP01: One.{/t.a}\nP01: {t.a}Two.{/}\nP01: Three.\n");
  const framework::Study* both[] = {&a, &b};
  framework::AgreementOptions options;
  options.disagreements = true;
  framework::AgreementReport report;
  REQUIRE_FALSE(framework::CompareCoders(both, options, report));
  REQUIRE(report.codes.size() == 2);
  // t.a: lines 2-4 are the participant's: A codes {2}, B codes {2, 3}.
  CHECK(report.codes[0].measures.units == 3);
  CHECK(*report.codes[0].measures.agreement == doctest::Approx(2.0 / 3.0));
  REQUIRE(report.codes[0].disagreements.size() == 1);
  CHECK(report.codes[0].disagreements[0].line_start == 3);
  CHECK(report.codes[0].disagreements[0].text == "Two.");
  // t.b: only A codes line 4; kappa 0 (p_o 2/3, p_e 2/3).
  CHECK(*report.codes[1].measures.kappa == doctest::Approx(0.0));
  // Excluding uncoded units: t.a has lines 2 and 3.
  options.exclude_uncoded = true;
  REQUIRE_FALSE(framework::CompareCoders(both, options, report));
  CHECK(report.codes[0].measures.units == 2);
  // Different text: located at the first difference.
  framework::Study c = LoadCopy("INT: Ask.\nP01: One.\nP01: Tw0.\nP01: Three.\n");
  const framework::Study* differ[] = {&a, &c};
  auto mismatch = framework::CompareCoders(differ, options, report);
  REQUIRE(mismatch);
  CHECK(mismatch->line == 3);
  CHECK(mismatch->column == 4);
  CHECK(framework::AgreementJson(report, {"A", "B"}).find("\"alpha_ci\"") != std::string::npos);
}
