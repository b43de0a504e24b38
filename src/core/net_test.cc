#include "core/net.h"

#include <gtest/gtest.h>

namespace vigie {
namespace {

TEST(IpAddress, ParsesStrictDottedQuad) {
  auto address = IpAddress::Parse("192.0.2.10");
  ASSERT_TRUE(address);
  EXPECT_TRUE(address->is_v4());
  EXPECT_EQ(address->v4(), 0xC000020Au);
  EXPECT_EQ(address->ToString(), "192.0.2.10");
}

TEST(IpAddress, RefusesLeadingZerosAndShortForms) {
  EXPECT_FALSE(IpAddress::Parse("192.0.2.010"));
  EXPECT_FALSE(IpAddress::Parse("192.0.2"));
  EXPECT_FALSE(IpAddress::Parse("256.0.0.1"));
  EXPECT_FALSE(IpAddress::Parse(""));
  EXPECT_FALSE(IpAddress::Parse("fe80::1%eth0"));
}

TEST(IpAddress, CanonicalisesIpv6) {
  auto address = IpAddress::Parse("2001:0DB8:0000:0000:0000:0000:0000:0001");
  ASSERT_TRUE(address);
  EXPECT_FALSE(address->is_v4());
  EXPECT_EQ(address->ToString(), "2001:db8::1");
}

TEST(IpAddress, ReadsV4MappedAsV4) {
  auto address = IpAddress::Parse("::ffff:192.0.2.1");
  ASSERT_TRUE(address);
  EXPECT_TRUE(address->is_v4());
  EXPECT_EQ(address->ToString(), "192.0.2.1");
}

TEST(IpPrefix, ParsesAndContains) {
  auto prefix = IpPrefix::Parse("198.51.100.0/24");
  ASSERT_TRUE(prefix);
  EXPECT_TRUE(prefix->Contains(*IpAddress::Parse("198.51.100.255")));
  EXPECT_FALSE(prefix->Contains(*IpAddress::Parse("198.51.101.0")));
  EXPECT_FALSE(prefix->Contains(*IpAddress::Parse("2001:db8::1")));
}

TEST(IpPrefix, RefusesHostBitsAndBadLengths) {
  EXPECT_FALSE(IpPrefix::Parse("198.51.100.1/24"));
  EXPECT_FALSE(IpPrefix::Parse("198.51.100.0/33"));
  EXPECT_FALSE(IpPrefix::Parse("198.51.100.0/"));
  EXPECT_FALSE(IpPrefix::Parse("2001:db8::/129"));
}

TEST(IpPrefix, Ipv6PrefixContainsItsAddresses) {
  auto prefix = IpPrefix::Parse("2001:db8::/32");
  ASSERT_TRUE(prefix);
  EXPECT_TRUE(prefix->Contains(*IpAddress::Parse("2001:db8:ffff::1")));
  EXPECT_FALSE(prefix->Contains(*IpAddress::Parse("2001:db9::1")));
  EXPECT_EQ(prefix->ToString(), "2001:db8::/32");
}

TEST(IpPrefix, ZeroLengthContainsEverythingOfItsFamily) {
  auto prefix = IpPrefix::Parse("0.0.0.0/0");
  ASSERT_TRUE(prefix);
  EXPECT_TRUE(prefix->Contains(*IpAddress::Parse("203.0.113.7")));
}

}  // namespace
}  // namespace vigie
