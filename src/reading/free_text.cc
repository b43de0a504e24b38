#include "reading/formats.h"

namespace vigie::reading {

// TODO: not written yet.
Reading ReadFreeText(const MimeMessage&, const ReadingOptions&) {
  Reading reading;
  reading.format = "free_text";
  reading.status = ReadingStatus::kNeedsHuman;
  reading.reason = "free_text";
  return reading;
}

}  // namespace vigie::reading
