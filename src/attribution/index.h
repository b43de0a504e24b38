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
// finish with it). Everything lives in a few flat arrays, laid out so that a lookup follows as
// few pointers as possible, since on a large inventory each one is a trip to main memory:
//
//   * Each distinct resource (prefix or host name) is a node of 12 bytes: its parent, its
//     first holding, its prefix length (the prefix itself is the looked-up address masked to
//     that length, so it is not stored). Each holding is 20 bytes: two int64 Unix times and a
//     service number. The holdings of a node are contiguous and sorted by start: a short scan,
//     or a binary search on a long history, finds those at an instant.
//   * Services are interned: one 24-byte record per distinct (service id, customer id) pair,
//     holding both ids inline when they fit together in 22 bytes (so naming the holder is one
//     memory read), else pointing into a shared text arena. Customer names and emails are not
//     kept: an attribution needs only the ids.
//   * Inventory prefixes of one address family are nested or disjoint, so they form a forest.
//     Their boundaries cut the address space into at most 2n+1 elementary ranges, each stored
//     as its first address and the most specific prefix covering it (a node, or none). The
//     range starts are searched as a static 16-way tree (each level samples every 16th entry
//     of the one below; the upper levels stay in cache). From that node the lookup climbs
//     parent links, reading each parent only if needed, until a prefix holds at the instant.
//   * Host names are nodes sorted by name; a lookup binary-searches each candidate name from
//     the host itself up to its registrable domain.
//   * Memory: about 56 bytes per holding on a million holdings with a distinct service each
//     (see docs/performance.md); less where services hold several resources or many times.
//
// The margin check costs nothing extra in the common case: the same pass that finds the holder
// looks for a holding by another service near the instant, and stops at the first resource
// held across the whole window, since everything less specific is hidden behind it. Only when
// two services show up is the window replayed change by change.
//
// ResolveIps runs lookups as a pipeline of stages, each starting the memory reads the next one
// needs, several lookups apart, so that their waits for memory overlap: that is what makes it
// faster in bulk than ResolveIp in a loop.
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
  // the span need not outlive the call.
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
  // returns. Faster in bulk (a trusted source's feed, re-attributing open cases after an
  // inventory refresh), because the memory reads of several queries overlap instead of
  // waiting for one another. Only min(queries.size(), out.size()) entries are resolved.
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
