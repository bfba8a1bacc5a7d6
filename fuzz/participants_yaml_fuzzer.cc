// The participants.yaml loader: attribute declarations and each participant's values.
// fuzz-seeds: tests/studies/*/participants.yaml examples/*/participants.yaml
// fuzz-seeds: tests/studies-chart/*/participants.yaml
// fuzz-dict: yaml.dict
#include "framework/participants.h"
#include "fuzz_target.h"

FRAMEWORK_FUZZ_TARGET(participants_yaml) {
  framework::Participants p =
      framework::LoadParticipantsYaml("participants.yaml", data, diagnostics);
  for (const framework::Participant& row : p.participants)
    FRAMEWORK_FUZZ_CHECK(row.values.size() == p.attributes.size());
}
