// Participants (README, Formats, docs/decisions.md): participants.yaml and .csv.
#include "framework/participants.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "run_binary.h"
#include "test_hooks.h"
#include "test_util.h"
#include "yaml_support.h"

namespace {

using framework::AttributeDef;
using framework::AttributeType;
using framework::Diagnostic;
using framework::Diagnostics;
using framework::Participants;
using framework::Severity;
using framework_test::Summary;

struct Loaded {
  Participants p;
  Diagnostics d;
};

Loaded Yaml(std::string_view text) {
  Loaded l;
  l.p = framework::LoadParticipantsYaml("participants.yaml", text, l.d);
  return l;
}

Loaded Csv(std::string_view text, const std::vector<AttributeDef>& declared = {}) {
  Loaded l;
  l.p = framework::LoadParticipantsCsv("participants.csv", text, declared, l.d);
  return l;
}

// The value of attribute `name` for participant `id`, or "<missing>".
std::string Value(const Participants& p, std::string_view id, std::string_view name) {
  const int who = p.Find(id);
  const int what = p.FindAttribute(name);
  if (who < 0 || what < 0) return "<no such participant or attribute>";
  const auto& v =
      p.participants[static_cast<std::size_t>(who)].values[static_cast<std::size_t>(what)];
  return v ? *v : "<missing>";
}

AttributeDef Def(std::string name, AttributeType type, std::vector<std::string> values = {}) {
  AttributeDef d;
  d.name = std::move(name);
  d.type = type;
  d.values = std::move(values);
  return d;
}

const char* kAttributes =
    "attributes:\n"                                                          // 1
    "  role: {type: category, values: [practitioner, manager, academic]}\n"  // 2
    "  years: {type: integer}\n"                                             // 3
    "  score: {type: number}\n"                                              // 4
    "  consent: {type: boolean}\n"                                           // 5
    "  joined: {type: date}\n"                                               // 6
    "  note: {type: string, description: Free text}\n";                      // 7

}  // namespace

// ---------------------------------------------------------------------------------------------
// participants.yaml

TEST_CASE("participants.yaml: every attribute type, and missing values") {
  Loaded l = Yaml(std::string(kAttributes) +
                  "participants:\n"  // 8
                  "  - {id: P01, role: practitioner, years: 4, score: 3.5, consent: true, "
                  "joined: 2022-02-21, note: hello}\n"                     // 9
                  "  - {id: P02, role: manager, years: -2, score: 1e3}\n"  // 10
                  "  - id: P03\n"                                          // 11
                  "    consent: false\n"                                   // 12
                  "    note:\n");                                          // 13
  CHECK(Summary(l.d) == "");
  const Participants& p = l.p;
  REQUIRE(p.attributes.size() == 6);
  CHECK(p.attributes[0].name == "role");
  CHECK(p.attributes[0].type == AttributeType::kCategory);
  CHECK(p.attributes[0].values == std::vector<std::string>{"practitioner", "manager", "academic"});
  CHECK(p.attributes[1].type == AttributeType::kInteger);
  CHECK(p.attributes[2].type == AttributeType::kNumber);
  CHECK(p.attributes[3].type == AttributeType::kBoolean);
  CHECK(p.attributes[4].type == AttributeType::kDate);
  CHECK(p.attributes[5].type == AttributeType::kString);
  CHECK(p.attributes[5].description == "Free text");
  CHECK(p.attributes[1].line == 3);
  CHECK(p.attributes[1].column == 3);

  CHECK(p.Ids() == std::vector<std::string>{"P01", "P02", "P03"});
  CHECK(p.Find("P02") == 1);
  CHECK(p.Find("P04") == -1);
  CHECK(p.FindAttribute("joined") == 4);
  CHECK(p.FindAttribute("id") == -1);
  CHECK(p.participants[0].line == 9);
  CHECK(p.participants[0].column == 10);
  CHECK(p.participants[2].line == 11);
  CHECK(p.participants[2].column == 9);

  CHECK(Value(p, "P01", "role") == "practitioner");
  CHECK(Value(p, "P01", "years") == "4");
  CHECK(Value(p, "P01", "score") == "3.5");
  CHECK(Value(p, "P01", "consent") == "true");
  CHECK(Value(p, "P01", "joined") == "2022-02-21");
  CHECK(Value(p, "P01", "note") == "hello");
  CHECK(Value(p, "P02", "years") == "-2");
  CHECK(Value(p, "P02", "score") == "1e3");
  CHECK(Value(p, "P02", "consent") == "<missing>");
  CHECK(Value(p, "P03", "consent") == "false");
  CHECK(Value(p, "P03", "note") == "<missing>");
  CHECK(Value(p, "P03", "role") == "<missing>");
}

TEST_CASE("participants.yaml: wrong values, located at the value, with hints") {
  Loaded l = Yaml(std::string(kAttributes) +
                  "participants:\n"                                     // 8
                  "  - id: P01\n"                                       // 9
                  "    years: four\n"                                   // 10
                  "    score: abc\n"                                    // 11
                  "    consent: yes\n"                                  // 12
                  "    joined: 2022-13-01\n"                            // 13
                  "    role: practioner\n"                              // 14
                  "  - id: P02\n"                                       // 15
                  "    role: xyz\n"                                     // 16
                  "    years: 4.5\n"                                    // 17
                  "    joined: 22/02/2022\n"                            // 18
                  "  - {id: P04, note: \u65e5\u672c, years: four}\n");  // 19
  CHECK(Summary(l.d) ==
        "bad-attribute-value@10:12; bad-attribute-value@11:12; bad-attribute-value@12:14; "
        "bad-attribute-value@13:13; bad-attribute-value@14:11; bad-attribute-value@16:11; "
        "bad-attribute-value@17:12; bad-attribute-value@18:13; bad-attribute-value@19:32");
  REQUIRE(l.d.size() == 9);
  CHECK(l.d[0].message == "'four' is not a whole number ('years' is an integer)");
  CHECK(l.d[0].hint == "write a whole number, e.g. 4");
  CHECK(l.d[0].length == 4);
  CHECK(l.d[1].message == "'abc' is not a number ('score' is a number)");
  CHECK(l.d[1].hint == "write a number, e.g. 4.5");
  CHECK(l.d[2].message == "'yes' is not true or false ('consent' is a boolean)");
  CHECK(l.d[2].hint == "write true or false");
  CHECK(l.d[3].message == "'2022-13-01' is not a date ('joined' is a date)");
  CHECK(l.d[3].hint == "write the date as YYYY-MM-DD");
  CHECK(l.d[4].message == "'practioner' is not a value of 'role'");
  CHECK(l.d[4].hint == "did you mean 'practitioner'?");
  CHECK(l.d[5].message == "'xyz' is not a value of 'role'");
  CHECK(l.d[5].hint == "allowed values: practitioner, manager, academic");
  CHECK(l.d[6].message == "'4.5' is not a whole number ('years' is an integer)");
  CHECK(l.d[7].message == "'22/02/2022' is not a date ('joined' is a date)");
  CHECK(l.d[8].source_line == "  - {id: P04, note: \u65e5\u672c, years: four}");
  for (const Diagnostic& d : l.d) CHECK(d.severity == Severity::kError);
  // Participants with bad values are kept, without those values.
  CHECK(l.p.participants.size() == 3);
  CHECK(Value(l.p, "P01", "years") == "<missing>");
  CHECK(Value(l.p, "P04", "note") == "\u65e5\u672c");
}

TEST_CASE("participants.yaml: an undeclared attribute is a warning, with did-you-mean") {
  Loaded l = Yaml(std::string(kAttributes) +
                  "participants:\n"
                  "  - {id: P01, rol: manager, colour: blue}\n");
  CHECK(Summary(l.d) == "unknown-attribute@9:15; unknown-attribute@9:29");
  REQUIRE(l.d.size() == 2);
  CHECK(l.d[0].severity == Severity::kWarning);
  CHECK(l.d[0].message == "attribute 'rol' is not declared and is ignored");
  CHECK(l.d[0].hint == "did you mean 'role'?");
  CHECK(l.d[1].message == "attribute 'colour' is not declared and is ignored");
  CHECK(l.d[1].hint == "declare it under 'attributes:' with its type");
  REQUIRE(l.p.participants.size() == 1);
  CHECK(Value(l.p, "P01", "role") == "<missing>");
}

TEST_CASE("participants.yaml: duplicate, missing and invalid ids") {
  Loaded dup = Yaml(
      "participants:\n"
      "  - {id: P01}\n"
      "  - {id: P02}\n"
      "  - {id: P01}\n");
  CHECK(Summary(dup.d) == "duplicate-participant@4:10");
  REQUIRE(dup.d.size() == 1);
  CHECK(dup.d[0].message == "duplicate participant id 'P01'");
  CHECK(dup.d[0].hint == "it is first declared at line 2");
  CHECK(dup.d[0].length == 3);
  CHECK(dup.p.Find("P01") == 0);

  Loaded missing = Yaml(
      "participants:\n"
      "  - {role: manager}\n"
      "  - id: P02\n");
  CHECK(Summary(missing.d) == "missing-key@2:5");
  REQUIRE(missing.d.size() == 1);
  CHECK(missing.d[0].message == "participant has no 'id'");
  CHECK(missing.p.Ids() == std::vector<std::string>{"P02"});

  Loaded bad = Yaml("participants:\n  - {id: P 01}\n  - {id: P.02}\n");
  CHECK(Summary(bad.d) == "bad-id@2:10; bad-id@3:10");
  REQUIRE(bad.d.size() == 2);
  CHECK(bad.d[0].message == "participant id 'P 01' is not valid");
  CHECK(bad.p.participants.empty());
}

TEST_CASE("participants.yaml: the file's shape") {
  Loaded none = Yaml("attributes: {}\n");
  CHECK(Summary(none.d) == "missing-key@1:1");
  REQUIRE(none.d.size() == 1);
  CHECK(none.d[0].message == "the participants file has no 'participants' list");

  Loaded not_list = Yaml("participants: P01\n");
  CHECK(Summary(not_list.d) == "bad-participants@1:15");

  Loaded not_map = Yaml("- P01\n");
  CHECK(Summary(not_map.d) == "bad-participants@1:1");

  Loaded entry = Yaml("participants:\n  - P01\n");
  CHECK(Summary(entry.d) == "bad-participants@2:5");

  Loaded typo = Yaml("participant:\n  - {id: P01}\n");
  CHECK(Summary(typo.d) == "unknown-key@1:1; missing-key@1:1");
  REQUIRE(typo.d.size() == 2);
  CHECK(typo.d[0].hint == "did you mean 'participants'?");

  Loaded yaml = Yaml("participants:\n  - {id: P01\n");
  REQUIRE(yaml.d.size() == 1);
  CHECK(yaml.d[0].rule == "bad-yaml");

  Loaded utf8 = Yaml("participants:\n  - {id: P\xFF}\n");
  CHECK(Summary(utf8.d) == "invalid-utf8@2:11");
}

TEST_CASE("participants.yaml: attribute declarations") {
  Loaded l = Yaml(
      "attributes:\n"
      "  role: {type: category}\n"                     // 2
      "  years: {type: integer, values: [1]}\n"        // 3
      "  score: {type: numbr}\n"                       // 4
      "  id: {type: string}\n"                         // 5
      "  age: {}\n"                                    // 6
      "  site: {type: category, values: [a, b, a]}\n"  // 7
      "  sex: {type: category, value: [f, m]}\n"       // 8
      "participants: []\n");
  CHECK(Summary(l.d) ==
        "bad-attributes@2:3; bad-attributes@3:34; bad-attributes@4:17; bad-id@5:3; "
        "missing-key@6:3; duplicate-value@7:41; unknown-key@8:25; bad-attributes@8:3");
  REQUIRE(l.d.size() == 8);
  CHECK(l.d[0].message == "category 'role' needs a list of values");
  CHECK(l.d[1].message == "only category attributes take 'values'");
  CHECK(l.d[2].message == "unknown attribute type 'numbr'");
  CHECK(l.d[2].hint == "did you mean 'number'?");
  CHECK(l.d[3].message == "attribute name 'id' is not valid");
  CHECK(l.d[3].hint == "'id' is the participant id itself");
  CHECK(l.d[4].message == "attribute 'age' has no 'type'");
  CHECK(l.d[5].message == "value 'a' is listed twice");
  CHECK(l.d[6].hint == "did you mean 'values'?");
  REQUIRE(l.p.attributes.size() == 2);  // years (values ignored) and site
  CHECK(l.p.attributes[0].name == "years");
  CHECK(l.p.attributes[1].values == std::vector<std::string>{"a", "b"});
}

TEST_CASE("CheckAttributeValue") {
  std::string hint;
  CHECK(framework::CheckAttributeValue(Def("n", AttributeType::kInteger), "+12", &hint) == "");
  CHECK(framework::CheckAttributeValue(Def("n", AttributeType::kInteger), "1 2", &hint) ==
        "'1 2' is not a whole number ('n' is an integer)");
  CHECK(framework::CheckAttributeValue(Def("n", AttributeType::kNumber), "-0.5", &hint) == "");
  CHECK(framework::CheckAttributeValue(Def("n", AttributeType::kNumber), "nan", &hint) ==
        "'nan' is not a number ('n' is a number)");
  CHECK(framework::CheckAttributeValue(Def("d", AttributeType::kDate), "2022-02-21", &hint) == "");
  // There is no 31 February.
  CHECK(framework::CheckAttributeValue(Def("d", AttributeType::kDate), "2022-02-31", &hint) ==
        "'2022-02-31' is not a date ('d' is a date)");
  CHECK(framework::CheckAttributeValue(Def("d", AttributeType::kDate), "2022-2-1", &hint) ==
        "'2022-2-1' is not a date ('d' is a date)");
  CHECK(framework::CheckAttributeValue(Def("s", AttributeType::kString), "{anything}", &hint) ==
        "");
  // Category values compare after NFC.
  CHECK(framework::CheckAttributeValue(Def("c", AttributeType::kCategory, {"caf\u00e9"}),
                                       "cafe\u0301", &hint) == "");
  CHECK(framework::CheckAttributeValue(Def("c", AttributeType::kCategory, {"North", "South"}),
                                       "north", &hint) == "'north' is not a value of 'c'");
  CHECK(hint == "did you mean 'North'?");
}

// ---------------------------------------------------------------------------------------------
// participants.csv

TEST_CASE("participants.csv: types declared in framework.yaml") {
  const std::vector<AttributeDef> declared = {
      Def("role", AttributeType::kCategory, {"practitioner", "manager"}),
      Def("years", AttributeType::kInteger)};
  Loaded l = Csv("id,role,years\nP01,manager,4\nP02,boss,x\nP03,,\n", declared);
  CHECK(Summary(l.d) == "bad-attribute-value@3:5; bad-attribute-value@3:10");
  REQUIRE(l.d.size() == 2);
  CHECK(l.d[0].message == "'boss' is not a value of 'role'");
  CHECK(l.d[0].hint == "allowed values: practitioner, manager");
  CHECK(l.d[0].length == 4);
  CHECK(l.d[0].file == "participants.csv");
  CHECK(l.d[0].source_line == "P02,boss,x");
  CHECK(l.d[1].message == "'x' is not a whole number ('years' is an integer)");
  REQUIRE(l.p.attributes.size() == 2);
  CHECK(l.p.attributes[0].type == AttributeType::kCategory);
  CHECK(l.p.attributes[0].line == 1);
  CHECK(l.p.attributes[0].column == 4);
  CHECK(l.p.attributes[1].type == AttributeType::kInteger);
  CHECK(l.p.Ids() == std::vector<std::string>{"P01", "P02", "P03"});
  CHECK(Value(l.p, "P01", "role") == "manager");
  CHECK(Value(l.p, "P01", "years") == "4");
  CHECK(Value(l.p, "P02", "role") == "<missing>");
  CHECK(Value(l.p, "P03", "years") == "<missing>");
  CHECK(l.p.participants[1].line == 3);
  CHECK(l.p.participants[1].column == 1);
}

TEST_CASE("participants.csv: a column not declared in framework.yaml is a warning") {
  const std::vector<AttributeDef> declared = {Def("site", AttributeType::kString)};
  Loaded l = Csv("id,sitee\nP01,North\n", declared);
  CHECK(Summary(l.d) == "unknown-attribute@1:4");
  REQUIRE(l.d.size() == 1);
  CHECK(l.d[0].severity == Severity::kWarning);
  CHECK(l.d[0].message == "column 'sitee' is not declared under 'attributes' in framework.yaml");
  CHECK(l.d[0].hint == "did you mean 'site'?");
  CHECK(Value(l.p, "P01", "sitee") == "North");
}

TEST_CASE("participants.csv: types inferred from the values") {
  Loaded l =
      Csv("id,years,score,site,notes\n"
          "P01,4,1.5,North,\n"
          "P02,12,2,South,\n"
          "P03,,-3,North,\n");
  CHECK(Summary(l.d) == "");
  REQUIRE(l.p.attributes.size() == 4);
  CHECK(l.p.attributes[0].name == "years");
  CHECK(l.p.attributes[0].type == AttributeType::kInteger);
  CHECK(l.p.attributes[1].type == AttributeType::kNumber);
  CHECK(l.p.attributes[2].type == AttributeType::kCategory);
  CHECK(l.p.attributes[2].values == std::vector<std::string>{"North", "South"});
  CHECK(l.p.attributes[3].type == AttributeType::kString);  // no values at all
  CHECK(Value(l.p, "P03", "years") == "<missing>");
  CHECK(Value(l.p, "P03", "score") == "-3");
  CHECK(Value(l.p, "P02", "site") == "South");
}

TEST_CASE("participants.csv: a header without 'id'") {
  Loaded l = Csv("name,role\nP01,x\n");
  CHECK(Summary(l.d) == "missing-key@1:1");
  REQUIRE(l.d.size() == 1);
  CHECK(l.d[0].message == "the participants file has no 'id' column");
  CHECK(l.p.participants.empty());
}

TEST_CASE("participants.csv: quoted fields with commas, line breaks and doubled quotes") {
  const std::vector<AttributeDef> declared = {Def("note", AttributeType::kString)};
  Loaded l =
      Csv("id,note\n"
          "P01,\"a, b\"\n"
          "P02,\"line one\n"
          "line two\"\n"
          "P03,\"say \"\"hi\"\"\"\n"
          "\"P04\",plain\n",
          declared);
  CHECK(Summary(l.d) == "");
  CHECK(l.p.Ids() == std::vector<std::string>{"P01", "P02", "P03", "P04"});
  CHECK(Value(l.p, "P01", "note") == "a, b");
  CHECK(Value(l.p, "P02", "note") == "line one\nline two");
  CHECK(Value(l.p, "P03", "note") == "say \"hi\"");
  CHECK(Value(l.p, "P04", "note") == "plain");
  CHECK(l.p.participants[2].line == 5);
  CHECK(l.p.participants[3].line == 6);
}

TEST_CASE("participants.csv: diagnostics at the line and column of the offending field") {
  const std::vector<AttributeDef> declared = {Def("note", AttributeType::kString),
                                              Def("years", AttributeType::kInteger)};
  Loaded l =
      Csv("id,note,years\n"
          "P01,\u65e5\u672c,x\n"
          "P02,\"a\n"
          "b\",y\n",
          declared);
  CHECK(Summary(l.d) == "bad-attribute-value@2:8; bad-attribute-value@4:4");
  REQUIRE(l.d.size() == 2);
  CHECK(l.d[0].source_line == "P01,\u65e5\u672c,x");
  CHECK(l.d[1].source_line == "b\",y");

  Loaded dup = Csv("id\nP01\nP02\nP01\n");
  CHECK(Summary(dup.d) == "duplicate-participant@4:1");
  REQUIRE(dup.d.size() == 1);
  CHECK(dup.d[0].hint == "it is first declared at line 2");

  Loaded empty_id = Csv("id,role\n,manager\nP 2,x\n");
  CHECK(Summary(empty_id.d) == "bad-id@2:1; bad-id@3:1");
  REQUIRE(empty_id.d.size() == 2);
  CHECK(empty_id.d[0].message == "participant id is empty");
  CHECK(empty_id.d[1].message == "participant id 'P 2' is not valid");

  Loaded columns = Csv("id,role,role,a b\nP01,x,y,z\n");
  CHECK(Summary(columns.d) == "duplicate-key@1:9; bad-id@1:14");
}

TEST_CASE("participants: an attribute value longer than 64 KiB is refused where it stands") {
  const std::string big(framework::kMaxAttributeValueBytes + 1, 'n');
  const std::string fits(framework::kMaxAttributeValueBytes, 'n');
  const std::string head = "attributes:\n  note: {type: string}\nparticipants:\n";
  // The fast reader (one flow mapping a line).
  Loaded fast =
      Yaml(head + "  - {id: P01, note: " + big + "}\n  - {id: P02, note: " + fits + "}\n");
  CHECK(Summary(fast.d) == "attribute-too-long@4:21");
  REQUIRE(fast.d.size() == 1);
  CHECK(fast.d[0].message ==
        "the value of attribute 'note' is 65537 bytes, longer than the limit of 65536 bytes "
        "(64 KiB)");
  CHECK(fast.d[0].hint.find("docs/limits.md") != std::string::npos);
  CHECK(Value(fast.p, "P01", "note") == "<missing>");
  CHECK(Value(fast.p, "P02", "note") == fits);
  // yaml-cpp (a block mapping).
  Loaded slow = Yaml(head + "  - id: P01\n    note: " + big + "\n");
  CHECK(Summary(slow.d) == "attribute-too-long@5:11");
  CHECK(Value(slow.p, "P01", "note") == "<missing>");
  // CSV: the field is never held past the limit.
  Loaded csv = Csv("id,note\nP01,\"" + big + "\"\nP02," + fits + "\n");
  CHECK(Summary(csv.d) == "field-too-long@2:5");
  REQUIRE(csv.d.size() == 1);
  CHECK(csv.d[0].message == "field of 65537 bytes, longer than the limit of 65536 bytes");
  CHECK(csv.d[0].hint.find("at most 64 KiB") != std::string::npos);
  CHECK_FALSE(csv.p.complete);
  CHECK(Value(csv.p, "P01", "note") == "<missing>");
  CHECK(Value(csv.p, "P02", "note") == fits);
}

TEST_CASE("participants.csv: more than 1000 columns is refused at the first column over") {
  std::string header = "id", row = "P01";
  for (std::size_t c = 1; c < framework::kMaxParticipantsCsvColumns; ++c) {
    header += ",c" + std::to_string(c);
    row += ",1";
  }
  Loaded fits = Csv(header + "\n" + row + "\n");
  CHECK(Summary(fits.d) == "");
  CHECK(fits.p.attributes.size() == framework::kMaxParticipantsCsvColumns - 1);
  const std::size_t at = header.size() + 2;  // the column of the 1001st field
  Loaded over = Csv(header + ",c1000\n" + row + ",1\n");
  CHECK(Summary(over.d) == "too-many-columns@1:" + std::to_string(at));
  REQUIRE(over.d.size() == 1);
  CHECK(over.d[0].message == "record has more than 1000 fields, the limit for this file");
  CHECK(over.d[0].hint.find("at most 1000 columns") != std::string::npos);
  CHECK(over.p.participants.empty());
}

TEST_CASE("participants.csv: BOM, CRLF, an empty file and a broken file") {
  Loaded excel = Csv("\xEF\xBB\xBFid,role\r\nP01,x\r\nP02,y\r\n");
  CHECK(Summary(excel.d) == "");
  CHECK(excel.p.Ids() == std::vector<std::string>{"P01", "P02"});
  CHECK(Value(excel.p, "P02", "role") == "y");

  Loaded empty = Csv("");
  CHECK(Summary(empty.d) == "bad-participants@1:1");
  REQUIRE(empty.d.size() == 1);
  CHECK(empty.d[0].message == "the participants file is empty");

  Loaded broken = Csv("\"id");
  CHECK(Summary(broken.d) == "bad-csv@1:1");
}

TEST_CASE("Participants::complete is false when the file could not be read whole") {
  CHECK(Yaml("participants:\n  - {id: P01}\n").p.complete);
  CHECK(Yaml("participants:\n  - {id: P01, rol: x}\n").p.complete);  // a warning
  CHECK(Yaml("participants:\n  - {id: P 01}\n").p.complete);         // one bad entry
  CHECK_FALSE(Yaml("participants:\n  - {id: P01\n").p.complete);     // bad YAML
  CHECK_FALSE(Yaml("participants: P01\n").p.complete);               // not a list
  CHECK_FALSE(Yaml("attributes: {}\n").p.complete);                  // no list

  CHECK(Csv("id\nP01\n").p.complete);
  CHECK_FALSE(Csv("id,role\nP01,\"x\n").p.complete);  // unterminated quote
  CHECK_FALSE(Csv("name\nP01\n").p.complete);         // no id column
  CHECK_FALSE(Csv("id\n\xFF\n").p.complete);          // not UTF-8
}

namespace {

// LoadParticipantsYaml's fast reader (one flow mapping per line) against yaml-cpp: the same
// participants, values and positions, and the same diagnostics for files it leaves to yaml-cpp.
void CheckSameAsYamlCpp(const std::string& text) {
  framework::Diagnostics fast_d, slow_d;
  framework::Participants fast = framework::LoadParticipantsYaml("participants.yaml", text, fast_d);
  framework::Participants slow =
      framework::LoadParticipantsYamlWithYamlCpp("participants.yaml", text, slow_d);
  INFO(text);
  CHECK(fast.complete == slow.complete);
  REQUIRE(fast.attributes.size() == slow.attributes.size());
  for (std::size_t i = 0; i < fast.attributes.size(); ++i)
    CHECK(fast.attributes[i].name == slow.attributes[i].name);
  REQUIRE(fast.participants.size() == slow.participants.size());
  for (std::size_t i = 0; i < fast.participants.size(); ++i) {
    const auto &a = fast.participants[i], &b = slow.participants[i];
    CHECK(a.id == b.id);
    CHECK(a.values == b.values);
    CHECK(a.line == b.line);
    CHECK(a.column == b.column);
  }
  CHECK(fast.index == slow.index);
  framework_test::CheckSameDiagnostics(fast_d, slow_d);
}

}  // namespace

TEST_CASE("the fast participants reader agrees with yaml-cpp") {
  const std::string head =
      "# a comment\nattributes:\n"
      "  role: {type: category, values: [practitioner, manager]}\n"
      "  sector: {type: category, values: [\"children's services\", \"adult social care\"]}\n"
      "  years: {type: integer}\n  town: {type: string}\n";
  const std::vector<std::string> lists{
      // Shapes the fast reader takes.
      "participants:\n  - {id: P1, role: manager, sector: \"adult social care\", years: 8}\n"
      "  - {id: P2, years: 3, role: practitioner}\n\n  # a note\n  - {id: P3}\n",
      "participants:\n- {id: P1, town: Ynys Môn, years: \"12\"}\n- {id: Siân, town: \"a "
      "\\\"b\\\"\"}\n",
      "participants:\n  - {id: P1, role: manager}\n  - {id: P1, role: practitioner}\n",
      "participants:\n  - {role: manager, id: P9}\n",
      // Shapes left to yaml-cpp, with and without diagnostics.
      "participants:\n  - {id: P1, colour: red}\n",
      // An undeclared attribute: warned about by the fast reader too, at its key.
      "participants:\n  - {id: P1, town: Môn, rol: manager}\n  - {id: P2, colour: red}\n",
      "participants:\n  - {id: P1, colour: red, colour: blue}\n",
      "participants:\n  - {id: P1, colour: ~}\n",
      "participants:\n  - {id: P1, role: chef}\n",
      "participants:\n  - {id: P1, years: many}\n",
      "participants:\n  - {id: P1, role: ~}\n",
      "participants:\n  - {id: P1, role: manager, role: practitioner}\n",
      "participants:\n  - {id: \"P 1\"}\n",
      "participants:\n  - {id: P1, town: 10:30}\n",
      "participants:\n  - {id: P1, role:  manager}\n",
      "participants:\n  - {id: P1, town: a\x01b}\n",
      "participants:\n  - {id: P1}  # trailing\n",
      "participants:\n  - {id: P1}\n    - {id: P2}\n",
      "participants:\n  - id: P1\n    role: manager\n",
      "participants:\n  - {id: P1\n",
      "participants:\n  - {town: x}\n",
      "participants:\n",
      "participants: []\n",
  };
  for (const std::string& list : lists) {
    CheckSameAsYamlCpp(head + list);
    CheckSameAsYamlCpp(list);
  }
  CheckSameAsYamlCpp("participants:\n  - {id: P1}\nparticipants:\n  - {id: P2}\n");
  CheckSameAsYamlCpp("attributes: {role: {type: nope}}\nparticipants:\n  - {id: P1}\n");
  CheckSameAsYamlCpp("colour: red\nparticipants:\n  - {id: P1}\n");
  CheckSameAsYamlCpp(framework_test::ReadFile(framework_test::kExample / "participants.yaml"));
}

TEST_CASE("the fast participants reader warns about an undeclared attribute and reads on") {
  // Past kMaxYamlCppBytes yaml-cpp refuses the file (yaml-too-large): one mistyped attribute
  // name in a large participants file must not make the whole file unreadable.
  std::string text =
      "attributes:\n  role: {type: category, values: [manager, practitioner]}\nparticipants:\n";
  const std::size_t n = 40000;  // about 2.4 MB
  for (std::size_t i = 0; i < n; ++i) {
    char line[96];
    std::snprintf(line, sizeof line, "  - {id: X%06zu, %s: manager, note: padding padding}\n", i,
                  i == 50 ? "rloe" : "role");
    text += line;
  }
  REQUIRE(text.size() > framework::yaml::kMaxYamlCppBytes);
  Loaded l = Yaml(text);
  CHECK(l.p.complete);
  CHECK(l.p.participants.size() == n);
  CHECK(Value(l.p, "X000050", "role") == "<missing>");
  CHECK(Value(l.p, "X000501", "role") == "manager");
  // 'note' is undeclared on every line: one warning a line, and the typo's own; the first 100
  // are listed (the typo among them), the rest counted on one note, never worked out.
  std::size_t notes = 0, typos = 0, others = 0, unlisted = 0;
  for (const Diagnostic& d : l.d) {
    if (d.rule == "too-many-warnings") {
      unlisted += d.unlisted;
      continue;
    }
    if (d.rule != "unknown-attribute") {
      ++others;
      continue;
    }
    CHECK(d.severity == Severity::kWarning);
    if (d.message == "attribute 'rloe' is not declared and is ignored") {
      ++typos;
      CHECK(d.line == 54);
      CHECK(d.column == 19);
      CHECK(d.hint == "did you mean 'role'?");
    } else if (d.message == "attribute 'note' is not declared and is ignored") {
      ++notes;
    }
  }
  CHECK(others == 0);
  CHECK(typos == 1);
  CHECK(notes == 99);
  CHECK(unlisted == n + 1 - 100);
  CHECK(framework::CountDiagnostics(l.d).warnings == n + 1);
}
