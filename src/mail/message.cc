#include "mail/message.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/secrets.h"
#include "core/text.h"

namespace vigie::mail {
namespace {

constexpr size_t kFoldColumn = 78;    // RFC 5322 2.1.1: lines SHOULD stay within 78
constexpr size_t kMaxLine = 998;      // ... and MUST stay within 998
constexpr size_t kQpLineLimit = 76;   // RFC 2045 6.7: encoded lines at most 76 characters
constexpr size_t kEncodedChunk = 42;  // bytes per encoded-word: "Subject: " + 68 fits in 78

void InitSodium() {
  // Idempotent and thread-safe; it fails only when the machine has no entropy source at all.
  static const bool ready = sodium_init() >= 0;
  if (!ready) std::abort();
}

Error Fail(std::string code, std::string message) {
  return Error{std::move(code), std::move(message)};
}

bool HasLineBreak(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

bool IsAsciiPrintable(std::string_view value) {
  for (unsigned char c : value) {
    if (c != '\t' && (c < 0x20 || c > 0x7e)) return false;
  }
  return true;
}

bool IsAtext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool IsHostName(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  size_t label_size = 0;
  char previous = '.';
  for (char c : host) {
    if (c == '.') {
      if (label_size == 0 || previous == '-') return false;
      label_size = 0;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-') {
      if (c == '-' && label_size == 0) return false;
      if (++label_size > 63) return false;
    } else {
      return false;
    }
    previous = c;
  }
  return label_size > 0 && previous != '-';
}

// Header names we write ourselves, or whose duplication would confuse a reader or a relay.
bool IsReservedHeader(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kReserved = {
      "date",     "from",    "sender",     "to",           "cc",          "bcc",
      "reply-to", "subject", "message-id", "mime-version", "return-path", "received"};
  std::string lower;
  for (char c : name) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower.starts_with("content-")) return true;
  for (std::string_view reserved : kReserved) {
    if (lower == reserved) return true;
  }
  return false;
}

bool IsHeaderName(std::string_view name) {
  if (name.empty() || name.size() > 76) return false;
  for (char c : name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

// "<left@right>" with no spaces or controls, as RFC 5322 3.6.4 msg-id (loosely).
bool IsMessageId(std::string_view id) {
  if (id.size() < 5 || id.size() > 250 || id.front() != '<' || id.back() != '>') return false;
  std::string_view inner = id.substr(1, id.size() - 2);
  size_t at = inner.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == inner.size()) return false;
  if (inner.find('@', at + 1) != std::string_view::npos) return false;
  for (unsigned char c : inner) {
    if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>') return false;
  }
  return true;
}

// A BCP 47 tag in its common shapes: "en", "fr-CA", "zh-Hant-TW".
bool IsLanguageTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 35) return false;
  size_t subtag = 0;
  bool first = true;
  for (char c : tag) {
    if (c == '-') {
      if (subtag == 0) return false;
      subtag = 0;
      first = false;
      continue;
    }
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && !first)) return false;
    if (++subtag > 8) return false;
  }
  return subtag > 0;
}

std::string Base64(std::string_view bytes) {
  InitSodium();
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

// RFC 2047 "B" encoded-words of at most kEncodedChunk bytes each, cut between characters so
// that every word decodes on its own.
// REQUIRES: IsValidUtf8(value).
std::vector<std::string> EncodedWords(std::string_view value) {
  std::vector<std::string> words;
  size_t pos = 0;
  while (pos < value.size()) {
    size_t end = std::min(pos + kEncodedChunk, value.size());
    while (end < value.size() && (static_cast<unsigned char>(value[end]) & 0xc0) == 0x80) --end;
    words.push_back("=?UTF-8?B?" + Base64(value.substr(pos, end - pos)) + "?=");
    pos = end;
  }
  return words;
}

std::vector<std::string> SplitOnSpaces(std::string_view value) {
  std::vector<std::string> tokens;
  size_t start = 0;
  while (true) {
    size_t space = value.find(' ', start);
    tokens.emplace_back(value.substr(start, space - start));
    if (space == std::string_view::npos) break;
    start = space + 1;
  }
  return tokens;
}

// The tokens of an unstructured value (RFC 5322 3.2.5), to be joined by single spaces: its
// printable ASCII words as they are, and each run of other words as encoded-words, so that the
// ASCII parts (a reference in a subject) stay readable in the raw mail. A word that merely
// looks like an encoded-word is encoded too, so that a reader shows exactly what was given.
Result<std::vector<std::string>> UnstructuredTokens(std::string_view value,
                                                    std::string_view field) {
  if (!IsValidUtf8(value)) return Fail("invalid_utf8", fmt::format("{} is not valid UTF-8", field));
  auto needs_encoding = [](std::string_view word) {
    return !IsAsciiPrintable(word) || word.find("=?") != std::string_view::npos ||
           word.size() > kMaxLine - 100;
  };

  std::vector<std::string> tokens;
  std::string run;  // words waiting to be encoded together, spaces included
  bool in_run = false;
  for (const std::string& word : SplitOnSpaces(value)) {
    // The space between two encoded-words vanishes on decoding: an empty word (a second
    // space) after an encoded run goes inside it.
    bool encode = needs_encoding(word) || (in_run && word.empty());
    if (encode) {
      if (in_run) run += ' ';
      run += word;
      in_run = true;
      continue;
    }
    if (in_run) {
      for (std::string& encoded : EncodedWords(run)) tokens.push_back(std::move(encoded));
      run.clear();
      in_run = false;
    }
    tokens.push_back(word);
  }
  if (in_run) {
    for (std::string& encoded : EncodedWords(run)) tokens.push_back(std::move(encoded));
  }
  return tokens;
}

// Appends "Name: tokens" joined by single spaces, folding before a token (CRLF + the space)
// when the line would pass 78 columns. Unfolding gives back the tokens joined by spaces.
void AppendHeader(std::string& out, std::string_view name, const std::vector<std::string>& tokens) {
  out.append(name).append(":");
  size_t line = name.size() + 1;
  bool line_has_token = false;
  for (const std::string& token : tokens) {
    if (!token.empty() && line_has_token && line + 1 + token.size() > kFoldColumn) {
      out.append("\r\n");
      line = 0;
    }
    out.append(" ").append(token);
    line += 1 + token.size();
    line_has_token = line_has_token || !token.empty();
  }
  out.append("\r\n");
}

void AppendHeader(std::string& out, std::string_view name, std::string_view value) {
  AppendHeader(out, name, std::vector<std::string>{std::string(value)});
}

// RFC 5322 3.3 date-time, always in UTC: "Fri, 04 Dec 2026 16:20:45 +0000".
std::string FormatDate(Instant date) {
  static constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                            "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto day = std::chrono::floor<std::chrono::days>(date);
  std::chrono::year_month_day ymd(day);
  std::chrono::weekday weekday(day);
  std::chrono::hh_mm_ss time(date - day);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000", kDays[weekday.c_encoding()],
                     static_cast<unsigned>(ymd.day()),
                     kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                     time.hours().count(), time.minutes().count(), time.seconds().count());
}

// Quoted-printable (RFC 2045 6.7) of UTF-8 text. Any line end in the input (CRLF, LF or a lone
// CR) becomes a CRLF hard break. A '.' or "From " at the start of a line is encoded too, so
// that no relay or mailbox format needs to alter the body.
std::string QuotedPrintable(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  size_t column = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out.append("\r\n");
      column = 0;
      continue;
    }

    bool at_line_end = i + 1 == text.size() || text[i + 1] == '\r' || text[i + 1] == '\n';
    bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_line_end);
    std::string token;
    if (literal) {
      token.assign(1, static_cast<char>(c));
    } else {
      token = {'=', kHex[c >> 4], kHex[c & 0x0f]};
    }

    // One column is kept for the '=' of a soft break.
    if (column + token.size() > kQpLineLimit - 1) {
      out.append("=\r\n");
      column = 0;
    }
    if (column == 0 && literal && (c == '.' || text.substr(i).starts_with("From "))) {
      token = {'=', kHex[c >> 4], kHex[c & 0x0f]};
    }
    out.append(token);
    column += token.size();
  }
  return out;
}

// The part's header and encoded body, without a line end after the body.
void AppendPart(std::string& out, std::string_view media_type, std::string_view body) {
  out.append("Content-Type: ").append(media_type).append("; charset=UTF-8\r\n");
  out.append("Content-Transfer-Encoding: quoted-printable\r\n\r\n");
  out.append(QuotedPrintable(body));
}

Status CheckHeaderValues(const Message& message) {
  const std::array<std::pair<std::string_view, const std::string*>, 7> fields = {{
      {"from", &message.from},
      {"to", &message.to},
      {"reply_to", &message.reply_to},
      {"subject", &message.subject},
      {"from_name", &message.from_name},
      {"message_id", &message.message_id},
      {"language", &message.language},
  }};
  for (const auto& [name, value] : fields) {
    if (HasLineBreak(*value)) {
      return Fail("header_injection", fmt::format("{} contains a line break or NUL", name));
    }
  }
  for (const auto& [name, value] : message.extra_headers) {
    if (HasLineBreak(name) || HasLineBreak(value)) {
      return Fail("header_injection", "an extra header contains a line break or NUL");
    }
  }
  return Status::Ok();
}

Status CheckAddresses(const Message& message) {
  if (!IsPlainAddress(message.from)) return Fail("invalid_address", "from is not a plain address");
  if (!IsPlainAddress(message.to)) return Fail("invalid_address", "to is not a plain address");
  if (!message.reply_to.empty() && !IsPlainAddress(message.reply_to)) {
    return Fail("invalid_address", "reply_to is not a plain address");
  }
  return Status::Ok();
}

}  // namespace

bool IsPlainAddress(std::string_view address) {
  if (address.size() > 254) return false;
  size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at > 64) return false;

  std::string_view local = address.substr(0, at);
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return false;
  }
  for (char c : local) {
    if (!IsAtext(c) && c != '.') return false;
  }
  return IsHostName(address.substr(at + 1));
}

Result<std::string> ComposeRfc5322(const Message& message, Instant date) {
  // Validation first, so that nothing hostile reaches the output.
  if (Status status = CheckHeaderValues(message); !status) return status.error();
  if (Status status = CheckAddresses(message); !status) return status.error();
  if (!message.message_id.empty() && !IsMessageId(message.message_id)) {
    return Fail("invalid_header", "message_id is not of the form <left@right>");
  }
  if (!message.language.empty() && !IsLanguageTag(message.language)) {
    return Fail("invalid_header", "language is not a language tag");
  }
  for (const auto& [name, value] : message.extra_headers) {
    if (!IsHeaderName(name)) return Fail("invalid_header", "an extra header name is malformed");
    if (IsReservedHeader(name)) {
      return Fail("invalid_header",
                  fmt::format("extra header {} is written by vigie itself", name));
    }
  }
  if (message.text.empty()) return Fail("missing_body", "the text part is empty");

  Result<std::vector<std::string>> subject = UnstructuredTokens(message.subject, "subject");
  if (!subject) return subject.error();
  std::vector<std::string> from;
  if (!message.from_name.empty()) {
    if (IsAsciiPrintable(message.from_name) && message.from_name.size() < 200) {
      // A quoted-string shows any ASCII name as is, specials included.
      std::string quoted = "\"";
      for (char c : message.from_name) {
        if (c == '"' || c == '\\') quoted += '\\';
        quoted += c;
      }
      from.push_back(quoted + "\"");
    } else if (IsValidUtf8(message.from_name)) {
      from = EncodedWords(message.from_name);
    } else {
      return Fail("invalid_utf8", "from_name is not valid UTF-8");
    }
    from.push_back("<" + message.from + ">");
  } else {
    from.push_back(message.from);
  }

  // The header.
  std::string out;
  out.reserve(1024 + 2 * (message.text.size() + message.html.size()));
  AppendHeader(out, "Date", FormatDate(date));
  AppendHeader(out, "From", from);
  AppendHeader(out, "To", message.to);
  if (!message.reply_to.empty()) AppendHeader(out, "Reply-To", message.reply_to);
  AppendHeader(out, "Subject", *subject);
  std::string message_id = message.message_id;
  if (message_id.empty()) {
    message_id =
        "<" + RandomToken(16) + "@" + message.from.substr(message.from.rfind('@') + 1) + ">";
  }
  AppendHeader(out, "Message-ID", message_id);
  AppendHeader(out, "MIME-Version", "1.0");
  if (!message.language.empty()) AppendHeader(out, "Content-Language", message.language);
  for (const auto& [name, value] : message.extra_headers) {
    Result<std::vector<std::string>> tokens = UnstructuredTokens(value, name);
    if (!tokens) return tokens.error();
    AppendHeader(out, name, *tokens);
  }

  // The body. The boundary starts with "=_", which quoted-printable output never contains.
  if (message.html.empty()) {
    AppendPart(out, "text/plain", message.text);
    if (!out.ends_with("\r\n")) out.append("\r\n");
    return out;
  }
  // The CRLF before each delimiter belongs to the delimiter (RFC 2046 5.1.1), so a part that
  // ends with a line end keeps it.
  std::string boundary = "=_vigie_" + RandomToken(16);
  AppendHeader(out, "Content-Type",
               std::vector<std::string>{"multipart/alternative;", "boundary=\"" + boundary + "\""});
  out.append("\r\n--").append(boundary).append("\r\n");
  AppendPart(out, "text/plain", message.text);
  out.append("\r\n--").append(boundary).append("\r\n");
  AppendPart(out, "text/html", message.html);
  out.append("\r\n--").append(boundary).append("--\r\n");
  return out;
}

}  // namespace vigie::mail
