// One theme's matrix as JSON (chart THEME --format json), streamed one row at a time.
#include "framework/chart_json.h"

#include <nlohmann/json.hpp>

#include "framework/chart_ops.h"
#include "json_layout.h"
#include "json_model.h"

namespace framework {

void WriteChartJson(const Study& study, int theme_index, const Matrix& matrix,
                    const std::vector<int>& rows, const TextSink& sink, unsigned jobs) {
  using Json = nlohmann::ordered_json;
  const Theme& theme = study.framework.themes[static_cast<std::size_t>(theme_index)];
  JsonStream json(sink);
  json.BeginObject();
  json.Value("framework-chart", "format");
  json.Value(1, "version");
  json.Value({{"id", theme.id}, {"label", theme.label}, {"description", theme.description}},
             "theme");
  auto subs = Json::array();
  for (const auto& s : theme.subthemes)
    subs.push_back({{"id", s.id}, {"label", s.label}, {"description", s.description}});
  json.Value(subs, "subthemes");
  json.BeginArray("rows");
  const auto& defs = study.participants.attributes;
  auto write_row = [&](JsonStream& out, int r) {
    const std::string& id = matrix.participants[static_cast<std::size_t>(r)];
    Json attrs = Json::object();
    for (std::size_t a = 0; a < defs.size(); ++a)
      if (auto v = AttributeValue(study, id, static_cast<int>(a))) attrs[defs[a].name] = *v;
    out.BeginObject();
    out.String(id, "participant");
    out.Value(attrs, "attributes");
    out.BeginArray("cells");
    const auto& row = matrix.cells[static_cast<std::size_t>(r)];
    for (std::size_t c = 0; c < row.size(); ++c) WriteMatrixCell(out, row[c], matrix.subthemes[c]);
    out.End();
    out.End();
  };
  const unsigned threads = RowThreads(jobs, LargestRowBytes(matrix));
  if (threads == 1) {
    for (int r : rows) write_row(json, r);
  } else {
    // A block at a time on each thread, each into its own text, added in order (row_blocks.h).
    const std::size_t depth = json.Depth();
    auto write_rows = [&](std::size_t from, std::size_t to, RowBlock& block) {
      JsonStream out([&](std::string_view piece) { block.text.append(piece); }, depth);
      for (std::size_t i = from; i < to; ++i) {
        if (block.count++) JsonStream::AppendSeparator(depth, block.text);
        write_row(out, rows[i]);
      }
    };
    ForEachRowBlock(rows.size(), threads, write_rows,
                    [&](const RowBlock& block) { json.Elements(block.text, block.count); });
  }
  json.End();
  json.BeginArray("orphans");
  for (const ChartCell& c : matrix.orphans) WriteChartCell(json, c);
  json.End();
  json.End();
}

std::string ChartJson(const Study& study, int theme, const Matrix& matrix,
                      const std::vector<int>& rows) {
  std::string out;
  WriteChartJson(study, theme, matrix, rows, [&](std::string_view piece) { out.append(piece); });
  return out;
}

}  // namespace framework
