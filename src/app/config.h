// vigie's configuration: a TOML file (--config), then command-line flags over it.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "core/result.h"
#include "reading/reading.h"

namespace vigie {

struct Config {
  std::filesystem::path data_dir = "vigie-data";
  std::string database;  // empty: sqlite:<data_dir>/vigie.sqlite3
  std::string listen = "127.0.0.1:8080";
  std::string public_url;           // empty: http://<listen>
  std::filesystem::path resources;  // templates/ and static/ live here

  std::string mail_from = "abuse@vigie.invalid";
  std::string mail_from_name = "vigie abuse desk";
  std::string smtp_host;  // empty: write mail as files under <data_dir>/mail
  int smtp_port = 25;
  bool smtp_starttls = false;
  std::string smtp_username;
  std::string smtp_password;  // from the file or VIGIE_SMTP_PASSWORD; never from a flag

  std::chrono::hours aggregation_window{72};
  std::chrono::hours customer_deadline{48};
  std::chrono::hours max_report_age{24 * 365};
  std::chrono::minutes ambiguity_margin{30};
  size_t max_body_bytes = 2 << 20;
  int io_threads = 2;

  // Abuse mail: what one message may cost, and where the XARF JSON schemas are (empty: vigie's
  // built-in checks only).
  MailLimits mail_limits;
  std::filesystem::path xarf_schemas;

  std::string DatabaseUrl() const;
};

// Reads `path` into `config`. Unknown keys are refused, naming the key, so that a typo does
// not silently leave a default in force.
Status LoadConfigFile(const std::filesystem::path& path, Config& config);

}  // namespace vigie
