// Disclosure control shared by every output that names a group or attributes a text: which
// attribution each participant may be given so that it fits at least `min_group` participants,
// and under which group heading a text may stand when texts are grouped by an attribute.
// docs/disclosure.md gives the rules and why no subtraction of one output from another
// recovers what they withhold.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "framework/diagnostic.h"
#include "framework/study.h"

namespace framework {

/// The participants every output counts: the declared participants and any with a transcript,
/// in natural id order (the rows of every matrix).
std::vector<std::string> Population(const Study& study);

/// How many leading fields each record may show so that what it shows fits at least
/// `min_group` records. `keys[r][f]` is record r's value of field f (nothing: missing; every
/// record has the same number of fields). The result, per record, is a count of leading
/// fields, 0 to the number of fields.
///
/// The rule, applied from the first field on: the records that share their first k fields are
/// split by field k+1; parts with at least `min_group` records go on to the next field, the
/// others stop at k fields. If the records that stop at k are fewer than `min_group` (but not
/// none), the smallest parts that would go on stop at k too (smallest first, ties by value),
/// until they are enough or none is left. So every combination shown fits `min_group` records,
/// and so do the records shown with a shorter one (no reader can tell "the one whose longer
/// combination was rare" from the rest). Deterministic.
std::vector<std::size_t> SafeFieldCounts(
    const std::vector<std::vector<std::optional<std::string>>>& keys, int min_group);

/// Each participant's attribution, as `quotes`, `summarise` and `export` give it.
struct AttributionPlan {
  std::string pattern;              ///< framework.yaml's `attribution`
  std::vector<std::string> fields;  ///< the template's placeholders that are attributes, in order
  bool identifying = false;         ///< --allow-identifying (or --ids): every field kept
  std::map<std::string, std::size_t> kept;  ///< participant -> fields kept (absent: all)
  /// `participant`'s attribution: the template filled with the fields kept (the others
  /// left out as missing values are), as `Attribute` fills it.
  std::string Label(const Study& study, const std::string& participant, bool allow_id) const;
  /// Whether `participant`'s attribution leaves out a field it has.
  bool Coarsened(const std::string& participant) const;
};

/// The attributions of `population` under `study`'s template, each coarsened (fields dropped
/// from the right, by `SafeFieldCounts`) until it fits at least `min_group` of them, unless
/// `identifying`. The same plan is used by every output, so the same participant has the same
/// attribution everywhere.
AttributionPlan PlanAttribution(const Study& study, const std::vector<std::string>& population,
                                int min_group, bool identifying);

/// Where each text goes when texts are grouped (quotes --by, summarise's range of views with
/// --by): `group[i]` is participant i's group (an index into the shown groups, every
/// participant in one), `label[i]` its attribution. Returns each participant's heading: its
/// group, or `other` when the texts with that attribution in that group would come from fewer
/// than `min_group` participants (within each attribution, the groups too small for it, and
/// if they are still too few the smallest others, go under `other`). A reader then learns of
/// each text an attribution and a heading shared by at least `min_group` participants, and
/// nothing finer by setting a grouped output beside an ungrouped one.
std::vector<int> TextHeadings(const std::vector<int>& group, const std::vector<std::string>& label,
                              int other, int min_group);

/// Warnings (rule `identifying-attribution`, at the participant's entry in the participants
/// file `path` holding `contents`) for each attribution that fits fewer than `min_group`
/// participants of the study, once per attribution, naming the coarser one used instead.
void AttributionWarnings(const Study& study, const std::string& path, const std::string& contents,
                         Diagnostics& out);

}  // namespace framework
