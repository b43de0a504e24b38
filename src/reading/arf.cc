#include "reading/formats.h"

namespace vigie::reading {

// TODO: not written yet.
std::optional<Reading> ReadArf(const MimeMessage&, const ReadingOptions&) {
  return std::nullopt;
}

}  // namespace vigie::reading
