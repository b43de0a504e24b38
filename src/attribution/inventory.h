// The provider's inventory: which customer's service held which IP prefix or host name, and
// from when to when. The platform exports it in bulk as CSV or JSON Lines; both parsers here
// read that untrusted text into validated records and say precisely what is wrong with the rest.
//
// Example (CSV):
//
//   customer_id,customer_name,customer_email,service_id,service_kind,resource,valid_from,valid_to
//   c-17,"Dupont, SARL",ops@dupont.example,vm-4411,vps,192.0.2.7,2026-03-01T09:00:00Z,
//
// Both parsers are pure functions of their input: no I/O, safe to call from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace vigie {

// One holding: `service_id` of customer `customer_id` held `resource` during
// [valid_from, valid_to), or from valid_from on while `valid_to` is nullopt.
struct InventoryRecord {
  std::string customer_id, customer_name, customer_email, service_id, service_kind;
  // Normalised by the parsers: an IP address in canonical text ("192.0.2.7", "2001:db8::1"), a
  // CIDR prefix in canonical text ("192.0.2.0/24", "2001:db8::/48"), or a host or domain name in
  // lower-case ASCII (A-labels, no trailing dot).
  std::string resource;
  Instant valid_from;
  std::optional<Instant> valid_to;  // nullopt: still held
};

// Why one input row was refused. `line` is the 1-based line where the row starts; `field` is
// the column or key at fault, or empty when the whole row is ("3 fields, expected 8", "not a
// JSON object"). `message` is written for the operator who runs the import.
struct InventoryProblem {
  size_t line;
  std::string field;
  std::string message;
};

// Everything a parser accepted, and a problem for each row it refused. A row with any problem
// is refused whole; every other row is kept, in input order.
struct ParsedInventory {
  std::vector<InventoryRecord> records;
  std::vector<InventoryProblem> problems;
};

// Reads CSV (RFC 4180: comma separated, CRLF or LF line ends, double-quoted fields may hold
// commas, quotes written "" and line breaks). The first line is the header and must name
// exactly these columns, in any order:
//
//   customer_id,customer_name,customer_email,service_id,service_kind,resource,valid_from,valid_to
//
// A missing, duplicated or unknown column is one problem on line 1 and no rows are read. A UTF-8
// byte order mark before the header and blank lines are ignored. Times are RFC 3339 with an
// offset; an empty valid_to means the resource is still held.
//
// Each row is checked: customer_id and service_id non-empty; customer_email plausible
// (local@domain.tld); resource an IP address, a CIDR prefix without host bits or a host name
// (stored back normalised, see InventoryRecord::resource); valid_to after valid_from; text
// fields valid UTF-8 without control characters. A quote left open consumes the rest of the
// input, which is reported as one problem on the row where it opened.
ParsedInventory ParseInventoryCsv(std::string_view text);

// Reads JSON Lines: one JSON object per line with the same keys as the CSV columns, all strings,
// except valid_to, which may also be null or absent (still held). Blank lines are ignored; a key
// outside the eight is a problem (it is most likely a misspelt one), as is a line that is not a
// JSON object. Rows are checked as for CSV.
ParsedInventory ParseInventoryJsonLines(std::string_view text);

}  // namespace vigie
