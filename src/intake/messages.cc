#include "intake/messages.h"

#include <array>
#include <charconv>
#include <optional>
#include <string>

#include "intake/rules.h"

namespace vigie::intake {
namespace {

struct Text {
  std::string_view en;
  std::string_view fr;
};

struct FieldText {
  std::string_view field;
  Text label;
};

// Labels of every field intake reports on: the form's, vigie JSON's and XARF's members.
constexpr auto kFieldLabels = std::to_array<FieldText>({
    // The web form.
    {"targets", {"Targets", "Cibles"}},
    {"abuse_date", {"Date of the abuse", "Date de l'abus"}},
    {"abuse_time", {"Time of the abuse", "Heure de l'abus"}},
    {"abuse_zone", {"Time zone", "Fuseau horaire"}},
    {"abuse_type", {"Type of abuse", "Type d'abus"}},
    {"reporter_kind", {"You are reporting as", "Vous signalez en tant que"}},
    {"first_name", {"First name", "Prénom"}},
    {"last_name", {"Last name", "Nom"}},
    {"legal_form", {"Legal form", "Forme juridique"}},
    {"company_name", {"Company name", "Raison sociale"}},
    {"authority_name", {"Name of the authority", "Désignation de l'autorité"}},
    {"email", {"Email address", "Adresse e-mail"}},
    {"description", {"Description", "Description"}},
    {"good_faith", {"Good-faith statement", "Déclaration de bonne foi"}},
    {"share_email", {"Share my email address", "Transmission de mon adresse e-mail"}},
    {"language", {"Language", "Langue"}},
    {"body", {"Request body", "Corps de la requête"}},
    // vigie JSON.
    {"observed_at", {"Date and time of the abuse", "Date et heure de l'abus"}},
    {"reporter", {"Reporter", "Auteur du signalement"}},
    {"reporter.kind", {"Kind of reporter", "Type d'auteur du signalement"}},
    {"reporter.name", {"Reporter's name", "Nom de l'auteur du signalement"}},
    {"reporter.legal_form", {"Reporter's legal form", "Forme juridique de l'auteur"}},
    {"reporter.email", {"Reporter's email address", "Adresse e-mail de l'auteur du signalement"}},
    {"reporter.share_email",
     {"Consent to share the email address", "Accord pour transmettre l'adresse e-mail"}},
    // XARF v4.
    {"xarf_version", {"XARF version", "Version XARF"}},
    {"report_id", {"Report identifier", "Identifiant du signalement"}},
    {"timestamp", {"Time of the incident", "Heure de l'incident"}},
    {"reporter.org", {"Reporting organisation", "Organisation à l'origine du signalement"}},
    {"reporter.contact",
     {"Contact address of the reporting organisation",
      "Adresse de contact de l'organisation à l'origine du signalement"}},
    {"source_identifier", {"Source of the abuse", "Source de l'abus"}},
    {"category", {"XARF category", "Catégorie XARF"}},
    {"type", {"XARF type", "Type XARF"}},
    {"threat_type", {"Threat type", "Type de menace"}},
    {"url", {"URL of the content", "URL du contenu"}},
    {"infringing_url", {"URL of the infringing content", "URL du contenu contrefaisant"}},
    {"submission_url",
     {"URL receiving the stolen credentials", "URL recevant les identifiants volés"}},
    {"urls", {"URLs", "URL"}},
    {"evidence", {"Evidence", "Preuves"}},
    {"tags", {"Tags", "Étiquettes"}},
    {"sender", {"Sender", "Expéditeur"}},
    {"first_seen", {"First seen", "Première observation"}},
});

// Messages by error code. "{label}" is the field's label, "{detail}" the error's detail.
struct CodeText {
  std::string_view code;
  Text message;
};

constexpr auto kMessages = std::to_array<CodeText>({
    {"required",
     {"{label}: this information is required.",
      "{label} : cette information est "
      "obligatoire."}},
    {"too_long",
     {"{label}: this is too long; the limit is {detail} bytes.",
      "{label} : ce texte est trop long ; la limite est de {detail} octets."}},
    {"too_short",
     {"{label}: this is too short; please write at least {detail} characters.",
      "{label} : ce texte est trop court ; écrivez au moins {detail} caractères."}},
    {"too_many",
     {"{label}: too many entries; the limit is {detail}.",
      "{label} : trop d'éléments ; la limite est de {detail}."}},
    {"too_large",
     {"{label}: too large; the limit is {detail} bytes.",
      "{label} : trop volumineux ; la limite est de {detail} octets."}},
    {"invalid_utf8",
     {"{label}: the text is not valid UTF-8; check the character encoding.",
      "{label} : le texte n'est pas de l'UTF-8 valide ; vérifiez l'encodage des caractères."}},
    {"control_characters",
     {"{label}: the text contains invisible control characters (or a line break where only "
      "one line is expected); please remove them.",
      "{label} : le texte contient des caractères de contrôle invisibles (ou un retour à la "
      "ligne là où une seule ligne est attendue) ; retirez-les."}},
    {"repeated",
     {"{label}: this field was sent more than once.",
      "{label} : ce champ a été envoyé plusieurs fois."}},
    {"malformed_json",
     {"{label}: this is not valid JSON.", "{label} : ce n'est pas du JSON valide."}},
    {"wrong_type",
     {"{label}: wrong JSON type; expected {detail}.",
      "{label} : type JSON incorrect ; attendu : {detail}."}},
    {"duplicate_field",
     {"{label}: this member appears more than once in its object.",
      "{label} : ce membre apparaît plusieurs fois dans son objet."}},
    {"unknown_field",
     {"{label}: this member is not part of the format; check its spelling.",
      "{label} : ce membre ne fait pas partie du format ; vérifiez son orthographe."}},
    {"invalid_choice",
     {"{label}: this value is not one of the allowed choices.",
      "{label} : cette valeur ne fait pas partie des choix possibles."}},
    {"unknown_abuse_type",
     {"{label}: unknown type of abuse; please choose one from the list.",
      "{label} : type d'abus inconnu ; choisissez-en un dans la liste."}},
    {"invalid_email",
     {"{label}: this does not look like a valid email address.",
      "{label} : cette adresse e-mail ne semble pas valide."}},
    {"invalid_date",
     {"{label}: please give a date as year-month-day, for example 2025-03-14.",
      "{label} : indiquez une date au format année-mois-jour, par exemple 2025-03-14."}},
    {"invalid_time",
     {"{label}: please give a time as hours and minutes, for example 14:05 or 14:05:30.",
      "{label} : indiquez une heure en heures et minutes, par exemple 14:05 ou 14:05:30."}},
    {"unknown_time_zone",
     {"{label}: unknown time zone; choose one such as Europe/Paris or UTC.",
      "{label} : fuseau horaire inconnu ; choisissez-en un comme Europe/Paris ou UTC."}},
    {"nonexistent_local_time",
     {"{label}: this time did not exist in the chosen time zone, because the clocks were put "
      "forward that night; please check the time.",
      "{label} : cette heure n'a pas existé dans le fuseau choisi, car les horloges ont été "
      "avancées cette nuit-là ; vérifiez l'heure."}},
    {"invalid_date_time",
     {"{label}: expected an RFC 3339 date and time with its offset, for example "
      "2025-03-14T14:05:00+01:00.",
      "{label} : date et heure attendues au format RFC 3339 avec leur décalage, par exemple "
      "2025-03-14T14:05:00+01:00."}},
    {"in_future",
     {"{label}: this moment is in the future; please check the date, the time and the time "
      "zone.",
      "{label} : ce moment est dans le futur ; vérifiez la date, l'heure et le fuseau "
      "horaire."}},
    {"too_old",
     {"{label}: this is too long ago; abuse seen more than {detail} days ago cannot be "
      "reported here.",
      "{label} : c'est trop ancien ; un abus constaté il y a plus de {detail} jours ne peut "
      "pas être signalé ici."}},
    {"unsupported_version",
     {"{label}: only XARF version 4 is accepted.",
      "{label} : seule la version 4 de XARF est acceptée."}},
    {"unsupported_xarf_type",
     {"{label}: vigie cannot handle this kind of XARF report.",
      "{label} : vigie ne sait pas traiter ce genre de signalement XARF."}},
    // Target errors from ParseTarget.
    {"empty", {"{label}: this entry is empty.", "{label} : cette entrée est vide."}},
    {"invalid_ip",
     {"{label}: this is not a valid IPv4 or IPv6 address.",
      "{label} : ce n'est pas une adresse IPv4 ou IPv6 valide."}},
    {"invalid_domain",
     {"{label}: this is not a valid domain name.",
      "{label} : ce n'est pas un nom de domaine valide."}},
    {"invalid_url",
     {"{label}: this is not a valid URL.", "{label} : ce n'est pas une URL valide."}},
    {"unsupported_scheme",
     {"{label}: only http, https and ftp addresses can be reported.",
      "{label} : seules les adresses http, https et ftp peuvent être signalées."}},
    {"too_long_target", {"{label}: this is too long.", "{label} : cette entrée est trop longue."}},
});

// Messages that read better for one particular field than the generic one.
struct FieldCodeText {
  std::string_view field;
  std::string_view code;
  Text message;
};

constexpr auto kSpecificMessages = std::to_array<FieldCodeText>({
    {"targets",
     "required",
     {"{label}: please give at least one IP address, domain name or URL.",
      "{label} : indiquez au moins une adresse IP, un nom de domaine ou une URL."}},
    {"good_faith",
     "required",
     {"{label}: please confirm that the information you give is exact and complete to the "
      "best of your knowledge.",
      "{label} : veuillez confirmer que les informations fournies sont exactes et complètes à "
      "votre connaissance."}},
    {"observed_at",
     "required",
     {"{label}: this information is required, with its time zone offset.",
      "{label} : cette information est obligatoire, avec le décalage horaire."}},
    {"body",
     "wrong_type",
     {"{label}: expected a JSON object.", "{label} : un objet JSON est attendu."}},
});

constexpr Text kFallback = {"{label}: this value is not valid ({code}).",
                            "{label} : cette valeur n'est pas valide ({code})."};

bool IsFrench(std::string_view language) {
  std::optional<std::string> normalized = internal::NormalizeLanguage(language);
  return normalized && *normalized == "fr";
}

std::string_view Pick(const Text& text, bool french) {
  return french ? text.fr : text.en;
}

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  size_t pos = 0;
  while ((pos = text.find(from, pos)) != std::string::npos) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
}

// "targets[2]" → {"targets", 2}.
std::optional<std::pair<std::string_view, size_t>> SplitIndex(std::string_view field) {
  size_t open = field.find('[');
  if (open == std::string_view::npos || field.back() != ']') return std::nullopt;
  std::string_view digits = field.substr(open + 1, field.size() - open - 2);
  size_t index = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return std::make_pair(field.substr(0, open), index);
}

const Text* FindLabel(std::string_view field) {
  for (const FieldText& entry : kFieldLabels) {
    if (entry.field == field) return &entry.label;
  }
  return nullptr;
}

}  // namespace

std::string FieldLabel(std::string_view field, std::string_view language) {
  bool french = IsFrench(language);
  if (const Text* label = FindLabel(field)) return std::string(Pick(*label, french));

  // A list entry: people count from 1.
  if (auto indexed = SplitIndex(field)) {
    std::string number = std::to_string(indexed->second + 1);
    if (indexed->first == "targets") return (french ? "Cible n° " : "Target ") + number;
    if (indexed->first == "urls") return "URL " + number;
    if (const Text* label = FindLabel(indexed->first)) {
      return std::string(Pick(*label, french)) + (french ? ", n° " : ", item ") + number;
    }
  }

  // A member intake does not know, such as a misspelt one: show it as written.
  std::string name = internal::ReplaceControlCharacters(
      internal::IsValidUtf8(field) ? internal::Utf8Prefix(field, 80) : "?");
  return french ? "Champ « " + name + " »" : "Field \"" + name + "\"";
}

std::string DescribeFieldError(const FieldError& error, std::string_view language) {
  bool french = IsFrench(language);

  std::string_view code = error.code;
  // A target's "too_long" comes without a limit (ParseTarget keeps it).
  if (code == "too_long" && error.detail.empty()) code = "too_long_target";

  const Text* message = nullptr;
  for (const FieldCodeText& entry : kSpecificMessages) {
    if (entry.field == error.field && entry.code == code) message = &entry.message;
  }
  for (size_t i = 0; message == nullptr && i < kMessages.size(); ++i) {
    if (kMessages[i].code == code) message = &kMessages[i].message;
  }
  if (message == nullptr) message = &kFallback;

  std::string text(Pick(*message, french));
  std::string detail = error.detail;
  if (code == "wrong_type" && french) {
    // The expected JSON type, in French.
    if (detail == "string") detail = "une chaîne";
    if (detail == "boolean") detail = "un booléen";
    if (detail == "object") detail = "un objet";
    if (detail == "array") detail = "un tableau";
  } else if (code == "wrong_type") {
    if (detail == "string" || detail == "boolean") detail = "a " + detail;
    if (detail == "object" || detail == "array") detail = "an " + detail;
  }
  ReplaceAll(text, "{detail}", detail);
  ReplaceAll(text, "{code}",
             internal::ReplaceControlCharacters(
                 internal::IsValidUtf8(code) ? internal::Utf8Prefix(code, 40) : "?"));
  // Last, so that a label holding "{detail}" is not expanded.
  ReplaceAll(text, "{label}", FieldLabel(error.field, language));
  return text;
}

}  // namespace vigie::intake
