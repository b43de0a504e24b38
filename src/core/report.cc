#include "core/report.h"

#include <array>
#include <utility>

namespace vigie {
namespace {

template <typename Enum, size_t N>
std::optional<Enum> FindByName(const std::array<std::pair<Enum, std::string_view>, N>& names,
                               std::string_view name) {
  for (const auto& [value, text] : names) {
    if (text == name) return value;
  }
  return std::nullopt;
}

template <typename Enum, size_t N>
std::string_view NameOf(const std::array<std::pair<Enum, std::string_view>, N>& names, Enum value) {
  for (const auto& [candidate, text] : names) {
    if (candidate == value) return text;
  }
  return names[0].second;
}

constexpr std::array<std::pair<Channel, std::string_view>, 4> kChannels = {{
    {Channel::kForm, "form"},
    {Channel::kApi, "api"},
    {Channel::kMail, "mail"},
    {Channel::kStaff, "staff"},
}};

constexpr std::array<std::pair<ReporterKind, std::string_view>, 4> kReporterKinds = {{
    {ReporterKind::kPerson, "person"},
    {ReporterKind::kLegalEntity, "legal_entity"},
    {ReporterKind::kAuthority, "authority"},
    {ReporterKind::kMachine, "machine"},
}};

constexpr std::array<std::pair<AttributionResult, std::string_view>, 4> kAttributionResults = {{
    {AttributionResult::kAttributed, "attributed"},
    {AttributionResult::kAmbiguous, "ambiguous"},
    {AttributionResult::kNotOurs, "not_ours"},
    {AttributionResult::kUnknown, "unknown"},
}};

}  // namespace

std::string_view ChannelName(Channel channel) {
  return NameOf(kChannels, channel);
}
std::optional<Channel> ParseChannel(std::string_view name) {
  return FindByName(kChannels, name);
}

std::string_view ReporterKindName(ReporterKind kind) {
  return NameOf(kReporterKinds, kind);
}
std::optional<ReporterKind> ParseReporterKind(std::string_view name) {
  return FindByName(kReporterKinds, name);
}

std::string_view AttributionResultName(AttributionResult result) {
  return NameOf(kAttributionResults, result);
}
std::optional<AttributionResult> ParseAttributionResult(std::string_view name) {
  return FindByName(kAttributionResults, name);
}

}  // namespace vigie
