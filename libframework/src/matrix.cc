#include "framework/matrix.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <tuple>
#include <type_traits>

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
  ForEachCollapsedByte(raw, [&](char c) { fnv.Add(c); });
}

}  // namespace

std::vector<LineRef> SegmentLines(const std::vector<CellSegment>& segments) {
  std::vector<LineRef> out;
  out.reserve(segments.size());
  for (const CellSegment& s : segments) out.push_back({s.line_start, s.line_end});
  return out;
}

namespace {

// What Fold gives: a transcript's columns and the arrays their ranges index into.
struct Folded {
  std::vector<ColumnIndex> columns;
  std::vector<LineRef> lines;
  std::vector<CellSegment> segments;
  std::vector<std::uint32_t> order;
};

// The cell segment of `s` with its text and, when other speakers say part of it, its pieces.
CellSegment SegmentWithText(const Transcript& t, const Segment& s) {
  CellSegment seg = SegmentWithoutText(t, s);
  seg.text = t.SegmentText(s);
  if (t.SpansTurns(s)) {
    // Kept only when they say more than `speaker` does: one piece of the opening speaker is
    // the whole text.
    t.AddSpeakerPieces(s, seg);
    if (seg.pieces.size() == 1 && seg.Piece(0).speaker == seg.speaker) seg.ClearPieces();
  }
  return seg;
}

Folded Fold(const Transcript& t, const FoldSpec& spec) {
  // The segments that index into a column, by column, then in transcript order (by opening
  // line; segments opening on one line as they opened): the order CellSource hashes them in.
  std::vector<std::uint32_t> order;
  order.reserve(t.segments.size());
  for (std::size_t i = 0; i < t.segments.size(); ++i)
    if (t.segments[i].target.valid() && t.segments[i].target.subtheme >= 0)
      order.push_back(static_cast<std::uint32_t>(i));
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    const Segment &x = t.segments[a], &y = t.segments[b];
    return std::tie(x.target.theme, x.target.subtheme, x.line_start) <
           std::tie(y.target.theme, y.target.subtheme, y.line_start);
  });
  auto texts_of = [&](int theme) {
    return spec.cell_texts &&
           (spec.themes.empty() ||
            std::find(spec.themes.begin(), spec.themes.end(), theme) != spec.themes.end());
  };
  Folded out;
  for (std::size_t k = 0; k < order.size();) {
    const ColumnRef column = t.segments[order[k]].target;
    std::size_t end = k;
    while (end < order.size() && t.segments[order[end]].target == column) ++end;
    ColumnIndex c;
    c.column = column;
    const bool texts = texts_of(column.theme);
    c.sourced = spec.sources || texts;
    c.lines_begin = static_cast<std::uint32_t>(out.lines.size());
    c.shapes = !texts && spec.cell_shapes;
    c.segments_begin =
        static_cast<std::uint32_t>(c.shapes ? out.order.size() : out.segments.size());
    Fnv1a fnv;
    std::size_t words = 0;
    std::string speech;  // a segment's participant speech, when its pieces join into it
    for (std::size_t i = k; i < end; ++i) {
      const Segment& s = t.segments[order[i]];
      if (spec.lines) out.lines.push_back({s.line_start, s.line_end});
      if (c.sourced && i > k) fnv.Add('\n');
      if (texts) {
        CellSegment seg = SegmentWithText(t, s);
        if (c.sourced) fnv.Add(seg.text);
        words += CountWords(seg.ParticipantText(speech));
        out.segments.push_back(std::move(seg));
        continue;
      }
      if (c.sourced) AddSegmentText(t, s, fnv);
      if (spec.words) words += CountWords(t.ParticipantText(s));
      if (c.shapes) out.order.push_back(order[i]);
    }
    c.lines_end = static_cast<std::uint32_t>(out.lines.size());
    c.segments_end = static_cast<std::uint32_t>(c.shapes ? out.order.size() : out.segments.size());
    c.words = static_cast<std::uint32_t>(words);
    if (c.sourced) c.source = fnv;
    out.columns.push_back(c);
    k = end;
  }
  return out;
}

// Puts the columns of `theme` among `columns` into `row`, the matrix row of their transcript.
// A cell that already has segments (a second transcript of the participant) takes the new ones
// after them, in transcript order, with the source of them all when they have texts.
// Segments without texts (ColumnIndex::shapes) are built from `t.segments` through `order`.
// `Segments` is `const std::vector<CellSegment>`, whose segments are copied, or
// `std::vector<CellSegment>`, whose segments are moved (a long segment is never held twice).
template <typename Segments>
void IndexColumns(const Transcript& t, const std::vector<ColumnIndex>& columns, Segments& segments,
                  const std::vector<std::uint32_t>& order, int theme,
                  std::vector<MatrixCell>& row) {
  for (const ColumnIndex& c : columns) {
    if (c.column.theme != theme) continue;
    MatrixCell& cell = row[static_cast<std::size_t>(c.column.subtheme)];
    const bool had = !cell.segments.empty();
    if (c.shapes) {
      for (std::uint32_t i = c.segments_begin; i < c.segments_end && i < order.size(); ++i)
        if (order[i] < t.segments.size())
          cell.segments.push_back(SegmentWithoutText(t, t.segments[order[i]]));
    } else if (c.segments_end <= segments.size() && c.segments_begin <= c.segments_end) {
      const auto first = segments.begin() + static_cast<std::ptrdiff_t>(c.segments_begin);
      const auto last = segments.begin() + static_cast<std::ptrdiff_t>(c.segments_end);
      if constexpr (std::is_const_v<Segments>)
        cell.segments.insert(cell.segments.end(), first, last);
      else
        cell.segments.insert(cell.segments.end(), std::make_move_iterator(first),
                             std::make_move_iterator(last));
    }
    cell.words += c.words;
    if (had && !cell.segments.front().text.empty()) {
      Finish(cell);
      continue;
    }
    if (had) std::stable_sort(cell.segments.begin(), cell.segments.end(), SegmentLess);
    cell.source = c.Source();
  }
}

// IndexTheme, and TakeTheme when `take` is the study (then `study` is it too).
Matrix Index(const Study& study, int theme, Study* take) {
  Matrix m = EmptyMatrix(study, theme);
  FoldSpec whole;  // a transcript kept whole: its texts, words and sources, of this theme
  whole.cell_texts = true;
  whole.themes = {theme};
  for (std::size_t i = 0; i < study.transcripts.size(); ++i) {
    const Transcript& t = study.transcripts[i];
    std::size_t row = AddRow(m, t.participant);
    if (t.indexed && take) {
      Transcript& from = take->transcripts[i];
      IndexColumns(t, t.columns, from.column_segments, t.column_order, theme, m.cells[row]);
      // Taken: the theme's columns keep no segments to give again.
      for (ColumnIndex& c : from.columns)
        if (c.column.theme == theme && !c.shapes) c.segments_end = c.segments_begin;
      continue;
    }
    if (t.indexed) {
      IndexColumns(t, t.columns, t.column_segments, t.column_order, theme, m.cells[row]);
      continue;
    }
    Folded folded = Fold(t, whole);  // this call's own: its segments are moved
    IndexColumns(t, folded.columns, folded.segments, folded.order, theme, m.cells[row]);
  }
  return m;
}

}  // namespace

void FoldTranscript(Transcript& t, const FoldSpec& spec) {
  if (!spec.sources && !spec.lines && !spec.cell_texts && !spec.cell_shapes && !spec.words) {
    t.columns.clear();  // nothing asked: no column entries to hold
    return;
  }
  Folded folded = Fold(t, spec);
  t.columns = std::move(folded.columns);
  t.column_lines = std::move(folded.lines);
  t.column_segments = std::move(folded.segments);
  t.column_order = std::move(folded.order);
}

std::vector<std::pair<ColumnRef, std::vector<CellSegment>>> SegmentsByColumn(
    const Transcript& t, const std::vector<int>* themes) {
  FoldSpec spec;
  spec.cell_texts = true;
  if (themes) {
    spec.themes = *themes;
    if (themes->empty()) return {};
  }
  Folded folded = Fold(t, spec);
  std::vector<std::pair<ColumnRef, std::vector<CellSegment>>> out;
  for (const ColumnIndex& c : folded.columns) {
    if (c.segments_begin == c.segments_end) continue;  // a theme not asked for
    out.emplace_back(c.column,
                     std::vector<CellSegment>(
                         std::make_move_iterator(folded.segments.begin() +
                                                 static_cast<std::ptrdiff_t>(c.segments_begin)),
                         std::make_move_iterator(folded.segments.begin() +
                                                 static_cast<std::ptrdiff_t>(c.segments_end))));
  }
  return out;
}

std::vector<std::pair<ColumnRef, std::string>> CellSources(const Transcript& t) {
  FoldSpec spec;
  spec.sources = true;
  std::vector<std::pair<ColumnRef, std::string>> out;
  for (const ColumnIndex& c : Fold(t, spec).columns) out.emplace_back(c.column, c.Source());
  return out;
}

Matrix IndexTheme(const Study& study, int theme) { return Index(study, theme, nullptr); }

Matrix TakeTheme(Study& study, int theme) { return Index(study, theme, &study); }

namespace {

// Whether Transcript::SegmentText(s) is empty: nothing but white space, or no valid range.
bool SegmentTextEmpty(const Transcript& t, const Segment& s) {
  if (s.text_end > t.text.size() || s.text_begin > s.text_end) return true;
  for (std::size_t i = s.text_begin; i < s.text_end; ++i)
    if (!IsAsciiSpace(t.text[i])) return false;
  return true;
}

// A segment of a cell whose participant has more than one transcript: IndexTheme merges such
// cells transcript by transcript (IndexColumns), and this replays it without the texts.
struct SegmentRef {
  const Transcript* transcript;
  std::uint32_t segment;
  int line_start;
};

}  // namespace

std::vector<Matrix> IndexThemeCounts(const Study& study,
                                     std::vector<std::vector<std::vector<std::size_t>>>* counts) {
  const std::size_t themes = study.framework.themes.size();
  std::vector<Matrix> out;
  counts->assign(themes, {});
  bool indexed = false;  // a transcript LoadStudy folded without its text: IndexTheme's way
  for (const Transcript& t : study.transcripts) indexed = indexed || t.indexed;
  if (indexed) {
    for (std::size_t th = 0; th < themes; ++th) {
      out.push_back(IndexTheme(study, static_cast<int>(th)));
      for (auto& row : out.back().cells) {
        (*counts)[th].emplace_back();
        for (MatrixCell& cell : row) {
          (*counts)[th].back().push_back(cell.segments.size());
          std::vector<CellSegment>().swap(cell.segments);
          cell.words = 0;
        }
      }
    }
    return out;
  }
  // The rows first (their order is final once every participant is in).
  for (std::size_t th = 0; th < themes; ++th) {
    out.push_back(EmptyMatrix(study, static_cast<int>(th)));
    for (const Transcript& t : study.transcripts) AddRow(out.back(), t.participant);
    for (const auto& row : out.back().cells) (*counts)[th].emplace_back(row.size(), 0);
  }
  // The transcripts of each participant, in study order.
  std::map<std::string, std::vector<const Transcript*>> of_participant;
  for (const Transcript& t : study.transcripts) of_participant[t.participant].push_back(&t);
  FoldSpec spec;
  spec.sources = true;
  spec.cell_shapes = true;
  auto cell_of = [&](const std::string& participant, ColumnRef column) {
    Matrix& m = out[static_cast<std::size_t>(column.theme)];
    const auto row = static_cast<std::size_t>(m.Row(participant));
    const auto col = static_cast<std::size_t>(column.subtheme);
    return std::pair<MatrixCell*, std::size_t*>(
        &m.cells[row][col], &(*counts)[static_cast<std::size_t>(column.theme)][row][col]);
  };
  auto valid = [&](ColumnRef column) {
    return column.theme >= 0 && static_cast<std::size_t>(column.theme) < themes &&
           column.subtheme >= 0 &&
           static_cast<std::size_t>(column.subtheme) <
               out[static_cast<std::size_t>(column.theme)].subthemes.size();
  };
  for (const auto& [participant, transcripts] : of_participant) {
    if (transcripts.size() == 1) {
      const Transcript& t = *transcripts[0];
      for (const ColumnIndex& c : Fold(t, spec).columns) {
        if (!valid(c.column)) continue;
        auto [cell, count] = cell_of(participant, c.column);
        *count = c.segments_end - c.segments_begin;
        cell->source = c.Source();
      }
      continue;
    }
    // IndexColumns, replayed: a cell that has segments takes the new ones after them, sorted by
    // opening line, with the source of them all when its first segment has text, else the new
    // transcript's.
    std::map<std::pair<int, int>, std::vector<SegmentRef>> refs;
    for (const Transcript* tp : transcripts) {
      const Transcript& t = *tp;
      const Folded folded = Fold(t, spec);
      for (const ColumnIndex& c : folded.columns) {
        if (!valid(c.column)) continue;
        auto [cell, count] = cell_of(participant, c.column);
        std::vector<SegmentRef>& segs = refs[{c.column.theme, c.column.subtheme}];
        const bool had = !segs.empty();
        for (std::uint32_t i = c.segments_begin; i < c.segments_end && i < folded.order.size(); ++i)
          if (folded.order[i] < t.segments.size())
            segs.push_back({&t, folded.order[i], t.segments[folded.order[i]].line_start});
        *count = segs.size();
        if (had) {
          const bool texts = !SegmentTextEmpty(
              *segs.front().transcript, segs.front().transcript->segments[segs.front().segment]);
          std::stable_sort(segs.begin(), segs.end(), [](const SegmentRef& a, const SegmentRef& b) {
            return a.line_start < b.line_start;
          });
          if (texts) {
            Fnv1a fnv;
            for (std::size_t k = 0; k < segs.size(); ++k) {
              if (k) fnv.Add('\n');
              AddSegmentText(*segs[k].transcript, segs[k].transcript->segments[segs[k].segment],
                             fnv);
            }
            cell->source = fnv.Hex();
            continue;
          }
        }
        cell->source = c.Source();
      }
    }
  }
  return out;
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
