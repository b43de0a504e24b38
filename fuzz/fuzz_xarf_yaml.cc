// Fuzzes the lenient X-ARF YAML reader, then ReadXArf on a message whose only part is the
// input, so that target and time reading see whatever the YAML reader lets through.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "reading/formats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view yaml(reinterpret_cast<const char*>(data), size);
  (void)vigie::reading::ParseXArfYaml(yaml);
  vigie::reading::MimeMessage message;
  message.content_type = "text/plain";
  vigie::reading::MimeEntity entity;
  entity.content_type = "text/plain";
  entity.body = std::string(yaml);
  message.entities.push_back(std::move(entity));
  (void)vigie::reading::ReadXArf(message, vigie::ReadingOptions{});
  return 0;
}
