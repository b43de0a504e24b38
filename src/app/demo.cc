#include "app/demo.h"

#include "attribution/inventory.h"
#include "core/secrets.h"
#include "jobs/mail_intake.h"
#include "store/store.h"

namespace vigie {
namespace {

// customer, name, email, service, kind, resource, from, to ("" = still held)
constexpr const char* kDemoInventory =
    "customer_id,customer_name,customer_email,service_id,service_kind,resource,valid_from,"
    "valid_to\n"
    "C-ACME,Acme Widgets SARL,abuse-contact@acme.example,VPS-101,vps,192.0.2.0/25,"
    "2025-01-01T00:00:00Z,\n"
    "C-ACME,Acme Widgets SARL,abuse-contact@acme.example,WEB-102,web_hosting,example.com,"
    "2025-01-01T00:00:00Z,\n"
    "C-ACME,Acme Widgets SARL,abuse-contact@acme.example,VPS-103,vps,198.51.100.7/32,"
    "2025-01-01T00:00:00Z,2026-11-01T10:00:00Z\n"
    "C-BRAVO,Bravo Media GmbH,security@bravo.example,DED-201,dedicated,192.0.2.128/25,"
    "2025-03-01T00:00:00Z,\n"
    "C-BRAVO,Bravo Media GmbH,security@bravo.example,DED-202,dedicated,198.51.100.0/24,"
    "2025-03-01T00:00:00Z,\n"
    "C-BRAVO,Bravo Media GmbH,security@bravo.example,WEB-203,web_hosting,example.net,"
    "2025-03-01T00:00:00Z,\n"
    "C-CHARLIE,Charlie Labs SAS,ops@charlie.example,VPS-301,vps,198.51.100.7/32,"
    "2026-11-01T10:00:00Z,\n"
    "C-CHARLIE,Charlie Labs SAS,ops@charlie.example,NET-302,ip_block,203.0.113.0/24,"
    "2025-06-01T00:00:00Z,\n"
    "C-CHARLIE,Charlie Labs SAS,ops@charlie.example,NET-303,ip_block,2001:db8::/32,"
    "2025-06-01T00:00:00Z,\n"
    "C-CHARLIE,Charlie Labs SAS,ops@charlie.example,WEB-304,web_hosting,example.org,"
    "2025-06-01T00:00:00Z,\n";

// "2026-12-01 10:00:00", as Shadowserver writes times (UTC).
std::string FeedTime(Instant at) {
  std::string text = FormatRfc3339(at);
  text[10] = ' ';
  text.pop_back();  // the "Z"
  return text;
}

// Three abuse mails about the demo customers, as they would arrive: a feedback loop's
// complaint, a feed, and a person's free text for the inbox. Times are recent, so that they
// fall in open cases.
std::vector<std::string> DemoMail(Instant now) {
  using std::chrono::hours;
  std::string arf =
      "From: Feedback Loop <fbl@mailbox.example>\r\n"
      "To: abuse@vigie.test\r\n"
      "Subject: FW: complaint about 192.0.2.10\r\n"
      "Message-ID: <demo-fbl-1@mailbox.example>\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/report; report-type=feedback-report; boundary=\"fbl\"\r\n\r\n"
      "--fbl\r\nContent-Type: text/plain\r\n\r\nA user of ours marked this as spam.\r\n"
      "--fbl\r\nContent-Type: message/feedback-report\r\n\r\n"
      "Feedback-Type: abuse\r\nUser-Agent: DemoLoop/1.0\r\nVersion: 1\r\n"
      "Source-IP: 192.0.2.10\r\nArrival-Date: " +
      FormatRfc3339(now - hours(5)) +
      "\r\n\r\n"
      "--fbl\r\nContent-Type: text/rfc822-headers\r\n\r\n"
      "From: offers@shop.example\r\nSubject: You won\r\n"
      "Message-ID: <demo-spam-1@shop.example>\r\n\r\n"
      "--fbl--\r\n";
  std::string rows =
      "\"timestamp\",\"ip\",\"protocol\",\"port\",\"hostname\",\"tag\",\"asn\",\"geo\"\r\n";
  const char* addresses[] = {"198.51.100.20", "198.51.100.21", "198.51.100.22", "192.0.2.140",
                             "203.0.113.5"};
  for (const char* address : addresses) {
    rows += "\"" + FeedTime(now - hours(20)) + "\",\"" + address +
            "\",\"udp\",11211,\"\",\"memcached\",64496,\"FR\"\r\n";
  }
  std::string feed =
      "From: Feed <autoreports@feeds.example>\r\n"
      "To: abuse@vigie.test\r\n"
      "Subject: scan_memcached report\r\n"
      "Message-ID: <demo-feed-1@feeds.example>\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"feed\"\r\n\r\n"
      "--feed\r\nContent-Type: text/plain\r\n\r\nThe report is attached.\r\n"
      "--feed\r\nContent-Type: text/csv\r\n"
      "Content-Disposition: attachment; filename=\"" +
      FeedTime(now - hours(20)).substr(0, 10) + "-scan_memcached-demo-asn.csv\"\r\n\r\n" + rows +
      "--feed--\r\n";
  std::string text =
      "From: Jeanne Martin <jeanne@reporter.example>\r\n"
      "To: abuse@vigie.test\r\n"
      "Subject: Fausse page de connexion de ma banque\r\n"
      "Message-ID: <demo-text-1@reporter.example>\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n\r\n"
      "Bonjour,\r\n\r\nla page http://example.com/banque/connexion.html imite ma banque "
      "(hameçonnage). Je l'ai vue le " +
      FormatRfc3339(now - hours(3)) + ".\r\n\r\nCordialement,\r\nJeanne\r\n";
  return {arf, feed, text};
}

}  // namespace

Result<std::string> LoadDemo(Store& store) {
  ParsedInventory inventory = ParseInventoryCsv(kDemoInventory);
  if (!inventory.problems.empty()) {
    return Error{"demo", "the demo inventory does not parse: " + inventory.problems[0].message};
  }
  std::string password = RandomToken(12);
  std::string hash = HashPassword(password);
  Status status = store.Write([&](Transaction& tx) {
    tx.InsertInventory(inventory.records);
    if (auto user = tx.FindUserByEmail(kDemoStaffEmail)) {
      tx.UpdateUserPassword(user->id, hash);
    } else {
      tx.InsertUser(User{0, kDemoStaffEmail, Role::kAdmin, hash, false});
    }
  });
  if (!status.ok()) return status.error();

  // The demo mail, once: the reading loop files it when the desk starts.
  int64_t mail_count = 0;
  if (!store.Read([&](Transaction& tx) { mail_count = tx.CountInboundMail({}); }).ok()) {
    return Error{"database", "the demo mail was not stored"};
  }
  if (mail_count == 0) {
    for (std::string& mail : DemoMail(Now())) {
      Result<int64_t> stored = StoreInboundMail(store, std::move(mail), "pipe", Now());
      if (!stored.ok()) return stored.error();
    }
  }
  return "Demo inventory loaded: 3 customers, 10 records (192.0.2.0/24, 198.51.100.0/24, "
         "203.0.113.0/24, 2001:db8::/32, example.com, example.net, example.org), with three abuse "
         "mails.\n"
         "Staff desk: /desk  login: " +
         std::string(kDemoStaffEmail) + " password: " + password + "\n";
}

}  // namespace vigie
