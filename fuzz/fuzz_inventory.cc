// Fuzzes the inventory parsers (CSV and JSON Lines) with the same input, and indexes what they
// accept. Whatever a parser keeps must be a record the attribution index takes as it is: the
// parsers are the only gate between the platform's export and the index.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "attribution/index.h"
#include "attribution/inventory.h"
#include "core/net.h"
#include "core/target.h"

namespace {

// Aborts unless `parsed` keeps only well-formed records and explains every refused row.
void CheckParsed(const vigie::ParsedInventory& parsed) {
  for (const vigie::InventoryProblem& problem : parsed.problems) {
    if (problem.line == 0 || problem.message.empty()) std::abort();
  }
  for (const vigie::InventoryRecord& record : parsed.records) {
    if (record.customer_id.empty() || record.service_id.empty()) std::abort();
    if (record.valid_to && *record.valid_to <= record.valid_from) std::abort();

    // The resource is stored normalised: normalising it again changes nothing.
    if (auto prefix = vigie::IpPrefix::Parse(record.resource)) {
      bool full = prefix->length == prefix->address.bits();
      if (record.resource != (full ? prefix->address.ToString() : prefix->ToString())) {
        std::abort();
      }
    } else if (vigie::NormalizeHostName(record.resource) != record.resource) {
      std::abort();
    }
  }

  // Every accepted record is indexed, and an address of an indexed prefix is ours.
  auto index = vigie::AttributionIndex::Build(parsed.records);
  if (index->skipped_records() != 0 || index->interval_count() != parsed.records.size()) {
    std::abort();
  }
  for (const vigie::InventoryRecord& record : parsed.records) {
    auto prefix = vigie::IpPrefix::Parse(record.resource);
    if (!prefix) continue;
    vigie::Attribution got = index->ResolveIp(prefix->address, record.valid_from);
    if (got.result == vigie::AttributionResult::kNotOurs) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckParsed(vigie::ParseInventoryCsv(text));
  CheckParsed(vigie::ParseInventoryJsonLines(text));
  return 0;
}
