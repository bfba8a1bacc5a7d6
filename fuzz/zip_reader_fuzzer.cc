// The zip reader under the REFI-QDA importer (SafeZip, libframework/src/zip_reader.h) on its
// own: the input is an archive, opened from memory with tight limits, and every entry read.
// Whatever the central directory claims, no entry may give more bytes than the per-entry limit,
// nor all of them more than the total or the ratio to the archive's real size; names are safe
// and distinct. Rules: `bad-archive` (not opened), `unsafe-archive` (an entry refused).
// fuzz-seeds: tests/refi-seeds/*.qdpx
#include <algorithm>
#include <set>
#include <string>

#include "framework/refi_import.h"
#include "fuzz_target.h"
#include "zip_reader.h"

FRAMEWORK_FUZZ_TARGET(zip_reader) {
  framework::ImportLimits limits;
  limits.max_entries = 64;
  limits.read.max_file_size = 1u << 20;
  limits.max_total_bytes = 4u << 20;
  limits.max_ratio = 50;
  limits.ratio_floor_bytes = 64u << 10;
  auto report = [&](const char* rule, const std::string& message) {
    framework::Diagnostic d;
    d.severity = framework::Severity::kError;
    d.rule = rule;
    d.file = "fuzz.zip";
    d.message = message;
    diagnostics.push_back(d);
  };
  std::string error;
  auto zip = framework::SafeZip::OpenMemory(data, limits, &error);
  if (!zip) {
    FRAMEWORK_FUZZ_CHECK(!error.empty());
    report("bad-archive", error);
    return;
  }
  FRAMEWORK_FUZZ_CHECK(zip->entries().size() <= limits.max_entries);
  std::set<std::string> names;
  for (const auto& entry : zip->entries()) {
    FRAMEWORK_FUZZ_CHECK(framework::UnsafeEntryName(entry.name).empty());
    std::string lower = entry.name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    FRAMEWORK_FUZZ_CHECK(names.insert(lower).second);
  }
  const std::uint64_t cap = std::max<std::uint64_t>(
      limits.ratio_floor_bytes,
      std::min<std::uint64_t>(limits.max_total_bytes, data.size() * limits.max_ratio));
  std::uint64_t total = 0;
  for (const auto& entry : zip->entries()) {
    std::string bytes;
    if (!zip->Read(entry, &bytes, &error)) {
      FRAMEWORK_FUZZ_CHECK(bytes.empty() && !error.empty());
      report("unsafe-archive", entry.name + ": " + error);
      continue;
    }
    FRAMEWORK_FUZZ_CHECK(bytes.size() <= limits.read.max_file_size);
    total += bytes.size();
    FRAMEWORK_FUZZ_CHECK(total <= cap);
  }
}
