#include "mail/templates.h"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <fstream>
#include <iterator>
#include <kainjow/mustache.hpp>
#include <sstream>
#include <system_error>
#include <utility>

#include "core/abuse_type.h"

namespace vigie::mail {
namespace {

namespace fs = std::filesystem;
using Data = kainjow::mustache::data;

constexpr std::array<std::string_view, 5> kKinds = {kAcknowledgement, kRejection, kNotice, kClosure,
                                                    kRefusal};
constexpr std::uintmax_t kMaxTemplateSize = 256 * 1024;
constexpr size_t kTextWidth = 72;  // the width the text templates are written to

// A code with its sentence in English and in French.
struct Phrase {
  std::string_view code;
  std::string_view en;
  std::string_view fr;
};

constexpr std::array<Phrase, 7> kReasons = {{
    {"incomplete",
     "Your report does not contain what we need to act on it: the exact address, domain or "
     "URL concerned, the date and time of the abuse with its time zone, and a description of "
     "what happened.",
     "Votre signalement ne contient pas les informations nécessaires pour agir : l'adresse, le "
     "domaine ou l'URL exacts concernés, la date et l'heure de l'abus avec leur fuseau horaire, "
     "et une description des faits."},
    {"not_illicit",
     "After examination, the content or behaviour you describe does not appear to be "
     "manifestly illegal, nor contrary to our terms of service.",
     "Après examen, le contenu ou le comportement que vous décrivez ne nous paraît ni "
     "manifestement illicite, ni contraire à nos conditions d'utilisation."},
    {"not_ours",
     "The address, domain or service you reported was not hosted on our network at the date "
     "and time you gave.",
     "L'adresse, le domaine ou le service que vous avez signalé n'était pas hébergé sur notre "
     "réseau à la date et à l'heure indiquées."},
    {"duplicate",
     "This problem has already been reported to us and is being handled under an earlier "
     "report.",
     "Ce problème nous a déjà été signalé et il est traité dans le cadre d'un signalement "
     "antérieur."},
    {"offensive",
     "Your report contains insulting, vulgar or threatening language, and we do not process "
     "reports written in such terms.",
     "Votre signalement contient des propos injurieux, grossiers ou menaçants, et nous ne "
     "traitons pas les signalements rédigés en ces termes."},
    {"insufficient_evidence",
     "The information provided is not enough to establish the abuse. Logs, message headers or "
     "screenshots that show it, with their time zone, would allow us to act.",
     "Les éléments fournis ne suffisent pas à établir l'abus. Des journaux, des en-têtes de "
     "messages ou des captures d'écran qui le montrent, avec leur fuseau horaire, nous "
     "permettraient d'agir."},
    {"other", "Our abuse team could not accept your report, for the reason given below.",
     "Notre équipe abuse n'a pas pu retenir votre signalement, pour la raison indiquée "
     "ci-dessous."},
}};

constexpr std::array<Phrase, 6> kOutcomes = {{
    {"remediated", "Our customer has taken action, and the problem you reported has been resolved.",
     "Notre client a pris les mesures nécessaires, et le problème que vous avez signalé est "
     "résolu."},
    {"restricted",
     "We have restricted the service concerned, so that it can no longer cause the problem you "
     "reported.",
     "Nous avons restreint le service concerné, afin qu'il ne puisse plus causer le problème que "
     "vous avez signalé."},
    {"rejected", "After examination, your report has not been followed up.",
     "Après examen, votre signalement n'a pas été retenu."},
    {"not_ours",
     "The address, domain or service you reported was not hosted on our network at the time "
     "you gave, so we cannot act on it. Whoever operates it can usually be found with a WHOIS "
     "lookup of the address or domain.",
     "L'adresse, le domaine ou le service signalé n'était pas hébergé sur notre réseau au moment "
     "indiqué : nous ne pouvons donc pas intervenir. Son exploitant peut en général être "
     "identifié par une recherche WHOIS sur l'adresse ou le domaine."},
    {"duplicate",
     "The problem you reported was already known to us, and it has been handled under an "
     "earlier report.",
     "Le problème que vous avez signalé nous était déjà connu, et il a été traité dans le cadre "
     "d'un signalement antérieur."},
    {"no_action", "After examination, no action was needed on our side.",
     "Après examen, aucune action n'était nécessaire de notre part."},
}};

constexpr std::array<std::string_view, 7> kReasonCodes = {
    "incomplete", "not_illicit",           "not_ours", "duplicate",
    "offensive",  "insufficient_evidence", "other"};
constexpr std::array<std::string_view, 6> kOutcomeCodes = {"remediated", "restricted", "rejected",
                                                           "not_ours",   "duplicate",  "no_action"};

template <size_t N>
std::optional<std::string_view> FindPhrase(const std::array<Phrase, N>& phrases,
                                           std::string_view code, std::string_view language) {
  for (const Phrase& phrase : phrases) {
    if (phrase.code == code) return language == "fr" ? phrase.fr : phrase.en;
  }
  return std::nullopt;
}

// "fr-CA", "FR" and "fr_FR" all read as "fr".
std::string PrimaryLanguage(std::string_view language) {
  std::string primary;
  for (char c : language) {
    if (c == '-' || c == '_') break;
    primary += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return primary;
}

bool IsLanguageDirectory(std::string_view name) {
  if (name.size() < 2 || name.size() > 3) return false;
  for (char c : name) {
    if (c < 'a' || c > 'z') return false;
  }
  return true;
}

bool IsWebLink(std::string_view url) {
  if (!url.starts_with("https://") && !url.starts_with("http://")) return false;
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

// "2026-03-01 14:05:00" for the civil time `local` seconds after the epoch.
std::string FormatCivil(std::chrono::sys_seconds local) {
  auto day = std::chrono::floor<std::chrono::days>(local);
  std::chrono::year_month_day ymd(day);
  std::chrono::hh_mm_ss time(local - day);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count());
}

std::string FormatUtc(Instant instant) {
  return FormatCivil(instant) + " UTC";
}

// The reporter's own view of the instant: "2026-03-01 14:05:00 UTC+01:00 (Europe/Paris)".
std::string FormatZoned(const ZonedInstant& zoned) {
  std::string text = FormatCivil(zoned.instant + std::chrono::minutes(zoned.offset_minutes));
  int offset = zoned.offset_minutes;
  if (offset == 0) {
    text += " UTC";
  } else {
    char sign = offset < 0 ? '-' : '+';
    offset = offset < 0 ? -offset : offset;
    text += fmt::format(" UTC{}{:02}:{:02}", sign, offset / 60, offset % 60);
  }
  if (!zoned.zone.empty()) text += " (" + zoned.zone + ")";
  return text;
}

// Line ends as LF, trailing blank lines and spaces removed.
std::string NormalizeLines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out += '\n';
    } else {
      out += text[i];
    }
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ' || out.back() == '\t')) {
    out.pop_back();
  }
  return out;
}

// The text with "> " before each line, as mail quotes what someone else wrote. In the text
// part it keeps a reporter's words visibly apart from ours.
std::string Quote(const std::string& text) {
  std::string out = ">";
  if (!text.empty() && text.front() != '\n') out += ' ';
  for (size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '\n') out += (i + 1 < text.size() && text[i + 1] != '\n') ? "> " : ">";
  }
  return out;
}

// The text part as a mail reader expects it: LF line ends, one at the very end, no blank lines
// at either end.
std::string TidyText(std::string_view rendered) {
  std::string text = NormalizeLines(rendered);
  size_t start = text.find_first_not_of('\n');
  return start == std::string::npos ? "\n" : text.substr(start) + "\n";
}

// The subject on one line, whatever the template or the values did.
std::string TidySubject(std::string_view rendered) {
  std::string out;
  for (char c : rendered) out += (c == '\r' || c == '\n' || c == '\t') ? ' ' : c;
  size_t start = out.find_first_not_of(' ');
  if (start == std::string::npos) return "";
  return out.substr(start, out.find_last_not_of(' ') - start + 1);
}

// kainjow's mustache removes the line of a "standalone" section tag (a tag alone on its line,
// as the mustache spec calls it) only when the section is rendered, and may then also remove
// the blank line after it. So each standalone section or comment tag loses its own line end at
// load time and is followed by kLineMark, which keeps the next line from looking empty; the
// marks are removed after rendering. Templates may then put section tags on lines of their own.
constexpr char kLineMark = '\x01';

std::string MarkStandaloneTags(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  size_t pos = 0;
  while (pos < source.size()) {
    size_t end = source.find('\n', pos);
    size_t next = end == std::string_view::npos ? source.size() : end + 1;
    std::string_view line = source.substr(pos, next - pos);
    size_t first = line.find_first_not_of(" \t");
    size_t last = line.find_last_not_of(" \t\r\n");
    std::string_view tag;
    if (first != std::string_view::npos) tag = line.substr(first, last - first + 1);
    bool standalone = tag.size() >= 5 && tag.starts_with("{{") && tag.ends_with("}}") &&
                      std::string_view("#^/!").find(tag[2]) != std::string_view::npos &&
                      tag.find("{{", 2) == std::string_view::npos;
    if (standalone) {
      out.append(tag).push_back(kLineMark);
    } else {
      out.append(line);
    }
    pos = next;
  }
  return out;
}

// Wraps our own sentences for the text part at `width` columns, on spaces.
std::string Wrap(std::string_view text, size_t width) {
  std::string out;
  size_t column = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t space = text.find(' ', pos);
    std::string_view word = text.substr(pos, space - pos);
    if (column > 0 && column + 1 + word.size() > width) {
      out += '\n';
      column = 0;
    } else if (column > 0) {
      out += ' ';
      ++column;
    }
    out.append(word);
    column += word.size();
    pos = space == std::string_view::npos ? text.size() : space + 1;
  }
  return out;
}

Result<std::string> RenderTemplate(const std::string& source, const Data& data, bool html,
                                   std::string_view what) {
  kainjow::mustache::mustache tmpl{source};
  if (!html) tmpl.set_custom_escape([](const std::string& value) { return value; });
  std::string out = tmpl.is_valid() ? tmpl.render(data) : std::string();
  if (!tmpl.is_valid()) {
    return Error{"template_invalid", fmt::format("{}: {}", what, tmpl.error_message())};
  }
  // The marks go; a value that carried the same control character loses it too, and no mail
  // needs one.
  std::erase(out, kLineMark);
  return out;
}

Error Missing(std::string_view field, std::string_view kind) {
  return Error{"missing_field", fmt::format("{} mail needs {}", kind, field)};
}

// Checks what `kind` requires of the context, before anything is rendered.
Status CheckContext(std::string_view kind, const MailContext& context) {
  if (context.from.empty()) return Missing("from", kind);
  if (context.to.empty()) return Missing("to", kind);

  bool to_reporter = kind != kNotice;
  if (to_reporter && context.reference.empty()) return Missing("reference", kind);
  if (kind == kAcknowledgement && context.abuse_type.empty()) return Missing("abuse_type", kind);
  if (kind == kAcknowledgement && context.status_url.empty()) return Missing("status_url", kind);
  if (kind == kRejection) {
    if (context.reason.empty()) return Missing("reason", kind);
    if (context.reason == "other" && context.staff_message.empty()) {
      return Missing("staff_message (the reason is \"other\")", kind);
    }
  }
  if (kind == kClosure && context.outcome.empty()) return Missing("outcome", kind);
  if (kind == kRefusal) {
    if (context.refusal_reason.empty()) return Missing("refusal_reason", kind);
    if (context.refusal_detail.empty()) return Missing("refusal_detail", kind);
  }
  if (kind == kNotice) {
    if (context.case_id.empty()) return Missing("case_id", kind);
    if (context.abuse_type.empty()) return Missing("abuse_type", kind);
    if (context.targets.empty()) return Missing("targets", kind);
    if (!context.abuse_time) return Missing("abuse_time", kind);
    if (!context.deadline) return Missing("deadline", kind);
  }

  const std::array<std::pair<std::string_view, const std::string*>, 3> links = {{
      {"status_url", &context.status_url},
      {"portal_url", &context.portal_url},
      {"contest_url", &context.contest_url},
  }};
  for (const auto& [name, url] : links) {
    if (!url->empty() && !IsWebLink(*url)) {
      return Error{"invalid_url", fmt::format("{} is not an http(s) link", name)};
    }
  }
  return Status::Ok();
}

Data ListOf(std::vector<Data> items) {
  Data list{Data::type::list};
  for (Data& item : items) list.push_back(std::move(item));
  return list;
}

// Everything the templates may show, for one mail.
// `for_text` wraps our own sentences to the width of the text part.
Result<Data> BuildData(std::string_view kind, std::string_view language, const MailContext& context,
                       bool for_text) {
  auto sentence = [for_text](std::string_view text) {
    return for_text ? Wrap(text, kTextWidth) : std::string(text);
  };
  Data data;
  data.set("signature", context.signature);
  data.set("has_signature", !context.signature.empty());
  data.set("reference", context.reference);
  data.set("case_id", context.case_id);
  data.set("status_url", context.status_url);
  data.set("has_status_url", !context.status_url.empty());
  data.set("portal_url", context.portal_url);
  data.set("has_portal_url", !context.portal_url.empty());
  data.set("contest_url", context.contest_url);
  data.set("has_contest_url", !context.contest_url.empty());
  data.set("automated", context.automated);

  if (!context.abuse_type.empty()) {
    const AbuseType* type = FindAbuseType(context.abuse_type);
    if (type == nullptr) {
      return Error{"unknown_abuse_type", fmt::format("no abuse type {}", context.abuse_type)};
    }
    data.set("abuse_type", std::string(type->id));
    data.set("abuse_type_label", std::string(language == "fr" ? type->label_fr : type->label_en));
    data.set("has_abuse_type", true);
  } else {
    data.set("has_abuse_type", false);
  }

  if (kind == kRejection) {
    std::optional<std::string_view> reason = RejectionReasonText(context.reason, language);
    if (!reason) return Error{"unknown_reason", fmt::format("no reason {}", context.reason)};
    data.set("reason", context.reason);
    data.set("reason_text", sentence(*reason));
  }
  {
    // What the team wrote with its decision: the reason of a rejection, instructions with a
    // notice, a word on the outcome of a closure.
    std::string message = NormalizeLines(context.staff_message);
    data.set("staff_message", message);
    data.set("staff_message_quoted", Quote(message));
    data.set("has_staff_message", !message.empty());
  }
  if (kind == kClosure) {
    std::optional<std::string_view> outcome = ClosureOutcomeText(context.outcome, language);
    if (!outcome) return Error{"unknown_outcome", fmt::format("no outcome {}", context.outcome)};
    data.set("outcome", context.outcome);
    data.set("outcome_text", sentence(*outcome));
  }

  if (kind == kRefusal) {
    data.set("refusal_reason", context.refusal_reason);
    data.set("refusal_detail", NormalizeLines(context.refusal_detail));
    data.set("refused_subject", context.refused_subject);
    data.set("has_refused_subject", !context.refused_subject.empty());
  }
  if (kind == kNotice) {
    std::vector<Data> targets;
    for (const std::string& target : context.targets) {
      Data item;
      item.set("target", target);
      targets.push_back(std::move(item));
    }
    data.set("targets", ListOf(std::move(targets)));
    data.set("abuse_time", FormatZoned(*context.abuse_time));
    data.set("abuse_time_utc", FormatUtc(context.abuse_time->instant));
    data.set("deadline", FormatUtc(*context.deadline));

    // The reporter's address is not even handed to the template unless they opted in.
    std::vector<Data> reports;
    for (const NoticeReport& report : context.reports) {
      std::string description = NormalizeLines(report.description);
      bool shared = report.share_reporter_email && !report.reporter_email.empty();
      Data item;
      item.set("number", std::to_string(reports.size() + 1));
      item.set("description", description);
      item.set("description_quoted", Quote(description));
      item.set("has_description", !description.empty());
      item.set("reporter_email_shared", shared);
      if (shared) item.set("reporter_email", report.reporter_email);
      reports.push_back(std::move(item));
    }
    data.set("report_count", std::to_string(reports.size()));
    data.set("has_reports", !reports.empty());
    data.set("several_reports", reports.size() > 1);
    data.set("reports", ListOf(std::move(reports)));
  }
  return data;
}

Result<std::string> ReadTemplate(const fs::path& path) {
  std::error_code error;
  std::uintmax_t size = fs::file_size(path, error);
  if (error) {
    bool missing = error == std::errc::no_such_file_or_directory;
    return Error{missing ? "template_missing" : "template_io",
                 fmt::format("{}: {}", path.string(), error.message())};
  }
  if (size > kMaxTemplateSize) {
    return Error{"template_io",
                 fmt::format("{}: larger than {} bytes", path.string(), kMaxTemplateSize)};
  }
  std::ifstream in(path, std::ios::binary);
  std::string content{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in.good() && !in.eof()) return Error{"template_io", path.string() + ": read failed"};
  return content;
}

}  // namespace

std::span<const std::string_view> MailKinds() {
  return kKinds;
}
std::span<const std::string_view> RejectionReasons() {
  return kReasonCodes;
}
std::span<const std::string_view> ClosureOutcomes() {
  return kOutcomeCodes;
}

std::optional<std::string_view> RejectionReasonText(std::string_view reason,
                                                    std::string_view language) {
  return FindPhrase(kReasons, reason, PrimaryLanguage(language));
}

std::optional<std::string_view> ClosureOutcomeText(std::string_view outcome,
                                                   std::string_view language) {
  return FindPhrase(kOutcomes, outcome, PrimaryLanguage(language));
}

Result<Message> MailTemplates::RenderMail(std::string_view kind, std::string_view language,
                                          const MailContext& context) const {
  // Which templates.
  std::string chosen = PrimaryLanguage(language);
  auto found_language = languages_.find(chosen);
  if (found_language == languages_.end()) {
    chosen = "en";
    found_language = languages_.find(chosen);
  }
  auto found_kind = found_language->second.find(kind);
  if (found_kind == found_language->second.end()) {
    return Error{"unknown_kind", fmt::format("no mail kind {}", kind)};
  }
  const Kind& templates = found_kind->second;

  // What they show.
  if (Status status = CheckContext(kind, context); !status) return status.error();
  Result<Data> text_data = BuildData(kind, chosen, context, true);
  if (!text_data) return text_data.error();
  Result<Data> html_data = BuildData(kind, chosen, context, false);
  if (!html_data) return html_data.error();

  // The three renderings; only HTML escapes.
  std::string where = fmt::format("{}/{}", chosen, kind);
  Result<std::string> subject = RenderTemplate(templates.subject, *html_data, false, where);
  if (!subject) return subject.error();
  Result<std::string> text = RenderTemplate(templates.text, *text_data, false, where);
  if (!text) return text.error();
  Result<std::string> html = RenderTemplate(templates.html, *html_data, true, where);
  if (!html) return html.error();

  Message message;
  message.from = context.from;
  message.from_name = context.from_name;
  message.reply_to = context.reply_to;
  message.to = context.to;
  message.subject = TidySubject(*subject);
  message.text = TidyText(*text);
  message.html = std::move(html).value();
  message.language = chosen;
  // Auto-Submitted (RFC 3834) keeps vacation responders from answering; a refusal answers a
  // mail, and says so.
  message.extra_headers.emplace_back("Auto-Submitted",
                                     kind == kRefusal ? "auto-replied" : "auto-generated");
  if (kind == kRefusal && !context.in_reply_to.empty() &&
      context.in_reply_to.find_first_of("<>\r\n") == std::string::npos) {
    message.extra_headers.emplace_back("In-Reply-To", "<" + context.in_reply_to + ">");
    message.extra_headers.emplace_back("References", "<" + context.in_reply_to + ">");
  }
  message.extra_headers.emplace_back("X-Vigie-Mail", std::string(kind));
  if (!context.reference.empty()) {
    message.extra_headers.emplace_back("X-Vigie-Reference", context.reference);
  }
  if (!context.case_id.empty()) message.extra_headers.emplace_back("X-Vigie-Case", context.case_id);
  return message;
}

std::vector<std::string> MailTemplates::languages() const {
  std::vector<std::string> names;
  for (const auto& [name, kinds] : languages_) names.push_back(name);
  return names;
}

Result<MailTemplates> LoadMailTemplates(const fs::path& dir) {
  std::error_code error;
  fs::directory_iterator entries(dir, error);
  if (error) {
    return Error{"template_io", fmt::format("{}: {}", dir.string(), error.message())};
  }

  MailTemplates loaded;
  for (const fs::directory_entry& entry : entries) {
    std::string name = entry.path().filename().string();
    if (!IsLanguageDirectory(name) || !entry.is_directory(error)) continue;

    MailTemplates::Language& language = loaded.languages_[name];
    for (std::string_view kind : kKinds) {
      MailTemplates::Kind& files = language[std::string(kind)];
      const std::array<std::pair<std::string_view, std::string*>, 3> parts = {{
          {"subject", &files.subject},
          {"txt", &files.text},
          {"html", &files.html},
      }};
      for (const auto& [suffix, content] : parts) {
        fs::path path = entry.path() / fmt::format("{}.{}.mustache", kind, suffix);
        Result<std::string> source = ReadTemplate(path);
        if (!source) return source.error();
        *content = MarkStandaloneTags(*source);
        kainjow::mustache::mustache parsed{*content};
        if (!parsed.is_valid()) {
          return Error{"template_invalid",
                       fmt::format("{}: {}", path.string(), parsed.error_message())};
        }
      }
    }
  }

  if (!loaded.languages_.contains("en")) {
    return Error{"template_missing", fmt::format("{}: no en directory", dir.string())};
  }
  return loaded;
}

}  // namespace vigie::mail
