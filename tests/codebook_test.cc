// framework.yaml (README, Formats, docs/decisions.md): the loader and its diagnostics.
#include "framework/codebook.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "test_util.h"

namespace {

using framework::AttributeType;
using framework::ColumnRef;
using framework::Diagnostics;
using framework::Framework;
using framework::LoadFramework;
using framework::Severity;
using framework::SpeakerRole;
using framework_test::Summary;

struct Loaded {
  Framework f;
  Diagnostics d;
};

Loaded Load(std::string_view text) {
  Loaded l;
  l.f = LoadFramework("framework.yaml", text, l.d);
  return l;
}

// The smallest valid framework.yaml; the error tests change one thing in it.
const std::string kHead = "framework: 1\ntitle: T\n";
const std::string kThemes =
    "themes:\n"
    "  - id: a\n"
    "    label: A\n"
    "    subthemes:\n"
    "      - id: b\n"
    "        label: B\n";

}  // namespace

TEST_CASE("LoadFramework: a complete framework.yaml") {
  Loaded l = Load(
      "framework: 1\n"                                                 // 1
      "title: Social workers' responses\n"                             // 2
      "description: A study\n"                                         // 3
      "transcripts: interviews/\n"                                     // 4
      "participants: people.csv\n"                                     // 5
      "speakers: {INT: interviewer, R1: interviewer, OBS: other}\n"    // 6
      "attribution: \"{role}, {sector}\"\n"                            // 7
      "min_group: 5\n"                                                 // 8
      "attributes:\n"                                                  // 9
      "  role: {type: category, values: [practitioner, manager]}\n"    // 10
      "  years: {type: integer}\n"                                     // 11
      "themes:\n"                                                      // 12
      "  - id: training\n"                                             // 13
      "    label: Training and guidance\n"                             // 14
      "    description: Training on IPV\n"                             // 15
      "    subthemes:\n"                                               // 16
      "      - id: prequal\n"                                          // 17
      "        label: Pre-qualification training\n"                    // 18
      "        description: Degree-level teaching\n"                   // 19
      "      - id: postqual\n"                                         // 20
      "        label: Post-qualification training\n"                   // 21
      "        codes: [cpd, post-qual-training, training.postqual]\n"  // 22
      "  - id: practice\n"                                             // 23
      "    label: Practice\n"                                          // 24
      "    subthemes:\n"                                               // 25
      "      - id: risk\n"                                             // 26
      "        label: Risk assessment\n");                             // 27
  CHECK(Summary(l.d) == "");
  const Framework& f = l.f;
  CHECK(f.version == 1);
  CHECK(f.title == "Social workers' responses");
  CHECK(f.description == "A study");
  CHECK(f.transcripts == "interviews/");
  CHECK(f.transcripts_line == 4);
  CHECK(f.transcripts_column == 14);
  CHECK(f.participants == "people.csv");
  CHECK(f.participants_line == 5);
  CHECK(f.participants_column == 15);
  CHECK(f.attribution == "{role}, {sector}");
  CHECK(f.min_group == 5);

  REQUIRE(f.speakers.size() == 3);
  CHECK(f.speakers[0].label == "INT");
  CHECK(f.speakers[0].role == SpeakerRole::kInterviewer);
  CHECK(f.speakers[1].label == "R1");
  CHECK(f.speakers[1].role == SpeakerRole::kInterviewer);
  CHECK(f.speakers[2].label == "OBS");
  CHECK(f.speakers[2].role == SpeakerRole::kOther);

  CHECK(f.has_attributes);
  REQUIRE(f.attributes.size() == 2);
  CHECK(f.attributes[0].name == "role");
  CHECK(f.attributes[0].type == AttributeType::kCategory);
  CHECK(f.attributes[0].values == std::vector<std::string>{"practitioner", "manager"});
  CHECK(f.attributes[0].line == 10);
  CHECK(f.attributes[0].column == 3);
  CHECK(f.attributes[1].name == "years");
  CHECK(f.attributes[1].type == AttributeType::kInteger);

  REQUIRE(f.themes.size() == 2);
  CHECK(f.themes[0].id == "training");
  CHECK(f.themes[0].label == "Training and guidance");
  CHECK(f.themes[0].description == "Training on IPV");
  CHECK(f.themes[0].line == 13);
  CHECK(f.themes[0].column == 5);
  REQUIRE(f.themes[0].subthemes.size() == 2);
  CHECK(f.themes[0].subthemes[0].id == "prequal");
  CHECK(f.themes[0].subthemes[0].label == "Pre-qualification training");
  CHECK(f.themes[0].subthemes[0].description == "Degree-level teaching");
  CHECK(f.themes[0].subthemes[0].line == 17);
  CHECK(f.themes[0].subthemes[0].column == 9);
  CHECK(f.themes[0].subthemes[1].codes ==
        std::vector<std::string>{"cpd", "post-qual-training", "training.postqual"});
  CHECK(f.themes[1].id == "practice");
  REQUIRE(f.themes[1].subthemes.size() == 1);
  CHECK(f.themes[1].subthemes[0].id == "risk");

  CHECK(f.FindTheme("practice") == 1);
  CHECK(f.FindTheme("nope") == -1);
  // Default codes, then aliases; listing a column's own default code is harmless.
  CHECK(f.Resolve("training.prequal") == ColumnRef{0, 0});
  CHECK(f.Resolve("training.postqual") == ColumnRef{0, 1});
  CHECK(f.Resolve("practice.risk") == ColumnRef{1, 0});
  CHECK(f.Resolve("cpd") == ColumnRef{0, 1});
  CHECK(f.Resolve("post-qual-training") == ColumnRef{0, 1});
  CHECK_FALSE(f.Resolve("training").valid());
  CHECK_FALSE(f.Resolve("Training.prequal").valid());  // compared exactly
  CHECK(f.codes.codes() == std::vector<std::string>{"training.prequal", "training.postqual",
                                                    "practice.risk", "cpd", "post-qual-training"});
}

TEST_CASE("LoadFramework: defaults") {
  Loaded l = Load(kHead + kThemes);
  CHECK(Summary(l.d) == "");
  CHECK(l.f.transcripts == "transcripts/");
  CHECK(l.f.transcripts_line == 0);
  CHECK(l.f.participants == "participants.yaml");
  CHECK(l.f.participants_line == 0);
  CHECK(l.f.attribution == "{role}");
  CHECK(l.f.min_group == 3);
  CHECK_FALSE(l.f.has_attributes);
  CHECK(l.f.speakers.empty());
  CHECK(l.f.Resolve("a.b") == ColumnRef{0, 0});
}

TEST_CASE("LoadFramework: codes are NFC-normalised") {
  Loaded l = Load(kHead +
                  "themes:\n"
                  "  - id: caf\u00e9\n"
                  "    label: A\n"
                  "    subthemes:\n"
                  "      - id: b\n"
                  "        label: B\n"
                  "        codes: [cre\u0300me]\n");
  CHECK(Summary(l.d) == "");
  CHECK(l.f.Resolve("caf\u00e9.b") == ColumnRef{0, 0});
  CHECK(l.f.Resolve("cr\u00e8me") == ColumnRef{0, 0});
}

TEST_CASE("LoadFramework: missing required keys") {
  Loaded no_version = Load("title: T\n" + kThemes);
  CHECK(Summary(no_version.d) == "missing-key@1:1");
  REQUIRE(no_version.d.size() == 1);
  CHECK(no_version.d[0].message == "framework.yaml has no 'framework' format version");
  CHECK(no_version.d[0].hint == "add 'framework: 1' at the top");
  CHECK(no_version.d[0].file == "framework.yaml");

  Loaded no_title = Load("framework: 1\n" + kThemes);
  CHECK(Summary(no_title.d) == "missing-key@1:1");
  REQUIRE(no_title.d.size() == 1);
  CHECK(no_title.d[0].message == "framework.yaml has no 'title'");

  Loaded no_themes = Load(kHead);
  CHECK(Summary(no_themes.d) == "missing-key@1:1");
  REQUIRE(no_themes.d.size() == 1);
  CHECK(no_themes.d[0].message == "framework.yaml has no 'themes'");
  CHECK(no_themes.f.themes.empty());
}

TEST_CASE("LoadFramework: an unsupported format version") {
  Loaded l = Load("framework: 2\ntitle: T\n" + kThemes);
  CHECK(Summary(l.d) == "bad-version@1:12");
  REQUIRE(l.d.size() == 1);
  CHECK(l.d[0].message == "unsupported framework format version '2'");
  CHECK(l.d[0].hint == "this version of framework reads format 1");
}

TEST_CASE("LoadFramework: themes that are not a non-empty list") {
  Loaded scalar = Load(kHead + "themes: training\n");
  CHECK(Summary(scalar.d) == "bad-themes@3:9");
  REQUIRE(scalar.d.size() == 1);
  CHECK(scalar.d[0].message == "themes must be a non-empty list");

  Loaded empty = Load(kHead + "themes: []\n");
  CHECK(Summary(empty.d) == "bad-themes@3:9");

  Loaded map = Load(kHead + "themes:\n  a: b\n");
  CHECK(Summary(map.d) == "bad-themes@4:3");

  Loaded not_map = Load(kHead + "themes:\n  - just a name\n");
  CHECK(Summary(not_map.d) == "bad-themes@4:5");
  REQUIRE(not_map.d.size() == 1);
  CHECK(not_map.d[0].message == "a theme must be a mapping with id, label and subthemes");
}

TEST_CASE("LoadFramework: a theme without id, label or subthemes") {
  Loaded no_id = Load(kHead +
                      "themes:\n"
                      "  - label: A\n"
                      "    subthemes:\n"
                      "      - {id: b, label: B}\n");
  CHECK(Summary(no_id.d) == "missing-key@4:5");
  REQUIRE(no_id.d.size() == 1);
  CHECK(no_id.d[0].message == "theme has no 'id'");

  Loaded no_label = Load(kHead +
                         "themes:\n"
                         "  - id: a\n"
                         "    subthemes:\n"
                         "      - {id: b, label: B}\n");
  CHECK(Summary(no_label.d) == "missing-key@4:9");
  REQUIRE(no_label.d.size() == 1);
  CHECK(no_label.d[0].message == "theme 'a' has no 'label'");
  CHECK(no_label.d[0].hint == "add 'label: ...', the heading shown on its matrix");

  Loaded no_subthemes = Load(kHead + "themes:\n  - id: a\n    label: A\n");
  CHECK(Summary(no_subthemes.d) == "missing-key@4:9");
  REQUIRE(no_subthemes.d.size() == 1);
  CHECK(no_subthemes.d[0].message == "theme 'a' has no 'subthemes'");

  Loaded empty_subthemes = Load(kHead + "themes:\n  - id: a\n    label: A\n    subthemes: []\n");
  CHECK(Summary(empty_subthemes.d) == "bad-themes@6:16");
  REQUIRE(empty_subthemes.d.size() == 1);
  CHECK(empty_subthemes.d[0].message == "subthemes must be a non-empty list");
}

TEST_CASE("LoadFramework: a sub-theme without id or label") {
  Loaded no_id = Load(kHead +
                      "themes:\n"
                      "  - id: a\n"
                      "    label: A\n"
                      "    subthemes:\n"
                      "      - label: B\n");
  CHECK(Summary(no_id.d) == "missing-key@7:9");
  REQUIRE(no_id.d.size() == 1);
  CHECK(no_id.d[0].message == "sub-theme has no 'id'");

  Loaded no_label = Load(kHead +
                         "themes:\n"
                         "  - id: a\n"
                         "    label: A\n"
                         "    subthemes:\n"
                         "      - id: b\n");
  CHECK(Summary(no_label.d) == "missing-key@7:13");
  REQUIRE(no_label.d.size() == 1);
  CHECK(no_label.d[0].message == "sub-theme 'b' has no 'label'");
}

TEST_CASE("LoadFramework: ids with a dot or a space") {
  Loaded dot = Load(kHead +
                    "themes:\n"
                    "  - id: train.ing\n"
                    "    label: A\n"
                    "    subthemes:\n"
                    "      - id: pre qual\n"
                    "        label: B\n");
  CHECK(Summary(dot.d) == "bad-id@4:9");
  REQUIRE(dot.d.size() == 1);
  CHECK(dot.d[0].message == "theme id 'train.ing' is not valid: '.' is not allowed");
  CHECK(dot.d[0].hint == "ids use letters, digits, '-' and '_' (no dots or spaces)");
  CHECK(dot.d[0].length == 9);

  Loaded space = Load(kHead +
                      "themes:\n"
                      "  - id: a\n"
                      "    label: A\n"
                      "    subthemes:\n"
                      "      - id: pre qual\n"
                      "        label: B\n");
  CHECK(Summary(space.d) == "bad-id@7:13");
  REQUIRE(space.d.size() == 1);
  CHECK(space.d[0].message == "sub-theme id 'pre qual' is not valid: ' ' is not allowed");

  Loaded alias = Load(kHead +
                      "themes:\n"
                      "  - id: a\n"
                      "    label: A\n"
                      "    subthemes:\n"
                      "      - id: b\n"
                      "        label: B\n"
                      "        codes: [ok, not ok]\n");
  CHECK(Summary(alias.d) == "bad-id@9:21");
  REQUIRE(alias.d.size() == 1);
  CHECK(alias.d[0].message == "code 'not ok' is not valid");
  CHECK(alias.f.Resolve("ok") == ColumnRef{0, 0});
}

TEST_CASE("LoadFramework: duplicate theme and sub-theme ids") {
  Loaded themes = Load(kHead + kThemes +
                       "  - id: a\n"
                       "    label: Again\n"
                       "    subthemes: [{id: c, label: C}]\n");
  CHECK(Summary(themes.d) == "duplicate-id@9:9");
  REQUIRE(themes.d.size() == 1);
  CHECK(themes.d[0].message == "duplicate theme id 'a'");
  CHECK(themes.f.themes.size() == 1);

  Loaded subs = Load(kHead + kThemes +
                     "      - id: b\n"
                     "        label: Again\n");
  CHECK(Summary(subs.d) == "duplicate-id@9:13");
  REQUIRE(subs.d.size() == 1);
  CHECK(subs.d[0].message == "duplicate sub-theme id 'b' in theme 'a'");
  REQUIRE(subs.f.themes.size() == 1);
  CHECK(subs.f.themes[0].subthemes.size() == 1);

  // The same sub-theme id in two themes is fine: the codes differ.
  Loaded two = Load(kHead + kThemes +
                    "  - id: c\n"
                    "    label: C\n"
                    "    subthemes: [{id: b, label: B}]\n");
  CHECK(Summary(two.d) == "");
  CHECK(two.f.Resolve("c.b") == ColumnRef{1, 0});
}

TEST_CASE("LoadFramework: an alias used by two columns") {
  Loaded l = Load(kHead +
                  "themes:\n"
                  "  - id: a\n"
                  "    label: A\n"
                  "    subthemes:\n"
                  "      - id: b\n"
                  "        label: B\n"
                  "        codes: [cpd]\n"
                  "      - id: c\n"
                  "        label: C\n"
                  "        codes: [other, cpd]\n");
  CHECK(Summary(l.d) == "duplicate-alias@12:24");
  REQUIRE(l.d.size() == 1);
  CHECK(l.d[0].message == "code 'cpd' is indexed into two columns: 'a.c' and 'a.b'");
  CHECK(l.d[0].hint == "a code can index into one column only; remove it from one of them");
  CHECK(l.f.Resolve("cpd") == ColumnRef{0, 0});
  CHECK(l.f.Resolve("other") == ColumnRef{0, 1});
}

TEST_CASE("LoadFramework: an alias equal to another column's default code") {
  Loaded l = Load(kHead +
                  "themes:\n"
                  "  - id: a\n"
                  "    label: A\n"
                  "    subthemes:\n"
                  "      - id: b\n"
                  "        label: B\n"
                  "      - id: c\n"
                  "        label: C\n"
                  "        codes: [a.b]\n");
  CHECK(Summary(l.d) == "duplicate-alias@11:17");
  REQUIRE(l.d.size() == 1);
  CHECK(l.d[0].message == "code 'a.b' is indexed into two columns: 'a.c' and 'a.b'");
  CHECK(l.f.Resolve("a.b") == ColumnRef{0, 0});
}

TEST_CASE("LoadFramework: duplicate keys are reported") {
  // yaml-cpp 0.7 accepts duplicate keys silently; the loader must find them itself.
  Loaded top = Load(kHead + "title: Again\n" + kThemes);
  CHECK(Summary(top.d) == "duplicate-key@3:1");
  REQUIRE(top.d.size() == 1);
  CHECK(top.d[0].message == "duplicate key 'title' in framework.yaml");
  CHECK(top.d[0].hint == "YAML keeps only one of them; remove or rename the other");
  CHECK(top.d[0].severity == Severity::kError);

  Loaded theme = Load(kHead +
                      "themes:\n"
                      "  - id: a\n"
                      "    label: A\n"
                      "    label: Again\n"
                      "    subthemes:\n"
                      "      - {id: b, label: B, id: c}\n");
  CHECK(Summary(theme.d) == "duplicate-key@6:5; duplicate-key@8:27");
  REQUIRE(theme.d.size() == 2);
  CHECK(theme.d[0].message == "duplicate key 'label' in theme");
  CHECK(theme.d[1].message == "duplicate key 'id' in sub-theme");
}

TEST_CASE("LoadFramework: unknown keys are warnings, with did-you-mean") {
  Loaded l = Load(kHead + "tittle: Typo\ncolour: red\n" + kThemes);
  CHECK(Summary(l.d) == "unknown-key@3:1; unknown-key@4:1");
  REQUIRE(l.d.size() == 2);
  CHECK(l.d[0].severity == Severity::kWarning);
  CHECK(l.d[0].message == "unknown key 'tittle' in framework.yaml is ignored");
  CHECK(l.d[0].hint == "did you mean 'title'?");
  CHECK(l.d[0].length == 6);
  CHECK(l.d[1].message == "unknown key 'colour' in framework.yaml is ignored");
  CHECK(l.d[1].hint ==
        "known keys: framework, title, description, transcripts, participants, speakers, "
        "attribution, attributes, min_group, share_words, max_span_turns, themes");
  CHECK(l.f.title == "T");

  Loaded theme = Load(kHead +
                      "themes:\n"
                      "  - id: a\n"
                      "    lable: A\n"
                      "    subthemes: [{id: b, label: B, code: [x]}]\n");
  CHECK(Summary(theme.d) == "unknown-key@5:5; missing-key@4:9; unknown-key@6:35");
  REQUIRE(theme.d.size() == 3);
  CHECK(theme.d[0].message == "unknown key 'lable' in theme is ignored");
  CHECK(theme.d[0].hint == "did you mean 'label'?");
  CHECK(theme.d[2].message == "unknown key 'code' in sub-theme is ignored");
  CHECK(theme.d[2].hint == "did you mean 'codes'?");
}

TEST_CASE("LoadFramework: bad YAML at a 1-based line and code-point column") {
  // yaml-cpp marks are 0-based bytes: "日本" is 6 bytes, 2 columns.
  Loaded l = Load("framework: 1\ntitle: \"\u65e5\u672c x\" y\n" + kThemes);
  CHECK(Summary(l.d) == "bad-yaml@2:15");
  REQUIRE(l.d.size() == 1);
  CHECK(l.d[0].message == "invalid YAML: end of map not found");
  CHECK(l.d[0].hint == "check the indentation and quoting near here");
  CHECK(l.d[0].source_line == "title: \"\u65e5\u672c x\" y");

  Loaded indent = Load(kHead + "themes:\n  - id: a\n   label: A\n");
  CHECK(Summary(indent.d) == "bad-yaml@5:4");  // where yaml-cpp stops: the misindented key
}

TEST_CASE("LoadFramework: a document that is not a mapping, or not UTF-8") {
  Loaded list = Load("- a\n- b\n");
  CHECK(Summary(list.d) == "bad-framework@1:1");
  REQUIRE(list.d.size() == 1);
  CHECK(list.d[0].message == "framework.yaml must be a mapping");

  Loaded utf8 = Load("framework: 1\ntitle: caf\xE9\n" + kThemes);
  CHECK(Summary(utf8.d) == "invalid-utf8@2:11");
  REQUIRE(utf8.d.size() == 1);
  CHECK(utf8.d[0].message == "invalid UTF-8 at byte offset 23");
}

TEST_CASE("LoadFramework: min_group must be a whole number of at least 1") {
  for (const char* value : {"0", "-1", "two", "1.5"}) {
    CAPTURE(value);
    Loaded l = Load(kHead + "min_group: " + value + "\n" + kThemes);
    CHECK(Summary(l.d) == "bad-value@3:12");
    REQUIRE(l.d.size() == 1);
    CHECK(l.d[0].message == "min_group must be a whole number of at least 1");
    CHECK(l.f.min_group == 3);
  }
  Loaded one = Load(kHead + "min_group: 1\n" + kThemes);
  CHECK(Summary(one.d) == "");
  CHECK(one.f.min_group == 1);
}

TEST_CASE("LoadFramework: share_words are percentages that rise, located when wrong") {
  Loaded ok = Load(kHead + "share_words: {some: 10, many: 40, most: 90}\n" + kThemes);
  CHECK(Summary(ok.d) == "");
  CHECK(ok.f.share_words.some == 10);
  CHECK(ok.f.share_words.many == 40);
  CHECK(ok.f.share_words.most == 90);
  Loaded partial = Load(kHead + "share_words: {most: 80}\n" + kThemes);
  CHECK(Summary(partial.d) == "");
  CHECK(partial.f.share_words.some == 25);
  CHECK(partial.f.share_words.most == 80);
  Loaded defaults = Load(kHead + kThemes);
  CHECK(defaults.f.share_words.many == 50);

  Loaded big = Load(kHead + "share_words: {some: 25, many: 50, most: 100}\n" + kThemes);
  CHECK(Summary(big.d) == "bad-value@3:41");
  REQUIRE(big.d.size() == 1);
  CHECK(big.d[0].message == "share_words: most must be a whole number from 1 to 99");
  CHECK(big.f.share_words.most == 75);  // the defaults stand
  Loaded order = Load(kHead + "share_words: {some: 60, many: 50}\n" + kThemes);
  CHECK(Summary(order.d) == "bad-value@3:14");
  REQUIRE(order.d.size() == 1);
  CHECK(order.d[0].message == "share_words must rise: some (60) < many (50) < most (75)");
  CHECK(order.f.share_words.some == 25);
  Loaded typo = Load(kHead + "share_words: {mots: 80}\n" + kThemes);
  CHECK(Summary(typo.d) == "unknown-key@3:15");
  CHECK(typo.d[0].hint == "did you mean 'most'?");
  Loaded scalar = Load(kHead + "share_words: 50\n" + kThemes);
  CHECK(Summary(scalar.d) == "bad-value@3:14");
}

TEST_CASE("LoadFramework: speakers with an unknown role") {
  Loaded l = Load(kHead + "speakers: {INT: intervewer, R1: boss}\n" + kThemes);
  CHECK(Summary(l.d) == "bad-speakers@3:17; bad-speakers@3:33");
  REQUIRE(l.d.size() == 2);
  CHECK(l.d[0].message == "unknown speaker role 'intervewer'");
  CHECK(l.d[0].hint == "did you mean 'interviewer'?");
  CHECK(l.d[1].hint == "roles are interviewer, participant and other");
  CHECK(l.f.speakers.empty());

  Loaded list = Load(kHead + "speakers: [INT]\n" + kThemes);
  CHECK(Summary(list.d) == "bad-speakers@3:11");
}

TEST_CASE("LoadFramework: 'parsed' tells whether the file was read as a mapping") {
  CHECK(Load(kHead + kThemes).f.parsed);
  CHECK(Load(kHead + "tittle: x\n" + kThemes).f.parsed);   // a warning does not matter
  CHECK(Load("title: T\n").f.parsed);                      // nor do missing keys
  CHECK_FALSE(Load("framework: 1\ntitle: [\n").f.parsed);  // bad YAML
  CHECK_FALSE(Load("- a\n").f.parsed);                     // not a mapping
  CHECK_FALSE(Load("title: caf\xE9\n").f.parsed);          // not UTF-8
}

TEST_CASE("LoadFramework: more themes or sub-themes than the limits refuse the framework whole") {
  using framework::kMaxSubthemes;
  using framework::kMaxThemes;
  auto themes = [](std::size_t n) {
    std::string text = kHead + "themes:\n";
    for (std::size_t i = 0; i < n; ++i)
      text += "  - {id: t" + std::to_string(i) + ", label: T, subthemes: [{id: s, label: S}]}\n";
    return text;
  };
  SUBCASE("themes") {
    Loaded l = Load(themes(kMaxThemes + 1));
    CHECK_FALSE(l.f.parsed);
    CHECK(l.f.themes.empty());
    REQUIRE(l.d.size() == 1);
    CHECK(l.d[0].rule == "too-many-themes");
    CHECK(l.d[0].message == "more than 500 themes (501 listed)");
    // At the first theme too many: the 501st line of the list, after the two of kHead and
    // 'themes:'.
    CHECK(l.d[0].line == 3 + static_cast<int>(kMaxThemes) + 1);
    CHECK(l.d[0].column == 5);
  }
  SUBCASE("exactly at the theme limit is fine") {
    Loaded l = Load(themes(kMaxThemes));
    CHECK(l.f.parsed);
    CHECK(l.f.themes.size() == kMaxThemes);
    CHECK(l.d.empty());
  }
  SUBCASE("sub-themes of all themes together, one flow-style line") {
    // Two themes; the second's sub-themes cross the total, on one long line.
    std::string text = kHead + "themes:\n  - id: a\n    label: A\n    subthemes: [";
    for (std::size_t i = 0; i < kMaxSubthemes - 10; ++i)
      text += (i ? ", " : "") + std::string("{id: s") + std::to_string(i) + ", label: S}";
    text += "]\n  - id: b\n    label: B\n    subthemes: [";
    std::size_t column = 17;  // where the 11th of b's sub-themes begins
    for (std::size_t i = 0; i < 20; ++i) {
      const std::string sub = std::string("{id: s") + std::to_string(i) + ", label: S}";
      if (i < 10) column += sub.size() + 2;
      text += (i ? ", " : "") + sub;
    }
    text += "]\n";
    Loaded l = Load(text);
    CHECK_FALSE(l.f.parsed);
    CHECK(l.f.themes.empty());
    REQUIRE(l.d.size() == 1);
    CHECK(l.d[0].rule == "too-many-subthemes");
    CHECK(l.d[0].message == "more than 1000 sub-themes in all themes together");
    CHECK(l.d[0].line == 9);
    CHECK(l.d[0].column == static_cast<int>(column));
  }
}
