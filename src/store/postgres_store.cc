// The PostgreSQL implementation of Store, through libpq: a small pool of connections shared by
// every thread, the same transactions and the same answers as the SQLite store, and locks that
// keep several vigie nodes on one database from stepping on each other.
//
// Isolation. A write transaction runs at READ COMMITTED and takes explicit locks where the
// SQLite store relied on its single writer:
// - FindOpenCase takes a transaction-scoped advisory lock on (subject, abuse type) before it
//   looks, so that two nodes filing reports about the same subject at once cannot both find no
//   open case and both create one. The second waits for the first to commit; at READ COMMITTED
//   its next statement sees the case the first created. A unique index cannot express this:
//   a subject may legitimately have two open cases when the older one fell out of the
//   aggregation window. The case found is then locked (FOR UPDATE) so that a decision cannot
//   close it while a report is being added.
// - GetCase locks the row it returns, so that two staff members deciding on one case at once
//   are serialised and the second sees the status the first left (as with SQLite's writer).
// - FindReportByIdempotencyKey takes an advisory lock on the key, so that the same submission
//   sent to two nodes at once is stored once and answered twice.
// - ClaimDueMail locks the mails it leases with FOR UPDATE SKIP LOCKED: two nodes claiming at
//   once get disjoint sets, and neither waits for the other.
// SERIALIZABLE was the alternative. It would need no explicit lock, but under it every pair of
// reports joining one case at the same time conflicts and one of them is rolled back and run
// again, a whole batch of up to 512 reports at a time; at READ COMMITTED the second simply
// waits for the row. Deadlocks remain possible between two batches that lock the same subjects
// in a different order; PostgreSQL detects them within deadlock_timeout, and Write runs the
// work again (see store.h).
//
// Read transactions are REPEATABLE READ READ ONLY: every statement of one Read sees the same
// snapshot, as with a SQLite read transaction.
//
// Migrations run at open, one transaction each, under a session advisory lock: nodes starting
// at once apply them one after the other, and each migration exactly once.
#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>

#include "attribution/inventory.h"
#include "store/backends.h"
#include "store/postgres_schema.h"
#include "store/store.h"

namespace vigie {
namespace {

constexpr int kDefaultPoolSize = 8;
constexpr int kMaxPoolSize = 256;
// Attempts of one Write when PostgreSQL rolls it back for a deadlock or a lost connection.
constexpr int kMaxAttempts = 5;
// How long a transaction waits for a free connection before it fails.
constexpr auto kAcquireTimeout = std::chrono::seconds(30);
// Statements sent at once by InsertInventory; small enough that the results of one round never
// fill the socket buffers while libpq is still sending.
constexpr size_t kPipelineDepth = 256;

// A failure reported by PostgreSQL or libpq, with its SQLSTATE ("" when libpq failed alone,
// e.g. when the connection was lost).
class PgError : public StoreError {
 public:
  PgError(const std::string& message, std::string sqlstate)
      : StoreError(message), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

// SQLSTATEs after which PostgreSQL has rolled the transaction back and running it again may
// succeed: serialization_failure and deadlock_detected.
bool IsRetryable(std::string_view sqlstate) {
  return sqlstate == "40001" || sqlstate == "40P01";
}

// The text with every byte PostgreSQL cannot store in a text column (NUL, malformed UTF-8)
// replaced by U+FFFD. For diagnostics only (an SMTP server's reply), never for data.
std::string StorableText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    auto byte = [&](size_t at) { return static_cast<unsigned char>(text[at]); };
    unsigned char lead = byte(pos);
    size_t length = lead < 0x80           ? 1
                    : (lead >> 5) == 0x6  ? 2
                    : (lead >> 4) == 0xe  ? 3
                    : (lead >> 3) == 0x1e ? 4
                                          : 0;
    bool valid = length != 0 && lead != 0 && pos + length <= text.size();
    for (size_t i = 1; valid && i < length; ++i) valid = (byte(pos + i) & 0xc0) == 0x80;
    if (valid && length > 1) {
      uint32_t code = lead & (0xff >> (length + 1));
      for (size_t i = 1; i < length; ++i) code = (code << 6) | (byte(pos + i) & 0x3f);
      static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
      valid = code >= kSmallest[length] && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
    }
    if (valid) {
      out.append(text.substr(pos, length));
      pos += length;
    } else {
      out += "\xef\xbf\xbd";
      pos += 1;
    }
  }
  return out;
}

// The values of one statement's $1, $2, ..., in order. Numbers and text go as text; raw bytes
// go in binary so that they arrive unchanged.
class Params {
 public:
  Params& Add(int64_t value) { return Push(std::to_string(value), false); }
  Params& Add(int value) { return Add(static_cast<int64_t>(value)); }
  Params& Add(bool value) { return Push(value ? "t" : "f", false); }
  Params& Add(Instant value) { return Add(ToUnixSeconds(value)); }
  Params& Add(const std::optional<Instant>& value) { return value ? Add(*value) : AddNull(); }
  Params& Add(std::string_view value) {
    // libpq reads text parameters up to their first NUL: refuse rather than store less.
    if (value.find('\0') != std::string_view::npos) {
      throw PgError("postgresql: text with a NUL byte cannot be stored", "22021");
    }
    return Push(std::string(value), false);
  }
  Params& Add(const std::string& value) { return Add(std::string_view(value)); }
  Params& Add(const char* value) { return Add(std::string_view(value)); }
  Params& AddBytes(std::string_view value) { return Push(std::string(value), true); }
  Params& AddNull() {
    values_.push_back(Value{{}, true, false});
    return *this;
  }
  // The number of values added, which is also the number of the last placeholder.
  size_t size() const { return values_.size(); }

 private:
  friend class PgConnection;
  struct Value {
    std::string bytes;
    bool null = false;
    bool binary = false;
  };
  Params& Push(std::string bytes, bool binary) {
    values_.push_back(Value{std::move(bytes), false, binary});
    return *this;
  }
  std::vector<Value> values_;
};

// One row of a result, read column by column. Values come in PostgreSQL's text format.
class Row {
 public:
  Row(const PGresult* result, int row) : result_(result), row_(row) {}

  bool IsNull(int column) const { return PQgetisnull(result_, row_, column) != 0; }
  int64_t Int(int column) const {
    const char* text = PQgetvalue(result_, row_, column);
    const char* end = text + PQgetlength(result_, row_, column);
    int64_t value = 0;
    auto [stop, error] = std::from_chars(text, end, value);
    if (error != std::errc() || stop != end) {
      throw PgError("postgresql: column " + std::to_string(column) + " is not a whole number", "");
    }
    return value;
  }
  bool Bool(int column) const { return PQgetvalue(result_, row_, column)[0] == 't'; }
  Instant Time(int column) const { return FromUnixSeconds(Int(column)); }
  std::optional<Instant> OptionalTime(int column) const {
    if (IsNull(column)) return std::nullopt;
    return Time(column);
  }
  std::string Text(int column) const {
    return std::string(PQgetvalue(result_, row_, column),
                       static_cast<size_t>(PQgetlength(result_, row_, column)));
  }
  // A BYTEA column, decoded from its text form ("\x" and hex digits).
  std::string Bytes(int column) const {
    size_t size = 0;
    unsigned char* bytes = PQunescapeBytea(
        reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row_, column)), &size);
    if (bytes == nullptr) throw PgError("postgresql: out of memory decoding bytea", "");
    std::string out(reinterpret_cast<const char*>(bytes), size);
    PQfreemem(bytes);
    return out;
  }

 private:
  const PGresult* result_;
  int row_;
};

// The rows a statement returned; owns the libpq result.
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result, &PQclear) {}
  int size() const { return PQntuples(result_.get()); }
  bool empty() const { return size() == 0; }
  // The command tag: "COMMIT", "INSERT 0 1", ...
  std::string_view command() const { return PQcmdStatus(result_.get()); }
  Row operator[](int row) const { return Row(result_.get(), row); }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

// One connection and the statements prepared on it. Used by one thread at a time.
class PgConnection {
 public:
  // Connects; throws PgError when the server cannot be reached or refuses the login.
  explicit PgConnection(const std::string& conninfo) {
    // Keywords before "dbname" are defaults the URL may override; those after it are not.
    const char* const keywords[] = {"connect_timeout", "fallback_application_name", "dbname",
                                    "client_encoding", nullptr};
    const char* const values[] = {"10", "vigie", conninfo.c_str(), "UTF8", nullptr};
    conn_ = PQconnectdbParams(keywords, values, 1);
    if (conn_ == nullptr) throw PgError("postgresql: out of memory", "");
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string message = LibpqMessage();
      PQfinish(conn_);
      conn_ = nullptr;
      throw PgError("postgresql: " + message, "08001");
    }
    PQsetNoticeReceiver(conn_, &OnNotice, nullptr);
  }
  ~PgConnection() { PQfinish(conn_); }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs the one statement `sql` with `params`. The statement is prepared once per connection
  // (and so per distinct text: `sql` must not embed values).
  Rows Run(const std::string& sql, const Params& params = Params()) {
    const std::string& name = Prepare(sql);
    Bound bound(params);
    PGresult* result = PQexecPrepared(conn_, name.c_str(), bound.count(), bound.values(),
                                      bound.lengths(), bound.formats(), 0);
    return Check(result);
  }

  // Runs `sql`, which may hold several statements and takes no parameters (BEGIN, COMMIT,
  // migrations).
  Rows Exec(std::string_view sql) { return Check(PQexec(conn_, std::string(sql).c_str())); }

  // Runs `sql` once for each entry of `batch`, sending the statements without waiting for
  // each answer (libpq's pipeline mode). Throws the first failure once all answers are in.
  void RunBatch(const std::string& sql, const std::vector<Params>& batch) {
    const std::string& name = Prepare(sql);
    for (size_t start = 0; start < batch.size(); start += kPipelineDepth) {
      if (PQenterPipelineMode(conn_) != 1) throw Failure(nullptr);
      size_t end = std::min(batch.size(), start + kPipelineDepth);
      for (size_t i = start; i < end; ++i) {
        Bound bound(batch[i]);
        if (PQsendQueryPrepared(conn_, name.c_str(), bound.count(), bound.values(), bound.lengths(),
                                bound.formats(), 0) != 1) {
          break;
        }
      }
      if (PQpipelineSync(conn_) != 1) throw Failure(nullptr);
      std::optional<PgError> failure;
      for (;;) {
        PGresult* result = PQgetResult(conn_);
        if (result == nullptr) {
          // A null separates the answers of two statements, unless the connection is gone.
          if (Broken()) break;
          continue;
        }
        ExecStatusType status = PQresultStatus(result);
        if (status == PGRES_PIPELINE_SYNC) {
          PQclear(result);
          break;
        }
        if (status == PGRES_FATAL_ERROR && !failure) failure = Failure(result);
        PQclear(result);
      }
      if (Broken()) throw failure.value_or(Failure(nullptr));
      PQexitPipelineMode(conn_);
      if (failure) throw *failure;
    }
  }

  bool Broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  bool Idle() const { return PQtransactionStatus(conn_) == PQTRANS_IDLE; }
  bool InTransaction() const {
    PGTransactionStatusType status = PQtransactionStatus(conn_);
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR;
  }

 private:
  // Parameter arrays in the shape PQexecPrepared wants; valid while `params` lives.
  class Bound {
   public:
    explicit Bound(const Params& params) {
      for (const Params::Value& value : params.values_) {
        values_.push_back(value.null ? nullptr : value.bytes.c_str());
        lengths_.push_back(static_cast<int>(value.bytes.size()));
        formats_.push_back(value.binary ? 1 : 0);
      }
    }
    int count() const { return static_cast<int>(values_.size()); }
    const char* const* values() const { return values_.data(); }
    const int* lengths() const { return lengths_.data(); }
    const int* formats() const { return formats_.data(); }

   private:
    std::vector<const char*> values_;
    std::vector<int> lengths_;
    std::vector<int> formats_;
  };

  const std::string& Prepare(const std::string& sql) {
    auto it = prepared_.find(sql);
    if (it != prepared_.end()) return it->second;
    std::string name = "vigie_" + std::to_string(prepared_.size() + 1);
    Check(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr));
    return prepared_.emplace(sql, std::move(name)).first->second;
  }

  Rows Check(PGresult* result) {
    ExecStatusType status = result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Rows(result);
    PgError error = Failure(result);
    PQclear(result);
    throw error;
  }

  // The error of `result` (or of the connection when there is no result). Only the primary
  // message is kept: the detail can quote the values of a row, personal data included.
  PgError Failure(const PGresult* result) const {
    const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string message = primary ? std::string(primary) : LibpqMessage();
    std::string code = sqlstate ? sqlstate : "";
    if (!code.empty()) message += " (SQLSTATE " + code + ")";
    return PgError("postgresql: " + message, code);
  }

  // libpq's own message, on one line: it spreads a lost connection over three.
  std::string LibpqMessage() const {
    std::string message;
    for (const char* c = conn_ ? PQerrorMessage(conn_) : "no connection"; *c != '\0'; ++c) {
      bool space = *c == '\n' || *c == '\t' || *c == ' ';
      if (!space) {
        message += *c;
      } else if (!message.empty() && message.back() != ' ') {
        message += ' ';
      }
    }
    while (!message.empty() && message.back() == ' ') message.pop_back();
    return message.empty() ? "connection lost" : message;
  }

  // The server's warnings go to the log; its notices ("relation already exists, skipping")
  // are expected and dropped. libpq would print both on standard error.
  static void OnNotice(void*, const PGresult* notice) {
    const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (severity == nullptr || std::string_view(severity) != "WARNING") return;
    const char* sqlstate = PQresultErrorField(notice, PG_DIAG_SQLSTATE);
    const char* primary = PQresultErrorField(notice, PG_DIAG_MESSAGE_PRIMARY);
    spdlog::warn("event=postgresql_warning sqlstate={} message=\"{}\"", sqlstate ? sqlstate : "",
                 primary ? primary : "");
  }

  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> prepared_;  // statement text -> name
};

// Up to `size` connections, opened when first needed. A connection found broken is closed and
// a new one is opened the next time one is needed.
class Pool {
 public:
  Pool(std::string conninfo, int size) : conninfo_(std::move(conninfo)), size_(size) {}

  // A connection for the caller's exclusive use; waits while all are busy. Throws PgError when
  // none frees up in time or a new one cannot be opened.
  std::unique_ptr<PgConnection> Acquire() {
    {
      std::unique_lock lock(mutex_);
      if (!available_.wait_for(lock, kAcquireTimeout,
                               [this] { return !idle_.empty() || open_ < size_; })) {
        throw PgError("postgresql: every connection of the pool stayed busy", "");
      }
      if (!idle_.empty()) {
        std::unique_ptr<PgConnection> connection = std::move(idle_.back());
        idle_.pop_back();
        return connection;
      }
      ++open_;
    }
    try {
      return std::make_unique<PgConnection>(conninfo_);
    } catch (...) {
      Forget(1);
      throw;
    }
  }

  // Takes a connection back. One left broken or inside a transaction is closed instead; when
  // one was lost, the idle ones likely were too (a server restart), so they are closed as well.
  void Release(std::unique_ptr<PgConnection> connection) {
    if (!connection->Broken() && connection->Idle()) {
      {
        std::lock_guard lock(mutex_);
        idle_.push_back(std::move(connection));
      }
      available_.notify_one();
      return;
    }
    bool lost = connection->Broken();
    connection.reset();
    std::vector<std::unique_ptr<PgConnection>> stale;
    if (lost) {
      std::lock_guard lock(mutex_);
      stale.swap(idle_);
    }
    Forget(1 + static_cast<int>(stale.size()));
  }

 private:
  void Forget(int count) {
    {
      std::lock_guard lock(mutex_);
      open_ -= count;
    }
    available_.notify_all();
  }

  const std::string conninfo_;
  const int size_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  int open_ = 0;  // idle and in use
};

// A connection borrowed from the pool for one transaction.
class Lease {
 public:
  explicit Lease(Pool& pool) : pool_(pool), connection_(pool.Acquire()) {}
  ~Lease() { pool_.Release(std::move(connection_)); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  PgConnection& operator*() { return *connection_; }
  PgConnection* operator->() { return connection_.get(); }

 private:
  Pool& pool_;
  std::unique_ptr<PgConnection> connection_;
};

constexpr const char* kCaseColumns =
    "id, status, abuse_type, subject, attribution, customer_id, service_id, report_count, "
    "first_seen, last_seen, created_at, updated_at, deadline_at, outcome";

Case ReadCase(const Row& row) {
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

Decision ReadDecision(const Row& row) {
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
  value.automated_detection = row.Bool(18);
  value.source_type = row.Text(19);
  return value;
}

constexpr const char* kReportColumns =
    "id, reference, received_at, channel, format, raw, raw_type, raw_sha256, abuse_type, "
    "observed_at, observed_offset, observed_zone, reporter_kind, reporter_name, "
    "reporter_legal_form, reporter_email, share_email, description, good_faith, language, "
    "source_report_id, case_id";

StoredReport ReadReport(const Row& row) {
  StoredReport report;
  report.id = row.Int(0);
  report.reference = row.Text(1);
  report.received_at = row.Time(2);
  ReportDraft& draft = report.draft;
  draft.channel = ParseChannel(row.Text(3)).value_or(Channel::kApi);
  draft.format = row.Text(4);
  draft.raw = row.Bytes(5);
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
  draft.reporter.share_email = row.Bool(16);
  draft.description = row.Text(17);
  draft.good_faith = row.Bool(18);
  draft.language = row.Text(19);
  draft.source_report_id = row.Text(20);
  report.case_id = row.Int(21);
  return report;
}

constexpr const char* kUserColumns = "id, email, role, password_hash, disabled";

User ReadUser(const Row& row) {
  User user;
  user.id = row.Int(0);
  user.email = row.Text(1);
  user.role = ParseRole(row.Text(2)).value_or(Role::kAgent);
  user.password_hash = row.Text(3);
  user.disabled = row.Bool(4);
  return user;
}

OutboxMail ReadMail(const Row& row) {
  OutboxMail mail;
  mail.id = row.Int(0);
  mail.kind = row.Text(1);
  mail.recipient = row.Text(2);
  mail.language = row.Text(3);
  mail.report_id = row.Int(4);
  mail.case_id = row.Int(5);
  mail.decision_id = row.Int(6);
  mail.attempts = static_cast<int>(row.Int(7));
  mail.next_attempt_at = row.Time(8);
  mail.mail_id = row.Int(9);
  return mail;
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

constexpr const char* kInboundMailColumns =
    "id, received_at, channel, raw_sha256, size, state, format, reason, detail, sender, subject, "
    "message_id, reading, event_count, new_events, duplicate_events, not_ours_events, attempts, "
    "read_at, report_id";

InboundMail ReadInboundMail(const Row& row) {
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

constexpr const char* kEventColumns =
    "id, mail_id, case_id, targets, observed_at, observed_offset, abuse_type, format, "
    "source_report_id, summary, attribution, customer_id, service_id";

StoredEvent ReadEvent(const Row& row) {
  StoredEvent event;
  event.id = row.Int(0);
  event.mail_id = row.Int(1);
  event.case_id = row.IsNull(2) ? 0 : row.Int(2);
  std::string targets = row.Text(3);
  for (size_t pos = 0; pos < targets.size();) {
    size_t end = std::min(targets.find('\n', pos), targets.size());
    event.targets.push_back(targets.substr(pos, end - pos));
    pos = end + 1;
  }
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

// PostgreSQL array literals, for sending a column of many rows as one parameter.
class ArrayLiteral {
 public:
  void Add(int64_t value) {
    Separate();
    text_ += std::to_string(value);
  }
  void AddNull() {
    Separate();
    text_ += "NULL";
  }
  void Add(std::string_view value) {
    Separate();
    text_ += '"';
    for (char c : StorableText(value)) {
      if (c == '"' || c == '\\') text_ += '\\';
      text_ += c;
    }
    text_ += '"';
  }
  std::string Finish() { return "{" + text_ + "}"; }

 private:
  void Separate() {
    if (!text_.empty()) text_ += ',';
  }
  std::string text_;
};

std::string SelectFrom(const char* columns, const char* rest) {
  return std::string("SELECT ") + columns + " " + rest;
}

class PgTransaction final : public Transaction {
 public:
  // `write`: a read-write transaction, which locks what it reads to change (see the top).
  PgTransaction(PgConnection& connection, bool write) : c_(connection), write_(write) {}

  int64_t InsertReport(const NewReport& report, int64_t case_id) override {
    static const std::string insert_report =
        "INSERT INTO reports (reference, status_token_hash, idempotency_key, received_at, "
        "channel, format, raw, raw_type, raw_sha256, abuse_type, observed_at, observed_offset, "
        "observed_zone, reporter_kind, reporter_name, reporter_legal_form, reporter_email, "
        "share_email, description, good_faith, language, source_report_id, case_id) VALUES "
        "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, "
        "$20, $21, $22, $23) RETURNING id";
    const ReportDraft& draft = *report.draft;
    Params params;
    params.Add(report.reference).Add(report.status_token_hash);
    if (report.idempotency_key.empty()) {
      params.AddNull();
    } else {
      params.Add(report.idempotency_key);
    }
    params.Add(report.received_at)
        .Add(ChannelName(draft.channel))
        .Add(draft.format)
        .AddBytes(draft.raw)
        .Add(draft.raw_type)
        .Add(report.raw_sha256)
        .Add(draft.abuse_type)
        .Add(draft.observed.instant)
        .Add(draft.observed.offset_minutes)
        .Add(draft.observed.zone)
        .Add(ReporterKindName(draft.reporter.kind))
        .Add(draft.reporter.name)
        .Add(draft.reporter.legal_form)
        .Add(draft.reporter.email)
        .Add(draft.reporter.share_email)
        .Add(draft.description)
        .Add(draft.good_faith)
        .Add(draft.language)
        .Add(draft.source_report_id)
        .Add(case_id);
    int64_t id = c_.Run(insert_report, params)[0].Int(0);

    static const std::string insert_target =
        "INSERT INTO report_targets (report_id, position, kind, canonical, display, "
        "attribution, customer_id, service_id, matched, candidates) VALUES "
        "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    int position = 0;
    for (const StoredTarget& stored : report.targets) {
      c_.Run(insert_target, Params()
                                .Add(id)
                                .Add(position++)
                                .Add(TargetKindName(stored.target.kind))
                                .Add(stored.target.canonical)
                                .Add(stored.target.display)
                                .Add(AttributionResultName(stored.attribution.result))
                                .Add(stored.attribution.customer_id)
                                .Add(stored.attribution.service_id)
                                .Add(stored.attribution.matched)
                                .Add(JoinLines(stored.attribution.candidates)));
    }
    return id;
  }

  std::optional<Case> FindOpenCase(const std::string& subject, const std::string& abuse_type,
                                   Instant since) override {
    static const std::string find =
        SelectFrom(kCaseColumns,
                   "FROM cases WHERE subject = $1 AND abuse_type = $2 AND "
                   "status IN ('new', 'triage', 'forwarded') AND last_seen >= $3 "
                   "ORDER BY last_seen DESC, id DESC LIMIT 1");
    if (!write_) {
      Rows found = c_.Run(find, Params().Add(subject).Add(abuse_type).Add(since));
      if (found.empty()) return std::nullopt;
      return ReadCase(found[0]);
    }

    // Filers of one subject and type go one at a time until they commit; see the top.
    static const std::string serialise =
        "SELECT pg_advisory_xact_lock(hashtext('vigie.case'), "
        "hashtext($1::text || chr(31) || $2::text))";
    c_.Run(serialise, Params().Add(subject).Add(abuse_type));

    // Then the case found is locked. A decision may have closed it between the two
    // statements; the next candidate is looked for then.
    static const std::string lock =
        SelectFrom(kCaseColumns,
                   "FROM cases WHERE id = $1 AND status IN ('new', 'triage', 'forwarded') AND "
                   "last_seen >= $2 FOR UPDATE");
    for (int tries = 0; tries < 16; ++tries) {
      Rows found = c_.Run(find, Params().Add(subject).Add(abuse_type).Add(since));
      if (found.empty()) return std::nullopt;
      Rows locked = c_.Run(lock, Params().Add(found[0].Int(0)).Add(since));
      if (!locked.empty()) return ReadCase(locked[0]);
    }
    throw PgError("postgresql: the open case kept changing while being locked", "40001");
  }

  int64_t InsertCase(const Case& value) override {
    static const std::string insert =
        "INSERT INTO cases (status, abuse_type, subject, attribution, customer_id, service_id, "
        "urgency, report_count, first_seen, last_seen, created_at, updated_at, deadline_at, "
        "outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
        "RETURNING id";
    return c_
        .Run(insert, Params()
                         .Add(CaseStatusName(value.status))
                         .Add(value.abuse_type)
                         .Add(value.subject)
                         .Add(AttributionResultName(value.attribution))
                         .Add(value.customer_id)
                         .Add(value.service_id)
                         .Add(UrgencyOf(value.abuse_type))
                         .Add(value.report_count)
                         .Add(value.first_seen)
                         .Add(value.last_seen)
                         .Add(value.created_at)
                         .Add(value.updated_at)
                         .Add(value.deadline)
                         .Add(value.outcome))[0]
        .Int(0);
  }

  void CountReportInCase(int64_t case_id, Instant observed, Instant now) override {
    static const std::string update =
        "UPDATE cases SET report_count = report_count + 1, first_seen = LEAST(first_seen, $2), "
        "last_seen = GREATEST(last_seen, $2), updated_at = $3 WHERE id = $1";
    c_.Run(update, Params().Add(case_id).Add(observed).Add(now));
  }

  void CountEventsInCase(int64_t case_id, int64_t count, Instant first, Instant last,
                         Instant now) override {
    static const std::string update =
        "UPDATE cases SET report_count = report_count + $2, first_seen = LEAST(first_seen, $3), "
        "last_seen = GREATEST(last_seen, $4), updated_at = $5 WHERE id = $1";
    c_.Run(update, Params().Add(case_id).Add(count).Add(first).Add(last).Add(now));
  }

  int64_t InsertInboundMail(const InboundMail& mail) override {
    static const std::string insert =
        "INSERT INTO inbound_mail (received_at, channel, raw, raw_sha256, size) "
        "VALUES ($1, $2, $3, $4, $5) RETURNING id";
    return c_
        .Run(insert, Params()
                         .Add(mail.received_at)
                         .Add(mail.channel)
                         .AddBytes(mail.raw)
                         .Add(mail.raw_sha256)
                         .Add(static_cast<int64_t>(mail.raw.size())))[0]
        .Int(0);
  }

  std::vector<int64_t> ClaimInboundMail(Instant now, int limit, const std::string& owner,
                                        Instant lease_until) override {
    // As ClaimDueMail: mails another node is reading are skipped, not waited for.
    static const std::string claim =
        "WITH due AS (SELECT id FROM inbound_mail WHERE state = 'pending' AND lease_until <= $1 "
        "ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) "
        "UPDATE inbound_mail SET lease_owner = $3, lease_until = $4, attempts = attempts + 1 "
        "FROM due WHERE inbound_mail.id = due.id RETURNING inbound_mail.id";
    Rows rows = c_.Run(claim, Params().Add(now).Add(limit).Add(owner).Add(lease_until));
    std::vector<int64_t> out;
    for (int i = 0; i < rows.size(); ++i) out.push_back(rows[i].Int(0));
    std::sort(out.begin(), out.end());
    return out;
  }

  std::optional<InboundMail> GetInboundMail(int64_t mail_id, bool with_raw) override {
    static const std::string with =
        SelectFrom(kInboundMailColumns, ", raw FROM inbound_mail WHERE id = $1");
    static const std::string without =
        SelectFrom(kInboundMailColumns, "FROM inbound_mail WHERE id = $1");
    Rows found = c_.Run(with_raw ? with : without, Params().Add(mail_id));
    if (found.empty()) return std::nullopt;
    InboundMail mail = ReadInboundMail(found[0]);
    if (with_raw) mail.raw = found[0].Bytes(20);
    return mail;
  }

  void RecordMailReading(const InboundMail& mail) override {
    static const std::string update =
        "UPDATE inbound_mail SET state = $2, format = $3, reason = $4, detail = $5, sender = $6, "
        "subject = $7, message_id = $8, reading = $9, event_count = $10, new_events = $11, "
        "duplicate_events = $12, not_ours_events = $13, read_at = $14, lease_owner = '', "
        "lease_until = 0 WHERE id = $1";
    c_.Run(update, Params()
                       .Add(mail.id)
                       .Add(mail.state)
                       .Add(StorableText(mail.format))
                       .Add(StorableText(mail.reason))
                       .Add(StorableText(mail.detail))
                       .Add(StorableText(mail.sender))
                       .Add(StorableText(mail.subject))
                       .Add(StorableText(mail.message_id))
                       .Add(StorableText(mail.reading))
                       .Add(mail.event_count)
                       .Add(mail.new_events)
                       .Add(mail.duplicate_events)
                       .Add(mail.not_ours_events)
                       .Add(mail.read_at));
  }

  std::vector<InboundMail> ListInboundMail(const MailFilter& filter) override {
    static const std::string sql =
        SelectFrom(kInboundMailColumns,
                   "FROM inbound_mail WHERE ($1 = '' OR state = $1) ORDER BY id DESC "
                   "LIMIT $2 OFFSET $3");
    Rows rows = c_.Run(sql, Params().Add(filter.state).Add(filter.limit).Add(filter.offset));
    std::vector<InboundMail> out;
    for (int i = 0; i < rows.size(); ++i) out.push_back(ReadInboundMail(rows[i]));
    return out;
  }

  int64_t CountInboundMail(const MailFilter& filter) override {
    return c_
        .Run("SELECT COUNT(*) FROM inbound_mail WHERE ($1 = '' OR state = $1)",
             Params().Add(filter.state))[0]
        .Int(0);
  }

  void MarkMailHandled(int64_t mail_id, int64_t report_id, Instant now) override {
    c_.Run("UPDATE inbound_mail SET state = 'handled', report_id = $2, read_at = $3 WHERE id = $1",
           Params().Add(mail_id).Add(report_id).Add(now));
  }

  std::vector<bool> KnownEvents(std::span<const EventKey> keys) override {
    // One statement per column of keys, however many: the keys go as arrays.
    static const std::string by_identity =
        "SELECT k.i FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS k(o, f, i) "
        "WHERE EXISTS (SELECT 1 FROM events e WHERE e.observed_at = k.o AND e.fingerprint = k.f)";
    static const std::string by_source =
        "SELECT k.i FROM unnest($1::bigint[]) WITH ORDINALITY AS k(s, i) "
        "WHERE EXISTS (SELECT 1 FROM events e WHERE e.source_key = k.s)";
    std::vector<bool> known(keys.size(), false);
    if (keys.empty()) return known;
    ArrayLiteral observed, fingerprints, sources;
    for (const EventKey& key : keys) {
      observed.Add(ToUnixSeconds(key.observed));
      fingerprints.Add(key.fingerprint);
      if (key.source_key != 0) {
        sources.Add(key.source_key);
      } else {
        sources.AddNull();
      }
    }
    auto mark = [&known](const Rows& rows) {
      for (int i = 0; i < rows.size(); ++i) known[static_cast<size_t>(rows[i].Int(0) - 1)] = true;
    };
    mark(c_.Run(by_identity, Params().Add(observed.Finish()).Add(fingerprints.Finish())));
    mark(c_.Run(by_source, Params().Add(sources.Finish())));
    return known;
  }

  std::vector<bool> InsertEvents(std::span<const NewEvent> events) override {
    // Rows go as one array per column; ON CONFLICT skips an identity another node stored
    // first, and RETURNING tells which ones were stored.
    static const std::string insert =
        "INSERT INTO events (mail_id, case_id, observed_at, observed_offset, fingerprint, "
        "source_key, abuse_type, targets, format, source_report_id, summary, attribution, "
        "customer_id, service_id) "
        "SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::int[], "
        "$5::bigint[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], "
        "$11::text[], $12::text[], $13::text[], $14::text[]) "
        "ON CONFLICT DO NOTHING RETURNING observed_at, fingerprint";
    std::vector<bool> stored(events.size(), false);
    constexpr size_t kChunk = 5000;
    for (size_t start = 0; start < events.size(); start += kChunk) {
      size_t end = std::min(events.size(), start + kChunk);
      ArrayLiteral columns[14];
      std::string targets;
      for (size_t i = start; i < end; ++i) {
        const NewEvent& item = events[i];
        const Event& event = *item.event;
        targets.clear();
        for (const Target& target : event.targets) {
          if (!targets.empty()) targets += '\n';
          targets += target.canonical;
        }
        const Attribution* attribution = item.attribution;
        columns[0].Add(item.mail_id);
        if (item.case_id != 0) {
          columns[1].Add(item.case_id);
        } else {
          columns[1].AddNull();
        }
        columns[2].Add(ToUnixSeconds(event.observed.instant));
        columns[3].Add(event.observed.offset_minutes);
        columns[4].Add(item.key.fingerprint);
        if (item.key.source_key != 0) {
          columns[5].Add(item.key.source_key);
        } else {
          columns[5].AddNull();
        }
        columns[6].Add(std::string_view(event.abuse_type));
        columns[7].Add(std::string_view(targets));
        columns[8].Add(item.format);
        columns[9].Add(std::string_view(event.source_report_id));
        columns[10].Add(std::string_view(event.summary));
        columns[11].Add(
            AttributionResultName(attribution ? attribution->result : AttributionResult::kUnknown));
        columns[12].Add(attribution ? std::string_view(attribution->customer_id) : "");
        columns[13].Add(attribution ? std::string_view(attribution->service_id) : "");
      }
      Params params;
      for (ArrayLiteral& column : columns) params.Add(column.Finish());
      Rows rows = c_.Run(insert, params);
      std::set<std::pair<int64_t, int64_t>> returned;
      for (int r = 0; r < rows.size(); ++r) returned.emplace(rows[r].Int(0), rows[r].Int(1));
      for (size_t i = start; i < end; ++i) {
        stored[i] = returned.count({ToUnixSeconds(events[i].event->observed.instant),
                                    events[i].key.fingerprint}) > 0;
      }
    }
    return stored;
  }

  std::vector<StoredEvent> EventsOfCase(int64_t case_id, int limit, int offset) override {
    static const std::string sql =
        SelectFrom(kEventColumns,
                   "FROM events WHERE case_id = $1 ORDER BY observed_at, id LIMIT $2 OFFSET $3");
    Rows rows = c_.Run(sql, Params().Add(case_id).Add(limit).Add(offset));
    std::vector<StoredEvent> out;
    for (int i = 0; i < rows.size(); ++i) out.push_back(ReadEvent(rows[i]));
    return out;
  }

  int64_t CountEventsOfCase(int64_t case_id) override {
    return c_.Run("SELECT COUNT(*) FROM events WHERE case_id = $1", Params().Add(case_id))[0].Int(
        0);
  }

  std::optional<Case> GetCase(int64_t case_id) override {
    static const std::string read = SelectFrom(kCaseColumns, "FROM cases WHERE id = $1");
    // In a write transaction the case is about to be decided on: lock it (see the top).
    static const std::string lock = SelectFrom(kCaseColumns, "FROM cases WHERE id = $1 FOR UPDATE");
    Rows found = c_.Run(write_ ? lock : read, Params().Add(case_id));
    if (found.empty()) return std::nullopt;
    return ReadCase(found[0]);
  }

  std::vector<Case> ListCases(const CaseFilter& filter) override {
    Params params;
    std::string sql = SelectFrom(kCaseColumns, "FROM cases") + Where(filter, params);
    switch (filter.order) {
      case CaseFilter::Order::kUrgency:
        // The same order as the SQLite store: open work first, the most harmful types, the
        // most reported, then the oldest. true sorts after false, hence DESC.
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
    // SQLite reads a negative LIMIT as "no limit" and a negative OFFSET as none.
    if (filter.limit >= 0) {
      params.Add(filter.limit);
      sql += " LIMIT $" + std::to_string(params.size());
    }
    params.Add(std::max(filter.offset, 0));
    sql += " OFFSET $" + std::to_string(params.size());

    Rows rows = c_.Run(sql, params);
    std::vector<Case> out;
    out.reserve(static_cast<size_t>(rows.size()));
    for (int i = 0; i < rows.size(); ++i) out.push_back(ReadCase(rows[i]));
    return out;
  }

  int64_t CountCases(const CaseFilter& filter) override {
    Params params;
    std::string sql = "SELECT COUNT(*) FROM cases" + Where(filter, params);
    return c_.Run(sql, params)[0].Int(0);
  }

  std::vector<StoredReport> ReportsOfCase(int64_t case_id) override {
    static const std::string sql =
        SelectFrom(kReportColumns, "FROM reports WHERE case_id = $1 ORDER BY id");
    return ReadReports(c_.Run(sql, Params().Add(case_id)));
  }

  std::optional<StoredReport> FindReportByReference(const std::string& reference) override {
    static const std::string sql = SelectFrom(kReportColumns, "FROM reports WHERE reference = $1");
    return FirstReport(c_.Run(sql, Params().Add(reference)));
  }

  std::optional<StoredReport> FindReportByIdempotencyKey(const std::string& key) override {
    static const std::string sql =
        SelectFrom(kReportColumns, "FROM reports WHERE idempotency_key = $1");
    if (write_) {
      // The same submission sent to two nodes at once: the second waits for the first to
      // commit, then finds its report and answers with it.
      static const std::string serialise =
          "SELECT pg_advisory_xact_lock(hashtext('vigie.idempotency_key'), hashtext($1::text))";
      c_.Run(serialise, Params().Add(key));
    }
    return FirstReport(c_.Run(sql, Params().Add(key)));
  }

  std::string StatusTokenHash(const std::string& reference) override {
    static const std::string sql = "SELECT status_token_hash FROM reports WHERE reference = $1";
    Rows found = c_.Run(sql, Params().Add(reference));
    return found.empty() ? std::string() : found[0].Text(0);
  }

  std::optional<StoredReport> GetReport(int64_t report_id) override {
    static const std::string sql = SelectFrom(kReportColumns, "FROM reports WHERE id = $1");
    return FirstReport(c_.Run(sql, Params().Add(report_id)));
  }

  int64_t AppendDecision(const Decision& d, const std::string& outcome) override {
    static const std::string insert =
        "INSERT INTO decisions (case_id, action, actor_kind, actor, decided_at, status_before, "
        "status_after, reason, message, deadline_at, ground, ground_reference, facts, category, "
        "visibility, provision, automated_decision, automated_detection, source_type) VALUES "
        "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) "
        "RETURNING id";
    int64_t id = c_.Run(insert, Params()
                                    .Add(d.case_id)
                                    .Add(DecisionActionName(d.action))
                                    .Add(ActorKindName(d.actor_kind))
                                    .Add(d.actor)
                                    .Add(d.decided_at)
                                    .Add(CaseStatusName(d.status_before))
                                    .Add(CaseStatusName(d.status_after))
                                    .Add(d.reason)
                                    .Add(d.message)
                                    .Add(d.deadline)
                                    .Add(d.ground)
                                    .Add(d.ground_reference)
                                    .Add(d.facts)
                                    .Add(d.category)
                                    .Add(d.visibility)
                                    .Add(d.provision)
                                    .Add(d.automated_decision)
                                    .Add(d.automated_detection)
                                    .Add(d.source_type))[0]
                     .Int(0);

    static const std::string update =
        "UPDATE cases SET status = $2, updated_at = $3, deadline_at = COALESCE($4, deadline_at), "
        "outcome = $5 WHERE id = $1";
    c_.Run(update, Params()
                       .Add(d.case_id)
                       .Add(CaseStatusName(d.status_after))
                       .Add(d.decided_at)
                       .Add(d.deadline)
                       .Add(outcome));
    return id;
  }

  std::vector<Decision> DecisionsOfCase(int64_t case_id) override {
    static const std::string sql =
        SelectFrom(kDecisionColumns, "FROM decisions WHERE case_id = $1 ORDER BY id");
    Rows rows = c_.Run(sql, Params().Add(case_id));
    std::vector<Decision> out;
    out.reserve(static_cast<size_t>(rows.size()));
    for (int i = 0; i < rows.size(); ++i) out.push_back(ReadDecision(rows[i]));
    return out;
  }

  std::optional<Decision> GetDecision(int64_t decision_id) override {
    static const std::string sql = SelectFrom(kDecisionColumns, "FROM decisions WHERE id = $1");
    Rows found = c_.Run(sql, Params().Add(decision_id));
    if (found.empty()) return std::nullopt;
    return ReadDecision(found[0]);
  }

  int64_t InsertUser(const User& user) override {
    static const std::string insert =
        "INSERT INTO users (email, role, password_hash, disabled, created_at) "
        "VALUES ($1, $2, $3, $4, $5) RETURNING id";
    return c_
        .Run(insert, Params()
                         .Add(user.email)
                         .Add(RoleName(user.role))
                         .Add(user.password_hash)
                         .Add(user.disabled)
                         .Add(Now()))[0]
        .Int(0);
  }

  void UpdateUserPassword(int64_t user_id, const std::string& password_hash) override {
    static const std::string update = "UPDATE users SET password_hash = $2 WHERE id = $1";
    c_.Run(update, Params().Add(user_id).Add(password_hash));
  }

  std::optional<User> FindUserByEmail(const std::string& email) override {
    // Case-insensitive, as SQLite's COLLATE NOCASE; the index users_email serves it.
    static const std::string sql =
        SelectFrom(kUserColumns, "FROM users WHERE lower(email) = lower($1)");
    return FirstUser(c_.Run(sql, Params().Add(email)));
  }

  std::optional<User> GetUser(int64_t user_id) override {
    static const std::string sql = SelectFrom(kUserColumns, "FROM users WHERE id = $1");
    return FirstUser(c_.Run(sql, Params().Add(user_id)));
  }

  int64_t CountUsers() override { return c_.Run("SELECT COUNT(*) FROM users")[0].Int(0); }

  void InsertSession(const Session& session) override {
    static const std::string insert =
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) "
        "VALUES ($1, $2, $3, $4, $5)";
    c_.Run(insert, Params()
                       .Add(session.id_hash)
                       .Add(session.user_id)
                       .Add(session.csrf_token)
                       .Add(session.created_at)
                       .Add(session.expires_at));
  }

  std::optional<Session> FindSession(const std::string& id_hash, Instant now) override {
    static const std::string sql =
        "SELECT id_hash, user_id, csrf_token, created_at, expires_at FROM sessions "
        "WHERE id_hash = $1 AND expires_at > $2";
    Rows found = c_.Run(sql, Params().Add(id_hash).Add(now));
    if (found.empty()) return std::nullopt;
    Row row = found[0];
    return Session{row.Text(0), row.Int(1), row.Text(2), row.Time(3), row.Time(4)};
  }

  void DeleteSession(const std::string& id_hash) override {
    c_.Run("DELETE FROM sessions WHERE id_hash = $1", Params().Add(id_hash));
  }

  void InsertApiToken(int64_t user_id, const std::string& token_hash, const std::string& label,
                      Instant now) override {
    static const std::string insert =
        "INSERT INTO api_tokens (token_hash, user_id, label, created_at) VALUES ($1, $2, $3, $4)";
    c_.Run(insert, Params().Add(token_hash).Add(user_id).Add(label).Add(now));
  }

  std::optional<User> FindUserByApiToken(const std::string& token_hash) override {
    static const std::string sql =
        "SELECT u.id, u.email, u.role, u.password_hash, u.disabled FROM api_tokens t "
        "JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1";
    return FirstUser(c_.Run(sql, Params().Add(token_hash)));
  }

  void InsertInventory(const std::vector<InventoryRecord>& records) override {
    // An import can hold a million records: the statements are pipelined rather than sent one
    // round trip at a time, and each customer is written once, with its last name and address
    // in the file (what writing it once per record would leave).
    static const std::string upsert_customer =
        "INSERT INTO customers (id, name, email) VALUES ($1, $2, $3) "
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email";
    static const std::string upsert_record =
        "INSERT INTO inventory (customer_id, service_id, service_kind, resource, valid_from, "
        "valid_to) VALUES ($1, $2, $3, $4, $5, $6) "
        "ON CONFLICT (service_id, resource, valid_from) DO UPDATE SET "
        "customer_id = excluded.customer_id, service_kind = excluded.service_kind, "
        "valid_to = excluded.valid_to";
    std::map<std::string, const InventoryRecord*> last_of_customer;
    for (const InventoryRecord& record : records) last_of_customer[record.customer_id] = &record;
    std::vector<Params> customers;
    customers.reserve(last_of_customer.size());
    for (const auto& [id, record] : last_of_customer) {
      customers.push_back(
          std::move(Params().Add(id).Add(record->customer_name).Add(record->customer_email)));
    }
    c_.RunBatch(upsert_customer, customers);

    // A record repeated in the file is written twice, the last one winning, as in SQLite.
    std::vector<Params> rows;
    rows.reserve(records.size());
    for (const InventoryRecord& record : records) {
      rows.push_back(std::move(Params()
                                   .Add(record.customer_id)
                                   .Add(record.service_id)
                                   .Add(record.service_kind)
                                   .Add(record.resource)
                                   .Add(record.valid_from)
                                   .Add(record.valid_to)));
    }
    c_.RunBatch(upsert_record, rows);

    // Every listening node is told once this commits (a notification is sent at commit, and not
    // at all on a rollback); the version tells a node that missed it.
    Rows version =
        c_.Run("UPDATE inventory_version SET version = version + 1 WHERE id = 1 RETURNING version");
    c_.Run("SELECT pg_notify('vigie_inventory', $1)", Params().Add(version[0].Text(0)));
  }

  std::vector<InventoryRecord> LoadInventory() override {
    static const std::string sql =
        "SELECT i.customer_id, COALESCE(c.name, ''), COALESCE(c.email, ''), i.service_id, "
        "i.service_kind, i.resource, i.valid_from, i.valid_to FROM inventory i "
        "LEFT JOIN customers c ON c.id = i.customer_id ORDER BY i.id";
    Rows rows = c_.Run(sql);
    std::vector<InventoryRecord> out;
    out.reserve(static_cast<size_t>(rows.size()));
    for (int i = 0; i < rows.size(); ++i) {
      Row row = rows[i];
      InventoryRecord record;
      record.customer_id = row.Text(0);
      record.customer_name = row.Text(1);
      record.customer_email = row.Text(2);
      record.service_id = row.Text(3);
      record.service_kind = row.Text(4);
      record.resource = row.Text(5);
      record.valid_from = row.Time(6);
      record.valid_to = row.OptionalTime(7);
      out.push_back(std::move(record));
    }
    return out;
  }

  int64_t CountInventory() override { return c_.Run("SELECT COUNT(*) FROM inventory")[0].Int(0); }

  void UpsertCustomer(const std::string& id, const std::string& name,
                      const std::string& email) override {
    static const std::string upsert =
        "INSERT INTO customers (id, name, email) VALUES ($1, $2, $3) "
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email";
    c_.Run(upsert, Params().Add(id).Add(name).Add(email));
  }

  std::string CustomerEmail(const std::string& customer_id) override {
    Rows found = c_.Run("SELECT email FROM customers WHERE id = $1", Params().Add(customer_id));
    return found.empty() ? std::string() : found[0].Text(0);
  }

  int64_t EnqueueMail(const OutboxMail& mail) override {
    static const std::string insert =
        "INSERT INTO outbox (kind, recipient, language, report_id, case_id, decision_id, "
        "created_at, next_attempt_at, mail_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) "
        "RETURNING id";
    return c_
        .Run(insert, Params()
                         .Add(mail.kind)
                         .Add(mail.recipient)
                         .Add(mail.language)
                         .Add(mail.report_id)
                         .Add(mail.case_id)
                         .Add(mail.decision_id)
                         .Add(mail.next_attempt_at)
                         .Add(mail.mail_id))[0]
        .Int(0);
  }

  std::vector<OutboxMail> ClaimDueMail(Instant now, int limit, const std::string& owner,
                                       Instant lease_until) override {
    // Mails another node is leasing right now are skipped, not waited for; a lease that the
    // other node committed is seen expired or not through `lease_until`.
    static const std::string claim =
        "WITH due AS (SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= $1 "
        "AND lease_until <= $1 ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) "
        "UPDATE outbox SET lease_owner = $3, lease_until = $4 FROM due WHERE outbox.id = due.id "
        "RETURNING outbox.id, kind, recipient, language, report_id, case_id, decision_id, "
        "attempts, next_attempt_at, mail_id";
    Rows rows = c_.Run(claim, Params().Add(now).Add(limit).Add(owner).Add(lease_until));
    std::vector<OutboxMail> out;
    out.reserve(static_cast<size_t>(rows.size()));
    for (int i = 0; i < rows.size(); ++i) out.push_back(ReadMail(rows[i]));
    // RETURNING follows no order; the SQLite store returns the most overdue first.
    std::sort(out.begin(), out.end(), [](const OutboxMail& a, const OutboxMail& b) {
      return std::tie(a.next_attempt_at, a.id) < std::tie(b.next_attempt_at, b.id);
    });
    return out;
  }

  void MarkMailSent(int64_t mail_id, Instant now) override {
    static const std::string update =
        "UPDATE outbox SET state = 'sent', sent_at = $2, attempts = attempts + 1, "
        "lease_owner = '', lease_until = 0, last_error = '' WHERE id = $1";
    c_.Run(update, Params().Add(mail_id).Add(now));
  }

  void MarkMailFailed(int64_t mail_id, const std::string& error, Instant next_attempt,
                      bool give_up) override {
    static const std::string update =
        "UPDATE outbox SET state = CASE WHEN $4::boolean THEN 'failed' ELSE 'pending' END, "
        "attempts = attempts + 1, next_attempt_at = $3, last_error = $2, lease_owner = '', "
        "lease_until = 0 WHERE id = $1";
    // The error may quote a mail server's reply in any encoding; a byte PostgreSQL refuses
    // must not keep the failure from being recorded.
    c_.Run(update, Params().Add(mail_id).Add(StorableText(error)).Add(next_attempt).Add(give_up));
  }

  OutboxCounts CountOutbox() override {
    Rows rows = c_.Run(
        "SELECT COUNT(*) FILTER (WHERE state = 'pending'), COUNT(*) FILTER (WHERE state = "
        "'sent'), COUNT(*) FILTER (WHERE state = 'failed') FROM outbox");
    return OutboxCounts{rows[0].Int(0), rows[0].Int(1), rows[0].Int(2)};
  }

  std::string GetOrCreateSecret(const std::string& name, const std::string& fresh) override {
    // A node creating the same secret at the same time makes this INSERT wait for its commit,
    // then do nothing: both read the one value stored.
    c_.Run("INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
           Params().Add(name).Add(fresh));
    return c_.Run("SELECT value FROM secrets WHERE name = $1", Params().Add(name))[0].Text(0);
  }

  int64_t InventoryVersion() override {
    Rows rows = c_.Run("SELECT version FROM inventory_version WHERE id = 1");
    return rows.empty() ? 0 : rows[0].Int(0);
  }

  int64_t CountSignInFailures(const std::string& key_hash, Instant window_start) override {
    Rows rows =
        c_.Run("SELECT failures FROM sign_in_failures WHERE key_hash = $1 AND window_start >= $2",
               Params().Add(key_hash).Add(window_start));
    return rows.empty() ? 0 : rows[0].Int(0);
  }

  void RecordSignInFailure(const std::string& key_hash, Instant now,
                           Instant window_start) override {
    c_.Run("DELETE FROM sign_in_failures WHERE window_start < $1", Params().Add(window_start));
    // Two nodes counting the same key at once: the second INSERT waits for the first to commit
    // and then adds to its row, so no failure is lost.
    c_.Run(
        "INSERT INTO sign_in_failures (key_hash, window_start, failures) VALUES ($1, $2, 1) "
        "ON CONFLICT (key_hash) DO UPDATE SET failures = sign_in_failures.failures + 1",
        Params().Add(key_hash).Add(now));
  }

 private:
  // Placeholders are numbered in the order the clauses are added; only the numbers enter the
  // text, the values go in `params`.
  static std::string Where(const CaseFilter& filter, Params& params) {
    std::string where;
    // Called once the clause's value is in `params`: its number is the count so far.
    auto add = [&](const char* column_and_operator) {
      where += where.empty() ? " WHERE " : " AND ";
      where += column_and_operator;
      where += " $" + std::to_string(params.size());
    };
    if (filter.status) {
      params.Add(CaseStatusName(*filter.status));
      add("status =");
    }
    if (!filter.abuse_type.empty()) {
      params.Add(filter.abuse_type);
      add("abuse_type =");
    }
    if (filter.created_after) {
      params.Add(*filter.created_after);
      add("created_at >=");
    }
    if (filter.created_before) {
      params.Add(*filter.created_before);
      add("created_at <");
    }
    return where;
  }

  std::vector<StoredReport> ReadReports(const Rows& rows) {
    std::vector<StoredReport> out;
    out.reserve(static_cast<size_t>(rows.size()));
    for (int i = 0; i < rows.size(); ++i) out.push_back(ReadReport(rows[i]));
    for (StoredReport& report : out) LoadTargets(report);
    return out;
  }

  std::optional<StoredReport> FirstReport(const Rows& rows) {
    if (rows.empty()) return std::nullopt;
    StoredReport report = ReadReport(rows[0]);
    LoadTargets(report);
    return report;
  }

  static std::optional<User> FirstUser(const Rows& rows) {
    if (rows.empty()) return std::nullopt;
    return ReadUser(rows[0]);
  }

  void LoadTargets(StoredReport& report) {
    static const std::string sql =
        "SELECT kind, canonical, display, attribution, customer_id, service_id, matched, "
        "candidates FROM report_targets WHERE report_id = $1 ORDER BY position";
    Rows rows = c_.Run(sql, Params().Add(report.id));
    for (int i = 0; i < rows.size(); ++i) {
      Row row = rows[i];
      StoredTarget stored;
      std::string kind = row.Text(0);
      stored.target.kind = kind == "url"      ? TargetKind::kUrl
                           : kind == "domain" ? TargetKind::kDomain
                                              : TargetKind::kIp;
      stored.target.canonical = row.Text(1);
      stored.target.display = row.Text(2);
      if (stored.target.kind == TargetKind::kIp) {
        stored.target.ip = IpAddress::Parse(stored.target.canonical);
      }
      stored.attribution.result =
          ParseAttributionResult(row.Text(3)).value_or(AttributionResult::kUnknown);
      stored.attribution.customer_id = row.Text(4);
      stored.attribution.service_id = row.Text(5);
      stored.attribution.matched = row.Text(6);
      stored.attribution.candidates = SplitLines(row.Text(7));
      report.targets.push_back(std::move(stored));
      report.draft.targets.push_back(report.targets.back().target);
    }
  }

  PgConnection& c_;
  const bool write_;
};

// What one attempt of a transaction came to.
struct Attempt {
  bool committed = false;
  bool retry = false;  // rolled back by the database, and worth running again
  std::string error;
  std::string sqlstate;
};

// Calls back when an inventory import commits on any node: a thread with a connection of its
// own (a pooled one goes back to the pool between transactions and cannot stay listening) runs
// LISTEN, then sleeps in poll() on the connection's socket until PostgreSQL sends a
// notification, the recheck interval passes, or the watch is stopped. Each of these wakes it to
// read the inventory's version, which is what `changed` is told. A broken connection is opened
// again after a growing delay, and the version read at once: an import that committed while
// nobody listened is not missed.
class PgInventoryListener final : public InventoryWatch {
 public:
  PgInventoryListener(std::string conninfo, int64_t known_version,
                      std::function<void(int64_t)> changed, InventoryWatchOptions options)
      : conninfo_(std::move(conninfo)), changed_(std::move(changed)), options_(options) {
    if (::pipe2(stop_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
      throw StoreError("inventory listener: cannot make a pipe");
    }
    thread_ = std::thread([this, known_version] { Loop(known_version); });
  }

  ~PgInventoryListener() override {
    char stop = 's';
    (void)!::write(stop_pipe_[1], &stop, 1);
    thread_.join();
    ::close(stop_pipe_[0]);
    ::close(stop_pipe_[1]);
  }

 private:
  using Clock = std::chrono::steady_clock;

  void Loop(int64_t last) {
    auto delay = options_.reconnect_delay;
    bool failing = false;
    while (!Stopping()) {
      PGconn* conn = Connect();
      if (conn == nullptr) {
        if (!failing) spdlog::warn("event=inventory_listener_down error=\"{}\"", last_error_);
        failing = true;
        if (Wait(delay)) break;
        delay = std::min(delay * 2, options_.recheck_interval);
        continue;
      }
      if (failing) spdlog::info("event=inventory_listener_up");
      failing = false;
      delay = options_.reconnect_delay;

      bool healthy = Listen(conn, last);
      PQfinish(conn);
      if (!healthy && !Stopping()) {
        spdlog::warn("event=inventory_listener_down error=\"{}\"", last_error_);
        failing = true;
        if (Wait(delay)) break;
      }
    }
  }

  // Opens the connection and listens; null when either fails (last_error_ says why).
  PGconn* Connect() {
    const char* const keywords[] = {"connect_timeout", "fallback_application_name", "dbname",
                                    "client_encoding", nullptr};
    const char* const values[] = {"10", "vigie inventory listener", conninfo_.c_str(), "UTF8",
                                  nullptr};
    PGconn* conn = PQconnectdbParams(keywords, values, 1);
    // The server's messages ("terminating connection due to administrator command") become
    // the warning logged below; libpq would print them on standard error.
    if (conn != nullptr)
      PQsetNoticeReceiver(
          conn, [](void*, const PGresult*) {}, nullptr);
    if (conn != nullptr && PQstatus(conn) == CONNECTION_OK &&
        Exec(conn, "LISTEN vigie_inventory")) {
      return conn;
    }
    if (conn != nullptr) last_error_ = OneLine(PQerrorMessage(conn));
    PQfinish(conn);
    return nullptr;
  }

  // Serves one connection until it breaks (false) or the watch stops (true).
  bool Listen(PGconn* conn, int64_t& last) {
    if (!Check(conn, last)) return false;
    Clock::time_point recheck_at = Clock::now() + options_.recheck_interval;
    for (;;) {
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(recheck_at - Clock::now());
      pollfd fds[2] = {{PQsocket(conn), POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
      int ready = ::poll(fds, 2, static_cast<int>(std::max<int64_t>(0, wait.count())));
      if (ready < 0 && errno != EINTR) {
        last_error_ = "poll failed";
        return false;
      }
      if (Stopping()) return true;

      bool notified = false;
      if (ready > 0 && (fds[0].revents & (POLLIN | POLLERR | POLLHUP)) != 0) {
        if (PQconsumeInput(conn) != 1) {
          last_error_ = OneLine(PQerrorMessage(conn));
          return false;
        }
        while (PGnotify* notice = PQnotifies(conn)) {
          notified = true;
          PQfreemem(notice);
        }
      }
      if (notified || Clock::now() >= recheck_at) {
        if (!Check(conn, last)) return false;
        recheck_at = Clock::now() + options_.recheck_interval;
      }
    }
  }

  // Reads the version and calls back when it moved; false when the connection failed.
  bool Check(PGconn* conn, int64_t& last) {
    PGresult* result = PQexec(conn, "SELECT version FROM inventory_version WHERE id = 1");
    bool ok = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1;
    int64_t version = ok ? std::strtoll(PQgetvalue(result, 0, 0), nullptr, 10) : last;
    if (!ok) last_error_ = OneLine(PQresultErrorMessage(result));
    PQclear(result);
    // Notifications that arrived with the answer are covered by what was just read.
    while (PGnotify* notice = PQnotifies(conn)) PQfreemem(notice);
    if (ok && version != last) {
      last = version;
      changed_(version);
    }
    return ok;
  }

  bool Exec(PGconn* conn, const char* sql) {
    PGresult* result = PQexec(conn, sql);
    bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    PQclear(result);
    return ok;
  }

  // Sleeps `delay` unless stopped first; true when stopped.
  bool Wait(std::chrono::milliseconds delay) {
    pollfd fd = {stop_pipe_[0], POLLIN, 0};
    ::poll(&fd, 1, static_cast<int>(delay.count()));
    return Stopping();
  }

  bool Stopping() const {
    pollfd fd = {stop_pipe_[0], POLLIN, 0};
    return ::poll(&fd, 1, 0) > 0;
  }

  static std::string OneLine(const char* text) {
    std::string out;
    for (const char* c = text; c != nullptr && *c != '\0'; ++c) {
      if (*c == '\n' || *c == '\t' || *c == ' ') {
        if (!out.empty() && out.back() != ' ') out += ' ';
      } else {
        out += *c;
      }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out.empty() ? "connection lost" : out;
  }

  const std::string conninfo_;
  const std::function<void(int64_t)> changed_;
  const InventoryWatchOptions options_;
  int stop_pipe_[2] = {-1, -1};
  std::string last_error_;  // used by the thread only
  std::thread thread_;
};

class PostgresStore final : public Store {
 public:
  PostgresStore(const std::string& conninfo, int pool_size)
      : conninfo_(conninfo), pool_(conninfo, pool_size) {
    Lease connection(pool_);
    Migrate(*connection);
  }

  Status Write(const std::function<void(Transaction&)>& work) override { return Run(work, true); }

  Status Read(const std::function<void(Transaction&)>& work) override { return Run(work, false); }

  bool Healthy() override {
    Status status = Write([](Transaction& tx) { tx.CountUsers(); });
    return status.ok();
  }

  std::unique_ptr<InventoryWatch> WatchInventory(int64_t known_version,
                                                 std::function<void(int64_t)> changed,
                                                 const InventoryWatchOptions& options) override {
    return std::make_unique<PgInventoryListener>(conninfo_, known_version, std::move(changed),
                                                 options);
  }

 private:
  Status Run(const std::function<void(Transaction&)>& work, bool write) {
    for (int attempt = 1;; ++attempt) {
      Attempt result;
      try {
        Lease connection(pool_);
        result = RunOnce(*connection, work, write);
      } catch (const PgError& error) {
        // No connection could be had: the server is down or the pool exhausted.
        return Error{"database", error.what()};
      }
      if (result.committed) return Status::Ok();
      if (!result.retry || attempt == kMaxAttempts) return Error{"database", result.error};
      spdlog::warn("event=store_retry backend=postgresql attempt={} sqlstate={} error=\"{}\"",
                   attempt, result.sqlstate.empty() ? "none" : result.sqlstate, result.error);
      if (IsRetryable(result.sqlstate)) {
        // Two transactions that deadlocked would likely meet again if both came straight back.
        thread_local std::minstd_rand random(std::random_device{}());
        std::uniform_int_distribution<int> jitter(5, 50 * attempt);
        std::this_thread::sleep_for(std::chrono::milliseconds(jitter(random)));
      }
    }
  }

  // Runs `work` once in its own transaction on `c`. Exceptions other than StoreError propagate
  // after the rollback.
  static Attempt RunOnce(PgConnection& c, const std::function<void(Transaction&)>& work,
                         bool write) {
    Attempt result;
    bool committing = false;
    try {
      c.Exec(write ? "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE"
                   : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      PgTransaction transaction(c, write);
      work(transaction);
      committing = true;
      Rows done = c.Exec("COMMIT");
      // COMMIT of a transaction that failed earlier answers ROLLBACK, not an error.
      if (done.command() != "COMMIT") {
        throw PgError("postgresql: the transaction had failed and was rolled back", "");
      }
      result.committed = true;
    } catch (const PgError& error) {
      Rollback(c);
      result.error = error.what();
      result.sqlstate = error.sqlstate();
      // A connection lost before COMMIT was sent left nothing behind. One lost during COMMIT
      // may or may not have committed: running the work again could store it twice.
      result.retry = IsRetryable(error.sqlstate()) || (c.Broken() && !committing);
    } catch (const StoreError& error) {
      Rollback(c);
      result.error = error.what();
    } catch (...) {
      Rollback(c);
      throw;
    }
    return result;
  }

  static void Rollback(PgConnection& c) {
    if (c.Broken() || !c.InTransaction()) return;
    try {
      c.Exec("ROLLBACK");
    } catch (const StoreError&) {
      // The connection is left out of the pool on release.
    }
  }

  // Applies the migrations not yet applied, each in its own transaction, under a session lock
  // that other nodes starting at the same time wait for.
  static void Migrate(PgConnection& c) {
    c.Exec("SELECT pg_advisory_lock(hashtext('vigie.migrations'))");
    try {
      c.Exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
          "applied_at BIGINT NOT NULL)");
      for (size_t i = 0; i < postgres_schema::kMigrations.size(); ++i) {
        int64_t version = static_cast<int64_t>(i) + 1;
        c.Exec("BEGIN");
        Rows applied =
            c.Run("SELECT 1 FROM schema_migrations WHERE version = $1", Params().Add(version));
        if (applied.empty()) {
          c.Exec(postgres_schema::kMigrations[i]);
          c.Run("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                Params().Add(version).Add(Now()));
        }
        c.Exec("COMMIT");
      }
    } catch (...) {
      Rollback(c);
      if (!c.Broken()) c.Exec("SELECT pg_advisory_unlock(hashtext('vigie.migrations'))");
      throw;
    }
    c.Exec("SELECT pg_advisory_unlock(hashtext('vigie.migrations'))");
  }

  const std::string conninfo_;
  Pool pool_;
};

// The libpq connection string for `url` and the pool size it asks for. libpq takes the URL as
// it is once `pool_size`, which is vigie's and not libpq's, has been taken out of its query.
struct PostgresSettings {
  std::string conninfo;
  int pool_size = kDefaultPoolSize;
};

Result<PostgresSettings> ParsePostgresUrl(const std::string& url) {
  PostgresSettings settings;
  size_t question = url.find('?');
  settings.conninfo = url.substr(0, question);
  if (question != std::string::npos) {
    std::string kept;
    size_t pos = question + 1;
    while (pos <= url.size()) {
      size_t end = std::min(url.find('&', pos), url.size());
      std::string_view item = std::string_view(url).substr(pos, end - pos);
      if (item.starts_with("pool_size=")) {
        std::string_view number = item.substr(10);
        int size = 0;
        auto [stop, error] = std::from_chars(number.data(), number.data() + number.size(), size);
        if (error != std::errc() || stop != number.data() + number.size() || size < 1 ||
            size > kMaxPoolSize) {
          return Error{"config", "pool_size in the database URL must be a whole number from 1 to " +
                                     std::to_string(kMaxPoolSize)};
        }
        settings.pool_size = size;
      } else if (!item.empty()) {
        kept += kept.empty() ? "?" : "&";
        kept += item;
      }
      pos = end + 1;
    }
    settings.conninfo += kept;
  }

  char* problem = nullptr;
  PQconninfoOption* options = PQconninfoParse(settings.conninfo.c_str(), &problem);
  if (options == nullptr) {
    std::string message = problem ? problem : "out of memory";
    PQfreemem(problem);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return Error{"config", "the PostgreSQL database URL is not valid: " + message};
  }
  PQconninfoFree(options);
  return settings;
}

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url) {
  Result<PostgresSettings> settings = ParsePostgresUrl(url);
  if (!settings.ok()) return settings.error();
  try {
    return std::unique_ptr<Store>(
        std::make_unique<PostgresStore>(settings->conninfo, settings->pool_size));
  } catch (const StoreError& error) {
    return Error{"database", error.what()};
  }
}

}  // namespace vigie
