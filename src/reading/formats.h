// Internal to vigie_reading: one reader per format. Each looks at a walked message and returns
// nullopt when the message is not in its format, or the reading when it is, including the
// readings that refuse it (a XARF report that fails its schema is "xarf4"/kRejected, not
// someone else's). ReadMail (reading.cc) asks them in a fixed order; see there.
//
// Readers never throw on bad input. The lower-level Parse* functions are the units the fuzz
// targets drive.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
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

// A reading that refuses the message: status kRejected with `reason` and `detail`.
Reading Refused(std::string format, std::string reason, std::string detail);

}  // namespace vigie::reading

namespace vigie::reading {

// ---------------------------------------------------------------------------------------------
// Shadowserver CSV (shadowserver.cc).

// What a Shadowserver report is about, from its name. `abuse_type` is an AbuseType id, or ""
// when the report names no abuse vigie can act on by itself (a blocklist aggregate, statistics):
// such a report is read into candidates for a person. `victims`: the listed addresses are the
// victims of the abuse (amplification DDoS targets), not its source; they open no case.
struct ShadowserverReport {
  std::string_view name;
  std::string_view abuse_type;
  bool url_targets = false;  // rows carry a URL or host that is itself abusive
  bool victims = false;
};

// The report's entry in vigie's table, or nullptr when vigie does not know the report. `name`
// may be a report name ("scan_ntp"), an attachment file name
// ("2019-10-15-scan_ftp-sample-asn.csv.zip") or a corpus file name ("open-chargen.csv").
const ShadowserverReport* FindShadowserverReport(std::string_view name);

// The report name a Shadowserver attachment file name or mail subject carries
// ("2019-10-15-scan_ftp-sample-asn.csv" and "[SAMPLE] Shadowserver scan_ftp-sample Report:
// 2019-10-15" both give "scan_ftp"); the table's name when known, else the best guess in
// lower case; "" when there is none.
std::string ShadowserverReportName(std::string_view file_name_or_subject);

// True when the first row of `csv` is a Shadowserver header: a time column ("timestamp", or
// the old "Date" and "Time") and an address column ("ip", "src_ip", "http_referer_ip", ...).
bool LooksLikeShadowserverCsv(std::string_view csv);

struct FeedOptions {
  size_t max_events = 1'000'000;
  // The time of rows in reports that have no time column (old sandbox and honeypot URL
  // reports); the epoch means none, and such rows are skipped.
  Instant received_at{};
};

struct FeedStats {
  size_t rows = 0;         // data rows (blank lines are not rows)
  size_t skipped = 0;      // rows that gave no event: no usable address or time
  size_t ragged = 0;       // rows whose cell count differs from the header's; read all the same
  std::string first_skip;  // why the first skipped row was skipped, with its line number
};

// Reads a Shadowserver CSV (RFC 4180: quoted cells, doubled quotes, CRLF or LF, a UTF-8 BOM)
// into one event per usable row, appended to `out`: the row's address (and its URL or host for
// reports with url_targets), its time (UTC), the report's abuse type ("" for a report not in
// the table, or one with no type of its own) and a summary of protocol, port, tag and
// infection. Rows with no usable address or time are skipped and counted in `stats`. Errors:
// "too_many_events" when the rows would give more than options.max_events events (`out` then
// holds the first max_events). Never throws on bad input; time and memory are linear in the
// input.
Status ParseShadowserverCsv(std::string_view csv, std::string_view report_name,
                            const FeedOptions& options, std::vector<Event>& out,
                            FeedStats* stats = nullptr);

// ---------------------------------------------------------------------------------------------
// XML notices (notices.cc).

// Limits on one XML document: larger or deeper documents are refused ("xml_too_large",
// "xml_too_deep") before or after parsing, without reading their content.
inline constexpr size_t kMaxXmlBytes = 4u << 20;
inline constexpr int kMaxXmlDepth = 64;

// Reads one XML document: an ACNS notice ("acns"), an IODEF v1 document ("iodef") or a Google
// Safe Browsing notification ("safe_browsing"). Returns nullopt when the text is not one of them
// (not XML, another root), or the reading when it is, including refusals (kRejected with reason
// "xml_too_large", "xml_too_deep", "xml_invalid") and readings a person must finish (kNeedsHuman
// with the addresses as candidates). `fallback_time` stands in for a missing time.
std::optional<Reading> ReadXmlText(std::string_view xml, Instant fallback_time);

// The ACNS notice inside a text part, from "<?xml" (or "<Infringement") to "</Infringement>";
// "" when there is none.
std::string_view FindInlineAcns(std::string_view text);

// ---------------------------------------------------------------------------------------------
// Free text (free_text.cc).

// The text of an HTML document with the markup removed: script, style and comments dropped,
// block elements turned into line ends, the common entities decoded. Never renders anything.
std::string HtmlToText(std::string_view html);

// Adds to reading.candidate_targets, candidate_times and (when still empty)
// suggested_abuse_type what `text` mentions, within the limits documented in reading.h.
void ExtractCandidates(std::string_view text, Reading& reading);

}  // namespace vigie::reading
