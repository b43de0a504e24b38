#include "web/http.h"

#include <gtest/gtest.h>

namespace vigie::web {
namespace {

TEST(Http, DecodesFormBodies) {
  auto fields = ParseUrlEncoded("targets=192.0.2.1%0D%0Aexample.com&good_faith=on&x=a+b&empty=");
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields[0].second, "192.0.2.1\r\nexample.com");
  EXPECT_EQ(fields[2].second, "a b");
  EXPECT_EQ(fields[3].second, "");
}

TEST(Http, KeepsMalformedPercentEscapesLiterally) {
  EXPECT_EQ(PercentDecode("100%", true), "100%");
  EXPECT_EQ(PercentDecode("%zz%4", true), "%zz%4");
  EXPECT_EQ(PercentDecode("%41", false), "A");
}

TEST(Http, ReadsCookiesAndQuery) {
  Request request;
  request.headers = {{"cookie", "a=1; vigie_lang=fr; b=2"}};
  request.query = "lang=en&token=abc%2Bdef";
  EXPECT_EQ(request.Cookie("vigie_lang"), "fr");
  EXPECT_EQ(request.Cookie("missing"), "");
  EXPECT_EQ(request.Query("token"), "abc+def");
}

TEST(Http, RecognisesValidAndInvalidUtf8) {
  EXPECT_TRUE(IsValidUtf8("héllo ✓ 𝄞"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));      // truncated
}

TEST(Http, PercentEncodesReservedBytes) {
  EXPECT_EQ(PercentEncode("a+b/c d"), "a%2Bb%2Fc%20d");
}

}  // namespace
}  // namespace vigie::web
