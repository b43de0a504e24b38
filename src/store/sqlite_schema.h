// The SQLite schema, as an ordered list of forward-only migrations. A migration, once
// released, is never edited: a change is a new entry at the end.
#pragma once

#include <array>
#include <string_view>

namespace vigie::sqlite_schema {

inline constexpr std::array<std::string_view, 3> kMigrations = {
    // 1: the foundation.
    R"sql(
CREATE TABLE customers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL
);
CREATE TABLE inventory (
  id INTEGER PRIMARY KEY,
  customer_id TEXT NOT NULL,
  service_id TEXT NOT NULL,
  service_kind TEXT NOT NULL,
  resource TEXT NOT NULL,
  valid_from INTEGER NOT NULL,
  valid_to INTEGER
);
CREATE UNIQUE INDEX inventory_unique ON inventory (service_id, resource, valid_from);

CREATE TABLE cases (
  id INTEGER PRIMARY KEY,
  status TEXT NOT NULL,
  abuse_type TEXT NOT NULL,
  subject TEXT NOT NULL,
  attribution TEXT NOT NULL,
  customer_id TEXT NOT NULL DEFAULT '',
  service_id TEXT NOT NULL DEFAULT '',
  urgency INTEGER NOT NULL DEFAULT 0,
  report_count INTEGER NOT NULL DEFAULT 0,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  deadline_at INTEGER,
  outcome TEXT NOT NULL DEFAULT ''
);
CREATE INDEX cases_open ON cases (subject, abuse_type, last_seen)
  WHERE status IN ('new', 'triage', 'forwarded');
CREATE INDEX cases_queue ON cases (status, urgency, created_at);
CREATE INDEX cases_created ON cases (created_at);

CREATE TABLE reports (
  id INTEGER PRIMARY KEY,
  reference TEXT NOT NULL UNIQUE,
  status_token_hash TEXT NOT NULL,
  idempotency_key TEXT UNIQUE,
  received_at INTEGER NOT NULL,
  channel TEXT NOT NULL,
  format TEXT NOT NULL,
  raw BLOB NOT NULL,
  raw_type TEXT NOT NULL,
  raw_sha256 TEXT NOT NULL,
  abuse_type TEXT NOT NULL,
  observed_at INTEGER NOT NULL,
  observed_offset INTEGER NOT NULL,
  observed_zone TEXT NOT NULL,
  reporter_kind TEXT NOT NULL,
  reporter_name TEXT NOT NULL,
  reporter_legal_form TEXT NOT NULL,
  reporter_email TEXT NOT NULL,
  share_email INTEGER NOT NULL,
  description TEXT NOT NULL,
  good_faith INTEGER NOT NULL,
  language TEXT NOT NULL,
  source_report_id TEXT NOT NULL,
  case_id INTEGER NOT NULL REFERENCES cases (id)
);
CREATE INDEX reports_case ON reports (case_id);

CREATE TABLE report_targets (
  report_id INTEGER NOT NULL REFERENCES reports (id),
  position INTEGER NOT NULL,
  kind TEXT NOT NULL,
  canonical TEXT NOT NULL,
  display TEXT NOT NULL,
  attribution TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  service_id TEXT NOT NULL,
  matched TEXT NOT NULL,
  candidates TEXT NOT NULL,
  PRIMARY KEY (report_id, position)
);

CREATE TABLE decisions (
  id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL REFERENCES cases (id),
  action TEXT NOT NULL,
  actor_kind TEXT NOT NULL,
  actor TEXT NOT NULL,
  decided_at INTEGER NOT NULL,
  status_before TEXT NOT NULL,
  status_after TEXT NOT NULL,
  reason TEXT NOT NULL,
  message TEXT NOT NULL,
  deadline_at INTEGER,
  ground TEXT NOT NULL,
  ground_reference TEXT NOT NULL,
  facts TEXT NOT NULL,
  category TEXT NOT NULL,
  visibility TEXT NOT NULL,
  provision TEXT NOT NULL,
  automated_decision TEXT NOT NULL,
  automated_detection INTEGER NOT NULL,
  source_type TEXT NOT NULL
);
CREATE INDEX decisions_case ON decisions (case_id, id);
CREATE TRIGGER decisions_append_only_update BEFORE UPDATE ON decisions
BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
CREATE TRIGGER decisions_append_only_delete BEFORE DELETE ON decisions
BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id),
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE api_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id),
  label TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  recipient TEXT NOT NULL,
  language TEXT NOT NULL,
  report_id INTEGER NOT NULL,
  case_id INTEGER NOT NULL,
  decision_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_until INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  sent_at INTEGER
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'pending';

CREATE TABLE secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql",
    // 2: abuse mail and the events read from it.
    R"sql(
CREATE TABLE inbound_mail (
  id INTEGER PRIMARY KEY,
  received_at INTEGER NOT NULL,
  channel TEXT NOT NULL,
  raw BLOB NOT NULL,
  raw_sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  format TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  sender TEXT NOT NULL DEFAULT '',
  subject TEXT NOT NULL DEFAULT '',
  message_id TEXT NOT NULL DEFAULT '',
  reading TEXT NOT NULL DEFAULT '',
  event_count INTEGER NOT NULL DEFAULT 0,
  new_events INTEGER NOT NULL DEFAULT 0,
  duplicate_events INTEGER NOT NULL DEFAULT 0,
  not_ours_events INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_until INTEGER NOT NULL DEFAULT 0,
  read_at INTEGER,
  report_id INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX inbound_mail_pending ON inbound_mail (id) WHERE state = 'pending';
CREATE INDEX inbound_mail_state ON inbound_mail (state, id);

CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  mail_id INTEGER NOT NULL REFERENCES inbound_mail (id),
  case_id INTEGER REFERENCES cases (id),
  observed_at INTEGER NOT NULL,
  observed_offset INTEGER NOT NULL,
  fingerprint INTEGER NOT NULL,
  source_key INTEGER,
  abuse_type TEXT NOT NULL,
  targets TEXT NOT NULL,
  format TEXT NOT NULL,
  source_report_id TEXT NOT NULL,
  summary TEXT NOT NULL,
  attribution TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  service_id TEXT NOT NULL
);
ALTER TABLE outbox ADD COLUMN mail_id INTEGER NOT NULL DEFAULT 0;

CREATE UNIQUE INDEX events_identity ON events (observed_at, fingerprint);
CREATE UNIQUE INDEX events_source ON events (source_key) WHERE source_key IS NOT NULL;
CREATE INDEX events_case ON events (case_id, observed_at) WHERE case_id IS NOT NULL;
)sql",
    // 3: several nodes on one database. The inventory's version, bumped by every import, tells
    // a node that its attribution index is stale. Failed staff sign-ins are counted per key (a
    // keyed hash of the remote address or of the account email, never the value itself), so
    // that every node applies the same limit.
    R"sql(
CREATE TABLE inventory_version (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
);
INSERT INTO inventory_version (id, version) VALUES (1, 0);

CREATE TABLE sign_in_failures (
  key_hash TEXT PRIMARY KEY,
  window_start INTEGER NOT NULL,
  failures INTEGER NOT NULL
);
CREATE INDEX sign_in_failures_window ON sign_in_failures (window_start);
)sql",
};

}  // namespace vigie::sqlite_schema
