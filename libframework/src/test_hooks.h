// Test hooks: the slow paths (yaml-cpp readers, ICU text iterators) of the code that has a fast
// path of its own, so tests and fuzzers can compare the two. Private (not installed); tests and
// fuzzers reach it through their include path (libframework/src).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "framework/chart.h"
#include "framework/diagnostic.h"
#include "framework/participants.h"

namespace framework {

/// LoadChart always through yaml-cpp. LoadChart reads files in the plain shape SerializeChart
/// writes with a faster reader of its own, and gives the same Chart and diagnostics; tests
/// compare the two.
Chart LoadChartWithYamlCpp(std::string_view name, std::string_view text, Diagnostics& diagnostics);

/// LoadParticipantsYaml always through yaml-cpp. LoadParticipantsYaml reads a list of one-line
/// flow mappings (`- {id: P01, role: manager}`) with a faster reader of its own and gives the
/// same result and diagnostics; tests compare the two.
Participants LoadParticipantsYamlWithYamlCpp(std::string_view name, std::string_view text,
                                             Diagnostics& diagnostics);

/// WrapText always through ICU's line-break iterator. WrapText breaks plain prose (see
/// IsPlainProseForTest) without it and gives the same lines; tests compare the two.
std::vector<std::string> WrapTextWithIcu(std::string_view text, std::size_t width);

/// Whether WrapText breaks `text` (once made safe to print) without ICU.
bool IsPlainProseForTest(std::string_view text);

/// The byte offsets (into `text` made safe to print) where WrapText may break it, the end
/// included: found without ICU for plain prose unless `with_icu`.
std::vector<std::size_t> LineBreaksForTest(std::string_view text, bool with_icu);

/// DisplayWidth always through ICU's grapheme-cluster iterator. DisplayWidth measures text whose
/// every code point is a cluster of its own without it; tests compare the two.
std::size_t DisplayWidthWithIcu(std::string_view text);

}  // namespace framework
