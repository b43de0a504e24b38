#include <date/date.h>

#include <array>
#include <cctype>
#include <string>

#include "core/text.h"
#include "reading/formats.h"

namespace vigie::reading {
namespace {

// A cursor over the text with the few token readers both syntaxes need.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  void SkipSpaces() {
    while (!AtEnd() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  bool Take(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  // Reads 1 to `max_width` digits.
  bool Number(int& out, size_t min_width, size_t max_width) {
    size_t start = pos_;
    int value = 0;
    while (!AtEnd() && pos_ - start < max_width &&
           std::isdigit(static_cast<unsigned char>(Peek()))) {
      value = value * 10 + (text_[pos_] - '0');
      ++pos_;
    }
    if (pos_ - start < min_width) {
      pos_ = start;
      return false;
    }
    out = value;
    return true;
  }
  std::string Word() {
    size_t start = pos_;
    while (!AtEnd() && std::isalpha(static_cast<unsigned char>(Peek()))) ++pos_;
    std::string word(text_.substr(start, pos_ - start));
    for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return word;
  }
  std::string_view Rest() const { return text_.substr(std::min(pos_, text_.size())); }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

int MonthNumber(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (name.size() < 3) return 0;
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (name.substr(0, 3) == kMonths[i]) return static_cast<int>(i) + 1;
  }
  return 0;
}

// RFC 5322 section 4.3 zone names, in minutes east of UTC.
std::optional<int> NamedZone(std::string_view name) {
  if (name == "ut" || name == "utc" || name == "gmt" || name == "z") return 0;
  if (name == "edt") return -4 * 60;
  if (name == "est" || name == "cdt") return -5 * 60;
  if (name == "cst" || name == "mdt") return -6 * 60;
  if (name == "mst" || name == "pdt") return -7 * 60;
  if (name == "pst") return -8 * 60;
  return std::nullopt;
}

// Reads "+hhmm", "+hh:mm", "+hh" or a zone name; nothing at all leaves `given` false.
bool ReadZone(Cursor& cursor, int& offset, bool& given) {
  cursor.SkipSpaces();
  given = false;
  offset = 0;
  if (cursor.AtEnd() || cursor.Peek() == '(') return true;
  char sign = cursor.Peek();
  if (sign == '+' || sign == '-') {
    cursor.Take(sign);
    int hours = 0, minutes = 0;
    if (!cursor.Number(hours, 2, 2)) return false;
    cursor.Take(':');
    if (!cursor.Number(minutes, 2, 2)) minutes = 0;
    if (hours > 23 || minutes > 59) return false;
    offset = (hours * 60 + minutes) * (sign == '-' ? -1 : 1);
    given = true;
    return true;
  }
  std::optional<int> named = NamedZone(cursor.Word());
  if (!named) return false;
  offset = *named;
  given = true;
  return true;
}

// After the zone only a comment ("(CET)") or spaces may follow.
bool OnlyCommentLeft(Cursor& cursor) {
  cursor.SkipSpaces();
  std::string_view rest = cursor.Rest();
  return rest.empty() || (rest.front() == '(' && rest.find(')') != std::string_view::npos);
}

std::optional<ZonedInstant> Build(int year, int month, int day, int hour, int minute, int second,
                                  int offset) {
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  if (second == 60) second = 59;  // a leap second is not worth losing the event for
  date::year_month_day civil{date::year(year), date::month(static_cast<unsigned>(month)),
                             date::day(static_cast<unsigned>(day))};
  if (!civil.ok() || year < 1970 || year > 9999) return std::nullopt;
  auto local = date::sys_days(civil) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
               std::chrono::seconds(second);
  ZonedInstant result;
  result.instant = Instant(local - std::chrono::minutes(offset));
  result.offset_minutes = offset;
  return result;
}

std::optional<ZonedInstant> ParseIso(std::string_view text, bool* zone_given) {
  Cursor cursor(text);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!cursor.Number(year, 4, 4) || !cursor.Take('-') || !cursor.Number(month, 2, 2) ||
      !cursor.Take('-') || !cursor.Number(day, 2, 2)) {
    return std::nullopt;
  }
  if (!cursor.Take('T') && !cursor.Take('t') && !cursor.Take(' ')) return std::nullopt;
  cursor.SkipSpaces();
  if (!cursor.Number(hour, 2, 2) || !cursor.Take(':') || !cursor.Number(minute, 2, 2)) {
    return std::nullopt;
  }
  if (cursor.Take(':') && !cursor.Number(second, 2, 2)) return std::nullopt;
  if (cursor.Take('.') || cursor.Take(',')) {
    int ignored = 0;
    if (!cursor.Number(ignored, 1, 9)) return std::nullopt;
    while (std::isdigit(static_cast<unsigned char>(cursor.Peek()))) cursor.Take(cursor.Peek());
  }
  int offset = 0;
  bool given = false;
  if (!ReadZone(cursor, offset, given) || !OnlyCommentLeft(cursor)) return std::nullopt;
  if (zone_given) *zone_given = given;
  return Build(year, month, day, hour, minute, second, offset);
}

std::optional<ZonedInstant> ParseRfc5322(std::string_view text, bool* zone_given) {
  Cursor cursor(text);
  cursor.SkipSpaces();
  // Optional day of week.
  if (std::isalpha(static_cast<unsigned char>(cursor.Peek()))) {
    cursor.Word();
    cursor.Take(',');
    cursor.SkipSpaces();
  }
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  if (!cursor.Number(day, 1, 2)) return std::nullopt;
  cursor.SkipSpaces();
  int month = MonthNumber(cursor.Word());
  if (month == 0) return std::nullopt;
  cursor.SkipSpaces();
  if (!cursor.Number(year, 2, 4)) return std::nullopt;
  if (year < 50)
    year += 2000;  // RFC 5322 section 4.3: two-digit years
  else if (year < 1000)
    year += 1900;
  cursor.SkipSpaces();
  if (!cursor.Number(hour, 1, 2) || !cursor.Take(':') || !cursor.Number(minute, 2, 2)) {
    return std::nullopt;
  }
  if (cursor.Take(':') && !cursor.Number(second, 2, 2)) return std::nullopt;
  int offset = 0;
  bool given = false;
  if (!ReadZone(cursor, offset, given) || !OnlyCommentLeft(cursor)) return std::nullopt;
  if (zone_given) *zone_given = given;
  return Build(year, month, day, hour, minute, second, offset);
}

}  // namespace

std::optional<ZonedInstant> ParseMailTime(std::string_view text, bool* zone_given) {
  text = TrimSpace(text);
  if (text.size() > 100) return std::nullopt;
  if (text.size() >= 10 && std::isdigit(static_cast<unsigned char>(text[0])) && text[4] == '-') {
    return ParseIso(text, zone_given);
  }
  return ParseRfc5322(text, zone_given);
}

std::string ClampSummary(std::string_view text) {
  std::string valid = ToValidUtf8(text);
  std::string out;
  out.reserve(std::min<size_t>(valid.size(), 200));
  bool space = false;
  for (unsigned char c : valid) {
    if (c < 0x20 || c == 0x7f || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) {
      out.push_back(' ');
      space = false;
    }
    out.push_back(static_cast<char>(c));
  }
  if (out.size() <= 200) return out;
  size_t cut = 200;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  out.resize(cut);
  return out;
}

}  // namespace vigie::reading
