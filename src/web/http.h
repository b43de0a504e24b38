// Requests and responses as the handlers see them: plain values, no Beast types, so that the
// pages and the API compile without the networking headers.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/text.h"

namespace vigie::web {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // percent-decoded path, without the query
  std::string query;   // raw query string, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  std::string remote;  // peer address

  // The first header with this lower-case name, or "".
  std::string_view Header(std::string_view name) const;
  // A query parameter, percent-decoded, or "".
  std::string Query(std::string_view name) const;
  // A cookie value, or "".
  std::string Cookie(std::string_view name) const;
  // Path parameters filled by the router ({id} -> value).
  std::vector<std::pair<std::string, std::string>> params;
  std::string Param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void Set(std::string name, std::string value);
  static Response Text(int status, std::string body);
  static Response Html(int status, std::string body);
  static Response Json(int status, std::string body);
  static Response Redirect(std::string location);  // 303 See Other
};

// Called exactly once with the response, from any thread.
using Respond = std::function<void(Response)>;
using Handler = std::function<void(Request, Respond)>;

// application/x-www-form-urlencoded and query strings. '+' is a space.
std::vector<std::pair<std::string, std::string>> ParseUrlEncoded(std::string_view text);
std::string PercentDecode(std::string_view text, bool plus_is_space);
std::string PercentEncode(std::string_view text);

using vigie::IsValidUtf8;  // core/text.h

}  // namespace vigie::web
