// framework show: a transcript with its codes visible, or one code's excerpts.
#include "commands.h"

namespace framework::cli {

Runner SetupShow(CLI::App& app) {
  (void)app;
  return [] { return static_cast<int>(kExitUsage); };
}

}  // namespace framework::cli
