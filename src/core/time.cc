#include "core/time.h"

#include <date/date.h>
#include <date/tz.h>

#include <charconv>
#include <cstdio>

namespace vigie {
namespace {

// Reads exactly `width` digits at `pos`; advances `pos`.
bool ReadDigits(std::string_view text, size_t& pos, size_t width, int& out) {
  if (pos + width > text.size()) return false;
  int value = 0;
  for (size_t i = 0; i < width; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += width;
  out = value;
  return true;
}

bool Expect(std::string_view text, size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

bool ValidCivil(int year, int month, int day) {
  return date::year_month_day(date::year(year), date::month(static_cast<unsigned>(month)),
                              date::day(static_cast<unsigned>(day)))
      .ok();
}

}  // namespace

std::optional<ZonedInstant> ParseRfc3339(std::string_view text) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, pos, 4, year) || !Expect(text, pos, '-') ||
      !ReadDigits(text, pos, 2, month) || !Expect(text, pos, '-') ||
      !ReadDigits(text, pos, 2, day)) {
    return std::nullopt;
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) {
    return std::nullopt;
  }
  ++pos;
  if (!ReadDigits(text, pos, 2, hour) || !Expect(text, pos, ':') ||
      !ReadDigits(text, pos, 2, minute) || !Expect(text, pos, ':') ||
      !ReadDigits(text, pos, 2, second)) {
    return std::nullopt;
  }
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  if (pos >= text.size()) return std::nullopt;

  int offset = 0;
  char sign = text[pos];
  if (sign == 'Z' || sign == 'z') {
    ++pos;
  } else if (sign == '+' || sign == '-') {
    ++pos;
    int off_h = 0, off_m = 0;
    if (!ReadDigits(text, pos, 2, off_h) || !Expect(text, pos, ':') ||
        !ReadDigits(text, pos, 2, off_m) || off_h > 23 || off_m > 59) {
      return std::nullopt;
    }
    offset = (off_h * 60 + off_m) * (sign == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || !ValidCivil(year, month, day) || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }
  if (second == 60) second = 59;  // a leap second is the last second of its minute

  auto days = date::sys_days(date::year(year) / month / day);
  Instant local = std::chrono::time_point_cast<std::chrono::seconds>(days) +
                  std::chrono::hours(hour) + std::chrono::minutes(minute) +
                  std::chrono::seconds(second);
  return ZonedInstant{local - std::chrono::minutes(offset), offset, ""};
}

std::string FormatRfc3339(Instant instant, int offset_minutes) {
  Instant local = instant + std::chrono::minutes(offset_minutes);
  auto days = std::chrono::floor<date::days>(local);
  date::year_month_day ymd(days);
  date::hh_mm_ss<std::chrono::seconds> hms(local - days);
  char buffer[40];
  int written = std::snprintf(
      buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
      static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
      static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
      static_cast<int>(hms.seconds().count()));
  std::string out(buffer, static_cast<size_t>(written));
  if (offset_minutes == 0) {
    out += 'Z';
  } else {
    int magnitude = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    std::snprintf(buffer, sizeof buffer, "%c%02d:%02d", offset_minutes < 0 ? '-' : '+',
                  magnitude / 60, magnitude % 60);
    out += buffer;
  }
  return out;
}

bool IsKnownTimeZone(std::string_view zone) {
  if (zone.empty() || zone.size() > 64) return false;
  try {
    return date::locate_zone(std::string(zone)) != nullptr;
  } catch (const std::exception&) {
    return false;
  }
}

std::optional<ZonedInstant> LocalTimeToInstant(std::string_view date_text,
                                               std::string_view time_text, std::string_view zone,
                                               LocalTimeProblem* problem) {
  auto fail = [&](LocalTimeProblem why) -> std::optional<ZonedInstant> {
    if (problem) *problem = why;
    return std::nullopt;
  };
  size_t pos = 0;
  int year = 0, month = 0, day = 0;
  if (!ReadDigits(date_text, pos, 4, year) || !Expect(date_text, pos, '-') ||
      !ReadDigits(date_text, pos, 2, month) || !Expect(date_text, pos, '-') ||
      !ReadDigits(date_text, pos, 2, day) || pos != date_text.size() || month < 1 || month > 12 ||
      day < 1 || !ValidCivil(year, month, day)) {
    return fail(LocalTimeProblem::kBadDate);
  }
  pos = 0;
  int hour = 0, minute = 0, second = 0;
  if (!ReadDigits(time_text, pos, 2, hour) || !Expect(time_text, pos, ':') ||
      !ReadDigits(time_text, pos, 2, minute)) {
    return fail(LocalTimeProblem::kBadTime);
  }
  if (pos < time_text.size() &&
      (!Expect(time_text, pos, ':') || !ReadDigits(time_text, pos, 2, second))) {
    return fail(LocalTimeProblem::kBadTime);
  }
  if (pos != time_text.size() || hour > 23 || minute > 59 || second > 59) {
    return fail(LocalTimeProblem::kBadTime);
  }
  if (!IsKnownTimeZone(zone)) return fail(LocalTimeProblem::kUnknownZone);

  const date::time_zone* tz = date::locate_zone(std::string(zone));
  auto local = date::local_days(date::year(year) / month / day) + std::chrono::hours(hour) +
               std::chrono::minutes(minute) + std::chrono::seconds(second);
  date::local_info info = tz->get_info(local);
  std::chrono::seconds offset;
  switch (info.result) {
    case date::local_info::unique:
    case date::local_info::ambiguous:
      offset = info.first.offset;
      break;
    default:
      return fail(LocalTimeProblem::kNonexistent);
  }
  Instant instant(local.time_since_epoch() - offset);
  if (problem) *problem = LocalTimeProblem::kNone;
  return ZonedInstant{instant, static_cast<int>(offset.count() / 60), std::string(zone)};
}

Instant Now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace vigie
