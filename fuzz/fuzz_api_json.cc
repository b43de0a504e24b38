// Fuzzes the API's JSON intake (vigie JSON and XARF v4) and the messages for its errors.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "intake/intake.h"
#include "intake/messages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  vigie::intake::IntakePolicy policy;
  policy.now = vigie::ParseRfc3339("2025-02-01T12:00:00Z")->instant;
  policy.max_targets = 8;
  policy.max_description_bytes = 2000;

  vigie::intake::IntakeResult result = vigie::intake::ValidateApiJson(body, policy);

  // Exactly one of draft and errors; a draft keeps the body and stays within the limits.
  if (result.draft.has_value() == !result.errors.empty()) std::abort();
  if (result.draft) {
    if (result.draft->raw != body) std::abort();
    if (result.draft->targets.empty() || result.draft->targets.size() > policy.max_targets) {
      std::abort();
    }
    if (result.draft->description.size() > policy.max_description_bytes) std::abort();
  }
  for (const vigie::intake::FieldError& error : result.errors) {
    if (error.field.empty() || error.code.empty()) std::abort();
    if (vigie::intake::DescribeFieldError(error, "fr").empty()) std::abort();
  }
  (void)vigie::intake::LooksLikeXarf(body);
  return 0;
}
