#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include "attribution/inventory.h"
#include "store/store.h"

namespace vigie {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vigie-store-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto opened = OpenStore(StoreOptions{"sqlite:" + (dir_ / "db.sqlite3").string(), 2});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  int64_t NewCase(Transaction& tx, const std::string& subject, Instant seen) {
    Case value;
    value.abuse_type = "phishing";
    value.subject = subject;
    value.report_count = 1;
    value.first_seen = value.last_seen = seen;
    value.created_at = value.updated_at = seen;
    return tx.InsertCase(value);
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

ReportDraft SampleDraft() {
  ReportDraft draft;
  draft.channel = Channel::kApi;
  draft.format = "vigie_json";
  draft.raw = std::string("{\"binary\":\"\0\xff\",\"x\":1}", 22);
  draft.raw_type = "application/json";
  draft.targets.push_back(*ParseTarget("192.0.2.1"));
  draft.observed = *ParseRfc3339("2026-11-30T10:00:00+01:00");
  draft.abuse_type = "phishing";
  draft.reporter.name = "Ann Example";
  draft.reporter.email = "ann@example.net";
  draft.description = "<script>alert(1)</script>";
  draft.good_faith = true;
  draft.language = "fr";
  return draft;
}

TEST_F(SqliteStoreTest, ReportRoundTripsByteForByte) {
  ReportDraft draft = SampleDraft();
  NewReport report;
  report.reference = "VG-TEST000001";
  report.status_token_hash = "abc";
  report.received_at = FromUnixSeconds(1000);
  report.draft = &draft;
  report.raw_sha256 = "sha";
  Attribution attribution;
  attribution.result = AttributionResult::kAttributed;
  attribution.customer_id = "C-1";
  attribution.service_id = "S-1";
  report.targets.push_back(StoredTarget{draft.targets[0], attribution});

  ASSERT_TRUE(store_->Write([&](Transaction& tx) {
    int64_t case_id = NewCase(tx, "service:S-1", draft.observed.instant);
    tx.InsertReport(report, case_id);
  }).ok());

  std::optional<StoredReport> loaded;
  ASSERT_TRUE(store_->Read([&](Transaction& tx) {
    loaded = tx.FindReportByReference("VG-TEST000001");
  }).ok());
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->draft.raw, draft.raw);
  EXPECT_EQ(loaded->draft.description, "<script>alert(1)</script>");
  EXPECT_EQ(loaded->draft.observed.offset_minutes, 60);
  ASSERT_EQ(loaded->targets.size(), 1u);
  EXPECT_EQ(loaded->targets[0].attribution.service_id, "S-1");
  EXPECT_EQ(loaded->targets[0].attribution.result, AttributionResult::kAttributed);
}

TEST_F(SqliteStoreTest, OpenCaseFoundOnlyWithinWindowAndWhileOpen) {
  Instant t0 = FromUnixSeconds(1'700'000'000);
  int64_t case_id = 0;
  ASSERT_TRUE(store_->Write([&](Transaction& tx) { case_id = NewCase(tx, "service:S-1", t0); }).ok());
  ASSERT_TRUE(store_->Read([&](Transaction& tx) {
    EXPECT_TRUE(tx.FindOpenCase("service:S-1", "phishing", t0 - std::chrono::hours(1)));
    EXPECT_FALSE(tx.FindOpenCase("service:S-1", "phishing", t0 + std::chrono::hours(1)));
    EXPECT_FALSE(tx.FindOpenCase("service:S-2", "phishing", t0 - std::chrono::hours(1)));
    EXPECT_FALSE(tx.FindOpenCase("service:S-1", "spam", t0 - std::chrono::hours(1)));
  }).ok());

  Decision close;
  close.case_id = case_id;
  close.action = DecisionAction::kClose;
  close.actor = "agent@example.net";
  close.decided_at = t0;
  close.status_before = CaseStatus::kNew;
  close.status_after = CaseStatus::kClosed;
  close.reason = "remediated";
  ASSERT_TRUE(store_->Write([&](Transaction& tx) { tx.AppendDecision(close, "remediated"); }).ok());
  ASSERT_TRUE(store_->Read([&](Transaction& tx) {
    EXPECT_FALSE(tx.FindOpenCase("service:S-1", "phishing", t0 - std::chrono::hours(1)));
    EXPECT_EQ(tx.GetCase(case_id)->status, CaseStatus::kClosed);
    EXPECT_EQ(tx.GetCase(case_id)->outcome, "remediated");
  }).ok());
}

TEST_F(SqliteStoreTest, DecisionLogRefusesEditsEvenInRawSql) {
  ASSERT_TRUE(store_->Write([&](Transaction& tx) {
    Decision d;
    d.case_id = NewCase(tx, "target:x", FromUnixSeconds(1));
    d.decided_at = FromUnixSeconds(2);
    d.message = "original";
    tx.AppendDecision(d, "");
  }).ok());

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "db.sqlite3").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  EXPECT_NE(sqlite3_exec(db, "UPDATE decisions SET message = 'forged'", nullptr, nullptr, nullptr),
            SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM decisions", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);

  ASSERT_TRUE(store_->Read([&](Transaction& tx) {
    auto decisions = tx.DecisionsOfCase(1);
    ASSERT_EQ(decisions.size(), 1u);
    EXPECT_EQ(decisions[0].message, "original");
  }).ok());
}

TEST_F(SqliteStoreTest, FailedWorkRollsBackEverything) {
  Status status = store_->Write([&](Transaction& tx) {
    NewCase(tx, "target:rollback", FromUnixSeconds(1));
    throw StoreError("simulated disk failure");
  });
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "database");
  ASSERT_TRUE(store_->Read([&](Transaction& tx) {
    EXPECT_EQ(tx.CountCases(CaseFilter{}), 0);
  }).ok());
}

TEST_F(SqliteStoreTest, OutboxLeaseKeepsAMailFromBeingClaimedTwice) {
  Instant now = FromUnixSeconds(5000);
  ASSERT_TRUE(store_->Write([&](Transaction& tx) {
    OutboxMail mail;
    mail.kind = "acknowledgement";
    mail.recipient = "ann@example.net";
    mail.language = "en";
    mail.next_attempt_at = now;
    tx.EnqueueMail(mail);
  }).ok());
  std::vector<OutboxMail> first, second;
  ASSERT_TRUE(store_->Write([&](Transaction& tx) {
    first = tx.ClaimDueMail(now, 10, "node-a", now + std::chrono::minutes(5));
  }).ok());
  ASSERT_TRUE(store_->Write([&](Transaction& tx) {
    second = tx.ClaimDueMail(now, 10, "node-b", now + std::chrono::minutes(5));
  }).ok());
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(second.empty());

  ASSERT_TRUE(store_->Write([&](Transaction& tx) {
    tx.MarkMailFailed(first[0].id, "temporary: refused", now + std::chrono::minutes(1), false);
  }).ok());
  ASSERT_TRUE(store_->Write([&](Transaction& tx) {
    EXPECT_TRUE(tx.ClaimDueMail(now, 10, "node-b", now + std::chrono::minutes(5)).empty());
    auto retried = tx.ClaimDueMail(now + std::chrono::minutes(2), 10, "node-b",
                                   now + std::chrono::minutes(7));
    ASSERT_EQ(retried.size(), 1u);
    EXPECT_EQ(retried[0].attempts, 1);
    tx.MarkMailSent(retried[0].id, now);
  }).ok());
  ASSERT_TRUE(store_->Read([&](Transaction& tx) {
    auto counts = tx.CountOutbox();
    EXPECT_EQ(counts.sent, 1);
    EXPECT_EQ(counts.pending, 0);
  }).ok());
}

TEST_F(SqliteStoreTest, InventoryImportIsIdempotent) {
  ParsedInventory parsed = ParseInventoryCsv(
      "customer_id,customer_name,customer_email,service_id,service_kind,resource,valid_from,"
      "valid_to\n"
      "C-1,One,one@example.net,S-1,vps,192.0.2.0/24,2026-01-01T00:00:00Z,\n");
  ASSERT_TRUE(parsed.problems.empty());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(store_->Write([&](Transaction& tx) { tx.InsertInventory(parsed.records); }).ok());
  }
  ASSERT_TRUE(store_->Read([&](Transaction& tx) {
    EXPECT_EQ(tx.CountInventory(), 1);
    EXPECT_EQ(tx.CustomerEmail("C-1"), "one@example.net");
    EXPECT_EQ(tx.LoadInventory()[0].resource, "192.0.2.0/24");
  }).ok());
}

TEST_F(SqliteStoreTest, SecretIsCreatedOnceAndThenStable) {
  std::string first, second;
  ASSERT_TRUE(store_->Write([&](Transaction& tx) { first = tx.GetOrCreateSecret("k", "one"); }).ok());
  ASSERT_TRUE(store_->Write([&](Transaction& tx) { second = tx.GetOrCreateSecret("k", "two"); }).ok());
  EXPECT_EQ(first, "one");
  EXPECT_EQ(second, "one");
}

TEST_F(SqliteStoreTest, PostgresUrlIsRefusedClearly) {
  auto opened = OpenStore(StoreOptions{"postgresql://localhost/vigie", 1});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, "unsupported");
}

}  // namespace
}  // namespace vigie
