// Merging the parts of a split JSON export: see merge.h.
#include "framework/merge.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <string_view>

#include "framework/chart.h"
#include "framework/file_system.h"

namespace framework {
namespace {

using Json = nlohmann::ordered_json;

struct Part {
  std::string path;
  Json json;
};

// Parses and checks one part.
Status ParsePart(const std::string& path, std::string_view text, Part& part) {
  part.path = path;
  part.json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto invalid = [&](const std::string& why, const std::string& hint) {
    return Fail(StatusCode::kStudyErrors, path + ": " + why, hint);
  };
  const Json& j = part.json;
  if (j.is_discarded())
    return invalid("not JSON", "give the files 'framework export --format json --only ...' wrote");
  if (!j.is_object() || j.value("format", "") != "framework-export" || j.value("version", 0) != 1)
    return invalid("not a framework export (format framework-export, version 1)",
                   "give the files 'framework export --format json --only ...' wrote");
  if (!j.contains("part") || !j["part"].is_object())
    return invalid("a whole export, not a part: it was written without --only",
                   "export each part with 'framework export --format json --only GLOB'");
  const Json& p = j["part"];
  for (const char* key : {"framework", "study"})
    if (!p.contains(key) || !p[key].is_string())
      return invalid(std::string("part has no '") + key + "' hash", "export the part again");
  for (const char* key : {"transcripts", "charts"})
    if (!p.contains(key) || !p[key].is_array())
      return invalid(std::string("part has no '") + key + "' list", "export the part again");
  for (const char* key : {"framework", "participants", "matrices"})
    if (!j.contains(key)) return invalid(std::string("no '") + key + "'", "export the part again");
  return {};
}

// The sub-theme ids of theme `id` in the export's framework.
std::vector<std::string> SubthemeIds(const Json& framework, const std::string& id) {
  std::vector<std::string> out;
  for (const Json& theme : framework["themes"])
    if (theme["id"] == id)
      for (const Json& s : theme["subthemes"]) out.push_back(s["id"].get<std::string>());
  return out;
}

bool NaturalLessString(const std::string& a, const std::string& b) { return NaturalLess(a, b); }

// Joins the parts. Everything that depends on the whole study (the participant rows, the rows of
// each matrix, which chart entry lands in which cell, stale cells, orphans) is recomputed as
// `export` computes it; each cell's coded data comes from the part holding its transcript.
Status Merge(const std::vector<Part>& parts, Json& out) {
  const Part& first = parts.front();
  const Json& head = first.json;
  std::map<std::string, std::size_t> owner;  // participant -> the part holding its transcript
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const Json& p = parts[i].json["part"];
    if (p["framework"] != head["part"]["framework"]) {
      return Fail(StatusCode::kStudyErrors,
                  parts[i].path + " was exported from a different framework than " + first.path,
                  "export every part from the same study, with the same THEME arguments");
    }
    if (p["study"] != head["part"]["study"]) {
      return Fail(StatusCode::kStudyErrors,
                  parts[i].path + " and " + first.path +
                      " were exported from different participants or charts",
                  "export every part from the same version of the study");
    }
    for (const Json& id : p["transcripts"]) {
      auto [it, inserted] = owner.emplace(id.get<std::string>(), i);
      if (!inserted) {
        return Fail(StatusCode::kStudyErrors,
                    "participant '" + it->first + "' is in two parts, " + parts[it->second].path +
                        " and " + parts[i].path,
                    "split the transcripts so that each is in exactly one part (the --only "
                    "globs overlap)");
      }
    }
  }

  // Participants: the declared ones and every one with a transcript, in natural order.
  std::map<std::string, const Json*> declared;
  for (const Json& row : head["participants"]["rows"])
    if (row["declared"].get<bool>()) declared.emplace(row["id"].get<std::string>(), &row);
  std::vector<std::string> ids;
  for (const auto& [id, row] : declared) ids.push_back(id);
  for (const auto& [id, part] : owner)
    if (!declared.count(id) && !id.empty()) ids.push_back(id);
  std::sort(ids.begin(), ids.end(), NaturalLessString);
  std::map<std::string, std::size_t> row_of;
  for (std::size_t r = 0; r < ids.size(); ++r) row_of.emplace(ids[r], r);

  out = Json::object();
  out["format"] = head["format"];
  out["version"] = head["version"];
  out["title"] = head["title"];
  out["framework"] = head["framework"];
  auto rows = Json::array();
  for (const std::string& id : ids) {
    auto it = declared.find(id);
    rows.push_back(it != declared.end()
                       ? *it->second
                       : Json{{"id", id}, {"declared", false}, {"attributes", Json::object()}});
  }
  out["participants"] = {{"attributes", head["participants"]["attributes"]}, {"rows", rows}};

  auto matrices = Json::array();
  for (std::size_t m = 0; m < head["matrices"].size(); ++m) {
    const std::string theme = head["matrices"][m]["theme"].get<std::string>();
    const std::vector<std::string> subthemes = SubthemeIds(head["framework"], theme);
    // Each owned participant's row in its part's matrix of this theme.
    std::vector<const Json*> data(ids.size(), nullptr);
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const Json& matrix = parts[i].json["matrices"][m];
      for (const Json& row : matrix["rows"]) {
        const std::string id = row["participant"].get<std::string>();
        auto o = owner.find(id);
        if (o != owner.end() && o->second == i) data[row_of.at(id)] = &row["cells"];
      }
    }
    // Chart entries: each to its cell, first come first served; the rest are orphans.
    std::vector<std::vector<const Json*>> chart(ids.size(),
                                                std::vector<const Json*>(subthemes.size()));
    auto orphans = Json::array();
    for (const Json& file : head["part"]["charts"]) {
      if (file["theme"] != theme) continue;
      for (const Json& cell : file["cells"]) {
        auto r = row_of.find(cell["participant"].get<std::string>());
        auto c = std::find(subthemes.begin(), subthemes.end(), cell["subtheme"].get<std::string>());
        if (r != row_of.end() && c != subthemes.end()) {
          const Json*& slot = chart[r->second][static_cast<std::size_t>(c - subthemes.begin())];
          if (!slot) {
            slot = &cell;
            continue;
          }
        }
        orphans.push_back(cell);
      }
    }
    auto matrix_rows = Json::array();
    for (std::size_t r = 0; r < ids.size(); ++r) {
      auto cells = Json::array();
      for (std::size_t c = 0; c < subthemes.size(); ++c) {
        Json words = std::size_t{0}, source = "", segments = Json::array();
        if (data[r] && c < data[r]->size()) {
          const Json& cell = (*data[r])[c];
          words = cell["words"];
          source = cell["source"];
          segments = cell["segments"];
        }
        const Json* entry = chart[r][c];
        const std::string state = entry               ? (*entry)["status"].get<std::string>()
                                  : !segments.empty() ? "uncharted"
                                                      : "empty";
        const bool stale = entry && (*entry)["source"] != "" && (*entry)["source"] != source;
        cells.push_back({{"subtheme", subthemes[c]},
                         {"state", state},
                         {"stale", stale},
                         {"words", words},
                         {"source", source},
                         {"segments", segments},
                         {"chart", entry ? *entry : Json()}});
      }
      matrix_rows.push_back({{"participant", ids[r]}, {"cells", cells}});
    }
    matrices.push_back({{"theme", theme}, {"rows", matrix_rows}, {"orphans", orphans}});
  }
  out["matrices"] = matrices;
  return {};
}

// Merges parsed parts into `*merged`.
Status MergeParts(const std::vector<Part>& parts, std::string* merged) {
  if (parts.empty()) return Fail(StatusCode::kUsage, "no part to merge");
  Json out;
  try {
    if (Status status = Merge(parts, out); !status.ok()) return status;
  } catch (const nlohmann::json::exception& e) {
    // A part edited by hand or cut short: a member of the wrong type or missing.
    return Fail(StatusCode::kStudyErrors, std::string("a part is malformed: ") + e.what(),
                "export the parts again with 'framework export --format json --only ...'");
  }
  *merged = out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return {};
}

}  // namespace

Status MergeExportTexts(const std::vector<ExportPart>& parts, std::string* merged) {
  std::vector<Part> parsed(parts.size());
  for (std::size_t i = 0; i < parts.size(); ++i)
    if (Status status = ParsePart(parts[i].name, parts[i].text, parsed[i]); !status.ok())
      return status;
  return MergeParts(parsed, merged);
}

Status MergeExportFiles(const std::vector<std::string>& paths, const ReadPolicy& policy,
                        std::string* merged) {
  std::vector<Part> parsed(paths.size());
  for (std::size_t i = 0; i < paths.size(); ++i) {
    ReadResult bytes = ReadInputFile(paths[i], policy);
    if (!bytes.ok)
      return Fail(StatusCode::kIoError, "cannot read " + paths[i] + ": " + bytes.error, bytes.hint);
    if (Status status = ParsePart(paths[i], bytes.contents, parsed[i]); !status.ok()) return status;
  }
  return MergeParts(parsed, merged);
}

}  // namespace framework
