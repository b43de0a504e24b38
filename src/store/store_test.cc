// Tests of the storage interface. Every behaviour is checked on both implementations (SQLite and
// PostgreSQL): the same calls must give the same answers. A few tests at the end concern what
// only PostgreSQL has (row locks that skip, deadlocks, a connection pool).
#include "store/store.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "attribution/inventory.h"
#include "store/postgres_schema.h"
#include "store/sqlite_schema.h"
#include "store/test_postgres.h"

namespace vigie {
namespace {

const auto* const kPostgres = ::testing::AddGlobalTestEnvironment(new test::PostgresEnvironment);

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

enum class Backend { kSqlite, kPostgresql };

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgresql";
}

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgresql) {
      Result<test::PostgresServer*> server = test::PostgresServer::Get();
      if (!server.ok() && server.error().code == "missing") {
        GTEST_SKIP() << "PostgreSQL is not available: " << server.error().message;
      }
      ASSERT_TRUE(server.ok()) << server.error().message;
      postgres_ = *server;
    } else {
      dir_ =
          std::filesystem::temp_directory_path() /
          ("vigie-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(++directories_));
      std::filesystem::remove_all(dir_);
    }
    url_ = FreshUrl();
    ASSERT_FALSE(url_.empty());
    store_ = Open(url_);
    ASSERT_TRUE(store_);
  }

  void TearDown() override {
    store_.reset();
    if (postgres_ != nullptr) {
      for (const std::string& database : databases_) postgres_->DropDatabase(database);
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  bool IsPostgres() const { return GetParam() == Backend::kPostgresql; }

  // The URL of a new, empty database: a file in the test's directory, or a database of the
  // test server.
  std::string FreshUrl() {
    if (!IsPostgres()) {
      return "sqlite:" + (dir_ / ("db" + std::to_string(++files_) + ".sqlite3")).string();
    }
    Result<std::string> database = postgres_->CreateDatabase();
    EXPECT_TRUE(database.ok()) << database.error().message;
    if (!database.ok()) return "";
    databases_.push_back(*database);
    return postgres_->UrlOf(*database);
  }

  // A store on the database at `url`, as a node would open it; `query` is added to the URL.
  std::unique_ptr<Store> Open(const std::string& url, const std::string& query = "") {
    auto opened = OpenStore(StoreOptions{query.empty() ? url : url + "?" + query, 2});
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    if (!opened.ok()) return nullptr;
    return std::move(opened).value();
  }

  // Runs `sql` on the test's database outside the store, with the engine's own client library.
  // Returns the first column of the first row ("" when none), or nullopt when the statement
  // failed.
  std::optional<std::string> RawQuery(const std::string& sql) {
    if (!IsPostgres()) {
      std::string path = url_.substr(7);
      sqlite3* db = nullptr;
      if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
        sqlite3_close(db);
        return std::nullopt;
      }
      sqlite3_busy_timeout(db, 5000);
      std::optional<std::string> out;
      sqlite3_stmt* stmt = nullptr;
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
          const unsigned char* text = sqlite3_column_text(stmt, 0);
          out = text ? reinterpret_cast<const char*>(text) : "";
        } else if (rc == SQLITE_DONE) {
          out = "";
        }
      }
      sqlite3_finalize(stmt);
      sqlite3_close(db);
      return out;
    }
    PGconn* connection = PQconnectdb(url_.c_str());
    std::optional<std::string> out;
    if (PQstatus(connection) == CONNECTION_OK) {
      PGresult* result = PQexec(connection, sql.c_str());
      ExecStatusType status = PQresultStatus(result);
      if (status == PGRES_TUPLES_OK) {
        out = PQntuples(result) > 0 ? PQgetvalue(result, 0, 0) : "";
      } else if (status == PGRES_COMMAND_OK) {
        out = "";
      }
      PQclear(result);
    }
    PQfinish(connection);
    return out;
  }

  static int64_t NewCase(Transaction& tx, const std::string& subject, Instant seen,
                         const std::string& abuse_type = "phishing") {
    Case value;
    value.abuse_type = abuse_type;
    value.subject = subject;
    value.report_count = 1;
    value.first_seen = value.last_seen = seen;
    value.created_at = value.updated_at = seen;
    return tx.InsertCase(value);
  }

  static OutboxMail Mail(Instant due) {
    OutboxMail mail;
    mail.kind = "acknowledgement";
    mail.recipient = "ann@example.net";
    mail.language = "en";
    mail.next_attempt_at = due;
    return mail;
  }

  // Files one report about `subject` the way cases/filing.cc does: into the open case, or into
  // a new one.
  static int64_t File(Transaction& tx, const std::string& subject, Instant now) {
    if (std::optional<Case> open = tx.FindOpenCase(subject, "phishing", now - hours(72))) {
      tx.CountReportInCase(open->id, now, now);
      return open->id;
    }
    return NewCase(tx, subject, now);
  }

  test::PostgresServer* postgres_ = nullptr;
  std::vector<std::string> databases_;
  std::filesystem::path dir_;
  std::string url_;
  std::unique_ptr<Store> store_;
  int files_ = 0;
  static inline int directories_ = 0;
};

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgresql), BackendName);

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
  draft.description = "<script>alert(1)</script> ' \"; DROP TABLE reports; --";
  draft.good_faith = true;
  draft.language = "fr";
  return draft;
}

TEST_P(StoreTest, ReportRoundTripsByteForByte) {
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
  attribution.candidates = {"S-1", "S-2"};
  report.targets.push_back(StoredTarget{draft.targets[0], attribution});

  int64_t case_id = 0;
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    case_id = NewCase(tx, "service:S-1", draft.observed.instant);
                    tx.InsertReport(report, case_id);
                  })
                  .ok());

  std::optional<StoredReport> loaded;
  ASSERT_TRUE(
      store_->Read([&](Transaction& tx) { loaded = tx.FindReportByReference("VG-TEST000001"); })
          .ok());
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->draft.raw, draft.raw);
  EXPECT_EQ(loaded->draft.description, draft.description);
  EXPECT_EQ(loaded->draft.observed.offset_minutes, 60);
  EXPECT_EQ(loaded->draft.observed.instant, draft.observed.instant);
  EXPECT_TRUE(loaded->draft.good_faith);
  EXPECT_FALSE(loaded->draft.reporter.share_email);
  EXPECT_EQ(loaded->received_at, FromUnixSeconds(1000));
  EXPECT_EQ(loaded->case_id, case_id);
  ASSERT_EQ(loaded->targets.size(), 1u);
  EXPECT_EQ(loaded->targets[0].attribution.service_id, "S-1");
  EXPECT_EQ(loaded->targets[0].attribution.result, AttributionResult::kAttributed);
  EXPECT_EQ(loaded->targets[0].attribution.candidates, (std::vector<std::string>{"S-1", "S-2"}));
  EXPECT_EQ(loaded->targets[0].target.canonical, "192.0.2.1");

  ASSERT_TRUE(store_
                  ->Read([&](Transaction& tx) {
                    EXPECT_EQ(tx.StatusTokenHash("VG-TEST000001"), "abc");
                    EXPECT_EQ(tx.StatusTokenHash("VG-NOSUCH"), "");
                    EXPECT_FALSE(tx.FindReportByIdempotencyKey("absent"));
                    ASSERT_EQ(tx.ReportsOfCase(case_id).size(), 1u);
                    EXPECT_EQ(tx.GetReport(loaded->id)->reference, "VG-TEST000001");
                  })
                  .ok());
}

TEST_P(StoreTest, OpenCaseFoundOnlyWithinWindowAndWhileOpen) {
  Instant t0 = FromUnixSeconds(1'700'000'000);
  int64_t case_id = 0;
  ASSERT_TRUE(
      store_->Write([&](Transaction& tx) { case_id = NewCase(tx, "service:S-1", t0); }).ok());
  ASSERT_TRUE(store_
                  ->Read([&](Transaction& tx) {
                    EXPECT_TRUE(tx.FindOpenCase("service:S-1", "phishing", t0 - hours(1)));
                    EXPECT_FALSE(tx.FindOpenCase("service:S-1", "phishing", t0 + hours(1)));
                    EXPECT_FALSE(tx.FindOpenCase("service:S-2", "phishing", t0 - hours(1)));
                    EXPECT_FALSE(tx.FindOpenCase("service:S-1", "spam", t0 - hours(1)));
                  })
                  .ok());
  // The same answers inside a write transaction, where the case found is locked.
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    EXPECT_EQ(tx.FindOpenCase("service:S-1", "phishing", t0 - hours(1))->id,
                              case_id);
                    EXPECT_FALSE(tx.FindOpenCase("service:S-1", "phishing", t0 + hours(1)));
                  })
                  .ok());

  Decision close;
  close.case_id = case_id;
  close.action = DecisionAction::kClose;
  close.actor = "agent@example.net";
  close.decided_at = t0;
  close.status_before = CaseStatus::kNew;
  close.status_after = CaseStatus::kClosed;
  close.reason = "remediated";
  ASSERT_TRUE(store_->Write([&](Transaction& tx) { tx.AppendDecision(close, "remediated"); }).ok());
  ASSERT_TRUE(store_
                  ->Read([&](Transaction& tx) {
                    EXPECT_FALSE(tx.FindOpenCase("service:S-1", "phishing", t0 - hours(1)));
                    EXPECT_EQ(tx.GetCase(case_id)->status, CaseStatus::kClosed);
                    EXPECT_EQ(tx.GetCase(case_id)->outcome, "remediated");
                    ASSERT_EQ(tx.DecisionsOfCase(case_id).size(), 1u);
                    EXPECT_EQ(tx.DecisionsOfCase(case_id)[0].reason, "remediated");
                  })
                  .ok());
}

TEST_P(StoreTest, CountingAReportWidensTheCaseWindow) {
  Instant t0 = FromUnixSeconds(1'700'000'000);
  int64_t case_id = 0;
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    case_id = NewCase(tx, "service:S-1", t0);
                    tx.CountReportInCase(case_id, t0 - hours(2), t0 + hours(1));
                    tx.CountReportInCase(case_id, t0 + hours(3), t0 + hours(4));
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Read([&](Transaction& tx) {
                    Case value = *tx.GetCase(case_id);
                    EXPECT_EQ(value.report_count, 3);
                    EXPECT_EQ(value.first_seen, t0 - hours(2));
                    EXPECT_EQ(value.last_seen, t0 + hours(3));
                    EXPECT_EQ(value.updated_at, t0 + hours(4));
                    EXPECT_FALSE(value.deadline);
                    EXPECT_FALSE(tx.GetCase(case_id + 1000));
                  })
                  .ok());
}

TEST_P(StoreTest, ListCasesFiltersAndOrdersAlike) {
  Instant t0 = FromUnixSeconds(1'700'000'000);
  struct Spec {
    const char* label;
    const char* type;
    CaseStatus status;
    int64_t reports;
    int created;  // seconds after t0
  };
  const Spec specs[] = {
      {"a", "phishing", CaseStatus::kNew, 1, 10},
      {"b", "spam", CaseStatus::kNew, 5, 20},
      {"c", "phishing", CaseStatus::kClosed, 9, 30},
      {"d", "phishing", CaseStatus::kNew, 3, 40},
      {"e", "child_sexual_abuse", CaseStatus::kTriage, 1, 50},
      {"f", "phishing", CaseStatus::kNew, 3, 5},
  };
  std::map<int64_t, std::string> label_of;
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    for (const Spec& spec : specs) {
                      Case value;
                      value.status = spec.status;
                      value.abuse_type = spec.type;
                      value.subject = std::string("target:") + spec.label;
                      value.report_count = spec.reports;
                      value.first_seen = value.last_seen = t0;
                      value.created_at = value.updated_at = t0 + seconds(spec.created);
                      label_of[tx.InsertCase(value)] = spec.label;
                    }
                  })
                  .ok());

  auto list = [&](CaseFilter filter) {
    std::string labels;
    int64_t count = -1;
    EXPECT_TRUE(store_
                    ->Read([&](Transaction& tx) {
                      for (const Case& value : tx.ListCases(filter)) labels += label_of[value.id];
                      count = tx.CountCases(filter);
                    })
                    .ok());
    return labels + "/" + std::to_string(count);
  };
  using Order = CaseFilter::Order;
  CaseFilter filter;
  // Open first; then urgency; then reports; then the oldest.
  EXPECT_EQ(list(filter), "efdabc/6");
  filter.order = Order::kNewest;
  EXPECT_EQ(list(filter), "edcbaf/6");
  filter.order = Order::kOldest;
  EXPECT_EQ(list(filter), "fabcde/6");
  filter.order = Order::kMostReports;
  EXPECT_EQ(list(filter), "cbdfae/6");

  CaseFilter page;
  page.limit = 2;
  page.offset = 1;
  EXPECT_EQ(list(page), "fd/6");
  page.limit = 0;
  EXPECT_EQ(list(page), "/6");

  CaseFilter open_phishing;
  open_phishing.status = CaseStatus::kNew;
  open_phishing.abuse_type = "phishing";
  EXPECT_EQ(list(open_phishing), "fda/3");

  CaseFilter by_age;
  by_age.created_after = t0 + seconds(10);
  by_age.created_before = t0 + seconds(50);
  by_age.order = Order::kOldest;
  EXPECT_EQ(list(by_age), "abcd/4");
  by_age.abuse_type = "phishing";
  EXPECT_EQ(list(by_age), "acd/3");
  by_age.created_after.reset();
  by_age.status = CaseStatus::kNew;
  EXPECT_EQ(list(by_age), "fad/3");
}

TEST_P(StoreTest, DecisionLogRefusesEditsEvenInRawSql) {
  int64_t case_id = 0;
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    Decision d;
                    d.case_id = case_id = NewCase(tx, "target:x", FromUnixSeconds(1));
                    d.decided_at = FromUnixSeconds(2);
                    d.message = "original";
                    d.deadline = FromUnixSeconds(3);
                    d.automated_detection = true;
                    tx.AppendDecision(d, "");
                  })
                  .ok());

  EXPECT_FALSE(RawQuery("UPDATE decisions SET message = 'forged'"));
  EXPECT_FALSE(RawQuery("DELETE FROM decisions"));
  if (IsPostgres()) {
    EXPECT_FALSE(RawQuery("TRUNCATE decisions"));
  }

  ASSERT_TRUE(store_
                  ->Read([&](Transaction& tx) {
                    auto decisions = tx.DecisionsOfCase(case_id);
                    ASSERT_EQ(decisions.size(), 1u);
                    EXPECT_EQ(decisions[0].message, "original");
                    EXPECT_EQ(decisions[0].deadline, FromUnixSeconds(3));
                    EXPECT_TRUE(decisions[0].automated_detection);
                    EXPECT_EQ(tx.GetDecision(decisions[0].id)->message, "original");
                    EXPECT_EQ(tx.GetCase(case_id)->deadline, FromUnixSeconds(3));
                  })
                  .ok());
}

TEST_P(StoreTest, FailedWorkRollsBackEverything) {
  Status status = store_->Write([&](Transaction& tx) {
    NewCase(tx, "target:rollback", FromUnixSeconds(1));
    throw StoreError("simulated disk failure");
  });
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "database");
  EXPECT_THROW((void)store_->Write([&](Transaction& tx) {
    NewCase(tx, "target:rollback", FromUnixSeconds(1));
    throw std::logic_error("a bug");
  }),
               std::logic_error);
  ASSERT_TRUE(
      store_->Read([&](Transaction& tx) { EXPECT_EQ(tx.CountCases(CaseFilter{}), 0); }).ok());
}

TEST_P(StoreTest, DatabaseErrorsBecomeStatusesAndTheStoreCarriesOn) {
  // A duplicate reference is refused by the database; the store stays usable afterwards.
  ReportDraft draft = SampleDraft();
  NewReport report;
  report.reference = "VG-DUPLICATE1";
  report.draft = &draft;
  Status status = store_->Write([&](Transaction& tx) {
    int64_t case_id = NewCase(tx, "target:dup", FromUnixSeconds(1));
    tx.InsertReport(report, case_id);
    tx.InsertReport(report, case_id);
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "database");
  // Writing in a read transaction fails the same way.
  EXPECT_FALSE(store_->Read([&](Transaction& tx) { NewCase(tx, "x", FromUnixSeconds(1)); }).ok());
  EXPECT_TRUE(store_->Healthy());
  ASSERT_TRUE(
      store_->Read([&](Transaction& tx) { EXPECT_EQ(tx.CountCases(CaseFilter{}), 0); }).ok());
}

TEST_P(StoreTest, OutboxLeaseKeepsAMailFromBeingClaimedTwice) {
  Instant now = FromUnixSeconds(5000);
  ASSERT_TRUE(store_->Write([&](Transaction& tx) { tx.EnqueueMail(Mail(now)); }).ok());
  std::vector<OutboxMail> first, second;
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    first = tx.ClaimDueMail(now, 10, "node-a", now + minutes(5));
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    second = tx.ClaimDueMail(now, 10, "node-b", now + minutes(5));
                  })
                  .ok());
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].recipient, "ann@example.net");
  EXPECT_EQ(first[0].next_attempt_at, now);
  EXPECT_TRUE(second.empty());

  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    tx.MarkMailFailed(first[0].id, "temporary: refused", now + minutes(1), false);
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    EXPECT_TRUE(tx.ClaimDueMail(now, 10, "node-b", now + minutes(5)).empty());
                    auto retried =
                        tx.ClaimDueMail(now + minutes(2), 10, "node-b", now + minutes(7));
                    ASSERT_EQ(retried.size(), 1u);
                    EXPECT_EQ(retried[0].attempts, 1);
                    tx.MarkMailSent(retried[0].id, now);
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Read([&](Transaction& tx) {
                    auto counts = tx.CountOutbox();
                    EXPECT_EQ(counts.sent, 1);
                    EXPECT_EQ(counts.pending, 0);
                  })
                  .ok());
}

TEST_P(StoreTest, InboundMailIsKeptByteForByteAndLeasedOnce) {
  Instant now = FromUnixSeconds(7000);
  InboundMail mail;
  mail.received_at = now;
  mail.channel = "pipe";
  static constexpr char kRaw[] = "From: a@example.net\r\n\r\n\0\xff\xfe body";
  mail.raw = std::string(kRaw, sizeof kRaw - 1);  // the NUL inside is part of the message
  mail.raw_sha256 = "hash";
  int64_t id = 0;
  ASSERT_TRUE(store_->Write([&](Transaction& tx) { id = tx.InsertInboundMail(mail); }).ok());

  std::vector<int64_t> first, second;
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    first = tx.ClaimInboundMail(now, 10, "node-a", now + minutes(5));
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    second = tx.ClaimInboundMail(now, 10, "node-b", now + minutes(5));
                  })
                  .ok());
  EXPECT_EQ(first, std::vector<int64_t>{id});
  EXPECT_TRUE(second.empty());

  // The lease ran out without a reading recorded (the reader crashed): claimed again.
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    second = tx.ClaimInboundMail(now + minutes(6), 10, "node-b", now + minutes(11));
                  })
                  .ok());
  EXPECT_EQ(second, std::vector<int64_t>{id});

  InboundMail read;
  read.id = id;
  read.state = "needs_human";
  read.format = "free_text";
  read.reason = "free_text";
  read.sender = "a@example.net";
  read.subject = "Phishing on your network";
  read.reading = R"({"format":"free_text"})";
  read.event_count = 3;
  read.read_at = now + minutes(6);
  ASSERT_TRUE(store_->Write([&](Transaction& tx) { tx.RecordMailReading(read); }).ok());

  ASSERT_TRUE(store_
                  ->Read([&](Transaction& tx) {
                    std::optional<InboundMail> loaded = tx.GetInboundMail(id, true);
                    ASSERT_TRUE(loaded);
                    EXPECT_EQ(loaded->raw, mail.raw);
                    EXPECT_EQ(loaded->size, static_cast<int64_t>(mail.raw.size()));
                    EXPECT_EQ(mail.raw.size(), 31u);
                    EXPECT_EQ(loaded->state, "needs_human");
                    EXPECT_EQ(loaded->attempts, 2);
                    EXPECT_EQ(loaded->event_count, 3);
                    EXPECT_EQ(loaded->reading, read.reading);
                    EXPECT_EQ(loaded->read_at, now + minutes(6));
                    EXPECT_TRUE(tx.GetInboundMail(id, false)->raw.empty());
                    EXPECT_EQ(tx.CountInboundMail({.state = "needs_human"}), 1);
                    EXPECT_EQ(tx.CountInboundMail({.state = "pending"}), 0);
                    ASSERT_EQ(tx.ListInboundMail({}).size(), 1u);
                    EXPECT_EQ(tx.ListInboundMail({}).front().subject, read.subject);
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    EXPECT_TRUE(
                        tx.ClaimInboundMail(now + hours(1), 10, "c", now + hours(2)).empty());
                    tx.MarkMailHandled(id, 42, now);
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Read([&](Transaction& tx) {
                    EXPECT_EQ(tx.GetInboundMail(id, false)->state, "handled");
                    EXPECT_EQ(tx.GetInboundMail(id, false)->report_id, 42);
                  })
                  .ok());
}

TEST_P(StoreTest, EventsAreStoredOnceByIdentityOrSourceKey) {
  Instant now = FromUnixSeconds(1'700'000'000);
  int64_t mail_id = 0, case_id = 0;
  InboundMail mail;
  mail.received_at = now;
  mail.channel = "api";
  mail.raw = "x";
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    mail_id = tx.InsertInboundMail(mail);
                    case_id = NewCase(tx, "service:S-1", now);
                  })
                  .ok());
  Event a, b, c;
  a.targets.push_back(*ParseTarget("192.0.2.1"));
  a.observed.instant = now;
  a.abuse_type = "security_flaw";
  a.summary = "open \"ntp\" 123/udp, \\ {braces}";
  b = a;
  b.observed.instant = now + seconds(1);
  b.observed.offset_minutes = 60;
  b.source_report_id = "R-1";
  c = a;
  c.targets.push_back(*ParseTarget("http://example.com/x"));
  Attribution attributed;
  attributed.result = AttributionResult::kAttributed;
  attributed.customer_id = "C-1";
  attributed.service_id = "S-1";
  std::vector<NewEvent> batch = {
      {&a, {a.observed.instant, 11, 0}, mail_id, case_id, "shadowserver", &attributed},
      {&b, {b.observed.instant, 12, 99}, mail_id, case_id, "shadowserver", &attributed},
      {&c, {c.observed.instant, 13, 0}, mail_id, 0, "shadowserver", nullptr},
  };
  std::vector<bool> stored;
  ASSERT_TRUE(store_->Write([&](Transaction& tx) { stored = tx.InsertEvents(batch); }).ok());
  EXPECT_EQ(stored, (std::vector<bool>{true, true, true}));

  // Known: the same time and fingerprint, or the same source key; a new time is not known.
  std::vector<EventKey> keys = {{a.observed.instant, 11, 0},
                                {a.observed.instant + seconds(5), 11, 0},
                                {now + hours(1), 77, 99},
                                {now + hours(1), 78, 100}};
  std::vector<bool> known;
  ASSERT_TRUE(store_->Read([&](Transaction& tx) { known = tx.KnownEvents(keys); }).ok());
  EXPECT_EQ(known, (std::vector<bool>{true, false, true, false}));

  // Inserting a known one again (another node got there first) stores nothing.
  std::vector<NewEvent> again = {batch[0]};
  ASSERT_TRUE(store_->Write([&](Transaction& tx) { stored = tx.InsertEvents(again); }).ok());
  EXPECT_EQ(stored, std::vector<bool>{false});

  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    tx.CountEventsInCase(case_id, 2, now - hours(1), now + seconds(1), now);
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Read([&](Transaction& tx) {
                    std::vector<StoredEvent> events = tx.EventsOfCase(case_id, 10, 0);
                    ASSERT_EQ(events.size(), 2u);
                    EXPECT_EQ(tx.CountEventsOfCase(case_id), 2);
                    EXPECT_EQ(events[0].targets, std::vector<std::string>{"192.0.2.1"});
                    EXPECT_EQ(events[0].summary, a.summary);
                    EXPECT_EQ(events[0].format, "shadowserver");
                    EXPECT_EQ(events[0].service_id, "S-1");
                    EXPECT_EQ(events[0].attribution, AttributionResult::kAttributed);
                    EXPECT_EQ(events[1].source_report_id, "R-1");
                    EXPECT_EQ(events[1].observed.offset_minutes, 60);
                    EXPECT_EQ(events[1].mail_id, mail_id);
                    EXPECT_EQ(tx.EventsOfCase(case_id, 10, 1).size(), 1u);
                    Case counted = *tx.GetCase(case_id);
                    EXPECT_EQ(counted.report_count, 3);
                    EXPECT_EQ(counted.first_seen, now - hours(1));
                    EXPECT_EQ(counted.last_seen, now + seconds(1));
                  })
                  .ok());
}

TEST_P(StoreTest, ExpiredLeaseIsClaimedAgainAndDueMailComesOldestFirst) {
  Instant now = FromUnixSeconds(5000);
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    tx.EnqueueMail(Mail(now));
                    tx.EnqueueMail(Mail(now - minutes(10)));
                    tx.EnqueueMail(Mail(now + hours(1)));  // not due yet
                    tx.EnqueueMail(Mail(now - minutes(10)));
                  })
                  .ok());
  std::vector<OutboxMail> claimed;
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    claimed = tx.ClaimDueMail(now, 2, "node-a", now + minutes(5));
                  })
                  .ok());
  ASSERT_EQ(claimed.size(), 2u);
  EXPECT_EQ(claimed[0].next_attempt_at, now - minutes(10));
  EXPECT_EQ(claimed[1].next_attempt_at, now - minutes(10));
  EXPECT_LT(claimed[0].id, claimed[1].id);

  // node-a died: once its lease is over, node-b gets all three due mails, oldest first.
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    claimed = tx.ClaimDueMail(now + minutes(6), 10, "node-b", now + minutes(11));
                  })
                  .ok());
  ASSERT_EQ(claimed.size(), 3u);
  EXPECT_EQ(claimed[2].next_attempt_at, now);

  // A failure whose text is not valid UTF-8 (a mail server's reply) is still recorded.
  std::string reply = "permanent: 550 caf\xe9 \xff";
  reply += '\0';
  reply += "\xed\xa0\x80 end";  // a UTF-16 surrogate, which UTF-8 does not allow
  ASSERT_TRUE(
      store_->Write([&](Transaction& tx) { tx.MarkMailFailed(claimed[0].id, reply, now, true); })
          .ok());
  ASSERT_TRUE(store_
                  ->Read([&](Transaction& tx) {
                    auto counts = tx.CountOutbox();
                    EXPECT_EQ(counts.failed, 1);
                    EXPECT_EQ(counts.pending, 3);
                  })
                  .ok());
}

TEST_P(StoreTest, InventoryImportIsIdempotent) {
  ParsedInventory parsed = ParseInventoryCsv(
      "customer_id,customer_name,customer_email,service_id,service_kind,resource,valid_from,"
      "valid_to\n"
      "C-1,One,one@example.net,S-1,vps,192.0.2.0/24,2026-01-01T00:00:00Z,\n"
      "C-2,Two,two@example.net,S-2,vps,198.51.100.0/24,2026-01-01T00:00:00Z,"
      "2026-02-01T00:00:00Z\n"
      "C-1,One Renamed,one@example.org,S-3,web,example.com,2026-01-01T00:00:00Z,\n");
  ASSERT_TRUE(parsed.problems.empty());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(store_->Write([&](Transaction& tx) { tx.InsertInventory(parsed.records); }).ok());
  }
  ASSERT_TRUE(store_
                  ->Read([&](Transaction& tx) {
                    EXPECT_EQ(tx.CountInventory(), 3);
                    // The last row about a customer has the last word.
                    EXPECT_EQ(tx.CustomerEmail("C-1"), "one@example.org");
                    EXPECT_EQ(tx.CustomerEmail("C-9"), "");
                    std::vector<InventoryRecord> loaded = tx.LoadInventory();
                    ASSERT_EQ(loaded.size(), 3u);
                    EXPECT_EQ(loaded[0].resource, "192.0.2.0/24");
                    EXPECT_EQ(loaded[0].customer_name, "One Renamed");
                    EXPECT_FALSE(loaded[0].valid_to);
                    EXPECT_EQ(loaded[1].resource, "198.51.100.0/24");
                    EXPECT_TRUE(loaded[1].valid_to);
                    EXPECT_EQ(loaded[2].resource, "example.com");
                  })
                  .ok());
}

TEST_P(StoreTest, LargeInventoryImportIsStoredWhole) {
  std::vector<InventoryRecord> records;
  for (int i = 0; i < 3000; ++i) {
    InventoryRecord record;
    record.customer_id = "C-" + std::to_string(i % 100);
    record.customer_name = "Customer " + std::to_string(i % 100);
    record.customer_email = "c" + std::to_string(i % 100) + "@example.net";
    record.service_id = "S-" + std::to_string(i);
    record.service_kind = "vps";
    record.resource = "10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".1";
    record.valid_from = FromUnixSeconds(1'700'000'000 + i);
    records.push_back(record);
  }
  ASSERT_TRUE(store_->Write([&](Transaction& tx) { tx.InsertInventory(records); }).ok());
  ASSERT_TRUE(store_
                  ->Read([&](Transaction& tx) {
                    EXPECT_EQ(tx.CountInventory(), 3000);
                    EXPECT_EQ(tx.LoadInventory()[2999].service_id, "S-2999");
                  })
                  .ok());
}

TEST_P(StoreTest, StaffAccountsSessionsAndTokens) {
  Instant now = FromUnixSeconds(1'700'000'000);
  int64_t ann = 0;
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    ann = tx.InsertUser(User{0, "Ann@Example.net", Role::kAdmin, "hash-1", false});
                    tx.InsertSession(Session{"session-1", ann, "csrf", now, now + hours(1)});
                    tx.InsertApiToken(ann, "token-1", "ci", now);
                  })
                  .ok());
  // An address is one account whatever its case.
  EXPECT_FALSE(store_
                   ->Write([&](Transaction& tx) {
                     tx.InsertUser(User{0, "ann@example.NET", Role::kAgent, "hash-2", false});
                   })
                   .ok());
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    tx.UpdateUserPassword(ann, "hash-3");
                    tx.DeleteSession("session-absent");
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Read([&](Transaction& tx) {
                    std::optional<User> found = tx.FindUserByEmail("ann@example.net");
                    ASSERT_TRUE(found);
                    EXPECT_EQ(found->id, ann);
                    EXPECT_EQ(found->email, "Ann@Example.net");
                    EXPECT_EQ(found->role, Role::kAdmin);
                    EXPECT_EQ(found->password_hash, "hash-3");
                    EXPECT_FALSE(found->disabled);
                    EXPECT_EQ(tx.GetUser(ann)->email, "Ann@Example.net");
                    EXPECT_FALSE(tx.GetUser(ann + 1));
                    EXPECT_EQ(tx.CountUsers(), 1);
                    EXPECT_EQ(tx.FindUserByApiToken("token-1")->id, ann);
                    EXPECT_FALSE(tx.FindUserByApiToken("token-2"));
                    std::optional<Session> session = tx.FindSession("session-1", now);
                    ASSERT_TRUE(session);
                    EXPECT_EQ(session->user_id, ann);
                    EXPECT_EQ(session->csrf_token, "csrf");
                    EXPECT_EQ(session->expires_at, now + hours(1));
                    EXPECT_FALSE(tx.FindSession("session-1", now + hours(1)));
                  })
                  .ok());
  ASSERT_TRUE(store_->Write([&](Transaction& tx) { tx.DeleteSession("session-1"); }).ok());
  ASSERT_TRUE(
      store_->Read([&](Transaction& tx) { EXPECT_FALSE(tx.FindSession("session-1", now)); }).ok());
}

TEST_P(StoreTest, SecretIsCreatedOnceAndThenStable) {
  std::string first, second;
  ASSERT_TRUE(
      store_->Write([&](Transaction& tx) { first = tx.GetOrCreateSecret("k", "one"); }).ok());
  ASSERT_TRUE(
      store_->Write([&](Transaction& tx) { second = tx.GetOrCreateSecret("k", "two"); }).ok());
  EXPECT_EQ(first, "one");
  EXPECT_EQ(second, "one");
}

// ---- several nodes at once ---------------------------------------------------------------

TEST_P(StoreTest, NodesStartingAtOnceApplyEachMigrationOnce) {
  std::string url = FreshUrl();
  constexpr int kNodes = 4;
  std::latch start(kNodes);
  std::vector<std::future<std::string>> opened;
  for (int i = 0; i < kNodes; ++i) {
    opened.push_back(std::async(std::launch::async, [&] {
      start.arrive_and_wait();
      auto store = OpenStore(StoreOptions{url, 1});
      if (!store.ok()) return store.error().message;
      Status used = (*store)->Write([](Transaction& tx) { tx.GetOrCreateSecret("k", "v"); });
      return used.ok() ? std::string() : used.error().message;
    }));
  }
  for (auto& result : opened) EXPECT_EQ(result.get(), "");

  url_ = url;  // RawQuery's database
  size_t expected =
      IsPostgres() ? postgres_schema::kMigrations.size() : sqlite_schema::kMigrations.size();
  EXPECT_EQ(RawQuery("SELECT COUNT(*) FROM schema_migrations"), std::to_string(expected));
  EXPECT_EQ(RawQuery("SELECT MAX(version) FROM schema_migrations"), std::to_string(expected));
}

TEST_P(StoreTest, TwoNodesFilingOneSubjectAtOnceMakeOneCase) {
  std::unique_ptr<Store> other = Open(url_);
  ASSERT_TRUE(other);
  Instant now = FromUnixSeconds(1'700'000'000);

  // The first node has looked and found no case; the second files while the first is still
  // deciding to create one. The second must wait, then join the first's case.
  std::promise<void> first_looked;
  std::atomic<bool> signalled = false;
  std::future<Status> first = std::async(std::launch::async, [&] {
    return store_->Write([&](Transaction& tx) {
      std::optional<Case> open = tx.FindOpenCase("service:S-1", "phishing", now - hours(72));
      EXPECT_FALSE(open);
      if (!signalled.exchange(true)) first_looked.set_value();
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      NewCase(tx, "service:S-1", now);
    });
  });
  first_looked.get_future().wait();
  int64_t joined = 0;
  ASSERT_TRUE(other->Write([&](Transaction& tx) { joined = File(tx, "service:S-1", now); }).ok());
  ASSERT_TRUE(first.get().ok());

  // Then many filings from both nodes at once.
  std::vector<std::future<Status>> filings;
  for (int thread = 0; thread < 4; ++thread) {
    Store* node = thread % 2 == 0 ? store_.get() : other.get();
    filings.push_back(std::async(std::launch::async, [node, now] {
      for (int i = 0; i < 20; ++i) {
        Status status = node->Write([&](Transaction& tx) {
          File(tx, "service:S-1", now);
          File(tx, "service:S-" + std::to_string(i % 3 + 2), now);
        });
        if (!status.ok()) return status;
      }
      return Status::Ok();
    }));
  }
  for (auto& filing : filings) {
    Status status = filing.get();
    EXPECT_TRUE(status.ok()) << status.error().message;
  }

  ASSERT_TRUE(store_
                  ->Read([&](Transaction& tx) {
                    std::vector<Case> cases = tx.ListCases(CaseFilter{});
                    ASSERT_EQ(cases.size(), 4u);
                    std::optional<Case> s1 = tx.FindOpenCase("service:S-1", "phishing", now);
                    ASSERT_TRUE(s1);
                    EXPECT_EQ(s1->id, joined);
                    EXPECT_EQ(s1->report_count, 2 + 80);
                    int64_t total = 0;
                    for (const Case& value : cases) total += value.report_count;
                    EXPECT_EQ(total, 2 + 160);
                  })
                  .ok());
}

TEST_P(StoreTest, TheSameSubmissionSentToTwoNodesIsStoredOnce) {
  std::unique_ptr<Store> other = Open(url_);
  ASSERT_TRUE(other);
  ReportDraft draft = SampleDraft();
  constexpr int kNodes = 4;
  std::latch start(kNodes);
  std::vector<std::future<Status>> submissions;
  std::atomic<int> stored = 0;
  for (int i = 0; i < kNodes; ++i) {
    Store* node = i % 2 == 0 ? store_.get() : other.get();
    submissions.push_back(std::async(std::launch::async, [&, node, i] {
      start.arrive_and_wait();
      bool inserted = false;
      Status status = node->Write([&](Transaction& tx) {
        // What cases/report_writer.cc does with an Idempotency-Key.
        inserted = false;
        if (tx.FindReportByIdempotencyKey("key-1")) return;
        NewReport report;
        report.reference = "VG-NODE" + std::to_string(i);
        report.idempotency_key = "key-1";
        report.draft = &draft;
        tx.InsertReport(report, NewCase(tx, "target:x", FromUnixSeconds(1)));
        inserted = true;
      });
      if (inserted && status.ok()) ++stored;
      return status;
    }));
  }
  for (auto& submission : submissions) {
    Status status = submission.get();
    EXPECT_TRUE(status.ok()) << status.error().message;
  }
  EXPECT_EQ(stored.load(), 1);
}

TEST_P(StoreTest, NodesClaimingAtOnceNeverShareAMail) {
  std::unique_ptr<Store> other = Open(url_);
  ASSERT_TRUE(other);
  Instant now = FromUnixSeconds(5000);
  constexpr int kMails = 200;
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    for (int i = 0; i < kMails; ++i) tx.EnqueueMail(Mail(now - seconds(i % 7)));
                  })
                  .ok());

  constexpr int kWorkers = 6;
  std::latch start(kWorkers);
  std::vector<std::future<std::vector<int64_t>>> workers;
  for (int w = 0; w < kWorkers; ++w) {
    Store* node = w % 2 == 0 ? store_.get() : other.get();
    workers.push_back(std::async(std::launch::async, [&, node, w] {
      std::vector<int64_t> mine;
      std::string owner = "node-" + std::to_string(w);
      start.arrive_and_wait();
      for (;;) {
        std::vector<OutboxMail> due;
        Status status = node->Write(
            [&](Transaction& tx) { due = tx.ClaimDueMail(now, 7, owner, now + minutes(5)); });
        EXPECT_TRUE(status.ok());
        if (!status.ok() || due.empty()) break;
        for (const OutboxMail& mail : due) mine.push_back(mail.id);
        Status sent = node->Write([&](Transaction& tx) {
          for (const OutboxMail& mail : due) tx.MarkMailSent(mail.id, now);
        });
        EXPECT_TRUE(sent.ok());
      }
      return mine;
    }));
  }
  std::multiset<int64_t> claimed;
  for (auto& worker : workers) {
    for (int64_t id : worker.get()) claimed.insert(id);
  }
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kMails));
  EXPECT_EQ(std::set<int64_t>(claimed.begin(), claimed.end()).size(), claimed.size());
  ASSERT_TRUE(
      store_->Read([&](Transaction& tx) { EXPECT_EQ(tx.CountOutbox().sent, kMails); }).ok());
}

TEST_P(StoreTest, TwoDecisionsOnOneCaseAtOnceAreTakenOneAfterTheOther) {
  std::unique_ptr<Store> other = Open(url_);
  ASSERT_TRUE(other);
  int64_t case_id = 0;
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    case_id = NewCase(tx, "service:S-1", FromUnixSeconds(1));
                  })
                  .ok());

  // What cases/decide.cc does: read the case, check the transition, append.
  std::latch start(2);
  auto decide = [&](Store* node, DecisionAction action) {
    return std::async(std::launch::async, [&, node, action] {
      start.arrive_and_wait();
      bool decided = false;
      Status status = node->Write([&](Transaction& tx) {
        decided = false;
        std::optional<Case> current = tx.GetCase(case_id);
        std::optional<CaseStatus> next = StatusAfter(current->status, action);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (!next) return;
        Decision d;
        d.case_id = case_id;
        d.action = action;
        d.status_before = current->status;
        d.status_after = *next;
        tx.AppendDecision(d, "");
        decided = true;
      });
      EXPECT_TRUE(status.ok());
      return decided;
    });
  };
  auto reject = decide(store_.get(), DecisionAction::kReject);
  auto forward = decide(other.get(), DecisionAction::kForward);
  EXPECT_EQ(reject.get() + forward.get(), 1);
  ASSERT_TRUE(store_
                  ->Read([&](Transaction& tx) {
                    EXPECT_EQ(tx.DecisionsOfCase(case_id).size(), 1u);
                    EXPECT_EQ(tx.DecisionsOfCase(case_id)[0].status_before, CaseStatus::kNew);
                  })
                  .ok());
}

// ---- what only PostgreSQL has ------------------------------------------------------------

// What a node's watch has been told: the versions, in order.
class SeenVersions {
 public:
  void Add(int64_t version) {
    {
      std::lock_guard lock(mutex_);
      versions_.push_back(version);
    }
    changed_.notify_all();
  }
  // Waits (up to a minute, so a slow machine does not fail the test) for a version at least
  // `version`; true when one came.
  bool WaitFor(int64_t version) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::minutes(1),
                             [&] { return !versions_.empty() && versions_.back() >= version; });
  }
  std::vector<int64_t> versions() {
    std::lock_guard lock(mutex_);
    return versions_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<int64_t> versions_;
};

std::vector<InventoryRecord> OneRecord(const std::string& service_id) {
  InventoryRecord record;
  record.customer_id = "C-1";
  record.customer_name = "One";
  record.customer_email = "one@example.net";
  record.service_id = service_id;
  record.service_kind = "vps";
  record.resource = "192.0.2.0/24";
  record.valid_from = FromUnixSeconds(1'700'000'000);
  return {record};
}

TEST_P(StoreTest, InventoryImportedByAnotherNodeIsSeenByTheWatch) {
  int64_t before = -1;
  ASSERT_TRUE(store_->Read([&](Transaction& tx) { before = tx.InventoryVersion(); }).ok());
  EXPECT_EQ(before, 0);

  SeenVersions seen;
  InventoryWatchOptions options;
  options.poll_interval = std::chrono::milliseconds(50);
  auto watch = store_->WatchInventory(
      before, [&](int64_t v) { seen.Add(v); }, options);

  // Another node (or `vigie inventory import` in another process) imports twice.
  std::unique_ptr<Store> importer = Open(url_);
  ASSERT_TRUE(importer);
  ASSERT_TRUE(importer->Write([](Transaction& tx) { tx.InsertInventory(OneRecord("S-1")); }).ok());
  ASSERT_TRUE(seen.WaitFor(before + 1));
  ASSERT_TRUE(importer->Write([](Transaction& tx) { tx.InsertInventory(OneRecord("S-2")); }).ok());
  ASSERT_TRUE(seen.WaitFor(before + 2));

  // A rolled-back import changes nothing.
  Status failed = importer->Write([](Transaction& tx) {
    tx.InsertInventory(OneRecord("S-3"));
    throw StoreError("the import was abandoned");
  });
  EXPECT_FALSE(failed.ok());
  ASSERT_TRUE(store_->Read([&](Transaction& tx) { EXPECT_EQ(tx.InventoryVersion(), 2); }).ok());
  watch.reset();
  std::vector<int64_t> versions = seen.versions();
  ASSERT_FALSE(versions.empty());
  EXPECT_EQ(versions.back(), 2);
  EXPECT_TRUE(std::is_sorted(versions.begin(), versions.end()));
}

TEST_P(StoreTest, SignInFailuresCountOnEveryNodeWithinTheirWindow) {
  std::unique_ptr<Store> other = Open(url_);
  ASSERT_TRUE(other);
  Instant start = FromUnixSeconds(1'700'000'000);
  auto window_start = [](Instant now) { return now - minutes(15); };
  auto record = [&](Store& node, const std::string& key, Instant now) {
    ASSERT_TRUE(
        node.Write([&](Transaction& tx) { tx.RecordSignInFailure(key, now, window_start(now)); })
            .ok());
  };
  auto count = [&](Store& node, const std::string& key, Instant now) {
    int64_t failures = -1;
    EXPECT_TRUE(node.Read([&](Transaction& tx) {
                      failures = tx.CountSignInFailures(key, window_start(now));
                    })
                    .ok());
    return failures;
  };

  record(*store_, "key-a", start);
  record(*other, "key-a", start + seconds(10));
  record(*store_, "key-b", start + seconds(20));
  EXPECT_EQ(count(*other, "key-a", start + seconds(30)), 2);
  EXPECT_EQ(count(*store_, "key-a", start + seconds(30)), 2);
  EXPECT_EQ(count(*store_, "key-b", start + seconds(30)), 1);
  EXPECT_EQ(count(*store_, "key-c", start + seconds(30)), 0);

  // Once the window has passed, the failures no longer count, and the next one opens a new
  // window; the expired windows of other keys are forgotten.
  Instant later = start + minutes(20);
  EXPECT_EQ(count(*store_, "key-a", later), 0);
  record(*other, "key-a", later);
  EXPECT_EQ(count(*store_, "key-a", later + seconds(1)), 1);
  EXPECT_EQ(RawQuery("SELECT COUNT(*) FROM sign_in_failures"), "1");
}

class PostgresStoreTest : public StoreTest {};

INSTANTIATE_TEST_SUITE_P(Backends, PostgresStoreTest, ::testing::Values(Backend::kPostgresql),
                         BackendName);

TEST_P(PostgresStoreTest, ClaimingSkipsMailAnotherNodeIsClaimingInsteadOfWaiting) {
  std::unique_ptr<Store> other = Open(url_);
  ASSERT_TRUE(other);
  Instant now = FromUnixSeconds(5000);
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    for (int i = 0; i < 6; ++i) tx.EnqueueMail(Mail(now));
                  })
                  .ok());

  std::promise<void> claimed, release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> committed = false;
  std::vector<OutboxMail> first, second;
  auto holder = std::async(std::launch::async, [&] {
    Status status = store_->Write([&](Transaction& tx) {
      first = tx.ClaimDueMail(now, 3, "node-a", now + minutes(5));
      claimed.set_value();
      (void)released.wait_for(seconds(10));
    });
    committed = true;
    return status;
  });
  claimed.get_future().wait();

  auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(other
                  ->Write([&](Transaction& tx) {
                    second = tx.ClaimDueMail(now, 10, "node-b", now + minutes(5));
                  })
                  .ok());
  EXPECT_FALSE(committed.load()) << "the second claim waited for the first transaction";
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(5));
  release.set_value();
  ASSERT_TRUE(holder.get().ok());

  ASSERT_EQ(first.size(), 3u);
  ASSERT_EQ(second.size(), 3u);
  std::set<int64_t> ids;
  for (const OutboxMail& mail : first) ids.insert(mail.id);
  for (const OutboxMail& mail : second) ids.insert(mail.id);
  EXPECT_EQ(ids.size(), 6u);
}

TEST_P(PostgresStoreTest, DeadlockedWriteIsRunAgainAndCountsOnce) {
  std::unique_ptr<Store> other = Open(url_);
  ASSERT_TRUE(other);
  int64_t one = 0, two = 0;
  Instant now = FromUnixSeconds(1'700'000'000);
  ASSERT_TRUE(store_
                  ->Write([&](Transaction& tx) {
                    one = NewCase(tx, "service:one", now);
                    two = NewCase(tx, "service:two", now);
                  })
                  .ok());

  // Each transaction locks one case, waits for the other to lock the other, then asks for it.
  std::latch both_locked(2);
  std::atomic<int> attempts = 0;
  auto cross = [&](Store* node, int64_t first, int64_t second) {
    return std::async(std::launch::async, [&, node, first, second] {
      bool waited = false;
      return node->Write([&](Transaction& tx) {
        ++attempts;
        tx.CountReportInCase(first, now, now);
        if (!waited) {
          waited = true;
          both_locked.arrive_and_wait();
        }
        tx.CountReportInCase(second, now, now);
      });
    });
  };
  auto a = cross(store_.get(), one, two);
  auto b = cross(other.get(), two, one);
  Status sa = a.get(), sb = b.get();
  EXPECT_TRUE(sa.ok()) << sa.error().message;
  EXPECT_TRUE(sb.ok()) << sb.error().message;
  EXPECT_EQ(attempts.load(), 3);  // PostgreSQL chose one victim, which ran again
  ASSERT_TRUE(store_
                  ->Read([&](Transaction& tx) {
                    EXPECT_EQ(tx.GetCase(one)->report_count, 3);
                    EXPECT_EQ(tx.GetCase(two)->report_count, 3);
                  })
                  .ok());
}

TEST_P(PostgresStoreTest, LostConnectionsAreReopened) {
  ASSERT_TRUE(store_->Read([](Transaction& tx) { tx.CountUsers(); }).ok());
  // The server drops every connection of the store, as a restart or a failover would.
  EXPECT_TRUE(
      RawQuery("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
               "datname = current_database() AND application_name = 'vigie'"));
  for (int i = 0; i < 50 && RawQuery("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = "
                                     "current_database() AND application_name = 'vigie'") != "0";
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  int64_t case_id = 0;
  Status wrote = store_->Write(
      [&](Transaction& tx) { case_id = NewCase(tx, "service:S-1", FromUnixSeconds(1)); });
  EXPECT_TRUE(wrote.ok()) << wrote.error().message;
  ASSERT_TRUE(store_->Read([&](Transaction& tx) { EXPECT_TRUE(tx.GetCase(case_id)); }).ok());
  EXPECT_TRUE(store_->Healthy());
}

TEST_P(PostgresStoreTest, PoolSizeFromTheUrlBoundsTheConnections) {
  std::unique_ptr<Store> pooled = Open(url_, "application_name=pooled&pool_size=2");
  ASSERT_TRUE(pooled);
  std::vector<std::future<Status>> readers;
  for (int i = 0; i < 6; ++i) {
    readers.push_back(std::async(std::launch::async, [&] {
      return pooled->Read([](Transaction& tx) {
        tx.CountUsers();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      });
    }));
  }
  for (auto& reader : readers) EXPECT_TRUE(reader.get().ok());
  EXPECT_EQ(RawQuery("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                     "AND application_name = 'pooled'"),
            "2");
}

TEST_P(PostgresStoreTest, InventoryListenerListensAgainAfterItsConnectionIsKilled) {
  SeenVersions seen;
  InventoryWatchOptions options;
  options.reconnect_delay = std::chrono::milliseconds(50);
  auto watch = store_->WatchInventory(
      0, [&](int64_t v) { seen.Add(v); }, options);
  auto listeners = [&] {
    return RawQuery(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND "
        "application_name = 'vigie inventory listener' AND query LIKE '%inventory_version%'");
  };
  for (int i = 0; i < 100 && listeners() != "1"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(listeners(), "1");

  // The server drops the listening connection (a restart, a failover, an idle-session killer).
  EXPECT_TRUE(
      RawQuery("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
               "datname = current_database() AND application_name = 'vigie inventory listener'"));
  ASSERT_TRUE(store_->Write([](Transaction& tx) { tx.InsertInventory(OneRecord("S-1")); }).ok());
  // The recheck is 30 s away: the version comes from the listener reading it as it reconnects,
  // or from the notification once it listens again.
  ASSERT_TRUE(seen.WaitFor(1));
  ASSERT_TRUE(store_->Write([](Transaction& tx) { tx.InsertInventory(OneRecord("S-2")); }).ok());
  ASSERT_TRUE(seen.WaitFor(2));
}

TEST_P(PostgresStoreTest, TextWithANulByteIsRefusedNotCut) {
  Status status =
      store_->Write([](Transaction& tx) { tx.UpsertCustomer("C-1", std::string("a\0b", 3), ""); });
  EXPECT_FALSE(status.ok());
  ASSERT_TRUE(store_->Read([](Transaction& tx) { EXPECT_EQ(tx.CustomerEmail("C-1"), ""); }).ok());
}

TEST_P(PostgresStoreTest, TheTestServerIsExportedToTheProcess) {
  const char* url = std::getenv("VIGIE_TEST_DATABASE_URL");
  ASSERT_NE(url, nullptr);
  EXPECT_TRUE(std::string_view(url).starts_with("postgresql://vigie:"));
  std::unique_ptr<Store> shared = Open(url);
  ASSERT_TRUE(shared);
  EXPECT_TRUE(shared->Healthy());
}

TEST(OpenStore, MalformedPostgresUrlsAreConfigurationErrors) {
  for (const char* url :
       {"postgresql://127.0.0.1/vigie?pool_size=0", "postgresql://127.0.0.1/vigie?pool_size=many",
        "postgresql://127.0.0.1/vigie?pool_size=100000",
        "postgresql://127.0.0.1/vigie?no_such_setting=1"}) {
    auto opened = OpenStore(StoreOptions{url, 1});
    ASSERT_FALSE(opened.ok()) << url;
    EXPECT_EQ(opened.error().code, "config") << url;
  }
}

TEST(OpenStore, UnreachablePostgresIsADatabaseError) {
  // A port on the loopback interface that nothing listens on.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  int port = ntohs(address.sin_port);
  ::close(fd);

  auto opened = OpenStore(StoreOptions{
      "postgres://vigie:secret-password@127.0.0.1:" + std::to_string(port) + "/vigie", 1});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, "database");
  EXPECT_EQ(opened.error().message.find("secret-password"), std::string::npos);
}

}  // namespace
}  // namespace vigie
