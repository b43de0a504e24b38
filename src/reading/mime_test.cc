#include "reading/mime.h"

#include <gtest/gtest.h>
#include <zip.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace vigie::reading {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = VIGIE_CORPUS_DIR;

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t chunk = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) chunk |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) chunk |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(chunk >> 18) & 63];
    out += kAlphabet[(chunk >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[chunk & 63] : '=';
    if (out.size() % 77 == 76) out += '\n';
  }
  return out;
}

struct ZipMember {
  std::string name;
  std::string content;
  bool encrypted = false;
};

// A zip archive built in memory, the way a sender's software would.
std::string MakeZip(const std::vector<ZipMember>& members) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_source_keep(buffer);
  zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  for (const ZipMember& member : members) {
    zip_source_t* content =
        zip_source_buffer(archive, member.content.data(), member.content.size(), 0);
    zip_int64_t index = zip_file_add(archive, member.name.c_str(), content, 0);
    if (member.encrypted) zip_file_set_encryption(archive, index, ZIP_EM_AES_256, "secret");
  }
  zip_close(archive);
  zip_source_open(buffer);
  zip_source_seek(buffer, 0, SEEK_END);
  zip_int64_t size = zip_source_tell(buffer);
  zip_source_seek(buffer, 0, SEEK_SET);
  std::string out(static_cast<size_t>(size), '\0');
  zip_source_read(buffer, out.data(), out.size());
  zip_source_close(buffer);
  zip_source_free(buffer);
  zip_error_fini(&error);
  return out;
}

std::string MailWithAttachment(const std::string& bytes, std::string_view type,
                               std::string_view name) {
  return "From: feed@example.org\nSubject: report\nMIME-Version: 1.0\n"
         "Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\n"
         "See attached.\n--b\nContent-Type: " +
         std::string(type) + (name.empty() ? "" : "; name=\"" + std::string(name) + "\"") +
         "\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment\n\n" +
         Base64(bytes) + "\n--b--\n";
}

MimeMessage Walk(std::string_view raw, const MailLimits& limits = {}) {
  Result<MimeMessage> walked = WalkMime(raw, limits);
  EXPECT_TRUE(walked.ok()) << walked.error().code << ": " << walked.error().message;
  return walked.ok() ? *walked : MimeMessage{};
}

std::string ErrorOf(std::string_view raw, const MailLimits& limits = {}) {
  Result<MimeMessage> walked = WalkMime(raw, limits);
  return walked.ok() ? "ok" : walked.error().code;
}

TEST(WalkMime, SinglePartBodyIsTheOnlyEntityAtDepthZero) {
  MimeMessage message = Walk("From: a@example.org\nSubject: hi\n\nHello.\n");
  ASSERT_EQ(message.entities.size(), 1u);
  EXPECT_EQ(message.content_type, "text/plain");
  EXPECT_EQ(message.entities[0].depth, 0);
  EXPECT_EQ(message.entities[0].body, "Hello.\n");
  EXPECT_EQ(FindHeader(message.headers, "subject"), "hi");
}

TEST(WalkMime, TransferEncodingsAreRemoved) {
  MimeMessage message = Walk(
      "From: a@example.org\nContent-Type: multipart/mixed; boundary=x\n\n--x\n"
      "Content-Transfer-Encoding: base64\n\naGVsbG8gd29ybGQ=\n--x\n"
      "Content-Transfer-Encoding: quoted-printable\n\nsoft=\n break =3D equals\n--x--\n");
  ASSERT_EQ(message.entities.size(), 2u);
  EXPECT_EQ(message.entities[0].body, "hello world");
  EXPECT_EQ(message.entities[1].body, "soft break = equals");
  EXPECT_EQ(message.entities[1].depth, 1);
}

TEST(WalkMime, TextIsConvertedToUtf8AndInvalidBytesReplaced) {
  MimeMessage message = Walk(
      "From: a@example.org\nContent-Type: multipart/mixed; boundary=x\n\n--x\n"
      "Content-Type: text/plain; charset=ISO-8859-1\n\ncaf\xE9\n--x\n"
      "Content-Type: text/plain; charset=utf-8\n\nbad \xFF byte\n--x--\n");
  ASSERT_EQ(message.entities.size(), 2u);
  EXPECT_EQ(message.entities[0].charset, "iso-8859-1");
  EXPECT_EQ(message.entities[0].body, "caf\xC3\xA9");
  EXPECT_EQ(message.entities[1].body, "bad \xEF\xBF\xBD byte");
}

TEST(WalkMime, EncodedWordsInHeadersAndFilenamesAreDecoded) {
  MimeMessage message = Walk(
      "From: a@example.org\nSubject: =?UTF-8?B?Q2Fmw6k=?=\n"
      "Content-Type: application/pdf; name=\"=?ISO-8859-1?Q?r=E9sum=E9.pdf?=\"\n"
      "Content-Disposition: attachment\n\nPDF\n");
  EXPECT_EQ(FindHeader(message.headers, "Subject"), "Caf\xC3\xA9");
  ASSERT_EQ(message.entities.size(), 1u);
  EXPECT_EQ(message.entities[0].filename, "r\xC3\xA9sum\xC3\xA9.pdf");
  EXPECT_TRUE(message.entities[0].attachment);
  EXPECT_EQ(FindHeader(message.headers, "content-type").substr(0, 15), "application/pdf");
}

TEST(WalkMime, EmbeddedMessageIsKeptThenItsPartsFollow) {
  MimeMessage message = Walk(
      "From: a@example.org\nContent-Type: multipart/report; report-type=feedback-report; "
      "boundary=o\n\n--o\nContent-Type: message/rfc822\n\nFrom: b@example.net\n"
      "Message-ID: <m1@example.net>\nContent-Type: multipart/alternative; boundary=i\n\n--i\n"
      "Content-Type: text/plain\n\ninner\n--i--\n--o\n"
      "Content-Type: text/rfc822-headers\n\nReceived: from x\n--o--\n");
  EXPECT_EQ(message.report_type, "feedback-report");
  ASSERT_EQ(message.entities.size(), 3u);
  EXPECT_EQ(message.entities[0].content_type, "message/rfc822");
  EXPECT_EQ(message.entities[0].depth, 1);
  EXPECT_NE(message.entities[0].body.find("Message-ID: <m1@example.net>"), std::string::npos);
  EXPECT_EQ(message.entities[1].body, "inner");
  EXPECT_EQ(message.entities[1].depth, 3);
  EXPECT_EQ(message.entities[2].content_type, "text/rfc822-headers");
  EXPECT_EQ(message.entities[2].body, "Received: from x");
}

TEST(WalkMime, MissingClosingBoundaryKeepsTheLastPart) {
  MimeMessage message = Walk(
      "From: a@example.org\nContent-Type: multipart/mixed; boundary=x\n\n--x\n\nfirst\n--x\n"
      "Content-Type: text/csv\n\nlast,part\n");
  ASSERT_EQ(message.entities.size(), 2u);
  EXPECT_EQ(message.entities[1].content_type, "text/csv");
  EXPECT_EQ(message.entities[1].body, "last,part\n");
}

TEST(WalkMime, BareCrLineEndsAreRead) {
  MimeMessage message = Walk(
      "From: a@example.org\rContent-Type: multipart/mixed; boundary=x\r\r--x\r"
      "Content-Type: text/plain\r\rbody\r--x--\r");
  ASSERT_EQ(message.entities.size(), 1u);
  EXPECT_EQ(message.entities[0].body, "body");
}

TEST(WalkMime, LowerCaseHeadersCrlfAndAnMboxLineAreRead) {
  MimeMessage message = Walk(
      "From feed@example.org Mon Jan  1 00:00:00 2024\r\nfrom: a@example.org\r\n"
      "content-type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
      "content-type: text/plain; charset=us-ascii\r\n\r\nbody\r\n--x--\r\n");
  ASSERT_EQ(message.entities.size(), 1u);
  EXPECT_EQ(message.content_type, "multipart/mixed");
  EXPECT_EQ(FindHeader(message.headers, "From"), "a@example.org");
}

TEST(WalkMime, TextWithoutHeadersIsNotAMessage) {
  EXPECT_EQ(ErrorOf("just some words\nand more\n"), "not_a_message");
  EXPECT_EQ(ErrorOf(""), "not_a_message");
}

TEST(WalkMime, LimitsRefuseTheMessage) {
  MailLimits limits;
  limits.max_message_bytes = 10;
  EXPECT_EQ(ErrorOf("From: a@example.org\n\nlonger than ten bytes\n", limits), "message_too_large");

  limits = MailLimits{};
  limits.max_part_bytes = 8;
  EXPECT_EQ(ErrorOf("From: a@example.org\n\n0123456789\n", limits), "part_too_large");

  std::string many = "From: a@example.org\nContent-Type: multipart/mixed; boundary=x\n\n";
  for (int i = 0; i < 10; ++i) many += "--x\n\npart\n";
  many += "--x--\n";
  limits = MailLimits{};
  limits.max_parts = 5;
  EXPECT_EQ(ErrorOf(many, limits), "too_many_parts");
}

TEST(WalkMime, NestingPastMaxDepthIsTooDeep) {
  auto nested = [](int levels) {
    std::string head = "From: a@example.org\n";
    std::string tail;
    for (int i = 0; i < levels; ++i) {
      std::string boundary = "b" + std::to_string(i);
      head += "Content-Type: multipart/mixed; boundary=" + boundary + "\n\n--" + boundary + "\n";
      tail = "\n--" + boundary + "--\n" + tail;
    }
    return head + "\nleaf" + tail;
  };
  MailLimits limits;
  limits.max_depth = 4;
  EXPECT_EQ(ErrorOf(nested(4), limits), "ok");
  EXPECT_EQ(ErrorOf(nested(5), limits), "too_deep");
  // Far deeper than any stack should carry: refused before gmime recurses.
  EXPECT_EQ(ErrorOf(nested(5000)), "too_many_parts");
}

TEST(WalkMime, ZipMembersFollowTheArchive) {
  std::string zip = MakeZip({{"report.csv", "ip,time\n192.0.2.1,2024\n"}, {"notes.txt", "n"}});
  MimeMessage message = Walk(MailWithAttachment(zip, "application/zip", "daily.zip"));
  ASSERT_EQ(message.entities.size(), 4u);
  EXPECT_EQ(message.entities[1].filename, "daily.zip");
  EXPECT_EQ(message.entities[1].body, zip);
  EXPECT_EQ(message.entities[2].filename, "report.csv");
  EXPECT_EQ(message.entities[2].content_type, "text/csv");
  EXPECT_EQ(message.entities[2].archive, "daily.zip");
  EXPECT_EQ(message.entities[2].depth, 2);
  EXPECT_EQ(message.entities[2].body, "ip,time\n192.0.2.1,2024\n");
  EXPECT_EQ(message.entities[3].filename, "notes.txt");
}

TEST(WalkMime, ZipIsRecognisedByNameOrMagic) {
  std::string zip = MakeZip({{"a.csv", "x"}});
  EXPECT_EQ(Walk(MailWithAttachment(zip, "application/octet-stream", "a.zip")).entities.size(), 3u);
  EXPECT_EQ(Walk(MailWithAttachment(zip, "application/octet-stream", "")).entities.size(), 3u);
}

TEST(WalkMime, ZipBombPastTheRatioIsRefused) {
  std::string zip = MakeZip({{"zeros.csv", std::string(4u << 20, '0')}});
  EXPECT_LT(zip.size(), 64u * 1024);
  EXPECT_EQ(ErrorOf(MailWithAttachment(zip, "application/zip", "bomb.zip")), "archive_ratio");
}

TEST(WalkMime, ArchiveAndMemberSizesAreBounded) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += std::to_string(i * 7919 % 100003) + "\n";
  std::string zip = MakeZip({{"a.csv", text}, {"b.csv", text}});
  std::string mail = MailWithAttachment(zip, "application/zip", "r.zip");
  MailLimits limits;
  limits.max_archive_bytes = text.size() + text.size() / 2;
  EXPECT_EQ(ErrorOf(mail, limits), "archive_too_large");
  limits = MailLimits{};
  limits.max_part_bytes = text.size() - 1;
  EXPECT_EQ(ErrorOf(mail, limits), "part_too_large");
}

TEST(WalkMime, NestedArchivesCountTowardsDepth) {
  std::string zip = MakeZip({{"inner.zip", MakeZip({{"deep.zip", MakeZip({{"x.csv", "1"}})}})}});
  std::string mail = MailWithAttachment(zip, "application/zip", "outer.zip");
  EXPECT_EQ(Walk(mail).entities.size(), 5u);
  MailLimits limits;
  limits.max_depth = 3;
  EXPECT_EQ(ErrorOf(mail, limits), "too_deep");
}

TEST(WalkMime, DamagedArchiveKeepsItsEntityAndHasNoMembers) {
  std::string zip = MakeZip({{"a.csv", "ip\n192.0.2.1\n"}});
  std::string truncated = zip.substr(0, zip.size() / 2);
  MimeMessage message = Walk(MailWithAttachment(truncated, "application/zip", "cut.zip"));
  ASSERT_EQ(message.entities.size(), 2u);
  EXPECT_EQ(message.entities[1].filename, "cut.zip");
}

TEST(WalkMime, EncryptedMembersAreSkipped) {
  std::string zip = MakeZip({{"secret.csv", "hidden", true}, {"open.csv", "visible"}});
  MimeMessage message = Walk(MailWithAttachment(zip, "application/zip", "mixed.zip"));
  ASSERT_EQ(message.entities.size(), 3u);
  EXPECT_EQ(message.entities[2].filename, "open.csv");
}

TEST(WalkMimeCorpus, EveryMailIsWalked) {
  if (!fs::exists(kCorpus / "email")) GTEST_SKIP() << "no corpus at " << kCorpus;
  int walked = 0;
  for (const fs::directory_entry& file : fs::recursive_directory_iterator(kCorpus / "email")) {
    if (!file.is_regular_file()) continue;
    std::ifstream in(file.path(), std::ios::binary);
    std::stringstream raw;
    raw << in.rdbuf();
    Result<MimeMessage> message = WalkMime(raw.str(), MailLimits{});
    EXPECT_TRUE(message.ok()) << file.path() << ": " << message.error().message;
    if (message.ok()) {
      EXPECT_FALSE(message->entities.empty()) << file.path();
    }
    ++walked;
  }
  EXPECT_GE(walked, 80);
}

TEST(WalkMimeCorpus, ShadowserverZipsAreUnpacked) {
  fs::path dir = kCorpus / "email/abuseio/shadowserver";
  if (!fs::exists(dir)) GTEST_SKIP() << "no corpus at " << kCorpus;
  for (const fs::directory_entry& file : fs::directory_iterator(dir)) {
    std::ifstream in(file.path(), std::ios::binary);
    std::stringstream raw;
    raw << in.rdbuf();
    MimeMessage message = Walk(raw.str());
    bool csv = false;
    for (const MimeEntity& entity : message.entities) {
      csv = csv ||
            (!entity.archive.empty() && entity.filename.ends_with(".csv") && !entity.body.empty());
    }
    EXPECT_TRUE(csv) << file.path();
  }
}

}  // namespace
}  // namespace vigie::reading
