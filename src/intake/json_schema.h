// XARF JSON schemas (https://xarf.org): the v3 legacy schema and the v4 master schema with the
// core and type schemas it references, loaded from a directory and checked against documents.
//
// The validator implements the JSON Schema 2020-12 keywords those schemas use: $ref (inside one
// file through "#/..." pointers, and between files by $id or by a URI relative to the
// referring file's $id), type, enum, const, required, properties, additionalProperties, items,
// minItems, maxItems, uniqueItems, minimum, maximum, minLength, maxLength, pattern, format
// (email, hostname, ipv4, ipv6, date-time, date, uri, uuid), allOf, anyOf, oneOf, not and
// if/then/else. Annotations (title, description, examples, x-*...) are ignored, and so are
// keywords outside that list: a schema relying on them is checked less strictly, not wrongly.
//
// Every evaluation is bounded: at most 64 nested schemas or document levels, a budget of
// evaluation steps per document, and strings over 1024 bytes are not matched against patterns
// (they are reported as violations instead, never run through the regex engine).
//
// A loaded XarfSchemas is immutable: Validate* may be called from several threads at once.
// Copies share the loaded schemas.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace boost::json {
class value;
}

namespace vigie {

// One way a document breaks its schema. `path` is a JSON pointer into the document ("" for
// the document itself, "/reporter/contact", "/evidence/0/hash"); `reason` says why, in English,
// and may quote the offending value, shortened ("9999999 is above the maximum 65535").
struct SchemaViolation {
  std::string path;
  std::string reason;
};

// "/report/source_port: 9999999 is above the maximum 65535".
std::string DescribeViolation(const SchemaViolation& violation);

class XarfSchemas {
 public:
  // Reads `directory`, laid out as the XARF schema distribution:
  //   v3/xarf-v3-legacy.json, v4/xarf-v4-master.json, v4/xarf-core.json, v4/types/*.json.
  // Errors (Error::code): "schema_missing" (a required file is absent or unreadable),
  // "schema_invalid" (a file is not a JSON object, has no $id, or holds a pattern that does not
  // compile). Reads at most 200 files of at most 1 MiB each.
  static Result<XarfSchemas> Load(const std::string& directory);

  // Checks `document` against the v4 master schema (XARF 4.x) or the v3 legacy schema. Returns
  // the violations found, at most `max_violations` (at least 1), in document order of
  // discovery; empty when the document is valid. Inside anyOf, oneOf and if, only the outcome
  // counts: the violation then names the keyword ("matches none of the anyOf alternatives").
  std::vector<SchemaViolation> ValidateV4(const boost::json::value& document,
                                          size_t max_violations = 1) const;
  std::vector<SchemaViolation> ValidateV3(const boost::json::value& document,
                                          size_t max_violations = 1) const;

  struct Store;  // the loaded schema files and compiled patterns; json_schema.cc

 private:
  explicit XarfSchemas(std::shared_ptr<const Store> store) : store_(std::move(store)) {}
  std::shared_ptr<const Store> store_;
};

}  // namespace vigie
