#include "mail/transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/secrets.h"
#include "mail/message.h"

extern char** environ;

namespace vigie::mail {
namespace {

namespace fs = std::filesystem;
using std::chrono_literals::operator""ms;

constexpr std::string_view kSmtpSink = VIGIE_SMTP_SINK;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> FilesIn(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir))
    files.push_back(entry.path());
  return files;
}

std::string SampleMail(std::string_view to, std::string_view subject) {
  Message message;
  message.from = "abuse@provider.example";
  message.to = std::string(to);
  message.subject = std::string(subject);
  message.text = "Hello,\n.\nA line with only a dot above.\n";
  message.html = "<p>Hello</p>\n";
  Result<std::string> composed = ComposeRfc5322(message, Now());
  EXPECT_TRUE(composed.ok());
  return composed.ok() ? *composed : std::string();
}

class TemporaryDirectory {
 public:
  TemporaryDirectory() : path_(fs::temp_directory_path() / ("vigie-mail-test-" + RandomToken(6))) {
    fs::create_directories(path_);
  }
  ~TemporaryDirectory() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// ---------------------------------------------------------------------------------------------
// File drop.

// "20261204T162045Z-<16 base64url characters>.eml".
bool IsDropFileName(std::string_view name) {
  if (name.size() != 37 || !name.ends_with(".eml") || name[8] != 'T' || name[15] != 'Z' ||
      name[16] != '-') {
    return false;
  }
  for (size_t i = 0; i < 15; ++i) {
    if (i != 8 && !std::isdigit(static_cast<unsigned char>(name[i]))) return false;
  }
  for (size_t i = 17; i < 33; ++i) {
    char c = name[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

TEST(FileDrop, WritesOneCompleteFilePerMessage) {
  TemporaryDirectory dir;
  fs::path drop = dir.path() / "outbox" / "new";  // created on first use
  std::unique_ptr<Transport> transport = MakeFileDropTransport(drop);
  std::string first = SampleMail("one@example.org", "first");
  std::string second = SampleMail("two@example.org", "second");

  ASSERT_TRUE(transport->Send("abuse@provider.example", "one@example.org", first).ok());
  ASSERT_TRUE(transport->Send("abuse@provider.example", "two@example.org", second).ok());

  std::vector<fs::path> files = FilesIn(drop);
  ASSERT_EQ(files.size(), 2u);  // no temporary file left behind
  std::vector<std::string> contents;
  for (const fs::path& file : files) {
    EXPECT_TRUE(IsDropFileName(file.filename().string())) << file;
    contents.push_back(ReadFile(file));
  }
  std::sort(contents.begin(), contents.end());
  std::vector<std::string> expected = {first, second};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(contents, expected);
}

TEST(FileDrop, UnwritableDirectoryIsTemporary) {
  TemporaryDirectory dir;
  std::ofstream(dir.path() / "a-file") << "not a directory";
  std::unique_ptr<Transport> transport = MakeFileDropTransport(dir.path() / "a-file" / "drop");

  Status status = transport->Send("abuse@provider.example", "one@example.org", "x");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "temporary");
}

TEST(FileDrop, MalformedEnvelopeIsPermanent) {
  TemporaryDirectory dir;
  std::unique_ptr<Transport> transport = MakeFileDropTransport(dir.path());
  Status status = transport->Send("abuse@provider.example", "a@b.example\r\nRCPT TO:<c@d>", "x");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "permanent");
  EXPECT_TRUE(FilesIn(dir.path()).empty());
}

// ---------------------------------------------------------------------------------------------
// SMTP.

// A socket on 127.0.0.1 with a port the kernel chose. Not listening: connections to it are
// refused. Listening: connections complete but nobody ever answers.
class LoopbackSocket {
 public:
  explicit LoopbackSocket(bool listening) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    socklen_t length = sizeof(address);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    if (listening) ::listen(fd_, 8);
  }
  ~LoopbackSocket() { ::close(fd_); }
  LoopbackSocket(const LoopbackSocket&) = delete;
  LoopbackSocket& operator=(const LoopbackSocket&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

bool CanConnect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return connected;
}

// postfix's smtp-sink on 127.0.0.1, dumping each message it accepts into a file of dir().
class SmtpSink {
 public:
  // `options` are extra smtp-sink options, e.g. {"-f", "RCPT"} to refuse recipients.
  explicit SmtpSink(std::vector<std::string> options = {}) {
    fs::permissions(dump_.path(), fs::perms::all);  // smtp-sink may run as nobody, see below
    {
      LoopbackSocket probe(false);
      port_ = probe.port();
    }

    std::vector<std::string> args = {std::string(kSmtpSink)};
    // As root, smtp-sink insists on dropping its privileges.
    if (::geteuid() == 0) args.insert(args.end(), {"-u", "nobody"});
    args.insert(args.end(), {"-d", (dump_.path() / "%Y%m%d%H%M%S.").string()});
    args.insert(args.end(), options.begin(), options.end());
    args.insert(args.end(), {"127.0.0.1:" + std::to_string(port_), "16"});
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;

    for (int attempt = 0; attempt < 100 && pid_ > 0 && !CanConnect(port_); ++attempt) {
      std::this_thread::sleep_for(50ms);
    }
  }
  ~SmtpSink() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  bool running() const { return pid_ > 0 && CanConnect(port_); }
  int port() const { return port_; }

  // The dumped transactions, waiting a little for smtp-sink to finish writing them.
  std::vector<std::string> Dumps(size_t expected) const {
    std::vector<std::string> dumps;
    for (int attempt = 0; attempt < 40; ++attempt) {
      dumps.clear();
      for (const fs::path& file : FilesIn(dump_.path())) dumps.push_back(ReadFile(file));
      bool complete = dumps.size() >= expected;
      for (const std::string& dump : dumps) complete = complete && dump.find("</p>") != dump.npos;
      if (complete) break;
      std::this_thread::sleep_for(50ms);
    }
    return dumps;
  }

 private:
  TemporaryDirectory dump_;
  int port_ = 0;
  pid_t pid_ = -1;
};

SmtpSettings LoopbackSettings(int port) {
  SmtpSettings settings;
  settings.host = "127.0.0.1";
  settings.port = port;
  settings.timeout = std::chrono::seconds(5);
  settings.helo = "vigie.test";
  return settings;
}

#define REQUIRE_SMTP_SINK(sink)                                                     \
  if (kSmtpSink.empty() || !fs::exists(kSmtpSink)) {                                \
    GTEST_SKIP() << "postfix's smtp-sink is not installed; SMTP delivery untested"; \
  }                                                                                 \
  ASSERT_TRUE((sink).running()) << "smtp-sink did not start"

TEST(Smtp, DeliversToARealSmtpServer) {
  SmtpSink sink;
  REQUIRE_SMTP_SINK(sink);
  std::unique_ptr<Transport> transport = MakeSmtpTransport(LoopbackSettings(sink.port()));
  std::string mail = SampleMail("reporter@example.org", "[R-2026-0042] Received");

  Status status = transport->Send("bounces@provider.example", "reporter@example.org", mail);
  ASSERT_TRUE(status.ok()) << status.error().message;

  std::vector<std::string> dumps = sink.Dumps(1);
  ASSERT_EQ(dumps.size(), 1u);
  const std::string& dump = dumps[0];
  EXPECT_NE(dump.find("X-Helo-Args: vigie.test"), std::string::npos) << dump;
  EXPECT_NE(dump.find("X-Mail-Args: <bounces@provider.example>"), std::string::npos) << dump;
  EXPECT_NE(dump.find("X-Rcpt-Args: <reporter@example.org>"), std::string::npos) << dump;
  EXPECT_NE(dump.find("Subject: [R-2026-0042] Received"), std::string::npos) << dump;
  EXPECT_NE(dump.find("To: reporter@example.org"), std::string::npos) << dump;
  EXPECT_NE(dump.find("<p>Hello</p>"), std::string::npos) << dump;
}

TEST(Smtp, OneTransportDeliversSeveralMessages) {
  SmtpSink sink;
  REQUIRE_SMTP_SINK(sink);
  std::unique_ptr<Transport> transport = MakeSmtpTransport(LoopbackSettings(sink.port()));

  for (int i = 0; i < 3; ++i) {
    std::string to = "reporter" + std::to_string(i) + "@example.org";
    Status status = transport->Send("abuse@provider.example", to, SampleMail(to, "hello"));
    ASSERT_TRUE(status.ok()) << i << ": " << status.error().message;
  }
  EXPECT_EQ(sink.Dumps(3).size(), 3u);
}

TEST(Smtp, ClosedPortIsTemporary) {
  LoopbackSocket closed(false);
  std::unique_ptr<Transport> transport = MakeSmtpTransport(LoopbackSettings(closed.port()));

  Status status = transport->Send("abuse@provider.example", "reporter@example.org",
                                  SampleMail("reporter@example.org", "hello"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "temporary");
  EXPECT_EQ(status.error().message.find("reporter@example.org"), std::string::npos);
}

TEST(Smtp, SilentServerTimesOutAsTemporary) {
  LoopbackSocket silent(true);
  SmtpSettings settings = LoopbackSettings(silent.port());
  settings.timeout = std::chrono::seconds(1);
  std::unique_ptr<Transport> transport = MakeSmtpTransport(settings);

  Status status = transport->Send("abuse@provider.example", "reporter@example.org",
                                  SampleMail("reporter@example.org", "hello"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "temporary");
}

TEST(Smtp, RecipientRefusedWith5xxIsPermanent) {
  SmtpSink sink({"-f", "RCPT"});
  REQUIRE_SMTP_SINK(sink);
  std::unique_ptr<Transport> transport = MakeSmtpTransport(LoopbackSettings(sink.port()));

  Status status = transport->Send("abuse@provider.example", "reporter@example.org",
                                  SampleMail("reporter@example.org", "hello"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "permanent") << status.error().message;
  EXPECT_EQ(status.error().message.find("reporter@example.org"), std::string::npos);
}

TEST(Smtp, RecipientRefusedWith4xxIsTemporary) {
  SmtpSink sink({"-r", "RCPT"});
  REQUIRE_SMTP_SINK(sink);
  std::unique_ptr<Transport> transport = MakeSmtpTransport(LoopbackSettings(sink.port()));

  Status status = transport->Send("abuse@provider.example", "reporter@example.org",
                                  SampleMail("reporter@example.org", "hello"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "temporary") << status.error().message;
}

TEST(Smtp, MessageRefusedAfterDataIsPermanent) {
  SmtpSink sink({"-f", "."});
  REQUIRE_SMTP_SINK(sink);
  std::unique_ptr<Transport> transport = MakeSmtpTransport(LoopbackSettings(sink.port()));

  Status status = transport->Send("abuse@provider.example", "reporter@example.org",
                                  SampleMail("reporter@example.org", "hello"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "permanent") << status.error().message;
}

TEST(Smtp, GreetingRefusedWith5xxIsTemporary) {
  SmtpSink sink({"-f", "CONNECT"});
  REQUIRE_SMTP_SINK(sink);
  std::unique_ptr<Transport> transport = MakeSmtpTransport(LoopbackSettings(sink.port()));

  Status status = transport->Send("abuse@provider.example", "reporter@example.org",
                                  SampleMail("reporter@example.org", "hello"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "temporary") << status.error().message;
}

TEST(Smtp, RequiredStarttlsThatTheServerLacksSendsNothing) {
  SmtpSink sink;
  REQUIRE_SMTP_SINK(sink);
  SmtpSettings settings = LoopbackSettings(sink.port());
  settings.starttls = true;
  std::unique_ptr<Transport> transport = MakeSmtpTransport(settings);

  Status status = transport->Send("abuse@provider.example", "reporter@example.org",
                                  SampleMail("reporter@example.org", "hello"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "temporary") << status.error().message;
  std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(sink.Dumps(0).empty());
}

TEST(Smtp, EnvelopeThatCouldInjectCommandsIsRefused) {
  // Refused before any connection: no server is needed.
  std::unique_ptr<Transport> transport = MakeSmtpTransport(LoopbackSettings(1));
  Status status =
      transport->Send("abuse@provider.example", "a@b.example>\r\nRSET\r\nRCPT TO:<c@d", "x");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "permanent");
}

}  // namespace
}  // namespace vigie::mail
