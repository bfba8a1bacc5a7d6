// Chart files (charts/<theme>.yaml). Beyond not crashing: a chart that loads without errors is
// written back by SerializeChart and must load again, without errors, to the same cells, or a
// save could lose what the researcher wrote.
// fuzz-seeds: tests/studies*/*/charts/*.yaml examples/*/charts/*.yaml
// fuzz-dict: yaml.dict
#include "framework/chart.h"
#include "fuzz_target.h"

FRAMEWORK_FUZZ_TARGET(chart) {
  framework::Chart chart = framework::LoadChart("charts/training.yaml", data, diagnostics);
  if (framework::CountDiagnostics(diagnostics).errors > 0) return;

  const std::string saved = framework::SerializeChart(chart);
  framework::Diagnostics again;
  framework::Chart reloaded = framework::LoadChart("charts/training.yaml", saved, again);
  FRAMEWORK_FUZZ_CHECK(framework::CountDiagnostics(again).errors == 0);
  FRAMEWORK_FUZZ_CHECK(reloaded.theme == chart.theme);
  FRAMEWORK_FUZZ_CHECK(reloaded.cells.size() == chart.cells.size());
  for (const framework::ChartCell& cell : chart.cells) {
    const int found = reloaded.Find(cell.participant, cell.subtheme);
    FRAMEWORK_FUZZ_CHECK(found >= 0);
    if (found < 0) continue;
    const framework::ChartCell& back = reloaded.cells[static_cast<std::size_t>(found)];
    FRAMEWORK_FUZZ_CHECK(back.summary == cell.summary);
    FRAMEWORK_FUZZ_CHECK(back.comment == cell.comment);
    FRAMEWORK_FUZZ_CHECK(back.status == cell.status);
    FRAMEWORK_FUZZ_CHECK(back.refs == cell.refs);
    FRAMEWORK_FUZZ_CHECK(back.source == cell.source);
    FRAMEWORK_FUZZ_CHECK(back.updated == cell.updated);
  }
}
