// Delivery of composed mail: to an SMTP relay, or as files in a directory.
//
// A transport never logs. Its errors name what failed (connection, a reply code, a file) and
// never carry an address, a password or a message body, so the caller may log them as they are.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "core/result.h"

namespace vigie::mail {

class Transport {
 public:
  virtual ~Transport();

  // Delivers one message, `rfc5322` as made by ComposeRfc5322, with the SMTP envelope sender
  // `from` and the single recipient `to` (bare addresses, see IsPlainAddress).
  //
  // Errors (Error::code):
  //   "temporary"  worth retrying later: the relay cannot be reached, timed out, answered 4xx,
  //                refused our credentials or TLS, or a file could not be written.
  //   "permanent"  retrying cannot help: the relay answered 5xx to the sender, the recipient
  //                or the message, or `from` / `to` is not a plain address.
  //
  // Thread-compatible: one instance per delivering thread, or calls serialised by the caller.
  virtual Status Send(const std::string& from, const std::string& to,
                      const std::string& rfc5322) = 0;
};

struct SmtpSettings {
  std::string host;  // name or IP address of the relay; an IPv6 address without brackets
  int port = 25;
  // Require STARTTLS before anything else is sent; a relay without it fails as "temporary".
  bool starttls = false;
  // SMTP AUTH when `username` is not empty. Without `starttls` the password crosses the
  // network in clear: keep that to a relay on this machine.
  std::string username;
  std::string password;
  std::chrono::seconds timeout{30};  // for connecting, and for the whole delivery
  std::string helo;                  // the name we give in EHLO; empty: this machine's host name
};

// Delivers through `settings.host` with libcurl. The connection is kept between Send calls
// and reopened when the relay has closed it. The TLS certificate is verified against the
// system trust store.
std::unique_ptr<Transport> MakeSmtpTransport(SmtpSettings settings);

// Writes each message as `<directory>/<UTC timestamp>-<random>.eml`, for development and
// tests: it is written under a hidden temporary name, flushed to disk, then renamed, so a
// reader that lists *.eml files only ever sees complete ones. `directory` is created when
// missing. The file holds the message as given; the envelope is not recorded.
std::unique_ptr<Transport> MakeFileDropTransport(std::filesystem::path directory);

}  // namespace vigie::mail
