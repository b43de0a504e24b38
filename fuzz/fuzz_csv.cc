// Fuzzes the Shadowserver CSV reader. The first line of the input is the report name, the rest
// the CSV; the events must all have a target and a bounded summary.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "reading/formats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string_view name = input.substr(0, newline);
  std::string_view csv = newline == std::string_view::npos ? "" : input.substr(newline + 1);

  vigie::reading::FeedOptions options;
  options.max_events = 1000;
  options.received_at = vigie::FromUnixSeconds(1700000000);
  std::vector<vigie::Event> events;
  vigie::reading::FeedStats stats;
  (void)vigie::reading::LooksLikeShadowserverCsv(csv);
  (void)vigie::reading::ShadowserverReportName(name);
  vigie::Status status = vigie::reading::ParseShadowserverCsv(csv, name, options, events, &stats);
  if (events.size() > options.max_events) std::abort();
  if (status.ok() && events.size() + stats.skipped != stats.rows) std::abort();
  for (const vigie::Event& event : events) {
    if (event.targets.empty() || event.summary.size() > 200) std::abort();
  }
  return 0;
}
