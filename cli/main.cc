// framework: the command-line toolkit for the Framework method. Dispatch only; each command
// lives in its own cmd_<name>.cc.
#include <malloc.h>

#include <clocale>
#include <iostream>
#include <map>
#include <vector>

#include "commands.h"
#include "framework/text.h"
#include "framework/version.h"

int main(int argc, char** argv) {
  using namespace framework::cli;
  // A load reads, parses and frees a buffer per file on each thread. By default glibc gives the
  // free top of a thread's heap back to the system once 128 KiB of it is free, so every file
  // faulted fresh pages in again (a quarter of `check`'s CPU on 4,000 transcripts). Keep up to
  // 64 MiB of it, and serve blocks up to 32 MiB from the heap; the peak is unchanged.
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  CLI::App app{
      "framework: the Framework method of qualitative analysis. Code transcripts, chart them into\n"
      "theme matrices (participants x sub-themes), check, summarise and export them.\n"};
  app.name("framework");
  app.set_version_flag("--version", framework::kVersion);
  app.require_subcommand(1);
  app.footer(
      "Run 'framework COMMAND --help' for a command's options.\n"
      "Exit codes: 0 ok, 1 the study has errors, 2 usage error, 3 input/output failure.");

  AddInputOptions(app);  // also accepted after the command
  std::map<std::string, Runner> runners;
  // Ids typed on the command line are NFC-normalised, as ids read from files are, so a theme id
  // typed in NFD is found. Paths (-C, -o, FILE, DIR, --only globs) are kept byte for byte.
  static const char* const kIdOptions[] = {"THEME",        "CODE",    "PARTICIPANT",  "--sort",
                                           "--attributes", "--where", "--edit",       "--accept",
                                           "--by",         "--code",  "--participant"};
  for (const Command& command : kCommands) {
    CLI::App* sub = app.add_subcommand(command.name, command.summary);
    runners[command.name] = command.setup(*sub);
    for (CLI::Option* option : sub->get_options()) {
      for (const char* name : kIdOptions)
        if (option->check_name(name)) option->transform(NfcId());
      if (option->check_name("--output")) option->check(NonEmptyPath());
    }
  }

  // A mistyped command gets a suggestion (CLI11 2.1 says only "a subcommand is required").
  if (argc > 1 && argv[1][0] != '-') {
    std::string word = argv[1];
    std::vector<std::string> names;
    for (const Command& command : kCommands) names.push_back(command.name);
    if (!runners.count(word)) {
      auto guess = framework::Suggest(word, names, 2);
      PrintError("'" + word + "' is not a framework command",
                 guess ? "did you mean 'framework " + *guess + "'?"
                       : "run 'framework --help' for the list of commands");
      return kExitUsage;
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  } catch (const CLI::CallForVersion& e) {
    app.exit(e);
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    // Messages start lower-case, but names such as THEME keep their case.
    if (message.size() > 1 && std::islower(static_cast<unsigned char>(message[1])))
      message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
    PrintError(message, "run 'framework --help' or 'framework COMMAND --help'");
    return kExitUsage;
  }
  for (const Command& command : kCommands) {
    if (app.got_subcommand(command.name)) return runners[command.name]();
  }
  return kExitUsage;
}
