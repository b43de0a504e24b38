// OpenStore: picks the implementation from the database URL.
#include "store/store.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>
#include <thread>

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

namespace {

class PollingWatch final : public InventoryWatch {
 public:
  PollingWatch(Store& store, int64_t known_version, std::function<void(int64_t)> changed,
               std::chrono::milliseconds interval)
      : store_(store), changed_(std::move(changed)), interval_(interval) {
    thread_ = std::thread([this, known_version] { Loop(known_version); });
  }

  ~PollingWatch() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void Loop(int64_t last) {
    bool failing = false;
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait_for(lock, interval_, [this] { return stopping_; });
      if (stopping_) return;
      lock.unlock();

      int64_t version = last;
      Status status = store_.Read([&](Transaction& tx) { version = tx.InventoryVersion(); });
      // One warning per outage: the database being down is logged elsewhere too.
      if (!status.ok() && !failing) {
        spdlog::warn("event=inventory_watch_failed error=\"{}\"", status.error().message);
      }
      failing = !status.ok();
      if (status.ok() && version != last) {
        last = version;
        changed_(version);
      }
      lock.lock();
    }
  }

  Store& store_;
  const std::function<void(int64_t)> changed_;
  const std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<InventoryWatch> PollInventoryVersion(Store& store, int64_t known_version,
                                                     std::function<void(int64_t)> changed,
                                                     std::chrono::milliseconds interval) {
  return std::make_unique<PollingWatch>(store, known_version, std::move(changed), interval);
}

}  // namespace vigie
