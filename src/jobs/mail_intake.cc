#include "jobs/mail_intake.h"

#include <spdlog/spdlog.h>

#include "attribution/index.h"
#include "cases/events.h"
#include "core/secrets.h"
#include "core/text.h"
#include "store/store.h"

namespace vigie {
namespace {

constexpr int kClaimBatch = 10;
// Events kept in the reading stored for the desk; the rest are in the events table.
constexpr size_t kEventsShown = 100;

std::string ReadingJson(const Reading& reading) {
  if (reading.events.size() <= kEventsShown) return ReadingToJson(reading);
  Reading shown;
  shown.format = reading.format;
  shown.status = reading.status;
  shown.reason = reading.reason;
  shown.detail = reading.detail;
  shown.events.assign(reading.events.begin(), reading.events.begin() + kEventsShown);
  shown.candidate_targets = reading.candidate_targets;
  shown.candidate_times = reading.candidate_times;
  shown.suggested_abuse_type = reading.suggested_abuse_type;
  shown.sender = reading.sender;
  shown.subject = reading.subject;
  shown.message_id = reading.message_id;
  return ReadingToJson(shown);
}

// A XARF report that breaks its rules is answered with the reason: its sender is a machine
// that can be fixed, and nothing else would tell it. Other refusals are not answered: a mail
// refused for its size or its nesting may come from a forged sender, and answering it would
// send our mail to an innocent address. Never to ourselves, never to an empty sender.
bool ShouldAnswerRefusal(const Reading& reading, std::string_view own_address) {
  if (reading.status != ReadingStatus::kRejected) return false;
  if (reading.format != "xarf3" && reading.format != "xarf4") return false;
  if (reading.sender.empty() || reading.detail.empty()) return false;
  std::string sender = AsciiLower(reading.sender);
  if (sender == AsciiLower(own_address) || sender.starts_with("mailer-daemon@") ||
      sender.starts_with("postmaster@")) {
    return false;
  }
  return true;
}

}  // namespace

Result<int64_t> StoreInboundMail(Store& store, std::string raw, std::string channel,
                                 Instant received_at) {
  InboundMail mail;
  mail.received_at = received_at;
  mail.channel = std::move(channel);
  mail.raw_sha256 = Sha256Hex(raw);
  mail.raw = std::move(raw);
  int64_t id = 0;
  Status stored = store.Write([&](Transaction& tx) { id = tx.InsertInboundMail(mail); });
  if (!stored.ok()) return Error{"database", stored.error().message};
  return id;
}

MailReading::MailReading(Store& store, const IndexHolder& index, MailReadingOptions options)
    : store_(store),
      index_(index),
      options_(std::move(options)),
      loop_("mail_reading", options_.poll_interval, [this] { RunOnce(Now()); }) {}

MailReading::~MailReading() = default;

void MailReading::Start() {
  loop_.Start();
}

void MailReading::Poke() {
  loop_.Poke();
}

int MailReading::RunOnce(Instant now) {
  int read = 0;
  for (;;) {
    std::vector<int64_t> claimed;
    Status status = store_.Write([&](Transaction& tx) {
      claimed = tx.ClaimInboundMail(now, kClaimBatch, options_.owner, now + options_.lease);
    });
    if (!status.ok()) {
      auto steady = std::chrono::steady_clock::now();
      if (steady - last_outage_warning_ > std::chrono::minutes(1)) {
        last_outage_warning_ = steady;
        spdlog::warn("event=inbound_mail_unavailable error=\"{}\"", status.error().message);
      }
      return read;
    }
    if (claimed.empty()) return read;
    for (int64_t id : claimed) {
      if (loop_.stopping()) return read;
      if (!ReadOne(id, now)) return read;
      ++read;
    }
  }
}

bool MailReading::ReadOne(int64_t mail_id, Instant now) {
  std::optional<InboundMail> mail;
  if (!store_.Read([&](Transaction& tx) { mail = tx.GetInboundMail(mail_id, true); }).ok()) {
    return false;
  }
  if (!mail) return true;

  InboundMail outcome;
  outcome.id = mail->id;
  if (mail->attempts > options_.max_attempts) {
    // Every earlier reading of this mail died before it could record anything.
    outcome.state = "rejected";
    outcome.reason = "reading_failed";
    outcome.detail = "reading was started " + std::to_string(mail->attempts - 1) +
                     " times and never finished; the message is kept for a person to look at";
    outcome.read_at = now;
    spdlog::error("event=mail_set_aside mail={} attempts={}", mail_id, mail->attempts);
    return store_.Write([&](Transaction& tx) { tx.RecordMailReading(outcome); }).ok();
  }

  ReadingOptions reading_options = options_.reading;
  reading_options.received_at = mail->received_at;
  Reading reading = ReadMail(mail->raw, reading_options);
  mail->raw.clear();
  mail->raw.shrink_to_fit();

  outcome.state = std::string(ReadingStatusName(reading.status));
  outcome.format = reading.format;
  outcome.reason = reading.reason;
  outcome.detail = reading.detail;
  outcome.sender = reading.sender;
  outcome.subject = reading.subject;
  outcome.message_id = reading.message_id;
  outcome.event_count = static_cast<int64_t>(reading.events.size());

  if (reading.status == ReadingStatus::kParsed) {
    std::shared_ptr<const AttributionIndex> index = index_.Get();
    std::span<const Event> all(reading.events);
    for (size_t start = 0; start < all.size(); start += options_.chunk) {
      std::span<const Event> chunk =
          all.subspan(start, std::min(options_.chunk, all.size() - start));
      std::vector<std::string> subjects;
      std::vector<Attribution> attributions = AttributeEvents(index.get(), chunk, subjects);
      EventCounts counts;
      Status filed = store_.Write([&](Transaction& tx) {
        counts = FileEvents(tx, mail_id, reading.format, chunk, attributions, subjects,
                            options_.policy, now);
      });
      if (!filed.ok()) {
        // Left pending: its lease expires and it is read again, the chunks already filed
        // recognised as duplicates.
        spdlog::warn("event=events_not_filed mail={} error=\"{}\"", mail_id, filed.error().message);
        return false;
      }
      outcome.new_events += counts.stored;
      outcome.duplicate_events += counts.duplicates;
      outcome.not_ours_events += counts.not_ours;
    }
  }
  outcome.reading = ReadingJson(reading);
  outcome.read_at = now;
  bool answer = ShouldAnswerRefusal(reading, options_.own_address);
  Status recorded = store_.Write([&](Transaction& tx) {
    tx.RecordMailReading(outcome);
    if (answer) {
      OutboxMail refusal;
      refusal.kind = "refusal";
      refusal.recipient = reading.sender;
      refusal.language = "en";
      refusal.mail_id = mail_id;
      refusal.next_attempt_at = now;
      tx.EnqueueMail(refusal);
    }
  });
  if (!recorded.ok()) return false;
  spdlog::info(
      "event=mail_read mail={} state={} format={} reason={} events={} new={} duplicates={} "
      "not_ours={}",
      mail_id, outcome.state, outcome.format.empty() ? "-" : outcome.format,
      outcome.reason.empty() ? "-" : outcome.reason, outcome.event_count, outcome.new_events,
      outcome.duplicate_events, outcome.not_ours_events);
  return true;
}

}  // namespace vigie
