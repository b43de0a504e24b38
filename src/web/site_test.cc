// The desk's abuse-mail pages, driven through Site::Handle with mail and events written through
// the store: what a person sees of a needs-human mail, the report made from it, and the events
// listed on a case. No socket: handlers that block run inline.
#include "web/site.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <regex>

#include "attribution/index.h"
#include "attribution/inventory.h"
#include "cases/events.h"
#include "cases/report_writer.h"
#include "core/secrets.h"
#include "store/store.h"
#include "web/render.h"
#include "web/server.h"

namespace vigie::web {
namespace {

constexpr const char* kInventory =
    "customer_id,customer_name,customer_email,service_id,service_kind,resource,valid_from,"
    "valid_to\n"
    "C-A,Alpha,alpha@example.net,S-A,vps,192.0.2.0/25,2025-01-01T00:00:00Z,\n";

constexpr const char* kRawMail =
    "From: Someone <someone@example.org>\r\nSubject: <b>spam from you</b>\r\n"
    "Message-ID: <m1@example.org>\r\n\r\nYour host 192.0.2.10 sent us BODY-MARKER spam.\r\n";

// Runs blocking work on the calling thread: the test sees each answer before Handle returns.
class InlineServer : public Server {
 public:
  uint16_t port() const override { return 0; }
  void SetHandler(Handler) override {}
  void Run() override {}
  void Stop() override {}
  void RunBlocking(std::function<void()> work) override { work(); }
};

class DeskMailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vigie-site-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store_ = std::move(OpenStore(StoreOptions{(dir_ / "db.sqlite3").string(), 2})).value();
    ParsedInventory inventory = ParseInventoryCsv(kInventory);
    ASSERT_TRUE(inventory.problems.empty());
    ASSERT_TRUE(
        store_->Write([&](Transaction& tx) { tx.InsertInventory(inventory.records); }).ok());
    index_.Set(AttributionIndex::Build(inventory.records));
    writer_ = std::make_unique<ReportWriter>(*store_, index_, CasePolicy{}, "status-key");
    auto pages = PageRenderer::Load(std::filesystem::path(VIGIE_SOURCE_DIR) / "templates");
    ASSERT_TRUE(pages.ok()) << pages.error().message;
    site_ = std::make_unique<Site>(SiteOptions{}, *store_, *writer_, *pages);
    site_->Attach(server_);

    // A signed-in agent, and the browser's CSRF cookie.
    session_cookie_ = RandomToken(32);
    csrf_cookie_ = RandomToken(24);
    ASSERT_TRUE(store_
                    ->Write([&](Transaction& tx) {
                      int64_t user = tx.InsertUser(
                          User{0, "agent@example.net", Role::kAgent, "unused", false});
                      tx.InsertSession(Session{Sha256Hex(session_cookie_), user, "", Now(),
                                               Now() + std::chrono::hours(1)});
                    })
                    .ok());
  }

  void TearDown() override {
    site_.reset();
    writer_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Response Call(const std::string& method, const std::string& path, const std::string& query = "",
                const std::string& body = "", bool signed_in = true) {
    Request request;
    request.method = method;
    request.path = path;
    request.query = query;
    request.body = body;
    request.remote = "127.0.0.1";
    std::string cookies = "vigie_csrf=" + csrf_cookie_;
    if (signed_in) cookies += "; vigie_session=" + session_cookie_;
    request.headers = {{"cookie", cookies}};
    std::promise<Response> answer;
    site_->Handle(std::move(request),
                  [&answer](Response response) { answer.set_value(std::move(response)); });
    return answer.get_future().get();
  }

  // The CSRF token the desk puts in its forms for this browser.
  std::string Csrf() {
    Response page = Call("GET", "/desk/mail");
    std::smatch match;
    EXPECT_TRUE(
        std::regex_search(page.body, match, std::regex("name=\"csrf\" value=\"([^\"]+)\"")));
    return match.size() > 1 ? match[1].str() : "";
  }

  // A mail read as free text: it waits for a person.
  int64_t NeedsHumanMail() {
    int64_t id = 0;
    EXPECT_TRUE(store_
                    ->Write([&](Transaction& tx) {
                      InboundMail mail;
                      mail.received_at = Now();
                      mail.channel = "api";
                      mail.raw = kRawMail;
                      mail.raw_sha256 = Sha256Hex(mail.raw);
                      mail.size = static_cast<int64_t>(mail.raw.size());
                      id = tx.InsertInboundMail(mail);
                      mail.id = id;
                      mail.state = "needs_human";
                      mail.format = "free_text";
                      mail.reason = "free_text";
                      mail.sender = "someone@example.org";
                      mail.subject = "<b>spam from you</b>";
                      mail.message_id = "m1@example.org";
                      mail.reading = R"({"format":"free_text","status":"needs_human","events":[],)"
                                     R"("candidate_targets":["192.0.2.10","example.org"],)"
                                     R"("candidate_times":["2026-03-01T14:05:00+01:00"],)"
                                     R"("suggested_abuse_type":"spam"})";
                      mail.read_at = Now();
                      tx.RecordMailReading(mail);
                    })
                    .ok());
    return id;
  }

  // A machine-readable mail carrying `count` events about 192.0.2.20, a minute apart; returns
  // the case they were filed into.
  int64_t CaseFedByEvents(int count, int64_t* mail_id) {
    std::vector<Event> events;
    Instant base = Now() - std::chrono::hours(2);
    for (int i = 0; i < count; ++i) {
      Event event;
      event.targets.push_back(*ParseTarget("192.0.2.20"));
      event.observed = ZonedInstant{base + std::chrono::minutes(i), 60, ""};
      event.abuse_type = "bruteforce";
      event.source_report_id = "feed-" + std::to_string(i);
      event.summary = "ssh <login> attempts";
      events.push_back(std::move(event));
    }
    std::vector<std::string> subjects;
    std::vector<Attribution> attributions = AttributeEvents(index_.Get().get(), events, subjects);
    EXPECT_TRUE(store_
                    ->Write([&](Transaction& tx) {
                      InboundMail mail;
                      mail.received_at = Now();
                      mail.channel = "pipe";
                      mail.raw = "From: feed@example.com\r\n\r\nrows\r\n";
                      mail.raw_sha256 = Sha256Hex(mail.raw);
                      mail.size = static_cast<int64_t>(mail.raw.size());
                      *mail_id = tx.InsertInboundMail(mail);
                      FileEvents(tx, *mail_id, "shadowserver", events, attributions, subjects,
                                 CasePolicy{}, Now());
                      mail.id = *mail_id;
                      mail.state = "parsed";
                      mail.format = "shadowserver";
                      mail.sender = "feed@example.com";
                      mail.reading = "{}";
                      tx.RecordMailReading(mail);
                    })
                    .ok());
    std::vector<Case> cases;
    EXPECT_TRUE(store_->Read([&](Transaction& tx) { cases = tx.ListCases(CaseFilter{}); }).ok());
    EXPECT_EQ(cases.size(), 1u);
    return cases.empty() ? 0 : cases.front().id;
  }

  std::optional<InboundMail> Mail(int64_t id) {
    std::optional<InboundMail> mail;
    EXPECT_TRUE(store_->Read([&](Transaction& tx) { mail = tx.GetInboundMail(id, false); }).ok());
    return mail;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  IndexHolder index_;
  std::unique_ptr<ReportWriter> writer_;
  InlineServer server_;
  std::unique_ptr<Site> site_;
  std::string session_cookie_;
  std::string csrf_cookie_;
};

std::string Header(const Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

size_t Occurrences(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

TEST_F(DeskMailTest, SignedOutDeskMailRoutesRedirectToSignIn) {
  int64_t id = NeedsHumanMail();
  std::string mail = "/desk/mail/" + std::to_string(id);
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/desk/mail"},
                                                        {"GET", mail},
                                                        {"GET", mail + "/raw"},
                                                        {"POST", mail + "/report"}}) {
    Response response = Call(method, path, "", "", false);
    EXPECT_EQ(response.status, 303) << method << " " << path;
    EXPECT_EQ(Header(response, "Location"), "/desk/login") << method << " " << path;
  }
}

TEST_F(DeskMailTest, InboxListsNeedsHumanMailByDefaultAndCountsItInTheNavigation) {
  int64_t waiting = NeedsHumanMail();
  int64_t feed = 0;
  CaseFedByEvents(2, &feed);
  Response inbox = Call("GET", "/desk/mail");
  ASSERT_EQ(inbox.status, 200);
  EXPECT_NE(inbox.body.find("href=\"/desk/mail/" + std::to_string(waiting) + "\""),
            std::string::npos);
  EXPECT_EQ(inbox.body.find("href=\"/desk/mail/" + std::to_string(feed) + "\""), std::string::npos);
  EXPECT_NE(inbox.body.find("<span class=\"nav-count\">1</span>"), std::string::npos);
  EXPECT_NE(inbox.body.find("&lt;b&gt;spam from you&lt;/b&gt;"), std::string::npos);

  Response all = Call("GET", "/desk/mail", "state=all");
  EXPECT_NE(all.body.find("href=\"/desk/mail/" + std::to_string(feed) + "\""), std::string::npos);
  EXPECT_EQ(Call("GET", "/desk/mail", "state=%3Cx%3E").status, 422);
}

TEST_F(DeskMailTest, MailPageOffersTheFormPrefilledFromTheReadingAndNeverTheMessage) {
  int64_t id = NeedsHumanMail();
  Response page = Call("GET", "/desk/mail/" + std::to_string(id));
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body.find("BODY-MARKER"), std::string::npos);
  EXPECT_EQ(page.body.find("<b>spam"), std::string::npos);
  EXPECT_NE(page.body.find("action=\"/desk/mail/" + std::to_string(id) + "/report\""),
            std::string::npos);
  EXPECT_NE(page.body.find("value=\"192.0.2.10\" checked"), std::string::npos);
  EXPECT_NE(page.body.find("value=\"example.org\" checked"), std::string::npos);
  EXPECT_NE(page.body.find("<option value=\"spam\" selected>"), std::string::npos);
  // 14:05 at +01:00 is 13:05 UTC.
  EXPECT_NE(page.body.find("name=\"abuse_date\" value=\"2026-03-01\""), std::string::npos);
  EXPECT_NE(page.body.find("name=\"abuse_time\" step=\"1\" value=\"13:05:00\""), std::string::npos);
  EXPECT_NE(page.body.find("<option selected>UTC</option>"), std::string::npos);
  EXPECT_EQ(page.body.find("name=\"acknowledge\" value=\"on\" checked"), std::string::npos);
}

TEST_F(DeskMailTest, RawMailIsAnAttachmentNeverRendered) {
  int64_t id = NeedsHumanMail();
  Response raw = Call("GET", "/desk/mail/" + std::to_string(id) + "/raw");
  ASSERT_EQ(raw.status, 200);
  EXPECT_EQ(raw.body, kRawMail);
  EXPECT_EQ(Header(raw, "Content-Type"), "application/octet-stream");
  EXPECT_TRUE(Header(raw, "Content-Disposition").starts_with("attachment"));
}

TEST_F(DeskMailTest, ReportWithoutCsrfIsRefused) {
  int64_t id = NeedsHumanMail();
  std::string body =
      "abuse_type=spam&target=192.0.2.10&abuse_date=2026-03-01&abuse_time=13:05"
      "&abuse_zone=UTC";
  EXPECT_EQ(Call("POST", "/desk/mail/" + std::to_string(id) + "/report", "", body).status, 403);
  EXPECT_EQ(
      Call("POST", "/desk/mail/" + std::to_string(id) + "/report", "", body + "&csrf=abc").status,
      403);
  EXPECT_EQ(Mail(id)->state, "needs_human");
}

TEST_F(DeskMailTest, BadReportNamesEachFieldAndKeepsTheInput) {
  int64_t id = NeedsHumanMail();
  std::string body = "csrf=" + Csrf() +
                     "&abuse_type=nonsense&target=192.0.2.10&more_targets=not+a+target%21%21"
                     "&abuse_date=2026-13-45&abuse_time=10:00&abuse_zone=UTC"
                     "&description=kept+note&acknowledge=on";
  Response page = Call("POST", "/desk/mail/" + std::to_string(id) + "/report", "", body);
  ASSERT_EQ(page.status, 422);
  EXPECT_NE(page.body.find("id=\"error-abuse_type\""), std::string::npos);
  EXPECT_NE(page.body.find("id=\"error-targets\""), std::string::npos);
  EXPECT_NE(page.body.find("(not a target!!)"), std::string::npos);
  EXPECT_NE(page.body.find("id=\"error-abuse_date\""), std::string::npos);
  EXPECT_EQ(page.body.find("id=\"error-abuse_time\""), std::string::npos);
  EXPECT_NE(page.body.find(">not a target!!</textarea>"), std::string::npos);
  EXPECT_NE(page.body.find(">kept note</textarea>"), std::string::npos);
  EXPECT_NE(page.body.find("value=\"192.0.2.10\" checked"), std::string::npos);
  EXPECT_EQ(page.body.find("value=\"example.org\" checked"), std::string::npos);
  EXPECT_NE(page.body.find("name=\"acknowledge\" value=\"on\" checked"), std::string::npos);
  EXPECT_EQ(Mail(id)->state, "needs_human");

  // No target at all, hostile bytes, a time in the future: still a page, never a 500.
  body = "csrf=" + Csrf() +
         "&abuse_type=spam&more_targets=%FF%FE&abuse_date=2999-01-01&abuse_time=10:00"
         "&abuse_zone=Mars%2FOlympus&description=%00";
  page = Call("POST", "/desk/mail/" + std::to_string(id) + "/report", "", body);
  EXPECT_EQ(page.status, 422);
  EXPECT_NE(page.body.find("id=\"error-abuse_zone\""), std::string::npos);
  EXPECT_NE(page.body.find("id=\"error-description\""), std::string::npos);
  body =
      "csrf=" + Csrf() + "&abuse_type=spam&abuse_date=2999-01-01&abuse_time=10:00&abuse_zone=UTC";
  page = Call("POST", "/desk/mail/" + std::to_string(id) + "/report", "", body);
  EXPECT_EQ(page.status, 422);
  EXPECT_NE(page.body.find("id=\"error-targets\""), std::string::npos);
  EXPECT_NE(page.body.find("id=\"error-abuse_date\""), std::string::npos);
}

TEST_F(DeskMailTest, ReportFromMailIsFiledAndTheMailMarkedHandled) {
  int64_t id = NeedsHumanMail();
  std::string date = FormatRfc3339(Now() - std::chrono::hours(30), 0).substr(0, 10);
  std::string body = "csrf=" + Csrf() + "&abuse_type=spam&target=192.0.2.10&abuse_date=" + date +
                     "&abuse_time=09:30&abuse_zone=Europe%2FParis";
  Response done = Call("POST", "/desk/mail/" + std::to_string(id) + "/report", "", body);
  ASSERT_EQ(done.status, 303) << done.body;
  std::string location = Header(done, "Location");
  ASSERT_TRUE(location.starts_with("/desk/cases/")) << location;

  std::optional<InboundMail> mail = Mail(id);
  ASSERT_TRUE(mail);
  EXPECT_EQ(mail->state, "handled");
  ASSERT_NE(mail->report_id, 0);
  std::optional<StoredReport> report;
  ASSERT_TRUE(store_->Read([&](Transaction& tx) { report = tx.GetReport(mail->report_id); }).ok());
  ASSERT_TRUE(report);
  EXPECT_EQ("/desk/cases/" + std::to_string(report->case_id), location);
  const ReportDraft& draft = report->draft;
  EXPECT_EQ(draft.channel, Channel::kMail);
  EXPECT_EQ(draft.format, "free_text");
  EXPECT_EQ(draft.raw, kRawMail);
  EXPECT_EQ(draft.raw_type, "message/rfc822");
  EXPECT_EQ(draft.abuse_type, "spam");
  ASSERT_EQ(draft.targets.size(), 1u);
  EXPECT_EQ(draft.targets[0].canonical, "192.0.2.10");
  EXPECT_EQ(draft.observed.zone, "Europe/Paris");
  EXPECT_EQ(draft.reporter.kind, ReporterKind::kPerson);
  EXPECT_EQ(draft.reporter.name, "someone@example.org");
  EXPECT_EQ(draft.reporter.email, "");  // no acknowledgement asked for
  EXPECT_EQ(draft.source_report_id, "m1@example.org");
  EXPECT_FALSE(draft.good_faith);
  EXPECT_NE(draft.description.find("mail " + std::to_string(id)), std::string::npos);
  EXPECT_NE(draft.description.find("agent@example.net"), std::string::npos);
  EXPECT_EQ(report->targets[0].attribution.customer_id, "C-A");

  // Handled: the page links the case and no longer offers the form; a second post is refused.
  Response page = Call("GET", "/desk/mail/" + std::to_string(id));
  EXPECT_NE(page.body.find("href=\"" + location + "\""), std::string::npos);
  EXPECT_EQ(page.body.find("id=\"mail-report\""), std::string::npos);
  EXPECT_EQ(Call("POST", "/desk/mail/" + std::to_string(id) + "/report", "", body).status, 409);
}

TEST_F(DeskMailTest, AcknowledgementGoesToTheSenderOnlyWhenTicked) {
  int64_t id = NeedsHumanMail();
  std::string date = FormatRfc3339(Now() - std::chrono::hours(30), 0).substr(0, 10);
  std::string body = "csrf=" + Csrf() + "&abuse_type=phishing&more_targets=example.org%0D%0A" +
                     "192.0.2.11&abuse_date=" + date +
                     "&abuse_time=09:30&abuse_zone=UTC&acknowledge=on&description=Seen+twice";
  ASSERT_EQ(Call("POST", "/desk/mail/" + std::to_string(id) + "/report", "", body).status, 303);
  std::optional<StoredReport> report;
  ASSERT_TRUE(
      store_->Read([&](Transaction& tx) { report = tx.GetReport(Mail(id)->report_id); }).ok());
  ASSERT_TRUE(report);
  EXPECT_EQ(report->draft.reporter.email, "someone@example.org");
  EXPECT_EQ(report->draft.description, "Seen twice");
  EXPECT_EQ(report->draft.targets.size(), 2u);
}

TEST_F(DeskMailTest, CasePageListsEventsByPageWithLinksToTheirMail) {
  int64_t mail_id = 0;
  int64_t case_id = CaseFedByEvents(150, &mail_id);
  std::string path = "/desk/cases/" + std::to_string(case_id);

  Response first = Call("GET", path);
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(Occurrences(first.body, "class=\"event-row\""), 100u);
  EXPECT_NE(first.body.find(">150 events</a>"), std::string::npos);
  EXPECT_NE(first.body.find("href=\"/desk/mail/" + std::to_string(mail_id) + "/raw\""),
            std::string::npos);
  EXPECT_NE(first.body.find("feed@example.com"), std::string::npos);
  EXPECT_NE(first.body.find("ssh &lt;login&gt; attempts"), std::string::npos);
  EXPECT_NE(first.body.find("+01:00"), std::string::npos);  // the sender's offset is kept
  EXPECT_NE(first.body.find("href=\"" + path + "?events_page=2#events\""), std::string::npos);

  Response second = Call("GET", path, "events_page=2");
  EXPECT_EQ(Occurrences(second.body, "class=\"event-row\""), 50u);
  EXPECT_NE(second.body.find("href=\"" + path + "?events_page=1#events\""), std::string::npos);
  EXPECT_EQ(second.body.find("events_page=3"), std::string::npos);

  EXPECT_EQ(Call("GET", path, "events_page=junk").status, 200);
  EXPECT_EQ(Occurrences(Call("GET", path, "events_page=9").body, "class=\"event-row\""), 0u);
}

}  // namespace
}  // namespace vigie::web
