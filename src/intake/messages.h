// What a person reads about a field error, in English or French.
//
// Error codes produced by intake (FieldError::code):
//   required                 the field is missing or empty
//   too_long, too_short      text length outside the limits (detail: the limit)
//   too_many                 more list entries than allowed (detail: the limit)
//   too_large                the body exceeds the size limit (detail: the limit in bytes)
//   invalid_utf8             the text is not valid UTF-8
//   control_characters       the text holds NUL or other control characters (single-line
//                            fields also refuse tab and line breaks)
//   repeated                 a single-valued form field was given twice
//   malformed_json           the body is not JSON
//   wrong_type               a JSON value of the wrong type (detail: the expected type)
//   unknown_field            a JSON member vigie's format does not define
//   duplicate_field          a JSON member given twice in the same object (vigie JSON only)
//   invalid_choice           a value outside a fixed list (reporter kind, language)
//   unknown_abuse_type       not an abuse type id
//   invalid_email            not a plausible email address
//   invalid_date, invalid_time, unknown_time_zone
//   nonexistent_local_time   a local time skipped by a forward clock change
//   invalid_date_time        not RFC 3339 with an offset
//   in_future, too_old       outside the accepted time window (too_old detail: days)
//   unsupported_version      an "xarf_version" other than 4.x
//   unsupported_xarf_type    a XARF category/type (or threat type) vigie cannot map
//   and the target codes of ParseTarget: empty, invalid_ip, invalid_domain, invalid_url,
//   unsupported_scheme (and too_long).
#pragma once

#include <string>
#include <string_view>

#include "intake/intake.h"

namespace vigie::intake {

// The label of a field for display: "Email address" / "Adresse e-mail", "Target 3" for
// "targets[2]". `language` is "en" or "fr"; anything else reads as "en". A field intake does
// not know (an unknown JSON member) is shown quoted.
std::string FieldLabel(std::string_view field, std::string_view language);

// One sentence for a person: names the field and says what is wrong and, where it helps, how
// to fix it. Never contains the submitted value, so it is safe to show next to any input (the
// renderer still escapes it).
std::string DescribeFieldError(const FieldError& error, std::string_view language);

}  // namespace vigie::intake
