// XML notices: ACNS copyright notices, IODEF v1 incident documents and Google Safe Browsing
// notifications. pugixml reads them: it expands no external entity and fetches nothing, and a
// document is refused before parsing when over kMaxXmlBytes and after when deeper than
// kMaxXmlDepth (pugixml itself recurses only on destruction and output, neither of which a
// deep document reaches here, but nothing below walks an unbounded depth).
//
// Abuse types:
// - ACNS: always `copyright`.
// - Safe Browsing: list type 0 is `malware`, list type 1 is `phishing` (the two lists of the
//   Safe Browsing alerts for network administrators); another list type gives the addresses as
//   candidates for a person.
// - IODEF: from the words of the incident's Description, then its Assessment/Impact type:
//   see IodefAbuseType.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <pugixml.hpp>
#include <string>

#include "core/target.h"
#include "core/text.h"
#include "reading/formats.h"

namespace vigie::reading {
namespace {

// The local part of an element name: "iodef:Incident" is "Incident".
std::string_view LocalName(const pugi::xml_node& node) {
  std::string_view name = node.name();
  size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node Child(const pugi::xml_node& node, std::string_view name) {
  for (pugi::xml_node child : node.children()) {
    if (child.type() == pugi::node_element && LocalName(child) == name) return child;
  }
  return {};
}

// Every element named `name` below `node`, depth first, in document order.
void Descendants(const pugi::xml_node& node, std::string_view name,
                 std::vector<pugi::xml_node>& out) {
  for (pugi::xml_node child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    if (LocalName(child) == name) out.push_back(child);
    Descendants(child, name, out);
  }
}

std::string_view TrimmedText(const pugi::xml_node& node) {
  std::string_view text = node.child_value();
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

int Depth(const pugi::xml_node& node, int limit) {
  int deepest = 0;
  std::vector<std::pair<pugi::xml_node, int>> stack = {{node, 0}};
  while (!stack.empty()) {
    auto [current, depth] = stack.back();
    stack.pop_back();
    deepest = std::max(deepest, depth);
    if (deepest > limit) return deepest;
    for (pugi::xml_node child : current.children()) stack.emplace_back(child, depth + 1);
  }
  return deepest;
}

void AddTarget(std::vector<Target>& targets, std::string_view text) {
  if (text.empty()) return;
  Result<Target> target = ParseTarget(text);
  if (!target.ok()) return;
  for (const Target& existing : targets) {
    if (existing.canonical == target->canonical) return;
  }
  targets.push_back(*std::move(target));
}

// "http://fdf1:cb9d:f59e:19b0:f3:22:0:2:2222/path": an IPv6 literal written without brackets,
// its port after the last colon. Returns the URL with the brackets put back, or "".
std::string BracketBareIpv6(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  size_t host_start = scheme + 3;
  size_t host_end = url.find_first_of("/?#", host_start);
  if (host_end == std::string_view::npos) host_end = url.size();
  std::string_view host = url.substr(host_start, host_end - host_start);
  if (host.find('[') != std::string_view::npos || std::count(host.begin(), host.end(), ':') < 2) {
    return "";
  }
  std::string rebuilt;
  if (IpAddress::Parse(host)) {
    rebuilt.assign(url.substr(0, host_start)).append("[").append(host).append("]");
  } else {
    size_t colon = host.rfind(':');
    if (!IpAddress::Parse(host.substr(0, colon))) return "";
    rebuilt.assign(url.substr(0, host_start))
        .append("[")
        .append(host.substr(0, colon))
        .append("]")
        .append(host.substr(colon));
  }
  rebuilt.append(url.substr(host_end));
  return rebuilt;
}

void AddUrlTarget(std::vector<Target>& targets, std::string_view url) {
  size_t before = targets.size();
  AddTarget(targets, url);
  if (targets.size() == before) {
    std::string repaired = BracketBareIpv6(url);
    if (!repaired.empty()) AddTarget(targets, repaired);
  }
}

// Moves the events' targets and times to the candidates, for a reading a person finishes.
void EventsToCandidates(Reading& reading) {
  for (const Event& event : reading.events) {
    for (const Target& target : event.targets) {
      bool seen = std::any_of(reading.candidate_targets.begin(), reading.candidate_targets.end(),
                              [&](const Target& t) { return t.canonical == target.canonical; });
      if (!seen && reading.candidate_targets.size() < 100) {
        reading.candidate_targets.push_back(target);
      }
    }
    bool seen =
        std::any_of(reading.candidate_times.begin(), reading.candidate_times.end(),
                    [&](const ZonedInstant& t) { return t.instant == event.observed.instant; });
    if (!seen && reading.candidate_times.size() < 20) {
      reading.candidate_times.push_back(event.observed);
    }
  }
  reading.events.clear();
}

ZonedInstant TimeOr(std::string_view text, Instant fallback) {
  if (std::optional<ZonedInstant> parsed = ParseMailTime(text)) return *parsed;
  ZonedInstant zoned;
  zoned.instant = fallback;
  return zoned;
}

// ---------------------------------------------------------------------------------------------
// ACNS.

Reading ReadAcns(const pugi::xml_node& root, Instant fallback_time) {
  Reading reading;
  reading.format = "acns";
  pugi::xml_node source = Child(root, "Source");
  Event event;
  event.abuse_type = "copyright";
  event.source_report_id = std::string(TrimmedText(Child(Child(root, "Case"), "ID")));
  AddTarget(event.targets, TrimmedText(Child(source, "URL_Base")));
  AddTarget(event.targets, TrimmedText(Child(source, "DNS_Name")));
  AddTarget(event.targets, TrimmedText(Child(source, "IP_Address")));

  std::string_view time = TrimmedText(Child(source, "TimeStamp"));
  if (time.empty()) time = TrimmedText(Child(Child(Child(root, "Content"), "Item"), "TimeStamp"));
  std::optional<ZonedInstant> observed = ParseMailTime(time);

  pugi::xml_node item = Child(Child(root, "Content"), "Item");
  std::string summary = std::string(TrimmedText(Child(source, "Type")));
  std::string_view title = TrimmedText(Child(item, "Title"));
  if (!title.empty()) summary += (summary.empty() ? "" : ": ") + std::string(title);
  std::string_view port = TrimmedText(Child(source, "Port"));
  if (!port.empty()) summary += " port " + std::string(port);
  event.summary = ClampSummary(summary);

  if (event.targets.empty()) {
    reading.status = ReadingStatus::kNeedsHuman;
    reading.reason = "acns_no_target";
    reading.detail = "ACNS notice " + ClampSummary(event.source_report_id) +
                     ": Source/IP_Address is missing or not an address";
    return reading;
  }
  if (!observed) {
    event.observed.instant = fallback_time;
    reading.events.push_back(std::move(event));
    EventsToCandidates(reading);
    reading.status = ReadingStatus::kNeedsHuman;
    reading.reason = "acns_no_time";
    reading.detail = "ACNS notice: Source/TimeStamp is missing or unreadable";
    return reading;
  }
  event.observed = *observed;
  reading.events.push_back(std::move(event));
  reading.status = ReadingStatus::kParsed;
  return reading;
}

// ---------------------------------------------------------------------------------------------
// IODEF v1 (RFC 5070).

// The words first, since they are the sender's own: then the impact type.
//   phish -> phishing; spam -> spam; ddos, denial of service, flood -> dos;
//   brute force, password guess, login attempt -> bruteforce; botnet, c&c, command and control
//   -> botnet; worm, virus, malware, trojan, ransomware -> malware; copyright, infring ->
//   copyright; scan, probe -> bruteforce (vigie has no scanning type; unsolicited probing of
//   others' services is handled like login attempts). Impact type: dos -> dos; recon -> bruteforce;
//   admin, user (intrusion attempts) -> bruteforce; social-engineering -> phishing. Anything else:
//   "" (a person decides).
std::string IodefAbuseType(std::string_view words, std::string_view impact) {
  std::string text = AsciiLower(words);
  auto has = [&text](std::initializer_list<std::string_view> needles) {
    return std::any_of(needles.begin(), needles.end(),
                       [&text](std::string_view n) { return text.find(n) != std::string::npos; });
  };
  if (has({"phish"})) return "phishing";
  if (has({"spam"})) return "spam";
  if (has({"ddos", "denial of service", "flood"})) return "dos";
  if (has({"brute", "password guess", "login attempt"})) return "bruteforce";
  if (has({"botnet", "c&c", "command and control"})) return "botnet";
  if (has({"worm", "virus", "malware", "trojan", "ransomware"})) return "malware";
  if (has({"copyright", "infring"})) return "copyright";
  if (has({"scan", "probe"})) return "bruteforce";
  std::string type = AsciiLower(impact);
  if (type == "dos") return "dos";
  if (type == "recon" || type == "admin" || type == "user") return "bruteforce";
  if (type == "social-engineering") return "phishing";
  return "";
}

Reading ReadIodef(const pugi::xml_node& root, Instant fallback_time) {
  Reading reading;
  reading.format = "iodef";
  bool untyped = false;
  std::vector<pugi::xml_node> incidents;
  Descendants(root, "Incident", incidents);
  for (const pugi::xml_node& incident : incidents) {
    std::string id(TrimmedText(Child(incident, "IncidentID")));
    std::string words(TrimmedText(Child(incident, "Description")));
    std::string impact = Child(Child(incident, "Assessment"), "Impact").attribute("type").value();
    std::string abuse_type = IodefAbuseType(words, impact);
    if (abuse_type.empty()) untyped = true;

    // Time: the first DetectTime or StartTime, else a record's DateTime, else ReportTime.
    std::string_view time_text;
    for (std::string_view name : {"DetectTime", "StartTime", "DateTime", "ReportTime"}) {
      std::vector<pugi::xml_node> found;
      Descendants(incident, name, found);
      if (!found.empty()) {
        time_text = TrimmedText(found.front());
        break;
      }
    }
    ZonedInstant observed = TimeOr(time_text, fallback_time);

    std::vector<pugi::xml_node> systems;
    Descendants(incident, "System", systems);
    for (const pugi::xml_node& system : systems) {
      if (std::string_view(system.attribute("category").value()) != "source") continue;
      Event event;
      std::vector<pugi::xml_node> addresses;
      Descendants(system, "Address", addresses);
      for (const pugi::xml_node& address : addresses) {
        AddTarget(event.targets, TrimmedText(address));
      }
      std::vector<pugi::xml_node> names;
      Descendants(system, "NodeName", names);
      for (const pugi::xml_node& name : names) AddTarget(event.targets, TrimmedText(name));
      if (event.targets.empty()) continue;
      event.observed = observed;
      event.abuse_type = abuse_type;
      event.source_report_id = ClampSummary(id);
      std::string summary = words.empty() ? "impact " + impact : words;
      event.summary = ClampSummary(summary);
      reading.events.push_back(std::move(event));
      if (reading.events.size() >= 10'000) break;
    }
  }
  if (reading.events.empty()) {
    reading.status = ReadingStatus::kNeedsHuman;
    reading.reason = "iodef_no_source";
    reading.detail = "the IODEF document names no source system with an address";
    return reading;
  }
  if (untyped) {
    EventsToCandidates(reading);
    reading.status = ReadingStatus::kNeedsHuman;
    reading.reason = "iodef_unknown_type";
    reading.detail = "an incident's description and impact name no abuse type vigie knows";
    return reading;
  }
  reading.status = ReadingStatus::kParsed;
  return reading;
}

// ---------------------------------------------------------------------------------------------
// Google Safe Browsing.

Reading ReadSafeBrowsing(const pugi::xml_node& root, Instant fallback_time) {
  Reading reading;
  reading.format = "safe_browsing";
  std::string date = root.attribute("date").value();
  ZonedInstant observed = TimeOr(date.size() == 10 ? date + " 00:00:00" : date, fallback_time);
  bool unknown_list = false;
  for (pugi::xml_node list : root.children()) {
    if (list.type() != pugi::node_element || LocalName(list) != "list") continue;
    std::string_view list_type = list.attribute("type").value();
    std::string abuse_type = list_type == "0" ? "malware" : list_type == "1" ? "phishing" : "";
    if (abuse_type.empty()) unknown_list = true;
    for (pugi::xml_node info : list.children()) {
      if (info.type() != pugi::node_element || LocalName(info) != "url_info") continue;
      Event event;
      AddUrlTarget(event.targets, info.attribute("url").value());
      AddTarget(event.targets, info.attribute("ip").value());
      if (event.targets.empty()) continue;
      event.observed = observed;
      event.abuse_type = abuse_type;
      event.summary = ClampSummary("Safe Browsing list " + std::string(list_type) + " (" +
                                   (abuse_type.empty() ? "unknown" : abuse_type) + ")");
      reading.events.push_back(std::move(event));
      if (reading.events.size() >= 10'000) break;
    }
  }
  if (reading.events.empty()) {
    reading.status = ReadingStatus::kNeedsHuman;
    reading.reason = "safe_browsing_no_target";
    reading.detail = "the Safe Browsing notification lists no usable URL or address";
    return reading;
  }
  if (unknown_list) {
    EventsToCandidates(reading);
    reading.status = ReadingStatus::kNeedsHuman;
    reading.reason = "unknown_safe_browsing_list";
    reading.detail = "a Safe Browsing list type other than 0 (malware) or 1 (phishing)";
    return reading;
  }
  reading.status = ReadingStatus::kParsed;
  return reading;
}

bool IsXmlEntity(const MimeEntity& entity) {
  return entity.content_type.find("xml") != std::string::npos ||
         entity.filename.ends_with(".xml") || entity.filename.ends_with(".XML");
}

}  // namespace

std::string_view FindInlineAcns(std::string_view text) {
  size_t end = text.find("</Infringement>");
  if (end == std::string_view::npos) return {};
  end += std::strlen("</Infringement>");
  size_t start = text.rfind("<?xml", end);
  if (start == std::string_view::npos) start = text.rfind("<Infringement", end);
  if (start == std::string_view::npos) return {};
  return text.substr(start, end - start);
}

std::optional<Reading> ReadXmlText(std::string_view xml, Instant fallback_time) {
  // A cheap look at the root before any parsing: only the three formats are read.
  std::string_view head = xml.substr(0, 4096);
  bool acns = head.find("Infringement") != std::string_view::npos;
  bool iodef = head.find("IODEF-Document") != std::string_view::npos;
  bool safe = head.find("notification_message") != std::string_view::npos;
  if (!acns && !iodef && !safe) return std::nullopt;
  std::string format = iodef ? "iodef" : acns ? "acns" : "safe_browsing";
  if (xml.size() > kMaxXmlBytes) {
    return Refused(format, "xml_too_large",
                   "the XML document has " + std::to_string(xml.size()) + " bytes, the limit is " +
                       std::to_string(kMaxXmlBytes));
  }

  pugi::xml_document document;
  // No DOCTYPE processing beyond skipping it; entities other than the five predefined and
  // character references are left as written.
  unsigned int flags = pugi::parse_default & ~pugi::parse_doctype;
  pugi::xml_parse_result parsed = document.load_buffer(xml.data(), xml.size(), flags);
  if (!parsed) {
    return Refused(format, "xml_invalid",
                   std::string("the XML document is not well-formed: ") + parsed.description() +
                       " at byte " + std::to_string(parsed.offset));
  }
  if (Depth(document, kMaxXmlDepth) > kMaxXmlDepth) {
    return Refused(format, "xml_too_deep",
                   "the XML document nests deeper than " + std::to_string(kMaxXmlDepth));
  }

  pugi::xml_node root = document.document_element();
  std::string_view name = LocalName(root);
  if (name == "Infringement") return ReadAcns(root, fallback_time);
  if (name == "IODEF-Document") return ReadIodef(root, fallback_time);
  if (name == "notification_message") return ReadSafeBrowsing(root, fallback_time);
  return std::nullopt;
}

std::optional<Reading> ReadXmlNotice(const MimeMessage& message, const ReadingOptions& options) {
  // A notice without a time of its own is dated by its arrival, else by the mail's Date.
  Instant fallback = options.received_at;
  if (fallback == Instant{}) {
    if (auto date = ParseMailTime(FindHeader(message.headers, "Date"))) fallback = date->instant;
  }

  // Attached XML first (a notice attached and repeated inline reads once), then text parts:
  // the whole part when it is the document, else an ACNS notice inside the text.
  for (const MimeEntity& entity : message.entities) {
    if (!IsXmlEntity(entity)) continue;
    if (std::optional<Reading> reading = ReadXmlText(entity.body, fallback)) return reading;
  }
  for (const MimeEntity& entity : message.entities) {
    if (entity.content_type != "text/plain" && !entity.content_type.empty()) continue;
    std::string_view body = entity.body;
    size_t start = body.find_first_not_of(" \t\r\n");
    if (start != std::string_view::npos && body[start] == '<') {
      if (std::optional<Reading> reading = ReadXmlText(body.substr(start), fallback)) {
        return reading;
      }
    }
    std::string_view acns = FindInlineAcns(body);
    if (!acns.empty()) {
      if (std::optional<Reading> reading = ReadXmlText(acns, fallback)) return reading;
    }
  }
  return std::nullopt;
}

}  // namespace vigie::reading
