#include "app/config.h"

#include <set>
#include <toml.hpp>

namespace vigie {
namespace {

Status CheckKeys(const toml::value& table, const std::set<std::string>& allowed,
                 const std::string& prefix) {
  for (const auto& [key, value] : toml::get<toml::table>(table)) {
    if (!allowed.count(key)) return Error{"config", "unknown setting " + prefix + key};
  }
  return Status::Ok();
}

}  // namespace

std::string Config::DatabaseUrl() const {
  if (!database.empty()) return database;
  return "sqlite:" + (data_dir / "vigie.sqlite3").string();
}

Status LoadConfigFile(const std::filesystem::path& path, Config& config) {
  toml::value root;
  try {
    root = toml::parse(path.string());
  } catch (const std::exception& error) {
    return Error{"config", error.what()};
  }
  try {
    if (Status s = CheckKeys(root,
                             {"data", "database", "listen", "public_url", "resources", "io_threads",
                              "mail", "smtp", "cases", "intake", "mail_intake", "attribution"},
                             "");
        !s.ok()) {
      return s;
    }
    config.data_dir = toml::find_or(root, "data", std::string(config.data_dir.string()));
    config.database = toml::find_or(root, "database", config.database);
    config.listen = toml::find_or(root, "listen", config.listen);
    config.public_url = toml::find_or(root, "public_url", config.public_url);
    config.resources = toml::find_or(root, "resources", std::string(config.resources.string()));
    config.io_threads = toml::find_or(root, "io_threads", config.io_threads);
    if (root.contains("mail")) {
      const auto& mail = toml::find(root, "mail");
      if (Status s = CheckKeys(mail, {"from", "from_name"}, "mail."); !s.ok()) return s;
      config.mail_from = toml::find_or(mail, "from", config.mail_from);
      config.mail_from_name = toml::find_or(mail, "from_name", config.mail_from_name);
    }
    if (root.contains("smtp")) {
      const auto& smtp = toml::find(root, "smtp");
      if (Status s = CheckKeys(smtp, {"host", "port", "starttls", "username", "password"}, "smtp.");
          !s.ok()) {
        return s;
      }
      config.smtp_host = toml::find_or(smtp, "host", config.smtp_host);
      config.smtp_port = toml::find_or(smtp, "port", config.smtp_port);
      config.smtp_starttls = toml::find_or(smtp, "starttls", config.smtp_starttls);
      config.smtp_username = toml::find_or(smtp, "username", config.smtp_username);
      config.smtp_password = toml::find_or(smtp, "password", config.smtp_password);
    }
    if (root.contains("cases")) {
      const auto& cases = toml::find(root, "cases");
      if (Status s =
              CheckKeys(cases, {"aggregation_window_hours", "customer_deadline_hours"}, "cases.");
          !s.ok()) {
        return s;
      }
      config.aggregation_window = std::chrono::hours(toml::find_or(
          cases, "aggregation_window_hours", static_cast<int>(config.aggregation_window.count())));
      config.customer_deadline = std::chrono::hours(toml::find_or(
          cases, "customer_deadline_hours", static_cast<int>(config.customer_deadline.count())));
    }
    if (root.contains("intake")) {
      const auto& intake = toml::find(root, "intake");
      if (Status s = CheckKeys(intake, {"max_report_age_days", "max_body_bytes"}, "intake.");
          !s.ok()) {
        return s;
      }
      config.max_report_age = std::chrono::hours(
          24 * toml::find_or(intake, "max_report_age_days",
                             static_cast<int>(config.max_report_age.count() / 24)));
      config.max_body_bytes = static_cast<size_t>(
          toml::find_or(intake, "max_body_bytes", static_cast<int64_t>(config.max_body_bytes)));
    }
    if (root.contains("mail_intake")) {
      const auto& mail = toml::find(root, "mail_intake");
      if (Status s =
              CheckKeys(mail,
                        {"max_message_bytes", "max_part_bytes", "max_depth", "max_parts",
                         "max_archive_bytes", "max_archive_ratio", "max_events", "xarf_schemas"},
                        "mail_intake.");
          !s.ok()) {
        return s;
      }
      MailLimits& limits = config.mail_limits;
      auto size = [&mail](const char* key, size_t fallback) {
        int64_t value = toml::find_or(mail, key, static_cast<int64_t>(fallback));
        if (value <= 0)
          throw std::runtime_error(std::string("mail_intake.") + key + ": must be positive");
        return static_cast<size_t>(value);
      };
      limits.max_message_bytes = size("max_message_bytes", limits.max_message_bytes);
      limits.max_part_bytes = size("max_part_bytes", limits.max_part_bytes);
      limits.max_depth = static_cast<int>(size("max_depth", static_cast<size_t>(limits.max_depth)));
      limits.max_parts = static_cast<int>(size("max_parts", static_cast<size_t>(limits.max_parts)));
      limits.max_archive_bytes = size("max_archive_bytes", limits.max_archive_bytes);
      limits.max_archive_ratio = static_cast<int>(
          size("max_archive_ratio", static_cast<size_t>(limits.max_archive_ratio)));
      limits.max_events = size("max_events", limits.max_events);
      config.xarf_schemas =
          toml::find_or(mail, "xarf_schemas", std::string(config.xarf_schemas.string()));
    }
    if (root.contains("attribution")) {
      const auto& attribution = toml::find(root, "attribution");
      if (Status s = CheckKeys(attribution, {"ambiguity_margin_minutes"}, "attribution.");
          !s.ok()) {
        return s;
      }
      config.ambiguity_margin =
          std::chrono::minutes(toml::find_or(attribution, "ambiguity_margin_minutes",
                                             static_cast<int>(config.ambiguity_margin.count())));
    }
  } catch (const std::exception& error) {
    return Error{"config", error.what()};
  }
  return Status::Ok();
}

}  // namespace vigie
