#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "core/abuse_type.h"
#include "intake/intake.h"
#include "intake/test_support.h"

namespace vigie::intake {
namespace {

using testing::Accepted;
using testing::At;
using testing::ErrorKeys;
using testing::HasError;
using testing::TestPolicy;

using Fields = std::vector<std::pair<std::string, std::string>>;

// A complete, valid submission of the form for a type that needs no name.
Fields ValidForm() {
  return {
      {"csrf_token", "abc123"},
      {"targets", "192.0.2.10\r\nhttps://phish.example.com/login\r\n"},
      {"abuse_date", "2025-01-20"},
      {"abuse_time", "14:05"},
      {"abuse_zone", "Europe/Paris"},
      {"abuse_type", "phishing"},
      {"email", "alice@example.org"},
      {"description", "A page imitating my bank asks for card numbers."},
      {"good_faith", "on"},
      {"language", "fr"},
      {"submit", "Send"},
  };
}

// Replaces every value of `name` (or adds it).
void Set(Fields& fields, const std::string& name, const std::string& value) {
  bool found = false;
  for (auto& [key, old] : fields) {
    if (key == name) {
      old = value;
      found = true;
    }
  }
  if (!found) fields.emplace_back(name, value);
}

void Remove(Fields& fields, const std::string& name) {
  std::erase_if(fields, [&](const auto& pair) { return pair.first == name; });
}

IntakeResult Validate(const Fields& fields, std::string_view raw = "raw=body") {
  return ValidateForm(fields, raw, TestPolicy());
}

TEST(Form, ValidSubmissionBecomesADraft) {
  IntakeResult result = Validate(ValidForm(), "targets=192.0.2.10&abuse_type=phishing");
  ASSERT_TRUE(Accepted(result));
  const ReportDraft& draft = *result.draft;
  EXPECT_EQ(draft.channel, Channel::kForm);
  EXPECT_EQ(draft.format, "form");
  EXPECT_EQ(draft.raw, "targets=192.0.2.10&abuse_type=phishing");
  EXPECT_EQ(draft.raw_type, "application/x-www-form-urlencoded");
  ASSERT_EQ(draft.targets.size(), 2u);
  EXPECT_EQ(draft.targets[0].kind, TargetKind::kIp);
  EXPECT_EQ(draft.targets[0].canonical, "192.0.2.10");
  EXPECT_EQ(draft.targets[1].kind, TargetKind::kUrl);
  EXPECT_EQ(draft.targets[1].canonical, "https://phish.example.com/login");
  EXPECT_EQ(draft.abuse_type, "phishing");
  EXPECT_EQ(draft.reporter.kind, ReporterKind::kPerson);
  EXPECT_EQ(draft.reporter.email, "alice@example.org");
  EXPECT_FALSE(draft.reporter.share_email);
  EXPECT_EQ(draft.description, "A page imitating my bank asks for card numbers.");
  EXPECT_TRUE(draft.good_faith);
  EXPECT_EQ(draft.language, "fr");
  EXPECT_TRUE(draft.source_report_id.empty());
}

// --- Time zones ---------------------------------------------------------------------------

TEST(Form, ParisWinterTimeIsUtcPlusOne) {
  IntakeResult result = Validate(ValidForm());
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->observed.instant, At("2025-01-20T13:05:00Z"));
  EXPECT_EQ(result.draft->observed.offset_minutes, 60);
  EXPECT_EQ(result.draft->observed.zone, "Europe/Paris");
}

TEST(Form, ParisSummerTimeIsUtcPlusTwo) {
  Fields fields = ValidForm();
  Set(fields, "abuse_date", "2024-07-14");
  Set(fields, "abuse_time", "23:30:15");
  IntakeResult result = Validate(fields);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->observed.instant, At("2024-07-14T21:30:15Z"));
  EXPECT_EQ(result.draft->observed.offset_minutes, 120);
}

TEST(Form, TimeSkippedByForwardClockChangeIsRefused) {
  Fields fields = ValidForm();
  Set(fields, "abuse_date", "2024-03-31");  // Paris: 02:00 became 03:00
  Set(fields, "abuse_time", "02:30");
  IntakeResult result = Validate(fields);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(ErrorKeys(result), std::vector<std::string>{"abuse_time:nonexistent_local_time"});
}

TEST(Form, TimeRepeatedByBackwardClockChangeIsItsFirstOccurrence) {
  Fields fields = ValidForm();
  Set(fields, "abuse_date", "2024-10-27");  // Paris: 03:00 went back to 02:00
  Set(fields, "abuse_time", "02:30");
  IntakeResult result = Validate(fields);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->observed.instant, At("2024-10-27T00:30:00Z"));
}

TEST(Form, EmptyZoneMeansUtc) {
  Fields fields = ValidForm();
  Set(fields, "abuse_zone", "");
  IntakeResult result = Validate(fields);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->observed.instant, At("2025-01-20T14:05:00Z"));
  EXPECT_EQ(result.draft->observed.zone, "UTC");
}

TEST(Form, OtherZonesConvert) {
  Fields fields = ValidForm();
  Set(fields, "abuse_zone", "America/New_York");
  IntakeResult result = Validate(fields);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->observed.instant, At("2025-01-20T19:05:00Z"));
  EXPECT_EQ(result.draft->observed.offset_minutes, -300);
}

TEST(Form, UnknownZoneIsRefused) {
  Fields fields = ValidForm();
  Set(fields, "abuse_zone", "Europe/Atlantis");
  EXPECT_EQ(ErrorKeys(Validate(fields)), std::vector<std::string>{"abuse_zone:unknown_time_zone"});
}

TEST(Form, DateTimeAndZoneAreEachChecked) {
  Fields fields = ValidForm();
  Set(fields, "abuse_date", "2025-02-30");
  Set(fields, "abuse_time", "24:00");
  Set(fields, "abuse_zone", "Mars/Olympus");
  EXPECT_EQ(ErrorKeys(Validate(fields)),
            (std::vector<std::string>{"abuse_date:invalid_date", "abuse_time:invalid_time",
                                      "abuse_zone:unknown_time_zone"}));
}

TEST(Form, DateAndTimeAreMandatory) {
  Fields fields = ValidForm();
  Remove(fields, "abuse_date");
  Set(fields, "abuse_time", "  ");
  EXPECT_EQ(ErrorKeys(Validate(fields)),
            (std::vector<std::string>{"abuse_date:required", "abuse_time:required"}));
}

TEST(Form, SecondsAreOptional) {
  Fields fields = ValidForm();
  Set(fields, "abuse_time", "14:05:59");
  IntakeResult result = Validate(fields);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->observed.instant, At("2025-01-20T13:05:59Z"));
}

// --- Time window --------------------------------------------------------------------------

TEST(Form, FutureBeyondToleranceIsRefused) {
  // Now is 2025-02-01T12:00Z, i.e. 13:00 in Paris; the tolerance is ten minutes.
  Fields fields = ValidForm();
  Set(fields, "abuse_date", "2025-02-01");
  Set(fields, "abuse_time", "13:11");
  EXPECT_EQ(ErrorKeys(Validate(fields)), std::vector<std::string>{"abuse_date:in_future"});

  Set(fields, "abuse_time", "13:09");
  EXPECT_TRUE(Accepted(Validate(fields)));
}

TEST(Form, OlderThanMaxAgeIsRefused) {
  Fields fields = ValidForm();
  Set(fields, "abuse_date", "2024-01-31");
  IntakeResult result = Validate(fields);
  ASSERT_EQ(ErrorKeys(result), std::vector<std::string>{"abuse_date:too_old"});
  EXPECT_EQ(result.errors[0].detail, "365");

  IntakePolicy lenient = TestPolicy();
  lenient.max_age = std::chrono::hours(24 * 800);
  EXPECT_TRUE(Accepted(ValidateForm(fields, "", lenient)));
}

// --- Targets ------------------------------------------------------------------------------

TEST(Form, TargetsComeFromTextareaLinesAndRepeatedFields) {
  Fields fields = ValidForm();
  Set(fields, "targets", "\n  example.com  \r\n\r\n2001:db8::1\n");
  fields.emplace_back("target", "198.51.100.7");
  fields.emplace_back("target", "");
  fields.emplace_back("target", "bücher.example");
  IntakeResult result = Validate(fields);
  ASSERT_TRUE(Accepted(result));
  std::vector<std::string> canonical;
  for (const Target& target : result.draft->targets) canonical.push_back(target.canonical);
  EXPECT_EQ(canonical, (std::vector<std::string>{"example.com", "2001:db8::1", "198.51.100.7",
                                                 "xn--bcher-kva.example"}));
  EXPECT_EQ(result.draft->targets[3].display, "bücher.example");
}

TEST(Form, UrlWithoutPathGetsTheRootPath) {
  Fields fields = ValidForm();
  Set(fields, "targets", "http://Example.com\nhttps://example.net:8443?page=1");
  IntakeResult result = Validate(fields);
  ASSERT_TRUE(Accepted(result));
  ASSERT_EQ(result.draft->targets.size(), 2u);
  EXPECT_EQ(result.draft->targets[0].canonical, "http://example.com/");
  EXPECT_EQ(result.draft->targets[1].canonical, "https://example.net:8443/?page=1");
}

TEST(Form, EachBadTargetIsNamedByItsPosition) {
  Fields fields = ValidForm();
  Set(fields, "targets", "192.0.2.1\n\nnot a domain\n999.1.1.1\nssh://host.example.com/");
  IntakeResult result = Validate(fields);
  EXPECT_EQ(ErrorKeys(result),
            (std::vector<std::string>{"targets[1]:invalid_domain", "targets[2]:invalid_ip",
                                      "targets[3]:unsupported_scheme"}));
}

TEST(Form, DuplicateTargetsAreKeptOnce) {
  Fields fields = ValidForm();
  Set(fields, "targets", "Example.COM\nexample.com.\n192.0.2.1\n192.0.2.1");
  IntakeResult result = Validate(fields);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->targets.size(), 2u);
}

TEST(Form, AtLeastOneTargetIsRequired) {
  Fields fields = ValidForm();
  Set(fields, "targets", " \r\n ");
  EXPECT_EQ(ErrorKeys(Validate(fields)), std::vector<std::string>{"targets:required"});
}

TEST(Form, TooManyTargetsAreRefused) {
  Fields fields = ValidForm();
  std::string many;
  for (int i = 1; i <= 51; ++i) many += "192.0.2." + std::to_string(i) + "\n";
  Set(fields, "targets", many);
  IntakeResult result = Validate(fields);
  ASSERT_EQ(ErrorKeys(result), std::vector<std::string>{"targets:too_many"});
  EXPECT_EQ(result.errors[0].detail, "50");
}

// --- Abuse type ---------------------------------------------------------------------------

TEST(Form, AbuseTypeMustBeInTheTable) {
  Fields fields = ValidForm();
  Set(fields, "abuse_type", "hacking");
  EXPECT_EQ(ErrorKeys(Validate(fields)), std::vector<std::string>{"abuse_type:unknown_abuse_type"});
  Set(fields, "abuse_type", "");
  EXPECT_EQ(ErrorKeys(Validate(fields)), std::vector<std::string>{"abuse_type:required"});
}

// --- Reporter: email ----------------------------------------------------------------------

TEST(Form, EmailIsRequiredForEveryTypeButChildSexualAbuse) {
  for (const AbuseType& type : AllAbuseTypes()) {
    SCOPED_TRACE(std::string(type.id));
    Fields fields = ValidForm();
    Set(fields, "abuse_type", std::string(type.id));
    Set(fields, "reporter_kind", "person");
    Set(fields, "first_name", "Alice");
    Set(fields, "last_name", "Martin");
    Remove(fields, "email");
    IntakeResult result = Validate(fields);
    if (type.id == "child_sexual_abuse") {
      EXPECT_TRUE(Accepted(result));
    } else {
      EXPECT_EQ(ErrorKeys(result), std::vector<std::string>{"email:required"});
    }
  }
}

TEST(Form, EmailMustBePlausible) {
  for (const char* bad : {"alice", "alice@", "@example.org", "alice@example", "a@b@example.org",
                          "alice smith@example.org", "alice@[192.0.2.1]", "alice..b@example.org",
                          "alice@-example.org"}) {
    SCOPED_TRACE(bad);
    Fields fields = ValidForm();
    Set(fields, "email", bad);
    EXPECT_EQ(ErrorKeys(Validate(fields)), std::vector<std::string>{"email:invalid_email"});
  }
}

TEST(Form, EmailDomainIsNormalised) {
  Fields fields = ValidForm();
  Set(fields, "email", "  Alice.Martin+abuse@Exemple.FR ");
  IntakeResult result = Validate(fields);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->reporter.email, "Alice.Martin+abuse@exemple.fr");

  Set(fields, "email", "élodie@café.example");
  result = Validate(fields);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->reporter.email, "élodie@xn--caf-dma.example");
}

TEST(Form, EmailLongerThan254BytesIsRefused) {
  Fields fields = ValidForm();
  Set(fields, "email",
      "a@" + std::string(62, 'b') + "." + std::string(62, 'c') + "." + std::string(62, 'd') + "." +
          std::string(62, 'e') + ".example");
  IntakeResult result = Validate(fields);
  ASSERT_EQ(ErrorKeys(result), std::vector<std::string>{"email:too_long"});
  EXPECT_EQ(result.errors[0].detail, "254");
}

TEST(Form, ShareEmailIsOffByDefault) {
  Fields fields = ValidForm();
  EXPECT_FALSE(Validate(fields).draft->reporter.share_email);
  Set(fields, "share_email", "on");
  EXPECT_TRUE(Validate(fields).draft->reporter.share_email);
  Set(fields, "share_email", "off");
  EXPECT_FALSE(Validate(fields).draft->reporter.share_email);
}

// --- Reporter: name -----------------------------------------------------------------------

// For every type marked "name": each reporter kind must give its own name fields.
TEST(Form, NameRequiredTypesNeedTheReporterKind) {
  for (const AbuseType& type : AllAbuseTypes()) {
    if (!type.name_required) continue;
    SCOPED_TRACE(std::string(type.id));
    Fields fields = ValidForm();
    Set(fields, "abuse_type", std::string(type.id));
    EXPECT_EQ(ErrorKeys(Validate(fields)), std::vector<std::string>{"reporter_kind:required"});
  }
}

TEST(Form, NameRequiredPersonNeedsFirstAndLastName) {
  Fields fields = ValidForm();
  Set(fields, "abuse_type", "copyright");
  Set(fields, "reporter_kind", "person");
  EXPECT_EQ(ErrorKeys(Validate(fields)),
            (std::vector<std::string>{"first_name:required", "last_name:required"}));

  Set(fields, "first_name", " Alice ");
  Set(fields, "last_name", "Martin");
  IntakeResult result = Validate(fields);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->reporter.kind, ReporterKind::kPerson);
  EXPECT_EQ(result.draft->reporter.name, "Alice Martin");
}

TEST(Form, NameRequiredLegalEntityNeedsLegalFormAndCompanyName) {
  Fields fields = ValidForm();
  Set(fields, "abuse_type", "iptv");
  Set(fields, "reporter_kind", "legal_entity");
  Set(fields, "first_name", "ignored for a company");
  EXPECT_EQ(ErrorKeys(Validate(fields)),
            (std::vector<std::string>{"legal_form:required", "company_name:required"}));

  Set(fields, "legal_form", "SAS");
  Set(fields, "company_name", "Canal Exemple");
  IntakeResult result = Validate(fields);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->reporter.kind, ReporterKind::kLegalEntity);
  EXPECT_EQ(result.draft->reporter.name, "Canal Exemple");
  EXPECT_EQ(result.draft->reporter.legal_form, "SAS");
}

TEST(Form, NameRequiredAuthorityNeedsItsDesignation) {
  Fields fields = ValidForm();
  Set(fields, "abuse_type", "public_security");
  Set(fields, "reporter_kind", "authority");
  EXPECT_EQ(ErrorKeys(Validate(fields)), std::vector<std::string>{"authority_name:required"});

  Set(fields, "authority_name", "Préfecture de police");
  IntakeResult result = Validate(fields);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->reporter.kind, ReporterKind::kAuthority);
  EXPECT_EQ(result.draft->reporter.name, "Préfecture de police");
}

TEST(Form, ReporterKindMustBeOneOfTheThree) {
  Fields fields = ValidForm();
  for (const char* kind : {"machine", "robot"}) {
    Set(fields, "reporter_kind", kind);
    EXPECT_EQ(ErrorKeys(Validate(fields)),
              std::vector<std::string>{"reporter_kind:invalid_choice"});
  }
}

TEST(Form, NameIsOptionalForOtherTypesButKeptWhenGiven) {
  Fields fields = ValidForm();
  Set(fields, "abuse_type", "spam");
  IntakeResult anonymous = Validate(fields);
  ASSERT_TRUE(Accepted(anonymous));
  EXPECT_EQ(anonymous.draft->reporter.name, "");

  Set(fields, "reporter_kind", "person");
  Set(fields, "first_name", "Alice");
  IntakeResult named = Validate(fields);
  ASSERT_TRUE(Accepted(named));
  EXPECT_EQ(named.draft->reporter.name, "Alice");
}

// --- Child sexual abuse: anonymous --------------------------------------------------------

TEST(Form, ChildSexualAbuseMayBeFullyAnonymous) {
  Fields fields = ValidForm();
  Set(fields, "abuse_type", "child_sexual_abuse");
  Remove(fields, "email");
  IntakeResult result = Validate(fields);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->reporter.name, "");
  EXPECT_EQ(result.draft->reporter.email, "");
  EXPECT_FALSE(result.draft->reporter.share_email);
}

TEST(Form, ChildSexualAbuseDropsNameFieldsTheFormDidNotAskFor) {
  Fields fields = ValidForm();
  Set(fields, "abuse_type", "child_sexual_abuse");
  Set(fields, "reporter_kind", "not even valid");
  Set(fields, "first_name", "Alice");
  Set(fields, "last_name", "Martin");
  Set(fields, "company_name", "Exemple SA");
  IntakeResult result = Validate(fields);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->reporter.kind, ReporterKind::kPerson);
  EXPECT_EQ(result.draft->reporter.name, "");
  EXPECT_EQ(result.draft->reporter.legal_form, "");
}

TEST(Form, ChildSexualAbuseKeepsAnEmailGivenForTheAcknowledgement) {
  Fields fields = ValidForm();
  Set(fields, "abuse_type", "child_sexual_abuse");
  IntakeResult result = Validate(fields);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->reporter.email, "alice@example.org");

  Set(fields, "email", "not-an-address");
  EXPECT_EQ(ErrorKeys(Validate(fields)), std::vector<std::string>{"email:invalid_email"});
}

TEST(Form, ShareEmailWithoutEmailIsOff) {
  Fields fields = ValidForm();
  Set(fields, "abuse_type", "child_sexual_abuse");
  Remove(fields, "email");
  Set(fields, "share_email", "on");
  IntakeResult result = Validate(fields);
  ASSERT_TRUE(Accepted(result));
  EXPECT_FALSE(result.draft->reporter.share_email);
}

// --- Description --------------------------------------------------------------------------

TEST(Form, DescriptionIsRequiredAndNotTooShort) {
  Fields fields = ValidForm();
  Set(fields, "description", " \r\n ");
  EXPECT_EQ(ErrorKeys(Validate(fields)), std::vector<std::string>{"description:required"});

  Set(fields, "description", "spam!");
  IntakeResult result = Validate(fields);
  ASSERT_EQ(ErrorKeys(result), std::vector<std::string>{"description:too_short"});
  EXPECT_EQ(result.errors[0].detail, "10");

  // Ten characters, more bytes: characters are what counts.
  Set(fields, "description", "éééééééééé");
  EXPECT_TRUE(Accepted(Validate(fields)));
}

TEST(Form, OversizeDescriptionIsRefused) {
  Fields fields = ValidForm();
  Set(fields, "description", std::string(20000, 'x'));
  EXPECT_TRUE(Accepted(Validate(fields)));

  Set(fields, "description", std::string(20001, 'x'));
  IntakeResult result = Validate(fields);
  ASSERT_EQ(ErrorKeys(result), std::vector<std::string>{"description:too_long"});
  EXPECT_EQ(result.errors[0].detail, "20000");
}

TEST(Form, DescriptionLineEndsAreNormalisedAndMarkupKeptVerbatim) {
  Fields fields = ValidForm();
  Set(fields, "description",
      "  <script>alert('x')</script>\r\nLogs:\r\n\t12:00 GET /login & \"more\"\r\n");
  IntakeResult result = Validate(fields);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->description,
            "<script>alert('x')</script>\nLogs:\n\t12:00 GET /login & \"more\"");
}

TEST(Form, ScriptTagsInNamesAreKeptVerbatim) {
  Fields fields = ValidForm();
  Set(fields, "abuse_type", "copyright");
  Set(fields, "reporter_kind", "person");
  Set(fields, "first_name", "<b>Alice</b>");
  Set(fields, "last_name", "<script>x()</script>");
  IntakeResult result = Validate(fields);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->reporter.name, "<b>Alice</b> <script>x()</script>");
}

// --- Text hygiene -------------------------------------------------------------------------

TEST(Form, InvalidUtf8IsRefusedFieldByField) {
  Fields fields = ValidForm();
  Set(fields, "description", "Latin-1 text: caf\xe9 au lait, not UTF-8");
  Set(fields, "abuse_type", "copyright");
  Set(fields, "reporter_kind", "person");
  Set(fields, "first_name", "Ren\xe9");
  Set(fields, "last_name", "\xc0\xaf");                       // overlong encoding of '/'
  Set(fields, "targets", "192.0.2.1\n\xed\xa0\x80.example");  // a UTF-16 surrogate
  EXPECT_EQ(ErrorKeys(Validate(fields)),
            (std::vector<std::string>{"targets[1]:invalid_utf8", "first_name:invalid_utf8",
                                      "last_name:invalid_utf8", "description:invalid_utf8"}));
}

TEST(Form, ControlCharactersAreRefused) {
  Fields fields = ValidForm();
  Set(fields, "description", std::string("A NUL \0 in the middle of it", 28));
  Set(fields, "email", "alice@example.org\r\nBcc: victim@example.org");
  Set(fields, "abuse_type", "copyright");
  Set(fields, "reporter_kind", "person");
  Set(fields, "first_name", "Alice\x1b[31m");
  Set(fields, "last_name", "Martin\xc2\x85");  // U+0085, a C1 control
  EXPECT_EQ(
      ErrorKeys(Validate(fields)),
      (std::vector<std::string>{"first_name:control_characters", "last_name:control_characters",
                                "email:control_characters", "description:control_characters"}));
}

TEST(Form, TabsAndLineBreaksAreFineInTheDescription) {
  Fields fields = ValidForm();
  Set(fields, "description", "col1\tcol2\nline two\rline three");
  IntakeResult result = Validate(fields);
  ASSERT_TRUE(Accepted(result));
  EXPECT_EQ(result.draft->description, "col1\tcol2\nline two\nline three");
}

TEST(Form, LongNamesAreRefused) {
  Fields fields = ValidForm();
  Set(fields, "abuse_type", "violence");
  Set(fields, "reporter_kind", "legal_entity");
  Set(fields, "legal_form", std::string(101, 'S'));
  Set(fields, "company_name", std::string(201, 'C'));
  EXPECT_EQ(ErrorKeys(Validate(fields)),
            (std::vector<std::string>{"legal_form:too_long", "company_name:too_long"}));
}

// --- Good faith, language, repeated fields -----------------------------------------------

TEST(Form, GoodFaithMustBeTicked) {
  Fields fields = ValidForm();
  Remove(fields, "good_faith");
  EXPECT_EQ(ErrorKeys(Validate(fields)), std::vector<std::string>{"good_faith:required"});
  Set(fields, "good_faith", "off");
  EXPECT_EQ(ErrorKeys(Validate(fields)), std::vector<std::string>{"good_faith:required"});
  for (const char* ticked : {"on", "yes", "1", "true", "ON"}) {
    Set(fields, "good_faith", ticked);
    EXPECT_TRUE(Accepted(Validate(fields))) << ticked;
  }
  // A hidden "off" beside the checkbox is a common pattern.
  fields.emplace_back("good_faith", "off");
  Set(fields, "good_faith", "off");
  fields.emplace_back("good_faith", "on");
  EXPECT_TRUE(Accepted(Validate(fields)));
}

TEST(Form, GoodFaithIsRequiredEvenForAnonymousReports) {
  Fields fields = ValidForm();
  Set(fields, "abuse_type", "child_sexual_abuse");
  Remove(fields, "email");
  Remove(fields, "good_faith");
  EXPECT_EQ(ErrorKeys(Validate(fields)), std::vector<std::string>{"good_faith:required"});
}

TEST(Form, LanguageFallsBackToEnglish) {
  Fields fields = ValidForm();
  Set(fields, "language", "fr-FR");
  EXPECT_EQ(Validate(fields).draft->language, "fr");
  Set(fields, "language", "EN");
  EXPECT_EQ(Validate(fields).draft->language, "en");
  Set(fields, "language", "de");
  EXPECT_EQ(Validate(fields).draft->language, "en");
  Remove(fields, "language");
  EXPECT_EQ(Validate(fields).draft->language, "en");
}

TEST(Form, SingleValuedFieldSentTwiceWithDifferentValuesIsRefused) {
  Fields fields = ValidForm();
  fields.emplace_back("email", "alice@example.org");  // same value again: harmless
  EXPECT_TRUE(Accepted(Validate(fields)));
  fields.emplace_back("email", "mallory@example.org");
  EXPECT_EQ(ErrorKeys(Validate(fields)), std::vector<std::string>{"email:repeated"});
}

// --- All errors at once -------------------------------------------------------------------

TEST(Form, EmptyFormReportsEveryMissingField) {
  IntakeResult result = Validate({});
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(ErrorKeys(result), (std::vector<std::string>{
                                   "targets:required", "abuse_date:required", "abuse_time:required",
                                   "abuse_type:required", "email:required", "description:required",
                                   "good_faith:required"}));
}

TEST(Form, EveryErrorIsCollectedNotJustTheFirst) {
  Fields fields = {
      {"targets", "bad target!\n192.0.2.1"},
      {"abuse_date", "2025-13-01"},
      {"abuse_time", "14:05"},
      {"abuse_zone", "Europe/Paris"},
      {"abuse_type", "scam"},
      {"reporter_kind", "person"},
      {"last_name", "Martin"},
      {"email", "alice(at)example.org"},
      {"description", "short"},
  };
  IntakeResult result = Validate(fields);
  EXPECT_FALSE(result.draft.has_value());
  EXPECT_EQ(ErrorKeys(result),
            (std::vector<std::string>{"targets[0]:invalid_domain", "abuse_date:invalid_date",
                                      "first_name:required", "email:invalid_email",
                                      "description:too_short", "good_faith:required"}));
}

}  // namespace
}  // namespace vigie::intake
