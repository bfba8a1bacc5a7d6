// framework chart: a theme's matrix in the terminal, and the editor loop that charts it.
#include "commands.h"

namespace framework::cli {

Runner SetupChart(CLI::App& app) {
  (void)app;
  return [] { return static_cast<int>(kExitUsage); };
}

}  // namespace framework::cli
