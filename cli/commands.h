// The command table: one entry per command, each defined in its own cmd_<name>.cc.
#pragma once

#include "common.h"

namespace framework::cli {

/// Registers a command's options on `app` and returns what runs it.
using CommandSetup = Runner (*)(CLI::App& app);

/// One command: its name, a one-line description, and its setup.
struct Command {
  const char* name;
  const char* summary;
  CommandSetup setup;
};

Runner SetupCheck(CLI::App& app);
Runner SetupCodes(CLI::App& app);
Runner SetupInit(CLI::App& app);
Runner SetupChart(CLI::App& app);
Runner SetupShow(CLI::App& app);
Runner SetupQuotes(CLI::App& app);
Runner SetupExport(CLI::App& app);
Runner SetupSummarise(CLI::App& app);
Runner SetupImport(CLI::App& app);
Runner SetupMerge(CLI::App& app);

/// Every command, in the order `framework --help` lists them.
inline constexpr Command kCommands[] = {
    {"init", "Start a study: framework.yaml, participants, a transcript to copy", SetupInit},
    {"check", "Validate the whole study, with compiler-style diagnostics", SetupCheck},
    {"codes", "The codebook with its use: segments, participants and words per column", SetupCodes},
    {"show", "A transcript with its codes, or one code's excerpts with line refs", SetupShow},
    {"chart", "A theme's matrix in the terminal; edit, draft and accept its cells", SetupChart},
    {"export", "Matrices as CSV, TSV, Markdown, HTML, JSON or XLSX; a REFI-QDA project",
     SetupExport},
    {"quotes", "One column's verbatim quotes, anonymously attributed, for a report", SetupQuotes},
    {"summarise", "Coverage, range of views, group comparison, co-occurrence; one case",
     SetupSummarise},
    {"import", "A REFI-QDA project or codebook, or a codings table, into a study", SetupImport},
    {"merge", "Join the parts of a split JSON export into the whole-study export", SetupMerge},
};

}  // namespace framework::cli
