// Intake: turning outside input (the public web form, vigie's own API JSON, XARF v4) into a
// validated ReportDraft, or into the complete list of what is wrong with it.
//
// Everything handed to these functions is untrusted. They never throw on bad input, never log,
// do no I/O and read no clock: the caller passes the current instant in IntakePolicy. They are
// safe to call from several threads at once.
//
// Example:
//   IntakePolicy policy{.now = Now()};
//   IntakeResult result = ValidateApiJson(body, policy);
//   if (!result.ok()) {
//     for (const FieldError& error : result.errors) { ... DescribeFieldError(error, "fr") ... }
//   }
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/report.h"
#include "core/time.h"

namespace vigie::intake {

// One thing wrong with a submission.
//
// `field` names where the problem is, in the vocabulary of the input it came from: a form field
// ("email", "abuse_date", "targets[2]"), a JSON member path ("reporter.email", "observed_at"),
// or "body" for the submission as a whole. List indexes are 0-based.
// `code` is stable and machine-readable ("required", "invalid_email", "too_long", ...; the full
// list is in messages.h). `detail` is an optional value the message needs, such as a limit
// ("20000") or the expected JSON type ("string"); it never holds the submitted value.
struct FieldError {
  std::string field;
  std::string code;
  std::string detail;
};

// The limits intake enforces. `now` must be set by the caller (tests pass a fixed instant).
struct IntakePolicy {
  Instant now;
  // The abuse may not have been seen longer ago than this...
  std::chrono::seconds max_age{std::chrono::hours(24 * 365)};
  // ...nor later than now plus this margin (clocks drift; reporters round up).
  std::chrono::seconds future_tolerance{std::chrono::minutes(10)};
  size_t max_targets = 50;
  size_t max_description_bytes = 20000;
  // A description a person writes must have at least this many characters (code points).
  size_t min_description_chars = 10;
  // JSON bodies larger than this are refused before parsing. XARF evidence is inline base64,
  // so this is generous.
  size_t max_body_bytes = 8 * 1024 * 1024;
};

// The outcome of a validation: exactly one of the two is meaningful. When `errors` is empty,
// `draft` holds the report; otherwise `draft` is empty and `errors` lists every problem found
// (not just the first), in a stable order that follows the form's fields.
struct IntakeResult {
  std::optional<ReportDraft> draft;
  std::vector<FieldError> errors;

  bool ok() const { return draft.has_value(); }
};

// The public web form, posted as application/x-www-form-urlencoded and already decoded by the
// web layer into name/value pairs (in body order; a name may repeat).
//
// Fields read:
//   targets         textarea, one target per line (blank lines skipped); "target" may also be
//                   repeated, one target each. Errors name "targets[i]", i counting the
//                   non-blank entries of both in body order.
//   abuse_date      YYYY-MM-DD            abuse_time   HH:MM or HH:MM:SS
//   abuse_zone      IANA zone name; empty means "UTC"
//   abuse_type      an AbuseType id
//   reporter_kind   person | legal_entity | authority
//   first_name, last_name (person); legal_form, company_name (legal_entity);
//   authority_name (authority)
//   email, description
//   good_faith, share_email   checkboxes: "on", "yes", "1" or "true" mean ticked
//   language        "en" or "fr" ("fr-FR" and the like are read as "fr"); the web layer passes
//                   the page language here. Missing or unknown: "en" (the reporter cannot fix
//                   a hidden field, so this is not an error).
// Other names (CSRF token, submit button) are ignored. A single-valued field given twice with
// different values is an error ("repeated").
//
// Child sexual abuse reports may be anonymous: the form does not ask for a name then, so any
// name fields present (left over from another type chosen before) are dropped rather than
// stored; the email stays optional and is kept when given.
//
// `raw_body` is stored as the report's raw submission, byte for byte.
IntakeResult ValidateForm(const std::vector<std::pair<std::string, std::string>>& fields,
                          std::string_view raw_body, const IntakePolicy& policy);

// A JSON body posted to the API. Two formats are recognised:
//
// * XARF v4, when the top-level object has an "xarf_version" member (it must be a string
//   starting with "4"). Unknown members are ignored, as the XARF schema allows extensions.
//   See xarf.h for how categories map to abuse types and how the description is built.
// * Otherwise vigie's own format:
//     {"targets": ["192.0.2.1", "https://example.com/x"],
//      "abuse_type": "phishing",
//      "observed_at": "2026-03-01T14:05:00+01:00",         // RFC 3339, offset mandatory
//      "reporter": {"kind": "person", "name": "...", "legal_form": "...",
//                   "email": "...", "share_email": false},
//      "description": "...", "good_faith": true, "language": "en"}
//   Unknown members, at the top level and in "reporter", are errors ("unknown_field"), so that
//   a misspelt member does not silently lose data. A member given twice in one object is an
//   error too ("duplicate_field"): JSON parsers disagree on which one counts. A member of the wrong
//   JSON type is "wrong_type"; null counts as absent. "kind" defaults to "person" ("machine" is
//   allowed too), "language" to "en", "share_email" to false; "good_faith" must be true.
//
// A body that is too large, not UTF-8, not JSON or not an object gives one error on "body".
// `body` is stored as the report's raw submission, byte for byte.
IntakeResult ValidateApiJson(std::string_view body, const IntakePolicy& policy);

// True when `json_body` parses as a JSON object whose "xarf_version" is a string starting with
// "4". Used to route a JSON body (or a mail attachment) to the XARF reader.
bool LooksLikeXarf(std::string_view json_body);

}  // namespace vigie::intake
