// Internal to vigie_reading: a MIME message walked into a flat list of decoded leaf entities,
// with every limit of MailLimits enforced on the way. Built on gmime, which copes with broken
// mail (missing closing boundaries, bare CR line ends, bad encodings) instead of refusing it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "reading/reading.h"

namespace vigie::reading {

struct MimeHeader {
  std::string name;   // as written
  std::string value;  // unfolded, RFC 2047 words decoded to UTF-8
};

// Returns the value of the first header named `name` (ASCII case-insensitive), or "".
std::string FindHeader(const std::vector<MimeHeader>& headers, std::string_view name);

// One leaf of the message: a text or binary part, an embedded message, or a file unpacked
// from a zip archive attached to the message.
struct MimeEntity {
  std::string content_type;  // lower-case "type/subtype"; "text/plain" when absent
  std::string charset;       // lower-case, as declared ("" when none)
  std::string filename;      // Content-Disposition filename, else Content-Type name, else ""
  bool attachment = false;   // Content-Disposition: attachment
  int depth = 0;             // 0: the message body itself; +1 per multipart, message, archive
  // The content with its transfer encoding removed. text/* is converted to UTF-8 from its
  // charset (invalid bytes replaced by U+FFFD). message/rfc822 and text/rfc822-headers hold
  // the embedded message or headers as bytes.
  std::string body;
  std::vector<MimeHeader> headers;  // the part's own headers
  std::string archive;              // for a file from an archive: the archive's filename
};

struct MimeMessage {
  std::vector<MimeHeader> headers;  // the top-level headers
  std::string content_type;         // top-level, lower-case
  std::string report_type;          // the report-type parameter of a multipart/report, lower-case
  // Leaves in document order. The parts of an embedded message/rfc822 follow the entity of the
  // message itself; the files of an archive follow the archive's entity.
  std::vector<MimeEntity> entities;
};

// Walks `raw`. Errors (Error::code): "message_too_large", "part_too_large", "too_deep",
// "too_many_parts", "archive_too_large", "archive_ratio", "not_a_message" (no header block).
// A damaged archive is not an error: its entity stays, with no members after it.
Result<MimeMessage> WalkMime(std::string_view raw, const MailLimits& limits);

}  // namespace vigie::reading
