// The API's JSON bodies: vigie's own format here; XARF v4 is routed to xarf.cc.

#include <array>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/abuse_type.h"
#include "intake/intake.h"
#include "intake/json_reader.h"
#include "intake/rules.h"
#include "intake/xarf.h"

namespace vigie::intake {
namespace {

namespace json = boost::json;
using internal::ErrorList;
using internal::JsonObjectReader;
using internal::TrimWhitespace;

constexpr auto kTopLevelMembers = std::to_array<std::string_view>({
    "targets",
    "abuse_type",
    "observed_at",
    "reporter",
    "description",
    "good_faith",
    "language",
});
constexpr auto kReporterMembers = std::to_array<std::string_view>({
    "kind",
    "name",
    "legal_form",
    "email",
    "share_email",
});

IntakeResult Finish(ReportDraft draft, ErrorList& errors) {
  IntakeResult result;
  if (errors.empty()) {
    result.draft = std::move(draft);
  } else {
    result.errors = errors.Take();
  }
  return result;
}

std::vector<Target> ReadTargets(const JsonObjectReader& root, const IntakePolicy& policy,
                                ErrorList& errors) {
  const json::array* array = root.Array("targets");
  if (array == nullptr) {
    // Present with a wrong type is already reported; only a missing list is "required".
    if (root.Absent("targets")) errors.Add("targets", "required");
    return {};
  }
  if (array->size() > policy.max_targets) {
    errors.Add("targets", "too_many", std::to_string(policy.max_targets));
    return {};
  }

  std::vector<internal::TargetInput> inputs;
  bool wrong_type = false;
  for (size_t i = 0; i < array->size(); ++i) {
    std::string field = "targets[" + std::to_string(i) + "]";
    const json::value& entry = (*array)[i];
    if (!entry.is_string()) {
      errors.Add(field, "wrong_type", "string");
      wrong_type = true;
      continue;
    }
    const json::string& text = entry.get_string();
    inputs.push_back({std::move(field), std::string(text.data(), text.size())});
  }
  if (inputs.empty() && wrong_type) return {};
  return internal::ReadTargets(inputs, "targets", policy, errors);
}

std::optional<ZonedInstant> ReadObserved(const JsonObjectReader& root, const IntakePolicy& policy,
                                         ErrorList& errors) {
  std::optional<std::string_view> text = root.String("observed_at");
  if (!text) {
    if (root.Absent("observed_at")) errors.Add("observed_at", "required");
    return std::nullopt;
  }
  std::optional<ZonedInstant> observed = ParseRfc3339(TrimWhitespace(*text));
  if (!observed) {
    errors.Add("observed_at", "invalid_date_time");
    return std::nullopt;
  }
  internal::CheckTimeWindow(observed->instant, policy, "observed_at", errors);
  return observed;
}

Reporter ReadReporter(const JsonObjectReader& root, const AbuseType* type, ErrorList& errors) {
  static const json::object kEmpty;
  const json::object* object = root.Object("reporter");
  JsonObjectReader reader(object != nullptr ? *object : kEmpty, "reporter.", errors);
  reader.RejectUnknown(kReporterMembers);

  Reporter reporter;
  reporter.kind = ReporterKind::kPerson;
  if (std::optional<std::string_view> kind = reader.String("kind")) {
    std::optional<ReporterKind> parsed = ParseReporterKind(TrimWhitespace(*kind));
    if (parsed) {
      reporter.kind = *parsed;
    } else {
      errors.Add("reporter.kind", "invalid_choice");
    }
  }

  // An API caller sets the name deliberately, so it is kept even where anonymity is allowed.
  std::optional<std::string> name = reader.Line("name", internal::kMaxNameBytes);
  std::optional<std::string> legal_form = reader.Line("legal_form", internal::kMaxLegalFormBytes);
  reporter.name = name.value_or("");
  reporter.legal_form = legal_form.value_or("");
  if (type != nullptr && type->name_required) {
    if (name && name->empty()) errors.Add("reporter.name", "required");
    if (reporter.kind == ReporterKind::kLegalEntity && legal_form && legal_form->empty()) {
      errors.Add("reporter.legal_form", "required");
    }
  }
  if (reporter.kind != ReporterKind::kLegalEntity) reporter.legal_form.clear();

  std::optional<std::string_view> email = reader.String("email");
  if (email || reader.Absent("email")) {
    reporter.email =
        internal::ReadEmail(TrimWhitespace(email.value_or("")), type, "reporter.email", errors);
  }
  reporter.share_email = reader.Bool("share_email").value_or(false) && !reporter.email.empty();
  return reporter;
}

IntakeResult ValidateVigieJson(const json::object& object, std::string_view body,
                               const IntakePolicy& policy) {
  ErrorList errors;
  JsonObjectReader root(object, "", errors);
  ReportDraft draft;
  draft.channel = Channel::kApi;
  draft.format = "vigie_json";
  draft.raw = std::string(body);
  draft.raw_type = "application/json";

  root.RejectUnknown(kTopLevelMembers);
  for (const std::string& path : internal::FindDuplicateMembers(body)) {
    errors.Add(path, "duplicate_field");
  }

  draft.targets = ReadTargets(root, policy, errors);

  std::optional<ZonedInstant> observed = ReadObserved(root, policy, errors);
  if (observed) draft.observed = std::move(*observed);

  std::optional<std::string_view> type_id = root.String("abuse_type");
  const AbuseType* type = nullptr;
  if (type_id || root.Absent("abuse_type")) {
    type = internal::ReadAbuseType(TrimWhitespace(type_id.value_or("")), "abuse_type", errors);
  }
  if (type != nullptr) draft.abuse_type = std::string(type->id);

  draft.reporter = ReadReporter(root, type, errors);

  std::optional<std::string_view> description = root.String("description");
  if (description || root.Absent("description")) {
    draft.description =
        internal::ReadDescription(description.value_or(""), policy, "description", errors);
  }

  std::optional<bool> good_faith = root.Bool("good_faith");
  draft.good_faith = good_faith.value_or(false);
  if (!draft.good_faith && (good_faith || root.Absent("good_faith"))) {
    errors.Add("good_faith", "required");
  }

  draft.language = "en";
  if (std::optional<std::string_view> language = root.String("language")) {
    std::optional<std::string> normalized = internal::NormalizeLanguage(*language);
    if (normalized) {
      draft.language = *normalized;
    } else {
      errors.Add("language", "invalid_choice");
    }
  }

  return Finish(std::move(draft), errors);
}

}  // namespace

IntakeResult ValidateApiJson(std::string_view body, const IntakePolicy& policy) {
  ErrorList errors;
  std::optional<json::value> value = internal::ParseJsonObject(body, policy.max_body_bytes, errors);
  if (!value) return Finish(ReportDraft{}, errors);

  const json::object& object = value->get_object();
  if (object.contains("xarf_version")) return internal::ValidateXarf(object, body, policy);
  return ValidateVigieJson(object, body, policy);
}

bool LooksLikeXarf(std::string_view json_body) {
  // Routing only: the size limit is the largest any policy is expected to allow.
  constexpr size_t kMaxBytes = 64 * 1024 * 1024;
  ErrorList ignored;
  std::optional<json::value> value = internal::ParseJsonObject(json_body, kMaxBytes, ignored);
  if (!value) return false;
  const json::value* version = value->get_object().if_contains("xarf_version");
  return version != nullptr && version->is_string() && version->get_string().starts_with("4");
}

}  // namespace vigie::intake
