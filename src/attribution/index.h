// The in-memory temporal index that answers "whose service held this target at that instant?".
//
// Example:
//
//   ParsedInventory inventory = ParseInventoryCsv(text);
//   auto index = AttributionIndex::Build(inventory.records);
//   Attribution who = index->Resolve(report_target, report_observed.instant);
//   if (who.result == AttributionResult::kAttributed) Notify(who.customer_id, who.service_id);
//
// Rules (see "Attribution" in the product brief):
//
//   * An IP address goes to the longest inventory prefix that contains it and has a holding
//     [valid_from, valid_to) that contains the instant. A /32 held by B inside a /24 held by A
//     is B's while B holds it, and A's before and after.
//   * A host name goes to the inventory name equal to it, else to the nearest parent name that
//     is held at the instant, climbing no higher than the registrable domain of the public
//     suffix list (the system list, else libpsl's built-in one). A public suffix is never
//     matched, so "co.uk" in the inventory attributes nothing.
//   * A URL goes by its host: the IP literal or the name.
//
// Results:
//
//   kAttributed  one service held the target during the whole margin window
//                [at - ambiguity_margin, at + ambiguity_margin]: customer_id, service_id and
//                matched (the inventory resource, normalised) are set.
//   kAmbiguous   a service held it at the instant, but during the window the holder was another
//                service at some point (a holding started or ended nearby, on the same resource
//                or a more or less specific one), or two services' holdings overlap at the
//                instant. `candidates` lists every service that held it during the window, the
//                holder at the instant first; `matched` is the resource held at the instant;
//                customer_id and service_id stay empty: the team decides.
//   kNotOurs     an IP outside every owned network, or a host none of whose names up to the
//                registrable domain is in the inventory at any time.
//   kUnknown     ours, but nothing held it at the instant (a gap). `candidates` lists, as a hint
//                for the team, the services that held it within the margin window, if any.
//
// Owned networks are `AttributionOptions::owned_networks` when given, which is then
// authoritative: an address outside them is not ours even if an inventory prefix covers it.
// Otherwise they are every prefix that appears anywhere in the inventory.
//
// Design. The index is built once and never changes; the owner keeps it current by building a
// new one from the refreshed inventory and swapping the shared_ptr (readers holding the old one
// finish with it). Everything lives in a few flat arrays, laid out so that a lookup reads as few
// cache lines as possible, since on a large inventory each one is a trip to main memory:
//
//   * Each distinct resource (prefix or host name) is a node in one holdings array: a 12-byte
//     header (parent, number of holdings, prefix length; the prefix itself is the looked-up
//     address masked to that length, so it is not stored) followed at once by its holdings,
//     sorted by start. A holding is 12 bytes: two 32-bit Unix times and a service number. A
//     resource with any holding outside 1970-2106 keeps all of its holdings in 20 bytes, with
//     64-bit times. The read that finds a resource brings its holdings with it: a short scan,
//     or a binary search on a long history, finds those at an instant.
//   * Services are interned: one 24-byte record per distinct (service id, customer id) pair,
//     holding both ids inline when they fit together in 22 bytes (so naming the holder is one
//     memory read), else pointing into a shared text arena. Customer names and emails are not
//     kept: an attribution needs only the ids.
//   * Inventory prefixes of one address family are nested or disjoint, so they form a forest.
//     Their boundaries cut the address space into at most 2n+1 elementary ranges, each stored
//     as its first address and the most specific prefix covering it (a node, or none). Starts
//     and nodes sit together in leaves of 8 (one line for IPv4), found through a static 16-way
//     tree over the leaves' first starts whose upper levels stay in cache; a large IPv4 table
//     also has a direct table on the top 16 bits of the address (and 8 more for /16s cut into
//     many ranges) that replaces those levels. From the node the lookup climbs parent links,
//     reading each parent only if needed, until a prefix holds at the instant.
//   * Host names are nodes sorted by name; a lookup binary-searches each candidate name from
//     the host itself up to its registrable domain.
//   * Arrays of 2 MiB or more are mapped on huge pages where the system allows it (Linux
//     transparent huge pages in "madvise" or "always" mode), which cuts the address
//     translation misses of random reads.
//   * Memory: about 49 bytes per holding on a million holdings with a distinct service each
//     (see docs/performance.md); less where services hold several resources or many times.
//
// The margin check costs nothing extra in the common case: the same pass that finds the holder
// looks for a holding by another service near the instant, and stops at the first resource
// held across the whole window, since everything less specific is hidden behind it. Only when
// two services show up is the window replayed change by change.
//
// ResolveIps takes lookups in groups of 32 and runs each step for the whole group before the
// next one (the range search, then the node and its holdings, then the holder's ids), each
// step prefetching the lines the next one reads, so that the waits for memory of the group
// overlap instead of adding up. The ids and the matched resource are written as text only at
// the end. That is what makes it several times faster in bulk than ResolveIp in a loop.
//
// Thread safety: Build is a pure function; a built index is immutable, and any number of
// threads may call its const methods at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "attribution/inventory.h"
#include "core/net.h"
#include "core/report.h"
#include "core/target.h"
#include "core/time.h"

namespace vigie {
namespace attribution_internal {
struct IndexData;
}  // namespace attribution_internal

struct AttributionOptions {
  // How close to the instant a change of holder makes the attribution ambiguous. Zero resolves
  // strictly by instant.
  std::chrono::seconds ambiguity_margin{std::chrono::minutes(30)};
  // The provider's address space. Empty: derived from the inventory's prefixes.
  std::vector<IpPrefix> owned_networks;
};

// One address to resolve at one instant, for AttributionIndex::ResolveIps.
struct IpQuery {
  IpAddress ip;
  Instant at;
};

class AttributionIndex {
 public:
  // Builds an index of `records`. Records normally come from the inventory parsers, already
  // checked; a record whose resource is neither an IP prefix nor a host name, or whose valid_to
  // is not after valid_from, is left out and counted in skipped_records(). Records are copied:
  // the span need not outlive the call. Throws std::length_error if the holdings outgrow what
  // the index can address (4 GiB of them, some 300 million holdings).
  static std::shared_ptr<const AttributionIndex> Build(std::span<const InventoryRecord> records,
                                                       AttributionOptions options = {});

  ~AttributionIndex();
  AttributionIndex(const AttributionIndex&) = delete;
  AttributionIndex& operator=(const AttributionIndex&) = delete;

  // Resolves a report target at instant `at`: by its IP for an IP or a URL with an IP literal,
  // else by its host name.
  Attribution Resolve(const Target& target, Instant at) const;

  Attribution ResolveIp(const IpAddress& ip, Instant at) const;

  // Resolves many addresses at once: out[i] is what ResolveIp(queries[i].ip, queries[i].at)
  // returns. Several times faster in bulk (a report's targets, a trusted source's feed,
  // re-attributing open cases after an inventory refresh), because the memory reads of several
  // queries overlap instead of waiting for one another; from 32 queries on it runs at full
  // speed. Only min(queries.size(), out.size()) entries are resolved; `out` entries are
  // overwritten in place, reusing their strings' storage.
  void ResolveIps(std::span<const IpQuery> queries, std::span<Attribution> out) const;

  // `ascii_host` is a host name as Target::host holds it (lower-case A-labels). Upper case, a
  // trailing dot or U-labels are normalised first; an IP literal resolves as ResolveIp. A name
  // that cannot be normalised is kNotOurs.
  Attribution ResolveHost(std::string_view ascii_host, Instant at) const;

  // Holdings in the index (records kept).
  size_t interval_count() const;
  // Records left out by Build.
  size_t skipped_records() const;
  // Approximate heap bytes held by the index.
  size_t memory_bytes() const;

 private:
  explicit AttributionIndex(std::unique_ptr<const attribution_internal::IndexData> data);

  std::unique_ptr<const attribution_internal::IndexData> data_;
};

}  // namespace vigie
