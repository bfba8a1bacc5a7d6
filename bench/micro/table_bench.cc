// The terminal table renderer: WrapText on prose, and RenderTable on a chart-sized grid.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "framework/table.h"

namespace {

std::string Paragraph(int words, bool non_ascii) {
  static const char* const kWords[] = {"Recalls", "one",   "lecture",    "on",       "domestic",
                                       "abuse",   "in",    "the",        "second",   "year,",
                                       "mostly",  "about", "statistics", "(L66-68)."};
  std::string out;
  for (int i = 0; i < words; ++i) {
    if (i) out += ' ';
    out += kWords[i % (sizeof kWords / sizeof *kWords)];
    if (non_ascii && i % 9 == 4) out += " “cwtch” 社会工作";
  }
  return out;
}

void BM_WrapText(benchmark::State& state) {
  const std::string text = Paragraph(200, state.range(1) != 0);
  const auto width = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(framework::WrapText(text, width));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_WrapText)
    ->ArgNames({"width", "non_ascii"})
    ->Args({30, 0})
    ->Args({78, 0})
    ->Args({30, 1});

// A theme matrix as `framework chart` shows it: a fixed participant column and five wrapped
// sub-theme columns of 40-word summaries, `rows` participants, 160 columns wide.
void BM_RenderTable(benchmark::State& state) {
  const auto rows = static_cast<std::size_t>(state.range(0));
  std::vector<framework::TableCell> header{{"participant", framework::CellStyle::kHeader}};
  for (int c = 0; c < 5; ++c)
    header.push_back({"Sub-theme " + std::to_string(c + 1), framework::CellStyle::kHeader});
  std::vector<std::vector<framework::TableCell>> body;
  std::size_t bytes = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    std::vector<framework::TableCell> row{{"P" + std::to_string(r + 1)}};
    for (int c = 0; c < 5; ++c) {
      row.push_back({Paragraph(40, c == 2)});
      bytes += row.back().text.size();
    }
    body.push_back(std::move(row));
  }
  framework::TableOptions options;
  options.width = 160;
  options.fixed = {true};
  for (auto _ : state) benchmark::DoNotOptimize(framework::RenderTable(header, body, options));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(bytes));
  state.counters["rows"] = static_cast<double>(rows);
}
BENCHMARK(BM_RenderTable)->ArgName("rows")->Arg(14)->Arg(200);

}  // namespace
