// vigie: the abuse desk. `vigie serve` runs the desk; the other commands manage its store.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "app/config.h"
#include "app/demo.h"
#include "attribution/index.h"
#include "attribution/inventory.h"
#include "cases/report_writer.h"
#include "core/secrets.h"
#include "intake/json_schema.h"
#include "jobs/mail_delivery.h"
#include "jobs/mail_intake.h"
#include "mail/templates.h"
#include "mail/transport.h"
#include "store/store.h"
#include "web/render.h"
#include "web/server.h"
#include "web/site.h"

#ifndef VIGIE_RESOURCE_DIR
#define VIGIE_RESOURCE_DIR "."
#endif

namespace vigie {
namespace {

constexpr int kExitUsage = 64;     // EX_USAGE
constexpr int kExitData = 65;      // EX_DATAERR
constexpr int kExitNoInput = 66;   // EX_NOINPUT
constexpr int kExitSoftware = 70;  // EX_SOFTWARE
constexpr int kExitTempFail = 75;  // EX_TEMPFAIL
constexpr int kExitConfig = 78;    // EX_CONFIG

void SetUpLogging() {
  auto logger = spdlog::stderr_logger_mt("vigie");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ level=%l %v", spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(logger);
}

std::unique_ptr<Store> OpenOrExit(const Config& config) {
  auto store = OpenStore(StoreOptions{config.DatabaseUrl(), 4});
  if (!store.ok()) {
    std::cerr << "vigie: cannot open the database: " << store.error().message << "\n";
    // A wrong URL will not fix itself; an unreachable server may.
    std::exit(store.error().code == "config" ? kExitConfig : kExitTempFail);
  }
  return std::move(store).value();
}

// The attribution index of the inventory as stored now, and the inventory's version it was
// built from; a null index when the inventory could not be read.
struct BuiltIndex {
  std::shared_ptr<const AttributionIndex> index;
  int64_t version = 0;
};

BuiltIndex BuildIndex(Store& store, const Config& config) {
  std::vector<InventoryRecord> records;
  BuiltIndex built;
  // One snapshot: the version tells exactly which imports the records include.
  Status status = store.Read([&](Transaction& tx) {
    built.version = tx.InventoryVersion();
    records = tx.LoadInventory();
  });
  if (!status.ok()) {
    spdlog::error("event=inventory_unreadable error=\"{}\"", status.error().message);
    return built;
  }
  AttributionOptions options;
  options.ambiguity_margin = config.ambiguity_margin;
  built.index = AttributionIndex::Build(records, options);
  spdlog::info("event=attribution_index_built records={} intervals={} bytes={} version={}",
               records.size(), built.index->interval_count(), built.index->memory_bytes(),
               built.version);
  return built;
}

// Test-only shortening of the leases that keep a dead node's mail from the others (minutes in
// production): VIGIE_TEST_LEASE_SECONDS. Deliberately not a documented setting.
std::optional<std::chrono::seconds> TestLease() {
  const char* text = std::getenv("VIGIE_TEST_LEASE_SECONDS");
  if (text == nullptr || *text == '\0') return std::nullopt;
  int seconds = std::atoi(text);
  if (seconds <= 0) return std::nullopt;
  spdlog::warn("event=test_lease seconds={}", seconds);
  return std::chrono::seconds(seconds);
}

std::string ReadPassword() {
  std::string password;
  if (isatty(STDIN_FILENO)) std::cerr << "Password: " << std::flush;
  std::getline(std::cin, password);
  while (!password.empty() && (password.back() == '\r' || password.back() == '\n')) {
    password.pop_back();
  }
  return password;
}

int CommandInventoryImport(const Config& config, const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "vigie: cannot read " << file << "\n";
    return kExitNoInput;
  }
  std::ostringstream text;
  text << in.rdbuf();
  bool jsonl = file.size() > 6 && (file.ends_with(".jsonl") || file.ends_with(".ndjson"));
  ParsedInventory parsed =
      jsonl ? ParseInventoryJsonLines(text.str()) : ParseInventoryCsv(text.str());
  for (const InventoryProblem& problem : parsed.problems) {
    std::cerr << file << ":" << problem.line << ": " << problem.field << ": " << problem.message
              << "\n";
  }
  if (parsed.records.empty() && !parsed.problems.empty()) return kExitData;

  auto store = OpenOrExit(config);
  Status status = store->Write([&](Transaction& tx) { tx.InsertInventory(parsed.records); });
  if (!status.ok()) {
    std::cerr << "vigie: the inventory was not stored: " << status.error().message << "\n";
    return kExitTempFail;
  }
  std::set<size_t> skipped_lines;
  for (const InventoryProblem& problem : parsed.problems) skipped_lines.insert(problem.line);
  std::cout << "imported " << parsed.records.size() << " records";
  if (!skipped_lines.empty()) std::cout << ", skipped " << skipped_lines.size() << " rows";
  std::cout << "\n";
  return parsed.problems.empty() ? 0 : kExitData;
}

int CommandUserAdd(const Config& config, const std::string& email, const std::string& role_name) {
  auto role = ParseRole(role_name);
  if (!role) {
    std::cerr << "vigie: --role must be agent or admin\n";
    return kExitUsage;
  }
  if (email.find('@') == std::string::npos || email.size() > 254) {
    std::cerr << "vigie: EMAIL is not an email address\n";
    return kExitUsage;
  }
  std::string password = ReadPassword();
  if (password.size() < 12) {
    std::cerr << "vigie: the password must be at least 12 characters long\n";
    return kExitData;
  }
  std::string hash = HashPassword(password);
  auto store = OpenOrExit(config);
  bool existed = false;
  Status status = store->Write([&](Transaction& tx) {
    if (auto user = tx.FindUserByEmail(email)) {
      existed = true;
      tx.UpdateUserPassword(user->id, hash);
      return;
    }
    tx.InsertUser(User{0, email, *role, hash, false});
  });
  if (!status.ok()) {
    std::cerr << "vigie: the user was not stored: " << status.error().message << "\n";
    return kExitTempFail;
  }
  std::cout << (existed ? "password changed for " : "added ") << email << "\n";
  return 0;
}

int CommandTokenAdd(const Config& config, const std::string& email, const std::string& label) {
  auto store = OpenOrExit(config);
  std::string token = "vgt_" + RandomToken(32);
  bool found = false;
  Status status = store->Write([&](Transaction& tx) {
    auto user = tx.FindUserByEmail(email);
    if (!user) return;
    found = true;
    tx.InsertApiToken(user->id, Sha256Hex(token), label, Now());
  });
  if (!status.ok()) {
    std::cerr << "vigie: the token was not stored: " << status.error().message << "\n";
    return kExitTempFail;
  }
  if (!found) {
    std::cerr << "vigie: no staff account " << email << " (vigie user add first)\n";
    return kExitData;
  }
  std::cout << token << "\n";
  return 0;
}

// The XARF schemas named by the configuration, or null. A configured directory that cannot be
// read is an error: the operator asked for validation.
Result<std::shared_ptr<const XarfSchemas>> LoadSchemas(const Config& config) {
  if (config.xarf_schemas.empty()) return std::shared_ptr<const XarfSchemas>();
  auto schemas = XarfSchemas::Load(config.xarf_schemas.string());
  if (!schemas.ok()) return schemas.error();
  return std::make_shared<const XarfSchemas>(std::move(schemas).value());
}

// `vigie ingest-mail`: what an MTA pipes a message into. The exit status is all the MTA sees:
// 0 once the message is durably stored, 75 (EX_TEMPFAIL) when it could not be, so that the MTA
// keeps it and tries again. Reading it is the server's job, later.
int CommandIngestMail(const Config& config, bool dry_run, bool json) {
  std::string raw;
  {
    // Messages past the limit are still kept (reading refuses them with the reason), up to
    // four times the limit; beyond that the MTA is told to return the message to its sender.
    size_t hard_cap = config.mail_limits.max_message_bytes * 4;
    char chunk[1 << 16];
    while (std::cin.read(chunk, sizeof chunk) || std::cin.gcount() > 0) {
      raw.append(chunk, static_cast<size_t>(std::cin.gcount()));
      if (raw.size() > hard_cap) {
        std::cerr << "vigie: the message is larger than " << hard_cap << " bytes\n";
        return kExitData;
      }
    }
    if (std::cin.bad()) {
      std::cerr << "vigie: cannot read the message on standard input\n";
      return kExitTempFail;
    }
  }
  if (dry_run) {
    auto schemas = LoadSchemas(config);
    if (!schemas.ok()) {
      std::cerr << "vigie: " << config.xarf_schemas << ": " << schemas.error().message << "\n";
      return kExitConfig;
    }
    ReadingOptions options;
    options.limits = config.mail_limits;
    options.received_at = Now();
    options.xarf_schemas = schemas->get();
    Reading reading = ReadMail(raw, options);
    if (json) {
      std::cout << ReadingToJson(reading) << "\n";
    } else {
      std::cout << "format: " << (reading.format.empty() ? "-" : reading.format) << "\n"
                << "status: " << ReadingStatusName(reading.status) << "\n";
      if (!reading.reason.empty()) {
        std::cout << "reason: " << reading.reason << " (" << reading.detail << ")\n";
      }
      std::cout << "events: " << reading.events.size() << "\n";
      for (size_t i = 0; i < reading.events.size() && i < 20; ++i) {
        const Event& event = reading.events[i];
        std::cout << "  " << FormatRfc3339(event.observed.instant, event.observed.offset_minutes)
                  << " " << event.abuse_type;
        for (const Target& target : event.targets) std::cout << " " << target.canonical;
        std::cout << "\n";
      }
    }
    return 0;
  }
  auto store = OpenOrExit(config);
  size_t size = raw.size();
  Result<int64_t> stored = StoreInboundMail(*store, std::move(raw), "pipe", Now());
  if (!stored.ok()) {
    std::cerr << "vigie: the message was not stored, try again later: " << stored.error().message
              << "\n";
    return kExitTempFail;
  }
  spdlog::info("event=mail_stored mail={} bytes={} channel=pipe", *stored, size);
  return 0;
}

web::Server* g_server = nullptr;

void OnSignal(int) {
  if (g_server) g_server->Stop();
}

int CommandServe(Config config, bool demo) {
  size_t colon = config.listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "vigie: --listen must be HOST:PORT\n";
    return kExitUsage;
  }
  web::ServerOptions server_options;
  server_options.host = config.listen.substr(0, colon);
  if (server_options.host.size() > 2 && server_options.host.front() == '[') {
    server_options.host = server_options.host.substr(1, server_options.host.size() - 2);
  }
  try {
    server_options.port = static_cast<uint16_t>(std::stoi(config.listen.substr(colon + 1)));
  } catch (const std::exception&) {
    std::cerr << "vigie: --listen must be HOST:PORT\n";
    return kExitUsage;
  }
  server_options.io_threads = config.io_threads;
  server_options.max_body_bytes = config.max_body_bytes;
  server_options.large_body_paths = {{"/api/v1/mail", config.mail_limits.max_message_bytes}};

  std::filesystem::path resources =
      config.resources.empty() ? VIGIE_RESOURCE_DIR : config.resources;
  auto pages = web::PageRenderer::Load(resources / "templates");
  if (!pages.ok()) {
    std::cerr << "vigie: " << pages.error().message << "\n";
    return kExitSoftware;
  }
  auto mail_templates = mail::LoadMailTemplates(resources / "templates" / "mail");
  if (!mail_templates.ok()) {
    std::cerr << "vigie: " << mail_templates.error().message << "\n";
    return kExitSoftware;
  }

  std::filesystem::create_directories(config.data_dir);
  auto store = OpenOrExit(config);
  if (demo) {
    Result<std::string> login = LoadDemo(*store);
    if (!login.ok()) {
      std::cerr << "vigie: the demo data was not loaded: " << login.error().message << "\n";
      return kExitTempFail;
    }
    std::cout << *login << std::flush;
  }

  std::string status_key;
  std::string fresh = RandomToken(32);
  Status keyed = store->Write(
      [&](Transaction& tx) { status_key = tx.GetOrCreateSecret("status_key", fresh); });
  if (!keyed.ok()) {
    std::cerr << "vigie: " << keyed.error().message << "\n";
    return kExitTempFail;
  }

  IndexHolder index;
  BuiltIndex built = BuildIndex(*store, config);
  index.Set(built.index);

  CasePolicy policy;
  policy.aggregation_window = config.aggregation_window;
  ReportWriter writer(*store, index, policy, status_key);

  auto schemas = LoadSchemas(config);
  if (!schemas.ok()) {
    std::cerr << "vigie: " << config.xarf_schemas << ": " << schemas.error().message << "\n";
    return kExitConfig;
  }
  MailReadingOptions reading_options;
  reading_options.reading.limits = config.mail_limits;
  reading_options.reading.xarf_schemas = schemas->get();
  reading_options.policy = policy;
  reading_options.owner = "node-" + std::to_string(getpid()) + "-" + RandomToken(6);
  reading_options.own_address = config.mail_from;
  std::optional<std::chrono::seconds> test_lease = TestLease();
  if (test_lease) reading_options.lease = *test_lease;
  MailReading mail_reading(*store, index, reading_options);

  std::unique_ptr<mail::Transport> transport;
  if (config.smtp_host.empty()) {
    transport = mail::MakeFileDropTransport(config.data_dir / "mail");
  } else {
    mail::SmtpSettings smtp;
    smtp.host = config.smtp_host;
    smtp.port = config.smtp_port;
    smtp.starttls = config.smtp_starttls;
    smtp.username = config.smtp_username;
    smtp.password = config.smtp_password;
    transport = mail::MakeSmtpTransport(smtp);
  }

  auto server = web::Server::Listen(server_options, nullptr);
  if (!server.ok()) {
    std::cerr << "vigie: cannot listen on " << config.listen << ": " << server.error().message
              << "\n";
    return kExitTempFail;
  }
  if (config.public_url.empty()) {
    config.public_url =
        "http://" + config.listen.substr(0, colon) + ":" + std::to_string((*server)->port());
  }

  MailDeliveryOptions delivery_options;
  delivery_options.from = config.mail_from;
  delivery_options.from_name = config.mail_from_name;
  delivery_options.public_url = config.public_url;
  delivery_options.owner = "node-" + std::to_string(getpid()) + "-" + RandomToken(6);
  delivery_options.status_key = status_key;
  if (test_lease) delivery_options.lease = *test_lease;
  MailDelivery delivery(*store, *mail_templates, std::move(transport), delivery_options);

  web::SiteOptions site_options;
  site_options.public_url = config.public_url;
  site_options.static_dir = resources / "static";
  site_options.secure_cookies = config.public_url.rfind("https://", 0) == 0;
  site_options.max_report_age = config.max_report_age;
  site_options.customer_deadline = config.customer_deadline;
  site_options.poke_mail_reading = [&mail_reading] { mail_reading.Poke(); };
  web::Site site(site_options, *store, writer, *pages);
  site.Attach(**server);
  (*server)->SetHandler([&site](web::Request request, web::Respond respond) {
    site.Handle(std::move(request), std::move(respond));
  });

  // An inventory import on any node, or by `vigie inventory import`, reaches this node's index:
  // rebuilt on the watch's thread, off the request path, and swapped whole.
  auto inventory_watch = store->WatchInventory(
      built.version,
      [&store, &config, &index](int64_t version) {
        auto started = std::chrono::steady_clock::now();
        BuiltIndex rebuilt = BuildIndex(*store, config);
        if (!rebuilt.index) return;  // logged; the next change or recheck tries again
        index.Set(rebuilt.index);
        auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        spdlog::info("event=attribution_index_rebuilt version={} notified_version={} ms={}",
                     rebuilt.version, version, took.count());
      },
      InventoryWatchOptions{});

  delivery.Start();
  mail_reading.Start();
  g_server = server->get();
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);
  spdlog::info("event=listening url={} database={}", config.public_url,
               config.DatabaseUrl().rfind("sqlite:", 0) == 0 ? "sqlite" : "postgresql");
  std::cout << "vigie is listening on " << config.public_url << std::endl;
  (*server)->Run();
  g_server = nullptr;
  spdlog::info("event=stopped");
  return 0;
}

}  // namespace
}  // namespace vigie

int main(int argc, char** argv) {
  using namespace vigie;
  SetUpLogging();

  CLI::App app{"vigie: the abuse desk of a hosting provider"};
  app.require_subcommand(1);
  Config config;
  std::string config_file;
  std::string data_dir = config.data_dir.string();
  app.add_option("--config", config_file, "TOML configuration file")->check(CLI::ExistingFile);

  auto add_store_options = [&](CLI::App* command) {
    command->add_option("--data", data_dir, "data directory (default ./vigie-data)");
    command->add_option("--database", config.database,
                        "database URL (default: SQLite file in the data directory)");
    command->add_option("--config", config_file, "TOML configuration file")
        ->check(CLI::ExistingFile);
  };

  CLI::App* serve = app.add_subcommand("serve", "run the abuse desk");
  add_store_options(serve);
  bool demo = false;
  std::string listen, public_url, resources, smtp_host, mail_from;
  int smtp_port = 0;
  bool smtp_starttls = false;
  serve->add_flag("--demo", demo, "load the demo inventory and print a staff login");
  serve->add_option("--listen", listen, "HOST:PORT to listen on (default 127.0.0.1:8080)");
  serve->add_option("--public-url", public_url, "base URL used in links");
  serve->add_option("--resources", resources, "directory holding templates/ and static/");
  serve->add_option("--smtp-host", smtp_host, "SMTP server (default: write mail to files)");
  serve->add_option("--smtp-port", smtp_port, "SMTP port");
  serve->add_flag("--smtp-starttls", smtp_starttls, "require STARTTLS");
  serve->add_option("--mail-from", mail_from, "sender address of vigie's mail");

  CLI::App* inventory = app.add_subcommand("inventory", "manage the provider's inventory");
  inventory->require_subcommand(1);
  CLI::App* import = inventory->add_subcommand("import", "load inventory records (CSV or JSONL)");
  add_store_options(import);
  std::string import_file;
  import->add_option("FILE", import_file, "CSV or .jsonl file")->required();

  CLI::App* user = app.add_subcommand("user", "manage staff accounts");
  user->require_subcommand(1);
  CLI::App* user_add = user->add_subcommand("add", "add a staff account; password on stdin");
  add_store_options(user_add);
  std::string user_email, role = "agent";
  user_add->add_option("EMAIL", user_email, "the staff member's email")->required();
  user_add->add_option("--role", role, "agent or admin")->check(CLI::IsMember({"agent", "admin"}));

  CLI::App* token = app.add_subcommand("token", "manage staff API tokens");
  token->require_subcommand(1);
  CLI::App* token_add = token->add_subcommand("add", "print a new API token for a staff account");
  add_store_options(token_add);
  std::string token_email, token_label = "api";
  token_add->add_option("EMAIL", token_email, "the staff member's email")->required();
  token_add->add_option("--label", token_label, "what the token is for");

  CLI::App* ingest = app.add_subcommand(
      "ingest-mail", "store one abuse mail read on standard input (an MTA pipe transport)");
  add_store_options(ingest);
  bool dry_run = false, as_json = false;
  ingest->add_flag("--dry-run", dry_run, "store nothing; print what reading the mail finds");
  ingest->add_flag("--json", as_json, "with --dry-run: print the reading as one JSON object");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : 64;
  }

  if (!config_file.empty()) {
    if (Status loaded = LoadConfigFile(config_file, config); !loaded.ok()) {
      std::cerr << "vigie: " << config_file << ": " << loaded.error().message << "\n";
      return kExitConfig;
    }
  }
  // Flags win over the file.
  if (data_dir != "vigie-data" || config.data_dir.empty()) config.data_dir = data_dir;
  if (!listen.empty()) config.listen = listen;
  if (!public_url.empty()) config.public_url = public_url;
  if (!resources.empty()) config.resources = resources;
  if (!smtp_host.empty()) config.smtp_host = smtp_host;
  if (smtp_port > 0) config.smtp_port = smtp_port;
  if (smtp_starttls) config.smtp_starttls = true;
  if (!mail_from.empty()) config.mail_from = mail_from;
  if (const char* password = std::getenv("VIGIE_SMTP_PASSWORD")) config.smtp_password = password;

  if (*serve) return CommandServe(config, demo);
  if (*import) return CommandInventoryImport(config, import_file);
  if (*user_add) return CommandUserAdd(config, user_email, role);
  if (*token_add) return CommandTokenAdd(config, token_email, token_label);
  if (*ingest) return CommandIngestMail(config, dry_run, as_json);
  return 64;
}
