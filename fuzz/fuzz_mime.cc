// Fuzzes the MIME walker and the whole reading of a mail: the input is one raw message. Small
// limits keep each run fast while still reaching every limit's code path.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "reading/mime.h"
#include "reading/reading.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  vigie::ReadingOptions options;
  options.limits.max_part_bytes = 1 << 20;
  options.limits.max_archive_bytes = 4 << 20;
  options.limits.max_parts = 64;
  (void)vigie::reading::WalkMime(raw, options.limits);
  vigie::Reading reading = vigie::ReadMail(raw, options);
  (void)vigie::ReadingToJson(reading);
  return 0;
}
