// The participants.yaml loader: attribute declarations and each participant's values. Beyond
// not crashing: the fast reader of one-line entries and yaml-cpp give the same participants,
// positions and diagnostics, or `check` would say different things for the same file.
// fuzz-seeds: tests/studies/*/participants.yaml examples/*/participants.yaml
// fuzz-seeds: tests/studies-chart/*/participants.yaml
// fuzz-dict: yaml.dict
#include "framework/participants.h"
#include "fuzz_target.h"
#include "test_hooks.h"

FRAMEWORK_FUZZ_TARGET(participants_yaml) {
  framework::Participants p =
      framework::LoadParticipantsYaml("participants.yaml", data, diagnostics);
  for (const framework::Participant& row : p.participants)
    FRAMEWORK_FUZZ_CHECK(row.values.size() == p.attributes.size());

  framework::Diagnostics slow_diagnostics;
  const framework::Participants slow =
      framework::LoadParticipantsYamlWithYamlCpp("participants.yaml", data, slow_diagnostics);
  FRAMEWORK_FUZZ_CHECK(p.complete == slow.complete);
  FRAMEWORK_FUZZ_CHECK(p.attributes.size() == slow.attributes.size());
  FRAMEWORK_FUZZ_CHECK(p.participants.size() == slow.participants.size());
  for (std::size_t i = 0; i < p.participants.size() && i < slow.participants.size(); ++i) {
    const framework::Participant &a = p.participants[i], &b = slow.participants[i];
    FRAMEWORK_FUZZ_CHECK(a.id == b.id && a.values == b.values);
    FRAMEWORK_FUZZ_CHECK(a.line == b.line && a.column == b.column);
  }
  FRAMEWORK_FUZZ_CHECK(diagnostics.size() == slow_diagnostics.size());
  for (std::size_t i = 0; i < diagnostics.size() && i < slow_diagnostics.size(); ++i)
    FRAMEWORK_FUZZ_CHECK(diagnostics[i].rule == slow_diagnostics[i].rule &&
                         diagnostics[i].line == slow_diagnostics[i].line &&
                         diagnostics[i].message == slow_diagnostics[i].message);
}
