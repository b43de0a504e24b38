// Shadowserver CSV: the reader on hand-made edge cases, every corpus file, and the entry point
// on messages built by hand (the MIME walker is tested on its own).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "reading/formats.h"

namespace vigie::reading {
namespace {

std::string CorpusDir() {
  if (const char* env = std::getenv("VIGIE_CORPUS_DIR")) return env;
  return VIGIE_CORPUS_DIR;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// "target target" as one string, for compact expectations.
std::string TargetsOf(const Event& event) {
  std::string out;
  for (const Target& target : event.targets) out += (out.empty() ? "" : " ") + target.canonical;
  return out;
}

struct ExpectedEvent {
  std::string targets;
  std::string observed;
  std::string abuse_type;
};

FeedOptions OptionsWithArrival() {
  FeedOptions options;
  options.received_at = FromUnixSeconds(1700000000);  // 2023-11-14T22:13:20Z
  return options;
}

TEST(ShadowserverCsv, QuotesDoubledQuotesCrlfAndBom) {
  std::string csv =
      "\xEF\xBB\xBF\"timestamp\",\"ip\",\"protocol\",\"port\",\"tag\"\r\n"
      "\"2015-01-01 00:00:00\",\"192.0.2.1\",\"udp\",123,\"say \"\"hi\"\", there\"\r\n"
      "\r\n"
      "2015-01-01 00:00:05,2001:DB8::1,tcp,22,\"multi\nline\"\n";
  std::vector<Event> events;
  FeedStats stats;
  ASSERT_TRUE(ParseShadowserverCsv(csv, "scan_ntp", FeedOptions{}, events, &stats).ok());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(stats.rows, 2u);
  EXPECT_EQ(TargetsOf(events[0]), "192.0.2.1");
  EXPECT_EQ(FormatRfc3339(events[0].observed.instant), "2015-01-01T00:00:00Z");
  EXPECT_EQ(events[0].abuse_type, "security_flaw");
  EXPECT_EQ(events[0].summary, "scan_ntp port 123/udp say \"hi\", there");
  EXPECT_EQ(TargetsOf(events[1]), "2001:db8::1");
  EXPECT_EQ(events[1].summary, "scan_ntp port 22/tcp multi line");
}

TEST(ShadowserverCsv, BadRowsAreSkippedAndCountedNotFatal) {
  std::string csv =
      "timestamp,ip,port\n"
      "2015-01-01 00:00:00,192.0.2.1,1\n"
      "2015-01-01 00:00:00,not an ip,1\n"
      "yesterday,192.0.2.2,1\n"
      "2015-01-01 00:00:00,192.0.2.3\n"          // ragged: one cell short
      "2015-01-01 00:00:00,192.0.2.4,1,extra\n"  // ragged: one cell more
      "\"2015-01-01 00:00:00\",\"192.0.2.5";     // unterminated quote
  std::vector<Event> events;
  FeedStats stats;
  ASSERT_TRUE(ParseShadowserverCsv(csv, "scan_ntp", FeedOptions{}, events, &stats).ok());
  EXPECT_EQ(stats.rows, 6u);
  EXPECT_EQ(stats.skipped, 2u);
  EXPECT_EQ(stats.ragged, 3u);
  EXPECT_EQ(stats.first_skip, "line 3: no usable address");
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(TargetsOf(events[3]), "192.0.2.5");
}

TEST(ShadowserverCsv, StopsAtMaxEvents) {
  std::string csv = "timestamp,ip\n";
  for (int i = 1; i <= 10; ++i) csv += "2015-01-01 00:00:00,192.0.2." + std::to_string(i) + "\n";
  FeedOptions options;
  options.max_events = 4;
  std::vector<Event> events;
  Status status = ParseShadowserverCsv(csv, "scan_ntp", options, events);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "too_many_events");
  EXPECT_EQ(events.size(), 4u);
}

TEST(ShadowserverCsv, RowsWithoutTimeColumnNeedAnArrivalTime) {
  std::string csv = "md5hash,url\nabc,http://192.0.2.9/x.exe\n";
  std::vector<Event> events;
  FeedStats stats;
  ASSERT_TRUE(ParseShadowserverCsv(csv, "honeypot_url", FeedOptions{}, events, &stats).ok());
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(stats.skipped, 1u);
  ASSERT_TRUE(ParseShadowserverCsv(csv, "honeypot_url", OptionsWithArrival(), events).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(FormatRfc3339(events[0].observed.instant), "2023-11-14T22:13:20Z");
}

TEST(ShadowserverReportNames, FromFileNamesAndSubjects) {
  EXPECT_EQ(ShadowserverReportName("2019-10-15-scan_ftp-sample-asn.csv"), "scan_ftp");
  EXPECT_EQ(ShadowserverReportName("2019-10-15-scan_ftp-sample-asn.csv.zip"), "scan_ftp");
  EXPECT_EQ(ShadowserverReportName("2015-01-01-scan_nat_pmp-sample-asn.csv"), "scan_nat_pmp");
  EXPECT_EQ(ShadowserverReportName("open-chargen.csv"), "open_chargen");
  EXPECT_EQ(ShadowserverReportName("event4_honeypot_brute_force.csv"),
            "event4_honeypot_brute_force");
  EXPECT_EQ(ShadowserverReportName("[SAMPLE] Shadowserver scan_ftp-sample Report: 2019-10-15"),
            "scan_ftp");
  EXPECT_EQ(ShadowserverReportName("2020-01-01-population_bgp-asn.csv"), "population_bgp");
  EXPECT_EQ(FindShadowserverReport("2020-01-01-population_bgp-asn.csv"), nullptr);
  EXPECT_EQ(ShadowserverReportName(""), "");
  ASSERT_NE(FindShadowserverReport("scan_ntp"), nullptr);
  EXPECT_EQ(FindShadowserverReport("scan_ntp")->abuse_type, "security_flaw");
  EXPECT_TRUE(FindShadowserverReport("event4_honeypot_ddos_amp")->victims);
}

// Every corpus CSV: read without error, with the data rows and events counted.
TEST(ShadowserverCorpus, EveryFileReadsWithItsRowCount) {
  const std::filesystem::path dir = std::filesystem::path(CorpusDir()) / "shadowserver";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no corpus at " << dir;
  struct Count {
    std::string file;
    size_t rows;
    size_t events;
  };
  const std::vector<Count> counts = {
      {"abuseio/botnet-ccip.csv", 5, 5},
      {"abuseio/botnet-click-fraud.csv", 1, 1},
      {"abuseio/botnet-ddos.csv", 10, 10},
      {"abuseio/botnet-drone-hadoop.csv", 10, 10},
      {"abuseio/botnet-proxy.csv", 3, 3},
      {"abuseio/botnet-scan.csv", 11, 11},
      {"abuseio/botnet-url.csv", 17, 17},
      {"abuseio/comprimised-website.csv", 9, 9},
      {"abuseio/honeypot-url.csv", 12, 12},
      {"abuseio/irc-port.csv", 27, 0},
      {"abuseio/ntp-monitor.csv", 11, 11},
      {"abuseio/open-chargen.csv", 5, 5},
      {"abuseio/open-memcached.csv", 9, 9},
      {"abuseio/open-microsoft-sql.csv", 10, 10},
      {"abuseio/open-mongo-db.csv", 0, 0},
      {"abuseio/open-natpmp.csv", 7, 7},
      {"abuseio/open-netbios.csv", 8, 8},
      {"abuseio/open-proxy.csv", 11, 11},
      {"abuseio/open-redis.csv", 13, 13},
      {"abuseio/open-resolvers.csv", 5, 5},
      {"abuseio/open-snmp.csv", 10, 10},
      {"abuseio/open-ssdp.csv", 9, 9},
      {"abuseio/sandbox-irc.csv", 12, 12},
      {"abuseio/sandbox-smtp.csv", 12, 12},
      {"abuseio/sandbox-url.csv", 5, 5},
      {"abuseio/sinkhole-http-drone.csv", 8, 8},
      {"abuseio/spam-url.csv", 18, 18},
      {"abuseio/ssl-scan.csv", 11, 11},
      {"intelmq/blocklist.csv", 3, 2},
      {"intelmq/compromised_website.csv", 3, 3},
      {"intelmq/event4_honeypot_brute_force.csv", 6, 6},
      {"intelmq/event4_honeypot_darknet.csv", 8, 8},
      {"intelmq/event4_honeypot_ddos.csv", 3, 3},
      {"intelmq/event4_honeypot_ddos_amp.csv", 5, 4},
      {"intelmq/event4_honeypot_http_scan.csv", 2, 2},
      {"intelmq/event4_ip_spoofer.csv", 6, 6},
      {"intelmq/event4_microsoft_sinkhole_http.csv", 5, 5},
      {"intelmq/event4_sinkhole.csv", 3, 3},
      {"intelmq/event4_sinkhole_dns.csv", 3, 3},
      {"intelmq/event4_sinkhole_http.csv", 5, 5},
      {"intelmq/event4_sinkhole_http_referer.csv", 5, 5},
      {"intelmq/event6_sinkhole_http.csv", 3, 3},
      {"intelmq/phish_url.csv", 3, 3},
      {"intelmq/sandbox_conn.csv", 3, 3},
      {"intelmq/sandbox_dns.csv", 3, 0},
      {"intelmq/sandbox_url.csv", 3, 3},
      {"intelmq/scan_adb.csv", 2, 2},
      {"intelmq/scan_afp.csv", 2, 2},
      {"intelmq/scan_ard.csv", 3, 3},
      {"intelmq/scan_chargen.csv", 3, 3},
      {"intelmq/scan_cwmp.csv", 2, 2},
      {"intelmq/scan_db2.csv", 2, 2},
      {"intelmq/scan_ddos_middlebox.csv", 3, 3},
      {"intelmq/scan_dns.csv", 100, 100},
      {"intelmq/scan_dvr_dhcpdiscover.csv", 3, 3},
      {"intelmq/scan_exchange.csv", 7, 7},
      {"intelmq/scan_http.csv", 2, 2},
      {"intelmq/scan_http_proxy.csv", 3, 3},
      {"intelmq/scan_http_vulnerable.csv", 3, 3},
      {"intelmq/scan_ipmi.csv", 95, 95},
      {"intelmq/scan_ipp.csv", 1, 1},
      {"intelmq/scan_kubernetes.csv", 3, 3},
      {"intelmq/scan_ldap_udp.csv", 3, 3},
      {"intelmq/scan_mdns.csv", 3, 3},
      {"intelmq/scan_memcached.csv", 3, 3},
      {"intelmq/scan_mongodb.csv", 10, 10},
      {"intelmq/scan_mqtt.csv", 1, 1},
      {"intelmq/scan_mqtt_anon.csv", 3, 3},
      {"intelmq/scan_mysql.csv", 3, 3},
      {"intelmq/scan_netis_router.csv", 3, 3},
      {"intelmq/scan_ntp.csv", 3, 3},
      {"intelmq/scan_ntpmonitor.csv", 3, 3},
      {"intelmq/scan_portmapper.csv", 3, 3},
      {"intelmq/scan_postgres.csv", 3, 3},
      {"intelmq/scan_qotd.csv", 3, 3},
      {"intelmq/scan_rdp.csv", 2, 2},
      {"intelmq/scan_rsync.csv", 3, 3},
      {"intelmq/scan_sip.csv", 3, 3},
      {"intelmq/scan_slp.csv", 3, 3},
      {"intelmq/scan_smb.csv", 3, 3},
      {"intelmq/scan_smtp_vulnerable.csv", 2, 2},
      {"intelmq/scan_snmp.csv", 3, 3},
      {"intelmq/scan_socks.csv", 3, 3},
      {"intelmq/scan_ssl.csv", 3, 3},
      {"intelmq/scan_stun.csv", 3, 3},
      {"intelmq/scan_synfulknock.csv", 3, 3},
      {"intelmq/scan_tftp.csv", 3, 3},
      {"intelmq/scan_ubiquiti.csv", 3, 3},
      {"intelmq/scan_vnc.csv", 2, 2},
      {"intelmq/scan_ws_discovery.csv", 3, 3},
      {"intelmq/scan_xdmcp.csv", 3, 3},
  };
  size_t seen = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.path().extension() != ".csv") continue;
    ++seen;
    std::string relative = std::filesystem::relative(entry.path(), dir).string();
    auto count = std::find_if(counts.begin(), counts.end(),
                              [&](const Count& c) { return c.file == relative; });
    ASSERT_NE(count, counts.end()) << relative << " is not in the expectations";
    std::vector<Event> events;
    FeedStats stats;
    Status status = ParseShadowserverCsv(ReadFile(entry.path()), entry.path().filename().string(),
                                         OptionsWithArrival(), events, &stats);
    ASSERT_TRUE(status.ok()) << relative << ": " << status.error().message;
    EXPECT_EQ(stats.rows, count->rows) << relative;
    EXPECT_EQ(events.size(), count->events) << relative;
    EXPECT_NE(FindShadowserverReport(entry.path().filename().string()), nullptr) << relative;
    for (const Event& event : events) {
      EXPECT_FALSE(event.targets.empty()) << relative;
      EXPECT_LE(event.summary.size(), 200u) << relative;
    }
  }
  EXPECT_EQ(seen, counts.size());
}

TEST(ShadowserverCorpus, ExactEventsOfEightReports) {
  const std::filesystem::path dir = std::filesystem::path(CorpusDir()) / "shadowserver";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no corpus at " << dir;
  const std::vector<std::pair<std::string, std::vector<ExpectedEvent>>> expectations = {
      {"intelmq/scan_ntp.csv",
       {
           {"192.168.0.1", "2010-02-10T00:00:00Z", "security_flaw"},
           {"192.168.0.2", "2010-02-10T00:00:01Z", "security_flaw"},
           {"192.168.0.3", "2010-02-10T00:00:02Z", "security_flaw"},
       }},
      {"intelmq/phish_url.csv",
       {
           {"https://priceless-pare.example.net/Postal-/acec6/ 172.245.0.0", "2022-02-01T08:00:07Z",
            "phishing"},
           {"https://mailyahooattt.example.net/ 199.34.0.0", "2022-02-01T08:00:07Z", "phishing"},
           {"https://www.example.net/viewer/vbid-730ec2b1-omsttuer 216.58.0.0",
            "2022-02-01T08:00:07Z", "phishing"},
       }},
      {"intelmq/compromised_website.csv",
       {
           {"http://example.com/header.php 203.0.113.1", "2017-01-16T00:43:48Z", "malware"},
           {"http://example.com/ 203.0.113.1", "2018-04-09T15:43:41Z", "malware"},
           {"66.249.0.0", "2022-02-07T21:52:29Z", "malware"},
       }},
      {"intelmq/event4_sinkhole_http.csv",
       {
           {"103.196.1.2", "2021-03-04T00:00:00Z", "botnet"},
           {"5.14.3.4", "2021-03-04T00:00:00Z", "botnet"},
           {"49.145.5.6", "2021-03-04T00:00:00Z", "botnet"},
           {"200.44.7.8", "2021-03-04T00:00:00Z", "botnet"},
           {"187.189.9.10", "2021-03-04T00:00:00Z", "botnet"},
       }},
      {"intelmq/event6_sinkhole_http.csv",
       {
           {"2001:448a:1082:4d9b:7491:bf9e:3d5f:a634", "2022-03-02T09:14:19Z", "botnet"},
           {"2001:448a:1082:4d9b:7491:bf9e:3d5f:a634", "2022-03-02T09:15:10Z", "botnet"},
           {"2603:8080:b20a:dc00:f06e:8304:71f6:27e2", "2022-03-02T14:15:10Z", "botnet"},
       }},
      {"abuseio/open-chargen.csv",
       {
           {"88.149.23.230", "2014-03-16T04:15:19Z", "security_flaw"},
           {"112.197.240.1", "2014-03-16T04:15:19Z", "security_flaw"},
           {"85.36.146.26", "2014-03-16T04:15:19Z", "security_flaw"},
           {"184.69.168.237", "2014-03-16T04:15:19Z", "security_flaw"},
           {"128.171.32.12", "2014-03-16T04:15:19Z", "security_flaw"},
       }},
      {"intelmq/event4_honeypot_brute_force.csv",
       {
           {"141.98.1.2", "2021-03-27T00:00:00Z", "bruteforce"},
           {"5.188.3.4", "2021-03-27T00:00:00Z", "bruteforce"},
           {"45.14.5.6", "2021-03-27T00:00:00Z", "bruteforce"},
           {"5.188.6.7", "2021-03-27T00:00:00Z", "bruteforce"},
           {"45.14.7.8", "2021-03-27T00:00:00Z", "bruteforce"},
           {"5.188.9.10", "2021-03-27T00:00:00Z", "bruteforce"},
       }},
      {"abuseio/botnet-ddos.csv",
       {
           {"76.76.19.73", "2008-11-03T00:00:12Z", "botnet"},
           {"79.135.167.22", "2008-11-03T00:12:51Z", "botnet"},
           {"64.28.187.50", "2008-11-03T00:12:51Z", "botnet"},
           {"64.28.187.50", "2008-11-03T00:12:51Z", "botnet"},
           {"64.28.187.50", "2008-11-03T00:12:51Z", "botnet"},
           {"64.28.187.50", "2008-11-03T00:12:51Z", "botnet"},
           {"64.28.187.50", "2008-11-03T00:12:52Z", "botnet"},
           {"64.28.187.50", "2008-11-03T00:12:54Z", "botnet"},
           {"115.126.2.110", "2008-11-03T00:12:56Z", "botnet"},
           {"203.117.111.52", "2008-11-03T00:13:00Z", "botnet"},
       }},
  };
  for (const auto& [file, expected] : expectations) {
    std::vector<Event> events;
    std::filesystem::path path = dir / file;
    ASSERT_TRUE(
        ParseShadowserverCsv(ReadFile(path), path.filename().string(), OptionsWithArrival(), events)
            .ok());
    ASSERT_EQ(events.size(), expected.size()) << file;
    for (size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(TargetsOf(events[i]), expected[i].targets) << file << " row " << i;
      EXPECT_EQ(FormatRfc3339(events[i].observed.instant, events[i].observed.offset_minutes),
                expected[i].observed)
          << file << " row " << i;
      EXPECT_EQ(events[i].abuse_type, expected[i].abuse_type) << file << " row " << i;
    }
  }
}

MimeEntity CsvEntity(std::string filename, std::string body, std::string archive = "") {
  MimeEntity entity;
  entity.content_type = "application/octet-stream";
  entity.filename = std::move(filename);
  entity.body = std::move(body);
  entity.archive = std::move(archive);
  entity.attachment = true;
  entity.depth = 2;
  return entity;
}

TEST(ReadShadowserver, ZippedAttachmentNamesTheReport) {
  MimeMessage message;
  message.headers = {{"Subject", "[SAMPLE] Shadowserver scan_ftp-sample Report: 2019-10-15"}};
  MimeEntity text;
  text.body = "The report content can be obtained from the following link";
  message.entities.push_back(text);
  MimeEntity zip = CsvEntity("2019-10-15-scan_ftp-sample-asn.csv.zip", "PK\x03\x04...");
  message.entities.push_back(zip);
  message.entities.push_back(CsvEntity("2019-10-15-scan_ftp-sample-asn.csv",
                                       "\"timestamp\",\"ip\",\"protocol\",\"port\"\n"
                                       "\"2019-10-15 10:00:00\",\"192.0.2.7\",\"tcp\",21\n",
                                       "2019-10-15-scan_ftp-sample-asn.csv.zip"));
  std::optional<Reading> reading = ReadShadowserver(message, ReadingOptions{});
  ASSERT_TRUE(reading.has_value());
  EXPECT_EQ(reading->format, "shadowserver");
  EXPECT_EQ(reading->status, ReadingStatus::kParsed);
  ASSERT_EQ(reading->events.size(), 1u);
  EXPECT_EQ(reading->events[0].abuse_type, "security_flaw");
  EXPECT_EQ(reading->events[0].summary, "scan_ftp port 21/tcp");
}

TEST(ReadShadowserver, SubjectNamesAnUnnamedCsv) {
  MimeMessage message;
  message.headers = {{"Subject", "Shadowserver scan_ntp Report: 2019-10-15"}};
  message.entities.push_back(
      CsvEntity("report.csv", "timestamp,ip\n2019-10-15 10:00:00,192.0.2.7\n"));
  std::optional<Reading> reading = ReadShadowserver(message, ReadingOptions{});
  ASSERT_TRUE(reading.has_value());
  EXPECT_EQ(reading->status, ReadingStatus::kParsed);
  EXPECT_EQ(reading->events.at(0).abuse_type, "security_flaw");
}

TEST(ReadShadowserver, UnknownReportGivesCandidatesForAPerson) {
  MimeMessage message;
  message.entities.push_back(CsvEntity("2020-01-01-new_report-asn.csv",
                                       "timestamp,ip\n2019-10-15 10:00:00,192.0.2.7\n"
                                       "2019-10-15 10:00:00,192.0.2.7\n"));
  std::optional<Reading> reading = ReadShadowserver(message, ReadingOptions{});
  ASSERT_TRUE(reading.has_value());
  EXPECT_EQ(reading->status, ReadingStatus::kNeedsHuman);
  EXPECT_EQ(reading->reason, "unknown_shadowserver_report");
  EXPECT_TRUE(reading->events.empty());
  ASSERT_EQ(reading->candidate_targets.size(), 1u);
  EXPECT_EQ(reading->candidate_targets[0].canonical, "192.0.2.7");
  EXPECT_EQ(reading->candidate_times.size(), 1u);
}

TEST(ReadShadowserver, VictimReportsAreIgnored) {
  MimeMessage message;
  message.entities.push_back(CsvEntity("2021-03-28-event4_honeypot_ddos_amp-asn.csv",
                                       "timestamp,src_ip\n2021-03-28 00:00:02,192.0.2.7\n"));
  std::optional<Reading> reading = ReadShadowserver(message, ReadingOptions{});
  ASSERT_TRUE(reading.has_value());
  EXPECT_EQ(reading->status, ReadingStatus::kIgnored);
  EXPECT_EQ(reading->reason, "shadowserver_victims");
}

TEST(ReadShadowserver, TooManyEventsIsRefused) {
  MimeMessage message;
  message.entities.push_back(CsvEntity("scan_ntp.csv",
                                       "timestamp,ip\n2019-10-15 10:00:00,192.0.2.7\n"
                                       "2019-10-15 10:00:00,192.0.2.8\n"));
  ReadingOptions options;
  options.limits.max_events = 1;
  std::optional<Reading> reading = ReadShadowserver(message, options);
  ASSERT_TRUE(reading.has_value());
  EXPECT_EQ(reading->status, ReadingStatus::kRejected);
  EXPECT_EQ(reading->reason, "too_many_events");
}

TEST(ReadShadowserver, OtherMessagesAreNotClaimed) {
  MimeMessage message;
  MimeEntity text;
  text.body = "timestamp is not a column here, ip neither";
  message.entities.push_back(text);
  message.entities.push_back(CsvEntity("inventory.csv", "name,price\nfoo,1\n"));
  EXPECT_FALSE(ReadShadowserver(message, ReadingOptions{}).has_value());
}

}  // namespace
}  // namespace vigie::reading
