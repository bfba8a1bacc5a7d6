// Chart files (charts/<theme>.yaml). Beyond not crashing: the fast reader and yaml-cpp give the
// same cells and diagnostics; and a chart that loads without errors is written back by
// SerializeChart and must load again, without errors, to the same cells, or a save could lose
// what the researcher wrote.
// fuzz-seeds: tests/studies*/*/charts/*.yaml examples/*/charts/*.yaml
// fuzz-dict: yaml.dict
#include "framework/chart.h"
#include "fuzz_target.h"
#include "test_hooks.h"

FRAMEWORK_FUZZ_TARGET(chart) {
  framework::Chart chart = framework::LoadChart("charts/training.yaml", data, diagnostics);
  framework::Diagnostics slow_diagnostics;
  const framework::Chart slow =
      framework::LoadChartWithYamlCpp("charts/training.yaml", data, slow_diagnostics);
  FRAMEWORK_FUZZ_CHECK(chart.theme == slow.theme && chart.theme_line == slow.theme_line);
  FRAMEWORK_FUZZ_CHECK(chart.cells.size() == slow.cells.size());
  for (std::size_t i = 0; i < chart.cells.size() && i < slow.cells.size(); ++i) {
    const framework::ChartCell &a = chart.cells[i], &b = slow.cells[i];
    FRAMEWORK_FUZZ_CHECK(a.participant == b.participant && a.subtheme == b.subtheme);
    FRAMEWORK_FUZZ_CHECK(a.status == b.status && a.summary == b.summary && a.comment == b.comment);
    FRAMEWORK_FUZZ_CHECK(a.refs == b.refs && a.source == b.source && a.updated == b.updated);
    FRAMEWORK_FUZZ_CHECK(a.at == b.at);
    FRAMEWORK_FUZZ_CHECK(a.line == b.line && a.column == b.column);
  }
  FRAMEWORK_FUZZ_CHECK(diagnostics.size() == slow_diagnostics.size());
  for (std::size_t i = 0; i < diagnostics.size() && i < slow_diagnostics.size(); ++i)
    FRAMEWORK_FUZZ_CHECK(diagnostics[i].rule == slow_diagnostics[i].rule &&
                         diagnostics[i].line == slow_diagnostics[i].line);
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
    FRAMEWORK_FUZZ_CHECK(back.at == cell.at);
    FRAMEWORK_FUZZ_CHECK(back.updated == cell.updated);
  }
}
