// One outgoing mail, and its rendering as RFC 5322 text ready for a transport.
//
// Everything in a Message may come, directly or not, from hostile input: a reporter's subject
// line, a customer's name, an address typed into the public form. Composition therefore
// refuses anything that could add a header or break the MIME structure rather than trying to
// repair it, and the caller learns which field was wrong.
//
//   vigie::mail::Message message;
//   message.from = "abuse@provider.example";
//   message.to = "reporter@example.org";
//   message.subject = "[R-2026-0042] Nous avons bien reçu votre signalement";
//   message.text = "Bonjour,\n...";
//   message.language = "fr";
//   Result<std::string> rfc5322 = ComposeRfc5322(message, vigie::Now());
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/text.h"
#include "core/time.h"

namespace vigie::mail {

// One outgoing mail, fully rendered. Plain values: copy and move freely.
struct Message {
  // Addresses are bare "local@domain" (no display name, no angle brackets), ASCII only.
  std::string from;
  std::string to;
  std::string reply_to;   // optional
  std::string subject;    // UTF-8
  std::string from_name;  // optional display name for `from`, UTF-8

  // The body. `text` is required; `html` is optional and, when present, the mail becomes
  // multipart/alternative with both. Line ends may be LF or CRLF.
  std::string text;
  std::string html;

  // "<unique@domain>"; ComposeRfc5322 makes one up from random bytes and the sender's domain
  // when empty. Set it to keep the same id across delivery attempts.
  std::string message_id;

  // Further headers, e.g. {"X-Vigie-Reference", "R-2026-0042"}. Names are letters, digits and
  // '-'; the headers ComposeRfc5322 writes itself (From, Subject, Content-*, ...) are refused.
  std::vector<std::pair<std::string, std::string>> extra_headers;

  // BCP 47 tag ("en", "fr") written as Content-Language; optional.
  std::string language;
};

// Renders `message` as RFC 5322 text with CRLF line ends: Date (`date`, in UTC), From, To,
// Reply-To, Subject, Message-ID, MIME-Version, Content-Language, the extra headers, then the
// body as UTF-8 quoted-printable, in a multipart/alternative with a random boundary when there
// is an HTML part. Header lines are folded to 78 columns where the value allows it and never
// exceed 998; body lines never exceed 76. The non-ASCII words of the subject and of extra header
// values, and a non-ASCII display name, are written as RFC 2047 encoded-words; the body never
// holds a line that SMTP or mbox would alter (a lone ".", "From ").
//
// Errors (Error::code):
//   "header_injection"  a CR, LF or NUL in any header field: from, to, reply_to, subject,
//                       from_name, message_id, language, or an extra header name or value.
//   "invalid_address"   from, to or reply_to is not a bare ASCII address, or from/to is empty.
//   "invalid_header"    a bad extra header name, a reserved one, a malformed message_id or
//                       language tag.
//   "invalid_utf8"      the subject, from_name or an extra header value is not valid UTF-8.
//   "missing_body"      `text` is empty.
// Thread-safe.
Result<std::string> ComposeRfc5322(const Message& message, Instant date);

// True for a bare ASCII address "local@domain" as vigie sends to: a dot-atom local part of at
// most 64 characters and a host name domain, 254 characters in all. Quoted local parts,
// address literals and non-ASCII addresses are refused.
// TODO: internationalised addresses (RFC 6531, SMTPUTF8) are refused; a reporter with one
// cannot be written to until the transport negotiates SMTPUTF8.
bool IsPlainAddress(std::string_view address);

using vigie::IsValidUtf8;  // core/text.h

}  // namespace vigie::mail
