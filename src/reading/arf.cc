// ARF: feedback reports (RFC 5965) and authentication failure reports (RFC 6591). One report
// is one event: the sending IP of one complained-about message.
//
// Feedback-Type to abuse type:
//   abuse           spam
//   fraud           phishing: feedback loops use it for mail that impersonates someone to take
//                   credentials or money, which is what the desk handles as phishing
//   virus           virus
//   other, and any type RFC 5965 does not name (opt-out, opt-out-list, ...): spam, the usual
//                   reason a recipient complains, unless the human-readable part of the report
//                   speaks of phishing, a virus or malware
//   not-spam        ignored ("not_spam_feedback"): the recipient says the mail was wanted
//   auth-failure    ignored ("auth_failure_report"): a DMARC/SPF/DKIM failure, not abuse
#include <algorithm>
#include <cctype>

#include "core/text.h"
#include "reading/formats.h"

namespace vigie::reading {

namespace {

std::vector<std::string> AllValues(const std::vector<MimeHeader>& fields, std::string_view name) {
  std::vector<std::string> out;
  for (const MimeHeader& field : fields) {
    if (AsciiLower(field.name) == AsciiLower(name)) out.push_back(field.value);
  }
  return out;
}

// Addresses that only mean something inside one network: what the receiving side's own hops
// carry, never the sender of a complained-about message. Documentation ranges are not listed:
// they never occur in real mail, and the sample reports use them for public addresses.
bool IsPublic(const IpAddress& ip) {
  if (ip.is_v4()) {
    struct Block {
      uint32_t base;
      int length;
    };
    static constexpr Block kInternal[] = {
        {0x00000000, 8},  {0x0A000000, 8},  {0x64400000, 10}, {0x7F000000, 8}, {0xA9FE0000, 16},
        {0xAC100000, 12}, {0xC0A80000, 16}, {0xE0000000, 4},  {0xF0000000, 4},
    };
    for (const Block& block : kInternal) {
      uint32_t mask = ~uint32_t{0} << (32 - block.length);
      if ((ip.v4() & mask) == block.base) return false;
    }
    return true;
  }
  Uint128 value = ip.value();
  auto top = [&](int bits) { return static_cast<unsigned>(value >> (128 - bits)); };
  if (value == 0 || value == 1) return false;  // :: and ::1
  if (top(7) == 0x7E) return false;            // fc00::/7, unique local
  if (top(10) == 0x3FA) return false;          // fe80::/10, link local
  if (top(8) == 0xFF) return false;            // multicast
  return true;
}

// The IPs in the "from" clause of one Received field, in order: "from host (host [ip])" and
// "from host (ip)" are the common forms. The "by" clause names the receiver and is left out.
std::vector<IpAddress> FromClauseIps(std::string_view received) {
  std::string text = AsciiLower(TrimSpace(received));
  if (!text.starts_with("from")) return {};
  for (size_t at = 0; (at = text.find("by", at)) != std::string::npos; at += 2) {
    bool starts = at > 0 && std::isspace(static_cast<unsigned char>(text[at - 1]));
    bool ends = at + 2 < text.size() && std::isspace(static_cast<unsigned char>(text[at + 2]));
    if (starts && ends) {
      text.resize(at);
      break;
    }
  }
  for (size_t at = 0; (at = text.find("ipv6:", at)) != std::string::npos;) {
    text.replace(at, 5, "     ");
  }

  std::vector<IpAddress> out;
  size_t at = 0;
  while (at < text.size()) {
    auto in_token = [](char c) {
      return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
    };
    while (at < text.size() && !in_token(text[at])) ++at;
    size_t start = at;
    while (at < text.size() && in_token(text[at])) ++at;
    std::string_view token = std::string_view(text).substr(start, at - start);
    while (!token.empty() && (token.back() == '.' || token.back() == ':')) token.remove_suffix(1);
    if (std::optional<IpAddress> ip = IpAddress::Parse(token)) out.push_back(*ip);
  }
  return out;
}

std::optional<IpAddress> FirstPublicSender(const std::vector<MimeHeader>& original) {
  for (const std::string& received : AllValues(original, "Received")) {
    for (const IpAddress& ip : FromClauseIps(received)) {
      if (IsPublic(ip)) return ip;
    }
  }
  return std::nullopt;
}

std::string DomainOfAddress(std::string_view address) {
  address = TrimSpace(address);
  while (!address.empty() && address.back() == '>') address.remove_suffix(1);
  size_t at = address.rfind('@');
  return at == std::string_view::npos ? "" : AsciiLower(TrimSpace(address.substr(at + 1)));
}

const MimeEntity* FindReportPart(const MimeMessage& message) {
  for (const MimeEntity& entity : message.entities) {
    if (entity.content_type == "message/feedback-report") return &entity;
  }
  // A multipart/report that mistypes its report part: the first part with a Feedback-Type.
  if (message.content_type != "multipart/report") return nullptr;
  for (const MimeEntity& entity : message.entities) {
    if (!FindHeader(ParseFeedbackFields(entity.body), "Feedback-Type").empty()) return &entity;
  }
  return nullptr;
}

const MimeEntity* FindOriginal(const MimeMessage& message) {
  for (const MimeEntity& entity : message.entities) {
    if (entity.content_type == "message/rfc822" || entity.content_type == "text/rfc822-headers" ||
        entity.content_type == "message/rfc822-headers") {
      return &entity;
    }
  }
  return nullptr;
}

// For "other" and unnamed feedback types: what the human-readable part says, else spam.
std::string AbuseTypeFromText(const MimeMessage& message) {
  for (const MimeEntity& entity : message.entities) {
    if (entity.content_type != "text/plain" || entity.depth > 1) continue;
    std::string text = AsciiLower(entity.body);
    if (text.find("phish") != std::string::npos) return "phishing";
    if (text.find("malware") != std::string::npos) return "malware";
    if (text.find("virus") != std::string::npos) return "virus";
  }
  return "spam";
}

void AddTarget(std::vector<Target>& targets, Target target) {
  for (const Target& known : targets) {
    if (known.canonical == target.canonical) return;
  }
  targets.push_back(std::move(target));
}

// The host of an http(s) URI, as a target of its own.
std::optional<Target> UriHost(std::string_view uri) {
  uri = TrimSpace(uri);
  if (uri.starts_with('<') && uri.ends_with('>')) uri = uri.substr(1, uri.size() - 2);
  std::string lower = AsciiLower(uri.substr(0, std::min<size_t>(uri.size(), 8)));
  if (!lower.starts_with("http://") && !lower.starts_with("https://")) return std::nullopt;
  Result<Target> url = ParseTarget(uri);
  if (!url.ok()) return std::nullopt;
  Result<Target> host = ParseTarget(url->ip ? url->ip->ToString() : url->host);
  if (!host.ok()) return std::nullopt;
  return *host;
}

std::optional<ZonedInstant> FirstTime(std::initializer_list<std::string> candidates) {
  for (const std::string& text : candidates) {
    if (text.empty()) continue;
    if (std::optional<ZonedInstant> time = ParseMailTime(text)) return time;
  }
  return std::nullopt;
}

std::string WithoutAngles(std::string_view id) {
  id = TrimSpace(id);
  if (id.starts_with('<')) id.remove_prefix(1);
  if (id.ends_with('>')) id.remove_suffix(1);
  return std::string(TrimSpace(id));
}

}  // namespace

std::vector<MimeHeader> ParseFeedbackFields(std::string_view text) {
  std::vector<MimeHeader> fields;
  size_t at = 0;
  bool started = false;
  while (at < text.size()) {
    size_t end = std::min(text.find_first_of("\r\n", at), text.size());
    std::string_view line = text.substr(at, end - at);
    bool crlf = end + 1 < text.size() && text[end] == '\r' && text[end + 1] == '\n';
    at = end + (crlf ? 2 : 1);

    if (TrimSpace(line).empty()) {
      if (started) break;
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (!fields.empty()) {
        std::string& value = fields.back().value;
        if (!value.empty()) value += ' ';
        value += TrimSpace(line);
      }
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    std::string_view name = TrimSpace(line.substr(0, colon));
    if (name.empty() || name.find_first_of(" \t") != std::string_view::npos) continue;
    started = true;
    fields.push_back({ToValidUtf8(name), ToValidUtf8(TrimSpace(line.substr(colon + 1)))});
  }
  return fields;
}

std::optional<Reading> ReadArf(const MimeMessage& message, const ReadingOptions& options) {
  const MimeEntity* report_part = FindReportPart(message);
  bool declared =
      message.content_type == "multipart/report" && message.report_type == "feedback-report";
  if (report_part == nullptr && !declared) return std::nullopt;

  Reading reading;
  reading.format = "arf";
  if (report_part == nullptr) {
    reading.status = ReadingStatus::kNeedsHuman;
    reading.reason = "arf_without_report";
    reading.detail = "a multipart/report of type feedback-report without a feedback report part";
    return reading;
  }

  std::vector<MimeHeader> report = ParseFeedbackFields(report_part->body);
  const MimeEntity* original_part = FindOriginal(message);
  std::vector<MimeHeader> original;
  if (original_part != nullptr) original = ParseFeedbackFields(original_part->body);

  // Kinds of feedback that are not about abuse.
  std::string feedback_type = AsciiLower(TrimSpace(FindHeader(report, "Feedback-Type")));
  if (feedback_type == "not-spam") {
    reading.status = ReadingStatus::kIgnored;
    reading.reason = "not_spam_feedback";
    reading.detail = "a not-spam feedback report: the recipient says the message was wanted";
    return reading;
  }
  if (feedback_type == "auth-failure") {
    reading.status = ReadingStatus::kIgnored;
    reading.reason = "auth_failure_report";
    reading.detail = "an authentication failure report (RFC 6591), not an abuse complaint";
    return reading;
  }

  // The sender: Source-IP as the report gives it, else the first public hop of the original.
  std::vector<Target> targets;
  std::string source_ip(TrimSpace(FindHeader(report, "Source-IP")));
  if (source_ip.starts_with('[')) source_ip.erase(0, 1);
  source_ip = source_ip.substr(0, source_ip.find_first_of("] \t"));
  if (std::optional<IpAddress> ip = IpAddress::Parse(source_ip)) {
    if (Result<Target> target = ParseTarget(ip->ToString()); target.ok()) {
      AddTarget(targets, *target);
    }
  } else if (std::optional<IpAddress> sender = FirstPublicSender(original)) {
    if (Result<Target> target = ParseTarget(sender->ToString()); target.ok()) {
      AddTarget(targets, *target);
    }
  }
  for (const std::string& uri : AllValues(report, "Reported-URI")) {
    if (std::optional<Target> host = UriHost(uri)) AddTarget(targets, *host);
  }
  bool has_source = !targets.empty();

  // Return Path's feedback loops name the complaining mailbox provider in Reported-Domain
  // (comcast.net for a Comcast user): a domain that is the recipient's own and not the
  // sender's is the reporter's, not the abuser's.
  std::vector<std::string> recipient_domains;
  for (const std::string& rcpt : AllValues(report, "Original-Rcpt-To")) {
    recipient_domains.push_back(DomainOfAddress(rcpt));
  }
  std::string sender_domain = DomainOfAddress(FindHeader(report, "Original-Mail-From"));
  for (const std::string& domain : AllValues(report, "Reported-Domain")) {
    std::string name = AsciiLower(TrimSpace(domain));
    bool recipients = std::find(recipient_domains.begin(), recipient_domains.end(), name) !=
                      recipient_domains.end();
    if (recipients && name != sender_domain) continue;
    if (Result<Target> target = ParseTarget(name); target.ok()) AddTarget(targets, *target);
  }
  if (!has_source) {
    reading.status = ReadingStatus::kNeedsHuman;
    reading.reason = "arf_without_source";
    reading.detail =
        "the feedback report names no usable Source-IP or Reported-URI, and the "
        "original message shows no public sending address";
    reading.candidate_targets = std::move(targets);
    return reading;
  }

  Event event;
  event.targets = std::move(targets);
  std::optional<ZonedInstant> observed =
      FirstTime({FindHeader(report, "Arrival-Date"), FindHeader(report, "Received-Date"),
                 FindHeader(original, "Date"), FindHeader(message.headers, "Date")});
  event.observed = observed ? *observed : ZonedInstant{options.received_at, 0, ""};
  if (feedback_type == "abuse") {
    event.abuse_type = "spam";
  } else if (feedback_type == "fraud") {
    event.abuse_type = "phishing";
  } else if (feedback_type == "virus") {
    event.abuse_type = "virus";
  } else {
    event.abuse_type = AbuseTypeFromText(message);
  }
  event.source_report_id = ClampSummary(WithoutAngles(FindHeader(original, "Message-ID")));
  // The original's Subject and addresses are a person's mail: they stay out of the summary.
  std::string summary = "Feedback-Type: " + (feedback_type.empty() ? "none" : feedback_type);
  std::string user_agent(TrimSpace(FindHeader(report, "User-Agent")));
  if (!user_agent.empty()) summary += ", User-Agent: " + user_agent;
  event.summary = ClampSummary(summary);

  reading.status = ReadingStatus::kParsed;
  reading.events.push_back(std::move(event));
  return reading;
}

}  // namespace vigie::reading
