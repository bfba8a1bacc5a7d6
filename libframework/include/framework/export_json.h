// The whole model as one JSON document (`export --format json`, schemas/export.schema.json):
// the framework, the participants, and each theme's matrix with its segments and chart entries.
#pragma once

#include <string>
#include <vector>

#include "framework/export.h"
#include "framework/study.h"

namespace framework {

/// What `WriteExportJson` exports.
struct ExportJsonOptions {
  /// Indexes into `study.framework.themes`, in the order given; empty: every theme, in order.
  std::vector<int> themes;
  /// The globs the study's transcripts were chosen by (LoadOptions::only), recorded in a part's
  /// `part.only` (a study loaded whole has no `part`).
  std::vector<std::string> only;
  /// Threads that write the matrices' rows (in blocks, added in order: the same bytes whatever
  /// the number); 0: every core.
  unsigned jobs = 0;
};

/// Writes the export document to `sink`, piece by piece (about 64 KiB each, the rest at the
/// end): `format`, `version`, `title`, `framework` (the themes exported), `participants` (the
/// declared ones and any with a transcript, in natural order, attribute values typed as
/// declared), `matrices` (per theme: its rows and orphan chart entries), and, for a study
/// loaded as a part (`study.partial`), the rows of the part's own participants only and a
/// `part` record for `framework merge`. Laid out as nlohmann's dump(2), with a final line
/// break; the same bytes on every run. Each theme's matrix is built, written and dropped
/// before the next, its chart entries moved out of `study.charts`, so memory holds one matrix.
void WriteExportJson(Study& study, const ExportJsonOptions& options, const TextSink& sink);

/// WriteExportJson's document as one string, `study` left as it is (its charts copied).
std::string ExportJson(const Study& study, const ExportJsonOptions& options);

/// `framework show --format json`: the document `framework-show` of `transcript` (read with its
/// text) with `line_count` lines, its segments of `columns` in order (all of them when
/// `columns` is empty), each with its code, theme, sub-theme, lines, speaker and text. Written
/// to `sink` a segment at a time, laid out as nlohmann's dump(2), so a large transcript is
/// never held twice.
void WriteShowJson(const Transcript& transcript, const Framework& framework, std::size_t line_count,
                   const std::vector<ColumnRef>& columns, const TextSink& sink);

}  // namespace framework
