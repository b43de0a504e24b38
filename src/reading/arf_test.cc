#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "reading/formats.h"

namespace vigie::reading {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = VIGIE_CORPUS_DIR;

// A feedback report as a mailbox provider sends one; `report_headers` and `report` make the
// second part, `original` the third (a message/rfc822 unless `original_headers` says else).
std::string Arf(std::string_view report, std::string_view report_headers = "",
                std::string_view original =
                    "From: s@example.net\n"
                    "Message-ID: <orig-1@example.net>\n"
                    "Date: Tue, 2 Jan 2024 10:00:00 +0100\n\nspam\n",
                std::string_view original_headers = "Content-Type: message/rfc822\n") {
  return "From: fbl@isp.example\nDate: Wed, 3 Jan 2024 12:00:00 +0000\n"
         "Subject: complaint\nMIME-Version: 1.0\n"
         "Content-Type: multipart/report; report-type=feedback-report; boundary=\"B\"\n\n"
         "--B\nContent-Type: text/plain\n\nA complaint.\n--B\n"
         "Content-Type: message/feedback-report\n" +
         std::string(report_headers) + "\n" + std::string(report) + "\n--B\n" +
         std::string(original_headers) + "\n" + std::string(original) + "\n--B--\n";
}

Reading Read(std::string_view raw) {
  ReadingOptions options;
  options.received_at = FromUnixSeconds(1'700'000'000);
  return ReadMail(raw, options);
}

std::vector<std::string> TargetsOf(const Event& event) {
  std::vector<std::string> out;
  for (const Target& target : event.targets) out.push_back(target.canonical);
  return out;
}

std::string TimeOf(const Event& event) {
  return FormatRfc3339(event.observed.instant, event.observed.offset_minutes);
}

TEST(ParseFeedbackFields, UnfoldsAndStopsAtTheFirstEmptyLine) {
  std::vector<MimeHeader> fields = ParseFeedbackFields(
      "\r\nFeedback-Type: abuse\r\nAuthentication-Results: mx.example;\r\n  spf=fail\r\n"
      "not a field\r\nsource-ip: 192.0.2.1\r\n\r\nAfter: ignored\r\n");
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(FindHeader(fields, "Authentication-Results"), "mx.example; spf=fail");
  EXPECT_EQ(FindHeader(fields, "Source-IP"), "192.0.2.1");
  EXPECT_EQ(FindHeader(fields, "After"), "");
}

TEST(ReadArf, AbuseReportIsOneSpamEvent) {
  Reading reading =
      Read(Arf("Feedback-Type: abuse\nUser-Agent: ExampleFBL/1.0\nVersion: 1\n"
               "Arrival-Date: Tue, 2 Jan 2024 10:05:00 +0100\nSource-IP: 192.0.2.7\n"
               "Reported-Domain: sender.example\nReported-URI: http://shop.example/buy\n"
               "Reported-URI: mailto:x@example.com\n"));
  EXPECT_EQ(reading.format, "arf");
  ASSERT_EQ(reading.status, ReadingStatus::kParsed) << reading.reason;
  ASSERT_EQ(reading.events.size(), 1u);
  const Event& event = reading.events[0];
  EXPECT_EQ(TargetsOf(event),
            (std::vector<std::string>{"192.0.2.7", "shop.example", "sender.example"}));
  EXPECT_EQ(TimeOf(event), "2024-01-02T10:05:00+01:00");
  EXPECT_EQ(event.abuse_type, "spam");
  EXPECT_EQ(event.source_report_id, "orig-1@example.net");
  EXPECT_EQ(event.summary, "Feedback-Type: abuse, User-Agent: ExampleFBL/1.0");
}

TEST(ReadArf, EncodedReportPartsAreRead) {
  // "Feedback-Type: abuse\nSource-IP: 192.0.2.8\n" in base64, then quoted-printable.
  Reading base64 = Read(Arf("RmVlZGJhY2stVHlwZTogYWJ1c2UKU291cmNlLUlQOiAxOTIuMC4yLjgK",
                            "Content-Transfer-Encoding: base64\n"));
  ASSERT_EQ(base64.events.size(), 1u);
  EXPECT_EQ(TargetsOf(base64.events[0]), std::vector<std::string>{"192.0.2.8"});
  Reading quoted = Read(Arf("Feedback-Type: ab=\nuse\nSource-IP: 192.0.2=2E8\n",
                            "Content-Transfer-Encoding: quoted-printable\n"));
  ASSERT_EQ(quoted.events.size(), 1u);
  EXPECT_EQ(TargetsOf(quoted.events[0]), std::vector<std::string>{"192.0.2.8"});
  EXPECT_EQ(quoted.events[0].abuse_type, "spam");
}

TEST(ReadArf, LowerCaseFieldsOldVersionAndIpv6AreRead) {
  Reading reading =
      Read(Arf("feedback-type: abuse\nversion: 0.1\nsource-ip: 2001:DB8:0:0::25\n"
               "received-date: Tue, 2 Jan 2024 09:00:00 GMT\n"));
  ASSERT_EQ(reading.events.size(), 1u);
  EXPECT_EQ(TargetsOf(reading.events[0]), std::vector<std::string>{"2001:db8::25"});
  EXPECT_EQ(TimeOf(reading.events[0]), "2024-01-02T09:00:00Z");
}

TEST(ReadArf, MissingSourceIpFallsBackToTheFirstPublicReceivedHop) {
  std::string original =
      "Received: from localhost (localhost [127.0.0.1]) by mx.isp.example\n"
      "Received: from relay (relay [10.1.2.3]) by mx.isp.example\n"
      "Received: from mail.sender.example (mail.sender.example [IPv6:2001:db8::9])\n"
      "  by relay.isp.example (198.51.100.1) with ESMTP\n"
      "Received: from origin (origin [203.0.113.5]) by mail.sender.example\n"
      "Date: Tue, 2 Jan 2024 08:00:00 +0000\n\nbody\n";
  Reading reading = Read(Arf("Feedback-Type: abuse\n", "", original));
  ASSERT_EQ(reading.events.size(), 1u);
  EXPECT_EQ(TargetsOf(reading.events[0]), std::vector<std::string>{"2001:db8::9"});
  EXPECT_EQ(TimeOf(reading.events[0]), "2024-01-02T08:00:00Z");
  EXPECT_EQ(reading.events[0].source_report_id, "");

  Reading headers_only =
      Read(Arf("Feedback-Type: abuse\n", "", "Received: from x (x [198.51.100.20]) by y\n",
               "Content-Type: text/rfc822-headers\n"));
  ASSERT_EQ(headers_only.events.size(), 1u);
  EXPECT_EQ(TargetsOf(headers_only.events[0]), std::vector<std::string>{"198.51.100.20"});
}

TEST(ReadArf, TimeFallsBackToTheOuterDateThenTheArrival) {
  Reading outer = Read(Arf("Feedback-Type: abuse\nSource-IP: 192.0.2.1\n", "", "X: y\n\nz\n"));
  ASSERT_EQ(outer.events.size(), 1u);
  EXPECT_EQ(TimeOf(outer.events[0]), "2024-01-03T12:00:00Z");

  std::string undated = Arf("Feedback-Type: abuse\nSource-IP: 192.0.2.1\n", "", "X: y\n\nz\n");
  undated.replace(undated.find("Date:"), 4, "Xate");
  Reading arrival = Read(undated);
  ASSERT_EQ(arrival.events.size(), 1u);
  EXPECT_EQ(TimeOf(arrival.events[0]), "2023-11-14T22:13:20Z");
}

TEST(ReadArf, MissingClosingBoundaryAndBareCrAreRead) {
  std::string open = Arf("Feedback-Type: abuse\nSource-IP: 192.0.2.3\n");
  open.resize(open.rfind("--B--"));
  ASSERT_EQ(Read(open).events.size(), 1u);

  std::string bare_cr = Arf("Feedback-Type: abuse\nSource-IP: 192.0.2.4\n");
  for (char& c : bare_cr) c = c == '\n' ? '\r' : c;
  Reading reading = Read(bare_cr);
  ASSERT_EQ(reading.events.size(), 1u);
  EXPECT_EQ(TargetsOf(reading.events[0]), std::vector<std::string>{"192.0.2.4"});
  EXPECT_EQ(reading.events[0].source_report_id, "orig-1@example.net");
}

TEST(ReadArf, FeedbackTypesMapToAbuseTypes) {
  auto type_of = [](std::string_view feedback_type) {
    Reading reading =
        Read(Arf("Feedback-Type: " + std::string(feedback_type) + "\nSource-IP: 192.0.2.1\n"));
    return reading.events.empty() ? reading.reason : reading.events[0].abuse_type;
  };
  EXPECT_EQ(type_of("fraud"), "phishing");
  EXPECT_EQ(type_of("virus"), "virus");
  EXPECT_EQ(type_of("other"), "spam");
  EXPECT_EQ(type_of("opt-out"), "spam");
  EXPECT_EQ(type_of("not-spam"), "not_spam_feedback");
  EXPECT_EQ(type_of("auth-failure"), "auth_failure_report");

  std::string phishing = Arf("Feedback-Type: other\nSource-IP: 192.0.2.1\n");
  phishing.replace(phishing.find("A complaint."), 12, "A phishing attempt.");
  ASSERT_EQ(Read(phishing).events.size(), 1u);
  EXPECT_EQ(Read(phishing).events[0].abuse_type, "phishing");
}

TEST(ReadArf, IgnoredReportsSayWhy) {
  Reading reading = Read(Arf("Feedback-Type: not-spam\nSource-IP: 192.0.2.1\n"));
  EXPECT_EQ(reading.format, "arf");
  EXPECT_EQ(reading.status, ReadingStatus::kIgnored);
  EXPECT_TRUE(reading.events.empty());
}

TEST(ReadArf, ReportWithoutSourceNeedsAPerson) {
  Reading reading = Read(Arf("Feedback-Type: abuse\nReported-Domain: sender.example\n", "",
                             "Received: from internal ([192.168.1.1]) by mx\n\nbody\n"));
  EXPECT_EQ(reading.format, "arf");
  EXPECT_EQ(reading.status, ReadingStatus::kNeedsHuman);
  EXPECT_EQ(reading.reason, "arf_without_source");
  ASSERT_EQ(reading.candidate_targets.size(), 1u);
  EXPECT_EQ(reading.candidate_targets[0].canonical, "sender.example");
}

TEST(ReadArf, TheRecipientsOwnDomainIsNotATarget) {
  Reading reading = Read(
      Arf("Feedback-Type: abuse\nSource-IP: 192.0.2.1\nOriginal-Rcpt-To: someone@mailbox.example\n"
          "Original-Mail-From: news@sender.example\nReported-Domain: mailbox.example\n"));
  ASSERT_EQ(reading.events.size(), 1u);
  EXPECT_EQ(TargetsOf(reading.events[0]), std::vector<std::string>{"192.0.2.1"});
}

TEST(ReadArf, AReportPartAloneIsEnough) {
  MimeMessage message;
  message.content_type = "multipart/mixed";
  message.entities.push_back({"message/feedback-report",
                              "",
                              "",
                              false,
                              1,
                              "Feedback-Type: abuse\nSource-IP: 192.0.2.9\n",
                              {},
                              ""});
  std::optional<Reading> reading = ReadArf(message, ReadingOptions{});
  ASSERT_TRUE(reading.has_value());
  ASSERT_EQ(reading->events.size(), 1u);

  message.entities[0].content_type = "text/plain";
  EXPECT_FALSE(ReadArf(message, ReadingOptions{}).has_value());
}

struct CorpusCase {
  const char* file;
  std::vector<std::string> targets;
  const char* time;
  const char* source_report_id;
};

// What a person reading each report takes from it.
const CorpusCase kCorpusCases[] = {
    {"email/abuseio/feedback-loop/AOL_example_1.eml",
     {"10.17.18.1", "server.domain5.tld"},
     "2016-01-19T14:32:40-05:00",
     "20160119143236.14076@une.com.co"},
    {"email/abuseio/feedback-loop/Bluetie_example_1.eml",
     {"10.17.18.3"},
     "2016-01-16T06:10:14Z",
     "f690adc-cf090-87@domain3.tld"},
    {"email/abuseio/feedback-loop/Yahoo_example_1.eml",
     {"10.17.18.25"},
     "2016-01-18T23:57:24Z",
     nullptr},
    {"email/abuseio/feedback-loop/Zoho_example_1.eml",
     {"10.17.18.28"},
     "2015-09-07T08:58:04-07:00",
     nullptr},
    {"email/abuseio/feedback-loop/USANet_example_1.eml",
     {"10.17.18.23", "kjo.com.sa"},
     "2015-10-14T06:59:38Z",
     nullptr},
    {"email/abuseio/spamexperts/1.eml", {"172.16.10.13"}, "2015-08-04T08:51:18Z", nullptr},
    {"email/abuseio/spamexperts/11.eml",
     {"fdf1:cb9d:f59e:19b0::122"},
     "2015-08-04T11:01:12Z",
     nullptr},
    {"email/email-arf/example2.msg",
     {"10.67.41.167", "example.net"},
     "2005-03-08T14:00:00-04:00",
     nullptr},
    {"email/sisimai/bsd/arf-01.eml", {"192.0.2.89", "example.ed.jp"}, "2009-04-29T00:00:00Z", ""},
    {"email/sisimai/bsd/arf-02.eml",
     {"192.0.2.8", "example.com"},
     "2013-04-29T23:45:50-08:00",
     "000000000000000000000000.smtp@example.com"},
    {"email/sisimai/bsd/arf-11.eml", {"192.0.2.2"}, "2006-04-09T23:34:45+09:00", nullptr},
    {"email/sisimai/bsd/arf-15.eml", {"192.0.2.222"}, "2015-04-29T23:34:45Z", nullptr},
    {"email/sisimai/mac/arf-01.eml", {"192.0.2.89", "example.ed.jp"}, "2009-04-29T00:00:00Z", ""},
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream raw;
  raw << in.rdbuf();
  return raw.str();
}

TEST(ReadArfCorpus, FeedbackReportsGiveTheEventsAPersonSees) {
  if (!fs::exists(kCorpus / "email")) GTEST_SKIP() << "no corpus at " << kCorpus;
  for (const CorpusCase& expected : kCorpusCases) {
    SCOPED_TRACE(expected.file);
    Reading reading = Read(ReadFile(kCorpus / expected.file));
    EXPECT_EQ(reading.format, "arf");
    ASSERT_EQ(reading.status, ReadingStatus::kParsed) << reading.reason;
    ASSERT_EQ(reading.events.size(), 1u);
    EXPECT_EQ(TargetsOf(reading.events[0]), expected.targets);
    EXPECT_EQ(TimeOf(reading.events[0]), expected.time);
    EXPECT_EQ(reading.events[0].abuse_type, "spam");
    if (expected.source_report_id != nullptr) {
      EXPECT_EQ(reading.events[0].source_report_id, expected.source_report_id);
    }
  }
}

TEST(ReadArfCorpus, AuthFailureAndSourcelessReportsAreNotEvents) {
  if (!fs::exists(kCorpus / "email")) GTEST_SKIP() << "no corpus at " << kCorpus;
  for (const char* file : {"email/sisimai/bsd/arf-18.eml", "email/sisimai/bsd/arf-19.eml",
                           "email/sisimai/bsd/arf-20.eml"}) {
    Reading reading = Read(ReadFile(kCorpus / file));
    EXPECT_EQ(reading.status, ReadingStatus::kIgnored) << file;
    EXPECT_EQ(reading.reason, "auth_failure_report") << file;
  }
  // An opt-out request whose original only shows a private relay.
  Reading reading = Read(ReadFile(kCorpus / "email/email-arf/example1.msg"));
  EXPECT_EQ(reading.status, ReadingStatus::kNeedsHuman);
  EXPECT_EQ(reading.reason, "arf_without_source");
}

TEST(ReadArfCorpus, EveryFeedbackLoopSampleIsParsed) {
  fs::path dir = kCorpus / "email/abuseio/feedback-loop";
  if (!fs::exists(dir)) GTEST_SKIP() << "no corpus at " << kCorpus;
  for (const fs::directory_entry& file : fs::directory_iterator(dir)) {
    Reading reading = Read(ReadFile(file.path()));
    EXPECT_EQ(reading.status, ReadingStatus::kParsed) << file.path();
    EXPECT_EQ(reading.events.size(), 1u) << file.path();
  }
}

}  // namespace
}  // namespace vigie::reading
