#include "mail/templates.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/abuse_type.h"
#include "core/secrets.h"
#include "mail/mail_test_util.h"
#include "mail/message.h"

namespace vigie::mail {
namespace {

namespace fs = std::filesystem;

const fs::path kTemplateDir = VIGIE_MAIL_TEMPLATE_DIR;
constexpr std::string_view kHostile = "<script>alert(\"x\")</script> & 'quotes' {{reference}}";
constexpr std::string_view kHostileEscaped =
    "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;quotes&apos; {{reference}}";

const MailTemplates& Templates() {
  static const MailTemplates templates = [] {
    Result<MailTemplates> loaded = LoadMailTemplates(kTemplateDir);
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.error().code << ": " << loaded.error().message;
      std::abort();
    }
    return std::move(loaded).value();
  }();
  return templates;
}

// A context with every field set, valid for every kind.
MailContext FullContext() {
  MailContext context;
  context.from = "abuse@provider.example";
  context.from_name = "Provider abuse team";
  context.to = "someone@example.org";
  context.signature = "The Provider abuse team";
  context.reference = "R-2026-0042";
  context.case_id = "C-2026-0007";
  context.abuse_type = "phishing";
  context.status_url = "https://abuse.provider.example/status/R-2026-0042?key=abc&x=1";
  context.portal_url = "https://portal.provider.example/abuse/C-2026-0007";
  context.contest_url = "https://portal.provider.example/abuse/C-2026-0007/contest";
  context.targets = {"192.0.2.10", "https://bank.example.test/login", "café.example"};
  context.abuse_time = ZonedInstant{Instant(std::chrono::seconds(1772370300)), 60, "Europe/Paris"};
  context.deadline = Instant(std::chrono::seconds(1772629500));
  context.reports = {{"A fake bank login page.\nSeen in a spam run.", "first@example.net", false}};
  context.reason = "insufficient_evidence";
  context.staff_message = "Please send the full headers of the spam.";
  context.outcome = "remediated";
  context.refusal_reason = "xarf_invalid";
  context.refusal_detail = "/report/source_port: 9999999 is above the maximum 65535";
  context.refused_subject = "XARF report <4711>";
  context.in_reply_to = "4711@reporter.example";
  return context;
}

Message RenderOrDie(std::string_view kind, std::string_view language, const MailContext& context) {
  Result<Message> rendered = Templates().RenderMail(kind, language, context);
  EXPECT_TRUE(rendered.ok()) << kind << "/" << language << ": " << rendered.error().code << ": "
                             << rendered.error().message;
  return rendered.ok() ? *rendered : Message();
}

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// The text part with its lines joined, as our own sentences are wrapped to fit it.
std::string Unwrapped(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

TEST(MailTemplates, LoadsEnglishAndFrench) {
  EXPECT_EQ(Templates().languages(), (std::vector<std::string>{"en", "fr"}));
}

TEST(MailTemplates, EveryKindRendersInEveryLanguageAndComposes) {
  for (std::string_view kind : MailKinds()) {
    for (std::string_view language : {"en", "fr"}) {
      SCOPED_TRACE(std::string(kind) + "/" + std::string(language));
      Message message = RenderOrDie(kind, language, FullContext());

      EXPECT_EQ(message.language, language);
      EXPECT_EQ(message.to, "someone@example.org");
      EXPECT_FALSE(message.subject.empty());
      EXPECT_EQ(message.subject.find('\n'), std::string::npos);
      std::string id = kind == kNotice ? "C-2026-0007" : "R-2026-0042";
      EXPECT_TRUE(Contains(message.subject, id)) << message.subject;
      EXPECT_TRUE(Contains(message.text, id));
      EXPECT_TRUE(Contains(message.html, id));
      EXPECT_TRUE(Contains(message.html, "<html lang=\"" + std::string(language) + "\">"));
      EXPECT_TRUE(Contains(message.text, "The Provider abuse team"));
      // No tag left unrendered, no blank-line runs from optional sections.
      EXPECT_FALSE(Contains(message.text + message.html + message.subject, "{{"));
      EXPECT_FALSE(Contains(message.text, "\n\n\n"));

      Result<std::string> composed = ComposeRfc5322(message, Now());
      EXPECT_TRUE(composed.ok()) << composed.error().code << ": " << composed.error().message;
    }
  }
}

TEST(MailTemplates, LinksAreEscapedInHtmlOnly) {
  Message message = RenderOrDie(kAcknowledgement, "en", FullContext());
  EXPECT_TRUE(Contains(message.text, "/status/R-2026-0042?key=abc&x=1"));
  EXPECT_TRUE(Contains(message.html,
                       "href=\"https://abuse.provider.example/status/"
                       "R-2026-0042?key=abc&amp;x=1\""));
}

TEST(MailTemplates, ReporterDescriptionIsEscapedInHtmlAndPlainInText) {
  for (std::string_view language : {"en", "fr"}) {
    MailContext context = FullContext();
    context.reports = {{std::string(kHostile), "", false}};
    Message message = RenderOrDie(kNotice, language, context);

    EXPECT_TRUE(Contains(message.html, kHostileEscaped)) << message.html;
    EXPECT_FALSE(Contains(message.html, "<script>"));
    EXPECT_TRUE(Contains(message.text, "> " + std::string(kHostile))) << message.text;
    EXPECT_FALSE(Contains(message.text, "&lt;"));
    EXPECT_FALSE(Contains(message.text, "&amp;"));
  }
}

TEST(MailTemplates, StaffMessageIsEscapedInHtmlAndPlainInText) {
  MailContext context = FullContext();
  context.staff_message = std::string(kHostile);
  Message message = RenderOrDie(kRejection, "fr", context);

  EXPECT_TRUE(Contains(message.html, kHostileEscaped));
  EXPECT_FALSE(Contains(message.html, "<script>"));
  EXPECT_TRUE(Contains(message.text, std::string(kHostile)));
}

TEST(MailTemplates, ReporterEmailAppearsOnlyWhenTheyOptedIn) {
  for (std::string_view language : {"en", "fr"}) {
    SCOPED_TRACE(language);
    MailContext context = FullContext();
    context.reports = {{"First report.", "hidden@example.net", false},
                       {"Second report.", "shared@example.net", true},
                       {"Third report, {{reporter_email}}.", "also-hidden@example.net", false}};
    Message message = RenderOrDie(kNotice, language, context);

    for (const std::string* part : {&message.subject, &message.text, &message.html}) {
      EXPECT_FALSE(Contains(*part, "hidden@example.net"));
      EXPECT_FALSE(Contains(*part, "also-hidden@example.net"));
    }
    EXPECT_TRUE(Contains(message.text, "shared@example.net"));
    EXPECT_TRUE(Contains(message.html, "shared@example.net"));
    EXPECT_TRUE(Contains(message.text, "Third report, {{reporter_email}}."));
    EXPECT_TRUE(Contains(message.text, language == "en" ? "3 reports" : "3 signalements"));
  }
}

TEST(MailTemplates, NoticeShowsTargetsTimesAndDeadline) {
  Message message = RenderOrDie(kNotice, "en", FullContext());
  for (const std::string* part : {&message.text, &message.html}) {
    EXPECT_TRUE(Contains(*part, "192.0.2.10"));
    EXPECT_TRUE(Contains(*part, "https://bank.example.test/login"));
    EXPECT_TRUE(Contains(*part, "café.example"));
    EXPECT_TRUE(Contains(*part, "2026-03-01 14:05:00 UTC+01:00 (Europe/Paris)"));
    EXPECT_TRUE(Contains(*part, "2026-03-01 13:05:00 UTC"));
    EXPECT_TRUE(Contains(*part, "2026-03-04 13:05:00 UTC"));
    EXPECT_TRUE(Contains(*part, "Phishing"));
  }
  EXPECT_TRUE(Contains(message.text, "> A fake bank login page.\n> Seen in a spam run."));
  EXPECT_TRUE(Contains(message.text, "https://portal.provider.example/abuse/C-2026-0007"));
}

TEST(MailTemplates, NoticeWithoutPortalAsksForAReplyByMail) {
  for (std::string_view language : {"en", "fr"}) {
    SCOPED_TRACE(language);
    MailContext context = FullContext();
    context.portal_url.clear();
    context.contest_url.clear();
    Message message = RenderOrDie(kNotice, language, context);
    EXPECT_FALSE(Contains(message.text, "portal.provider.example"));
    EXPECT_TRUE(Contains(message.text, language == "en" ? "by replying to this" : "en répondant"));
    EXPECT_TRUE(Contains(message.html, language == "en" ? "by replying to this" : "en répondant"));
  }
}

TEST(MailTemplates, NoticeAndClosureCarryTheTeamsMessage) {
  for (std::string_view kind : {kNotice, kClosure}) {
    for (std::string_view language : {"en", "fr"}) {
      SCOPED_TRACE(std::string(kind) + " " + std::string(language));
      MailContext context = FullContext();
      context.staff_message = "Please remove /login by Friday.";
      Message message = RenderOrDie(kind, language, context);
      EXPECT_TRUE(Contains(message.text, "> Please remove /login by Friday."));
      EXPECT_TRUE(Contains(message.html, "Please remove /login by Friday."));
    }
  }
}

TEST(MailTemplates, AbuseTypeLabelFollowsTheLanguage) {
  EXPECT_TRUE(Contains(RenderOrDie(kAcknowledgement, "fr", FullContext()).text,
                       std::string(FindAbuseType("phishing")->label_fr)));
  EXPECT_TRUE(Contains(RenderOrDie(kAcknowledgement, "en", FullContext()).text,
                       std::string(FindAbuseType("phishing")->label_en)));
}

TEST(MailTemplates, UnknownLanguageFallsBackToEnglish) {
  Message german = RenderOrDie(kAcknowledgement, "de", FullContext());
  Message english = RenderOrDie(kAcknowledgement, "en", FullContext());
  EXPECT_EQ(german.language, "en");
  EXPECT_EQ(german.subject, english.subject);

  Message canadian = RenderOrDie(kAcknowledgement, "fr-CA", FullContext());
  EXPECT_EQ(canadian.language, "fr");
  EXPECT_EQ(RenderOrDie(kAcknowledgement, "", FullContext()).language, "en");
}

TEST(MailTemplates, EveryRejectionReasonHasASentenceInBothLanguages) {
  for (std::string_view reason : RejectionReasons()) {
    for (std::string_view language : {"en", "fr"}) {
      std::optional<std::string_view> sentence = RejectionReasonText(reason, language);
      ASSERT_TRUE(sentence.has_value()) << reason;
      MailContext context = FullContext();
      context.reason = std::string(reason);
      Message message = RenderOrDie(kRejection, language, context);
      EXPECT_TRUE(Contains(Unwrapped(message.text), *sentence)) << reason << "/" << language;
    }
    EXPECT_NE(*RejectionReasonText(reason, "en"), *RejectionReasonText(reason, "fr"));
  }
}

TEST(MailTemplates, EveryClosureOutcomeHasASentenceInBothLanguages) {
  for (std::string_view outcome : ClosureOutcomes()) {
    for (std::string_view language : {"en", "fr"}) {
      std::optional<std::string_view> sentence = ClosureOutcomeText(outcome, language);
      ASSERT_TRUE(sentence.has_value()) << outcome;
      MailContext context = FullContext();
      context.outcome = std::string(outcome);
      Message message = RenderOrDie(kClosure, language, context);
      EXPECT_TRUE(Contains(Unwrapped(message.text), *sentence)) << outcome << "/" << language;
    }
    EXPECT_NE(*ClosureOutcomeText(outcome, "en"), *ClosureOutcomeText(outcome, "fr"));
  }
}

TEST(MailTemplates, AutomatedDecisionIsStated) {
  MailContext context = FullContext();
  context.automated = true;
  EXPECT_TRUE(Contains(RenderOrDie(kRejection, "en", context).text, "automated means"));
  EXPECT_TRUE(Contains(RenderOrDie(kClosure, "fr", context).text, "traitement automatisé"));
  context.automated = false;
  EXPECT_FALSE(Contains(RenderOrDie(kRejection, "en", context).text, "automated means"));
}

TEST(MailTemplates, TextPartIsWrappedAndOmittedSectionsLeaveNoGap) {
  MailContext context = FullContext();
  context.contest_url.clear();
  context.status_url.clear();
  context.reports.clear();
  for (std::string_view kind : MailKinds()) {
    MailContext for_kind = context;
    if (kind == kAcknowledgement) for_kind.status_url = FullContext().status_url;  // required
    Message message = RenderOrDie(kind, "en", for_kind);
    size_t start = 0;
    while (start < message.text.size()) {
      size_t end = message.text.find('\n', start);
      EXPECT_LE(end - start, 80u) << kind << ": " << message.text.substr(start, end - start);
      start = end + 1;
    }
    EXPECT_FALSE(Contains(message.text, "\n\n\n")) << kind << ":\n" << message.text;
  }

  Message rejection = RenderOrDie(kRejection, "en", context);
  EXPECT_TRUE(Contains(rejection.text, "review the decision.\n- You keep the right"))
      << rejection.text;
  Message notice = RenderOrDie(kNotice, "en", context);
  EXPECT_FALSE(Contains(notice.text, "Reports received"));
  EXPECT_TRUE(Contains(notice.text, "  - café.example\n\nWhat to do")) << notice.text;
}

TEST(MailTemplates, AddsReferenceHeaders) {
  Message message = RenderOrDie(kNotice, "en", FullContext());
  using Header = std::pair<std::string, std::string>;
  EXPECT_EQ(message.extra_headers, (std::vector<Header>{{"Auto-Submitted", "auto-generated"},
                                                        {"X-Vigie-Mail", "notice"},
                                                        {"X-Vigie-Reference", "R-2026-0042"},
                                                        {"X-Vigie-Case", "C-2026-0007"}}));
}

TEST(MailTemplates, RefusesWhatItCannotRender) {
  auto code_of = [](std::string_view kind, const MailContext& context) {
    Result<Message> rendered = Templates().RenderMail(kind, "en", context);
    return rendered.ok() ? std::string("ok") : rendered.error().code;
  };

  EXPECT_EQ(code_of("welcome", FullContext()), "unknown_kind");
  MailContext context = FullContext();
  context.deadline.reset();
  EXPECT_EQ(code_of(kNotice, context), "missing_field");
  context = FullContext();
  context.targets.clear();
  EXPECT_EQ(code_of(kNotice, context), "missing_field");
  context = FullContext();
  context.to.clear();
  EXPECT_EQ(code_of(kClosure, context), "missing_field");
  context = FullContext();
  context.reason = "other";
  context.staff_message.clear();
  EXPECT_EQ(code_of(kRejection, context), "missing_field");
  context = FullContext();
  context.reason = "because";
  EXPECT_EQ(code_of(kRejection, context), "unknown_reason");
  context = FullContext();
  context.outcome = "vanished";
  EXPECT_EQ(code_of(kClosure, context), "unknown_outcome");
  context = FullContext();
  context.abuse_type = "jaywalking";
  EXPECT_EQ(code_of(kAcknowledgement, context), "unknown_abuse_type");
  context = FullContext();
  context.status_url = "javascript:alert(1)";
  EXPECT_EQ(code_of(kAcknowledgement, context), "invalid_url");
}

// A copy of the shipped templates in a temporary directory, to break on purpose.
class BrokenTemplates : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("vigie-mail-templates-" + RandomToken(6));
    fs::copy(kTemplateDir, dir_, fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
};

TEST_F(BrokenTemplates, MissingDirectoryIsAnIoError) {
  Result<MailTemplates> loaded = LoadMailTemplates(dir_ / "nowhere");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, "template_io");
}

TEST_F(BrokenTemplates, MissingEnglishIsRefused) {
  fs::remove_all(dir_ / "en");
  Result<MailTemplates> loaded = LoadMailTemplates(dir_);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, "template_missing");
}

TEST_F(BrokenTemplates, MissingFileIsNamed) {
  fs::remove(dir_ / "fr" / "closure.html.mustache");
  Result<MailTemplates> loaded = LoadMailTemplates(dir_);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, "template_missing");
  EXPECT_TRUE(Contains(loaded.error().message, "closure.html.mustache"));
}

TEST_F(BrokenTemplates, UnparsableTemplateIsNamed) {
  std::ofstream(dir_ / "en" / "notice.txt.mustache") << "{{#targets}} never closed\n";
  Result<MailTemplates> loaded = LoadMailTemplates(dir_);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, "template_invalid");
  EXPECT_TRUE(Contains(loaded.error().message, "notice.txt.mustache"));
}

TEST(MailTemplates, RefusalAnswersTheMailWithTheReasonAndIsMarkedAsAReply) {
  for (const char* language : {"en", "fr"}) {
    Message message = RenderOrDie(kRefusal, language, FullContext());
    EXPECT_TRUE(Contains(message.text, "/report/source_port: 9999999 is above the maximum 65535"))
        << message.text;
    EXPECT_TRUE(Contains(message.text, "xarf_invalid"));
    // The sender's subject is hostile text: escaped in HTML, plain in text.
    EXPECT_TRUE(Contains(message.html, "XARF report &lt;4711&gt;")) << message.html;
    EXPECT_TRUE(Contains(message.text, "XARF report <4711>"));
    auto header = [&message](std::string_view name) {
      for (const auto& [key, value] : message.extra_headers) {
        if (key == name) return value;
      }
      return std::string();
    };
    EXPECT_EQ(header("Auto-Submitted"), "auto-replied");
    EXPECT_EQ(header("In-Reply-To"), "<4711@reporter.example>");
  }
  MailContext without = FullContext();
  without.refusal_detail.clear();
  EXPECT_FALSE(Templates().RenderMail(kRefusal, "en", without).ok());
}

}  // namespace
}  // namespace vigie::mail
