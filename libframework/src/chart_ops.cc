// The chart operations: see chart_ops.h.
#include "framework/chart_ops.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "framework/draft.h"
#include "framework/text.h"

namespace framework {
namespace {

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

bool Has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string CellName(const Matrix& matrix, int row, std::size_t column) {
  return matrix.participants[static_cast<std::size_t>(row)] + ":" + matrix.subthemes[column];
}

}  // namespace

Status ParseCellName(const Matrix& matrix, const std::string& name, CellIndex* cell) {
  std::size_t colon = name.find(':');
  if (colon == std::string::npos)
    return Fail(StatusCode::kUsage, "cell " + Quote(name) + " is not PARTICIPANT:SUBTHEME",
                "e.g. P07:prequal");
  std::string participant = ToNfc(name.substr(0, colon));
  std::string subtheme = ToNfc(name.substr(colon + 1));
  cell->row = matrix.Row(participant);
  cell->column = matrix.Column(subtheme);
  if (cell->row < 0) {
    auto guess = Suggest(participant, matrix.participants);
    return Fail(StatusCode::kUsage, "no participant " + Quote(participant),
                guess ? "did you mean '" + *guess + "'?" : "");
  }
  if (cell->column < 0) {
    auto guess = Suggest(subtheme, matrix.subthemes);
    return Fail(StatusCode::kUsage,
                "theme " + Quote(matrix.theme) + " has no sub-theme " + Quote(subtheme),
                guess ? "did you mean '" + *guess + "'?" : "");
  }
  return {};
}

std::optional<CellIndex> NextCell(const Matrix& matrix, const std::vector<int>& rows) {
  for (int r : rows) {
    const auto& cells = matrix.cells[static_cast<std::size_t>(r)];
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const MatrixCell& cell = cells[c];
      if ((!cell.chart && cell.has_data()) || cell.stale())
        return CellIndex{r, static_cast<int>(c)};
    }
  }
  return std::nullopt;
}

std::vector<ChartCell> DraftCells(const Matrix& matrix, const std::vector<int>& rows, bool all,
                                  const std::string& updated) {
  std::vector<ChartCell> drafts;
  for (int r : rows) {
    const auto& cells = matrix.cells[static_cast<std::size_t>(r)];
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const MatrixCell& cell = cells[c];
      if (cell.chart || !cell.has_data()) continue;  // never touches an existing entry
      Draft d = DraftSummary(cell);
      if (d.summary.empty()) continue;
      ChartCell out;
      out.participant = matrix.participants[static_cast<std::size_t>(r)];
      out.subtheme = matrix.subthemes[c];
      out.status = ChartStatus::kDraft;
      out.summary = d.summary;
      out.refs = d.refs;
      RecordCellText(out, CellNowOf(matrix, r, static_cast<int>(c)));
      out.updated = updated;
      drafts.push_back(std::move(out));
      if (!all) break;
    }
    if (!all && !drafts.empty()) break;
  }
  return drafts;
}

ChartChange AddNewCells(std::vector<ChartCell> cells) {
  return [cells = std::move(cells)](Chart& chart) {
    for (const ChartCell& d : cells)  // a cell charted meanwhile is never replaced
      if (chart.Find(d.participant, d.subtheme) < 0) chart.cells.push_back(d);
    return std::string();
  };
}

AcceptPlan PlanAccept(const Study& study, const Matrix& matrix, const std::vector<int>& rows,
                      const std::vector<std::string>& names) {
  AcceptPlan plan;
  const bool everything = Has(names, "all");
  for (int r : rows) {
    for (std::size_t c = 0; c < matrix.subthemes.size(); ++c) {
      const MatrixCell& cell = matrix.cells[static_cast<std::size_t>(r)][c];
      const std::string& id = matrix.participants[static_cast<std::size_t>(r)];
      const std::string name = CellName(matrix, r, c);
      if (!cell.chart || !(everything || Has(names, name))) continue;
      if (cell.chart->source == cell.source) continue;
      if (cell.source.empty()) {
        // Nothing to recompute the source from: the recorded one is kept, so the cell stays
        // marked stale rather than never again.
        plan.skipped.push_back(name + (study.FindTranscript(id) < 0
                                           ? " (its transcript is missing)"
                                           : " (it has no coded text now)"));
        continue;
      }
      plan.targets.push_back(CellNowOf(matrix, r, static_cast<int>(c)));
    }
  }
  return plan;
}

RebasePlan PlanRebase(const Matrix& matrix, const std::vector<int>& rows,
                      const std::vector<std::string>& names) {
  RebasePlan plan;
  const bool everything = names.empty() || Has(names, "all");
  for (int r : rows) {
    for (std::size_t c = 0; c < matrix.subthemes.size(); ++c) {
      const bool is_named = Has(names, CellName(matrix, r, c));
      if (!everything && !is_named) continue;
      if (!is_named && !matrix.cells[static_cast<std::size_t>(r)][c].chart) continue;
      plan.targets.push_back(CellNowOf(matrix, r, static_cast<int>(c)));
      plan.named.push_back(is_named);
    }
  }
  for (const std::string& name : names) {
    CellIndex at;
    if (name == "all" || !ParseCellName(matrix, name, &at).ok()) continue;
    if (std::find(rows.begin(), rows.end(), at.row) == rows.end()) plan.excluded.push_back(name);
  }
  return plan;
}

EditedCell CellFromEdit(const Study& study, const Matrix& matrix, CellIndex at,
                        const std::optional<ChartCell>& base, const CellBufferFields& fields,
                        const std::string& updated) {
  const std::string& id = matrix.participants[static_cast<std::size_t>(at.row)];
  const MatrixCell& cell =
      matrix.cells[static_cast<std::size_t>(at.row)][static_cast<std::size_t>(at.column)];
  EditedCell edited;
  // Line refs typed in the summary are checked against the transcript.
  const int transcript = study.FindTranscript(id);
  edited.line_count =
      transcript >= 0 ? study.transcripts[static_cast<std::size_t>(transcript)].line_count : 0;
  ChartCell& out = edited.cell;
  if (base) out = *base;
  out.participant = id;
  out.subtheme = matrix.subthemes[static_cast<std::size_t>(at.column)];
  out.summary = ToNfc(fields.summary);  // as the chart file is read back
  out.comment = ToNfc(fields.comment);
  out.status = fields.status;
  // The hash of the coded text now; but a cell whose transcript is missing keeps the one it
  // has (it cannot be recomputed, and stale detection would be off for good).
  // `at` likewise: where the segments are now, so refs can follow them when they move.
  if (transcript >= 0 || !cell.source.empty())
    RecordCellText(out, CellNowOf(matrix, at.row, at.column));
  out.updated = updated;
  out.refs.clear();
  for (const LineRefInText& found : FindLineRefs(out.summary)) {
    std::string ref_text = found.ref.ToString();
    if (found.ref.last > edited.line_count) edited.beyond_end.push_back(ref_text);
    if (std::find(out.refs.begin(), out.refs.end(), ref_text) == out.refs.end())
      out.refs.push_back(ref_text);
  }
  return edited;
}

std::optional<std::string> AttributeValue(const Study& study, const std::string& id,
                                          int attribute) {
  const int i = study.participants.Find(id);
  if (i < 0) return {};
  const Participant& p = study.participants.participants[static_cast<std::size_t>(i)];
  if (attribute < 0 || static_cast<std::size_t>(attribute) >= p.values.size()) return {};
  return p.values[static_cast<std::size_t>(attribute)];
}

std::vector<int> SelectRows(const Study& study, const Matrix& matrix,
                            const std::vector<RowFilter>& filters,
                            const std::vector<int>& sort_keys) {
  std::vector<int> rows;
  for (std::size_t r = 0; r < matrix.participants.size(); ++r) {
    const std::string& id = matrix.participants[r];
    bool keep = true;
    for (const RowFilter& f : filters) {
      auto value = AttributeValue(study, id, f.attribute);
      bool match = value && *value == f.value;
      if (match == f.negate) keep = false;
    }
    if (keep) rows.push_back(static_cast<int>(r));
  }
  // Sort key of one attribute value: categories by declared order, numbers by value.
  auto key = [&](int attribute, const std::string& id) -> std::pair<double, std::string> {
    auto value = AttributeValue(study, id, attribute);
    if (!value) return {1e300, ""};  // missing values last
    const AttributeDef& def = study.participants.attributes[static_cast<std::size_t>(attribute)];
    if (def.type == AttributeType::kCategory) {
      auto it = std::find(def.values.begin(), def.values.end(), *value);
      return {static_cast<double>(it - def.values.begin()), *value};
    }
    if (def.type == AttributeType::kInteger || def.type == AttributeType::kNumber)
      return {std::strtod(value->c_str(), nullptr), *value};
    return {0, *value};
  };
  std::stable_sort(rows.begin(), rows.end(), [&](int a, int b) {
    const std::string& ia = matrix.participants[static_cast<std::size_t>(a)];
    const std::string& ib = matrix.participants[static_cast<std::size_t>(b)];
    for (int attribute : sort_keys) {
      auto ka = key(attribute, ia), kb = key(attribute, ib);
      if (ka != kb) return ka < kb;
    }
    return a < b;  // rows are already in natural id order
  });
  return rows;
}

}  // namespace framework
