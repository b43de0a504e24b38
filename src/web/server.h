// The HTTP/1.1 server: Boost.Beast on a few I/O threads, one coroutine per connection.
//
// Handlers are called on an I/O thread and must not block it: a handler that needs the
// database hands its work to a pool (see RunBlocking) or to the report writer, and answers
// through its Respond callback from there.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "web/http.h"

namespace vigie::web {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: pick a free port
  int io_threads = 2;
  int blocking_threads = 8;         // for handlers that wait on the database
  size_t max_body_bytes = 1 << 20;  // larger bodies get 413 without being read
  // Paths that accept larger bodies (abuse mail through the API), each with its own limit.
  std::vector<std::pair<std::string, size_t>> large_body_paths;
  int idle_timeout_seconds = 30;
};

class Server {
 public:
  // Binds the socket; Run() serves. Errors: "listen" when the address cannot be bound.
  static Result<std::unique_ptr<Server>> Listen(const ServerOptions& options, Handler handler);
  virtual ~Server() = default;

  virtual uint16_t port() const = 0;
  // Replaces the handler. REQUIRES: Run() has not started.
  virtual void SetHandler(Handler handler) = 0;
  // Serves until Stop(); returns when every thread has finished.
  virtual void Run() = 0;
  // Thread-safe; may be called from a signal-handling thread.
  virtual void Stop() = 0;
  // Runs `work` on the blocking pool.
  virtual void RunBlocking(std::function<void()> work) = 0;
};

}  // namespace vigie::web
