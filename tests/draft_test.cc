// Extractive draft summaries (draft.h). Cells are built by hand; every draft is written out in
// full, and a helper checks the promise that the summary, refs left out, keeps to the budget.
#include "framework/draft.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "framework/chart.h"
#include "framework/matrix.h"
#include "framework/text.h"

using framework::CellSegment;
using framework::CountWords;
using framework::Draft;
using framework::DraftSummary;
using framework::MatrixCell;

namespace {

CellSegment Segment(std::string text, int line_start, int line_end) {
  CellSegment segment;
  segment.text = std::move(text);
  segment.code = "training.content";
  segment.line_start = line_start;
  segment.line_end = line_end;
  segment.speaker = "P1";
  return segment;
}

MatrixCell Cell(std::vector<CellSegment> segments) {
  MatrixCell cell;
  cell.segments = std::move(segments);
  for (const CellSegment& segment : cell.segments) cell.words += CountWords(segment.text);
  return cell;
}

// The words of `summary` with every " (L…)" citation taken out.
std::size_t WordsWithoutRefs(std::string_view summary) {
  std::string text(summary);
  std::vector<framework::LineRefInText> refs = framework::FindLineRefs(text);
  for (auto it = refs.rbegin(); it != refs.rend(); ++it) {
    REQUIRE(it->offset >= 2);
    REQUIRE(text.substr(it->offset - 2, 2) == " (");
    REQUIRE(text[it->offset + it->length] == ')');
    text.erase(it->offset - 2, it->length + 3);
  }
  return CountWords(text);
}

// DraftSummary, checked against its budget.
Draft Drafted(const MatrixCell& cell, std::size_t budget) {
  Draft draft = DraftSummary(cell, budget);
  CHECK(WordsWithoutRefs(draft.summary) <= budget);
  return draft;
}

using Refs = std::vector<std::string>;

// Three segments. The first has two sentences that each score higher than the third segment's
// only sentence, so a plain greedy choice would take both before it.
MatrixCell ThreeSegments() {
  return Cell({
      Segment("The training covered risk assessment in detail. Managers never explained the "
              "referral pathway to us. Supervision was rare.",
              3, 5),
      Segment("Nobody mentioned perpetrators.", 9, 9),
      Segment("I learnt more from colleagues than from the course.", 15, 16),
  });
}

}  // namespace

TEST_CASE("DraftSummary of one short segment is its sentence and ref") {
  Draft draft = Drafted(Cell({Segment("We had one training day on risk assessment.", 12, 14)}), 45);
  CHECK(draft.summary == "We had one training day on risk assessment (L12-14).");
  CHECK(draft.refs == Refs{"L12-14"});

  draft = Drafted(Cell({Segment("  Just the one day.  ", 7, 7)}), 45);
  CHECK(draft.summary == "Just the one day (L7).");
  CHECK(draft.refs == Refs{"L7"});
}

TEST_CASE("DraftSummary of an empty cell, or with no budget, is empty") {
  Draft draft = Drafted(MatrixCell{}, 45);
  CHECK(draft.summary == "");
  CHECK(draft.refs.empty());

  draft = Drafted(Cell({Segment("We had one training day.", 2, 2)}), 0);
  CHECK(draft.summary == "");
  CHECK(draft.refs.empty());

  // Segments without a word in them give nothing to draft from.
  draft = Drafted(Cell({Segment("", 2, 2), Segment("... --", 3, 3)}), 45);
  CHECK(draft.summary == "");
  CHECK(draft.refs.empty());
}

TEST_CASE("DraftSummary covers every segment before a second sentence of the first") {
  MatrixCell cell = ThreeSegments();
  // 7 + 3 + 9 words; the first segment's second sentence (8 words) no longer fits.
  Draft draft = Drafted(cell, 20);
  CHECK(draft.summary ==
        "The training covered risk assessment in detail (L3-5). Nobody mentioned perpetrators "
        "(L9). I learnt more from colleagues than from the course (L15-16).");
  CHECK(draft.refs == Refs{"L3-5", "L9", "L15-16"});

  // With room for all 30 words the rest of the first segment follows, in transcript order.
  draft = Drafted(cell, 30);
  CHECK(draft.summary ==
        "The training covered risk assessment in detail (L3-5). Managers never explained the "
        "referral pathway to us (L3-5). Supervision was rare (L3-5). Nobody mentioned "
        "perpetrators (L9). I learnt more from colleagues than from the course (L15-16).");
  CHECK(draft.refs == Refs{"L3-5", "L9", "L15-16"});
  CHECK(WordsWithoutRefs(draft.summary) == 30);
}

TEST_CASE("DraftSummary keeps to the word budget") {
  MatrixCell cell = ThreeSegments();
  // Room for the first segment's best sentence and the second segment's only one.
  Draft draft = Drafted(cell, 10);
  CHECK(draft.summary ==
        "The training covered risk assessment in detail (L3-5). Nobody mentioned perpetrators "
        "(L9).");
  CHECK(draft.refs == Refs{"L3-5", "L9"});

  // 7 + 3 leaves 2 of 12: nothing else fits, and nothing is cut to fill the gap.
  draft = Drafted(cell, 12);
  CHECK(draft.summary ==
        "The training covered risk assessment in detail (L3-5). Nobody mentioned perpetrators "
        "(L9).");

  // Every budget: the words, refs left out, never exceed it (checked inside Drafted).
  for (std::size_t budget = 1; budget <= 40; ++budget) {
    CAPTURE(budget);
    Drafted(cell, budget);
  }
}

TEST_CASE("DraftSummary cuts a sentence longer than the budget at a word boundary") {
  MatrixCell cell = Cell({Segment(
      "When I started in the team, there was no induction at all and nobody told me where the "
      "policies were kept.",
      7, 8)});
  Draft draft = Drafted(cell, 8);
  CHECK(draft.summary == "When I started in the team, there was\u2026 (L7-8)");
  CHECK(draft.refs == Refs{"L7-8"});

  // The cut falls after the last word, before the comma that follows it.
  draft = Drafted(cell, 6);
  CHECK(draft.summary == "When I started in the team\u2026 (L7-8)");

  // Cut sentences compete too: with 5 words the first segment's best sentence, cut, wins over
  // the 3-word one that fits whole.
  draft = Drafted(ThreeSegments(), 5);
  CHECK(draft.summary == "The training covered risk assessment\u2026 (L3-5)");
  CHECK(draft.refs == Refs{"L3-5"});
}

TEST_CASE("DraftSummary keeps '?', '!' and ellipses before the ref") {
  Draft draft =
      Drafted(Cell({Segment("Was it enough? I don't think so. Nobody checked!", 20, 20)}), 45);
  CHECK(draft.summary == "Was it enough? (L20) I don't think so (L20). Nobody checked! (L20)");
  CHECK(draft.refs == Refs{"L20"});

  draft = Drafted(Cell({
                      Segment("She said \"ring us anytime.\"", 4, 4),
                      Segment("and then nothing", 6, 6),
                      Segment("I waited...", 8, 8),
                  }),
                  45);
  CHECK(draft.summary ==
        "She said \"ring us anytime.\" (L4) and then nothing (L6). I waited... (L8)");
  CHECK(draft.refs == Refs{"L4", "L6", "L8"});
}

TEST_CASE("DraftSummary prefers the earlier sentence on a tie") {
  // Both sentences: 3 words, 2 content words.
  MatrixCell cell = Cell({Segment("Budgets were cut. Staff were tired.", 2, 3)});
  CHECK(Drafted(cell, 3).summary == "Budgets were cut (L2-3).");
  CHECK(Drafted(cell, 6).summary == "Budgets were cut (L2-3). Staff were tired (L2-3).");

  // A sentence that adds no new content word is not added.
  cell = Cell({Segment("Budgets were cut. Yes, budgets were cut. Staff were tired.", 2, 3)});
  CHECK(Drafted(cell, 45).summary == "Budgets were cut (L2-3). Staff were tired (L2-3).");
}

TEST_CASE("DraftSummary of Welsh, Chinese and Japanese text") {
  MatrixCell welsh =
      Cell({Segment("Roedd yr hyfforddiant yn dda. Ond doedd dim sôn am gyflawnwyr.", 30, 31)});
  Draft draft = Drafted(welsh, 45);
  CHECK(draft.summary ==
        "Roedd yr hyfforddiant yn dda (L30-31). Ond doedd dim sôn am gyflawnwyr (L30-31).");
  CHECK(draft.refs == Refs{"L30-31"});
  // 6 words: the second sentence has more content words per word.
  CHECK(Drafted(welsh, 6).summary == "Ond doedd dim sôn am gyflawnwyr (L30-31).");

  MatrixCell chinese =
      Cell({Segment("培训很有用。但是没有人提到施暴者。", 40, 40), Segment("这够吗？", 42, 42)});
  draft = Drafted(chinese, 45);
  CHECK(draft.summary == "培训很有用 (L40)。但是没有人提到施暴者 (L40)。这够吗？ (L42)");
  CHECK(draft.refs == Refs{"L40", "L42"});

  MatrixCell japanese =
      Cell({Segment("研修は役に立ちました。加害者の話はありませんでした。", 50, 51)});
  draft = Drafted(japanese, 45);
  CHECK(draft.summary == "研修は役に立ちました (L50-51)。加害者の話はありませんでした (L50-51)。");
  CHECK(draft.refs == Refs{"L50-51"});

  // Invalid UTF-8 shows as U+FFFD, as everywhere else.
  draft = Drafted(Cell({Segment("A bad \xFF byte here.", 1, 1)}), 45);
  CHECK(draft.summary == "A bad \uFFFD byte here (L1).");
}

TEST_CASE("DraftSummary is deterministic, across calls and threads") {
  MatrixCell cell = ThreeSegments();
  const std::string expected =
      "The training covered risk assessment in detail (L3-5). Nobody mentioned perpetrators "
      "(L9). I learnt more from colleagues than from the course (L15-16).";
  Draft first = DraftSummary(cell, 20);
  Draft second = DraftSummary(cell, 20);
  CHECK(first.summary == expected);
  CHECK(second.summary == expected);
  CHECK(first.refs == second.refs);

  Draft in_thread;
  std::thread([&] { in_thread = DraftSummary(cell, 20); }).join();
  CHECK(in_thread.summary == expected);
  CHECK(in_thread.refs == first.refs);
}

TEST_CASE("DraftSummary lists each distinct ref once, in order of first use") {
  MatrixCell cell = Cell({
      Segment("Nobody mentioned perpetrators.", 9, 9),
      Segment("The course ignored coercive control.", 12, 14),
      Segment("Perpetrator programmes were never discussed.", 9, 9),  // same lines, another code
      Segment("Colleagues filled the gaps.", 21, 21),
  });
  Draft draft = Drafted(cell, 45);
  CHECK(draft.summary ==
        "Nobody mentioned perpetrators (L9). The course ignored coercive control (L12-14). "
        "Perpetrator programmes were never discussed (L9). Colleagues filled the gaps (L21).");
  CHECK(draft.refs == Refs{"L9", "L12-14", "L21"});

  // With room for 10 words: 3 + 5, then the 2 left fit nothing.
  draft = Drafted(cell, 10);
  CHECK(draft.summary ==
        "Nobody mentioned perpetrators (L9). The course ignored coercive control (L12-14).");
  CHECK(draft.refs == Refs{"L9", "L12-14"});
}
