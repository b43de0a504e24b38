// Instants, RFC 3339 text and local times in IANA time zones.
//
// Every instant vigie stores is UTC seconds since the epoch. What a reporter typed (a local
// date, time and zone, or an RFC 3339 string with an offset) is kept beside it for display,
// because "14:05 Europe/Paris" is what the reporter will recognise in later mail.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigie {

using Instant = std::chrono::sys_seconds;

// An instant as a reporter expressed it: the UTC instant and the offset in force there.
struct ZonedInstant {
  Instant instant;
  int offset_minutes = 0;  // local time = instant + offset
  std::string zone;        // IANA name when known ("Europe/Paris"), else empty
};

// Parses RFC 3339 date-time ("2026-03-01T14:05:00+01:00", "...Z", fractional seconds
// dropped). Returns nullopt for anything else, including a missing offset: an abuse time
// without a zone cannot be attributed.
std::optional<ZonedInstant> ParseRfc3339(std::string_view text);

// Formats as RFC 3339 with the given offset ("Z" for zero).
std::string FormatRfc3339(Instant instant, int offset_minutes = 0);

// True when `zone` names an IANA time zone known to this machine's tz database.
bool IsKnownTimeZone(std::string_view zone);

// Why a local time could not be turned into an instant.
enum class LocalTimeProblem { kNone, kBadDate, kBadTime, kUnknownZone, kNonexistent };

// Converts a local wall-clock date ("2026-03-01") and time ("14:05" or "14:05:30") in the IANA
// zone `zone` to an instant. A time repeated by a backward clock change resolves to its first
// occurrence; a time skipped by a forward change is kNonexistent.
std::optional<ZonedInstant> LocalTimeToInstant(std::string_view date, std::string_view time,
                                               std::string_view zone,
                                               LocalTimeProblem* problem = nullptr);

// Seconds since the epoch, for storage.
inline int64_t ToUnixSeconds(Instant instant) {
  return instant.time_since_epoch().count();
}
inline Instant FromUnixSeconds(int64_t seconds) {
  return Instant(std::chrono::seconds(seconds));
}

// The current instant from the system clock, truncated to seconds.
Instant Now();

}  // namespace vigie
