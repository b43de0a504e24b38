#include "web/server.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>
#include <tuple>
#include <vector>

namespace vigie::web {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Awaits a Handler's answer, which may come from any thread.
template <typename Token>
auto AsyncHandle(const Handler& handler, Request request, Token&& token) {
  return asio::async_initiate<Token, void(Response)>(
      [&handler](auto completion, Request request) {
        auto executor = asio::get_associated_executor(completion);
        auto shared = std::make_shared<decltype(completion)>(std::move(completion));
        handler(std::move(request), [shared, executor](Response response) {
          asio::post(executor, [shared, response = std::move(response)]() mutable {
            (*shared)(std::move(response));
          });
        });
      },
      token, std::move(request));
}

Request ToRequest(const http::request<http::string_body>& in, const std::string& remote) {
  Request out;
  out.method = std::string(in.method_string());
  std::string_view target = in.target();
  size_t question = target.find('?');
  out.path = PercentDecode(target.substr(0, question), false);
  if (question != std::string_view::npos) out.query = std::string(target.substr(question + 1));
  for (const auto& field : in) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  out.body = in.body();
  out.remote = remote;
  return out;
}

http::response<http::string_body> ToBeast(Response in, unsigned version, bool keep_alive) {
  http::response<http::string_body> out{static_cast<http::status>(in.status), version};
  out.set(http::field::server, "vigie");
  for (auto& [name, value] : in.headers) out.insert(name, value);
  out.body() = std::move(in.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

http::response<http::string_body> Plain(http::status status, std::string_view text,
                                        unsigned version) {
  http::response<http::string_body> out{status, version};
  out.set(http::field::server, "vigie");
  out.set(http::field::content_type, "text/plain; charset=utf-8");
  out.set("X-Content-Type-Options", "nosniff");
  out.body() = std::string(text);
  out.keep_alive(false);
  out.prepare_payload();
  return out;
}

class BeastServer final : public Server {
 public:
  BeastServer(const ServerOptions& options, Handler handler)
      : options_(options),
        handler_(std::move(handler)),
        io_(options.io_threads),
        acceptor_(io_),
        blocking_(static_cast<size_t>(options.blocking_threads)) {}

  Status Bind() {
    beast::error_code error;
    auto address = asio::ip::make_address(options_.host, error);
    if (error) return Error{"listen", "bad listen address: " + error.message()};
    tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), error);
    if (!error) acceptor_.set_option(asio::socket_base::reuse_address(true), error);
    if (!error) acceptor_.bind(endpoint, error);
    if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
    if (error) return Error{"listen", error.message()};
    port_ = acceptor_.local_endpoint().port();
    return Status::Ok();
  }

  uint16_t port() const override { return port_; }
  void SetHandler(Handler handler) override { handler_ = std::move(handler); }

  void Run() override {
    asio::co_spawn(io_, Accept(), asio::detached);
    std::vector<std::thread> threads;
    for (int i = 1; i < options_.io_threads; ++i) threads.emplace_back([this] { io_.run(); });
    io_.run();
    for (std::thread& thread : threads) thread.join();
    blocking_.join();
  }

  void Stop() override {
    asio::post(io_, [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
      io_.stop();
    });
  }

  void RunBlocking(std::function<void()> work) override { asio::post(blocking_, std::move(work)); }

 private:
  asio::awaitable<void> Accept() {
    for (;;) {
      auto [error, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (error) {
        if (error == asio::error::operation_aborted) co_return;
        spdlog::warn("event=accept_failed error=\"{}\"", error.message());
        continue;
      }
      // Each connection gets its own strand of execution via its coroutine.
      asio::co_spawn(io_, Serve(beast::tcp_stream(std::move(socket))), asio::detached);
    }
  }

  asio::awaitable<void> Serve(beast::tcp_stream stream) {
    std::string remote;
    {
      beast::error_code ignored;
      auto endpoint = stream.socket().remote_endpoint(ignored);
      remote = endpoint.address().to_string();
    }
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(16 * 1024);
      stream.expires_after(std::chrono::seconds(options_.idle_timeout_seconds));
      // The header first: the body limit depends on the path.
      auto [error, bytes] = co_await http::async_read_header(stream, buffer, parser,
                                                             asio::as_tuple(asio::use_awaitable));
      (void)bytes;
      if (!error) {
        parser.body_limit(BodyLimit(parser.get().target()));
        std::tie(error, bytes) =
            co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      }
      if (error == http::error::end_of_stream || error == asio::error::eof) break;
      if (error == http::error::body_limit) {
        auto response = Plain(http::status::payload_too_large,
                              "The request body is larger than this server accepts.\n", 11);
        co_await http::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
        co_await DrainAndClose(stream);
        co_return;
      }
      if (error) {
        if (error != beast::error::timeout && error != asio::error::operation_aborted &&
            error != asio::error::connection_reset) {
          auto response =
              Plain(http::status::bad_request, "The request is not valid HTTP/1.1.\n", 11);
          co_await http::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
        }
        break;
      }

      http::request<http::string_body> beast_request = parser.release();
      bool keep_alive = beast_request.keep_alive();
      unsigned version = beast_request.version();
      Request request = ToRequest(beast_request, remote);
      stream.expires_never();
      Response response = co_await AsyncHandle(handler_, std::move(request), asio::use_awaitable);
      auto out = ToBeast(std::move(response), version, keep_alive);
      stream.expires_after(std::chrono::seconds(options_.idle_timeout_seconds));
      auto [write_error, written] =
          co_await http::async_write(stream, out, asio::as_tuple(asio::use_awaitable));
      (void)written;
      if (write_error || !keep_alive) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  size_t BodyLimit(std::string_view target) const {
    target = target.substr(0, target.find('?'));
    for (const auto& [path, limit] : options_.large_body_paths) {
      if (target == path) return limit;
    }
    return options_.max_body_bytes;
  }

  // Closes our side, then reads and discards what the client is still sending for a moment, so
  // that it sees our answer (413) instead of a connection reset in the middle of its upload.
  static asio::awaitable<void> DrainAndClose(beast::tcp_stream& stream) {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.expires_after(std::chrono::seconds(2));
    std::array<char, 16384> sink;
    size_t drained = 0;
    while (drained < (64u << 20)) {
      auto [error, bytes] =
          co_await stream.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
      if (error) break;
      drained += bytes;
    }
    stream.socket().close(ignored);
  }

  ServerOptions options_;
  Handler handler_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  asio::thread_pool blocking_;
  uint16_t port_ = 0;
};

}  // namespace

Result<std::unique_ptr<Server>> Server::Listen(const ServerOptions& options, Handler handler) {
  auto server = std::make_unique<BeastServer>(options, std::move(handler));
  if (Status bound = server->Bind(); !bound.ok()) return bound.error();
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace vigie::web
