// Where the binary under test and the source tree are. Defined once, in test_paths.cc (the only
// test file compiled with the paths), so every other test file compiles with the same command in
// every build tree and a compiler cache shares it between trees.
#pragma once

namespace framework_test {
/// The `framework` binary of this build tree.
extern const char* const kFrameworkBinPath;
/// The project's source tree (examples/, tests/studies/, tests/golden/).
extern const char* const kFrameworkSourceDirPath;
}  // namespace framework_test

#define FRAMEWORK_BIN (::framework_test::kFrameworkBinPath)
#define FRAMEWORK_SOURCE_DIR (::framework_test::kFrameworkSourceDirPath)
