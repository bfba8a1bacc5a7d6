// framework merge: joins the parts of a split JSON export (`export --format json --only ...`)
// into the export one run over the whole study gives, byte for byte.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "commands.h"
#include "framework/chart.h"
#include "framework/file_system.h"

namespace framework::cli {
namespace {

using Json = nlohmann::ordered_json;

struct MergeCliOptions {
  std::vector<std::string> parts;
  std::string output;
  bool quiet = false;
};

struct Part {
  std::string path;
  Json json;
};

// Reads and parses one part; on failure prints the error and sets `*exit_code`.
bool ReadPart(const std::string& path, Part& part, int* exit_code) {
  ReadResult bytes = ReadNamedFile(path);
  if (!bytes.ok) {
    PrintError("cannot read " + path + ": " + bytes.error, bytes.hint);
    *exit_code = kExitIo;
    return false;
  }
  part.path = path;
  part.json = Json::parse(bytes.contents, nullptr, /*allow_exceptions=*/false);
  auto invalid = [&](const std::string& why, const std::string& hint) {
    PrintError(path + ": " + why, hint);
    *exit_code = kExitStudyErrors;
    return false;
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
  return true;
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
int Merge(const std::vector<Part>& parts, Json& out) {
  const Part& first = parts.front();
  const Json& head = first.json;
  std::map<std::string, std::size_t> owner;  // participant -> the part holding its transcript
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const Json& p = parts[i].json["part"];
    if (p["framework"] != head["part"]["framework"]) {
      PrintError(parts[i].path + " was exported from a different framework than " + first.path,
                 "export every part from the same study, with the same THEME arguments");
      return kExitStudyErrors;
    }
    if (p["study"] != head["part"]["study"]) {
      PrintError(parts[i].path + " and " + first.path +
                     " were exported from different participants or charts",
                 "export every part from the same version of the study");
      return kExitStudyErrors;
    }
    for (const Json& id : p["transcripts"]) {
      auto [it, inserted] = owner.emplace(id.get<std::string>(), i);
      if (!inserted) {
        PrintError("participant '" + it->first + "' is in two parts, " + parts[it->second].path +
                       " and " + parts[i].path,
                   "split the transcripts so that each is in exactly one part (the --only globs "
                   "overlap)");
        return kExitStudyErrors;
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
  return kExitOk;
}

int RunMerge(const MergeCliOptions& options) {
  int exit_code = kExitOk;
  std::vector<Part> parts(options.parts.size());
  for (std::size_t i = 0; i < parts.size(); ++i)
    if (!ReadPart(options.parts[i], parts[i], &exit_code)) return exit_code;
  Json out;
  try {
    if (int code = Merge(parts, out); code != kExitOk) return code;
  } catch (const nlohmann::json::exception& e) {
    // A part edited by hand or cut short: a member of the wrong type or missing.
    PrintError(std::string("a part is malformed: ") + e.what(),
               "export the parts again with 'framework export --format json --only ...'");
    return kExitStudyErrors;
  }
  const std::string text = out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (options.output.empty() || options.output == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return FinishOutput(kExitOk);
  }
  // Output never replaces an input: the parts, nor the files of a study merge runs in.
  std::string root;
  Framework framework;
  if (auto found = FindStudyRoot(".")) {
    ReadResult file = DiskFileSystem(*found).Read("framework.yaml");
    Diagnostics ignored;
    if (file.ok) {
      root = *found;
      framework = LoadFramework("framework.yaml", file.contents, ignored);
    }
  }
  if (!CheckOutputTarget(options.output, root, framework, options.parts, &exit_code))
    return exit_code;
  if (std::string error = WriteFileAtomically(options.output, text); !error.empty()) {
    PrintError(error);
    return kExitIo;
  }
  if (!options.quiet)
    std::fprintf(stderr, "merged %zu parts into %s\n", parts.size(), options.output.c_str());
  return kExitOk;
}

}  // namespace

Runner SetupMerge(CLI::App& app) {
  auto options = std::make_shared<MergeCliOptions>();
  app.add_option("PART", options->parts,
                 "Parts written by 'framework export --format json --only ...'")
      ->required()
      ->type_name("PART.json");
  app.add_option("-o,--output", options->output,
                 "Write to FILE, atomically (default: standard output)")
      ->type_name("FILE");
  app.add_flag("-q,--quiet", options->quiet, "Print no summary");
  AddInputOptions(app);
  app.footer(
      "Joins the parts of an export split across machines (Slurm array jobs, GNU parallel):\n"
      "each part is 'framework export --format json --only GLOB' over some of the transcripts,\n"
      "and every transcript is in exactly one part. The result is byte-identical to one\n"
      "'framework export --format json' over the whole study. Parts from different frameworks,\n"
      "participants or charts, and parts sharing a participant, are refused.\n\n"
      "Examples:\n"
      "  framework export --format json --only 'P0[0-4]*' -o part1.json\n"
      "  framework export --format json --only 'P0[5-9]*' -o part2.json\n"
      "  framework merge part1.json part2.json -o all.json");
  return [options] { return RunMerge(*options); };
}

}  // namespace framework::cli
