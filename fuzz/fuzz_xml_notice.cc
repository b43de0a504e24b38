// Fuzzes the XML notice readers (ACNS, IODEF, Safe Browsing) on a whole document, and the
// search for an ACNS notice inside text.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "reading/formats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::optional<vigie::Reading> reading =
      vigie::reading::ReadXmlText(input, vigie::FromUnixSeconds(1700000000));
  if (reading) {
    if (reading->status == vigie::ReadingStatus::kParsed && reading->events.empty()) std::abort();
    for (const vigie::Event& event : reading->events) {
      if (event.targets.empty() || event.summary.size() > 200) std::abort();
    }
  }
  std::string_view inline_acns = vigie::reading::FindInlineAcns(input);
  if (!inline_acns.empty()) {
    (void)vigie::reading::ReadXmlText(inline_acns, vigie::Instant{});
  }
  return 0;
}
