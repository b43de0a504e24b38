#include "intake/xarf.h"

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "core/abuse_type.h"
#include "intake/json_reader.h"
#include "intake/rules.h"

namespace vigie::intake::internal {
namespace {

namespace json = boost::json;

// How XARF v4 classifications map to vigie's abuse types. The XARF categories and types are
// those of the v4 master schema. Choices that are not obvious:
// - Scans, probes, SQL injection and login attacks all come from the reported host and aim at
//   the reporter's systems: they share "bruteforce", the type for attacks on the reporter's
//   systems, so that they aggregate into one case per host. The XARF type stays in the
//   description for the customer.
// - Scraping is unwanted load on the reporter's servers: "dos".
// - An infected host is a bot: "botnet".
// - A compromised server or site (webshell, backdoor) and every vulnerability report mean the
//   customer must fix their service: "security_flaw".
// - Brand infringement is an intellectual-property matter: "copyright".
// - Exposed personal data is a data-protection breach: "data_protection".
// - A suspicious registration is a look-alike domain set up for phishing: "phishing".
// - Both csam and csem are "child_sexual_abuse".
constexpr auto kTypeMappings = std::to_array<XarfTypeMapping>({
    {"messaging", "spam", "spam"},
    {"messaging", "bulk_messaging", "spam"},
    {"connection", "ddos", "dos"},
    {"connection", "scraping", "dos"},
    {"connection", "login_attack", "bruteforce"},
    {"connection", "port_scan", "bruteforce"},
    {"connection", "reconnaissance", "bruteforce"},
    {"connection", "vulnerability_scan", "bruteforce"},
    {"connection", "sql_injection", "bruteforce"},
    {"connection", "infected_host", "botnet"},
    {"infrastructure", "botnet", "botnet"},
    {"infrastructure", "compromised_server", "security_flaw"},
    {"content", "phishing", "phishing"},
    {"content", "suspicious_registration", "phishing"},
    {"content", "malware", "malware"},
    {"content", "csam", "child_sexual_abuse"},
    {"content", "csem", "child_sexual_abuse"},
    {"content", "fraud", "scam"},
    {"content", "brand_infringement", "copyright"},
    {"content", "exposed_data", "data_protection"},
    {"content", "remote_compromise", "security_flaw"},
    {"vulnerability", "cve", "security_flaw"},
    {"vulnerability", "open_service", "security_flaw"},
    {"vulnerability", "misconfiguration", "security_flaw"},
    // Copyright types (p2p, cyberlocker, ugc_platform, link_site, usenet, and new ones) are all
    // intellectual-property infringements.
    {"copyright", "*", "copyright"},
});

// Reputation reports (blocklist, threat_intelligence) say what the listed host does in
// "threat_type", a free string; these are the values seen in practice.
constexpr auto kThreatMappings = std::to_array<XarfThreatMapping>({
    {"command_and_control", "botnet"},
    {"c2", "botnet"},
    {"botnet", "botnet"},
    {"bot", "botnet"},
    {"spam", "spam"},
    {"phishing", "phishing"},
    {"malware", "malware"},
    {"malware_distribution", "malware"},
    {"malware_hosting", "malware"},
    {"scanning", "bruteforce"},
    {"scanner", "bruteforce"},
    {"brute_force", "bruteforce"},
    {"bruteforce", "bruteforce"},
    {"ddos", "dos"},
    {"fraud", "scam"},
});

// Members the description shows in its fixed lines, or leaves out on purpose; everything else
// is listed as "name: value".
constexpr auto kNotInDetails = std::to_array<std::string_view>({
    "xarf_version",
    "report_id",
    "timestamp",
    "reporter",
    "sender",
    "category",
    "type",
    "source_identifier",
    "source_port",
    "destination_ip",
    "destination_port",
    "protocol",
    "first_seen",
    "last_seen",
    "evidence_source",
    "tags",
    "description",
    "evidence",
    "url",
    "urls",
    "infringing_url",
    "_internal",
    "smtp_to",
});

constexpr size_t kMaxReportIdBytes = 200;
// Limits on what one member contributes to the description.
constexpr size_t kMaxValueBytes = 500;
constexpr size_t kMaxListItems = 20;
constexpr size_t kMaxSenderDescriptionBytes = 4000;

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// A scalar as text for the description: strings cleaned of control characters and capped,
// numbers in their shortest form. nullopt for null, objects and arrays.
std::optional<std::string> ScalarText(const json::value& value) {
  switch (value.kind()) {
    case json::kind::string: {
      std::string_view text(value.get_string().data(), value.get_string().size());
      std::string_view prefix = Utf8Prefix(text, kMaxValueBytes);
      std::string out = ReplaceControlCharacters(prefix);
      if (prefix.size() < text.size()) out += "…";
      return out;
    }
    case json::kind::int64:
      return std::to_string(value.get_int64());
    case json::kind::uint64:
      return std::to_string(value.get_uint64());
    case json::kind::double_: {
      char buffer[64];
      auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value.get_double());
      if (error != std::errc()) return std::nullopt;
      return std::string(buffer, end);
    }
    case json::kind::bool_:
      return value.get_bool() ? "yes" : "no";
    default:
      return std::nullopt;
  }
}

// A scalar, or an array of scalars joined with ", ".
std::optional<std::string> ValueText(const json::value& value) {
  if (!value.is_array()) return ScalarText(value);
  std::string out;
  size_t count = 0;
  for (const json::value& item : value.get_array()) {
    std::optional<std::string> text = ScalarText(item);
    if (!text) continue;
    if (count == kMaxListItems) {
      out += ", …";
      break;
    }
    if (count++ > 0) out += ", ";
    out += *text;
  }
  if (count == 0) return std::nullopt;
  return out;
}

std::string MemberText(const json::object& report, std::string_view key) {
  const json::value* value = report.if_contains(key);
  if (value == nullptr) return "";
  return ValueText(*value).value_or("");
}

// The readable summary forwarded to the customer. See xarf.h for what it holds and omits.
std::string BuildDescription(const json::object& report, std::string_view category,
                             std::string_view type, const IntakePolicy& policy) {
  std::string out = "Machine report (XARF " + MemberText(report, "xarf_version") + "): category " +
                    std::string(category) + ", type " + std::string(type) + ".\n";

  std::string source = MemberText(report, "source_identifier");
  std::string port = MemberText(report, "source_port");
  out += "Source: " + source + (port.empty() ? "" : ", port " + port) + ".\n";

  std::string destination = MemberText(report, "destination_ip");
  std::string destination_port = MemberText(report, "destination_port");
  std::string protocol = MemberText(report, "protocol");
  if (!destination.empty()) {
    out += "Destination: " + destination;
    if (!destination_port.empty()) out += ", port " + destination_port;
    if (!protocol.empty()) out += ", protocol " + protocol;
    out += ".\n";
  } else if (!protocol.empty()) {
    out += "Protocol: " + protocol + ".\n";
  }

  out += "Time of the incident: " + MemberText(report, "timestamp");
  std::string first_seen = MemberText(report, "first_seen");
  std::string last_seen = MemberText(report, "last_seen");
  if (!first_seen.empty()) out += "; first seen " + first_seen;
  if (!last_seen.empty()) out += "; last seen " + last_seen;
  out += ".\n";

  for (std::string_view key : {"url", "infringing_url", "urls"}) {
    std::string urls = MemberText(report, key);
    if (!urls.empty()) out += "Reported URL: " + urls + "\n";
  }
  std::string evidence_source = MemberText(report, "evidence_source");
  if (!evidence_source.empty()) out += "Evidence source: " + evidence_source + ".\n";
  std::string tags = MemberText(report, "tags");
  if (!tags.empty()) out += "Tags: " + tags + ".\n";

  if (const json::value* text = report.if_contains("description"); text && text->is_string()) {
    std::string_view sender(text->get_string().data(), text->get_string().size());
    out += "Sender's description: " +
           std::string(Utf8Prefix(TrimWhitespace(sender), kMaxSenderDescriptionBytes)) + "\n";
  }

  // Other members, one line each (nested objects one level deep), while room is left for the
  // evidence line.
  const size_t budget = policy.max_description_bytes > 200 ? policy.max_description_bytes - 200
                                                           : policy.max_description_bytes / 2;
  std::vector<std::string> details;
  auto add_detail = [&](std::string name, const json::value& value) {
    if (std::optional<std::string> text = ValueText(value)) {
      details.push_back("- " + PrintableKey(name) + ": " + *text + "\n");
    }
  };
  for (const auto& member : report) {
    std::string_view key(member.key().data(), member.key().size());
    if (std::find(kNotInDetails.begin(), kNotInDetails.end(), key) != kNotInDetails.end()) {
      continue;
    }
    if (member.value().is_object()) {
      for (const auto& inner : member.value().get_object()) {
        std::string_view inner_key(inner.key().data(), inner.key().size());
        add_detail(std::string(key) + "." + std::string(inner_key), inner.value());
      }
    } else {
      add_detail(std::string(key), member.value());
    }
  }
  if (!details.empty()) out += "Details:\n";
  for (const std::string& line : details) {
    if (out.size() + line.size() > budget) {
      out += "- (more in the original report)\n";
      break;
    }
    out += line;
  }

  if (const json::value* evidence = report.if_contains("evidence");
      evidence && evidence->is_array() && !evidence->get_array().empty()) {
    const json::array& items = evidence->get_array();
    out += "Evidence: " + std::to_string(items.size()) + " item(s) in the original report";
    std::string separator = ": ";
    for (const json::value& item : items) {
      if (!item.is_object()) continue;
      std::string what = MemberText(item.get_object(), "description");
      if (what.empty() || out.size() + what.size() > budget) continue;
      out += separator + what;
      separator = "; ";
    }
    out += ".\n";
  }

  // The sender's description can be long and its bytes are counted by the policy as well.
  std::string_view fitted = Utf8Prefix(out, policy.max_description_bytes);
  return std::string(TrimWhitespace(fitted));
}

}  // namespace

std::span<const XarfTypeMapping> XarfTypeMappings() {
  return kTypeMappings;
}
std::span<const XarfThreatMapping> XarfThreatMappings() {
  return kThreatMappings;
}

std::string_view MapXarfType(std::string_view category, std::string_view type,
                             std::string_view threat_type) {
  if (category == "reputation") {
    std::string threat = Lower(threat_type);
    for (const XarfThreatMapping& row : kThreatMappings) {
      if (row.threat_type == threat) return row.abuse_type;
    }
    return "";
  }
  for (const XarfTypeMapping& row : kTypeMappings) {
    if (row.category == category && (row.type == type || row.type == "*")) return row.abuse_type;
  }
  return "";
}

IntakeResult ValidateXarf(const json::object& report, std::string_view body,
                          const IntakePolicy& policy) {
  ErrorList errors;
  JsonObjectReader root(report, "", errors);
  ReportDraft draft;
  draft.channel = Channel::kApi;
  draft.format = "xarf4";
  draft.raw = std::string(body);
  draft.raw_type = "application/json";
  draft.language = "en";
  draft.good_faith = false;

  std::optional<std::string_view> version = root.String("xarf_version");
  if (version ? !version->starts_with("4") : root.Absent("xarf_version")) {
    errors.Add("xarf_version", "unsupported_version");
  }

  std::optional<std::string> report_id = root.Line("report_id", kMaxReportIdBytes);
  if (report_id && report_id->empty()) errors.Add("report_id", "required");
  draft.source_report_id = report_id.value_or("");

  // Classification.
  std::optional<std::string> category = root.Line("category", kMaxNameBytes);
  std::optional<std::string> type = root.Line("type", kMaxNameBytes);
  if (category && category->empty()) errors.Add("category", "required");
  if (type && type->empty()) errors.Add("type", "required");
  const AbuseType* abuse_type = nullptr;
  if (category && type && !category->empty() && !type->empty()) {
    std::optional<std::string> threat;
    if (*category == "reputation") threat = root.Line("threat_type", kMaxNameBytes);
    std::string_view id = MapXarfType(*category, *type, threat.value_or(""));
    abuse_type = FindAbuseType(id);
    if (abuse_type != nullptr) {
      draft.abuse_type = std::string(abuse_type->id);
    } else if (*category == "reputation") {
      if (threat) errors.Add("threat_type", threat->empty() ? "required" : "unsupported_xarf_type");
    } else {
      errors.Add("type", "unsupported_xarf_type");
    }
  }

  // Targets: the source, then the abusive URLs.
  std::vector<TargetInput> inputs;
  std::optional<std::string_view> source = root.String("source_identifier");
  if (source) {
    inputs.push_back({"source_identifier", std::string(*source)});
  } else if (root.Absent("source_identifier")) {
    errors.Add("source_identifier", "required");
  }
  for (std::string_view key : {"url", "infringing_url", "submission_url"}) {
    if (std::optional<std::string_view> url = root.String(key)) {
      inputs.push_back({std::string(key), std::string(*url)});
    }
  }
  if (const json::array* urls = root.Array("urls")) {
    for (size_t i = 0; i < urls->size() && i <= policy.max_targets; ++i) {
      std::string field = "urls[" + std::to_string(i) + "]";
      if (!(*urls)[i].is_string()) {
        errors.Add(field, "wrong_type", "string");
        continue;
      }
      const json::string& url = (*urls)[i].get_string();
      inputs.push_back({std::move(field), std::string(url.data(), url.size())});
    }
  }
  if (!inputs.empty()) draft.targets = ReadTargets(inputs, "urls", policy, errors);

  // When.
  if (std::optional<std::string_view> timestamp = root.String("timestamp")) {
    std::optional<ZonedInstant> observed = ParseRfc3339(TrimWhitespace(*timestamp));
    if (observed) {
      CheckTimeWindow(observed->instant, policy, "timestamp", errors);
      draft.observed = std::move(*observed);
    } else {
      errors.Add("timestamp", "invalid_date_time");
    }
  } else if (root.Absent("timestamp")) {
    errors.Add("timestamp", "required");
  }

  // Who: the reporting organisation, under the same rules as any reporter.
  static const json::object kEmpty;
  const json::object* reporter_object = root.Object("reporter");
  JsonObjectReader reporter(reporter_object != nullptr ? *reporter_object : kEmpty, "reporter.",
                            errors);
  draft.reporter.kind = ReporterKind::kMachine;
  std::optional<std::string> org = reporter.Line("org", kMaxNameBytes);
  if (org && org->empty() && abuse_type != nullptr && abuse_type->name_required) {
    errors.Add("reporter.org", "required");
  }
  draft.reporter.name = org.value_or("");
  std::optional<std::string_view> contact = reporter.String("contact");
  if (contact || reporter.Absent("contact")) {
    draft.reporter.email =
        ReadEmail(TrimWhitespace(contact.value_or("")), abuse_type, "reporter.contact", errors);
  }
  draft.reporter.share_email = false;

  // What: the sender's own description must be clean text; the rest is built by vigie.
  if (std::optional<std::string_view> text = root.String("description")) {
    CheckText(*text, TextKind::kMultiLine, "description", errors);
  }

  IntakeResult result;
  if (!errors.empty()) {
    result.errors = errors.Take();
    return result;
  }
  draft.description = BuildDescription(report, *category, *type, policy);
  result.draft = std::move(draft);
  return result;
}

}  // namespace vigie::intake::internal
