// One theme's matrix as JSON (`chart THEME --format json`, schemas/chart-output.schema.json).
#pragma once

#include <string>
#include <vector>

#include "framework/export.h"
#include "framework/matrix.h"
#include "framework/study.h"

namespace framework {

/// Writes the chart document of theme `theme` (an index into `study.framework.themes`) to
/// `sink`, piece by piece: `format`, `version`, `theme` (id, label, description), `subthemes`,
/// `rows` (the rows of `matrix` listed in `rows`, in that order, as SelectRows gives them: each
/// participant with its declared attribute values as text and its cells, as MatrixCellJson
/// gives them) and `orphans` (the matrix's orphan chart entries). `matrix` is the theme's
/// charted matrix (ChartedMatrices). Laid out as nlohmann's dump(2), with a final line break.
/// The rows are written in blocks on `jobs` threads (0: every core), added in order: the same
/// bytes whatever `jobs` is.
void WriteChartJson(const Study& study, int theme, const Matrix& matrix,
                    const std::vector<int>& rows, const TextSink& sink, unsigned jobs = 0);

/// WriteChartJson's document as one string.
std::string ChartJson(const Study& study, int theme, const Matrix& matrix,
                      const std::vector<int>& rows);

}  // namespace framework
