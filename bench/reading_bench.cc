// Shadowserver CSV parsing speed: a 1 M-row scan_ntp report generated in memory (random public
// IPv4 addresses, one timestamp per second spread over the rows), read into events. The bulk
// target is 100,000 events/s end to end with the database, so parsing must stay far above it.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "reading/formats.h"

namespace {

std::string MakeScanNtpCsv(size_t rows) {
  std::mt19937 random(42);
  std::string csv =
      "\"timestamp\",\"ip\",\"protocol\",\"port\",\"hostname\",\"tag\",\"asn\",\"geo\","
      "\"region\",\"city\",\"version\",\"naics\",\"sic\",\"sector\",\"response_size\","
      "\"amplification\"\n";
  csv.reserve(rows * 150);
  char line[256];
  for (size_t i = 0; i < rows; ++i) {
    // Unicast first octets, without 10 and 127; the few private addresses left change nothing
    // in the cost.
    auto next = [&random](unsigned n) { return static_cast<unsigned>(random() % n); };
    unsigned a = 1 + next(223);
    if (a == 10 || a == 127) a = 11;
    unsigned seconds = static_cast<unsigned>(i / 4);  // four rows share each timestamp
    std::snprintf(line, sizeof line,
                  "\"2024-01-%02u %02u:%02u:%02u\",\"%u.%u.%u.%u\",\"udp\",123,"
                  "\"host-%u.example.net\",\"ntpversion\",64496,\"FR\",\"ILE-DE-FRANCE\","
                  "\"PARIS\",4,517311,0,\"Communications\",468,\"9.75\"\n",
                  1 + (seconds / 86400) % 28, (seconds / 3600) % 24, (seconds / 60) % 60,
                  seconds % 60, a, next(256), next(256), 1 + next(254), static_cast<unsigned>(i));
    csv += line;
  }
  return csv;
}

void BM_ParseShadowserverCsv(benchmark::State& state) {
  const size_t rows = static_cast<size_t>(state.range(0));
  const std::string csv = MakeScanNtpCsv(rows);
  vigie::reading::FeedOptions options;
  options.max_events = rows;
  for (auto _ : state) {
    std::vector<vigie::Event> events;
    vigie::Status status = vigie::reading::ParseShadowserverCsv(csv, "scan_ntp", options, events);
    if (!status.ok() || events.size() != rows) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(events.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * csv.size()));
}
BENCHMARK(BM_ParseShadowserverCsv)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
