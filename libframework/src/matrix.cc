#include "framework/matrix.h"

#include <algorithm>
#include <cstdint>
#include <tuple>

#include "framework/hash.h"
#include "framework/text.h"

namespace framework {

int Matrix::Row(std::string_view participant) const {
  auto it =
      std::lower_bound(participants.begin(), participants.end(), participant,
                       [](const std::string& a, std::string_view b) { return NaturalLess(a, b); });
  return it != participants.end() && *it == participant
             ? static_cast<int>(it - participants.begin())
             : -1;
}

int Matrix::Column(std::string_view subtheme) const {
  for (std::size_t i = 0; i < subthemes.size(); ++i)
    if (subthemes[i] == subtheme) return static_cast<int>(i);
  return -1;
}

const MatrixCell* Matrix::Find(std::string_view participant, std::string_view subtheme) const {
  int r = Row(participant), c = Column(subtheme);
  if (r < 0 || c < 0) return nullptr;
  return &cells[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)];
}

MatrixCell* Matrix::Find(std::string_view participant, std::string_view subtheme) {
  return const_cast<MatrixCell*>(std::as_const(*this).Find(participant, subtheme));
}

std::string CellSource(const std::vector<CellSegment>& segments) {
  if (segments.empty()) return {};
  std::string joined;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i) joined += '\n';
    joined += segments[i].text;
  }
  return HashHex(joined);
}

namespace {

// Transcript order: by opening line; segments opening on one line keep their order of opening
// (the sorts using this are stable, and segments arrive in the order their tags open).
bool SegmentLess(const CellSegment& a, const CellSegment& b) { return a.line_start < b.line_start; }

// The cell segment of `s` with its code, lines and speaker, and no text yet.
CellSegment SegmentWithoutText(const Transcript& t, const Segment& s) {
  CellSegment seg;
  seg.code = s.code;
  seg.line_start = s.line_start;
  seg.line_end = s.line_end;
  if (s.speaker >= 0 && static_cast<std::size_t>(s.speaker) < t.speakers.size()) {
    seg.speaker = t.speakers[static_cast<std::size_t>(s.speaker)].label;
    seg.role = t.speakers[static_cast<std::size_t>(s.speaker)].role;
  }
  return seg;
}

// Inserts `id` as a row (keeping natural order) and returns its index.
std::size_t AddRow(Matrix& m, const std::string& id) {
  auto it = std::lower_bound(
      m.participants.begin(), m.participants.end(), id,
      [](const std::string& a, const std::string& b) { return NaturalLess(a, b); });
  std::size_t row = static_cast<std::size_t>(it - m.participants.begin());
  if (it != m.participants.end() && *it == id) return row;
  m.participants.insert(it, id);
  m.cells.insert(m.cells.begin() + static_cast<std::ptrdiff_t>(row),
                 std::vector<MatrixCell>(m.subthemes.size()));
  return row;
}

void Finish(MatrixCell& cell) {
  std::stable_sort(cell.segments.begin(), cell.segments.end(), SegmentLess);
  cell.source = CellSource(cell.segments);
}

}  // namespace

Matrix EmptyMatrix(const Study& study, int theme) {
  Matrix m;
  const Theme& t = study.framework.themes[static_cast<std::size_t>(theme)];
  m.theme = t.id;
  for (const auto& s : t.subthemes) m.subthemes.push_back(s.id);
  for (const auto& p : study.participants.participants) AddRow(m, p.id);
  return m;
}

std::vector<std::pair<ColumnRef, std::vector<CellSegment>>> SegmentsByColumn(
    const Transcript& t, const std::vector<int>* themes) {
  std::vector<std::pair<ColumnRef, std::vector<CellSegment>>> out;
  for (const Segment& s : t.segments) {
    if (!s.target.valid() || s.target.subtheme < 0) continue;
    if (themes && std::find(themes->begin(), themes->end(), s.target.theme) == themes->end())
      continue;
    auto it =
        std::find_if(out.begin(), out.end(), [&](const auto& e) { return e.first == s.target; });
    if (it == out.end()) {
      out.push_back({s.target, {}});
      it = out.end() - 1;
    }
    CellSegment seg = SegmentWithoutText(t, s);
    seg.text = t.SegmentText(s);
    if (t.SpansTurns(s)) {
      // Kept only when they say more than `speaker` does: one piece of the opening speaker is
      // the whole text.
      std::vector<SpeakerPiece> pieces = t.SpeakerPieces(s);
      if (pieces.size() > 1 || (pieces.size() == 1 && pieces[0].speaker != seg.speaker))
        seg.pieces = std::move(pieces);
    }
    it->second.push_back(std::move(seg));
  }
  for (auto& [column, segments] : out)
    std::stable_sort(segments.begin(), segments.end(), SegmentLess);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first.theme, a.first.subtheme) < std::tie(b.first.theme, b.first.subtheme);
  });
  return out;
}

namespace {

using Fnv = Fnv1a;  // Hex() gives what HashHex gives for the same bytes

// Feeds Transcript::SegmentText(segment) to `fnv` without building it when it is ASCII (then
// NFC changes nothing and collapsing white space can be done on the fly).
void AddSegmentText(const Transcript& t, const Segment& s, Fnv& fnv) {
  if (s.text_end > t.text.size() || s.text_begin > s.text_end) return;
  std::string_view raw(t.text.data() + s.text_begin, s.text_end - s.text_begin);
  for (char c : raw)
    if (static_cast<unsigned char>(c) >= 0x80) {
      for (char d : t.SegmentText(s)) fnv.Add(d);
      return;
    }
  bool started = false, pending_space = false;
  for (char c : raw) {
    if (IsAsciiSpace(c)) {
      pending_space = started;
      continue;
    }
    if (pending_space) fnv.Add(' ');
    pending_space = false;
    started = true;
    fnv.Add(c);
  }
}

}  // namespace

std::vector<std::pair<ColumnRef, std::string>> CellSources(const Transcript& t) {
  std::vector<std::pair<ColumnRef, std::vector<const Segment*>>> columns;
  for (const Segment& s : t.segments) {
    if (!s.target.valid() || s.target.subtheme < 0) continue;
    auto it = std::find_if(columns.begin(), columns.end(),
                           [&](const auto& e) { return e.first == s.target; });
    if (it == columns.end()) {
      columns.push_back({s.target, {}});
      it = columns.end() - 1;
    }
    it->second.push_back(&s);
  }
  std::sort(columns.begin(), columns.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first.theme, a.first.subtheme) < std::tie(b.first.theme, b.first.subtheme);
  });
  std::vector<std::pair<ColumnRef, std::string>> out;
  out.reserve(columns.size());
  for (auto& [column, segments] : columns) {
    std::stable_sort(segments.begin(), segments.end(), [](const Segment* a, const Segment* b) {
      return a->line_start < b->line_start;
    });
    Fnv fnv;
    for (std::size_t i = 0; i < segments.size(); ++i) {
      if (i) fnv.Add('\n');
      AddSegmentText(t, *segments[i], fnv);
    }
    out.emplace_back(column, fnv.Hex());
  }
  return out;
}

std::vector<LineRef> SegmentLines(const std::vector<CellSegment>& segments) {
  std::vector<LineRef> out;
  out.reserve(segments.size());
  for (const CellSegment& s : segments) out.push_back({s.line_start, s.line_end});
  return out;
}

std::vector<std::pair<ColumnRef, std::vector<LineRef>>> CellLines(const Transcript& t) {
  std::vector<std::pair<ColumnRef, std::vector<std::pair<int, LineRef>>>> columns;
  for (const Segment& s : t.segments) {
    if (!s.target.valid() || s.target.subtheme < 0) continue;
    auto it = std::find_if(columns.begin(), columns.end(),
                           [&](const auto& e) { return e.first == s.target; });
    if (it == columns.end()) {
      columns.push_back({s.target, {}});
      it = columns.end() - 1;
    }
    it->second.push_back({s.line_start, LineRef{s.line_start, s.line_end}});
  }
  std::sort(columns.begin(), columns.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first.theme, a.first.subtheme) < std::tie(b.first.theme, b.first.subtheme);
  });
  std::vector<std::pair<ColumnRef, std::vector<LineRef>>> out;
  out.reserve(columns.size());
  for (auto& [column, ranges] : columns) {
    // Transcript order, as CellSources hashes the texts: by opening line, then as opened.
    std::stable_sort(ranges.begin(), ranges.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<LineRef> lines;
    lines.reserve(ranges.size());
    for (const auto& r : ranges) lines.push_back(r.second);
    out.emplace_back(column, std::move(lines));
  }
  return out;
}

std::vector<std::pair<ColumnRef, std::size_t>> CellWords(const Transcript& t) {
  std::vector<std::pair<ColumnRef, std::size_t>> out;
  for (const Segment& s : t.segments) {
    if (!s.target.valid() || s.target.subtheme < 0) continue;
    auto it =
        std::find_if(out.begin(), out.end(), [&](const auto& e) { return e.first == s.target; });
    if (it == out.end()) {
      out.push_back({s.target, 0});
      it = out.end() - 1;
    }
    it->second += CountWords(t.ParticipantText(s));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first.theme, a.first.subtheme) < std::tie(b.first.theme, b.first.subtheme);
  });
  return out;
}

namespace {

// Indexes a transcript loaded with LoadOptions::count_words into row `row` of `m`, the matrix
// of `theme`: segments without text, the recorded words and sources.
void IndexCounted(const Transcript& t, int theme, std::size_t row, Matrix& m) {
  std::vector<MatrixCell>& cells = m.cells[row];
  for (const Segment& s : t.segments) {
    if (!s.target.valid() || s.target.subtheme < 0 || s.target.theme != theme) continue;
    cells[static_cast<std::size_t>(s.target.subtheme)].segments.push_back(SegmentWithoutText(t, s));
  }
  for (const auto& [column, words] : t.words)
    if (column.theme == theme) {
      MatrixCell& cell = cells[static_cast<std::size_t>(column.subtheme)];
      cell.words += words;
      std::stable_sort(cell.segments.begin(), cell.segments.end(), SegmentLess);
    }
  for (const auto& [column, source] : t.sources)
    if (column.theme == theme) cells[static_cast<std::size_t>(column.subtheme)].source = source;
}

}  // namespace

Matrix IndexTheme(const Study& study, int theme) {
  Matrix m = EmptyMatrix(study, theme);
  for (const Transcript& t : study.transcripts) {
    std::size_t row = AddRow(m, t.participant);
    if (t.cells_kept) {
      for (const auto& [column, segments] : t.cells) {
        if (column.theme != theme) continue;
        MatrixCell& cell = m.cells[row][static_cast<std::size_t>(column.subtheme)];
        for (const CellSegment& seg : segments) {
          cell.words += CountWords(seg.ParticipantText());
          cell.segments.push_back(seg);
        }
        Finish(cell);
      }
      continue;
    }
    if (!t.words.empty()) {
      IndexCounted(t, theme, row, m);
      continue;
    }
    if (t.text.empty() && t.segments.empty()) {
      // Loaded without text and segments: only the cells' sources are known.
      for (const auto& [column, source] : t.sources)
        if (column.theme == theme)
          m.cells[row][static_cast<std::size_t>(column.subtheme)].source = source;
      continue;
    }
    for (auto& [column, segments] : SegmentsByColumn(t)) {
      if (column.theme != theme) continue;
      MatrixCell& cell = m.cells[row][static_cast<std::size_t>(column.subtheme)];
      for (auto& seg : segments) {
        cell.words += CountWords(seg.ParticipantText());
        cell.segments.push_back(std::move(seg));
      }
      Finish(cell);
    }
  }
  return m;
}

void Matrix::Merge(const Matrix& other) {
  for (std::size_t r = 0; r < other.participants.size(); ++r) {
    std::size_t row = AddRow(*this, other.participants[r]);
    for (std::size_t c = 0; c < other.subthemes.size() && c < subthemes.size(); ++c) {
      const MatrixCell& from = other.cells[r][c];
      MatrixCell& to = cells[row][c];
      if (!from.segments.empty()) {
        to.segments.insert(to.segments.end(), from.segments.begin(), from.segments.end());
        to.words += from.words;
        Finish(to);
      }
      if (!to.chart && from.chart) to.chart = from.chart;
    }
  }
  orphans.insert(orphans.end(), other.orphans.begin(), other.orphans.end());
}

namespace {

// Puts each of `cells` in its matrix cell, or in `orphans`: copied when `Cell` is
// `const ChartCell&`, moved when it is `ChartCell&&`.
template <typename Cell, typename Cells>
void AttachCells(Matrix& matrix, Cells& cells) {
  for (auto& c : cells) {
    MatrixCell* cell = matrix.Find(c.participant, c.subtheme);
    if (cell && !cell->chart)
      cell->chart = static_cast<Cell>(c);
    else  // unknown row or column, or a duplicate: kept all the same
      matrix.orphans.push_back(static_cast<Cell>(c));
  }
}

}  // namespace

void AttachChart(Matrix& matrix, const Chart& chart) {
  AttachCells<const ChartCell&>(matrix, chart.cells);
}

void AttachChart(Matrix& matrix, Chart&& chart) {
  AttachCells<ChartCell&&>(matrix, chart.cells);
  chart.cells.clear();
}

}  // namespace framework
