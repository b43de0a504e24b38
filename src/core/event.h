// An event: one observation of abuse carried by a machine report (a feedback loop, a feed row,
// a XARF report): which resources, when, and what kind of abuse.
//
// A web-form or API report is one submission from one person; a mail from a feed may carry
// thousands of events, each attributed at its own instant and counted in a case on its own.
#pragma once

#include <string>
#include <vector>

#include "core/target.h"
#include "core/time.h"

namespace vigie {

struct Event {
  // The abusive resources, most specific first (a URL before the IP serving it). Never empty
  // in an event a reader returns.
  std::vector<Target> targets;
  ZonedInstant observed;   // when the sender saw it, with the sender's offset
  std::string abuse_type;  // an AbuseType id
  // The sender's own identifier of this event, when it gives one (a XARF report_id, an ACNS
  // case id, a feedback report's Message-ID...). Two events with the same one are the same.
  std::string source_report_id;
  // One line for the desk: what the sender says beyond type and target, in its own terms
  // ("open memcached 11211/udp", "Feedback-Type: abuse"). At most 200 bytes, valid UTF-8.
  std::string summary;
};

}  // namespace vigie
