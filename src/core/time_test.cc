#include "core/time.h"

#include <gtest/gtest.h>

namespace vigie {
namespace {

TEST(Time, ParsesRfc3339WithOffset) {
  auto parsed = ParseRfc3339("2026-03-01T14:05:00+01:00");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(FormatRfc3339(parsed->instant), "2026-03-01T13:05:00Z");
  EXPECT_EQ(parsed->offset_minutes, 60);
  EXPECT_EQ(FormatRfc3339(parsed->instant, parsed->offset_minutes), "2026-03-01T14:05:00+01:00");
}

TEST(Time, ParsesFractionsAndZulu) {
  auto parsed = ParseRfc3339("2025-01-11T09:21:23.123456Z");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(FormatRfc3339(parsed->instant), "2025-01-11T09:21:23Z");
}

TEST(Time, RefusesMissingOffsetAndNonsense) {
  EXPECT_FALSE(ParseRfc3339("2026-03-01T14:05:00"));
  EXPECT_FALSE(ParseRfc3339("2026-02-30T14:05:00Z"));
  EXPECT_FALSE(ParseRfc3339("2026-03-01 14:05"));
  EXPECT_FALSE(ParseRfc3339("yesterday"));
  EXPECT_FALSE(ParseRfc3339("2026-03-01T14:05:00+24:00"));
}

TEST(Time, LocalParisWinterTimeIsUtcPlusOne) {
  auto zoned = LocalTimeToInstant("2026-01-15", "10:30", "Europe/Paris");
  ASSERT_TRUE(zoned);
  EXPECT_EQ(FormatRfc3339(zoned->instant), "2026-01-15T09:30:00Z");
  EXPECT_EQ(zoned->offset_minutes, 60);
}

TEST(Time, LocalParisSummerTimeIsUtcPlusTwo) {
  auto zoned = LocalTimeToInstant("2026-07-15", "10:30:15", "Europe/Paris");
  ASSERT_TRUE(zoned);
  EXPECT_EQ(FormatRfc3339(zoned->instant), "2026-07-15T08:30:15Z");
}

TEST(Time, SkippedLocalTimeIsNonexistent) {
  LocalTimeProblem problem;
  EXPECT_FALSE(LocalTimeToInstant("2026-03-29", "02:30", "Europe/Paris", &problem));
  EXPECT_EQ(problem, LocalTimeProblem::kNonexistent);
}

TEST(Time, RepeatedLocalTimeTakesFirstOccurrence) {
  auto zoned = LocalTimeToInstant("2026-10-25", "02:30", "Europe/Paris");
  ASSERT_TRUE(zoned);
  EXPECT_EQ(FormatRfc3339(zoned->instant), "2026-10-25T00:30:00Z");
}

TEST(Time, UnknownZoneAndBadFieldsAreNamed) {
  LocalTimeProblem problem;
  EXPECT_FALSE(LocalTimeToInstant("2026-01-15", "10:30", "Mars/Olympus", &problem));
  EXPECT_EQ(problem, LocalTimeProblem::kUnknownZone);
  EXPECT_FALSE(LocalTimeToInstant("2026-13-15", "10:30", "UTC", &problem));
  EXPECT_EQ(problem, LocalTimeProblem::kBadDate);
  EXPECT_FALSE(LocalTimeToInstant("2026-01-15", "25:30", "UTC", &problem));
  EXPECT_EQ(problem, LocalTimeProblem::kBadTime);
}

}  // namespace
}  // namespace vigie
