// framework init: scaffold a study that passes `framework check`; never overwrite a file.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "commands.h"
#include "framework/file_system.h"
#include "framework/yaml_write.h"

namespace framework::cli {
namespace {

struct InitOptions {
  std::string directory = ".";
  std::string title;
};

int RunInit(const InitOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir(options.directory);
  fs::create_directories(dir / "transcripts", ec);
  if (ec) {
    PrintError("cannot create " + (dir / "transcripts").string() + ": " + ec.message());
    return kExitIo;
  }
  std::string title = options.title;
  if (title.empty()) {
    fs::path name = fs::absolute(dir, ec).lexically_normal().filename();
    title = name.empty() ? "My study" : name.string();
  }
  const std::pair<std::string, std::string> files[] = {
      {"framework.yaml",
       "# The analytical framework: one matrix per theme, one column per sub-theme.\n"
       "# A transcript codes a passage with {theme.subtheme} ... {/theme.subtheme}.\n"
       "framework: 1\n"
       "title: " +
           YamlQuoted(title) +
           "\n"
           "transcripts: transcripts/\n"
           "participants: participants.yaml\n"
           "speakers: {INT: interviewer}\n"
           "attribution: \"{role}\"\n"
           "themes:\n"
           "  - id: background\n"
           "    label: Background\n"
           "    description: The participant's role and experience\n"
           "    subthemes:\n"
           "      - id: role\n"
           "        label: Current role\n"
           "        description: What they do now and how long they have done it\n"
           "      - id: experience\n"
           "        label: Relevant experience\n"
           "        description: Experience that bears on the study's topic\n"},
      {"participants.yaml",
       "# Participants and their attributes; every transcript names one of these ids.\n"
       "attributes:\n"
       "  role: {type: category, values: [practitioner, manager], description: Current role}\n"
       "  years: {type: integer, description: Years in post}\n"
       "participants:\n"
       "  - {id: P01, role: practitioner, years: 3}\n"},
      {"transcripts/P01.txt",
       "---\n"
       "participant: P01\n"
       "date: 2024-01-15\n"
       "---\n"
       "INT: Could you tell me about your current role?\n"
       "\n"
       "P01: {background.role}I've been a practitioner in the team for about three\n"
       "years now.{/background.role} {background.experience}Before that I worked in\n"
       "housing support, which taught me a lot about how families cope.{/background.experience}\n"},
  };
  int created = 0;
  for (const auto& [name, contents] : files) {
    fs::path path = dir / name;
    if (fs::exists(path, ec)) {
      std::printf("kept     %s (it exists; not overwritten)\n", path.generic_string().c_str());
      continue;
    }
    // O_EXCL semantics: never replace a file that appeared meanwhile.
    std::FILE* out = std::fopen(path.c_str(), "wx");
    if (!out) {
      PrintError("cannot create " + path.generic_string() + ": " + std::strerror(errno));
      return kExitIo;
    }
    bool ok = std::fwrite(contents.data(), 1, contents.size(), out) == contents.size();
    ok &= std::fclose(out) == 0;
    if (!ok) {
      PrintError("cannot write " + path.generic_string());
      return kExitIo;
    }
    std::printf("created  %s\n", path.generic_string().c_str());
    ++created;
  }
  std::printf(
      "\nNext: add themes to framework.yaml, participants to participants.yaml and\n"
      "transcripts to transcripts/, then run 'framework check%s'.\n",
      options.directory == "." ? "" : (" -C " + options.directory).c_str());
  (void)created;
  return FinishOutput(kExitOk);
}

}  // namespace

Runner SetupInit(CLI::App& app) {
  auto options = std::make_shared<InitOptions>();
  app.add_option("DIR", options->directory, "Folder for the study (created if missing; default .)");
  app.add_option("--title", options->title, "The study's title (default: the folder's name)");
  app.footer(
      "Creates framework.yaml, participants.yaml and transcripts/P01.txt, a small study that\n"
      "passes 'framework check'. Files that already exist are kept as they are.\n\n"
      "Example:\n"
      "  framework init my-study --title \"Carers' experiences of respite\"");
  return [options] { return RunInit(*options); };
}

}  // namespace framework::cli
