// ReadMail: walks the message, then asks each format's reader in turn. The order matters only
// where two formats could both claim a message, and runs from the most specific mark to the
// least: an ARF report says so in its MIME type; X-ARF in a header; XARF JSON carries its
// version member; a Shadowserver CSV its header row; the XML notices their root element. Free
// text is whatever is left.
#include "reading/reading.h"

#include <boost/json.hpp>

#include "core/abuse_type.h"
#include "reading/formats.h"

namespace vigie {

std::string_view ReadingStatusName(ReadingStatus status) {
  switch (status) {
    case ReadingStatus::kParsed:
      return "parsed";
    case ReadingStatus::kNeedsHuman:
      return "needs_human";
    case ReadingStatus::kIgnored:
      return "ignored";
    case ReadingStatus::kRejected:
      return "rejected";
  }
  return "needs_human";
}

namespace reading {

Reading Refused(std::string format, std::string reason, std::string detail) {
  Reading reading;
  reading.format = std::move(format);
  reading.status = ReadingStatus::kRejected;
  reading.reason = std::move(reason);
  reading.detail = std::move(detail);
  return reading;
}

}  // namespace reading

namespace {

using reading::MimeMessage;
using reading::Refused;

// The addr-spec of a From header: the part in angle brackets, else the whole value trimmed.
std::string AddressOf(std::string_view from) {
  size_t open = from.rfind('<');
  if (open != std::string_view::npos) {
    size_t close = from.find('>', open);
    if (close != std::string_view::npos) from = from.substr(open + 1, close - open - 1);
  }
  while (!from.empty() && (from.front() == ' ' || from.front() == '\t')) from.remove_prefix(1);
  while (!from.empty() && (from.back() == ' ' || from.back() == '\t')) from.remove_suffix(1);
  if (from.find('@') == std::string_view::npos || from.size() > 254) return "";
  return std::string(from);
}

// Messages that are about mail delivery, not about abuse.
std::optional<Reading> ReadNonReport(const MimeMessage& message) {
  if (message.content_type == "multipart/report" && message.report_type == "delivery-status") {
    Reading reading;
    reading.status = ReadingStatus::kIgnored;
    reading.reason = "delivery_status_notification";
    reading.detail = "a delivery status notification (bounce), not an abuse report";
    return reading;
  }
  std::string auto_submitted = reading::FindHeader(message.headers, "Auto-Submitted");
  for (char& c : auto_submitted) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (auto_submitted.starts_with("auto-replied")) {
    Reading reading;
    reading.status = ReadingStatus::kIgnored;
    reading.reason = "auto_reply";
    reading.detail = "an automatic reply (Auto-Submitted: auto-replied)";
    return reading;
  }
  return std::nullopt;
}

Reading Dispatch(const MimeMessage& message, const ReadingOptions& options) {
  using Reader = std::optional<Reading> (*)(const MimeMessage&, const ReadingOptions&);
  static constexpr Reader kReaders[] = {
      reading::ReadArf,          reading::ReadXArf,      reading::ReadXarfJson,
      reading::ReadShadowserver, reading::ReadXmlNotice,
  };
  if (std::optional<Reading> ignored = ReadNonReport(message)) return *std::move(ignored);
  for (Reader reader : kReaders) {
    if (std::optional<Reading> found = reader(message, options)) return *std::move(found);
  }
  return reading::ReadFreeText(message, options);
}

}  // namespace

Reading ReadMail(std::string_view raw, const ReadingOptions& options) {
  if (raw.size() > options.limits.max_message_bytes) {
    return Refused("", "message_too_large",
                   "the message has " + std::to_string(raw.size()) + " bytes, the limit is " +
                       std::to_string(options.limits.max_message_bytes));
  }
  Result<MimeMessage> walked = reading::WalkMime(raw, options.limits);
  if (!walked.ok()) return Refused("", walked.error().code, walked.error().message);
  const MimeMessage& message = *walked;

  Reading reading;
  try {
    reading = Dispatch(message, options);
  } catch (const std::exception& error) {
    // A reader that throws is a bug in vigie, not in the message; the message is still kept.
    reading = Refused("", "reader_failure", std::string("a reader failed: ") + error.what());
  }
  if (reading.status == ReadingStatus::kParsed && reading.events.empty()) {
    reading.status = ReadingStatus::kNeedsHuman;
    reading.reason = "no_events";
    if (reading.detail.empty()) reading.detail = "the report was read but names no target";
  }
  if (reading.events.size() > options.limits.max_events) {
    reading.detail = "the message carries " + std::to_string(reading.events.size()) +
                     " events, the limit is " + std::to_string(options.limits.max_events);
    reading.status = ReadingStatus::kRejected;
    reading.reason = "too_many_events";
    reading.events.clear();
  }
  reading.sender = AddressOf(reading::FindHeader(message.headers, "From"));
  reading.subject = reading::ClampSummary(reading::FindHeader(message.headers, "Subject"));
  std::string message_id = reading::FindHeader(message.headers, "Message-ID");
  size_t open = message_id.find('<');
  size_t close = message_id.find('>', open == std::string::npos ? 0 : open);
  if (open != std::string::npos && close != std::string::npos) {
    message_id = message_id.substr(open + 1, close - open - 1);
  }
  reading.message_id = reading::ClampSummary(message_id);
  return reading;
}

std::string ReadingToJson(const Reading& reading) {
  namespace json = boost::json;
  json::object out;
  out["format"] = reading.format;
  out["status"] = ReadingStatusName(reading.status);
  out["reason"] = reading.reason;
  out["detail"] = reading.detail;
  out["sender"] = reading.sender;
  out["subject"] = reading.subject;
  out["message_id"] = reading.message_id;
  auto targets_of = [](const std::vector<Target>& targets) {
    json::array list;
    for (const Target& target : targets) list.emplace_back(target.canonical);
    return list;
  };
  json::array events;
  for (const Event& event : reading.events) {
    json::object item;
    item["targets"] = targets_of(event.targets);
    item["observed_at"] = FormatRfc3339(event.observed.instant, event.observed.offset_minutes);
    item["abuse_type"] = event.abuse_type;
    item["source_report_id"] = event.source_report_id;
    item["summary"] = event.summary;
    events.push_back(std::move(item));
  }
  out["events"] = std::move(events);
  out["candidate_targets"] = targets_of(reading.candidate_targets);
  json::array times;
  for (const ZonedInstant& time : reading.candidate_times) {
    times.emplace_back(FormatRfc3339(time.instant, time.offset_minutes));
  }
  out["candidate_times"] = std::move(times);
  out["suggested_abuse_type"] = reading.suggested_abuse_type;
  return json::serialize(out);
}

}  // namespace vigie
