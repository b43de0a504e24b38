#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "reading/formats.h"

namespace vigie::reading {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = VIGIE_CORPUS_DIR;

constexpr std::string_view kReport =
    "---\nReported-From: abuse@feed.example\nCategory: abuse\nReport-Type: login-attack\n"
    "Service: ssh\nVersion: 0.2\nDate: Fri, 31 Jan 2014 07:19:02 +0100\n"
    "Source-Type: ip-address\nSource: 192.0.2.150\nPort: 22\nReport-ID: 42@feed.example\n"
    "Schema-URL: http://www.x-arf.org/schema/abuse_login-attack_0.1.2.json\n";

std::string Mail(std::string_view report_part, std::string_view extra_headers = "X-ARF: yes\n") {
  return "From: abuse@feed.example\nDate: Sat, 1 Feb 2014 00:00:00 +0000\n" +
         std::string(extra_headers) +
         "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"B\"\n\n"
         "--B\nContent-Type: text/plain\n\nYour host attacked ours.\n--B\n" +
         std::string(report_part) + "\n--B--\n";
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

TEST(ParseXArfYaml, ReadsWhatStrictLoadersRefuse) {
  std::vector<MimeHeader> fields = ParseXArfYaml(
      "---\r\nSchema-URL: http: //support.example/schema.json\r\n"
      "Reported-From:\t@abuse@feed.example\r\nComment: 100% sure: it's bad\r\n"
      "Quoted: 'it''s'\r\nStray: \"half\r\nTagged: !!python/unicode 'http://x.example/'\r\n"
      "Source: first\r\nsource: second\r\nAttachment: |\r\n  line one\r\n  line two\r\n"
      "  - not a key: here\r\n...\r\n");
  EXPECT_EQ(FindHeader(fields, "Schema-URL"), "http: //support.example/schema.json");
  EXPECT_EQ(FindHeader(fields, "Reported-From"), "@abuse@feed.example");
  EXPECT_EQ(FindHeader(fields, "Comment"), "100% sure: it's bad");
  EXPECT_EQ(FindHeader(fields, "Quoted"), "it's");
  EXPECT_EQ(FindHeader(fields, "Stray"), "\"half");
  EXPECT_EQ(FindHeader(fields, "Tagged"), "http://x.example/");
  EXPECT_EQ(FindHeader(fields, "Source"), "first");
  EXPECT_EQ(FindHeader(fields, "Attachment"), "line one line two - not a key: here");
  EXPECT_EQ(fields.size(), 8u);
}

TEST(ParseXArfYaml, IgnoresWhatIsNotAKeyValueLine) {
  EXPECT_TRUE(ParseXArfYaml("").empty());
  EXPECT_TRUE(
      ParseXArfYaml("Hello Abuse-Team,\n: nothing\n{\"json\": 1}\n  indented: x\n").empty());
}

TEST(ReadXArf, ReportAttachmentIsOneEvent) {
  Reading reading = Read(Mail("Content-Type: text/plain; charset=utf-8; name=\"report.txt\"\n\n" +
                              std::string(kReport)));
  EXPECT_EQ(reading.format, "x-arf");
  ASSERT_EQ(reading.status, ReadingStatus::kParsed) << reading.reason;
  ASSERT_EQ(reading.events.size(), 1u);
  const Event& event = reading.events[0];
  EXPECT_EQ(TargetsOf(event), std::vector<std::string>{"192.0.2.150"});
  EXPECT_EQ(TimeOf(event), "2014-01-31T07:19:02+01:00");
  EXPECT_EQ(event.abuse_type, "bruteforce");
  EXPECT_EQ(event.source_report_id, "42@feed.example");
  EXPECT_EQ(event.summary, "Category: abuse, Report-Type: login-attack, Service: ssh, Port: 22");
}

TEST(ReadXArf, ReportIsFoundHoweverItIsTypedOrEncoded) {
  // A phishing report in base64, as an octet-stream attachment and without an X-ARF header.
  std::string base64 =
      "LS0tClJlcG9ydGVkLUZyb206IGFidXNlQGZlZWQuZXhhbXBsZQpSZXBvcnQtVHlwZTogcGhpc2hp\n"
      "bmcKU291cmNlLVR5cGU6IHVyaQpTb3VyY2U6IGh0dHA6Ly9iYWQuZXhhbXBsZS9sb2dpbgpEYXRl\n"
      "OiAyMDE1LTEwLTEyVDA2OjQwOjU2KzAwOjAwCg==";
  Reading reading =
      Read(Mail("Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n"
                "Content-Disposition: attachment; filename=\"report.yaml\"\n\n" +
                    base64,
                ""));
  ASSERT_EQ(reading.events.size(), 1u) << reading.reason;
  EXPECT_EQ(TargetsOf(reading.events[0]), std::vector<std::string>{"http://bad.example/login"});
  EXPECT_EQ(reading.events[0].abuse_type, "phishing");
  EXPECT_EQ(TimeOf(reading.events[0]), "2015-10-12T06:40:56Z");

  Reading yaml = Read(Mail("Content-Type: text/x-yaml\n\n" + std::string(kReport)));
  EXPECT_EQ(yaml.events.size(), 1u);
}

TEST(ReadXArf, SourceTypeDecidesHowSourceIsRead) {
  std::string report(kReport);
  report.replace(report.find("Source: 192.0.2.150"), 19, "Source: example.org");
  Reading reading = Read(Mail("Content-Type: text/plain\n\n" + report));
  EXPECT_EQ(reading.status, ReadingStatus::kNeedsHuman);
  EXPECT_EQ(reading.reason, "xarf_without_source");

  report.replace(report.find("ip-address"), 10, "ipv6");
  report.replace(report.find("example.org"), 11, "2001:db8::1");
  ASSERT_EQ(Read(Mail("Content-Type: text/plain\n\n" + report)).events.size(), 1u);
}

TEST(ReadXArf, UnknownReportTypeNeedsAPerson) {
  std::string report(kReport);
  report.replace(report.find("login-attack"), 12, "mystery");
  Reading reading = Read(Mail("Content-Type: text/plain\n\n" + report));
  EXPECT_EQ(reading.status, ReadingStatus::kNeedsHuman);
  EXPECT_EQ(reading.reason, "xarf_unknown_report_type");
  ASSERT_EQ(reading.candidate_targets.size(), 1u);
  EXPECT_EQ(reading.candidate_targets[0].canonical, "192.0.2.150");
}

TEST(ReadXArf, ReportWithoutDateTakesTheMailDate) {
  std::string report(kReport);
  report.replace(report.find("Date:"), 5, "Seen:");
  Reading reading = Read(Mail("Content-Type: text/plain\n\n" + report));
  ASSERT_EQ(reading.events.size(), 1u);
  EXPECT_EQ(TimeOf(reading.events[0]), "2014-02-01T00:00:00Z");
}

TEST(ReadXArf, HeaderWithoutReportNeedsAPerson) {
  Reading reading = Read(Mail("Content-Type: text/plain\n\nno report here\n"));
  EXPECT_EQ(reading.format, "x-arf");
  EXPECT_EQ(reading.reason, "xarf_without_report");
}

TEST(ReadXArf, OtherMailIsNotClaimed) {
  MimeMessage message;
  message.entities.push_back({"text/plain", "", "", false, 0, "Source: 192.0.2.1\n", {}, ""});
  EXPECT_FALSE(ReadXArf(message, ReadingOptions{}).has_value());
}

struct CorpusCase {
  const char* file;
  std::vector<std::string> targets;
  const char* time;
  const char* abuse_type;
  const char* source_report_id;
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream raw;
  raw << in.rdbuf();
  return raw.str();
}

TEST(ReadXArfCorpus, EveryXArfSampleGivesTheEventsAPersonSees) {
  if (!fs::exists(kCorpus / "email")) GTEST_SKIP() << "no corpus at " << kCorpus;
  const CorpusCase cases[] = {
      {"blocklistde/Blocklistde_Example_1.eml",
       {"10.0.2.150"},
       "2014-01-31T07:19:02+01:00",
       "spam",
       "123456789@blocklist.de"},
      {"blocklistde/Blocklistde_Example_2.eml",
       {"fdf1:cb9d:f59e:19b0::33:4f"},
       "2014-01-31T07:19:02+01:00",
       "spam",
       "123456789@blocklist.de"},
      {"cleanmx/Cleanmx_Example_1.eml",
       {"192.168.2.20"},
       "2015-06-07T21:09:11+02:00",
       "spam",
       "91942290@postfix.clean-mx.de"},
      {"cleanmx/Cleanmx_Example_3.eml",
       {"fdf1:cb9d:f59e:19b0:45ff::1"},
       "2015-06-07T21:09:11+02:00",
       "spam",
       "91942290@postfix.clean-mx.de"},
      {"netcraft/Netcraft_Example_4.eml",
       {"http://john-doe.tld/ints.cancellation.form.your.pc.is.now.connected/"
        "to.ituneserver.with.ssl2active.applecustomers.webformlogin2/",
        "john-doe.tld"},
       "2015-10-12T06:40:56Z",
       "phishing",
       "takedown-response+0527363@netcraft.com"},
      {"netcraft/Netcraft_Example_6.eml",
       {"http://www.john-doe.tld/~newhtvzr/files/update/files/others/"
        "ii.php?rand=13InboxLightaspxn.1774256418&fid.4.1252899642&fid=1&fav.1&rand."
        "13InboxLight.aspxn.1774256418&fid.1252899642&fid.1&fav.1&username=&username1=&domain="
        "&.rand=13InboxLight.aspx?n=1774256",
        "john-doe.tld"},
       "2015-10-26T11:27:58Z",
       "phishing",
       "takedown-response+0536145@netcraft.com"},
      {"netcraft/Netcraft_Example_8.eml",
       {"http://www.johndoe.tld/modules/3xt/492fa6b3ede550428e9760cdefb33582/", "johndoe.tld"},
       "2015-10-07T16:18:18Z",
       "phishing",
       "takedown-response+0524495@netcraft.com"},
      {"netcraft/Netcraft_Example_9.eml",
       {"http://www.johndoe.tld/w/www.victim.co.uk/index.php", "johndoe.tld"},
       "2015-10-02T18:16:57Z",
       "phishing",
       "takedown-response+0521829@netcraft.com"},
  };
  for (const CorpusCase& expected : cases) {
    SCOPED_TRACE(expected.file);
    Reading reading = Read(ReadFile(kCorpus / "email/abuseio" / expected.file));
    EXPECT_EQ(reading.format, "x-arf");
    ASSERT_EQ(reading.status, ReadingStatus::kParsed) << reading.reason;
    ASSERT_EQ(reading.events.size(), 1u);
    EXPECT_EQ(TargetsOf(reading.events[0]), expected.targets);
    EXPECT_EQ(TimeOf(reading.events[0]), expected.time);
    EXPECT_EQ(reading.events[0].abuse_type, expected.abuse_type);
    EXPECT_EQ(reading.events[0].source_report_id, expected.source_report_id);
  }
}

TEST(ReadXArfCorpus, WebIronBatchIsOneEventPerReport) {
  fs::path file = kCorpus / "email/abuseio/webiron/Webiron_Example_1.eml";
  if (!fs::exists(file)) GTEST_SKIP() << "no corpus at " << kCorpus;
  Reading reading = Read(ReadFile(file));
  EXPECT_EQ(reading.format, "x-arf");
  ASSERT_EQ(reading.events.size(), 2u);
  for (const Event& event : reading.events) {
    EXPECT_EQ(TargetsOf(event), std::vector<std::string>{"172.16.31.20"});
    EXPECT_EQ(TimeOf(event), "2015-05-15T17:03:11-07:00");
    EXPECT_EQ(event.abuse_type, "malware");
  }
  EXPECT_EQ(reading.events[0].source_report_id, "00000000-aaaa-ffff-3333-83621af9eb12");
  EXPECT_EQ(reading.events[1].source_report_id, "00000000-aaaa-ffff-3333-83621af9eb13");
}

TEST(ReadXArfCorpus, CysconYamlIsNotXArf) {
  fs::path file = kCorpus / "email/abuseio/cyscon/Cyscon_Example_1.eml";
  if (!fs::exists(file)) GTEST_SKIP() << "no corpus at " << kCorpus;
  Result<MimeMessage> message = WalkMime(ReadFile(file), MailLimits{});
  ASSERT_TRUE(message.ok());
  EXPECT_FALSE(ReadXArf(*message, ReadingOptions{}).has_value());
}

}  // namespace
}  // namespace vigie::reading
