// The whole corpus through ReadMail: every file, mail or not, must come out either read into
// events or kept with a stated reason, and never crash or hang. Files that are not mail (XARF
// JSON, Shadowserver CSV, IODEF XML) are sent the way senders send them: attached to a mail.
#include "reading/reading.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "core/abuse_type.h"
#include "intake/json_schema.h"

namespace vigie {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = VIGIE_CORPUS_DIR;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// `content` attached to a short mail under its own file name.
std::string AttachToMail(const fs::path& file, const std::string& content) {
  std::string type = "application/octet-stream";
  if (file.extension() == ".json") type = "application/json";
  if (file.extension() == ".csv") type = "text/csv";
  if (file.extension() == ".xml") type = "application/xml";
  return "From: Feeds <feeds@example.org>\r\n"
         "To: abuse@example.net\r\n"
         "Subject: Report " +
         file.filename().string() +
         "\r\n"
         "Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"corpus-boundary\"\r\n"
         "\r\n"
         "--corpus-boundary\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n"
         "\r\n"
         "Please find the report attached.\r\n"
         "--corpus-boundary\r\n"
         "Content-Type: " +
         type + "; name=\"" + file.filename().string() +
         "\"\r\n"
         "Content-Disposition: attachment; filename=\"" +
         file.filename().string() +
         "\"\r\n"
         "Content-Transfer-Encoding: 8bit\r\n"
         "\r\n" +
         content + "\r\n--corpus-boundary--\r\n";
}

struct Outcome {
  fs::path file;
  Reading reading;
};

std::vector<Outcome> ReadCorpus(const XarfSchemas* schemas) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(kCorpus)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ReadingOptions options;
  options.received_at = ParseRfc3339("2026-12-01T10:00:00Z")->instant;
  options.xarf_schemas = schemas;
  std::vector<Outcome> out;
  for (const fs::path& file : files) {
    std::string content = ReadFile(file);
    bool mail = file.extension() == ".eml" || file.extension() == ".msg";
    out.push_back({file, ReadMail(mail ? content : AttachToMail(file, content), options)});
  }
  return out;
}

std::string Relative(const fs::path& file) {
  return fs::relative(file, kCorpus).string();
}

TEST(Corpus, EveryFileIsReadIntoEventsOrKeptWithAReason) {
  if (!fs::exists(kCorpus)) GTEST_SKIP() << "no corpus at " << kCorpus << "; skipped";
  auto schemas = XarfSchemas::Load((kCorpus / "xarf" / "schemas").string());
  ASSERT_TRUE(schemas.ok()) << schemas.error().message;
  std::vector<Outcome> outcomes = ReadCorpus(&*schemas);
  ASSERT_GT(outcomes.size(), 400u);

  std::map<std::string, int> tally;
  for (const Outcome& outcome : outcomes) {
    const Reading& reading = outcome.reading;
    std::string where = Relative(outcome.file);
    tally[reading.format + "/" + std::string(ReadingStatusName(reading.status))]++;
    if (reading.status == ReadingStatus::kParsed) {
      EXPECT_FALSE(reading.events.empty()) << where;
      for (const Event& event : reading.events) {
        EXPECT_FALSE(event.targets.empty()) << where;
        EXPECT_NE(FindAbuseType(event.abuse_type), nullptr) << where << ": " << event.abuse_type;
        EXPECT_GT(ToUnixSeconds(event.observed.instant), 0) << where;
        EXPECT_LE(event.summary.size(), 200u) << where;
      }
    } else {
      EXPECT_FALSE(reading.reason.empty())
          << where << " is " << ReadingStatusName(reading.status) << " without a reason";
      EXPECT_TRUE(reading.events.empty()) << where;
    }
  }
  for (const auto& [key, count] : tally) std::cout << "  " << key << ": " << count << "\n";
}

// What each folder holds is known; the reading must say so.
TEST(Corpus, EachFolderIsReadAsItsFormat) {
  if (!fs::exists(kCorpus)) GTEST_SKIP() << "no corpus at " << kCorpus << "; skipped";
  auto schemas = XarfSchemas::Load((kCorpus / "xarf" / "schemas").string());
  ASSERT_TRUE(schemas.ok());
  struct Expectation {
    const char* prefix;
    const char* format;
    ReadingStatus status;
  };
  const Expectation kExpected[] = {
      {"email/abuseio/feedback-loop/", "arf", ReadingStatus::kParsed},
      {"email/abuseio/spamexperts/", "arf", ReadingStatus::kParsed},
      {"email/abuseio/netcraft/", "x-arf", ReadingStatus::kParsed},
      {"email/abuseio/blocklistde/", "x-arf", ReadingStatus::kParsed},
      {"email/abuseio/shadowserver/", "shadowserver", ReadingStatus::kParsed},
      {"email/abuseio/ip-echelon/", "acns", ReadingStatus::kParsed},
      {"email/abuseio/google/", "safe_browsing", ReadingStatus::kParsed},
      {"iodef/", "iodef", ReadingStatus::kParsed},
      {"shadowserver/", "shadowserver", ReadingStatus::kParsed},
      {"xarf/abusix-v1-v3/positive/", "xarf3", ReadingStatus::kParsed},
      {"xarf/abusix-v1-v3/negative/", "xarf3", ReadingStatus::kRejected},
      {"xarf/samples/v4/", "xarf4", ReadingStatus::kParsed},
      {"email/abuseio/projecthoneypot/", "free_text", ReadingStatus::kNeedsHuman},
  };
  // Files in the Shadowserver folders that are not Shadowserver event reports: statistics
  // (irc-port), an empty file (open-mongo-db), and old reports without a time column or an
  // address of the abuser (botnet-ccip lists two addresses in one cell, honeypot-url,
  // sandbox-irc and sandbox-smtp only the servers malware talked to, sandbox_dns the answers
  // of DNS lookups), a blocklist, and the victims of amplification attacks. A person looks at
  // them.
  const std::set<std::string> kNotEventReports = {
      "shadowserver/abuseio/botnet-ccip.csv",
      "shadowserver/abuseio/honeypot-url.csv",
      "shadowserver/abuseio/irc-port.csv",
      "shadowserver/abuseio/open-mongo-db.csv",
      "shadowserver/abuseio/sandbox-irc.csv",
      "shadowserver/abuseio/sandbox-smtp.csv",
      "shadowserver/intelmq/sandbox_dns.csv",
      "shadowserver/intelmq/blocklist.csv",
      "shadowserver/intelmq/event4_honeypot_ddos_amp.csv",
  };
  int checked = 0;
  for (const Outcome& outcome : ReadCorpus(&*schemas)) {
    std::string where = Relative(outcome.file);
    if (kNotEventReports.contains(where)) {
      EXPECT_NE(outcome.reading.status, ReadingStatus::kParsed) << where;
      EXPECT_FALSE(outcome.reading.reason.empty()) << where;
      continue;
    }
    for (const Expectation& expected : kExpected) {
      if (!where.starts_with(expected.prefix)) continue;
      ++checked;
      EXPECT_EQ(outcome.reading.format, expected.format) << where;
      EXPECT_EQ(outcome.reading.status, expected.status)
          << where << ": " << outcome.reading.reason << " " << outcome.reading.detail;
    }
  }
  EXPECT_GT(checked, 350);
}

// Limits refuse the message with the limit's name; nothing of it is read.
TEST(ReadMail, LimitsRefuseTheMessageWithTheirName) {
  std::string mail =
      "From: a@example.org\r\nSubject: x\r\n\r\nPhishing at http://192.0.2.1/login seen "
      "2026-11-30T10:00:00Z\r\n";
  ReadingOptions options;
  options.limits.max_message_bytes = 20;
  Reading reading = ReadMail(mail, options);
  EXPECT_EQ(reading.status, ReadingStatus::kRejected);
  EXPECT_EQ(reading.reason, "message_too_large");
  EXPECT_NE(reading.detail.find("20"), std::string::npos);
}

TEST(ReadMail, TooManyEventsRefusesTheWholeMessage) {
  std::string report =
      "From: feed@example.org\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/report; report-type=feedback-report; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nA complaint.\r\n"
      "--b\r\nContent-Type: message/feedback-report\r\n\r\n"
      "Feedback-Type: abuse\r\nUser-Agent: test/1\r\nVersion: 1\r\n"
      "Source-IP: 192.0.2.1\r\nArrival-Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
      "--b--\r\n";
  ReadingOptions options;
  Reading read = ReadMail(report, options);
  ASSERT_EQ(read.status, ReadingStatus::kParsed) << read.reason << " " << read.detail;
  ASSERT_EQ(read.events.size(), 1u);
  options.limits.max_events = 0;
  read = ReadMail(report, options);
  EXPECT_EQ(read.status, ReadingStatus::kRejected);
  EXPECT_EQ(read.reason, "too_many_events");
  EXPECT_TRUE(read.events.empty());
}

TEST(ReadMail, BouncesAndAutoRepliesAreIgnored) {
  Reading bounce = ReadMail(
      "From: MAILER-DAEMON@example.org\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nUndeliverable.\r\n--b--\r\n",
      {});
  EXPECT_EQ(bounce.status, ReadingStatus::kIgnored);
  EXPECT_EQ(bounce.reason, "delivery_status_notification");
  Reading vacation = ReadMail(
      "From: someone@example.org\r\nAuto-Submitted: auto-replied\r\nSubject: Away\r\n\r\n"
      "I am away until Monday.\r\n",
      {});
  EXPECT_EQ(vacation.status, ReadingStatus::kIgnored);
  EXPECT_EQ(vacation.reason, "auto_reply");
}

TEST(ReadMail, TheJsonNamesWhatWasFound) {
  Reading reading;
  reading.format = "arf";
  reading.status = ReadingStatus::kParsed;
  Event event;
  event.targets.push_back(*ParseTarget("192.0.2.1"));
  event.observed = *ParseRfc3339("2026-11-30T10:00:00+01:00");
  event.abuse_type = "spam";
  reading.events.push_back(event);
  std::string json = ReadingToJson(reading);
  EXPECT_NE(json.find(R"("format":"arf")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("status":"parsed")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("targets":["192.0.2.1"])"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("observed_at":"2026-11-30T10:00:00+01:00")"), std::string::npos) << json;
}

}  // namespace
}  // namespace vigie
