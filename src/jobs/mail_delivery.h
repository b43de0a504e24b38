// The mail delivery job: takes due mails from the outbox, renders them, hands them to the
// transport, and records the result. A mail is leased before it is sent, so two delivery loops
// (threads or nodes) never send the same mail; a failure is retried with growing back-off and
// given up after a day of attempts.
#pragma once

#include <memory>
#include <string>

#include "core/time.h"
#include "jobs/polling_loop.h"

namespace vigie {

class Store;
namespace mail {
class MailTemplates;
class Transport;
}  // namespace mail

struct MailDeliveryOptions {
  std::string from = "abuse@vigie.invalid";
  std::string from_name = "vigie abuse desk";
  std::string public_url = "http://127.0.0.1:8080";
  std::chrono::milliseconds poll_interval{500};
  int max_attempts = 12;
  std::string owner;       // lease owner name: unique per process
  std::string status_key;  // the secret status tokens are derived from (StatusToken)
  // How long a claimed mail stays with this loop; a dead node's mail waits that long.
  std::chrono::seconds lease{std::chrono::minutes(30)};
};

class MailDelivery {
 public:
  MailDelivery(Store& store, const mail::MailTemplates& templates,
               std::unique_ptr<mail::Transport> transport, MailDeliveryOptions options);
  ~MailDelivery();  // stops the loop

  void Start();
  // Delivers what is due now, on the calling thread; returns how many were sent.
  int RunOnce(Instant now);
  // Wakes the loop early (after a report or a decision queued mail).
  void Poke();

 private:
  Store& store_;
  const mail::MailTemplates& templates_;
  std::unique_ptr<mail::Transport> transport_;
  MailDeliveryOptions options_;
  std::chrono::steady_clock::time_point last_outage_warning_{};
  PollingLoop loop_;  // last: stopped before the members its passes use are destroyed
};

}  // namespace vigie
