// The model's pieces as JSON values, shared by the JSON outputs (export, chart). Private to the
// library: it includes nlohmann/json, a build-only dependency.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "framework/chart.h"
#include "framework/codebook.h"
#include "framework/matrix.h"
#include "json_layout.h"

namespace framework {

/// A chart entry as JSON (the `chartCell` of the chart-output and export schemas).
nlohmann::ordered_json ChartCellJson(const ChartCell& cell);

/// A matrix cell as JSON: subtheme, state, stale, words, source, segments, chart (or null), as
/// in the chart-output and export schemas.
nlohmann::ordered_json MatrixCellJson(const MatrixCell& cell, const std::string& subtheme);

/// ChartCellJson and MatrixCellJson written straight into `json` (as an element, or the member
/// `key`): the same text, without building the value.
void WriteChartCell(JsonStream& json, const ChartCell& cell, const char* key = nullptr);
void WriteMatrixCell(JsonStream& json, const MatrixCell& cell, const std::string& subtheme);

/// What dump() gives for `value` on one line, invalid UTF-8 replaced (the hashes of a split
/// export's parts are taken over it).
std::string JsonLine(const nlohmann::ordered_json& value);

}  // namespace framework
