// Helpers shared by several test files: diagnostics as one line, files, temporary folders and
// ANSI-free text. Everything that runs the `framework` binary is in run_binary.h (which includes
// this header).
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>

#include "framework/diagnostic.h"

namespace framework_test {

namespace fs = std::filesystem;

/// "rule@line:col" for each diagnostic, joined by "; " so a failure shows them all.
inline std::string Summary(const framework::Diagnostics& diagnostics) {
  std::string out;
  for (const framework::Diagnostic& d : diagnostics) {
    if (!out.empty()) out += "; ";
    out += d.rule + "@" + std::to_string(d.line) + ":" + std::to_string(d.column);
  }
  return out;
}

/// Two lists of diagnostics say the same things at the same places (a fast reader against
/// yaml-cpp).
inline void CheckSameDiagnostics(const framework::Diagnostics& got,
                                 const framework::Diagnostics& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].rule == want[i].rule);
    CHECK(got[i].line == want[i].line);
    CHECK(got[i].column == want[i].column);
    CHECK(got[i].message == want[i].message);
  }
}

inline std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void WriteFile(const fs::path& path, const std::string& contents) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

inline bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// Every file under `dir` with its bytes, keyed by relative path.
inline std::map<std::string, std::string> Snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file())
      files[fs::relative(entry.path(), dir).generic_string()] = ReadFile(entry.path());
  return files;
}

/// A fresh temporary folder under TMPDIR (or /tmp), removed with everything in it when this goes
/// out of scope.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "framework-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) FAIL("mkdtemp failed: " << std::strerror(errno));
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

/// `text` without ANSI SGR sequences (ESC '[' ... 'm').
inline std::string StripAnsi(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
      std::size_t j = i + 2;
      while (j < text.size() && text[j] != 'm') ++j;
      i = j;
      continue;
    }
    out += text[i];
  }
  return out;
}

}  // namespace framework_test
