// Extractive drafts (draft.h): ICU sentences, then a greedy budgeted cover of the cell's content
// words. No floating point anywhere, so the choice is the same on every platform.
#include "framework/draft.h"

#include <unicode/brkiter.h>
#include <unicode/bytestream.h>
#include <unicode/casemap.h>
#include <unicode/uchar.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "framework/chart.h"
#include "framework/text.h"

namespace framework {
namespace {

// English function words and interview fillers that carry no content. Words of fewer than three
// letters never count, so only longer ones are listed. Sorted, for binary search.
constexpr std::string_view kStopWords[] = {
    "about",      "again",    "all",        "also",    "and",     "any",    "are",       "aren't",
    "because",    "been",     "being",      "both",    "but",     "can",    "can't",     "could",
    "did",        "didn't",   "does",       "doesn't", "doing",   "don't",  "done",      "each",
    "erm",        "few",      "for",        "from",    "further", "get",    "got",       "had",
    "has",        "have",     "having",     "her",     "here",    "hers",   "herself",   "him",
    "himself",    "his",      "how",        "i'd",     "i'll",    "i'm",    "i've",      "into",
    "isn't",      "it's",     "its",        "itself",  "just",    "kind",   "know",      "like",
    "mean",       "mmm",      "more",       "most",    "myself",  "nor",    "not",       "off",
    "okay",       "once",     "only",       "other",   "our",     "ours",   "ourselves", "out",
    "over",       "own",      "really",     "same",    "she",     "should", "some",      "sort",
    "such",       "than",     "that",       "that's",  "the",     "their",  "theirs",    "them",
    "themselves", "then",     "there",      "there's", "these",   "they",   "this",      "those",
    "through",    "too",      "under",      "until",   "very",    "was",    "wasn't",    "were",
    "what",       "when",     "where",      "which",   "while",   "who",    "whom",      "why",
    "will",       "with",     "won't",      "would",   "yeah",    "yes",    "you",       "your",
    "yours",      "yourself", "yourselves",
};
static_assert(std::is_sorted(std::begin(kStopWords), std::end(kStopWords)));

icu::BreakIterator* SentenceIterator() {
  UErrorCode status = U_ZERO_ERROR;
  thread_local std::unique_ptr<icu::BreakIterator> sentences(
      icu::BreakIterator::createSentenceInstance(icu::Locale::getRoot(), status));
  return sentences.get();
}

icu::BreakIterator* WordIterator() {
  UErrorCode status = U_ZERO_ERROR;
  thread_local std::unique_ptr<icu::BreakIterator> words(
      icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
  return words.get();
}

// A break iterator of this thread pointed at one UTF-8 text (no UTF-16 copy) for the lifetime
// of this object; boundaries are byte offsets into that text. null() when ICU failed.
class PointedIterator {
 public:
  PointedIterator(icu::BreakIterator* iterator, std::string_view text) {
    UErrorCode status = U_ZERO_ERROR;
    utext_openUTF8(&text_, text.data(), static_cast<int64_t>(text.size()), &status);
    if (U_FAILURE(status) || iterator == nullptr) return;
    iterator->setText(&text_, status);
    if (U_FAILURE(status)) {
      iterator->setText(icu::UnicodeString());
      return;
    }
    iterator_ = iterator;
  }
  ~PointedIterator() {
    // The iterator outlives the text: leave it pointing at nothing.
    if (iterator_) iterator_->setText(icu::UnicodeString());
    utext_close(&text_);
  }
  PointedIterator(const PointedIterator&) = delete;
  PointedIterator& operator=(const PointedIterator&) = delete;

  bool null() const { return iterator_ == nullptr; }
  icu::BreakIterator* operator->() const { return iterator_; }

 private:
  UText text_ = UTEXT_INITIALIZER;
  icu::BreakIterator* iterator_ = nullptr;
};

// `text` without leading and trailing Unicode white space (the sentence iterator leaves the
// spaces after a sentence on it; U+3000 and no-break spaces included).
std::string_view TrimUnicode(std::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  auto length = static_cast<int32_t>(text.size());
  int32_t begin = 0, end = 0;
  bool seen = false;
  for (int32_t i = 0; i < length;) {
    int32_t at = i;
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c >= 0 && u_isUWhiteSpace(c)) continue;
    if (!seen) begin = at;
    seen = true;
    end = i;
  }
  return seen ? text.substr(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin))
              : std::string_view();
}

// The byte ranges of the words of `text` (ICU word boundaries; the words CountWords counts).
std::vector<std::pair<std::size_t, std::size_t>> WordRanges(std::string_view text) {
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  PointedIterator words(WordIterator(), text);
  if (words.null()) return ranges;
  int32_t start = words->first();
  for (int32_t end = words->next(); end != icu::BreakIterator::DONE;
       start = end, end = words->next()) {
    if (words->getRuleStatus() >= UBRK_WORD_NONE_LIMIT)
      ranges.emplace_back(static_cast<std::size_t>(start), static_cast<std::size_t>(end));
  }
  return ranges;
}

std::string Lower(std::string_view word) {
  std::string lower;
  icu::StringByteSink<std::string> sink(&lower);
  UErrorCode status = U_ZERO_ERROR;
  icu::CaseMap::utf8ToLower("", 0, icu::StringPiece(word.data(), static_cast<int32_t>(word.size())),
                            sink, nullptr, status);
  return U_SUCCESS(status) ? lower : std::string(word);
}

// The content word `word` stands for (lower-cased, curly apostrophes made straight), or "" when
// it is a stop word or has fewer than three letters. A word with an ideograph always counts:
// a Chinese or Japanese word of one or two characters carries as much as a longer English one.
std::string ContentWord(std::string_view word) {
  std::string lower = Lower(word);
  for (std::size_t at; (at = lower.find("\xE2\x80\x99")) != std::string::npos;)
    lower.replace(at, 3, "'");
  const auto* s = reinterpret_cast<const uint8_t*>(lower.data());
  auto length = static_cast<int32_t>(lower.size());
  std::size_t letters = 0;
  bool ideograph = false;
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c < 0) continue;
    letters += u_isalpha(c) ? 1 : 0;
    ideograph = ideograph || u_hasBinaryProperty(c, UCHAR_IDEOGRAPHIC);
  }
  if (letters < 3 && !ideograph) return {};
  if (std::binary_search(std::begin(kStopWords), std::end(kStopWords), lower)) return {};
  return lower;
}

// A sentence that may go into the draft.
struct Candidate {
  std::size_t segment = 0;  // index in the cell
  std::string text;         // trimmed; cut to the budget, ending in "…", if it was longer
  std::size_t words = 0;    // CountWords(text), never more than the budget
  std::vector<std::string> content;  // its distinct content words
};

Candidate MakeCandidate(std::size_t segment, std::string_view sentence, std::size_t budget) {
  Candidate candidate{segment, std::string(sentence), CountWords(sentence), {}};
  std::vector<std::pair<std::size_t, std::size_t>> ranges = WordRanges(sentence);
  if (candidate.words > budget && ranges.size() > budget) {
    // Cut right after the budget's last word, so no trailing space or punctuation is kept.
    ranges.resize(budget);
    candidate.text = std::string(sentence.substr(0, ranges.back().second)) + "\u2026";
    candidate.words = CountWords(candidate.text);
  }
  std::set<std::string> content;
  for (auto [begin, end] : ranges) {
    std::string word = ContentWord(sentence.substr(begin, end - begin));
    if (!word.empty()) content.insert(std::move(word));
  }
  candidate.content.assign(content.begin(), content.end());
  return candidate;
}

// `sentence` with `ref` cited: a final full stop moves after the ref ("… (L12-14)."), a
// question mark, exclamation mark or ellipsis stays before it ("Was it enough? (L20)"), and a
// sentence without final punctuation gets a full stop after the ref.
std::string WithRef(std::string_view sentence, const std::string& ref) {
  const std::string cite = " (" + ref + ")";
  std::string out(sentence);
  if (sentence.ends_with("...")) return out + cite;
  for (std::string_view stop : {".", "\u3002", "\uFF0E"}) {  // full stop, ideographic, fullwidth
    if (sentence.ends_with(stop)) {
      out.resize(out.size() - stop.size());
      return out + cite + std::string(stop);
    }
  }
  // The last code point before any closing quotes or brackets.
  const auto* s = reinterpret_cast<const uint8_t*>(sentence.data());
  auto length = static_cast<int32_t>(sentence.size());
  UChar32 last = -1;
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    int8_t type = u_charType(c);
    bool closing = type == U_END_PUNCTUATION || type == U_FINAL_PUNCTUATION || c == '"' ||
                   c == '\'' || c == 0x300D || c == 0x300F;  // 」』
    if (!closing) last = c;
  }
  switch (last) {
    case '?':
    case '!':
    case '.':     // inside quotes: 'she said "no."'
    case 0x2026:  // …
    case 0x203D:  // ‽
    case 0x3002:  // 。
    case 0xFF01:  // ！
    case 0xFF0E:  // ．
    case 0xFF1F:  // ？
      return out + cite;
    default:
      return out + cite + ".";
  }
}

// True when adding `gain` new words with `words` words scores higher than `best_gain` with
// `best_words`: gain / sqrt(words) compared exactly as gain² · best_words > best_gain² · words.
bool ScoresHigher(std::size_t gain, std::size_t words, std::size_t best_gain,
                  std::size_t best_words) {
  return static_cast<std::uint64_t>(gain) * gain * best_words >
         static_cast<std::uint64_t>(best_gain) * best_gain * words;
}

}  // namespace

Draft DraftSummary(const MatrixCell& cell, std::size_t word_budget) {
  if (word_budget == 0) return {};

  // Every sentence with a word in it, in transcript order.
  std::vector<Candidate> candidates;
  std::vector<std::size_t> segment_begin;  // the first candidate of each segment
  for (std::size_t s = 0; s < cell.segments.size(); ++s) {
    segment_begin.push_back(candidates.size());
    // Only the participant's speech, each of their pieces on its own: an interviewer's words
    // inside the segment are no sentence of theirs, and no sentence runs across them.
    const CellSegment& segment = cell.segments[s];
    std::vector<std::string_view> parts;
    if (segment.pieces.empty()) {
      if (segment.role == SpeakerRole::kParticipant) parts.push_back(segment.text);
    } else {
      for (std::size_t i = 0; i < segment.pieces.size(); ++i)
        if (const PieceView piece = segment.Piece(i); piece.role == SpeakerRole::kParticipant)
          parts.push_back(piece.text);
    }
    for (std::string_view part : parts) {
      std::string sanitized;
      std::string_view text = part;
      if (!IsValidUtf8(text)) text = sanitized = SanitizeUtf8(text);
      PointedIterator sentences(SentenceIterator(), text);
      if (sentences.null()) continue;
      int32_t start = sentences->first();
      for (int32_t end = sentences->next(); end != icu::BreakIterator::DONE;
           start = end, end = sentences->next()) {
        std::string_view sentence = TrimUnicode(
            text.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start)));
        if (CountWords(sentence) == 0) continue;
        candidates.push_back(MakeCandidate(s, sentence, word_budget));
      }
    }
  }
  segment_begin.push_back(candidates.size());

  // Greedy budgeted cover: the fitting candidate in [from, to) that adds the most uncovered
  // content words per sqrt(word), the earliest on ties.
  std::set<std::string> covered;
  std::vector<bool> chosen(candidates.size(), false);
  std::size_t left = word_budget;
  auto gain = [&](const Candidate& candidate) {
    return static_cast<std::size_t>(
        std::count_if(candidate.content.begin(), candidate.content.end(),
                      [&](const std::string& word) { return !covered.contains(word); }));
  };
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  auto best = [&](std::size_t from, std::size_t to, std::size_t& best_gain) {
    std::size_t best_index = kNone;
    for (std::size_t i = from; i < to; ++i) {
      if (chosen[i] || candidates[i].words > left) continue;
      std::size_t g = gain(candidates[i]);
      if (best_index == kNone ||
          ScoresHigher(g, candidates[i].words, best_gain, candidates[best_index].words)) {
        best_index = i;
        best_gain = g;
      }
    }
    return best_index;
  };
  auto choose = [&](std::size_t i) {
    chosen[i] = true;
    left -= candidates[i].words;
    covered.insert(candidates[i].content.begin(), candidates[i].content.end());
  };
  // First one sentence of each segment, while the budget allows.
  for (std::size_t s = 0; s < cell.segments.size() && left > 0; ++s) {
    std::size_t best_gain = 0;
    std::size_t i = best(segment_begin[s], segment_begin[s + 1], best_gain);
    if (i != kNone) choose(i);
  }
  // Then any sentence, while one fits and still adds an uncovered content word.
  for (;;) {
    std::size_t best_gain = 0;
    std::size_t i = best(0, candidates.size(), best_gain);
    if (i == kNone || best_gain == 0) break;
    choose(i);
  }

  Draft draft;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (!chosen[i]) continue;
    const CellSegment& segment = cell.segments[candidates[i].segment];
    std::string ref =
        LineRef{segment.line_start, std::max(segment.line_start, segment.line_end)}.ToString();
    // A space between sentences, except after an ideographic or fullwidth full stop.
    if (!draft.summary.empty() && !draft.summary.ends_with("\u3002") &&
        !draft.summary.ends_with("\uFF0E"))
      draft.summary += ' ';
    draft.summary += WithRef(candidates[i].text, ref);
    if (std::find(draft.refs.begin(), draft.refs.end(), ref) == draft.refs.end())
      draft.refs.push_back(std::move(ref));
  }
  return draft;
}

}  // namespace framework
