// X-ARF 0.1 and 0.2: a mail whose report is a flat YAML part ("report.txt" by convention, but
// senders type and attach it every way). One YAML part is one event.
//
// The YAML is read by hand, not by a YAML library: the reports in the wild carry values a
// strict loader refuses (unquoted "http: //" colons, '@' and '%' at the start of a value, tabs,
// stray quotes, Python tags), and only flat "Key: value" pairs are ever needed.
#include <cctype>
#include <unordered_set>

#include "core/text.h"
#include "reading/formats.h"

namespace vigie::reading {

namespace {

struct ReportTypeMapping {
  std::string_view report_type;  // lower-case, as X-ARF senders write it
  std::string_view abuse_type;   // an AbuseType id
};

// X-ARF Report-Type to abuse type. X-ARF never fixed a list; these are the types of the
// x-arf.org schemas and of the senders seen in practice (blocklist.de, clean-mx, Netcraft,
// WebIron). Choices worth a word:
//   regbot, harvesting, comment spam: spam (a bot registering on forums to post spam, a bot
//     collecting addresses to spam);
//   web-attack, malware-attack: malware (WebIron files its web attacks under the x-arf
//     malware-attack schema: a host running attack code, usually compromised);
//   fraud: scam; phishing: phishing.
// A type not listed here leaves the report to a person ("xarf_unknown_report_type").
constexpr ReportTypeMapping kReportTypes[] = {
    {"phishing", "phishing"},
    {"phishing-site", "phishing"},
    {"fraud", "scam"},
    {"scam", "scam"},
    {"malware", "malware"},
    {"malware-site", "malware"},
    {"malware-attack", "malware"},
    {"malware-distribution", "malware"},
    {"web-attack", "malware"},
    {"virus", "virus"},
    {"botnet", "botnet"},
    {"bot", "botnet"},
    {"drone", "botnet"},
    {"cc", "botnet"},
    {"c&c", "botnet"},
    {"login-attack", "bruteforce"},
    {"bruteforce", "bruteforce"},
    {"brute-force", "bruteforce"},
    {"ssh", "bruteforce"},
    {"ftp", "bruteforce"},
    {"imap", "bruteforce"},
    {"pop3", "bruteforce"},
    {"sasl", "bruteforce"},
    {"spam", "spam"},
    {"mail", "spam"},
    {"regbot", "spam"},
    {"harvesting", "spam"},
    {"comment-spam", "spam"},
    {"forum-spam", "spam"},
    {"ddos", "dos"},
    {"dos", "dos"},
    {"flood", "dos"},
    {"open-relay", "open_relay"},
    {"openrelay", "open_relay"},
    {"open-proxy", "security_flaw"},
    {"vulnerable", "security_flaw"},
    {"vulnerability", "security_flaw"},
    {"copyright", "copyright"},
    {"copyright-infringement", "copyright"},
    {"iptv", "iptv"},
};

bool IsKeyCharacter(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

// A scalar as written, without a leading "!!tag" and without surrounding quotes ('' inside
// single quotes is one quote, as YAML has it; a lone stray quote is kept).
std::string ScalarValue(std::string_view value) {
  value = TrimSpace(value);
  while (value.starts_with('!')) {
    size_t space = value.find_first_of(" \t");
    value = space == std::string_view::npos ? std::string_view() : TrimSpace(value.substr(space));
  }
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    return std::string(value.substr(1, value.size() - 2));
  }
  if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
    std::string out;
    std::string_view inner = value.substr(1, value.size() - 2);
    for (size_t i = 0; i < inner.size(); ++i) {
      out += inner[i];
      if (inner[i] == '\'' && i + 1 < inner.size() && inner[i + 1] == '\'') ++i;
    }
    return out;
  }
  return std::string(value);
}

// Whether a walked part is an X-ARF report: the keys only X-ARF reports carry together.
bool LooksLikeReport(const std::vector<MimeHeader>& fields) {
  bool typed = !FindHeader(fields, "Report-Type").empty();
  bool marked =
      !FindHeader(fields, "Reported-From").empty() || !FindHeader(fields, "Schema-URL").empty();
  return typed && marked;
}

std::optional<std::string_view> AbuseTypeOf(std::string_view report_type) {
  std::string key = AsciiLower(TrimSpace(report_type));
  for (const ReportTypeMapping& mapping : kReportTypes) {
    if (mapping.report_type == key) return mapping.abuse_type;
  }
  return std::nullopt;
}

void AddTarget(std::vector<Target>& targets, std::string_view text, bool want_ip) {
  text = TrimSpace(text);
  if (text.empty()) return;
  Result<Target> target = ParseTarget(text);
  if (!target.ok() || (want_ip && target->kind != TargetKind::kIp)) return;
  for (const Target& known : targets) {
    if (known.canonical == target->canonical) return;
  }
  targets.push_back(*std::move(target));
}

// Source per Source-Type, then the other resource fields the senders add (a bare IP, the
// domain of a reported URL).
std::vector<Target> TargetsOf(const std::vector<MimeHeader>& fields) {
  std::vector<Target> targets;
  std::string source_type = AsciiLower(TrimSpace(FindHeader(fields, "Source-Type")));
  bool want_ip = source_type == "ipv4" || source_type == "ipv6" || source_type == "ip-address" ||
                 source_type == "ip";
  AddTarget(targets, FindHeader(fields, "Source"), want_ip);
  AddTarget(targets, FindHeader(fields, "IP"), true);
  AddTarget(targets, FindHeader(fields, "Source-IP"), true);
  AddTarget(targets, FindHeader(fields, "Domain"), false);
  return targets;
}

std::string Summary(const std::vector<MimeHeader>& fields) {
  std::string summary;
  for (std::string_view key : {"Category", "Report-Type", "Service", "Port"}) {
    std::string value(TrimSpace(FindHeader(fields, key)));
    if (value.empty()) continue;
    if (!summary.empty()) summary += ", ";
    summary += std::string(key) + ": " + value;
  }
  return ClampSummary(summary);
}

}  // namespace

std::vector<MimeHeader> ParseXArfYaml(std::string_view text) {
  std::vector<MimeHeader> fields;
  std::unordered_set<std::string> keys;  // lower-case, for "first wins" in linear time
  bool continues = false;                // whether an indented line belongs to the last key kept
  size_t at = 0;
  while (at < text.size()) {
    size_t end = std::min(text.find('\n', at), text.size());
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (line.ends_with('\r')) line.remove_suffix(1);

    if (TrimSpace(line).empty() || TrimSpace(line).starts_with('#')) continue;
    if (line == "---" || line == "...") {
      continues = false;
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (continues) {
        std::string& value = fields.back().value;
        std::string more = ScalarValue(line);
        if (!value.empty() && !more.empty()) value += ' ';
        value += more;
      }
      continue;
    }
    size_t colon = line.find(':');
    continues = false;
    if (colon == std::string_view::npos || colon == 0) continue;
    std::string_view key = line.substr(0, colon);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.remove_suffix(1);
    bool valid = !key.empty();
    for (char c : key) valid = valid && IsKeyCharacter(c);
    if (!valid || !keys.insert(AsciiLower(key)).second) continue;
    // A block scalar ("|" or ">") is read as its indented lines, joined.
    std::string value = ScalarValue(line.substr(colon + 1));
    if (value == "|" || value == ">" || value == "|-" || value == ">-") value.clear();
    fields.push_back({ToValidUtf8(key), ToValidUtf8(value)});
    continues = true;
  }
  return fields;
}

std::optional<Reading> ReadXArf(const MimeMessage& message, const ReadingOptions& options) {
  std::string header = AsciiLower(TrimSpace(FindHeader(message.headers, "X-ARF")));
  bool declared = header == "yes" || header == "true";

  // The report parts, whatever their type: never an embedded message or a multipart.
  std::vector<std::vector<MimeHeader>> reports;
  for (const MimeEntity& entity : message.entities) {
    if (entity.content_type.starts_with("message/")) continue;
    std::vector<MimeHeader> fields = ParseXArfYaml(entity.body);
    if (LooksLikeReport(fields)) reports.push_back(std::move(fields));
  }
  if (reports.empty() && !declared) return std::nullopt;

  Reading reading;
  reading.format = "x-arf";
  if (reports.empty()) {
    reading.status = ReadingStatus::kNeedsHuman;
    reading.reason = "xarf_without_report";
    reading.detail =
        "an X-ARF mail without a report part (Report-Type with Reported-From or "
        "Schema-URL)";
    return reading;
  }

  std::optional<ZonedInstant> mail_time = ParseMailTime(FindHeader(message.headers, "Date"));
  std::string unknown_type;
  for (const std::vector<MimeHeader>& fields : reports) {
    std::vector<Target> targets = TargetsOf(fields);
    std::string report_type(TrimSpace(FindHeader(fields, "Report-Type")));
    std::optional<std::string_view> abuse_type = AbuseTypeOf(report_type);
    if (!abuse_type || targets.empty()) {
      if (!abuse_type && unknown_type.empty()) unknown_type = report_type;
      for (Target& target : targets) reading.candidate_targets.push_back(std::move(target));
      continue;
    }

    Event event;
    event.targets = std::move(targets);
    std::optional<ZonedInstant> observed = ParseMailTime(FindHeader(fields, "Date"));
    if (!observed) observed = mail_time;
    event.observed = observed ? *observed : ZonedInstant{options.received_at, 0, ""};
    event.abuse_type = std::string(*abuse_type);
    event.source_report_id = ClampSummary(TrimSpace(FindHeader(fields, "Report-ID")));
    event.summary = Summary(fields);
    reading.events.push_back(std::move(event));
  }

  if (!reading.events.empty()) {
    reading.status = ReadingStatus::kParsed;
    reading.candidate_targets.clear();
    return reading;
  }
  reading.status = ReadingStatus::kNeedsHuman;
  if (!unknown_type.empty()) {
    reading.reason = "xarf_unknown_report_type";
    reading.detail = "Report-Type: \"" + ClampSummary(unknown_type) + "\" is not a known type";
  } else {
    reading.reason = "xarf_without_source";
    reading.detail = "the X-ARF report names no usable Source";
  }
  return reading;
}

}  // namespace vigie::reading
