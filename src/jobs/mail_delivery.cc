#include "jobs/mail_delivery.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "cases/report_writer.h"
#include "core/abuse_type.h"
#include "core/secrets.h"
#include "mail/message.h"
#include "mail/templates.h"
#include "mail/transport.h"
#include "store/store.h"

namespace vigie {
namespace {

// 1 min, 2, 4, ... capped at 2 h: about a day in 12 attempts.
std::chrono::seconds BackOff(int attempts) {
  int exponent = std::min(attempts, 7);
  return std::min<std::chrono::seconds>(std::chrono::minutes(1) * (1 << exponent),
                                        std::chrono::hours(2));
}

// Mails claimed at once. A slow SMTP server (30 s time-out per mail) cannot outlast the lease
// (MailDeliveryOptions::lease), which keeps other delivery loops away: the loop stops sending
// after a third of it.
// TODO: the mails left over then wait for their lease to expire; release them at once instead
// (a store call that clears the lease without counting an attempt).
constexpr int kBatch = 50;

}  // namespace

MailDelivery::MailDelivery(Store& store, const mail::MailTemplates& templates,
                           std::unique_ptr<mail::Transport> transport, MailDeliveryOptions options)
    : store_(store),
      templates_(templates),
      transport_(std::move(transport)),
      options_(std::move(options)),
      loop_("mail_delivery", options_.poll_interval, [this] {
        while (RunOnce(Now()) > 0 && !loop_.stopping()) {
        }
      }) {}

MailDelivery::~MailDelivery() = default;

void MailDelivery::Start() {
  loop_.Start();
}

void MailDelivery::Poke() {
  loop_.Poke();
}

int MailDelivery::RunOnce(Instant now) {
  std::vector<OutboxMail> due;
  Status claimed = store_.Write([&](Transaction& tx) {
    due = tx.ClaimDueMail(now, kBatch, options_.owner, now + options_.lease);
  });
  if (!claimed.ok()) {
    // The loop polls twice a second: while the database is down, say so once a minute.
    auto steady = std::chrono::steady_clock::now();
    if (steady - last_outage_warning_ > std::chrono::minutes(1)) {
      last_outage_warning_ = steady;
      spdlog::warn("event=outbox_unavailable error=\"{}\"", claimed.error().message);
    }
    return 0;
  }

  auto started = std::chrono::steady_clock::now();
  struct Outcome {
    const OutboxMail* mail;
    Status result;
  };
  std::vector<Outcome> outcomes;
  int sent = 0;
  for (const OutboxMail& mail : due) {
    // Stay well inside the lease: past it, another loop may claim the same mails.
    if (std::chrono::steady_clock::now() - started > options_.lease / 3) break;
    // Everything the message says is read fresh from the store.
    mail::MailContext context;
    context.from = options_.from;
    context.from_name = options_.from_name;
    context.reply_to = options_.from;
    context.to = mail.recipient;
    std::optional<StoredReport> report;
    std::optional<Case> owning_case;
    std::optional<Decision> decision;
    std::vector<StoredReport> case_reports;
    std::optional<InboundMail> refused;
    Status read = store_.Read([&](Transaction& tx) {
      if (mail.mail_id) refused = tx.GetInboundMail(mail.mail_id, false);
      if (mail.report_id) report = tx.GetReport(mail.report_id);
      if (mail.case_id) owning_case = tx.GetCase(mail.case_id);
      if (mail.decision_id) decision = tx.GetDecision(mail.decision_id);
      if (mail.kind == "notice" && mail.case_id) case_reports = tx.ReportsOfCase(mail.case_id);
    });
    if (!read.ok()) {
      spdlog::warn("event=outbox_unavailable error=\"{}\"", read.error().message);
      break;
    }
    if (report) {
      context.reference = report->reference;
      context.abuse_type = report->draft.abuse_type;
      context.status_url = options_.public_url + "/status/" + report->reference +
                           "?token=" + StatusToken(options_.status_key, report->reference);
    }
    if (refused) {
      // Abuse mail has no public reference: the answer names it by its number at the desk.
      context.reference = "MAIL-" + std::to_string(refused->id);
      context.refusal_reason = refused->reason;
      context.refusal_detail = refused->detail;
      context.refused_subject = refused->subject;
      context.in_reply_to = refused->message_id;
    }
    if (owning_case) {
      context.case_id = std::to_string(owning_case->id);
      if (context.abuse_type.empty()) context.abuse_type = owning_case->abuse_type;
      context.deadline = owning_case->deadline;
      // TODO: there is no customer portal yet: the notice asks the customer to reply by mail,
      // and context.portal_url stays empty until the portal gives each case a page.
    }
    if (decision) {
      context.reason = decision->reason;
      context.outcome = decision->reason;
      context.staff_message = decision->message;
      context.automated = decision->actor_kind == ActorKind::kRule;
      if (decision->deadline) context.deadline = decision->deadline;
    }
    for (const StoredReport& r : case_reports) {
      for (const Target& target : r.draft.targets) {
        if (std::find(context.targets.begin(), context.targets.end(), target.display) ==
            context.targets.end()) {
          context.targets.push_back(target.display);
        }
      }
      if (!context.abuse_time) context.abuse_time = r.draft.observed;
      context.reports.push_back(mail::NoticeReport{r.draft.description, r.draft.reporter.email,
                                                   r.draft.reporter.share_email});
    }

    Result<std::string> composed = Error{"", ""};
    Result<mail::Message> message = templates_.RenderMail(mail.kind, mail.language, context);
    if (message.ok()) {
      // A stable Message-ID per outbox entry: a retry after an unrecorded success is the same
      // message to the receiving side, which can drop the duplicate.
      std::string domain = options_.from.substr(options_.from.find('@') + 1);
      // The installation's mark is derived from the status key, never a piece of it.
      message->message_id = "<outbox." + std::to_string(mail.id) + "." +
                            HmacSha256(options_.status_key, "message-id").substr(0, 16) + "@" +
                            domain + ">";
      composed = mail::ComposeRfc5322(*message, now);
    } else {
      composed = message.error();
    }

    Status result = composed.ok() ? transport_->Send(options_.from, mail.recipient, *composed)
                                  : Status(composed.error());
    outcomes.push_back(Outcome{&mail, result});
    if (result.ok()) {
      ++sent;
      spdlog::info("event=mail_sent outbox_id={} kind={}", mail.id, mail.kind);
    } else {
      if (composed.ok()) {
        spdlog::warn("event=mail_not_sent outbox_id={} kind={} attempt={} error={}", mail.id,
                     mail.kind, mail.attempts + 1, result.error().code);
      } else {
        spdlog::error("event=mail_not_rendered outbox_id={} kind={} error={} detail=\"{}\"",
                      mail.id, mail.kind, result.error().code, result.error().message);
      }
    }
  }

  // One transaction records the whole batch. Until it commits, the lease keeps other loops
  // away; if it never commits, the mails are sent again when the lease expires, under the
  // same Message-ID, so the receiving side can drop the duplicate.
  Status recorded = store_.Write([&](Transaction& tx) {
    for (const Outcome& outcome : outcomes) {
      const OutboxMail& mail = *outcome.mail;
      if (outcome.result.ok()) {
        tx.MarkMailSent(mail.id, Now());
        continue;
      }
      // Only a temporary failure is worth another attempt: a refused recipient or a mail that
      // cannot be rendered will fail the same way again.
      const Error& error = outcome.result.error();
      bool permanent = error.code != "temporary" || mail.attempts + 1 >= options_.max_attempts;
      tx.MarkMailFailed(mail.id, error.code + ": " + error.message, now + BackOff(mail.attempts),
                        permanent);
    }
  });
  if (!recorded.ok()) {
    spdlog::error("event=outbox_unavailable error=\"{}\"", recorded.error().message);
  }
  return sent;
}

}  // namespace vigie
