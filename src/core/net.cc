#include "core/net.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace vigie {

IpAddress IpAddress::V4(uint32_t value) {
  IpAddress address;
  address.value_ = value;
  address.v4_ = true;
  return address;
}

IpAddress IpAddress::V6(Uint128 value) {
  IpAddress address;
  address.value_ = value;
  address.v4_ = false;
  return address;
}

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  // A NUL would end the C string early and let trailing text through unseen.
  if (text.empty() || text.size() > 45 || text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  char buffer[64];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';

  if (text.find(':') == std::string_view::npos) {
    // inet_pton accepts only the strict dotted quad; leading zeros are refused too, since
    // some tools read them as octal.
    in_addr v4;
    if (inet_pton(AF_INET, buffer, &v4) != 1) return std::nullopt;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find('.', pos);
      if (end == std::string_view::npos) end = text.size();
      if (end - pos > 1 && text[pos] == '0') return std::nullopt;
      pos = end + 1;
    }
    return V4(ntohl(v4.s_addr));
  }

  in6_addr v6;
  if (inet_pton(AF_INET6, buffer, &v6) != 1) return std::nullopt;
  Uint128 value = 0;
  for (uint8_t byte : v6.s6_addr) value = (value << 8) | byte;
  if ((value >> 32) == 0xffff) return V4(static_cast<uint32_t>(value));
  return V6(value);
}

std::string IpAddress::ToString() const {
  char buffer[INET6_ADDRSTRLEN];
  if (v4_) {
    in_addr v4;
    v4.s_addr = htonl(static_cast<uint32_t>(value_));
    inet_ntop(AF_INET, &v4, buffer, sizeof buffer);
  } else {
    in6_addr v6;
    Uint128 value = value_;
    for (int i = 15; i >= 0; --i) {
      v6.s6_addr[i] = static_cast<uint8_t>(value & 0xff);
      value >>= 8;
    }
    inet_ntop(AF_INET6, &v6, buffer, sizeof buffer);
  }
  return buffer;
}

namespace {

Uint128 HostMask(int bits, int length) {
  int host_bits = bits - length;
  if (host_bits <= 0) return 0;
  if (host_bits >= 128) return ~Uint128(0);
  return (Uint128(1) << host_bits) - 1;
}

}  // namespace

std::optional<IpPrefix> IpPrefix::Parse(std::string_view text) {
  size_t slash = text.find('/');
  auto address = IpAddress::Parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  int length = address->bits();
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) {
      return std::nullopt;
    }
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    // An IPv4-mapped address is read as IPv4, so its IPv6 prefix length counts from bit 96.
    bool mapped = address->is_v4() && text.substr(0, slash).find(':') != std::string_view::npos;
    if (mapped) {
      if (length < 96) return std::nullopt;
      length -= 96;
    }
    if (length < 0 || length > address->bits()) return std::nullopt;
  }
  if ((address->value() & HostMask(address->bits(), length)) != 0) return std::nullopt;
  return IpPrefix{*address, length};
}

bool IpPrefix::Contains(const IpAddress& candidate) const {
  if (candidate.is_v4() != address.is_v4()) return false;
  Uint128 mask = ~HostMask(address.bits(), length);
  if (address.is_v4()) mask &= 0xffffffffu;
  return (candidate.value() & mask) == address.value();
}

std::string IpPrefix::ToString() const {
  return address.ToString() + "/" + std::to_string(length);
}

}  // namespace vigie
