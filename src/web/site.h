// Every route vigie serves: the public report form and status page, the JSON API, and the
// staff desk. One object holds what the routes share; each route is a small function.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "web/http.h"

namespace vigie {
class ReportWriter;
class Store;
}  // namespace vigie

namespace vigie::web {

class PageRenderer;
class Server;

struct SiteOptions {
  std::string public_url;            // "http://127.0.0.1:8080": base of links in pages and mail
  std::filesystem::path static_dir;  // css and the OpenAPI document
  bool secure_cookies = false;       // set Secure on cookies (when served over HTTPS)
  std::chrono::seconds max_report_age{std::chrono::hours(24 * 365)};
  std::chrono::hours customer_deadline{48};
  // Called after an abuse mail is stored through the API, so that it is read at once.
  std::function<void()> poke_mail_reading;
};

class Site {
 public:
  Site(SiteOptions options, Store& store, ReportWriter& writer,
       std::shared_ptr<const PageRenderer> pages);
  ~Site();

  // Must be called before serving: handlers that block run on the server's pool.
  void Attach(Server& server);

  // The server's handler. Never throws; an unexpected failure becomes a logged 500.
  void Handle(Request request, Respond respond);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigie::web
