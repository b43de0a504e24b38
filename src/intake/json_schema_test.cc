#include "intake/json_schema.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace vigie {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const fs::path kSchemas = fs::path(VIGIE_CORPUS_DIR) / "xarf" / "schemas";
const fs::path kSamples = fs::path(VIGIE_CORPUS_DIR) / "xarf" / "samples";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Loads the schemas once; null when the corpus is absent.
const XarfSchemas* Schemas() {
  static const std::optional<XarfSchemas> schemas = []() -> std::optional<XarfSchemas> {
    if (!fs::exists(kSchemas)) return std::nullopt;
    Result<XarfSchemas> loaded = XarfSchemas::Load(kSchemas.string());
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.error().code << ": " << loaded.error().message;
      return std::nullopt;
    }
    return *std::move(loaded);
  }();
  return schemas ? &*schemas : nullptr;
}

#define REQUIRE_SCHEMAS()                 \
  const XarfSchemas* schemas = Schemas(); \
  if (schemas == nullptr) GTEST_SKIP() << "no XARF schemas under " << kSchemas

// A valid v4 report (the login attack sample, trimmed) that the tests below break one way each.
json::value ValidLoginAttack() {
  return json::parse(R"({
    "xarf_version": "4.2.0",
    "report_id": "dbf79f17-f4f4-4c22-ae58-19991f52a1e8",
    "timestamp": "2025-01-11T12:17:20Z",
    "reporter": {"org": "SSH Honeypot Network", "contact": "honeypot@ssh-monitor.example",
                 "domain": "ssh-monitor.example"},
    "sender": {"org": "SSH Honeypot Network", "contact": "honeypot@ssh-monitor.example",
               "domain": "ssh-monitor.example"},
    "source_identifier": "198.51.100.77",
    "source_port": 45621,
    "category": "connection",
    "type": "login_attack",
    "protocol": "tcp",
    "first_seen": "2025-01-11T06:17:20Z",
    "tags": ["attack:brute_force"]
  })");
}

std::string FirstViolation(const XarfSchemas& schemas, const json::value& document) {
  std::vector<SchemaViolation> found = schemas.ValidateV4(document);
  return found.empty() ? "" : DescribeViolation(found.front());
}

TEST(JsonSchema, LoadFailsOnMissingDirectory) {
  Result<XarfSchemas> loaded = XarfSchemas::Load("/nonexistent/xarf-schemas");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, "schema_missing");
}

TEST(JsonSchema, EveryV4SampleIsValid) {
  REQUIRE_SCHEMAS();
  int count = 0;
  for (const auto& entry : fs::directory_iterator(kSamples / "v4")) {
    json::value document = json::parse(ReadFile(entry.path()));
    std::vector<SchemaViolation> found = schemas->ValidateV4(document, 10);
    for (const SchemaViolation& violation : found) {
      ADD_FAILURE() << entry.path().filename() << ": " << DescribeViolation(violation);
    }
    ++count;
  }
  EXPECT_EQ(count, 27);
}

TEST(JsonSchema, ValidDocumentHasNoViolation) {
  REQUIRE_SCHEMAS();
  EXPECT_EQ(FirstViolation(*schemas, ValidLoginAttack()), "");
}

TEST(JsonSchema, PortAboveMaximum) {
  REQUIRE_SCHEMAS();
  json::value document = ValidLoginAttack();
  document.as_object()["source_port"] = 9999999;
  EXPECT_EQ(FirstViolation(*schemas, document), "/source_port: 9999999 is above the maximum 65535");
}

TEST(JsonSchema, WrongEnumValue) {
  REQUIRE_SCHEMAS();
  json::value document = ValidLoginAttack();
  document.as_object()["protocol"] = "carrier-pigeon";
  EXPECT_EQ(FirstViolation(*schemas, document),
            "/protocol: \"carrier-pigeon\" is not one of \"tcp\", \"udp\", \"icmp\", \"sctp\"");
}

TEST(JsonSchema, UnknownCategoryAndType) {
  REQUIRE_SCHEMAS();
  json::value document = ValidLoginAttack();
  document.as_object()["category"] = "gossip";
  std::vector<SchemaViolation> found = schemas->ValidateV4(document, 5);
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(DescribeViolation(found.front()),
            "/category: \"gossip\" is not one of \"messaging\", \"content\", \"copyright\", "
            "\"connection\", \"vulnerability\", \"infrastructure\", \"reputation\"");

  document.as_object()["category"] = "messaging";  // a known category, a type from another
  EXPECT_EQ(FirstViolation(*schemas, document),
            "(document): matches none of the anyOf alternatives");
}

TEST(JsonSchema, MissingRequiredMember) {
  REQUIRE_SCHEMAS();
  json::value document = ValidLoginAttack();
  document.as_object().erase("report_id");
  EXPECT_EQ(FirstViolation(*schemas, document), "/report_id: is required but missing");

  document = ValidLoginAttack();
  document.as_object().erase("first_seen");  // required by the login attack type schema
  EXPECT_EQ(FirstViolation(*schemas, document), "/first_seen: is required but missing");
}

TEST(JsonSchema, ConditionalRequirement) {
  REQUIRE_SCHEMAS();
  // A login attack from an IP address must give its source port (if/then in the type schema).
  json::value document = ValidLoginAttack();
  document.as_object().erase("source_port");
  EXPECT_EQ(FirstViolation(*schemas, document), "/source_port: is required but missing");
  document.as_object()["source_identifier"] = "attacker.example";
  EXPECT_EQ(FirstViolation(*schemas, document), "");
}

TEST(JsonSchema, BadFormats) {
  REQUIRE_SCHEMAS();
  json::value document = ValidLoginAttack();
  document.as_object()["timestamp"] = "yesterday at noon";
  EXPECT_EQ(FirstViolation(*schemas, document),
            "/timestamp: \"yesterday at noon\" is not a valid date-time");

  document = ValidLoginAttack();
  document.as_object()["reporter"].as_object()["contact"] = "not-an-address";
  EXPECT_EQ(FirstViolation(*schemas, document),
            "/reporter/contact: \"not-an-address\" is not a valid email");

  document = ValidLoginAttack();
  document.as_object()["report_id"] = "42";
  EXPECT_EQ(FirstViolation(*schemas, document), "/report_id: \"42\" is not a valid uuid");

  document = ValidLoginAttack();
  document.as_object()["destination_ip"] = "203.0.113.300";
  EXPECT_EQ(FirstViolation(*schemas, document),
            "/destination_ip: matches none of the anyOf alternatives");
}

TEST(JsonSchema, PatternsAdditionalPropertiesAndTypes) {
  REQUIRE_SCHEMAS();
  json::value document = ValidLoginAttack();
  document.as_object()["tags"] = json::array{"NoNamespace"};
  EXPECT_EQ(FirstViolation(*schemas, document),
            "/tags/0: \"NoNamespace\" does not match the pattern "
            "\"^[a-z0-9][a-z0-9_+-]*:[a-z0-9][a-z0-9_+-]*$\"");

  document = ValidLoginAttack();
  document.as_object()["reporter"].as_object()["phone"] = "+1 555";
  EXPECT_EQ(FirstViolation(*schemas, document), "/reporter/phone: is not an allowed member");

  document = ValidLoginAttack();
  document.as_object()["source_port"] = "25";
  EXPECT_EQ(FirstViolation(*schemas, document), "/source_port: is string \"25\", expected integer");

  document = ValidLoginAttack();
  document.as_object()["xarf_version"] = "4.x";
  EXPECT_EQ(FirstViolation(*schemas, document),
            "/xarf_version: \"4.x\" does not match the pattern \"^4\\\\.[0-9]+\\\\.[0-9]+$\"");
}

TEST(JsonSchema, ReportsSeveralViolationsWhenAsked) {
  REQUIRE_SCHEMAS();
  json::value document = ValidLoginAttack();
  document.as_object()["source_port"] = 0;
  document.as_object().erase("sender");
  std::vector<SchemaViolation> found = schemas->ValidateV4(document, 10);
  ASSERT_GE(found.size(), 2u);
  std::vector<std::string> described;
  for (const SchemaViolation& violation : found) described.push_back(DescribeViolation(violation));
  EXPECT_NE(std::find(described.begin(), described.end(), "/sender: is required but missing"),
            described.end());
  EXPECT_NE(std::find(described.begin(), described.end(), "/source_port: 0 is below the minimum 1"),
            described.end());
}

TEST(JsonSchema, V3LegacySchema) {
  REQUIRE_SCHEMAS();
  json::value document = json::parse(R"({
    "Version": "3",
    "ReporterInfo": {"ReporterOrg": "Example Security", "ReporterOrgEmail": "abuse@example.com"},
    "Report": {"ReportClass": "Activity", "ReportType": "Spam", "Date": "2024-01-01T12:00:00Z",
               "SourceIp": "192.0.2.1", "SourcePort": 25}
  })");
  EXPECT_TRUE(schemas->ValidateV3(document).empty());
  document.as_object()["Report"].as_object()["SourcePort"] = 70000;
  std::vector<SchemaViolation> found = schemas->ValidateV3(document);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(DescribeViolation(found[0]), "/Report/SourcePort: 70000 is above the maximum 65535");
}

TEST(JsonSchema, DeepDocumentsAreBounded) {
  REQUIRE_SCHEMAS();
  // 30 levels of nesting inside an open member: accepted or refused, but quickly and safely.
  std::string deep = R"({"xarf_version":"4.0.0","x":)";
  for (int i = 0; i < 30; ++i) deep += "[";
  for (int i = 0; i < 30; ++i) deep += "]";
  deep += "}";
  json::value document = json::parse(deep);
  EXPECT_FALSE(schemas->ValidateV4(document).empty());  // required members are missing
}

}  // namespace
}  // namespace vigie
