#include "mail/message.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mail/mail_test_util.h"

namespace vigie::mail {
namespace {

using testing::DecodeHeaderValue;
using testing::DecodeQuotedPrintable;
using testing::ParsedMail;
using testing::ParseMail;

// 2026-12-04T16:20:45Z, a Friday.
constexpr Instant kDate{std::chrono::seconds(1796401245)};

Message SampleMessage() {
  Message message;
  message.from = "abuse@provider.example";
  message.from_name = "Provider abuse team";
  message.to = "reporter@example.org";
  message.reply_to = "abuse-replies@provider.example";
  message.subject = "[R-2026-0042] We have received your abuse report";
  message.text = "Hello,\n\nThank you for your report.\n";
  message.html = "<p>Hello,</p>\n<p>Thank you for your report.</p>\n";
  message.language = "en";
  message.extra_headers = {{"X-Vigie-Reference", "R-2026-0042"}};
  return message;
}

std::string ComposeOrDie(const Message& message) {
  Result<std::string> composed = ComposeRfc5322(message, kDate);
  EXPECT_TRUE(composed.ok()) << composed.error().code << ": " << composed.error().message;
  return composed.ok() ? *composed : std::string();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find("\r\n", pos);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 2;
  }
  return lines;
}

TEST(Compose, WritesEveryHeaderInOrder) {
  std::string mail = ComposeOrDie(SampleMessage());
  ParsedMail parsed = ParseMail(mail);

  EXPECT_EQ(parsed.headers.Get("Date"), "Fri, 04 Dec 2026 16:20:45 +0000");
  EXPECT_EQ(parsed.headers.Get("From"), "\"Provider abuse team\" <abuse@provider.example>");
  EXPECT_EQ(parsed.headers.Get("To"), "reporter@example.org");
  EXPECT_EQ(parsed.headers.Get("Reply-To"), "abuse-replies@provider.example");
  EXPECT_EQ(parsed.headers.Get("Subject"), "[R-2026-0042] We have received your abuse report");
  EXPECT_EQ(parsed.headers.Get("MIME-Version"), "1.0");
  EXPECT_EQ(parsed.headers.Get("Content-Language"), "en");
  EXPECT_EQ(parsed.headers.Get("X-Vigie-Reference"), "R-2026-0042");

  std::vector<std::string> order;
  for (const auto& [name, value] : parsed.headers.fields) order.push_back(name);
  std::vector<std::string> expected = {"Date",
                                       "From",
                                       "To",
                                       "Reply-To",
                                       "Subject",
                                       "Message-ID",
                                       "MIME-Version",
                                       "Content-Language",
                                       "X-Vigie-Reference",
                                       "Content-Type"};
  EXPECT_EQ(order, expected);
}

TEST(Compose, EveryLineEndsWithCrlfAndStaysShort) {
  Message message = SampleMessage();
  message.text = std::string(300, 'a') + "\nshort\r\n" + std::string(200, 'b');
  std::string mail = ComposeOrDie(message);

  ASSERT_TRUE(mail.ends_with("\r\n"));
  for (size_t i = 0; i < mail.size(); ++i) {
    if (mail[i] == '\n') {
      EXPECT_TRUE(i > 0 && mail[i - 1] == '\r') << "bare LF at " << i;
    }
    if (mail[i] == '\r') {
      EXPECT_TRUE(i + 1 < mail.size() && mail[i + 1] == '\n') << "bare CR at " << i;
    }
  }
  for (const std::string& line : Lines(mail)) EXPECT_LE(line.size(), 78u) << line;
}

TEST(Compose, OmitsOptionalHeadersWhenEmpty) {
  Message message = SampleMessage();
  message.reply_to.clear();
  message.from_name.clear();
  message.language.clear();
  ParsedMail parsed = ParseMail(ComposeOrDie(message));

  EXPECT_EQ(parsed.headers.Get("From"), "abuse@provider.example");
  EXPECT_EQ(parsed.headers.Count("Reply-To"), 0u);
  EXPECT_EQ(parsed.headers.Count("Content-Language"), 0u);
}

TEST(Compose, NonAsciiSubjectIsEncodedAndDecodesBack) {
  Message message = SampleMessage();
  message.subject = "[R-2026-0042] Nous avons bien reçu votre signalement — merci, à bientôt";
  std::string mail = ComposeOrDie(message);
  ParsedMail parsed = ParseMail(mail);

  // The ASCII words stay readable; the others are encoded.
  std::string raw = parsed.headers.Get("Subject");
  EXPECT_TRUE(raw.starts_with("[R-2026-0042] Nous avons bien =?UTF-8?B?")) << raw;
  EXPECT_EQ(DecodeHeaderValue(raw), message.subject);
  for (const std::string& line : Lines(mail)) {
    for (unsigned char c : line) EXPECT_LT(c, 0x80) << "8-bit byte in " << line;
  }
}

TEST(Compose, SpacesAroundEncodedWordsSurviveDecoding) {
  for (std::string subject : {"é  è", "x  é  y", "é è", " é ", "été  ", "àéèùç€ ĳ 😀 ×"}) {
    Message message = SampleMessage();
    message.subject = subject;
    ParsedMail parsed = ParseMail(ComposeOrDie(message));
    EXPECT_EQ(DecodeHeaderValue(parsed.headers.Get("Subject")), subject);
  }
  Message message = SampleMessage();
  message.subject.clear();
  for (int i = 0; i < 40; ++i) message.subject += "àéè ";
  std::string mail = ComposeOrDie(message);
  EXPECT_EQ(DecodeHeaderValue(ParseMail(mail).headers.Get("Subject")), message.subject);
  for (const std::string& line : Lines(mail)) EXPECT_LE(line.size(), 78u);
}

TEST(Compose, LongAsciiSubjectIsFoldedAndUnfoldsBack) {
  Message message = SampleMessage();
  message.subject = "[R-2026-0042]";
  for (int i = 0; i < 20; ++i) message.subject += " word" + std::to_string(i);
  message.subject += "  two  spaces";
  std::string mail = ComposeOrDie(message);

  EXPECT_NE(mail.find("Subject: [R-2026-0042] word0"), std::string::npos);
  EXPECT_EQ(ParseMail(mail).headers.Get("Subject"), message.subject);
  for (const std::string& line : Lines(mail)) EXPECT_LE(line.size(), 78u);
}

TEST(Compose, SubjectThatLooksEncodedIsEncodedItself) {
  Message message = SampleMessage();
  message.subject = "=?UTF-8?B?SGVsbG8=?= is not mine";
  ParsedMail parsed = ParseMail(ComposeOrDie(message));
  EXPECT_EQ(DecodeHeaderValue(parsed.headers.Get("Subject")), message.subject);
}

TEST(Compose, DisplayNameIsQuotedOrEncoded) {
  Message message = SampleMessage();
  message.from_name = "Abuse \"desk\", Provider\\Example";
  ParsedMail parsed = ParseMail(ComposeOrDie(message));
  EXPECT_EQ(parsed.headers.Get("From"),
            "\"Abuse \\\"desk\\\", Provider\\\\Example\" <abuse@provider.example>");

  message.from_name = "Équipe abuse";
  parsed = ParseMail(ComposeOrDie(message));
  EXPECT_EQ(DecodeHeaderValue(parsed.headers.Get("From")), "Équipe abuse <abuse@provider.example>");
}

TEST(Compose, NonAsciiExtraHeaderIsEncoded) {
  Message message = SampleMessage();
  message.extra_headers = {{"X-Vigie-Note", "réf. à suivre"}};
  ParsedMail parsed = ParseMail(ComposeOrDie(message));
  EXPECT_EQ(DecodeHeaderValue(parsed.headers.Get("X-Vigie-Note")), "réf. à suivre");
}

TEST(Compose, LineBreakInAnyHeaderIsRefusedAsInjection) {
  const std::vector<std::string> hostile = {"x\r\nBcc: victim@example.net", "x\nBcc: a@b.c",
                                            "x\rBcc: a@b.c", std::string("x\0y", 3)};
  using Field = std::string Message::*;
  const std::vector<Field> fields = {&Message::from,    &Message::to,        &Message::reply_to,
                                     &Message::subject, &Message::from_name, &Message::message_id,
                                     &Message::language};
  for (Field field : fields) {
    for (const std::string& value : hostile) {
      Message message = SampleMessage();
      message.*field = value;
      Result<std::string> composed = ComposeRfc5322(message, kDate);
      ASSERT_FALSE(composed.ok());
      EXPECT_EQ(composed.error().code, "header_injection");
    }
  }

  Message message = SampleMessage();
  message.extra_headers = {{"X-Vigie-Reference", "R-1\r\nBcc: victim@example.net"}};
  Result<std::string> composed = ComposeRfc5322(message, kDate);
  ASSERT_FALSE(composed.ok());
  EXPECT_EQ(composed.error().code, "header_injection");

  message.extra_headers = {{"X-Evil\r\nBcc", "victim@example.net"}};
  composed = ComposeRfc5322(message, kDate);
  ASSERT_FALSE(composed.ok());
  EXPECT_EQ(composed.error().code, "header_injection");
}

TEST(Compose, MalformedOrReservedExtraHeaderIsRefused) {
  for (const std::string name : {"Bcc", "content-type", "From", "X Space", "X:Colon", ""}) {
    Message message = SampleMessage();
    message.extra_headers = {{name, "value"}};
    Result<std::string> composed = ComposeRfc5322(message, kDate);
    ASSERT_FALSE(composed.ok()) << name;
    EXPECT_EQ(composed.error().code, "invalid_header") << name;
  }
}

TEST(Compose, AddressThatIsNotPlainIsRefused) {
  for (const std::string address :
       {"", "no-at-sign", "Name <a@b.example>", "a@b.example, c@d.example", "a b@c.example", "a@",
        "@b.example", "é@b.example", "a@-b.example"}) {
    Message message = SampleMessage();
    message.to = address;
    Result<std::string> composed = ComposeRfc5322(message, kDate);
    ASSERT_FALSE(composed.ok()) << address;
    EXPECT_EQ(composed.error().code, "invalid_address") << address;
  }
}

TEST(Compose, MessageIdIsGeneratedOnSenderDomainOrKept) {
  Message message = SampleMessage();
  std::string first = ParseMail(ComposeOrDie(message)).headers.Get("Message-ID");
  std::string second = ParseMail(ComposeOrDie(message)).headers.Get("Message-ID");
  EXPECT_TRUE(first.starts_with("<")) << first;
  EXPECT_TRUE(first.ends_with("@provider.example>")) << first;
  EXPECT_NE(first, second);

  message.message_id = "<case-7.attempt@provider.example>";
  EXPECT_EQ(ParseMail(ComposeOrDie(message)).headers.Get("Message-ID"), message.message_id);

  message.message_id = "no-brackets@provider.example";
  Result<std::string> composed = ComposeRfc5322(message, kDate);
  ASSERT_FALSE(composed.ok());
  EXPECT_EQ(composed.error().code, "invalid_header");
}

TEST(Compose, BothPartsArePresentAndDecodeBack) {
  Message message = SampleMessage();
  message.text = "Bonjour,\n\nVotre référence : R-42.\nLigne = égale.\n";
  message.html = "<p>Bonjour,</p>\n<p>Votre référence&nbsp;: R-42.</p>\n";
  ParsedMail parsed = ParseMail(ComposeOrDie(message));

  std::string type = parsed.headers.Get("Content-Type");
  EXPECT_TRUE(type.starts_with("multipart/alternative;")) << type;
  ASSERT_EQ(parsed.parts.size(), 2u);
  EXPECT_EQ(parsed.parts[0].headers.Get("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(parsed.parts[1].headers.Get("Content-Type"), "text/html; charset=UTF-8");
  for (const testing::Part& part : parsed.parts) {
    EXPECT_EQ(part.headers.Get("Content-Transfer-Encoding"), "quoted-printable");
  }
  EXPECT_EQ(DecodeQuotedPrintable(parsed.parts[0].body),
            "Bonjour,\r\n\r\nVotre référence : R-42.\r\nLigne = égale.\r\n");
  EXPECT_EQ(DecodeQuotedPrintable(parsed.parts[1].body),
            "<p>Bonjour,</p>\r\n<p>Votre référence&nbsp;: R-42.</p>\r\n");
}

TEST(Compose, BoundaryIsRandom) {
  Message message = SampleMessage();
  std::string first = ParseMail(ComposeOrDie(message)).headers.Get("Content-Type");
  std::string second = ParseMail(ComposeOrDie(message)).headers.Get("Content-Type");
  EXPECT_NE(first, second);
}

TEST(Compose, TextOnlyMessageHasASinglePart) {
  Message message = SampleMessage();
  message.html.clear();
  ParsedMail parsed = ParseMail(ComposeOrDie(message));

  EXPECT_EQ(parsed.headers.Get("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(parsed.headers.Get("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_TRUE(parsed.parts.empty());
  EXPECT_EQ(DecodeQuotedPrintable(parsed.body), "Hello,\r\n\r\nThank you for your report.\r\n");
}

TEST(Compose, BodyCannotForgeTheStructureOrBeAlteredInTransit) {
  Message message = SampleMessage();
  message.html.clear();
  message.text = ".\nFrom here\ntrailing space \n--=_vigie_0\n" + std::string(100, 'x') + "\n";
  std::string mail = ComposeOrDie(message);
  ParsedMail parsed = ParseMail(mail);

  // A lone "." would end the SMTP DATA; "From " would be escaped by mbox writers.
  EXPECT_EQ(mail.find("\r\n.\r\n"), std::string::npos);
  EXPECT_EQ(mail.find("\r\nFrom here"), std::string::npos);
  EXPECT_EQ(mail.find("space \r\n"), std::string::npos);
  EXPECT_EQ(mail.find("\r\n--=_vigie_0"), std::string::npos);
  EXPECT_EQ(
      DecodeQuotedPrintable(parsed.body),
      ".\r\nFrom here\r\ntrailing space \r\n--=_vigie_0\r\n" + std::string(100, 'x') + "\r\n");
}

TEST(Compose, InvalidUtf8InEncodedHeaderIsRefused) {
  Message message = SampleMessage();
  message.subject = "caf\xc3";
  Result<std::string> composed = ComposeRfc5322(message, kDate);
  ASSERT_FALSE(composed.ok());
  EXPECT_EQ(composed.error().code, "invalid_utf8");
}

TEST(Compose, EmptyTextIsRefused) {
  Message message = SampleMessage();
  message.text.clear();
  Result<std::string> composed = ComposeRfc5322(message, kDate);
  ASSERT_FALSE(composed.ok());
  EXPECT_EQ(composed.error().code, "missing_body");
}

TEST(PlainAddress, AcceptsDotAtomsAndRefusesTheRest) {
  EXPECT_TRUE(IsPlainAddress("abuse@provider.example"));
  EXPECT_TRUE(IsPlainAddress("first.last+tag@sub.example.org"));
  EXPECT_TRUE(IsPlainAddress("a@localhost"));
  EXPECT_FALSE(IsPlainAddress(".a@example.org"));
  EXPECT_FALSE(IsPlainAddress("a..b@example.org"));
  EXPECT_FALSE(IsPlainAddress("\"quoted\"@example.org"));
  EXPECT_FALSE(IsPlainAddress("a@[192.0.2.1]"));
  EXPECT_FALSE(IsPlainAddress("a@example..org"));
  EXPECT_FALSE(IsPlainAddress(std::string(65, 'a') + "@example.org"));
}

TEST(Utf8, RefusesMalformedSequences) {
  EXPECT_TRUE(IsValidUtf8("plain, é, €, 😀"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // a UTF-16 surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));          // cut short
}

}  // namespace
}  // namespace vigie::mail
