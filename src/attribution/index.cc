#include "attribution/index.h"

#include <libpsl.h>
#include <sys/mman.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <optional>
#include <stdexcept>
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
// Packed to 20 bytes: unaligned reads cost nothing on the machines vigie runs on.
struct __attribute__((packed)) Interval {
  int64_t from;
  int64_t to;
  uint32_t service;
};
static_assert(sizeof(Interval) == 20);

// The same in 12 bytes, for holdings between 1970 and 2106, which is nearly all of them: Unix
// seconds as unsigned 32-bit numbers, `to` == kCompactOpenEnd while still held. A resource whose
// holdings all fit is stored this way, any other with Intervals. Smaller holdings are what lets
// a resource with a few of them fit in one cache line, and so be read in one trip to memory.
struct CompactInterval {
  uint32_t from;
  uint32_t to;
  uint32_t service;
};
static_assert(sizeof(CompactInterval) == 12);
constexpr uint32_t kCompactOpenEnd = std::numeric_limits<uint32_t>::max();

bool FitsCompact(int64_t from, int64_t to) {
  return from >= 0 && from < kCompactOpenEnd && (to == kOpenEnd || to < kCompactOpenEnd);
}

Interval Widen(const CompactInterval& holding) {
  int64_t to = holding.to == kCompactOpenEnd ? kOpenEnd : int64_t{holding.to};
  return {int64_t{holding.from}, to, holding.service};
}

// What starts a resource's entry in the holdings array. Its `count` holdings follow it at once,
// sorted by start, so that the read that finds the resource also brings its first holdings.
struct NodeHeader {
  // A prefix: its parent, the next less specific inventory prefix containing it, or kNone.
  // A host name: its position in IndexData::host_names.
  uint32_t link;
  uint32_t count;    // holdings that follow
  uint8_t length;    // the prefix length; 0 for host names
  bool overlapping;  // some of its holdings overlap each other
  bool wide;         // its holdings are Intervals, not CompactIntervals
  uint8_t unused;

  size_t HoldingSize() const { return wide ? sizeof(Interval) : sizeof(CompactInterval); }
  size_t Size() const { return sizeof(NodeHeader) + size_t{count} * HoldingSize(); }
};
static_assert(sizeof(NodeHeader) == 12);

// The holdings array is addressed in 4-byte words: a node is the word its header starts at.
constexpr size_t kWord = 4;
static_assert(sizeof(NodeHeader) % kWord == 0 && sizeof(Interval) % kWord == 0 &&
              sizeof(CompactInterval) % kWord == 0);

// What the range search keeps for a range: its most specific node, and how many lines of the
// holdings array that node spans, so that a batched lookup can prefetch all of them at once
// rather than find out one line at a time. kNone stays kNone.
constexpr uint32_t kMaxLinesHint = 4;
constexpr uint32_t kMaxNode = (kNone >> 2) - 1;  // beyond it, node refs would reach kNone

constexpr uint32_t NodeOf(uint32_t ref) {
  return ref == kNone ? kNone : ref >> 2;
}
constexpr uint32_t LinesOf(uint32_t ref) {
  return (ref & 3) + 1;
}

// Reads a T stored at any byte of the holdings array.
template <typename T>
T Load(const char* bytes) {
  T value;
  std::memcpy(&value, bytes, sizeof value);
  return value;
}

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

template <typename Key>
constexpr Key kMaxKey = static_cast<Key>(~Key(0));

// The host bits of a prefix of `length` bits, as a mask.
template <typename Key>
Key HostMask(int length) {
  int host_bits = kKeyBits<Key> - length;
  if (host_bits <= 0) return 0;
  if (host_bits >= kKeyBits<Key>) return kMaxKey<Key>;
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

// Writes the decimal digits of `value`, below 1000.
char* WriteDecimal(unsigned value, char* out) {
  if (value >= 100) *out++ = static_cast<char>('0' + value / 100);
  if (value >= 10) *out++ = static_cast<char>('0' + value / 10 % 10);
  *out++ = static_cast<char>('0' + value % 10);
  return out;
}

// Writes "192.0.2.0/24", or "192.0.2.7" for a full-length prefix, as the inventory parser does.
void FormatV4(uint32_t value, int length, std::string& out) {
  char buffer[20];
  char* end = buffer;
  for (int shift = 24; shift >= 0; shift -= 8) {
    end = WriteDecimal((value >> shift) & 0xff, end);
    if (shift > 0) *end++ = '.';
  }
  if (length < 32) {
    *end++ = '/';
    end = WriteDecimal(static_cast<unsigned>(length), end);
  }
  out.assign(buffer, static_cast<size_t>(end - buffer));
}

// Writes "2001:db8::/32", or the bare address for a /128, exactly as IpAddress::ToString and
// IpPrefix::ToString do (and so as the inventory parser does): RFC 5952 text, where the first
// longest run of two or more zero groups becomes "::", with the dotted IPv4 form for IPv4-mapped
// (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses. Written out here because the
// library's formatter goes through printf, which costs more than the whole rest of a lookup.
void FormatV6(Uint128 value, int length, std::string& out) {
  std::array<unsigned, 8> groups;
  for (size_t i = 0; i < groups.size(); ++i) {
    groups[i] = static_cast<unsigned>(value >> (112 - 16 * i)) & 0xffff;
  }
  size_t run = groups.size();  // where the zeros that become "::" start; none: groups.size()
  size_t run_length = 1;       // a single zero group is not shortened
  for (size_t i = 0; i < groups.size();) {
    size_t end = i;
    while (end < groups.size() && groups[end] == 0) ++end;
    if (end - i > run_length) {
      run = i;
      run_length = end - i;
    }
    i = end == i ? i + 1 : end;
  }

  static constexpr char kHex[] = "0123456789abcdef";
  char buffer[64];
  char* end = buffer;
  for (size_t i = 0; i < groups.size(); ++i) {
    if (i >= run && i < run + run_length) {
      if (i == run) *end++ = ':';
      continue;
    }
    if (i != 0) *end++ = ':';
    if (i == 6 && run == 0 && (run_length == 6 || (run_length == 5 && groups[5] == 0xffff))) {
      for (size_t octet = 0; octet < 4; ++octet) {
        if (octet > 0) *end++ = '.';
        end = WriteDecimal(static_cast<unsigned>(value >> (24 - 8 * octet)) & 0xff, end);
      }
      break;
    }
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      unsigned digit = (groups[i] >> shift) & 0xf;
      started |= digit != 0 || shift == 0;
      if (started) *end++ = kHex[digit];
    }
  }
  if (run < groups.size() && run + run_length == groups.size()) *end++ = ':';
  if (length < 128) {
    *end++ = '/';
    end = WriteDecimal(static_cast<unsigned>(length), end);
  }
  out.assign(buffer, static_cast<size_t>(end - buffer));
}

// ---------------------------------------------------------------------------------------------
// Memory for the large arrays
//
// A lookup reads a few random lines of each large array; on an index of tens of megabytes each
// read also misses the address translation, which adds to the wait and limits how many reads can
// be under way at once. So arrays of 2 MiB and more are mapped on their own, 2 MiB-aligned,
// and marked for transparent huge pages (a hint: the system may ignore it). Their last partial
// 2 MiB stays in small pages, so nothing is allocated that is not used. Sanitizer builds keep the
// ordinary heap, where overflows are caught.

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VIGIE_ATTRIBUTION_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define VIGIE_ATTRIBUTION_ASAN 1
#endif

#if defined(MADV_HUGEPAGE) && !defined(VIGIE_ATTRIBUTION_ASAN)
constexpr bool kMapLargeArrays = true;
#else
constexpr bool kMapLargeArrays = false;
#endif

constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kPage = 4096;
constexpr std::align_val_t kLineAlignment{64};

constexpr size_t RoundUp(size_t value, size_t unit) {
  return (value + unit - 1) / unit * unit;
}

bool MappedAlone(size_t bytes) {
  return kMapLargeArrays && bytes >= kHugePage;
}

// The bytes that an array of `bytes` occupies.
size_t FootprintOf(size_t bytes) {
  return MappedAlone(bytes) ? RoundUp(bytes, kPage) : bytes;
}

// Cache-line-aligned memory for `bytes`; large arrays on huge pages where the system has them.
void* AllocateArray(size_t bytes) {
  if (!MappedAlone(bytes)) return ::operator new(bytes, kLineAlignment);
#if defined(MADV_HUGEPAGE)
  // Map 2 MiB more than needed, keep the first 2 MiB-aligned stretch and unmap the rest.
  size_t length = RoundUp(bytes, kPage);
  void* mapped =
      mmap(nullptr, length + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) throw std::bad_alloc();
  auto first = reinterpret_cast<uintptr_t>(mapped);
  uintptr_t start = RoundUp(first, kHugePage);
  uintptr_t end = start + length;
  if (start > first) munmap(mapped, start - first);
  if (first + length + kHugePage > end) {
    munmap(reinterpret_cast<void*>(end), first + length + kHugePage - end);
  }
  madvise(reinterpret_cast<void*>(start), length, MADV_HUGEPAGE);  // a hint: failure is harmless
  return reinterpret_cast<void*>(start);
#else
  return ::operator new(bytes, kLineAlignment);
#endif
}

void FreeArray(void* array, size_t bytes) {
  if (!MappedAlone(bytes)) return ::operator delete(array, kLineAlignment);
  munmap(array, RoundUp(bytes, kPage));
}

template <typename T>
struct ArrayAllocator {
  using value_type = T;
  static_assert(alignof(T) <= 64);

  ArrayAllocator() = default;
  template <typename U>
  ArrayAllocator(const ArrayAllocator<U>&) {}  // NOLINT: implicit, as allocators are

  T* allocate(size_t n) { return static_cast<T*>(AllocateArray(n * sizeof(T))); }
  void deallocate(T* p, size_t n) { FreeArray(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const ArrayAllocator<U>&) const {
    return true;
  }
};

// A vector for the index's arrays: filled once, at its final size, and then only read.
template <typename T>
using Array = std::vector<T, ArrayAllocator<T>>;

template <typename T>
size_t Footprint(const Array<T>& array) {
  return FootprintOf(array.capacity() * sizeof(T));
}

// ---------------------------------------------------------------------------------------------
// The range search

// A sorted array of range starts, each with a 32-bit value, searched for the last start not
// after an address. Starts and values sit together in leaves of kLeaf entries (one 64-byte line
// for IPv4), so that the leaf a search ends in is, most of the time, the only line it reads
// from memory. Above the leaves is a static tree: its lowest level holds the first start of each
// leaf, each level above samples every 16th entry of the one below, and a search reads one
// 16-entry block per level. Those levels are small enough to stay in cache.
//
// A large IPv4 table also has a direct table on the address's top 16 bits, which replaces the
// levels above the lowest (they cost more in compares than in memory). Its entry for a /16 is
// where to scan 16 entries of the lowest level, when every leaf that the /16 can end in lies
// within them; else, for a /16 cut into many ranges, kDense and the number of a subtable of 256
// entries that does the same on the next 8 bits; else kNone, and the search goes down the
// levels. With 16-bit and 8-bit steps the tables stay small (256 KiB, plus 1 KiB per dense /16)
// and most of it stays in cache.
template <typename Key>
class RangeSearch {
 public:
  static constexpr size_t kLeaf = sizeof(Key) == 4 ? 8 : 4;
  static constexpr size_t kFanout = 16;
  // Below this many ranges the levels are few, and a direct table would be most of the memory.
  static constexpr size_t kDirectTableMinRanges = 32768;

  struct alignas(sizeof(Key) == 4 ? 64 : 16) Leaf {
    Key starts[kLeaf];
    uint32_t values[kLeaf];
  };

  // REQUIRES: `starts` sorted, unique, starting with 0; as many `values`. Cheap to call on few
  // starts; on many IPv4 ones it also builds the direct table (65,536 searches).
  void Build(const std::vector<Key>& starts, const std::vector<uint32_t>& values) {
    size_t size = starts.size();
    std::vector<Leaf> leaves((size + kLeaf - 1) / kLeaf);
    std::vector<Key> firsts;
    for (size_t i = 0; i < leaves.size() * kLeaf; ++i) {
      // The padding after the last start is the largest key with the last value: a search
      // that counts it (only one for the largest key) gets the right answer all the same.
      Leaf& leaf = leaves[i / kLeaf];
      leaf.starts[i % kLeaf] = i < size ? starts[i] : kMaxKey<Key>;
      leaf.values[i % kLeaf] = values[std::min(i, size - 1)];
      if (i % kLeaf == 0) firsts.push_back(leaf.starts[0]);
    }
    leaves_.assign(leaves.begin(), leaves.end());

    levels_.clear();
    sizes_.clear();
    for (;;) {
      levels_.push_back(Padded(firsts));
      sizes_.push_back(firsts.size());
      if (firsts.size() <= kFanout) break;
      std::vector<Key> above;
      for (size_t i = 0; i < firsts.size(); i += kFanout) above.push_back(firsts[i]);
      firsts = std::move(above);
    }

    direct_.clear();
    subtables_.clear();
    if constexpr (sizeof(Key) == 4) {
      if (size >= kDirectTableMinRanges) BuildDirectTable();
    }
  }

  // The value of the last start not after `x`.
  uint32_t Find(Key x) const { return InLeaf(LeafOf(x), x); }
  size_t LeafOf(Key x) const { return LeafIn(LowestBlock(x), x); }

  // Find in steps, for callers that overlap the memory reads of several searches: the direct
  // table and the upper levels mostly stay in cache, while the lowest block and the leaf are
  // each a line that may have to come from memory, so each is prefetched a step before it is
  // read. LowestBlock returns where the 16 entries of the lowest level to scan begin.
  size_t LowestBlock(Key x) const {
    if constexpr (sizeof(Key) == 4) {
      if (!direct_.empty()) {
        uint32_t entry = direct_[x >> 16];
        if (entry & kDense) entry = subtables_[size_t{entry & ~kDense} * 256 + (x >> 8 & 0xff)];
        if (entry != kNone) return entry;  // else the /24 has too many ranges: use the levels
      }
    }
    size_t begin = 0;
    for (size_t level = levels_.size(); level-- > 1;) {
      begin = LastInBlock(levels_[level].data(), sizes_[level], begin, x) * kFanout;
    }
    return begin;
  }
  void PrefetchLowest(size_t begin) const {
    // The block may begin anywhere in a line when the direct table chose it.
    const char* first = reinterpret_cast<const char*>(levels_[0].data() + begin);
    for (size_t offset = 0; offset < kFanout * sizeof(Key); offset += 64) {
      __builtin_prefetch(first + offset);
    }
    __builtin_prefetch(first + kFanout * sizeof(Key) - 1);
  }
  size_t LeafIn(size_t begin, Key x) const {
    return LastInBlock(levels_[0].data(), sizes_[0], begin, x);
  }
  void PrefetchLeaf(size_t leaf) const {
    const char* first = reinterpret_cast<const char*>(&leaves_[leaf]);
    __builtin_prefetch(first);
    if constexpr (sizeof(Leaf) > 64) __builtin_prefetch(first + sizeof(Leaf) - 1);
  }
  // The leaf's first start is not after `x`, so at least one start counts.
  uint32_t InLeaf(size_t leaf, Key x) const {
    const Leaf& l = leaves_[leaf];
    return l.values[CountNotAfter<kLeaf>(l.starts, x) - 1];
  }

  size_t MemoryBytes() const {
    size_t bytes = Footprint(leaves_) + levels_.capacity() * sizeof(levels_[0]) +
                   sizes_.capacity() * sizeof(size_t);
    for (const auto& level : levels_) bytes += Footprint(level);
    return bytes + Footprint(direct_) + Footprint(subtables_);
  }

 private:
  // In direct_: a subtable's number follows. (Indexes into the lowest level stay far below.)
  static constexpr uint32_t kDense = uint32_t{1} << 31;

  // See the class comment. An entry for the addresses [first, last] is where the lowest-level
  // scan begins, if the leaves those addresses can end in fit in one scan.
  void BuildDirectTable() {
    auto scan_for = [this](uint32_t first, uint32_t last) {
      size_t low = LeafOf(first);
      return LeafOf(last) - low < kFanout ? static_cast<uint32_t>(low) : kNone;
    };
    std::vector<uint32_t> direct(size_t{1} << 16);
    std::vector<uint32_t> subtables;
    for (uint32_t top = 0; top < direct.size(); ++top) {
      uint32_t first = top << 16;
      direct[top] = scan_for(first, first | 0xffff);
      if (direct[top] != kNone) continue;
      direct[top] = kDense | static_cast<uint32_t>(subtables.size() / 256);
      for (uint32_t next = 0; next < 256; ++next) {
        subtables.push_back(scan_for(first | next << 8, first | next << 8 | 0xff));
      }
    }
    direct_.assign(direct.begin(), direct.end());
    subtables_.assign(subtables.begin(), subtables.end());
  }

  // A level padded with the largest key to whole blocks, so that a block is always kFanout keys
  // and its search a fixed loop that the compiler unrolls and vectorises. One more block of
  // padding lets a scan that the direct table starts anywhere read 16 keys.
  static Array<Key> Padded(const std::vector<Key>& keys) {
    Array<Key> out;
    out.reserve(RoundUp(keys.size(), kFanout) + kFanout);
    out.assign(keys.begin(), keys.end());
    out.resize(out.capacity(), kMaxKey<Key>);
    return out;
  }

  // Counting rather than branching: the block is sorted, so the keys not after `x` are a
  // prefix of it, and the count is that prefix's length. Padding counts only when `x` is the
  // largest key, hence the clamp to the real size.
  static size_t LastInBlock(const Key* keys, size_t size, size_t begin, Key x) {
    return std::min(begin + CountNotAfter<kFanout>(keys + begin, x) - 1, size - 1);
  }

  // How many of the N sorted keys at `keys` are not after `x`.
  template <size_t N>
  static size_t CountNotAfter(const Key* keys, Key x) {
#if defined(__SSE2__)
    if constexpr (sizeof(Key) == 4 && N % 4 == 0 && N <= 16) {
      // Four keys at a time; SSE2 compares signed, so both sides are offset by 2^31 first.
      const __m128i flip = _mm_set1_epi32(std::numeric_limits<int32_t>::min());
      const __m128i wanted = _mm_xor_si128(_mm_set1_epi32(static_cast<int32_t>(x)), flip);
      unsigned after = 0;  // bit i: key i is after `x`; being sorted, these are the high bits
      for (size_t i = 0; i < N; i += 4) {
        __m128i four = _mm_loadu_si128(reinterpret_cast<const __m128i*>(keys + i));
        __m128i greater = _mm_cmpgt_epi32(_mm_xor_si128(four, flip), wanted);
        after |= static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(greater))) << i;
      }
      return static_cast<size_t>(__builtin_ctz(after | (1u << N)));
    }
#endif
    size_t count = 0;
    for (size_t i = 0; i < N; ++i) count += keys[i] <= x ? 1 : 0;
    return count;
  }

  Array<Leaf> leaves_;
  std::vector<Array<Key>> levels_;  // [0] holds each leaf's first start, [1] samples [0], ...
  std::vector<size_t> sizes_;       // the size of each level without padding
  Array<uint32_t> direct_;          // IPv4 only, on large tables: see the class comment
  Array<uint32_t> subtables_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// The index's arrays

namespace attribution_internal {

// The elementary ranges of one address family (see the header).
template <typename Key>
struct PrefixTable {
  RangeSearch<Key> ranges;  // per range: its first address, and a ref to its most specific node
  std::vector<std::pair<Key, Key>> owned;  // owned networks as merged [first, last] ranges

  bool Owned(Key address) const {
    auto it = std::upper_bound(owned.begin(), owned.end(), address,
                               [](Key value, const auto& range) { return value < range.first; });
    return it != owned.begin() && address <= std::prev(it)->second;
  }

  size_t MemoryBytes() const {
    return ranges.MemoryBytes() + owned.capacity() * sizeof(std::pair<Key, Key>);
  }
};

struct HostName {
  TextRef name;
  uint32_t node;
};

// What the quick pass of a lookup finds in the common case: `service` held `node` across the
// whole margin window. Nothing is formatted yet: a batch writes the text at its end.
struct Holder {
  uint32_t node = kNone;  // kNone: not found the quick way; the window must be replayed
  uint32_t service = kNone;
};

struct IndexData {
  int64_t margin = 0;  // seconds
  bool owned_given = false;
  size_t skipped = 0;
  size_t holding_count = 0;

  PrefixTable<uint32_t> v4;
  PrefixTable<Uint128> v6;
  // Nodes of IPv4 prefixes come first in `holdings`, then those of IPv6 prefixes, then host
  // names.
  uint32_t first_v6_node = 0;
  uint32_t first_host_node = 0;
  std::vector<HostName> host_names;  // sorted by name

  Array<char> holdings;  // per node: a NodeHeader, then its holdings (see NodeHeader::wide)
  Array<Service> services;
  std::string text;  // the arena: long ids and host names

  const char* NodeAt(uint32_t node) const { return holdings.data() + size_t{node} * kWord; }
  NodeHeader Header(uint32_t node) const { return Load<NodeHeader>(NodeAt(node)); }

  // Starts reading the lines of a node, its header and holdings, as a node ref tells them.
  void PrefetchNode(uint32_t ref) const {
    auto line = reinterpret_cast<uintptr_t>(NodeAt(NodeOf(ref))) & ~uintptr_t{63};
    for (uint32_t i = 0; i < LinesOf(ref); ++i) {
      __builtin_prefetch(reinterpret_cast<const char*>(line + 64 * i));
    }
  }
  void PrefetchService(uint32_t service) const {
    const char* first = reinterpret_cast<const char*>(&services[service]);
    __builtin_prefetch(first);
    __builtin_prefetch(first + sizeof(Service) - 1);
  }

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

  // Calls visit(holding) for each holding of `node` that overlaps the instants [low, high].
  template <typename Visit>
  void ForEachHolding(uint32_t node, int64_t low, int64_t high, Visit&& visit) const {
    const char* entry = NodeAt(node);
    auto header = Load<NodeHeader>(entry);
    const char* first = entry + sizeof(NodeHeader);
    if (header.wide) {
      return ScanHoldings(header, low, high, visit, [first](uint32_t k) {
        return Load<Interval>(first + size_t{k} * sizeof(Interval));
      });
    }
    ScanHoldings(header, low, high, visit, [first](uint32_t k) {
      return Widen(Load<CompactInterval>(first + size_t{k} * sizeof(CompactInterval)));
    });
  }
  // ForEachHolding once the format is known: holding(k) reads the k-th holding.
  template <typename Visit, typename Read>
  static void ScanHoldings(const NodeHeader& header, int64_t low, int64_t high, Visit& visit,
                           Read holding) {
    uint32_t begin = 0;
    if (header.count > kLinearScanLimit && !header.overlapping) {
      // Disjoint holdings sorted by start are sorted by end too: skip those ended by `low`.
      uint32_t end = header.count;
      while (begin < end) {
        uint32_t middle = begin + (end - begin) / 2;
        if (holding(middle).to <= low) {
          begin = middle + 1;
        } else {
          end = middle;
        }
      }
    }
    for (uint32_t k = begin; k < header.count; ++k) {
      Interval i = holding(k);
      if (i.from > high) break;
      if (i.to > low) visit(i);
    }
  }

  // Writes the inventory resource of `node`, normalised. `address` is the address looked up,
  // which the node's prefix contains; it is not used for host names.
  void WriteResource(uint32_t node, Uint128 address, std::string& out) const {
    NodeHeader header = Header(node);
    int length = header.length;
    if (node < first_v6_node) {
      auto v4_address = static_cast<uint32_t>(address);
      return FormatV4(v4_address & ~HostMask<uint32_t>(length), length, out);
    }
    if (node < first_host_node) return FormatV6(address & ~HostMask<Uint128>(length), length, out);
    out.assign(Text(host_names[header.link].name));
  }

  uint32_t FindHost(std::string_view name) const {
    auto it = std::lower_bound(
        host_names.begin(), host_names.end(), name,
        [this](const HostName& host, std::string_view key) { return Text(host.name) < key; });
    if (it == host_names.end() || Text(it->name) != name) return kNone;
    return it->node;
  }

  // Answers by filling `out` in place, so that a batch reuses its strings' storage.
  void Attributed(Holder holder, Uint128 address, Attribution& out) const {
    auto [service_id, customer_id] = Ids(holder.service);
    out.result = AttributionResult::kAttributed;
    out.customer_id.assign(customer_id);
    out.service_id.assign(service_id);
    WriteResource(holder.node, address, out.matched);
    out.candidates.clear();
  }

  // The answer for the resources `walk` yields, most specific first; `address` is as for
  // WriteResource().
  template <typename Walk>
  void Evaluate(const Walk& walk, Uint128 address, int64_t at, Attribution& out) const {
    Holder holder = QuickHolder(walk, at);
    if (holder.node != kNone) return Attributed(holder, address, out);
    EvaluateWindow(walk, address, at, out);
  }
  template <typename Walk>
  Holder QuickHolder(Walk walk, int64_t at) const;
  template <typename Walk>
  void EvaluateWindow(Walk walk, Uint128 address, int64_t at, Attribution& out) const;

  // Whether `address` is ours, given its most specific node.
  template <typename Key>
  bool Ours(const PrefixTable<Key>& table, Key address, uint32_t node) const {
    return owned_given ? table.Owned(address) : node != kNone;
  }
  template <typename Key>
  void ResolveKey(const PrefixTable<Key>& table, Key address, int64_t at, Attribution& out) const;
};

}  // namespace attribution_internal

using attribution_internal::Holder;
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
    if (node != kNone) next_ = data_->Header(node).link;
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
Holder IndexData::QuickHolder(Walk walk, int64_t at) const {
  int64_t low = SaturatingAdd(at, -margin);
  int64_t high = SaturatingAdd(at, margin);
  uint32_t winner = kNone;
  uint32_t service = kNone;  // the only service seen in the window so far
  bool mixed = false;        // more than one service seen in the window

  for (uint32_t node = walk.Next(); node != kNone; node = walk.Next()) {
    bool covers_window = false;
    bool holds = false;
    ForEachHolding(node, low, high, [&](const Interval& i) {
      if (service == kNone) service = i.service;
      mixed |= i.service != service;
      holds |= i.from <= at && at < i.to;
      covers_window |= i.from <= low && i.to > high;
    });
    if (holds && winner == kNone) winner = node;
    if (mixed || covers_window) break;
  }
  if (winner == kNone || mixed) return {};
  return {winner, service};
}

// Replays who held the target over [low, high]: the holder can change only where a holding on
// the path starts or ends, so it is enough to look at `low`, at the instant, and at each of
// those. `walk` starts from the most specific resource.
template <typename Walk>
void IndexData::EvaluateWindow(Walk walk, Uint128 address, int64_t at, Attribution& out) const {
  int64_t low = SaturatingAdd(at, -margin);
  int64_t high = SaturatingAdd(at, margin);
  struct Seen {
    size_t depth;
    uint32_t node;
    Interval holding;
  };
  std::vector<Seen> seen;
  std::vector<int64_t> instants = {low};
  size_t depth = 0;
  for (uint32_t node = walk.Next(); node != kNone; node = walk.Next(), ++depth) {
    bool covers_window = false;
    ForEachHolding(node, low, high, [&](const Interval& i) {
      seen.push_back({depth, node, i});
      if (i.from > low) instants.push_back(i.from);
      if (i.to <= high) instants.push_back(i.to);
      covers_window |= i.from <= low && i.to > high;
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
      if (s.holding.from <= when && when < s.holding.to) best = std::min(best, s.depth);
    }
    for (const Seen& s : seen) {
      const Interval& i = s.holding;
      if (s.depth != best || i.from > when || when >= i.to) continue;
      if (when == at) winner = s.node;
      if (std::find(candidates.begin(), candidates.end(), i.service) == candidates.end()) {
        candidates.push_back(i.service);
      }
    }
  };
  add_holders(at);
  for (int64_t when : instants) add_holders(when);

  if (winner != kNone && candidates.size() == 1) {
    return Attributed({winner, candidates.front()}, address, out);
  }
  if (winner == kNone) {
    Reset(out, AttributionResult::kUnknown);
  } else {
    Reset(out, AttributionResult::kAmbiguous);
    WriteResource(winner, address, out.matched);
  }
  for (uint32_t service : candidates) out.candidates.emplace_back(Ids(service).first);
}

template <typename Key>
void IndexData::ResolveKey(const PrefixTable<Key>& table, Key address, int64_t at,
                           Attribution& out) const {
  uint32_t node = NodeOf(table.ranges.Find(address));
  if (!Ours(table, address, node)) return Reset(out, AttributionResult::kNotOurs);
  Evaluate(ParentWalk(*this, node), static_cast<Uint128>(address), at, out);
}

Attribution AttributionIndex::ResolveIp(const IpAddress& ip, Instant at) const {
  int64_t when = ToUnixSeconds(at);
  Attribution out;
  if (ip.is_v4()) {
    data_->ResolveKey(data_->v4, ip.v4(), when, out);
  } else {
    data_->ResolveKey(data_->v6, ip.value(), when, out);
  }
  return out;
}

void AttributionIndex::ResolveIps(std::span<const IpQuery> queries,
                                  std::span<Attribution> out) const {
  // Queries go through in groups, one step at a time for the whole group: each step starts the
  // memory reads that the next one needs, and by the time the next step comes back to a query,
  // the reads of the whole group have been under way together instead of one after another.
  constexpr size_t kGroup = 32;
  const IndexData& d = *data_;
  size_t count = std::min(queries.size(), out.size());
  std::array<uint32_t, kGroup> step;  // the lowest block, the leaf, then the most specific node
  std::array<Holder, kGroup> holder;
  std::array<bool, kGroup> done;

  for (size_t base = 0; base < count; base += kGroup) {
    size_t size = std::min(kGroup, count - base);
    const IpQuery* query = queries.data() + base;
    Attribution* answer = out.data() + base;

    // The lowest block of the range search, through the direct table or the levels above,
    // which stay in cache.
    for (size_t i = 0; i < size; ++i) {
      const IpAddress& ip = query[i].ip;
      size_t begin = 0;
      if (ip.is_v4()) {
        begin = d.v4.ranges.LowestBlock(ip.v4());
        d.v4.ranges.PrefetchLowest(begin);
      } else {
        begin = d.v6.ranges.LowestBlock(ip.value());
        d.v6.ranges.PrefetchLowest(begin);
      }
      step[i] = static_cast<uint32_t>(begin);
    }

    // The leaf.
    for (size_t i = 0; i < size; ++i) {
      const IpAddress& ip = query[i].ip;
      size_t leaf = 0;
      if (ip.is_v4()) {
        leaf = d.v4.ranges.LeafIn(step[i], ip.v4());
        d.v4.ranges.PrefetchLeaf(leaf);
      } else {
        leaf = d.v6.ranges.LeafIn(step[i], ip.value());
        d.v6.ranges.PrefetchLeaf(leaf);
      }
      step[i] = static_cast<uint32_t>(leaf);
    }

    // The most specific node, and whether the address is ours at all.
    for (size_t i = 0; i < size; ++i) {
      const IpAddress& ip = query[i].ip;
      uint32_t ref = ip.is_v4() ? d.v4.ranges.InLeaf(step[i], ip.v4())
                                : d.v6.ranges.InLeaf(step[i], ip.value());
      uint32_t node = NodeOf(ref);
      done[i] = ip.is_v4() ? !d.Ours(d.v4, ip.v4(), node) : !d.Ours(d.v6, ip.value(), node);
      if (done[i]) Reset(answer[i], AttributionResult::kNotOurs);
      if (!done[i] && node != kNone) d.PrefetchNode(ref);
      step[i] = node;
    }

    // The holder the quick way; anything less simple is answered in full here.
    for (size_t i = 0; i < size; ++i) {
      if (done[i]) continue;
      holder[i] = d.QuickHolder(ParentWalk(d, step[i]), ToUnixSeconds(query[i].at));
      if (holder[i].node != kNone) {
        d.PrefetchService(holder[i].service);
        continue;
      }
      d.EvaluateWindow(ParentWalk(d, step[i]), query[i].ip.value(), ToUnixSeconds(query[i].at),
                       answer[i]);
      done[i] = true;
    }

    // The text of the answers.
    for (size_t i = 0; i < size; ++i) {
      if (!done[i]) d.Attributed(holder[i], query[i].ip.value(), answer[i]);
    }
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
  return data_->holding_count;
}

size_t AttributionIndex::skipped_records() const {
  return data_->skipped;
}

size_t AttributionIndex::memory_bytes() const {
  const IndexData& d = *data_;
  return sizeof(AttributionIndex) + sizeof(IndexData) + d.v4.MemoryBytes() + d.v6.MemoryBytes() +
         d.host_names.capacity() * sizeof(attribution_internal::HostName) + Footprint(d.holdings) +
         Footprint(d.services) + d.text.capacity();
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
    it->second = static_cast<uint32_t>(services.size());

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
    services.push_back(service);
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

  std::vector<Service> services;

 private:
  IndexData& data_;
  std::unordered_map<std::string, TextRef> texts_;
  std::unordered_map<std::string, uint32_t> services_;
};

// The holdings array while it is built.
class HoldingsWriter {
 public:
  uint32_t next_node() const {
    if (bytes_.size() / kWord > kMaxNode) {
      throw std::length_error("attribution index: more holdings than the index can address");
    }
    return static_cast<uint32_t>(bytes_.size() / kWord);
  }
  void Append(const void* bytes, size_t size) {
    const char* first = static_cast<const char*>(bytes);
    bytes_.insert(bytes_.end(), first, first + size);
  }
  void SetLink(uint32_t node, uint32_t link) {
    std::memcpy(bytes_.data() + size_t{node} * kWord + offsetof(NodeHeader, link), &link,
                sizeof link);
  }
  // The ref of `node` for the range search (see NodeOf).
  uint32_t RefOf(uint32_t node) const {
    if (node == kNone) return kNone;
    size_t first = size_t{node} * kWord;
    auto header = Load<NodeHeader>(bytes_.data() + first);
    size_t last = first + header.Size() - 1;
    auto lines = static_cast<uint32_t>(std::min<size_t>(last / 64 - first / 64 + 1, kMaxLinesHint));
    return node << 2 | (lines - 1);
  }
  const std::vector<char>& bytes() const { return bytes_; }

 private:
  std::vector<char> bytes_;
};

// Groups holdings into nodes: one node per distinct resource, its holdings after it, sorted by
// start. `on_node` receives each distinct resource, its node and its header to complete.
template <typename Resource, typename OnNode>
void AppendNodes(HoldingsWriter& out, std::vector<Holding<Resource>>& holdings, OnNode&& on_node) {
  std::sort(holdings.begin(), holdings.end(), [](const auto& a, const auto& b) {
    return std::tie(a.resource, a.from, a.to, a.service) <
           std::tie(b.resource, b.from, b.to, b.service);
  });
  for (size_t first = 0, last = 0; first < holdings.size(); first = last) {
    bool overlapping = false;
    bool wide = !FitsCompact(holdings[first].from, holdings[first].to);
    int64_t latest_end = holdings[first].to;
    for (last = first + 1;
         last < holdings.size() && holdings[last].resource == holdings[first].resource; ++last) {
      overlapping |= holdings[last].from < latest_end;
      wide |= !FitsCompact(holdings[last].from, holdings[last].to);
      latest_end = std::max(latest_end, holdings[last].to);
    }

    NodeHeader header{};
    header.link = kNone;
    header.count = static_cast<uint32_t>(last - first);
    header.overlapping = overlapping;
    header.wide = wide;
    uint32_t node = out.next_node();
    on_node(holdings[first].resource, node, header);
    out.Append(&header, sizeof header);
    for (size_t i = first; i < last; ++i) {
      const auto& h = holdings[i];
      if (wide) {
        Interval holding{h.from, h.to, h.service};
        out.Append(&holding, sizeof holding);
      } else {
        uint32_t to = h.to == kOpenEnd ? kCompactOpenEnd : static_cast<uint32_t>(h.to);
        CompactInterval holding{static_cast<uint32_t>(h.from), to, h.service};
        out.Append(&holding, sizeof holding);
      }
    }
  }
}

// Links each prefix to its parent and cuts the family's address space into elementary ranges.
// `prefixes` are the family's prefixes in pre-order, and `nodes` their nodes.
template <typename Key>
void BuildRanges(HoldingsWriter& holdings, PrefixTable<Key>& table,
                 const std::vector<PrefixKey<Key>>& prefixes, const std::vector<uint32_t>& nodes) {
  std::vector<Key> starts;
  std::vector<uint32_t> deepest;
  auto emit = [&](Key start, uint32_t node) {
    if (!starts.empty() && starts.back() == start) {
      deepest.back() = node;
      size_t n = deepest.size();
      if (n >= 2 && deepest[n - 2] == node) {
        starts.pop_back();
        deepest.pop_back();
      }
      return;
    }
    if (!deepest.empty() && deepest.back() == node) return;
    starts.push_back(start);
    deepest.push_back(node);
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
      if (end == kMaxKey<Key>) continue;  // runs to the end of the address space
      emit(static_cast<Key>(end + 1), open.empty() ? kNone : nodes[open.back()]);
    }
  };
  emit(0, kNone);
  for (size_t i = 0; i < prefixes.size(); ++i) {
    close_before(prefixes[i].value);
    holdings.SetLink(nodes[i], open.empty() ? kNone : nodes[open.back()]);
    emit(prefixes[i].value, nodes[i]);
    open.push_back(i);
  }
  close_before(std::nullopt);

  for (uint32_t& node : deepest) node = holdings.RefOf(node);
  table.ranges.Build(starts, deepest);
}

template <typename Key>
void AddPrefixFamily(HoldingsWriter& holdings, PrefixTable<Key>& table,
                     std::vector<Holding<PrefixKey<Key>>>& list) {
  std::vector<PrefixKey<Key>> prefixes;
  std::vector<uint32_t> nodes;
  AppendNodes(holdings, list, [&](const PrefixKey<Key>& prefix, uint32_t node, NodeHeader& header) {
    prefixes.push_back(prefix);
    nodes.push_back(node);
    header.length = prefix.length;
  });
  BuildRanges(holdings, table, prefixes, nodes);
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
  data->holding_count = v4.size() + v6.size() + hosts.size();

  // Nodes: IPv4 prefixes, then IPv6 prefixes, then host names.
  HoldingsWriter holdings;
  AddPrefixFamily(holdings, data->v4, v4);
  data->first_v6_node = holdings.next_node();
  AddPrefixFamily(holdings, data->v6, v6);
  data->first_host_node = holdings.next_node();
  AppendNodes(holdings, hosts, [&](const std::string& name, uint32_t node, NodeHeader& header) {
    header.link = static_cast<uint32_t>(data->host_names.size());
    data->host_names.push_back({interner.Text(name), node});
  });
  data->holdings.assign(holdings.bytes().begin(), holdings.bytes().end());
  data->services.assign(interner.services.begin(), interner.services.end());

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
  data->text.shrink_to_fit();

  return std::shared_ptr<const AttributionIndex>(new AttributionIndex(std::move(data)));
}

}  // namespace vigie
