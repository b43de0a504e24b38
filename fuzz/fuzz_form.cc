// Fuzzes the web form intake. The input is split like a urlencoded body, on '&' and then on the
// first '=', without percent-decoding (the web layer decodes before ValidateForm sees it).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "intake/intake.h"
#include "intake/messages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  std::vector<std::pair<std::string, std::string>> fields;
  std::string_view rest = body;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      fields.emplace_back(std::string(pair), "");
    } else {
      fields.emplace_back(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }

  vigie::intake::IntakePolicy policy;
  policy.now = vigie::ParseRfc3339("2025-02-01T12:00:00Z")->instant;
  policy.max_targets = 8;
  vigie::intake::IntakeResult result = vigie::intake::ValidateForm(fields, body, policy);

  if (result.draft.has_value() == !result.errors.empty()) std::abort();
  if (result.draft &&
      (result.draft->raw != body || !result.draft->good_faith || result.draft->targets.empty())) {
    std::abort();
  }
  for (const vigie::intake::FieldError& error : result.errors) {
    if (vigie::intake::DescribeFieldError(error, "en").empty()) std::abort();
  }
  return 0;
}
