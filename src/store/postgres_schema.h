// The PostgreSQL schema, as an ordered list of forward-only migrations. A migration, once
// released, is never edited: a change is a new entry at the end, and the same change is made to
// sqlite_schema.h so that both stores keep the same tables, columns and meaning.
//
// It mirrors sqlite_schema.h column for column. Where the two differ, it is on purpose:
// - ids are `BIGINT GENERATED ALWAYS AS IDENTITY` (SQLite: INTEGER PRIMARY KEY);
// - times stay whole seconds since the epoch in BIGINT, as in SQLite, so that both stores hold
//   the same numbers and no time zone setting of the server can change what is read back;
// - the raw submission is BYTEA (SQLite: BLOB); flags are BOOLEAN (SQLite: 0 or 1);
// - staff email addresses are unique ignoring case through an index on lower(email) (SQLite:
//   COLLATE NOCASE);
// - the decision log is append-only through a trigger that also refuses TRUNCATE.
#pragma once

#include <array>
#include <string_view>

namespace vigie::postgres_schema {

inline constexpr std::array<std::string_view, 3> kMigrations = {
    // 1: the foundation.
    R"sql(
CREATE TABLE customers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL
);
CREATE TABLE inventory (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id TEXT NOT NULL,
  service_id TEXT NOT NULL,
  service_kind TEXT NOT NULL,
  resource TEXT NOT NULL,
  valid_from BIGINT NOT NULL,
  valid_to BIGINT
);
CREATE UNIQUE INDEX inventory_unique ON inventory (service_id, resource, valid_from);

CREATE TABLE cases (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  status TEXT NOT NULL,
  abuse_type TEXT NOT NULL,
  subject TEXT NOT NULL,
  attribution TEXT NOT NULL,
  customer_id TEXT NOT NULL DEFAULT '',
  service_id TEXT NOT NULL DEFAULT '',
  urgency INTEGER NOT NULL DEFAULT 0,
  report_count BIGINT NOT NULL DEFAULT 0,
  first_seen BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deadline_at BIGINT,
  outcome TEXT NOT NULL DEFAULT ''
);
CREATE INDEX cases_open ON cases (subject, abuse_type, last_seen)
  WHERE status IN ('new', 'triage', 'forwarded');
CREATE INDEX cases_queue ON cases (status, urgency, created_at);
CREATE INDEX cases_created ON cases (created_at);

CREATE TABLE reports (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  reference TEXT NOT NULL UNIQUE,
  status_token_hash TEXT NOT NULL,
  idempotency_key TEXT UNIQUE,
  received_at BIGINT NOT NULL,
  channel TEXT NOT NULL,
  format TEXT NOT NULL,
  raw BYTEA NOT NULL,
  raw_type TEXT NOT NULL,
  raw_sha256 TEXT NOT NULL,
  abuse_type TEXT NOT NULL,
  observed_at BIGINT NOT NULL,
  observed_offset INTEGER NOT NULL,
  observed_zone TEXT NOT NULL,
  reporter_kind TEXT NOT NULL,
  reporter_name TEXT NOT NULL,
  reporter_legal_form TEXT NOT NULL,
  reporter_email TEXT NOT NULL,
  share_email BOOLEAN NOT NULL,
  description TEXT NOT NULL,
  good_faith BOOLEAN NOT NULL,
  language TEXT NOT NULL,
  source_report_id TEXT NOT NULL,
  case_id BIGINT NOT NULL REFERENCES cases (id)
);
CREATE INDEX reports_case ON reports (case_id);

CREATE TABLE report_targets (
  report_id BIGINT NOT NULL REFERENCES reports (id),
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
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id BIGINT NOT NULL REFERENCES cases (id),
  action TEXT NOT NULL,
  actor_kind TEXT NOT NULL,
  actor TEXT NOT NULL,
  decided_at BIGINT NOT NULL,
  status_before TEXT NOT NULL,
  status_after TEXT NOT NULL,
  reason TEXT NOT NULL,
  message TEXT NOT NULL,
  deadline_at BIGINT,
  ground TEXT NOT NULL,
  ground_reference TEXT NOT NULL,
  facts TEXT NOT NULL,
  category TEXT NOT NULL,
  visibility TEXT NOT NULL,
  provision TEXT NOT NULL,
  automated_decision TEXT NOT NULL,
  automated_detection BOOLEAN NOT NULL,
  source_type TEXT NOT NULL
);
CREATE INDEX decisions_case ON decisions (case_id, id);
CREATE FUNCTION decisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the decision log is append-only' USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER decisions_append_only BEFORE UPDATE OR DELETE ON decisions
  FOR EACH ROW EXECUTE FUNCTION decisions_append_only();
CREATE TRIGGER decisions_append_only_truncate BEFORE TRUNCATE ON decisions
  FOR EACH STATEMENT EXECUTE FUNCTION decisions_append_only();

CREATE TABLE users (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email TEXT NOT NULL,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled BOOLEAN NOT NULL DEFAULT false,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (lower(email));
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id),
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE TABLE api_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id),
  label TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE outbox (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind TEXT NOT NULL,
  recipient TEXT NOT NULL,
  language TEXT NOT NULL,
  report_id BIGINT NOT NULL,
  case_id BIGINT NOT NULL,
  decision_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_until BIGINT NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  sent_at BIGINT
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
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  received_at BIGINT NOT NULL,
  channel TEXT NOT NULL,
  raw BYTEA NOT NULL,
  raw_sha256 TEXT NOT NULL,
  size BIGINT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  format TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  sender TEXT NOT NULL DEFAULT '',
  subject TEXT NOT NULL DEFAULT '',
  message_id TEXT NOT NULL DEFAULT '',
  reading TEXT NOT NULL DEFAULT '',
  event_count BIGINT NOT NULL DEFAULT 0,
  new_events BIGINT NOT NULL DEFAULT 0,
  duplicate_events BIGINT NOT NULL DEFAULT 0,
  not_ours_events BIGINT NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_until BIGINT NOT NULL DEFAULT 0,
  read_at BIGINT,
  report_id BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX inbound_mail_pending ON inbound_mail (id) WHERE state = 'pending';
CREATE INDEX inbound_mail_state ON inbound_mail (state, id);

CREATE TABLE events (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  mail_id BIGINT NOT NULL REFERENCES inbound_mail (id),
  case_id BIGINT REFERENCES cases (id),
  observed_at BIGINT NOT NULL,
  observed_offset INTEGER NOT NULL,
  fingerprint BIGINT NOT NULL,
  source_key BIGINT,
  abuse_type TEXT NOT NULL,
  targets TEXT NOT NULL,
  format TEXT NOT NULL,
  source_report_id TEXT NOT NULL,
  summary TEXT NOT NULL,
  attribution TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  service_id TEXT NOT NULL
);
ALTER TABLE outbox ADD COLUMN mail_id BIGINT NOT NULL DEFAULT 0;

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
  version BIGINT NOT NULL
);
INSERT INTO inventory_version (id, version) VALUES (1, 0);

CREATE TABLE sign_in_failures (
  key_hash TEXT PRIMARY KEY,
  window_start BIGINT NOT NULL,
  failures INTEGER NOT NULL
);
CREATE INDEX sign_in_failures_window ON sign_in_failures (window_start);
)sql",
};

}  // namespace vigie::postgres_schema
