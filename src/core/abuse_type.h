// The abuse types vigie knows, as one table of data. Every rule that depends on the type
// (is a name required, may the reporter stay anonymous, which public platform to point to,
// which DSA category a statement of reasons carries) reads it from here.
#pragma once

#include <span>
#include <string_view>

namespace vigie {

struct AbuseType {
  std::string_view id;  // stable identifier used in the API, the schema and URLs
  std::string_view label_en;
  std::string_view label_fr;
  bool name_required;             // the reporter must give a name
  bool anonymous_allowed;         // the reporter may omit both name and email
  std::string_view points_to;     // "", "pharos" or "signal_spam"
  std::string_view dsa_category;  // STATEMENT_CATEGORY_* without the prefix; "" when exempt
  bool frequent;                  // shown first on the form
};

// All types, frequent ones first, in the order the form lists them.
std::span<const AbuseType> AllAbuseTypes();

// The type with this id, or nullptr.
const AbuseType* FindAbuseType(std::string_view id);

}  // namespace vigie
