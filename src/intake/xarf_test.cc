#include "intake/xarf.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/abuse_type.h"
#include "intake/intake.h"
#include "intake/test_support.h"

namespace vigie::intake {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::Accepted;
using testing::At;
using testing::ErrorKeys;
using testing::HasError;
using testing::TestPolicy;

const fs::path kCorpus = VIGIE_CORPUS_DIR;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The body of one shared XARF v4 sample; skips the test when the corpus is not there.
#define LOAD_SAMPLE(var, name)                                                    \
  fs::path var##_path = kCorpus / "xarf/samples/v4" / (name);                     \
  if (!fs::exists(var##_path)) GTEST_SKIP() << "no shared corpus at " << kCorpus; \
  std::string var = ReadFile(var##_path)

std::vector<std::string> Canonical(const ReportDraft& draft) {
  std::vector<std::string> out;
  for (const Target& target : draft.targets) out.push_back(target.canonical);
  return out;
}

// A small hand-written XARF report, the base of the error tests.
json::object MinimalXarf() {
  return json::object{
      {"xarf_version", "4.0.0"},
      {"report_id", "0b5d4c1e-3f7a-4d8e-9c2b-6a1f0e9d8c7b"},
      {"timestamp", "2025-01-25T08:00:00Z"},
      {"reporter",
       json::object{
           {"org", "Exemple CERT"}, {"contact", "cert@cert.example"}, {"domain", "cert.example"}}},
      {"sender", json::object{{"org", "Relay"}, {"contact", "relay@relay.example"}}},
      {"source_identifier", "192.0.2.200"},
      {"category", "connection"},
      {"type", "login_attack"},
  };
}

IntakeResult Validate(const json::object& report) {
  return ValidateApiJson(json::serialize(report), TestPolicy());
}

// --- The shared samples -------------------------------------------------------------------

TEST(Xarf, EverySampleValidatesIntoADraft) {
  fs::path directory = kCorpus / "xarf/samples/v4";
  if (!fs::is_directory(directory)) GTEST_SKIP() << "no shared corpus at " << kCorpus;
  size_t count = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(directory)) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().filename().string());
    std::string body = ReadFile(entry.path());
    ++count;
    EXPECT_TRUE(LooksLikeXarf(body));
    IntakeResult result = ValidateApiJson(body, TestPolicy());
    ASSERT_TRUE(Accepted(result));
    const ReportDraft& draft = *result.draft;
    EXPECT_EQ(draft.format, "xarf4");
    EXPECT_EQ(draft.channel, Channel::kApi);
    EXPECT_EQ(draft.raw, body);
    EXPECT_EQ(draft.reporter.kind, ReporterKind::kMachine);
    EXPECT_FALSE(draft.reporter.name.empty());
    EXPECT_FALSE(draft.source_report_id.empty());
    EXPECT_FALSE(draft.targets.empty());
    EXPECT_NE(FindAbuseType(draft.abuse_type), nullptr);
    EXPECT_LE(draft.description.size(), TestPolicy().max_description_bytes);
    // What goes to the customer carries neither the reporter's contact nor evidence bytes.
    EXPECT_EQ(draft.description.find(draft.reporter.email), std::string::npos);
    EXPECT_EQ(draft.description.find("\"payload\""), std::string::npos);
  }
  EXPECT_GE(count, 20u);
}

TEST(Xarf, DdosSample) {
  LOAD_SAMPLE(body, "connection-ddos.json");
  IntakeResult result = ValidateApiJson(body, TestPolicy());
  ASSERT_TRUE(Accepted(result));
  const ReportDraft& draft = *result.draft;
  EXPECT_EQ(draft.abuse_type, "dos");
  EXPECT_EQ(Canonical(draft), std::vector<std::string>{"192.0.2.155"});
  EXPECT_EQ(draft.observed.instant, At("2025-01-11T09:21:23Z"));
  EXPECT_EQ(draft.observed.offset_minutes, 0);
  EXPECT_EQ(draft.reporter.name, "DDoS Protection Service");
  EXPECT_EQ(draft.reporter.email, "ddos@ddos-monitor.example");
  EXPECT_FALSE(draft.reporter.share_email);
  EXPECT_EQ(draft.source_report_id, "9ac39cd1-85f3-4c31-ae87-a0a95f3ebc83");
  EXPECT_EQ(draft.language, "en");
  EXPECT_FALSE(draft.good_faith);
  EXPECT_EQ(draft.raw_type, "application/json");

  const std::string& text = draft.description;
  EXPECT_NE(text.find("category connection, type ddos"), std::string::npos) << text;
  EXPECT_NE(text.find("Source: 192.0.2.155, port 1."), std::string::npos) << text;
  EXPECT_NE(text.find("Destination: 203.0.113.100, port 80, protocol tcp."), std::string::npos);
  EXPECT_NE(text.find("first seen 2025-01-11T08:45:00Z"), std::string::npos);
  EXPECT_NE(text.find("Evidence source: flow_analysis."), std::string::npos);
  EXPECT_NE(text.find("Tags: attack:syn_flood, volume:high, mitigation:applied."),
            std::string::npos);
  EXPECT_NE(text.find("- attack_vector: syn_flood"), std::string::npos);
  EXPECT_NE(text.find("- botnet_participation: yes"), std::string::npos);
  EXPECT_NE(text.find("Evidence: 1 item(s) in the original report: DDoS attack flow analysis "
                      "and statistics."),
            std::string::npos)
      << text;
}

TEST(Xarf, PhishingSampleTargetsTheSourceAndTheUrl) {
  LOAD_SAMPLE(body, "content-phishing.json");
  IntakeResult result = ValidateApiJson(body, TestPolicy());
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->abuse_type, "phishing");
  EXPECT_EQ(
      Canonical(*result.draft),
      (std::vector<std::string>{"203.0.113.45", "http://secure-banking-login.example.com/auth"}));
  EXPECT_EQ(result.draft->observed.instant, At("2025-01-11T15:15:24Z"));
}

TEST(Xarf, CsemSampleIsChildSexualAbuse) {
  LOAD_SAMPLE(body, "content-csem.json");
  IntakeResult result = ValidateApiJson(body, TestPolicy());
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->abuse_type, "child_sexual_abuse");
  EXPECT_EQ(Canonical(*result.draft),
            (std::vector<std::string>{"198.51.100.42", "https://example.com/illegal-content"}));
  EXPECT_EQ(result.draft->observed.instant, At("2025-01-20T10:30:00Z"));
  // Nested members are listed one level deep.
  EXPECT_NE(result.draft->description.find("- file_hash.md5: d41d8cd98f00b204e9800998ecf8427e"),
            std::string::npos);
}

TEST(Xarf, CopyrightSampleTargetsTheInfringingUrl) {
  LOAD_SAMPLE(body, "copyright-copyright.json");
  IntakeResult result = ValidateApiJson(body, TestPolicy());
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->abuse_type, "copyright");
  EXPECT_EQ(Canonical(*result.draft),
            (std::vector<std::string>{"198.51.100.75",
                                      "http://pirate-streams.example.com/show/episode5.mp4"}));
  EXPECT_EQ(result.draft->reporter.name, "Broadcaster Copyright Department");
}

TEST(Xarf, BrandInfringementSampleHasADomainSource) {
  LOAD_SAMPLE(body, "content-brand-infringement.json");
  IntakeResult result = ValidateApiJson(body, TestPolicy());
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->abuse_type, "copyright");
  ASSERT_EQ(result.draft->targets.size(), 2u);
  EXPECT_EQ(result.draft->targets[0].kind, TargetKind::kDomain);
  EXPECT_EQ(result.draft->targets[0].canonical, "fake-apple-store.example.com");
  EXPECT_EQ(result.draft->targets[1].kind, TargetKind::kUrl);
}

TEST(Xarf, LoginAttackAndScansAreBruteforce) {
  for (const char* name : {"connection-login-attack.json", "connection-port-scan.json",
                           "connection-reconnaissance.json", "connection-sql-injection.json"}) {
    SCOPED_TRACE(name);
    LOAD_SAMPLE(body, name);
    IntakeResult result = ValidateApiJson(body, TestPolicy());
    ASSERT_TRUE(Accepted(result));
    EXPECT_EQ(result.draft->abuse_type, "bruteforce");
    // The victim's address and URL are not targets.
    EXPECT_EQ(result.draft->targets.size(), 1u);
  }
}

TEST(Xarf, OtherSamplesMapAsDocumented) {
  const std::vector<std::pair<const char*, const char*>> expected = {
      {"connection-infected-host.json", "botnet"},
      {"connection-scraping.json", "dos"},
      {"content-exposed-data.json", "data_protection"},
      {"content-fraud.json", "scam"},
      {"content-malware.json", "malware"},
      {"content-remote-compromise.json", "security_flaw"},
      {"copyright-link-site.json", "copyright"},
      {"copyright-p2p.json", "copyright"},
      {"copyright-ugc-platform.json", "copyright"},
      {"infrastructure-botnet.json", "botnet"},
      {"infrastructure-compromised-server.json", "security_flaw"},
      {"messaging-bulk-messaging.json", "spam"},
      {"messaging-spam.json", "spam"},
      {"reputation-blocklist.json", "botnet"},
      {"reputation-threat-intelligence.json", "botnet"},
      {"vulnerability-cve.json", "security_flaw"},
      {"vulnerability-misconfiguration.json", "security_flaw"},
      {"vulnerability-open-service.json", "security_flaw"},
  };
  for (const auto& [name, type] : expected) {
    SCOPED_TRACE(name);
    LOAD_SAMPLE(body, name);
    IntakeResult result = ValidateApiJson(body, TestPolicy());
    ASSERT_TRUE(Accepted(result));
    EXPECT_EQ(result.draft->abuse_type, type);
  }
}

TEST(Xarf, SenderDescriptionIsQuoted) {
  LOAD_SAMPLE(body, "vulnerability-cve.json");
  IntakeResult result = ValidateApiJson(body, TestPolicy());
  ASSERT_TRUE(Accepted(result));
  EXPECT_NE(result.draft->description.find(
                "Sender's description: Remote code execution vulnerability in Apache Struts "
                "framework"),
            std::string::npos);
  EXPECT_NE(result.draft->description.find("- cve_id: CVE-2023-12345"), std::string::npos);
  EXPECT_NE(result.draft->description.find("- cvss_score: 9.8"), std::string::npos);
}

// Every category/type pair of the v4 master schema has a vigie type.
TEST(Xarf, EverySchemaTypeIsMapped) {
  fs::path schema_path = kCorpus / "xarf/schemas/v4/xarf-v4-master.json";
  if (!fs::exists(schema_path)) GTEST_SKIP() << "no shared corpus at " << kCorpus;
  json::value schema = json::parse(ReadFile(schema_path));
  size_t pairs = 0;
  for (const json::value& part : schema.at("allOf").as_array()) {
    const json::object& object = part.as_object();
    if (!object.contains("anyOf")) continue;
    for (const json::value& choice : object.at("anyOf").as_array()) {
      const json::object& properties = choice.at("properties").as_object();
      std::string category(properties.at("category").at("const").as_string());
      for (const json::value& type : properties.at("type").at("enum").as_array()) {
        std::string name(type.as_string());
        SCOPED_TRACE(category + "/" + name);
        ++pairs;
        std::string_view mapped = internal::MapXarfType(category, name, "command_and_control");
        EXPECT_NE(FindAbuseType(mapped), nullptr);
      }
    }
  }
  EXPECT_GE(pairs, 30u);
}

// --- The mapping table --------------------------------------------------------------------

TEST(Xarf, MappingTablesNameOnlyKnownAbuseTypes) {
  for (const internal::XarfTypeMapping& row : internal::XarfTypeMappings()) {
    EXPECT_NE(FindAbuseType(row.abuse_type), nullptr) << row.category << "/" << row.type;
  }
  for (const internal::XarfThreatMapping& row : internal::XarfThreatMappings()) {
    EXPECT_NE(FindAbuseType(row.abuse_type), nullptr) << row.threat_type;
  }
}

TEST(Xarf, MapXarfType) {
  EXPECT_EQ(internal::MapXarfType("content", "phishing", ""), "phishing");
  EXPECT_EQ(internal::MapXarfType("content", "csam", ""), "child_sexual_abuse");
  EXPECT_EQ(internal::MapXarfType("copyright", "some_future_type", ""), "copyright");
  EXPECT_EQ(internal::MapXarfType("reputation", "blocklist", "Spam"), "spam");
  EXPECT_EQ(internal::MapXarfType("reputation", "blocklist", "unknown"), "");
  EXPECT_EQ(internal::MapXarfType("content", "poetry", ""), "");
  EXPECT_EQ(internal::MapXarfType("weather", "rain", ""), "");
}

// --- Hand-written reports -----------------------------------------------------------------

TEST(Xarf, MinimalReportIsAccepted) {
  IntakeResult result = Validate(MinimalXarf());
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->abuse_type, "bruteforce");
  EXPECT_EQ(result.draft->reporter.name, "Exemple CERT");
  // The sender's organisation is not the reporter and is not used.
  EXPECT_EQ(result.draft->description.find("Relay"), std::string::npos);
}

TEST(Xarf, UnknownCategoryOrTypeNamesType) {
  json::object report = MinimalXarf();
  report["type"] = "teleportation";
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"type:unsupported_xarf_type"});
  report["category"] = "weather";
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"type:unsupported_xarf_type"});
}

TEST(Xarf, ReputationNeedsAKnownThreatType) {
  json::object report = MinimalXarf();
  report["category"] = "reputation";
  report["type"] = "blocklist";
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"threat_type:required"});
  report["threat_type"] = "gossip";
  EXPECT_EQ(ErrorKeys(Validate(report)),
            std::vector<std::string>{"threat_type:unsupported_xarf_type"});
  report["threat_type"] = "phishing";
  IntakeResult result = Validate(report);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->abuse_type, "phishing");
}

TEST(Xarf, MissingRequiredMembersAreAllReported) {
  json::object report{{"xarf_version", "4.1.0"}};
  EXPECT_EQ(ErrorKeys(Validate(report)),
            (std::vector<std::string>{"report_id:required", "category:required", "type:required",
                                      "source_identifier:required", "timestamp:required",
                                      "reporter.contact:required"}));
}

TEST(Xarf, WrongTypesAreReported) {
  json::object report = MinimalXarf();
  report["timestamp"] = 1737792000;
  report["source_identifier"] = json::array{"192.0.2.1"};
  report["reporter"] = "Exemple CERT";
  report["urls"] = json::array{"https://a.example/x", 5};
  EXPECT_EQ(ErrorKeys(Validate(report)),
            (std::vector<std::string>{"source_identifier:wrong_type", "urls[1]:wrong_type",
                                      "timestamp:wrong_type", "reporter:wrong_type",
                                      "reporter.contact:required"}));
}

TEST(Xarf, UnknownMembersAreIgnoredButListed) {
  json::object report = MinimalXarf();
  report["vendor_extension"] = "kept for the customer";
  report["_internal"] = json::object{{"ticket", "SECRET-1"}};
  report["smtp_to"] = "victim@example.org";
  IntakeResult result = Validate(report);
  ASSERT_TRUE(Accepted(result));
  const std::string& text = result.draft->description;
  EXPECT_NE(text.find("- vendor_extension: kept for the customer"), std::string::npos);
  EXPECT_EQ(text.find("SECRET-1"), std::string::npos);
  EXPECT_EQ(text.find("victim@example.org"), std::string::npos);
}

TEST(Xarf, VersionMustBeFour) {
  json::object report = MinimalXarf();
  report["xarf_version"] = "3.0.0";
  EXPECT_EQ(ErrorKeys(Validate(report)),
            std::vector<std::string>{"xarf_version:unsupported_version"});
  report["xarf_version"] = 4;
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"xarf_version:wrong_type"});
}

TEST(Xarf, TimestampMustBeRfc3339AndInTheWindow) {
  json::object report = MinimalXarf();
  report["timestamp"] = "2025-01-25 08:00";
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"timestamp:invalid_date_time"});
  report["timestamp"] = "2025-01-25T08:00:00.123+05:30";
  IntakeResult result = Validate(report);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->observed.instant, At("2025-01-25T02:30:00Z"));
  EXPECT_EQ(result.draft->observed.offset_minutes, 330);
  report["timestamp"] = "2026-01-25T08:00:00Z";
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"timestamp:in_future"});
  report["timestamp"] = "2020-01-25T08:00:00Z";
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"timestamp:too_old"});
}

TEST(Xarf, BadIdentifiersAreNamedByMember) {
  json::object report = MinimalXarf();
  report["source_identifier"] = "user account 1234";
  report["url"] = "gopher://host.example/";
  report["urls"] =
      json::array{"https://ok.example/a", "https://bad host.example/", "javascript:alert(1)"};
  EXPECT_EQ(ErrorKeys(Validate(report)),
            (std::vector<std::string>{"source_identifier:invalid_domain", "url:unsupported_scheme",
                                      "urls[1]:invalid_url", "urls[2]:invalid_url"}));
}

TEST(Xarf, ContactIsOptionalOnlyForChildSexualAbuse) {
  json::object report = MinimalXarf();
  report["reporter"].as_object().erase("contact");
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"reporter.contact:required"});

  report["category"] = "content";
  report["type"] = "csam";
  report["url"] = "https://host.example/img";
  report["reporter"].as_object().erase("org");
  IntakeResult result = Validate(report);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->abuse_type, "child_sexual_abuse");
  EXPECT_EQ(result.draft->reporter.email, "");

  report["reporter"].as_object()["contact"] = "not an email";
  EXPECT_EQ(ErrorKeys(Validate(report)),
            std::vector<std::string>{"reporter.contact:invalid_email"});
}

TEST(Xarf, NameRequiredTypesNeedTheOrganisation) {
  json::object report = MinimalXarf();
  report["category"] = "copyright";
  report["type"] = "p2p";
  report["reporter"].as_object()["org"] = "";
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"reporter.org:required"});
}

TEST(Xarf, ControlCharactersInTheSenderDescriptionAreRefusedElsewhereReplaced) {
  json::object report = MinimalXarf();
  report["description"] = "bad\x07text";
  EXPECT_EQ(ErrorKeys(Validate(report)),
            std::vector<std::string>{"description:control_characters"});

  report["description"] = "A\tfine\nmulti-line description";
  report["extension"] = "bell\x07here";
  IntakeResult result = Validate(report);
  ASSERT_TRUE(Accepted(result));
  EXPECT_NE(result.draft->description.find("- extension: bell\xef\xbf\xbdhere"), std::string::npos);
}

TEST(Xarf, DescriptionFitsThePolicy) {
  json::object report = MinimalXarf();
  for (int i = 0; i < 500; ++i) report["member_" + std::to_string(i)] = std::string(100, 'v');
  report["description"] = std::string(3000, 'd');
  IntakePolicy policy = TestPolicy();
  policy.max_description_bytes = 2000;
  IntakeResult result = ValidateApiJson(json::serialize(report), policy);
  ASSERT_TRUE(Accepted(result));
  EXPECT_LE(result.draft->description.size(), 2000u);
  EXPECT_FALSE(result.draft->description.empty());

  policy.max_description_bytes = 20000;
  report.erase("description");
  result = ValidateApiJson(json::serialize(report), policy);
  ASSERT_TRUE(Accepted(result));
  EXPECT_LE(result.draft->description.size(), 20000u);
  EXPECT_NE(result.draft->description.find("- (more in the original report)"), std::string::npos);
}

TEST(Xarf, ManyUrlsAreRefused) {
  json::object report = MinimalXarf();
  json::array urls;
  for (int i = 0; i < 60; ++i)
    urls.push_back(json::value("https://e.example/" + std::to_string(i)));
  report["urls"] = urls;
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"urls:too_many"});
}

}  // namespace
}  // namespace vigie::intake
