#include "store/test_postgres.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <vector>

extern char** environ;

namespace vigie::test {

struct PostgresServer::State {
  std::string bindir;
  bool as_postgres = false;  // running as root: the tools run as the postgres user
  uid_t uid = 0;
  gid_t gid = 0;
  std::string dir;  // everything: data, socket, logs; owned by whoever runs the server
  std::string password;
  int port = 0;
  PGconn* admin = nullptr;  // superuser connection to the "postgres" database
  std::mutex admin_mutex;
  int databases_created = 0;
  pid_t watchdog = -1;
  int watchdog_pipe = -1;  // write end; closing it without a word asks for clean-up
};

namespace {

std::mutex g_mutex;
std::unique_ptr<PostgresServer> g_server;
std::optional<Error> g_failure;

std::string RandomHex(size_t bytes) {
  std::random_device random;
  std::string out;
  static constexpr char kDigits[] = "0123456789abcdef";
  for (size_t i = 0; i < bytes; ++i) {
    unsigned value = random() & 0xff;
    out += kDigits[value >> 4];
    out += kDigits[value & 0xf];
  }
  return out;
}

// A TCP port on 127.0.0.1 that nothing listens on right now. Another process may take it
// before the server does; the caller tries again then.
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

std::string Tail(const std::string& path, size_t bytes = 1500) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  std::string text = content.str();
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

// `argv` with the prefix that runs it as the postgres user when we are root.
std::vector<std::string> AsServerUser(const PostgresServer::State& s,
                                      std::vector<std::string> argv) {
  if (!s.as_postgres) return argv;
  std::vector<std::string> out = {"runuser", "-u", "postgres", "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

// Runs `argv` and waits for it; its output is appended to <dir>/commands.log. Returns its exit
// status, or -1 when it could not be started or did not exit normally.
int RunCommand(const PostgresServer::State& s, const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  std::string log = s.dir + "/commands.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Status AdminExec(PGconn* admin, const std::string& sql) {
  PGresult* result = PQexec(admin, sql.c_str());
  ExecStatusType status = PQresultStatus(result);
  std::string message = PQresultErrorMessage(result);
  PQclear(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Status::Ok();
  return Error{"failed", "postgresql: " + message};
}

}  // namespace

Result<PostgresServer*> PostgresServer::Get() {
  std::lock_guard lock(g_mutex);
  if (g_server) return g_server.get();
  if (g_failure) return *g_failure;
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  if (Status started = server->Start(); !started.ok()) {
    server->Stop();
    g_failure = started.error();
    return started.error();
  }
  g_server = std::move(server);
  return g_server.get();
}

PostgresServer::~PostgresServer() {
  delete state_;
}

Status PostgresServer::Start() {
  state_ = new State();
  State& s = *state_;

  const char* bindir = std::getenv("VIGIE_POSTGRES_BINDIR");
  s.bindir = bindir != nullptr && *bindir != '\0' ? bindir : "/usr/lib/postgresql/15/bin";
  for (const char* tool : {"initdb", "pg_ctl", "postgres"}) {
    if (::access((s.bindir + "/" + tool).c_str(), X_OK) != 0) {
      return Error{"missing", "no PostgreSQL binaries in " + s.bindir +
                                  " (scripts/install-deps.sh --test installs postgresql-15)"};
    }
  }
  if (::geteuid() == 0) {
    const passwd* user = ::getpwnam("postgres");
    if (user == nullptr) {
      return Error{"missing", "running as root and there is no postgres user to run the server"};
    }
    s.as_postgres = true;
    s.uid = user->pw_uid;
    s.gid = user->pw_gid;
  }

  // The directory, and the watchdog that deletes it if this process dies without TearDown.
  char dir[] = "/tmp/vigie-pg-XXXXXX";
  if (::mkdtemp(dir) == nullptr) return Error{"failed", "mkdtemp: " + std::string(strerror(errno))};
  s.dir = dir;
  if (s.as_postgres && ::chown(dir, s.uid, s.gid) != 0) {
    return Error{"failed", "chown " + s.dir + ": " + strerror(errno)};
  }
  ::chmod(dir, 0700);
  StartWatchdog();

  // The superuser's password, read by initdb from a file only the server's user can read.
  s.password = RandomHex(16);
  std::string password_file = s.dir + "/password";
  {
    std::ofstream out(password_file);
    out << s.password << "\n";
  }
  ::chmod(password_file.c_str(), 0600);
  if (s.as_postgres && ::chown(password_file.c_str(), s.uid, s.gid) != 0) {
    return Error{"failed", "chown " + password_file + ": " + strerror(errno)};
  }

  // The cluster needs no fsync while it is created (it is thrown away with the process); the
  // server itself runs with fsync on, as in production.
  std::string data = s.dir + "/data";
  if (RunCommand(s, AsServerUser(s, {s.bindir + "/initdb", "-D", data, "-U", "postgres",
                                     "--auth=scram-sha-256", "--pwfile=" + password_file, "-E",
                                     "UTF8", "--no-locale", "--no-sync", "--no-instructions"})) !=
      0) {
    return Error{"failed", "initdb failed:\n" + Tail(s.dir + "/commands.log")};
  }

  // A port found free may be taken before the server binds it: try a few.
  bool started = false;
  for (int attempt = 0; attempt < 5 && !started; ++attempt) {
    s.port = FreePort();
    if (s.port == 0) continue;
    std::string options = "-k " + s.dir + " -p " + std::to_string(s.port) +
                          " -c listen_addresses=127.0.0.1 -c fsync=on";
    started =
        RunCommand(s, AsServerUser(s, {s.bindir + "/pg_ctl", "start", "-w", "-t", "60", "-D", data,
                                       "-l", s.dir + "/server.log", "-o", options})) == 0;
  }
  if (!started) return Error{"failed", "pg_ctl start failed:\n" + Tail(s.dir + "/server.log")};

  // The application's role and database, as docs/deployment.md sets them up.
  std::string port = std::to_string(s.port);
  const char* const keywords[] = {"host", "port", "user", "password", "dbname", nullptr};
  const char* const values[] = {"127.0.0.1",        port.c_str(), "postgres",
                                s.password.c_str(), "postgres",   nullptr};
  s.admin = PQconnectdbParams(keywords, values, 0);
  if (PQstatus(s.admin) != CONNECTION_OK) {
    return Error{"failed",
                 std::string("cannot connect to the test server: ") + PQerrorMessage(s.admin)};
  }
  char* literal = PQescapeLiteral(s.admin, s.password.c_str(), s.password.size());
  Status role =
      AdminExec(s.admin, std::string("CREATE ROLE vigie LOGIN CREATEDB PASSWORD ") + literal);
  PQfreemem(literal);
  if (!role.ok()) return role;
  if (Status made = AdminExec(s.admin, "CREATE DATABASE vigie_test OWNER vigie"); !made.ok()) {
    return made;
  }
  ::setenv("VIGIE_TEST_DATABASE_URL", UrlOf("vigie_test").c_str(), 1);
  return Status::Ok();
}

void PostgresServer::StartWatchdog() {
  State& s = *state_;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;

  // Everything the child needs is built before the fork: after it, only calls that are safe
  // in the child of a threaded process.
  std::vector<std::string> command = {"/bin/sh", "-c", "dir=$1; shift; \"$@\"; rm -rf -- \"$dir\"",
                                      "vigie-pg-watchdog", s.dir};
  for (std::string& arg : AsServerUser(
           s, {s.bindir + "/pg_ctl", "stop", "-D", s.dir + "/data", "-m", "immediate", "-w"})) {
    command.push_back(std::move(arg));
  }
  std::vector<char*> argv;
  for (std::string& arg : command) argv.push_back(arg.data());
  argv.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[1]);
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGHUP, SIG_IGN);
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    char word = 0;
    ssize_t got;
    do {
      got = ::read(fds[0], &word, 1);
    } while (got < 0 && errno == EINTR);
    if (got == 1) ::_exit(0);  // the parent cleaned up itself
    ::execv("/bin/sh", argv.data());
    ::_exit(127);
  }
  ::close(fds[0]);
  if (pid < 0) {
    ::close(fds[1]);
    return;
  }
  s.watchdog = pid;
  s.watchdog_pipe = fds[1];
}

void PostgresServer::Stop() {
  if (state_ == nullptr) return;
  State& s = *state_;
  if (s.admin != nullptr) {
    PQfinish(s.admin);
    s.admin = nullptr;
  }
  if (!s.dir.empty()) {
    if (std::filesystem::exists(s.dir + "/data/postmaster.pid")) {
      RunCommand(s, AsServerUser(s, {s.bindir + "/pg_ctl", "stop", "-D", s.dir + "/data", "-m",
                                     "immediate", "-w"}));
    }
    std::error_code ignored;
    std::filesystem::remove_all(s.dir, ignored);
    s.dir.clear();
  }
  if (s.watchdog_pipe >= 0) {
    char done = 'x';
    (void)!::write(s.watchdog_pipe, &done, 1);
    ::close(s.watchdog_pipe);
    s.watchdog_pipe = -1;
  }
  if (s.watchdog > 0) {
    ::waitpid(s.watchdog, nullptr, 0);
    s.watchdog = -1;
  }
}

Result<std::string> PostgresServer::CreateDatabase() {
  State& s = *state_;
  std::lock_guard lock(s.admin_mutex);
  std::string name = "t_" + std::to_string(++s.databases_created);
  if (Status made = AdminExec(s.admin, "CREATE DATABASE " + name + " OWNER vigie"); !made.ok()) {
    return made.error();
  }
  return name;
}

void PostgresServer::DropDatabase(const std::string& name) {
  State& s = *state_;
  std::lock_guard lock(s.admin_mutex);
  char* quoted = PQescapeIdentifier(s.admin, name.c_str(), name.size());
  if (quoted == nullptr) return;
  (void)AdminExec(s.admin, std::string("DROP DATABASE IF EXISTS ") + quoted + " WITH (FORCE)");
  PQfreemem(quoted);
}

std::string PostgresServer::UrlOf(const std::string& database, const std::string& query) const {
  std::string url = "postgresql://vigie:" + state_->password +
                    "@127.0.0.1:" + std::to_string(state_->port) + "/" + database;
  if (!query.empty()) url += "?" + query;
  return url;
}

void PostgresEnvironment::TearDown() {
  std::lock_guard lock(g_mutex);
  if (g_server) {
    g_server->Stop();
    g_server.reset();
  }
}

}  // namespace vigie::test
