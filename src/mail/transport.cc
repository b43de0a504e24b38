#include "mail/transport.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string_view>
#include <system_error>
#include <utility>

#include "core/secrets.h"
#include "core/time.h"
#include "mail/message.h"

namespace vigie::mail {
namespace {

Error Temporary(std::string message) {
  return Error{"temporary", std::move(message)};
}
Error Permanent(std::string message) {
  return Error{"permanent", std::move(message)};
}

Status CheckEnvelope(const std::string& from, const std::string& to) {
  if (!IsPlainAddress(from)) return Permanent("envelope sender is not a plain address");
  if (!IsPlainAddress(to)) return Permanent("envelope recipient is not a plain address");
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// SMTP through libcurl.

// The message as libcurl reads it, in pieces.
struct Upload {
  std::string_view data;
  size_t offset = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  size_t length = std::min(size * count, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, length);
  upload->offset += length;
  return length;
}

class CurlList {
 public:
  explicit CurlList(const std::string& item) : list_(curl_slist_append(nullptr, item.c_str())) {}
  ~CurlList() { curl_slist_free_all(list_); }
  CurlList(const CurlList&) = delete;
  CurlList& operator=(const CurlList&) = delete;
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_;
};

class SmtpTransport final : public Transport {
 public:
  explicit SmtpTransport(SmtpSettings settings) : settings_(std::move(settings)) {}
  ~SmtpTransport() override {
    if (curl_ != nullptr) curl_easy_cleanup(curl_);
  }
  SmtpTransport(const SmtpTransport&) = delete;
  SmtpTransport& operator=(const SmtpTransport&) = delete;

  Status Send(const std::string& from, const std::string& to, const std::string& rfc5322) override;

 private:
  Result<std::string> Url();
  Status Classify(CURLcode code, const char* detail, size_t size);

  SmtpSettings settings_;
  // Kept between calls so that libcurl can reuse the connection to the relay.
  CURL* curl_ = nullptr;
};

Result<std::string> SmtpTransport::Url() {
  const std::string& host = settings_.host;
  if (host.empty() || host.find_first_of("/@?#[] \t\r\n") != std::string::npos) {
    return Temporary("smtp host is empty or malformed");
  }
  if (settings_.port < 1 || settings_.port > 65535) return Temporary("smtp port is out of range");

  // libcurl takes the EHLO name from the URL path.
  std::string helo;
  if (!settings_.helo.empty()) {
    char* escaped =
        curl_easy_escape(curl_, settings_.helo.c_str(), static_cast<int>(settings_.helo.size()));
    if (escaped == nullptr) return Temporary("out of memory");
    helo = escaped;
    curl_free(escaped);
  }
  bool ipv6 = host.find(':') != std::string::npos;
  return fmt::format("smtp://{}{}{}:{}/{}", ipv6 ? "[" : "", host, ipv6 ? "]" : "", settings_.port,
                     helo);
}

// Sorts a failed delivery into retry-later or give-up. Only a 5xx reply to the envelope or to
// the message itself is final: a 5xx to the greeting, EHLO, STARTTLS or AUTH says something
// about our settings or the relay, not about this message.
Status SmtpTransport::Classify(CURLcode code, const char* detail, size_t size) {
  long reply = 0;
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply);
  curl_off_t uploaded = 0;
  curl_easy_getinfo(curl_, CURLINFO_SIZE_UPLOAD_T, &uploaded);

  std::string message =
      fmt::format("smtp {}:{}: {} (reply {}{}{})", settings_.host, settings_.port,
                  curl_easy_strerror(code), reply, *detail != '\0' ? "; " : "", detail);
  bool rejected = reply >= 500 && reply < 600;
  // MAIL, RCPT and DATA refused: libcurl reports a send error with the reply code.
  if (rejected && code == CURLE_SEND_ERROR) return Permanent(std::move(message));
  // The message sent in full, then refused.
  if (rejected && code == CURLE_WEIRD_SERVER_REPLY && uploaded == static_cast<curl_off_t>(size)) {
    return Permanent(std::move(message));
  }
  return Temporary(std::move(message));
}

Status SmtpTransport::Send(const std::string& from, const std::string& to,
                           const std::string& rfc5322) {
  if (Status status = CheckEnvelope(from, to); !status) return status;
  if (curl_ == nullptr) curl_ = curl_easy_init();
  if (curl_ == nullptr) return Temporary("libcurl could not make a handle");
  // Reset drops the previous call's options but keeps the open connection.
  curl_easy_reset(curl_);

  Result<std::string> url = Url();
  if (!url) return url.error();
  std::string sender = "<" + from + ">";
  CurlList recipients("<" + to + ">");
  if (recipients.get() == nullptr) return Temporary("out of memory");
  Upload upload{rfc5322, 0};
  char detail[CURL_ERROR_SIZE] = "";
  long timeout = static_cast<long>(settings_.timeout.count());

  curl_easy_setopt(curl_, CURLOPT_URL, url->c_str());
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "smtp");
#else
  curl_easy_setopt(curl_, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_SMTP));
#endif
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, detail);
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT, timeout);
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT, timeout);
  if (settings_.starttls)
    curl_easy_setopt(curl_, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  if (!settings_.username.empty()) {
    curl_easy_setopt(curl_, CURLOPT_USERNAME, settings_.username.c_str());
    curl_easy_setopt(curl_, CURLOPT_PASSWORD, settings_.password.c_str());
  }
  curl_easy_setopt(curl_, CURLOPT_MAIL_FROM, sender.c_str());
  curl_easy_setopt(curl_, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(curl_, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl_, CURLOPT_READFUNCTION, &ReadUpload);
  curl_easy_setopt(curl_, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl_, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(rfc5322.size()));

  CURLcode code = curl_easy_perform(curl_);
  Status status = code == CURLE_OK ? Status::Ok() : Classify(code, detail, rfc5322.size());

  // Nothing may point at this call's locals once it returns.
  curl_easy_setopt(curl_, CURLOPT_MAIL_RCPT, nullptr);
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(curl_, CURLOPT_READDATA, nullptr);
  return status;
}

// ---------------------------------------------------------------------------------------------
// Files in a directory.

class FileDropTransport final : public Transport {
 public:
  explicit FileDropTransport(std::filesystem::path directory) : directory_(std::move(directory)) {}

  Status Send(const std::string& from, const std::string& to, const std::string& rfc5322) override;

 private:
  std::filesystem::path directory_;
};

Error SystemError(std::string_view what, const std::filesystem::path& path, int error) {
  return Temporary(fmt::format("{} {}: {}", what, path.string(), std::strerror(error)));
}

Status WriteAll(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return SystemError("write", path, errno);
    data.remove_prefix(static_cast<size_t>(written));
  }
  return Status::Ok();
}

// "20261204T162045Z": UTC, sorts in delivery order to the second.
std::string FileTimestamp(Instant now) {
  auto day = std::chrono::floor<std::chrono::days>(now);
  std::chrono::year_month_day ymd(day);
  std::chrono::hh_mm_ss time(now - day);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count());
}

Status FileDropTransport::Send(const std::string& from, const std::string& to,
                               const std::string& rfc5322) {
  if (Status status = CheckEnvelope(from, to); !status) return status;
  std::error_code error;
  std::filesystem::create_directories(directory_, error);
  if (error) return SystemError("create", directory_, error.value());

  // Written under a hidden name, flushed, then renamed: a reader never sees half a message.
  std::string name = FileTimestamp(Now()) + "-" + RandomToken(12) + ".eml";
  std::filesystem::path final_path = directory_ / name;
  std::filesystem::path temporary_path = directory_ / ("." + name + ".tmp");
  int fd = ::open(temporary_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return SystemError("create", temporary_path, errno);

  Status written = WriteAll(fd, rfc5322, temporary_path);
  if (written && ::fsync(fd) != 0) written = SystemError("fsync", temporary_path, errno);
  if (::close(fd) != 0 && written) written = SystemError("close", temporary_path, errno);
  if (written && ::rename(temporary_path.c_str(), final_path.c_str()) != 0) {
    written = SystemError("rename", final_path, errno);
  }
  if (!written) {
    ::unlink(temporary_path.c_str());
    return written;
  }

  // The rename itself must reach the disk too.
  int directory_fd = ::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory_fd < 0) return SystemError("open", directory_, errno);
  int synced = ::fsync(directory_fd);
  int sync_error = errno;
  ::close(directory_fd);
  if (synced != 0) return SystemError("fsync", directory_, sync_error);
  return Status::Ok();
}

}  // namespace

Transport::~Transport() = default;

std::unique_ptr<Transport> MakeSmtpTransport(SmtpSettings settings) {
  // curl_global_init is not safe to race with itself on every platform.
  static std::once_flag curl_ready;
  std::call_once(curl_ready, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return std::make_unique<SmtpTransport>(std::move(settings));
}

std::unique_ptr<Transport> MakeFileDropTransport(std::filesystem::path directory) {
  return std::make_unique<FileDropTransport>(std::move(directory));
}

}  // namespace vigie::mail
