#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <map>
#include <set>

#include "attribution/index.h"
#include "attribution/inventory.h"
#include "cases/decide.h"
#include "cases/events.h"
#include "cases/report_writer.h"
#include "store/store.h"

namespace vigie {
namespace {

constexpr const char* kInventory =
    "customer_id,customer_name,customer_email,service_id,service_kind,resource,valid_from,"
    "valid_to\n"
    "C-A,Alpha,alpha@example.net,S-A,vps,192.0.2.0/25,2025-01-01T00:00:00Z,\n"
    "C-B,Bravo,bravo@example.net,S-B,vps,192.0.2.128/25,2025-01-01T00:00:00Z,\n";

class CasesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vigie-cases-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store_ = std::move(OpenStore(StoreOptions{(dir_ / "db.sqlite3").string(), 2})).value();
    ParsedInventory inventory = ParseInventoryCsv(kInventory);
    ASSERT_TRUE(inventory.problems.empty());
    ASSERT_TRUE(
        store_->Write([&](Transaction& tx) { tx.InsertInventory(inventory.records); }).ok());
    index_.Set(AttributionIndex::Build(inventory.records));
    writer_ = std::make_unique<ReportWriter>(*store_, index_, CasePolicy{}, "status-key");
  }
  void TearDown() override {
    writer_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  ReportDraft Draft(const std::string& target, const std::string& type, const std::string& at,
                    const std::string& email = "reporter@example.org") {
    ReportDraft draft;
    draft.channel = Channel::kApi;
    draft.format = "vigie_json";
    draft.raw = target + type + at + email;
    draft.targets.push_back(*ParseTarget(target));
    draft.observed = *ParseRfc3339(at);
    draft.abuse_type = type;
    draft.reporter.email = email;
    draft.description = "Seen from our honeypot.";
    draft.good_faith = true;
    draft.language = "en";
    return draft;
  }

  FiledReport File(ReportDraft draft, std::string key = "") {
    auto filed = writer_->SubmitAndWait(std::move(draft), std::move(key));
    EXPECT_TRUE(filed.ok()) << (filed.ok() ? "" : filed.error().message);
    return filed.ok() ? *filed : FiledReport{};
  }

  Case GetCase(int64_t id) {
    std::optional<Case> value;
    EXPECT_TRUE(store_->Read([&](Transaction& tx) { value = tx.GetCase(id); }).ok());
    return value.value_or(Case{});
  }

  std::vector<OutboxMail> DueMail() {
    std::vector<OutboxMail> mail;
    EXPECT_TRUE(store_
                    ->Write([&](Transaction& tx) {
                      mail = tx.ClaimDueMail(Now() + std::chrono::hours(1), 1000, "test",
                                             Now() + std::chrono::hours(240));
                    })
                    .ok());
    return mail;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  IndexHolder index_;
  std::unique_ptr<ReportWriter> writer_;
};

TEST_F(CasesTest, SameServiceAndTypeJoinOneCase) {
  FiledReport first = File(Draft("192.0.2.10", "phishing", "2026-11-30T10:00:00Z"));
  FiledReport second = File(Draft("192.0.2.11", "phishing", "2026-11-30T12:00:00+01:00"));
  EXPECT_EQ(first.case_id, second.case_id);
  Case joined = GetCase(first.case_id);
  EXPECT_EQ(joined.report_count, 2);
  EXPECT_EQ(joined.service_id, "S-A");
  EXPECT_EQ(joined.customer_id, "C-A");
  EXPECT_EQ(FormatRfc3339(joined.first_seen), "2026-11-30T10:00:00Z");
  EXPECT_EQ(FormatRfc3339(joined.last_seen), "2026-11-30T11:00:00Z");
}

TEST_F(CasesTest, DifferentServiceOrTypeNeverMix) {
  FiledReport a = File(Draft("192.0.2.10", "phishing", "2026-11-30T10:00:00Z"));
  FiledReport other_type = File(Draft("192.0.2.10", "spam", "2026-11-30T10:00:00Z"));
  FiledReport other_service = File(Draft("192.0.2.200", "phishing", "2026-11-30T10:00:00Z"));
  EXPECT_NE(a.case_id, other_type.case_id);
  EXPECT_NE(a.case_id, other_service.case_id);
  EXPECT_EQ(GetCase(other_service.case_id).service_id, "S-B");
}

TEST_F(CasesTest, ReportOutsideTheWindowOpensANewCase) {
  FiledReport early = File(Draft("192.0.2.10", "phishing", "2026-11-01T10:00:00Z"));
  FiledReport late = File(Draft("192.0.2.10", "phishing", "2026-11-20T10:00:00Z"));
  EXPECT_NE(early.case_id, late.case_id);
}

TEST_F(CasesTest, NotOursIsClosedByARuleAndTheReporterTold) {
  FiledReport filed = File(Draft("203.0.113.9", "botnet", "2026-11-30T10:00:00Z"));
  Case closed = GetCase(filed.case_id);
  EXPECT_EQ(closed.status, CaseStatus::kClosed);
  EXPECT_EQ(closed.outcome, "not_ours");
  std::vector<Decision> decisions;
  ASSERT_TRUE(
      store_->Read([&](Transaction& tx) { decisions = tx.DecisionsOfCase(filed.case_id); }).ok());
  ASSERT_EQ(decisions.size(), 1u);
  EXPECT_EQ(decisions[0].actor_kind, ActorKind::kRule);
  EXPECT_EQ(decisions[0].automated_decision, "FULLY");
  std::multiset<std::string> kinds;
  for (const OutboxMail& mail : DueMail()) kinds.insert(mail.kind);
  EXPECT_EQ(kinds, (std::multiset<std::string>{"acknowledgement", "closure"}));
}

TEST_F(CasesTest, AnonymousReportGetsNoMail) {
  File(Draft("192.0.2.10", "child_sexual_abuse", "2026-11-30T10:00:00Z", ""));
  EXPECT_TRUE(DueMail().empty());
}

TEST_F(CasesTest, ForwardQueuesTheNoticeToTheCustomer) {
  FiledReport filed = File(Draft("192.0.2.10", "phishing", "2026-11-30T10:00:00Z"));
  DueMail();  // the acknowledgement
  DecisionRequest request;
  request.case_id = filed.case_id;
  request.action = DecisionAction::kForward;
  request.actor = "agent@example.net";
  Instant now = Now();
  auto decision = Decide(*store_, request, now);
  ASSERT_TRUE(decision.ok()) << decision.error().message;
  EXPECT_EQ(decision->status_after, CaseStatus::kForwarded);
  ASSERT_TRUE(decision->deadline);
  EXPECT_EQ(*decision->deadline, now + std::chrono::hours(48));
  auto mail = DueMail();
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0].kind, "notice");
  EXPECT_EQ(mail[0].recipient, "alpha@example.net");

  auto again = Decide(*store_, request, now);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "invalid_transition");
}

TEST_F(CasesTest, ForwardingAnUnattributedCaseIsRefused) {
  // Ours, but held by nobody then: the case stays open for a person, with no customer.
  FiledReport filed = File(Draft("192.0.2.10", "phishing", "2024-06-01T00:00:00Z"));
  EXPECT_EQ(GetCase(filed.case_id).attribution, AttributionResult::kUnknown);
  DecisionRequest request;
  request.case_id = filed.case_id;
  request.action = DecisionAction::kForward;
  auto decision = Decide(*store_, request, Now());
  ASSERT_FALSE(decision.ok());
  EXPECT_EQ(decision.error().code, "invalid_transition");
}

TEST_F(CasesTest, RejectNeedsAKnownReasonAndTellsEachReporterOnce) {
  FiledReport a = File(Draft("192.0.2.10", "scam", "2026-11-30T10:00:00Z", "one@example.org"));
  File(Draft("192.0.2.11", "scam", "2026-11-30T10:05:00Z", "one@example.org"));
  File(Draft("192.0.2.12", "scam", "2026-11-30T10:06:00Z", "two@example.org"));
  DueMail();

  DecisionRequest request;
  request.case_id = a.case_id;
  request.action = DecisionAction::kReject;
  request.reason = "because";
  EXPECT_EQ(Decide(*store_, request, Now()).error().code, "invalid_reason");

  request.reason = "not_illicit";
  request.message = "The page is a parody, not an impersonation.";
  ASSERT_TRUE(Decide(*store_, request, Now()).ok());
  std::multiset<std::string> recipients;
  for (const OutboxMail& mail : DueMail()) {
    EXPECT_EQ(mail.kind, "rejection");
    recipients.insert(mail.recipient);
  }
  EXPECT_EQ(recipients, (std::multiset<std::string>{"one@example.org", "two@example.org"}));
  EXPECT_EQ(GetCase(a.case_id).outcome, "rejected");
}

TEST_F(CasesTest, UnknownCaseIsNotFound) {
  DecisionRequest request;
  request.case_id = 999;
  request.action = DecisionAction::kClose;
  request.reason = "remediated";
  EXPECT_EQ(Decide(*store_, request, Now()).error().code, "not_found");
}

TEST_F(CasesTest, ConcurrentSubmissionsAreAllStoredOnce) {
  constexpr int kReports = 300;
  std::vector<std::promise<Result<FiledReport>>> promises(kReports);
  for (int i = 0; i < kReports; ++i) {
    ReportDraft draft = Draft("192.0.2." + std::to_string(i % 100), "dos", "2026-11-30T10:00:00Z");
    draft.raw += std::to_string(i);
    writer_->Submit(std::move(draft), "", [&promises, i](Result<FiledReport> filed) {
      promises[static_cast<size_t>(i)].set_value(std::move(filed));
    });
  }
  std::set<std::string> references;
  for (auto& promise : promises) {
    auto filed = promise.get_future().get();
    ASSERT_TRUE(filed.ok());
    references.insert(filed->reference);
  }
  EXPECT_EQ(references.size(), static_cast<size_t>(kReports));
  int64_t total = 0;
  ASSERT_TRUE(store_
                  ->Read([&](Transaction& tx) {
                    for (const Case& c : tx.ListCases(CaseFilter{})) total += c.report_count;
                  })
                  .ok());
  EXPECT_EQ(total, kReports);
}

TEST_F(CasesTest, IdempotencyKeyReplaysAndRefusesAnotherBody) {
  FiledReport first = File(Draft("192.0.2.10", "spam", "2026-11-30T10:00:00Z"), "key-1");
  FiledReport replay = File(Draft("192.0.2.10", "spam", "2026-11-30T10:00:00Z"), "key-1");
  EXPECT_TRUE(replay.replayed);
  EXPECT_EQ(replay.reference, first.reference);
  EXPECT_EQ(replay.status_token, first.status_token);
  auto conflict =
      writer_->SubmitAndWait(Draft("192.0.2.99", "spam", "2026-11-30T10:00:00Z"), "key-1");
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, "idempotency_conflict");
  EXPECT_EQ(GetCase(first.case_id).report_count, 1);
}

// ---- events from abuse mail ----------------------------------------------------------------

class EventFilingTest : public CasesTest {
 protected:
  static Event MakeEvent(const std::string& target, const std::string& at,
                         const std::string& type = "security_flaw", const std::string& id = "") {
    Event event;
    event.targets.push_back(*ParseTarget(target));
    event.observed = *ParseRfc3339(at);
    event.abuse_type = type;
    event.source_report_id = id;
    event.summary = "open service";
    return event;
  }

  int64_t NewMail() {
    InboundMail mail;
    mail.received_at = Now();
    mail.channel = "pipe";
    mail.raw = "From: feed@example.org\r\n\r\nrows";
    int64_t id = 0;
    EXPECT_TRUE(store_->Write([&](Transaction& tx) { id = tx.InsertInboundMail(mail); }).ok());
    return id;
  }

  EventCounts FileAll(const std::vector<Event>& events, int64_t mail_id = 0) {
    if (mail_id == 0) mail_id = NewMail();
    std::vector<std::string> subjects;
    std::vector<Attribution> attributions = AttributeEvents(index_.Get().get(), events, subjects);
    EventCounts counts;
    EXPECT_TRUE(store_
                    ->Write([&](Transaction& tx) {
                      counts = FileEvents(tx, mail_id, "shadowserver", events, attributions,
                                          subjects, CasePolicy{}, Now());
                    })
                    .ok());
    return counts;
  }

  std::vector<Case> AllCases() {
    std::vector<Case> cases;
    CaseFilter filter;
    filter.order = CaseFilter::Order::kOldest;
    EXPECT_TRUE(store_->Read([&](Transaction& tx) { cases = tx.ListCases(filter); }).ok());
    return cases;
  }
};

TEST_F(EventFilingTest, EventsOfOneServiceAndTypeMakeOneCaseCountingEach) {
  EventCounts counts = FileAll({MakeEvent("192.0.2.1", "2026-11-30T10:00:00Z"),
                                MakeEvent("192.0.2.2", "2026-11-30T11:00:00Z"),
                                MakeEvent("192.0.2.130", "2026-11-30T12:00:00Z"),
                                MakeEvent("192.0.2.3", "2026-11-30T09:00:00Z", "botnet")});
  EXPECT_EQ(counts.stored, 4);
  EXPECT_EQ(counts.duplicates, 0);
  EXPECT_EQ(counts.cases_opened, 3);
  std::vector<Case> cases = AllCases();
  ASSERT_EQ(cases.size(), 3u);
  std::map<std::pair<std::string, std::string>, Case> by_key;
  for (const Case& c : cases) by_key[{c.subject, c.abuse_type}] = c;
  const Case& a = by_key.at({"service:S-A", "security_flaw"});
  EXPECT_EQ(a.report_count, 2);
  EXPECT_EQ(a.customer_id, "C-A");
  EXPECT_EQ(a.first_seen, ParseRfc3339("2026-11-30T10:00:00Z")->instant);
  EXPECT_EQ(a.last_seen, ParseRfc3339("2026-11-30T11:00:00Z")->instant);
  EXPECT_EQ(by_key.at({"service:S-B", "security_flaw"}).report_count, 1);
  EXPECT_EQ(by_key.at({"service:S-A", "botnet"}).report_count, 1);

  std::vector<StoredEvent> events;
  ASSERT_TRUE(store_->Read([&](Transaction& tx) { events = tx.EventsOfCase(a.id, 10, 0); }).ok());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].targets, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(events[0].format, "shadowserver");
  EXPECT_EQ(events[1].targets, std::vector<std::string>{"192.0.2.2"});
}

TEST_F(EventFilingTest, TheSameEventSentAgainOrTwiceInOneMailCountsOnce) {
  std::vector<Event> first = {MakeEvent("192.0.2.1", "2026-11-30T10:00:00Z"),
                              MakeEvent("192.0.2.1", "2026-11-30T10:00:00Z"),
                              MakeEvent("192.0.2.1", "2026-11-30T10:00:01Z")};
  EventCounts counts = FileAll(first);
  EXPECT_EQ(counts.stored, 2);
  EXPECT_EQ(counts.duplicates, 1);

  // The next day's feed repeats one row and adds one; a XARF report is resent with its id but
  // a corrected time.
  counts = FileAll({MakeEvent("192.0.2.1", "2026-11-30T10:00:00Z"),
                    MakeEvent("192.0.2.1", "2026-12-01T10:00:00Z"),
                    MakeEvent("192.0.2.9", "2026-11-30T12:00:00Z", "phishing", "R-7")});
  EXPECT_EQ(counts.stored, 2);
  EXPECT_EQ(counts.duplicates, 1);
  counts = FileAll({MakeEvent("192.0.2.9", "2026-11-30T12:05:00Z", "phishing", "R-7")});
  EXPECT_EQ(counts.stored, 0);
  EXPECT_EQ(counts.duplicates, 1);

  std::vector<Case> cases = AllCases();
  ASSERT_EQ(cases.size(), 2u);
  int64_t total = 0;
  for (const Case& c : cases) total += c.report_count;
  EXPECT_EQ(total, 4);
}

TEST_F(EventFilingTest, NotOursIsRecordedInNoCase) {
  EventCounts counts = FileAll({MakeEvent("203.0.113.9", "2026-11-30T10:00:00Z"),
                                MakeEvent("192.0.2.1", "2026-11-30T10:00:00Z")});
  EXPECT_EQ(counts.stored, 2);
  EXPECT_EQ(counts.not_ours, 1);
  std::vector<Case> cases = AllCases();
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].subject, "service:S-A");
  // Nothing is told to anyone about it: no decision, no mail.
  EXPECT_TRUE(DueMail().empty());
}

TEST_F(EventFilingTest, EventsFarApartInTimeSplitLikeReports) {
  EventCounts counts = FileAll({MakeEvent("192.0.2.1", "2026-11-01T10:00:00Z"),
                                MakeEvent("192.0.2.1", "2026-11-02T10:00:00Z"),
                                MakeEvent("192.0.2.1", "2026-11-20T10:00:00Z")});
  EXPECT_EQ(counts.cases_opened, 2);
  std::vector<Case> cases = AllCases();
  ASSERT_EQ(cases.size(), 2u);
  std::multiset<int64_t> sizes = {cases[0].report_count, cases[1].report_count};
  EXPECT_EQ(sizes, (std::multiset<int64_t>{1, 2}));

  // A form report about the same service joins the case the events opened.
  FiledReport filed = File(Draft("192.0.2.5", "security_flaw", "2026-11-21T10:00:00Z"));
  Case joined = GetCase(filed.case_id);
  EXPECT_EQ(joined.report_count, 2);
  EXPECT_EQ(joined.first_seen, ParseRfc3339("2026-11-20T10:00:00Z")->instant);
}

TEST_F(EventFilingTest, AnEventsMostSpecificAttributedTargetChoosesItsCase) {
  Event event = MakeEvent("203.0.113.9", "2026-11-30T10:00:00Z", "phishing");
  event.targets.push_back(*ParseTarget("192.0.2.200"));
  std::vector<std::string> subjects;
  std::vector<Event> events = {event};
  std::vector<Attribution> attributions = AttributeEvents(index_.Get().get(), events, subjects);
  ASSERT_EQ(subjects.size(), 1u);
  EXPECT_EQ(subjects[0], "service:S-B");
  EXPECT_EQ(attributions[0].service_id, "S-B");
  // Different targets or type are different events; the same ones are the same.
  Event other = event;
  other.abuse_type = "malware";
  EXPECT_NE(EventIdentity(event, "x").fingerprint, EventIdentity(other, "x").fingerprint);
  EXPECT_EQ(EventIdentity(event, "x").fingerprint, EventIdentity(event, "y").fingerprint);
  event.source_report_id = "1";
  EXPECT_NE(EventIdentity(event, "x").source_key, EventIdentity(event, "y").source_key);
  EXPECT_EQ(EventIdentity(other, "x").source_key, 0);
}

}  // namespace
}  // namespace vigie
