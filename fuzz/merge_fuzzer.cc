// `MergeExportTexts` (framework merge) on one part, then on the part given twice. Whatever the
// input, a refusal is a diagnostic, never a crash; the part's JSON is judged as nlohmann judges
// it (what one reader refuses as not JSON, the other does too); a merge that succeeds writes
// JSON. Rules: `not-json`, `duplicate-name`, `too-deep`, `too-large`, `merge-refused`.
// fuzz-seeds: tests/fuzz-regressions/merge/*
#include <nlohmann/json.hpp>

#include <string>

#include "framework/merge.h"
#include "fuzz_target.h"

FRAMEWORK_FUZZ_TARGET(merge) {
  const std::string text(data);
  auto report = [&](const framework::Status& status) {
    const std::string& m = status.message;
    framework::Diagnostic d;
    d.severity = framework::Severity::kError;
    d.file = "part.json";
    d.message = m;
    d.rule = m.find(": not JSON: ") != std::string::npos            ? "not-json"
             : m.find("duplicate member name") != std::string::npos ? "duplicate-name"
             : m.find("nesting deeper") != std::string::npos        ? "too-deep"
             : m.find("million JSON values") != std::string::npos   ? "too-large"
                                                                    : "merge-refused";
    diagnostics.push_back(d);
    return d.rule;
  };
  std::string merged;
  const framework::Status one = framework::MergeExportTexts({{"part.json", text}}, &merged);
  if (one.ok()) {
    FRAMEWORK_FUZZ_CHECK(nlohmann::json::accept(merged));
    std::string twice;
    const framework::Status two =
        framework::MergeExportTexts({{"a.json", text}, {"b.json", text}}, &twice);
    // A part given twice shares its participants with itself, unless it has none.
    if (two.ok()) FRAMEWORK_FUZZ_CHECK(twice == merged);
    return;
  }
  const std::string rule = report(one);
  // (nlohmann may stop reading at a NUL byte and accept what came before; ours refuses it.)
  if (rule == "not-json" && text.find('\0') == std::string::npos)
    FRAMEWORK_FUZZ_CHECK(!nlohmann::json::accept(text));
  // A duplicate member is reported where it is met, before the rest of the part is read, so the
  // text may be broken further on too; only a refusal that is neither needs it to be JSON.
  if (rule == "merge-refused") FRAMEWORK_FUZZ_CHECK(nlohmann::json::accept(text));
}
