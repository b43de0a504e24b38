// Internal to vigie_intake: parsing a JSON body and reading typed members with field errors.
// Boost.JSON stays behind this header; the public intake.h does not include it.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "intake/rules.h"

namespace vigie::intake::internal {

// Parses `body` as one JSON object. On failure adds a single error on "body": "too_large"
// (over `max_bytes`), "invalid_utf8", "malformed_json" (includes trailing garbage and nesting
// deeper than 32), or "wrong_type" (valid JSON but not an object), and returns nullopt. A
// leading UTF-8 byte order mark is skipped.
std::optional<boost::json::value> ParseJsonObject(std::string_view body, size_t max_bytes,
                                                  ErrorList& errors);

// The paths ("reporter.email", "targets[0].x") of members whose name appears earlier in the
// same object, in body order. REQUIRES: `body` parsed without error with ParseJsonObject.
std::vector<std::string> FindDuplicateMembers(std::string_view body);

// Reads the members of one JSON object. `prefix` is prepended to member names in field errors
// ("reporter." gives "reporter.email"). Null counts as absent everywhere.
class JsonObjectReader {
 public:
  JsonObjectReader(const boost::json::object& object, std::string prefix, ErrorList& errors)
      : object_(object), prefix_(std::move(prefix)), errors_(errors) {}

  // The member's value when it has the expected type. nullopt/nullptr when absent, null, or of
  // another type; the last case adds "wrong_type" with the expected type as detail.
  std::optional<std::string_view> String(std::string_view key) const;
  std::optional<bool> Bool(std::string_view key) const;
  const boost::json::object* Object(std::string_view key) const;
  const boost::json::array* Array(std::string_view key) const;

  // A single-line text member, trimmed: "" when absent, nullopt when an error was added
  // (wrong type, control characters, longer than `max_bytes`).
  std::optional<std::string> Line(std::string_view key, size_t max_bytes) const;

  // True when the member is missing or null (as opposed to present with a wrong type).
  bool Absent(std::string_view key) const;

  // Adds "unknown_field" for every member whose name is not in `known`.
  void RejectUnknown(std::span<const std::string_view> known) const;

  std::string Field(std::string_view key) const { return prefix_ + std::string(key); }

 private:
  const boost::json::value* Find(std::string_view key) const;
  void WrongType(std::string_view key, std::string_view expected) const;

  const boost::json::object& object_;
  std::string prefix_;
  ErrorList& errors_;
};

// A member name fit to appear in a field error: control characters replaced, at most 64 bytes,
// "(empty)" for the empty name.
std::string PrintableKey(std::string_view key);

}  // namespace vigie::intake::internal
