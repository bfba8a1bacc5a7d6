// Codings tables (CSV): one row per coded passage of a plain transcript, placed by offsets or by
// finding its text.
#include "framework/refi_import.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "framework/csv.h"
#include "framework/text.h"
#include "import_model.h"
#include "import_read.h"

namespace framework {
namespace {

using import_model::Report;
using import_read::BaseName;
using import_read::kDepthHint;
using import_read::Lower;
using import_read::MakeRawSource;
using import_read::RawSource;
using import_read::ReplaceNulBytes;
using import_read::Resolve;
using import_read::Stem;
using import_read::Unit;

std::string HeaderKey(std::string_view header) {
  std::string key;
  for (char c : Trim(header)) {
    if (c == ' ' || c == '_' || c == '-' || c == '.') continue;
    key += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return key;
}

enum class Column { kNone, kDocument, kCode, kStart, kEnd, kText };

Column ColumnOf(std::string_view header) {
  static const std::pair<const char*, Column> kAliases[] = {
      {"document", Column::kDocument},
      {"doc", Column::kDocument},
      {"documentname", Column::kDocument},
      {"file", Column::kDocument},
      {"filename", Column::kDocument},
      {"source", Column::kDocument},
      {"sourcename", Column::kDocument},
      {"transcript", Column::kDocument},
      {"code", Column::kCode},
      {"codename", Column::kCode},
      {"codepath", Column::kCode},
      {"tag", Column::kCode},
      {"tagname", Column::kCode},
      {"tagpath", Column::kCode},
      {"node", Column::kCode},
      {"category", Column::kCode},
      {"start", Column::kStart},
      {"begin", Column::kStart},
      {"pos0", Column::kStart},
      {"startposition", Column::kStart},
      {"startpos", Column::kStart},
      {"startchar", Column::kStart},
      {"from", Column::kStart},
      {"offset", Column::kStart},
      {"end", Column::kEnd},
      {"pos1", Column::kEnd},
      {"endposition", Column::kEnd},
      {"endpos", Column::kEnd},
      {"endchar", Column::kEnd},
      {"to", Column::kEnd},
      {"text", Column::kText},
      {"codedtext", Column::kText},
      {"segment", Column::kText},
      {"quote", Column::kText},
      {"quotation", Column::kText},
      {"selection", Column::kText},
      {"selectedtext", Column::kText},
      {"content", Column::kText},
      {"excerpt", Column::kText},
      {"highlight", Column::kText},
      {"seltext", Column::kText},
      {"codedsegment", Column::kText},
  };
  const std::string key = HeaderKey(header);
  for (const auto& [alias, column] : kAliases)
    if (key == alias) return column;
  return Column::kNone;
}

std::vector<std::string> CodePath(std::string_view code) {
  std::vector<std::string> parts;
  std::string current;
  for (std::size_t i = 0; i < code.size();) {
    std::size_t skip = 0;
    if (code.substr(i, 3) == " > ")
      skip = 3;
    else if (code.substr(i, 2) == "::")
      skip = 2;
    else if (code[i] == '\\' || code[i] == '>')
      skip = 1;
    if (skip) {
      if (!Trim(current).empty()) parts.emplace_back(Trim(current));
      current.clear();
      i += skip;
      continue;
    }
    current += code[i++];
  }
  if (!Trim(current).empty()) parts.emplace_back(Trim(current));
  return parts;
}

// Finds coded text in one source, white space compared loosely. The source is flattened once
// (runs of white space to one space, leading ones dropped) with a compact map back to its
// bytes, and a 4-gram filter of the flat text rejects most texts that are not in it without a
// scan. Each distinct text is searched once (glibc memmem: linear in the source), its
// non-overlapping occurrences kept, so the rows that repeat it cost a binary search.
class TextFinder {
 public:
  explicit TextFinder(const std::string& text) : text_(text) {
    flat_.reserve(text.size());
    bool space = false;
    std::size_t delta = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (IsAsciiSpace(text[i])) {
        space = true;
        continue;
      }
      if (space && !flat_.empty()) flat_ += ' ';
      space = false;
      if (i - flat_.size() != delta) {
        delta = i - flat_.size();
        shifts_.emplace_back(flat_.size(), delta);
      }
      flat_ += text[i];
    }
    std::size_t bits = 1u << 16;
    while (bits < 8 * flat_.size() && bits < (std::size_t{1} << 27)) bits <<= 1;
    gram_shift_ = 64;
    for (std::size_t b = bits; b > 1; b >>= 1) --gram_shift_;
    grams_.assign(bits / 64, 0);
    for (std::size_t k = 0; k + 4 <= flat_.size(); ++k) {
      const std::size_t h = Gram(flat_.data() + k);
      grams_[h / 64] |= std::uint64_t{1} << (h % 64);
    }
  }

  // The byte range of `want` (white space collapsed, not empty) in the text: its first
  // occurrence starting at or after byte `from`, else its first; npos when it is not there.
  // `*count`: its non-overlapping occurrences.
  std::pair<std::size_t, std::size_t> Find(const std::string& want, std::size_t from,
                                           std::size_t* count) {
    *count = 0;
    if (!MayContain(want)) return {std::string::npos, 0};
    auto [it, added] = cache_.try_emplace(want);
    Occurrences& occ = it->second;
    if (added) {
      const char* base = flat_.data();
      const char* p =
          static_cast<const char*>(::memmem(base, flat_.size(), want.data(), want.size()));
      while (p) {
        const std::size_t at = static_cast<std::size_t>(p - base);
        ++occ.count;
        occ.last = at;
        if (occ.starts.size() < kKept) occ.starts.push_back(at);
        const std::size_t next = at + want.size();
        p = static_cast<const char*>(
            ::memmem(base + next, flat_.size() - next, want.data(), want.size()));
      }
    }
    *count = occ.count;
    if (occ.count == 0) return {std::string::npos, 0};
    std::size_t at = occ.starts.front();
    auto after = std::lower_bound(occ.starts.begin(), occ.starts.end(), from,
                                  [&](std::size_t k, std::size_t f) { return Origin(k) < f; });
    if (after != occ.starts.end()) {
      at = *after;
    } else if (occ.starts.size() < occ.count && Origin(occ.last) >= from) {
      // Past the occurrences kept: search on from the first flat position at or after `from`.
      std::size_t lo = 0, hi = flat_.size();
      while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (Origin(mid) < from)
          lo = mid + 1;
        else
          hi = mid;
      }
      const char* p = static_cast<const char*>(
          ::memmem(flat_.data() + lo, flat_.size() - lo, want.data(), want.size()));
      if (p) at = static_cast<std::size_t>(p - flat_.data());
    }
    const std::size_t b = Origin(at);
    // The last byte may start a multi-byte character: extend to its end.
    std::size_t end = Origin(at + want.size() - 1) + 1;
    while (end < text_.size() && (static_cast<unsigned char>(text_[end]) & 0xC0) == 0x80) ++end;
    return {b, end};
  }

 private:
  static constexpr std::size_t kKept = 4096;  // occurrences kept per distinct text
  struct Occurrences {
    std::size_t count = 0;
    std::size_t last = 0;
    std::vector<std::size_t> starts;  // the first kKept, in order
  };

  std::size_t Gram(const char* p) const {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return static_cast<std::size_t>((std::uint64_t{v} * 0x9E3779B97F4A7C15ull) >> gram_shift_);
  }
  bool MayContain(const std::string& want) const {
    for (std::size_t k = 0; k + 4 <= want.size(); ++k) {
      const std::size_t h = Gram(want.data() + k);
      if (!(grams_[h / 64] & (std::uint64_t{1} << (h % 64)))) return false;
    }
    return true;
  }
  // The byte of the text that flat position `k` (not a collapsed space) came from.
  std::size_t Origin(std::size_t k) const {
    auto it = std::upper_bound(shifts_.begin(), shifts_.end(), std::make_pair(k, SIZE_MAX));
    return it == shifts_.begin() ? k : k + std::prev(it)->second;
  }

  const std::string& text_;
  std::string flat_;
  std::vector<std::pair<std::size_t, std::size_t>> shifts_;  // (flat position, bytes dropped)
  std::vector<std::uint64_t> grams_;
  int gram_shift_ = 48;
  std::unordered_map<std::string, Occurrences> cache_;
};

// The delimiter: the most frequent of ',', ';' and tab on the header line.
char GuessDelimiter(std::string_view csv) {
  std::string_view header_line = csv.substr(0, csv.find('\n'));
  char delimiter = ',';
  std::size_t best = std::count(header_line.begin(), header_line.end(), ',');
  for (char d : {';', '\t'}) {
    const std::size_t n = std::count(header_line.begin(), header_line.end(), d);
    if (n > best) {
      best = n;
      delimiter = d;
    }
  }
  return delimiter;
}

// A codings table: its rows (the header first) and the columns the header names (-1: none).
struct CodingsTable {
  std::vector<CsvRow> rows;
  int c_doc = -1, c_code = -1, c_start = -1, c_end = -1, c_text = -1;
};

// The transcripts the codings refer to, as the model's sources in the same order.
struct TranscriptSet {
  std::map<std::string, int> by_key;  // name and stem, lower-cased -> source
  std::vector<std::string> names;     // for "did you mean"
  std::vector<RawSource> raw;         // what offsets are resolved against
};

// The source a document names (its file name or stem, without case), or -1.
int SourceOf(const std::map<std::string, int>& by_key, const std::string& doc) {
  auto it = by_key.find(Lower(doc));
  if (it == by_key.end()) it = by_key.find(Lower(Stem(doc)));
  return it == by_key.end() ? -1 : it->second;
}

// Reads a row's start and end; false unless both are numbers with 0 <= start <= end.
bool OffsetsOf(const std::string& start_s, const std::string& end_s, long long* s0, long long* s1) {
  if (start_s.empty() || end_s.empty()) return false;
  char* p1 = nullptr;
  char* p2 = nullptr;
  *s0 = std::strtoll(start_s.c_str(), &p1, 10);
  *s1 = std::strtoll(end_s.c_str(), &p2, 10);
  return *p1 == '\0' && *p2 == '\0' && *s0 >= 0 && *s1 >= *s0;
}

// The code at the path `parts`, added to `model` with the parents it lacks.
int CodeIndex(const std::vector<std::string>& parts,
              std::map<std::pair<int, std::string>, int>& code_by_path,
              import_model::Model& model) {
  int parent = -1;
  for (const std::string& part : parts) {
    const auto path = std::make_pair(parent, part);
    auto it = code_by_path.find(path);
    if (it != code_by_path.end()) {
      parent = it->second;
      continue;
    }
    import_model::Code c;
    c.name = part;
    c.parent = parent;
    const int index = static_cast<int>(model.codes.size());
    model.codes.push_back(c);
    if (parent >= 0) model.codes[static_cast<std::size_t>(parent)].children.push_back(index);
    code_by_path[path] = index;
    parent = index;
  }
  return parent;
}

// Reads every transcript in the folder, coded or not, into `model` and `folder`. False, with
// an error in `result`, when there is none.
bool ReadTranscripts(const FileSystem& transcripts, const std::string& dir,
                     import_model::Model& model, TranscriptSet& folder, ImportResult& result) {
  auto& [by_key, names, raw] = folder;
  std::vector<std::string> paths = transcripts.ListFiles(dir, ".txt");
  for (const std::string& path : paths) {
    ReadResult r = transcripts.Read(path);
    if (!r.ok) {
      Report(result, Severity::kError, "io-error", path, "cannot read: " + r.error);
      continue;
    }
    if (!IsValidUtf8(r.contents)) {
      Report(result, Severity::kError, "invalid-utf8", path,
             "not valid UTF-8; invalid bytes are replaced with U+FFFD", "save it as UTF-8");
      r.contents = SanitizeUtf8(r.contents);
    }
    if (ReplaceNulBytes(r.contents))
      Report(result, Severity::kError, "nul-byte", path,
             "a NUL byte (0x00); NUL bytes are replaced with U+FFFD",
             "remove them from the source: tr -d '\\000'");
    import_model::Source src;
    src.name = BaseName(path);
    raw.push_back(MakeRawSource(std::move(r.contents), &src.text));
    const int index = static_cast<int>(model.sources.size());
    by_key.emplace(Lower(src.name), index);
    by_key.emplace(Lower(Stem(src.name)), index);
    names.push_back(src.name);
    model.sources.push_back(std::move(src));
  }
  if (model.sources.empty()) {
    Report(result, Severity::kError, "no-transcripts", dir, "no .txt transcripts in " + dir,
           "give the folder of plain-text transcripts the codings refer to with --transcripts");
    return false;
  }
  return true;
}

// The rows' offsets under each reading of kCsvUnits, resolved in one pass over each source
// per reading, for all its rows at once; `slot` maps a row to its start's index.
std::vector<std::array<std::vector<long long>, 4>> ResolveOffsets(const CodingsTable& table,
                                                                  const TranscriptSet& folder,
                                                                  const import_model::Model& model,
                                                                  std::vector<long long>& slot) {
  const auto& [rows, c_doc, c_code, c_start, c_end, c_text] = table;
  const auto& [by_key, names, raw] = folder;
  constexpr Unit kCsvUnits[] = {Unit::kCodePointLf, Unit::kCodePointRaw, Unit::kUtf16Lf,
                                Unit::kUtf16Raw};
  std::vector<std::vector<long long>> wanted(model.sources.size());
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const CsvRow& row = rows[r];
    auto field = [&](int c) -> std::string {
      return c >= 0 && static_cast<std::size_t>(c) < row.fields.size()
                 ? std::string(Trim(row.fields[static_cast<std::size_t>(c)].value))
                 : std::string();
    };
    long long s0 = 0, s1 = 0;
    const int source = SourceOf(by_key, field(c_doc));
    if (source < 0 || !OffsetsOf(field(c_start), field(c_end), &s0, &s1)) continue;
    auto& w = wanted[static_cast<std::size_t>(source)];
    slot[r] = static_cast<long long>(w.size());
    w.push_back(s0);
    w.push_back(s1);
  }
  std::vector<std::array<std::vector<long long>, 4>> resolved(model.sources.size());
  for (std::size_t s = 0; s < model.sources.size(); ++s)
    if (!wanted[s].empty())
      for (std::size_t u = 0; u < 4; ++u)
        resolved[s][u] = Resolve(raw[s].Raw(model.sources[s].text), kCsvUnits[u], wanted[s]);
  return resolved;
}

// Places each row's coding in its source: by its offsets when they fit (and its text, if given,
// matches), else by finding its text after the previous coding. A row that cannot be placed
// is diagnosed and skipped; how many were placed each way goes to the offset rule.
void PlaceCodings(const CodingsTable& table, const TranscriptSet& folder,
                  const std::vector<long long>& slot,
                  const std::vector<std::array<std::vector<long long>, 4>>& resolved,
                  const std::string& file, const std::string& dir, const ImportOptions& options,
                  import_model::Model& model, ImportResult& result) {
  const auto& [rows, c_doc, c_code, c_start, c_end, c_text] = table;
  const auto& [by_key, names, raw] = folder;
  std::map<std::pair<int, std::string>, int> code_by_path;  // (parent, name) -> code
  std::vector<std::unique_ptr<TextFinder>> finders(model.sources.size());
  std::map<std::string, std::optional<std::string>> guesses;  // unknown document -> hint

  std::map<int, std::size_t> last_end;
  std::size_t by_offsets = 0, by_text = 0;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const CsvRow& row = rows[r];
    auto field = [&](int c) -> std::string {
      return c >= 0 && static_cast<std::size_t>(c) < row.fields.size()
                 ? row.fields[static_cast<std::size_t>(c)].value
                 : std::string();
    };
    auto at = [&](int c) {
      return c >= 0 && static_cast<std::size_t>(c) < row.fields.size()
                 ? row.fields[static_cast<std::size_t>(c)].column
                 : 1;
    };
    const std::string doc(Trim(field(c_doc)));
    const std::string code_text(Trim(field(c_code)));
    if (doc.empty() && code_text.empty()) continue;
    const int source = SourceOf(by_key, doc);
    if (source < 0) {
      auto known = guesses.find(doc);
      if (known == guesses.end()) known = guesses.emplace(doc, Suggest(doc, names)).first;
      const auto& guess = known->second;
      Report(result, Severity::kError, "unknown-document", file,
             "document '" + doc + "' is not among the transcripts in " + dir,
             guess ? "did you mean '" + *guess + "'?" : "the row is not imported", row.line,
             at(c_doc));
      continue;
    }
    std::vector<std::string> parts = CodePath(code_text);
    if (parts.empty()) {
      Report(result, Severity::kError, "bad-code", file, "the code is empty",
             "the row is not imported", row.line, at(c_code));
      continue;
    }
    if (parts.size() > static_cast<std::size_t>(std::max(1, options.limits.max_depth))) {
      Report(result, Severity::kError, "too-deep", file,
             "code nesting deeper than " + std::to_string(options.limits.max_depth) + " levels (" +
                 std::to_string(parts.size()) + ")",
             "the row is not imported; " + std::string(kDepthHint), row.line, at(c_code));
      continue;
    }
    const int code = CodeIndex(parts, code_by_path, model);
    const std::string text = field(c_text);
    auto& src = model.sources[static_cast<std::size_t>(source)];
    long long b = -1, e = -1;
    std::string start_s(Trim(field(c_start))), end_s(Trim(field(c_end)));
    if (!start_s.empty() && !end_s.empty()) {
      long long s0 = 0, s1 = 0;
      if (!OffsetsOf(start_s, end_s, &s0, &s1)) {
        if (text.empty()) {
          Report(result, Severity::kError, "bad-offset", file,
                 "start/end '" + start_s + "'/'" + end_s + "' are not a range of characters",
                 "the row is not imported", row.line, at(c_start));
          continue;
        }
      } else {
        // Characters (code points), CRLF as one or two, or UTF-16 units: the first reading whose
        // text matches the coded text, if given.
        const auto k = static_cast<std::size_t>(slot[r]);
        for (std::size_t u = 0; u < 4; ++u) {
          const auto& all = resolved[static_cast<std::size_t>(source)][u];
          const long long res[2] = {all[k], all[k + 1]};
          if (res[0] < 0 || res[1] < 0) continue;
          if (!text.empty() &&
              CollapseWhitespace(std::string_view(src.text).substr(
                  static_cast<std::size_t>(res[0]), static_cast<std::size_t>(res[1] - res[0]))) !=
                  CollapseWhitespace(text))
            continue;
          b = res[0];
          e = res[1];
          break;
        }
        if (b < 0 && text.empty()) {
          Report(result, Severity::kError, "offset-out-of-range", file,
                 "range " + start_s + ".." + end_s + " lies beyond the end of '" + src.name +
                     "' (" +
                     std::to_string(raw[static_cast<std::size_t>(source)]
                                        .units[static_cast<int>(Unit::kCodePointLf)]) +
                     " characters)",
                 "the row is not imported", row.line, at(c_start));
          continue;
        }
        if (b >= 0) ++by_offsets;
      }
    }
    if (b < 0) {
      std::size_t count = 0;
      std::pair<std::size_t, std::size_t> found{std::string::npos, 0};
      const std::string want = CollapseWhitespace(text);
      if (!want.empty()) {
        auto& finder = finders[static_cast<std::size_t>(source)];
        if (!finder) finder = std::make_unique<TextFinder>(src.text);
        found = finder->Find(want, last_end[source], &count);
      }
      if (found.first == std::string::npos) {
        Report(result, Severity::kError, "text-not-found", file,
               "the coded text '" + CollapseWhitespace(text).substr(0, 60) + "' is not in '" +
                   src.name + "'",
               "the row is not imported; check the document and the text", row.line, at(c_text));
        continue;
      }
      if (count > 1)
        Report(result, Severity::kNote, "ambiguous-text", file,
               "the coded text occurs " + std::to_string(count) + " times in '" + src.name +
                   "'; the first after the previous coding is used",
               "", row.line, at(c_text));
      b = static_cast<long long>(found.first);
      e = static_cast<long long>(found.second);
      ++by_text;
    }
    last_end[source] = static_cast<std::size_t>(e);
    src.selections.push_back({static_cast<std::size_t>(b), static_cast<std::size_t>(e), code});
  }
  result.offset_rule = std::to_string(by_offsets) +
                       " coding(s) placed by start/end (Unicode code points; CRLF counted as 1, "
                       "else as 2, else UTF-16 units, the first whose text matches), " +
                       std::to_string(by_text) + " by finding the coded text";
}

}  // namespace

ImportResult ImportCodingsCsv(std::string_view name, std::string_view csv,
                              const FileSystem& transcripts, const std::string& dir,
                              const ImportOptions& options) {
  ImportResult result;
  const std::string file(name);
  const char delimiter = GuessDelimiter(csv);
  Diagnostics csv_diagnostics;
  std::vector<CsvRow> rows = ReadCsv(name, csv, csv_diagnostics, delimiter);
  for (auto& d : csv_diagnostics) result.diagnostics.push_back(std::move(d));
  if (rows.empty()) {
    Report(result, Severity::kError, "bad-csv", file, "the codings table is empty",
           "give a header row (document, code, start, end or text) and a row per coding");
    return result;
  }
  if (rows.size() - 1 > options.limits.max_codings) {
    const CsvRow& over = rows[options.limits.max_codings + 1];
    Report(result, Severity::kError, "too-large", file,
           "the codings table has " + std::to_string(rows.size() - 1) + " rows, more than " +
               std::to_string(options.limits.max_codings) + ", the limit",
           "a codings table this large is damaged or hostile; split it, or import it in parts "
           "(the limit is ImportLimits::max_codings, see docs/limits.md)",
           over.line, 1);
    return result;
  }
  int col[6] = {-1, -1, -1, -1, -1, -1};
  for (std::size_t i = 0; i < rows[0].fields.size(); ++i) {
    Column c = ColumnOf(rows[0].fields[i].value);
    if (c != Column::kNone && col[static_cast<int>(c)] < 0)
      col[static_cast<int>(c)] = static_cast<int>(i);
  }
  const int c_doc = col[static_cast<int>(Column::kDocument)];
  const int c_code = col[static_cast<int>(Column::kCode)];
  const int c_start = col[static_cast<int>(Column::kStart)];
  const int c_end = col[static_cast<int>(Column::kEnd)];
  const int c_text = col[static_cast<int>(Column::kText)];
  if (c_doc < 0 || c_code < 0 || ((c_start < 0 || c_end < 0) && c_text < 0)) {
    std::string missing = c_doc < 0    ? "a document column"
                          : c_code < 0 ? "a code column"
                                       : "start and end columns or a text column";
    Report(result, Severity::kError, "bad-csv", file, "the header has no " + missing,
           "headers understood: document/file/source, code/codename/tag, start/begin/pos0, "
           "end/pos1, text/coded text/segment/quote (see README)",
           1, 1);
    return result;
  }

  import_model::Model model;
  model.display_name = BaseName(name);
  model.kind = "codings table";
  model.title = options.title.empty() ? Stem(name) : options.title;
  const CodingsTable table{std::move(rows), c_doc, c_code, c_start, c_end, c_text};
  TranscriptSet folder;
  if (!ReadTranscripts(transcripts, dir, model, folder, result)) return result;
  std::vector<long long> slot(table.rows.size(), -1);  // row -> its start's index in wanted[source]
  const auto resolved = ResolveOffsets(table, folder, model, slot);
  PlaceCodings(table, folder, slot, resolved, file, dir, options, model, result);
  import_model::BuildStudy(std::move(model), result);
  result.ok = true;
  return result;
}

}  // namespace framework
