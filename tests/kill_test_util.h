// Starting the binary in the background and waiting for it, for the tests that kill it at
// varied moments (import_atomic_test, crash_safety_cli_test).
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

#include "test_paths.h"

namespace framework_test {

/// Starts the binary with `args` in `cwd`, its standard streams on /dev/null and its
/// environment only TERM=dumb and `env` ("NAME=value" each). Returns the child's pid; the
/// caller waits for it (WaitStatus).
inline pid_t StartQuiet(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                        std::vector<std::string> env = {}) {
  std::vector<std::string> storage{FRAMEWORK_BIN};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  env.push_back("TERM=dumb");
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string dir = cwd.string();
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null = ::open("/dev/null", O_RDWR);
    if (null < 0 || ::chdir(dir.c_str()) != 0) ::_exit(126);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

/// The wait status of `pid` (waitpid, retried on EINTR).
inline int WaitStatus(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace framework_test
