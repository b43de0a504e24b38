#include "attribution/inventory.h"

#include <gtest/gtest.h>

#include <string>

namespace vigie {
namespace {

constexpr std::string_view kHeader =
    "customer_id,customer_name,customer_email,service_id,service_kind,resource,valid_from,"
    "valid_to\n";

Instant At(std::string_view rfc3339) {
  auto parsed = ParseRfc3339(rfc3339);
  EXPECT_TRUE(parsed.has_value()) << rfc3339;
  return parsed ? parsed->instant : Instant{};
}

std::string Csv(std::string_view rows) {
  return std::string(kHeader) + std::string(rows);
}

// The problems as "line:field" strings, easy to compare as a whole.
std::vector<std::string> Where(const ParsedInventory& parsed) {
  std::vector<std::string> out;
  for (const auto& problem : parsed.problems) {
    out.push_back(std::to_string(problem.line) + ":" + problem.field);
  }
  return out;
}

using Strings = std::vector<std::string>;

TEST(InventoryCsv, ReadsValidRowsAndNormalisesResources) {
  auto parsed = ParseInventoryCsv(
      Csv("c1,Alice,alice@example.com,s1,vps,192.0.2.7,2026-03-01T09:00:00Z,2026-03-01T10:00:00Z\n"
          "c2,Bob,bob@example.com,s2,vps,2001:DB8:0:0::/48,2026-03-01T11:00:00+01:00,\n"
          "c3,Carol,carol@example.com,s3,web,Bücher.Example.,2026-03-01T09:00:00Z,\n"
          "c4,Dan,dan@example.com,s4,vps,::ffff:198.51.100.9,2026-03-01T09:00:00Z,\n"
          "c5,Eve,eve@example.com,s5,vps,203.0.113.8/32,2026-03-01T09:00:00Z,\n"
          "c6,Fay,fay@example.com,s6,vps,::FFFF:198.51.100.0/120,2026-03-01T09:00:00Z,\n"));

  EXPECT_TRUE(parsed.problems.empty()) << parsed.problems.front().message;
  ASSERT_EQ(parsed.records.size(), 6u);
  const InventoryRecord& first = parsed.records[0];
  EXPECT_EQ(first.customer_id, "c1");
  EXPECT_EQ(first.customer_name, "Alice");
  EXPECT_EQ(first.customer_email, "alice@example.com");
  EXPECT_EQ(first.service_id, "s1");
  EXPECT_EQ(first.service_kind, "vps");
  EXPECT_EQ(first.resource, "192.0.2.7");
  EXPECT_EQ(first.valid_from, At("2026-03-01T09:00:00Z"));
  EXPECT_EQ(first.valid_to, At("2026-03-01T10:00:00Z"));

  EXPECT_EQ(parsed.records[1].resource, "2001:db8::/48");
  EXPECT_EQ(parsed.records[1].valid_from, At("2026-03-01T10:00:00Z"));
  EXPECT_FALSE(parsed.records[1].valid_to.has_value());
  EXPECT_EQ(parsed.records[2].resource, "xn--bcher-kva.example");
  EXPECT_EQ(parsed.records[3].resource, "198.51.100.9");
  EXPECT_EQ(parsed.records[4].resource, "203.0.113.8");
  EXPECT_EQ(parsed.records[5].resource, "198.51.100.0/24");
}

TEST(InventoryCsv, QuotedFieldsHoldCommasAndDoubledQuotes) {
  auto parsed = ParseInventoryCsv(
      Csv("c1,\"Dupont, \"\"le Grand\"\" SARL\",ops@dupont.example,s1,\"\",192.0.2.0/24,"
          "2026-03-01T09:00:00Z,\"\"\r\n"));

  ASSERT_TRUE(parsed.problems.empty()) << parsed.problems.front().message;
  ASSERT_EQ(parsed.records.size(), 1u);
  EXPECT_EQ(parsed.records[0].customer_name, "Dupont, \"le Grand\" SARL");
  EXPECT_EQ(parsed.records[0].service_kind, "");
  EXPECT_FALSE(parsed.records[0].valid_to.has_value());
}

TEST(InventoryCsv, LineBreakInsideQuotesIsOneRowAndLaterLinesKeepTheirNumbers) {
  auto parsed = ParseInventoryCsv(
      Csv("c1,\"two\nlines\",a@example.com,s1,vps,192.0.2.1,2026-03-01T09:00:00Z,\n"
          "c2,Bob,b@example.com,s2,vps,bad-ip/8,2026-03-01T09:00:00Z,\n"));

  // The name with a line break is refused (a notice cannot carry it), the row is still one row.
  EXPECT_EQ(Where(parsed), (Strings{"2:customer_name", "4:resource"}));
  EXPECT_TRUE(parsed.records.empty());
}

TEST(InventoryCsv, HeaderColumnsMayComeInAnyOrder) {
  auto parsed = ParseInventoryCsv(
      "resource,valid_to,valid_from,service_kind,service_id,customer_email,customer_name,"
      "customer_id\n"
      "192.0.2.1,,2026-03-01T09:00:00Z,vps,s1,a@example.com,Alice,c1\n");

  ASSERT_TRUE(parsed.problems.empty()) << parsed.problems.front().message;
  ASSERT_EQ(parsed.records.size(), 1u);
  EXPECT_EQ(parsed.records[0].customer_id, "c1");
  EXPECT_EQ(parsed.records[0].resource, "192.0.2.1");
}

TEST(InventoryCsv, MissingHeaderColumnIsOneProblemOnLineOneAndNoRows) {
  auto parsed = ParseInventoryCsv(
      "customer_id,customer_name,customer_email,service_id,service_kind,resource,valid_from\n"
      "c1,Alice,a@example.com,s1,vps,192.0.2.1,2026-03-01T09:00:00Z\n");

  EXPECT_EQ(Where(parsed), (Strings{"1:valid_to"}));
  EXPECT_TRUE(parsed.records.empty());
}

TEST(InventoryCsv, UnknownOrRepeatedHeaderColumnIsRefused) {
  auto unknown = ParseInventoryCsv(
      "customer_id,customer_name,customer_email,service_id,service_kind,resource,valid_from,"
      "valid_until\n");
  EXPECT_EQ(Where(unknown), (Strings{"1:valid_until"}));

  auto repeated = ParseInventoryCsv(
      "customer_id,customer_id,customer_email,service_id,service_kind,resource,valid_from,"
      "valid_to\n");
  EXPECT_EQ(Where(repeated), (Strings{"1:customer_id"}));
}

TEST(InventoryCsv, DataRowInsteadOfHeaderIsRefused) {
  auto parsed =
      ParseInventoryCsv("c1,Alice,a@example.com,s1,vps,192.0.2.1,2026-03-01T09:00:00Z,\n");
  ASSERT_EQ(parsed.problems.size(), 1u);
  EXPECT_EQ(parsed.problems[0].line, 1u);
  EXPECT_TRUE(parsed.records.empty());
}

TEST(InventoryCsv, EmptyInputIsAProblemOnLineOne) {
  auto parsed = ParseInventoryCsv("");
  EXPECT_EQ(Where(parsed), (Strings{"1:"}));
}

TEST(InventoryCsv, BadRowsBecomeProblemsNamingLineAndFieldWhileGoodRowsAreKept) {
  auto parsed = ParseInventoryCsv(
      Csv("c1,Alice,a@example.com,s1,vps,192.0.2.1,2026-03-01T09:00:00Z,\n"     // 2 good
          ",Alice,a@example.com,s1,vps,192.0.2.1,2026-03-01T09:00:00Z,\n"       // 3
          "c1,Alice,a@example.com,,vps,192.0.2.1,2026-03-01T09:00:00Z,\n"       // 4
          "c1,Alice,not-an-email,s1,vps,192.0.2.1,2026-03-01T09:00:00Z,\n"      // 5
          "c1,Alice,a@example.com,s1,vps,192.0.2.1/24,2026-03-01T09:00:00Z,\n"  // 6
          "c1,Alice,a@example.com,s1,vps,192.0.2.300,2026-03-01T09:00:00Z,\n"   // 7
          "c1,Alice,a@example.com,s1,vps,192.0.2.1,2026-03-01 09:00:00,\n"      // 8
          "c1,Alice,a@example.com,s1,vps,192.0.2.1,2026-03-01T09:00:00Z,2026-03-01T08:00:00Z\n"
          "c1,Alice,a@example.com,s1,vps,192.0.2.1\n"                                // 10
          "c2,Bob,b@example.com,s2,vps,example.org,2026-03-01T09:00:00Z,\n"          // 11 good
          "c1,Alice,a@example.com,s1,vps,192.0.2.0/33,2026-03-01T09:00:00Z,\n"       // 12
          "c1,Al\x01ice,a@example.com,s1,vps,192.0.2.1,2026-03-01T09:00:00Z,\n"      // 13
          "c1,Al\xff,a@example.com,s1,vps,192.0.2.1,2026-03-01T09:00:00Z,\n"         // 14
          "c1,Al,a@example.com,s1,vps,::ffff:192.0.2.1/120,2026-03-01T09:00:00Z,\n"  // 15
          ));

  EXPECT_EQ(Where(parsed),
            (Strings{"3:customer_id", "4:service_id", "5:customer_email", "6:resource",
                     "7:resource", "8:valid_from", "9:valid_to", "10:", "12:resource",
                     "13:customer_name", "14:customer_name", "15:resource"}));
  ASSERT_EQ(parsed.records.size(), 2u);
  EXPECT_EQ(parsed.records[0].resource, "192.0.2.1");
  EXPECT_EQ(parsed.records[1].resource, "example.org");

  // The message tells the operator what to fix.
  EXPECT_NE(parsed.problems[3].message.find("did you mean 192.0.2.0/24"), std::string::npos)
      << parsed.problems[3].message;
  EXPECT_NE(parsed.problems[7].message.find("6 fields, expected 8"), std::string::npos)
      << parsed.problems[7].message;
  EXPECT_NE(parsed.problems[11].message.find("did you mean 192.0.2.0/24"), std::string::npos)
      << parsed.problems[11].message;
}

TEST(InventoryCsv, EveryBadFieldOfARowIsReported) {
  auto parsed = ParseInventoryCsv(Csv(",Alice,nope,s1,vps,not a host,yesterday,tomorrow\n"));
  EXPECT_EQ(Where(parsed), (Strings{"2:customer_id", "2:customer_email", "2:resource",
                                    "2:valid_from", "2:valid_to"}));
  EXPECT_TRUE(parsed.records.empty());
}

TEST(InventoryCsv, UnterminatedQuoteIsOneProblemWhereItOpened) {
  auto parsed =
      ParseInventoryCsv(Csv("c1,Alice,a@example.com,s1,vps,192.0.2.1,2026-03-01T09:00:00Z,\n"
                            "c2,\"Bob,b@example.com,s2,vps,192.0.2.2,2026-03-01T09:00:00Z,\n"
                            "c3,Carol,c@example.com,s3,vps,192.0.2.3,2026-03-01T09:00:00Z,\n"));

  EXPECT_EQ(Where(parsed), (Strings{"3:"}));
  EXPECT_EQ(parsed.records.size(), 1u);
}

TEST(InventoryCsv, StrayQuotesAreRowProblemsAndReadingResumesOnTheNextLine) {
  auto parsed =
      ParseInventoryCsv(Csv("c1,Al\"ice,a@example.com,s1,vps,192.0.2.1,2026-03-01T09:00:00Z,\n"
                            "c2,\"Bob\"x,b@example.com,s2,vps,192.0.2.2,2026-03-01T09:00:00Z,\n"
                            "c3,Carol,c@example.com,s3,vps,192.0.2.3,2026-03-01T09:00:00Z,\n"));

  EXPECT_EQ(Where(parsed), (Strings{"2:", "3:"}));
  ASSERT_EQ(parsed.records.size(), 1u);
  EXPECT_EQ(parsed.records[0].customer_id, "c3");
}

TEST(InventoryCsv, CrLfLineEndsByteOrderMarkAndBlankLinesAreAccepted) {
  std::string text = "\xEF\xBB\xBF" + std::string(kHeader);
  text.insert(text.size() - 1, "\r");
  text +=
      "\r\n"
      "c1,Alice,a@example.com,s1,vps,192.0.2.1,2026-03-01T09:00:00Z,\r\n"
      "\r\n"
      "c2,Bob,b@example.com,s2,vps,192.0.2.2,2026-03-01T09:00:00Z,";  // no final line end

  auto parsed = ParseInventoryCsv(text);
  EXPECT_TRUE(parsed.problems.empty()) << parsed.problems.front().message;
  EXPECT_EQ(parsed.records.size(), 2u);
}

TEST(InventoryJsonLines, ReadsRowsWithNullOrAbsentEndAsStillHeld) {
  auto parsed = ParseInventoryJsonLines(
      R"({"customer_id":"c1","customer_name":"Alice","customer_email":"a@example.com",)"
      R"("service_id":"s1","service_kind":"vps","resource":"192.0.2.0/24",)"
      R"("valid_from":"2026-03-01T09:00:00Z","valid_to":"2026-03-02T09:00:00Z"})"
      "\n"
      R"({"customer_id":"c2","customer_email":"b@example.com","service_id":"s2",)"
      R"("resource":"WWW.Example.com","valid_from":"2026-03-01T09:00:00Z","valid_to":null})"
      "\r\n\n"
      R"({"customer_id":"c3","customer_email":"c@example.com","service_id":"s3",)"
      R"("resource":"2001:db8::1","valid_from":"2026-03-01T09:00:00Z"})"
      "\n");

  ASSERT_TRUE(parsed.problems.empty()) << parsed.problems.front().message;
  ASSERT_EQ(parsed.records.size(), 3u);
  EXPECT_EQ(parsed.records[0].customer_name, "Alice");
  EXPECT_EQ(parsed.records[0].valid_to, At("2026-03-02T09:00:00Z"));
  EXPECT_EQ(parsed.records[1].resource, "www.example.com");
  EXPECT_FALSE(parsed.records[1].valid_to.has_value());
  EXPECT_EQ(parsed.records[1].customer_name, "");
  EXPECT_EQ(parsed.records[2].resource, "2001:db8::1");
  EXPECT_FALSE(parsed.records[2].valid_to.has_value());
}

TEST(InventoryJsonLines, BadLinesBecomeProblemsNamingLineAndKey) {
  constexpr std::string_view kGood =
      R"({"customer_id":"c1","customer_email":"a@example.com","service_id":"s1",)"
      R"("resource":"192.0.2.1","valid_from":"2026-03-01T09:00:00Z"})";
  std::string text;
  text += std::string(kGood) + "\n";  // 1
  text += "{not json\n";              // 2
  text += "[1,2]\n";                  // 3
  text += R"({"customer_id":7,"customer_email":"a@example.com","service_id":"s1",)"
          R"("resource":"192.0.2.1","valid_from":"2026-03-01T09:00:00Z"})"
          "\n";  // 4
  text += R"({"customer_id":"c1","customer_email":"a@example.com","service_id":"s1",)"
          R"("resource":"192.0.2.1","valid_from":"2026-03-01T09:00:00Z","valid_til":null})"
          "\n";  // 5
  text += R"({"customer_id":"c1","customer_email":"a@example.com","service_id":"s1",)"
          R"("resource":"192.0.2.1","valid_from":"2026-03-01T09:00:00Z","valid_to":5})"
          "\n";  // 6
  text += R"({"customer_email":"a@example.com","service_id":"s1",)"
          R"("resource":"192.0.2.1","valid_from":"2026-03-01T09:00:00Z"})"
          "\n";  // 7
  text += R"({"customer_id":"c1","customer_email":"a@example.com","service_id":"s1",)"
          R"("resource":"192.0.2.1","valid_from":"2026-03-01T09:00:00Z",)"
          R"("valid_to":"2026-03-01T09:00:00Z"})"
          "\n";                       // 8
  text += std::string(kGood) + "\n";  // 9

  auto parsed = ParseInventoryJsonLines(text);
  EXPECT_EQ(Where(parsed), (Strings{"2:", "3:", "4:customer_id", "5:valid_til", "6:valid_to",
                                    "7:customer_id", "8:valid_to"}));
  EXPECT_EQ(parsed.records.size(), 2u);
}

}  // namespace
}  // namespace vigie
