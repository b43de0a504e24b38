// The mails vigie writes, rendered from mustache templates in each language.
//
// Templates live in one directory per language, three files per kind of mail:
//
//   <dir>/<language>/<kind>.subject.mustache   one line; not HTML-escaped
//   <dir>/<language>/<kind>.txt.mustache       the text part; not HTML-escaped
//   <dir>/<language>/<kind>.html.mustache      the HTML part; every {{value}} HTML-escaped
//
// templates/mail/README.md lists the values each kind receives. Values that come from reporters
// (descriptions) or staff (messages) are hostile: they are escaped in HTML, never interpreted
// as template text, and kept plain in the text part.
//
//   Result<MailTemplates> templates = LoadMailTemplates("/srv/vigie/templates/mail");
//   MailContext context;
//   context.from = "abuse@provider.example";
//   context.to = "reporter@example.org";
//   context.reference = "R-2026-0042";
//   context.abuse_type = "phishing";
//   context.status_url = "https://abuse.provider.example/status/R-2026-0042?key=...";
//   Result<Message> mail = templates->RenderMail(kAcknowledgement, "fr", context);
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "mail/message.h"

namespace vigie::mail {

// The kinds of mail.
inline constexpr std::string_view kAcknowledgement = "acknowledgement";  // to the reporter
inline constexpr std::string_view kRejection = "rejection";              // to the reporter
inline constexpr std::string_view kNotice = "notice";                    // to the customer
inline constexpr std::string_view kClosure = "closure";                  // to the reporter
// To the sender of an abuse mail that was refused (a XARF report that breaks its rules).
inline constexpr std::string_view kRefusal = "refusal";
std::span<const std::string_view> MailKinds();

// Why a report was rejected, as a code ("incomplete", "not_illicit", "not_ours", "duplicate",
// "offensive", "insufficient_evidence", "other"), and how a case ended ("remediated",
// "restricted", "rejected", "not_ours", "duplicate", "no_action").
std::span<const std::string_view> RejectionReasons();
std::span<const std::string_view> ClosureOutcomes();

// The sentence telling a reporter this reason or outcome, in `language` ("en" or "fr"; other
// languages get English). nullopt for an unknown code.
std::optional<std::string_view> RejectionReasonText(std::string_view reason,
                                                    std::string_view language);
std::optional<std::string_view> ClosureOutcomeText(std::string_view outcome,
                                                   std::string_view language);

// One report of a case, as the customer's notice shows it.
struct NoticeReport {
  std::string description;            // the reporter's own words, forwarded as written
  std::string reporter_email;         // shown to the customer only when share_reporter_email
  bool share_reporter_email = false;  // the reporter opted in to sharing their address
};

// What a mail is about. Each kind reads only some fields; RenderMail names any it needs and
// lacks. Plain values.
struct MailContext {
  // Addressing, all kinds. `from` and `to` are required.
  std::string from;       // the abuse desk's address
  std::string from_name;  // e.g. "Example Hosting abuse team"
  std::string reply_to;
  std::string to;
  std::string signature;  // closing line; the templates have a default

  // What the mail refers to. `reference` (the report reference) is required for the mails to
  // reporters, `case_id` for the notice. `abuse_type` is an AbuseType id: required for the
  // acknowledgement and the notice, optional otherwise.
  std::string reference;
  std::string case_id;
  std::string abuse_type;

  // Links; http(s) only. `status_url` (the reporter's status page) is required for the
  // acknowledgement; `portal_url` (the customer's page for this case) for the notice;
  // `contest_url` is optional everywhere.
  std::string status_url;
  std::string portal_url;
  std::string contest_url;

  // The notice: targets as a person reads them (Target::display), when the abuse was seen as
  // the reporter gave it, the deadline to act, and the reports. All required but `reports`.
  std::vector<std::string> targets;
  std::optional<ZonedInstant> abuse_time;
  std::optional<Instant> deadline;
  std::vector<NoticeReport> reports;

  // The decision. `reason` (a RejectionReasons() code) is required for the rejection, with
  // an optional `staff_message` written by the team; `outcome` (a ClosureOutcomes() code) is
  // required for the closure. `automated` says the decision was taken by an automatic rule,
  // which the mail must then state.
  std::string reason;
  std::string staff_message;
  std::string outcome;
  bool automated = false;

  // The refusal: why the mail was refused (a reading reason code such as "xarf_invalid"), the
  // detail that names the field and the rule, the refused mail's subject and Message-ID (the
  // answer is sent In-Reply-To it). `refusal_reason` and `refusal_detail` are required.
  std::string refusal_reason;
  std::string refusal_detail;
  std::string refused_subject;
  std::string in_reply_to;
};

// A loaded, checked set of templates. Immutable after loading: RenderMail may be called from
// several threads at once. Copyable.
class MailTemplates {
 public:
  // Renders one mail of `kind` (a MailKinds() value) in `language`. The language is matched on
  // its primary subtag ("fr-CA" reads as "fr"); one without templates falls back to English.
  // The result has from, to, reply_to, subject, both parts, language, and the extra headers
  // Auto-Submitted and X-Vigie-Reference / X-Vigie-Case; its message_id is left empty.
  //
  // Errors (Error::code): "unknown_kind"; "missing_field" (the message names the field);
  // "unknown_abuse_type", "unknown_reason", "unknown_outcome"; "invalid_url" (a link that is
  // not http or https); "template_invalid" (a template failed while rendering).
  Result<Message> RenderMail(std::string_view kind, std::string_view language,
                             const MailContext& context) const;

  // The languages loaded, sorted ("en", "fr").
  std::vector<std::string> languages() const;

 private:
  friend Result<MailTemplates> LoadMailTemplates(const std::filesystem::path& dir);

  struct Kind {
    std::string subject;
    std::string text;
    std::string html;
  };
  using Language = std::map<std::string, Kind, std::less<>>;

  std::map<std::string, Language, std::less<>> languages_;
};

// Reads every language directory under `dir` (a directory named by a two- or three-letter
// language code) and checks that each has all three templates of every kind and that each
// parses. English is required: it is the fallback.
//
// Errors (Error::code): "template_io" (`dir` or a file cannot be read), "template_missing"
// (English, or a file of some language, is missing), "template_invalid" (a template does not
// parse; the message names the file).
Result<MailTemplates> LoadMailTemplates(const std::filesystem::path& dir);

}  // namespace vigie::mail
