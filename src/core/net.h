// IP addresses and prefixes, IPv4 and IPv6, as plain values.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigie {

__extension__ typedef unsigned __int128 Uint128;

// An IPv4 or IPv6 address. An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is read as the IPv4
// address it carries, so that both spellings attribute the same way.
class IpAddress {
 public:
  IpAddress() = default;
  static IpAddress V4(uint32_t value);
  static IpAddress V6(Uint128 value);

  // Strict textual forms only: dotted quad without leading zeros, or RFC 4291 text. A zone id
  // ("fe80::1%eth0") is refused: it means nothing outside the reporter's own host.
  static std::optional<IpAddress> Parse(std::string_view text);

  bool is_v4() const { return v4_; }
  // REQUIRES: is_v4().
  uint32_t v4() const { return static_cast<uint32_t>(value_); }
  // The 128-bit value; for IPv4, the 32-bit value in the low bits.
  Uint128 value() const { return value_; }
  int bits() const { return v4_ ? 32 : 128; }

  // Canonical text (RFC 5952 for IPv6).
  std::string ToString() const;

  bool operator==(const IpAddress&) const = default;

 private:
  Uint128 value_ = 0;
  bool v4_ = true;
};

// An address block such as 192.0.2.0/24. The address is normalised to the block's first address.
struct IpPrefix {
  IpAddress address;
  int length = 0;

  // "192.0.2.0/24", "2001:db8::/32", or a bare address (a /32 or /128). Host bits set below
  // the prefix length are refused as a likely typo.
  static std::optional<IpPrefix> Parse(std::string_view text);
  bool Contains(const IpAddress& address) const;
  std::string ToString() const;

  bool operator==(const IpPrefix&) const = default;
};

}  // namespace vigie
