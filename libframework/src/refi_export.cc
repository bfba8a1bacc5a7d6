#include "framework/refi_export.h"

#include <fcntl.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>
#include <zip.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string_view>

#include "framework/chart.h"
#include "framework/export.h"
#include "framework/file_system.h"
#include "framework/matrix.h"
#include "framework/text.h"

namespace framework {

std::string DerivedGuid(const std::string& key) {
  std::string hex = HashHex("guid-a\x1f" + key) + HashHex("guid-b\x1f" + key);
  static const char* kHex = "0123456789abcdef";
  hex[12] = '8';  // version: RFC 9562 "custom" (derived, not random)
  const int variant = (hex[16] >= 'a' ? hex[16] - 'a' + 10 : hex[16] - '0');
  hex[16] = kHex[(variant & 0x3) | 0x8];  // variant: 10xx
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::vector<std::size_t> CodePointOffsets(const std::string& text,
                                          const std::vector<std::size_t>& offsets) {
  std::vector<std::size_t> out;
  out.reserve(offsets.size());
  std::size_t pos = 0, count = 0;
  for (std::size_t target : offsets) {
    target = std::min(target, text.size());
    for (; pos < target; ++pos)
      if ((static_cast<unsigned char>(text[pos]) & 0xC0) != 0x80) ++count;
    out.push_back(count);
  }
  return out;
}

namespace {

std::string ErrorText(int err) {
  std::string text = std::strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// project.qde as it is made, element by element, never held as a tree: appended to a string, or
// written to a file in 64 KiB pieces (the first error kept). The layout is pugixml's
// format_indent with two spaces, byte for byte (the export's bytes predate this writer): each
// element on its own line, indented by its depth; one without content as `<a x="1" />`, one
// with text as `<a>text</a>`; a newline at the end.
//
// Text and attribute values are made safe for XML 1.0 first: valid UTF-8, and no code point XML
// forbids (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF), each replaced by U+FFFD. Then
// escaped as pugixml escapes: & and < everywhere, > in text, " in attributes, and tab, LF and
// CR in attributes as character references.
class XmlOut {
 public:
  explicit XmlOut(std::string* text) : text_(text) {}
  explicit XmlOut(int fd) : fd_(fd) { buffer_.reserve(kChunk + 4096); }
  XmlOut(const XmlOut&) = delete;
  XmlOut& operator=(const XmlOut&) = delete;

  void Declaration() { Put("<?xml version=\"1.0\" encoding=\"utf-8\"?>"); }
  // Begins element `name` (a child of the open one); attributes follow, then its children.
  void Start(std::string_view name) {
    if (tag_open_) Put(">");
    Put("\n");
    for (std::size_t i = 0; i < names_.size(); ++i) Put("  ");
    Put("<");
    Put(name);
    names_.push_back(name);
    tag_open_ = true;
  }
  void Attr(std::string_view name, std::string_view value) {
    AttrName(name);
    PutSafe(value, true);
    Put("\"");
  }
  void Attr(std::string_view name, std::size_t value) { Attr(name, std::to_string(value)); }
  // An attribute whose value is `text` as CollapseWhitespace makes it, `text` being ASCII (so
  // NFC already): written as it is collapsed, never copied whole.
  void CollapsedAsciiAttr(std::string_view name, std::string_view text);
  // Ends the element begun last.
  void End() {
    if (tag_open_) {
      Put(" />");
      tag_open_ = false;
    } else {
      Put("\n");
      for (std::size_t i = 1; i < names_.size(); ++i) Put("  ");
      Put("</");
      Put(names_.back());
      Put(">");
    }
    names_.pop_back();
  }
  // A child element holding `text` only.
  void Text(std::string_view name, std::string_view text) {
    Start(name);
    Put(">");
    tag_open_ = false;
    PutSafe(text, false);
    Put("</");
    Put(name);
    Put(">");
    names_.pop_back();
  }
  // An empty child element with one attribute ("NoteRef", "targetGUID", guid).
  void Ref(std::string_view name, std::string_view guid) {
    Start(name);
    Attr("targetGUID", guid);
    End();
  }
  // The document's closing newline, and every byte out. Returns the first error, or "".
  std::string Finish() {
    Put("\n");
    Flush();
    return error_;
  }
  std::uint64_t size() const { return size_; }

 private:
  static constexpr std::size_t kChunk = 1 << 16;

  void AttrName(std::string_view name) {
    Put(" ");
    Put(name);
    Put("=\"");
  }
  void Put(std::string_view s) {
    size_ += s.size();
    if (text_) {
      text_->append(s);
      return;
    }
    buffer_.append(s);
    if (buffer_.size() >= kChunk) Flush();
  }
  void Flush() {
    if (text_ || buffer_.empty()) return;
    const char* p = buffer_.data();
    std::size_t left = buffer_.size();
    while (left > 0 && error_.empty()) {
      const ssize_t n = ::write(fd_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error_ = ErrorText(n < 0 ? errno : EIO);
        break;
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    buffer_.clear();
  }
  // `text` made safe for XML (see the class comment) and escaped.
  void PutSafe(std::string_view text, bool attr) {
    if (!IsValidUtf8(text)) {
      const std::string valid = SanitizeUtf8(text);
      PutValid(valid, attr);
    } else {
      PutValid(text, attr);
    }
  }
  void PutValid(std::string_view s, bool attr) {
    std::size_t run = 0;  // start of the bytes not written yet
    for (std::size_t i = 0; i < s.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      std::string_view replacement;
      std::size_t skip = 0;
      if (c < 0x20) {
        if (c != '\t' && c != '\n' && c != '\r')
          replacement = "\xEF\xBF\xBD";
        else if (attr)
          replacement = c == '\t' ? "&#09;" : c == '\n' ? "&#10;" : "&#13;";
      } else if (c == '&') {
        replacement = "&amp;";
      } else if (c == '<') {
        replacement = "&lt;";
      } else if (c == '>' && !attr) {
        replacement = "&gt;";
      } else if (c == '"' && attr) {
        replacement = "&quot;";
      } else if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBF &&
                 (static_cast<unsigned char>(s[i + 2]) == 0xBE ||
                  static_cast<unsigned char>(s[i + 2]) == 0xBF)) {
        replacement = "\xEF\xBF\xBD";
        skip = 2;
      }
      if (replacement.empty()) continue;
      Put(s.substr(run, i - run));
      Put(replacement);
      i += skip;
      run = i + 1;
    }
    Put(s.substr(run));
  }

  std::string* text_ = nullptr;
  int fd_ = -1;
  std::string buffer_;
  std::string error_;
  std::uint64_t size_ = 0;
  std::vector<std::string_view> names_;  // the open elements (names are literals)
  bool tag_open_ = false;                // the last start tag still lacks its '>'
};

void XmlOut::CollapsedAsciiAttr(std::string_view name, std::string_view text) {
  AttrName(name);
  std::string piece;
  piece.reserve(kChunk + 8);
  ForEachCollapsedByte(text, [&](char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20)
      piece += "\xEF\xBF\xBD";
    else if (c == '&')
      piece += "&amp;";
    else if (c == '<')
      piece += "&lt;";
    else if (c == '"')
      piece += "&quot;";
    else
      piece.push_back(c);
    if (piece.size() >= kChunk) {
      Put(piece);
      piece.clear();
    }
  });
  Put(piece);
  Put("\"");
}

// "Label\n\ndescription": the convention that carries a theme's or sub-theme's label and
// description in one Description (an empty first paragraph when there is no label).
std::string CodeDescription(const std::string& label, const std::string& description) {
  if (description.empty()) return label;
  return label + "\n\n" + description;
}

std::string_view VariableType(AttributeType type) {
  switch (type) {
    case AttributeType::kInteger:
      return "Integer";
    case AttributeType::kNumber:
      return "Float";
    case AttributeType::kBoolean:
      return "Boolean";
    case AttributeType::kDate:
      return "Date";
    case AttributeType::kCategory:
    case AttributeType::kString:
      break;
  }
  return "Text";
}

bool IsXsdInteger(std::string_view v) {
  std::size_t i = (!v.empty() && (v[0] == '+' || v[0] == '-')) ? 1 : 0;
  if (i >= v.size()) return false;
  for (; i < v.size(); ++i)
    if (v[i] < '0' || v[i] > '9') return false;
  return true;
}

bool IsXsdDecimal(std::string_view v) {
  std::size_t i = (!v.empty() && (v[0] == '+' || v[0] == '-')) ? 1 : 0;
  bool digits = false, dot = false;
  for (; i < v.size(); ++i) {
    if (v[i] >= '0' && v[i] <= '9') {
      digits = true;
    } else if (v[i] == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digits;
}

bool IsXsdDate(std::string_view v) {
  if (v.size() != 10 || v[4] != '-' || v[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (v[i] < '0' || v[i] > '9') return false;
  return true;
}

// The value element of an attribute value, typed as its Variable says, or nothing (with the
// reason in *why) when the value has no lexical form the schema accepts.
bool AddTypedValue(XmlOut& out, const AttributeDef& def, const std::string& value,
                   std::string* why) {
  switch (def.type) {
    case AttributeType::kInteger:
      if (!IsXsdInteger(value)) break;
      out.Text("IntegerValue", value);
      return true;
    case AttributeType::kNumber: {
      if (IsXsdDecimal(value)) {
        out.Text("FloatValue", value);
        return true;
      }
      // xsd:decimal has no exponent: write 1e3 as 1000.
      char* end = nullptr;
      const double d = std::strtod(value.c_str(), &end);
      if (value.empty() || !end || *end != '\0' || !std::isfinite(d)) break;
      char buffer[400];
      auto [ptr, ec] = std::to_chars(buffer, buffer + sizeof buffer, d, std::chars_format::fixed);
      if (ec != std::errc()) break;
      out.Text("FloatValue", std::string_view(buffer, static_cast<std::size_t>(ptr - buffer)));
      return true;
    }
    case AttributeType::kBoolean:
      if (value != "true" && value != "false") break;
      out.Text("BooleanValue", value);
      return true;
    case AttributeType::kDate:
      if (!IsXsdDate(value)) break;
      out.Text("DateValue", value);
      return true;
    case AttributeType::kCategory:
    case AttributeType::kString:
      out.Text("TextValue", value);
      return true;
  }
  *why = "'" + value + "' is not a valid " + std::string(AttributeTypeName(def.type));
  return false;
}

// The transcript's display name in other tools: its path under the transcripts folder, without
// the .txt extension ("P07", "site-a/P07").
std::string SourceName(const Study& study, const Transcript& t) {
  std::string name = t.path;
  std::string dir = study.framework.transcripts;
  if (!dir.empty() && dir.back() != '/') dir += '/';
  if (!dir.empty() && dir.find_first_of("*?[") == std::string::npos &&
      name.compare(0, dir.size(), dir) == 0)
    name = name.substr(dir.size());
  else if (auto slash = name.rfind('/'); slash != std::string::npos)
    name = name.substr(slash + 1);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".txt") == 0)
    name.resize(name.size() - 4);
  return name;
}

// The first line of the transcript file that `text` begins with (front matter counted).
int FirstBodyLine(const Transcript& t) {
  const auto newlines = static_cast<int>(std::count(t.text.begin(), t.text.end(), '\n'));
  int first = t.line_count - newlines + (!t.text.empty() && t.text.back() == '\n' ? 1 : 0);
  return std::max(first, 1);
}

// The TextSource's Description: where the text comes from, then the transcript's own front
// matter (participant and date when it gave them, the speakers it declares beyond the study's,
// its other keys) between `---` lines, so the transcript can be written back whole.
std::string SourceDescription(const Framework& f, const Transcript& t) {
  YAML::Emitter e;
  e << YAML::BeginMap;
  if (t.participant_from_front_matter)
    e << YAML::Key << "participant" << YAML::Value << YAML::DoubleQuoted << t.participant;
  if (!t.date.empty()) e << YAML::Key << "date" << YAML::Value << YAML::DoubleQuoted << t.date;
  std::vector<const Speaker*> own;
  for (const Speaker& s : t.speakers) {
    if (s.label == t.participant && s.role == SpeakerRole::kParticipant) continue;
    const bool from_study =
        std::any_of(f.speakers.begin(), f.speakers.end(),
                    [&](const Speaker& x) { return x.label == s.label && x.role == s.role; });
    if (!from_study) own.push_back(&s);
  }
  if (!own.empty()) {
    e << YAML::Key << "speakers" << YAML::Value << YAML::Flow << YAML::BeginMap;
    for (const Speaker* s : own)
      e << YAML::Key << s->label << YAML::Value << std::string(SpeakerRoleName(s->role));
    e << YAML::EndMap;
  }
  for (const auto& [key, value] : t.metadata)
    e << YAML::Key << key << YAML::Value << YAML::DoubleQuoted << value;
  e << YAML::EndMap;
  std::string out = "Transcript " + t.path + "; line 1 of this text is line " +
                    std::to_string(FirstBodyLine(t)) +
                    " of the file (line references in chart summaries count the file's lines).";
  const std::string yaml = e.good() ? e.c_str() : "";
  if (!yaml.empty() && yaml != "{}") out += " Its front matter:\n---\n" + yaml + "\n---";
  return out;
}

// The study's settings that belong to no theme, participant or transcript, as framework.yaml
// writes them, for a project-level note.
std::string SettingsYaml(const Framework& f) {
  YAML::Emitter e;
  e << YAML::BeginMap;
  e << YAML::Key << "title" << YAML::Value << YAML::DoubleQuoted << f.title;
  if (!f.speakers.empty()) {
    e << YAML::Key << "speakers" << YAML::Value << YAML::Flow << YAML::BeginMap;
    for (const Speaker& s : f.speakers)
      e << YAML::Key << s.label << YAML::Value << std::string(SpeakerRoleName(s.role));
    e << YAML::EndMap;
  }
  e << YAML::Key << "attribution" << YAML::Value << YAML::DoubleQuoted << f.attribution;
  e << YAML::Key << "min_group" << YAML::Value << f.min_group;
  e << YAML::EndMap;
  return std::string(e.good() ? e.c_str() : "") + "\n";
}

// A transcript's source text: the parsed text with the speaker label put back where each turn
// begins. Never built whole: `PlainPieces` yields it piece by piece. `Shift` maps a byte offset
// of `t.text` to one of the source text.
struct PlainSource {
  std::vector<std::size_t> at;     // offsets of `t.text` where a label was inserted, ascending
  std::vector<std::size_t> total;  // bytes inserted up to and including each of them
  std::size_t size = 0;            // bytes of the source text

  std::size_t Shift(std::size_t offset) const {
    // A label stands before whatever begins at its turn's offset (a tag right after "P07:").
    auto it = std::upper_bound(at.begin(), at.end(), offset);
    return it == at.begin() ? offset
                            : offset + total[static_cast<std::size_t>(it - at.begin()) - 1];
  }
};

// The source text's pieces in order: runs of `t.text`, and between them "label:" where a turn
// of a known speaker begins (turns out of order are skipped).
class PlainPieces {
 public:
  explicit PlainPieces(const Transcript& t) : t_(t) {}
  // The next piece (never empty), valid until the next call; false at the end.
  bool Next(std::string_view* piece) {
    const std::string_view text(t_.text);
    for (;;) {
      if (label_pending_) {
        label_pending_ = false;
        *piece = label_;
        return true;
      }
      if (turn_ < t_.turns.size()) {
        const Turn& turn = t_.turns[turn_++];
        if (turn.speaker < 0 || static_cast<std::size_t>(turn.speaker) >= t_.speakers.size())
          continue;
        const std::size_t at = std::min<std::size_t>(turn.text_begin, text.size());
        if (at < pos_) continue;
        label_ = t_.speakers[static_cast<std::size_t>(turn.speaker)].label + ":";
        label_pending_ = true;
        *piece = text.substr(pos_, at - pos_);
        pos_ = at;
        if (!piece->empty()) return true;
        continue;
      }
      if (done_) return false;
      done_ = true;
      *piece = text.substr(pos_);
      if (!piece->empty()) return true;
    }
  }

 private:
  const Transcript& t_;
  std::size_t turn_ = 0, pos_ = 0;
  std::string label_;
  bool label_pending_ = false, done_ = false;
};

PlainSource MakePlainSource(const Transcript& t) {
  PlainSource out;
  std::size_t pos = 0, inserted = 0;
  for (const Turn& turn : t.turns) {
    if (turn.speaker < 0 || static_cast<std::size_t>(turn.speaker) >= t.speakers.size()) continue;
    const std::size_t at = std::min<std::size_t>(turn.text_begin, t.text.size());
    if (at < pos) continue;
    inserted += t.speakers[static_cast<std::size_t>(turn.speaker)].label.size() + 1;
    out.at.push_back(at);
    out.total.push_back(inserted);
    pos = at;
  }
  out.size = t.text.size() + inserted;
  return out;
}

// The whole source text (for BuildRefiProject; the file export streams it).
std::string PlainSourceText(const Transcript& t, std::size_t size) {
  std::string out;
  out.reserve(size);
  PlainPieces pieces(t);
  for (std::string_view piece; pieces.Next(&piece);) out.append(piece);
  return out;
}

// CodePointOffsets over the source text, read piece by piece.
std::vector<std::size_t> SourceCodePoints(const Transcript& t, std::size_t size,
                                          const std::vector<std::size_t>& offsets) {
  std::vector<std::size_t> out;
  out.reserve(offsets.size());
  PlainPieces pieces(t);
  std::string_view piece;
  std::size_t base = 0;  // offset of `piece` in the source text
  bool have = pieces.Next(&piece);
  std::size_t pos = 0, count = 0;
  for (std::size_t target : offsets) {
    target = std::min(target, size);
    while (pos < target && have) {
      if (pos >= base + piece.size()) {
        base += piece.size();
        have = pieces.Next(&piece);
        continue;
      }
      const std::size_t end = std::min(target, base + piece.size());
      for (; pos < end; ++pos)
        if ((static_cast<unsigned char>(piece[pos - base]) & 0xC0) != 0x80) ++count;
    }
    out.push_back(count);
  }
  return out;
}

// What the record of one chart entry says in the matrix note: its summary, else a count.

std::string CellLine(const Subtheme* subtheme, const std::string& subtheme_id, std::size_t segments,
                     const ChartCell* chart, bool stale) {
  std::string heading = subtheme && !subtheme->label.empty()
                            ? subtheme->label + " (" + subtheme_id + ")"
                            : subtheme_id;
  std::string line = "  " + heading;
  if (chart && !chart->summary.empty()) {
    line += " [" + std::string(ChartStatusName(chart->status));
    if (stale) line += ", stale";
    line += "]: " + CollapseWhitespace(chart->summary);
  } else if (segments > 0) {
    const std::size_t n = segments;
    line += ": not charted (" + std::to_string(n) + (n == 1 ? " excerpt)" : " excerpts)");
  } else {
    return {};
  }
  return line;
}

// A theme's matrix as the notes see it, as ChartedMatrices would give it but without the
// segments' texts and without copies of the chart entries: each cell's number of segments and
// source, and its chart entry, pointing into the study's charts.
struct NoteMatrix {
  Matrix m;  // its rows and columns only (a MatrixCell holds room for a whole chart entry)
  std::vector<std::vector<std::size_t>> counts;       // [row][column]: segments
  std::vector<std::vector<std::string>> sources;      // [row][column]: MatrixCell::source
  std::vector<std::vector<const ChartCell*>> charts;  // [row][column]: the chart entry, if any
  std::vector<const ChartCell*> orphans;  // entries whose participant or sub-theme is gone

  // The chart entry was written from other coded text than the cell has now (MatrixCell::stale).
  bool Stale(std::size_t r, std::size_t c) const {
    const ChartCell* chart = charts[r][c];
    return chart && !chart->source.empty() && chart->source != sources[r][c];
  }
};

// Every theme's NoteMatrix; chart entries attached as AttachChart attaches them (the first for
// a cell; a second, or one for an unknown row or column, among the orphans).
std::vector<NoteMatrix> NoteMatrices(const Study& study) {
  std::vector<std::vector<std::vector<std::size_t>>> counts;
  std::vector<Matrix> matrices = IndexThemeCounts(study, &counts);
  std::vector<NoteMatrix> out(matrices.size());
  for (std::size_t i = 0; i < matrices.size(); ++i) {
    NoteMatrix& n = out[i];
    n.m = std::move(matrices[i]);
    n.counts = std::move(counts[i]);
    for (const auto& row : n.m.cells) n.charts.emplace_back(row.size(), nullptr);
    for (const Chart& chart : study.charts) {
      if (chart.theme != n.m.theme) continue;
      for (const ChartCell& c : chart.cells) {
        const int r = n.m.Row(c.participant), col = n.m.Column(c.subtheme);
        const ChartCell** slot =
            r >= 0 && col >= 0
                ? &n.charts[static_cast<std::size_t>(r)][static_cast<std::size_t>(col)]
                : nullptr;
        if (slot && !*slot)
          *slot = &c;
        else
          n.orphans.push_back(&c);
      }
    }
    for (auto& row : n.m.cells) {
      n.sources.emplace_back();
      for (MatrixCell& cell : row) n.sources.back().push_back(std::move(cell.source));
    }
    std::vector<std::vector<MatrixCell>>().swap(n.m.cells);
  }
  return out;
}

std::string MatrixRecord(const Theme& theme, const NoteMatrix& n) {
  const Matrix& m = n.m;
  std::string out =
      "Matrix: " + (theme.label.empty() ? theme.id : theme.label) + " (" + theme.id + ")\n";
  out +=
      "Rows are participants, columns sub-themes. Each entry holds the chart summary, or the "
      "number of coded excerpts when the cell is not charted yet. Line references (L12-14) count "
      "the lines of the transcript files.\n";
  for (std::size_t r = 0; r < m.participants.size(); ++r) {
    std::string rows;
    for (std::size_t c = 0; c < m.subthemes.size() && c < n.counts[r].size(); ++c) {
      const Subtheme* sub = c < theme.subthemes.size() ? &theme.subthemes[c] : nullptr;
      std::string line =
          CellLine(sub, m.subthemes[c], n.counts[r][c], n.charts[r][c], n.Stale(r, c));
      if (!line.empty()) rows += line + "\n";
    }
    out += "\n" + m.participants[r] + "\n" + (rows.empty() ? "  (no data)\n" : rows);
  }
  if (!n.orphans.empty()) {
    out += "\nChart entries whose participant or sub-theme is no longer in the study:\n";
    for (const ChartCell* c : n.orphans)
      out +=
          "  " + c->participant + ", " + c->subtheme + ": " + CollapseWhitespace(c->summary) + "\n";
  }
  return out;
}

// A chart entry's fields besides its summary, as YAML, for its Note's Description: everything
// a chart file holds for it, so the entry can be written back whole.
std::string ChartEntryDescription(const std::string& theme, const ChartCell& c, bool stale) {
  YAML::Emitter e;
  e << YAML::BeginMap;
  e << YAML::Key << "participant" << YAML::Value << YAML::DoubleQuoted << c.participant;
  e << YAML::Key << "theme" << YAML::Value << YAML::DoubleQuoted << theme;
  e << YAML::Key << "subtheme" << YAML::Value << YAML::DoubleQuoted << c.subtheme;
  e << YAML::Key << "status" << YAML::Value << std::string(ChartStatusName(c.status));
  if (stale) e << YAML::Key << "stale" << YAML::Value << true;
  if (!c.refs.empty()) {
    e << YAML::Key << "refs" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const std::string& r : c.refs) e << r;
    e << YAML::EndSeq;
  }
  if (!c.source.empty())
    e << YAML::Key << "source" << YAML::Value << YAML::DoubleQuoted << c.source;
  if (!c.at.empty()) {
    e << YAML::Key << "at" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const std::string& r : c.at) e << r;
    e << YAML::EndSeq;
  }
  if (!c.updated.empty())
    e << YAML::Key << "updated" << YAML::Value << YAML::DoubleQuoted << c.updated;
  if (!c.comment.empty())
    e << YAML::Key << "comment" << YAML::Value << YAML::DoubleQuoted << c.comment;
  e << YAML::EndMap;
  return e.good() ? e.c_str() : "";
}
// A set of GUIDs as 128-bit numbers in one open-addressed table (16 bytes a slot, linear
// probing, at most seven eighths full): a million coded segments make two million GUIDs, which
// as a std::set of strings took a quarter of a gigabyte.
class GuidSet {
 public:
  // Adds `guid` (8-4-4-4-12 hex, as DerivedGuid makes it); false when it was there already.
  bool Insert(std::string_view guid) {
    const Key key = Parse(guid);
    if ((count_ + 1) * 8 > slots_.size() * 7) Grow();
    std::size_t i = Slot(key);
    for (; slots_[i] != Key{}; i = (i + 1) & (slots_.size() - 1))
      if (slots_[i] == key) return false;
    slots_[i] = key;
    ++count_;
    return true;
  }

 private:
  using Key = std::array<std::uint64_t, 2>;  // {0, 0} marks a free slot (no GUID is all zero)

  static Key Parse(std::string_view guid) {
    Key key{};
    int digits = 0;
    for (char c : guid) {
      const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (v < 0) continue;
      std::uint64_t& half = key[digits < 16 ? 0 : 1];
      half = (half << 4) | static_cast<std::uint64_t>(v);
      ++digits;
    }
    return key;
  }
  std::size_t Slot(const Key& key) const {
    return static_cast<std::size_t>((key[0] ^ (key[1] * 0x9E3779B97F4A7C15ull)) &
                                    (slots_.size() - 1));
  }
  void Grow() {
    std::vector<Key> old = std::move(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, Key{});
    for (const Key& key : old) {
      if (key == Key{}) continue;
      std::size_t i = Slot(key);
      while (slots_[i] != Key{}) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = key;
    }
  }

  std::vector<Key> slots_;
  std::size_t count_ = 0;
};

// GUIDs derived from the study's title, each made once: a study with errors may repeat an id
// (two themes, two cells), and a repeated key gets a numbered variant, so GUIDs stay unique.
class FreshGuids {
 public:
  explicit FreshGuids(std::string title) : title_(std::move(title)) {}
  std::string operator()(const std::string& kind, const std::string& id) {
    std::string g = Guid(kind, id);
    for (int n = 2; !used_.Insert(g); ++n) g = Guid(kind, id + "\x1f" + std::to_string(n));
    return g;
  }

 private:
  std::string Guid(const std::string& kind, const std::string& id) const {
    return DerivedGuid(title_ + "\x1f" + kind + "\x1f" + id);
  }
  std::string title_;
  GuidSet used_;
};

// A Note to write: chart entries, matrix records and the settings.
// Its texts are made only when the Notes are written (chart entries are as large as the charts
// are, and they are in the study already).
struct NoteOut {
  enum class Kind { kSettings, kMatrix, kEntry };
  std::string guid;
  Kind kind = Kind::kSettings;
  std::size_t theme = 0;            // kMatrix, kEntry: the index of its theme
  const ChartCell* cell = nullptr;  // kEntry
  bool stale = false;               // kEntry
};

// The document's declaration, the start of its Project element, and the one user.
void StartProject(XmlOut& out, const std::string& title, const RefiExportOptions& options,
                  const std::string& user) {
  out.Declaration();
  out.Start("Project");
  out.Attr("xmlns", "urn:QDA-XML:project:1.0");
  out.Attr("name", title);
  out.Attr("origin", options.origin);
  out.Attr("creatingUserGUID", user);
  out.Start("Users");
  out.Start("User");
  out.Attr("guid", user);
  out.Attr("name", "framework");
  out.End();
  out.End();
}

// GUIDs of the code tree; a code as written resolves as the CodeIndex does (first wins).
void MakeCodeGuids(const Framework& f, FreshGuids& fresh, std::vector<std::string>& theme_guids,
                   std::vector<std::vector<std::string>>& subtheme_guids,
                   std::vector<std::vector<std::vector<std::string>>>& alias_guids,
                   std::map<std::string, std::string>& code_guid) {
  for (const Theme& t : f.themes) {
    theme_guids.push_back(fresh("theme", t.id));
    subtheme_guids.emplace_back();
    alias_guids.emplace_back();
    for (const Subtheme& s : t.subthemes) {
      subtheme_guids.back().push_back(fresh("code", t.id + "." + s.id));
      code_guid.emplace(t.id + "." + s.id, subtheme_guids.back().back());
      alias_guids.back().emplace_back();
      for (const std::string& alias : s.codes) {
        alias_guids.back().back().push_back(fresh("code", alias));
        code_guid.emplace(alias, alias_guids.back().back().back());
      }
    }
  }
}

// Participants (declared, or with a transcript), in natural order, each once.
std::vector<std::string> ParticipantIds(const Study& study) {
  std::vector<std::string> ids;
  for (const Participant& p : study.participants.participants) ids.push_back(p.id);
  for (const Transcript& t : study.transcripts)
    if (!t.participant.empty()) ids.push_back(t.participant);
  std::sort(ids.begin(), ids.end(),
            [](const std::string& a, const std::string& b) { return NaturalLess(a, b); });
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// Per theme, its matrix record, then its chart entries by participant (natural order), then
// sub-theme; each referenced from its code (`notes_of_code`) and its participant.
void AddChartNotes(const Framework& f, const std::vector<NoteMatrix>& matrices,
                   const std::vector<std::string>& theme_guids,
                   const std::vector<std::vector<std::string>>& subtheme_guids, FreshGuids& fresh,
                   std::vector<NoteOut>& notes,
                   std::map<std::string, std::vector<std::string>>& notes_of_code,
                   std::map<std::string, std::vector<std::string>>& notes_of_participant) {
  for (std::size_t i = 0; i < matrices.size(); ++i) {
    const NoteMatrix& n = matrices[i];
    const Matrix& m = n.m;
    const Theme& theme = f.themes[i];
    const std::string& theme_code = theme_guids[i];
    NoteOut record{fresh("matrix", theme.id), NoteOut::Kind::kMatrix, i};
    notes_of_code[theme_code].push_back(record.guid);
    notes.push_back(std::move(record));

    auto add_entry = [&](const ChartCell& c, bool stale, const std::string& code) {
      if (Trim(c.summary).empty() && Trim(c.comment).empty()) return;
      NoteOut note{fresh("summary", theme.id + "\x1f" + c.participant + "\x1f" + c.subtheme),
                   NoteOut::Kind::kEntry, i, &c, stale};
      notes_of_code[code].push_back(note.guid);
      notes_of_participant[c.participant].push_back(note.guid);
      notes.push_back(std::move(note));
    };
    for (std::size_t r = 0; r < m.participants.size(); ++r)
      for (std::size_t c = 0; c < m.subthemes.size() && c < n.counts[r].size(); ++c) {
        if (!n.charts[r][c]) continue;
        add_entry(*n.charts[r][c], n.Stale(r, c), subtheme_guids[i][c]);
      }
    // Entries whose participant or sub-theme is gone: kept, as notes on the theme.
    for (const ChartCell* c : n.orphans) add_entry(*c, false, theme_code);
  }
}

// The code tree: theme > sub-theme > alias.
void AddCodeBook(XmlOut& out, const Framework& f, const std::vector<std::string>& theme_guids,
                 const std::vector<std::vector<std::string>>& subtheme_guids,
                 const std::vector<std::vector<std::vector<std::string>>>& alias_guids,
                 const std::map<std::string, std::vector<std::string>>& notes_of_code,
                 RefiProject& result) {
  if (f.themes.empty()) return;
  out.Start("CodeBook");
  out.Start("Codes");
  auto add_notes = [&](const std::string& code) {
    auto it = notes_of_code.find(code);
    if (it == notes_of_code.end()) return;
    for (const std::string& n : it->second) out.Ref("NoteRef", n);
  };
  for (std::size_t ti = 0; ti < f.themes.size(); ++ti) {
    const Theme& t = f.themes[ti];
    out.Start("Code");
    out.Attr("guid", theme_guids[ti]);
    out.Attr("name", t.id);
    out.Attr("isCodable", "false");
    std::string d = CodeDescription(t.label, t.description);
    if (!d.empty()) out.Text("Description", d);
    add_notes(theme_guids[ti]);
    ++result.codes;
    for (std::size_t si = 0; si < t.subthemes.size(); ++si) {
      const Subtheme& s = t.subthemes[si];
      out.Start("Code");
      out.Attr("guid", subtheme_guids[ti][si]);
      out.Attr("name", s.id);
      out.Attr("isCodable", "true");
      d = CodeDescription(s.label, s.description);
      if (!d.empty()) out.Text("Description", d);
      add_notes(subtheme_guids[ti][si]);
      ++result.codes;
      for (std::size_t ai = 0; ai < s.codes.size(); ++ai) {
        out.Start("Code");
        out.Attr("guid", alias_guids[ti][si][ai]);
        out.Attr("name", s.codes[ai]);
        out.Attr("isCodable", "true");
        out.Text("Description", "An alias of " + t.id + "." + s.id + ".");
        out.End();
        ++result.codes;
      }
      out.End();
    }
    out.End();
  }
  out.End();
  out.End();
}

// Variables: one per declared attribute.
void AddVariables(XmlOut& out, const std::vector<AttributeDef>& defs,
                  const std::vector<std::string>& variable_guids) {
  if (defs.empty()) return;
  out.Start("Variables");
  for (std::size_t a = 0; a < defs.size(); ++a) {
    const AttributeDef& def = defs[a];
    out.Start("Variable");
    out.Attr("guid", variable_guids[a]);
    out.Attr("name", def.name);
    out.Attr("typeOfVariable", VariableType(def.type));
    std::string d = def.description;
    if (def.type == AttributeType::kCategory) {
      if (!d.empty()) d += "\n\n";
      d += "values:";
      for (const std::string& value : def.values) d += "\n- " + value;
    }
    if (!d.empty()) out.Text("Description", d);
    out.End();
  }
  out.End();
}

// Which transcripts make it into the project (valid UTF-8 only: a source must be UTF-8).
std::vector<const Transcript*> ExportedTranscripts(const Study& study, RefiProject& result) {
  std::vector<const Transcript*> transcripts;
  for (const Transcript& t : study.transcripts) {
    if (!IsValidUtf8(t.text)) {
      result.skipped.push_back(t.path +
                               ": not valid UTF-8, so not exported (fix it: 'framework "
                               "check' shows where)");
      continue;
    }
    transcripts.push_back(&t);
  }
  return transcripts;
}

// Cases: every participant, each with its attribute values and sources.
void AddCases(XmlOut& out, const Study& study, const std::vector<std::string>& ids,
              std::map<std::string, std::string>& case_guid,
              const std::vector<std::string>& variable_guids,
              const std::vector<const Transcript*>& transcripts,
              std::map<const Transcript*, std::string>& source_guids, RefiProject& result) {
  const std::vector<AttributeDef>& defs = study.participants.attributes;
  if (ids.empty()) return;
  out.Start("Cases");
  for (const std::string& id : ids) {
    out.Start("Case");
    out.Attr("guid", case_guid[id]);
    out.Attr("name", id);
    const int p = study.participants.Find(id);
    if (p >= 0) {
      const Participant& row = study.participants.participants[static_cast<std::size_t>(p)];
      for (std::size_t a = 0; a < defs.size() && a < row.values.size(); ++a) {
        if (!row.values[a]) continue;
        out.Start("VariableValue");
        out.Ref("VariableRef", variable_guids[a]);
        std::string why;
        if (!AddTypedValue(out, defs[a], *row.values[a], &why)) {
          result.skipped.push_back("participant " + id + ", attribute " + defs[a].name + ": " +
                                   why + "; exported without a value");
        }
        out.End();
      }
    }
    for (const Transcript* t : transcripts)
      if (t->participant == id) out.Ref("SourceRef", source_guids[t]);
    out.End();
    ++result.cases;
  }
  out.End();
}

// An archive entry besides project.qde: a transcript's source text, made when it is packed.
struct SourceEntry {
  std::string name;  // "sources/<guid>.txt"
  const Transcript* transcript = nullptr;
  std::size_t size = 0;
};

// A selection's name: the segment's text as SegmentText gives it. An ASCII segment (a 200 MB
// line, say) is collapsed as it is written instead of copied.
void SelectionName(XmlOut& out, const Transcript& t, const Segment& s) {
  if (s.text_end <= t.text.size() && s.text_begin <= s.text_end) {
    const std::string_view text =
        std::string_view(t.text).substr(s.text_begin, s.text_end - s.text_begin);
    if (IsAscii(text)) {
      out.CollapsedAsciiAttr("name", text);
      return;
    }
  }
  out.Attr("name", t.SegmentText(s));
}

// Sources: one TextSource per transcript, a PlainTextSelection per segment.
void AddSources(XmlOut& out, const Study& study, const std::vector<const Transcript*>& transcripts,
                std::map<const Transcript*, std::string>& source_guids,
                const std::map<std::string, std::string>& code_guid,
                const std::map<std::string, std::vector<std::string>>& notes_of_participant,
                const std::string& user, FreshGuids& fresh, std::vector<SourceEntry>& entries,
                RefiProject& result) {
  const Framework& f = study.framework;
  if (transcripts.empty()) return;
  out.Start("Sources");
  for (const Transcript* tp : transcripts) {
    const Transcript& t = *tp;
    const std::string sg = source_guids[&t];
    const PlainSource src = MakePlainSource(t);

    std::vector<std::size_t> offsets;
    offsets.reserve(t.segments.size() * 2);
    for (const Segment& s : t.segments) {
      offsets.push_back(src.Shift(s.text_begin));
      offsets.push_back(src.Shift(s.text_end));
    }
    std::vector<std::size_t> sorted = offsets;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    const std::vector<std::size_t> points = SourceCodePoints(t, src.size, sorted);
    auto position = [&](std::size_t byte) {
      auto it = std::lower_bound(sorted.begin(), sorted.end(), byte);
      return points[static_cast<std::size_t>(it - sorted.begin())];
    };

    out.Start("TextSource");
    out.Attr("guid", sg);
    out.Attr("name", SourceName(study, t));
    out.Attr("plainTextPath", "internal://" + sg + ".txt");
    out.Attr("creatingUser", user);
    out.Text("Description", SourceDescription(f, t));

    for (std::size_t i = 0; i < t.segments.size(); ++i) {
      const Segment& s = t.segments[i];
      auto code = code_guid.find(s.code);
      if (code == code_guid.end() || !s.target.valid()) {
        result.skipped.push_back(t.path + ":" + std::to_string(s.line_start) + ": segment '" +
                                 s.code +
                                 "' indexes into no column of the framework, so it is not "
                                 "exported");
        continue;
      }
      const std::string key = t.path + "\x1f" + std::to_string(i);
      out.Start("PlainTextSelection");
      out.Attr("guid", fresh("selection", key));
      SelectionName(out, t, s);
      out.Attr("startPosition", position(offsets[2 * i]));
      out.Attr("endPosition", position(offsets[2 * i + 1]));
      out.Attr("creatingUser", user);
      out.Start("Coding");
      out.Attr("guid", fresh("coding", key));
      out.Attr("creatingUser", user);
      out.Ref("CodeRef", code->second);
      out.End();
      out.End();
      ++result.selections;
    }
    if (auto it = notes_of_participant.find(t.participant); it != notes_of_participant.end())
      for (const std::string& n : it->second) out.Ref("NoteRef", n);
    out.End();

    entries.push_back({"sources/" + sg + ".txt", &t, src.size});
  }
  out.End();
}

// The Notes, in the order they were collected.
void AddNotes(XmlOut& out, const Framework& f, const std::vector<NoteMatrix>& matrices,
              const std::vector<NoteOut>& notes, const std::string& user, RefiProject& result) {
  if (notes.empty()) return;
  out.Start("Notes");
  for (const NoteOut& n : notes) {
    out.Start("Note");
    out.Attr("guid", n.guid);
    const Theme* theme = n.kind == NoteOut::Kind::kSettings ? nullptr : &f.themes[n.theme];
    switch (n.kind) {
      case NoteOut::Kind::kSettings:
        out.Attr("name", "Framework settings");
        out.Attr("creatingUser", user);
        out.Text("Description",
                 "Settings of the study's framework.yaml that belong to no theme, participant "
                 "or transcript (speaker labels, quote attribution, smallest group shown).");
        out.Text("PlainTextContent", SettingsYaml(f));
        break;
      case NoteOut::Kind::kMatrix:
        out.Attr("name", "Matrix: " + (theme->label.empty() ? theme->id : theme->label));
        out.Attr("creatingUser", user);
        out.Text("Description", "The Framework matrix of theme '" + theme->id + "' as plain text.");
        out.Text("PlainTextContent", MatrixRecord(*theme, matrices[n.theme]));
        break;
      case NoteOut::Kind::kEntry:
        out.Attr("name", n.cell->participant + " × " + theme->id + "." + n.cell->subtheme);
        out.Attr("creatingUser", user);
        out.Text("Description", ChartEntryDescription(theme->id, *n.cell, n.stale));
        out.Text("PlainTextContent", n.cell->summary);
        break;
    }
    out.End();
    ++result.notes;
  }
  out.End();
}

// Links from each case to its summaries, so an importer can tell whose they are (a Case has
// no NoteRef in the schema).
void AddLinks(XmlOut& out, const std::vector<std::string>& ids,
              const std::map<std::string, std::vector<std::string>>& notes_of_participant,
              std::map<std::string, std::string>& case_guid, FreshGuids& fresh) {
  std::vector<std::pair<std::string, std::string>> links;
  for (const std::string& id : ids)
    if (auto it = notes_of_participant.find(id); it != notes_of_participant.end())
      for (const std::string& n : it->second) links.emplace_back(id, n);
  if (links.empty()) return;
  out.Start("Links");
  for (const auto& [participant, n] : links) {
    out.Start("Link");
    out.Attr("guid", fresh("link", n));
    out.Attr("name", "summary");
    out.Attr("direction", "OneWay");
    out.Attr("originGUID", case_guid[participant]);
    out.Attr("targetGUID", n);
    out.End();
  }
  out.End();
}

// project.qde into `out`, and the source entries to pack after it; the counts and what was
// left out into `result`. Returns the first write error, or "".
std::string WriteProject(const Study& study, const RefiExportOptions& options, XmlOut& out,
                         std::vector<SourceEntry>& entries, RefiProject& result) {
  const Framework& f = study.framework;
  const std::string title = f.title.empty() ? "Framework study" : f.title;
  FreshGuids fresh(title);
  const std::string user = fresh("user", "");

  StartProject(out, title, options, user);

  // Every theme, with its matrix, chart entries attached.
  const std::vector<NoteMatrix> matrices = NoteMatrices(study);

  // Notes first (their GUIDs are referenced from codes and sources), in a fixed order: per theme,
  // the matrix record, then its chart entries by participant (natural order), then sub-theme.
  std::vector<NoteOut> notes;
  std::map<std::string, std::vector<std::string>> notes_of_code;         // code guid -> notes
  std::map<std::string, std::vector<std::string>> notes_of_participant;  // id -> notes
  std::map<std::string, std::string> code_guid;                          // code as written -> guid

  std::vector<std::string> theme_guids;
  std::vector<std::vector<std::string>> subtheme_guids;
  std::vector<std::vector<std::vector<std::string>>> alias_guids;
  MakeCodeGuids(f, fresh, theme_guids, subtheme_guids, alias_guids, code_guid);
  const std::vector<std::string> ids = ParticipantIds(study);
  std::map<std::string, std::string> case_guid;
  for (const std::string& id : ids) case_guid[id] = fresh("case", id);
  std::vector<std::string> variable_guids;
  for (const AttributeDef& def : study.participants.attributes)
    variable_guids.push_back(fresh("variable", def.name));
  std::map<const Transcript*, std::string> source_guids;
  for (const Transcript& t : study.transcripts) source_guids[&t] = fresh("source", t.path);

  // The study's settings, a project-level note.
  const std::string settings_guid = fresh("settings", "");
  notes.push_back({settings_guid, NoteOut::Kind::kSettings});

  AddChartNotes(f, matrices, theme_guids, subtheme_guids, fresh, notes, notes_of_code,
                notes_of_participant);

  AddCodeBook(out, f, theme_guids, subtheme_guids, alias_guids, notes_of_code, result);
  AddVariables(out, study.participants.attributes, variable_guids);
  const std::vector<const Transcript*> transcripts = ExportedTranscripts(study, result);
  AddCases(out, study, ids, case_guid, variable_guids, transcripts, source_guids, result);
  AddSources(out, study, transcripts, source_guids, code_guid, notes_of_participant, user, fresh,
             entries, result);
  AddNotes(out, f, matrices, notes, user, result);
  AddLinks(out, ids, notes_of_participant, case_guid, fresh);

  if (!f.description.empty()) out.Text("Description", f.description);
  out.Ref("NoteRef", settings_guid);
  out.End();  // Project
  result.source_count = entries.size();
  return out.Finish();
}

}  // namespace

RefiProject BuildRefiProject(const Study& study, const RefiExportOptions& options) {
  RefiProject result;
  XmlOut out(&result.project_xml);
  std::vector<SourceEntry> entries;
  WriteProject(study, options, out, entries, result);
  for (const SourceEntry& e : entries)
    result.sources.emplace_back(e.name, PlainSourceText(*e.transcript, e.size));
  return result;
}

namespace {

// DOS date and time of a Unix time (UTC), clamped to the zip format's 1980..2107.
void DosDateTime(std::int64_t seconds, zip_uint16_t* dos_date, zip_uint16_t* dos_time) {
  seconds = std::clamp<std::int64_t>(seconds, 315532800, 4354819199);
  std::int64_t days = seconds / 86400, rest = seconds % 86400;
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  days += 719468;
  const std::int64_t era = days / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  *dos_date = static_cast<zip_uint16_t>(((year - 1980) << 9) | (month << 5) | day);
  *dos_time = static_cast<zip_uint16_t>(((rest / 3600) << 11) | (((rest / 60) % 60) << 5) |
                                        ((rest % 60) / 2));
}

// An archive entry's bytes, read front to back once, when zip_close writes the entry.
class ByteReader {
 public:
  virtual ~ByteReader() = default;
  // Up to `n` next bytes into `out`: all `n` unless the end comes first (libzip stores rather
  // than deflates a small entry only when its first read holds all of it). -1 on an error, with
  // errno set.
  virtual std::int64_t Read(char* out, std::size_t n) = 0;
};

class StringReader : public ByteReader {
 public:
  explicit StringReader(std::string_view text) : text_(text) {}
  std::int64_t Read(char* out, std::size_t n) override {
    n = std::min(n, text_.size());
    std::memcpy(out, text_.data(), n);
    text_.remove_prefix(n);
    return static_cast<std::int64_t>(n);
  }

 private:
  std::string_view text_;
};

// A file's bytes from its start, by descriptor (the file need have no name).
class FileReader : public ByteReader {
 public:
  explicit FileReader(int fd) : fd_(fd) {}
  std::int64_t Read(char* out, std::size_t n) override {
    std::size_t got = 0;
    while (got < n) {
      const ssize_t r = ::pread(fd_, out + got, n - got, offset_);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return -1;
      if (r == 0) break;
      got += static_cast<std::size_t>(r);
      offset_ += r;
    }
    return static_cast<std::int64_t>(got);
  }

 private:
  int fd_;
  off_t offset_ = 0;
};

// A transcript's source text, made piece by piece as it is read.
class SourceReader : public ByteReader {
 public:
  explicit SourceReader(const Transcript& t) : pieces_(t) {}
  std::int64_t Read(char* out, std::size_t n) override {
    std::size_t got = 0;
    while (got < n) {
      if (piece_.empty() && !pieces_.Next(&piece_)) break;
      const std::size_t k = std::min(n - got, piece_.size());
      std::memcpy(out + got, piece_.data(), k);
      piece_.remove_prefix(k);
      got += k;
    }
    return static_cast<std::int64_t>(got);
  }

 private:
  PlainPieces pieces_;
  std::string_view piece_;
};

// One archive entry: its name, its exact size (libzip writes a zip64 header for an entry of
// unknown size) and how to read it.
struct ZipEntry {
  std::string name;
  std::uint64_t size = 0;
  std::function<std::unique_ptr<ByteReader>()> open;
};

// A libzip source that opens its entry's reader only when the archive is written, so one
// entry's bytes at most are being made at a time.
struct LazySource {
  const ZipEntry* entry = nullptr;
  std::unique_ptr<ByteReader> reader;
  zip_error_t error;
};

zip_int64_t LazySourceCallback(void* state, void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
  auto* s = static_cast<LazySource*>(state);
  switch (cmd) {
    case ZIP_SOURCE_OPEN:
      s->reader = s->entry->open();
      return 0;
    case ZIP_SOURCE_READ: {
      if (!s->reader) {
        zip_error_set(&s->error, ZIP_ER_INTERNAL, 0);
        return -1;
      }
      const std::int64_t n =
          s->reader->Read(static_cast<char*>(data), static_cast<std::size_t>(len));
      if (n < 0) zip_error_set(&s->error, ZIP_ER_READ, errno);
      return n;
    }
    case ZIP_SOURCE_CLOSE:
      s->reader.reset();
      return 0;
    case ZIP_SOURCE_STAT: {
      if (len < sizeof(zip_stat_t)) {
        zip_error_set(&s->error, ZIP_ER_INVAL, 0);
        return -1;
      }
      auto* st = static_cast<zip_stat_t*>(data);
      zip_stat_init(st);
      st->size = st->comp_size = s->entry->size;
      st->comp_method = ZIP_CM_STORE;
      st->encryption_method = ZIP_EM_NONE;
      st->valid =
          ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD | ZIP_STAT_ENCRYPTION_METHOD;
      return sizeof(zip_stat_t);
    }
    case ZIP_SOURCE_ERROR:
      return zip_error_to_data(&s->error, data, len);
    case ZIP_SOURCE_FREE:
      zip_error_fini(&s->error);
      delete s;
      return 0;
    case ZIP_SOURCE_SUPPORTS:
      return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
                                            ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
    default:
      zip_error_set(&s->error, ZIP_ER_OPNOTSUPP, 0);
      return -1;
  }
}

// What went wrong in `zip`: the system's reason when there is one ("no space left on device").
std::string ZipErrorText(zip_t* zip) {
  zip_error_t* error = zip_get_error(zip);
  if (zip_error_system_type(error) == ZIP_ET_SYS && zip_error_code_system(error) != 0)
    return ErrorText(zip_error_code_system(error));
  return zip_strerror(zip);
}

// Adds `entries` to the new archive `zip` (deflated, dated `options.timestamp`) and writes it;
// `zip` is closed either way. Returns an empty string on success, else the error.
std::string PackEntries(zip_t* zip, const std::vector<ZipEntry>& entries,
                        const RefiExportOptions& options) {
  zip_uint16_t dos_date = 0, dos_time = 0;
  DosDateTime(options.timestamp, &dos_date, &dos_time);
  auto fail = [&]() {
    std::string message = ZipErrorText(zip);
    zip_discard(zip);
    return message;
  };
  // Deflated at the highest level, unless the entries are large together: then at the fastest,
  // which is four times quicker for about 15% more bytes (a 400 MB project.qde took 9 s at
  // level 9), and past store_bytes stored. A function of the entries' sizes alone, so the same
  // study gives the same bytes.
  std::uint64_t total = 0;
  for (const ZipEntry& entry : entries) total += entry.size;
  const zip_uint32_t level = total > options.fast_deflate_bytes ? 1 : 9;
  const zip_int32_t method = total > options.store_bytes ? ZIP_CM_STORE : ZIP_CM_DEFLATE;
  for (const ZipEntry& entry : entries) {
    auto* state = new LazySource;
    state->entry = &entry;
    zip_error_init(&state->error);
    zip_source_t* s = zip_source_function(zip, LazySourceCallback, state);
    if (!s) {
      zip_error_fini(&state->error);
      delete state;
      return fail();
    }
    const zip_int64_t index = zip_file_add(zip, entry.name.c_str(), s, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(s);
      return fail();
    }
    const auto i = static_cast<zip_uint64_t>(index);
    if (zip_set_file_compression(zip, i, method, method == ZIP_CM_STORE ? 0 : level) != 0 ||
        zip_file_set_dostime(zip, i, dos_time, dos_date, 0) != 0)
      return fail();
  }
  if (zip_close(zip) != 0) return fail();
  return {};
}

}  // namespace

std::string PackQdpx(const RefiProject& project, const RefiExportOptions& options,
                     std::string* bytes) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (!buffer) {
    std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    return message;
  }
  zip_source_keep(buffer);
  zip_t* zip = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  if (!zip) {
    std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    zip_source_free(buffer);
    return message;
  }
  zip_error_fini(&error);

  std::vector<ZipEntry> entries;
  auto add = [&](const std::string& name, const std::string& text) {
    entries.push_back(
        {name, text.size(), [&text] { return std::make_unique<StringReader>(text); }});
  };
  add("project.qde", project.project_xml);
  for (const auto& [name, text] : project.sources) add(name, text);
  if (std::string message = PackEntries(zip, entries, options); !message.empty()) {
    zip_source_free(buffer);
    return message;
  }

  std::string out;
  if (zip_source_open(buffer) != 0) {
    zip_source_free(buffer);
    return "cannot read the archive back from memory";
  }
  char chunk[65536];
  zip_int64_t n = 0;
  while ((n = zip_source_read(buffer, chunk, sizeof chunk)) > 0)
    out.append(chunk, static_cast<std::size_t>(n));
  zip_source_close(buffer);
  zip_source_free(buffer);
  if (n < 0) return "cannot read the archive back from memory";
  *bytes = std::move(out);
  return {};
}

std::string WriteQdpx(const Study& study, const RefiExportOptions& options, const std::string& path,
                      RefiProject* report) {
  AtomicFile file;
  std::string scratch;
  if (std::string error = file.OpenByName(path, &scratch); !error.empty()) return error;

  // project.qde first, into a file beside the scratch archive that has no name (unlinked at
  // once, so nothing is left behind whatever happens) and is gone when it is closed.
  std::filesystem::path dir = std::filesystem::path(scratch).parent_path();
  if (dir.empty()) dir = ".";
  std::string qde = (dir / ".framework-qde.tmp-XXXXXX").string();
  const int fd = ::mkostemp(qde.data(), O_CLOEXEC);
  if (fd < 0) return "cannot create a temporary file in " + dir.string() + ": " + ErrorText(errno);
  ::unlink(qde.c_str());
  struct CloseFd {
    int fd;
    ~CloseFd() { ::close(fd); }
  } close_qde{fd};

  RefiProject result;
  XmlOut out(fd);
  std::vector<SourceEntry> sources;
  if (std::string error = WriteProject(study, options, out, sources, result); !error.empty())
    return error;

  std::vector<ZipEntry> entries;
  entries.push_back({"project.qde", out.size(), [fd] { return std::make_unique<FileReader>(fd); }});
  for (const SourceEntry& s : sources)
    entries.push_back(
        {s.name, s.size, [t = s.transcript] { return std::make_unique<SourceReader>(*t); }});

  int zip_error = 0;
  zip_t* zip = zip_open(scratch.c_str(), ZIP_TRUNCATE, &zip_error);
  if (!zip) {
    zip_error_t error;
    zip_error_init_with_code(&error, zip_error);
    std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    return message;
  }
  if (std::string error = PackEntries(zip, entries, options); !error.empty()) return error;
  if (std::string error = file.Commit(); !error.empty()) return error;
  if (report) *report = std::move(result);
  return {};
}

}  // namespace framework
