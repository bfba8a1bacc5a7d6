// A fresh copy of a study (the example by default) in a temporary folder, for tests that change
// a study's files.
#pragma once

#include <filesystem>
#include <string>

#include "run_binary.h"

namespace framework_test {

/// A copy of the study at `from` in a temporary folder, removed with the object.
class StudyCopy {
 public:
  /// Copies `from` (recursively) to root().
  explicit StudyCopy(const fs::path& from = kExample) {
    fs::copy(from, root(), fs::copy_options::recursive);
  }
  /// The copy's root folder.
  fs::path root() const { return tmp_.path() / "study"; }
  /// The temporary folder that holds root(), for files beside the study.
  fs::path tmp() const { return tmp_.path(); }
  /// A path inside the copy.
  fs::path operator/(const std::string& relative) const { return root() / relative; }

 private:
  TempDir tmp_;
};

}  // namespace framework_test
