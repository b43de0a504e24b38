// Cases and decisions: the unit of work the abuse team triages, and every change made to it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/report.h"
#include "core/time.h"

namespace vigie {

// The life of a case (PRODUCT.md, "Cases"). A case is open while new, in triage or forwarded.
enum class CaseStatus { kNew, kTriage, kForwarded, kRejected, kRestricted, kClosed };
std::string_view CaseStatusName(CaseStatus status);  // "new", "triage", ...
std::optional<CaseStatus> ParseCaseStatus(std::string_view name);
bool IsOpen(CaseStatus status);

struct Case {
  int64_t id = 0;
  CaseStatus status = CaseStatus::kNew;
  std::string abuse_type;
  // What the case is about: "service:<id>" when attributed, else "target:<canonical target>".
  // Reports join an open case with the same subject and type.
  std::string subject;
  AttributionResult attribution = AttributionResult::kUnknown;
  std::string customer_id;
  std::string service_id;
  int64_t report_count = 0;  // reports and events counted in it
  Instant first_seen{};      // earliest abuse instant among its reports
  Instant last_seen{};       // latest abuse instant among its reports
  Instant created_at{};
  Instant updated_at{};
  std::optional<Instant> deadline;  // the customer's deadline once forwarded
  std::string outcome;              // set when closed or rejected
};

// What a decision does to a case.
enum class DecisionAction { kForward, kReject, kClose, kRestrict, kReopen };
std::string_view DecisionActionName(DecisionAction action);  // "forward", "reject", ...
std::optional<DecisionAction> ParseDecisionAction(std::string_view name);

// Who made a decision: a person (staff account) or a named automatic rule.
enum class ActorKind { kPerson, kRule };
std::string_view ActorKindName(ActorKind kind);  // "person", "rule"

// One entry of a case's append-only decision log. The fields after `message` are those a
// statement of reasons and the DSA transparency database need (REFERENCE.md); they are empty
// until a decision that restricts a service fills them.
struct Decision {
  int64_t id = 0;
  int64_t case_id = 0;
  DecisionAction action = DecisionAction::kForward;
  ActorKind actor_kind = ActorKind::kPerson;
  std::string actor;  // staff email, or the rule's name
  Instant decided_at{};
  CaseStatus status_before = CaseStatus::kNew;
  CaseStatus status_after = CaseStatus::kNew;
  std::string reason;               // reason code: "not_illicit", "incomplete", ..., or the outcome
  std::string message;              // the text sent with it (to the reporter or the customer)
  std::optional<Instant> deadline;  // forward: when the customer must have acted
  // DSA statement-of-reasons fields.
  std::string ground;            // "illegal_content", "incompatible_content" or ""
  std::string ground_reference;  // the law or the terms-of-service clause
  std::string facts;             // decision_facts, without personal data
  std::string category;          // STATEMENT_CATEGORY_* name without prefix
  std::string visibility;        // decision_visibility
  std::string provision;         // decision_provision
  std::string automated_decision = "NOT_AUTOMATED";  // FULLY, PARTIALLY, NOT_AUTOMATED
  bool automated_detection = false;
  std::string source_type;  // ARTICLE_16, TRUSTED_FLAGGER, OTHER_NOTIFICATION, VOLUNTARY
};

// The status a decision leads to, or nullopt when the action is not allowed from `from`.
std::optional<CaseStatus> StatusAfter(CaseStatus from, DecisionAction action);

// How urgently a type of abuse needs a person: the queue is sorted by it first. Harm to people
// (child abuse, terrorism, self-harm) comes before harm to systems, which comes before nuisance.
int UrgencyOf(std::string_view abuse_type);

// Reasons a case may be rejected for, and outcomes it may be closed with.
bool IsRejectionReason(std::string_view code);
bool IsClosureOutcome(std::string_view code);

}  // namespace vigie
