#include "common.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "framework/text.h"

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
  // More threads than this only cost memory (each parses a file at a time), and past a few
  // thousand the system refuses to start them.
  app.add_option("-j,--jobs", options.jobs,
                 "Parse with N threads, at most 256 (default: every core)")
      ->check(CLI::Range(0u, 256u))
      ->type_name("N");
  AddInputOptions(app);
}

ReadPolicy& InputPolicy() {
  static ReadPolicy policy;
  return policy;
}

void AddInputOptions(CLI::App& app) {
  app.add_option_function<std::string>(
         "--max-file-size",
         [](const std::string& value) {
           if (auto size = ParseFileSize(value)) InputPolicy().max_file_size = *size;
         },
         "Refuse input files larger than SIZE (default 64M; K, M, G or T)")
      ->check(CLI::Validator(
          [](std::string& value) {
            return ParseFileSize(value) ? std::string()
                                        : "not a size: '" + value + "' (give e.g. 512M or 2G)";
          },
          "SIZE"))
      ->type_name("SIZE");
  app.add_flag_callback(
      "--follow-symlinks", [] { InputPolicy().follow_symlinks = true; },
      "Read study files that lead outside the study folder (symbolic links, ../ or absolute "
      "paths)");
}

DiskFileSystem StudyDisk(const std::string& root) { return DiskFileSystem(root, InputPolicy()); }

ReadResult ReadNamedFile(const std::string& path) { return ReadInputFile(path, InputPolicy()); }

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
  if (flag_width > 0) return std::min(flag_width, kMaxWidth);
  if (const char* columns = std::getenv("COLUMNS"); columns && *columns) {
    char* end = nullptr;
    long n = std::strtol(columns, &end, 10);
    if (end && *end == '\0' && n > 0 && static_cast<std::size_t>(n) <= kMaxWidth)
      return static_cast<std::size_t>(n);
  }
  if (std::size_t w = StdoutTerminalWidth()) return std::min(w, kMaxWidth);
  return 80;
}

void PrintError(const std::string& message, const std::string& hint) {
  // Messages quote what was typed or read: no control character reaches the terminal.
  std::fprintf(stderr, "framework: error: %s\n", VisibleText(message).c_str());
  if (!hint.empty()) std::fprintf(stderr, "  = hint: %s\n", VisibleText(hint).c_str());
}

std::optional<std::int64_t> SourceDateEpoch(int* exit_code) {
  const char* epoch = std::getenv("SOURCE_DATE_EPOCH");
  if (!epoch || !*epoch) return std::nullopt;
  const std::string_view text(epoch);
  std::int64_t value = -1;
  const bool digits =
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) value = -1;
  }
  if (!digits || value < 0 || value > kMaxSourceDateEpoch) {
    PrintError("invalid SOURCE_DATE_EPOCH '" + std::string(text) + "'",
               "give seconds since 1970-01-01T00:00:00Z as decimal digits, from 0 to " +
                   std::to_string(kMaxSourceDateEpoch) +
                   " (9999-12-31T23:59:59Z), or unset it to use the current time");
    *exit_code = kExitUsage;
    return -1;
  }
  return value;
}

namespace {
// True when the first word of shell command `command` names something that can be run: a path
// that is executable, else a program on $PATH. Shell syntax beyond plain words is left to the
// shell (true).
bool CanRun(const std::string& command) {
  const std::size_t begin = command.find_first_not_of(" \t");
  if (begin == std::string::npos) return false;
  const std::size_t end = command.find_first_of(" \t", begin);
  const std::string word = command.substr(begin, end == std::string::npos ? end : end - begin);
  if (word.find_first_of("'\"\\$`=;|&<>(){}*?~") != std::string::npos) return true;
  if (word.find('/') != std::string::npos) return ::access(word.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  const std::string paths = path ? path : "";
  std::size_t start = 0;
  while (start <= paths.size()) {
    std::size_t colon = paths.find(':', start);
    if (colon == std::string::npos) colon = paths.size();
    std::string dir = paths.substr(start, colon - start);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + word;
    if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) return true;
    start = colon + 1;
  }
  return false;
}
}  // namespace

bool WriteThroughPager(const std::string& text) {
  const char* env = std::getenv("FRAMEWORK_PAGER");
  if (!env || !*env) env = std::getenv("PAGER");
  const std::string pager = env && *env ? env : "less";
  if (!CanRun(pager)) return false;
  if (!std::getenv("LESS")) ::setenv("LESS", "FRSX", 1);
  std::fflush(stdout);
  std::FILE* pipe = ::popen(pager.c_str(), "w");
  if (!pipe) return false;
  // A pager that quits early (or never ran) closes the pipe: that must not kill us with SIGPIPE.
  struct sigaction ignore {};
  struct sigaction previous {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);
  std::fwrite(text.data(), 1, text.size(), pipe);
  const int status = ::pclose(pipe);
  ::sigaction(SIGPIPE, &previous, nullptr);
  // The shell's "command not found" (127) or "cannot execute" (126) before reading anything.
  const bool not_run = status != -1 && WIFEXITED(status) &&
                       (WEXITSTATUS(status) == 127 || WEXITSTATUS(status) == 126);
  return !not_run;
}

CLI::Validator NfcId() {
  return CLI::Validator(
      [](std::string& value) {
        value = ToNfc(value);
        return std::string();
      },
      "", "NFC");
}

CLI::Validator NonEmptyPath() {
  return CLI::Validator(
      [](std::string& value) {
        return value.empty() ? std::string("the path is empty: it names no file or folder")
                             : std::string();
      },
      "", "NonEmptyPath");
}

void PrintRefusedBreakdown(const std::string& attribute, int min_group) {
  const std::string n = std::to_string(min_group);
  PrintError("no breakdown by " + attribute + ": its groups with fewer than " + n +
                 " participants are, even merged into (other), fewer than " + n,
             "showing the other groups would give away the rest (the total minus them); group "
             "by another attribute, or leave out --by (see docs/disclosure.md)");
}

void WarnAboutMinGroup(int used, int study) {
  if (used >= study) return;
  std::fprintf(stderr,
               "framework: warning: --min-group %d is below framework.yaml's min_group %d\n"
               "  = hint: outputs made with different minimums can be set against each other; "
               "never publish this one beside those made with %d\n",
               used, study, study);
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
  LoadOptions load;
  load.keep_text = keep_text;
  return LoadStudyAt(where, options, std::move(load));
}

Study LoadStudyAt(const StudyLocation& where, const CommonOptions& options, LoadOptions load) {
  DiskFileSystem disk = StudyDisk(where.root);
  load.jobs = options.jobs;
  return LoadStudy(disk, load);
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  std::stringstream in(text);
  while (std::getline(in, item, ','))
    if (auto t = Trim(item); !t.empty()) out.emplace_back(t);
  return out;
}

int ResolveAttribute(const Study& study, const std::string& name, int* exit_code) {
  int index = study.participants.FindAttribute(name);
  if (index < 0) {
    std::vector<std::string> names;
    for (const auto& a : study.participants.attributes) names.push_back(a.name);
    auto guess = Suggest(name, names);
    PrintError("no participant attribute '" + name + "'",
               guess ? "did you mean '" + *guess + "'?"
                     : "attributes are declared in " + study.participants_path);
    *exit_code = kExitUsage;
  }
  return index;
}

int ResolveTheme(const Framework& framework, const std::string& id, int* exit_code) {
  int index = framework.FindTheme(id);
  if (index < 0) {
    std::vector<std::string> ids;
    for (const auto& t : framework.themes) ids.push_back(t.id);
    auto guess = Suggest(id, ids);
    // At most ten named, so a framework of hundreds of themes gives a hint, not a page.
    constexpr std::size_t kNamed = 10;
    std::string list;
    for (std::size_t i = 0; i < ids.size() && i < kNamed; ++i)
      list += (list.empty() ? "" : ", ") + ids[i];
    if (ids.size() > kNamed) list += " and " + std::to_string(ids.size() - kNamed) + " more";
    PrintError("no theme '" + id + "'",
               guess ? "did you mean '" + *guess + "'?" : "themes: " + list);
    *exit_code = kExitUsage;
  }
  return index;
}

std::string Plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

int OutputExitCode(const Study& study) {
  if (study.io_error) return kExitIo;
  if (!study.participants_unread) return kExitOk;
  PrintError("the participants file " + study.participants_path +
                 " could not be read, so no participant attribute is in this output",
             "run 'framework check' to see why");
  return kExitStudyErrors;
}

void NoteStudyErrors(const Diagnostics& diagnostics, const std::string& consequence) {
  const std::size_t errors = CountDiagnostics(diagnostics).errors;
  if (errors == 0) return;
  std::fprintf(stderr, "note: the study has %s, so %s; run 'framework check' to see %s\n",
               Plural(errors, "error", "errors").c_str(), consequence.c_str(),
               errors == 1 ? "it" : "them");
}

bool CheckOutputTarget(const std::string& output, const std::string& root,
                       const Framework& framework, const std::vector<std::string>& inputs,
                       int* exit_code) {
  std::string what;
  if (!root.empty())
    if (auto input = StudyInputAt(root, framework, output))
      what = input->kind == "framework.yaml" ? "the study's framework.yaml"
                                             : input->kind + " of the study (" + input->path + ")";
  if (what.empty())
    if (std::string same = SameFileAs(output, inputs); !same.empty()) what = "the input " + same;
  if (what.empty()) return true;
  PrintError("-o " + output + " is " + what + "; output never replaces an input",
             "write to another file, e.g. in a folder of exports outside transcripts/ and charts/");
  *exit_code = kExitUsage;
  return false;
}

}  // namespace framework::cli
