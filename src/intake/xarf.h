// Internal to vigie_intake: reading XARF v4 reports (https://xarf.org, version 4 schemas).
//
// A XARF report is a machine report from a trusted source. How it becomes a ReportDraft:
//
//   abuse_type        from category/type through XarfTypeMappings(); reputation reports carry
//                     no abuse kind in their type, so their "threat_type" decides
//                     (XarfThreatMappings()). Anything else is an error on "type" (or
//                     "threat_type"): "unsupported_xarf_type".
//   targets           "source_identifier" (an IP address or a domain), then the abusive URLs the
//                     types define: "url" (content), "infringing_url" (copyright),
//                     "submission_url" (phishing), and "urls" (an array, accepted for
//                     senders that list several). Victim-side members (destination_ip,
//                     target_url of sql_injection, legitimate_site) and third parties
//                     (c2_server, downstream_links) are not targets: they go to the
//                     description. Every identifier given must parse, or its field is an error.
//   observed          "timestamp" (RFC 3339, the time of the incident); the same time window
//                     as any report applies.
//   reporter          kind machine; name = reporter.org, email = reporter.contact, under the
//                     same rules as other reports (email optional for child sexual abuse, name
//                     required for name types). "sender" is not used. share_email is false:
//                     XARF has no opt-in for it.
//   description       built by vigie in English from the report: category and type, source and
//                     destination with ports, times, evidence source, tags, the sender's own
//                     "description", the other members as "name: value" lines, and a count of
//                     evidence items. Base64 evidence payloads, "_internal" (never meant to
//                     travel) and "smtp_to" (a victim's address) are left out; reporter and
//                     sender contacts too, since the description is forwarded to the customer.
//                     Capped at policy.max_description_bytes; the raw report keeps everything.
//   good_faith        false: a machine report carries no statement, and none is required. The
//                     trusted-source agreement stands in for it.
//   language          "en".
//   source_report_id  "report_id" (required).
//   channel/format    kApi / "xarf4"; raw = the body, raw_type "application/json".
// Unknown members are ignored (the XARF core schema allows additional properties); members
// vigie reads must have the right JSON type ("wrong_type" otherwise).
#pragma once

#include <boost/json/object.hpp>
#include <span>
#include <string_view>

#include "intake/intake.h"

namespace vigie::intake::internal {

struct XarfTypeMapping {
  std::string_view category;
  std::string_view type;        // "*" matches any type of the category
  std::string_view abuse_type;  // an AbuseType id
};

// The category/type table, most specific rows first.
std::span<const XarfTypeMapping> XarfTypeMappings();

struct XarfThreatMapping {
  std::string_view threat_type;  // reputation reports' "threat_type", lower case
  std::string_view abuse_type;
};
std::span<const XarfThreatMapping> XarfThreatMappings();

// The abuse type id for a XARF classification, or "" when vigie has none. `threat_type` is
// only read for the "reputation" category.
std::string_view MapXarfType(std::string_view category, std::string_view type,
                             std::string_view threat_type);

// REQUIRES: `report` is the parsed top-level object of `body` and has "xarf_version".
IntakeResult ValidateXarf(const boost::json::object& report, std::string_view body,
                          const IntakePolicy& policy);

}  // namespace vigie::intake::internal
