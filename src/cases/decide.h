// Decisions on a case: forward to the customer, reject, close. Each is appended to the case's
// decision log with who made it, when and why, and queues the mail it implies, in one
// transaction.
#pragma once

#include <chrono>
#include <string>

#include "core/case.h"
#include "core/result.h"

namespace vigie {

class Store;

struct DecisionRequest {
  int64_t case_id = 0;
  DecisionAction action = DecisionAction::kForward;
  std::string reason;   // reject: a rejection reason; close: an outcome; forward: optional note
  std::string message;  // free text for the reporter (reject, close) or the customer (forward)
  ActorKind actor_kind = ActorKind::kPerson;
  std::string actor;                                               // staff email or rule name
  std::chrono::seconds customer_deadline{std::chrono::hours(48)};  // forward only
};

// Records the decision and queues its mail. Errors: "not_found" (no such case),
// "invalid_transition" (the action is not allowed in the case's status), "invalid_reason"
// (unknown rejection reason or outcome), "too_long" (message over 10,000 bytes), "database".
Result<Decision> Decide(Store& store, const DecisionRequest& request, Instant now);

}  // namespace vigie
