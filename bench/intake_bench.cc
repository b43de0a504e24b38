// Durable intake: how many reports per second the report writer stores, each acknowledged only
// after its transaction is committed with full synchronisation, and how long a submitter waits.
//
// Run: build/bench/intake_bench --benchmark_min_time=3
// The clients keep `in_flight` reports outstanding at all times, as many HTTP connections would.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "attribution/index.h"
#include "attribution/inventory.h"
#include "cases/report_writer.h"
#include "store/store.h"

namespace vigie {
namespace {

ReportDraft MakeDraft(int i) {
  ReportDraft draft;
  draft.channel = Channel::kApi;
  draft.format = "vigie_json";
  draft.raw = R"({"targets":["192.0.2.)" + std::to_string(i % 250) +
              R"("],"abuse_type":"phishing","observed_at":"2026-11-30T10:00:00Z",)"
              R"("description":"A login page imitating a bank.","good_faith":true,"n":)" +
              std::to_string(i) + "}";
  draft.raw_type = "application/json";
  draft.targets.push_back(*ParseTarget("192.0.2." + std::to_string(i % 250)));
  draft.observed = *ParseRfc3339("2026-11-30T10:00:00Z");
  draft.abuse_type = i % 3 == 0 ? "phishing" : (i % 3 == 1 ? "spam" : "botnet");
  draft.reporter.name = "Bench Reporter";
  draft.reporter.email = "bench@example.org";
  draft.description = "A login page imitating a bank.";
  draft.good_faith = true;
  draft.language = "en";
  return draft;
}

void BM_DurableIntake(benchmark::State& state) {
  const int in_flight = static_cast<int>(state.range(0));
  auto dir =
      std::filesystem::temp_directory_path() / ("vigie-intake-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto store = std::move(OpenStore(StoreOptions{(dir / "db.sqlite3").string(), 2})).value();
  ParsedInventory inventory = ParseInventoryCsv(
      "customer_id,customer_name,customer_email,service_id,service_kind,resource,valid_from,"
      "valid_to\nC-1,One,one@example.net,S-1,vps,192.0.2.0/24,2025-01-01T00:00:00Z,\n");
  IndexHolder index;
  index.Set(AttributionIndex::Build(inventory.records));
  ReportWriter writer(*store, index, CasePolicy{}, "bench-key");

  std::vector<double> latencies_ms;
  int64_t total = 0;
  for (auto _ : state) {
    constexpr int kReports = 20000;
    std::mutex mutex;
    std::condition_variable slot;
    int outstanding = 0;
    int failures = 0;
    std::vector<double> batch_latencies;
    batch_latencies.reserve(kReports);
    for (int i = 0; i < kReports; ++i) {
      {
        std::unique_lock lock(mutex);
        slot.wait(lock, [&] { return outstanding < in_flight; });
        ++outstanding;
      }
      auto start = std::chrono::steady_clock::now();
      writer.Submit(MakeDraft(static_cast<int>(total) + i), "", [&, start](Result<FiledReport> r) {
        double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count();
        std::lock_guard lock(mutex);
        if (!r.ok()) ++failures;
        batch_latencies.push_back(ms);
        --outstanding;
        slot.notify_one();
      });
    }
    std::unique_lock lock(mutex);
    slot.wait(lock, [&] { return outstanding == 0; });
    if (failures > 0) state.SkipWithError("some reports were not stored");
    total += kReports;
    latencies_ms.insert(latencies_ms.end(), batch_latencies.begin(), batch_latencies.end());
  }
  state.SetItemsProcessed(total);
  std::sort(latencies_ms.begin(), latencies_ms.end());
  if (!latencies_ms.empty()) {
    state.counters["p50_ms"] = latencies_ms[latencies_ms.size() / 2];
    state.counters["p99_ms"] = latencies_ms[latencies_ms.size() * 99 / 100];
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_DurableIntake)
    ->Arg(1)
    ->Arg(64)
    ->Arg(256)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace vigie
