// OpenStore: picks the implementation from the database URL.
#include "store/store.h"

#include "store/backends.h"

namespace vigie {

std::string_view RoleName(Role role) {
  return role == Role::kAdmin ? "admin" : "agent";
}

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "admin") return Role::kAdmin;
  if (name == "agent") return Role::kAgent;
  return std::nullopt;
}

Result<std::unique_ptr<Store>> OpenStore(const StoreOptions& options) {
  const std::string& database = options.database;
  if (database.starts_with("postgres://") || database.starts_with("postgresql://")) {
    return OpenPostgresStore(database);
  }
  std::string path = database.starts_with("sqlite:") ? database.substr(7) : database;
  if (path.empty()) return Error{"config", "no database path given"};
  return OpenSqliteStore(path, options.readers);
}

}  // namespace vigie
