// Extractive draft summaries for uncharted cells.
#pragma once

#include <string>
#include <vector>

#include "framework/matrix.h"

namespace framework {

/// A drafted summary and the line references it cites.
struct Draft {
  std::string summary;
  std::vector<std::string> refs;
};

/// Drafts a summary of `cell` from its excerpts: deterministic and extractive (the participant's
/// own sentences, never rewritten or quoted; the researcher rewrites the draft).
///
/// - Sentences: each segment's participant speech (its participant-role pieces, each on its
///   own; an interviewer's or other speaker's words are never drafted) split at ICU sentence
///   boundaries (root locale), trimmed; sentences without a word are skipped. A sentence longer
///   than `word_budget` words is cut after its `word_budget`-th word and ends with "…".
/// - Choice: a greedy cover of the cell's content words (lower-cased words of three or more
///   letters, or with an ideograph, that are not English stop words). A sentence scores the
///   number of its content words no chosen sentence has yet, divided by the square root of its
///   word count (CountWords); ties go to the earlier sentence. First the best sentence of each
///   segment, segments in transcript order, while one fits the words left; then the best of all
///   sentences, while one fits and adds at least one uncovered content word. The words of the
///   chosen sentences (refs left out) never exceed `word_budget`.
/// - Output: the chosen sentences in transcript order, joined by a space (none after "。"),
///   each followed by its segment's line ref: a final full stop moves after the ref ("nothing on
///   perpetrators (L12-14)."; "。" likewise), '?', '!' and "…" stay before it ("Was it enough?
///   (L20)"), a sentence ending in closing quotes keeps them ("...anytime.\" (L4)"), and one
///   without final punctuation gets a full stop after the ref. `refs` holds each distinct ref
///   used ("L12", "L12-14"), in order of first use. Stray bytes show as U+FFFD.
/// - An empty cell, or a `word_budget` of 0, gives an empty Draft.
Draft DraftSummary(const MatrixCell& cell, std::size_t word_budget = 45);

}  // namespace framework
