// The steps of filing one report, shared by every intake path: attribution of its targets,
// and, inside the caller's transaction, joining or opening its case and queueing the reporter's
// acknowledgement.
#pragma once

#include <span>
#include <vector>

#include "cases/report_writer.h"
#include "store/store.h"

namespace vigie {

// Attributes each target of `draft` at its abuse instant. A null index (no inventory loaded)
// leaves every target unknown.
std::vector<StoredTarget> AttributeTargets(const AttributionIndex* index, const ReportDraft& draft);

// The same for many reports at once, the result in the order of `drafts`: the targets with an
// IP address, of all the reports, go through one AttributionIndex::ResolveIps batch.
std::vector<std::vector<StoredTarget>> AttributeTargets(const AttributionIndex* index,
                                                        std::span<const ReportDraft* const> drafts);

// The subject a report is aggregated under: the first attributed target's service, else the
// first ambiguous target, else the first target itself.
// TODO: a report naming services of two different customers joins only the case of the first;
// splitting it into one case per service needs a report-to-case link table.
std::string CaseSubject(const std::vector<StoredTarget>& targets, const Attribution** chosen);

// A new case about `subject` and `abuse_type`, seen first and last at `observed`, attributed as
// `attribution` says (null: unknown), counting `count` reports or events.
Case NewCase(std::string subject, std::string abuse_type, const Attribution* attribution,
             Instant observed, int64_t count, Instant now);

// Stores `report` (its `draft` set) in its case, opening one when no open case has the same
// subject and type within the window. A report whose targets are all outside the provider's
// networks is closed at once as "not ours" by an automatic rule, and the reporter is told.
// Returns the case id. Throws StoreError like any transaction step.
int64_t FileReport(Transaction& tx, const NewReport& report, const CasePolicy& policy, Instant now);

// The name of the automatic rule that closes reports about resources that are not ours.
inline constexpr const char* kNotOursRule = "attribution.not_ours";

}  // namespace vigie
