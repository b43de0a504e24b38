#include "core/target.h"

#include <idn2.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <cstdlib>

namespace vigie {
namespace {

constexpr size_t kMaxTargetLength = 2048;

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool LooksLikeIp(std::string_view text) {
  if (text.find(':') != std::string_view::npos) return text.find('/') == std::string_view::npos;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r' ||
                           text.front() == '\n')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

// A URL copied from a browser may be an IRI (RFC 3987) with Unicode in its host or path. Its
// non-ASCII bytes are percent-encoded so that it parses as a URI; the host is decoded again
// below and normalised to A-labels.
std::string EncodeNonAscii(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    }
  }
  return out;
}

Result<Target> ParseUrl(std::string_view input) {
  std::string text = EncodeNonAscii(input);
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return Error{"invalid_url", "not an absolute URL"};
  boost::urls::url url(*parsed);
  std::string scheme(url.scheme());
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme != "http" && scheme != "https" && scheme != "ftp") {
    return Error{"unsupported_scheme", "only http, https and ftp URLs are targets"};
  }
  url.set_scheme(scheme);

  Target target;
  target.kind = TargetKind::kUrl;
  switch (url.host_type()) {
    case boost::urls::host_type::ipv4:
    case boost::urls::host_type::ipv6: {
      std::string host(url.encoded_host_address());
      auto ip = IpAddress::Parse(host);
      if (!ip) return Error{"invalid_url", "the URL's host address is not valid"};
      target.ip = ip;
      break;
    }
    case boost::urls::host_type::name: {
      std::string raw_host = url.host();
      auto host = NormalizeHostName(raw_host);
      if (!host) return Error{"invalid_url", "the URL's host is not a valid domain name"};
      target.host = *host;
      url.set_host(*host);
      break;
    }
    default:
      return Error{"invalid_url", "the URL has no usable host"};
  }
  // set_path("/") on an empty path gives "/./" in Boost.URL 1.81; this gives "/".
  if (url.path().empty()) url.set_path_absolute(true);
  url.remove_fragment();
  target.canonical = std::string(url.buffer());
  target.display = target.canonical;
  if (!target.host.empty()) {
    std::string unicode = HostNameToUnicode(target.host);
    if (unicode != target.host) {
      size_t at = target.display.find(target.host);
      if (at != std::string::npos) target.display.replace(at, target.host.size(), unicode);
    }
  }
  return target;
}

}  // namespace

std::string_view TargetKindName(TargetKind kind) {
  switch (kind) {
    case TargetKind::kIp:
      return "ip";
    case TargetKind::kDomain:
      return "domain";
    case TargetKind::kUrl:
      return "url";
  }
  return "ip";
}

std::optional<std::string> NormalizeHostName(std::string_view host) {
  // A NUL would end the C string given to libidn2 and let trailing text through unseen.
  if (host.empty() || host.size() > 1024 || host.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  std::string input(host);
  if (input.back() == '.') input.pop_back();
  if (input.empty()) return std::nullopt;

  char* ascii = nullptr;
  int rc =
      idn2_lookup_u8(reinterpret_cast<const uint8_t*>(input.c_str()),
                     reinterpret_cast<uint8_t**>(&ascii), IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  if (rc != IDN2_OK) {
    // Underscores are legal in DNS names though not in IDNA host names; retry a plain ASCII name.
    bool plain = std::all_of(input.begin(), input.end(), [](char c) {
      return IsHostChar(static_cast<char>(std::tolower(static_cast<unsigned char>(c)))) || c == '.';
    });
    if (!plain) return std::nullopt;
    ascii = static_cast<char*>(std::malloc(input.size() + 1));
    std::copy(input.begin(), input.end(), ascii);
    ascii[input.size()] = '\0';
  }
  std::string out(ascii);
  std::free(ascii);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });

  if (out.size() > 253) return std::nullopt;
  size_t labels = 0;
  size_t pos = 0;
  while (pos <= out.size()) {
    size_t end = out.find('.', pos);
    if (end == std::string::npos) end = out.size();
    std::string_view label(out.data() + pos, end - pos);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return std::nullopt;
    }
    if (!std::all_of(label.begin(), label.end(), IsHostChar)) return std::nullopt;
    ++labels;
    pos = end + 1;
  }
  if (labels < 2) return std::nullopt;
  // A name made only of digits and dots is an address typo, not a domain.
  if (std::all_of(out.begin(), out.end(),
                  [](char c) { return (c >= '0' && c <= '9') || c == '.'; })) {
    return std::nullopt;
  }
  return out;
}

std::string HostNameToUnicode(const std::string& ascii) {
  if (ascii.find("xn--") == std::string::npos) return ascii;
  char* unicode = nullptr;
  if (idn2_to_unicode_8z8z(ascii.c_str(), &unicode, 0) != IDN2_OK) return ascii;
  std::string out(unicode);
  idn2_free(unicode);
  return out;
}

Result<Target> ParseTarget(std::string_view input) {
  std::string_view text = Trim(input);
  if (text.empty()) return Error{"empty", "the target is empty"};
  if (text.size() > kMaxTargetLength) return Error{"too_long", "the target is too long"};

  if (text.find("://") != std::string_view::npos) return ParseUrl(text);
  if (LooksLikeIp(text)) {
    std::string_view address = text;
    // "[2001:db8::1]" is a common way to write an IPv6 address.
    if (address.size() > 2 && address.front() == '[' && address.back() == ']') {
      address = address.substr(1, address.size() - 2);
    }
    auto ip = IpAddress::Parse(address);
    if (!ip && std::count(text.begin(), text.end(), ':') == 1) {
      return ParseUrl("http://" + std::string(text));  // "host:port"
    }
    if (!ip) return Error{"invalid_ip", "not a valid IPv4 or IPv6 address"};
    Target target;
    target.kind = TargetKind::kIp;
    target.ip = ip;
    target.canonical = ip->ToString();
    target.display = target.canonical;
    return target;
  }
  if (text.find('/') != std::string_view::npos || text.find('?') != std::string_view::npos) {
    return ParseUrl("http://" + std::string(text));
  }

  auto host = NormalizeHostName(text);
  if (!host) return Error{"invalid_domain", "not a valid domain name"};
  Target target;
  target.kind = TargetKind::kDomain;
  target.canonical = *host;
  target.host = *host;
  target.display = HostNameToUnicode(*host);
  return target;
}

}  // namespace vigie
