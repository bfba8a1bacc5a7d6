#include "test_paths.h"

namespace framework_test {
const char* const kFrameworkBinPath = FRAMEWORK_TEST_BIN;
const char* const kFrameworkSourceDirPath = FRAMEWORK_TEST_SOURCE_DIR;
}  // namespace framework_test
