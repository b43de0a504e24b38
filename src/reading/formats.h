// Internal to vigie_reading: one reader per format. Each looks at a walked message and returns
// nullopt when the message is not in its format, or the reading when it is, including the
// readings that refuse it (a XARF report that fails its schema is "xarf4"/kRejected, not
// someone else's). ReadMail (reading.cc) asks them in a fixed order; see there.
//
// Readers never throw on bad input. The lower-level Parse* functions are the units the fuzz
// targets drive.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "reading/mime.h"
#include "reading/reading.h"

namespace vigie::reading {

// ARF (RFC 5965) and authentication failure reports (RFC 6591): arf.cc.
std::optional<Reading> ReadArf(const MimeMessage& message, const ReadingOptions& options);

// Reads a block of "Name: value" fields as a feedback report writes them, and as the header
// block of an attached original is written: leading empty lines skipped, continuation lines
// unfolded, lines that are not fields ignored, the block ending at the first empty line. Line
// ends may be CRLF, LF or bare CR. Names are kept as written; look them up with FindHeader.
std::vector<MimeHeader> ParseFeedbackFields(std::string_view text);

// X-ARF 0.1 / 0.2 (a YAML report part): xarf_mail.cc.
std::optional<Reading> ReadXArf(const MimeMessage& message, const ReadingOptions& options);

// Reads the flat "Key: value" YAML of an X-ARF report, leniently: what a strict YAML loader
// refuses (unquoted colons, '@', '%', tabs, stray quotes, a "---" or "..." line, CRLF) is read
// as the sender meant it. Values lose their surrounding quotes and a leading tag such as
// "!!python/unicode"; indented lines continue the previous value. A repeated key keeps its
// first value. Lines that are not "Key: value" are ignored.
std::vector<MimeHeader> ParseXArfYaml(std::string_view text);

// XARF JSON (v3 and its abusix predecessors, v4), as the body or an attachment: xarf_json.cc.
std::optional<Reading> ReadXarfJson(const MimeMessage& message, const ReadingOptions& options);

// The JSON-level reader behind ReadXarfJson, on one JSON text (a part's decoded body). nullopt
// when the text is not JSON, not an object, or not XARF: no "xarf_version", and neither a
// known v3 "Version" ("1", "2", "3", "3.0", "3.0.0", "alpha", "development") nor a "Report"
// member. A XARF document that breaks its rules is "xarf3"/"xarf4" with status kRejected,
// reason "xarf_invalid" and a detail naming the first fields at fault and why.
std::optional<Reading> ReadXarfText(std::string_view json, const ReadingOptions& options);

// Shadowserver CSV, plain or zipped: shadowserver.cc.
std::optional<Reading> ReadShadowserver(const MimeMessage& message, const ReadingOptions& options);

// XML notices: ACNS copyright notices, IODEF v1, Google Safe Browsing: notices.cc.
std::optional<Reading> ReadXmlNotice(const MimeMessage& message, const ReadingOptions& options);

// Free text, the last resort; always answers: free_text.cc. Fills candidate_targets,
// candidate_times and suggested_abuse_type from the text parts (HTML stripped of markup).
Reading ReadFreeText(const MimeMessage& message, const ReadingOptions& options);

}  // namespace vigie::reading

namespace vigie::reading {

// Reads a time as machine reports write them: RFC 5322 dates ("Thu, 8 Jan 2015 10:12:01 +0100",
// obsolete zone names such as "GMT", "EST" and a trailing "(CET)" comment), and ISO 8601 /
// RFC 3339 variants ("2015-01-08T10:12:01Z", "2015-01-08 10:12:01", "...+0100", "... UTC",
// fractional seconds). A time without any zone is read as UTC, the convention of the feeds that
// write them (Shadowserver, X-ARF); `zone_given` tells the caller which case it was.
std::optional<ZonedInstant> ParseMailTime(std::string_view text, bool* zone_given = nullptr);

// Cuts `text` to one line of at most 200 bytes for Event::summary: control characters become
// spaces, runs of spaces collapse, invalid UTF-8 is replaced, and a cut never splits a
// character.
std::string ClampSummary(std::string_view text);

}  // namespace vigie::reading
