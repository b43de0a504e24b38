#include "intake/json_reader.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

namespace vigie::intake::internal {

namespace json = boost::json;

std::optional<json::value> ParseJsonObject(std::string_view body, size_t max_bytes,
                                           ErrorList& errors) {
  if (body.size() > max_bytes) {
    errors.Add("body", "too_large", std::to_string(max_bytes));
    return std::nullopt;
  }
  // Checked before parsing so that the error says what is wrong rather than "not JSON".
  if (!IsValidUtf8(body)) {
    errors.Add("body", "invalid_utf8");
    return std::nullopt;
  }
  constexpr std::string_view kByteOrderMark = "\xef\xbb\xbf";
  if (body.substr(0, kByteOrderMark.size()) == kByteOrderMark) {
    body.remove_prefix(kByteOrderMark.size());
  }

  // Default options: strict JSON, no comments, depth at most 32, and escapes that would make
  // invalid UTF-8 (lone surrogates) are syntax errors, so every parsed string is valid UTF-8.
  json::error_code error;
  json::value value = json::parse(body, error);
  if (error) {
    errors.Add("body", "malformed_json");
    return std::nullopt;
  }
  if (!value.is_object()) {
    errors.Add("body", "wrong_type", "object");
    return std::nullopt;
  }
  return value;
}

const json::value* JsonObjectReader::Find(std::string_view key) const {
  const json::value* value = object_.if_contains(key);
  if (value == nullptr || value->is_null()) return nullptr;
  return value;
}

void JsonObjectReader::WrongType(std::string_view key, std::string_view expected) const {
  errors_.Add(Field(key), "wrong_type", std::string(expected));
}

bool JsonObjectReader::Absent(std::string_view key) const {
  return Find(key) == nullptr;
}

std::optional<std::string_view> JsonObjectReader::String(std::string_view key) const {
  const json::value* value = Find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) {
    WrongType(key, "string");
    return std::nullopt;
  }
  const json::string& text = value->get_string();
  return std::string_view(text.data(), text.size());
}

std::optional<std::string> JsonObjectReader::Line(std::string_view key, size_t max_bytes) const {
  std::optional<std::string_view> text = String(key);
  if (!text) {
    if (Absent(key)) return std::string();
    return std::nullopt;
  }
  std::string_view line = TrimWhitespace(*text);
  if (!CheckLine(line, max_bytes, Field(key), errors_)) return std::nullopt;
  return std::string(line);
}

std::optional<bool> JsonObjectReader::Bool(std::string_view key) const {
  const json::value* value = Find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_bool()) {
    WrongType(key, "boolean");
    return std::nullopt;
  }
  return value->get_bool();
}

const json::object* JsonObjectReader::Object(std::string_view key) const {
  const json::value* value = Find(key);
  if (value == nullptr) return nullptr;
  if (!value->is_object()) {
    WrongType(key, "object");
    return nullptr;
  }
  return &value->get_object();
}

const json::array* JsonObjectReader::Array(std::string_view key) const {
  const json::value* value = Find(key);
  if (value == nullptr) return nullptr;
  if (!value->is_array()) {
    WrongType(key, "array");
    return nullptr;
  }
  return &value->get_array();
}

void JsonObjectReader::RejectUnknown(std::span<const std::string_view> known) const {
  for (const auto& member : object_) {
    std::string_view key(member.key().data(), member.key().size());
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      errors_.Add(Field(PrintableKey(key)), "unknown_field");
    }
  }
}

std::string PrintableKey(std::string_view key) {
  if (key.empty()) return "(empty)";
  return ReplaceControlCharacters(Utf8Prefix(key, 64));
}

}  // namespace vigie::intake::internal
