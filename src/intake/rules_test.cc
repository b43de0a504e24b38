#include "intake/rules.h"

#include <gtest/gtest.h>

#include <string>

#include "intake/test_support.h"

namespace vigie::intake::internal {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ASCII"));
  EXPECT_TRUE(IsValidUtf8("déjà vu, 日本語, emoji \xf0\x9f\x98\x80"));
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
}

TEST(Utf8, RefusesMalformedText) {
  EXPECT_FALSE(IsValidUtf8("\xe9t\xe9"));         // Latin-1
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // overlong, three bytes
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xf5\x80\x80\x80"));  // invalid lead byte
  EXPECT_FALSE(IsValidUtf8("abc\xe2\x82"));       // truncated at the end
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation byte
}

TEST(Utf8, CountsCodePointsAndCutsOnBoundaries) {
  EXPECT_EQ(CountCodePoints("été"), 3u);
  EXPECT_EQ(Utf8Prefix("été", 2), "é");
  EXPECT_EQ(Utf8Prefix("été", 1), "");
  EXPECT_EQ(Utf8Prefix("abc", 10), "abc");
}

TEST(Text, ControlCharactersDependOnTheKindOfField) {
  ErrorList errors;
  EXPECT_TRUE(CheckText("two\nlines\tand a tab\r\n", TextKind::kMultiLine, "f", errors));
  EXPECT_FALSE(CheckText("one\nline", TextKind::kSingleLine, "f", errors));
  EXPECT_FALSE(CheckText("tab\t", TextKind::kSingleLine, "f", errors));
  EXPECT_FALSE(CheckText(std::string("nul\0", 4), TextKind::kMultiLine, "f", errors));
  EXPECT_FALSE(CheckText("escape \x1b[0m", TextKind::kMultiLine, "f", errors));
  EXPECT_FALSE(CheckText("delete \x7f", TextKind::kMultiLine, "f", errors));
  EXPECT_FALSE(CheckText("c1 \xc2\x9b", TextKind::kMultiLine, "f", errors));
  EXPECT_TRUE(CheckText("no-break\xc2\xa0space", TextKind::kSingleLine, "f", errors));
  EXPECT_FALSE(CheckText("\xff", TextKind::kMultiLine, "g", errors));
  std::vector<FieldError> list = errors.Take();
  ASSERT_EQ(list.size(), 7u);
  EXPECT_EQ(list[0].code, "control_characters");
  EXPECT_EQ(list[6].field, "g");
  EXPECT_EQ(list[6].code, "invalid_utf8");
}

TEST(Text, ReplaceControlCharacters) {
  EXPECT_EQ(ReplaceControlCharacters("a\nb\x7f"
                                     "c\xc2\x85"),
            "a\xef\xbf\xbd"
            "b\xef\xbf\xbd"
            "c\xef\xbf\xbd");
  EXPECT_EQ(ReplaceControlCharacters("clean é"), "clean é");
}

TEST(Text, TrimWhitespace) {
  EXPECT_EQ(TrimWhitespace(" \t\r\n x y \n"), "x y");
  EXPECT_EQ(TrimWhitespace(" \n "), "");
}

TEST(Email, PlausibleAddresses) {
  EXPECT_EQ(NormalizeEmail("alice@example.org"), "alice@example.org");
  EXPECT_EQ(NormalizeEmail("o'brien+tag@Sub.Example.ORG"), "o'brien+tag@sub.example.org");
  EXPECT_EQ(NormalizeEmail("jörg@müller.example"), "jörg@xn--mller-kva.example");
  EXPECT_EQ(NormalizeEmail("a@b.co"), "a@b.co");
}

TEST(Email, ImplausibleAddresses) {
  for (const char* bad :
       {"", "alice", "@example.org", "alice@", "alice@localhost", "alice@@example.org",
        "al ice@example.org", ".alice@example.org", "alice.@example.org", "a..b@example.org",
        "\"quoted\"@example.org", "alice@[192.0.2.1]", "alice@192.0.2.1", "alice@example.org.",
        "alice@exa mple.org", "alice@-bad.example", "a<b>@example.org", "alice@example..org"}) {
    EXPECT_EQ(NormalizeEmail(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(NormalizeEmail(std::string(65, 'a') + "@example.org"), std::nullopt);
  EXPECT_TRUE(NormalizeEmail(std::string(64, 'a') + "@example.org").has_value());
}

TEST(Language, NormalisesEnglishAndFrench) {
  EXPECT_EQ(NormalizeLanguage("en"), "en");
  EXPECT_EQ(NormalizeLanguage("FR"), "fr");
  EXPECT_EQ(NormalizeLanguage("fr-CA"), "fr");
  EXPECT_EQ(NormalizeLanguage("en_GB"), "en");
  EXPECT_EQ(NormalizeLanguage("de"), std::nullopt);
  EXPECT_EQ(NormalizeLanguage("fre"), std::nullopt);
  EXPECT_EQ(NormalizeLanguage("f"), std::nullopt);
  EXPECT_EQ(NormalizeLanguage(""), std::nullopt);
}

TEST(Description, LimitsAreInclusive) {
  IntakePolicy policy = testing::TestPolicy();
  policy.max_description_bytes = 12;
  ErrorList errors;
  EXPECT_EQ(ReadDescription("  0123456789ab  ", policy, "d", errors), "0123456789ab");
  EXPECT_EQ(ReadDescription("0123456789", policy, "d", errors), "0123456789");
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(ReadDescription("0123456789abc", policy, "d", errors), "");
  EXPECT_EQ(ReadDescription("012345678", policy, "d", errors), "");
  std::vector<FieldError> list = errors.Take();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].code, "too_long");
  EXPECT_EQ(list[1].code, "too_short");
}

TEST(TimeWindow, BoundariesAreAccepted) {
  IntakePolicy policy = testing::TestPolicy();
  ErrorList errors;
  CheckTimeWindow(policy.now + policy.future_tolerance, policy, "t", errors);
  CheckTimeWindow(policy.now - policy.max_age, policy, "t", errors);
  EXPECT_TRUE(errors.empty());
  CheckTimeWindow(policy.now + policy.future_tolerance + std::chrono::seconds(1), policy, "t",
                  errors);
  CheckTimeWindow(policy.now - policy.max_age - std::chrono::seconds(1), policy, "t", errors);
  std::vector<FieldError> list = errors.Take();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].code, "in_future");
  EXPECT_EQ(list[1].code, "too_old");
}

TEST(Checkbox, TickedValues) {
  for (const char* yes : {"on", "ON", "yes", "1", "true", "True"}) EXPECT_TRUE(IsTicked(yes));
  for (const char* no : {"", "off", "0", "no", "false", "onn", "checked"}) {
    EXPECT_FALSE(IsTicked(no)) << no;
  }
}

}  // namespace
}  // namespace vigie::intake::internal
