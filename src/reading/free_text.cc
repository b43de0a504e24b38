// Free text: what is left when no format claims a message. Nothing here becomes an event; the
// reading lists candidate targets and times for a person to confirm, and suggests a type.
//
// Choices:
// - Targets: IPv4 and IPv6 addresses (a zone id such as "%eth0" is dropped), http/https/ftp
//   URLs including the defanged "hxxp://", "[.]", "(.)", "[dot]" and "[:]" forms, and bare
//   domain names whose last label is a real public suffix (libpsl, built-in list, so no file
//   is read). Mail addresses are not targets (their domain is usually the sender's). Private
//   and documentation addresses are kept: reporters' samples and NAT-side reports use them, and
//   attribution simply finds no holder; loopback, unspecified, link-local, multicast and
//   broadcast addresses are dropped, they name no host of anyone's. Names ending in a
//   suffix that is more often a file extension (.zip, .mov, .sh, .py, .md, .rs) are dropped.
// - Times: RFC 2822 dates, ISO 8601 date-times and "DD/MM/YYYY HH:MM[:SS]", only with an
//   explicit zone. A time without one is skipped: it cannot be attributed, and a person
//   reading the mail sees it anyway.
// - The suggested type is the one whose English or French keywords occur most often; child
//   sexual abuse material wins whenever it is mentioned, so that it is never under-ranked.
#include <libpsl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <string>

#include "core/target.h"
#include "reading/formats.h"

namespace vigie::reading {
namespace {

constexpr size_t kMaxTextBytes = 1u << 20;  // per part; the rest of a huge part is not read
constexpr size_t kMaxTargets = 100;
constexpr size_t kMaxTimes = 20;

char Lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool StartsWithNoCase(std::string_view text, size_t at, std::string_view prefix) {
  if (at + prefix.size() > text.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (Lower(text[at + i]) != prefix[i]) return false;
  }
  return true;
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// ---------------------------------------------------------------------------------------------
// HTML.

bool IsBlockTag(std::string_view name) {
  static constexpr std::array<std::string_view, 14> kBlocks = {
      "br", "p", "div", "tr", "li", "td", "th", "h1", "h2", "h3", "h4", "table", "ul", "pre"};
  return std::find(kBlocks.begin(), kBlocks.end(), name) != kBlocks.end();
}

// The value of the href or src attribute inside a tag's text, "" when none.
std::string_view LinkOf(std::string_view tag) {
  for (std::string_view attribute : {"href", "src"}) {
    size_t at = 0;
    while ((at = tag.find(attribute, at)) != std::string_view::npos) {
      size_t pos = at + attribute.size();
      at = pos;
      while (pos < tag.size() && tag[pos] == ' ') ++pos;
      if (pos >= tag.size() || tag[pos] != '=') continue;
      ++pos;
      while (pos < tag.size() && tag[pos] == ' ') ++pos;
      if (pos >= tag.size()) return {};
      char quote = tag[pos];
      if (quote == '"' || quote == '\'') {
        size_t end = tag.find(quote, pos + 1);
        if (end == std::string_view::npos) return {};
        return tag.substr(pos + 1, end - pos - 1);
      }
      size_t end = tag.find_first_of(" >", pos);
      return tag.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    }
  }
  return {};
}

void AppendEntity(std::string_view text, size_t& pos, std::string& out) {
  static constexpr std::array<std::pair<std::string_view, char>, 6> kNamed = {{
      {"&amp;", '&'},
      {"&lt;", '<'},
      {"&gt;", '>'},
      {"&quot;", '"'},
      {"&apos;", '\''},
      {"&nbsp;", ' '},
  }};
  for (const auto& [name, value] : kNamed) {
    if (StartsWithNoCase(text, pos, name)) {
      out.push_back(value);
      pos += name.size();
      return;
    }
  }
  // Numeric references to ASCII only: enough for defanged dots and brackets.
  if (pos + 2 < text.size() && text[pos + 1] == '#') {
    size_t cursor = pos + 2;
    bool hex = cursor < text.size() && Lower(text[cursor]) == 'x';
    if (hex) ++cursor;
    unsigned value = 0;
    size_t digits = 0;
    while (cursor < text.size() && digits < 6 &&
           std::isxdigit(static_cast<unsigned char>(text[cursor]))) {
      if (!hex && !IsDigit(text[cursor])) break;
      value = value * (hex ? 16 : 10) + static_cast<unsigned>(IsDigit(text[cursor])
                                                                  ? text[cursor] - '0'
                                                                  : Lower(text[cursor]) - 'a' + 10);
      ++cursor;
      ++digits;
    }
    if (digits > 0 && cursor < text.size() && text[cursor] == ';' && value >= 0x20 &&
        value < 0x7f) {
      out.push_back(static_cast<char>(value));
      pos = cursor + 1;
      return;
    }
  }
  out.push_back('&');
  ++pos;
}

// ---------------------------------------------------------------------------------------------
// Targets.

// The defanged forms put back: "hxxp" -> "http", "[.]" "(.)" "{.}" "[dot]" "(dot)" -> ".",
// "[:]" -> ":", "[://]" -> "://".
std::string Refang(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kForms = {{
      {"hxxp", "http"},
      {"[.]", "."},
      {"(.)", "."},
      {"{.}", "."},
      {"[dot]", "."},
      {"(dot)", "."},
      {"[:]", ":"},
      {"[://]", "://"},
      {"[@]", "@"},
      {"h**p", "http"},
  }};
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    bool replaced = false;
    char c = text[pos];
    if (c == 'h' || c == 'H' || c == '[' || c == '(' || c == '{') {
      for (const auto& [form, plain] : kForms) {
        if (StartsWithNoCase(text, pos, form)) {
          out.append(plain);
          pos += form.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out.push_back(text[pos++]);
  }
  return out;
}

const psl_ctx_t* PublicSuffixes() {
  static const psl_ctx_t* const kContext = psl_builtin();
  return kContext;
}

bool UsefulAddress(const IpAddress& ip) {
  if (ip.is_v4()) {
    uint32_t v = ip.v4();
    uint32_t first = v >> 24;
    if (first == 0 || first == 127 || first >= 224) return false;  // this, loopback, multicast+
    if ((v >> 16) == 0xA9FE) return false;                         // 169.254/16 link-local
    return true;
  }
  Uint128 v = ip.value();
  if (v == 0 || v == 1) return false;                      // :: and ::1
  if ((v >> 120) == 0xFF) return false;                    // ff00::/8 multicast
  if ((v >> 118) == (Uint128(0xFE80) >> 6)) return false;  // fe80::/10 link-local
  return true;
}

bool DomainWorthKeeping(const std::string& host) {
  size_t dot = host.rfind('.');
  if (dot == std::string::npos) return false;
  std::string_view last = std::string_view(host).substr(dot + 1);
  static constexpr std::array<std::string_view, 6> kFileLike = {"zip", "mov", "sh",
                                                                "py",  "md",  "rs"};
  if (std::find(kFileLike.begin(), kFileLike.end(), last) != kFileLike.end()) return false;
  const psl_ctx_t* psl = PublicSuffixes();
  if (psl == nullptr) return true;
  std::string tld(last);
  if (!psl_is_public_suffix2(psl, tld.c_str(), PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE)) {
    return false;
  }
  // The name must have a label of its own below the suffix ("co.uk" alone is no target).
  return psl_registrable_domain(psl, host.c_str()) != nullptr;
}

class Candidates {
 public:
  explicit Candidates(Reading& reading) : reading_(reading) {}

  void AddTarget(Target target) {
    if (reading_.candidate_targets.size() >= kMaxTargets) return;
    for (const Target& existing : reading_.candidate_targets) {
      if (existing.canonical == target.canonical) return;
    }
    reading_.candidate_targets.push_back(std::move(target));
  }

  void AddTime(const ZonedInstant& time) {
    if (reading_.candidate_times.size() >= kMaxTimes) return;
    for (const ZonedInstant& existing : reading_.candidate_times) {
      if (existing.instant == time.instant) return;
    }
    reading_.candidate_times.push_back(time);
  }

  bool TargetsFull() const { return reading_.candidate_targets.size() >= kMaxTargets; }

 private:
  Reading& reading_;
};

bool IsTokenBreak(char c) {
  return std::isspace(static_cast<unsigned char>(c)) || c == '<' || c == '>' || c == '"' ||
         c == '\'' || c == '`' || c == '|' || c == '\0';
}

void ReadToken(std::string_view token, Candidates& candidates) {
  // Surrounding punctuation is the sentence's, not the target's.
  while (!token.empty() && std::strchr("([{,;", token.front()) != nullptr) token.remove_prefix(1);
  while (!token.empty() && std::strchr(".,;:!?)]}*", token.back()) != nullptr) {
    token.remove_suffix(1);
  }
  if (token.size() < 4 || token.size() > 2000) return;

  // URLs: from the scheme on, whatever precedes it ("url=http://...").
  for (std::string_view scheme : {"https://", "http://", "ftp://"}) {
    size_t at = 0;
    while (at < token.size() && !StartsWithNoCase(token, at, scheme)) ++at;
    if (at < token.size()) {
      Result<Target> url = ParseTarget(token.substr(at));
      if (url.ok()) candidates.AddTarget(*std::move(url));
      return;
    }
  }
  if (token.find('@') != std::string_view::npos) return;  // a mail address

  // Addresses: IPv6 may carry a zone id, IPv4 a port.
  std::string_view address = token;
  if (size_t percent = address.find('%'); percent != std::string_view::npos) {
    address = address.substr(0, percent);
  }
  if (address.size() > 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  if (std::optional<IpAddress> ip = IpAddress::Parse(address)) {
    if (!UsefulAddress(*ip)) return;
    Target target;
    target.kind = TargetKind::kIp;
    target.ip = ip;
    target.canonical = ip->ToString();
    target.display = target.canonical;
    candidates.AddTarget(std::move(target));
    return;
  }
  if (size_t colon = address.find(':');
      colon != std::string_view::npos && address.find(':', colon + 1) == std::string_view::npos) {
    if (auto ip = IpAddress::Parse(address.substr(0, colon)); ip && ip->is_v4()) {
      if (UsefulAddress(*ip)) ReadToken(address.substr(0, colon), candidates);
      return;
    }
  }

  // Bare domains, possibly with a path ("example.com/login").
  std::string_view host = token.substr(0, token.find_first_of("/?#"));
  if (host.find('.') == std::string_view::npos || IsDigit(host.back())) return;
  bool plausible = std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
           static_cast<unsigned char>(c) >= 0x80;
  });
  if (!plausible || host.front() == '.' || host.front() == '-') return;
  std::optional<std::string> normalized = NormalizeHostName(host);
  if (!normalized || !DomainWorthKeeping(*normalized)) return;
  Result<Target> target = ParseTarget(token);
  if (target.ok()) candidates.AddTarget(*std::move(target));
}

// ---------------------------------------------------------------------------------------------
// Times.

// Reads `count` digits at `pos`; false when they are not all there.
bool Digits(std::string_view text, size_t pos, size_t count) {
  if (pos + count > text.size()) return false;
  for (size_t i = 0; i < count; ++i) {
    if (!IsDigit(text[pos + i])) return false;
  }
  return pos + count == text.size() || !IsDigit(text[pos + count]);
}

// From `pos` at "HH:MM", the end of "HH:MM[:SS][.frac]".
size_t TimeOfDayEnd(std::string_view text, size_t pos) {
  if (pos + 5 > text.size() || !IsDigit(text[pos]) || !IsDigit(text[pos + 1]) ||
      text[pos + 2] != ':' || !Digits(text, pos + 3, 2)) {
    // One-digit hours occur in RFC 2822 dates ("9:05:00").
    if (pos + 4 > text.size() || !IsDigit(text[pos]) || text[pos + 1] != ':' ||
        !Digits(text, pos + 2, 2)) {
      return 0;
    }
    pos -= 1;
  }
  size_t end = pos + 5;
  if (end + 3 <= text.size() && text[end] == ':' && Digits(text, end + 1, 2)) end += 3;
  if (end < text.size() && (text[end] == '.' || text[end] == ',')) {
    size_t frac = end + 1;
    while (frac < text.size() && frac - end <= 9 && IsDigit(text[frac])) ++frac;
    if (frac > end + 1) end = frac;
  }
  return end;
}

// From `pos` just after the time of day, the end of its zone, or 0 when there is none.
size_t ZoneEnd(std::string_view text, size_t pos) {
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z') &&
      (pos + 1 == text.size() || !std::isalnum(static_cast<unsigned char>(text[pos + 1])))) {
    return pos + 1;
  }
  if (pos < text.size() && text[pos] == ' ') ++pos;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    if (pos + 5 <= text.size() && Digits(text, pos + 1, 4)) return pos + 5;
    if (pos + 6 <= text.size() && IsDigit(text[pos + 1]) && IsDigit(text[pos + 2]) &&
        text[pos + 3] == ':' && Digits(text, pos + 4, 2)) {
      return pos + 6;
    }
    if (Digits(text, pos + 1, 2)) return pos + 3;
    return 0;
  }
  static constexpr std::array<std::string_view, 12> kNames = {
      "UTC", "GMT", "UT", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT", "Z"};
  for (std::string_view name : kNames) {
    if (text.substr(pos, name.size()) == name &&
        (pos + name.size() == text.size() ||
         !std::isalpha(static_cast<unsigned char>(text[pos + name.size()])))) {
      return pos + name.size();
    }
  }
  return 0;
}

void AddTimeText(const std::string& text, Candidates& candidates) {
  bool zone_given = false;
  std::optional<ZonedInstant> time = ParseMailTime(text, &zone_given);
  if (time && zone_given) candidates.AddTime(*time);
}

int MonthOf(std::string_view word) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (word.size() < 3) return 0;
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (Lower(word[0]) == kMonths[i][0] && Lower(word[1]) == kMonths[i][1] &&
        Lower(word[2]) == kMonths[i][2]) {
      return static_cast<int>(i) + 1;
    }
  }
  return 0;
}

void ExtractTimes(std::string_view text, Candidates& candidates) {
  for (size_t pos = 0; pos + 10 <= text.size(); ++pos) {
    if (!IsDigit(text[pos]) || (pos > 0 && IsDigit(text[pos - 1]))) continue;

    // ISO 8601: YYYY-MM-DD[T ]HH:MM...
    if (Digits(text, pos, 4) && text[pos + 4] == '-' && Digits(text, pos + 5, 2) &&
        pos + 10 < text.size() && text[pos + 7] == '-' && Digits(text, pos + 8, 2) &&
        pos + 11 < text.size() && (text[pos + 10] == 'T' || text[pos + 10] == ' ')) {
      size_t time_end = TimeOfDayEnd(text, pos + 11);
      if (time_end == 0) continue;
      size_t zone_end = ZoneEnd(text, time_end);
      if (zone_end == 0) continue;
      AddTimeText(std::string(text.substr(pos, zone_end - pos)), candidates);
      pos = zone_end - 1;
      continue;
    }

    // DD/MM/YYYY HH:MM[:SS] zone, read as day first (the European order).
    if (Digits(text, pos, 2) && text[pos + 2] == '/' && Digits(text, pos + 3, 2) &&
        text[pos + 5] == '/' && Digits(text, pos + 6, 4) && pos + 11 < text.size() &&
        text[pos + 10] == ' ') {
      size_t time_end = TimeOfDayEnd(text, pos + 11);
      if (time_end == 0) continue;
      size_t zone_end = ZoneEnd(text, time_end);
      if (zone_end == 0) continue;
      std::string iso = std::string(text.substr(pos + 6, 4)) + "-" +
                        std::string(text.substr(pos + 3, 2)) + "-" +
                        std::string(text.substr(pos, 2)) + " " +
                        std::string(text.substr(pos + 11, zone_end - pos - 11));
      AddTimeText(iso, candidates);
      pos = zone_end - 1;
      continue;
    }

    // RFC 2822: D[D] Mon YYYY HH:MM[:SS] zone, with the weekday before it if any.
    size_t day_digits = IsDigit(text[pos + 1]) ? 2 : 1;
    size_t cursor = pos + day_digits;
    if (cursor < text.size() && text[cursor] == ' ' && MonthOf(text.substr(cursor + 1, 3)) > 0 &&
        cursor + 4 < text.size() && text[cursor + 4] == ' ' && Digits(text, cursor + 5, 4) &&
        cursor + 9 < text.size() && text[cursor + 9] == ' ') {
      size_t time_end = TimeOfDayEnd(text, cursor + 10);
      if (time_end == 0) continue;
      size_t zone_end = ZoneEnd(text, time_end);
      if (zone_end == 0) continue;
      AddTimeText(std::string(text.substr(pos, zone_end - pos)), candidates);
      pos = zone_end - 1;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Keywords.

struct Keywords {
  std::string_view abuse_type;
  std::array<std::string_view, 6> words;
};

// Lower-case, UTF-8. The first entry is checked on its own (see the file comment).
constexpr std::array<Keywords, 10> kKeywords = {{
    {"child_sexual_abuse",
     {"child sexual abuse", "child abuse material", "csam", "pédopornograph", "pedopornograph",
      "pédocriminalité"}},
    {"phishing", {"phishing", "hameçonnage", "hameconnage", "credential theft", "", ""}},
    {"copyright",
     {"copyright", "dmca", "droit d'auteur", "droits d'auteur", "infringement", "contrefaçon"}},
    {"malware", {"malware", "logiciel malveillant", "trojan", "ransomware", "cheval de troie", ""}},
    {"virus", {"virus", "", "", "", "", ""}},
    {"dos", {"ddos", "denial of service", "déni de service", "dos attack", "flood", ""}},
    {"bruteforce",
     {"brute force", "brute-force", "bruteforce", "force brute", "dictionary attack", ""}},
    {"botnet", {"botnet", "command and control", "c&c server", "bot net", "", ""}},
    {"spam", {"spam", "pourriel", "courriel indésirable", "unsolicited e", "", ""}},
    {"scam", {"scam", "fraud", "arnaque", "escroquerie", "", ""}},
}};

size_t CountOccurrences(std::string_view text, std::string_view word) {
  if (word.empty()) return 0;
  size_t count = 0;
  for (size_t at = text.find(word); at != std::string_view::npos && count < 1000;
       at = text.find(word, at + word.size())) {
    ++count;
  }
  return count;
}

std::string SuggestType(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = Lower(c);
  std::string_view best;
  size_t best_count = 0;
  for (size_t i = 0; i < kKeywords.size(); ++i) {
    size_t count = 0;
    for (std::string_view word : kKeywords[i].words) count += CountOccurrences(lower, word);
    if (i == 0 && count > 0) return std::string(kKeywords[i].abuse_type);
    if (count > best_count) {
      best = kKeywords[i].abuse_type;
      best_count = count;
    }
  }
  return std::string(best);
}

}  // namespace

std::string HtmlToText(std::string_view html) {
  std::string out;
  out.reserve(std::min(html.size(), kMaxTextBytes));
  size_t pos = 0;
  while (pos < html.size() && out.size() < kMaxTextBytes) {
    char c = html[pos];
    if (c == '&') {
      AppendEntity(html, pos, out);
      continue;
    }
    if (c != '<') {
      out.push_back(c);
      ++pos;
      continue;
    }
    if (html.substr(pos, 4) == "<!--") {
      size_t end = html.find("-->", pos + 4);
      pos = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    size_t close = html.find('>', pos);
    if (close == std::string_view::npos) break;
    std::string tag;
    for (size_t i = pos + 1; i < close && tag.size() < 2048; ++i) tag.push_back(Lower(html[i]));
    std::string_view name = tag;
    if (!name.empty() && name.front() == '/') name.remove_prefix(1);
    name = name.substr(0, name.find_first_of(" \t\r\n/"));

    // Script and style bodies are not text at all.
    if (!tag.starts_with("/") && (name == "script" || name == "style")) {
      std::string closing = "</" + std::string(name);
      size_t end = close;
      while (end != std::string_view::npos) {
        end = html.find("</", end);
        if (end == std::string_view::npos || StartsWithNoCase(html, end, closing)) break;
        end += 2;
      }
      if (end == std::string_view::npos) break;
      size_t after = html.find('>', end);
      pos = after == std::string_view::npos ? html.size() : after + 1;
      continue;
    }
    // A link's target is what an abuse report is usually about: keep it beside the text.
    std::string_view link = LinkOf(std::string_view(html).substr(pos, close - pos));
    out.push_back(IsBlockTag(name) ? '\n' : ' ');
    if (!link.empty() && link.size() < 2048) {
      std::string decoded;
      for (size_t i = 0; i < link.size();) {
        if (link[i] == '&')
          AppendEntity(link, i, decoded);
        else
          decoded.push_back(link[i++]);
      }
      out.append(decoded).push_back(' ');
    }
    pos = close + 1;
  }
  return out;
}

void ExtractCandidates(std::string_view text, Reading& reading) {
  if (text.size() > kMaxTextBytes) text = text.substr(0, kMaxTextBytes);
  std::string refanged = Refang(text);
  Candidates candidates(reading);

  std::string_view view = refanged;
  size_t pos = 0;
  while (pos < view.size() && !candidates.TargetsFull()) {
    while (pos < view.size() && IsTokenBreak(view[pos])) ++pos;
    size_t start = pos;
    while (pos < view.size() && !IsTokenBreak(view[pos])) ++pos;
    if (pos > start) ReadToken(view.substr(start, pos - start), candidates);
  }
  ExtractTimes(view, candidates);
  if (reading.suggested_abuse_type.empty()) reading.suggested_abuse_type = SuggestType(view);
}

Reading ReadFreeText(const MimeMessage& message, const ReadingOptions&) {
  Reading reading;
  reading.format = "free_text";
  reading.status = ReadingStatus::kNeedsHuman;
  reading.reason = "free_text";

  // The subject often names the abuse and the target on its own.
  std::string all_text = FindHeader(message.headers, "Subject");
  all_text.push_back('\n');
  size_t parts = 0;
  for (const MimeEntity& entity : message.entities) {
    if (all_text.size() >= kMaxTextBytes) break;
    if (entity.content_type == "text/html") {
      all_text += HtmlToText(std::string_view(entity.body).substr(0, kMaxTextBytes));
    } else if (entity.content_type == "text/plain" || entity.content_type.empty()) {
      all_text.append(std::string_view(entity.body).substr(0, kMaxTextBytes));
    } else {
      continue;
    }
    all_text.push_back('\n');
    ++parts;
  }
  ExtractCandidates(all_text, reading);
  reading.detail = "free text in " + std::to_string(parts) +
                   " part(s): " + std::to_string(reading.candidate_targets.size()) +
                   " candidate target(s), " + std::to_string(reading.candidate_times.size()) +
                   " candidate time(s)";
  return reading;
}

}  // namespace vigie::reading
