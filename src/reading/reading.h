// Reading: what an abuse mail says, in machine terms. One RFC 5322 message in, the format it is
// in and the events it carries out, or the reason it carries none we can use.
//
// Formats are recognised from the content, never from the sender's address: ARF feedback
// reports (RFC 5965, RFC 6591), X-ARF 0.1/0.2, XARF v3 and v4 JSON, Shadowserver CSV (plain or
// zipped), ACNS copyright notices, IODEF v1, Google Safe Browsing notifications; anything else
// is free text, from which candidate targets and times are extracted for a person to confirm.
//
// Everything handed in is hostile. ReadMail never throws on bad input, does no I/O, reads no
// clock and logs nothing; it is safe to call from several threads at once.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/time.h"

namespace vigie {

class XarfSchemas;  // intake/json_schema.h

// The limits that keep one message from costing more than it is worth. Going past one refuses
// the message (status kRejected) with the limit's name as the reason.
struct MailLimits {
  size_t max_message_bytes = 32u << 20;  // "message_too_large"
  size_t max_part_bytes = 16u << 20;  // one decoded MIME part or archive member: "part_too_large"
  int max_depth = 8;                  // multipart/message/archive nesting: "too_deep"
  int max_parts = 256;                // MIME parts plus archive members: "too_many_parts"
  size_t max_archive_bytes = 128u << 20;  // all archive members unpacked: "archive_too_large"
  int max_archive_ratio = 200;    // unpacked size over packed size of one member: "archive_ratio"
  size_t max_events = 1'000'000;  // "too_many_events"
};

// What became of a message. `kNeedsHuman`: nothing machine-readable, a person must look (free
// text, or a known format whose content could not be used). `kIgnored`: understood and
// deliberately left out of cases (not-spam and auth-failure feedback, delivery notifications,
// auto-replies). `kRejected`: refused (a limit, or a report that fails its format's rules).
enum class ReadingStatus { kParsed, kNeedsHuman, kIgnored, kRejected };
std::string_view ReadingStatusName(ReadingStatus status);  // "parsed", "needs_human", ...

struct Reading {
  // "arf", "x-arf", "xarf3", "xarf4", "shadowserver", "acns", "iodef", "safe_browsing",
  // "free_text"; "" when the message could not be read at all (limits, not a message).
  std::string format;
  ReadingStatus status = ReadingStatus::kNeedsHuman;
  // Machine-readable reason when not kParsed ("not_spam_feedback", "too_many_events",
  // "xarf_invalid", ...), and a sentence for operators that says where and why, without
  // personal data ("Report.SourceIp: \"not an IP\" is not an IP address" is fine: it is the
  // sender's field, not a person's).
  std::string reason;
  std::string detail;
  std::vector<Event> events;  // kParsed: at least one

  // Free text (and needs-human readings of known formats): what a person may pick from.
  std::vector<Target> candidate_targets;      // deduplicated, in order of appearance, at most 100
  std::vector<ZonedInstant> candidate_times;  // idem, at most 20
  std::string suggested_abuse_type;           // from keywords, "" when none

  // About the message itself, for the desk.
  std::string sender;      // the From address (addr-spec only), "" when absent
  std::string subject;     // decoded, at most 300 bytes
  std::string message_id;  // without angle brackets
};

struct ReadingOptions {
  MailLimits limits;
  // The message's arrival: the fallback for formats whose times lack a zone or are missing
  // (an ARF report without Arrival-Date uses the original's Date, then this).
  Instant received_at{};
  // XARF JSON schemas to validate v4 reports against (the v3 legacy schema refuses real v3
  // reports; see xarf_json.cc); null: vigie's built-in checks only.
  const XarfSchemas* xarf_schemas = nullptr;
};

Reading ReadMail(std::string_view raw, const ReadingOptions& options);

// The reading as the JSON object `vigie ingest-mail --dry-run --json` prints:
// {"format", "status", "reason", "detail", "sender", "subject", "message_id",
//  "events": [{"targets": [..], "observed_at": RFC 3339, "abuse_type", "source_report_id",
//              "summary"}], "candidate_targets": [..], "candidate_times": [..],
//  "suggested_abuse_type"}
std::string ReadingToJson(const Reading& reading);

}  // namespace vigie
