#include "cases/filing.h"

#include <algorithm>
#include <utility>

#include "attribution/index.h"

namespace vigie {

std::vector<std::vector<StoredTarget>> AttributeTargets(
    const AttributionIndex* index, std::span<const ReportDraft* const> drafts) {
  std::vector<std::vector<StoredTarget>> out(drafts.size());
  for (size_t r = 0; r < drafts.size(); ++r) {
    out[r].reserve(drafts[r]->targets.size());
    for (const Target& target : drafts[r]->targets) {
      out[r].push_back(StoredTarget{target, Attribution{}});
    }
  }
  if (index == nullptr) return out;

  // Targets with an address (IPs, URLs with an IP literal), of every report at once, are
  // resolved together, which answers exactly as Resolve one by one but overlaps their memory
  // reads; the others go by their host name.
  std::vector<IpQuery> queries;
  std::vector<std::pair<size_t, size_t>> positions;
  for (size_t r = 0; r < drafts.size(); ++r) {
    Instant at = drafts[r]->observed.instant;
    for (size_t i = 0; i < out[r].size(); ++i) {
      const Target& target = out[r][i].target;
      if (target.ip) {
        queries.push_back({*target.ip, at});
        positions.emplace_back(r, i);
      } else {
        out[r][i].attribution = index->Resolve(target, at);
      }
    }
  }
  std::vector<Attribution> answers(queries.size());
  index->ResolveIps(queries, answers);
  for (size_t k = 0; k < positions.size(); ++k) {
    out[positions[k].first][positions[k].second].attribution = std::move(answers[k]);
  }
  return out;
}

std::vector<StoredTarget> AttributeTargets(const AttributionIndex* index,
                                           const ReportDraft& draft) {
  const ReportDraft* one[] = {&draft};
  return std::move(AttributeTargets(index, one).front());
}

std::string CaseSubject(const std::vector<StoredTarget>& targets, const Attribution** chosen) {
  *chosen = nullptr;
  for (AttributionResult wanted : {AttributionResult::kAttributed, AttributionResult::kAmbiguous}) {
    for (const StoredTarget& stored : targets) {
      if (stored.attribution.result != wanted) continue;
      *chosen = &stored.attribution;
      if (wanted == AttributionResult::kAttributed)
        return "service:" + stored.attribution.service_id;
      return "target:" + stored.target.canonical;
    }
  }
  if (targets.empty()) return "target:";
  *chosen = &targets.front().attribution;
  return "target:" + targets.front().target.canonical;
}

Case NewCase(std::string subject, std::string abuse_type, const Attribution* attribution,
             Instant observed, int64_t count, Instant now) {
  Case fresh;
  fresh.status = CaseStatus::kNew;
  fresh.abuse_type = std::move(abuse_type);
  fresh.subject = std::move(subject);
  if (attribution != nullptr) {
    fresh.attribution = attribution->result;
    fresh.customer_id = attribution->customer_id;
    fresh.service_id = attribution->service_id;
  }
  fresh.report_count = count;
  fresh.first_seen = observed;
  fresh.last_seen = observed;
  fresh.created_at = now;
  fresh.updated_at = now;
  return fresh;
}

int64_t FileReport(Transaction& tx, const NewReport& report, const CasePolicy& policy,
                   Instant now) {
  const ReportDraft& draft = *report.draft;
  const Attribution* attribution = nullptr;
  std::string subject = CaseSubject(report.targets, &attribution);
  bool all_not_ours =
      !report.targets.empty() &&
      std::all_of(report.targets.begin(), report.targets.end(), [](const StoredTarget& t) {
        return t.attribution.result == AttributionResult::kNotOurs;
      });
  Instant observed = draft.observed.instant;

  int64_t case_id = 0;
  std::optional<Case> open;
  if (!all_not_ours) {
    open = tx.FindOpenCase(subject, draft.abuse_type, observed - policy.aggregation_window);
  }
  if (open) {
    case_id = open->id;
    tx.CountReportInCase(case_id, observed, now);
  } else {
    case_id = tx.InsertCase(NewCase(subject, draft.abuse_type, attribution, observed, 1, now));
  }
  int64_t report_id = tx.InsertReport(report, case_id);

  if (!draft.reporter.email.empty()) {
    OutboxMail ack;
    ack.kind = "acknowledgement";
    ack.recipient = draft.reporter.email;
    ack.language = draft.language;
    ack.report_id = report_id;
    ack.case_id = case_id;
    ack.next_attempt_at = now;
    tx.EnqueueMail(ack);
  }

  if (all_not_ours) {
    Decision decision;
    decision.case_id = case_id;
    decision.action = DecisionAction::kClose;
    decision.actor_kind = ActorKind::kRule;
    decision.actor = kNotOursRule;
    decision.decided_at = now;
    decision.status_before = CaseStatus::kNew;
    decision.status_after = CaseStatus::kClosed;
    decision.reason = "not_ours";
    decision.automated_decision = "FULLY";
    decision.automated_detection = true;
    decision.source_type = draft.channel == Channel::kMail ? "OTHER_NOTIFICATION" : "ARTICLE_16";
    int64_t decision_id = tx.AppendDecision(decision, "not_ours");
    if (!draft.reporter.email.empty()) {
      OutboxMail closure;
      closure.kind = "closure";
      closure.recipient = draft.reporter.email;
      closure.language = draft.language;
      closure.report_id = report_id;
      closure.case_id = case_id;
      closure.decision_id = decision_id;
      closure.next_attempt_at = now;
      tx.EnqueueMail(closure);
    }
  }
  return case_id;
}

}  // namespace vigie
