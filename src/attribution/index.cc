#include "attribution/index.h"

#include <libpsl.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <new>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>

namespace vigie {
namespace {

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
constexpr int64_t kOpenEnd = std::numeric_limits<int64_t>::max();

// Below this many holdings on one resource a linear scan is faster than a binary search.
constexpr uint32_t kLinearScanLimit = 8;

// A holding, as Unix seconds: [from, to), to == kOpenEnd while still held, by `service`.
// Packed to 20 bytes: the times are read unaligned, which costs nothing on the machines vigie
// runs on, and a million holdings are 4 MB smaller.
struct __attribute__((packed)) Interval {
  int64_t from;
  int64_t to;
  uint32_t service;
};
static_assert(sizeof(Interval) == 20);

// A resource: its holdings are intervals [first, next node's first). `parent` is the next less
// specific inventory prefix containing this one (kNone for the outermost, and for host names).
// A prefix's address is not kept: a lookup knows it from the address it was asked about.
struct Node {
  uint32_t parent;
  uint32_t first;
  uint8_t length;    // the prefix length; 0 for host names
  bool overlapping;  // some of its holdings overlap each other
};

// A stretch of the text arena.
struct TextRef {
  uint32_t offset;
  uint32_t length;
};

// A distinct (service id, customer id) pair. Short ids, the usual case, sit in the record
// itself so that naming the holder costs one memory access; longer ones live in the arena and
// the record holds two TextRefs instead.
struct Service {
  static constexpr size_t kInline = 22;
  static constexpr uint8_t kInArena = 0xff;

  uint8_t service_length;  // kInArena: `text` holds {service, customer} TextRefs
  uint8_t customer_length;
  char text[kInline];  // the service id, then the customer id
};
static_assert(sizeof(Service) == 24);
static_assert(2 * sizeof(TextRef) <= Service::kInline);

int64_t SaturatingAdd(int64_t value, int64_t delta) {
  if (delta > 0 && value > std::numeric_limits<int64_t>::max() - delta) {
    return std::numeric_limits<int64_t>::max();
  }
  if (delta < 0 && value < std::numeric_limits<int64_t>::min() - delta) {
    return std::numeric_limits<int64_t>::min();
  }
  return value + delta;
}

template <typename Key>
constexpr int kKeyBits = static_cast<int>(sizeof(Key) * 8);

// The host bits of a prefix of `length` bits, as a mask.
template <typename Key>
Key HostMask(int length) {
  int host_bits = kKeyBits<Key> - length;
  if (host_bits <= 0) return 0;
  if (host_bits >= kKeyBits<Key>) return static_cast<Key>(~Key(0));
  return static_cast<Key>((Key(1) << host_bits) - 1);
}

// The public suffix list, loaded once per process and never freed: lookups only read it, so it
// is safe from any thread. Null only if neither the system list nor a built-in one exists.
const psl_ctx_t* PublicSuffixList() {
  static const psl_ctx_t* const list = []() -> const psl_ctx_t* {
    if (psl_ctx_t* loaded = psl_load_file("/usr/share/publicsuffix/public_suffix_list.dat")) {
      return loaded;
    }
    return psl_builtin();
  }();
  return list;
}

// "192.0.2.0/24", or "192.0.2.7" for a full-length prefix, as the inventory parser writes it.
std::string FormatV4(uint32_t value, int length) {
  char buffer[20];
  char* out = buffer;
  for (int shift = 24; shift >= 0; shift -= 8) {
    unsigned octet = (value >> shift) & 0xff;
    if (octet >= 100) *out++ = static_cast<char>('0' + octet / 100);
    if (octet >= 10) *out++ = static_cast<char>('0' + octet / 10 % 10);
    *out++ = static_cast<char>('0' + octet % 10);
    if (shift > 0) *out++ = '.';
  }
  if (length < 32) {
    *out++ = '/';
    if (length >= 10) *out++ = static_cast<char>('0' + length / 10);
    *out++ = static_cast<char>('0' + length % 10);
  }
  return std::string(buffer, static_cast<size_t>(out - buffer));
}

std::string FormatV6(Uint128 value, int length) {
  std::string text = IpAddress::V6(value).ToString();
  if (length < 128) text += "/" + std::to_string(length);
  return text;
}

// An allocator whose arrays start on a cache line, so that a 64-byte block of one is one line.
template <typename T>
struct LineAligned {
  using value_type = T;
  static constexpr std::align_val_t kAlignment{64};

  LineAligned() = default;
  template <typename U>
  LineAligned(const LineAligned<U>&) {}  // NOLINT: implicit, as allocators are

  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlignment)); }
  void deallocate(T* p, size_t) { ::operator delete(p, kAlignment); }
  template <typename U>
  bool operator==(const LineAligned<U>&) const {
    return true;
  }
};

template <typename T>
using LineAlignedVector = std::vector<T, LineAligned<T>>;

// A sorted array searched as a static tree: each level above the keys samples every 16th
// entry of the level below, so a search reads one 16-entry block per level. The upper levels
// are small enough to stay in cache; only the last block is likely to come from memory.
template <typename Key>
class RangeSearch {
 public:
  static constexpr size_t kFanout = 16;

  void Build(const std::vector<Key>& keys) {
    levels_.clear();
    sizes_.clear();
    keys_ = Padded(keys.begin(), keys.end());
    size_ = keys.size();
    size_t below = size_;
    while (below > kFanout) {
      const LineAlignedVector<Key>& source = levels_.empty() ? keys_ : levels_.back();
      std::vector<Key> level;
      for (size_t i = 0; i < below; i += kFanout) level.push_back(source[i]);
      below = level.size();
      levels_.push_back(Padded(level.begin(), level.end()));
      sizes_.push_back(below);
    }
  }

  // The index of the last key not after `x`. `parallel` is an array indexed like the keys that
  // the caller reads next; its line is fetched while the last block is searched.
  // REQUIRES: the first key is not after `x`.
  size_t Find(Key x, const uint32_t* parallel) const {
    size_t begin = Block(x);
    __builtin_prefetch(parallel + begin);
    return InBlock(begin, x);
  }

  // Find in two steps, for callers that overlap the memory reads of several searches: Block
  // reads only the upper levels and returns where the last block begins; Prefetch starts
  // reading that block; InBlock finishes.
  size_t Block(Key x) const {
    size_t begin = 0;
    for (size_t level = levels_.size(); level-- > 0;) {
      begin = LastInBlock(levels_[level].data(), sizes_[level], begin, x) * kFanout;
    }
    return begin;
  }
  void Prefetch(size_t begin) const {
    const char* first = reinterpret_cast<const char*>(keys_.data() + begin);
    for (size_t offset = 0; offset < kFanout * sizeof(Key); offset += 64) {
      __builtin_prefetch(first + offset);
    }
  }
  size_t InBlock(size_t begin, Key x) const { return LastInBlock(keys_.data(), size_, begin, x); }

  size_t MemoryBytes() const {
    size_t bytes = keys_.capacity() * sizeof(Key) + levels_.capacity() * sizeof(levels_[0]) +
                   sizes_.capacity() * sizeof(size_t);
    for (const auto& level : levels_) bytes += level.capacity() * sizeof(Key);
    return bytes;
  }

 private:
  // Every array is padded with the largest key to whole blocks, so that a block is always
  // kFanout keys and its search a fixed loop the compiler unrolls and vectorises.
  template <typename It>
  static LineAlignedVector<Key> Padded(It first, It last) {
    auto size = static_cast<size_t>(last - first);
    size_t padded = (size + kFanout - 1) / kFanout * kFanout;
    LineAlignedVector<Key> out;
    out.reserve(padded);
    out.assign(first, last);
    out.resize(padded, static_cast<Key>(~Key(0)));
    return out;
  }

  // Counting rather than branching: the block is sorted, so the keys not after `x` are a
  // prefix of it, and the count is that prefix's length. Padding counts only when `x` is the
  // largest key, hence the clamp to the real size.
  static size_t LastInBlock(const Key* keys, size_t size, size_t begin, Key x) {
    size_t count = 0;
    for (size_t i = 0; i < kFanout; ++i) count += keys[begin + i] <= x ? 1 : 0;
    return std::min(begin + count - 1, size - 1);
  }

  LineAlignedVector<Key> keys_;
  size_t size_ = 0;
  std::vector<LineAlignedVector<Key>> levels_;  // [0] samples keys_, [1] samples [0], ...
  std::vector<size_t> sizes_;                   // the size of each level without padding
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// The index's arrays

namespace attribution_internal {

// The elementary ranges of one address family (see the header).
template <typename Key>
struct PrefixTable {
  uint32_t first_node = 0;              // this family's nodes are [first_node, first_node + count)
  RangeSearch<Key> ranges;              // first address of each elementary range; the first is 0
  LineAlignedVector<uint32_t> deepest;  // most specific node covering each range, or kNone
  std::vector<std::pair<Key, Key>> owned;  // owned networks as merged [first, last] ranges

  // The most specific node whose prefix contains `address`, or kNone.
  uint32_t Deepest(Key address) const { return deepest[ranges.Find(address, deepest.data())]; }

  bool Owned(Key address) const {
    auto it = std::upper_bound(owned.begin(), owned.end(), address,
                               [](Key value, const auto& range) { return value < range.first; });
    return it != owned.begin() && address <= std::prev(it)->second;
  }

  size_t MemoryBytes() const {
    return ranges.MemoryBytes() + deepest.capacity() * sizeof(uint32_t) +
           owned.capacity() * sizeof(std::pair<Key, Key>);
  }
};

struct IndexData {
  int64_t margin = 0;  // seconds
  bool owned_given = false;
  size_t skipped = 0;

  PrefixTable<uint32_t> v4;
  PrefixTable<Uint128> v6;
  uint32_t first_host_node = 0;
  std::vector<TextRef> host_names;  // per host node, sorted by name

  std::vector<Node> nodes;  // ends with a sentinel whose `first` closes the last node
  std::vector<Interval> intervals;
  std::vector<Service> services;
  std::string text;  // the arena: long ids and host names

  std::string_view Text(TextRef ref) const {
    return std::string_view(text.data() + ref.offset, ref.length);
  }

  // The service id and the customer id of a service.
  std::pair<std::string_view, std::string_view> Ids(uint32_t service) const {
    const Service& s = services[service];
    if (s.service_length != Service::kInArena) {
      return {std::string_view(s.text, s.service_length),
              std::string_view(s.text + s.service_length, s.customer_length)};
    }
    TextRef refs[2];
    std::memcpy(refs, s.text, sizeof refs);
    return {Text(refs[0]), Text(refs[1])};
  }

  // Calls visit(i) for each holding i of `node` that overlaps the instants [low, high].
  template <typename Visit>
  void ForEachHolding(uint32_t node, int64_t low, int64_t high, Visit&& visit) const {
    uint32_t begin = nodes[node].first;
    uint32_t end = nodes[node + 1].first;
    if (end - begin > kLinearScanLimit && !nodes[node].overlapping) {
      // Disjoint holdings sorted by start are sorted by end too.
      auto first = std::partition_point(intervals.begin() + begin, intervals.begin() + end,
                                        [low](const Interval& i) { return i.to <= low; });
      begin = static_cast<uint32_t>(first - intervals.begin());
    }
    for (uint32_t i = begin; i < end; ++i) {
      if (intervals[i].from > high) break;
      if (intervals[i].to > low) visit(i);
    }
  }

  // The inventory resource of `node`, normalised. `address` is the address looked up, which
  // the node's prefix contains; it is not used for host names.
  std::string Resource(uint32_t node, Uint128 address) const {
    int length = nodes[node].length;
    if (node < v6.first_node) {
      auto v4_address = static_cast<uint32_t>(address);
      return FormatV4(v4_address & ~HostMask<uint32_t>(length), length);
    }
    if (node < first_host_node) return FormatV6(address & ~HostMask<Uint128>(length), length);
    return std::string(Text(host_names[node - first_host_node]));
  }

  uint32_t FindHost(std::string_view name) const {
    auto it = std::lower_bound(
        host_names.begin(), host_names.end(), name,
        [this](const TextRef& ref, std::string_view key) { return Text(ref) < key; });
    if (it == host_names.end() || Text(*it) != name) return kNone;
    return first_host_node + static_cast<uint32_t>(it - host_names.begin());
  }

  // Answers by filling `out` in place, so that a batch reuses its strings' storage.
  void Attributed(uint32_t node, uint32_t service, Uint128 address, Attribution& out) const {
    auto [service_id, customer_id] = Ids(service);
    out.result = AttributionResult::kAttributed;
    out.customer_id.assign(customer_id);
    out.service_id.assign(service_id);
    out.matched = Resource(node, address);
    out.candidates.clear();
  }

  // The answer for the resources `walk` yields, most specific first; `address` is as for
  // Resource().
  template <typename Walk>
  void Evaluate(Walk walk, Uint128 address, int64_t at, Attribution& out) const;
  template <typename Walk>
  void EvaluateWindow(Walk walk, Uint128 address, int64_t at, int64_t low, int64_t high,
                      Attribution& out) const;
  template <typename Key>
  Attribution ResolveKey(const PrefixTable<Key>& table, Key address, int64_t at) const;
  // ResolveKey once the most specific node is known.
  template <typename Key>
  void ResolveFrom(const PrefixTable<Key>& table, Key address, uint32_t node, int64_t at,
                   Attribution& out) const;

  // The stages of a batched lookup: each starts the memory reads that the next one needs.
  template <typename Key>
  size_t StartSearch(const PrefixTable<Key>& table, Key address) const {
    size_t begin = table.ranges.Block(address);
    table.ranges.Prefetch(begin);
    __builtin_prefetch(table.deepest.data() + begin);
    return begin;
  }
  template <typename Key>
  uint32_t FinishSearch(const PrefixTable<Key>& table, Key address, size_t begin) const {
    uint32_t node = table.deepest[table.ranges.InBlock(begin, address)];
    if (node != kNone) __builtin_prefetch(&nodes[node]);
    return node;
  }
  void FetchHoldings(uint32_t node) const {
    if (node == kNone) return;
    __builtin_prefetch(&intervals[nodes[node].first]);
  }
  void FetchHolder(uint32_t node, int64_t at) const {
    if (node == kNone) return;
    bool found = false;
    ForEachHolding(node, at, at, [&](uint32_t i) {
      if (!found) __builtin_prefetch(&services[intervals[i].service]);
      found = true;
    });
    if (!found && nodes[node].parent != kNone) __builtin_prefetch(&nodes[nodes[node].parent]);
  }
};

}  // namespace attribution_internal

using attribution_internal::IndexData;
using attribution_internal::PrefixTable;

namespace {

// Empties `out` and sets its result.
void Reset(Attribution& out, AttributionResult result) {
  out.result = result;
  out.customer_id.clear();
  out.service_id.clear();
  out.matched.clear();
  out.candidates.clear();
}

Attribution NotOurs() {
  Attribution out;
  out.result = AttributionResult::kNotOurs;
  return out;
}

// The resources that may hold an address, most specific first, read lazily through parent
// links: the less specific ones are often not needed, and each costs a memory access.
class ParentWalk {
 public:
  ParentWalk(const IndexData& data, uint32_t deepest) : data_(&data), next_(deepest) {}
  uint32_t Next() {
    uint32_t node = next_;
    if (node != kNone) next_ = data_->nodes[node].parent;
    return node;
  }

 private:
  const IndexData* data_;
  uint32_t next_;
};

// The inventory names of a host, most specific first.
class ListWalk {
 public:
  void Push(uint32_t node) {
    if (size_ < nodes_.size()) nodes_[size_++] = node;
  }
  bool empty() const { return size_ == 0; }
  uint32_t Next() { return read_ < size_ ? nodes_[read_++] : kNone; }

 private:
  std::array<uint32_t, 128> nodes_;  // a name has at most 127 labels
  size_t size_ = 0;
  size_t read_ = 0;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Resolution

// One pass, most specific resource first, over the holdings near the instant. The common case
// ends at the holder itself: it holds across the whole margin window, which hides everything
// less specific, and nothing more specific came near.
template <typename Walk>
void IndexData::Evaluate(Walk walk, Uint128 address, int64_t at, Attribution& out) const {
  const Walk from_the_start = walk;
  int64_t low = SaturatingAdd(at, -margin);
  int64_t high = SaturatingAdd(at, margin);
  uint32_t winner = kNone;
  uint32_t service = kNone;  // the only service seen in the window so far
  bool mixed = false;        // more than one service seen in the window

  for (uint32_t node = walk.Next(); node != kNone; node = walk.Next()) {
    bool covers_window = false;
    bool holds = false;
    ForEachHolding(node, low, high, [&](uint32_t i) {
      uint32_t s = intervals[i].service;
      if (service == kNone) service = s;
      mixed |= s != service;
      holds |= intervals[i].from <= at && at < intervals[i].to;
      covers_window |= intervals[i].from <= low && intervals[i].to > high;
    });
    if (holds && winner == kNone) winner = node;
    if (mixed || covers_window) break;
  }
  if (winner != kNone && !mixed) return Attributed(winner, service, address, out);
  EvaluateWindow(from_the_start, address, at, low, high, out);
}

// Replays who held the target over [low, high]: the holder can change only where a holding on
// the path starts or ends, so it is enough to look at `low`, at the instant, and at each of
// those. `walk` starts again from the most specific resource.
template <typename Walk>
void IndexData::EvaluateWindow(Walk walk, Uint128 address, int64_t at, int64_t low, int64_t high,
                               Attribution& out) const {
  struct Seen {
    size_t depth;
    uint32_t node;
    uint32_t interval;
  };
  std::vector<Seen> seen;
  std::vector<int64_t> instants = {low};
  size_t depth = 0;
  for (uint32_t node = walk.Next(); node != kNone; node = walk.Next(), ++depth) {
    bool covers_window = false;
    ForEachHolding(node, low, high, [&](uint32_t i) {
      seen.push_back({depth, node, i});
      if (intervals[i].from > low) instants.push_back(intervals[i].from);
      if (intervals[i].to <= high) instants.push_back(intervals[i].to);
      covers_window |= intervals[i].from <= low && intervals[i].to > high;
    });
    if (covers_window) break;
  }
  std::sort(instants.begin(), instants.end());
  instants.erase(std::unique(instants.begin(), instants.end()), instants.end());

  // The holders at the instant come first, then the others in the order they held it.
  std::vector<uint32_t> candidates;
  uint32_t winner = kNone;
  auto add_holders = [&](int64_t when) {
    size_t best = std::numeric_limits<size_t>::max();
    for (const Seen& s : seen) {
      const Interval& i = intervals[s.interval];
      if (i.from <= when && when < i.to) best = std::min(best, s.depth);
    }
    for (const Seen& s : seen) {
      const Interval& i = intervals[s.interval];
      uint32_t service = i.service;
      if (s.depth != best || i.from > when || when >= i.to) continue;
      if (when == at) winner = s.node;
      if (std::find(candidates.begin(), candidates.end(), service) == candidates.end()) {
        candidates.push_back(service);
      }
    }
  };
  add_holders(at);
  for (int64_t when : instants) add_holders(when);

  if (winner != kNone && candidates.size() == 1) {
    return Attributed(winner, candidates.front(), address, out);
  }
  if (winner == kNone) {
    Reset(out, AttributionResult::kUnknown);
  } else {
    Reset(out, AttributionResult::kAmbiguous);
    out.matched = Resource(winner, address);
  }
  for (uint32_t service : candidates) out.candidates.emplace_back(Ids(service).first);
}

template <typename Key>
Attribution IndexData::ResolveKey(const PrefixTable<Key>& table, Key address, int64_t at) const {
  Attribution out;
  ResolveFrom(table, address, table.Deepest(address), at, out);
  return out;
}

template <typename Key>
void IndexData::ResolveFrom(const PrefixTable<Key>& table, Key address, uint32_t node, int64_t at,
                            Attribution& out) const {
  bool ours = owned_given ? table.Owned(address) : node != kNone;
  if (!ours) return Reset(out, AttributionResult::kNotOurs);
  Evaluate(ParentWalk(*this, node), static_cast<Uint128>(address), at, out);
}

Attribution AttributionIndex::ResolveIp(const IpAddress& ip, Instant at) const {
  int64_t when = ToUnixSeconds(at);
  if (ip.is_v4()) return data_->ResolveKey(data_->v4, ip.v4(), when);
  return data_->ResolveKey(data_->v6, ip.value(), when);
}

void AttributionIndex::ResolveIps(std::span<const IpQuery> queries,
                                  std::span<Attribution> out) const {
  // A pipeline: each query goes through five stages, each starting the memory reads the next
  // one needs, and kDistance queries apart. While one query waits for its reads, the stages of
  // the queries around it run, so the waits overlap instead of adding up.
  constexpr size_t kDistance = 8;
  constexpr size_t kStages = 5;
  constexpr size_t kRing = 64;  // per-query state, kept while the query is in the pipeline
  static_assert(kRing > kDistance * (kStages - 1));
  const IndexData& d = *data_;
  std::array<size_t, kRing> begin;
  std::array<uint32_t, kRing> node;
  size_t count = std::min(queries.size(), out.size());

  auto search = [&](size_t q) {
    const IpAddress& ip = queries[q].ip;
    begin[q % kRing] = ip.is_v4() ? d.StartSearch(d.v4, ip.v4()) : d.StartSearch(d.v6, ip.value());
  };
  auto find_node = [&](size_t q) {
    const IpAddress& ip = queries[q].ip;
    node[q % kRing] = ip.is_v4() ? d.FinishSearch(d.v4, ip.v4(), begin[q % kRing])
                                 : d.FinishSearch(d.v6, ip.value(), begin[q % kRing]);
  };
  auto answer = [&](size_t q) {
    const IpAddress& ip = queries[q].ip;
    int64_t at = ToUnixSeconds(queries[q].at);
    if (ip.is_v4()) {
      d.ResolveFrom(d.v4, ip.v4(), node[q % kRing], at, out[q]);
    } else {
      d.ResolveFrom(d.v6, ip.value(), node[q % kRing], at, out[q]);
    }
  };

  for (size_t step = 0; step < count + kDistance * (kStages - 1); ++step) {
    auto stage = [&](size_t k) -> std::optional<size_t> {
      if (step < k * kDistance || step - k * kDistance >= count) return std::nullopt;
      return step - k * kDistance;
    };
    if (auto q = stage(0)) search(*q);
    if (auto q = stage(1)) find_node(*q);
    if (auto q = stage(2)) d.FetchHoldings(node[*q % kRing]);
    if (auto q = stage(3)) d.FetchHolder(node[*q % kRing], ToUnixSeconds(queries[*q].at));
    if (auto q = stage(4)) answer(*q);
  }
}

Attribution AttributionIndex::ResolveHost(std::string_view ascii_host, Instant at) const {
  std::string_view literal = ascii_host;
  if (literal.size() > 2 && literal.front() == '[' && literal.back() == ']') {
    literal = literal.substr(1, literal.size() - 2);
  }
  if (auto ip = IpAddress::Parse(literal)) return ResolveIp(*ip, at);

  // Callers normally pass the canonical form already; anything else is normalised here.
  std::string name(ascii_host);
  bool canonical =
      !name.empty() && name.back() != '.' && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
      });
  if (!canonical) {
    auto normalized = NormalizeHostName(name);
    if (!normalized) return NotOurs();
    name = std::move(*normalized);
  }

  // The candidate names run from the host itself up to its registrable domain; a host that is
  // itself a public suffix has none. Without any list, only the exact name is tried.
  const psl_ctx_t* list = PublicSuffixList();
  size_t last = 0;
  if (list != nullptr) {
    const char* registrable = psl_registrable_domain(list, name.c_str());
    if (registrable == nullptr) return NotOurs();
    last = static_cast<size_t>(registrable - name.c_str());
  }
  ListWalk walk;
  for (size_t pos = 0;;) {
    uint32_t node = data_->FindHost(std::string_view(name).substr(pos));
    if (node != kNone) walk.Push(node);
    if (pos >= last) break;
    size_t dot = name.find('.', pos);
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  if (walk.empty()) return NotOurs();
  Attribution out;
  data_->Evaluate(walk, 0, ToUnixSeconds(at), out);
  return out;
}

Attribution AttributionIndex::Resolve(const Target& target, Instant at) const {
  if (target.ip) return ResolveIp(*target.ip, at);
  if (!target.host.empty()) return ResolveHost(target.host, at);
  if (target.kind == TargetKind::kDomain) return ResolveHost(target.canonical, at);
  // A target with neither an address nor a host does not come out of ParseTarget; should one
  // arrive, it is left to the team as unknown rather than answered as not ours.
  return Attribution{};
}

size_t AttributionIndex::interval_count() const {
  return data_->intervals.size();
}

size_t AttributionIndex::skipped_records() const {
  return data_->skipped;
}

size_t AttributionIndex::memory_bytes() const {
  const IndexData& d = *data_;
  return sizeof(AttributionIndex) + sizeof(IndexData) + d.v4.MemoryBytes() + d.v6.MemoryBytes() +
         d.host_names.capacity() * sizeof(TextRef) + d.nodes.capacity() * sizeof(Node) +
         d.intervals.capacity() * sizeof(Interval) + d.services.capacity() * sizeof(Service) +
         d.text.capacity();
}

AttributionIndex::AttributionIndex(std::unique_ptr<const IndexData> data)
    : data_(std::move(data)) {}

AttributionIndex::~AttributionIndex() = default;

// ---------------------------------------------------------------------------------------------
// Building

namespace {

// One holding of a prefix or a name, before grouping by resource.
template <typename Resource>
struct Holding {
  Resource resource;
  int64_t from;
  int64_t to;
  uint32_t service;
};

template <typename Key>
struct PrefixKey {
  Key value;
  uint8_t length;
  auto operator<=>(const PrefixKey&) const = default;
};

// Interns services and arena texts while the index is built.
class Interner {
 public:
  explicit Interner(IndexData& data) : data_(data) {}

  uint32_t ServiceOf(const std::string& service_id, const std::string& customer_id) {
    std::string key = std::to_string(service_id.size()) + ":" + service_id + customer_id;
    auto [it, added] = services_.try_emplace(std::move(key), 0);
    if (!added) return it->second;
    it->second = static_cast<uint32_t>(data_.services.size());

    Service service{};
    if (service_id.size() + customer_id.size() <= Service::kInline) {
      service.service_length = static_cast<uint8_t>(service_id.size());
      service.customer_length = static_cast<uint8_t>(customer_id.size());
      std::memcpy(service.text, service_id.data(), service_id.size());
      std::memcpy(service.text + service_id.size(), customer_id.data(), customer_id.size());
    } else {
      service.service_length = Service::kInArena;
      service.customer_length = Service::kInArena;
      TextRef refs[2] = {Text(service_id), Text(customer_id)};
      std::memcpy(service.text, refs, sizeof refs);
    }
    data_.services.push_back(service);
    return it->second;
  }

  TextRef Text(const std::string& text) {
    auto [it, added] = texts_.try_emplace(text, TextRef{});
    if (added) {
      it->second = {static_cast<uint32_t>(data_.text.size()), static_cast<uint32_t>(text.size())};
      data_.text += text;
    }
    return it->second;
  }

 private:
  IndexData& data_;
  std::unordered_map<std::string, TextRef> texts_;
  std::unordered_map<std::string, uint32_t> services_;
};

// Groups holdings into nodes: one node per distinct resource, its holdings contiguous and
// sorted by start. `on_node` receives each distinct resource and its new node.
template <typename Resource, typename OnNode>
void AppendNodes(IndexData& data, std::vector<Holding<Resource>>& holdings, OnNode&& on_node) {
  std::sort(holdings.begin(), holdings.end(), [](const auto& a, const auto& b) {
    return std::tie(a.resource, a.from, a.to, a.service) <
           std::tie(b.resource, b.from, b.to, b.service);
  });
  int64_t latest_end = 0;
  for (size_t i = 0; i < holdings.size(); ++i) {
    const auto& h = holdings[i];
    auto node = static_cast<uint32_t>(data.nodes.size());
    if (i == 0 || !(holdings[i - 1].resource == h.resource)) {
      data.nodes.push_back({kNone, static_cast<uint32_t>(data.intervals.size()), 0, false});
      on_node(h.resource, data.nodes.back());
      latest_end = h.to;
    } else {
      --node;
      if (h.from < latest_end) data.nodes[node].overlapping = true;
      latest_end = std::max(latest_end, h.to);
    }
    data.intervals.push_back({h.from, h.to, h.service});
  }
}

// Links each prefix to its parent and cuts the family's address space into elementary ranges.
// `prefixes` are the family's nodes' prefixes, in node order (pre-order).
template <typename Key>
void BuildRanges(IndexData& data, PrefixTable<Key>& table,
                 const std::vector<PrefixKey<Key>>& prefixes) {
  std::vector<Key> starts;
  auto emit = [&](Key start, uint32_t node) {
    if (!starts.empty() && starts.back() == start) {
      table.deepest.back() = node;
      size_t n = table.deepest.size();
      if (n >= 2 && table.deepest[n - 2] == node) {
        starts.pop_back();
        table.deepest.pop_back();
      }
      return;
    }
    if (!table.deepest.empty() && table.deepest.back() == node) return;
    starts.push_back(start);
    table.deepest.push_back(node);
  };
  auto last_address = [&](size_t i) {
    return static_cast<Key>(prefixes[i].value | HostMask<Key>(prefixes[i].length));
  };

  // Pre-order walk with the chain of open prefixes on a stack: a prefix closes when the next
  // one starts past its end, and the range after it belongs to its parent.
  std::vector<size_t> open;
  auto close_before = [&](std::optional<Key> next_start) {
    while (!open.empty() && (!next_start || *next_start > last_address(open.back()))) {
      Key end = last_address(open.back());
      open.pop_back();
      if (end == static_cast<Key>(~Key(0))) continue;  // runs to the end of the address space
      emit(static_cast<Key>(end + 1), open.empty() ? kNone : table.first_node + open.back());
    }
  };
  emit(0, kNone);
  for (size_t i = 0; i < prefixes.size(); ++i) {
    close_before(prefixes[i].value);
    uint32_t node = table.first_node + static_cast<uint32_t>(i);
    data.nodes[node].parent = open.empty() ? kNone : table.first_node + open.back();
    emit(prefixes[i].value, node);
    open.push_back(i);
  }
  close_before(std::nullopt);

  table.ranges.Build(starts);
  table.deepest.shrink_to_fit();
}

template <typename Key>
void AddPrefixFamily(IndexData& data, PrefixTable<Key>& table,
                     std::vector<Holding<PrefixKey<Key>>>& holdings) {
  table.first_node = static_cast<uint32_t>(data.nodes.size());
  std::vector<PrefixKey<Key>> prefixes;
  AppendNodes(data, holdings, [&](const PrefixKey<Key>& prefix, Node& node) {
    prefixes.push_back(prefix);
    node.length = prefix.length;
  });
  BuildRanges(data, table, prefixes);
}

template <typename Key>
void SetOwned(PrefixTable<Key>& table, std::vector<std::pair<Key, Key>> ranges) {
  std::sort(ranges.begin(), ranges.end());
  for (const auto& range : ranges) {
    if (!table.owned.empty() && range.first <= table.owned.back().second) {
      table.owned.back().second = std::max(table.owned.back().second, range.second);
    } else {
      table.owned.push_back(range);
    }
  }
}

}  // namespace

std::shared_ptr<const AttributionIndex> AttributionIndex::Build(
    std::span<const InventoryRecord> records, AttributionOptions options) {
  auto data = std::make_unique<IndexData>();
  data->margin = std::max<int64_t>(0, options.ambiguity_margin.count());
  Interner interner(*data);

  // Sort each record into its family, reading the resource again: records may come from
  // anywhere, not only from the parsers.
  std::vector<Holding<PrefixKey<uint32_t>>> v4;
  std::vector<Holding<PrefixKey<Uint128>>> v6;
  std::vector<Holding<std::string>> hosts;
  for (const InventoryRecord& record : records) {
    int64_t from = ToUnixSeconds(record.valid_from);
    int64_t to = record.valid_to ? ToUnixSeconds(*record.valid_to) : kOpenEnd;
    if (to <= from) {
      ++data->skipped;
      continue;
    }
    auto prefix = IpPrefix::Parse(record.resource);
    std::optional<std::string> host;
    if (!prefix) host = NormalizeHostName(record.resource);
    if (!prefix && !host) {
      ++data->skipped;
      continue;
    }

    uint32_t service = interner.ServiceOf(record.service_id, record.customer_id);
    if (prefix && prefix->address.is_v4()) {
      v4.push_back(
          {{prefix->address.v4(), static_cast<uint8_t>(prefix->length)}, from, to, service});
    } else if (prefix) {
      v6.push_back(
          {{prefix->address.value(), static_cast<uint8_t>(prefix->length)}, from, to, service});
    } else {
      hosts.push_back({std::move(*host), from, to, service});
    }
  }

  // Nodes: IPv4 prefixes, then IPv6 prefixes, then host names, then the sentinel.
  AddPrefixFamily(*data, data->v4, v4);
  data->v6.first_node = static_cast<uint32_t>(data->nodes.size());
  AddPrefixFamily(*data, data->v6, v6);
  data->first_host_node = static_cast<uint32_t>(data->nodes.size());
  AppendNodes(*data, hosts, [&](const std::string& name, Node&) {
    data->host_names.push_back(interner.Text(name));
  });
  data->nodes.push_back({kNone, static_cast<uint32_t>(data->intervals.size()), 0, false});

  // Owned networks, when given, replace the inventory's own prefixes as the test of "ours".
  data->owned_given = !options.owned_networks.empty();
  std::vector<std::pair<uint32_t, uint32_t>> owned_v4;
  std::vector<std::pair<Uint128, Uint128>> owned_v6;
  for (const IpPrefix& network : options.owned_networks) {
    if (network.address.is_v4()) {
      uint32_t first = network.address.v4();
      owned_v4.emplace_back(first, first | HostMask<uint32_t>(network.length));
    } else {
      Uint128 first = network.address.value();
      owned_v6.emplace_back(first, first | HostMask<Uint128>(network.length));
    }
  }
  SetOwned(data->v4, std::move(owned_v4));
  SetOwned(data->v6, std::move(owned_v6));

  // The build vectors grew by doubling; give the slack back.
  data->host_names.shrink_to_fit();
  data->nodes.shrink_to_fit();
  data->intervals.shrink_to_fit();
  data->services.shrink_to_fit();
  data->text.shrink_to_fit();

  return std::shared_ptr<const AttributionIndex>(new AttributionIndex(std::move(data)));
}

}  // namespace vigie
