// A throw-away PostgreSQL server for one test process (test-only code).
//
// The first test that asks for it starts the server: `initdb` into a fresh directory under
// /tmp, `pg_ctl start` listening on 127.0.0.1 at a free port and on a unix socket in that
// directory, with fsync on. It creates the role `vigie` (password login, CREATEDB, not a
// superuser, as in production) and its database `vigie_test`, whose URL is exported to the
// process as VIGIE_TEST_DATABASE_URL. Each test then takes a database of its own
// (CreateDatabase), so that tests never see each other's rows.
//
// The server is stopped and its directory deleted when the process ends: by the gtest
// environment's TearDown on a normal exit, or by a watchdog process when the test process dies
// (crash, sanitizer abort, SIGKILL from ctest's timeout).
//
// As root, initdb and pg_ctl run as the `postgres` user (PostgreSQL refuses to run as root).
// The binaries are looked for in $VIGIE_POSTGRES_BINDIR, then /usr/lib/postgresql/15/bin.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/result.h"

namespace vigie::test {

class PostgresServer {
 public:
  // The server of this process, started on the first call (about a second). An error when it
  // cannot run here: code "missing" when the PostgreSQL binaries or the postgres user are
  // absent (tests then skip), "failed" when it was tried and did not start. Thread-safe.
  static Result<PostgresServer*> Get();

  // Creates an empty database owned by `vigie` and returns its name ("t_1", "t_2", ...).
  Result<std::string> CreateDatabase();
  // Drops a database made by CreateDatabase, disconnecting whoever is still connected to it.
  void DropDatabase(const std::string& name);

  // "postgresql://vigie:...@127.0.0.1:PORT/NAME", with `query` appended after a '?' when given.
  std::string UrlOf(const std::string& database, const std::string& query = "") const;

  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  struct State;  // defined in test_postgres.cc

 private:
  friend class PostgresEnvironment;
  PostgresServer() = default;
  Status Start();
  void StartWatchdog();
  void Stop();

  State* state_ = nullptr;
};

// Stops the process's server, if one was started, when the tests are done. A test binary
// registers it once:
//   const auto* const kPostgres =
//       ::testing::AddGlobalTestEnvironment(new vigie::test::PostgresEnvironment);
class PostgresEnvironment : public ::testing::Environment {
 public:
  void TearDown() override;
};

}  // namespace vigie::test
