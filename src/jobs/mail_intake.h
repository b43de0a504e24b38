// Abuse mail intake. Two steps, kept apart on purpose:
//
// 1. StoreInboundMail keeps the message byte for byte, durably, and nothing else. It is all an
//    MTA waits for (`vigie ingest-mail`) and all the API waits for: what can fail on hostile
//    content happens later, on a message that is already safe.
// 2. The reading loop (MailReading) claims stored mail, reads it (reading/reading.h), and files
//    its events into cases (cases/events.h), a chunk of events per transaction. Every node of
//    a PostgreSQL deployment may run it: a mail is leased to one reader at a time, and a
//    reader that dies mid-way leaves its lease to expire, after which another reads the mail
//    again (events already filed are recognised and not counted twice).
#pragma once

#include <chrono>
#include <string>

#include "cases/report_writer.h"
#include "core/result.h"
#include "jobs/polling_loop.h"
#include "reading/reading.h"

namespace vigie {

class Store;
struct InboundMail;

// Stores `raw` as received through `channel` ("pipe" or "api"). Errors: "database" (nothing
// was stored: the sender must keep the message and try again).
Result<int64_t> StoreInboundMail(Store& store, std::string raw, std::string channel,
                                 Instant received_at);

struct MailReadingOptions {
  ReadingOptions reading;  // limits and schemas; received_at is set per mail
  CasePolicy policy;
  std::chrono::milliseconds poll_interval{1000};
  // Events filed per transaction: a feed of a million rows does not hold the database for
  // its whole length, and a crash loses at most one chunk's work (redone on the next read).
  size_t chunk = 20000;
  // A mail whose reading was started this many times without finishing (the process died on
  // it each time) is set aside as rejected ("reading_failed") instead of being read again.
  int max_attempts = 3;
  std::string owner;  // lease owner name: unique per process
  // The desk's own address: a refused mail from it is never answered (no loop with itself).
  std::string own_address;
  // How long a claimed mail stays with this reader; a dead node's mail waits that long.
  std::chrono::seconds lease{std::chrono::minutes(10)};
};

class MailReading {
 public:
  MailReading(Store& store, const IndexHolder& index, MailReadingOptions options);
  ~MailReading();  // stops the loop

  void Start();
  // Wakes the loop early (a mail was just stored by this process).
  void Poke();
  // Reads every pending mail now, on the calling thread; returns how many were read.
  int RunOnce(Instant now);

 private:
  // Reads one claimed mail and records the outcome. False when the database failed.
  bool ReadOne(int64_t mail_id, Instant now);

  Store& store_;
  const IndexHolder& index_;
  MailReadingOptions options_;
  std::chrono::steady_clock::time_point last_outage_warning_{};
  PollingLoop loop_;  // last: stopped before the members its passes use are destroyed
};

}  // namespace vigie
