#include "cases/decide.h"

#include <set>

#include "core/abuse_type.h"
#include "store/store.h"

namespace vigie {
namespace {

constexpr size_t kMaxMessageBytes = 10000;

Status Check(const DecisionRequest& request) {
  if (request.message.size() > kMaxMessageBytes) {
    return Error{"too_long", "the message is longer than 10,000 bytes"};
  }
  switch (request.action) {
    case DecisionAction::kReject:
      if (!IsRejectionReason(request.reason)) {
        return Error{"invalid_reason", "unknown rejection reason"};
      }
      // "other" says nothing by itself: the reporter must be told the reason in words.
      if (request.reason == "other" && request.message.empty()) {
        return Error{"message_required", "a rejection for another reason needs a message"};
      }
      break;
    case DecisionAction::kClose:
      if (!IsClosureOutcome(request.reason)) return Error{"invalid_reason", "unknown outcome"};
      break;
    default:
      break;
  }
  return Status::Ok();
}

// One mail per distinct reporter address among the case's reports.
void MailReporters(Transaction& tx, const std::string& kind, int64_t case_id, int64_t decision_id,
                   Instant now) {
  std::set<std::string> seen;
  for (const StoredReport& report : tx.ReportsOfCase(case_id)) {
    const std::string& email = report.draft.reporter.email;
    if (email.empty() || !seen.insert(email).second) continue;
    OutboxMail mail;
    mail.kind = kind;
    mail.recipient = email;
    mail.language = report.draft.language;
    mail.report_id = report.id;
    mail.case_id = case_id;
    mail.decision_id = decision_id;
    mail.next_attempt_at = now;
    tx.EnqueueMail(mail);
  }
}

}  // namespace

Result<Decision> Decide(Store& store, const DecisionRequest& request, Instant now) {
  if (Status checked = Check(request); !checked.ok()) return checked.error();

  std::optional<Error> refusal;
  Decision decision;
  Status status = store.Write([&](Transaction& tx) {
    std::optional<Case> current = tx.GetCase(request.case_id);
    if (!current) {
      refusal = Error{"not_found", "no such case"};
      return;
    }
    std::optional<CaseStatus> next = StatusAfter(current->status, request.action);
    if (!next) {
      refusal =
          Error{"invalid_transition",
                std::string("a ") + std::string(CaseStatusName(current->status)) +
                    " case cannot be " + std::string(DecisionActionName(request.action)) + "ed"};
      return;
    }
    std::string customer_email;
    if (request.action == DecisionAction::kForward) {
      customer_email = tx.CustomerEmail(current->customer_id);
      if (current->customer_id.empty() || customer_email.empty()) {
        refusal = Error{"invalid_transition",
                        "the case is not attributed to a customer with a contact address"};
        return;
      }
    }

    decision.case_id = current->id;
    decision.action = request.action;
    decision.actor_kind = request.actor_kind;
    decision.actor = request.actor;
    decision.decided_at = now;
    decision.status_before = current->status;
    decision.status_after = *next;
    decision.reason = request.reason;
    decision.message = request.message;
    decision.automated_decision =
        request.actor_kind == ActorKind::kRule ? "FULLY" : "NOT_AUTOMATED";
    decision.source_type = "ARTICLE_16";
    if (const AbuseType* type = FindAbuseType(current->abuse_type)) {
      decision.category = std::string(type->dsa_category);
    }
    std::string outcome;
    if (request.action == DecisionAction::kForward) {
      decision.deadline = now + request.customer_deadline;
    } else if (request.action == DecisionAction::kReject) {
      outcome = "rejected";
    } else if (request.action == DecisionAction::kClose) {
      outcome = request.reason;
    } else if (request.action == DecisionAction::kRestrict) {
      outcome = "restricted";
    }
    decision.id = tx.AppendDecision(decision, outcome);

    switch (request.action) {
      case DecisionAction::kForward: {
        OutboxMail notice;
        notice.kind = "notice";
        notice.recipient = customer_email;
        // TODO: the inventory carries no language for customers yet, so every notice is sent
        // in English; a customer_language column would let French customers read theirs.
        notice.language = "en";
        notice.case_id = current->id;
        notice.decision_id = decision.id;
        notice.next_attempt_at = now;
        tx.EnqueueMail(notice);
        break;
      }
      case DecisionAction::kReject:
        MailReporters(tx, "rejection", current->id, decision.id, now);
        break;
      case DecisionAction::kClose:
        MailReporters(tx, "closure", current->id, decision.id, now);
        break;
      default:
        break;
    }
  });
  if (!status.ok()) return status.error();
  if (refusal) return *refusal;
  return decision;
}

}  // namespace vigie
