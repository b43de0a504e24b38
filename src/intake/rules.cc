#include "intake/rules.h"

#include <algorithm>
#include <string>
#include <unordered_set>

#include "core/text.h"

namespace vigie::intake::internal {
namespace {

constexpr size_t kMaxEmailLocalPartBytes = 64;

// Length of the UTF-8 sequence starting at `text[pos]`, or 0 when it is malformed there.
size_t Utf8SequenceLength(std::string_view text, size_t pos) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(pos);
  if (lead < 0x80) return 1;

  size_t length;
  unsigned char low = 0x80, high = 0xbf;  // allowed range of the second byte
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;   // overlong
    if (lead == 0xed) high = 0x9f;  // UTF-16 surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) low = 0x90;   // overlong
    if (lead == 0xf4) high = 0x8f;  // past U+10FFFF
  } else {
    return 0;
  }
  if (pos + length > text.size()) return 0;
  if (byte(pos + 1) < low || byte(pos + 1) > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (byte(pos + i) < 0x80 || byte(pos + i) > 0xbf) return 0;
  }
  return length;
}

// True for a C0 control (other than those `kind` allows), DEL, or a C1 control, whose UTF-8
// form is 0xC2 0x80..0x9F. `pos` is at the start of a sequence of `length` bytes.
bool IsControlAt(std::string_view text, size_t pos, size_t length, TextKind kind) {
  unsigned char lead = static_cast<unsigned char>(text[pos]);
  if (length == 1) {
    if (lead == 0x7f) return true;
    if (lead >= 0x20) return false;
    if (kind == TextKind::kMultiLine && (lead == '\t' || lead == '\n' || lead == '\r')) {
      return false;
    }
    return true;
  }
  return length == 2 && lead == 0xc2 && static_cast<unsigned char>(text[pos + 1]) <= 0x9f;
}

bool IsAtextChar(unsigned char c) {
  if (c >= 0x80) return true;  // UTF-8 (RFC 6531); validity is checked beforehand
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) !=
         std::string_view::npos;
}

char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

void ErrorList::Add(std::string_view field, std::string_view code, std::string detail) {
  errors_.push_back(FieldError{std::string(field), std::string(code), std::move(detail)});
}

size_t CountCodePoints(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  }));
}

std::string_view Utf8Prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
  return text.substr(0, end);
}

std::string_view TrimWhitespace(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  size_t last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

bool CheckText(std::string_view text, TextKind kind, std::string_view field, ErrorList& errors) {
  bool control = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t length = Utf8SequenceLength(text, pos);
    if (length == 0) {
      errors.Add(field, "invalid_utf8");
      return false;
    }
    control = control || IsControlAt(text, pos, length, kind);
    pos += length;
  }
  if (control) {
    errors.Add(field, "control_characters");
    return false;
  }
  return true;
}

std::string ReplaceControlCharacters(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    size_t length = std::max<size_t>(Utf8SequenceLength(text, pos), 1);
    if (IsControlAt(text, pos, length, TextKind::kSingleLine)) {
      out += "\xef\xbf\xbd";  // U+FFFD REPLACEMENT CHARACTER
    } else {
      out.append(text.substr(pos, length));
    }
    pos += length;
  }
  return out;
}

bool CheckLine(std::string_view text, size_t max_bytes, std::string_view field, ErrorList& errors) {
  if (!CheckText(text, TextKind::kSingleLine, field, errors)) return false;
  if (text.size() > max_bytes) {
    errors.Add(field, "too_long", std::to_string(max_bytes));
    return false;
  }
  return true;
}

std::optional<std::string> NormalizeEmail(std::string_view text) {
  if (text.empty() || text.size() > kMaxEmailBytes || !IsValidUtf8(text)) return std::nullopt;
  size_t at = text.find('@');
  if (at == std::string_view::npos || text.find('@', at + 1) != std::string_view::npos) {
    return std::nullopt;
  }

  // The local part is a dot-atom: atoms of atext joined by single dots.
  std::string_view local = text.substr(0, at);
  if (local.empty() || local.size() > kMaxEmailLocalPartBytes) return std::nullopt;
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return std::nullopt;
  }
  for (char c : local) {
    if (c != '.' && !IsAtextChar(static_cast<unsigned char>(c))) return std::nullopt;
  }

  // The domain must be a real host name; an address literal ("user@[192.0.2.1]") is refused.
  std::string_view domain = text.substr(at + 1);
  if (domain.empty() || domain.back() == '.') return std::nullopt;
  std::optional<std::string> host = NormalizeHostName(domain);
  if (!host) return std::nullopt;
  return std::string(local) + "@" + *host;
}

std::string ReadEmail(std::string_view text, const AbuseType* type, std::string_view field,
                      ErrorList& errors) {
  if (text.empty()) {
    bool anonymous_allowed = type != nullptr && type->anonymous_allowed;
    if (!anonymous_allowed) errors.Add(field, "required");
    return "";
  }
  if (!CheckLine(text, kMaxEmailBytes, field, errors)) return "";
  std::optional<std::string> email = NormalizeEmail(text);
  if (!email) {
    errors.Add(field, "invalid_email");
    return "";
  }
  return *email;
}

std::vector<Target> ReadTargets(const std::vector<TargetInput>& inputs, std::string_view list_field,
                                const IntakePolicy& policy, ErrorList& errors) {
  std::vector<Target> targets;
  if (inputs.empty()) {
    errors.Add(list_field, "required");
    return targets;
  }
  if (inputs.size() > policy.max_targets) {
    errors.Add(list_field, "too_many", std::to_string(policy.max_targets));
    return targets;
  }

  std::unordered_set<std::string> seen;
  for (const TargetInput& input : inputs) {
    std::string_view text = TrimWhitespace(input.text);
    if (!CheckText(text, TextKind::kSingleLine, input.field, errors)) continue;
    Result<Target> target = ParseTarget(text);
    if (!target.ok()) {
      errors.Add(input.field, target.error().code);
      continue;
    }
    // The same resource written twice ("Example.com" and "example.com.") is one target.
    if (seen.insert(target->canonical).second) targets.push_back(std::move(target).value());
  }
  return targets;
}

void CheckTimeWindow(Instant instant, const IntakePolicy& policy, std::string_view field,
                     ErrorList& errors) {
  if (instant > policy.now + policy.future_tolerance) {
    errors.Add(field, "in_future");
  } else if (instant < policy.now - policy.max_age) {
    auto days = std::chrono::duration_cast<std::chrono::hours>(policy.max_age).count() / 24;
    errors.Add(field, "too_old", std::to_string(days));
  }
}

std::string ReadDescription(std::string_view text, const IntakePolicy& policy,
                            std::string_view field, ErrorList& errors) {
  // Browsers send textarea line ends as CRLF; one convention makes later mail simpler.
  std::string normalized;
  normalized.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      normalized += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      normalized += text[i];
    }
  }
  std::string description(TrimWhitespace(normalized));

  if (description.empty()) {
    errors.Add(field, "required");
    return "";
  }
  if (!CheckText(description, TextKind::kMultiLine, field, errors)) return "";
  if (description.size() > policy.max_description_bytes) {
    errors.Add(field, "too_long", std::to_string(policy.max_description_bytes));
    return "";
  }
  if (CountCodePoints(description) < policy.min_description_chars) {
    errors.Add(field, "too_short", std::to_string(policy.min_description_chars));
    return "";
  }
  return description;
}

std::optional<std::string> NormalizeLanguage(std::string_view text) {
  if (text.size() != 2 && (text.size() < 4 || (text[2] != '-' && text[2] != '_'))) {
    return std::nullopt;
  }
  std::string primary{AsciiLower(text[0]), AsciiLower(text[1])};
  if (primary == "en" || primary == "fr") return primary;
  return std::nullopt;
}

const AbuseType* ReadAbuseType(std::string_view id, std::string_view field, ErrorList& errors) {
  if (id.empty()) {
    errors.Add(field, "required");
    return nullptr;
  }
  const AbuseType* type = FindAbuseType(id);
  if (type == nullptr) errors.Add(field, "unknown_abuse_type");
  return type;
}

bool IsTicked(std::string_view value) {
  if (value.size() > 4) return false;
  std::string lower;
  for (char c : value) lower += AsciiLower(c);
  return lower == "on" || lower == "yes" || lower == "1" || lower == "true";
}

}  // namespace vigie::intake::internal
