#include "common.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

namespace framework::cli {

namespace fs = std::filesystem;

void AddCommonOptions(CLI::App& app, CommonOptions& options) {
  app.add_option("-C,--directory", options.directory,
                 "Run in the study at DIR (default: the current folder or its nearest parent "
                 "holding framework.yaml)")
      ->type_name("DIR");
  app.add_option("--color", options.color,
                 "Colour: auto (only on a terminal, NO_COLOR respected), always or never")
      ->transform(CLI::IsMember({"auto", "always", "never"}, CLI::ignore_case))
      ->type_name("WHEN");
  app.add_flag("-q,--quiet", options.quiet, "Print no summary or progress, only the results");
  app.add_option("-j,--jobs", options.jobs, "Parse with N threads (default: every core)")
      ->type_name("N");
}

bool UseColor(std::FILE* stream, const std::string& mode) {
  if (mode == "never") return false;
  if (mode == "always") return true;
  if (const char* force = std::getenv("FORCE_COLOR"); force && *force && std::strcmp(force, "0"))
    return true;
  if (const char* no = std::getenv("NO_COLOR"); no && *no) return false;
  if (const char* term = std::getenv("TERM"); term && std::strcmp(term, "dumb") == 0) return false;
  return ::isatty(::fileno(stream)) != 0;
}

std::size_t StdoutTerminalWidth() {
  if (!::isatty(STDOUT_FILENO)) return 0;
  struct winsize ws {};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 0;
}

std::size_t TerminalWidth(std::size_t flag_width) {
  if (flag_width > 0) return flag_width;
  if (const char* columns = std::getenv("COLUMNS"); columns && *columns) {
    char* end = nullptr;
    long n = std::strtol(columns, &end, 10);
    if (end && *end == '\0' && n > 0 && n < 10000) return static_cast<std::size_t>(n);
  }
  if (std::size_t w = StdoutTerminalWidth()) return w;
  return 80;
}

void PrintError(const std::string& message, const std::string& hint) {
  std::fprintf(stderr, "framework: error: %s\n", message.c_str());
  if (!hint.empty()) std::fprintf(stderr, "  = hint: %s\n", hint.c_str());
}

std::optional<StudyLocation> LocateStudy(const CommonOptions& options, int* exit_code) {
  std::error_code ec;
  std::string start = options.directory.empty() ? "." : options.directory;
  if (!options.directory.empty() && !fs::is_directory(options.directory, ec)) {
    PrintError("cannot use -C " + options.directory + ": " +
                   (fs::exists(options.directory, ec) ? "not a folder" : "no such folder"),
               "give the folder that holds framework.yaml");
    *exit_code = kExitIo;
    return std::nullopt;
  }
  auto root = FindStudyRoot(start);
  if (!root) {
    PrintError("no framework.yaml in " +
                   (options.directory.empty() ? std::string("this folder") : options.directory) +
                   " or any folder above it",
               "run 'framework init' to start a study, or pass -C DIR");
    *exit_code = kExitUsage;
    return std::nullopt;
  }
  StudyLocation where;
  where.root = *root;
  // Paths are shown as the user can use them: under -C as typed, else relative to here.
  fs::path typed = options.directory.empty() ? fs::path(".") : fs::path(options.directory);
  if (!options.directory.empty() && fs::equivalent(fs::absolute(typed, ec), fs::path(*root), ec)) {
    std::string prefix = typed.lexically_normal().generic_string();
    if (prefix != "." && prefix != "./")
      where.path_prefix = prefix.back() == '/' ? prefix : prefix + "/";
    return where;
  }
  fs::path relative = fs::path(*root).lexically_relative(fs::current_path(ec));
  std::string prefix = relative.generic_string();
  if (ec || prefix.empty())
    where.path_prefix = *root + "/";
  else if (prefix != ".")
    where.path_prefix = prefix + "/";
  return where;
}

void PrintDiagnostics(const Diagnostics& diagnostics, const StudyLocation& where, bool color) {
  RenderOptions render;
  render.color = color;
  render.path_prefix = where.path_prefix;
  std::string out;
  for (const auto& d : diagnostics) out += RenderDiagnostic(d, render);
  std::fwrite(out.data(), 1, out.size(), stderr);
}

int FinishOutput(int code) {
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    int err = errno;
    std::fprintf(stderr, "framework: error: cannot write output: %s\n",
                 err ? std::strerror(err) : "write error");
    return kExitIo;
  }
  return code;
}

Study LoadStudyAt(const StudyLocation& where, const CommonOptions& options, bool keep_text) {
  DiskFileSystem disk(where.root);
  LoadOptions load;
  load.jobs = options.jobs;
  load.keep_text = keep_text;
  return LoadStudy(disk, load);
}

}  // namespace framework::cli
