// Fuzzes the XARF JSON reader (v3, the abusix drafts, v4) and, when VIGIE_XARF_SCHEMAS names a
// schema directory laid out like corpus/xarf/schemas, the JSON Schema validator behind it.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "core/abuse_type.h"
#include "intake/json_schema.h"
#include "reading/formats.h"

namespace {

const vigie::XarfSchemas* Schemas() {
  static const std::optional<vigie::XarfSchemas> schemas =
      []() -> std::optional<vigie::XarfSchemas> {
    const char* directory = std::getenv("VIGIE_XARF_SCHEMAS");
    if (directory == nullptr) return std::nullopt;
    vigie::Result<vigie::XarfSchemas> loaded = vigie::XarfSchemas::Load(directory);
    if (!loaded.ok()) std::abort();  // a directory was named: it must load
    return *std::move(loaded);
  }();
  return schemas ? &*schemas : nullptr;
}

void Check(const std::optional<vigie::Reading>& reading) {
  if (!reading) return;
  if (reading->format != "xarf3" && reading->format != "xarf4") std::abort();
  if (reading->status == vigie::ReadingStatus::kRejected) {
    if (reading->reason != "xarf_invalid" || reading->detail.empty()) std::abort();
    if (!reading->events.empty()) std::abort();
  } else if (reading->status != vigie::ReadingStatus::kParsed || reading->events.size() > 1) {
    std::abort();
  }
  for (const vigie::Event& event : reading->events) {
    if (event.targets.empty() || vigie::FindAbuseType(event.abuse_type) == nullptr) std::abort();
    if (event.summary.size() > 200) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  vigie::ReadingOptions options;
  options.received_at = vigie::ParseRfc3339("2025-02-01T12:00:00Z")->instant;
  Check(vigie::reading::ReadXarfText(text, options));

  if (const vigie::XarfSchemas* schemas = Schemas()) {
    options.xarf_schemas = schemas;
    Check(vigie::reading::ReadXarfText(text, options));
  }
  return 0;
}
