#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "intake/intake.h"
#include "intake/test_support.h"

namespace vigie::intake {
namespace {

namespace json = boost::json;
using testing::Accepted;
using testing::At;
using testing::ErrorKeys;
using testing::HasError;
using testing::TestPolicy;

json::object ValidReport() {
  return json::object{
      {"targets", json::array{"198.51.100.20", "https://shop.example.net/fake"}},
      {"abuse_type", "scam"},
      {"observed_at", "2025-01-30T09:15:00+01:00"},
      {"reporter", json::object{{"kind", "legal_entity"},
                                {"name", "Exemple Paiements"},
                                {"legal_form", "SA"},
                                {"email", "abuse@paiements.example"},
                                {"share_email", true}}},
      {"description", "This shop takes payments and never ships anything."},
      {"good_faith", true},
      {"language", "fr"},
  };
}

IntakeResult Validate(const json::object& report) {
  return ValidateApiJson(json::serialize(report), TestPolicy());
}

TEST(ApiJson, ValidReportBecomesADraft) {
  std::string body = json::serialize(ValidReport());
  IntakeResult result = ValidateApiJson(body, TestPolicy());
  ASSERT_TRUE(Accepted(result));
  const ReportDraft& draft = *result.draft;
  EXPECT_EQ(draft.channel, Channel::kApi);
  EXPECT_EQ(draft.format, "vigie_json");
  EXPECT_EQ(draft.raw, body);
  EXPECT_EQ(draft.raw_type, "application/json");
  ASSERT_EQ(draft.targets.size(), 2u);
  EXPECT_EQ(draft.targets[0].canonical, "198.51.100.20");
  EXPECT_EQ(draft.targets[1].canonical, "https://shop.example.net/fake");
  EXPECT_EQ(draft.abuse_type, "scam");
  EXPECT_EQ(draft.observed.instant, At("2025-01-30T08:15:00Z"));
  EXPECT_EQ(draft.observed.offset_minutes, 60);
  EXPECT_EQ(draft.observed.zone, "");
  EXPECT_EQ(draft.reporter.kind, ReporterKind::kLegalEntity);
  EXPECT_EQ(draft.reporter.name, "Exemple Paiements");
  EXPECT_EQ(draft.reporter.legal_form, "SA");
  EXPECT_EQ(draft.reporter.email, "abuse@paiements.example");
  EXPECT_TRUE(draft.reporter.share_email);
  EXPECT_EQ(draft.description, "This shop takes payments and never ships anything.");
  EXPECT_TRUE(draft.good_faith);
  EXPECT_EQ(draft.language, "fr");
}

TEST(ApiJson, RawIsKeptByteForByte) {
  std::string body = "\xef\xbb\xbf  " + json::serialize(ValidReport()) + "\n";
  IntakeResult result = ValidateApiJson(body, TestPolicy());
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->raw, body);
}

TEST(ApiJson, DefaultsApply) {
  json::object report = ValidReport();
  report.erase("language");
  report["abuse_type"] = "spam";
  report["reporter"] = json::object{{"email", "a@example.org"}};
  IntakeResult result = Validate(report);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->language, "en");
  EXPECT_EQ(result.draft->reporter.kind, ReporterKind::kPerson);
  EXPECT_FALSE(result.draft->reporter.share_email);
}

TEST(ApiJson, NullCountsAsAbsent) {
  json::object report = ValidReport();
  report["language"] = nullptr;
  report["abuse_type"] = "spam";
  report["reporter"].as_object()["share_email"] = nullptr;
  report["reporter"].as_object()["legal_form"] = nullptr;
  ASSERT_TRUE(Accepted(Validate(report)));

  report["description"] = nullptr;
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"description:required"});
}

// --- Body-level errors --------------------------------------------------------------------

TEST(ApiJson, MalformedJsonIsOneErrorOnBody) {
  for (std::string_view body :
       {std::string_view(""), std::string_view("{"), std::string_view("{\"targets\": [}"),
        std::string_view("{} {}"), std::string_view("{'a': 1}"), std::string_view("{\"a\": 1,}"),
        std::string_view("{\"a\": \"\\ud800\"}")}) {
    SCOPED_TRACE(body);
    EXPECT_EQ(ErrorKeys(ValidateApiJson(body, TestPolicy())),
              std::vector<std::string>{"body:malformed_json"});
  }
}

TEST(ApiJson, DeepNestingIsMalformedNotACrash) {
  std::string body = "{\"targets\": " + std::string(10000, '[') + std::string(10000, ']') + "}";
  EXPECT_EQ(ErrorKeys(ValidateApiJson(body, TestPolicy())),
            std::vector<std::string>{"body:malformed_json"});
}

TEST(ApiJson, BodyMustBeAnObject) {
  for (std::string_view body : {"[]", "\"report\"", "42", "null"}) {
    IntakeResult result = ValidateApiJson(body, TestPolicy());
    ASSERT_EQ(ErrorKeys(result), std::vector<std::string>{"body:wrong_type"});
    EXPECT_EQ(result.errors[0].detail, "object");
  }
}

TEST(ApiJson, InvalidUtf8BodyIsNamedAsSuch) {
  EXPECT_EQ(ErrorKeys(ValidateApiJson("{\"description\": \"caf\xe9\"}", TestPolicy())),
            std::vector<std::string>{"body:invalid_utf8"});
}

TEST(ApiJson, OversizeBodyIsRefusedBeforeParsing) {
  IntakePolicy policy = TestPolicy();
  policy.max_body_bytes = 100;
  IntakeResult result = ValidateApiJson(std::string(101, ' '), policy);
  ASSERT_EQ(ErrorKeys(result), std::vector<std::string>{"body:too_large"});
  EXPECT_EQ(result.errors[0].detail, "100");
}

// --- Members ------------------------------------------------------------------------------

TEST(ApiJson, WrongTypesAreAllReported) {
  json::object report{
      {"targets", json::array{"192.0.2.1", 42}},
      {"abuse_type", 7},
      {"observed_at", 1737795600},
      {"reporter", json::object{{"kind", true}, {"email", json::array{"a@example.org"}}}},
      {"description", json::object{}},
      {"good_faith", "yes"},
      {"language", 1},
  };
  IntakeResult result = Validate(report);
  EXPECT_EQ(ErrorKeys(result),
            (std::vector<std::string>{"targets[1]:wrong_type", "observed_at:wrong_type",
                                      "abuse_type:wrong_type", "reporter.kind:wrong_type",
                                      "reporter.email:wrong_type", "description:wrong_type",
                                      "good_faith:wrong_type", "language:wrong_type"}));
  EXPECT_EQ(result.errors[0].detail, "string");
  EXPECT_EQ(result.errors[6].detail, "boolean");
}

TEST(ApiJson, TargetsMustBeAnArrayOfStrings) {
  json::object report = ValidReport();
  report["targets"] = "192.0.2.1";
  IntakeResult result = Validate(report);
  ASSERT_EQ(ErrorKeys(result), std::vector<std::string>{"targets:wrong_type"});
  EXPECT_EQ(result.errors[0].detail, "array");

  report["targets"] = json::array{1, 2};
  EXPECT_EQ(ErrorKeys(Validate(report)),
            (std::vector<std::string>{"targets[0]:wrong_type", "targets[1]:wrong_type"}));

  report["targets"] = json::array{};
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"targets:required"});

  report["targets"] = json::array{"192.0.2.1", "", "under_score.example", "http://[::1"};
  EXPECT_EQ(ErrorKeys(Validate(report)),
            (std::vector<std::string>{"targets[1]:empty", "targets[3]:invalid_url"}));
}

TEST(ApiJson, UnknownMembersAreRejected) {
  json::object report = ValidReport();
  report["target"] = json::array{"192.0.2.1"};  // a typo of "targets"
  report["reporter"].as_object()["mail"] = "x@example.org";
  report["x-\x01"] = 1;
  report[""] = 2;
  IntakeResult result = Validate(report);
  EXPECT_EQ(ErrorKeys(result),
            (std::vector<std::string>{"target:unknown_field", "x-\xef\xbf\xbd:unknown_field",
                                      "(empty):unknown_field", "reporter.mail:unknown_field"}));
}

TEST(ApiJson, DuplicateMembersAreRejected) {
  std::string body = json::serialize(ValidReport());
  body.insert(1, R"("abuse_type": "spam", )"
                 R"("reporter": {"email": "a@example.org", "email": "b@example.org"}, )");
  EXPECT_EQ(ErrorKeys(ValidateApiJson(body, TestPolicy())),
            (std::vector<std::string>{"reporter.email:duplicate_field",
                                      "abuse_type:duplicate_field", "reporter:duplicate_field"}));
}

TEST(ApiJson, DuplicateKeysInXarfAreTolerated) {
  std::string body = R"({"xarf_version": "4.0.0", "xarf_version": "4.0.0"})";
  EXPECT_FALSE(HasError(ValidateApiJson(body, TestPolicy()), "xarf_version", "duplicate_field"));
}

TEST(ApiJson, ObservedAtNeedsAnOffset) {
  json::object report = ValidReport();
  report["observed_at"] = "2025-01-30T09:15:00";
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"observed_at:invalid_date_time"});
  report["observed_at"] = "30/01/2025 09:15";
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"observed_at:invalid_date_time"});
  report.erase("observed_at");
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"observed_at:required"});
}

TEST(ApiJson, ObservedAtMustBeInTheWindow) {
  json::object report = ValidReport();
  report["observed_at"] = "2025-02-01T12:30:00+00:00";
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"observed_at:in_future"});
  report["observed_at"] = "2025-02-01T12:05:00Z";
  EXPECT_TRUE(Accepted(Validate(report)));
  report["observed_at"] = "2023-12-31T23:59:59Z";
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"observed_at:too_old"});
}

TEST(ApiJson, GoodFaithMustBeTrue) {
  json::object report = ValidReport();
  report["good_faith"] = false;
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"good_faith:required"});
  report.erase("good_faith");
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"good_faith:required"});
}

TEST(ApiJson, LanguageMustBeEnglishOrFrench) {
  json::object report = ValidReport();
  report["language"] = "de";
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"language:invalid_choice"});
}

TEST(ApiJson, NameRequiredTypesNeedAName) {
  json::object report = ValidReport();
  report["abuse_type"] = "copyright";
  report["reporter"] = json::object{{"kind", "person"}, {"email", "a@example.org"}};
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"reporter.name:required"});

  report["reporter"].as_object()["name"] = "   ";
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"reporter.name:required"});

  report["reporter"].as_object()["kind"] = "legal_entity";
  report["reporter"].as_object()["name"] = "Studio Exemple";
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"reporter.legal_form:required"});

  report["reporter"].as_object()["kind"] = "authority";
  IntakeResult result = Validate(report);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->reporter.kind, ReporterKind::kAuthority);

  report["reporter"].as_object()["kind"] = "alien";
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"reporter.kind:invalid_choice"});
}

TEST(ApiJson, ReporterMissingMeansEmailRequired) {
  json::object report = ValidReport();
  report["abuse_type"] = "botnet";
  report.erase("reporter");
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"reporter.email:required"});
}

TEST(ApiJson, ChildSexualAbuseMayBeAnonymous) {
  json::object report = ValidReport();
  report["abuse_type"] = "child_sexual_abuse";
  report.erase("reporter");
  IntakeResult result = Validate(report);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->reporter.email, "");
  EXPECT_EQ(result.draft->reporter.name, "");
}

TEST(ApiJson, ChildSexualAbuseKeepsANameTheCallerSent) {
  json::object report = ValidReport();
  report["abuse_type"] = "child_sexual_abuse";
  report["reporter"] = json::object{{"kind", "legal_entity"}, {"name", "Hotline Exemple"}};
  IntakeResult result = Validate(report);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->reporter.name, "Hotline Exemple");
  EXPECT_EQ(result.draft->reporter.email, "");
}

TEST(ApiJson, LegalFormIsOnlyKeptForLegalEntities) {
  json::object report = ValidReport();
  report["reporter"].as_object()["kind"] = "person";
  IntakeResult result = Validate(report);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->reporter.legal_form, "");
}

TEST(ApiJson, ControlCharactersFromEscapesAreRefused) {
  json::object report = ValidReport();
  report["description"] = std::string("Ten characters and a NUL \0 too", 31);
  report["reporter"].as_object()["name"] = "Exemple\nBcc: x";
  EXPECT_EQ(ErrorKeys(Validate(report)),
            (std::vector<std::string>{"reporter.name:control_characters",
                                      "description:control_characters"}));
}

TEST(ApiJson, ScriptTagsAreKeptVerbatim) {
  json::object report = ValidReport();
  report["description"] = "<script>document.location='https://evil.example'</script>";
  IntakeResult result = Validate(report);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->description, "<script>document.location='https://evil.example'</script>");
}

TEST(ApiJson, OversizeDescriptionIsRefused) {
  json::object report = ValidReport();
  report["description"] = std::string(20001, 'a');
  EXPECT_EQ(ErrorKeys(Validate(report)), std::vector<std::string>{"description:too_long"});
}

TEST(ApiJson, EveryErrorIsCollected) {
  json::object report{
      {"targets", json::array{"not valid!"}},
      {"abuse_type", "nope"},
      {"reporter", json::object{{"email", "bad"}}},
      {"description", "short"},
      {"extra", 1},
  };
  EXPECT_EQ(ErrorKeys(Validate(report)),
            (std::vector<std::string>{"extra:unknown_field", "targets[0]:invalid_domain",
                                      "observed_at:required", "abuse_type:unknown_abuse_type",
                                      "reporter.email:invalid_email", "description:too_short",
                                      "good_faith:required"}));
}

// --- Routing to XARF ----------------------------------------------------------------------

TEST(ApiJson, XarfVersionRoutesToXarf) {
  json::object report{{"xarf_version", "3.0"}};
  EXPECT_TRUE(HasError(Validate(report), "xarf_version", "unsupported_version"));
}

TEST(ApiJson, LooksLikeXarfNeedsVersionFour) {
  EXPECT_TRUE(LooksLikeXarf(R"({"xarf_version": "4.2.0", "category": "messaging"})"));
  EXPECT_TRUE(LooksLikeXarf(R"({"category": "messaging", "xarf_version": "4"})"));
  EXPECT_FALSE(LooksLikeXarf(R"({"xarf_version": "3"})"));
  EXPECT_FALSE(LooksLikeXarf(R"({"xarf_version": 4})"));
  EXPECT_FALSE(LooksLikeXarf(R"({"Version": "3", "ReporterInfo": {}})"));
  EXPECT_FALSE(LooksLikeXarf(R"([{"xarf_version": "4.0.0"}])"));
  EXPECT_FALSE(LooksLikeXarf("{\"xarf_version\": \"4.0.0\""));
  EXPECT_FALSE(LooksLikeXarf(""));
}

}  // namespace
}  // namespace vigie::intake
