// The SQLite implementation of Store: one writer connection, a pool of reader connections,
// write-ahead logging with full synchronisation, so that a committed transaction survives a
// crash or a power loss.
#include <sqlite3.h>

#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "attribution/inventory.h"
#include "store/backends.h"
#include "store/sqlite_schema.h"
#include "store/store.h"

namespace vigie {
namespace {

// A prepared statement bound to one connection; reset on destruction so it can be reused.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int index, int64_t value) {
    Check(sqlite3_bind_int64(stmt_, index, value));
    return *this;
  }
  Statement& Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
  Statement& Bind(int index, bool value) { return Bind(index, static_cast<int64_t>(value)); }
  Statement& Bind(int index, Instant value) { return Bind(index, ToUnixSeconds(value)); }
  Statement& Bind(int index, std::string_view value) {
    Check(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                              SQLITE_UTF8));
    return *this;
  }
  Statement& Bind(int index, const std::string& value) {
    return Bind(index, std::string_view(value));
  }
  Statement& Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
  Statement& BindBlob(int index, std::string_view value) {
    Check(sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT));
    return *this;
  }
  Statement& BindNull(int index) {
    Check(sqlite3_bind_null(stmt_, index));
    return *this;
  }
  Statement& Bind(int index, const std::optional<Instant>& value) {
    return value ? Bind(index, *value) : BindNull(index);
  }

  // True when a row is available.
  bool Step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw StoreError(std::string("sqlite: ") + sqlite3_errmsg(db_));
  }
  void Run() {
    while (Step()) {
    }
  }

  sqlite3_stmt* handle() const { return stmt_; }
  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  Instant Time(int column) const { return FromUnixSeconds(Int(column)); }
  std::optional<Instant> OptionalTime(int column) const {
    if (IsNull(column)) return std::nullopt;
    return Time(column);
  }
  std::string Text(int column) const {
    const void* data = sqlite3_column_blob(stmt_, column);
    int size = sqlite3_column_bytes(stmt_, column);
    if (data == nullptr || size <= 0) return {};
    return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
  }

 private:
  void Check(int rc) {
    if (rc != SQLITE_OK) throw StoreError(std::string("sqlite bind: ") + sqlite3_errmsg(db_));
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// One connection and its statement cache.
class Connection {
 public:
  Connection(const std::string& path, bool read_only) {
    int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    flags |= SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw StoreError("sqlite open " + path + ": " + message);
    }
    sqlite3_busy_timeout(db_, 10000);
    sqlite3_extended_result_codes(db_, 1);
    Exec("PRAGMA foreign_keys = ON");
    if (!read_only) {
      Exec("PRAGMA journal_mode = WAL");
      // FULL: a commit is on disk, WAL included, before it returns. Intake acknowledges a
      // report only after that.
      Exec("PRAGMA synchronous = FULL");
    }
  }
  ~Connection() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Exec(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error ? error : sqlite3_errmsg(db_);
      sqlite3_free(error);
      throw StoreError("sqlite: " + message);
    }
  }

  // The statement for `sql`, prepared once per connection. `sql` must be a string literal: the
  // cache is keyed by its address.
  Statement Prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      sqlite3_stmt* stmt = nullptr;
      if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) !=
          SQLITE_OK) {
        throw StoreError(std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
      }
      it = cache_.emplace(sql, stmt).first;
    }
    return Statement(db_, it->second);
  }

  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::map<const char*, sqlite3_stmt*> cache_;
};

constexpr const char* kCaseColumns =
    "id, status, abuse_type, subject, attribution, customer_id, service_id, report_count, "
    "first_seen, last_seen, created_at, updated_at, deadline_at, outcome";

Case ReadCase(const Statement& row) {
  Case value;
  value.id = row.Int(0);
  value.status = ParseCaseStatus(row.Text(1)).value_or(CaseStatus::kNew);
  value.abuse_type = row.Text(2);
  value.subject = row.Text(3);
  value.attribution = ParseAttributionResult(row.Text(4)).value_or(AttributionResult::kUnknown);
  value.customer_id = row.Text(5);
  value.service_id = row.Text(6);
  value.report_count = row.Int(7);
  value.first_seen = row.Time(8);
  value.last_seen = row.Time(9);
  value.created_at = row.Time(10);
  value.updated_at = row.Time(11);
  value.deadline = row.OptionalTime(12);
  value.outcome = row.Text(13);
  return value;
}

constexpr const char* kDecisionColumns =
    "id, case_id, action, actor_kind, actor, decided_at, status_before, status_after, reason, "
    "message, deadline_at, ground, ground_reference, facts, category, visibility, provision, "
    "automated_decision, automated_detection, source_type";

Decision ReadDecision(const Statement& row) {
  Decision value;
  value.id = row.Int(0);
  value.case_id = row.Int(1);
  value.action = ParseDecisionAction(row.Text(2)).value_or(DecisionAction::kForward);
  value.actor_kind = row.Text(3) == "rule" ? ActorKind::kRule : ActorKind::kPerson;
  value.actor = row.Text(4);
  value.decided_at = row.Time(5);
  value.status_before = ParseCaseStatus(row.Text(6)).value_or(CaseStatus::kNew);
  value.status_after = ParseCaseStatus(row.Text(7)).value_or(CaseStatus::kNew);
  value.reason = row.Text(8);
  value.message = row.Text(9);
  value.deadline = row.OptionalTime(10);
  value.ground = row.Text(11);
  value.ground_reference = row.Text(12);
  value.facts = row.Text(13);
  value.category = row.Text(14);
  value.visibility = row.Text(15);
  value.provision = row.Text(16);
  value.automated_decision = row.Text(17);
  value.automated_detection = row.Int(18) != 0;
  value.source_type = row.Text(19);
  return value;
}

constexpr const char* kReportColumns =
    "id, reference, received_at, channel, format, raw, raw_type, raw_sha256, abuse_type, "
    "observed_at, observed_offset, observed_zone, reporter_kind, reporter_name, "
    "reporter_legal_form, reporter_email, share_email, description, good_faith, language, "
    "source_report_id, case_id";

StoredReport ReadReport(const Statement& row) {
  StoredReport report;
  report.id = row.Int(0);
  report.reference = row.Text(1);
  report.received_at = row.Time(2);
  ReportDraft& draft = report.draft;
  draft.channel = ParseChannel(row.Text(3)).value_or(Channel::kApi);
  draft.format = row.Text(4);
  draft.raw = row.Text(5);
  draft.raw_type = row.Text(6);
  report.raw_sha256 = row.Text(7);
  draft.abuse_type = row.Text(8);
  draft.observed.instant = row.Time(9);
  draft.observed.offset_minutes = static_cast<int>(row.Int(10));
  draft.observed.zone = row.Text(11);
  draft.reporter.kind = ParseReporterKind(row.Text(12)).value_or(ReporterKind::kPerson);
  draft.reporter.name = row.Text(13);
  draft.reporter.legal_form = row.Text(14);
  draft.reporter.email = row.Text(15);
  draft.reporter.share_email = row.Int(16) != 0;
  draft.description = row.Text(17);
  draft.good_faith = row.Int(18) != 0;
  draft.language = row.Text(19);
  draft.source_report_id = row.Text(20);
  report.case_id = row.Int(21);
  return report;
}

constexpr const char* kInboundMailColumns =
    "id, received_at, channel, raw_sha256, size, state, format, reason, detail, sender, subject, "
    "message_id, reading, event_count, new_events, duplicate_events, not_ours_events, attempts, "
    "read_at, report_id";

InboundMail ReadInboundMail(const Statement& row) {
  InboundMail mail;
  mail.id = row.Int(0);
  mail.received_at = row.Time(1);
  mail.channel = row.Text(2);
  mail.raw_sha256 = row.Text(3);
  mail.size = row.Int(4);
  mail.state = row.Text(5);
  mail.format = row.Text(6);
  mail.reason = row.Text(7);
  mail.detail = row.Text(8);
  mail.sender = row.Text(9);
  mail.subject = row.Text(10);
  mail.message_id = row.Text(11);
  mail.reading = row.Text(12);
  mail.event_count = row.Int(13);
  mail.new_events = row.Int(14);
  mail.duplicate_events = row.Int(15);
  mail.not_ours_events = row.Int(16);
  mail.attempts = static_cast<int>(row.Int(17));
  mail.read_at = row.OptionalTime(18);
  mail.report_id = row.Int(19);
  return mail;
}

std::vector<std::string> SplitLines(const std::string& text);

constexpr const char* kEventColumns =
    "id, mail_id, case_id, targets, observed_at, observed_offset, abuse_type, format, "
    "source_report_id, summary, attribution, customer_id, service_id";

StoredEvent ReadEvent(const Statement& row) {
  StoredEvent event;
  event.id = row.Int(0);
  event.mail_id = row.Int(1);
  event.case_id = row.IsNull(2) ? 0 : row.Int(2);
  event.targets = SplitLines(row.Text(3));
  event.observed.instant = row.Time(4);
  event.observed.offset_minutes = static_cast<int>(row.Int(5));
  event.abuse_type = row.Text(6);
  event.format = row.Text(7);
  event.source_report_id = row.Text(8);
  event.summary = row.Text(9);
  event.attribution = ParseAttributionResult(row.Text(10)).value_or(AttributionResult::kUnknown);
  event.customer_id = row.Text(11);
  event.service_id = row.Text(12);
  return event;
}

std::string JoinLines(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += '\n';
    out += item;
  }
  return out;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    out.emplace_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

class SqliteTransaction final : public Transaction {
 public:
  explicit SqliteTransaction(Connection& connection) : c_(connection) {}

  int64_t InsertReport(const NewReport& report, int64_t case_id) override {
    const ReportDraft& draft = *report.draft;
    auto insert = c_.Prepare(
        "INSERT INTO reports (reference, status_token_hash, idempotency_key, received_at, "
        "channel, format, raw, raw_type, raw_sha256, abuse_type, observed_at, observed_offset, "
        "observed_zone, reporter_kind, reporter_name, reporter_legal_form, reporter_email, "
        "share_email, description, good_faith, language, source_report_id, case_id) VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
        "?20, ?21, ?22, ?23)");
    insert.Bind(1, report.reference).Bind(2, report.status_token_hash);
    if (report.idempotency_key.empty()) {
      insert.BindNull(3);
    } else {
      insert.Bind(3, report.idempotency_key);
    }
    insert.Bind(4, report.received_at)
        .Bind(5, ChannelName(draft.channel))
        .Bind(6, draft.format)
        .BindBlob(7, draft.raw)
        .Bind(8, draft.raw_type)
        .Bind(9, report.raw_sha256)
        .Bind(10, draft.abuse_type)
        .Bind(11, draft.observed.instant)
        .Bind(12, draft.observed.offset_minutes)
        .Bind(13, draft.observed.zone)
        .Bind(14, ReporterKindName(draft.reporter.kind))
        .Bind(15, draft.reporter.name)
        .Bind(16, draft.reporter.legal_form)
        .Bind(17, draft.reporter.email)
        .Bind(18, draft.reporter.share_email)
        .Bind(19, draft.description)
        .Bind(20, draft.good_faith)
        .Bind(21, draft.language)
        .Bind(22, draft.source_report_id)
        .Bind(23, case_id);
    insert.Run();
    int64_t id = sqlite3_last_insert_rowid(c_.handle());

    int position = 0;
    for (const StoredTarget& stored : report.targets) {
      auto target = c_.Prepare(
          "INSERT INTO report_targets (report_id, position, kind, canonical, display, "
          "attribution, customer_id, service_id, matched, candidates) VALUES "
          "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
      target.Bind(1, id)
          .Bind(2, position++)
          .Bind(3, TargetKindName(stored.target.kind))
          .Bind(4, stored.target.canonical)
          .Bind(5, stored.target.display)
          .Bind(6, AttributionResultName(stored.attribution.result))
          .Bind(7, stored.attribution.customer_id)
          .Bind(8, stored.attribution.service_id)
          .Bind(9, stored.attribution.matched)
          .Bind(10, JoinLines(stored.attribution.candidates));
      target.Run();
    }
    return id;
  }

  std::optional<Case> FindOpenCase(const std::string& subject, const std::string& abuse_type,
                                   Instant since) override {
    static const std::string sql = std::string("SELECT ") + kCaseColumns +
                                   " FROM cases WHERE subject = ?1 AND abuse_type = ?2 AND "
                                   "status IN ('new', 'triage', 'forwarded') AND last_seen >= ?3 "
                                   "ORDER BY last_seen DESC LIMIT 1";
    auto query = c_.Prepare(sql.c_str());
    query.Bind(1, subject).Bind(2, abuse_type).Bind(3, since);
    if (!query.Step()) return std::nullopt;
    return ReadCase(query);
  }

  int64_t InsertCase(const Case& value) override {
    auto insert = c_.Prepare(
        "INSERT INTO cases (status, abuse_type, subject, attribution, customer_id, service_id, "
        "urgency, report_count, first_seen, last_seen, created_at, updated_at, deadline_at, "
        "outcome) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    insert.Bind(1, CaseStatusName(value.status))
        .Bind(2, value.abuse_type)
        .Bind(3, value.subject)
        .Bind(4, AttributionResultName(value.attribution))
        .Bind(5, value.customer_id)
        .Bind(6, value.service_id)
        .Bind(7, UrgencyOf(value.abuse_type))
        .Bind(8, value.report_count)
        .Bind(9, value.first_seen)
        .Bind(10, value.last_seen)
        .Bind(11, value.created_at)
        .Bind(12, value.updated_at)
        .Bind(13, value.deadline)
        .Bind(14, value.outcome);
    insert.Run();
    return sqlite3_last_insert_rowid(c_.handle());
  }

  void CountReportInCase(int64_t case_id, Instant observed, Instant now) override {
    auto update = c_.Prepare(
        "UPDATE cases SET report_count = report_count + 1, first_seen = MIN(first_seen, ?2), "
        "last_seen = MAX(last_seen, ?2), updated_at = ?3 WHERE id = ?1");
    update.Bind(1, case_id).Bind(2, observed).Bind(3, now);
    update.Run();
  }

  void CountEventsInCase(int64_t case_id, int64_t count, Instant first, Instant last,
                         Instant now) override {
    auto update = c_.Prepare(
        "UPDATE cases SET report_count = report_count + ?2, first_seen = MIN(first_seen, ?3), "
        "last_seen = MAX(last_seen, ?4), updated_at = ?5 WHERE id = ?1");
    update.Bind(1, case_id).Bind(2, count).Bind(3, first).Bind(4, last).Bind(5, now);
    update.Run();
  }

  int64_t InsertInboundMail(const InboundMail& mail) override {
    auto insert = c_.Prepare(
        "INSERT INTO inbound_mail (received_at, channel, raw, raw_sha256, size) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    insert.Bind(1, mail.received_at)
        .Bind(2, mail.channel)
        .BindBlob(3, mail.raw)
        .Bind(4, mail.raw_sha256)
        .Bind(5, static_cast<int64_t>(mail.raw.size()));
    insert.Run();
    return sqlite3_last_insert_rowid(c_.handle());
  }

  std::vector<int64_t> ClaimInboundMail(Instant now, int limit, const std::string& owner,
                                        Instant lease_until) override {
    std::vector<int64_t> out;
    {
      auto query = c_.Prepare(
          "SELECT id FROM inbound_mail WHERE state = 'pending' AND lease_until <= ?1 "
          "ORDER BY id LIMIT ?2");
      query.Bind(1, now).Bind(2, limit);
      while (query.Step()) out.push_back(query.Int(0));
    }
    for (int64_t id : out) {
      auto lease = c_.Prepare(
          "UPDATE inbound_mail SET lease_owner = ?2, lease_until = ?3, attempts = attempts + 1 "
          "WHERE id = ?1");
      lease.Bind(1, id).Bind(2, owner).Bind(3, lease_until);
      lease.Run();
    }
    return out;
  }

  std::optional<InboundMail> GetInboundMail(int64_t mail_id, bool with_raw) override {
    static const std::string sql =
        std::string("SELECT ") + kInboundMailColumns + ", raw FROM inbound_mail WHERE id = ?1";
    static const std::string sql_no_raw =
        std::string("SELECT ") + kInboundMailColumns + " FROM inbound_mail WHERE id = ?1";
    auto query = c_.Prepare(with_raw ? sql.c_str() : sql_no_raw.c_str());
    query.Bind(1, mail_id);
    if (!query.Step()) return std::nullopt;
    InboundMail mail = ReadInboundMail(query);
    if (with_raw) mail.raw = query.Text(20);
    return mail;
  }

  void RecordMailReading(const InboundMail& mail) override {
    auto update = c_.Prepare(
        "UPDATE inbound_mail SET state = ?2, format = ?3, reason = ?4, detail = ?5, sender = ?6, "
        "subject = ?7, message_id = ?8, reading = ?9, event_count = ?10, new_events = ?11, "
        "duplicate_events = ?12, not_ours_events = ?13, read_at = ?14, lease_owner = '', "
        "lease_until = 0 WHERE id = ?1");
    update.Bind(1, mail.id)
        .Bind(2, mail.state)
        .Bind(3, mail.format)
        .Bind(4, mail.reason)
        .Bind(5, mail.detail)
        .Bind(6, mail.sender)
        .Bind(7, mail.subject)
        .Bind(8, mail.message_id)
        .Bind(9, mail.reading)
        .Bind(10, mail.event_count)
        .Bind(11, mail.new_events)
        .Bind(12, mail.duplicate_events)
        .Bind(13, mail.not_ours_events)
        .Bind(14, mail.read_at);
    update.Run();
  }

  std::vector<InboundMail> ListInboundMail(const MailFilter& filter) override {
    static const std::string sql = std::string("SELECT ") + kInboundMailColumns +
                                   " FROM inbound_mail WHERE (?1 = '' OR state = ?1) "
                                   "ORDER BY id DESC LIMIT ?2 OFFSET ?3";
    std::vector<InboundMail> out;
    auto query = c_.Prepare(sql.c_str());
    query.Bind(1, filter.state).Bind(2, filter.limit).Bind(3, filter.offset);
    while (query.Step()) out.push_back(ReadInboundMail(query));
    return out;
  }

  int64_t CountInboundMail(const MailFilter& filter) override {
    auto query = c_.Prepare("SELECT COUNT(*) FROM inbound_mail WHERE (?1 = '' OR state = ?1)");
    query.Bind(1, filter.state);
    query.Step();
    return query.Int(0);
  }

  void MarkMailHandled(int64_t mail_id, int64_t report_id, Instant now) override {
    auto update = c_.Prepare(
        "UPDATE inbound_mail SET state = 'handled', report_id = ?2, read_at = ?3 WHERE id = ?1");
    update.Bind(1, mail_id).Bind(2, report_id).Bind(3, now);
    update.Run();
  }

  std::vector<bool> KnownEvents(std::span<const EventKey> keys) override {
    std::vector<bool> known(keys.size(), false);
    auto by_identity =
        c_.Prepare("SELECT 1 FROM events WHERE observed_at = ?1 AND fingerprint = ?2");
    auto by_source = c_.Prepare("SELECT 1 FROM events WHERE source_key = ?1");
    for (size_t i = 0; i < keys.size(); ++i) {
      by_identity.Bind(1, keys[i].observed).Bind(2, keys[i].fingerprint);
      known[i] = by_identity.Step();
      sqlite3_reset(by_identity.handle());
      if (!known[i] && keys[i].source_key != 0) {
        by_source.Bind(1, keys[i].source_key);
        known[i] = by_source.Step();
        sqlite3_reset(by_source.handle());
      }
    }
    return known;
  }

  std::vector<bool> InsertEvents(std::span<const NewEvent> events) override {
    std::vector<bool> stored(events.size(), false);
    auto insert = c_.Prepare(
        "INSERT OR IGNORE INTO events (mail_id, case_id, observed_at, observed_offset, "
        "fingerprint, source_key, abuse_type, targets, format, source_report_id, summary, "
        "attribution, customer_id, service_id) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    std::string targets;
    for (size_t i = 0; i < events.size(); ++i) {
      const NewEvent& item = events[i];
      const Event& event = *item.event;
      targets.clear();
      for (const Target& target : event.targets) {
        if (!targets.empty()) targets += '\n';
        targets += target.canonical;
      }
      insert.Bind(1, item.mail_id);
      if (item.case_id != 0) {
        insert.Bind(2, item.case_id);
      } else {
        insert.BindNull(2);
      }
      insert.Bind(3, event.observed.instant)
          .Bind(4, event.observed.offset_minutes)
          .Bind(5, item.key.fingerprint);
      if (item.key.source_key != 0) {
        insert.Bind(6, item.key.source_key);
      } else {
        insert.BindNull(6);
      }
      const Attribution* attribution = item.attribution;
      insert.Bind(7, event.abuse_type)
          .Bind(8, std::string_view(targets))
          .Bind(9, item.format)
          .Bind(10, event.source_report_id)
          .Bind(11, event.summary)
          .Bind(12, AttributionResultName(attribution ? attribution->result
                                                      : AttributionResult::kUnknown))
          .Bind(13, attribution ? std::string_view(attribution->customer_id) : "")
          .Bind(14, attribution ? std::string_view(attribution->service_id) : "");
      insert.Run();
      stored[i] = sqlite3_changes(c_.handle()) > 0;
      sqlite3_reset(insert.handle());
    }
    return stored;
  }

  std::vector<StoredEvent> EventsOfCase(int64_t case_id, int limit, int offset) override {
    static const std::string sql = std::string("SELECT ") + kEventColumns +
                                   " FROM events WHERE case_id = ?1 "
                                   "ORDER BY observed_at, id LIMIT ?2 OFFSET ?3";
    std::vector<StoredEvent> out;
    auto query = c_.Prepare(sql.c_str());
    query.Bind(1, case_id).Bind(2, limit).Bind(3, offset);
    while (query.Step()) out.push_back(ReadEvent(query));
    return out;
  }

  int64_t CountEventsOfCase(int64_t case_id) override {
    auto query = c_.Prepare("SELECT COUNT(*) FROM events WHERE case_id = ?1");
    query.Bind(1, case_id);
    query.Step();
    return query.Int(0);
  }

  std::optional<Case> GetCase(int64_t case_id) override {
    static const std::string sql =
        std::string("SELECT ") + kCaseColumns + " FROM cases WHERE id = ?1";
    auto query = c_.Prepare(sql.c_str());
    query.Bind(1, case_id);
    if (!query.Step()) return std::nullopt;
    return ReadCase(query);
  }

  std::vector<Case> ListCases(const CaseFilter& filter) override {
    std::string sql = std::string("SELECT ") + kCaseColumns + " FROM cases" + Where(filter);
    switch (filter.order) {
      case CaseFilter::Order::kUrgency:
        // Open work first, the most harmful types first, then the most reported, then the
        // oldest: the top of the queue is what should be decided next.
        sql +=
            " ORDER BY (status IN ('new', 'triage', 'forwarded')) DESC, urgency DESC, "
            "report_count DESC, created_at ASC, id ASC";
        break;
      case CaseFilter::Order::kNewest:
        sql += " ORDER BY created_at DESC, id DESC";
        break;
      case CaseFilter::Order::kOldest:
        sql += " ORDER BY created_at ASC, id ASC";
        break;
      case CaseFilter::Order::kMostReports:
        sql += " ORDER BY report_count DESC, id ASC";
        break;
    }
    sql += " LIMIT ?10 OFFSET ?11";
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(c_.handle(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
      throw StoreError(std::string("sqlite prepare: ") + sqlite3_errmsg(c_.handle()));
    }
    std::vector<Case> out;
    {
      Statement query(c_.handle(), raw);
      BindFilter(query, filter);
      query.Bind(10, filter.limit).Bind(11, filter.offset);
      while (query.Step()) out.push_back(ReadCase(query));
    }
    sqlite3_finalize(raw);
    return out;
  }

  int64_t CountCases(const CaseFilter& filter) override {
    std::string sql = "SELECT COUNT(*) FROM cases" + Where(filter);
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(c_.handle(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
      throw StoreError(std::string("sqlite prepare: ") + sqlite3_errmsg(c_.handle()));
    }
    int64_t count = 0;
    {
      Statement query(c_.handle(), raw);
      BindFilter(query, filter);
      if (query.Step()) count = query.Int(0);
    }
    sqlite3_finalize(raw);
    return count;
  }

  std::vector<StoredReport> ReportsOfCase(int64_t case_id) override {
    static const std::string sql =
        std::string("SELECT ") + kReportColumns + " FROM reports WHERE case_id = ?1 ORDER BY id";
    std::vector<StoredReport> out;
    {
      auto query = c_.Prepare(sql.c_str());
      query.Bind(1, case_id);
      while (query.Step()) out.push_back(ReadReport(query));
    }
    for (StoredReport& report : out) LoadTargets(report);
    return out;
  }

  std::optional<StoredReport> FindReportByReference(const std::string& reference) override {
    static const std::string sql =
        std::string("SELECT ") + kReportColumns + " FROM reports WHERE reference = ?1";
    return FindOneReport(sql.c_str(), reference);
  }

  std::optional<StoredReport> FindReportByIdempotencyKey(const std::string& key) override {
    static const std::string sql =
        std::string("SELECT ") + kReportColumns + " FROM reports WHERE idempotency_key = ?1";
    return FindOneReport(sql.c_str(), key);
  }

  std::optional<StoredReport> GetReport(int64_t report_id) override {
    static const std::string sql =
        std::string("SELECT ") + kReportColumns + " FROM reports WHERE id = ?1";
    std::optional<StoredReport> report;
    {
      auto query = c_.Prepare(sql.c_str());
      query.Bind(1, report_id);
      if (query.Step()) report = ReadReport(query);
    }
    if (report) LoadTargets(*report);
    return report;
  }

  std::string StatusTokenHash(const std::string& reference) override {
    auto query = c_.Prepare("SELECT status_token_hash FROM reports WHERE reference = ?1");
    query.Bind(1, reference);
    return query.Step() ? query.Text(0) : std::string();
  }

  int64_t AppendDecision(const Decision& d, const std::string& outcome) override {
    auto insert = c_.Prepare(
        "INSERT INTO decisions (case_id, action, actor_kind, actor, decided_at, status_before, "
        "status_after, reason, message, deadline_at, ground, ground_reference, facts, category, "
        "visibility, provision, automated_decision, automated_detection, source_type) VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)");
    insert.Bind(1, d.case_id)
        .Bind(2, DecisionActionName(d.action))
        .Bind(3, ActorKindName(d.actor_kind))
        .Bind(4, d.actor)
        .Bind(5, d.decided_at)
        .Bind(6, CaseStatusName(d.status_before))
        .Bind(7, CaseStatusName(d.status_after))
        .Bind(8, d.reason)
        .Bind(9, d.message)
        .Bind(10, d.deadline)
        .Bind(11, d.ground)
        .Bind(12, d.ground_reference)
        .Bind(13, d.facts)
        .Bind(14, d.category)
        .Bind(15, d.visibility)
        .Bind(16, d.provision)
        .Bind(17, d.automated_decision)
        .Bind(18, d.automated_detection)
        .Bind(19, d.source_type);
    insert.Run();
    int64_t id = sqlite3_last_insert_rowid(c_.handle());

    auto update = c_.Prepare(
        "UPDATE cases SET status = ?2, updated_at = ?3, deadline_at = COALESCE(?4, deadline_at), "
        "outcome = ?5 WHERE id = ?1");
    update.Bind(1, d.case_id)
        .Bind(2, CaseStatusName(d.status_after))
        .Bind(3, d.decided_at)
        .Bind(4, d.deadline)
        .Bind(5, outcome);
    update.Run();
    return id;
  }

  std::vector<Decision> DecisionsOfCase(int64_t case_id) override {
    static const std::string sql = std::string("SELECT ") + kDecisionColumns +
                                   " FROM decisions WHERE case_id = ?1 ORDER BY id";
    auto query = c_.Prepare(sql.c_str());
    query.Bind(1, case_id);
    std::vector<Decision> out;
    while (query.Step()) out.push_back(ReadDecision(query));
    return out;
  }

  std::optional<Decision> GetDecision(int64_t decision_id) override {
    static const std::string sql =
        std::string("SELECT ") + kDecisionColumns + " FROM decisions WHERE id = ?1";
    auto query = c_.Prepare(sql.c_str());
    query.Bind(1, decision_id);
    if (!query.Step()) return std::nullopt;
    return ReadDecision(query);
  }

  int64_t InsertUser(const User& user) override {
    auto insert = c_.Prepare(
        "INSERT INTO users (email, role, password_hash, disabled, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    insert.Bind(1, user.email)
        .Bind(2, RoleName(user.role))
        .Bind(3, user.password_hash)
        .Bind(4, user.disabled)
        .Bind(5, Now());
    insert.Run();
    return sqlite3_last_insert_rowid(c_.handle());
  }

  void UpdateUserPassword(int64_t user_id, const std::string& password_hash) override {
    auto update = c_.Prepare("UPDATE users SET password_hash = ?2 WHERE id = ?1");
    update.Bind(1, user_id).Bind(2, password_hash);
    update.Run();
  }

  std::optional<User> FindUserByEmail(const std::string& email) override {
    auto query =
        c_.Prepare("SELECT id, email, role, password_hash, disabled FROM users WHERE email = ?1");
    query.Bind(1, email);
    return ReadUser(query);
  }

  std::optional<User> GetUser(int64_t user_id) override {
    auto query =
        c_.Prepare("SELECT id, email, role, password_hash, disabled FROM users WHERE id = ?1");
    query.Bind(1, user_id);
    return ReadUser(query);
  }

  int64_t CountUsers() override {
    auto query = c_.Prepare("SELECT COUNT(*) FROM users");
    query.Step();
    return query.Int(0);
  }

  void InsertSession(const Session& session) override {
    auto insert = c_.Prepare(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    insert.Bind(1, session.id_hash)
        .Bind(2, session.user_id)
        .Bind(3, session.csrf_token)
        .Bind(4, session.created_at)
        .Bind(5, session.expires_at);
    insert.Run();
  }

  std::optional<Session> FindSession(const std::string& id_hash, Instant now) override {
    auto query = c_.Prepare(
        "SELECT id_hash, user_id, csrf_token, created_at, expires_at FROM sessions "
        "WHERE id_hash = ?1 AND expires_at > ?2");
    query.Bind(1, id_hash).Bind(2, now);
    if (!query.Step()) return std::nullopt;
    return Session{query.Text(0), query.Int(1), query.Text(2), query.Time(3), query.Time(4)};
  }

  void DeleteSession(const std::string& id_hash) override {
    auto remove = c_.Prepare("DELETE FROM sessions WHERE id_hash = ?1");
    remove.Bind(1, id_hash);
    remove.Run();
  }

  void InsertApiToken(int64_t user_id, const std::string& token_hash, const std::string& label,
                      Instant now) override {
    auto insert = c_.Prepare(
        "INSERT INTO api_tokens (token_hash, user_id, label, created_at) VALUES (?1, ?2, ?3, ?4)");
    insert.Bind(1, token_hash).Bind(2, user_id).Bind(3, label).Bind(4, now);
    insert.Run();
  }

  std::optional<User> FindUserByApiToken(const std::string& token_hash) override {
    auto query = c_.Prepare(
        "SELECT u.id, u.email, u.role, u.password_hash, u.disabled FROM api_tokens t "
        "JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?1");
    query.Bind(1, token_hash);
    return ReadUser(query);
  }

  void InsertInventory(const std::vector<InventoryRecord>& records) override {
    for (const InventoryRecord& record : records) {
      UpsertCustomer(record.customer_id, record.customer_name, record.customer_email);
      auto insert = c_.Prepare(
          "INSERT INTO inventory (customer_id, service_id, service_kind, resource, valid_from, "
          "valid_to) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
          "ON CONFLICT (service_id, resource, valid_from) DO UPDATE SET "
          "customer_id = excluded.customer_id, service_kind = excluded.service_kind, "
          "valid_to = excluded.valid_to");
      insert.Bind(1, record.customer_id)
          .Bind(2, record.service_id)
          .Bind(3, record.service_kind)
          .Bind(4, record.resource)
          .Bind(5, record.valid_from)
          .Bind(6, record.valid_to);
      insert.Run();
    }
    c_.Prepare("UPDATE inventory_version SET version = version + 1 WHERE id = 1").Run();
  }

  std::vector<InventoryRecord> LoadInventory() override {
    auto query = c_.Prepare(
        "SELECT i.customer_id, COALESCE(c.name, ''), COALESCE(c.email, ''), i.service_id, "
        "i.service_kind, i.resource, i.valid_from, i.valid_to FROM inventory i "
        "LEFT JOIN customers c ON c.id = i.customer_id ORDER BY i.id");
    std::vector<InventoryRecord> out;
    while (query.Step()) {
      InventoryRecord record;
      record.customer_id = query.Text(0);
      record.customer_name = query.Text(1);
      record.customer_email = query.Text(2);
      record.service_id = query.Text(3);
      record.service_kind = query.Text(4);
      record.resource = query.Text(5);
      record.valid_from = query.Time(6);
      record.valid_to = query.OptionalTime(7);
      out.push_back(std::move(record));
    }
    return out;
  }

  int64_t CountInventory() override {
    auto query = c_.Prepare("SELECT COUNT(*) FROM inventory");
    query.Step();
    return query.Int(0);
  }

  void UpsertCustomer(const std::string& id, const std::string& name,
                      const std::string& email) override {
    auto upsert = c_.Prepare(
        "INSERT INTO customers (id, name, email) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email");
    upsert.Bind(1, id).Bind(2, name).Bind(3, email);
    upsert.Run();
  }

  std::string CustomerEmail(const std::string& customer_id) override {
    auto query = c_.Prepare("SELECT email FROM customers WHERE id = ?1");
    query.Bind(1, customer_id);
    return query.Step() ? query.Text(0) : std::string();
  }

  int64_t EnqueueMail(const OutboxMail& mail) override {
    auto insert = c_.Prepare(
        "INSERT INTO outbox (kind, recipient, language, report_id, case_id, decision_id, "
        "mail_id, created_at, next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?8, ?7, ?7)");
    insert.Bind(1, mail.kind)
        .Bind(2, mail.recipient)
        .Bind(3, mail.language)
        .Bind(4, mail.report_id)
        .Bind(5, mail.case_id)
        .Bind(6, mail.decision_id)
        .Bind(7, mail.next_attempt_at)
        .Bind(8, mail.mail_id);
    insert.Run();
    return sqlite3_last_insert_rowid(c_.handle());
  }

  std::vector<OutboxMail> ClaimDueMail(Instant now, int limit, const std::string& owner,
                                       Instant lease_until) override {
    std::vector<OutboxMail> out;
    {
      auto query = c_.Prepare(
          "SELECT id, kind, recipient, language, report_id, case_id, decision_id, attempts, "
          "next_attempt_at, mail_id FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?1 "
          "AND "
          "lease_until <= ?1 ORDER BY next_attempt_at, id LIMIT ?2");
      query.Bind(1, now).Bind(2, limit);
      while (query.Step()) {
        OutboxMail mail;
        mail.id = query.Int(0);
        mail.kind = query.Text(1);
        mail.recipient = query.Text(2);
        mail.language = query.Text(3);
        mail.report_id = query.Int(4);
        mail.case_id = query.Int(5);
        mail.decision_id = query.Int(6);
        mail.attempts = static_cast<int>(query.Int(7));
        mail.next_attempt_at = query.Time(8);
        mail.mail_id = query.Int(9);
        out.push_back(std::move(mail));
      }
    }
    for (const OutboxMail& mail : out) {
      auto lease = c_.Prepare("UPDATE outbox SET lease_owner = ?2, lease_until = ?3 WHERE id = ?1");
      lease.Bind(1, mail.id).Bind(2, owner).Bind(3, lease_until);
      lease.Run();
    }
    return out;
  }

  void MarkMailSent(int64_t mail_id, Instant now) override {
    auto update = c_.Prepare(
        "UPDATE outbox SET state = 'sent', sent_at = ?2, attempts = attempts + 1, "
        "lease_owner = '', lease_until = 0, last_error = '' WHERE id = ?1");
    update.Bind(1, mail_id).Bind(2, now);
    update.Run();
  }

  void MarkMailFailed(int64_t mail_id, const std::string& error, Instant next_attempt,
                      bool give_up) override {
    auto update = c_.Prepare(
        "UPDATE outbox SET state = CASE WHEN ?4 THEN 'failed' ELSE 'pending' END, "
        "attempts = attempts + 1, next_attempt_at = ?3, last_error = ?2, lease_owner = '', "
        "lease_until = 0 WHERE id = ?1");
    update.Bind(1, mail_id).Bind(2, error).Bind(3, next_attempt).Bind(4, give_up);
    update.Run();
  }

  OutboxCounts CountOutbox() override {
    auto query = c_.Prepare(
        "SELECT COALESCE(SUM(state = 'pending'), 0), COALESCE(SUM(state = 'sent'), 0), "
        "COALESCE(SUM(state = 'failed'), 0) FROM outbox");
    query.Step();
    return OutboxCounts{query.Int(0), query.Int(1), query.Int(2)};
  }

  std::string GetOrCreateSecret(const std::string& name, const std::string& fresh) override {
    auto insert = c_.Prepare(
        "INSERT INTO secrets (name, value) VALUES (?1, ?2) "
        "ON CONFLICT (name) DO NOTHING");
    insert.Bind(1, name).Bind(2, fresh);
    insert.Run();
    auto query = c_.Prepare("SELECT value FROM secrets WHERE name = ?1");
    query.Bind(1, name);
    query.Step();
    return query.Text(0);
  }

  int64_t InventoryVersion() override {
    auto query = c_.Prepare("SELECT version FROM inventory_version WHERE id = 1");
    return query.Step() ? query.Int(0) : 0;
  }

  int64_t CountSignInFailures(const std::string& key_hash, Instant window_start) override {
    auto query = c_.Prepare(
        "SELECT failures FROM sign_in_failures WHERE key_hash = ?1 AND window_start >= ?2");
    query.Bind(1, key_hash).Bind(2, window_start);
    return query.Step() ? query.Int(0) : 0;
  }

  void RecordSignInFailure(const std::string& key_hash, Instant now,
                           Instant window_start) override {
    auto forget = c_.Prepare("DELETE FROM sign_in_failures WHERE window_start < ?1");
    forget.Bind(1, window_start);
    forget.Run();
    // The key's own expired window was just forgotten: what is left is current.
    auto count = c_.Prepare(
        "INSERT INTO sign_in_failures (key_hash, window_start, failures) VALUES (?1, ?2, 1) "
        "ON CONFLICT (key_hash) DO UPDATE SET failures = failures + 1");
    count.Bind(1, key_hash).Bind(2, now);
    count.Run();
  }

 private:
  // Filter placeholders are numbered ?1..?5 so that the order of the clauses does not matter.
  static std::string Where(const CaseFilter& filter) {
    std::string where;
    auto add = [&where](const char* clause) {
      where += where.empty() ? " WHERE " : " AND ";
      where += clause;
    };
    if (filter.status) add("status = ?1");
    if (!filter.abuse_type.empty()) add("abuse_type = ?2");
    if (filter.created_after) add("created_at >= ?3");
    if (filter.created_before) add("created_at < ?4");
    return where;
  }

  static void BindFilter(Statement& query, const CaseFilter& filter) {
    if (filter.status) query.Bind(1, CaseStatusName(*filter.status));
    if (!filter.abuse_type.empty()) query.Bind(2, filter.abuse_type);
    if (filter.created_after) query.Bind(3, *filter.created_after);
    if (filter.created_before) query.Bind(4, *filter.created_before);
  }

  std::optional<StoredReport> FindOneReport(const char* sql, const std::string& key) {
    std::optional<StoredReport> report;
    {
      auto query = c_.Prepare(sql);
      query.Bind(1, key);
      if (query.Step()) report = ReadReport(query);
    }
    if (report) LoadTargets(*report);
    return report;
  }

  void LoadTargets(StoredReport& report) {
    auto query = c_.Prepare(
        "SELECT kind, canonical, display, attribution, customer_id, service_id, matched, "
        "candidates FROM report_targets WHERE report_id = ?1 ORDER BY position");
    query.Bind(1, report.id);
    while (query.Step()) {
      StoredTarget stored;
      std::string kind = query.Text(0);
      stored.target.kind = kind == "url"      ? TargetKind::kUrl
                           : kind == "domain" ? TargetKind::kDomain
                                              : TargetKind::kIp;
      stored.target.canonical = query.Text(1);
      stored.target.display = query.Text(2);
      if (stored.target.kind == TargetKind::kIp) {
        stored.target.ip = IpAddress::Parse(stored.target.canonical);
      }
      stored.attribution.result =
          ParseAttributionResult(query.Text(3)).value_or(AttributionResult::kUnknown);
      stored.attribution.customer_id = query.Text(4);
      stored.attribution.service_id = query.Text(5);
      stored.attribution.matched = query.Text(6);
      stored.attribution.candidates = SplitLines(query.Text(7));
      report.targets.push_back(std::move(stored));
      report.draft.targets.push_back(report.targets.back().target);
    }
  }

  static std::optional<User> ReadUser(Statement& query) {
    if (!query.Step()) return std::nullopt;
    User user;
    user.id = query.Int(0);
    user.email = query.Text(1);
    user.role = ParseRole(query.Text(2)).value_or(Role::kAgent);
    user.password_hash = query.Text(3);
    user.disabled = query.Int(4) != 0;
    return user;
  }

  Connection& c_;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, int readers) : path_(std::move(path)) {
    writer_ = std::make_unique<Connection>(path_, false);
    Migrate();
    for (int i = 0; i < readers; ++i) {
      idle_readers_.push_back(std::make_unique<Connection>(path_, true));
    }
    // Checkpoints move the write-ahead log into the database file. Done inside a commit they
    // stall every report waiting on it, so a connection of their own runs them in the
    // background instead.
    sqlite3_wal_autocheckpoint(writer_->handle(), 0);
    checkpointer_ = std::make_unique<Connection>(path_, false);
    checkpoint_thread_ = std::thread([this] { CheckpointLoop(); });
  }

  ~SqliteStore() override {
    {
      std::lock_guard lock(checkpoint_mutex_);
      stopping_ = true;
    }
    checkpoint_wake_.notify_all();
    checkpoint_thread_.join();
  }

  Status Write(const std::function<void(Transaction&)>& work) override {
    std::lock_guard lock(write_mutex_);
    return RunInTransaction(*writer_, "BEGIN IMMEDIATE", work);
  }

  Status Read(const std::function<void(Transaction&)>& work) override {
    std::unique_ptr<Connection> connection;
    {
      std::unique_lock lock(reader_mutex_);
      reader_available_.wait(lock, [this] { return !idle_readers_.empty(); });
      connection = std::move(idle_readers_.back());
      idle_readers_.pop_back();
    }
    Status status = RunInTransaction(*connection, "BEGIN", work);
    {
      std::lock_guard lock(reader_mutex_);
      idle_readers_.push_back(std::move(connection));
    }
    reader_available_.notify_one();
    return status;
  }

  bool Healthy() override {
    Status status = Write([](Transaction& tx) { tx.CountUsers(); });
    return status.ok();
  }

  // Another process (`vigie inventory import`) may write the file: nothing tells this one, so
  // the version is read every poll_interval.
  std::unique_ptr<InventoryWatch> WatchInventory(int64_t known_version,
                                                 std::function<void(int64_t)> changed,
                                                 const InventoryWatchOptions& options) override {
    return PollInventoryVersion(*this, known_version, std::move(changed), options.poll_interval);
  }

 private:
  static Status RunInTransaction(Connection& connection, const char* begin,
                                 const std::function<void(Transaction&)>& work) {
    try {
      connection.Exec(begin);
    } catch (const StoreError& error) {
      return Error{"database", error.what()};
    }
    try {
      SqliteTransaction transaction(connection);
      work(transaction);
      connection.Exec("COMMIT");
      return Status::Ok();
    } catch (const StoreError& error) {
      Rollback(connection);
      return Error{"database", error.what()};
    } catch (...) {
      Rollback(connection);
      throw;
    }
  }

  static void Rollback(Connection& connection) {
    if (!sqlite3_get_autocommit(connection.handle())) {
      sqlite3_exec(connection.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }

  void Migrate() {
    writer_->Exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "applied_at INTEGER NOT NULL)");
    for (size_t i = 0; i < sqlite_schema::kMigrations.size(); ++i) {
      int64_t version = static_cast<int64_t>(i) + 1;
      writer_->Exec("BEGIN IMMEDIATE");
      try {
        bool applied;
        {
          auto query = writer_->Prepare("SELECT 1 FROM schema_migrations WHERE version = ?1");
          query.Bind(1, version);
          applied = query.Step();
        }
        if (!applied) {
          writer_->Exec(std::string(sqlite_schema::kMigrations[i]).c_str());
          auto record = writer_->Prepare(
              "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)");
          record.Bind(1, version).Bind(2, Now());
          record.Run();
        }
        writer_->Exec("COMMIT");
      } catch (...) {
        Rollback(*writer_);
        throw;
      }
    }
  }

  void CheckpointLoop() {
    std::unique_lock lock(checkpoint_mutex_);
    while (!stopping_) {
      checkpoint_wake_.wait_for(lock, std::chrono::milliseconds(500));
      if (stopping_) break;
      // PASSIVE never waits for writers or readers; what it cannot copy now it copies later.
      // Once a checkpoint has copied the whole log, the next writer starts it from the top, so
      // it does not grow without bound.
      sqlite3_wal_checkpoint_v2(checkpointer_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                nullptr, nullptr);
    }
  }

  std::string path_;
  std::unique_ptr<Connection> checkpointer_;
  std::thread checkpoint_thread_;
  std::mutex checkpoint_mutex_;
  std::condition_variable checkpoint_wake_;
  bool stopping_ = false;
  std::mutex write_mutex_;
  std::unique_ptr<Connection> writer_;
  std::mutex reader_mutex_;
  std::condition_variable reader_available_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, int readers) {
  try {
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    return std::unique_ptr<Store>(std::make_unique<SqliteStore>(path, readers));
  } catch (const StoreError& error) {
    return Error{"database", error.what()};
  } catch (const std::filesystem::filesystem_error& error) {
    return Error{"database", error.what()};
  }
}

}  // namespace vigie
