// Filing the events read from an abuse mail: each is attributed at its own instant, counted
// once however often it is sent, and aggregated into cases exactly as reports are (same
// subject, same type, within the aggregation window). Events about resources that are not the
// provider's are stored for the record and go into no case: nobody is notified of them.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "cases/report_writer.h"
#include "core/event.h"
#include "core/report.h"
#include "store/store.h"

namespace vigie {

class AttributionIndex;

// The identity of an event for deduplication: a digest of its targets and type (the same
// target, type and time is the same event), and of the sender's own id when it gives one.
EventKey EventIdentity(const Event& event, std::string_view format);

// For each event, the attribution its case is about: the first target attributed to a
// service, else the first ambiguous one, else the first target's (as CaseSubject). `subject`
// receives the case subject of each. The IP lookups of all the events go through one batch.
std::vector<Attribution> AttributeEvents(const AttributionIndex* index,
                                         std::span<const Event> events,
                                         std::vector<std::string>& subjects);

struct EventCounts {
  int64_t stored = 0;
  int64_t duplicates = 0;  // already stored, or repeated in the same mail
  int64_t not_ours = 0;    // stored, in no case
  int64_t cases_opened = 0;
};

// Files `events` of mail `mail_id` inside the caller's transaction. `attributions` and
// `subjects` are what AttributeEvents returned for them. Throws StoreError like any step.
EventCounts FileEvents(Transaction& tx, int64_t mail_id, std::string_view format,
                       std::span<const Event> events, std::span<const Attribution> attributions,
                       std::span<const std::string> subjects, const CasePolicy& policy,
                       Instant now);

}  // namespace vigie
