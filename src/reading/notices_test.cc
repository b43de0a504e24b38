// XML notices: ACNS in ip-echelon mails, the IODEF samples, Google Safe Browsing mails, and
// hostile documents. The MIME walker is not used: messages are built by hand from the files.
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

// A message whose only entity is the file's text after its header block, with the Date header
// kept: what the walker gives for a single-part mail, close enough for these readers.
MimeMessage MessageFromMail(std::string raw) {
  MimeMessage message;
  raw.erase(std::remove(raw.begin(), raw.end(), '\r'), raw.end());
  size_t blank = raw.find("\n\n");
  std::string head = raw.substr(0, blank);
  size_t date = head.find("\nDate: ");
  if (date != std::string::npos) {
    size_t end = head.find('\n', date + 1);
    message.headers.push_back({"Date", head.substr(date + 7, end - date - 7)});
  }
  MimeEntity body;
  body.content_type = "text/plain";
  body.body = blank == std::string::npos ? "" : raw.substr(blank + 2);
  message.entities.push_back(body);
  return message;
}

std::string Targets(const Event& event) {
  std::string out;
  for (const Target& target : event.targets) out += (out.empty() ? "" : " ") + target.canonical;
  return out;
}

std::string Time(const Event& event) {
  return FormatRfc3339(event.observed.instant, event.observed.offset_minutes);
}

TEST(AcnsCorpus, IpEchelonNoticesInlineInTheText) {
  const auto dir = Corpus() / "email/abuseio/ip-echelon";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no corpus at " << dir;
  struct Expected {
    std::string file, ip, time, case_id;
  };
  const std::vector<Expected> expected = {
      {"ip-echelon_sample3.eml", "192.168.2.100", "2015-11-18T05:02:09Z", "316896986"},
      {"ip-echelon_sample4.eml", "192.168.2.100", "2015-11-17T11:05:41Z", "316273247"},
      {"ip-echelon_sample5.eml", "192.168.2.200", "2015-11-18T11:05:53Z", "317063305"},
      {"ip-echelon_sample7.eml", "192.168.3.2", "2015-11-18T17:46:51Z", "317258954"},
      {"ip-echelon_sample8.eml", "192.168.3.2", "2015-11-27T11:58:43Z", "324415991"},
      {"ip-echelon_sample14.eml", "192.168.3.6", "2015-11-11T12:00:50Z", "312028345"},
  };
  for (const Expected& want : expected) {
    MimeMessage message = MessageFromMail(ReadFile(dir / want.file));
    std::optional<Reading> reading = ReadXmlNotice(message, ReadingOptions{});
    ASSERT_TRUE(reading.has_value()) << want.file;
    EXPECT_EQ(reading->format, "acns") << want.file;
    EXPECT_EQ(reading->status, ReadingStatus::kParsed) << want.file << " " << reading->detail;
    ASSERT_EQ(reading->events.size(), 1u) << want.file;
    const Event& event = reading->events[0];
    EXPECT_EQ(Targets(event), want.ip) << want.file;
    EXPECT_EQ(Time(event), want.time) << want.file;
    EXPECT_EQ(event.abuse_type, "copyright") << want.file;
    EXPECT_EQ(event.source_report_id, want.case_id) << want.file;
  }
}

TEST(AcnsCorpus, EveryIpEchelonMailReadsAsAcns) {
  const auto dir = Corpus() / "email/abuseio/ip-echelon";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no corpus at " << dir;
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    ++seen;
    std::optional<Reading> reading =
        ReadXmlNotice(MessageFromMail(ReadFile(entry.path())), ReadingOptions{});
    ASSERT_TRUE(reading.has_value()) << entry.path();
    EXPECT_EQ(reading->status, ReadingStatus::kParsed) << entry.path();
  }
  EXPECT_EQ(seen, 13);
}

TEST(Acns, AttachedNoticeWithUrlAndTitle) {
  MimeMessage message;
  MimeEntity text;
  text.body = "Dear Sir or Madam, please see the attached notice.";
  message.entities.push_back(text);
  MimeEntity xml;
  xml.content_type = "application/xml";
  xml.filename = "notice.xml";
  xml.attachment = true;
  xml.body =
      "<?xml version=\"1.0\"?><Infringement xmlns=\"http://www.acns.net/ACNS\">"
      "<Case><ID>A-1</ID></Case><Source><TimeStamp>2020-05-01T10:00:00+02:00</TimeStamp>"
      "<IP_Address>198.51.100.4</IP_Address><URL_Base>http://files.example.org/movie.mkv"
      "</URL_Base><Type>HTTP</Type></Source><Content><Item><Title>A Film</Title></Item>"
      "</Content></Infringement>";
  message.entities.push_back(xml);
  std::optional<Reading> reading = ReadXmlNotice(message, ReadingOptions{});
  ASSERT_TRUE(reading.has_value());
  ASSERT_EQ(reading->events.size(), 1u);
  EXPECT_EQ(Targets(reading->events[0]), "http://files.example.org/movie.mkv 198.51.100.4");
  EXPECT_EQ(Time(reading->events[0]), "2020-05-01T10:00:00+02:00");
  EXPECT_EQ(reading->events[0].summary, "HTTP: A Film");
}

TEST(IodefCorpus, ScanAndWormSamples) {
  const auto dir = Corpus() / "iodef";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no corpus at " << dir;
  const Instant arrival = FromUnixSeconds(1700000000);  // 2023-11-14T22:13:20Z

  std::optional<Reading> scan = ReadXmlText(ReadFile(dir / "scan_iodef.xml"), arrival);
  ASSERT_TRUE(scan.has_value());
  EXPECT_EQ(scan->format, "iodef");
  EXPECT_EQ(scan->status, ReadingStatus::kParsed);
  ASSERT_EQ(scan->events.size(), 2u);
  EXPECT_EQ(Targets(scan->events[0]), "192.0.2.200");
  EXPECT_EQ(Targets(scan->events[1]), "192.0.2.240");
  for (const Event& event : scan->events) {
    EXPECT_EQ(Time(event), "2023-11-14T22:13:20Z");  // no time in the document: the arrival
    EXPECT_EQ(event.abuse_type, "bruteforce");       // Impact type="recon"
    EXPECT_EQ(event.source_report_id, "59334");
  }

  std::optional<Reading> worm = ReadXmlText(ReadFile(dir / "worm_iodef.xml"), arrival);
  ASSERT_TRUE(worm.has_value());
  EXPECT_EQ(worm->status, ReadingStatus::kParsed);
  ASSERT_EQ(worm->events.size(), 1u);
  EXPECT_EQ(Targets(worm->events[0]), "192.0.2.200");
  EXPECT_EQ(Time(worm->events[0]), "2001-09-13T18:11:21+02:00");
  EXPECT_EQ(worm->events[0].abuse_type, "bruteforce");  // "Code Red probes"
  EXPECT_EQ(worm->events[0].source_report_id, "189493");
  EXPECT_EQ(worm->events[0].summary, "Host sending out Code Red probes");
}

TEST(Iodef, DescriptionWordsChooseTheType) {
  std::string xml =
      "<IODEF-Document xmlns=\"urn:ietf:params:xml:ns:iodef-1.0\"><Incident purpose=\"reporting\">"
      "<IncidentID name=\"x\">7</IncidentID><DetectTime>2021-01-02T03:04:05Z</DetectTime>"
      "<Description>Phishing site hosted here</Description><EventData><Flow>"
      "<System category=\"source\"><Node><Address category=\"ipv6-addr\">2001:db8::5</Address>"
      "<NodeName>login.example.com</NodeName></Node></System></Flow></EventData>"
      "</Incident></IODEF-Document>";
  std::optional<Reading> reading = ReadXmlText(xml, Instant{});
  ASSERT_TRUE(reading.has_value());
  ASSERT_EQ(reading->events.size(), 1u);
  EXPECT_EQ(reading->events[0].abuse_type, "phishing");
  EXPECT_EQ(Targets(reading->events[0]), "2001:db8::5 login.example.com");
  EXPECT_EQ(Time(reading->events[0]), "2021-01-02T03:04:05Z");
}

TEST(Iodef, UnknownImpactGivesCandidates) {
  std::string xml =
      "<IODEF-Document><Incident><Assessment><Impact type=\"policy\"/></Assessment><EventData>"
      "<Flow><System category=\"source\"><Node><Address>192.0.2.9</Address></Node></System>"
      "</Flow></EventData></Incident></IODEF-Document>";
  std::optional<Reading> reading = ReadXmlText(xml, FromUnixSeconds(1000));
  ASSERT_TRUE(reading.has_value());
  EXPECT_EQ(reading->status, ReadingStatus::kNeedsHuman);
  EXPECT_EQ(reading->reason, "iodef_unknown_type");
  ASSERT_EQ(reading->candidate_targets.size(), 1u);
  EXPECT_EQ(reading->candidate_targets[0].canonical, "192.0.2.9");
}

TEST(SafeBrowsingCorpus, BothSampleMails) {
  const auto dir = Corpus() / "email/abuseio/google";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no corpus at " << dir;
  struct Expected {
    std::string targets, abuse_type;
  };
  const std::vector<std::pair<std::string, std::vector<Expected>>> expected = {
      {"Safe_Browsing_Report_1.eml",
       {{"http://nacions.com/ 10.0.2.23", "malware"},
        {"http://nacions.com/wordpress/ 10.0.2.23", "malware"},
        {"http://nacions.com/gallery2/ 10.0.2.23", "malware"},
        {"http://10.0.2.26:2222/CMD_FILE_MANAGER/domains/derada.com/public_html/wp-content/"
         "themes/econature/framework/class",
         "phishing"},
        {"http://10.0.2.26:2222/CMD_FILE_MANAGER/domains/zacater.com/public_html/wp-content/"
         "plugins/flexicache/_data",
         "phishing"}}},
      {"Safe_Browsing_Report_2.eml",
       {{"http://nacions.com/ fdf1:cb9d:f59e:19b0:ff3:567:0:30", "malware"},
        {"http://nacions.com/wordpress/ fdf1:cb9d:f59e:19b0:ff3:567:0:30", "malware"},
        {"http://nacions.com/gallery2/ fdf1:cb9d:f59e:19b0:ff3:567:0:30", "malware"},
        {"http://[fdf1:cb9d:f59e:19b0:f3:22:0:2]:2222/CMD_FILE_MANAGER/domains/derada.com/"
         "public_html/wp-content/themes/econature/framework/class",
         "phishing"},
        {"http://[fdf1:cb9d:f59e:19b0:f3:22:0:23]:2222/CMD_FILE_MANAGER/domains/zacater.com/"
         "public_html/wp-content/plugins/flexicache/_data",
         "phishing"}}},
  };
  for (const auto& [file, events] : expected) {
    std::optional<Reading> reading =
        ReadXmlNotice(MessageFromMail(ReadFile(dir / file)), ReadingOptions{});
    ASSERT_TRUE(reading.has_value()) << file;
    EXPECT_EQ(reading->format, "safe_browsing");
    EXPECT_EQ(reading->status, ReadingStatus::kParsed) << file;
    ASSERT_EQ(reading->events.size(), events.size()) << file;
    for (size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(Targets(reading->events[i]), events[i].targets) << file << " " << i;
      EXPECT_EQ(reading->events[i].abuse_type, events[i].abuse_type) << file << " " << i;
      EXPECT_EQ(Time(reading->events[i]), "2015-01-01T00:00:00Z") << file << " " << i;
    }
  }
}

TEST(XmlNotices, HostileDocumentsAreRefusedNotFollowed) {
  // An external entity is never fetched or expanded.
  std::string xxe =
      "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
      "<Infringement><Case><ID>&e;</ID></Case><Source><IP_Address>192.0.2.1</IP_Address>"
      "<TimeStamp>2020-01-01T00:00:00Z</TimeStamp></Source></Infringement>";
  std::optional<Reading> reading = ReadXmlText(xxe, Instant{});
  ASSERT_TRUE(reading.has_value());
  if (!reading->events.empty()) {
    EXPECT_EQ(reading->events[0].source_report_id.find("root:"), std::string::npos);
  }

  std::string deep = "<IODEF-Document>";
  for (int i = 0; i < 1000; ++i) deep += "<a>";
  for (int i = 0; i < 1000; ++i) deep += "</a>";
  deep += "</IODEF-Document>";
  reading = ReadXmlText(deep, Instant{});
  ASSERT_TRUE(reading.has_value());
  EXPECT_EQ(reading->reason, "xml_too_deep");

  std::string big = "<notification_message>" + std::string(kMaxXmlBytes, ' ') + "</x>";
  reading = ReadXmlText(big, Instant{});
  ASSERT_TRUE(reading.has_value());
  EXPECT_EQ(reading->reason, "xml_too_large");

  reading = ReadXmlText("<Infringement><Case>", Instant{});
  ASSERT_TRUE(reading.has_value());
  EXPECT_EQ(reading->status, ReadingStatus::kRejected);
  EXPECT_EQ(reading->reason, "xml_invalid");

  reading = ReadXmlText(
      "<notification_message><list type=\"0\"><url_info url=\"http://exa mple.com/\" "
      "ip=\"192.0.2\"/></list></notification_message>",
      Instant{});
  ASSERT_TRUE(reading.has_value());
  EXPECT_EQ(reading->status, ReadingStatus::kNeedsHuman);
  EXPECT_EQ(reading->reason, "safe_browsing_no_target");

  EXPECT_FALSE(ReadXmlText("<html><body>hello</body></html>", Instant{}).has_value());
}

}  // namespace
}  // namespace vigie::reading
