// What an operation that can fail reports to its caller, instead of printing it: a kind (which
// the CLI maps to an exit code) and a message and hint.
#pragma once

#include <string>
#include <utility>

namespace framework {

/// How an operation ended.
enum class StatusCode {
  kOk,           ///< it did what was asked
  kUsage,        ///< the request itself is wrong (a cell name that does not parse, say)
  kStudyErrors,  ///< the study or an input file has errors
  kIoError,      ///< reading or writing failed
};

/// The outcome of an operation that can fail: `message` (lower-case, no final period) and
/// `hint` (may be empty) say why when it is not ok.
struct Status {
  StatusCode code = StatusCode::kOk;
  std::string message;
  std::string hint;
  /// True when the operation succeeded.
  bool ok() const { return code == StatusCode::kOk; }
};

/// A failed Status of kind `code`.
inline Status Fail(StatusCode code, std::string message, std::string hint = {}) {
  return {code, std::move(message), std::move(hint)};
}

}  // namespace framework
