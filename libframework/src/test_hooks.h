// Test hooks: the slow yaml-cpp paths of the readers that have a fast path of their own, so tests
// and fuzzers can compare the two. Private (not installed); tests and fuzzers reach it through
// their include path (libframework/src).
#pragma once

#include <string_view>

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

}  // namespace framework
