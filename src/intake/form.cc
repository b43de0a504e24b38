// The public web form.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/abuse_type.h"
#include "intake/intake.h"
#include "intake/rules.h"

namespace vigie::intake {
namespace {

using internal::ErrorList;
using internal::TrimWhitespace;

using FormPairs = std::vector<std::pair<std::string, std::string>>;

// Lookup of the decoded name/value pairs of one form submission.
class Form {
 public:
  explicit Form(const FormPairs& pairs) : pairs_(pairs) {}

  // The value of a single-valued field, untrimmed; "" when absent. A field sent twice with
  // different values is an error ("repeated": the form never does it, so something is wrong)
  // and gives nullopt, so that the caller does not report the field again.
  std::optional<std::string_view> One(std::string_view name, ErrorList& errors) const {
    const std::string* found = nullptr;
    for (const auto& [key, value] : pairs_) {
      if (key != name) continue;
      if (found != nullptr && *found != value) {
        errors.Add(name, "repeated");
        return std::nullopt;
      }
      found = &value;
    }
    return found == nullptr ? std::string_view() : std::string_view(*found);
  }

  // The same, trimmed.
  std::optional<std::string_view> Line(std::string_view name, ErrorList& errors) const {
    std::optional<std::string_view> value = One(name, errors);
    if (value) value = TrimWhitespace(*value);
    return value;
  }

  // A checkbox. Some pages pair a checkbox with a hidden "off" field of the same name, so
  // several values are fine: any ticked value ticks it.
  bool Ticked(std::string_view name) const {
    for (const auto& [key, value] : pairs_) {
      if (key == name && internal::IsTicked(TrimWhitespace(value))) return true;
    }
    return false;
  }

  const FormPairs& pairs() const { return pairs_; }

 private:
  const FormPairs& pairs_;
};

// The "targets" textarea gives one target per line; "target" fields one each. Both feed one
// list, numbered in body order so that "targets[2]" is the third thing the reporter wrote.
// Collection stops one past `max_targets`: that is enough to say there are too many.
std::vector<internal::TargetInput> CollectTargets(const Form& form, size_t max_targets) {
  std::vector<internal::TargetInput> inputs;
  auto add = [&](std::string_view text) {
    if (TrimWhitespace(text).empty() || inputs.size() > max_targets) return;
    inputs.push_back({"targets[" + std::to_string(inputs.size()) + "]", std::string(text)});
  };
  for (const auto& [name, value] : form.pairs()) {
    if (name == "target") {
      add(value);
    } else if (name == "targets") {
      std::string_view rest = value;
      while (!rest.empty()) {
        size_t end = rest.find_first_of("\r\n");
        add(rest.substr(0, end));
        if (end == std::string_view::npos) break;
        rest.remove_prefix(end + 1);
      }
    }
  }
  return inputs;
}

// The abuse date, time and zone, all mandatory (an empty zone means UTC). Each part is checked
// on its own so that every mistake is reported at once.
std::optional<ZonedInstant> ReadObserved(const Form& form, const IntakePolicy& policy,
                                         ErrorList& errors) {
  std::optional<std::string_view> date = form.Line("abuse_date", errors);
  std::optional<std::string_view> time = form.Line("abuse_time", errors);
  std::optional<std::string_view> zone = form.Line("abuse_zone", errors);
  if (!date || !time || !zone) return std::nullopt;  // repeated: already reported
  if (zone->empty()) zone = "UTC";

  bool parts_ok = true;
  if (date->empty()) {
    errors.Add("abuse_date", "required");
    parts_ok = false;
  } else if (!LocalTimeToInstant(*date, "00:00", "UTC")) {
    errors.Add("abuse_date", "invalid_date");
    parts_ok = false;
  }
  if (time->empty()) {
    errors.Add("abuse_time", "required");
    parts_ok = false;
  } else if (!LocalTimeToInstant("2000-01-01", *time, "UTC")) {
    errors.Add("abuse_time", "invalid_time");
    parts_ok = false;
  }
  if (!IsKnownTimeZone(*zone)) {
    errors.Add("abuse_zone", "unknown_time_zone");
    parts_ok = false;
  }
  if (!parts_ok) return std::nullopt;

  LocalTimeProblem problem = LocalTimeProblem::kNone;
  std::optional<ZonedInstant> observed = LocalTimeToInstant(*date, *time, *zone, &problem);
  if (!observed) {
    // Date, time and zone are each valid, so the local time fell into a forward clock change.
    errors.Add("abuse_time", "nonexistent_local_time");
    return std::nullopt;
  }
  CheckTimeWindow(observed->instant, policy, "abuse_date", errors);
  return observed;
}

// One part of the reporter's name; "" when absent or wrong.
std::string ReadNamePart(const Form& form, std::string_view field, size_t max_bytes, bool required,
                         ErrorList& errors) {
  std::optional<std::string_view> value = form.Line(field, errors);
  if (!value) return "";
  if (value->empty()) {
    if (required) errors.Add(field, "required");
    return "";
  }
  if (!internal::CheckLine(*value, max_bytes, field, errors)) return "";
  return std::string(*value);
}

// Who is reporting. The form asks for a reporter kind, then the name fields of that kind only.
Reporter ReadReporter(const Form& form, const AbuseType* type, ErrorList& errors) {
  Reporter reporter;
  reporter.kind = ReporterKind::kPerson;

  // Child sexual abuse may be reported anonymously and the form does not ask for a name then:
  // name fields still present were typed for another type and are not kept.
  if (type != nullptr && type->anonymous_allowed) return reporter;

  bool name_required = type != nullptr && type->name_required;
  std::optional<std::string_view> kind_text = form.Line("reporter_kind", errors);
  if (!kind_text) return reporter;
  std::optional<ReporterKind> kind;
  if (kind_text->empty()) {
    if (name_required) errors.Add("reporter_kind", "required");
  } else {
    kind = ParseReporterKind(*kind_text);
    if (!kind || *kind == ReporterKind::kMachine) {
      errors.Add("reporter_kind", "invalid_choice");
      return reporter;  // which name fields apply is unknown
    }
    reporter.kind = *kind;
  }

  // Without a kind the form showed no name fields: do not report them missing as well.
  bool required = name_required && kind.has_value();
  switch (reporter.kind) {
    case ReporterKind::kPerson: {
      std::string first =
          ReadNamePart(form, "first_name", internal::kMaxNameBytes, required, errors);
      std::string last = ReadNamePart(form, "last_name", internal::kMaxNameBytes, required, errors);
      reporter.name = first.empty() || last.empty() ? first + last : first + " " + last;
      break;
    }
    case ReporterKind::kLegalEntity:
      reporter.legal_form =
          ReadNamePart(form, "legal_form", internal::kMaxLegalFormBytes, required, errors);
      reporter.name = ReadNamePart(form, "company_name", internal::kMaxNameBytes, required, errors);
      break;
    case ReporterKind::kAuthority:
      reporter.name =
          ReadNamePart(form, "authority_name", internal::kMaxNameBytes, required, errors);
      break;
    case ReporterKind::kMachine:
      break;  // refused above
  }
  return reporter;
}

}  // namespace

IntakeResult ValidateForm(const FormPairs& fields, std::string_view raw_body,
                          const IntakePolicy& policy) {
  Form form(fields);
  ErrorList errors;
  ReportDraft draft;
  draft.channel = Channel::kForm;
  draft.format = "form";
  draft.raw = std::string(raw_body);
  draft.raw_type = "application/x-www-form-urlencoded";

  // The fields, in the order the form shows them.
  draft.targets =
      internal::ReadTargets(CollectTargets(form, policy.max_targets), "targets", policy, errors);

  std::optional<ZonedInstant> observed = ReadObserved(form, policy, errors);
  if (observed) draft.observed = std::move(*observed);

  const AbuseType* type = nullptr;
  if (std::optional<std::string_view> type_id = form.Line("abuse_type", errors)) {
    type = internal::ReadAbuseType(*type_id, "abuse_type", errors);
  }
  if (type != nullptr) draft.abuse_type = std::string(type->id);

  draft.reporter = ReadReporter(form, type, errors);
  if (std::optional<std::string_view> email = form.Line("email", errors)) {
    draft.reporter.email = internal::ReadEmail(*email, type, "email", errors);
  }
  draft.reporter.share_email = !draft.reporter.email.empty() && form.Ticked("share_email");

  if (std::optional<std::string_view> description = form.One("description", errors)) {
    draft.description = internal::ReadDescription(*description, policy, "description", errors);
  }

  draft.good_faith = form.Ticked("good_faith");
  if (!draft.good_faith) errors.Add("good_faith", "required");

  // The page language, set by the web layer: the reporter cannot correct it, so an odd value
  // falls back to English instead of failing the report.
  draft.language = "en";
  if (std::optional<std::string_view> language = form.Line("language", errors)) {
    draft.language = internal::NormalizeLanguage(*language).value_or(std::string("en"));
  }

  IntakeResult result;
  if (errors.empty()) {
    result.draft = std::move(draft);
  } else {
    result.errors = errors.Take();
  }
  return result;
}

}  // namespace vigie::intake
