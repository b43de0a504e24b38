#include "intake/messages.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "intake/intake.h"
#include "intake/test_support.h"

namespace vigie::intake {
namespace {

using testing::TestPolicy;

TEST(Messages, FieldLabelsInBothLanguages) {
  EXPECT_EQ(FieldLabel("email", "en"), "Email address");
  EXPECT_EQ(FieldLabel("email", "fr"), "Adresse e-mail");
  EXPECT_EQ(FieldLabel("targets[2]", "en"), "Target 3");
  EXPECT_EQ(FieldLabel("targets[0]", "fr"), "Cible n° 1");
  EXPECT_EQ(FieldLabel("reporter.email", "en"), "Reporter's email address");
  EXPECT_EQ(FieldLabel("email", "de"), "Email address");
  EXPECT_EQ(FieldLabel("email", "fr-FR"), "Adresse e-mail");
}

TEST(Messages, UnknownFieldsAreQuoted) {
  EXPECT_EQ(FieldLabel("colour", "en"), "Field \"colour\"");
  EXPECT_EQ(FieldLabel("colour", "fr"), "Champ « colour »");
  EXPECT_EQ(FieldLabel("bad\x01", "en"), "Field \"bad\xef\xbf\xbd\"");
}

TEST(Messages, DescribeNamesTheFieldAndTheReason) {
  EXPECT_EQ(DescribeFieldError({"email", "required", ""}, "en"),
            "Email address: this information is required.");
  EXPECT_EQ(DescribeFieldError({"email", "required", ""}, "fr"),
            "Adresse e-mail : cette information est obligatoire.");
  EXPECT_EQ(DescribeFieldError({"description", "too_long", "20000"}, "en"),
            "Description: this is too long; the limit is 20000 bytes.");
  EXPECT_EQ(DescribeFieldError({"targets[1]", "invalid_ip", ""}, "fr"),
            "Cible n° 2 : ce n'est pas une adresse IPv4 ou IPv6 valide.");
  EXPECT_EQ(DescribeFieldError({"good_faith", "wrong_type", "boolean"}, "en"),
            "Good-faith statement: wrong JSON type; expected a boolean.");
  EXPECT_EQ(DescribeFieldError({"good_faith", "wrong_type", "boolean"}, "fr"),
            "Déclaration de bonne foi : type JSON incorrect ; attendu : un booléen.");
}

TEST(Messages, SomeFieldsHaveTheirOwnWording) {
  std::string en = DescribeFieldError({"good_faith", "required", ""}, "en");
  EXPECT_NE(en.find("exact and complete"), std::string::npos) << en;
  std::string fr = DescribeFieldError({"targets", "required", ""}, "fr");
  EXPECT_NE(fr.find("au moins une adresse IP"), std::string::npos) << fr;
}

TEST(Messages, UnknownCodesStillReadAsSentences) {
  EXPECT_EQ(DescribeFieldError({"email", "mystery", ""}, "en"),
            "Email address: this value is not valid (mystery).");
}

// Runs many bad submissions through every format and checks that each error they produce has
// a known label and a specific message in both languages.
TEST(Messages, EveryErrorIntakeProducesHasALabelAndAMessage) {
  using Fields = std::vector<std::pair<std::string, std::string>>;
  std::vector<IntakeResult> results;
  IntakePolicy policy = TestPolicy();

  results.push_back(ValidateForm({}, "", policy));
  results.push_back(
      ValidateForm(Fields{{"targets", "bad!\n1.2.3.999\nssh://x.example/\nhttp://[::1"},
                          {"abuse_date", "2025-02-30"},
                          {"abuse_time", "25:00"},
                          {"abuse_zone", "Nowhere/Land"},
                          {"abuse_type", "nope"},
                          {"reporter_kind", "robot"},
                          {"email", "x"},
                          {"description", "short"},
                          {"language", "fr"}},
                   "", policy));
  std::string many_targets;
  for (int i = 0; i < 60; ++i) many_targets += "192.0.2." + std::to_string(i) + "\n";
  results.push_back(ValidateForm(Fields{{"targets", many_targets},
                                        {"abuse_date", "2024-03-31"},
                                        {"abuse_time", "02:30"},
                                        {"abuse_zone", "Europe/Paris"},
                                        {"abuse_type", "copyright"},
                                        {"reporter_kind", "legal_entity"},
                                        {"legal_form", "\x01"},
                                        {"company_name", "\xff"},
                                        {"email", std::string(300, 'a')},
                                        {"description", std::string(20001, 'a')},
                                        {"share_email", "on"},
                                        {"share_email", "off"},
                                        {"abuse_type", "spam"}},
                                 "", policy));
  results.push_back(ValidateForm(Fields{{"abuse_type", "violence"},
                                        {"reporter_kind", "person"},
                                        {"abuse_date", "2000-01-01"},
                                        {"abuse_time", "00:00"}},
                                 "", policy));
  results.push_back(ValidateForm(Fields{{"abuse_type", "violence"},
                                        {"reporter_kind", "authority"},
                                        {"abuse_date", "2030-01-01"},
                                        {"abuse_time", "00:00"}},
                                 "", policy));
  results.push_back(ValidateApiJson("{", policy));
  IntakePolicy tiny = policy;
  tiny.max_body_bytes = 4;
  results.push_back(ValidateApiJson("{ }  ", tiny));
  results.push_back(ValidateApiJson("[]", policy));
  results.push_back(ValidateApiJson("{\"a\": \"\xff\"}", policy));
  results.push_back(ValidateApiJson(
      R"({"targets": 1, "abuse_type": "copyright", "observed_at": "x", "good_faith": false,
          "reporter": {"kind": "legal_entity", "share_email": 1, "x": 1}, "language": "de",
          "language": "de",
          "typo": 1})",
      policy));
  results.push_back(ValidateApiJson(R"({"reporter": 1, "description": 1})", policy));
  results.push_back(ValidateApiJson(R"({"xarf_version": "3"})", policy));
  results.push_back(ValidateApiJson(
      R"({"xarf_version": "4.0.0", "category": "content", "type": "poetry",
          "source_identifier": "bad id", "url": "ftp//", "urls": [1],
          "submission_url": "gopher://x.example/", "infringing_url": "",
          "timestamp": "nope", "reporter": {"org": 1, "contact": "x"}})",
      policy));
  results.push_back(ValidateApiJson(
      R"({"xarf_version": "4.0.0", "category": "reputation", "type": "blocklist",
          "threat_type": "gossip", "report_id": ""})",
      policy));

  std::set<std::string> seen_codes;
  for (const IntakeResult& result : results) {
    for (const FieldError& error : result.errors) {
      SCOPED_TRACE(error.field + ":" + error.code);
      seen_codes.insert(error.code);
      for (const char* language : {"en", "fr"}) {
        std::string label = FieldLabel(error.field, language);
        // Only a member vigie does not know is shown by its name.
        if (error.code != "unknown_field") {
          EXPECT_EQ(label.find("Field \""), std::string::npos) << label;
          EXPECT_EQ(label.find("Champ « "), std::string::npos) << label;
        }
        std::string message = DescribeFieldError(error, language);
        EXPECT_EQ(message.rfind(label, 0), 0u) << message;
        EXPECT_EQ(message.find("not valid ("), std::string::npos) << message;
        EXPECT_EQ(message.find("pas valide ("), std::string::npos) << message;
        EXPECT_EQ(message.find('{'), std::string::npos) << message;
      }
    }
  }
  // The run above covers the codes listed in messages.h.
  for (const char* code : {"required",
                           "too_long",
                           "too_short",
                           "too_many",
                           "too_large",
                           "invalid_utf8",
                           "control_characters",
                           "repeated",
                           "malformed_json",
                           "wrong_type",
                           "invalid_choice",
                           "unknown_abuse_type",
                           "invalid_email",
                           "invalid_date",
                           "invalid_time",
                           "unknown_time_zone",
                           "nonexistent_local_time",
                           "invalid_date_time",
                           "in_future",
                           "too_old",
                           "unsupported_version",
                           "unsupported_xarf_type",
                           "empty",
                           "invalid_ip",
                           "invalid_domain",
                           "invalid_url",
                           "unsupported_scheme"}) {
    EXPECT_TRUE(seen_codes.count(code)) << code;
  }
}

TEST(Messages, UnknownFieldLabelShowsTheMemberName) {
  EXPECT_EQ(DescribeFieldError({"typo", "unknown_field", ""}, "en"),
            "Field \"typo\": this member is not part of the format; check its spelling.");
}

}  // namespace
}  // namespace vigie::intake
