#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/abuse_type.h"
#include "intake/json_schema.h"
#include "reading/formats.h"

namespace vigie::reading {
namespace {

namespace fs = std::filesystem;

const fs::path kXarf = fs::path(VIGIE_CORPUS_DIR) / "xarf";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The JSON files under `dir`, sorted; skips the test when the corpus is absent.
std::vector<fs::path> Files(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::exists(dir)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

#define REQUIRE_CORPUS() \
  if (!fs::exists(kXarf)) GTEST_SKIP() << "no XARF corpus under " << kXarf

const XarfSchemas* Schemas() {
  static const std::optional<XarfSchemas> schemas = []() -> std::optional<XarfSchemas> {
    Result<XarfSchemas> loaded = XarfSchemas::Load((kXarf / "schemas").string());
    if (!loaded.ok()) return std::nullopt;
    return *std::move(loaded);
  }();
  return schemas ? &*schemas : nullptr;
}

Reading MustRead(const fs::path& path, const ReadingOptions& options = {}) {
  std::optional<Reading> reading = ReadXarfText(ReadFile(path), options);
  if (!reading) {
    ADD_FAILURE() << path << " was not recognised as XARF";
    return Reading{};
  }
  return *reading;
}

std::string Relative(const fs::path& path) {
  return fs::relative(path, kXarf).string();
}

std::vector<std::string> Canonical(const std::vector<Target>& targets) {
  std::vector<std::string> out;
  for (const Target& target : targets) out.push_back(target.canonical);
  return out;
}

// One event, as the test expects it.
struct Expected {
  std::string format;
  std::vector<std::string> targets;
  std::string observed_at;
  std::string abuse_type;
  std::string source_report_id;
};

void ExpectEvent(const std::string& file, const Expected& expected) {
  Reading reading = MustRead(kXarf / file);
  ASSERT_EQ(reading.status, ReadingStatus::kParsed) << file << ": " << reading.detail;
  EXPECT_EQ(reading.format, expected.format);
  ASSERT_EQ(reading.events.size(), 1u);
  const Event& event = reading.events[0];
  EXPECT_EQ(Canonical(event.targets), expected.targets) << file;
  EXPECT_EQ(FormatRfc3339(event.observed.instant, event.observed.offset_minutes),
            expected.observed_at)
      << file;
  EXPECT_EQ(event.abuse_type, expected.abuse_type) << file;
  EXPECT_EQ(event.source_report_id, expected.source_report_id) << file;
  EXPECT_FALSE(event.summary.empty());
}

TEST(XarfJson, EveryPositiveSampleIsParsed) {
  REQUIRE_CORPUS();
  std::vector<fs::path> files = Files(kXarf / "abusix-v1-v3" / "positive");
  for (const fs::path& file : Files(kXarf / "samples")) files.push_back(file);
  ASSERT_EQ(files.size(), 84u + 30u);
  for (const fs::path& file : files) {
    Reading reading = MustRead(file);
    EXPECT_EQ(reading.status, ReadingStatus::kParsed) << Relative(file) << ": " << reading.detail;
    ASSERT_EQ(reading.events.size(), 1u) << Relative(file);
    const Event& event = reading.events[0];
    EXPECT_FALSE(event.targets.empty());
    EXPECT_NE(FindAbuseType(event.abuse_type), nullptr) << event.abuse_type;
    std::cout << "  " << Relative(file) << " -> " << reading.format << " " << event.abuse_type
              << " " << event.targets[0].canonical << " " << FormatRfc3339(event.observed.instant)
              << " | " << event.summary << "\n";
  }
}

TEST(XarfJson, EveryNegativeSampleIsRejectedWithAReason) {
  REQUIRE_CORPUS();
  std::vector<fs::path> files = Files(kXarf / "abusix-v1-v3" / "negative");
  ASSERT_EQ(files.size(), 159u);
  for (const fs::path& file : files) {
    Reading reading = MustRead(file);
    EXPECT_EQ(reading.status, ReadingStatus::kRejected) << Relative(file);
    EXPECT_EQ(reading.format, "xarf3");
    EXPECT_EQ(reading.reason, "xarf_invalid");
    EXPECT_FALSE(reading.detail.empty());
    EXPECT_TRUE(reading.events.empty());
    std::cout << "  " << Relative(file) << ": " << reading.detail << "\n";
  }
}

TEST(XarfJson, V4SamplesPassTheSchemasAndTheBuiltInChecks) {
  REQUIRE_CORPUS();
  const XarfSchemas* schemas = Schemas();
  ASSERT_NE(schemas, nullptr);
  ReadingOptions options;
  options.xarf_schemas = schemas;
  options.received_at = ParseRfc3339("2025-06-01T00:00:00Z")->instant;
  std::vector<fs::path> files = Files(kXarf / "samples" / "v4");
  ASSERT_EQ(files.size(), 27u);
  for (const fs::path& file : files) {
    Reading reading = MustRead(file, options);
    EXPECT_EQ(reading.status, ReadingStatus::kParsed) << Relative(file) << ": " << reading.detail;
    EXPECT_EQ(reading.format, "xarf4");
  }
}

TEST(XarfJson, V3LegacySchemaRefusesRealV3ReportsSoItIsNotApplied) {
  REQUIRE_CORPUS();
  const XarfSchemas* schemas = Schemas();
  ASSERT_NE(schemas, nullptr);
  ReadingOptions options;
  options.xarf_schemas = schemas;
  for (const fs::path& file : Files(kXarf / "abusix-v1-v3" / "positive" / "3")) {
    std::string text = ReadFile(file);
    std::vector<SchemaViolation> violations = schemas->ValidateV3(boost::json::parse(text));
    ASSERT_FALSE(violations.empty()) << Relative(file);
    std::cout << "  v3 legacy schema on " << Relative(file) << ": "
              << DescribeViolation(violations[0]) << "\n";
    EXPECT_EQ(ReadXarfText(text, options)->status, ReadingStatus::kParsed) << Relative(file);
  }
}

TEST(XarfJson, ExactEvents) {
  REQUIRE_CORPUS();
  ExpectEvent("samples/v4/connection-login-attack.json", {"xarf4",
                                                          {"198.51.100.77"},
                                                          "2025-01-11T12:17:20Z",
                                                          "bruteforce",
                                                          "dbf79f17-f4f4-4c22-ae58-19991f52a1e8"});
  ExpectEvent("samples/v3/spam_v3_sample.json",
              {"xarf3", {"192.168.1.100"}, "2024-01-15T14:30:25Z", "spam", ""});
  ExpectEvent("samples/v3/phishing_v3_sample.json",
              {"xarf3",
               {"https://malicious-example.net/banking-login/"},
               "2024-01-15T16:45:30Z",
               "phishing",
               ""});
  ExpectEvent("abusix-v1-v3/positive/1/spam_sample.json",
              {"xarf3", {"192.0.2.55"}, "2018-02-05T14:17:10Z", "spam", ""});
  ExpectEvent("abusix-v1-v3/positive/3/copyright_sample.json",
              {"xarf3",
               {"http://www.badexample.com/badexapmplesong.mp3", "192.0.2.55"},
               "2018-02-05T18:17:10Z",
               "copyright",
               ""});
  ExpectEvent(
      "abusix-v1-v3/positive/2/rpz_sample_additional_fields.json",
      {"xarf3", {"2001:db8:1300:9:3949:9d93:bd2:9da5"}, "2020-07-19T19:39:54Z", "malware", ""});
  ExpectEvent("abusix-v1-v3/positive/development/ddos_sample.json",
              {"xarf3", {"192.0.2.55"}, "2018-02-05T14:17:10Z", "dos", "InternalCaseId"});
  ExpectEvent("abusix-v1-v3/positive/development/potentially_compromised_sample.json",
              {"xarf3", {"198.51.100.33"}, "2018-02-05T14:17:10Z", "security_flaw", ""});
  ExpectEvent("abusix-v1-v3/positive/alpha/no_version_sample.json",
              {"xarf3", {"192.0.2.55"}, "2018-02-05T14:17:10Z", "botnet", ""});
}

TEST(XarfJson, NotXarfIsNotOurs) {
  ReadingOptions options;
  for (std::string_view text :
       {"", "not json", "[1, 2]", "{}", R"({"name": "x"})", R"({"Version": "1.0.5", "a": 1})",
        "{\"Report\": 1", R"("xarf_version")"}) {
    EXPECT_FALSE(ReadXarfText(text, options).has_value()) << text;
  }
}

TEST(XarfJson, BrokenXarfIsRejected) {
  ReadingOptions options;
  std::optional<Reading> reading = ReadXarfText(R"({"xarf_version": 4})", options);
  ASSERT_TRUE(reading);
  EXPECT_EQ(reading->format, "xarf4");
  EXPECT_EQ(reading->status, ReadingStatus::kRejected);

  reading = ReadXarfText(R"({"xarf_version": "4.0.0", "category": "messaging"})", options);
  ASSERT_TRUE(reading);
  EXPECT_EQ(reading->status, ReadingStatus::kRejected);
  EXPECT_NE(reading->detail.find("report_id"), std::string::npos) << reading->detail;

  reading = ReadXarfText(R"({"Version": "2", "Report": []})", options);
  ASSERT_TRUE(reading);
  EXPECT_EQ(reading->format, "xarf3");
  EXPECT_EQ(reading->status, ReadingStatus::kRejected);
  EXPECT_NE(reading->detail.find("Report: [] is not an object"), std::string::npos)
      << reading->detail;
}

TEST(XarfJson, SchemaCatchesWhatTheBuiltInChecksAllow) {
  REQUIRE_CORPUS();
  // A wrong protocol enum: vigie's own checks do not read "protocol", the schema does.
  std::string text = ReadFile(kXarf / "samples/v4/connection-login-attack.json");
  text.replace(text.find("\"tcp\""), 5, "\"carrier-pigeon\"");
  ReadingOptions options;
  EXPECT_EQ(ReadXarfText(text, options)->status, ReadingStatus::kParsed);
  options.xarf_schemas = Schemas();
  std::optional<Reading> reading = ReadXarfText(text, options);
  ASSERT_TRUE(reading);
  EXPECT_EQ(reading->status, ReadingStatus::kRejected);
  EXPECT_EQ(reading->reason, "xarf_invalid");
  EXPECT_EQ(reading->detail.rfind("/protocol: \"carrier-pigeon\" is not one of", 0), 0u)
      << reading->detail;
}

TEST(XarfJson, DeepOrHugeInputIsBounded) {
  ReadingOptions options;
  std::string deep = R"({"Version": "1", "Report": )";
  for (int i = 0; i < 10000; ++i) deep += "[";
  EXPECT_FALSE(ReadXarfText(deep, options).has_value());

  options.limits.max_part_bytes = 100;
  EXPECT_FALSE(ReadXarfText(std::string(200, ' ') + "{}", options).has_value());
}

MimeEntity Entity(std::string content_type, std::string body, std::string filename = "") {
  MimeEntity entity;
  entity.content_type = std::move(content_type);
  entity.body = std::move(body);
  entity.filename = std::move(filename);
  entity.attachment = !entity.filename.empty();
  return entity;
}

TEST(XarfJson, FindsTheReportInTheMessage) {
  REQUIRE_CORPUS();
  std::string report = ReadFile(kXarf / "abusix-v1-v3/positive/1/spam_sample.json");
  ReadingOptions options;

  // As an attachment after a text part that is not XARF.
  MimeMessage message;
  message.content_type = "multipart/mixed";
  message.entities.push_back(Entity("text/plain", "Dear abuse team, see the attached report."));
  message.entities.push_back(Entity("application/octet-stream", report, "report.JSON"));
  std::optional<Reading> reading = ReadXarfJson(message, options);
  ASSERT_TRUE(reading);
  EXPECT_EQ(reading->status, ReadingStatus::kParsed);
  EXPECT_EQ(reading->format, "xarf3");

  // As the body itself, in text/plain.
  message.entities = {Entity("text/plain", "\r\n  " + report)};
  reading = ReadXarfJson(message, options);
  ASSERT_TRUE(reading);
  EXPECT_EQ(reading->status, ReadingStatus::kParsed);

  // A JSON part that is not XARF, and binary parts, are not ours.
  message.entities = {Entity("application/json", R"({"hello": "world"})"),
                      Entity("image/png", report)};
  EXPECT_FALSE(ReadXarfJson(message, options).has_value());
}

}  // namespace
}  // namespace vigie::reading
