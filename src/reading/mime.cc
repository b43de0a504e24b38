#include "reading/mime.h"

namespace vigie::reading {

std::string FindHeader(const std::vector<MimeHeader>& headers, std::string_view name) {
  for (const MimeHeader& header : headers) {
    if (header.name.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(header.name[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same) return header.value;
  }
  return "";
}

// TODO: not written yet.
Result<MimeMessage> WalkMime(std::string_view, const MailLimits&) {
  return Error{"not_a_message", "the MIME walker is not written yet"};
}

}  // namespace vigie::reading
