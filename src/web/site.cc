#include "web/site.h"

#include <date/tz.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <charconv>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <tuple>
#include <unordered_map>

#include "cases/decide.h"
#include "cases/report_writer.h"
#include "core/abuse_type.h"
#include "core/secrets.h"
#include "core/target.h"
#include "core/text.h"
#include "core/time.h"
#include "intake/intake.h"
#include "intake/messages.h"
#include "jobs/mail_intake.h"
#include "store/store.h"
#include "web/render.h"
#include "web/server.h"

namespace vigie::web {
namespace {

namespace json = boost::json;

constexpr const char* kCsrfCookie = "vigie_csrf";
constexpr const char* kSessionCookie = "vigie_session";
constexpr const char* kLanguageCookie = "vigie_lang";
constexpr auto kSessionLifetime = std::chrono::hours(12);
// Events listed with a case by the API; the rest are paged through /api/v1/cases/{id}/events.
constexpr int kEventsInCase = 1000;
// Desk pages: events per page on a case, mails per page in the inbox, events of one mail shown
// on its page (the reading keeps them all; the API has them).
constexpr int kEventsPerPage = 100;
constexpr int kMailPerPage = 50;
constexpr size_t kMailEventsShown = 100;
// A report made from a mail: the same limits as the public form.
constexpr size_t kMaxReportTargets = 50;
constexpr size_t kMaxNoteBytes = 20000;

// No inline script or style anywhere: report text is hostile, and this makes an escaping slip
// inert rather than exploitable.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

void SecureHeaders(Response& response) {
  response.Set("Content-Security-Policy", kContentSecurityPolicy);
  response.Set("X-Content-Type-Options", "nosniff");
  response.Set("X-Frame-Options", "DENY");
  response.Set("Referrer-Policy", "no-referrer");
}

std::string Serialize(const json::value& value) {
  return json::serialize(value);
}

Response JsonResponse(int status, const json::value& value) {
  Response response = Response::Json(status, Serialize(value));
  response.Set("Cache-Control", "no-store");
  return response;
}

Response JsonError(int status, std::string_view field, std::string_view message) {
  json::array errors;
  errors.push_back(json::object{{"field", field}, {"message", message}});
  return JsonResponse(status, json::object{{"errors", std::move(errors)}});
}

// The reporter's language: an explicit ?lang=, then the cookie, then Accept-Language.
std::string PickLanguage(const Request& request) {
  std::string asked = request.Query("lang");
  if (asked == "fr" || asked == "en") return asked;
  std::string cookie = request.Cookie(kLanguageCookie);
  if (cookie == "fr" || cookie == "en") return cookie;
  std::string accept = AsciiLower(request.Header("accept-language"));
  size_t fr = accept.find("fr");
  size_t en = accept.find("en");
  if (fr != std::string::npos && (en == std::string::npos || fr < en)) return "fr";
  return "en";
}

std::string CookieHeader(std::string_view name, std::string_view value, bool secure,
                         std::string_view extra = "") {
  std::string cookie =
      std::string(name) + "=" + std::string(value) + "; Path=/; HttpOnly; SameSite=Strict";
  if (secure) cookie += "; Secure";
  if (!extra.empty()) cookie += "; " + std::string(extra);
  return cookie;
}

std::optional<int64_t> ParseId(std::string_view text) {
  int64_t value = 0;
  if (text.empty() || text.size() > 18) return std::nullopt;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

std::string FormatTime(Instant instant, int offset = 0) {
  return FormatRfc3339(instant, offset);
}

// "2026-03-01 14:05 (UTC+01:00, Europe/Paris)": how a person reads an abuse time.
std::string HumanTime(const ZonedInstant& at) {
  std::string text = FormatRfc3339(at.instant, at.offset_minutes);
  text[10] = ' ';
  text = text.substr(0, 16);
  int magnitude = at.offset_minutes < 0 ? -at.offset_minutes : at.offset_minutes;
  char zone[32];
  std::snprintf(zone, sizeof zone, " (UTC%c%02d:%02d", at.offset_minutes < 0 ? '-' : '+',
                magnitude / 60, magnitude % 60);
  text += zone;
  if (!at.zone.empty()) text += ", " + at.zone;
  return text + ")";
}

// The page of a paged list asked for by ?{name}=N: 1 when absent or not a page number.
int PageNumber(const Request& request, std::string_view name) {
  std::optional<int64_t> parsed = ParseId(request.Query(name));
  if (!parsed) return 1;
  return static_cast<int>(std::min<int64_t>(*parsed, 1'000'000));
}

// Previous and next links of a paged list. `base` ends where the page number goes.
json::object Pager(int page, int per_page, int64_t total, const std::string& base,
                   std::string_view fragment = "") {
  int64_t pages = std::max<int64_t>(1, (total + per_page - 1) / per_page);
  json::object out{{"page", page}, {"pages", pages}, {"total", total}, {"several", pages > 1}};
  if (page > 1) {
    out["prev_url"] =
        base + std::to_string(std::min<int64_t>(page - 1, pages)) + std::string(fragment);
  }
  if (page < pages) out["next_url"] = base + std::to_string(page + 1) + std::string(fragment);
  return out;
}

// A string member of a JSON object we wrote ourselves (a stored reading), "" when absent.
std::string StringAt(const json::object& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || !it->value().is_string()) return "";
  return std::string(it->value().get_string());
}

std::vector<std::string> StringsAt(const json::object& object, std::string_view key) {
  std::vector<std::string> out;
  auto it = object.find(key);
  if (it == object.end() || !it->value().is_array()) return out;
  for (const json::value& item : it->value().get_array()) {
    if (item.is_string()) out.emplace_back(item.get_string());
  }
  return out;
}

// The stored reading of a mail (ReadingToJson), or an empty object when it has none yet.
json::object ReadingOf(const InboundMail& mail) {
  boost::system::error_code error;
  json::value reading = json::parse(mail.reading, error);
  if (error || !reading.is_object()) return {};
  return std::move(reading.get_object());
}

// What an agent typed in the "make a report" form of a needs-human mail.
struct MailReportInput {
  std::string abuse_type;
  std::vector<std::string> ticked;  // candidate targets left ticked
  std::string more_targets;         // one per line
  std::string abuse_date;
  std::string abuse_time;
  std::string abuse_zone = "UTC";
  std::string description;  // the agent's note
  bool acknowledge = false;
};

// The form as first shown: what the free-text reader suggested, the first candidate time in UTC.
MailReportInput SuggestedInput(const json::object& reading) {
  MailReportInput input;
  input.abuse_type = StringAt(reading, "suggested_abuse_type");
  input.ticked = StringsAt(reading, "candidate_targets");
  std::vector<std::string> times = StringsAt(reading, "candidate_times");
  if (!times.empty()) {
    if (std::optional<ZonedInstant> first = ParseRfc3339(times.front())) {
      std::string utc = FormatRfc3339(first->instant, 0);  // "2026-03-01T13:05:00Z"
      input.abuse_date = utc.substr(0, 10);
      input.abuse_time = utc.substr(11, 8);
    }
  }
  return input;
}

MailReportInput InputFromForm(const std::vector<std::pair<std::string, std::string>>& fields) {
  MailReportInput input;
  for (const auto& [key, value] : fields) {
    if (key == "abuse_type") input.abuse_type = value;
    if (key == "target") input.ticked.push_back(value);
    if (key == "more_targets") input.more_targets = value;
    if (key == "abuse_date") input.abuse_date = value;
    if (key == "abuse_time") input.abuse_time = value;
    if (key == "abuse_zone") input.abuse_zone = value;
    if (key == "description") input.description = value;
    if (key == "acknowledge") input.acknowledge = value == "on";
  }
  return input;
}

std::string_view Trimmed(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// A field error of the mail report form, already worded for the agent.
struct FormError {
  std::string field;  // the form field it belongs beside
  std::string message;
};

// What the mail report form gives once it is valid.
struct MailReportFields {
  const AbuseType* type = nullptr;
  std::vector<Target> targets;
  ZonedInstant observed;
  std::string description;
};

// Checks the mail report form and reports every problem beside its field, worded in
// `language`. The result is meaningful only when no error was added.
MailReportFields ReadMailReportForm(const MailReportInput& input, Instant now,
                                    std::chrono::seconds max_age, std::string_view language,
                                    std::vector<FormError>& errors) {
  auto add = [&](const std::string& field, std::string code, std::string detail = "") {
    intake::FieldError error{field, std::move(code), std::move(detail)};
    errors.push_back(
        {field.substr(0, field.find('[')), intake::DescribeFieldError(error, language)});
  };
  MailReportFields out;

  if (input.abuse_type.empty()) {
    add("abuse_type", "required");
  } else if (out.type = FindAbuseType(input.abuse_type); out.type == nullptr) {
    add("abuse_type", "unknown_abuse_type");
  }

  // The ticked candidates, then the lines written below them; the same text twice is one.
  std::vector<std::string> texts;
  std::set<std::string> written;
  auto take = [&](std::string_view text) {
    text = Trimmed(text);
    if (!text.empty() && written.insert(std::string(text)).second) texts.emplace_back(text);
  };
  for (const std::string& ticked : input.ticked) take(ticked);
  std::string_view lines = input.more_targets;
  while (!lines.empty()) {
    size_t end = lines.find('\n');
    take(lines.substr(0, end));
    lines = end == std::string_view::npos ? std::string_view() : lines.substr(end + 1);
  }
  if (texts.empty()) {
    add("targets", "required");
  } else if (texts.size() > kMaxReportTargets) {
    add("targets", "too_many", std::to_string(kMaxReportTargets));
  } else {
    std::set<std::string> canonical;
    for (size_t i = 0; i < texts.size(); ++i) {
      std::string field = "targets[" + std::to_string(i) + "]";
      if (!IsValidUtf8(texts[i])) {
        add(field, "invalid_utf8");
        continue;
      }
      Result<Target> target = ParseTarget(texts[i]);
      if (!target.ok()) {
        // Which entry it was, cut without splitting a character; the renderer escapes it.
        size_t cut = std::min<size_t>(texts[i].size(), 100);
        while (cut < texts[i].size() && (static_cast<unsigned char>(texts[i][cut]) & 0xC0) == 0x80)
          --cut;
        add(field, target.error().code);
        errors.back().message += " (" + texts[i].substr(0, cut) + ")";
        continue;
      }
      if (canonical.insert(target->canonical).second) out.targets.push_back(*std::move(target));
    }
  }

  if (input.abuse_date.empty()) add("abuse_date", "required");
  if (input.abuse_time.empty()) add("abuse_time", "required");
  if (!input.abuse_date.empty() && !input.abuse_time.empty()) {
    LocalTimeProblem problem = LocalTimeProblem::kNone;
    std::optional<ZonedInstant> observed =
        LocalTimeToInstant(input.abuse_date, input.abuse_time, input.abuse_zone, &problem);
    if (!observed) {
      switch (problem) {
        case LocalTimeProblem::kBadDate:
          add("abuse_date", "invalid_date");
          break;
        case LocalTimeProblem::kUnknownZone:
          add("abuse_zone", "unknown_time_zone");
          break;
        case LocalTimeProblem::kNonexistent:
          add("abuse_time", "nonexistent_local_time");
          break;
        case LocalTimeProblem::kBadTime:
        case LocalTimeProblem::kNone:
          add("abuse_time", "invalid_time");
          break;
      }
    } else if (observed->instant > now + std::chrono::minutes(10)) {
      add("abuse_date", "in_future");
    } else if (observed->instant < now - max_age) {
      add("abuse_date", "too_old",
          std::to_string(std::chrono::duration_cast<std::chrono::hours>(max_age).count() / 24));
    } else {
      out.observed = *std::move(observed);
    }
  }

  // The note goes to the customer with the notice: text only, line ends as LF.
  std::string note;
  for (char c : input.description) {
    if (c != '\r') note += c;
  }
  note = std::string(Trimmed(note));
  if (!IsValidUtf8(note)) {
    add("description", "invalid_utf8");
  } else if (note.size() > kMaxNoteBytes) {
    add("description", "too_long", std::to_string(kMaxNoteBytes));
  } else if (std::any_of(note.begin(), note.end(), [](char c) {
               auto byte = static_cast<unsigned char>(c);
               return (byte < 0x20 && c != '\n' && c != '\t') || byte == 0x7f;
             })) {
    add("description", "control_characters");
  } else {
    out.description = std::move(note);
  }
  return out;
}

json::object CaseJson(const Case& value) {
  json::object out{
      {"id", value.id},
      {"status", CaseStatusName(value.status)},
      {"abuse_type", value.abuse_type},
      {"subject", value.subject},
      {"attribution", AttributionResultName(value.attribution)},
      {"customer_id", value.customer_id},
      {"service_id", value.service_id},
      {"report_count", value.report_count},
      {"first_seen", FormatTime(value.first_seen)},
      {"last_seen", FormatTime(value.last_seen)},
      {"created_at", FormatTime(value.created_at)},
      {"updated_at", FormatTime(value.updated_at)},
      {"outcome", value.outcome},
  };
  out["deadline"] = value.deadline ? json::value(FormatTime(*value.deadline)) : json::value();
  return out;
}

json::object DecisionJson(const Decision& d) {
  json::object out{
      {"id", d.id},
      {"case_id", d.case_id},
      {"action", DecisionActionName(d.action)},
      {"actor_kind", ActorKindName(d.actor_kind)},
      {"actor", d.actor},
      {"decided_at", FormatTime(d.decided_at)},
      {"status_before", CaseStatusName(d.status_before)},
      {"status_after", CaseStatusName(d.status_after)},
      {"reason", d.reason},
      {"message", d.message},
      {"automated_decision", d.automated_decision},
      {"category", d.category},
  };
  out["deadline"] = d.deadline ? json::value(FormatTime(*d.deadline)) : json::value();
  return out;
}

json::array TargetsJson(const StoredReport& report) {
  json::array targets;
  for (const StoredTarget& stored : report.targets) {
    json::object target{
        {"kind", TargetKindName(stored.target.kind)},
        {"value", stored.target.canonical},
        {"display", stored.target.display},
        {"attribution", AttributionResultName(stored.attribution.result)},
        {"customer_id", stored.attribution.customer_id},
        {"service_id", stored.attribution.service_id},
        {"matched", stored.attribution.matched},
    };
    targets.push_back(std::move(target));
  }
  return targets;
}

json::object ReportJsonForStaff(const StoredReport& report) {
  const ReportDraft& d = report.draft;
  return json::object{
      {"id", report.id},
      {"reference", report.reference},
      {"received_at", FormatTime(report.received_at)},
      {"channel", ChannelName(d.channel)},
      {"format", d.format},
      {"abuse_type", d.abuse_type},
      {"observed_at", FormatTime(d.observed.instant, d.observed.offset_minutes)},
      {"observed_zone", d.observed.zone},
      {"targets", TargetsJson(report)},
      {"reporter", json::object{{"kind", ReporterKindName(d.reporter.kind)},
                                {"name", d.reporter.name},
                                {"legal_form", d.reporter.legal_form},
                                {"email", d.reporter.email},
                                {"share_email", d.reporter.share_email}}},
      {"description", d.description},
      {"good_faith", d.good_faith},
      {"language", d.language},
      {"source_report_id", d.source_report_id},
      {"raw_sha256", report.raw_sha256},
      {"raw_type", d.raw_type},
  };
}

json::object EventJson(const StoredEvent& event) {
  json::array targets;
  for (const std::string& target : event.targets) targets.emplace_back(target);
  return json::object{
      {"id", event.id},
      {"mail_id", event.mail_id},
      {"targets", std::move(targets)},
      {"observed_at", FormatTime(event.observed.instant, event.observed.offset_minutes)},
      {"abuse_type", event.abuse_type},
      {"format", event.format},
      {"source_report_id", event.source_report_id},
      {"summary", event.summary},
      {"attribution", AttributionResultName(event.attribution)},
      {"customer_id", event.customer_id},
      {"service_id", event.service_id},
  };
}

json::object InboundMailJson(const InboundMail& mail) {
  json::object out{
      {"id", mail.id},
      {"received_at", FormatTime(mail.received_at)},
      {"channel", mail.channel},
      {"size", mail.size},
      {"sha256", mail.raw_sha256},
      {"state", mail.state},
      {"format", mail.format},
      {"reason", mail.reason},
      {"detail", mail.detail},
      {"sender", mail.sender},
      {"subject", mail.subject},
      {"message_id", mail.message_id},
      {"event_count", mail.event_count},
      {"new_events", mail.new_events},
      {"duplicate_events", mail.duplicate_events},
      {"not_ours_events", mail.not_ours_events},
      {"attempts", mail.attempts},
      {"read_at", mail.read_at ? json::value(FormatTime(*mail.read_at)) : json::value(nullptr)},
      {"report_id", mail.report_id},
  };
  return out;
}

// What the reporter is told of their report's progress.
std::string ReporterStatus(const Case& value) {
  switch (value.status) {
    case CaseStatus::kNew:
    case CaseStatus::kTriage:
      return "received";
    case CaseStatus::kForwarded:
    case CaseStatus::kRestricted:
      return "forwarded";
    case CaseStatus::kRejected:
      return "rejected";
    case CaseStatus::kClosed:
      return "closed";
  }
  return "received";
}

// Failed sign-ins are limited per remote address and per account email, so that guessing
// passwords costs time whichever node answers: the counts are kept in the store, under keys
// that are HMACs of the address or the email (the table holds neither, and cannot be reversed
// by trying every IPv4 address without the key). Fixed windows, as crude as they are cheap.
constexpr int64_t kSignInFailuresAllowed = 10;
constexpr auto kSignInWindow = std::chrono::minutes(15);

std::vector<std::string> SignInThrottleKeys(const std::string& secret, const std::string& remote,
                                            const std::string& email) {
  std::vector<std::string> keys = {HmacSha256(secret, "address\n" + remote)};
  std::string account;
  for (char c : email) {
    if (c != ' ' && c != '\t')
      account += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (!account.empty()) keys.push_back(HmacSha256(secret, "email\n" + account));
  return keys;
}

}  // namespace

struct Site::Impl {
  SiteOptions options;
  Store& store;
  ReportWriter& writer;
  std::shared_ptr<const PageRenderer> pages;
  Server* server = nullptr;
  std::string csrf_key;
  std::vector<std::string> zones;
  std::string throttle_key;  // keys the sign-in failure counts (SignInThrottleKeys)

  Impl(SiteOptions o, Store& s, ReportWriter& w, std::shared_ptr<const PageRenderer> p)
      : options(std::move(o)), store(s), writer(w), pages(std::move(p)) {
    std::string fresh = RandomToken(32);
    std::string fresh_throttle_key = RandomToken(32);
    Status status = store.Write([&](Transaction& tx) {
      csrf_key = tx.GetOrCreateSecret("csrf_key", fresh);
      throttle_key = tx.GetOrCreateSecret("sign_in_throttle_key", fresh_throttle_key);
    });
    if (!status.ok()) {
      // Forms still work on this node until restart; sign-ins fail while the store is down.
      csrf_key = fresh;
      throttle_key = fresh_throttle_key;
    }
    for (const auto& zone : date::get_tzdb().zones) zones.emplace_back(zone.name());
  }

  // ---- plumbing -------------------------------------------------------------------------

  void Blocking(Respond respond, std::function<Response()> work) {
    server->RunBlocking([respond = std::move(respond), work = std::move(work)] {
      try {
        respond(work());
      } catch (const std::exception& error) {
        spdlog::error("event=handler_failed error=\"{}\"", error.what());
        respond(Response::Text(500, "Internal error.\n"));
      }
    });
  }

  Response Page(int status, std::string_view page, const std::string& language, json::object view) {
    Response response = Response::Html(status, pages->Render(page, language, std::move(view)));
    SecureHeaders(response);
    return response;
  }

  // The CSRF token for this browser: an HMAC of its random cookie. Sets the cookie if absent.
  std::string CsrfToken(const Request& request, Response* set_cookie_on) {
    std::string cookie = request.Cookie(kCsrfCookie);
    if (cookie.size() < 20) {
      cookie = RandomToken(24);
      if (set_cookie_on) {
        set_cookie_on->headers.emplace_back(
            "Set-Cookie", CookieHeader(kCsrfCookie, cookie, options.secure_cookies));
      }
    }
    return HmacSha256(csrf_key, cookie);
  }

  bool CsrfValid(const Request& request, const std::string& submitted) {
    std::string cookie = request.Cookie(kCsrfCookie);
    if (cookie.size() < 20 || submitted.empty()) return false;
    return ConstantTimeEquals(HmacSha256(csrf_key, cookie), submitted);
  }

  Response Forbidden(const std::string& language) {
    json::object view{{"title", pages->Text(language, "error.forbidden.title")},
                      {"message", pages->Text(language, "error.forbidden.message")}};
    return Page(403, "error", language, std::move(view));
  }

  Response NotFound(const std::string& language) {
    json::object view{{"title", pages->Text(language, "error.not_found.title")},
                      {"message", pages->Text(language, "error.not_found.message")}};
    return Page(404, "error", language, std::move(view));
  }

  Response Unavailable(const std::string& language) {
    json::object view{{"title", pages->Text(language, "error.unavailable.title")},
                      {"message", pages->Text(language, "error.unavailable.message")}};
    Response response = Page(503, "error", language, std::move(view));
    response.Set("Retry-After", "5");
    return response;
  }

  std::string StatusUrl(const std::string& reference, const std::string& token) {
    return options.public_url + "/status/" + reference + "?token=" + PercentEncode(token);
  }

  // ---- public form ----------------------------------------------------------------------

  json::object FormView(const std::string& language, const std::string& csrf,
                        const std::vector<std::pair<std::string, std::string>>& values,
                        const std::vector<intake::FieldError>& errors) {
    auto value_of = [&values](std::string_view name) {
      std::string joined;
      for (const auto& [key, value] : values) {
        if (key != name) continue;
        if (!joined.empty()) joined += "\n";
        joined += value;
      }
      return joined;
    };
    json::object view;
    view["csrf"] = csrf;
    view["language"] = language;
    view["other_lang"] = language == "fr" ? "en" : "fr";
    json::object field_values;
    for (const char* name :
         {"targets", "abuse_date", "abuse_time", "first_name", "last_name", "legal_form",
          "company_name", "authority_name", "email", "description"}) {
      field_values[name] = value_of(name);
    }
    view["values"] = std::move(field_values);

    std::string kind = value_of("reporter_kind");
    if (kind.empty()) kind = "person";
    view["kind_" + kind] = true;
    if (value_of("good_faith") == "on") view["good_faith_checked"] = true;
    if (value_of("share_email") == "on") view["share_email_checked"] = true;

    std::string selected_type = value_of("abuse_type");
    json::array frequent, others;
    for (const AbuseType& type : AllAbuseTypes()) {
      json::object item{{"id", type.id},
                        {"label", language == "fr" ? type.label_fr : type.label_en},
                        {"selected", type.id == selected_type},
                        {"name_required", type.name_required},
                        {"pharos", type.points_to == "pharos"},
                        {"signal_spam", type.points_to == "signal_spam"}};
      (type.frequent ? frequent : others).push_back(std::move(item));
    }
    view["frequent_types"] = std::move(frequent);
    view["other_types"] = std::move(others);

    std::string zone = value_of("abuse_zone");
    if (zone.empty()) zone = "UTC";
    json::array zone_list;
    for (const std::string& name : zones) {
      zone_list.push_back(json::object{{"name", name}, {"selected", name == zone}});
    }
    view["zones"] = std::move(zone_list);

    json::object by_field;
    json::array all;
    for (const intake::FieldError& error : errors) {
      std::string message = intake::DescribeFieldError(error, language);
      std::string field = error.field;
      if (size_t bracket = field.find('['); bracket != std::string::npos) {
        field = field.substr(0, bracket);
      }
      if (field == "observed_at") field = "abuse_date";
      if (field == "name") field = "first_name";
      std::string existing =
          by_field.contains(field) ? std::string(by_field[field].as_string()) : "";
      by_field[field] = existing.empty() ? message : existing + " " + message;
      all.push_back(json::object{{"field", field}, {"message", message}});
    }
    view["errors"] = std::move(by_field);
    view["error_list"] = std::move(all);
    view["has_errors"] = !errors.empty();
    return view;
  }

  Response FormPage(const Request& request) {
    std::string language = PickLanguage(request);
    Response cookies;
    std::string csrf = CsrfToken(request, &cookies);
    std::vector<std::pair<std::string, std::string>> defaults;
    Response response = Page(200, "form", language, FormView(language, csrf, defaults, {}));
    for (auto& header : cookies.headers) response.headers.push_back(header);
    if (!request.Query("lang").empty()) {
      response.headers.emplace_back(
          "Set-Cookie",
          CookieHeader(kLanguageCookie, language, options.secure_cookies, "Max-Age=31536000"));
    }
    return response;
  }

  void SubmitForm(Request request, Respond respond) {
    auto fields = ParseUrlEncoded(request.body);
    std::string language = "en";
    std::string submitted_csrf;
    for (const auto& [key, value] : fields) {
      if (key == "language" && (value == "fr" || value == "en")) language = value;
      if (key == "csrf") submitted_csrf = value;
    }
    if (!CsrfValid(request, submitted_csrf)) {
      respond(Forbidden(language));
      return;
    }
    bool has_language = false;
    for (const auto& [key, value] : fields) has_language |= key == "language";
    if (!has_language) fields.emplace_back("language", language);

    intake::IntakePolicy policy;
    policy.now = Now();
    policy.max_age = options.max_report_age;
    intake::IntakeResult result = intake::ValidateForm(fields, request.body, policy);
    if (!result.draft) {
      std::string csrf = CsrfToken(request, nullptr);
      respond(Page(422, "form", language, FormView(language, csrf, fields, result.errors)));
      return;
    }
    writer.Submit(
        std::move(*result.draft), "", [this, respond, language](Result<FiledReport> filed) {
          if (!filed.ok()) {
            spdlog::error("event=report_not_stored channel=form error=\"{}\"",
                          filed.error().message);
            respond(Unavailable(language));
            return;
          }
          spdlog::info("event=report_accepted channel=form reference={} case={}", filed->reference,
                       filed->case_id);
          respond(Response::Redirect("/status/" + filed->reference +
                                     "?token=" + PercentEncode(filed->status_token) + "&new=1"));
        });
  }

  Response StatusPage(const Request& request) {
    std::string language = PickLanguage(request);
    std::string reference = request.Param("reference");
    std::string token = request.Query("token");
    std::optional<StoredReport> report;
    std::optional<Case> owning_case;
    std::vector<Decision> decisions;
    bool authorised = false;
    Status status = store.Read([&](Transaction& tx) {
      std::string hash = tx.StatusTokenHash(reference);
      if (hash.empty() || token.empty() || !ConstantTimeEquals(hash, Sha256Hex(token))) return;
      authorised = true;
      report = tx.FindReportByReference(reference);
      if (report) {
        owning_case = tx.GetCase(report->case_id);
        decisions = tx.DecisionsOfCase(report->case_id);
      }
    });
    if (!status.ok()) return Unavailable(language);
    if (!authorised || !report || !owning_case) return NotFound(language);

    const AbuseType* type = FindAbuseType(report->draft.abuse_type);
    json::array targets;
    for (const Target& target : report->draft.targets)
      targets.push_back(json::value(target.display));
    std::string state = ReporterStatus(*owning_case);
    json::object view{
        {"reference", report->reference},
        {"status_url", StatusUrl(report->reference, token)},
        {"just_filed", request.Query("new") == "1"},
        {"received_at", FormatTime(report->received_at)},
        {"observed", HumanTime(report->draft.observed)},
        {"abuse_type", type ? (language == "fr" ? type->label_fr : type->label_en)
                            : std::string_view(report->draft.abuse_type)},
        {"targets", std::move(targets)},
        {"state", pages->Text(language, "status.state." + state)},
        {"state_" + state, true},
    };
    json::array timeline;
    for (const Decision& d : decisions) {
      if (d.action == DecisionAction::kForward || d.action == DecisionAction::kReject ||
          d.action == DecisionAction::kClose) {
        std::string key = "status.event." + std::string(DecisionActionName(d.action));
        json::object event{{"when", FormatTime(d.decided_at)},
                           {"what", pages->Text(language, key)},
                           {"reason", d.action == DecisionAction::kForward ? std::string()
                                      : d.action == DecisionAction::kClose
                                          ? pages->Text(language, "outcome." + d.reason)
                                          : pages->Text(language, "reason." + d.reason)}};
        if (d.action != DecisionAction::kForward) event["message"] = d.message;
        timeline.push_back(std::move(event));
      }
    }
    view["timeline"] = std::move(timeline);
    Response response = Page(200, "status", language, std::move(view));
    response.Set("Cache-Control", "no-store");
    return response;
  }

  // ---- public API -----------------------------------------------------------------------

  void ApiSubmit(Request request, Respond respond) {
    std::string_view content_type = request.Header("content-type");
    if (!content_type.empty() && AsciiLower(content_type).find("json") == std::string::npos) {
      respond(JsonError(415, "body", "send the report as application/json"));
      return;
    }
    std::string key(request.Header("idempotency-key"));
    if (key.size() > 200 || !IsValidUtf8(key)) {
      respond(JsonError(422, "Idempotency-Key", "must be at most 200 bytes of UTF-8"));
      return;
    }
    intake::IntakePolicy policy;
    policy.now = Now();
    policy.max_age = options.max_report_age;
    intake::IntakeResult result = intake::ValidateApiJson(request.body, policy);
    if (!result.draft) {
      json::array errors;
      for (const intake::FieldError& error : result.errors) {
        errors.push_back(json::object{{"field", error.field},
                                      {"code", error.code},
                                      {"message", intake::DescribeFieldError(error, "en")}});
      }
      respond(JsonResponse(422, json::object{{"errors", std::move(errors)}}));
      return;
    }
    writer.Submit(std::move(*result.draft), key, [this, respond](Result<FiledReport> filed) {
      if (!filed.ok()) {
        if (filed.error().code == "idempotency_conflict") {
          respond(JsonError(409, "Idempotency-Key", filed.error().message));
          return;
        }
        spdlog::error("event=report_not_stored channel=api error=\"{}\"", filed.error().message);
        Response response = JsonError(503, "body", "the report could not be stored; retry");
        response.Set("Retry-After", "5");
        respond(std::move(response));
        return;
      }
      spdlog::info("event=report_accepted channel=api reference={} case={} replay={}",
                   filed->reference, filed->case_id, filed->replayed);
      json::object body{{"reference", filed->reference},
                        {"status_url", StatusUrl(filed->reference, filed->status_token)}};
      if (filed->replayed) body["replayed"] = true;
      respond(JsonResponse(filed->replayed ? 200 : 201, body));
    });
  }

  Response ApiReportStatus(const Request& request) {
    std::string reference = request.Param("reference");
    std::string token = request.Query("token");
    std::string_view authorization = request.Header("authorization");
    if (authorization.rfind("Bearer ", 0) == 0) token = std::string(authorization.substr(7));
    std::optional<StoredReport> report;
    std::optional<Case> owning_case;
    std::vector<Decision> decisions;
    Status status = store.Read([&](Transaction& tx) {
      std::string hash = tx.StatusTokenHash(reference);
      if (hash.empty() || token.empty() || !ConstantTimeEquals(hash, Sha256Hex(token))) return;
      report = tx.FindReportByReference(reference);
      if (report) {
        owning_case = tx.GetCase(report->case_id);
        decisions = tx.DecisionsOfCase(report->case_id);
      }
    });
    if (!status.ok()) return JsonError(503, "", "the store is unavailable; retry");
    if (!report || !owning_case)
      return JsonError(404, "reference", "no such report, or wrong token");
    json::array events;
    for (const Decision& d : decisions) {
      if (d.action == DecisionAction::kForward) {
        events.push_back(
            json::object{{"action", "forward"}, {"decided_at", FormatTime(d.decided_at)}});
      } else if (d.action == DecisionAction::kReject || d.action == DecisionAction::kClose) {
        events.push_back(json::object{{"action", DecisionActionName(d.action)},
                                      {"decided_at", FormatTime(d.decided_at)},
                                      {"reason", d.reason},
                                      {"message", d.message},
                                      {"automated", d.actor_kind == ActorKind::kRule}});
      }
    }
    return JsonResponse(
        200, json::object{{"reference", report->reference},
                          {"status", ReporterStatus(*owning_case)},
                          {"received_at", FormatTime(report->received_at)},
                          {"abuse_type", report->draft.abuse_type},
                          {"observed_at", FormatTime(report->draft.observed.instant,
                                                     report->draft.observed.offset_minutes)},
                          {"targets", TargetsJson(*report)},
                          {"decisions", std::move(events)}});
  }

  // ---- staff authentication -------------------------------------------------------------

  // The staff member behind the request's bearer token, if any.
  std::optional<User> ApiUser(const Request& request) {
    std::string_view authorization = request.Header("authorization");
    if (authorization.rfind("Bearer ", 0) != 0) return std::nullopt;
    std::string hash = Sha256Hex(authorization.substr(7));
    std::optional<User> user;
    Status status = store.Read([&](Transaction& tx) { user = tx.FindUserByApiToken(hash); });
    if (!status.ok() || !user || user->disabled) return std::nullopt;
    return user;
  }

  struct DeskSession {
    User user;
    Session session;
  };

  std::optional<DeskSession> SessionOf(const Request& request) {
    std::string cookie = request.Cookie(kSessionCookie);
    if (cookie.size() < 20) return std::nullopt;
    std::string hash = Sha256Hex(cookie);
    std::optional<DeskSession> out;
    Status status = store.Read([&](Transaction& tx) {
      std::optional<Session> session = tx.FindSession(hash, Now());
      if (!session) return;
      std::optional<User> user = tx.GetUser(session->user_id);
      if (user && !user->disabled) out = DeskSession{*user, *session};
    });
    if (!status.ok()) return std::nullopt;
    return out;
  }

  Response LoginPage(const Request& request, int status, bool failed) {
    std::string language = PickLanguage(request);
    Response cookies;
    std::string csrf = CsrfToken(request, &cookies);
    Response response = Page(status, "login", language,
                             json::object{{"csrf", csrf}, {"failed", failed}, {"desk", true}});
    for (auto& header : cookies.headers) response.headers.push_back(header);
    response.Set("Cache-Control", "no-store");
    return response;
  }

  Response Login(const Request& request) {
    std::string language = PickLanguage(request);
    std::string email, password, csrf;
    for (auto& [key, value] : ParseUrlEncoded(request.body)) {
      if (key == "email") email = value;
      if (key == "password") password = value;
      if (key == "csrf") csrf = value;
    }
    if (!CsrfValid(request, csrf)) return Forbidden(language);
    Instant now = Now();
    std::vector<std::string> keys = SignInThrottleKeys(throttle_key, request.remote, email);
    bool throttled = false;
    std::optional<User> user;
    Status status = store.Read([&](Transaction& tx) {
      throttled = false;
      for (const std::string& key : keys) {
        if (tx.CountSignInFailures(key, now - kSignInWindow) >= kSignInFailuresAllowed) {
          throttled = true;
        }
      }
      if (!throttled) user = tx.FindUserByEmail(email);
    });
    if (!status.ok()) return Unavailable(language);
    if (throttled) {
      Response response = LoginPage(request, 429, true);
      response.Set("Retry-After", "900");
      return response;
    }
    if (!user || user->disabled || !VerifyPassword(user->password_hash, password)) {
      Status counted = store.Write([&](Transaction& tx) {
        for (const std::string& key : keys) tx.RecordSignInFailure(key, now, now - kSignInWindow);
      });
      if (!counted.ok()) {
        spdlog::warn("event=sign_in_failure_not_counted error=\"{}\"", counted.error().message);
      }
      spdlog::warn("event=sign_in_failed");
      return LoginPage(request, 401, true);
    }
    std::string cookie = RandomToken(32);
    Session session{Sha256Hex(cookie), user->id, RandomToken(24), now, now + kSessionLifetime};
    status = store.Write([&](Transaction& tx) { tx.InsertSession(session); });
    if (!status.ok()) return Unavailable(language);
    spdlog::info("event=sign_in user_id={}", user->id);
    Response response = Response::Redirect("/desk");
    response.headers.emplace_back("Set-Cookie",
                                  CookieHeader(kSessionCookie, cookie, options.secure_cookies));
    return response;
  }

  Response Logout(const Request& request) {
    std::string language = PickLanguage(request);
    std::string csrf;
    for (auto& [key, value] : ParseUrlEncoded(request.body)) {
      if (key == "csrf") csrf = value;
    }
    if (!CsrfValid(request, csrf)) return Forbidden(language);
    std::string cookie = request.Cookie(kSessionCookie);
    if (!cookie.empty()) {
      std::string hash = Sha256Hex(cookie);
      (void)store.Write([&](Transaction& tx) { tx.DeleteSession(hash); });
    }
    Response response = Response::Redirect("/desk/login");
    response.headers.emplace_back(
        "Set-Cookie", CookieHeader(kSessionCookie, "", options.secure_cookies, "Max-Age=0"));
    return response;
  }

  // ---- desk -----------------------------------------------------------------------------

  static std::optional<CaseFilter> FilterFrom(const Request& request, std::string* problem) {
    CaseFilter filter;
    std::string status = request.Query("status");
    if (!status.empty()) {
      filter.status = ParseCaseStatus(status);
      if (!filter.status) {
        *problem = "status";
        return std::nullopt;
      }
    }
    filter.abuse_type = request.Query("abuse_type");
    if (!filter.abuse_type.empty() && !FindAbuseType(filter.abuse_type)) {
      *problem = "abuse_type";
      return std::nullopt;
    }
    std::string age = request.Query("age");
    if (!age.empty()) {
      int days = 0;
      if (age == "1d") days = 1;
      if (age == "7d") days = 7;
      if (age == "30d") days = 30;
      if (age == "older") {
        filter.created_before = Now() - std::chrono::hours(24 * 30);
      } else if (days == 0) {
        *problem = "age";
        return std::nullopt;
      } else {
        filter.created_after = Now() - std::chrono::hours(24 * days);
      }
    }
    std::string sort = request.Query("sort");
    if (sort == "newest") filter.order = CaseFilter::Order::kNewest;
    if (sort == "oldest") filter.order = CaseFilter::Order::kOldest;
    if (sort == "reports") filter.order = CaseFilter::Order::kMostReports;
    std::string limit = request.Query("limit");
    if (auto parsed = ParseId(limit))
      filter.limit = static_cast<int>(std::min<int64_t>(*parsed, 500));
    std::string offset = request.Query("offset");
    if (auto parsed = ParseId(offset))
      filter.offset = static_cast<int>(std::min<int64_t>(*parsed, 1000000));
    return filter;
  }

  std::string TypeLabel(const std::string& id, const std::string& language) {
    const AbuseType* type = FindAbuseType(id);
    if (!type) return id;
    return std::string(language == "fr" ? type->label_fr : type->label_en);
  }

  // What every desk page shares: who is signed in, the CSRF token of the sign-out form, and the
  // number of mails waiting for a person (the inbox link in the navigation).
  json::object DeskView(const Request& request, const DeskSession& desk) {
    int64_t waiting = 0;
    Status status = store.Read([&](Transaction& tx) {
      MailFilter filter;
      filter.state = "needs_human";
      waiting = tx.CountInboundMail(filter);
    });
    json::object view{{"desk", true},
                      {"user", desk.user.email},
                      {"csrf", CsrfToken(request, nullptr)},
                      {"inbox_count", status.ok() ? json::value(waiting) : json::value("?")}};
    return view;
  }

  Response Queue(const Request& request, const DeskSession& desk) {
    std::string language = PickLanguage(request);
    std::string problem;
    std::optional<CaseFilter> filter = FilterFrom(request, &problem);
    if (!filter) filter = CaseFilter{};
    std::vector<Case> cases;
    int64_t total = 0;
    Status status = store.Read([&](Transaction& tx) {
      cases = tx.ListCases(*filter);
      total = tx.CountCases(*filter);
    });
    if (!status.ok()) return Unavailable(language);

    Instant now = Now();
    json::array rows;
    for (const Case& c : cases) {
      auto age_hours = std::chrono::duration_cast<std::chrono::hours>(now - c.created_at).count();
      rows.push_back(json::object{
          {"id", c.id},
          {"status", CaseStatusName(c.status)},
          {"status_label",
           pages->Text(language, "case.status." + std::string(CaseStatusName(c.status)))},
          {"type", TypeLabel(c.abuse_type, language)},
          {"customer_id", c.customer_id},
          {"service_id", c.service_id},
          {"subject", c.subject},
          {"attribution", pages->Text(language, "attribution." + std::string(AttributionResultName(
                                                                     c.attribution)))},
          {"report_count", c.report_count},
          {"last_seen", FormatTime(c.last_seen)},
          {"age", age_hours < 48 ? std::to_string(age_hours) + " h"
                                 : std::to_string(age_hours / 24) + " d"},
      });
    }
    json::array statuses;
    std::string chosen_status = request.Query("status");
    for (const char* name : {"new", "triage", "forwarded", "rejected", "restricted", "closed"}) {
      statuses.push_back(
          json::object{{"id", name},
                       {"label", pages->Text(language, std::string("case.status.") + name)},
                       {"selected", chosen_status == name}});
    }
    json::array types;
    std::string chosen_type = request.Query("abuse_type");
    for (const AbuseType& type : AllAbuseTypes()) {
      types.push_back(json::object{{"id", type.id},
                                   {"label", language == "fr" ? type.label_fr : type.label_en},
                                   {"selected", type.id == chosen_type}});
    }
    std::string age = request.Query("age");
    std::string sort = request.Query("sort");
    json::object view = DeskView(request, desk);
    view.insert({{"cases", std::move(rows)},
                 {"empty", cases.empty()},
                 {"total", total},
                 {"statuses", std::move(statuses)},
                 {"types", std::move(types)},
                 {"age_1d", age == "1d"},
                 {"age_7d", age == "7d"},
                 {"age_30d", age == "30d"},
                 {"age_older", age == "older"},
                 {"sort_newest", sort == "newest"},
                 {"sort_oldest", sort == "oldest"},
                 {"sort_reports", sort == "reports"},
                 {"bad_filter", !problem.empty()}});
    Response response = Page(problem.empty() ? 200 : 422, "queue", language, std::move(view));
    response.Set("Cache-Control", "no-store");
    return response;
  }

  Response CasePage(const Request& request, const DeskSession& desk, int status_code = 200,
                    std::string error = "") {
    std::string language = PickLanguage(request);
    auto id = ParseId(request.Param("id"));
    if (!id) return NotFound(language);
    std::optional<Case> value;
    std::vector<StoredReport> reports;
    std::vector<Decision> decisions;
    std::string customer_email;
    int events_page = PageNumber(request, "events_page");
    std::vector<StoredEvent> events;
    int64_t event_count = 0;
    std::map<int64_t, std::string> senders;  // mail id -> its From address
    Status status = store.Read([&](Transaction& tx) {
      value = tx.GetCase(*id);
      if (!value) return;
      reports = tx.ReportsOfCase(*id);
      decisions = tx.DecisionsOfCase(*id);
      if (!value->customer_id.empty()) customer_email = tx.CustomerEmail(value->customer_id);
      events = tx.EventsOfCase(*id, kEventsPerPage, (events_page - 1) * kEventsPerPage);
      event_count = tx.CountEventsOfCase(*id);
      senders.clear();
      for (const StoredEvent& event : events) {
        if (senders.contains(event.mail_id)) continue;
        std::optional<InboundMail> mail = tx.GetInboundMail(event.mail_id, false);
        senders[event.mail_id] = mail ? mail->sender : std::string();
      }
    });
    if (!status.ok()) return Unavailable(language);
    if (!value) return NotFound(language);

    json::array event_views;
    for (const StoredEvent& event : events) {
      json::array targets;
      for (const std::string& target : event.targets) targets.emplace_back(target);
      event_views.push_back(json::object{
          {"id", event.id},
          {"mail_id", event.mail_id},
          {"targets", std::move(targets)},
          {"observed_at", FormatTime(event.observed.instant, event.observed.offset_minutes)},
          {"format", event.format},
          {"source_report_id", event.source_report_id},
          {"sender", senders[event.mail_id]},
          {"summary", event.summary},
          {"attribution", pages->Text(language, "attribution." + std::string(AttributionResultName(
                                                                     event.attribution)))},
          {"service_id", event.service_id},
      });
    }
    json::object events_pager =
        Pager(events_page, kEventsPerPage, event_count,
              "/desk/cases/" + std::to_string(*id) + "?events_page=", "#events");

    constexpr size_t kRawPreview = 64 * 1024;
    // A case fed by a feed can hold thousands of reports: the page shows the first ones, and
    // the API has them all.
    // TODO: page through the reports of a large case on the desk instead of cutting the list.
    constexpr size_t kReportsShown = 200;
    json::array report_views;
    for (const StoredReport& report : reports) {
      if (report_views.size() == kReportsShown) break;
      const ReportDraft& d = report.draft;
      json::array targets;
      for (const StoredTarget& t : report.targets) {
        targets.push_back(json::object{
            {"display", t.target.display},
            {"canonical", t.target.canonical},
            {"kind", TargetKindName(t.target.kind)},
            {"attribution",
             pages->Text(language, "attribution." +
                                       std::string(AttributionResultName(t.attribution.result)))},
            {"customer_id", t.attribution.customer_id},
            {"service_id", t.attribution.service_id},
            {"matched", t.attribution.matched},
        });
      }
      bool truncated = d.raw.size() > kRawPreview;
      std::string preview = d.raw.substr(0, kRawPreview);
      if (!IsValidUtf8(preview)) preview = pages->Text(language, "case.raw_binary");
      report_views.push_back(json::object{
          {"id", report.id},
          {"reference", report.reference},
          {"received_at", FormatTime(report.received_at)},
          {"observed", HumanTime(d.observed)},
          {"channel", ChannelName(d.channel)},
          {"format", d.format},
          {"reporter_kind", pages->Text(language, "reporter_kind." + std::string(ReporterKindName(
                                                                         d.reporter.kind)))},
          {"reporter_name", d.reporter.legal_form.empty()
                                ? d.reporter.name
                                : d.reporter.legal_form + " " + d.reporter.name},
          {"reporter_email", d.reporter.email},
          {"share_email", d.reporter.share_email},
          {"description", d.description},
          {"language", d.language},
          {"targets", std::move(targets)},
          {"raw", preview},
          {"raw_truncated", truncated},
          {"raw_sha256", report.raw_sha256},
      });
    }
    json::array timeline;
    for (const Decision& d : decisions) {
      std::string reason_key =
          d.action == DecisionAction::kClose ? "outcome." + d.reason : "reason." + d.reason;
      timeline.push_back(json::object{
          {"when", FormatTime(d.decided_at)},
          {"action", pages->Text(language, "action." + std::string(DecisionActionName(d.action)))},
          {"actor", d.actor},
          {"automatic", d.actor_kind == ActorKind::kRule},
          {"reason", d.reason.empty() ? std::string() : pages->Text(language, reason_key)},
          {"message", d.message},
          {"from", CaseStatusName(d.status_before)},
          {"to", CaseStatusName(d.status_after)},
          {"deadline", d.deadline ? FormatTime(*d.deadline) : std::string()},
      });
    }
    json::array reasons, outcomes;
    for (const char* code : {"incomplete", "not_illicit", "not_ours", "duplicate", "offensive",
                             "insufficient_evidence", "other"}) {
      reasons.push_back(json::object{
          {"id", code}, {"label", pages->Text(language, std::string("reason.") + code)}});
    }
    for (const char* code :
         {"remediated", "restricted", "rejected", "not_ours", "duplicate", "no_action"}) {
      outcomes.push_back(json::object{
          {"id", code}, {"label", pages->Text(language, std::string("outcome.") + code)}});
    }
    json::object view = DeskView(request, desk);
    view.insert({
        {"case", CaseJson(*value)},
        {"event_count", event_count},
        {"events", std::move(event_views)},
        {"has_events", !events.empty()},
        {"events_pager", std::move(events_pager)},
        {"type", TypeLabel(value->abuse_type, language)},
        {"status_label",
         pages->Text(language, "case.status." + std::string(CaseStatusName(value->status)))},
        {"attribution", pages->Text(language, "attribution." + std::string(AttributionResultName(
                                                                   value->attribution)))},
        {"customer_email", customer_email},
        {"reports", std::move(report_views)},
        {"reports_hidden", reports.size() > kReportsShown
                               ? json::value(static_cast<int64_t>(reports.size() - kReportsShown))
                               : json::value(false)},
        {"timeline", std::move(timeline)},
        {"has_timeline", !decisions.empty()},
        {"reasons", std::move(reasons)},
        {"outcomes", std::move(outcomes)},
        {"can_forward", StatusAfter(value->status, DecisionAction::kForward).has_value() &&
                            !customer_email.empty()},
        {"can_reject", StatusAfter(value->status, DecisionAction::kReject).has_value()},
        {"can_close", StatusAfter(value->status, DecisionAction::kClose).has_value()},
        {"can_decide", (StatusAfter(value->status, DecisionAction::kForward).has_value() &&
                        !customer_email.empty()) ||
                           StatusAfter(value->status, DecisionAction::kReject).has_value() ||
                           StatusAfter(value->status, DecisionAction::kClose).has_value()},
        {"error", error},
        {"default_deadline_hours", static_cast<int64_t>(options.customer_deadline.count())},
    });
    Response response = Page(status_code, "case", language, std::move(view));
    response.Set("Cache-Control", "no-store");
    return response;
  }

  Response DeskDecide(const Request& request, const DeskSession& desk) {
    std::string language = PickLanguage(request);
    auto id = ParseId(request.Param("id"));
    if (!id) return NotFound(language);
    DecisionRequest decision;
    decision.case_id = *id;
    decision.actor = desk.user.email;
    decision.customer_deadline = options.customer_deadline;
    std::string csrf, action, reason, outcome, deadline_hours;
    for (auto& [key, value] : ParseUrlEncoded(request.body)) {
      if (key == "csrf") csrf = value;
      if (key == "action") action = value;
      if (key == "reason") reason = value;
      if (key == "outcome") outcome = value;
      if (key == "message") decision.message = value;
      if (key == "deadline_hours") deadline_hours = value;
    }
    if (!CsrfValid(request, csrf)) return Forbidden(language);
    if (!deadline_hours.empty()) {
      auto hours = ParseId(deadline_hours);
      if (!hours || *hours > 720) {
        return CasePage(request, desk, 422, pages->Text(language, "decision.error.deadline"));
      }
      decision.customer_deadline = std::chrono::hours(*hours);
    }
    auto parsed = ParseDecisionAction(action);
    if (!parsed || *parsed == DecisionAction::kRestrict || *parsed == DecisionAction::kReopen) {
      return CasePage(request, desk, 422, pages->Text(language, "decision.error.action"));
    }
    decision.action = *parsed;
    decision.reason = decision.action == DecisionAction::kClose ? outcome : reason;
    if (decision.action == DecisionAction::kForward) decision.reason.clear();
    if (!IsValidUtf8(decision.message)) {
      return CasePage(request, desk, 422, pages->Text(language, "decision.error.utf8"));
    }
    Result<Decision> result = Decide(store, decision, Now());
    if (!result.ok()) {
      const std::string& code = result.error().code;
      if (code == "not_found") return NotFound(language);
      if (code == "database") return Unavailable(language);
      return CasePage(request, desk, code == "invalid_transition" ? 409 : 422,
                      pages->Text(language, "decision.error." + code));
    }
    spdlog::info("event=case_decided case={} action={} actor_kind=person", *id, action);
    return Response::Redirect("/desk/cases/" + std::to_string(*id) + "#timeline");
  }

  Response RawDownload(const Request& request) {
    std::string language = PickLanguage(request);
    auto id = ParseId(request.Param("id"));
    if (!id) return NotFound(language);
    std::optional<StoredReport> report;
    Status status = store.Read([&](Transaction& tx) { report = tx.GetReport(*id); });
    if (!status.ok()) return Unavailable(language);
    if (!report) return NotFound(language);
    Response response{200, {}, report->draft.raw};
    // Never rendered by the browser: the original is hostile input.
    response.Set("Content-Type", "application/octet-stream");
    response.Set("Content-Disposition", "attachment; filename=\"" + report->reference + ".raw\"");
    SecureHeaders(response);
    response.Set("Cache-Control", "no-store");
    return response;
  }

  // ---- desk: abuse mail -------------------------------------------------------------------

  // The inbox: abuse mail by state, newest first. Needs-human mail is what a person must read.
  Response MailInbox(const Request& request, const DeskSession& desk) {
    std::string language = PickLanguage(request);
    static const std::vector<std::string> kStates = {"needs_human", "all",     "parsed", "ignored",
                                                     "rejected",    "pending", "handled"};
    std::string state = request.Query("state");
    bool bad_filter =
        !state.empty() && std::find(kStates.begin(), kStates.end(), state) == kStates.end();
    if (state.empty() || bad_filter) state = "needs_human";
    int page = PageNumber(request, "page");

    MailFilter filter;
    filter.state = state == "all" ? "" : state;
    filter.limit = kMailPerPage;
    filter.offset = (page - 1) * kMailPerPage;
    std::vector<InboundMail> mails;
    int64_t total = 0;
    Status status = store.Read([&](Transaction& tx) {
      mails = tx.ListInboundMail(filter);
      total = tx.CountInboundMail(filter);
    });
    if (!status.ok()) return Unavailable(language);

    json::array rows;
    for (const InboundMail& mail : mails) {
      rows.push_back(json::object{
          {"id", mail.id},
          {"received_at", FormatTime(mail.received_at)},
          {"sender", mail.sender},
          {"subject", mail.subject},
          {"format", mail.format},
          {"state", mail.state},
          {"state_label", pages->Text(language, "mail.state." + mail.state)},
          {"reason", mail.reason},
          {"event_count", mail.event_count},
          {"new_events", mail.new_events},
          {"duplicate_events", mail.duplicate_events},
          {"not_ours_events", mail.not_ours_events},
      });
    }
    json::array states;
    for (const std::string& name : kStates) {
      states.push_back(json::object{{"id", name},
                                    {"label", pages->Text(language, "mail.state." + name)},
                                    {"selected", name == state}});
    }
    json::object view = DeskView(request, desk);
    view.insert(
        {{"title", pages->Text(language, "inbox.title")},
         {"inbox", true},
         {"mails", std::move(rows)},
         {"empty", mails.empty()},
         {"mail_total", total},
         {"states", std::move(states)},
         {"pager", Pager(page, kMailPerPage, total, "/desk/mail?state=" + state + "&page=")},
         {"bad_filter", bad_filter}});
    Response response = Page(bad_filter ? 422 : 200, "inbox", language, std::move(view));
    response.Set("Cache-Control", "no-store");
    return response;
  }

  // One abuse mail: its facts, the events read from it, the raw message as a download, and for
  // a mail nobody could read by machine, the form that turns it into a report. The message
  // itself is never shown: it is hostile, and a download is all a person needs to read it.
  Response MailPage(const Request& request, const DeskSession& desk, int status_code = 200,
                    const MailReportInput* submitted = nullptr,
                    const std::vector<FormError>& errors = {}, const std::string& error = "") {
    std::string language = PickLanguage(request);
    auto id = ParseId(request.Param("id"));
    if (!id) return NotFound(language);
    std::optional<InboundMail> mail;
    std::optional<StoredReport> report;
    Status status = store.Read([&](Transaction& tx) {
      mail = tx.GetInboundMail(*id, false);
      report.reset();
      if (mail && mail->report_id != 0) report = tx.GetReport(mail->report_id);
    });
    if (!status.ok()) return Unavailable(language);
    if (!mail) return NotFound(language);

    json::object reading = ReadingOf(*mail);
    json::array event_views;
    size_t events_read = 0;
    if (auto it = reading.find("events"); it != reading.end() && it->value().is_array()) {
      const json::array& events = it->value().get_array();
      events_read = events.size();
      for (const json::value& item : events) {
        if (event_views.size() == kMailEventsShown) break;
        if (!item.is_object()) continue;
        const json::object& event = item.get_object();
        json::array targets;
        for (const std::string& target : StringsAt(event, "targets")) targets.emplace_back(target);
        std::string type = StringAt(event, "abuse_type");
        event_views.push_back(
            json::object{{"targets", std::move(targets)},
                         {"observed_at", StringAt(event, "observed_at")},
                         {"type", TypeLabel(type, language)},
                         {"source_report_id", StringAt(event, "source_report_id")},
                         {"summary", StringAt(event, "summary")}});
      }
    }

    json::object facts = InboundMailJson(*mail);
    json::object view = DeskView(request, desk);
    view.insert({
        {"title", pages->Text(language, "mail.title") + " " + std::to_string(mail->id)},
        {"mail", std::move(facts)},
        {"state_label", pages->Text(language, "mail.state." + mail->state)},
        {"read_events", std::move(event_views)},
        {"has_read_events", events_read > 0},
        {"read_events_total", static_cast<int64_t>(events_read)},
        {"read_events_hidden", events_read > kMailEventsShown ? json::value(static_cast<int64_t>(
                                                                    events_read - kMailEventsShown))
                                                              : json::value(false)},
        {"error", error},
    });
    if (report) {
      view["handled"] =
          json::object{{"case_id", report->case_id}, {"reference", report->reference}};
    }
    if (mail->state == "needs_human") {
      MailReportInput input = submitted ? *submitted : SuggestedInput(reading);
      view["form"] = MailFormView(input, StringsAt(reading, "candidate_targets"), errors, language);
    }
    Response response = Page(status_code, "mail", language, std::move(view));
    response.Set("Cache-Control", "no-store");
    return response;
  }

  json::object MailFormView(const MailReportInput& input,
                            const std::vector<std::string>& candidates,
                            const std::vector<FormError>& errors, const std::string& language) {
    // Text the agent typed is shown back only when it is text: invalid bytes are dropped.
    auto shown = [](const std::string& text) { return IsValidUtf8(text) ? text : std::string(); };
    json::array types;
    for (const AbuseType& type : AllAbuseTypes()) {
      types.push_back(json::object{{"id", type.id},
                                   {"label", language == "fr" ? type.label_fr : type.label_en},
                                   {"selected", type.id == input.abuse_type}});
    }
    json::array targets;
    std::set<std::string> ticked(input.ticked.begin(), input.ticked.end());
    for (size_t i = 0; i < candidates.size(); ++i) {
      targets.push_back(json::object{{"index", static_cast<int64_t>(i)},
                                     {"value", candidates[i]},
                                     {"checked", ticked.contains(candidates[i])}});
    }
    json::array zone_list;
    for (const std::string& name : zones) {
      zone_list.push_back(json::object{{"name", name}, {"selected", name == input.abuse_zone}});
    }
    json::object by_field;
    json::array all;
    for (const FormError& problem : errors) {
      std::string existing =
          by_field.contains(problem.field) ? std::string(by_field[problem.field].as_string()) : "";
      by_field[problem.field] =
          existing.empty() ? problem.message : existing + " " + problem.message;
      all.push_back(json::object{{"field", problem.field}, {"message", problem.message}});
    }
    return json::object{{"types", std::move(types)},
                        {"type_chosen", FindAbuseType(input.abuse_type) != nullptr},
                        {"candidates", std::move(targets)},
                        {"has_candidates", !candidates.empty()},
                        {"more_targets", shown(input.more_targets)},
                        {"abuse_date", shown(input.abuse_date)},
                        {"abuse_time", shown(input.abuse_time)},
                        {"zones", std::move(zone_list)},
                        {"description", shown(input.description)},
                        {"acknowledge", input.acknowledge},
                        {"errors", std::move(by_field)},
                        {"error_list", std::move(all)},
                        {"has_errors", !errors.empty()}};
  }

  // POST /desk/mail/{id}/report: the agent's reading of a needs-human mail becomes a report,
  // filed like any other (attributed, in a case), and the mail is marked handled.
  Response MailReport(const Request& request, const DeskSession& desk) {
    std::string language = PickLanguage(request);
    auto id = ParseId(request.Param("id"));
    if (!id) return NotFound(language);
    auto fields = ParseUrlEncoded(request.body);
    std::string csrf;
    for (const auto& [key, value] : fields) {
      if (key == "csrf") csrf = value;
    }
    if (!CsrfValid(request, csrf)) return Forbidden(language);

    std::optional<InboundMail> mail;
    Status status = store.Read([&](Transaction& tx) { mail = tx.GetInboundMail(*id, true); });
    if (!status.ok()) return Unavailable(language);
    if (!mail) return NotFound(language);
    if (mail->state != "needs_human") {
      return MailPage(request, desk, 409, nullptr, {},
                      pages->Text(language, "mail.error.not_waiting"));
    }

    MailReportInput input = InputFromForm(fields);
    std::vector<FormError> errors;
    MailReportFields valid =
        ReadMailReportForm(input, Now(), options.max_report_age, language, errors);
    if (input.acknowledge && mail->sender.empty()) {
      errors.push_back({"acknowledge", pages->Text(language, "mail.error.no_sender")});
    }
    if (!errors.empty()) return MailPage(request, desk, 422, &input, errors);

    ReportDraft draft;
    draft.channel = Channel::kMail;
    draft.format = mail->format.empty() ? "free_text" : mail->format;
    draft.raw = std::move(mail->raw);
    draft.raw_type = "message/rfc822";
    draft.targets = std::move(valid.targets);
    draft.observed = std::move(valid.observed);
    draft.abuse_type = std::string(valid.type->id);
    draft.reporter.kind = ReporterKind::kPerson;
    draft.reporter.name = mail->sender.empty() ? "mail " + std::to_string(mail->id) : mail->sender;
    // The sender may be a robot: it hears from us only when the agent says so.
    if (input.acknowledge) draft.reporter.email = mail->sender;
    draft.description = valid.description.empty()
                            ? "Report made from abuse mail " + std::to_string(mail->id) + " by " +
                                  desk.user.email + "."
                            : valid.description;
    draft.good_faith = false;
    draft.language = "en";
    draft.source_report_id = mail->message_id;

    Result<FiledReport> filed = writer.SubmitAndWait(std::move(draft));
    if (!filed.ok()) {
      spdlog::error("event=report_not_stored channel=mail mail={} error=\"{}\"", *id,
                    filed.error().message);
      return Unavailable(language);
    }
    // TODO: two agents sending the form of the same mail at once both file a report; the
    // second is then marked as the mail's report and the first stays in its case unlinked.
    // Claiming the mail before filing needs a store call that sets a state only from another.
    Instant now = Now();
    status = store.Write([&](Transaction& tx) {
      std::optional<StoredReport> report = tx.FindReportByReference(filed->reference);
      if (report) tx.MarkMailHandled(*id, report->id, now);
    });
    if (!status.ok()) {
      // The report is stored and acknowledged; only the link back from the mail is missing.
      spdlog::warn("event=mail_not_marked_handled mail={} reference={}", *id, filed->reference);
    }
    spdlog::info("event=report_accepted channel=mail mail={} reference={} case={} user_id={}", *id,
                 filed->reference, filed->case_id, desk.user.id);
    return Response::Redirect("/desk/cases/" + std::to_string(filed->case_id));
  }

  // ---- staff API ------------------------------------------------------------------------

  Response ApiCases(const Request& request) {
    std::string problem;
    std::optional<CaseFilter> filter = FilterFrom(request, &problem);
    if (!filter) return JsonError(422, problem, "unknown value");
    std::vector<Case> cases;
    Status status = store.Read([&](Transaction& tx) { cases = tx.ListCases(*filter); });
    if (!status.ok()) return JsonError(503, "", "the store is unavailable; retry");
    json::array out;
    for (const Case& c : cases) out.push_back(CaseJson(c));
    return JsonResponse(200, json::object{{"cases", std::move(out)}});
  }

  Response ApiCase(const Request& request) {
    auto id = ParseId(request.Param("id"));
    if (!id) return JsonError(404, "id", "no such case");
    std::optional<Case> value;
    std::vector<StoredReport> reports;
    std::vector<Decision> decisions;
    std::vector<StoredEvent> events;
    int64_t event_count = 0;
    Status status = store.Read([&](Transaction& tx) {
      value = tx.GetCase(*id);
      if (!value) return;
      reports = tx.ReportsOfCase(*id);
      decisions = tx.DecisionsOfCase(*id);
      events = tx.EventsOfCase(*id, kEventsInCase, 0);
      event_count = tx.CountEventsOfCase(*id);
    });
    if (!status.ok()) return JsonError(503, "", "the store is unavailable; retry");
    if (!value) return JsonError(404, "id", "no such case");
    json::object out = CaseJson(*value);
    json::array report_list, decision_list, event_list;
    for (const StoredReport& report : reports) report_list.push_back(ReportJsonForStaff(report));
    for (const Decision& d : decisions) decision_list.push_back(DecisionJson(d));
    for (const StoredEvent& event : events) event_list.push_back(EventJson(event));
    out["reports"] = std::move(report_list);
    out["decisions"] = std::move(decision_list);
    out["event_count"] = event_count;
    // The first events; /api/v1/cases/{id}/events pages through all of them.
    out["events"] = std::move(event_list);
    return JsonResponse(200, out);
  }

  // Paging parameters: limit 1..1000 (default 100), offset >= 0.
  static bool PageOf(const Request& request, int* limit, int* offset, std::string* problem) {
    *limit = 100;
    *offset = 0;
    for (auto [name, out, low, high] :
         {std::tuple{"limit", limit, 1, 1000}, std::tuple{"offset", offset, 0, 1'000'000'000}}) {
      std::string text = request.Query(name);
      if (text.empty()) continue;
      int value = 0;
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error != std::errc() || end != text.data() + text.size() || value < low || value > high) {
        *problem = name;
        return false;
      }
      *out = value;
    }
    return true;
  }

  Response ApiCaseEvents(const Request& request) {
    auto id = ParseId(request.Param("id"));
    if (!id) return JsonError(404, "id", "no such case");
    int limit = 0, offset = 0;
    std::string problem;
    if (!PageOf(request, &limit, &offset, &problem)) {
      return JsonError(422, problem, "must be a whole number in range");
    }
    std::optional<Case> value;
    std::vector<StoredEvent> events;
    int64_t total = 0;
    Status status = store.Read([&](Transaction& tx) {
      value = tx.GetCase(*id);
      if (!value) return;
      events = tx.EventsOfCase(*id, limit, offset);
      total = tx.CountEventsOfCase(*id);
    });
    if (!status.ok()) return JsonError(503, "", "the store is unavailable; retry");
    if (!value) return JsonError(404, "id", "no such case");
    json::array list;
    for (const StoredEvent& event : events) list.push_back(EventJson(event));
    return JsonResponse(200, json::object{{"total", total}, {"events", std::move(list)}});
  }

  // ---- abuse mail ---------------------------------------------------------------------------

  Response ApiMailSubmit(const Request& request) {
    if (request.body.empty()) return JsonError(422, "body", "the message is empty");
    Result<int64_t> stored = StoreInboundMail(store, request.body, "api", Now());
    if (!stored.ok()) {
      Response response = JsonError(503, "", "the message was not stored; retry");
      response.Set("Retry-After", "30");
      return response;
    }
    spdlog::info("event=mail_stored mail={} bytes={} channel=api", *stored, request.body.size());
    if (options.poke_mail_reading) options.poke_mail_reading();
    std::string url = "/api/v1/mail/" + std::to_string(*stored);
    Response response =
        JsonResponse(202, json::object{{"id", *stored}, {"state", "pending"}, {"url", url}});
    response.Set("Location", url);
    return response;
  }

  Response ApiMailList(const Request& request) {
    MailFilter filter;
    filter.state = request.Query("state");
    static const std::set<std::string> kStates = {"",        "pending",  "parsed", "needs_human",
                                                  "ignored", "rejected", "handled"};
    if (!kStates.contains(filter.state)) return JsonError(422, "state", "unknown value");
    std::string problem;
    if (!PageOf(request, &filter.limit, &filter.offset, &problem)) {
      return JsonError(422, problem, "must be a whole number in range");
    }
    std::vector<InboundMail> mails;
    int64_t total = 0;
    Status status = store.Read([&](Transaction& tx) {
      mails = tx.ListInboundMail(filter);
      total = tx.CountInboundMail(filter);
    });
    if (!status.ok()) return JsonError(503, "", "the store is unavailable; retry");
    json::array list;
    for (const InboundMail& mail : mails) list.push_back(InboundMailJson(mail));
    return JsonResponse(200, json::object{{"total", total}, {"mail", std::move(list)}});
  }

  Response ApiMail(const Request& request) {
    auto id = ParseId(request.Param("id"));
    if (!id) return JsonError(404, "id", "no such mail");
    std::optional<InboundMail> mail;
    Status status = store.Read([&](Transaction& tx) { mail = tx.GetInboundMail(*id, false); });
    if (!status.ok()) return JsonError(503, "", "the store is unavailable; retry");
    if (!mail) return JsonError(404, "id", "no such mail");
    json::object out = InboundMailJson(*mail);
    boost::system::error_code error;
    json::value reading = json::parse(mail->reading, error);
    out["reading"] = error ? json::value(nullptr) : std::move(reading);
    return JsonResponse(200, out);
  }

  // The message as received, as a download: never rendered, whoever asks.
  Response MailRawDownload(const Request& request, bool api) {
    std::string language = PickLanguage(request);
    auto id = ParseId(request.Param("id"));
    if (!id) return api ? JsonError(404, "id", "no such mail") : NotFound(language);
    std::optional<InboundMail> mail;
    Status status = store.Read([&](Transaction& tx) { mail = tx.GetInboundMail(*id, true); });
    if (!status.ok()) return api ? JsonError(503, "", "retry") : Unavailable(language);
    if (!mail) return api ? JsonError(404, "id", "no such mail") : NotFound(language);
    Response response{200, {}, std::move(mail->raw)};
    response.Set("Content-Type", "application/octet-stream");
    response.Set("Content-Disposition",
                 "attachment; filename=\"mail-" + std::to_string(*id) + ".eml\"");
    SecureHeaders(response);
    response.Set("Cache-Control", "no-store");
    return response;
  }

  Response ApiDecide(const Request& request, const User& user) {
    auto id = ParseId(request.Param("id"));
    if (!id) return JsonError(404, "id", "no such case");
    boost::system::error_code parse_error;
    json::value body = json::parse(request.body, parse_error);
    if (parse_error || !body.is_object()) return JsonError(422, "body", "not a JSON object");
    const json::object& object = body.get_object();
    auto text = [&object](std::string_view name, std::string* out) {
      auto it = object.find(name);
      if (it == object.end() || it->value().is_null()) return true;
      if (!it->value().is_string()) return false;
      *out = std::string(it->value().get_string());
      return true;
    };
    std::string action, reason, message;
    json::array errors;
    if (!text("action", &action))
      errors.push_back(json::object{{"field", "action"}, {"message", "must be a string"}});
    if (!text("reason", &reason))
      errors.push_back(json::object{{"field", "reason"}, {"message", "must be a string"}});
    if (!text("message", &message))
      errors.push_back(json::object{{"field", "message"}, {"message", "must be a string"}});
    auto parsed = ParseDecisionAction(action);
    if (!parsed || *parsed == DecisionAction::kRestrict || *parsed == DecisionAction::kReopen) {
      errors.push_back(
          json::object{{"field", "action"}, {"message", "must be forward, reject or close"}});
    }
    std::chrono::hours deadline = options.customer_deadline;
    if (auto it = object.find("deadline_hours"); it != object.end() && !it->value().is_null()) {
      if (!it->value().is_int64() || it->value().get_int64() < 1 || it->value().get_int64() > 720) {
        errors.push_back(
            json::object{{"field", "deadline_hours"},
                         {"message", "must be a whole number of hours from 1 to 720"}});
      } else {
        deadline = std::chrono::hours(it->value().get_int64());
      }
    }
    if (!errors.empty()) return JsonResponse(422, json::object{{"errors", std::move(errors)}});

    DecisionRequest decision;
    decision.case_id = *id;
    decision.action = *parsed;
    decision.reason = reason;
    decision.message = message;
    decision.actor = user.email;
    decision.customer_deadline = deadline;
    Result<Decision> result = Decide(store, decision, Now());
    if (!result.ok()) {
      const std::string& code = result.error().code;
      if (code == "not_found") return JsonError(404, "id", "no such case");
      if (code == "invalid_transition") return JsonError(409, "action", result.error().message);
      if (code == "invalid_reason") {
        return JsonError(422, "reason",
                         *parsed == DecisionAction::kClose
                             ? "must be one of remediated, restricted, rejected, not_ours, "
                               "duplicate, no_action"
                             : "must be one of incomplete, not_illicit, not_ours, duplicate, "
                               "offensive, insufficient_evidence, other");
      }
      if (code == "too_long" || code == "message_required") {
        return JsonError(422, "message", result.error().message);
      }
      return JsonError(503, "", "the store is unavailable; retry");
    }
    spdlog::info("event=case_decided case={} action={} actor_kind=person", *id, action);
    return JsonResponse(201, DecisionJson(*result));
  }

  Response StaticFile(const Request& request) {
    std::string name = request.Param("file");
    static const std::map<std::string, std::string> kTypes = {
        {"vigie.css", "text/css; charset=utf-8"},
        {"form.js", "text/javascript; charset=utf-8"},
        {"openapi.json", "application/json"},
    };
    auto type = kTypes.find(name);
    if (type == kTypes.end()) return Response::Text(404, "Not found.\n");
    std::ifstream in(options.static_dir / name, std::ios::binary);
    if (!in) return Response::Text(404, "Not found.\n");
    std::ostringstream content;
    content << in.rdbuf();
    Response response{200, {}, content.str()};
    response.Set("Content-Type", type->second);
    response.Set("Cache-Control", "public, max-age=3600");
    SecureHeaders(response);
    return response;
  }

  // ---- routing --------------------------------------------------------------------------

  // Matches "/desk/cases/{id}" against a path, filling params.
  static bool Match(std::string_view pattern, std::string_view path, Request& request) {
    std::vector<std::pair<std::string, std::string>> params;
    size_t p = 0, q = 0;
    while (p < pattern.size() && q <= path.size()) {
      if (pattern[p] == '{') {
        size_t close = pattern.find('}', p);
        size_t end = path.find('/', q);
        if (end == std::string_view::npos) end = path.size();
        if (end == q) return false;
        params.emplace_back(std::string(pattern.substr(p + 1, close - p - 1)),
                            std::string(path.substr(q, end - q)));
        p = close + 1;
        q = end;
      } else {
        if (q >= path.size() || pattern[p] != path[q]) return false;
        ++p;
        ++q;
      }
    }
    if (p != pattern.size() || q != path.size()) return false;
    request.params = std::move(params);
    return true;
  }

  void Route(Request request, Respond respond) {
    const std::string& method = request.method;
    std::string path = request.path;
    bool get = method == "GET" || method == "HEAD";
    bool post = method == "POST";

    if (path == "/healthz" && get) {
      Blocking(std::move(respond), [this] {
        return store.Healthy() ? Response::Text(200, "ok\n")
                               : Response::Text(503, "the database does not accept writes\n");
      });
      return;
    }
    if (path == "/" && get) {
      respond(FormPage(request));
      return;
    }
    if (path == "/reports" && post) {
      SubmitForm(std::move(request), std::move(respond));
      return;
    }
    if (get && Match("/status/{reference}", path, request)) {
      Blocking(std::move(respond), [this, request] { return StatusPage(request); });
      return;
    }
    if (get && Match("/static/{file}", path, request)) {
      Blocking(std::move(respond), [this, request] { return StaticFile(request); });
      return;
    }
    if (path.rfind("/api/", 0) == 0) {
      RouteApi(std::move(request), std::move(respond));
      return;
    }
    if (path == "/desk" || path.rfind("/desk/", 0) == 0) {
      RouteDesk(std::move(request), std::move(respond));
      return;
    }
    respond(NotFound(PickLanguage(request)));
  }

  void RouteApi(Request request, Respond respond) {
    const std::string& path = request.path;
    bool get = request.method == "GET";
    bool post = request.method == "POST";
    if (path == "/api/v1/reports" && post) {
      ApiSubmit(std::move(request), std::move(respond));
      return;
    }
    if (path == "/api/v1/openapi.json" && get) {
      request.params = {{"file", "openapi.json"}};
      Blocking(std::move(respond), [this, request] { return StaticFile(request); });
      return;
    }
    if (get && Match("/api/v1/reports/{reference}", path, request)) {
      Blocking(std::move(respond), [this, request] { return ApiReportStatus(request); });
      return;
    }
    enum class Endpoint {
      kNone,
      kCases,
      kCase,
      kCaseEvents,
      kDecide,
      kMailSubmit,
      kMailList,
      kMail,
      kMailRaw
    } endpoint = Endpoint::kNone;
    if (get && path == "/api/v1/cases") {
      endpoint = Endpoint::kCases;
    } else if (get && Match("/api/v1/cases/{id}", path, request)) {
      endpoint = Endpoint::kCase;
    } else if (get && Match("/api/v1/cases/{id}/events", path, request)) {
      endpoint = Endpoint::kCaseEvents;
    } else if (post && Match("/api/v1/cases/{id}/decisions", path, request)) {
      endpoint = Endpoint::kDecide;
    } else if (post && path == "/api/v1/mail") {
      endpoint = Endpoint::kMailSubmit;
    } else if (get && path == "/api/v1/mail") {
      endpoint = Endpoint::kMailList;
    } else if (get && Match("/api/v1/mail/{id}", path, request)) {
      endpoint = Endpoint::kMail;
    } else if (get && Match("/api/v1/mail/{id}/raw", path, request)) {
      endpoint = Endpoint::kMailRaw;
    }
    if (endpoint == Endpoint::kNone) {
      respond(JsonError(404, "path", "no such endpoint"));
      return;
    }
    Blocking(std::move(respond), [this, request = std::move(request), endpoint]() {
      std::optional<User> user = ApiUser(request);
      if (!user) {
        Response response = JsonError(401, "Authorization", "a valid staff API token is required");
        response.Set("WWW-Authenticate", "Bearer");
        return response;
      }
      switch (endpoint) {
        case Endpoint::kCases:
          return ApiCases(request);
        case Endpoint::kCase:
          return ApiCase(request);
        case Endpoint::kCaseEvents:
          return ApiCaseEvents(request);
        case Endpoint::kDecide:
          return ApiDecide(request, *user);
        case Endpoint::kMailSubmit:
          return ApiMailSubmit(request);
        case Endpoint::kMailList:
          return ApiMailList(request);
        case Endpoint::kMail:
          return ApiMail(request);
        case Endpoint::kMailRaw:
          return MailRawDownload(request, true);
        case Endpoint::kNone:
          break;
      }
      return JsonError(404, "path", "no such endpoint");
    });
  }

  void RouteDesk(Request request, Respond respond) {
    Blocking(std::move(respond), [this, request]() mutable {
      const std::string& path = request.path;
      bool get = request.method == "GET";
      bool post = request.method == "POST";
      if (path == "/desk/login" && get) return LoginPage(request, 200, false);
      if (path == "/desk/login" && post) return Login(request);
      if (path == "/desk/logout" && post) return Logout(request);

      std::optional<DeskSession> desk = SessionOf(request);
      if (!desk) return Response::Redirect("/desk/login");
      if ((path == "/desk" || path == "/desk/") && get) return Queue(request, *desk);
      if (get && Match("/desk/cases/{id}", path, request)) return CasePage(request, *desk);
      if (post && Match("/desk/cases/{id}/decisions", path, request)) {
        return DeskDecide(request, *desk);
      }
      if (get && Match("/desk/reports/{id}/raw", path, request)) return RawDownload(request);
      if (get && (path == "/desk/mail" || path == "/desk/mail/")) return MailInbox(request, *desk);
      if (get && Match("/desk/mail/{id}", path, request)) return MailPage(request, *desk);
      if (get && Match("/desk/mail/{id}/raw", path, request)) {
        return MailRawDownload(request, false);
      }
      if (post && Match("/desk/mail/{id}/report", path, request)) {
        return MailReport(request, *desk);
      }
      return NotFound(PickLanguage(request));
    });
  }
};

Site::Site(SiteOptions options, Store& store, ReportWriter& writer,
           std::shared_ptr<const PageRenderer> pages)
    : impl_(std::make_unique<Impl>(std::move(options), store, writer, std::move(pages))) {}

Site::~Site() = default;

void Site::Attach(Server& server) {
  impl_->server = &server;
}

void Site::Handle(Request request, Respond respond) {
  // Every answer, pages, API, redirects and errors alike, carries the security headers.
  Respond secured = [respond = std::move(respond)](Response response) {
    bool has_policy = false;
    for (const auto& [name, value] : response.headers)
      has_policy |= name == "Content-Security-Policy";
    if (!has_policy) SecureHeaders(response);
    respond(std::move(response));
  };
  try {
    impl_->Route(std::move(request), secured);
  } catch (const std::exception& error) {
    spdlog::error("event=handler_failed error=\"{}\"", error.what());
    secured(Response::Text(500, "Internal error.\n"));
  }
}

}  // namespace vigie::web
