// Running the real `framework` binary from tests: its streams captured, its environment pinned.
// Shared by the command tests (cli_test.cc, show_test.cc, chart_test.cc); with a run with stdout
// on a pseudo-terminal, for the decisions made only on a terminal (colour in `auto` mode, the
// width from TIOCGWINSZ).
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "test_paths.h"
#include "test_util.h"

namespace framework_test {

inline const fs::path kSourceDir = FRAMEWORK_SOURCE_DIR;
inline const fs::path kStudies = kSourceDir / "tests" / "studies";
inline const fs::path kExample = kSourceDir / "examples" / "ipv-social-work";
inline const fs::path kGoldens = kSourceDir / "tests" / "golden";

struct RunResult {
  int exit_code = -1;  ///< the exit status, or 128 + signal number
  std::string out;     ///< everything written to stdout
  std::string err;     ///< everything written to stderr
};

/// How a run's stdout is connected.
struct RunStdout {
  std::string file;  ///< an existing file to write to (e.g. /dev/full); out stays empty
  unsigned short pty_columns = 0;  ///< non-zero: a pseudo-terminal this many columns wide
};

namespace detail {

inline std::vector<char*> Argv(std::vector<std::string>& storage) {
  std::vector<char*> argv;
  for (auto& a : storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

// In the child: the environment every run starts from, so the colour and width decisions do not
// depend on where the tests run; then `env` on top.
inline void PinEnvironment(const std::map<std::string, std::string>& env) {
  ::unsetenv("FORCE_COLOR");
  ::unsetenv("NO_COLOR");
  ::unsetenv("COLUMNS");
  ::setenv("TERM", "dumb", 1);
  for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
}

inline int Wait(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) FAIL("waitpid failed: " << std::strerror(errno));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace detail

/// Runs `program` (a path) with `args` in the folder `cwd`, stdin from /dev/null, and
/// captures stdout and stderr separately (each through a temporary file, or stdout through a
/// pseudo-terminal, see RunStdout). TERM is "dumb" and FORCE_COLOR, NO_COLOR and COLUMNS are
/// unset unless `env` sets them.
inline RunResult RunProgram(const std::string& program, const std::vector<std::string>& args,
                            const fs::path& cwd = kSourceDir,
                            const std::map<std::string, std::string>& env = {},
                            const RunStdout& to = {}) {
  TempDir capture;
  const std::string out_path = to.file.empty() ? (capture.path() / "stdout").string() : to.file;
  const std::string err_path = (capture.path() / "stderr").string();
  std::vector<std::string> storage{program};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv = detail::Argv(storage);

  int master = -1;
  std::string slave_name;
  if (to.pty_columns > 0) {
    master = ::posix_openpt(O_RDWR | O_NOCTTY);
    REQUIRE(master >= 0);
    REQUIRE(::grantpt(master) == 0);
    REQUIRE(::unlockpt(master) == 0);
    slave_name = ::ptsname(master);
  }

  std::fflush(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child: only async-signal-safe calls plus setenv/unsetenv (single-threaded parent).
    int in = ::open("/dev/null", O_RDONLY);
    int out = -1;
    if (master >= 0) {
      ::close(master);
      ::setsid();
      out = ::open(slave_name.c_str(), O_RDWR);
      if (out >= 0) {
        struct winsize size {};
        size.ws_row = 24;
        size.ws_col = to.pty_columns;
        ::ioctl(out, TIOCSWINSZ, &size);
        struct termios mode {};
        if (::tcgetattr(out, &mode) == 0) {
          mode.c_oflag &= ~static_cast<tcflag_t>(OPOST);  // no "\n" -> "\r\n"
          ::tcsetattr(out, TCSANOW, &mode);
        }
      }
    } else {
      out = to.file.empty() ? ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644)
                            : ::open(out_path.c_str(), O_WRONLY);
    }
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0 || ::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    detail::PinEnvironment(env);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  RunResult result;
  if (master >= 0) {
    // Read while the child writes (a pty holds only a few kilobytes); EIO once it has exited.
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::read(master, buffer, sizeof buffer);
      if (n > 0) {
        result.out.append(buffer, static_cast<std::size_t>(n));
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        break;
      }
    }
    ::close(master);
  }
  result.exit_code = detail::Wait(pid);
  if (master < 0 && to.file.empty()) result.out = ReadFile(out_path);
  result.err = ReadFile(err_path);
  return result;
}

/// Runs the framework binary: RunProgram(FRAMEWORK_BIN, ...).
inline RunResult Run(const std::vector<std::string>& args, const fs::path& cwd = kSourceDir,
                     const std::map<std::string, std::string>& env = {}, const RunStdout& to = {}) {
  return RunProgram(FRAMEWORK_BIN, args, cwd, env, to);
}

/// True when UPDATE_GOLDENS=1: goldens are rewritten instead of compared (read the diff!).
inline bool UpdateGoldens() {
  const char* value = std::getenv("UPDATE_GOLDENS");
  return value && std::strcmp(value, "1") == 0;
}

/// Compares `actual` with the golden file at `path`, or rewrites it under UPDATE_GOLDENS=1.
inline void CheckGolden(const fs::path& path, const std::string& actual) {
  INFO("golden: ", path.string());
  if (UpdateGoldens()) {
    WriteFile(path, actual);
    MESSAGE("rewrote " << path.string());
    return;
  }
  REQUIRE_MESSAGE(fs::exists(path), "missing golden (run with UPDATE_GOLDENS=1 to create it)");
  CHECK(actual == ReadFile(path));
}

/// The lines of `text`, without their '\n'.
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace framework_test
