// The storage interface: every durable fact vigie keeps goes through it.
//
// Work is done inside a transaction: `Store::Write` runs a function with a `Transaction` and
// commits when it returns, rolls back when it throws. The transaction's methods throw
// `StoreError` when the database fails (disk full, lock timeout, connection lost); callers
// above this layer see only the `Status` that `Write`/`Read` return. No SQL leaves this folder.
//
// Two implementations: SQLite (one file, one writer at a time; the default) and PostgreSQL
// (several vigie nodes on one database). Both give the same answers in the same order; what
// the PostgreSQL one does to keep concurrent nodes apart is described in postgres_store.cc.
//
// Thread safety: a Store may be used from any number of threads at once. A Transaction belongs
// to the thread running the function it was handed to.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/case.h"
#include "core/event.h"
#include "core/report.h"
#include "core/result.h"
#include "core/time.h"

namespace vigie {

struct InventoryRecord;  // attribution/inventory.h

// Thrown by Transaction methods when the database itself fails; never for bad input.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A report as stored, with its attribution per target.
struct StoredTarget {
  Target target;
  Attribution attribution;
};

struct StoredReport {
  int64_t id = 0;
  std::string reference;  // public reference, "VG-XXXXXXXXXX"
  Instant received_at{};
  ReportDraft draft;       // the validated submission, raw bytes included
  std::string raw_sha256;  // hex
  std::vector<StoredTarget> targets;
  int64_t case_id = 0;
};

// What the writer stores for a new report. The status token is stored only as its hash.
struct NewReport {
  std::string reference;
  std::string status_token_hash;  // hex SHA-256 of the private status token
  std::string idempotency_key;    // empty when the client sent none
  Instant received_at{};
  const ReportDraft* draft = nullptr;
  std::string raw_sha256;
  std::vector<StoredTarget> targets;
};

enum class Role { kAgent, kAdmin };
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

struct User {
  int64_t id = 0;
  std::string email;
  Role role = Role::kAgent;
  std::string password_hash;  // argon2id, libsodium's encoded form
  bool disabled = false;
};

struct Session {
  std::string id_hash;  // hex SHA-256 of the cookie value
  int64_t user_id = 0;
  std::string csrf_token;
  Instant created_at{};
  Instant expires_at{};
};

// A mail waiting in, or gone from, the outbox. It names what to say (kind and the records it is
// about); the delivery job renders it when it sends, so intake stays cheap.
struct OutboxMail {
  int64_t id = 0;
  // "acknowledgement", "rejection", "notice", "closure", "refusal" (an abuse mail that could
  // not be read, answered to its sender with the reason)
  std::string kind;
  std::string recipient;
  std::string language;
  int64_t report_id = 0;  // 0 when not about one report
  int64_t case_id = 0;
  int64_t decision_id = 0;
  int64_t mail_id = 0;  // the abuse mail a refusal answers; 0 otherwise
  int attempts = 0;
  Instant next_attempt_at{};
};

// An abuse mail as it arrived (by `vigie ingest-mail` or the API), kept byte for byte, and
// what reading it found. It is stored before it is read, so nothing is lost when reading fails.
struct InboundMail {
  int64_t id = 0;
  Instant received_at{};
  std::string channel;     // "pipe" (an MTA through vigie ingest-mail) or "api"
  std::string raw;         // loaded only when asked for
  std::string raw_sha256;  // hex
  int64_t size = 0;        // bytes of raw
  // "pending" until read; then a ReadingStatus name ("parsed", "needs_human", "ignored",
  // "rejected"); "handled" once an agent has turned a needs-human mail into a report.
  std::string state = "pending";
  std::string format;   // Reading::format
  std::string reason;   // Reading::reason
  std::string detail;   // Reading::detail
  std::string sender;   // the From address
  std::string subject;  // decoded, shortened
  std::string message_id;
  std::string reading;           // the whole reading as JSON (ReadingToJson), for the desk
  int64_t event_count = 0;       // events read
  int64_t new_events = 0;        // stored as new
  int64_t duplicate_events = 0;  // already stored from an earlier mail, or twice in this one
  int64_t not_ours_events = 0;   // about resources that are not the provider's: kept, no case
  int attempts = 0;              // readings started (a crash mid-way leaves it pending)
  std::optional<Instant> read_at;
  int64_t report_id = 0;  // the report an agent made of it
};

struct MailFilter {
  std::string state;  // "" for all
  int limit = 100;
  int offset = 0;
};

// What identifies an event for deduplication: the same time and fingerprint (a hash of its
// targets and type), or the same source key (a hash of the sender's own id for it).
struct EventKey {
  Instant observed{};
  int64_t fingerprint = 0;
  int64_t source_key = 0;  // 0: the sender gave no id
};

struct NewEvent {
  const Event* event = nullptr;
  EventKey key;
  int64_t mail_id = 0;
  int64_t case_id = 0;  // 0: in no case (the resource is not ours)
  std::string_view format;
  const Attribution* attribution = nullptr;  // of the target the case is about; may be null
};

struct StoredEvent {
  int64_t id = 0;
  int64_t mail_id = 0;
  int64_t case_id = 0;
  std::vector<std::string> targets;  // canonical forms
  ZonedInstant observed;
  std::string abuse_type;
  std::string format;
  std::string source_report_id;
  std::string summary;
  AttributionResult attribution = AttributionResult::kUnknown;
  std::string customer_id;
  std::string service_id;
};

struct CaseFilter {
  std::optional<CaseStatus> status;
  std::string abuse_type;
  std::optional<Instant> created_after;  // age filter
  std::optional<Instant> created_before;
  enum class Order { kUrgency, kNewest, kOldest, kMostReports } order = Order::kUrgency;
  int limit = 100;
  int offset = 0;
};

class Transaction {
 public:
  virtual ~Transaction() = default;

  // Reports and cases.
  virtual int64_t InsertReport(const NewReport& report, int64_t case_id) = 0;
  // The open case with this subject and type whose last report is at or after `since`.
  virtual std::optional<Case> FindOpenCase(const std::string& subject,
                                           const std::string& abuse_type, Instant since) = 0;
  virtual int64_t InsertCase(const Case& value) = 0;
  // Adds one report seen at `observed` to the case's count and first/last seen.
  virtual void CountReportInCase(int64_t case_id, Instant observed, Instant now) = 0;
  virtual std::optional<Case> GetCase(int64_t case_id) = 0;
  virtual std::vector<Case> ListCases(const CaseFilter& filter) = 0;
  virtual int64_t CountCases(const CaseFilter& filter) = 0;
  virtual std::vector<StoredReport> ReportsOfCase(int64_t case_id) = 0;
  virtual std::optional<StoredReport> FindReportByReference(const std::string& reference) = 0;
  virtual std::optional<StoredReport> FindReportByIdempotencyKey(const std::string& key) = 0;
  // The hex SHA-256 of the status token of the report, or "" when there is none.
  virtual std::string StatusTokenHash(const std::string& reference) = 0;
  virtual std::optional<StoredReport> GetReport(int64_t report_id) = 0;

  // Adds `count` events seen between `first` and `last` to the case's count and first/last seen.
  virtual void CountEventsInCase(int64_t case_id, int64_t count, Instant first, Instant last,
                                 Instant now) = 0;

  // Abuse mail.
  virtual int64_t InsertInboundMail(const InboundMail& mail) = 0;  // `raw` stored as given
  // Leases up to `limit` pending mails, oldest first, to `owner` until `lease_until`; a mail
  // leased by another owner whose lease has not expired is skipped. Counts an attempt on each.
  virtual std::vector<int64_t> ClaimInboundMail(Instant now, int limit, const std::string& owner,
                                                Instant lease_until) = 0;
  virtual std::optional<InboundMail> GetInboundMail(int64_t mail_id, bool with_raw) = 0;
  // Stores what reading found (state through read_at) and releases the lease.
  virtual void RecordMailReading(const InboundMail& mail) = 0;
  virtual std::vector<InboundMail> ListInboundMail(const MailFilter& filter) = 0;  // no raw
  virtual int64_t CountInboundMail(const MailFilter& filter) = 0;
  // A needs-human mail that an agent turned into `report_id`.
  virtual void MarkMailHandled(int64_t mail_id, int64_t report_id, Instant now) = 0;

  // Events. `KnownEvents` tells, for each key, whether an event with that identity is stored.
  virtual std::vector<bool> KnownEvents(std::span<const EventKey> keys) = 0;
  // Stores the events; one whose identity is already stored (a race with another node) is
  // skipped. Returns, for each, whether it was stored.
  virtual std::vector<bool> InsertEvents(std::span<const NewEvent> events) = 0;
  // Oldest first.
  virtual std::vector<StoredEvent> EventsOfCase(int64_t case_id, int limit, int offset) = 0;
  virtual int64_t CountEventsOfCase(int64_t case_id) = 0;

  // Decisions: append only. Updates the case's status, deadline and outcome in the same step.
  virtual int64_t AppendDecision(const Decision& decision, const std::string& outcome) = 0;
  virtual std::vector<Decision> DecisionsOfCase(int64_t case_id) = 0;
  virtual std::optional<Decision> GetDecision(int64_t decision_id) = 0;

  // Staff.
  virtual int64_t InsertUser(const User& user) = 0;  // throws StoreError on a duplicate email
  virtual void UpdateUserPassword(int64_t user_id, const std::string& password_hash) = 0;
  virtual std::optional<User> FindUserByEmail(const std::string& email) = 0;
  virtual std::optional<User> GetUser(int64_t user_id) = 0;
  virtual int64_t CountUsers() = 0;
  virtual void InsertSession(const Session& session) = 0;
  virtual std::optional<Session> FindSession(const std::string& id_hash, Instant now) = 0;
  virtual void DeleteSession(const std::string& id_hash) = 0;
  virtual void InsertApiToken(int64_t user_id, const std::string& token_hash,
                              const std::string& label, Instant now) = 0;
  virtual std::optional<User> FindUserByApiToken(const std::string& token_hash) = 0;

  // Inventory: the provider's records of who held what, when.
  virtual void InsertInventory(const std::vector<InventoryRecord>& records) = 0;
  virtual std::vector<InventoryRecord> LoadInventory() = 0;
  virtual int64_t CountInventory() = 0;
  virtual void UpsertCustomer(const std::string& id, const std::string& name,
                              const std::string& email) = 0;
  // The customer's contact address, or "" when unknown.
  virtual std::string CustomerEmail(const std::string& customer_id) = 0;

  // Outbox.
  virtual int64_t EnqueueMail(const OutboxMail& mail) = 0;
  // Leases up to `limit` mails due at `now` to `owner` until `lease_until`; a mail leased by
  // another owner whose lease has not expired is skipped. Leased mails are not claimed again.
  virtual std::vector<OutboxMail> ClaimDueMail(Instant now, int limit, const std::string& owner,
                                               Instant lease_until) = 0;
  virtual void MarkMailSent(int64_t mail_id, Instant now) = 0;
  // Schedules another attempt, or gives up when `give_up` is true.
  virtual void MarkMailFailed(int64_t mail_id, const std::string& error, Instant next_attempt,
                              bool give_up) = 0;
  struct OutboxCounts {
    int64_t pending = 0, sent = 0, failed = 0;
  };
  virtual OutboxCounts CountOutbox() = 0;

  // A named secret (CSRF key, ...), created from `fresh` on first use and stable afterwards.
  virtual std::string GetOrCreateSecret(const std::string& name, const std::string& fresh) = 0;

  // Several nodes on one database (issue 4).
  //
  // The inventory's version: a number that every InsertInventory raises when its transaction
  // commits. A node whose attribution index was built at an older version is stale.
  virtual int64_t InventoryVersion() = 0;
  // Failed staff sign-ins, counted per key in fixed windows. `key_hash` identifies what is
  // throttled (a keyed hash of a remote address or of an account email: never the value itself).
  // The failures of the key's window when that window opened at or after `window_start`; 0 when
  // it opened earlier (it has expired) or there is none.
  virtual int64_t CountSignInFailures(const std::string& key_hash, Instant window_start) = 0;
  // Counts one failure at `now`. A window that opened before `window_start` is restarted at
  // `now`; windows of other keys that opened before `window_start` are forgotten.
  virtual void RecordSignInFailure(const std::string& key_hash, Instant now,
                                   Instant window_start) = 0;
};

// A running watch on the inventory (Store::WatchInventory); destroying it stops the watch.
class InventoryWatch {
 public:
  virtual ~InventoryWatch() = default;
};

struct InventoryWatchOptions {
  // SQLite: how often the version is read. PostgreSQL, which is told of each import at once
  // (LISTEN/NOTIFY), reads it this often anyway, in case a notification was lost with its
  // connection.
  std::chrono::milliseconds poll_interval{2000};
  std::chrono::milliseconds recheck_interval{30000};
  // PostgreSQL: the first wait before connecting again after the listening connection broke;
  // doubled at each failure up to `recheck_interval`.
  std::chrono::milliseconds reconnect_delay{500};
};

class Store {
 public:
  virtual ~Store() = default;

  // Runs `work` in a read-write transaction and commits. Returns the database error when the
  // work threw StoreError or the commit failed; nothing is written then. Exceptions other than
  // StoreError propagate after the rollback.
  //
  // `work` may run more than once: when the database rolls the transaction back for a reason
  // that a second try can cure (PostgreSQL: a deadlock between two nodes, or a connection lost
  // before the commit), it is run again from the start, a few times at most. So `work` must
  // act only through the transaction, and set every result it hands out at each run.
  //
  // REQUIRES: `work` does not call this Store (a pool connection is held meanwhile).
  virtual Status Write(const std::function<void(Transaction&)>& work) = 0;
  // Runs `work` in a read-only transaction: every read sees the same snapshot. Like Write, it
  // may run `work` again after a lost connection.
  virtual Status Read(const std::function<void(Transaction&)>& work) = 0;
  // True while the database answers and accepts writes.
  virtual bool Healthy() = 0;

  // Calls `changed` with the inventory's version (Transaction::InventoryVersion) each time it
  // sees one different from the last it reported, starting from `known_version`: within about
  // `poll_interval` of a commit on SQLite, within moments on PostgreSQL (the import notifies
  // every listening node), whichever process or node imported. Calls come one at a time from
  // a thread of the watch's own; a slow `changed` delays the next call, never the store's
  // other work. While the database cannot be reached, the watch logs a warning and keeps
  // trying. Destroying the returned watch stops it, after a running call returns: it must not
  // be destroyed from within `changed`.
  virtual std::unique_ptr<InventoryWatch> WatchInventory(
      int64_t known_version, std::function<void(int64_t version)> changed,
      const InventoryWatchOptions& options) = 0;
};

struct StoreOptions {
  // "sqlite:PATH" or a plain file path (SQLite), or "postgresql://..." / "postgres://..."
  // (libpq's URI syntax, plus `pool_size=N`, the connections kept, 8 by default; see
  // docs/deployment.md).
  std::string database;
  int readers = 4;  // SQLite: read connections kept open
};

// Opens the store and applies pending migrations. Errors: "config" for a malformed database
// URL, "database" when the database cannot be opened, reached or migrated.
Result<std::unique_ptr<Store>> OpenStore(const StoreOptions& options);

}  // namespace vigie
