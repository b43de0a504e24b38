#include "intake/json_schema.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string_view>

#include "core/net.h"
#include "core/target.h"
#include "core/text.h"
#include "core/time.h"
#include "intake/rules.h"

namespace vigie {

namespace json = boost::json;

struct XarfSchemas::Store {
  std::map<std::string, json::value, std::less<>> by_id;  // absolute $id -> schema document
  std::map<std::string, std::regex, std::less<>> patterns;
  std::string v3_id;
  std::string v4_id;
};

namespace {

constexpr int kMaxDepth = 64;
constexpr size_t kMaxSteps = 200'000;
constexpr size_t kMaxPatternInput = 1024;
constexpr size_t kMaxFiles = 200;
constexpr uintmax_t kMaxFileBytes = 1u << 20;

// A value as it appears in a reason: JSON text, shortened.
std::string Quote(const json::value& value) {
  std::string text = json::serialize(value);
  if (text.size() > 60) {
    text.resize(57);
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) {
      text.pop_back();
    }
    if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xC0) text.pop_back();
    text += "...";
  }
  return text;
}

std::string_view KindName(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
      return "integer";
    case json::kind::double_:
      return "number";
    case json::kind::string:
      return "string";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
  }
  return "value";
}

bool IsNumber(const json::value& value) {
  return value.is_int64() || value.is_uint64() || value.is_double();
}

double AsDouble(const json::value& value) {
  if (value.is_int64()) return static_cast<double>(value.get_int64());
  if (value.is_uint64()) return static_cast<double>(value.get_uint64());
  return value.get_double();
}

bool HasType(const json::value& value, std::string_view type) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_bool();
  if (type == "null") return value.is_null();
  if (type == "number") return IsNumber(value);
  if (type == "integer") {
    if (value.is_int64() || value.is_uint64()) return true;
    return value.is_double() && std::isfinite(value.get_double()) &&
           std::floor(value.get_double()) == value.get_double();
  }
  return false;
}

// JSON equality as JSON Schema defines it: numbers compare by value, whatever their kind.
bool JsonEqual(const json::value& a, const json::value& b) {
  if (IsNumber(a) && IsNumber(b)) {
    if (a.is_double() || b.is_double()) return AsDouble(a) == AsDouble(b);
    return a == b;
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const json::array& x = a.get_array();
    const json::array& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!JsonEqual(x[i], y[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    const json::object& x = a.get_object();
    const json::object& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& member : x) {
      const json::value* other = y.if_contains(member.key());
      if (other == nullptr || !JsonEqual(member.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

size_t CodePoints(std::string_view text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

// Formats. Unknown formats are annotations and always pass.
bool IsDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsFullDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  if (!IsDigits(text.substr(0, 4)) || !IsDigits(text.substr(5, 2)) || !IsDigits(text.substr(8))) {
    return false;
  }
  return ParseRfc3339(std::string(text) + "T00:00:00Z").has_value();
}

bool IsUri(std::string_view text) {
  // RFC 3986 absolute URI: a scheme, ":", then no whitespace or control characters.
  size_t colon = text.find(':');
  if (colon == 0 || colon == std::string_view::npos || text.size() > 8192) return false;
  if (!std::isalpha(static_cast<unsigned char>(text[0]))) return false;
  for (size_t i = 1; i < colon; ++i) {
    char c = text[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  for (unsigned char c : text.substr(colon + 1)) {
    if (c <= 0x20 || c == 0x7f || c == '"' || c == '<' || c == '>' || c == '\\') return false;
  }
  return text.size() > colon + 1;
}

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

bool MatchesFormat(std::string_view format, std::string_view text) {
  if (format == "email") return intake::internal::NormalizeEmail(text).has_value();
  if (format == "hostname") {
    return text.size() <= 253 && NormalizeHostName(text).has_value() &&
           text.find_first_of("/:@ ") == std::string_view::npos;
  }
  if (format == "ipv4") {
    return text.find(':') == std::string_view::npos && IpAddress::Parse(text).has_value();
  }
  if (format == "ipv6") {
    return text.find(':') != std::string_view::npos && IpAddress::Parse(text).has_value();
  }
  if (format == "date-time") return ParseRfc3339(text).has_value();
  if (format == "date") return IsFullDate(text);
  if (format == "uri") return IsUri(text);
  if (format == "uuid") return IsUuid(text);
  return true;
}

// Resolves `reference` against the absolute URI `base` (RFC 3986 section 5.2, for the forms
// schemas use: absolute, relative path with "." and ".." segments, fragment only).
std::string ResolveUri(std::string_view base, std::string_view reference) {
  if (reference.find("://") != std::string_view::npos) return std::string(reference);
  size_t hash = base.find('#');
  if (hash != std::string_view::npos) base = base.substr(0, hash);
  if (reference.empty() || reference.front() == '#') {
    return std::string(base) + std::string(reference);
  }
  size_t authority = base.find("://");
  size_t path_start = authority == std::string_view::npos ? 0 : base.find('/', authority + 3);
  if (path_start == std::string_view::npos) path_start = base.size();
  std::string prefix(base.substr(0, path_start));
  std::string_view base_path = base.substr(path_start);

  std::vector<std::string> segments;
  if (reference.front() != '/') {
    size_t last = base_path.rfind('/');
    std::string_view dir = last == std::string_view::npos ? "" : base_path.substr(0, last);
    size_t start = 0;
    while (start <= dir.size()) {
      size_t end = dir.find('/', start);
      if (end == std::string_view::npos) end = dir.size();
      if (end > start) segments.emplace_back(dir.substr(start, end - start));
      start = end + 1;
    }
  }
  std::string_view fragment;
  size_t ref_hash = reference.find('#');
  if (ref_hash != std::string_view::npos) {
    fragment = reference.substr(ref_hash);
    reference = reference.substr(0, ref_hash);
  }
  size_t start = 0;
  while (start <= reference.size()) {
    size_t end = reference.find('/', start);
    if (end == std::string_view::npos) end = reference.size();
    std::string_view segment = reference.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.emplace_back(segment);
    }
    start = end + 1;
  }
  std::string out = prefix;
  for (const std::string& segment : segments) out += "/" + segment;
  return out + std::string(fragment);
}

// Follows a JSON pointer fragment ("/$defs/contact_info") inside `root`.
const json::value* FollowPointer(const json::value& root, std::string_view pointer) {
  const json::value* at = &root;
  size_t start = 0;
  if (pointer.empty()) return at;
  if (pointer.front() != '/') return nullptr;
  start = 1;
  while (true) {
    size_t end = pointer.find('/', start);
    std::string_view raw = pointer.substr(start, end == std::string_view::npos ? end : end - start);
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size()) {
        token.push_back(raw[i + 1] == '1' ? '/' : '~');
        ++i;
      } else {
        token.push_back(raw[i]);
      }
    }
    if (at->is_object()) {
      at = at->get_object().if_contains(token);
    } else if (at->is_array() && IsDigits(token) && token.size() < 9) {
      size_t index = std::stoul(token);
      at = index < at->get_array().size() ? &at->get_array()[index] : nullptr;
    } else {
      at = nullptr;
    }
    if (at == nullptr || end == std::string_view::npos) return at;
    start = end + 1;
  }
}

std::string EscapePointerToken(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// One validation run over one document.
class Evaluator {
 public:
  Evaluator(const XarfSchemas::Store& store, size_t max_violations)
      : store_(store), max_violations_(max_violations) {}

  std::vector<SchemaViolation> Take() { return std::move(violations_); }

  // Checks `instance` (at `path`) against `schema`, whose resource has the URI `base`. Records
  // violations only when `record`; returns whether the instance is valid.
  bool Check(const json::value& instance, const json::value& schema, const std::string& base,
             const std::string& path, int depth, bool record) {
    if (++steps_ > kMaxSteps) {
      if (!budget_reported_) {
        budget_reported_ = true;
        Add(true, path, "the document is too costly to check against the schema");
      }
      return false;
    }
    if (depth > kMaxDepth) return Add(record, path, "nested too deeply to check");
    if (schema.is_bool()) {
      return schema.get_bool() || Add(record, path, "is not allowed here");
    }
    if (!schema.is_object()) return true;  // not a schema: nothing to check
    const json::object& keywords = schema.get_object();
    bool valid = true;

    if (const json::value* ref = keywords.if_contains("$ref"); ref && ref->is_string()) {
      valid &= CheckRef(instance, std::string_view(ref->get_string()), base, path, depth, record);
      if (!valid && Full()) return false;
    }
    valid &= CheckType(instance, keywords, path, record);
    valid &= CheckValue(instance, keywords, path, record);
    if (instance.is_string()) valid &= CheckString(instance, keywords, path, record);
    if (IsNumber(instance)) valid &= CheckNumber(instance, keywords, path, record);
    if (instance.is_object()) valid &= CheckObject(instance, keywords, base, path, depth, record);
    if (instance.is_array()) valid &= CheckArray(instance, keywords, base, path, depth, record);
    valid &= CheckApplicators(instance, keywords, base, path, depth, record);
    return valid;
  }

 private:
  bool Full() const { return violations_.size() >= max_violations_; }

  // Records a violation; always returns false so that callers can write `return Add(...)`.
  bool Add(bool record, const std::string& path, std::string reason) {
    if (record && !Full()) violations_.push_back({path, std::move(reason)});
    return false;
  }

  bool CheckRef(const json::value& instance, std::string_view reference, const std::string& base,
                const std::string& path, int depth, bool record) {
    std::string target = ResolveUri(base, reference);
    size_t hash = target.find('#');
    std::string resource = target.substr(0, hash);
    std::string_view fragment =
        hash == std::string::npos ? std::string_view() : std::string_view(target).substr(hash + 1);
    auto found = store_.by_id.find(resource);
    const json::value* schema = nullptr;
    if (found != store_.by_id.end()) schema = FollowPointer(found->second, fragment);
    if (schema == nullptr) {
      return Add(record, path,
                 "the schema refers to \"" + std::string(reference) + "\", which is not loaded");
    }
    return Check(instance, *schema, resource, path, depth + 1, record);
  }

  bool CheckType(const json::value& instance, const json::object& keywords, const std::string& path,
                 bool record) {
    const json::value* type = keywords.if_contains("type");
    if (type == nullptr) return true;
    std::string expected;
    if (type->is_string()) {
      if (HasType(instance, type->get_string())) return true;
      expected = std::string(type->get_string());
    } else if (type->is_array()) {
      for (const json::value& one : type->get_array()) {
        if (!one.is_string()) continue;
        if (HasType(instance, one.get_string())) return true;
        expected += (expected.empty() ? "" : " or ") + std::string(one.get_string());
      }
    } else {
      return true;
    }
    return Add(
        record, path,
        "is " + std::string(KindName(instance)) + " " + Quote(instance) + ", expected " + expected);
  }

  bool CheckValue(const json::value& instance, const json::object& keywords,
                  const std::string& path, bool record) {
    bool valid = true;
    if (const json::value* value = keywords.if_contains("const")) {
      if (!JsonEqual(instance, *value)) {
        valid = Add(record, path, Quote(instance) + " is not " + Quote(*value));
      }
    }
    if (const json::value* values = keywords.if_contains("enum"); values && values->is_array()) {
      bool found = false;
      std::string allowed;
      for (const json::value& one : values->get_array()) {
        found = found || JsonEqual(instance, one);
        if (allowed.size() < 200) allowed += (allowed.empty() ? "" : ", ") + Quote(one);
      }
      if (!found) valid = Add(record, path, Quote(instance) + " is not one of " + allowed);
    }
    return valid;
  }

  bool CheckString(const json::value& instance, const json::object& keywords,
                   const std::string& path, bool record) {
    std::string_view text(instance.get_string());
    bool valid = true;
    if (const json::value* max = keywords.if_contains("maxLength"); max && IsNumber(*max)) {
      size_t length = CodePoints(text);
      if (static_cast<double>(length) > AsDouble(*max)) {
        valid = Add(
            record, path,
            "has " + std::to_string(length) + " characters, more than the maximum " + Quote(*max));
      }
    }
    if (const json::value* min = keywords.if_contains("minLength"); min && IsNumber(*min)) {
      size_t length = CodePoints(text);
      if (static_cast<double>(length) < AsDouble(*min)) {
        valid = Add(
            record, path,
            "has " + std::to_string(length) + " characters, fewer than the minimum " + Quote(*min));
      }
    }
    if (const json::value* pattern = keywords.if_contains("pattern");
        pattern && pattern->is_string()) {
      std::string_view source(pattern->get_string());
      auto compiled = store_.patterns.find(source);
      if (text.size() > kMaxPatternInput) {
        valid =
            Add(record, path, "is too long to be checked against the pattern " + Quote(*pattern));
      } else if (compiled == store_.patterns.end() || !SafeSearch(text, compiled->second)) {
        valid =
            Add(record, path, Quote(instance) + " does not match the pattern " + Quote(*pattern));
      }
    }
    if (const json::value* format = keywords.if_contains("format"); format && format->is_string()) {
      if (!MatchesFormat(format->get_string(), text)) {
        valid = Add(record, path,
                    Quote(instance) + " is not a valid " + std::string(format->get_string()));
      }
    }
    return valid;
  }

  static bool SafeSearch(std::string_view text, const std::regex& pattern) {
    try {
      return std::regex_search(text.begin(), text.end(), pattern);
    } catch (const std::regex_error&) {
      return false;  // the engine's own complexity limit: treated as no match
    }
  }

  bool CheckNumber(const json::value& instance, const json::object& keywords,
                   const std::string& path, bool record) {
    bool valid = true;
    double number = AsDouble(instance);
    if (const json::value* max = keywords.if_contains("maximum"); max && IsNumber(*max)) {
      if (number > AsDouble(*max)) {
        valid = Add(record, path, Quote(instance) + " is above the maximum " + Quote(*max));
      }
    }
    if (const json::value* min = keywords.if_contains("minimum"); min && IsNumber(*min)) {
      if (number < AsDouble(*min)) {
        valid = Add(record, path, Quote(instance) + " is below the minimum " + Quote(*min));
      }
    }
    return valid;
  }

  bool CheckObject(const json::value& instance, const json::object& keywords,
                   const std::string& base, const std::string& path, int depth, bool record) {
    const json::object& object = instance.get_object();
    bool valid = true;
    if (const json::value* required = keywords.if_contains("required");
        required && required->is_array()) {
      for (const json::value& name : required->get_array()) {
        if (name.is_string() && !object.contains(name.get_string())) {
          valid = Add(record, path + "/" + EscapePointerToken(name.get_string()),
                      "is required but missing");
        }
      }
    }
    const json::value* properties = keywords.if_contains("properties");
    const json::object* declared =
        properties && properties->is_object() ? &properties->get_object() : nullptr;
    const json::value* additional = keywords.if_contains("additionalProperties");
    for (const auto& member : object) {
      if (!valid && Full()) break;
      std::string member_path = path + "/" + EscapePointerToken(member.key());
      const json::value* subschema = declared ? declared->if_contains(member.key()) : nullptr;
      if (subschema != nullptr) {
        valid &= Check(member.value(), *subschema, base, member_path, depth + 1, record);
      } else if (additional != nullptr) {
        if (additional->is_bool() && !additional->get_bool()) {
          valid = Add(record, member_path, "is not an allowed member");
        } else {
          valid &= Check(member.value(), *additional, base, member_path, depth + 1, record);
        }
      }
    }
    return valid;
  }

  bool CheckArray(const json::value& instance, const json::object& keywords,
                  const std::string& base, const std::string& path, int depth, bool record) {
    const json::array& array = instance.get_array();
    bool valid = true;
    if (const json::value* max = keywords.if_contains("maxItems"); max && IsNumber(*max)) {
      if (static_cast<double>(array.size()) > AsDouble(*max)) {
        valid = Add(
            record, path,
            "has " + std::to_string(array.size()) + " items, more than the maximum " + Quote(*max));
      }
    }
    if (const json::value* min = keywords.if_contains("minItems"); min && IsNumber(*min)) {
      if (static_cast<double>(array.size()) < AsDouble(*min)) {
        valid = Add(record, path,
                    "has " + std::to_string(array.size()) + " items, fewer than the minimum " +
                        Quote(*min));
      }
    }
    if (const json::value* unique = keywords.if_contains("uniqueItems");
        unique && unique->is_bool() && unique->get_bool() && array.size() <= 1000) {
      for (size_t i = 0; i < array.size() && valid; ++i) {
        for (size_t j = i + 1; j < array.size(); ++j) {
          if (JsonEqual(array[i], array[j])) {
            valid = Add(record, path + "/" + std::to_string(j),
                        "repeats item " + std::to_string(i) + ", items must be unique");
            break;
          }
        }
      }
    }
    if (const json::value* items = keywords.if_contains("items")) {
      for (size_t i = 0; i < array.size(); ++i) {
        if (!valid && Full()) break;
        valid &= Check(array[i], *items, base, path + "/" + std::to_string(i), depth + 1, record);
      }
    }
    return valid;
  }

  bool CheckApplicators(const json::value& instance, const json::object& keywords,
                        const std::string& base, const std::string& path, int depth, bool record) {
    bool valid = true;
    if (const json::value* all = keywords.if_contains("allOf"); all && all->is_array()) {
      for (const json::value& one : all->get_array()) {
        if (!valid && Full()) break;
        valid &= Check(instance, one, base, path, depth + 1, record);
      }
    }
    if (const json::value* any = keywords.if_contains("anyOf"); any && any->is_array()) {
      bool matched = false;
      for (const json::value& one : any->get_array()) {
        if (Check(instance, one, base, path, depth + 1, false)) {
          matched = true;
          break;
        }
      }
      if (!matched) valid = Add(record, path, "matches none of the anyOf alternatives");
    }
    if (const json::value* one_of = keywords.if_contains("oneOf"); one_of && one_of->is_array()) {
      int matches = 0;
      for (const json::value& one : one_of->get_array()) {
        if (Check(instance, one, base, path, depth + 1, false) && ++matches > 1) break;
      }
      if (matches != 1) {
        valid = Add(record, path,
                    matches == 0 ? "matches none of the oneOf alternatives"
                                 : "matches more than one of the oneOf alternatives");
      }
    }
    if (const json::value* negated = keywords.if_contains("not")) {
      if (Check(instance, *negated, base, path, depth + 1, false)) {
        valid = Add(record, path, "matches a schema it must not match");
      }
    }
    if (const json::value* condition = keywords.if_contains("if")) {
      bool holds = Check(instance, *condition, base, path, depth + 1, false);
      const json::value* branch = keywords.if_contains(holds ? "then" : "else");
      if (branch != nullptr) valid &= Check(instance, *branch, base, path, depth + 1, record);
    }
    return valid;
  }

  const XarfSchemas::Store& store_;
  size_t max_violations_;
  std::vector<SchemaViolation> violations_;
  size_t steps_ = 0;
  bool budget_reported_ = false;
};

std::optional<std::string> ReadFile(const std::filesystem::path& path) {
  std::error_code error;
  uintmax_t size = std::filesystem::file_size(path, error);
  if (error || size > kMaxFileBytes) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Compiles every "pattern" string of a schema file, so that validation never compiles.
bool CollectPatterns(const json::value& value, XarfSchemas::Store& store, int depth) {
  if (depth > kMaxDepth) return true;
  if (value.is_array()) {
    for (const json::value& item : value.get_array()) {
      if (!CollectPatterns(item, store, depth + 1)) return false;
    }
  } else if (value.is_object()) {
    for (const auto& member : value.get_object()) {
      if (member.key() == "pattern" && member.value().is_string()) {
        std::string source(member.value().get_string());
        if (store.patterns.contains(source)) continue;
        try {
          store.patterns.emplace(source, std::regex(source, std::regex::ECMAScript));
        } catch (const std::regex_error&) {
          return false;
        }
      } else if (!CollectPatterns(member.value(), store, depth + 1)) {
        return false;
      }
    }
  }
  return true;
}

Status AddSchemaFile(const std::filesystem::path& path, XarfSchemas::Store& store,
                     std::string* id_out) {
  std::optional<std::string> text = ReadFile(path);
  if (!text) return Error{"schema_missing", "cannot read " + path.string()};
  boost::system::error_code error;
  json::value document = json::parse(*text, error);
  if (error || !document.is_object()) {
    return Error{"schema_invalid", path.string() + " is not a JSON object"};
  }
  const json::value* id = document.get_object().if_contains("$id");
  if (id == nullptr || !id->is_string() || id->get_string().empty()) {
    return Error{"schema_invalid", path.string() + " has no $id"};
  }
  if (!CollectPatterns(document, store, 0)) {
    return Error{"schema_invalid", path.string() + " holds a pattern that does not compile"};
  }
  std::string key(id->get_string());
  if (key.find('#') != std::string::npos) key.resize(key.find('#'));
  if (id_out != nullptr) *id_out = key;
  store.by_id[key] = std::move(document);
  return Status::Ok();
}

}  // namespace

std::string DescribeViolation(const SchemaViolation& violation) {
  return (violation.path.empty() ? std::string("(document)") : violation.path) + ": " +
         violation.reason;
}

Result<XarfSchemas> XarfSchemas::Load(const std::string& directory) {
  namespace fs = std::filesystem;
  auto store = std::make_shared<Store>();
  const fs::path root(directory);

  if (Status status = AddSchemaFile(root / "v3" / "xarf-v3-legacy.json", *store, &store->v3_id);
      !status.ok()) {
    return status.error();
  }
  if (Status status = AddSchemaFile(root / "v4" / "xarf-v4-master.json", *store, &store->v4_id);
      !status.ok()) {
    return status.error();
  }
  if (Status status = AddSchemaFile(root / "v4" / "xarf-core.json", *store, nullptr);
      !status.ok()) {
    return status.error();
  }

  // The type schemas, in name order so that a load is reproducible.
  std::error_code error;
  std::vector<fs::path> types;
  for (fs::directory_iterator it(root / "v4" / "types", error), end; !error && it != end;
       it.increment(error)) {
    if (it->path().extension() == ".json") types.push_back(it->path());
    if (types.size() > kMaxFiles) return Error{"schema_invalid", "too many type schema files"};
  }
  if (error || types.empty()) {
    return Error{"schema_missing", "cannot list " + (root / "v4" / "types").string()};
  }
  std::sort(types.begin(), types.end());
  for (const fs::path& path : types) {
    if (Status status = AddSchemaFile(path, *store, nullptr); !status.ok()) return status.error();
  }
  return XarfSchemas(std::move(store));
}

std::vector<SchemaViolation> XarfSchemas::ValidateV4(const json::value& document,
                                                     size_t max_violations) const {
  Evaluator evaluator(*store_, std::max<size_t>(max_violations, 1));
  evaluator.Check(document, store_->by_id.at(store_->v4_id), store_->v4_id, "", 0, true);
  return evaluator.Take();
}

std::vector<SchemaViolation> XarfSchemas::ValidateV3(const json::value& document,
                                                     size_t max_violations) const {
  Evaluator evaluator(*store_, std::max<size_t>(max_violations, 1));
  evaluator.Check(document, store_->by_id.at(store_->v3_id), store_->v3_id, "", 0, true);
  return evaluator.Take();
}

}  // namespace vigie
