// One fuzz target, written once, built two ways.
//
// A target file (fuzz/<name>_fuzzer.cc) says what to do with one input:
//
//   FRAMEWORK_FUZZ_TARGET(transcript) {
//     framework::ParseTranscript("P01.txt", data, {}, diagnostics);
//   }
//
// `data` is the input (std::string_view), `diagnostics` collects what the loader reports.
// Built with FRAMEWORK_FUZZ_LIBFUZZER (fuzz/CMakeLists.txt), the file is a libFuzzer binary
// `fuzz_<name>`. Built into the test binary (tests/CMakeLists.txt), the target registers itself
// under its name, and tests/fuzz_regression_test.cc feeds it every input kept under
// tests/fuzz-regressions/<name>/. So a finding becomes a regression test by copying its input
// there: nothing else to write.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "framework/diagnostic.h"

namespace framework_fuzz {

/// What a target does with one input.
using TargetFunction = void (*)(std::string_view data, framework::Diagnostics& diagnostics);

/// Every target compiled into this binary, by name.
inline std::map<std::string, TargetFunction>& Targets() {
  static std::map<std::string, TargetFunction> targets;
  return targets;
}

/// Adds a target to Targets() during static initialisation.
struct Registration {
  Registration(const char* name, TargetFunction function) { Targets()[name] = function; }
};

}  // namespace framework_fuzz

// FRAMEWORK_FUZZ_CHECK(condition): a property every input must keep (beyond "no crash"). Under
// libFuzzer a violation aborts, so the input is saved as a finding; in the tests it adds an error
// diagnostic with rule "fuzz-property", which the regression test never accepts.
#ifdef FRAMEWORK_FUZZ_LIBFUZZER
#define FRAMEWORK_FUZZ_CHECK(condition) \
  do {                                  \
    if (!(condition)) __builtin_trap(); \
  } while (false)
#else
#define FRAMEWORK_FUZZ_CHECK(condition)                    \
  do {                                                     \
    if (!(condition)) {                                    \
      framework::Diagnostic violated;                      \
      violated.rule = "fuzz-property";                     \
      violated.message = "property violated: " #condition; \
      diagnostics.push_back(violated);                     \
    }                                                      \
  } while (false)
#endif

#ifdef FRAMEWORK_FUZZ_LIBFUZZER
#define FRAMEWORK_FUZZ_TARGET(name)                                                             \
  static void FrameworkFuzz_##name(std::string_view data, framework::Diagnostics& diagnostics); \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {          \
    framework::Diagnostics diagnostics;                                                         \
    FrameworkFuzz_##name(std::string_view(reinterpret_cast<const char*>(bytes), size),          \
                         diagnostics);                                                          \
    return 0;                                                                                   \
  }                                                                                             \
  static void FrameworkFuzz_##name(std::string_view data, framework::Diagnostics& diagnostics)
#else
#define FRAMEWORK_FUZZ_TARGET(name)                                                             \
  static void FrameworkFuzz_##name(std::string_view data, framework::Diagnostics& diagnostics); \
  static const framework_fuzz::Registration framework_fuzz_registration_##name(                 \
      #name, FrameworkFuzz_##name);                                                             \
  static void FrameworkFuzz_##name(std::string_view data, framework::Diagnostics& diagnostics)
#endif
