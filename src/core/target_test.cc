#include "core/target.h"

#include <gtest/gtest.h>

namespace vigie {
namespace {

TEST(Target, ReadsIpv4) {
  auto target = ParseTarget(" 192.0.2.7 ");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->kind, TargetKind::kIp);
  EXPECT_EQ(target->canonical, "192.0.2.7");
}

TEST(Target, ReadsBracketedIpv6) {
  auto target = ParseTarget("[2001:DB8::5]");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->kind, TargetKind::kIp);
  EXPECT_EQ(target->canonical, "2001:db8::5");
}

TEST(Target, ReadsDomainInLowerCase) {
  auto target = ParseTarget("Shop.Example.COM.");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->kind, TargetKind::kDomain);
  EXPECT_EQ(target->canonical, "shop.example.com");
}

TEST(Target, KeepsBothFormsOfAnIdn) {
  auto target = ParseTarget("café.example");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->canonical, "xn--caf-dma.example");
  EXPECT_EQ(target->display, "café.example");
}

TEST(Target, ReadsUrlWithNameHost) {
  auto target = ParseTarget("https://Login.Example.com/secure?x=1#frag");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->kind, TargetKind::kUrl);
  EXPECT_EQ(target->host, "login.example.com");
  EXPECT_EQ(target->canonical, "https://login.example.com/secure?x=1");
}

TEST(Target, ReadsUrlWithIpHost) {
  auto target = ParseTarget("http://198.51.100.4:8080/x");
  ASSERT_TRUE(target.ok());
  ASSERT_TRUE(target->ip);
  EXPECT_EQ(target->ip->ToString(), "198.51.100.4");
}

TEST(Target, ReadsSchemelessPathAsHttpUrl) {
  auto target = ParseTarget("example.org/phish/index.html");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->kind, TargetKind::kUrl);
  EXPECT_EQ(target->canonical, "http://example.org/phish/index.html");
}

TEST(Target, RefusesBadInputWithReason) {
  EXPECT_EQ(ParseTarget("").error().code, "empty");
  EXPECT_EQ(ParseTarget("300.1.2.3").error().code, "invalid_ip");
  EXPECT_EQ(ParseTarget("not a domain").error().code, "invalid_domain");
  EXPECT_EQ(ParseTarget("localhost").error().code, "invalid_domain");
  EXPECT_EQ(ParseTarget("javascript://alert(1)").error().code, "unsupported_scheme");
  EXPECT_EQ(ParseTarget("<script>alert(1)</script>").error().code, "invalid_url");
  EXPECT_EQ(ParseTarget(std::string(5000, 'a')).error().code, "too_long");
}

}  // namespace
}  // namespace vigie
