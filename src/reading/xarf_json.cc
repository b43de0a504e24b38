// XARF JSON in mail: v4 (https://xarf.org), v3 and the abusix drafts that preceded it (Version
// "1", "2", "alpha", "development"), as the message body or an attachment.
//
// v4 reports go through the same checks as XARF posted to the API (intake/xarf.h): the schema
// when one is loaded, then ValidateXarf, whose draft gives the targets, time, abuse type and
// report id. Only the time window differs: a mail reader refuses no report for its age (the
// desk decides what is too old), only reports dated more than a day after the mail arrived.
//
// v3 and its predecessors have no schema that fits the documents senders write (the xarf.org
// legacy schema refuses members every abusix sample carries, see ReadV3), so vigie checks them
// with its own rules, written from the abusix samples: the structure of the document, the JSON type
// and syntax of every member vigie knows, the members each report type requires or forbids. Unknown
// members are refused at the top level, in ReporterInfo and in Report, where the format puts
// extensions in "Custom" (scalars only).
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "core/abuse_type.h"
#include "core/net.h"
#include "core/target.h"
#include "core/text.h"
#include "intake/intake.h"
#include "intake/json_schema.h"
#include "intake/messages.h"
#include "intake/rules.h"
#include "intake/xarf.h"
#include "reading/formats.h"

namespace vigie::reading {
namespace {

namespace json = boost::json;

constexpr int kMaxJsonDepth = 64;
constexpr size_t kMaxProblems = 3;  // listed in Reading::detail

// How v3 report types map. Each v3 type is read as the v4 category/type it became, so that
// MapXarfType (intake/xarf.h) stays the one table of XARF classifications to abuse types; a v3
// type without a v4 counterpart names its abuse type directly. Type names are compared without
// case, "-" or "_" ("Login-Attack", "LoginAttack" and "login_attack" are one type).
// Choices that are not obvious:
// - DOS is the abusix spelling of DDoS; WebCrawler is scraping (unwanted load): "dos".
// - Exploit is an exploitation attempt from the source host against the reporter's systems,
//   read as a vulnerability scan: "bruteforce", like the other attacks on the reporter.
// - Trademark is brand infringement: "copyright", with the other intellectual property.
// - PotentiallyCompromisedAccount says an account on the service at DestinationIp may be in
//   the wrong hands: the customer must secure it, read as remote compromise: "security_flaw".
// - Harassment has no v4 type: "non_consensual" (harassment, non-consensual behaviour).
struct V3Type {
  std::string_view name;         // normalised: lower case, without "-" and "_"
  std::string_view classes;      // the ReportClass values allowed, lower case, "|"-separated
  std::string_view v4_category;  // "" when there is no v4 counterpart
  std::string_view v4_type;
  std::string_view abuse_type;  // only when v4_category is ""
};
constexpr auto kV3Types = std::to_array<V3Type>({
    {"spam", "activity|messaging", "messaging", "spam", ""},
    {"loginattack", "activity|connection", "connection", "login_attack", ""},
    {"portscan", "activity|connection", "connection", "port_scan", ""},
    {"dos", "activity|connection", "connection", "ddos", ""},
    {"ddos", "activity|connection", "connection", "ddos", ""},
    {"webcrawler", "activity|connection", "connection", "scraping", ""},
    {"exploit", "activity|connection", "connection", "vulnerability_scan", ""},
    {"phishing", "content", "content", "phishing", ""},
    {"malware", "activity|content", "content", "malware", ""},
    {"botnet", "content|activity|system|infrastructure", "infrastructure", "botnet", ""},
    {"bot", "content|activity|system|infrastructure", "infrastructure", "botnet", ""},
    {"childabuse", "content", "content", "csam", ""},
    {"childsexualabusematerial", "content", "content", "csam", ""},
    {"copyright", "content|copyright", "copyright", "copyright", ""},
    {"trademark", "content", "content", "brand_infringement", ""},
    {"openservice", "vulnerability", "vulnerability", "open_service", ""},
    {"potentiallycompromisedaccount", "activity", "content", "remote_compromise", ""},
    {"harassment", "activity|content", "", "", "non_consensual"},
});

// The Version values of the drafts and of v3. A document without Version is read as v3 too
// (one abusix alpha sample has none).
constexpr auto kV3Versions =
    std::to_array<std::string_view>({"1", "2", "3", "3.0", "3.0.0", "alpha", "development"});

std::string NormalisedTypeName(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c != '-' && c != '_' && c != ' ') {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

// A value as it appears in a detail: JSON text, shortened to one line.
std::string Quote(const json::value& value) {
  return ClampSummary(json::serialize(value)).substr(0, 60);
}

// The problems found in one document, each "where: why".
class Problems {
 public:
  void Add(std::string field, std::string why) {
    ++count_;
    if (list_.size() < kMaxProblems) list_.push_back(std::move(field) + ": " + std::move(why));
  }
  bool empty() const { return count_ == 0; }
  std::string Detail() const {
    std::string out;
    for (const std::string& one : list_) out += (out.empty() ? "" : "; ") + one;
    if (count_ > list_.size()) {
      out += " (and " + std::to_string(count_ - list_.size()) + " more)";
    }
    return out;
  }

 private:
  std::vector<std::string> list_;
  size_t count_ = 0;
};

// The syntax a v3 member must have.
enum class Kind {
  kString,       // any string
  kIp,           // an IPv4 or IPv6 address
  kPort,         // an integer 1..65535
  kCount,        // a non-negative integer
  kAsn,          // an integer 0..4294967295
  kBool,         // true or false
  kDateTime,     // a date and time (ParseMailTime)
  kEmail,        // an email address
  kHostname,     // a DNS host name
  kUrl,          // a URL vigie can read as a target, or any absolute URI with a scheme
  kProtocol,     // "tcp" or "udp"
  kSeverity,     // "low", "medium", "high" or "critical"
  kCve,          // CVE-yyyy-nnnn...
  kHash,         // a string, or {"HashValue": hex, "HashAlgorithm": md5|sha1|sha256|sha512}
  kCvss,         // {"Version": "2"|"3.0"|"3.1", "Score": 0..10, "Vector": consistent}
  kAccount,      // the account of PotentiallyCompromisedAccount
  kSamples,      // [{"ContentType", "Payload", "Description", "Base64Encoded", "FileName"}]
  kAttachments,  // the xarf.org v3 spelling: [{"ContentType", "Description", "Data"}]
  kSource,       // the xarf.org v3 spelling: {"IP", "Port", "URL", "Type"}
  kScalars,      // an object of strings, numbers and booleans ("Custom")
  kObject,       // any object ("AdditionalInfo")
  kNumberOrString,
};

struct Member {
  std::string_view name;
  Kind kind;
};

constexpr auto kReportMembers = std::to_array<Member>({
    {"ReportClass", Kind::kString},
    {"ReportType", Kind::kString},
    {"ReportSubType", Kind::kString},
    {"Date", Kind::kDateTime},
    {"FirstSeen", Kind::kDateTime},
    {"SourceIp", Kind::kIp},
    {"SourcePort", Kind::kPort},
    {"SourceUrl", Kind::kUrl},
    {"Source", Kind::kSource},
    {"DestinationIp", Kind::kIp},
    {"DestinationPort", Kind::kPort},
    {"AttackerIp", Kind::kIp},
    {"AttackerPort", Kind::kPort},
    {"ASN", Kind::kAsn},
    {"Ongoing", Kind::kBool},
    {"ByteCount", Kind::kCount},
    {"PacketCount", Kind::kCount},
    {"Samples", Kind::kSamples},
    {"Attachment", Kind::kAttachments},
    {"AdditionalInfo", Kind::kObject},
    {"Custom", Kind::kScalars},
    {"ReporterCaseID", Kind::kString},
    {"ReporterNotes", Kind::kString},
    {"ReporterSeverity", Kind::kSeverity},
    {"SmtpMailFromAddress", Kind::kEmail},
    {"SmtpRcptToAddress", Kind::kEmail},
    {"FromAddress", Kind::kEmail},
    {"MalwareName", Kind::kString},
    {"BotnetName", Kind::kString},
    {"RpzDomain", Kind::kHostname},
    {"ServiceName", Kind::kString},
    {"ServiceVersion", Kind::kString},
    {"TransportProtocol", Kind::kProtocol},
    {"InfringedMaterial", Kind::kString},
    {"InfringingUrl", Kind::kUrl},
    {"MaterialType", Kind::kString},
    {"FileName", Kind::kString},
    {"FileSize", Kind::kCount},
    {"FileHash", Kind::kHash},
    {"CourtOrder", Kind::kUrl},
    {"TrademarkedMaterial", Kind::kString},
    {"RegistrationOffice", Kind::kString},
    {"RegistrationNumber", Kind::kString},
    {"CVE", Kind::kCve},
    {"CVSS", Kind::kCvss},
    {"Account", Kind::kAccount},
    {"PasswordHash", Kind::kHash},
    {"Harasser", Kind::kString},
    {"HarassmentLocation", Kind::kString},
    {"HarassmentType", Kind::kString},
    {"HarassmentDescription", Kind::kString},
});

constexpr auto kReporterMembers = std::to_array<Member>({
    {"ReporterType", Kind::kString},
    {"ReporterOrg", Kind::kString},
    {"ReporterOrgDomain", Kind::kHostname},
    {"ReporterOrgEmail", Kind::kEmail},
    {"ReporterContactEmail", Kind::kEmail},
    {"ReporterContactName", Kind::kString},
    {"ReporterContactPhone", Kind::kString},
});

constexpr auto kOnBehalfOfMembers = std::to_array<Member>({
    {"ComplainantOrg", Kind::kString},
    {"ComplainantOrgDomain", Kind::kHostname},
    {"ComplainantOrgEmail", Kind::kEmail},
    {"ComplainantContactEmail", Kind::kEmail},
    {"ComplainantContactName", Kind::kString},
    {"ComplainantContactPhone", Kind::kString},
});

constexpr auto kAccountMembers = std::to_array<Member>({
    {"AccountName", Kind::kString},
    {"AccountEmail", Kind::kEmail},
    {"AccountIdentifier", Kind::kString},
    {"AccountNumber", Kind::kNumberOrString},
});

constexpr auto kSampleMembers = std::to_array<Member>({
    {"ContentType", Kind::kString},
    {"Payload", Kind::kString},
    {"Description", Kind::kString},
    {"Base64Encoded", Kind::kBool},
    {"FileName", Kind::kString},
});

constexpr auto kAttachmentMembers = std::to_array<Member>({
    {"ContentType", Kind::kString},
    {"Description", Kind::kString},
    {"Data", Kind::kString},
});

constexpr auto kSourceMembers = std::to_array<Member>({
    {"IP", Kind::kIp},
    {"Port", Kind::kPort},
    {"URL", Kind::kUrl},
    {"Type", Kind::kString},
});

std::optional<int64_t> Integer(const json::value& value) {
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64() && value.get_uint64() <= INT64_MAX) {
    return static_cast<int64_t>(value.get_uint64());
  }
  return std::nullopt;
}

std::string_view Text(const json::value& value) {
  return value.is_string() ? std::string_view(value.get_string()) : std::string_view();
}

bool IsHex(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool IsCve(std::string_view text) {
  if (text.size() < 13 || text.size() > 40 || !text.starts_with("CVE-") || text[8] != '-') {
    return false;
  }
  for (size_t i = 4; i < text.size(); ++i) {
    if (i != 8 && !std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

bool IsUrl(std::string_view text) {
  if (ParseTarget(text).ok() && text.find("://") != std::string_view::npos) return true;
  // Other schemes (a court order on an https host is the common case, but "ftp", "magnet"...)
  size_t colon = text.find(':');
  if (colon == 0 || colon == std::string_view::npos || colon + 1 == text.size()) return false;
  for (size_t i = 0; i < colon; ++i) {
    if (!std::isalpha(static_cast<unsigned char>(text[i]))) return false;
  }
  for (unsigned char c : text) {
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return text.substr(colon).starts_with("://") && colon + 3 < text.size();
}

void CheckMembers(const json::object& object, std::string_view prefix,
                  std::span<const Member> members, Problems& problems, int depth);

// Checks one member against its kind; `field` is its path ("Report.SourceIp").
void CheckValue(const json::value& value, const std::string& field, Kind kind, Problems& problems,
                int depth) {
  auto expect = [&](bool ok, std::string_view what) {
    if (!ok) problems.Add(field, Quote(value) + " is not " + std::string(what));
  };
  switch (kind) {
    case Kind::kString:
      expect(value.is_string(), "a string");
      return;
    case Kind::kIp:
      expect(value.is_string() && IpAddress::Parse(Text(value)).has_value(), "an IP address");
      return;
    case Kind::kPort: {
      std::optional<int64_t> port = Integer(value);
      expect(port && *port >= 1 && *port <= 65535, "a port number (1 to 65535)");
      return;
    }
    case Kind::kCount: {
      std::optional<int64_t> count = Integer(value);
      expect(count && *count >= 0, "a count (an integer, 0 or more)");
      return;
    }
    case Kind::kAsn: {
      std::optional<int64_t> asn = Integer(value);
      expect(asn && *asn >= 0 && *asn <= 4294967295, "an AS number (an integer below 2^32)");
      return;
    }
    case Kind::kBool:
      expect(value.is_bool(), "true or false");
      return;
    case Kind::kDateTime:
      expect(value.is_string() && ParseMailTime(Text(value)).has_value(), "a date and time");
      return;
    case Kind::kEmail:
      expect(value.is_string() && intake::internal::NormalizeEmail(Text(value)).has_value(),
             "an email address");
      return;
    case Kind::kHostname:
      expect(value.is_string() && NormalizeHostName(Text(value)).has_value() &&
                 Text(value).find_first_of(" /:@") == std::string_view::npos,
             "a host name");
      return;
    case Kind::kUrl:
      expect(value.is_string() && IsUrl(Text(value)), "a URL");
      return;
    case Kind::kProtocol: {
      std::string protocol = AsciiLower(Text(value));
      expect(value.is_string() && (protocol == "tcp" || protocol == "udp"), "\"tcp\" or \"udp\"");
      return;
    }
    case Kind::kSeverity: {
      std::string severity = AsciiLower(Text(value));
      expect(value.is_string() && (severity == "low" || severity == "medium" ||
                                   severity == "high" || severity == "critical"),
             "a severity (low, medium, high, critical)");
      return;
    }
    case Kind::kCve:
      expect(value.is_string() && IsCve(Text(value)), "a CVE identifier (CVE-yyyy-nnnn)");
      return;
    case Kind::kHash: {
      if (value.is_string()) return;
      if (!value.is_object()) return expect(false, "a hash (a string or an object)");
      const json::object& hash = value.get_object();
      const json::value* algorithm = hash.if_contains("HashAlgorithm");
      const json::value* hex = hash.if_contains("HashValue");
      std::string name = algorithm ? AsciiLower(Text(*algorithm)) : "";
      if (!(name == "md5" || name == "sha1" || name == "sha256" || name == "sha512")) {
        problems.Add(field + ".HashAlgorithm",
                     (algorithm ? Quote(*algorithm) : std::string("missing")) +
                         " is not one of md5, sha1, sha256, sha512");
      }
      if (hex == nullptr || !IsHex(Text(*hex))) {
        problems.Add(field + ".HashValue",
                     (hex ? Quote(*hex) : std::string("missing")) + " is not a hexadecimal hash");
      }
      for (const auto& member : hash) {
        if (member.key() != "HashAlgorithm" && member.key() != "HashValue") {
          problems.Add(field + "." + std::string(member.key()), "is not an allowed member");
        }
      }
      return;
    }
    case Kind::kCvss: {
      if (!value.is_object()) return expect(false, "a CVSS object");
      const json::object& cvss = value.get_object();
      const json::value* version = cvss.if_contains("Version");
      std::string_view v = version ? Text(*version) : "";
      if (!(v == "2" || v == "3.0" || v == "3.1")) {
        problems.Add(field + ".Version", (version ? Quote(*version) : std::string("missing")) +
                                             " is not a CVSS version (2, 3.0, 3.1)");
      } else if (const json::value* vector = cvss.if_contains("Vector")) {
        std::string_view text = Text(*vector);
        bool consistent = v == "2" ? !text.starts_with("CVSS:")
                                   : text.starts_with("CVSS:" + std::string(v) + "/");
        if (!vector->is_string() || !consistent) {
          problems.Add(field + ".Vector",
                       Quote(*vector) + " is not a CVSS " + std::string(v) + " vector");
        }
      }
      if (const json::value* score = cvss.if_contains("Score")) {
        bool number = score->is_int64() || score->is_uint64() || score->is_double();
        double x = score->is_double()  ? score->get_double()
                   : score->is_int64() ? static_cast<double>(score->get_int64())
                                       : 0;
        if (!number || x < 0 || x > 10) {
          problems.Add(field + ".Score", Quote(*score) + " is not a score from 0 to 10");
        }
      }
      return;
    }
    case Kind::kAccount: {
      if (!value.is_object()) return expect(false, "an account object");
      const json::object& account = value.get_object();
      if (account.empty()) {
        problems.Add(field,
                     "names no account (AccountName, AccountEmail, AccountIdentifier or "
                     "AccountNumber)");
      }
      CheckMembers(account, field + ".", kAccountMembers, problems, depth + 1);
      if (const json::value* id = account.if_contains("AccountIdentifier");
          id && intake::internal::NormalizeEmail(Text(*id)).has_value()) {
        problems.Add(field + ".AccountIdentifier",
                     "is an email address, which belongs in AccountEmail");
      }
      return;
    }
    case Kind::kSamples:
    case Kind::kAttachments: {
      if (!value.is_array()) return expect(false, "a list");
      const json::array& items = value.get_array();
      bool samples = kind == Kind::kSamples;
      std::span<const Member> members =
          samples ? std::span<const Member>(kSampleMembers) : kAttachmentMembers;
      for (size_t i = 0; i < items.size(); ++i) {
        std::string item_field = field + "[" + std::to_string(i) + "]";
        if (!items[i].is_object()) {
          problems.Add(item_field, Quote(items[i]) + " is not an object");
          continue;
        }
        const json::object& item = items[i].get_object();
        for (std::string_view required :
             {std::string_view("ContentType"), samples ? std::string_view("Payload") : "Data"}) {
          if (!item.contains(required)) {
            problems.Add(item_field + "." + std::string(required), "is required but missing");
          }
        }
        CheckMembers(item, item_field + ".", members, problems, depth + 1);
      }
      return;
    }
    case Kind::kSource:
      if (!value.is_object()) return expect(false, "an object");
      CheckMembers(value.get_object(), field + ".", kSourceMembers, problems, depth + 1);
      return;
    case Kind::kScalars:
      if (!value.is_object()) return expect(false, "an object");
      for (const auto& member : value.get_object()) {
        const json::value& inner = member.value();
        if (inner.is_object() || inner.is_array()) {
          problems.Add(field + "." + std::string(member.key()),
                       Quote(inner) + " is not a string, number or boolean");
        }
      }
      return;
    case Kind::kObject:
      expect(value.is_object(), "an object");
      return;
    case Kind::kNumberOrString:
      expect(value.is_string() || value.is_int64() || value.is_uint64(), "a number or string");
      return;
  }
}

// Checks the members of `object` against `members`; unknown ones are problems.
void CheckMembers(const json::object& object, std::string_view prefix,
                  std::span<const Member> members, Problems& problems, int depth) {
  if (depth > 8) return;
  for (const auto& member : object) {
    std::string field = std::string(prefix) + std::string(member.key());
    const Member* known = nullptr;
    for (const Member& candidate : members) {
      if (candidate.name == std::string_view(member.key())) known = &candidate;
    }
    if (known == nullptr) {
      problems.Add(field, "is not an allowed member");
    } else {
      CheckValue(member.value(), field, known->kind, problems, depth);
    }
  }
}

void Require(const json::object& object, std::string_view prefix,
             std::initializer_list<std::string_view> names, Problems& problems) {
  for (std::string_view name : names) {
    if (!object.contains(name)) {
      problems.Add(std::string(prefix) + std::string(name), "is required but missing");
    }
  }
}

void CheckReporterInfo(const json::object& document, Problems& problems) {
  const json::value* info = document.if_contains("ReporterInfo");
  if (info == nullptr) return problems.Add("ReporterInfo", "is required but missing");
  if (!info->is_object()) return problems.Add("ReporterInfo", Quote(*info) + " is not an object");
  const json::object& reporter = info->get_object();
  CheckMembers(reporter, "ReporterInfo.", kReporterMembers, problems, 1);

  // An organisation says who it is and how to reach it; a person at least one of the two.
  std::string type = reporter.contains("ReporterType")
                         ? AsciiLower(Text(reporter.at("ReporterType")))
                         : std::string("org");
  if (type == "org") {
    Require(reporter, "ReporterInfo.", {"ReporterOrg", "ReporterOrgDomain", "ReporterOrgEmail"},
            problems);
  } else if (type == "person") {
    if (!reporter.contains("ReporterOrg") && !reporter.contains("ReporterContactEmail") &&
        !reporter.contains("ReporterContactName")) {
      problems.Add("ReporterInfo", "names no reporter (ReporterOrg or ReporterContact*)");
    }
  } else {
    problems.Add("ReporterInfo.ReporterType",
                 Quote(reporter.at("ReporterType")) + " is not \"Person\" or \"Org\"");
  }
}

void CheckInternalProcessing(const json::value& value, Problems& problems) {
  if (!value.is_object())
    return problems.Add("InternalProcessing", Quote(value) + " is not an object");
  for (const auto& member : value.get_object()) {
    std::string field = "InternalProcessing." + std::string(member.key());
    const json::value& inner = member.value();
    if (member.key() == "EventTags") {
      if (!inner.is_array()) {
        problems.Add(field, Quote(inner) + " is not a list");
        continue;
      }
      for (size_t i = 0; i < inner.get_array().size(); ++i) {
        if (!inner.get_array()[i].is_string()) {
          problems.Add(field + "[" + std::to_string(i) + "]",
                       Quote(inner.get_array()[i]) + " is not a string");
        }
      }
    } else if (member.key() == "SubscriberInformation" || member.key() == "ContractInformation") {
      if (!inner.is_object()) {
        problems.Add(field, Quote(inner) + " is not an object");
        continue;
      }
      // {"ID": string, "<Subscriber|Resolver>Data": {name: string}}
      for (const auto& part : inner.get_object()) {
        std::string part_field = field + "." + std::string(part.key());
        if (part.key() == "ID") {
          if (!part.value().is_string()) {
            problems.Add(part_field, Quote(part.value()) + " is not a string");
          }
        } else if (part.key() == "SubscriberData" || part.key() == "ResolverData") {
          if (!part.value().is_object()) {
            problems.Add(part_field, Quote(part.value()) + " is not an object");
            continue;
          }
          for (const auto& data : part.value().get_object()) {
            if (!data.value().is_string()) {
              problems.Add(part_field + "." + std::string(data.key()),
                           Quote(data.value()) + " is not a string");
            }
          }
        } else {
          problems.Add(part_field, "is not an allowed member");
        }
      }
    } else {
      problems.Add(field, "is not an allowed member");
    }
  }
}

// The rules of each report type beyond the syntax of its members.
void CheckReportType(const json::object& report, const V3Type& type, std::string_view version,
                     Problems& problems) {
  if (type.name == "malware" && AsciiLower(Text(report.at("ReportClass"))) == "content" &&
      version != "3" && !report.contains("SourceUrl")) {
    // Malware content is named by its URL; version 3 made the URL optional.
    problems.Add("Report.SourceUrl", "is required for Content/Malware before version 3");
  }
  if (type.name == "openservice") Require(report, "Report.", {"ServiceName"}, problems);
  if (type.name == "harassment") {
    Require(report, "Report.", {"Harasser", "HarassmentDescription"}, problems);
  }
  if (type.name == "potentiallycompromisedaccount") {
    Require(report, "Report.", {"Account"}, problems);
    // The account is the subject; whoever used it is AttackerIp, the service DestinationIp.
    for (std::string_view name : {"SourceIp", "SourcePort", "SourceUrl"}) {
      if (report.contains(name)) {
        problems.Add("Report." + std::string(name),
                     "is not allowed in PotentiallyCompromisedAccount (use AttackerIp)");
      }
    }
  }
}

Reading Refuse(std::string format, std::string detail) {
  Reading reading;
  reading.format = std::move(format);
  reading.status = ReadingStatus::kRejected;
  reading.reason = "xarf_invalid";
  reading.detail = std::move(detail);
  return reading;
}

void AddTarget(std::string_view text, std::vector<Target>& targets) {
  Result<Target> target = ParseTarget(text);
  if (!target.ok()) return;
  for (const Target& known : targets) {
    if (known.canonical == target->canonical) return;
  }
  targets.push_back(*std::move(target));
}

Reading ReadV3(const json::object& document) {
  Problems problems;
  std::string version =
      document.contains("Version") ? std::string(Text(document.at("Version"))) : std::string("3");

  // The document's shape.
  if (const json::value* given = document.if_contains("Version");
      given && (!given->is_string() || std::find(kV3Versions.begin(), kV3Versions.end(),
                                                 Text(*given)) == kV3Versions.end())) {
    problems.Add("Version", Quote(*given) + " is not a XARF version (1, 2, 3, alpha, development)");
  }
  for (const auto& member : document) {
    std::string_view key(member.key());
    if (key != "Version" && key != "ReporterInfo" && key != "Disclosure" && key != "OnBehalfOf" &&
        key != "InternalProcessing" && key != "Report") {
      problems.Add(std::string(key), "is not an allowed member");
    }
  }
  CheckReporterInfo(document, problems);
  if (const json::value* disclosure = document.if_contains("Disclosure")) {
    if (!disclosure->is_bool())
      problems.Add("Disclosure", Quote(*disclosure) + " is not true or false");
  } else {
    problems.Add("Disclosure", "is required but missing");
  }
  if (const json::value* behalf = document.if_contains("OnBehalfOf")) {
    if (behalf->is_object()) {
      CheckMembers(behalf->get_object(), "OnBehalfOf.", kOnBehalfOfMembers, problems, 1);
    } else {
      problems.Add("OnBehalfOf", Quote(*behalf) + " is not an object");
    }
  }
  if (const json::value* internal = document.if_contains("InternalProcessing")) {
    CheckInternalProcessing(*internal, problems);
  }

  // The report.
  const json::value* report_value = document.if_contains("Report");
  if (report_value == nullptr) {
    problems.Add("Report", "is required but missing");
    return Refuse("xarf3", problems.Detail());
  }
  if (!report_value->is_object()) {
    problems.Add("Report", Quote(*report_value) + " is not an object");
    return Refuse("xarf3", problems.Detail());
  }
  const json::object& report = report_value->get_object();
  Require(report, "Report.", {"ReportClass", "ReportType", "Date"}, problems);
  CheckMembers(report, "Report.", kReportMembers, problems, 1);
  const V3Type* type = nullptr;
  if (report.contains("ReportType") && report.contains("ReportClass")) {
    std::string name = NormalisedTypeName(Text(report.at("ReportType")));
    std::string report_class = AsciiLower(Text(report.at("ReportClass")));
    for (const V3Type& row : kV3Types) {
      if (row.name == name) type = &row;
    }
    if (type == nullptr) {
      problems.Add("Report.ReportType", Quote(report.at("ReportType")) + " is not a known type");
    } else if (report_class.empty() || report_class.find('|') != std::string::npos ||
               ("|" + std::string(type->classes) + "|").find("|" + report_class + "|") ==
                   std::string::npos) {
      problems.Add("Report.ReportClass", Quote(report.at("ReportClass")) + " is not a class of " +
                                             std::string(Text(report.at("ReportType"))));
    } else {
      CheckReportType(report, *type, version, problems);
    }
  }

  // TODO: options.xarf_schemas is not applied to v3. The xarf.org legacy schema forbids
  // members every real v3 document carries (Disclosure, ReporterContact*, OnBehalfOf) and knows
  // only ReportClass "Activity": it refuses all 23 abusix v3 samples (xarf_json_test prints
  // why). Applying it would turn every v3 mail into a rejection; the rules above stand in.
  if (!problems.empty()) return Refuse("xarf3", problems.Detail());

  // The event: the abusive resources, most specific first.
  Event event;
  if (type->name == "potentiallycompromisedaccount") {
    if (const json::value* ip = report.if_contains("DestinationIp"))
      AddTarget(Text(*ip), event.targets);
  }
  for (std::string_view name : {"SourceUrl", "InfringingUrl", "SourceIp"}) {
    if (const json::value* value = report.if_contains(name)) AddTarget(Text(*value), event.targets);
  }
  if (const json::value* source = report.if_contains("Source")) {
    for (std::string_view name : {"URL", "IP"}) {
      if (const json::value* value = source->get_object().if_contains(name)) {
        AddTarget(Text(*value), event.targets);
      }
    }
  }
  event.observed = *ParseMailTime(Text(report.at("Date")));
  event.abuse_type =
      type->v4_category.empty()
          ? std::string(type->abuse_type)
          : std::string(intake::internal::MapXarfType(type->v4_category, type->v4_type, ""));
  if (const json::value* case_id = report.if_contains("ReporterCaseID")) {
    event.source_report_id = ClampSummary(Text(*case_id));
  }
  std::string summary = std::string(Text(report.at("ReportClass"))) + "/" +
                        std::string(Text(report.at("ReportType")));
  for (std::string_view name : {"ReportSubType", "MalwareName", "BotnetName", "ServiceName", "CVE",
                                "RpzDomain", "InfringedMaterial", "TrademarkedMaterial"}) {
    if (const json::value* value = report.if_contains(name); value && value->is_string()) {
      summary += " " + std::string(name) + "=" + std::string(Text(*value));
    }
  }
  event.summary = ClampSummary(summary);

  Reading reading;
  reading.format = "xarf3";
  reading.status = ReadingStatus::kParsed;
  if (!event.targets.empty()) reading.events.push_back(std::move(event));
  return reading;
}

Reading ReadV4(const json::value& whole, std::string_view text, const ReadingOptions& options) {
  if (options.xarf_schemas != nullptr) {
    std::vector<SchemaViolation> violations = options.xarf_schemas->ValidateV4(whole, kMaxProblems);
    if (!violations.empty()) {
      Problems problems;
      for (const SchemaViolation& violation : violations) {
        problems.Add(violation.path.empty() ? "(document)" : violation.path, violation.reason);
      }
      return Refuse("xarf4", problems.Detail());
    }
  }

  // vigie's own checks, as for the API; the window only refuses reports dated after arrival.
  intake::IntakePolicy policy;
  if (options.received_at != Instant{}) {
    policy.now = options.received_at;
    policy.max_age = std::chrono::hours(24 * 366 * 100);
    policy.future_tolerance = std::chrono::hours(24);
  } else {
    policy.now = FromUnixSeconds(253402300799);  // 9999-12-31: no arrival time, no window
    policy.max_age = std::chrono::hours(24 * 366 * 9000);
  }
  intake::IntakeResult result = intake::internal::ValidateXarf(whole.get_object(), text, policy);
  if (!result.ok()) {
    Problems problems;
    for (const intake::FieldError& error : result.errors) {
      problems.Add(error.field, error.code + " (" + intake::DescribeFieldError(error, "en") + ")");
    }
    return Refuse("xarf4", problems.Detail());
  }

  const ReportDraft& draft = *result.draft;
  const json::object& report = whole.get_object();
  Event event;
  event.targets = draft.targets;
  event.observed = draft.observed;
  event.abuse_type = draft.abuse_type;
  event.source_report_id = draft.source_report_id;
  std::string summary =
      std::string(Text(report.at("category"))) + "/" + std::string(Text(report.at("type")));
  for (std::string_view name : {"evidence_source", "description"}) {
    if (const json::value* value = report.if_contains(name); value && value->is_string()) {
      summary += "; " + std::string(Text(*value));
    }
  }
  event.summary = ClampSummary(summary);

  Reading reading;
  reading.format = "xarf4";
  reading.status = ReadingStatus::kParsed;
  reading.events.push_back(std::move(event));
  return reading;
}

bool EndsWithJson(std::string_view name) {
  return name.size() >= 5 && AsciiLower(name.substr(name.size() - 5)) == ".json";
}

}  // namespace

std::optional<Reading> ReadXarfText(std::string_view text, const ReadingOptions& options) {
  if (text.size() > options.limits.max_part_bytes) return std::nullopt;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);

  json::parse_options parse_options;
  parse_options.max_depth = kMaxJsonDepth;
  boost::system::error_code error;
  json::value whole = json::parse(text, error, json::storage_ptr(), parse_options);
  if (error || !whole.is_object()) return std::nullopt;
  const json::object& document = whole.get_object();

  // Which XARF, if any: v4 names itself; v3 and the drafts by Version, or by their two parts.
  if (const json::value* version = document.if_contains("xarf_version")) {
    if (version->is_string() && Text(*version).starts_with("4")) {
      return ReadV4(whole, text, options);
    }
    return Refuse("xarf4", "xarf_version: " + Quote(*version) + " is not a XARF 4 version");
  }
  const json::value* version = document.if_contains("Version");
  bool known_version =
      version != nullptr && version->is_string() &&
      std::find(kV3Versions.begin(), kV3Versions.end(), Text(*version)) != kV3Versions.end();
  bool has_parts = document.contains("ReporterInfo") || document.contains("Report");
  if (!known_version && !(has_parts && (version != nullptr || document.contains("Report")))) {
    return std::nullopt;
  }
  return ReadV3(document);
}

std::optional<Reading> ReadXarfJson(const MimeMessage& message, const ReadingOptions& options) {
  for (const MimeEntity& entity : message.entities) {
    size_t first = entity.body.find_first_not_of(" \t\r\n");
    bool looks_json = first != std::string::npos && entity.body[first] == '{';
    bool candidate = entity.content_type == "application/json" || EndsWithJson(entity.filename) ||
                     (entity.content_type.starts_with("text/") && looks_json);
    if (!candidate || !looks_json) continue;
    if (std::optional<Reading> reading = ReadXarfText(entity.body, options)) return reading;
  }
  return std::nullopt;
}

}  // namespace vigie::reading
