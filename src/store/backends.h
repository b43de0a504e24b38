// The two implementations of Store, for OpenStore (store.cc) to choose between. Not part of the
// storage interface: nothing outside this folder includes it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "store/store.h"

namespace vigie {

// Opens (creating when missing) the SQLite database at `path` and applies pending migrations.
// `readers` read connections are kept open. Errors: "database" when the file cannot be opened
// or migrated.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, int readers);

// Connects to the PostgreSQL database named by `url` ("postgresql://..." or "postgres://...",
// libpq's URI syntax plus the query parameter `pool_size`) and applies pending migrations.
// Errors: "config" when the URL is malformed, "database" when the server cannot be reached or
// the schema cannot be migrated.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url);

// A watch (Store::WatchInventory) that reads the inventory's version through `store` every
// `interval`, on a thread of its own. `store` must outlive it.
std::unique_ptr<InventoryWatch> PollInventoryVersion(Store& store, int64_t known_version,
                                                     std::function<void(int64_t)> changed,
                                                     std::chrono::milliseconds interval);

}  // namespace vigie
