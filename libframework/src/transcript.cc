#include "framework/transcript.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "framework/source_text.h"
#include "framework/text.h"
#include "yaml_support.h"

namespace framework {

std::string Transcript::SegmentText(const Segment& segment) const {
  if (segment.text_end > text.size() || segment.text_begin > segment.text_end) return {};
  std::string out = CollapseWhitespace(
      std::string_view(text).substr(segment.text_begin, segment.text_end - segment.text_begin));
  MakeNfc(out);  // no second copy of a long segment
  return out;
}

std::string ColumnIndex::Source() const { return sourced ? source.Hex() : std::string(); }

const ColumnIndex* Transcript::Column(ColumnRef column) const {
  auto it = std::lower_bound(columns.begin(), columns.end(), column,
                             [](const ColumnIndex& c, ColumnRef r) {
                               return c.column.theme != r.theme ? c.column.theme < r.theme
                                                                : c.column.subtheme < r.subtheme;
                             });
  return it != columns.end() && it->column == column ? &*it : nullptr;
}

std::span<const LineRef> Transcript::Lines(const ColumnIndex& c) const {
  if (c.lines_end > column_lines.size() || c.lines_begin > c.lines_end) return {};
  return std::span<const LineRef>(column_lines).subspan(c.lines_begin, c.lines_end - c.lines_begin);
}

std::span<const CellSegment> Transcript::Segments(const ColumnIndex& c) const {
  if (c.shapes || c.segments_end > column_segments.size() || c.segments_begin > c.segments_end)
    return {};
  return std::span<const CellSegment>(column_segments)
      .subspan(c.segments_begin, c.segments_end - c.segments_begin);
}

namespace {

// The trimmed extent of `raw` and the lines of its ends, counted from `line`: false when it is
// all white space.
bool Extent(std::string_view raw, int line, int* first_line, int* last_line) {
  std::size_t b = 0, e = raw.size();
  while (b < e && IsAsciiSpace(raw[b])) ++b;
  while (e > b && IsAsciiSpace(raw[e - 1])) --e;
  if (b == e) return false;
  *first_line = line + static_cast<int>(std::count(raw.begin(), raw.begin() + b, '\n'));
  *last_line = *first_line + static_cast<int>(std::count(raw.begin() + b, raw.begin() + e, '\n'));
  return true;
}

}  // namespace

namespace {

// Appends to `out` what the participant-role speakers say of `n` pieces (`piece(i)` gives each,
// with its role and text): joined by spaces, or by kInterruption where another speaker cut in.
template <typename PieceAt>
void JoinParticipantSpeech(std::size_t n, PieceAt&& piece, std::string& out) {
  bool interrupted = false;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& p = piece(i);
    if (p.role != SpeakerRole::kParticipant) {
      interrupted = !out.empty();
      continue;
    }
    if (!out.empty()) out += interrupted ? kInterruption : std::string_view(" ");
    out += p.text;
    interrupted = false;
  }
}

}  // namespace

std::string ParticipantText(const std::vector<SpeakerPiece>& pieces) {
  std::string out;
  JoinParticipantSpeech(
      pieces.size(), [&](std::size_t i) -> const SpeakerPiece& { return pieces[i]; }, out);
  return out;
}

const std::vector<Speaker>& CellSegment::PieceSpeakers() const {
  static const std::vector<Speaker> kNone;
  return extras ? extras->speakers : kNone;
}

PieceView CellSegment::Piece(std::size_t i) const {
  const PieceRange& r = pieces[i];
  const std::string& all = PiecesText();
  PieceView view;
  if (r.begin <= r.end && r.end <= all.size())
    view.text = std::string_view(all).substr(r.begin, r.end - r.begin);
  const std::vector<Speaker>& speakers = PieceSpeakers();
  if (r.speaker < speakers.size()) {
    view.speaker = speakers[r.speaker].label;
    view.role = speakers[r.speaker].role;
  }
  view.line_start = r.line_start;
  view.line_end = r.line_end;
  return view;
}

void CellSegment::AddPiece(std::string_view piece, std::string_view label, SpeakerRole piece_role,
                           int first_line, int last_line) {
  PieceExtras& x = Extras();
  if (!x.own_text) {
    // The pieces so far are ranges of `text`: from here on they are their own text.
    x.text.assign(text, 0,
                  pieces.empty() ? 0 : std::min<std::size_t>(pieces.back().end, text.size()));
    x.own_text = true;
  }
  if (!pieces.empty()) x.text += ' ';
  PieceRange r;
  r.begin = static_cast<std::uint32_t>(x.text.size());
  x.text += piece;
  r.end = static_cast<std::uint32_t>(x.text.size());
  r.line_start = first_line;
  r.line_end = last_line;
  std::size_t k = 0;
  while (k < x.speakers.size() &&
         (x.speakers[k].label != label || x.speakers[k].role != piece_role))
    ++k;
  if (k == x.speakers.size()) x.speakers.push_back({std::string(label), piece_role});
  r.speaker = static_cast<std::uint32_t>(k);
  pieces.push_back(r);
}

void CellSegment::ClearPieces() {
  std::vector<PieceRange>().swap(pieces);
  extras.reset();
}

std::string_view CellSegment::ParticipantText(std::string& buffer) const {
  if (pieces.empty())
    return role == SpeakerRole::kParticipant ? std::string_view(text) : std::string_view();
  buffer.clear();
  JoinParticipantSpeech(
      pieces.size(), [&](std::size_t i) { return Piece(i); }, buffer);
  return buffer;
}

std::string CellSegment::ParticipantText() const {
  if (pieces.empty()) return role == SpeakerRole::kParticipant ? text : std::string();
  std::string out;
  ParticipantText(out);
  return out;
}

bool CellSegment::HasParticipantSpeech() const {
  if (pieces.empty()) return role == SpeakerRole::kParticipant && !text.empty();
  for (std::size_t i = 0; i < pieces.size(); ++i)
    if (Piece(i).role == SpeakerRole::kParticipant) return true;
  return false;
}

std::string CellSegment::TextWithSpeakers() const {
  auto mark = [](std::string_view label, std::string_view words, std::string& out) {
    out += '[';
    out += label;
    out += ": ";
    out += words;
    out += ']';
  };
  std::string out;
  if (pieces.empty()) {
    if (role == SpeakerRole::kParticipant) return text;
    mark(speaker, text, out);
    return out;
  }
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    const PieceView piece = Piece(i);
    if (!out.empty()) out += ' ';
    if (piece.role == SpeakerRole::kParticipant)
      out += piece.text;
    else
      mark(piece.speaker, piece.text, out);
  }
  return out;
}

std::string CellSegment::SpeakerLines() const {
  auto entry = [](std::string_view label, int first, int last, std::string& out) {
    out += label;
    out += " L";
    out += std::to_string(first);
    if (last > first) {
      out += '-';
      out += std::to_string(last);
    }
  };
  std::string out;
  if (pieces.empty()) {
    entry(speaker, line_start, line_end, out);
    return out;
  }
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    const PieceView piece = Piece(i);
    if (i) out += "; ";
    entry(piece.speaker, piece.line_start, piece.line_end, out);
  }
  return out;
}

bool Transcript::SpansTurns(const Segment& segment) const {
  const std::size_t next = static_cast<std::size_t>(segment.turn + 1);
  return next < turns.size() && turns[next].text_begin < segment.text_end;
}

namespace {

// Calls `visit(raw, speaker, first_line, last_line)` for each stretch of `segment` within one
// speaker turn that is not all white space, in order: `raw` its text as in Transcript::text,
// `speaker` the turn's index into Transcript::speakers (-1 before any turn), the lines those of
// its first and last non-blank characters.
template <typename Visit>
void ForEachStretch(const Transcript& t, const Segment& segment, Visit&& visit) {
  if (segment.text_end > t.text.size() || segment.text_begin > segment.text_end) return;
  std::uint32_t begin = segment.text_begin;
  int speaker = segment.speaker, line = segment.line_start;
  std::size_t next = static_cast<std::size_t>(segment.turn + 1);
  for (;;) {
    const bool last = next >= t.turns.size() || t.turns[next].text_begin >= segment.text_end;
    const std::uint32_t end = last ? segment.text_end : std::max(begin, t.turns[next].text_begin);
    const std::string_view raw(t.text.data() + begin, end - begin);
    int first_line = 0, last_line = 0;
    if (Extent(raw, line, &first_line, &last_line)) visit(raw, speaker, first_line, last_line);
    if (last) break;
    begin = end;
    speaker = t.turns[next].speaker;
    line = t.turns[next].line;
    ++next;
  }
}

// The label and role of speaker `index` of `t` ("" and participant for none).
std::pair<std::string_view, SpeakerRole> SpeakerOf(const Transcript& t, int index) {
  if (index >= 0 && static_cast<std::size_t>(index) < t.speakers.size())
    return {t.speakers[static_cast<std::size_t>(index)].label,
            t.speakers[static_cast<std::size_t>(index)].role};
  return {std::string_view(), SpeakerRole::kParticipant};
}

}  // namespace

std::vector<SpeakerPiece> Transcript::SpeakerPieces(const Segment& segment) const {
  std::vector<SpeakerPiece> pieces;
  ForEachStretch(*this, segment, [&](std::string_view raw, int speaker, int first, int last) {
    const auto [label, role] = SpeakerOf(*this, speaker);
    if (!pieces.empty() && pieces.back().speaker == label) {
      // The same speaker again, with nothing said between: one piece.
      pieces.back().text += ' ';
      pieces.back().text += ToNfc(CollapseWhitespace(raw));
      pieces.back().line_end = last;
      return;
    }
    SpeakerPiece piece;
    piece.text = ToNfc(CollapseWhitespace(raw));
    piece.speaker = std::string(label);
    piece.role = role;
    piece.line_start = first;
    piece.line_end = last;
    pieces.push_back(std::move(piece));
  });
  return pieces;
}

void Transcript::AddSpeakerPieces(const Segment& segment, CellSegment& cell) const {
  cell.ClearPieces();
  // At most one piece per turn that begins inside the segment, and the one it opens in.
  const std::size_t first_turn = std::min(static_cast<std::size_t>(segment.turn + 1), turns.size());
  const auto past = std::lower_bound(
      turns.begin() + static_cast<std::ptrdiff_t>(first_turn), turns.end(), segment.text_end,
      [](const Turn& turn, std::uint32_t offset) { return turn.text_begin < offset; });
  cell.pieces.reserve(
      static_cast<std::size_t>(past - (turns.begin() + static_cast<std::ptrdiff_t>(first_turn))) +
      1);
  // Each speaker's place in PieceSpeakers(), by index into `speakers` (+1: none is -1).
  std::vector<std::uint32_t> slot(speakers.size() + 1, UINT32_MAX);
  const std::string& whole = cell.text;
  std::size_t joined = 0;  // bytes of the pieces' texts joined by spaces, so far
  ForEachStretch(*this, segment, [&](std::string_view raw, int speaker, int first, int last) {
    const std::string piece = ToNfc(CollapseWhitespace(raw));
    const auto [label, role] = SpeakerOf(*this, speaker);
    const bool any = !cell.pieces.empty();
    const std::size_t begin = joined + (any ? 1 : 0);
    // The pieces joined by spaces are the segment's text, but for text that is not UTF-8
    // (NFC leaves it alone as a whole, not in parts): then they keep their own.
    PieceExtras& x = cell.Extras();
    if (!x.own_text && !(begin + piece.size() <= whole.size() && (!any || whole[joined] == ' ') &&
                         whole.compare(begin, piece.size(), piece) == 0)) {
      x.text.assign(whole, 0, joined);
      x.own_text = true;
    }
    if (x.own_text) {
      if (any) x.text += ' ';
      x.text += piece;
    }
    joined = begin + piece.size();
    if (any && x.speakers[cell.pieces.back().speaker].label == label) {
      // The same speaker again, with nothing said between: one piece.
      cell.pieces.back().end = static_cast<std::uint32_t>(joined);
      cell.pieces.back().line_end = last;
      return;
    }
    std::uint32_t& index = slot[static_cast<std::size_t>(speaker + 1)];
    if (index == UINT32_MAX) {
      index = static_cast<std::uint32_t>(x.speakers.size());
      x.speakers.push_back({std::string(label), role});
    }
    cell.pieces.push_back({static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(joined),
                           first, last, index});
  });
  if (!cell.PiecesOwnText() && joined != whole.size()) {
    PieceExtras& x = cell.Extras();
    x.text.assign(whole, 0, joined);
    x.own_text = true;
  }
}

std::string Transcript::ParticipantText(const Segment& segment) const {
  if (!SpansTurns(segment)) {
    const bool spoken =
        segment.speaker >= 0 && static_cast<std::size_t>(segment.speaker) < speakers.size() &&
        speakers[static_cast<std::size_t>(segment.speaker)].role == SpeakerRole::kParticipant;
    return spoken ? SegmentText(segment) : std::string();
  }
  // framework::ParticipantText of the pieces, stretch by stretch: a piece is its speaker's
  // stretches joined by spaces, nothing interrupting them.
  std::string out;
  bool interrupted = false;
  ForEachStretch(*this, segment, [&](std::string_view raw, int speaker, int, int) {
    if (SpeakerOf(*this, speaker).second != SpeakerRole::kParticipant) {
      interrupted = !out.empty();
      return;
    }
    if (!out.empty()) out += interrupted ? kInterruption : std::string_view(" ");
    out += ToNfc(CollapseWhitespace(raw));
    interrupted = false;
  });
  return out;
}

namespace {

constexpr std::array<bool, 256> MakeSpecial() {
  std::array<bool, 256> table{};
  table[static_cast<unsigned char>('{')] = true;
  table[static_cast<unsigned char>('}')] = true;
  table[static_cast<unsigned char>('\\')] = true;
  return table;
}
constexpr std::array<bool, 256> kSpecial = MakeSpecial();

// The first of '{', '}' or '\\' in [i, end), or end: the body's hot loop, sixteen bytes at a
// time where SSE2 is there (every x86-64).
std::size_t FindSpecial(const char* data, std::size_t i, std::size_t end) {
#ifdef __SSE2__
  const __m128i open = _mm_set1_epi8('{'), close = _mm_set1_epi8('}'), escape = _mm_set1_epi8('\\');
  for (; i + 16 <= end; i += 16) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
    const __m128i hit =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(chunk, open), _mm_cmpeq_epi8(chunk, close)),
                     _mm_cmpeq_epi8(chunk, escape));
    if (const int mask = _mm_movemask_epi8(hit))
      return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  while (i < end && !kSpecial[static_cast<unsigned char>(data[i])]) ++i;
  return i;
}

const char kBom[] = "\xEF\xBB\xBF";

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::optional<SpeakerRole> ParseRole(std::string_view name) {
  if (name == "interviewer") return SpeakerRole::kInterviewer;
  if (name == "participant") return SpeakerRole::kParticipant;
  if (name == "other") return SpeakerRole::kOther;
  return std::nullopt;
}

// The front-matter keys the tool reads.
const std::vector<std::string>& KnownFrontMatterKeys() {
  static const std::vector<std::string> keys{"participant", "date", "speakers"};
  return keys;
}

// The known key that `key` is one slip away from (another case, or an edit or two for the
// longer keys), if any: other keys are metadata, but these are most likely typos.
std::optional<std::string> NearKnownKey(std::string_view key) {
  std::string lower(key);
  for (char& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  const auto& known_keys = KnownFrontMatterKeys();
  if (std::find(known_keys.begin(), known_keys.end(), key) != known_keys.end()) return std::nullopt;
  for (const std::string& known : known_keys) {
    const std::size_t limit = known.size() <= 4 ? 1 : 2;
    if (lower == known || EditDistance(lower, known, limit) <= limit) return known;
  }
  return std::nullopt;
}

// Whether `v` is a calendar date, YYYY-MM-DD, optionally followed by a time as YAML writes
// timestamps ("T" or a space, HH:MM[:SS[.fraction]], then an optional zone: Z or ±HH[:MM]).
// When it is not, `why` says what is wrong.
bool IsRealDate(std::string_view v, std::string* why) {
  auto digits = [&](std::size_t at, std::size_t n) {
    if (at + n > v.size()) return false;
    for (std::size_t i = at; i < at + n; ++i)
      if (v[i] < '0' || v[i] > '9') return false;
    return true;
  };
  auto number = [&](std::size_t at, std::size_t n) {
    int x = 0;
    for (std::size_t i = at; i < at + n; ++i) x = x * 10 + (v[i] - '0');
    return x;
  };
  if (!digits(0, 4) || v.size() < 10 || v[4] != '-' || !digits(5, 2) || v[7] != '-' ||
      !digits(8, 2)) {
    *why = "is not a date in the form YYYY-MM-DD";
    return false;
  }
  const int year = number(0, 4), month = number(5, 2), day = number(8, 2);
  static const char* kMonths[] = {"January",   "February", "March",    "April",
                                  "May",       "June",     "July",     "August",
                                  "September", "October",  "November", "December"};
  if (month < 1 || month > 12) {
    *why = "is not a real date: there is no month " + std::to_string(month);
    return false;
  }
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int days = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  if (day < 1 || day > days) {
    *why = "is not a real date: " + std::string(kMonths[month - 1]) + " " + std::to_string(year) +
           " has " + std::to_string(days) + " days";
    return false;
  }
  std::size_t i = 10;
  if (i == v.size()) return true;
  *why = "is not a date in the form YYYY-MM-DD (a time may follow, as in 2022-02-21T14:30)";
  if (v[i] != 'T' && v[i] != 't' && v[i] != ' ') return false;
  ++i;
  const std::size_t hour_digits = digits(i, 2) ? 2 : digits(i, 1) ? 1 : 0;
  if (hour_digits == 0 || number(i, hour_digits) > 23) return false;
  i += hour_digits;
  if (i >= v.size() || v[i] != ':' || !digits(i + 1, 2) || number(i + 1, 2) > 59) return false;
  i += 3;
  if (i < v.size() && v[i] == ':') {
    if (!digits(i + 1, 2) || number(i + 1, 2) > 60) return false;
    i += 3;
    if (i < v.size() && v[i] == '.') {
      ++i;
      if (!digits(i, 1)) return false;
      while (digits(i, 1)) ++i;
    }
  }
  if (i < v.size() && v[i] == ' ') ++i;
  if (i == v.size()) return true;
  if ((v[i] == 'Z' || v[i] == 'z') && i + 1 == v.size()) return true;
  if (v[i] != '+' && v[i] != '-') return false;
  ++i;
  const std::size_t zone_digits = digits(i, 2) ? 2 : digits(i, 1) ? 1 : 0;
  if (zone_digits == 0 || number(i, zone_digits) > 23) return false;
  i += zone_digits;
  if (i < v.size() && v[i] == ':') ++i;
  if (i < v.size() && (!digits(i, 2) || number(i, 2) > 59 || i + 2 != v.size())) return false;
  return true;
}

// One line of the body ends at `eol` (the '\n' or the end of the text).
class Parser {
 public:
  Parser(std::string_view name, std::string_view bytes, const ParseOptions& options,
         Diagnostics& diagnostics)
      : source_(std::string(name), bytes),
        bytes_(bytes),
        options_(options),
        diagnostics_(diagnostics) {}

  Transcript Run();

 private:
  void Report(Severity severity, const char* rule, std::size_t offset, std::string message,
              std::string hint = {}, int length = 1);
  void ReportAt(Severity severity, const char* rule, Position position, std::string message,
                std::string hint = {}, int length = 1);
  // Past the error cap, counts one more error and returns true: the caller then skips building
  // its message (a line of a million stray braces would allocate two strings for each).
  bool CountedPastCap() {
    if (reported_ <= options_.max_errors) return false;
    ++reported_;
    return true;
  }
  bool ParseFrontMatter(std::size_t start, std::size_t* body_start, int* body_line);
  void ApplyFrontMatter(const SourceText& source, const YAML::Node& root);
  bool ApplySimpleFrontMatter(std::size_t begin, std::size_t end);
  void ParseBody(std::size_t pos, int line);
  std::size_t MatchLabel(std::size_t pos, std::size_t eol);
  void NoteLabelLike(std::size_t pos, std::size_t eol);
  void WarnAboutLabelLike();
  void HandleTag(std::size_t open, std::size_t close);
  void OpenCode(std::string code, std::size_t offset);
  void CloseSegment(std::size_t open_index, std::size_t offset);
  // Column of `offset` on the current line. Tags come in order along a line, so counting goes on
  // from the last tag's column: a long line with many tags stays linear.
  int ColumnOf(std::size_t offset) {
    if (column_from_base_ != column_base_ || column_from_ > offset) {
      column_from_base_ = column_base_;
      column_from_ = column_base_;
      column_count_ = 0;
    }
    std::string_view part = bytes_.substr(column_from_, offset - column_from_);
    column_count_ += valid_utf8_ ? CountCodePoints(part) : CountCharacters(part);
    column_from_ = offset;
    return static_cast<int>(column_count_) + 1;
  }
  void AddSpeaker(std::string label, SpeakerRole role);
  // Records a span of the current line, [begin, end) in bytes_, when spans are asked for.
  void AddSpan(BodySpan::Kind kind, std::size_t begin, std::size_t end,
               std::vector<std::string> codes) {
    if (!options_.spans) return;
    options_.spans->push_back({kind, line_, static_cast<std::uint32_t>(begin - column_base_),
                               static_cast<std::uint32_t>(end - column_base_), std::move(codes)});
  }

  SourceText source_;
  std::string_view bytes_;
  const ParseOptions& options_;
  Diagnostics& diagnostics_;
  Transcript t_;
  std::size_t reported_ = 0;
  std::size_t too_many_note_ = 0;  // index in `diagnostics_` of the note past `max_errors`
  void CountUnlisted();

  struct Open {
    std::size_t segment;     // index into t_.segments
    std::size_t tag_offset;  // byte offset of the code name in its tag
    bool closed = false;     // closed since; dropped from open_ at the next compaction
  };
  // The open segments in order of opening, and each open code's place in `open_`. Closing marks
  // the entry and compacts once half are closed, so opening, finding and closing a code cost the
  // same however many segments are open (a file of thousands of open codes stays linear).
  std::vector<Open> open_;
  std::unordered_map<std::string, std::size_t> open_codes_;
  std::size_t closed_in_open_ = 0;
  void CompactOpen();
  // Warns when `o`, closed by the '{/}' at `close_offset`, opened more than max_span_turns back.
  void WarnIfFarBack(const Open& o, std::size_t close_offset, int close_length);
  // Errors are shown up to `max_errors`; past that, hints (spelling suggestions) are not worked
  // out.
  bool ShowsMoreErrors() const { return reported_ < options_.max_errors; }
  std::vector<bool> dropped_;
  int line_ = 1;
  std::size_t column_base_ = 0;  // byte offset columns count from on the current line
  // ColumnOf's progress: `column_count_` characters from `column_from_base_` to `column_from_`.
  std::size_t column_from_base_ = 0, column_from_ = 0, column_count_ = 0;
  int speaker_ = -1;
  int turn_ = -1;
  bool valid_utf8_ = true;
  bool labels_have_spaces_ = false;  // a declared label has a space in it: MatchLabel reads on
  // Lines that start like an undeclared speaker label ("Interviewer:"): how many, and the first.
  struct LabelLike {
    std::size_t count = 0;
    std::size_t offset = 0;
  };
  std::unordered_map<std::string, LabelLike> label_like_;
};

void Parser::ReportAt(Severity severity, const char* rule, Position position, std::string message,
                      std::string hint, int length) {
  if (severity == Severity::kError && ++reported_ > options_.max_errors) {
    if (reported_ == options_.max_errors + 1) {
      too_many_note_ = diagnostics_.size();
      diagnostics_.push_back(
          source_.AtPosition(Severity::kNote, "too-many-errors", position,
                             "too many errors in this file; later ones are not shown",
                             "fix these and run the check again"));
    }
    return;
  }
  diagnostics_.push_back(
      source_.AtPosition(severity, rule, position, std::move(message), std::move(hint), length));
}

void Parser::Report(Severity severity, const char* rule, std::size_t offset, std::string message,
                    std::string hint, int length) {
  // Past the limit (and its note) an error is only counted: finding its column would cost the
  // length of its line, quadratic over a long line full of errors.
  if (severity == Severity::kError && reported_ > options_.max_errors) {
    ++reported_;
    return;
  }
  ReportAt(severity, rule, source_.PositionAt(offset), std::move(message), std::move(hint), length);
}

// The note past the cap says how many errors it stands for, so totals stay true.
void Parser::CountUnlisted() {
  if (reported_ <= options_.max_errors) return;
  Diagnostic& note = diagnostics_[too_many_note_];
  note.unlisted = reported_ - options_.max_errors;
  note.message = "too many errors in this file: " + std::to_string(note.unlisted) +
                 " more are counted but not shown";
}

void Parser::AddSpeaker(std::string label, SpeakerRole role) {
  for (auto& s : t_.speakers) {
    if (s.label == label) {
      s.role = role;
      return;
    }
  }
  t_.speakers.push_back({std::move(label), role});
}

Transcript Parser::Run() {
  t_.path = source_.name();
  t_.bytes = bytes_.size();
  t_.participant = ToNfc(options_.stem);
  for (const auto& s : options_.speakers) AddSpeaker(s.label, s.role);

  valid_utf8_ = IsValidUtf8(bytes_);
  if (!valid_utf8_) {
    for (std::size_t offset : FindInvalidUtf8(bytes_, 20)) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(bytes_[offset]));
      Report(
          Severity::kError, "invalid-utf8", offset,
          "invalid UTF-8: byte " + std::string(hex) + " at byte offset " + std::to_string(offset),
          "save the transcript as UTF-8 (most editors offer this under 'Save with encoding')");
    }
  }

  std::size_t start = bytes_.substr(0, 3) == kBom ? 3 : 0;
  std::size_t body = start;
  int body_line = 1;
  if (!ParseFrontMatter(start, &body, &body_line)) {
    CountUnlisted();
    t_.line_count = static_cast<int>(std::count(bytes_.begin(), bytes_.end(), '\n')) +
                    (bytes_.empty() || bytes_.back() == '\n' ? 0 : 1);
    return std::move(t_);
  }
  // The transcript's participant is always a participant label.
  AddSpeaker(t_.participant, SpeakerRole::kParticipant);
  speaker_ = -1;
  for (std::size_t i = 0; i < t_.speakers.size(); ++i)
    if (t_.speakers[i].label == t_.participant) speaker_ = static_cast<int>(i);

  for (const Speaker& s : t_.speakers)
    labels_have_spaces_ |= s.label.find_first_of(" \t") != std::string::npos;

  t_.text.reserve(bytes_.size() - body);
  ParseBody(body, body_line);
  WarnAboutLabelLike();

  for (const Open& o : open_) {
    if (o.closed) continue;
    const Segment& s = t_.segments[o.segment];
    Report(Severity::kError, "unclosed-segment", o.tag_offset,
           "segment " + Quote(s.code) + " is never closed",
           "close it with {/" + s.code + "} or {/} where the coded passage ends",
           static_cast<int>(CountCodePoints(s.code)));
    dropped_[o.segment] = true;
  }
  open_.clear();
  open_codes_.clear();

  std::size_t kept = 0;
  for (std::size_t i = 0; i < t_.segments.size(); ++i) {
    if (dropped_[i]) continue;
    if (kept != i) t_.segments[kept] = std::move(t_.segments[i]);
    ++kept;
  }
  t_.segments.resize(kept);
  t_.segment_count = kept;
  if (!options_.keep_text) std::string().swap(t_.text);
  CountUnlisted();
  return std::move(t_);
}

bool Parser::ParseFrontMatter(std::size_t start, std::size_t* body_start, int* body_line) {
  auto line_end = [&](std::size_t pos) {
    const void* nl = std::memchr(bytes_.data() + pos, '\n', bytes_.size() - pos);
    return nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - bytes_.data())
              : bytes_.size();
  };
  auto is_fence = [&](std::size_t pos, std::size_t eol, bool allow_dots) {
    std::string_view line = Trim(bytes_.substr(pos, eol - pos));
    return line == "---" || (allow_dots && line == "...");
  };
  std::size_t eol = line_end(start);
  if (!is_fence(start, eol, false)) return true;  // no front matter

  // Find the closing fence.
  std::size_t pos = eol + 1;
  int line = 2;
  while (pos <= bytes_.size()) {
    if (pos == bytes_.size()) break;
    std::size_t e = line_end(pos);
    if (is_fence(pos, e, true)) {
      // Parse the lines between, keeping line numbers: the opening fence becomes a blank line
      // and every line of the file before the YAML stays where it is.
      if (!ApplySimpleFrontMatter(eol + 1, pos)) {
        // The front matter's own source, so positions never index the whole transcript.
        SourceText front(source_.name(), bytes_.substr(0, e));
        if (pos - (eol + 1) > kMaxFrontMatterYamlBytes) {
          Report(Severity::kError, "front-matter-too-large", start,
                 "front matter of " + std::to_string(pos - (eol + 1)) +
                     " bytes is too large to read as YAML, the limit is " +
                     std::to_string(kMaxFrontMatterYamlBytes) + " bytes (256 KiB)",
                 "front matter holds a few keys (participant, date, speakers); plain 'key: "
                 "value' lines are read at any size (see docs/limits.md)",
                 3);
        } else {
          std::string yaml_text(bytes_.substr(0, pos));
          std::fill(yaml_text.begin(), yaml_text.begin() + static_cast<std::ptrdiff_t>(eol), ' ');
          bool ok = false;
          yaml::Reservation held;  // outlives root
          YAML::Node root = yaml::Parse(front, yaml_text, diagnostics_, &ok, &held);
          if (ok) ApplyFrontMatter(front, root);
        }
      }
      *body_start = e < bytes_.size() ? e + 1 : e;
      *body_line = line + 1;
      return true;
    }
    pos = e + 1;
    ++line;
  }
  Report(Severity::kError, "bad-front-matter", start, "front matter is never closed",
         "end it with a line of three dashes '---', or remove the opening '---'", 3);
  return false;
}

// The common case, `key: plain value` lines only, read without a YAML parser (which costs more
// than the whole body). Returns false, having changed nothing, for anything else.
bool Parser::ApplySimpleFrontMatter(std::size_t begin, std::size_t end) {
  struct Entry {
    std::string_view key, value;
    std::size_t value_offset;
  };
  std::vector<Entry> entries;
  std::unordered_set<std::string_view> keys;
  std::size_t over = std::string_view::npos;  // the first key past kMaxFrontMatterKeys
  std::size_t pos = begin;
  while (pos < end) {
    std::size_t eol = bytes_.find('\n', pos);
    if (eol == std::string_view::npos || eol > end) eol = end;
    std::string_view line = bytes_.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (Trim(line).empty()) {
      pos = eol + 1;
      continue;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 >= line.size() ||
        line[colon + 1] != ' ')
      return false;
    std::string_view key = line.substr(0, colon);
    for (char c : key)
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '_' || c == '-'))
        return false;
    std::string_view value = Trim(line.substr(colon + 1));
    if (value.empty() ||
        std::string_view("{[&*!|>'\"%@`#-?,:").find(value.front()) != std::string_view::npos)
      return false;
    if (value.find(": ") != std::string_view::npos || value.find(" #") != std::string_view::npos ||
        value.back() == ':')
      return false;
    for (char c : value)
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t') return false;
    if (key == "speakers") return false;
    // Anything to warn about or reject takes the YAML path, which reports it where it stands.
    std::string why;
    if (NearKnownKey(key) || (key == "date" && !IsRealDate(value, &why))) return false;
    // Scalars YAML reads as something other than text (null, booleans) take the YAML path.
    static const std::string_view kSpecialScalars[] = {"~",    "null", "Null",  "NULL",  "true",
                                                       "True", "TRUE", "false", "False", "FALSE"};
    for (std::string_view special : kSpecialScalars)
      if (value == special) return false;
    if (entries.size() >= kMaxFrontMatterKeys && key != "participant" && key != "date") {
      if (over == std::string_view::npos) over = pos;
      pos = eol + 1;
      continue;  // not kept, and not compared for duplicates
    }
    if (!keys.insert(key).second) return false;  // duplicates: let the YAML path report them
    entries.push_back({key, value, static_cast<std::size_t>(value.data() - bytes_.data())});
    pos = eol + 1;
  }
  for (const Entry& e : entries) {
    if (e.key == "participant") {
      std::string id = ToNfc(e.value);
      if (!IsValidId(id, false)) return false;
      t_.participant = std::move(id);
      t_.participant_from_front_matter = true;
      Position p = SourceText(source_.name(), bytes_.substr(0, end)).PositionAt(e.value_offset);
      t_.participant_line = p.line;
      t_.participant_column = p.column;
    } else if (e.key == "date") {
      t_.date = std::string(e.value);
    } else {
      t_.metadata.emplace_back(std::string(e.key), std::string(e.value));
    }
  }
  if (over != std::string_view::npos)
    Report(Severity::kError, "front-matter-too-large", over,
           "front matter of more than " + std::to_string(kMaxFrontMatterKeys) +
               " keys; the keys from here on are not read",
           "front matter holds a few keys about the interview (participant, date, interviewer); "
           "move the rest out of the transcript");
  return true;
}

void Parser::ApplyFrontMatter(const SourceText& source, const YAML::Node& root) {
  if (root.IsNull()) return;
  if (!root.IsMap()) {
    diagnostics_.push_back(yaml::At(source, root, Severity::kError, "bad-front-matter",
                                    "front matter must be a mapping of keys to values",
                                    "write it as 'participant: P07' lines between '---' lines"));
    return;
  }
  yaml::CheckKeys(source, root, {}, "front matter", diagnostics_);
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string key = it->first.Scalar();
    const YAML::Node value = it->second;
    if (key == "participant") {
      auto id = yaml::Scalar(source, value, "participant", diagnostics_);
      if (!id) continue;
      if (!IsValidId(*id, false)) {
        diagnostics_.push_back(yaml::At(source, value, Severity::kError, "bad-id",
                                        "participant id " + Quote(*id) + " is not valid",
                                        "ids use letters, digits, '-' and '_'"));
        continue;
      }
      t_.participant = *id;
      t_.participant_from_front_matter = true;
      Position p = yaml::PositionOf(source, value);
      t_.participant_line = p.line;
      t_.participant_column = p.column;
    } else if (key == "speakers") {
      if (!value.IsMap()) {
        diagnostics_.push_back(yaml::At(source, value, Severity::kError, "bad-speakers",
                                        "speakers must map labels to roles",
                                        "e.g. speakers: {INT: interviewer, P07: participant}"));
        continue;
      }
      for (auto s = value.begin(); s != value.end(); ++s) {
        auto label = yaml::Scalar(source, s->first, "a speaker label", diagnostics_);
        auto role_name = yaml::Scalar(source, s->second, "a speaker role", diagnostics_);
        if (!label || !role_name) continue;
        auto role = ParseRole(*role_name);
        if (!role) {
          auto guess = Suggest(*role_name, {"interviewer", "participant", "other"});
          diagnostics_.push_back(yaml::At(source, s->second, Severity::kError, "bad-speakers",
                                          "unknown speaker role " + Quote(*role_name),
                                          guess ? "did you mean '" + *guess + "'?"
                                                : "roles are interviewer, participant, other"));
          continue;
        }
        AddSpeaker(*label, *role);
      }
    } else if (key == "date") {
      if (value.IsNull()) continue;  // `date:` with nothing: no date
      std::string why;
      if (!value.IsScalar()) {
        diagnostics_.push_back(yaml::At(source, value, Severity::kError, "bad-date",
                                        "date must be one value, the date of the interview",
                                        "write it as YYYY-MM-DD, e.g. 'date: 2022-02-21'"));
      } else if (!IsRealDate(value.Scalar(), &why)) {
        diagnostics_.push_back(yaml::At(source, value, Severity::kError, "bad-date",
                                        "date " + Quote(value.Scalar()) + " " + why,
                                        "write the interview date as YYYY-MM-DD, e.g. "
                                        "'date: 2022-02-21'"));
      }
      t_.date = value.IsScalar() ? value.Scalar() : YAML::Dump(value);
    } else {
      if (auto known = NearKnownKey(key))
        diagnostics_.push_back(yaml::At(
            source, it->first, Severity::kWarning, "unknown-key",
            "front matter key " + Quote(key) + " is not one the tool reads; it is kept as metadata",
            "did you mean '" + *known +
                "'? (other keys, such as 'interviewer' or 'mode', are "
                "kept as metadata)"));
      t_.metadata.emplace_back(key, value.IsScalar() ? value.Scalar() : YAML::Dump(value));
    }
  }
}

// If the line at `pos` starts with a declared label and a colon, starts a turn and returns
// the offset just after the colon; otherwise returns `pos`.
std::size_t Parser::MatchLabel(std::size_t pos, std::size_t eol) {
  std::size_t q = pos;
  while (q < eol && (bytes_[q] == ' ' || bytes_[q] == '\t')) ++q;
  std::size_t r = q;
  const std::size_t limit = std::min(eol, q + 64);
  // A label is what comes before the first colon; it has spaces in it only when a declared
  // label has (else reading stops at the first space, which keeps this loop short).
  while (r < limit && bytes_[r] != ':' && !kSpecial[static_cast<unsigned char>(bytes_[r])] &&
         (labels_have_spaces_ ? bytes_[r] != '\t' : !IsAsciiSpace(bytes_[r])))
    ++r;
  if (r > q && r < limit && bytes_[r] == ':') {
    std::string_view label = bytes_.substr(q, r - q);
    for (std::size_t i = 0; i < t_.speakers.size(); ++i) {
      if (t_.speakers[i].label == label) {
        speaker_ = static_cast<int>(i);
        AddSpan(BodySpan::Kind::kLabel, q, r + 1, {});
        turn_ = static_cast<int>(t_.turns.size());
        t_.turns.push_back({speaker_, line_, static_cast<std::uint32_t>(t_.text.size())});
        return r + 1;
      }
    }
  }
  NoteLabelLike(q, eol);
  return pos;
}

// Records a line that starts like a speaker label, `Word:` or `Two Words:` (letters first,
// then letters, digits, ' - _ .; a space or the line's end after the colon), that is not a
// declared one.
void Parser::NoteLabelLike(std::size_t q, std::size_t eol) {
  auto starts_word = [](unsigned char c) {
    return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80;
  };
  auto in_word = [&](unsigned char c) {
    return starts_word(c) || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '\'' ||
           c == '.';
  };
  constexpr std::size_t kMaxLength = 40;
  std::size_t r = q;
  for (int words = 1;; ++words) {
    if (r >= eol || !starts_word(static_cast<unsigned char>(bytes_[r]))) return;
    while (r < eol && r - q <= kMaxLength && in_word(static_cast<unsigned char>(bytes_[r]))) ++r;
    if (r - q > kMaxLength) return;
    if (r < eol && bytes_[r] == ':') break;
    if (words == 2 || r >= eol || bytes_[r] != ' ') return;
    ++r;
  }
  if (r + 1 < eol && bytes_[r + 1] != ' ' && bytes_[r + 1] != '\t') return;
  // Bounded, whatever the file: a label is one of few.
  constexpr std::size_t kMaxLabels = 256;
  auto it = label_like_.find(std::string(bytes_.substr(q, r - q)));
  if (it == label_like_.end()) {
    if (label_like_.size() >= kMaxLabels) return;
    it = label_like_.emplace(std::string(bytes_.substr(q, r - q)), LabelLike{0, q}).first;
  }
  ++it->second.count;
}

void Parser::WarnAboutLabelLike() {
  std::vector<std::pair<std::size_t, const std::string*>> repeated;
  for (const auto& [label, seen] : label_like_)
    if (seen.count >= 2) repeated.emplace_back(seen.offset, &label);
  std::sort(repeated.begin(), repeated.end());
  std::vector<std::string> declared;
  for (const Speaker& s : t_.speakers) declared.push_back(s.label);
  for (const auto& [offset, label] : repeated) {
    const std::size_t count = label_like_[*label].count;
    std::string hint;
    if (auto guess = Suggest(*label, declared, 0))
      hint = "did you mean '" + *guess + ":'? speaker labels are case-sensitive";
    else
      hint =
          "if it is a speaker, declare it under 'speakers:' in framework.yaml or in this "
          "file's front matter, e.g. speakers: {" +
          *label + ": interviewer}";
    Report(Severity::kWarning, "undeclared-speaker", offset,
           Quote(*label + ":") + " starts " + std::to_string(count) +
               " lines like a speaker label but is not a declared speaker, so those lines are "
               "read as the previous speaker's words",
           std::move(hint), static_cast<int>(CountCodePoints(*label)) + 1);
  }
}

void Parser::WarnIfFarBack(const Open& o, std::size_t close_offset, int close_length) {
  const Segment& s = t_.segments[o.segment];
  const int back = turn_ - s.turn;
  if (back <= options_.max_span_turns) return;
  Report(Severity::kWarning, "segment-spans-turns", close_offset,
         "'{/}' closes " + Quote(s.code) + ", which opened " + std::to_string(back) +
             " speaker turns back, at line " + std::to_string(s.line_start),
         "if " + Quote(s.code) + " should end sooner, close it there with {/" + s.code +
             "}; 'max_span_turns' in framework.yaml (now " +
             std::to_string(options_.max_span_turns) + ") sets how far '{/}' may reach",
         close_length);
  Report(Severity::kNote, "segment-spans-turns", o.tag_offset,
         Quote(s.code) + " opened here, " + std::to_string(back) + " turns before its '{/}'", {},
         static_cast<int>(CountCodePoints(s.code)));
}

void Parser::ParseBody(std::size_t pos, int line) {
  line_ = line;
  const char* data = bytes_.data();
  const std::size_t n = bytes_.size();
  while (pos < n) {
    const void* nl = std::memchr(data + pos, '\n', n - pos);
    const std::size_t eol = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - data) : n;
    // A CRLF line ending is a line ending: its CR belongs to no text.
    const std::size_t end = (eol > pos && data[eol - 1] == '\r') ? eol - 1 : eol;
    column_base_ = pos;
    std::size_t i = MatchLabel(pos, end);
    std::size_t chunk = i;
    while (i < end) {
      i = FindSpecial(data, i, end);
      if (i >= end) break;
      t_.text.append(data + chunk, i - chunk);
      const char c = data[i];
      if (c == '\\') {
        if (i + 1 < end && (data[i + 1] == '{' || data[i + 1] == '}' || data[i + 1] == '\\')) {
          t_.text.push_back(data[i + 1]);
          i += 2;
        } else {
          t_.text.push_back('\\');
          i += 1;
        }
      } else if (c == '}') {
        if (!CountedPastCap())
          Report(Severity::kError, "stray-brace", i, "stray '}' outside a code tag",
                 "write \\} for a literal brace");
        t_.text.push_back('}');
        i += 1;
      } else {  // '{'
        std::size_t j = i + 1;
        while (j < end && data[j] != '}' && data[j] != '{') ++j;
        if (j >= end || data[j] == '{') {
          if (!CountedPastCap())
            Report(Severity::kError, "stray-brace", i,
                   "'{' starts no code tag: no '}' follows it on this line",
                   "close the tag with '}' on the same line, or write \\{ for a literal brace");
          t_.text.push_back('{');
          i += 1;
        } else {
          HandleTag(i, j);
          i = j + 1;
        }
      }
      chunk = i;
    }
    t_.text.append(data + chunk, end - chunk);
    if (eol < n) t_.text.push_back('\n');
    pos = eol + 1;
    ++line_;
  }
  t_.line_count = line_ - 1;
}

void Parser::HandleTag(std::size_t open, std::size_t close) {
  std::string_view content = bytes_.substr(open + 1, close - open - 1);
  // Built only when an error is reported: this is the hot path.
  auto tag = [&] { return std::string(bytes_.substr(open, close - open + 1)); };
  auto tag_length = [&] {
    return static_cast<int>(CountCodePoints(bytes_.substr(open, close - open + 1)));
  };
  if (Trim(content).empty()) {
    Report(Severity::kError, "bad-tag", open, "empty tag " + Quote(tag()),
           "write \\{\\} for literal braces", tag_length());
    return;
  }
  if (content.front() == '/') {
    std::string_view raw = content.substr(1);
    std::string_view name = Trim(raw);
    std::size_t name_offset =
        open + 2 +
        static_cast<std::size_t>(raw.find_first_not_of(" \t") == std::string_view::npos
                                     ? 0
                                     : raw.find_first_not_of(" \t"));
    if (name.empty()) {
      AddSpan(BodySpan::Kind::kCloseAll, open, close + 1, {});
      if (open_codes_.empty()) {
        Report(Severity::kError, "close-without-open", open,
               "'{/}' closes nothing: no segment is open here",
               "remove it, or open a segment with {code} before it", tag_length());
        return;
      }
      // Close in order of opening, so segment order stays deterministic.
      for (std::size_t k = 0; k < open_.size(); ++k) {
        if (open_[k].closed) continue;
        WarnIfFarBack(open_[k], open, tag_length());
        CloseSegment(k, open);
      }
      CompactOpen();
      return;
    }
    if (!IsValidId(name, true)) {
      Report(Severity::kError, "bad-tag", open,
             Quote(tag()) + " is not a code tag: " + Quote(FirstInvalidIdChar(name, true)) +
                 " cannot appear in a code",
             "codes use letters, digits, '-', '_' and '.'; write \\{ and \\} for literal braces",
             tag_length());
      return;
    }
    std::string code = ToNfc(name);
    if (options_.spans) AddSpan(BodySpan::Kind::kClose, open, close + 1, {code});
    if (auto it = open_codes_.find(code); it != open_codes_.end()) {
      CloseSegment(it->second, open);
      if (closed_in_open_ > 16 && closed_in_open_ * 2 > open_.size()) CompactOpen();
      return;
    }
    std::vector<std::string> open_codes;
    if (ShowsMoreErrors()) {
      for (const Open& o : open_)
        if (!o.closed) open_codes.push_back(t_.segments[o.segment].code);
    }
    std::string hint;
    if (!ShowsMoreErrors()) {
      // Not shown: no hint to work out.
    } else if (open_codes.empty()) {
      hint = "no segment is open here; open it earlier with {" + code + "}";
    } else if (auto guess = Suggest(code, open_codes)) {
      hint = "did you mean {/" + *guess + "}?";
    } else {
      hint = "open here:";
      for (std::size_t k = 0; k < open_codes.size(); ++k) hint += (k ? ", " : " ") + open_codes[k];
    }
    Report(Severity::kError, "close-without-open", name_offset,
           Quote("{/" + code + "}") + " closes " + Quote(code) + ", which is not open", hint,
           static_cast<int>(CountCodePoints(name)));
    return;
  }

  // An opening tag: one or more codes separated by commas. Check them all before opening any.
  struct Piece {
    std::string_view name;
    std::size_t offset;
  };
  std::vector<Piece> pieces;
  std::size_t piece_start = 0;
  for (std::size_t k = 0; k <= content.size(); ++k) {
    if (k == content.size() || content[k] == ',') {
      std::string_view raw = content.substr(piece_start, k - piece_start);
      std::size_t lead = 0;
      while (lead < raw.size() && IsAsciiSpace(raw[lead])) ++lead;
      pieces.push_back({Trim(raw), open + 1 + piece_start + lead});
      piece_start = k + 1;
    }
  }
  for (const Piece& piece : pieces) {
    if (piece.name.empty()) {
      Report(Severity::kError, "bad-tag", open, "empty code in tag " + Quote(tag()),
             "separate codes with single commas: {a, b}", tag_length());
      return;
    }
    if (!IsValidId(piece.name, true)) {
      Report(Severity::kError, "bad-tag", open,
             Quote(tag()) + " is not a code tag: " + Quote(FirstInvalidIdChar(piece.name, true)) +
                 " cannot appear in a code",
             "codes use letters, digits, '-', '_' and '.'; write \\{ and \\} for literal braces",
             tag_length());
      return;
    }
  }
  if (options_.spans) {
    std::vector<std::string> codes;
    for (const Piece& piece : pieces) codes.push_back(ToNfc(piece.name));
    AddSpan(BodySpan::Kind::kOpen, open, close + 1, std::move(codes));
  }
  for (const Piece& piece : pieces) OpenCode(ToNfc(piece.name), piece.offset);
}

void Parser::OpenCode(std::string code, std::size_t offset) {
  const int length = static_cast<int>(CountCodePoints(code));
  if (auto it = open_codes_.find(code); it != open_codes_.end()) {
    const Segment& s = t_.segments[open_[it->second].segment];
    Report(Severity::kError, "code-already-open", offset,
           "code " + Quote(code) + " is already open",
           "it opened at line " + std::to_string(s.line_start) + "; close it with {/" + code +
               "} before opening it again",
           length);
    return;
  }
  Segment s;
  s.column = ColumnOf(offset);
  s.line_start = line_;
  s.turn = turn_;
  s.speaker = speaker_;
  s.text_begin = static_cast<std::uint32_t>(t_.text.size());
  if (options_.codes) {
    s.target = options_.codes->Resolve(code);
    if (!s.target.valid()) {
      auto guess =
          ShowsMoreErrors() ? Suggest(code, options_.codes->codes()) : std::optional<std::string>();
      Report(Severity::kError, "unknown-code", offset, "unknown code " + Quote(code),
             guess ? "did you mean '" + *guess + "'?"
                   : "add it to framework.yaml as 'theme.subtheme', or list it under a "
                     "sub-theme's 'codes:'",
             length);
    }
  }
  open_codes_.emplace(code, open_.size());
  s.code = std::move(code);
  open_.push_back({t_.segments.size(), offset});
  t_.segments.push_back(std::move(s));
  dropped_.push_back(false);
}

void Parser::CloseSegment(std::size_t open_index, std::size_t offset) {
  (void)offset;
  const Open o = open_[open_index];
  open_[open_index].closed = true;
  ++closed_in_open_;
  Segment& s = t_.segments[o.segment];
  open_codes_.erase(s.code);
  s.text_end = static_cast<std::uint32_t>(t_.text.size());
  s.line_end = line_;
  std::string_view text = std::string_view(t_.text).substr(s.text_begin, s.text_end - s.text_begin);
  if (Trim(text).empty()) {
    Report(Severity::kError, "empty-segment", o.tag_offset,
           "segment " + Quote(s.code) + " is empty",
           "code some text between {" + s.code + "} and its closing tag, or remove the tags",
           static_cast<int>(CountCodePoints(s.code)));
    dropped_[o.segment] = true;
  }
}

void Parser::CompactOpen() {
  std::size_t kept = 0;
  for (const Open& o : open_) {
    if (o.closed) continue;
    open_codes_[t_.segments[o.segment].code] = kept;
    open_[kept++] = o;
  }
  open_.resize(kept);
  closed_in_open_ = 0;
}

}  // namespace

Transcript ParseTranscript(std::string_view name, std::string_view bytes,
                           const ParseOptions& options, Diagnostics& diagnostics) {
  Parser parser(name, bytes, options, diagnostics);
  return parser.Run();
}

}  // namespace framework
