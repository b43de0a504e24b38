// A report: one submission from one source, and what vigie derived from it.
//
// The submission is kept exactly as received (`raw`, with its SHA-256) and never edited;
// every other field is derived from it and may be recomputed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/target.h"
#include "core/time.h"

namespace vigie {

// How the report reached vigie.
enum class Channel { kForm, kApi, kMail, kStaff };
std::string_view ChannelName(Channel channel);  // "form", "api", "mail", "staff"
std::optional<Channel> ParseChannel(std::string_view name);

// Who is speaking. A machine reporter is a system sending structured reports (XARF, feeds).
enum class ReporterKind { kPerson, kLegalEntity, kAuthority, kMachine };
std::string_view ReporterKindName(ReporterKind kind);  // "person", "legal_entity", ...
std::optional<ReporterKind> ParseReporterKind(std::string_view name);

struct Reporter {
  ReporterKind kind = ReporterKind::kPerson;
  std::string name;        // person: "First Last"; entity: company name; authority: designation
  std::string legal_form;  // legal entities only ("SAS", "GmbH", ...)
  std::string email;       // may be empty only where the abuse type allows anonymity
  bool share_email = false;
};

// A validated submission, ready to be stored. Intake (form, API, XARF, mail) produces it;
// nothing downstream needs to know which parser did.
struct ReportDraft {
  Channel channel = Channel::kForm;
  std::string format;    // "form", "vigie_json", "xarf4", ...
  std::string raw;       // the submission byte for byte
  std::string raw_type;  // its media type ("application/json", ...)
  std::vector<Target> targets;
  ZonedInstant observed;   // when the abuse was seen, with the reporter's zone
  std::string abuse_type;  // an AbuseType id
  Reporter reporter;
  std::string description;
  bool good_faith = false;       // the reporter ticked the good-faith statement
  std::string language;          // "en" or "fr": the reporter's language for all mail
  std::string source_report_id;  // the sender's own id (XARF report_id), if any
};

// How a target was attributed at the abuse instant.
enum class AttributionResult { kAttributed, kAmbiguous, kNotOurs, kUnknown };
std::string_view AttributionResultName(AttributionResult result);
std::optional<AttributionResult> ParseAttributionResult(std::string_view name);

struct Attribution {
  AttributionResult result = AttributionResult::kUnknown;
  std::string customer_id;  // set when attributed
  std::string service_id;   // set when attributed
  std::string matched;      // the inventory resource that matched ("192.0.2.0/24", "example.com")
  std::vector<std::string> candidates;  // service ids in play when ambiguous
};

}  // namespace vigie
