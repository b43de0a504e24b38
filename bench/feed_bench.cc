// Bulk intake of a feed, end to end: a Shadowserver-style scan_ntp report of a million rows,
// attached to a mail, stored, read (MIME walk, CSV parse), attributed at each row's instant,
// aggregated into cases and written durably to SQLite, as `vigie serve` does with a mail piped
// in by the MTA. The stages are also timed one by one.
//
// Run: build/bench/feed_bench            (1 M rows; --benchmark_filter=... for one stage)
// Every row is about an address of the provider (1,024 services, one /24 each), spread over a
// day and sorted by time as Shadowserver sends them, so every event is attributed and counted.
#include <benchmark/benchmark.h>
#include <sodium.h>
#include <unistd.h>
#include <zip.h>

#include <filesystem>
#include <map>

#include "attribution/index.h"
#include "attribution/inventory.h"
#include "cases/events.h"
#include "jobs/mail_intake.h"
#include "reading/reading.h"
#include "store/store.h"

namespace vigie {
namespace {

constexpr int kServices = 1024;

std::string Inventory() {
  std::string csv =
      "customer_id,customer_name,customer_email,service_id,service_kind,resource,valid_from,"
      "valid_to\n";
  for (int i = 0; i < kServices; ++i) {
    std::string n = std::to_string(i);
    csv += "C-" + n + ",Customer " + n + ",noc" + n + "@example.net,S-" + n + ",vps,172." +
           std::to_string(16 + i / 256) + "." + std::to_string(i % 256) +
           ".0/24,2020-01-01T00:00:00Z,\n";
  }
  return csv;
}

// The CSV zipped, as Shadowserver attaches its reports.
std::string Zip(const std::string& name, const std::string& content) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_source_keep(buffer);
  zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  zip_file_add(archive, name.c_str(), zip_source_buffer(archive, content.data(), content.size(), 0),
               0);
  zip_close(archive);
  zip_source_open(buffer);
  zip_source_seek(buffer, 0, SEEK_END);
  std::string out(static_cast<size_t>(zip_source_tell(buffer)), '\0');
  zip_source_seek(buffer, 0, SEEK_SET);
  zip_source_read(buffer, out.data(), out.size());
  zip_source_close(buffer);
  zip_source_free(buffer);
  zip_error_fini(&error);
  return out;
}

// Base64 in lines of 76 characters, as mail carries binary attachments.
std::string Base64Lines(const std::string& bytes) {
  std::string encoded(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL),
                      '\0');
  sodium_bin2base64(encoded.data(), encoded.size(),
                    reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  encoded.resize(encoded.size() - 1);  // the terminating NUL
  std::string out;
  out.reserve(encoded.size() + encoded.size() / 76 * 2 + 2);
  for (size_t i = 0; i < encoded.size(); i += 76) {
    out.append(encoded, i, 76);
    out += "\r\n";
  }
  return out;
}

// The mail: a short text part and the CSV, zipped and base64-encoded, as Shadowserver sends
// it (a 1 M-row report is about 150 MB of CSV, 11 MB zipped).
std::string FeedMail(size_t rows) {
  std::string csv =
      "\"timestamp\",\"ip\",\"protocol\",\"port\",\"hostname\",\"tag\",\"asn\",\"geo\","
      "\"region\",\"city\",\"version\",\"naics\",\"sic\",\"sector\",\"response_size\","
      "\"amplification\"\r\n";
  csv.reserve(rows * 160);
  char line[256];
  for (size_t i = 0; i < rows; ++i) {
    // Consecutive rows share a second; their addresses differ, so no two rows are the same
    // event and every one must be counted.
    unsigned service = static_cast<unsigned>(i * 7919 % kServices);
    unsigned host = 1 + static_cast<unsigned>(i / kServices % 254);
    unsigned second = static_cast<unsigned>(i * 86400 / rows);
    std::snprintf(line, sizeof line,
                  "\"2026-11-30 %02u:%02u:%02u\",\"172.%u.%u.%u\",\"udp\",123,\"\",\"ntpversion\","
                  "64496,\"FR\",\"ILE-DE-FRANCE\",\"PARIS\",4,517311,0,\"Communications\",468,"
                  "\"9.75\"\r\n",
                  second / 3600, second / 60 % 60, second % 60, 16 + service / 256, service % 256,
                  host);
    csv += line;
  }
  std::string zipped = Zip("2026-11-30-scan_ntp-provider.csv", csv);
  return "From: Shadowserver <autoreports@example.org>\r\n"
         "To: abuse@provider.example\r\n"
         "Subject: Shadowserver scan_ntp Report: 2026-11-30\r\n"
         "Date: Tue, 01 Dec 2026 02:00:00 +0000\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"feed\"\r\n\r\n"
         "--feed\r\nContent-Type: text/plain\r\n\r\nThe report is attached.\r\n"
         "--feed\r\nContent-Type: application/zip; "
         "name=\"2026-11-30-scan_ntp-provider.csv.zip\"\r\n"
         "Content-Disposition: attachment; filename=\"2026-11-30-scan_ntp-provider.csv.zip\"\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\n" +
         Base64Lines(zipped) + "--feed--\r\n";
}

MailLimits BenchLimits() {
  MailLimits limits;
  limits.max_message_bytes = 1u << 30;
  limits.max_part_bytes = 1u << 30;
  limits.max_archive_bytes = 1u << 30;
  return limits;
}

const std::string& Mail(size_t rows) {
  static std::map<size_t, std::string> mails;
  auto it = mails.find(rows);
  if (it == mails.end()) it = mails.emplace(rows, FeedMail(rows)).first;
  return it->second;
}

struct Desk {
  std::filesystem::path dir;
  std::unique_ptr<Store> store;
  IndexHolder index;

  Desk() {
    dir = std::filesystem::temp_directory_path() / ("vigie-feed-bench-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    store = std::move(OpenStore(StoreOptions{(dir / "db.sqlite3").string(), 2})).value();
    ParsedInventory inventory = ParseInventoryCsv(Inventory());
    (void)store->Write([&](Transaction& tx) { tx.InsertInventory(inventory.records); });
    index.Set(AttributionIndex::Build(inventory.records));
  }
  ~Desk() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
};

// The whole path: store the mail, then the reading loop's one pass over it.
void BM_FeedEndToEnd(benchmark::State& state) {
  size_t rows = static_cast<size_t>(state.range(0));
  const std::string& mail = Mail(rows);
  int64_t events = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto desk = std::make_unique<Desk>();
    MailReadingOptions options;
    options.reading.limits = BenchLimits();
    options.owner = "bench";
    MailReading reading(*desk->store, desk->index, options);
    state.ResumeTiming();

    Result<int64_t> id = StoreInboundMail(*desk->store, mail, "pipe", Now());
    bool read_once = id.ok() && reading.RunOnce(Now()) == 1;

    state.PauseTiming();
    std::optional<InboundMail> read;
    if (read_once) {
      (void)desk->store->Read([&](Transaction& tx) { read = tx.GetInboundMail(*id, false); });
    }
    bool complete =
        read && read->state == "parsed" && read->new_events == static_cast<int64_t>(rows);
    events += complete ? read->new_events : 0;
    desk.reset();
    if (!complete) {
      state.SkipWithError("not every row became an event");
      break;
    }
    state.ResumeTiming();
  }
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FeedEndToEnd)->Arg(1'000'000)->Iterations(3)->UseRealTime()->Unit(benchmark::kSecond);

// Stage 1: MIME walk and CSV parse.
void BM_ReadMail(benchmark::State& state) {
  size_t rows = static_cast<size_t>(state.range(0));
  const std::string& mail = Mail(rows);
  ReadingOptions options;
  options.limits = BenchLimits();
  for (auto _ : state) {
    Reading reading = ReadMail(mail, options);
    if (reading.events.size() != rows) state.SkipWithError("rows lost");
    benchmark::DoNotOptimize(reading.events.data());
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(state.iterations() * rows),
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReadMail)->Arg(1'000'000)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

// Stage 2: attribution of every event at its instant.
void BM_AttributeEvents(benchmark::State& state) {
  size_t rows = static_cast<size_t>(state.range(0));
  ReadingOptions options;
  options.limits = BenchLimits();
  Reading reading = ReadMail(Mail(rows), options);
  Desk desk;
  for (auto _ : state) {
    std::vector<std::string> subjects;
    std::vector<Attribution> chosen =
        AttributeEvents(desk.index.Get().get(), reading.events, subjects);
    benchmark::DoNotOptimize(chosen.data());
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(state.iterations() * rows),
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AttributeEvents)
    ->Arg(1'000'000)
    ->Iterations(3)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Stage 3: deduplication, aggregation and durable writes, 20,000 events a transaction.
void BM_FileEvents(benchmark::State& state) {
  size_t rows = static_cast<size_t>(state.range(0));
  ReadingOptions options;
  options.limits = BenchLimits();
  Reading reading = ReadMail(Mail(rows), options);
  int64_t stored = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto desk = std::make_unique<Desk>();
    std::vector<std::string> subjects;
    std::vector<Attribution> chosen =
        AttributeEvents(desk->index.Get().get(), reading.events, subjects);
    int64_t mail_id = *StoreInboundMail(*desk->store, "x", "pipe", Now());
    state.ResumeTiming();
    std::span<const Event> all(reading.events);
    constexpr size_t kChunk = 20000;
    for (size_t start = 0; start < all.size(); start += kChunk) {
      size_t n = std::min(kChunk, all.size() - start);
      Status status = desk->store->Write([&](Transaction& tx) {
        stored += FileEvents(tx, mail_id, "shadowserver", all.subspan(start, n),
                             std::span(chosen).subspan(start, n),
                             std::span(subjects).subspan(start, n), CasePolicy{}, Now())
                      .stored;
      });
      if (!status.ok()) state.SkipWithError("write failed");
    }
    state.PauseTiming();
    desk.reset();
    state.ResumeTiming();
  }
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(stored), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FileEvents)->Arg(1'000'000)->Iterations(3)->UseRealTime()->Unit(benchmark::kSecond);

}  // namespace
}  // namespace vigie

BENCHMARK_MAIN();
