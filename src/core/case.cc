#include "core/case.h"

#include <array>
#include <utility>

namespace vigie {
namespace {

constexpr std::array<std::pair<CaseStatus, std::string_view>, 6> kStatuses = {{
    {CaseStatus::kNew, "new"},
    {CaseStatus::kTriage, "triage"},
    {CaseStatus::kForwarded, "forwarded"},
    {CaseStatus::kRejected, "rejected"},
    {CaseStatus::kRestricted, "restricted"},
    {CaseStatus::kClosed, "closed"},
}};

constexpr std::array<std::pair<DecisionAction, std::string_view>, 5> kActions = {{
    {DecisionAction::kForward, "forward"},
    {DecisionAction::kReject, "reject"},
    {DecisionAction::kClose, "close"},
    {DecisionAction::kRestrict, "restrict"},
    {DecisionAction::kReopen, "reopen"},
}};

constexpr std::array<std::string_view, 7> kRejectionReasons = {
    "incomplete", "not_illicit",           "not_ours", "duplicate",
    "offensive",  "insufficient_evidence", "other"};

constexpr std::array<std::string_view, 6> kClosureOutcomes = {
    "remediated", "restricted", "rejected", "not_ours", "duplicate", "no_action"};

}  // namespace

std::string_view CaseStatusName(CaseStatus status) {
  for (const auto& [value, name] : kStatuses) {
    if (value == status) return name;
  }
  return "new";
}

std::optional<CaseStatus> ParseCaseStatus(std::string_view name) {
  for (const auto& [value, text] : kStatuses) {
    if (text == name) return value;
  }
  return std::nullopt;
}

bool IsOpen(CaseStatus status) {
  return status == CaseStatus::kNew || status == CaseStatus::kTriage ||
         status == CaseStatus::kForwarded;
}

std::string_view DecisionActionName(DecisionAction action) {
  for (const auto& [value, name] : kActions) {
    if (value == action) return name;
  }
  return "forward";
}

std::optional<DecisionAction> ParseDecisionAction(std::string_view name) {
  for (const auto& [value, text] : kActions) {
    if (text == name) return value;
  }
  return std::nullopt;
}

std::string_view ActorKindName(ActorKind kind) {
  return kind == ActorKind::kPerson ? "person" : "rule";
}

std::optional<CaseStatus> StatusAfter(CaseStatus from, DecisionAction action) {
  switch (action) {
    case DecisionAction::kForward:
      if (from == CaseStatus::kNew || from == CaseStatus::kTriage) return CaseStatus::kForwarded;
      return std::nullopt;
    case DecisionAction::kReject:
      if (from == CaseStatus::kNew || from == CaseStatus::kTriage) return CaseStatus::kRejected;
      return std::nullopt;
    case DecisionAction::kRestrict:
      if (IsOpen(from)) return CaseStatus::kRestricted;
      return std::nullopt;
    case DecisionAction::kClose:
      if (from != CaseStatus::kClosed && from != CaseStatus::kRejected) return CaseStatus::kClosed;
      return std::nullopt;
    case DecisionAction::kReopen:
      if (!IsOpen(from)) return CaseStatus::kTriage;
      return std::nullopt;
  }
  return std::nullopt;
}

int UrgencyOf(std::string_view abuse_type) {
  constexpr std::array<std::pair<std::string_view, int>, 12> kUrgency = {{
      {"child_sexual_abuse", 100},
      {"public_security", 100},
      {"minors_protection", 90},
      {"self_harm", 90},
      {"violence", 80},
      {"non_consensual", 70},
      {"phishing", 60},
      {"malware", 60},
      {"botnet", 55},
      {"dos", 55},
      {"spam", 10},
      {"spam_advertising", 20},
  }};
  for (const auto& [type, urgency] : kUrgency) {
    if (type == abuse_type) return urgency;
  }
  return 30;
}

bool IsRejectionReason(std::string_view code) {
  for (std::string_view reason : kRejectionReasons) {
    if (reason == code) return true;
  }
  return false;
}

bool IsClosureOutcome(std::string_view code) {
  for (std::string_view outcome : kClosureOutcomes) {
    if (outcome == code) return true;
  }
  return false;
}

}  // namespace vigie
