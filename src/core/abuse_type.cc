#include "core/abuse_type.h"

#include <array>

namespace vigie {
namespace {

// id, English label, French label, name required, anonymous allowed, points to, DSA category,
// frequent.
constexpr std::array<AbuseType, 26> kAbuseTypes = {{
    {"botnet", "Botnet", "Botnet", false, false, "", "OTHER_VIOLATION_TC", true},
    {"bruteforce", "Brute-force attack", "Attaque par force brute", false, false, "",
     "OTHER_VIOLATION_TC", true},
    {"copyright", "Copyright infringement", "Atteinte au droit d'auteur", true, false, "",
     "INTELLECTUAL_PROPERTY_INFRINGEMENTS", true},
    {"dos", "Denial of service", "Déni de service", false, false, "", "OTHER_VIOLATION_TC", true},
    {"iptv", "Illegal IPTV", "IPTV illégale", true, false, "",
     "INTELLECTUAL_PROPERTY_INFRINGEMENTS", true},
    {"open_relay", "Open mail relay", "Relais de messagerie ouvert", false, false, "",
     "OTHER_VIOLATION_TC", true},
    {"spam", "Spam", "Courriel indésirable (spam)", false, false, "signal_spam", "", true},
    {"phishing", "Phishing", "Hameçonnage (phishing)", false, false, "", "SCAMS_AND_FRAUD", true},
    {"security_flaw", "Unpatched security flaw", "Faille de sécurité non corrigée", false, false,
     "", "OTHER_VIOLATION_TC", true},
    {"virus", "Virus", "Virus", false, false, "", "OTHER_VIOLATION_TC", true},
    {"animal_welfare", "Animal welfare", "Bien-être animal", true, false, "pharos",
     "ANIMAL_WELFARE", false},
    {"child_sexual_abuse", "Child sexual abuse material", "Pédocriminalité", false, true, "pharos",
     "PROTECTION_OF_MINORS", false},
    {"consumer_information", "Consumer information breach",
     "Manquement à l'information des consommateurs", true, false, "", "CONSUMER_INFORMATION",
     false},
    {"data_protection", "Data protection or privacy breach",
     "Atteinte aux données personnelles ou à la vie privée", true, false, "",
     "DATA_PROTECTION_AND_PRIVACY_VIOLATIONS", false},
    {"illegal_speech", "Illegal or hateful speech", "Discours illicite ou haineux", true, false,
     "pharos", "ILLEGAL_OR_HARMFUL_SPEECH", false},
    {"public_security", "Public security risk, terrorist content",
     "Atteinte à la sécurité publique, contenu terroriste", true, false, "pharos",
     "RISK_FOR_PUBLIC_SECURITY", false},
    {"malware", "Malware", "Logiciel malveillant", false, false, "", "OTHER_VIOLATION_TC", false},
    {"civic_discourse", "Harm to civic discourse or elections",
     "Atteinte au débat civique ou aux élections", true, false, "",
     "NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS", false},
    {"non_consensual", "Harassment, non-consensual behaviour",
     "Harcèlement, comportement non consenti", true, false, "pharos", "CYBER_VIOLENCE", false},
    {"pornography", "Illegal pornographic content", "Contenu pornographique illicite", true, false,
     "", "PROTECTION_OF_MINORS", false},
    {"minors_protection", "Endangering minors", "Mise en danger de mineurs", true, false, "pharos",
     "PROTECTION_OF_MINORS", false},
    {"scam", "Scam or fraud", "Escroquerie ou fraude", true, false, "pharos", "SCAMS_AND_FRAUD",
     false},
    {"self_harm", "Self-harm", "Automutilation", true, false, "", "SELF_HARM", false},
    {"spam_advertising", "Fraudulent site advertised by spam",
     "Site frauduleux promu par courriel indésirable", false, false, "signal_spam",
     "SCAMS_AND_FRAUD", false},
    {"unsafe_products", "Unsafe or prohibited products", "Produits dangereux ou interdits", true,
     false, "", "UNSAFE_AND_PROHIBITED_PRODUCTS", false},
    {"violence", "Violence", "Violence", true, false, "pharos", "VIOLENCE", false},
}};

}  // namespace

std::span<const AbuseType> AllAbuseTypes() {
  return kAbuseTypes;
}

const AbuseType* FindAbuseType(std::string_view id) {
  for (const AbuseType& type : kAbuseTypes) {
    if (type.id == id) return &type;
  }
  return nullptr;
}

}  // namespace vigie
