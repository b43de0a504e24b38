// Fuzzes the ARF reader: the input is read as a feedback report's fields, and as a whole mail
// walked and handed to ReadArf alone.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "reading/formats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  (void)vigie::reading::ParseFeedbackFields(raw);
  vigie::MailLimits limits;
  limits.max_part_bytes = 1 << 20;
  limits.max_parts = 64;
  vigie::Result<vigie::reading::MimeMessage> message = vigie::reading::WalkMime(raw, limits);
  if (message.ok()) (void)vigie::reading::ReadArf(*message, vigie::ReadingOptions{});
  return 0;
}
