// participants.csv: the RFC 4180 reader (ReadCsv) and type inference over its columns, both with
// and without types declared in framework.yaml.
// fuzz-seeds: tests/studies/*/participants.csv examples/*/participants.csv
// fuzz-dict: csv.dict
#include "framework/csv.h"
#include "framework/participants.h"
#include "fuzz_target.h"

FRAMEWORK_FUZZ_TARGET(participants_csv) {
  framework::Diagnostics csv_only;
  for (const framework::CsvRow& row : framework::ReadCsv("data.tsv", data, csv_only, '\t'))
    for (const framework::CsvField& field : row.fields)
      FRAMEWORK_FUZZ_CHECK(field.line >= 1 && field.column >= 1);

  static const std::vector<framework::AttributeDef> declared = [] {
    std::vector<framework::AttributeDef> defs(4);
    defs[0].name = "role";
    defs[0].type = framework::AttributeType::kCategory;
    defs[0].values = {"practitioner", "manager"};
    defs[1].name = "years";
    defs[1].type = framework::AttributeType::kInteger;
    defs[2].name = "started";
    defs[2].type = framework::AttributeType::kDate;
    defs[3].name = "qualified";
    defs[3].type = framework::AttributeType::kBoolean;
    return defs;
  }();
  framework::Participants inferred =
      framework::LoadParticipantsCsv("participants.csv", data, {}, diagnostics);
  framework::Participants typed =
      framework::LoadParticipantsCsv("participants.csv", data, declared, diagnostics);
  for (const framework::Participants* p : {&inferred, &typed})
    for (const framework::Participant& row : p->participants)
      FRAMEWORK_FUZZ_CHECK(row.values.size() == p->attributes.size());
}
