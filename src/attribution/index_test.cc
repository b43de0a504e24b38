#include "attribution/index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace vigie {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using Strings = std::vector<std::string>;

Instant At(std::string_view rfc3339) {
  auto parsed = ParseRfc3339(rfc3339);
  EXPECT_TRUE(parsed.has_value()) << rfc3339;
  return parsed ? parsed->instant : Instant{};
}

IpAddress Ip(std::string_view text) {
  auto ip = IpAddress::Parse(text);
  EXPECT_TRUE(ip.has_value()) << text;
  return ip.value_or(IpAddress{});
}

// A holding of `resource` by service `service` of customer "cust-<service>". An empty `to` is
// still held.
InventoryRecord Held(std::string resource, std::string service, std::string_view from,
                     std::string_view to = "") {
  InventoryRecord record;
  record.customer_id = "cust-" + service;
  record.customer_name = "Customer " + service;
  record.customer_email = service + "@example.net";
  record.service_id = std::move(service);
  record.service_kind = "vps";
  record.resource = std::move(resource);
  record.valid_from = At(from);
  if (!to.empty()) record.valid_to = At(to);
  return record;
}

AttributionOptions Margin(seconds margin) {
  AttributionOptions options;
  options.ambiguity_margin = margin;
  return options;
}

::testing::AssertionResult AttributedTo(const Attribution& got, std::string_view service,
                                        std::string_view matched) {
  if (got.result != AttributionResult::kAttributed) {
    return ::testing::AssertionFailure()
           << "result is " << AttributionResultName(got.result) << ", not attributed";
  }
  if (got.service_id != service || got.customer_id != "cust-" + std::string(service) ||
      got.matched != matched) {
    return ::testing::AssertionFailure() << "attributed to " << got.service_id << " of "
                                         << got.customer_id << " via " << got.matched;
  }
  return ::testing::AssertionSuccess();
}

const std::string kDay = "2026-03-01T";

// ---------------------------------------------------------------------------------------------
// IP addresses

TEST(AttributionIndex, SameIpTwoCustomersSameDayResolvedByInstant) {
  std::vector<InventoryRecord> records = {
      Held("192.0.2.7", "vm-a", kDay + "00:00:00Z", kDay + "10:00:00Z"),
      Held("192.0.2.7", "vm-b", kDay + "10:00:00Z"),
  };

  // Strictly by instant: the change happens at 10:00:00Z exactly.
  auto strict = AttributionIndex::Build(records, Margin(seconds(0)));
  EXPECT_TRUE(AttributedTo(strict->ResolveIp(Ip("192.0.2.7"), At(kDay + "09:59:59Z")), "vm-a",
                           "192.0.2.7"));
  EXPECT_TRUE(AttributedTo(strict->ResolveIp(Ip("192.0.2.7"), At(kDay + "10:00:00Z")), "vm-b",
                           "192.0.2.7"));
  // The reporter's offset is only a way of writing the same instant.
  EXPECT_TRUE(AttributedTo(strict->ResolveIp(Ip("192.0.2.7"), At(kDay + "10:30:00+01:00")), "vm-a",
                           "192.0.2.7"));

  // With the default margin, instants away from the change resolve the same way.
  auto index = AttributionIndex::Build(records);
  EXPECT_TRUE(
      AttributedTo(index->ResolveIp(Ip("192.0.2.7"), At(kDay + "08:00:00Z")), "vm-a", "192.0.2.7"));
  EXPECT_TRUE(
      AttributedTo(index->ResolveIp(Ip("192.0.2.7"), At(kDay + "12:00:00Z")), "vm-b", "192.0.2.7"));
}

TEST(AttributionIndex, MoreSpecificPrefixWinsOnlyWhileHeld) {
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("192.0.2.0/24", "net-a", "2026-01-01T00:00:00Z"),
      Held("192.0.2.9", "vm-b", kDay + "10:00:00Z", kDay + "18:00:00Z"),
      Held("192.0.2.8/29", "pool-c", "2026-02-01T00:00:00Z", "2026-02-10T00:00:00Z"),
  });

  IpAddress ip = Ip("192.0.2.9");
  EXPECT_TRUE(AttributedTo(index->ResolveIp(ip, At(kDay + "08:00:00Z")), "net-a", "192.0.2.0/24"));
  EXPECT_TRUE(AttributedTo(index->ResolveIp(ip, At(kDay + "12:00:00Z")), "vm-b", "192.0.2.9"));
  EXPECT_TRUE(AttributedTo(index->ResolveIp(ip, At(kDay + "20:00:00Z")), "net-a", "192.0.2.0/24"));
  EXPECT_TRUE(
      AttributedTo(index->ResolveIp(ip, At("2026-02-05T00:00:00Z")), "pool-c", "192.0.2.8/29"));
  // A neighbour inside the /24 but outside the /32 stays with the /24.
  EXPECT_TRUE(AttributedTo(index->ResolveIp(Ip("192.0.2.10"), At(kDay + "12:00:00Z")), "net-a",
                           "192.0.2.0/24"));
  EXPECT_TRUE(AttributedTo(index->ResolveIp(Ip("192.0.2.255"), At(kDay + "12:00:00Z")), "net-a",
                           "192.0.2.0/24"));
}

TEST(AttributionIndex, Ipv6PrefixesNestAndResolveByInstant) {
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("2001:db8::/32", "region", "2026-01-01T00:00:00Z"),
      Held("2001:db8:1::/48", "cust-net", "2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z"),
      Held("2001:db8:1:2::/64", "vm-6", kDay + "00:00:00Z"),
  });

  EXPECT_TRUE(AttributedTo(index->ResolveIp(Ip("2001:db8:1:2::42"), At(kDay + "12:00:00Z")), "vm-6",
                           "2001:db8:1:2::/64"));
  EXPECT_TRUE(AttributedTo(index->ResolveIp(Ip("2001:db8:1:3::42"), At(kDay + "12:00:00Z")),
                           "cust-net", "2001:db8:1::/48"));
  EXPECT_TRUE(AttributedTo(index->ResolveIp(Ip("2001:db8:1:3::42"), At("2026-07-01T00:00:00Z")),
                           "region", "2001:db8::/32"));
  EXPECT_EQ(index->ResolveIp(Ip("2001:db9::1"), At(kDay + "12:00:00Z")).result,
            AttributionResult::kNotOurs);
  // An IPv4 address with the same low bits is another address altogether.
  EXPECT_EQ(index->ResolveIp(Ip("0.0.0.0"), At(kDay + "12:00:00Z")).result,
            AttributionResult::kNotOurs);
}

TEST(AttributionIndex, Ipv4MappedIpv6AddressResolvesAsIpv4) {
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("198.51.100.0/24", "net", "2026-01-01T00:00:00Z"),
  });
  EXPECT_TRUE(AttributedTo(index->ResolveIp(Ip("::ffff:198.51.100.20"), At(kDay + "12:00:00Z")),
                           "net", "198.51.100.0/24"));
}

TEST(AttributionIndex, OpenHoldingCoversEveryLaterInstant) {
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("203.0.113.5", "vm", "2020-01-01T00:00:00Z"),
  });
  EXPECT_TRUE(AttributedTo(index->ResolveIp(Ip("203.0.113.5"), At("2099-12-31T23:59:59Z")), "vm",
                           "203.0.113.5"));
  EXPECT_EQ(index->ResolveIp(Ip("203.0.113.5"), At("2019-12-31T12:00:00Z")).result,
            AttributionResult::kUnknown);
}

TEST(AttributionIndex, InstantInsideGapIsUnknown) {
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("192.0.2.7", "vm-a", kDay + "00:00:00Z", kDay + "06:00:00Z"),
      Held("192.0.2.7", "vm-b", kDay + "18:00:00Z"),
  });

  Attribution gap = index->ResolveIp(Ip("192.0.2.7"), At(kDay + "12:00:00Z"));
  EXPECT_EQ(gap.result, AttributionResult::kUnknown);
  EXPECT_TRUE(gap.customer_id.empty());
  EXPECT_TRUE(gap.candidates.empty());
}

TEST(AttributionIndex, GapNextToAHoldingNamesItsServiceAsAHint) {
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("192.0.2.7", "vm-a", kDay + "00:00:00Z", kDay + "10:00:00Z"),
  });

  Attribution after = index->ResolveIp(Ip("192.0.2.7"), At(kDay + "10:05:00Z"));
  EXPECT_EQ(after.result, AttributionResult::kUnknown);
  EXPECT_EQ(after.candidates, (Strings{"vm-a"}));
}

TEST(AttributionIndex, AddressOutsideTheInventoryIsNotOurs) {
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("192.0.2.0/24", "net", "2026-01-01T00:00:00Z"),
  });
  EXPECT_EQ(index->ResolveIp(Ip("192.0.3.1"), At(kDay + "12:00:00Z")).result,
            AttributionResult::kNotOurs);
  EXPECT_EQ(index->ResolveIp(Ip("192.0.1.255"), At(kDay + "12:00:00Z")).result,
            AttributionResult::kNotOurs);
  // Ours at any time is ours: before the first holding it is a gap, not someone else's.
  EXPECT_EQ(index->ResolveIp(Ip("192.0.2.1"), At("2025-01-01T00:00:00Z")).result,
            AttributionResult::kUnknown);

  auto empty = AttributionIndex::Build({});
  EXPECT_EQ(empty->ResolveIp(Ip("192.0.2.1"), At(kDay + "12:00:00Z")).result,
            AttributionResult::kNotOurs);
  EXPECT_EQ(empty->ResolveHost("example.com", At(kDay + "12:00:00Z")).result,
            AttributionResult::kNotOurs);
}

TEST(AttributionIndex, OwnedNetworksWhenGivenDecideWhatIsOurs) {
  AttributionOptions options;
  options.owned_networks = {*IpPrefix::Parse("192.0.2.0/24"), *IpPrefix::Parse("2001:db8::/32")};
  auto index = AttributionIndex::Build(
      std::vector<InventoryRecord>{
          Held("192.0.2.7", "vm", "2026-01-01T00:00:00Z"),
          Held("198.51.100.0/24", "stale", "2026-01-01T00:00:00Z"),
      },
      options);

  Instant noon = At(kDay + "12:00:00Z");
  EXPECT_TRUE(AttributedTo(index->ResolveIp(Ip("192.0.2.7"), noon), "vm", "192.0.2.7"));
  EXPECT_EQ(index->ResolveIp(Ip("192.0.2.8"), noon).result, AttributionResult::kUnknown);
  EXPECT_EQ(index->ResolveIp(Ip("2001:db8::1"), noon).result, AttributionResult::kUnknown);
  EXPECT_EQ(index->ResolveIp(Ip("198.51.100.1"), noon).result, AttributionResult::kNotOurs);
  EXPECT_EQ(index->ResolveIp(Ip("203.0.113.1"), noon).result, AttributionResult::kNotOurs);
}

TEST(AttributionIndex, PrefixesAtTheEdgesOfTheAddressSpace) {
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("0.0.0.0/0", "everything", "2026-01-01T00:00:00Z"),
      Held("255.255.255.255", "last", "2026-01-01T00:00:00Z"),
      Held("0.0.0.0", "first", "2026-01-01T00:00:00Z"),
      Held("::/0", "everything-6", "2026-01-01T00:00:00Z"),
      Held("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120", "last-6", "2026-01-01T00:00:00Z"),
  });
  Instant noon = At(kDay + "12:00:00Z");
  EXPECT_TRUE(
      AttributedTo(index->ResolveIp(Ip("255.255.255.255"), noon), "last", "255.255.255.255"));
  EXPECT_TRUE(AttributedTo(index->ResolveIp(Ip("0.0.0.0"), noon), "first", "0.0.0.0"));
  EXPECT_TRUE(AttributedTo(index->ResolveIp(Ip("0.0.0.1"), noon), "everything", "0.0.0.0/0"));
  EXPECT_TRUE(
      AttributedTo(index->ResolveIp(Ip("255.255.255.254"), noon), "everything", "0.0.0.0/0"));
  EXPECT_TRUE(AttributedTo(index->ResolveIp(Ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), noon),
                           "last-6", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120"));
  EXPECT_TRUE(AttributedTo(index->ResolveIp(Ip("2001:db8::1"), noon), "everything-6", "::/0"));
}

// ---------------------------------------------------------------------------------------------
// Ambiguity

TEST(AttributionIndex, HolderChangeWithinMarginIsAmbiguous) {
  auto index = AttributionIndex::Build(
      std::vector<InventoryRecord>{
          Held("192.0.2.7", "vm-a", kDay + "00:00:00Z", kDay + "10:00:00Z"),
          Held("192.0.2.7", "vm-b", kDay + "10:00:00Z"),
      },
      Margin(minutes(30)));

  Attribution before = index->ResolveIp(Ip("192.0.2.7"), At(kDay + "09:45:00Z"));
  EXPECT_EQ(before.result, AttributionResult::kAmbiguous);
  EXPECT_EQ(before.candidates, (Strings{"vm-a", "vm-b"}));
  EXPECT_EQ(before.matched, "192.0.2.7");
  EXPECT_TRUE(before.customer_id.empty());
  EXPECT_TRUE(before.service_id.empty());

  Attribution after = index->ResolveIp(Ip("192.0.2.7"), At(kDay + "10:20:00Z"));
  EXPECT_EQ(after.result, AttributionResult::kAmbiguous);
  EXPECT_EQ(after.candidates, (Strings{"vm-b", "vm-a"}));

  // The window is [at - margin, at + margin]: a change 30 minutes away is inside, 31 is not.
  EXPECT_EQ(index->ResolveIp(Ip("192.0.2.7"), At(kDay + "09:30:00Z")).result,
            AttributionResult::kAmbiguous);
  EXPECT_TRUE(
      AttributedTo(index->ResolveIp(Ip("192.0.2.7"), At(kDay + "09:29:00Z")), "vm-a", "192.0.2.7"));
  EXPECT_TRUE(
      AttributedTo(index->ResolveIp(Ip("192.0.2.7"), At(kDay + "10:31:00Z")), "vm-b", "192.0.2.7"));
}

TEST(AttributionIndex, MoreSpecificHoldingStartingNearTheInstantIsAmbiguous) {
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("192.0.2.0/24", "net-a", "2026-01-01T00:00:00Z"),
      Held("192.0.2.9", "vm-b", kDay + "10:00:00Z"),
  });

  Attribution got = index->ResolveIp(Ip("192.0.2.9"), At(kDay + "09:50:00Z"));
  EXPECT_EQ(got.result, AttributionResult::kAmbiguous);
  EXPECT_EQ(got.candidates, (Strings{"net-a", "vm-b"}));
  EXPECT_EQ(got.matched, "192.0.2.0/24");

  // The holding ending or starting on the /32 does not concern its neighbours.
  EXPECT_TRUE(AttributedTo(index->ResolveIp(Ip("192.0.2.10"), At(kDay + "09:50:00Z")), "net-a",
                           "192.0.2.0/24"));
}

TEST(AttributionIndex, ChangeHiddenBehindAMoreSpecificHoldingIsNotAmbiguous) {
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("192.0.2.0/24", "net-a", "2026-01-01T00:00:00Z", kDay + "10:00:00Z"),
      Held("192.0.2.0/24", "net-c", kDay + "10:00:00Z"),
      Held("192.0.2.9", "vm-b", "2026-02-01T00:00:00Z"),
  });

  EXPECT_TRUE(
      AttributedTo(index->ResolveIp(Ip("192.0.2.9"), At(kDay + "10:00:00Z")), "vm-b", "192.0.2.9"));
  EXPECT_EQ(index->ResolveIp(Ip("192.0.2.10"), At(kDay + "10:00:00Z")).result,
            AttributionResult::kAmbiguous);
}

TEST(AttributionIndex, SameServiceRenewedAtTheInstantIsNotAmbiguous) {
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("192.0.2.7", "vm-a", kDay + "00:00:00Z", kDay + "10:00:00Z"),
      Held("192.0.2.7", "vm-a", kDay + "10:00:00Z", kDay + "20:00:00Z"),
      Held("192.0.2.7", "vm-a", kDay + "05:00:00Z", kDay + "15:00:00Z"),  // a duplicate export
  });
  EXPECT_TRUE(
      AttributedTo(index->ResolveIp(Ip("192.0.2.7"), At(kDay + "10:00:00Z")), "vm-a", "192.0.2.7"));
}

TEST(AttributionIndex, HoldingStartingAfterAGapIsNotAmbiguous) {
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("192.0.2.7", "vm-a", kDay + "10:00:00Z"),
  });
  EXPECT_TRUE(
      AttributedTo(index->ResolveIp(Ip("192.0.2.7"), At(kDay + "10:05:00Z")), "vm-a", "192.0.2.7"));
}

TEST(AttributionIndex, TwoServicesHoldingAtOnceAreAmbiguousEvenWithoutMargin) {
  auto index = AttributionIndex::Build(
      std::vector<InventoryRecord>{
          Held("192.0.2.7", "vm-a", kDay + "00:00:00Z"),
          Held("192.0.2.7", "vm-b", kDay + "06:00:00Z", kDay + "18:00:00Z"),
      },
      Margin(seconds(0)));

  Attribution got = index->ResolveIp(Ip("192.0.2.7"), At(kDay + "12:00:00Z"));
  EXPECT_EQ(got.result, AttributionResult::kAmbiguous);
  EXPECT_EQ(got.candidates, (Strings{"vm-a", "vm-b"}));
  EXPECT_TRUE(
      AttributedTo(index->ResolveIp(Ip("192.0.2.7"), At(kDay + "19:00:00Z")), "vm-a", "192.0.2.7"));
}

TEST(AttributionIndex, ManyHoldingsOnOneResourceAreSearchedByTime) {
  // Hourly holders for a month: more than a linear scan would want.
  std::vector<InventoryRecord> records;
  Instant start = At("2026-03-01T00:00:00Z");
  for (int hour = 0; hour < 24 * 30; ++hour) {
    InventoryRecord record = Held("192.0.2.7", "vm-" + std::to_string(hour), kDay + "00:00:00Z");
    record.valid_from = start + hours(hour);
    record.valid_to = start + hours(hour + 1);
    records.push_back(record);
  }
  auto index = AttributionIndex::Build(records, Margin(minutes(10)));

  EXPECT_TRUE(AttributedTo(index->ResolveIp(Ip("192.0.2.7"), At("2026-03-11T05:30:00Z")), "vm-245",
                           "192.0.2.7"));
  Attribution edge = index->ResolveIp(Ip("192.0.2.7"), At("2026-03-11T05:55:00Z"));
  EXPECT_EQ(edge.result, AttributionResult::kAmbiguous);
  EXPECT_EQ(edge.candidates, (Strings{"vm-245", "vm-246"}));
}

TEST(AttributionIndex, HoldingsBefore1970OrAfter2106ResolveLikeAnyOther) {
  // Holdings between 1970 and 2106 are stored in a compact form; a resource with any holding
  // outside those years keeps them all in full. Both must answer alike, on either side of the
  // boundary (2106-02-07T06:28:15Z is 2^32 - 1 seconds).
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("192.0.2.7", "old", "1960-01-01T00:00:00Z", "1990-01-01T00:00:00Z"),
      Held("192.0.2.7", "new", "1990-01-01T00:00:00Z", "9999-12-31T00:00:00Z"),
      Held("192.0.2.0/24", "net", "2020-01-01T00:00:00Z"),
      Held("198.51.100.0/24", "until-2200", "2000-01-01T00:00:00Z", "2200-01-01T00:00:00Z"),
      Held("198.51.100.9", "vm-a", "2100-01-01T00:00:00Z", "2106-02-07T06:28:14Z"),
      Held("198.51.100.10", "vm-b", "2100-01-01T00:00:00Z", "2106-02-07T06:28:15Z"),
  });

  std::vector<IpQuery> queries = {
      {Ip("192.0.2.7"), At("1965-06-01T00:00:00Z")},
      {Ip("192.0.2.7"), At("2050-01-01T00:00:00Z")},
      {Ip("192.0.2.7"), At("9999-12-30T00:00:00Z")},
      {Ip("192.0.2.7"), At("9999-12-31T12:00:00Z")},
      {Ip("192.0.2.7"), At("1950-01-01T00:00:00Z")},
      {Ip("192.0.2.7"), At("1989-12-31T23:45:00Z")},
      {Ip("198.51.100.9"), At("2105-01-01T00:00:00Z")},
      {Ip("198.51.100.9"), At("2106-02-07T06:00:00Z")},
      {Ip("198.51.100.9"), At("2107-01-01T00:00:00Z")},
      {Ip("198.51.100.10"), At("2106-02-07T05:00:00Z")},
      {Ip("198.51.100.10"), At("2106-02-07T08:00:00Z")},
      {Ip("198.51.100.1"), At("2199-01-01T00:00:00Z")},
      {Ip("198.51.100.1"), At("2201-01-01T00:00:00Z")},
  };
  std::vector<Attribution> got;
  for (const IpQuery& query : queries) got.push_back(index->ResolveIp(query.ip, query.at));

  EXPECT_TRUE(AttributedTo(got[0], "old", "192.0.2.7"));
  EXPECT_TRUE(AttributedTo(got[1], "new", "192.0.2.7"));
  EXPECT_TRUE(AttributedTo(got[2], "new", "192.0.2.7"));
  EXPECT_TRUE(AttributedTo(got[3], "net", "192.0.2.0/24"));
  EXPECT_EQ(got[4].result, AttributionResult::kUnknown);
  EXPECT_EQ(got[5].result, AttributionResult::kAmbiguous);
  EXPECT_EQ(got[5].candidates, (Strings{"old", "new"}));
  EXPECT_TRUE(AttributedTo(got[6], "vm-a", "198.51.100.9"));
  EXPECT_EQ(got[7].result, AttributionResult::kAmbiguous);
  EXPECT_EQ(got[7].candidates, (Strings{"vm-a", "until-2200"}));
  EXPECT_TRUE(AttributedTo(got[8], "until-2200", "198.51.100.0/24"));
  EXPECT_TRUE(AttributedTo(got[9], "vm-b", "198.51.100.10"));
  EXPECT_TRUE(AttributedTo(got[10], "until-2200", "198.51.100.0/24"));
  EXPECT_TRUE(AttributedTo(got[11], "until-2200", "198.51.100.0/24"));
  EXPECT_EQ(got[12].result, AttributionResult::kUnknown);

  std::vector<Attribution> batched(queries.size());
  index->ResolveIps(queries, batched);
  for (size_t i = 0; i < queries.size(); ++i) {
    EXPECT_EQ(batched[i].result, got[i].result) << i;
    EXPECT_EQ(batched[i].service_id, got[i].service_id) << i;
    EXPECT_EQ(batched[i].matched, got[i].matched) << i;
    EXPECT_EQ(batched[i].candidates, got[i].candidates) << i;
  }
}

TEST(AttributionIndex, LongHistoryBefore1970IsSearchedByTime) {
  std::vector<InventoryRecord> records;
  for (int year = 1940; year < 1960; ++year) {
    std::string from = std::to_string(year) + "-01-01T00:00:00Z";
    std::string to = std::to_string(year + 1) + "-01-01T00:00:00Z";
    records.push_back(Held("2001:db8::/48", "y" + std::to_string(year), from, to));
  }
  auto index = AttributionIndex::Build(records);

  EXPECT_TRUE(AttributedTo(index->ResolveIp(Ip("2001:db8::1"), At("1950-06-01T00:00:00Z")), "y1950",
                           "2001:db8::/48"));
  Attribution edge = index->ResolveIp(Ip("2001:db8::1"), At("1951-01-01T00:10:00Z"));
  EXPECT_EQ(edge.result, AttributionResult::kAmbiguous);
  EXPECT_EQ(edge.candidates, (Strings{"y1951", "y1950"}));
  EXPECT_EQ(index->ResolveIp(Ip("2001:db8::1"), At("1960-06-01T00:00:00Z")).result,
            AttributionResult::kUnknown);
}

// ---------------------------------------------------------------------------------------------
// Host names and URLs

TEST(AttributionIndex, ExactHostNameBeatsItsRegistrableDomain) {
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("example.com", "site", "2026-01-01T00:00:00Z"),
      Held("shop.example.com", "shop", "2026-01-01T00:00:00Z"),
  });
  Instant noon = At(kDay + "12:00:00Z");
  EXPECT_TRUE(
      AttributedTo(index->ResolveHost("shop.example.com", noon), "shop", "shop.example.com"));
  EXPECT_TRUE(AttributedTo(index->ResolveHost("example.com", noon), "site", "example.com"));
  EXPECT_TRUE(AttributedTo(index->ResolveHost("www.example.com", noon), "site", "example.com"));
  EXPECT_TRUE(
      AttributedTo(index->ResolveHost("a.b.shop.example.com", noon), "shop", "shop.example.com"));
}

TEST(AttributionIndex, HostFallsBackToAParentWhileTheExactNameIsNotHeld) {
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("example.com", "site", "2026-01-01T00:00:00Z"),
      Held("shop.example.com", "shop", "2026-02-01T00:00:00Z", "2026-02-10T00:00:00Z"),
  });
  EXPECT_TRUE(AttributedTo(index->ResolveHost("shop.example.com", At(kDay + "12:00:00Z")), "site",
                           "example.com"));
}

TEST(AttributionIndex, HostNeverClimbsAboveItsRegistrableDomain) {
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("example.co.uk", "uk-site", "2026-01-01T00:00:00Z"),
      Held("co.uk", "nonsense", "2026-01-01T00:00:00Z"),
      Held("github.io", "platform", "2026-01-01T00:00:00Z"),
  });
  Instant noon = At(kDay + "12:00:00Z");
  EXPECT_TRUE(
      AttributedTo(index->ResolveHost("www.example.co.uk", noon), "uk-site", "example.co.uk"));
  // "co.uk" and "github.io" are public suffixes: what sits below them belongs to others.
  EXPECT_EQ(index->ResolveHost("other.co.uk", noon).result, AttributionResult::kNotOurs);
  EXPECT_EQ(index->ResolveHost("co.uk", noon).result, AttributionResult::kNotOurs);
  EXPECT_EQ(index->ResolveHost("someone.github.io", noon).result, AttributionResult::kNotOurs);
}

TEST(AttributionIndex, HostInTheInventoryButNotHeldThenIsUnknown) {
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("example.com", "site", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"),
  });
  EXPECT_EQ(index->ResolveHost("www.example.com", At(kDay + "12:00:00Z")).result,
            AttributionResult::kUnknown);
  EXPECT_EQ(index->ResolveHost("example.org", At(kDay + "12:00:00Z")).result,
            AttributionResult::kNotOurs);
}

TEST(AttributionIndex, HostOwnerChangeWithinMarginIsAmbiguous) {
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("example.com", "old", "2026-01-01T00:00:00Z", kDay + "12:00:00Z"),
      Held("example.com", "new", kDay + "12:00:00Z"),
  });
  Attribution got = index->ResolveHost("www.example.com", At(kDay + "12:10:00Z"));
  EXPECT_EQ(got.result, AttributionResult::kAmbiguous);
  EXPECT_EQ(got.candidates, (Strings{"new", "old"}));
}

TEST(AttributionIndex, IdnHostResolvesInEitherForm) {
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("bücher.example", "books", "2026-01-01T00:00:00Z"),
  });
  Instant noon = At(kDay + "12:00:00Z");
  EXPECT_TRUE(AttributedTo(index->ResolveHost("www.xn--bcher-kva.example", noon), "books",
                           "xn--bcher-kva.example"));
  EXPECT_TRUE(AttributedTo(index->ResolveHost("WWW.Bücher.example.", noon), "books",
                           "xn--bcher-kva.example"));

  auto target = ParseTarget("https://Bücher.example/angebote");
  ASSERT_TRUE(target.ok());
  EXPECT_TRUE(AttributedTo(index->Resolve(*target, noon), "books", "xn--bcher-kva.example"));
}

TEST(AttributionIndex, TargetsResolveByTheirHostOrAddress) {
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("example.com", "site", "2026-01-01T00:00:00Z"),
      Held("192.0.2.0/24", "net", "2026-01-01T00:00:00Z"),
      Held("2001:db8::/32", "net-6", "2026-01-01T00:00:00Z"),
  });
  Instant noon = At(kDay + "12:00:00Z");
  auto resolve = [&](std::string_view text) {
    auto target = ParseTarget(text);
    EXPECT_TRUE(target.ok()) << text;
    return target.ok() ? index->Resolve(*target, noon) : Attribution{};
  };

  EXPECT_TRUE(AttributedTo(resolve("https://www.example.com/login?x=1"), "site", "example.com"));
  EXPECT_TRUE(AttributedTo(resolve("Example.COM"), "site", "example.com"));
  EXPECT_TRUE(AttributedTo(resolve("http://192.0.2.44:8080/panel"), "net", "192.0.2.0/24"));
  EXPECT_TRUE(AttributedTo(resolve("http://[2001:db8::5]/x"), "net-6", "2001:db8::/32"));
  EXPECT_TRUE(AttributedTo(resolve("192.0.2.1"), "net", "192.0.2.0/24"));
  EXPECT_EQ(resolve("https://example.org/").result, AttributionResult::kNotOurs);

  // A host given as an address literal goes by the address.
  EXPECT_TRUE(AttributedTo(index->ResolveHost("[2001:db8::5]", noon), "net-6", "2001:db8::/32"));
  EXPECT_EQ(index->ResolveHost("not a host", noon).result, AttributionResult::kNotOurs);
}

TEST(AttributionIndex, TextHiddenBehindANulByteIsNotIgnored) {
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("example.com", "site", "2026-01-01T00:00:00Z"),
      Held("192.0.2.0/24", "net", "2026-01-01T00:00:00Z"),
  });
  Instant noon = At(kDay + "12:00:00Z");
  using namespace std::string_view_literals;
  EXPECT_EQ(index->ResolveHost("example.com\0.evil.example"sv, noon).result,
            AttributionResult::kNotOurs);
  EXPECT_EQ(index->ResolveHost("192.0.2.1\0junk"sv, noon).result, AttributionResult::kNotOurs);
}

// ---------------------------------------------------------------------------------------------
// Building

TEST(AttributionIndex, RecordsThatCannotBeIndexedAreSkippedAndCounted) {
  std::vector<InventoryRecord> records = {
      Held("192.0.2.7", "vm", "2026-01-01T00:00:00Z"),
      Held("192.0.2.1/24", "typo", "2026-01-01T00:00:00Z"),
      Held("not a name", "bad", "2026-01-01T00:00:00Z"),
      Held("192.0.2.8", "backwards", kDay + "12:00:00Z", kDay + "11:00:00Z"),
  };
  auto index = AttributionIndex::Build(records);
  EXPECT_EQ(index->interval_count(), 1u);
  EXPECT_EQ(index->skipped_records(), 3u);
  EXPECT_GT(index->memory_bytes(), 0u);
}

TEST(AttributionIndex, IndexesWhatTheInventoryParserReads) {
  auto parsed = ParseInventoryCsv(
      "customer_id,customer_name,customer_email,service_id,service_kind,resource,valid_from,"
      "valid_to\n"
      "c1,A,a@example.com,s1,vps,2001:DB8::/48,2026-01-01T00:00:00Z,\n"
      "c2,B,b@example.com,s2,web,Bücher.example,2026-01-01T00:00:00Z,\n");
  ASSERT_TRUE(parsed.problems.empty());
  auto index = AttributionIndex::Build(parsed.records);

  Attribution ip = index->ResolveIp(Ip("2001:db8:0:1::1"), At(kDay + "12:00:00Z"));
  EXPECT_EQ(ip.matched, parsed.records[0].resource);
  EXPECT_EQ(ip.customer_id, "c1");
  Attribution host = index->ResolveHost("xn--bcher-kva.example", At(kDay + "12:00:00Z"));
  EXPECT_EQ(host.matched, parsed.records[1].resource);
  EXPECT_EQ(host.customer_id, "c2");
}

TEST(AttributionIndex, MatchedIpv6PrefixIsWrittenAsTheParserWritesIt) {
  // Zero groups in every place and number, the IPv4-compatible form, and lengths from 0 to
  // 128; each held by its own service. (IPv4-mapped addresses are read as IPv4.)
  std::mt19937_64 random(5952);
  std::vector<IpPrefix> prefixes;
  for (int i = 0; i < 3000; ++i) {
    std::array<unsigned, 8> groups;
    for (unsigned& group : groups) {
      uint64_t pick = random() % 4;
      group = pick < 2    ? 0
              : pick == 2 ? static_cast<unsigned>(random() % 16)
                          : static_cast<unsigned>(random() & 0xffff);
    }
    if (i % 5 == 0) groups = {0, 0, 0, 0, 0, 0xffff, groups[6], groups[7]};
    if (i % 5 == 1) groups = {0, 0, 0, 0, 0, 0, groups[6], groups[7]};
    Uint128 value = 0;
    for (unsigned group : groups) value = value << 16 | group;
    int length = i % 3 == 0 ? 128 : static_cast<int>(random() % 129);
    if (length < 128) value &= length == 0 ? 0 : ~((Uint128(1) << (128 - length)) - 1);
    prefixes.push_back({IpAddress::V6(value), length});
  }

  std::vector<InventoryRecord> records;
  std::map<std::string, std::string> resource_of;  // service -> resource
  for (const IpPrefix& prefix : prefixes) {
    std::string text = prefix.length == 128 ? prefix.address.ToString() : prefix.ToString();
    auto parsed = IpPrefix::Parse(text);
    if (!parsed || parsed->address.is_v4()) continue;
    std::string service = "s" + std::to_string(records.size());
    if (!resource_of.emplace(service, text).second) continue;
    records.push_back(Held(text, service, "2026-01-01T00:00:00Z"));
  }
  // A prefix drawn twice would have two holders at once: keep the first holder only.
  std::set<std::string> seen;
  std::erase_if(records, [&](const InventoryRecord& r) { return !seen.insert(r.resource).second; });
  auto index = AttributionIndex::Build(records);

  Instant noon = At(kDay + "12:00:00Z");
  std::vector<IpQuery> queries;
  for (const InventoryRecord& record : records) {
    queries.push_back({IpPrefix::Parse(record.resource)->address, noon});
  }
  std::vector<Attribution> batched(queries.size());
  index->ResolveIps(queries, batched);
  for (size_t i = 0; i < queries.size(); ++i) {
    Attribution got = index->ResolveIp(queries[i].ip, noon);
    ASSERT_EQ(got.result, AttributionResult::kAttributed) << records[i].resource;
    EXPECT_EQ(got.matched, resource_of[got.service_id]) << queries[i].ip.ToString();
    EXPECT_EQ(batched[i].matched, got.matched);
  }
}

// ---------------------------------------------------------------------------------------------
// Against a plain reference implementation, on many random nested prefixes

struct Reference {
  struct Row {
    IpPrefix prefix;
    int64_t from;
    int64_t to;
    std::string service;
    bool v4;  // the prefix's family and its first and last addresses, to filter rows fast
    Uint128 first;
    Uint128 last;
  };
  std::vector<Row> rows;
  int64_t margin;

  std::vector<std::string> HoldersAt(const IpAddress& ip, int64_t when) const {
    int best = -1;
    for (const Row& row : rows) {
      if (row.prefix.Contains(ip) && row.from <= when && when < row.to) {
        best = std::max(best, row.prefix.length);
      }
    }
    std::vector<std::string> out;
    for (const Row& row : rows) {
      if (row.prefix.length == best && row.prefix.Contains(ip) && row.from <= when &&
          when < row.to && std::find(out.begin(), out.end(), row.service) == out.end()) {
        out.push_back(row.service);
      }
    }
    return out;
  }

  // The same answer from only the rows whose prefix contains `ip`.
  Reference Containing(const IpAddress& ip) const {
    Reference out{{}, margin};
    Uint128 value = ip.value();
    for (const Row& row : rows) {
      if (row.v4 == ip.is_v4() && row.first <= value && value <= row.last) out.rows.push_back(row);
    }
    return out;
  }

  Attribution Resolve(const IpAddress& ip, int64_t at) const {
    Attribution out;
    if (rows.empty()) {
      out.result = AttributionResult::kNotOurs;
      return out;
    }
    std::vector<int64_t> instants = {at, at - margin};
    for (const Row& row : rows) {
      if (!row.prefix.Contains(ip)) continue;
      for (int64_t edge : {row.from, row.to}) {
        if (edge > at - margin && edge <= at + margin) instants.push_back(edge);
      }
    }
    std::vector<std::string> holders = HoldersAt(ip, at);
    std::vector<std::string> all;
    for (int64_t when : instants) {
      for (const std::string& service : HoldersAt(ip, when)) {
        if (std::find(all.begin(), all.end(), service) == all.end()) all.push_back(service);
      }
    }
    if (holders.empty()) {
      out.result = AttributionResult::kUnknown;
      out.candidates = all;
    } else if (all.size() == 1) {
      out.result = AttributionResult::kAttributed;
      out.service_id = all[0];
    } else {
      out.result = AttributionResult::kAmbiguous;
      out.candidates = all;
    }
    return out;
  }
};

// Gives `prefix` one to three holders in turn from about `start` on, each over a short stretch
// of time (sometimes still held), and records them in both `records` and `reference`.
void AddRandomHistory(std::mt19937_64& random, const IpPrefix& prefix, int64_t start,
                      Reference& reference, std::vector<InventoryRecord>& records) {
  auto uniform = [&](int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(random);
  };
  int host_bits = prefix.address.bits() - prefix.length;
  Uint128 last =
      prefix.address.value() | (host_bits == 128 ? ~Uint128(0) : (Uint128(1) << host_bits) - 1);
  int64_t time = start;
  for (int holding = static_cast<int>(uniform(1, 3)); holding > 0; --holding) {
    int64_t from = time + uniform(0, 4000);
    int64_t to =
        uniform(0, 5) == 0 ? std::numeric_limits<int64_t>::max() : from + uniform(1, 20'000);
    std::string service = "s" + std::to_string(uniform(0, 40));
    InventoryRecord record = Held(prefix.ToString(), service, kDay + "00:00:00Z");
    record.valid_from = FromUnixSeconds(from);
    if (to != std::numeric_limits<int64_t>::max()) record.valid_to = FromUnixSeconds(to);
    records.push_back(record);
    reference.rows.push_back(
        {prefix, from, to, service, prefix.address.is_v4(), prefix.address.value(), last});
    if (to == std::numeric_limits<int64_t>::max()) break;
    time = to;
  }
}

// Resolves each query one by one and in one batch, and checks both against `reference`.
void ExpectAgreement(const AttributionIndex& index, const Reference& reference,
                     const std::vector<IpQuery>& queries) {
  std::vector<Attribution> answers;
  for (const IpQuery& query : queries) {
    int64_t at = ToUnixSeconds(query.at);
    Reference relevant = reference.Containing(query.ip);
    Attribution want = relevant.Resolve(query.ip, at);
    Attribution got = index.ResolveIp(query.ip, query.at);
    answers.push_back(got);
    std::sort(want.candidates.begin(), want.candidates.end());
    std::sort(got.candidates.begin(), got.candidates.end());
    ASSERT_EQ(AttributionResultName(got.result), AttributionResultName(want.result))
        << query.ip.ToString() << " at " << at;
    ASSERT_EQ(got.service_id, want.service_id) << query.ip.ToString() << " at " << at;
    ASSERT_EQ(got.candidates, want.candidates) << query.ip.ToString() << " at " << at;
  }

  std::vector<Attribution> batched(queries.size());
  index.ResolveIps(queries, batched);
  for (size_t i = 0; i < queries.size(); ++i) {
    ASSERT_EQ(batched[i].result, answers[i].result) << i;
    ASSERT_EQ(batched[i].customer_id, answers[i].customer_id) << i;
    ASSERT_EQ(batched[i].service_id, answers[i].service_id) << i;
    ASSERT_EQ(batched[i].matched, answers[i].matched) << i;
    ASSERT_EQ(batched[i].candidates, answers[i].candidates) << i;
  }
}

// An address drawn inside `prefix`.
IpAddress AddressIn(std::mt19937_64& random, const IpPrefix& prefix) {
  int host_bits = prefix.address.bits() - prefix.length;
  auto offset = static_cast<Uint128>(random() >> 1);
  if (host_bits < 64) offset &= (Uint128(1) << host_bits) - 1;
  return prefix.address.is_v4()
             ? IpAddress::V4(static_cast<uint32_t>(prefix.address.value() | offset))
             : IpAddress::V6(prefix.address.value() | offset);
}

TEST(AttributionIndex, AgreesWithAPlainScanOnRandomNestedPrefixes) {
  std::mt19937_64 random(20260301);
  auto uniform = [&](int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(random);
  };

  // Prefixes inside 10.0.0.0/8 and 2001:db8::/32, many nested, with a few holders each over
  // a short stretch of time so that changes of holder and gaps are frequent.
  constexpr int64_t kBase = 1'772'323'200;  // 2026-03-01T00:00:00Z
  Reference reference{{}, 1800};
  std::vector<InventoryRecord> records;
  std::vector<IpPrefix> prefixes;
  // Enough prefixes that the IPv4 table uses its jump table (more than 4,096 ranges).
  constexpr int kPrefixes = 8000;
  for (int i = 0; i < kPrefixes; ++i) {
    IpPrefix prefix;
    if (i % 10 == 9) {
      int length = static_cast<int>(uniform(32, 128));
      Uint128 value = (Uint128(0x20010db8) << 96) | (Uint128(uniform(0, 255)) << 88) |
                      Uint128(static_cast<uint64_t>(uniform(0, 1 << 20)));
      Uint128 mask = length == 128 ? ~Uint128(0) : ~((Uint128(1) << (128 - length)) - 1);
      prefix = {IpAddress::V6(value & mask), length};
    } else {
      int length = static_cast<int>(i % 8 == 0 ? uniform(8, 32) : uniform(18, 32));
      auto value = static_cast<uint32_t>((10u << 24) | (uniform(0, 63) << 18) | uniform(0, 1023));
      uint32_t mask = length == 32 ? ~0u : ~((1u << (32 - length)) - 1);
      prefix = {IpAddress::V4(value & mask), length};
    }
    prefixes.push_back(prefix);
    int64_t time = kBase + uniform(0, 20'000);
    for (int holding = static_cast<int>(uniform(1, 3)); holding > 0; --holding) {
      int64_t from = time + uniform(0, 4000);
      int64_t to =
          uniform(0, 5) == 0 ? std::numeric_limits<int64_t>::max() : from + uniform(1, 20'000);
      std::string service = "s" + std::to_string(uniform(0, 40));
      InventoryRecord record = Held(prefix.ToString(), service, kDay + "00:00:00Z");
      record.valid_from = FromUnixSeconds(from);
      if (to != std::numeric_limits<int64_t>::max()) record.valid_to = FromUnixSeconds(to);
      records.push_back(record);
      int host_bits = prefix.address.bits() - prefix.length;
      Uint128 last =
          prefix.address.value() | (host_bits == 128 ? ~Uint128(0) : (Uint128(1) << host_bits) - 1);
      reference.rows.push_back(
          {prefix, from, to, service, prefix.address.is_v4(), prefix.address.value(), last});
      if (to == std::numeric_limits<int64_t>::max()) break;
      time = to;
    }
  }
  auto index = AttributionIndex::Build(records, Margin(seconds(reference.margin)));
  ASSERT_EQ(index->interval_count(), records.size());

  std::vector<IpQuery> queries;
  std::vector<Attribution> answers;
  for (int query = 0; query < 2500; ++query) {
    IpAddress ip;
    if (query % 4 == 0) {
      ip = query % 8 == 0 ? IpAddress::V4(static_cast<uint32_t>(uniform(0, 0xffffffff)))
                          : IpAddress::V4((10u << 24) | static_cast<uint32_t>(uniform(0, 1 << 24)));
    } else {
      const IpPrefix& prefix = prefixes[static_cast<size_t>(uniform(0, kPrefixes - 1))];
      int host_bits = prefix.address.bits() - prefix.length;
      Uint128 offset = static_cast<Uint128>(uniform(0, std::numeric_limits<int64_t>::max()));
      if (host_bits < 64) offset &= (Uint128(1) << host_bits) - 1;
      ip = prefix.address.is_v4()
               ? IpAddress::V4(static_cast<uint32_t>(prefix.address.value() | offset))
               : IpAddress::V6(prefix.address.value() | offset);
    }
    int64_t at = kBase + uniform(-2000, 40'000);

    Reference relevant = reference.Containing(ip);
    Attribution want = relevant.Resolve(ip, at);
    Attribution got = index->ResolveIp(ip, FromUnixSeconds(at));
    queries.push_back({ip, FromUnixSeconds(at)});
    answers.push_back(got);
    if (got.result == AttributionResult::kAmbiguous) {
      // The holder at the instant comes first; the order of the others is not promised.
      std::vector<std::string> holders = relevant.HoldersAt(ip, at);
      ASSERT_FALSE(got.candidates.empty());
      EXPECT_NE(std::find(holders.begin(), holders.end(), got.candidates[0]), holders.end());
    }
    std::sort(want.candidates.begin(), want.candidates.end());
    std::sort(got.candidates.begin(), got.candidates.end());
    ASSERT_EQ(AttributionResultName(got.result), AttributionResultName(want.result))
        << ip.ToString() << " at " << at;
    ASSERT_EQ(got.service_id, want.service_id) << ip.ToString() << " at " << at;
    ASSERT_EQ(got.candidates, want.candidates) << ip.ToString() << " at " << at;
  }

  // The batched lookup answers exactly as the single one.
  std::vector<Attribution> batched(queries.size());
  index->ResolveIps(queries, batched);
  for (size_t i = 0; i < queries.size(); ++i) {
    ASSERT_EQ(batched[i].result, answers[i].result) << i;
    ASSERT_EQ(batched[i].customer_id, answers[i].customer_id) << i;
    ASSERT_EQ(batched[i].service_id, answers[i].service_id) << i;
    ASSERT_EQ(batched[i].matched, answers[i].matched) << i;
    ASSERT_EQ(batched[i].candidates, answers[i].candidates) << i;
  }
}

TEST(AttributionIndex, AgreesWithAPlainScanAcrossCenturies) {
  // As above, with holdings from 1900 to 2300: those of a resource held only between 1970 and
  // 2106 are stored compactly, the others in full, and many histories cross 2106.
  std::mt19937_64 random(21060207);
  constexpr int64_t kEpochs[] = {-2'208'988'800, -20'000,       0,
                                 1'772'323'200,  4'294'940'000, 10'000'000'000};
  Reference reference{{}, 1800};
  std::vector<InventoryRecord> records;
  std::vector<std::pair<IpPrefix, int64_t>> prefixes;  // with the start of their history
  for (int i = 0; i < 3000; ++i) {
    IpPrefix prefix;
    if (i % 4 == 3) {
      int length = 32 + static_cast<int>(random() % 97);
      Uint128 value = (Uint128(0x20010db8) << 96) | Uint128(random() % 256);
      Uint128 mask = length == 128 ? ~Uint128(0) : ~((Uint128(1) << (128 - length)) - 1);
      prefix = {IpAddress::V6(value & mask), length};
    } else {
      int length = 20 + static_cast<int>(random() % 13);
      auto value = static_cast<uint32_t>((10u << 24) | (random() % 4096));
      uint32_t mask = length == 32 ? ~0u : ~((1u << (32 - length)) - 1);
      prefix = {IpAddress::V4(value & mask), length};
    }
    int64_t start =
        kEpochs[random() % std::size(kEpochs)] + static_cast<int64_t>(random() % 20'000);
    prefixes.push_back({prefix, start});
    AddRandomHistory(random, prefix, start, reference, records);
  }
  auto index = AttributionIndex::Build(records, Margin(seconds(reference.margin)));
  ASSERT_EQ(index->interval_count(), records.size());

  std::vector<IpQuery> queries;
  for (int query = 0; query < 1500; ++query) {
    const auto& [prefix, start] = prefixes[random() % prefixes.size()];
    int64_t at = start - 2000 + static_cast<int64_t>(random() % 42'000);
    queries.push_back({AddressIn(random, prefix), FromUnixSeconds(at)});
  }
  ExpectAgreement(*index, reference, queries);
}

TEST(AttributionIndex, AgreesWithAPlainScanOnALargeInventory) {
  // Enough IPv4 ranges for the direct table on the top 16 bits, laid out so that every way
  // through it is taken: /16s with few ranges (one scan), /16s with many (a subtable per /24),
  // and a /24 cut into hundreds of ranges (back to the levels of the tree).
  std::mt19937_64 random(65536);
  constexpr int64_t kBase = 1'772'323'200;  // 2026-03-01T00:00:00Z
  Reference reference{{}, 1800};
  std::vector<InventoryRecord> records;
  std::set<std::pair<uint32_t, int>> seen;
  std::vector<IpPrefix> prefixes;
  auto add = [&](uint32_t value, int length) {
    value &= length == 32 ? ~0u : ~((1u << (32 - length)) - 1);
    if (!seen.insert({value, length}).second) return;
    IpPrefix prefix{IpAddress::V4(value), length};
    prefixes.push_back(prefix);
    AddRandomHistory(random, prefix, kBase + static_cast<int64_t>(random() % 20'000), reference,
                     records);
  };
  add(10u << 24, 8);
  add(11u << 24, 12);
  for (int i = 0; i < 220; ++i) add(0x0a010100u | static_cast<uint32_t>(random() % 256), 32);
  for (int i = 0; i < 40; ++i) add(0x0a010100u | static_cast<uint32_t>(random() % 256), 28);
  for (int i = 0; i < 2500; ++i) {
    add(0x0a020000u | static_cast<uint32_t>(random() & 0xffff),
        24 + static_cast<int>(random() % 9));
  }
  for (int i = 0; i < 17000; ++i) {
    add((11u << 24) | static_cast<uint32_t>(random() & 0xffffff),
        20 + static_cast<int>(random() % 13));
  }
  auto index = AttributionIndex::Build(records, Margin(seconds(reference.margin)));
  ASSERT_EQ(index->interval_count(), records.size());

  std::vector<IpQuery> queries;
  for (int query = 0; query < 2000; ++query) {
    IpAddress ip =
        query % 4 == 0   ? IpAddress::V4((10u << 24) + static_cast<uint32_t>(random() % (1u << 25)))
        : query % 4 == 1 ? IpAddress::V4(0x0a010100u | static_cast<uint32_t>(random() % 256))
                         : AddressIn(random, prefixes[random() % prefixes.size()]);
    int64_t at = kBase - 2000 + static_cast<int64_t>(random() % 42'000);
    queries.push_back({ip, FromUnixSeconds(at)});
  }
  ExpectAgreement(*index, reference, queries);
}

TEST(AttributionIndex, LargeIndexResolvesEveryHolding) {
  // Large enough that the index's biggest arrays are mapped apart (on huge pages where the
  // system has them), in builds without AddressSanitizer.
  constexpr uint32_t kHosts = 120'000;
  std::vector<InventoryRecord> records;
  for (uint32_t i = 0; i < kHosts; ++i) {
    std::string service = "vm-" + std::to_string(i);
    records.push_back(
        Held(IpAddress::V4(0x0b000000u + 3 * i).ToString(), service, "2026-01-01T00:00:00Z"));
  }
  auto index = AttributionIndex::Build(records);
  ASSERT_EQ(index->interval_count(), records.size());
  EXPECT_GT(index->memory_bytes(), size_t{4} << 20);

  Instant noon = At(kDay + "12:00:00Z");
  std::vector<IpQuery> queries;
  for (uint32_t i = 0; i < kHosts; i += 7) {
    queries.push_back({IpAddress::V4(0x0b000000u + 3 * i), noon});
    queries.push_back({IpAddress::V4(0x0b000000u + 3 * i + 1), noon});  // between two hosts
  }
  std::vector<Attribution> batched(queries.size());
  index->ResolveIps(queries, batched);
  for (size_t q = 0; q < queries.size(); q += 2) {
    std::string service = "vm-" + std::to_string(q / 2 * 7);
    ASSERT_TRUE(AttributedTo(batched[q], service, queries[q].ip.ToString())) << q;
    ASSERT_EQ(batched[q + 1].result, AttributionResult::kNotOurs) << q;
  }
  EXPECT_TRUE(AttributedTo(index->ResolveIp(queries[0].ip, noon), "vm-0", "11.0.0.0"));
}

TEST(AttributionIndex, BatchOnAnEmptyIndexIsNotOurs) {
  auto index = AttributionIndex::Build({});
  Instant noon = At(kDay + "12:00:00Z");
  std::vector<IpQuery> queries = {{Ip("192.0.2.1"), noon}, {Ip("2001:db8::1"), noon}};
  std::vector<Attribution> answers(2);
  index->ResolveIps(queries, answers);
  EXPECT_EQ(answers[0].result, AttributionResult::kNotOurs);
  EXPECT_EQ(answers[1].result, AttributionResult::kNotOurs);
}

TEST(AttributionIndex, BatchResolvesAsManyAsThereIsRoomFor) {
  auto index = AttributionIndex::Build(std::vector<InventoryRecord>{
      Held("192.0.2.0/24", "net", "2026-01-01T00:00:00Z"),
      Held("2001:db8::/32", "net-6", "2026-01-01T00:00:00Z"),
  });
  Instant noon = At(kDay + "12:00:00Z");
  std::vector<IpQuery> queries = {
      {Ip("192.0.2.1"), noon}, {Ip("2001:db8::1"), noon}, {Ip("198.51.100.1"), noon}};

  std::vector<Attribution> answers(2);
  answers[1].customer_id = "left over from an earlier batch";
  index->ResolveIps(queries, answers);
  EXPECT_TRUE(AttributedTo(answers[0], "net", "192.0.2.0/24"));
  EXPECT_TRUE(AttributedTo(answers[1], "net-6", "2001:db8::/32"));

  index->ResolveIps(std::span(queries).subspan(2), answers);
  EXPECT_EQ(answers[0].result, AttributionResult::kNotOurs);
  EXPECT_TRUE(answers[0].customer_id.empty());
  index->ResolveIps({}, answers);  // nothing to do
}

TEST(AttributionIndex, ManyThreadsMayResolveAtOnce) {
  std::vector<InventoryRecord> records;
  for (int i = 0; i < 256; ++i) {
    records.push_back(
        Held("192.0.2." + std::to_string(i), "vm-" + std::to_string(i), "2026-01-01T00:00:00Z"));
  }
  records.push_back(Held("example.com", "site", "2026-01-01T00:00:00Z"));
  auto index = AttributionIndex::Build(records);

  Instant noon = At(kDay + "12:00:00Z");
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 2000; ++round) {
        int i = (round * 7 + t) % 256;
        Attribution ip =
            index->ResolveIp(IpAddress::V4(0xc0000200u | static_cast<uint32_t>(i)), noon);
        Attribution host = index->ResolveHost("www.example.com", noon);
        if (ip.service_id != "vm-" + std::to_string(i) || host.service_id != "site") {
          ++failures[static_cast<size_t>(t)];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace vigie
