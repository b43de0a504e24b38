// Fuzzes free-text extraction: the input as plain text, and as HTML.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "reading/formats.h"

namespace {

void Check(const vigie::Reading& reading) {
  if (reading.candidate_targets.size() > 100 || reading.candidate_times.size() > 20) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  vigie::Reading plain;
  vigie::reading::ExtractCandidates(input, plain);
  Check(plain);

  vigie::Reading html;
  vigie::reading::ExtractCandidates(vigie::reading::HtmlToText(input), html);
  Check(html);
  return 0;
}
