// Disclosure control (disclosure.h, docs/disclosure.md): the rule that coarsens attributions and
// places texts under group headings, and every differencing attack of issue 13 (and the ones
// found since) run through the real binary on a small study, each shown to fail: the size,
// counts, shares and texts of a group under min_group cannot be derived from totals, from
// another view, or from another run with or without --by.
//
// The study (written to a temporary folder, min_group 3, attribution "{role}, {sector}"):
//   id   role          sector               site       team
//   P01  practitioner  children's services  Ashford    team-x
//   P02  practitioner  children's services  Ashford    team-x
//   P03  practitioner  children's services  Ashford    team-x
//   P04  practitioner  adult social care    Bangor     team-x
//   P05  practitioner  adult social care    Bangor     team-x
//   P06  practitioner  adult social care    Bangor     team-x
//   P07  manager       children's services  Ashford    team-y
//   P08  manager       adult social care    Bangor     team-y
//   P09  manager       adult social care    Conwy      team-y
//   P10  academic      adult social care    (none)     team-y
//   P11  academic      children's services  Dover      team-z
//   P12  academic      children's services  Bangor     team-z
// By site, Conwy, Dover and "(not recorded)" have one participant each: merged into (other) of
// 3. By team, z has 2 and nothing to merge with: the breakdown is refused. "Academic, adult
// social care" fits P10 alone, "Manager, children's services" P07 alone.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "framework/disclosure.h"
#include "framework/file_system.h"
#include "framework/study.h"
#include "run_binary.h"

namespace {

using namespace framework_test;
using Json = nlohmann::json;

struct Person {
  const char* id;
  const char* role;
  const char* sector;
  const char* site;  // "" : not recorded
  const char* team;
};

const std::vector<Person> kPeople = {
    {"P01", "practitioner", "children's services", "Ashford", "team-x"},
    {"P02", "practitioner", "children's services", "Ashford", "team-x"},
    {"P03", "practitioner", "children's services", "Ashford", "team-x"},
    {"P04", "practitioner", "adult social care", "Bangor", "team-x"},
    {"P05", "practitioner", "adult social care", "Bangor", "team-x"},
    {"P06", "practitioner", "adult social care", "Bangor", "team-x"},
    {"P07", "manager", "children's services", "Ashford", "team-y"},
    {"P08", "manager", "adult social care", "Bangor", "team-y"},
    {"P09", "manager", "adult social care", "Conwy", "team-y"},
    {"P10", "academic", "adult social care", "", "team-y"},
    {"P11", "academic", "children's services", "Dover", "team-z"},
    {"P12", "academic", "children's services", "Bangor", "team-z"},
};

// Who spoke to t.b (t.a: everyone).
const std::set<std::string> kSpokeB = {"P01", "P04", "P07", "P09", "P10", "P11"};

// Each participant's quote in column c is "Quote <id> c", their summary "Summary <id> c".
void WriteStudy(const fs::path& dir) {
  WriteFile(dir / "framework.yaml",
            "framework: 1\ntitle: Disclosure test\nspeakers: {INT: interviewer}\n"
            "attribution: \"{role}, {sector}\"\nmin_group: 3\n"
            "themes:\n  - id: t\n    label: Theme\n    subthemes:\n"
            "      - {id: a, label: Column A}\n      - {id: b, label: Column B}\n");
  std::string people =
      "attributes:\n"
      "  role: {type: category, values: [practitioner, manager, academic]}\n"
      "  sector: {type: category, values: [\"children's services\", \"adult social care\"]}\n"
      "  site: {type: category, values: [Ashford, Bangor, Conwy, Dover]}\n"
      "  team: {type: category, values: [team-x, team-y, team-z]}\n"
      "participants:\n";
  std::string chart = "theme: t\ncells:\n";
  for (const Person& p : kPeople) {
    const std::string id = p.id;
    people += "  - {id: " + id + ", role: " + p.role + ", sector: \"" + p.sector + "\"" +
              (*p.site ? std::string(", site: ") + p.site : std::string()) + ", team: " + p.team +
              "}\n";
    std::string text = "---\nparticipant: " + id + "\n---\nINT: Tell me.\n\n" + id +
                       ": {t.a}Quote " + id + " a{/t.a}\n";
    if (kSpokeB.count(id)) text += "\nINT: And?\n\n" + id + ": {t.b}Quote " + id + " b{/t.b}\n";
    WriteFile(dir / "transcripts" / (id + ".txt"), text);
    for (const char* col : {"a", "b"}) {
      if (std::string(col) == "b" && !kSpokeB.count(id)) continue;
      chart += "  - participant: " + id + "\n    subtheme: " + col +
               "\n    status: charted\n    summary: Summary " + id + " " + col + "\n";
    }
  }
  WriteFile(dir / "participants.yaml", people);
  WriteFile(dir / "charts" / "t.yaml", chart);
}

// The participant a quote or summary text names ("Quote P07 a" -> "P07").
std::string Who(const std::string& text) {
  static const std::regex id("P[0-9][0-9]");
  std::smatch m;
  REQUIRE(std::regex_search(text, m, id));
  return m.str();
}

const std::vector<std::string> kSmallValues = {"Conwy", "Dover", "(not recorded)", "team-z"};

// Each text's heading and attribution in a quotes --format json run: participant -> (heading,
// attribution); heading "" without --by.
std::map<std::string, std::pair<std::string, std::string>> QuotesSeen(const std::string& out) {
  std::map<std::string, std::pair<std::string, std::string>> seen;
  const Json j = Json::parse(out);
  for (const Json& g : j.at("groups")) {
    std::string heading;
    if (g.at("kind") == "other") heading = "(other)";
    if (g.at("kind") == "not-recorded") heading = "(not recorded)";
    if (g.at("kind") == "value") heading = g.at("value").get<std::string>();
    for (const Json& q : g.at("quotes"))
      seen[Who(q.at("text").get<std::string>())] = {heading,
                                                    q.at("attribution").get<std::string>()};
  }
  return seen;
}

// The same from summarise's range of views (--format json), for column `col`.
std::map<std::string, std::pair<std::string, std::string>> SummariesSeen(const std::string& out,
                                                                         const std::string& col) {
  std::map<std::string, std::pair<std::string, std::string>> seen;
  const Json j = Json::parse(out);
  for (const Json& theme : j.at("range"))
    for (const Json& sub : theme.at("subthemes")) {
      if (sub.at("id") != col) continue;
      CHECK(sub.at("withheld") == 0);
      for (const Json& g : sub.at("groups"))
        for (const Json& s : g.at("summaries"))
          seen[Who(s.at("summary").get<std::string>())] = {
              g.at("group").is_null() ? std::string() : g.at("group").get<std::string>(),
              s.at("attribution").get<std::string>()};
    }
  return seen;
}

// What a reader who sets the outputs `views` side by side knows of each participant's texts:
// the tuple of what each output shows with them. Every such tuple must be shared by at least
// `m` participants of the population (the texts can be matched across outputs by their words).
void CheckAnonymous(
    const std::vector<std::map<std::string, std::pair<std::string, std::string>>>& views,
    std::size_t m) {
  std::map<std::vector<std::string>, std::set<std::string>> classes;
  std::set<std::string> everyone;
  for (const auto& view : views)
    for (const auto& [who, seen] : view) everyone.insert(who);
  for (const std::string& who : everyone) {
    std::vector<std::string> key;
    for (const auto& view : views) {
      auto it = view.find(who);
      key.push_back(it == view.end() ? "?" : it->second.first + "|" + it->second.second);
    }
    classes[key].insert(who);
  }
  for (const auto& entry : classes) {
    const auto& key = entry.first;  // (clang 14 cannot INFO a structured binding)
    const auto& members = entry.second;
    std::string shown;
    for (const std::string& k : key) shown += "[" + k + "] ";
    INFO("texts shown as " << shown << "come from " << members.size() << " participants");
    // A class with fewer texts than m is fine only if the population behind it is bigger:
    // every participant here has a text in column a, so the classes are the population's.
    CHECK(members.size() >= m);
  }
}

struct Fixture {
  TempDir dir;
  Fixture() { WriteStudy(dir.path()); }
  RunResult Run(std::vector<std::string> args) const {
    args.insert(args.begin() + 1, {"-C", dir.path().string()});
    return framework_test::Run(args);
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// The rule, in the library.

TEST_CASE("disclosure: SafeFieldCounts stops a rare combination, and enough others with it") {
  using Key = std::optional<std::string>;
  auto rows = [](std::vector<std::pair<const char*, const char*>> values) {
    std::vector<std::vector<Key>> keys;
    for (auto [a, b] : values) keys.push_back({a ? Key(a) : Key(), b ? Key(b) : Key()});
    return keys;
  };
  // Practitioners: 3 in children's, 1 in adult. Stopping only the adult one at "Practitioner"
  // would single them out (the only practitioner shown without a sector): all three with them.
  auto counts = framework::SafeFieldCounts(
      rows({{"p", "c"}, {"p", "c"}, {"p", "c"}, {"p", "a"}, {"m", "c"}, {"m", "c"}, {"m", "c"}}),
      3);
  CHECK(counts == std::vector<std::size_t>{1, 1, 1, 1, 2, 2, 2});
  // Two rare combinations stop together (2 + 1 = 3), the common one goes on.
  counts = framework::SafeFieldCounts(
      rows({{"p", "c"}, {"p", "c"}, {"p", "c"}, {"p", "a"}, {"p", "a"}, {"p", "x"}}), 3);
  CHECK(counts == std::vector<std::size_t>{2, 2, 2, 1, 1, 1});
  // A first field too rare: that part and the smallest other stop at no field at all.
  counts = framework::SafeFieldCounts(rows({{"p", "c"},
                                            {"p", "c"},
                                            {"p", "c"},
                                            {"p", "c"},
                                            {"m", "c"},
                                            {"m", "c"},
                                            {"m", "c"},
                                            {"a", "c"}}),
                                      3);
  CHECK(counts == std::vector<std::size_t>{2, 2, 2, 2, 0, 0, 0, 0});
  // Missing values are a part like any other.
  counts = framework::SafeFieldCounts(rows({{nullptr, "c"}, {nullptr, "c"}, {nullptr, "c"}}), 3);
  CHECK(counts == std::vector<std::size_t>{2, 2, 2});
  // Fewer records than the minimum: nothing at all.
  CHECK(framework::SafeFieldCounts(rows({{"p", "c"}, {"p", "c"}}), 3) ==
        std::vector<std::size_t>{0, 0});
  // min_group 1: everything.
  CHECK(framework::SafeFieldCounts(rows({{"p", "c"}, {"m", "a"}}), 1) ==
        std::vector<std::size_t>{2, 2});
}

TEST_CASE("disclosure: TextHeadings puts a text under (other) where its group is too rare") {
  // Groups 0 and 1 shown, 2 is (other). Attribution "A": 3 in group 0 -> stay; "B": 1 in group
  // 0, 1 in group 1, 1 in (other) -> all three under (other); "C": 4 in group 1 and 1 in
  // (other) -> the 4 join it, or the one would be "the C in (other)".
  const std::vector<int> group = {0, 0, 0, 0, 1, 2, 1, 1, 1, 1, 2};
  const std::vector<std::string> label = {"A", "A", "A", "B", "B", "B", "C", "C", "C", "C", "C"};
  const std::vector<int> headings = framework::TextHeadings(group, label, 2, 3);
  CHECK(headings == std::vector<int>{0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2});
  // Nothing moves when every part is big enough.
  CHECK(framework::TextHeadings({0, 0, 0, 1, 1, 1}, {"A", "A", "A", "A", "A", "A"}, 2, 3) ==
        std::vector<int>{0, 0, 0, 1, 1, 1});
}

TEST_CASE("disclosure: every attribution the plan gives fits min_group participants") {
  Fixture f;
  framework::DiskFileSystem disk(f.dir.path().string());
  const framework::Study study = framework::LoadStudy(disk);
  const std::vector<std::string> population = framework::Population(study);
  REQUIRE(population.size() == 12);
  const framework::AttributionPlan plan = framework::PlanAttribution(study, population, 3, false);
  std::map<std::string, std::set<std::string>> classes;
  for (const std::string& id : population) classes[plan.Label(study, id, false)].insert(id);
  for (const auto& entry : classes) {
    const auto& label = entry.first;
    const auto& members = entry.second;
    INFO(label);
    CHECK(members.size() >= 3);
  }
  CHECK(plan.Label(study, "P10", false) == "Academic");
  CHECK(plan.Label(study, "P07", false) == "Manager");
  CHECK(plan.Label(study, "P01", false) == "Practitioner, children's services");
  CHECK(plan.Coarsened("P10"));
  CHECK(!plan.Coarsened("P01"));
  const framework::AttributionPlan full = framework::PlanAttribution(study, population, 3, true);
  CHECK(full.Label(study, "P10", false) == "Academic, adult social care");
}

// ---------------------------------------------------------------------------------------------
// The attacks, through the binary.

TEST_CASE("disclosure: a breakdown whose small groups stay under the minimum is refused") {
  Fixture f;
  for (const char* format : {"text", "md", "json", "html"}) {
    CAPTURE(format);
    for (const char* view : {"views", "compare", "coverage", "cooccurrence"}) {
      const RunResult r = f.Run({"summarise", "--by", "team", "--view", view, "-f", format});
      CHECK(r.exit_code == 1);
      CHECK(r.out.empty());
      CHECK(Contains(r.err,
                     "framework: error: no breakdown by team: its groups with fewer than 3 "
                     "participants are, even merged into (other), fewer than 3"));
    }
  }
  for (const char* format : {"text", "md", "json", "csv"}) {
    const RunResult r = f.Run({"quotes", "t.a", "--by", "team", "-f", format});
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(Contains(r.err, "no breakdown by team"));
  }
  // The same study at min_group 2 shows team z, with a warning that this run must not be
  // published beside those made at 3.
  const RunResult two = f.Run({"summarise", "--by", "team", "--min-group", "2", "-f", "json"});
  CHECK(two.exit_code == 0);
  CHECK(Contains(two.err, "--min-group 2 is below framework.yaml's min_group 3"));
  CHECK(Contains(two.out, "\"team-z\""));
}

TEST_CASE("disclosure: the total minus the groups shown leaves no one, in size or in coverage") {
  Fixture f;
  const RunResult r = f.Run({"summarise", "--by", "site", "-f", "json"});
  REQUIRE(r.exit_code == 0);
  const Json j = Json::parse(r.out);
  std::size_t sizes = 0;
  std::set<std::string> labels;
  for (const Json& g : j.at("groups")) {
    CHECK(g.at("size").get<std::size_t>() >= 3);
    sizes += g.at("size").get<std::size_t>();
    labels.insert(g.at("label").get<std::string>());
  }
  CHECK(labels == std::set<std::string>{"Ashford", "Bangor", "(other)"});
  CHECK(sizes == j.at("participants").get<std::size_t>());
  // Per sub-theme, the groups' "spoke" add up to everyone who spoke (the coverage's count).
  std::map<std::string, std::size_t> spoke_all;
  for (const Json& theme : j.at("coverage"))
    for (const Json& sub : theme.at("subthemes"))
      spoke_all[sub.at("id").get<std::string>()] = sub.at("participants").get<std::size_t>();
  REQUIRE(spoke_all.size() == 2);
  for (const Json& theme : j.at("comparison").at("themes"))
    for (const Json& sub : theme.at("subthemes")) {
      std::size_t spoke = 0;
      for (const Json& share : sub.at("shares")) spoke += share.at("spoke").get<std::size_t>();
      CHECK(spoke == spoke_all.at(sub.at("id").get<std::string>()));
    }
  // Coverage and co-occurrence do not depend on --by at all, so a run without it adds nothing.
  for (const char* view : {"coverage", "cooccurrence"}) {
    const RunResult with = f.Run({"summarise", "--by", "site", "--view", view, "-f", "json"});
    const RunResult without = f.Run({"summarise", "--view", view, "-f", "json"});
    Json a = Json::parse(with.out), b = Json::parse(without.out);
    CHECK(a.at("coverage") == b.at("coverage"));
    CHECK(a.at("cooccurrence") == b.at("cooccurrence"));
  }
}

TEST_CASE("disclosure: no output names a small group or shows it apart from (other)") {
  Fixture f;
  std::vector<RunResult> runs;
  for (const char* format : {"text", "md", "json", "html"}) {
    runs.push_back(f.Run({"summarise", "--by", "site", "-f", format}));
    runs.push_back(f.Run({"summarise", "--by", "site", "--words", "-f", format}));
  }
  for (const char* format : {"text", "md", "json", "csv"})
    runs.push_back(f.Run({"quotes", "t.b", "--by", "site", "-f", format}));
  for (const RunResult& r : runs) {
    CHECK(r.exit_code == 0);
    for (const std::string& small : kSmallValues) {
      INFO(small << " in:\n" << r.out);
      CHECK(!Contains(r.out, small));
      CHECK(!Contains(r.err, small));
    }
    // quotes --format json names (other) by its kind.
    CHECK((Contains(r.out, "(other)") || Contains(r.out, "\"kind\": \"other\"")));
  }
}

TEST_CASE("disclosure: views with and without --by: the same summaries, none traceable") {
  Fixture f;
  for (const char* col : {"a", "b"}) {
    CAPTURE(col);
    const auto without =
        SummariesSeen(f.Run({"summarise", "--view", "views", "-f", "json"}).out, col);
    const auto with = SummariesSeen(
        f.Run({"summarise", "--by", "site", "--view", "views", "-f", "json"}).out, col);
    // Differencing the two runs gives nothing: the same summaries in both.
    std::set<std::string> a, b;
    for (const auto& [who, seen] : without) a.insert(who);
    for (const auto& [who, seen] : with) b.insert(who);
    CHECK(a == b);
    // Each summary's attribution is the same in both runs.
    for (const auto& [who, seen] : with) CHECK(seen.second == without.at(who).second);
    // The small sites' summaries stand under (other), with others'.
    for (const std::string who : {"P09", "P10", "P11"})
      if (with.count(who)) CHECK(with.at(who).first == "(other)");
  }
  // Set side by side (matched by their words), the runs place no summary among fewer than 3.
  CheckAnonymous(
      {SummariesSeen(f.Run({"summarise", "--view", "views", "-f", "json"}).out, "a"),
       SummariesSeen(f.Run({"summarise", "--by", "site", "--view", "views", "-f", "json"}).out,
                     "a"),
       QuotesSeen(f.Run({"quotes", "t.a", "--by", "site", "-f", "json"}).out),
       QuotesSeen(f.Run({"quotes", "t.a", "-f", "json"}).out)},
      3);
}

TEST_CASE("disclosure: quotes with and without --by: the same quotes, none traceable") {
  Fixture f;
  const auto without = QuotesSeen(f.Run({"quotes", "t.a", "-f", "json"}).out);
  const auto with = QuotesSeen(f.Run({"quotes", "t.a", "--by", "site", "-f", "json"}).out);
  REQUIRE(without.size() == 12);
  REQUIRE(with.size() == 12);
  for (const auto& [who, seen] : with) CHECK(seen.second == without.at(who).second);
  // P07 is a manager at Ashford, the only manager there: under Ashford with "Manager" they
  // would be known; they stand under (other).
  CHECK(with.at("P07").first == "(other)");
  CHECK(with.at("P01").first == "Ashford");
  CHECK(with.at("P04").first == "Bangor");
  CheckAnonymous({with}, 3);
  CheckAnonymous({with, without}, 3);
  // The same placement in summarise's range of views, so the two add nothing to each other.
  const auto views =
      SummariesSeen(f.Run({"summarise", "--by", "site", "--view", "views", "-f", "json"}).out, "a");
  for (const auto& [who, seen] : with) CHECK(views.at(who) == seen);
}

TEST_CASE("disclosure: an attribution that fits fewer than min_group is coarsened everywhere") {
  Fixture f;
  const std::string rare = "Academic, adult social care";
  const RunResult check = f.Run({"check"});
  CHECK(check.exit_code == 0);
  CHECK(Contains(check.err, "participants.yaml:"));
  CHECK(Contains(check.err, "warning: the attribution '" + rare +
                                "' fits 1 participant, fewer "
                                "than min_group 3; quotes, summaries and exports attribute it as "
                                "'Academic'"));
  CHECK(Contains(check.err, "the attribution 'Manager, children's services' fits 1 participant"));
  CHECK(!Contains(check.err, "the attribution 'Practitioner, children's services'"));
  const RunResult json = f.Run({"check", "--format", "json"});
  CHECK(Contains(json.out, "\"rule\": \"identifying-attribution\""));

  for (const char* format : {"text", "md", "json", "csv"}) {
    CAPTURE(format);
    const RunResult q = f.Run({"quotes", "t.a", "-f", format});
    CHECK(q.exit_code == 0);
    CHECK(!Contains(q.out, rare));
    CHECK(Contains(q.out, "Academic"));
    CHECK(Contains(f.Run({"quotes", "t.a", "-f", format, "--allow-identifying"}).out, rare));
    // --ids is the research team's view: the id is there, so the attribution is in full.
    // (text and md put the id first: "P10, academic, adult social care".)
    const RunResult ids = f.Run({"quotes", "t.a", "-f", format, "--ids"});
    CHECK((Contains(ids.out, rare) || Contains(ids.out, "P10, academic, adult social care")));
  }
  for (const char* format : {"text", "md", "json", "html"}) {
    CAPTURE(format);
    const RunResult views = f.Run({"summarise", "--view", "views", "-f", format});
    CHECK(!Contains(views.out, rare));
    CHECK(Contains(views.out, "shortened"));
    CHECK(Contains(f.Run({"summarise", "--view", "views", "-f", format, "--allow-identifying"}).out,
                   rare));
    const RunResult one = f.Run({"summarise", "--participant", "P10", "-f", format});
    CHECK(one.exit_code == 0);
    CHECK(!Contains(one.out, rare));
    CHECK(Contains(one.out, "Academic"));
  }
}

TEST_CASE("disclosure: export --attributes withholds values that would single out a row") {
  Fixture f;
  const RunResult r =
      f.Run({"export", "t", "-f", "csv", "--lf", "--attributes", "role,sector,site"});
  REQUIRE(r.exit_code == 0);
  CHECK(Contains(r.err, "(withheld)"));
  // Every row's shown attribute values, with its attribution (known from the summaries), fit
  // at least 3 rows.
  const auto quotes = QuotesSeen(f.Run({"quotes", "t.a", "-f", "json"}).out);
  std::map<std::string, std::set<std::string>> classes;
  std::istringstream lines(r.out);
  std::string line;
  std::getline(lines, line);
  CHECK(line.rfind("participant,role,sector,site,", 0) == 0);
  while (std::getline(lines, line)) {
    const std::string id = line.substr(0, 3);
    std::string shown = line.substr(4);
    shown = shown.substr(0, shown.find("Summary"));
    classes[quotes.at(id).second + "|" + shown].insert(id);
  }
  REQUIRE(!classes.empty());
  for (const auto& entry : classes) {
    const auto& shown = entry.first;
    const auto& ids = entry.second;
    INFO(shown);
    CHECK(ids.size() >= 3);
  }
  CHECK(!Contains(r.out, "Conwy"));
  CHECK(!Contains(r.out, "Dover"));
  CHECK(Contains(r.out, "P10,academic,(withheld),(withheld)"));
  const RunResult all = f.Run({"export", "t", "-f", "csv", "--lf", "--attributes",
                               "role,sector,site", "--allow-identifying"});
  CHECK(Contains(all.out, "P10,academic,adult social care,,"));
  CHECK(Contains(all.out, "Conwy"));
}

TEST_CASE(
    "disclosure: the views in text, md and html hold the same summaries with and without --by") {
  Fixture f;
  static const std::regex summary("Summary P[0-9][0-9] [ab]");
  auto found = [](const std::string& out) {
    std::multiset<std::string> texts;
    for (auto it = std::sregex_iterator(out.begin(), out.end(), summary);
         it != std::sregex_iterator(); ++it)
      texts.insert(it->str());
    return texts;
  };
  for (const char* format : {"text", "md", "html"}) {
    CAPTURE(format);
    const RunResult without = f.Run({"summarise", "--view", "views", "-f", format});
    const RunResult with = f.Run({"summarise", "--by", "site", "--view", "views", "-f", format});
    REQUIRE(without.exit_code == 0);
    REQUIRE(with.exit_code == 0);
    CHECK(found(without.out).size() == 18);  // 12 on a, 6 on b: none left out of either run
    CHECK(found(with.out) == found(without.out));
    for (const std::string& small : kSmallValues) CHECK(!Contains(with.out, small));
  }
}
