#include "framework/chart_rebase.h"

#include <utility>

namespace framework {

CellNow CellNowOf(const Matrix& matrix, int row, int column) {
  const MatrixCell& cell =
      matrix.cells[static_cast<std::size_t>(row)][static_cast<std::size_t>(column)];
  CellNow now;
  now.participant = matrix.participants[static_cast<std::size_t>(row)];
  now.subtheme = matrix.subthemes[static_cast<std::size_t>(column)];
  now.source = cell.source;
  now.lines = SegmentLines(cell.segments);
  return now;
}

std::optional<CellRebase> FollowText(const ChartCell& chart, const CellNow& now) {
  if (chart.source.empty() || chart.source != now.source || chart.at.empty()) return std::nullopt;
  if (chart.at == LineRanges(now.lines)) return std::nullopt;
  CellRebase rebase = RebaseCell(chart, now.lines);
  if (!rebase.mapped) return std::nullopt;
  return rebase;
}

void RecordCellText(ChartCell& cell, const CellNow& now) {
  cell.source = now.source;
  cell.at = LineRanges(now.lines);
}

ChartChange RebaseChange(std::vector<CellNow> cells, std::vector<CellRebaseReport>* reports) {
  return [cells = std::move(cells), reports](Chart& chart) {
    reports->clear();
    for (const CellNow& now : cells) {
      CellRebaseReport report;
      report.cell = now.participant + ":" + now.subtheme;
      const int k = chart.Find(now.participant, now.subtheme);
      if (k < 0) {
        report.outcome = RebaseOutcome::kNoEntry;
        reports->push_back(std::move(report));
        continue;
      }
      ChartCell& cell = chart.cells[static_cast<std::size_t>(k)];
      const std::vector<std::string> lines = LineRanges(now.lines);
      if (cell.source.empty() || now.lines.empty()) {
        report.outcome = RebaseOutcome::kNoSource;
      } else if (cell.source != now.source) {
        report.outcome = RebaseOutcome::kStale;
      } else if (cell.at.empty()) {
        // Charted before `at` existed: its refs are taken to cite the text as it is.
        cell.at = lines;
        report.outcome = RebaseOutcome::kRecorded;
      } else if (cell.at == lines) {
        report.outcome = RebaseOutcome::kInPlace;
      } else {
        CellRebase rebase = RebaseCell(cell, now.lines);
        if (!rebase.mapped) {
          report.outcome = RebaseOutcome::kUnmapped;
          report.recorded = cell.at.size();
          report.segments = now.lines.size();
        } else {
          report.outcome = rebase.shifted.empty() ? RebaseOutcome::kMoved : RebaseOutcome::kShifted;
          cell = rebase.cell;
          report.rebase = std::move(rebase);
        }
      }
      reports->push_back(std::move(report));
    }
    return std::string();
  };
}

ChartChange AcceptChange(std::vector<CellNow> cells, std::vector<AcceptReport>* reports) {
  return [cells = std::move(cells), reports](Chart& chart) {
    reports->clear();
    for (const CellNow& now : cells) {
      AcceptReport report;
      report.cell = now.participant + ":" + now.subtheme;
      const int k = chart.Find(now.participant, now.subtheme);
      if (k >= 0) {
        report.found = true;
        ChartCell& cell = chart.cells[static_cast<std::size_t>(k)];
        if (!cell.at.empty() && cell.at != LineRanges(now.lines)) {
          CellRebase rebase = RebaseCell(cell, now.lines);
          if (!rebase.mapped) {
            report.kept = true;
            report.recorded = cell.at.size();
            report.segments = now.lines.size();
          } else if (!rebase.shifted.empty()) {
            report.shifted = true;
            cell = rebase.cell;
            report.rebase = std::move(rebase);
          }
        }
        RecordCellText(cell, now);
      }
      reports->push_back(std::move(report));
    }
    return std::string();
  };
}

}  // namespace framework
