// A report target: what the reporter says is abusive (an IP address, a domain name or a URL).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/net.h"
#include "core/result.h"

namespace vigie {

enum class TargetKind { kIp, kDomain, kUrl };

std::string_view TargetKindName(TargetKind kind);  // "ip", "domain", "url"

struct Target {
  TargetKind kind = TargetKind::kIp;
  // Canonical form used for attribution and deduplication: the IP in canonical text, the
  // domain in lower-case ASCII (A-labels, no trailing dot), or the URL with its host so.
  std::string canonical;
  // What a person reads: the domain in Unicode (U-labels) when it is an IDN, else canonical.
  std::string display;
  // The address for kIp, and for a URL whose host is an IP literal.
  std::optional<IpAddress> ip;
  // The ASCII host name for kDomain, and for a URL whose host is a name.
  std::string host;
};

// Reads one target as a reporter or a machine wrote it. Accepts an IPv4 or IPv6 address, a
// domain name (IDN allowed), or an http(s)/ftp URL; "example.com/path" without a scheme is read
// as an http URL. Errors (Error::code): "empty", "too_long", "invalid_ip", "invalid_domain",
// "invalid_url", "unsupported_scheme".
Result<Target> ParseTarget(std::string_view input);

// Normalises a host name to lower-case ASCII (IDNA 2008, UTS 46 mapping). Returns nullopt when
// it is not a valid DNS host name with at least two labels.
std::optional<std::string> NormalizeHostName(std::string_view host);

// The Unicode form of an ASCII host name; the input itself when it has no A-labels.
std::string HostNameToUnicode(const std::string& ascii);

}  // namespace vigie
