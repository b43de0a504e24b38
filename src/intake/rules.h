// Internal to vigie_intake: the checks every input format shares (text hygiene, targets, time
// window, email, description, language). Each check appends FieldErrors to an ErrorList and
// keeps going, so that one pass over a submission reports everything wrong with it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/abuse_type.h"
#include "core/target.h"
#include "core/text.h"
#include "core/time.h"
#include "intake/intake.h"

namespace vigie::intake::internal {

class ErrorList {
 public:
  void Add(std::string_view field, std::string_view code, std::string detail = "");
  bool empty() const { return errors_.empty(); }
  size_t size() const { return errors_.size(); }
  std::vector<FieldError> Take() { return std::move(errors_); }

 private:
  std::vector<FieldError> errors_;
};

// Longest email address accepted (RFC 5321 path limit less the angle brackets).
constexpr size_t kMaxEmailBytes = 254;
// Names, legal forms, designations and organisation names.
constexpr size_t kMaxNameBytes = 200;
constexpr size_t kMaxLegalFormBytes = 100;

using vigie::IsValidUtf8;  // core/text.h

// Number of code points. REQUIRES: IsValidUtf8(text).
size_t CountCodePoints(std::string_view text);

// The longest prefix of `text` of at most `max_bytes` bytes that does not cut a UTF-8
// sequence. REQUIRES: IsValidUtf8(text).
std::string_view Utf8Prefix(std::string_view text, size_t max_bytes);

// Removes spaces, tabs, CR and LF at both ends.
std::string_view TrimWhitespace(std::string_view text);

enum class TextKind {
  kSingleLine,  // no control characters at all
  kMultiLine,   // tab and LF allowed (CR too: CRLF line ends are normalised by the caller)
};

// Checks `text` is valid UTF-8 without forbidden control characters (C0 except those `kind`
// allows, DEL, C1). Adds "invalid_utf8" or "control_characters" and returns false otherwise.
bool CheckText(std::string_view text, TextKind kind, std::string_view field, ErrorList& errors);

// A copy of `text` with every control character replaced by U+FFFD, for text vigie builds
// itself from machine input. REQUIRES: IsValidUtf8(text).
std::string ReplaceControlCharacters(std::string_view text);

// Checks a single-line text (already trimmed): valid, at most `max_bytes`. Adds errors and
// returns false when it is not acceptable.
bool CheckLine(std::string_view text, size_t max_bytes, std::string_view field, ErrorList& errors);

// A plausible email address: one "@", a local part of printable characters (dot-atom, UTF-8
// allowed), a valid host name with at least two labels. Returns the address with its domain
// normalised to lower-case ASCII, or nullopt. Quoted local parts and address literals are not
// accepted: no reporter needs them.
std::optional<std::string> NormalizeEmail(std::string_view text);

// Reads the reporter's email (already trimmed). Empty is allowed only when `type` is known and
// allows anonymity. Returns the normalised address, or "" (absent or erroneous).
std::string ReadEmail(std::string_view text, const AbuseType* type, std::string_view field,
                      ErrorList& errors);

// One target as the reporter wrote it, and the field name its errors carry.
struct TargetInput {
  std::string field;
  std::string text;
};

// Parses every target with ParseTarget; duplicates (same canonical form) are kept once.
// `list_field` carries "required" (none given) and "too_many" (over policy.max_targets; the
// entries are then not parsed one by one).
std::vector<Target> ReadTargets(const std::vector<TargetInput>& inputs, std::string_view list_field,
                                const IntakePolicy& policy, ErrorList& errors);

// Adds "in_future" or "too_old" on `field` when `instant` is outside the policy's window.
void CheckTimeWindow(Instant instant, const IntakePolicy& policy, std::string_view field,
                     ErrorList& errors);

// A description written by a person: CRLF and CR become LF, surrounding whitespace is trimmed,
// then it must be non-empty, valid text, at most policy.max_description_bytes and at least
// policy.min_description_chars characters. Markup is kept verbatim: escaping is the renderer's
// job. Returns the normalised text ("" on error).
std::string ReadDescription(std::string_view text, const IntakePolicy& policy,
                            std::string_view field, ErrorList& errors);

// "en" or "fr" for "en", "EN", "fr-FR", "fr_CA"...; nullopt otherwise.
std::optional<std::string> NormalizeLanguage(std::string_view text);

// Reads an abuse type id: "required" when empty, "unknown_abuse_type" when not in the table.
const AbuseType* ReadAbuseType(std::string_view id, std::string_view field, ErrorList& errors);

// True for the form's checkbox values "on", "yes", "1", "true" (any case).
bool IsTicked(std::string_view value);

}  // namespace vigie::intake::internal
