// Free text: candidates from hostile hand-written text and HTML, and from the corpus mails that
// no format claims.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "reading/formats.h"

namespace vigie::reading {
namespace {

std::filesystem::path Corpus() {
  if (const char* env = std::getenv("VIGIE_CORPUS_DIR")) return env;
  return VIGIE_CORPUS_DIR;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> TargetsOf(const Reading& reading) {
  std::vector<std::string> out;
  for (const Target& target : reading.candidate_targets) out.push_back(target.canonical);
  return out;
}

std::vector<std::string> TimesOf(const Reading& reading) {
  std::vector<std::string> out;
  for (const ZonedInstant& time : reading.candidate_times) {
    out.push_back(FormatRfc3339(time.instant, time.offset_minutes));
  }
  return out;
}

MimeMessage TextMessage(std::string content_type, std::string body, std::string subject = "") {
  MimeMessage message;
  if (!subject.empty()) message.headers.push_back({"Subject", subject});
  MimeEntity entity;
  entity.content_type = std::move(content_type);
  entity.body = std::move(body);
  message.entities.push_back(std::move(entity));
  return message;
}

TEST(FreeText, DefangedUrlsAddressesAndPunctuation) {
  Reading reading;
  ExtractCandidates(
      "Phishing kit at hxxps://login-bank[.]example[.]com/secure?id=1, also seen on "
      "(198.51.100.23). The IPv6 fe80::1%eth0 is link-local; 2001:db8::42%eth0 is not. "
      "Mirror: http://evil.example.org/a.html. Host bad-site(.)com! Our mail is "
      "abuse@provider.example.com; see invoice.pdf and archive.zip, 127.0.0.1, 10.0.0.1:8080, "
      "999.1.1.1, and again 198.51.100.23.",
      reading);
  EXPECT_EQ(TargetsOf(reading),
            (std::vector<std::string>{"https://login-bank.example.com/secure?id=1", "198.51.100.23",
                                      "2001:db8::42", "http://evil.example.org/a.html",
                                      "bad-site.com", "10.0.0.1"}));
  EXPECT_EQ(reading.suggested_abuse_type, "phishing");
}

TEST(FreeText, TimesNeedAZone) {
  Reading reading;
  ExtractCandidates(
      "First seen 2024-03-01T10:15:00Z, again 2024-03-01 12:00:00 +0100, then "
      "Fri, 1 Mar 2024 14:30:00 GMT and 01/03/2024 16:45 UTC. Not these: 2024-03-01 18:00, "
      "01/03/2024 19:00, 2024-13-45T99:00:00Z.",
      reading);
  EXPECT_EQ(TimesOf(reading),
            (std::vector<std::string>{"2024-03-01T10:15:00Z", "2024-03-01T12:00:00+01:00",
                                      "2024-03-01T14:30:00Z", "2024-03-01T16:45:00Z"}));
}

TEST(FreeText, FrenchKeywords) {
  Reading reading;
  ExtractCandidates("Bonjour, un site d'hameçonnage imite notre banque : hxxp://banque[.]example",
                    reading);
  EXPECT_EQ(reading.suggested_abuse_type, "phishing");
  Reading spam;
  ExtractCandidates("Nous recevons du pourriel depuis 192.0.2.8, encore du pourriel.", spam);
  EXPECT_EQ(spam.suggested_abuse_type, "spam");
  Reading copyright;
  ExtractCandidates("Atteinte au droit d'auteur sur http://films.example.net/x", copyright);
  EXPECT_EQ(copyright.suggested_abuse_type, "copyright");
}

TEST(FreeText, ChildAbuseMaterialIsNeverOutranked) {
  Reading reading;
  ExtractCandidates("spam spam spam spam: this site hosts child sexual abuse material", reading);
  EXPECT_EQ(reading.suggested_abuse_type, "child_sexual_abuse");
}

TEST(FreeText, HtmlWithScriptStyleAndLinks) {
  std::string html =
      "<html><head><style>a { background: url(http://style.example.com/x.png) }</style>"
      "<script>var u = 'http://script.example.com/'; if (a < b) {}</script></head>"
      "<body><p>Fake login at <a href=\"https://fake&#46;example.net/login?a=1&amp;b=2\">here"
      "</a></p><!-- http://comment.example.com/ --><div>from 203.0.113.9&nbsp;on "
      "2024-02-02 10:00:00 UTC</div></body></html>";
  std::string text = HtmlToText(html);
  EXPECT_EQ(text.find("script.example.com"), std::string::npos);
  EXPECT_EQ(text.find("style.example.com"), std::string::npos);
  EXPECT_EQ(text.find("comment.example.com"), std::string::npos);

  Reading reading = ReadFreeText(TextMessage("text/html", html), ReadingOptions{});
  EXPECT_EQ(reading.format, "free_text");
  EXPECT_EQ(reading.status, ReadingStatus::kNeedsHuman);
  EXPECT_EQ(reading.reason, "free_text");
  EXPECT_EQ(TargetsOf(reading),
            (std::vector<std::string>{"https://fake.example.net/login?a=1&b=2", "203.0.113.9"}));
  EXPECT_EQ(TimesOf(reading), (std::vector<std::string>{"2024-02-02T10:00:00Z"}));
}

TEST(FreeText, LimitsHold) {
  std::string text;
  for (int i = 0; i < 300; ++i) {
    text += "192.0." + std::to_string(i / 250) + "." + std::to_string(1 + i % 250) + " ";
    text += "2024-01-01 00:" + std::string(i % 60 < 10 ? "0" : "") + std::to_string(i % 60) +
            ":00 UTC ";
  }
  Reading reading;
  ExtractCandidates(text, reading);
  EXPECT_EQ(reading.candidate_targets.size(), 100u);
  EXPECT_EQ(reading.candidate_times.size(), 20u);

  Reading hostile;
  ExtractCandidates(std::string(100000, '<') + std::string(100000, '['), hostile);
  EXPECT_TRUE(hostile.candidate_targets.empty());
  EXPECT_EQ(HtmlToText("<script>never closed"), "");
}

TEST(FreeTextCorpus, ProjectHoneyPotMonitorReport) {
  const auto path = Corpus() / "email/abuseio/projecthoneypot/Projecthoneypot_Example_free_1.eml";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no corpus at " << path;
  std::string raw = ReadFile(path);
  Reading reading =
      ReadFreeText(TextMessage("text/plain", raw.substr(raw.find("\n\n"))), ReadingOptions{});
  std::vector<std::string> targets = TargetsOf(reading);
  for (std::string ip : {"10.0.2.1", "10.0.2.2", "10.0.2.3", "10.0.2.4", "10.0.2.5"}) {
    EXPECT_NE(std::find(targets.begin(), targets.end(), ip), targets.end()) << ip;
  }
  EXPECT_NE(std::find(targets.begin(), targets.end(),
                      "http://www.projecthoneypot.org/monitor_report.php"),
            targets.end());
  EXPECT_EQ(reading.suggested_abuse_type, "spam");
}

TEST(FreeTextCorpus, CopyrightComplianceNotice) {
  const auto path =
      Corpus() / "email/abuseio/copyrightcompliance/Copyrightcompliance_Example_1.eml";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no corpus at " << path;
  std::string raw = ReadFile(path);
  Reading reading =
      ReadFreeText(TextMessage("text/plain", raw.substr(raw.find("\n\n"))), ReadingOptions{});
  std::vector<std::string> targets = TargetsOf(reading);
  EXPECT_NE(std::find(targets.begin(), targets.end(), "10.0.2.100"), targets.end());
  std::vector<std::string> times = TimesOf(reading);
  EXPECT_NE(std::find(times.begin(), times.end(), "2015-09-04T13:19:53Z"), times.end());
  EXPECT_EQ(reading.suggested_abuse_type, "copyright");
}

TEST(FreeTextCorpus, EveryMailGivesABoundedReading) {
  const auto dir = Corpus() / "email";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no corpus at " << dir;
  size_t mails = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    ++mails;
    Reading reading =
        ReadFreeText(TextMessage("text/plain", ReadFile(entry.path())), ReadingOptions{});
    EXPECT_LE(reading.candidate_targets.size(), 100u) << entry.path();
    EXPECT_LE(reading.candidate_times.size(), 20u) << entry.path();
  }
  EXPECT_GT(mails, 30u);
}

}  // namespace
}  // namespace vigie::reading
