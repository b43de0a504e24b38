// Lookup speed and memory of the attribution index on a large synthetic inventory.
//
// The inventory has 1,000,000 holdings: IPv4 prefixes from /16 to /32 nested inside 256 /16
// blocks, and IPv6 prefixes from /32 to /128 inside one /32, about one in ten. Each prefix is
// held by one to four services in turn, sometimes with a gap between them, the last one often
// still holding. Every holding is its own service, so nothing is shared that a real inventory
// might not share.
//
// Lookups are one at a time (ResolveIp) or 1,024 per call (ResolveIps), on addresses drawn at
// random: hits, misses (not ours) and four hits for one miss. The "InCache" variants repeat the
// same 64 hits, so that nothing comes from memory: the difference to the plain hits is what
// memory latency costs. See docs/performance.md for the figures and how to reproduce them.
//
//   bench: ./attribution_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "attribution/index.h"

namespace vigie {
namespace {

constexpr size_t kIntervals = 1'000'000;
constexpr size_t kQueries = 1 << 20;
constexpr int64_t kStart = 1'704'067'200;  // 2024-01-01T00:00:00Z
constexpr int64_t kDay = 86'400;

struct Query {
  IpAddress ip;
  Instant at;
};

struct Fixture {
  std::vector<InventoryRecord> records;
  std::vector<IpPrefix> record_prefixes;  // per record
  std::shared_ptr<const AttributionIndex> index;
  std::vector<Query> hits;    // an address inside a held prefix, at an instant it is held
  std::vector<Query> misses;  // random addresses, nearly all outside the provider's space
};

// A random prefix of the provider's space: v4 inside one of `blocks`, v6 inside 2001:db8::/32.
IpPrefix RandomPrefix(std::mt19937_64& random, const std::vector<uint32_t>& blocks) {
  std::uniform_int_distribution<uint64_t> bits;
  if (random() % 10 == 0) {
    static constexpr int kLengths[] = {32, 40, 48, 48, 56, 56, 64, 64, 64, 128, 128, 128};
    int length = kLengths[random() % std::size(kLengths)];
    Uint128 value =
        (Uint128(0x20010db8) << 96) | (Uint128(bits(random) >> 32) << 64) | bits(random);
    value &= length == 128 ? ~Uint128(0) : ~((Uint128(1) << (128 - length)) - 1);
    return {IpAddress::V6(value), length};
  }
  static constexpr int kLengths[] = {16, 20, 22, 24, 24, 24, 26, 28, 28, 29,
                                     29, 30, 32, 32, 32, 32, 32, 32, 32, 32};
  int length = kLengths[random() % std::size(kLengths)];
  uint32_t value = blocks[random() % blocks.size()] | static_cast<uint32_t>(random() & 0xffff);
  value &= length == 32 ? ~0u : ~((1u << (32 - length)) - 1);
  return {IpAddress::V4(value), length};
}

IpAddress RandomAddressIn(std::mt19937_64& random, const IpPrefix& prefix) {
  int host_bits = prefix.address.bits() - prefix.length;
  Uint128 offset = (Uint128(random()) << 64) | random();
  offset &= host_bits >= 128 ? ~Uint128(0) : (Uint128(1) << host_bits) - 1;
  Uint128 value = prefix.address.value() | offset;
  return prefix.address.is_v4() ? IpAddress::V4(static_cast<uint32_t>(value))
                                : IpAddress::V6(value);
}

Fixture MakeFixture() {
  Fixture fixture;
  std::mt19937_64 random(42);
  std::vector<uint32_t> blocks;
  for (int i = 0; i < 256; ++i) {
    blocks.push_back(
        static_cast<uint32_t>(((random() % 200) + 11) << 24 | (random() & 0xff) << 16));
  }

  // Holdings: each distinct prefix gets one to four holders in turn.
  std::set<std::pair<Uint128, int>> seen;
  size_t service = 0;
  while (fixture.records.size() < kIntervals) {
    IpPrefix prefix = RandomPrefix(random, blocks);
    if (!seen.insert(
                 {prefix.address.value() | (Uint128(prefix.address.is_v4()) << 127), prefix.length})
             .second) {
      continue;
    }
    std::string resource =
        prefix.length == prefix.address.bits() ? prefix.address.ToString() : prefix.ToString();
    int64_t time = kStart + static_cast<int64_t>(random() % (365 * kDay));
    for (int holders = 1 + static_cast<int>(random() % 4);
         holders > 0 && fixture.records.size() < kIntervals; --holders) {
      InventoryRecord record;
      record.customer_id = "cust-" + std::to_string(service % 150'000);
      record.service_id = "svc-" + std::to_string(service++);
      record.resource = resource;
      record.valid_from = FromUnixSeconds(time);
      bool last = holders == 1;
      if (!last || random() % 2 == 0) {
        time += 3600 + static_cast<int64_t>(random() % (200 * kDay));
        record.valid_to = FromUnixSeconds(time);
        if (random() % 4 == 0) time += static_cast<int64_t>(random() % (30 * kDay));
      }
      fixture.records.push_back(std::move(record));
      fixture.record_prefixes.push_back(prefix);
    }
  }
  fixture.index = AttributionIndex::Build(fixture.records);

  // Queries, drawn once so that the loop measures only lookups.
  for (size_t i = 0; i < kQueries; ++i) {
    size_t pick = random() % fixture.records.size();
    const InventoryRecord& record = fixture.records[pick];
    int64_t from = ToUnixSeconds(record.valid_from);
    int64_t to = record.valid_to ? ToUnixSeconds(*record.valid_to) : from + 365 * kDay;
    int64_t at = from + static_cast<int64_t>(random() % static_cast<uint64_t>(to - from));
    fixture.hits.push_back(
        {RandomAddressIn(random, fixture.record_prefixes[pick]), FromUnixSeconds(at)});
    fixture.misses.push_back(
        {IpAddress::V4(static_cast<uint32_t>(random())),
         FromUnixSeconds(kStart + static_cast<int64_t>(random() % (730 * kDay)))});
  }
  return fixture;
}

const Fixture& SharedFixture() {
  static const Fixture fixture = MakeFixture();
  return fixture;
}

void ReportSize(benchmark::State& state, const AttributionIndex& index) {
  state.counters["intervals"] = static_cast<double>(index.interval_count());
  state.counters["bytes_per_interval"] =
      static_cast<double>(index.memory_bytes()) / static_cast<double>(index.interval_count());
}

void RunLookups(benchmark::State& state, const std::vector<Query>& queries) {
  const Fixture& fixture = SharedFixture();
  size_t next = 0;
  for (auto _ : state) {
    const Query& query = queries[next];
    next = (next + 1) & (kQueries - 1);
    Attribution result = fixture.index->ResolveIp(query.ip, query.at);
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
  ReportSize(state, *fixture.index);
}

// The same lookups through ResolveIps, 1,024 at a time.
void RunBatchedLookups(benchmark::State& state, const std::vector<Query>& queries) {
  constexpr size_t kBatch = 1024;
  const Fixture& fixture = SharedFixture();
  std::vector<IpQuery> batch(kBatch);
  std::vector<Attribution> results(kBatch);
  size_t next = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (IpQuery& query : batch) {
      query = {queries[next].ip, queries[next].at};
      next = (next + 1) & (kQueries - 1);
    }
    state.ResumeTiming();
    fixture.index->ResolveIps(batch, results);
    benchmark::DoNotOptimize(results.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kBatch));
  ReportSize(state, *fixture.index);
}

void BM_ResolveIpHits(benchmark::State& state) {
  RunLookups(state, SharedFixture().hits);
}
BENCHMARK(BM_ResolveIpHits);

void BM_ResolveIpMisses(benchmark::State& state) {
  RunLookups(state, SharedFixture().misses);
}
BENCHMARK(BM_ResolveIpMisses);

// Four hits for one miss, interleaved.
const std::vector<Query>& MixedQueries() {
  static const std::vector<Query> mixed = [] {
    const Fixture& fixture = SharedFixture();
    std::vector<Query> out;
    for (size_t i = 0; i < kQueries; ++i) {
      out.push_back(i % 5 == 4 ? fixture.misses[i] : fixture.hits[i]);
    }
    return out;
  }();
  return mixed;
}

// The first 64 hits over and over: after the first round, everything they read is in cache.
const std::vector<Query>& CachedQueries() {
  static const std::vector<Query> cached = [] {
    const Fixture& fixture = SharedFixture();
    std::vector<Query> out;
    for (size_t i = 0; i < kQueries; ++i) out.push_back(fixture.hits[i % 64]);
    return out;
  }();
  return cached;
}

void BM_ResolveIpMixed(benchmark::State& state) {
  RunLookups(state, MixedQueries());
}
BENCHMARK(BM_ResolveIpMixed);

void BM_ResolveIpHitsInCache(benchmark::State& state) {
  RunLookups(state, CachedQueries());
}
BENCHMARK(BM_ResolveIpHitsInCache);

void BM_ResolveIpsHitsBatched(benchmark::State& state) {
  RunBatchedLookups(state, SharedFixture().hits);
}
BENCHMARK(BM_ResolveIpsHitsBatched);

void BM_ResolveIpsMissesBatched(benchmark::State& state) {
  RunBatchedLookups(state, SharedFixture().misses);
}
BENCHMARK(BM_ResolveIpsMissesBatched);

void BM_ResolveIpsMixedBatched(benchmark::State& state) {
  RunBatchedLookups(state, MixedQueries());
}
BENCHMARK(BM_ResolveIpsMixedBatched);

void BM_ResolveIpsHitsBatchedInCache(benchmark::State& state) {
  RunBatchedLookups(state, CachedQueries());
}
BENCHMARK(BM_ResolveIpsHitsBatchedInCache);

void BM_Build(benchmark::State& state) {
  const Fixture& fixture = SharedFixture();
  for (auto _ : state) {
    auto index = AttributionIndex::Build(fixture.records);
    benchmark::DoNotOptimize(index);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(fixture.records.size()));
  ReportSize(state, *fixture.index);
}
BENCHMARK(BM_Build)->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace
}  // namespace vigie
