#include "attribution/inventory.h"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cstdint>
#include <utility>

#include "core/net.h"
#include "core/target.h"
#include "core/text.h"

namespace vigie {
namespace {

// The columns, in the order the product documents them. Both formats name fields this way.
enum Column : size_t {
  kCustomerId,
  kCustomerName,
  kCustomerEmail,
  kServiceId,
  kServiceKind,
  kResource,
  kValidFrom,
  kValidTo,
  kColumnCount,
};

constexpr std::array<std::string_view, kColumnCount> kColumnNames = {
    "customer_id",  "customer_name", "customer_email", "service_id",
    "service_kind", "resource",      "valid_from",     "valid_to",
};

// Upper bounds on text fields, generous for real data and small enough that a runaway export
// cannot fill memory with one row.
constexpr std::array<size_t, kColumnCount> kMaxLength = {255, 512, 254, 255, 64, 1024, 64, 64};

std::optional<size_t> FindColumn(std::string_view name) {
  for (size_t i = 0; i < kColumnCount; ++i) {
    if (kColumnNames[i] == name) return i;
  }
  return std::nullopt;
}

// One input row as text, before validation. `present[kValidTo]` is false when the row says
// "still held" (empty CSV cell, JSON null or absent key).
struct RawRow {
  size_t line = 0;
  std::array<std::string, kColumnCount> values;
  std::array<bool, kColumnCount> present{};
};

// ---------------------------------------------------------------------------------------------
// Field checks

// `text` between double quotes, for messages. (Built by appending: GCC 12 misreports
// "\"" + std::string(...) at -O3 as an overlapping copy.)
std::string Quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  out.append(text);
  out += '"';
  return out;
}

bool HasControlCharacter(std::string_view text) {
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return true;
  }
  return false;
}

bool IsPlausibleEmail(std::string_view email) {
  size_t at = email.find('@');
  if (at == std::string_view::npos || email.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  std::string_view local = email.substr(0, at);
  std::string_view domain = email.substr(at + 1);
  if (local.empty() || local.size() > 64) return false;
  for (char c : local) {
    if (c == ' ' || c == '"' || c == '(' || c == ')' || c == ',' || c == ';' || c == '<' ||
        c == '>' || c == '[' || c == ']' || c == '\\') {
      return false;
    }
  }
  if (domain.find('.') == std::string_view::npos) return false;
  return NormalizeHostName(domain).has_value();
}

// Says why `text` is not a CIDR prefix when it looks like one, for a message that helps the
// operator fix the export ("192.0.2.1/24" most likely meant "192.0.2.0/24").
std::string ExplainBadPrefix(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return "";
  auto address = IpAddress::Parse(text.substr(0, slash));
  if (!address) return "is not a valid IP address before the '/'";
  std::string_view digits = text.substr(slash + 1);
  int length = -1;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
  // An IPv4-mapped address counts its prefix length in IPv6 bits.
  int offset =
      address->is_v4() && text.substr(0, slash).find(':') != std::string_view::npos ? 96 : 0;
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
      length < offset || length > address->bits() + offset) {
    return "has a prefix length that is not between " + std::to_string(offset) + " and " +
           std::to_string(address->bits() + offset);
  }
  length -= offset;
  Uint128 host_bits = address->bits() - length >= 128
                          ? ~Uint128(0)
                          : (Uint128(1) << (address->bits() - length)) - 1;
  Uint128 network = address->value() & ~host_bits;
  IpAddress first =
      address->is_v4() ? IpAddress::V4(static_cast<uint32_t>(network)) : IpAddress::V6(network);
  return "has host bits set below the prefix length (did you mean " + first.ToString() + "/" +
         std::to_string(length) + "?)";
}

// The normalised resource (see InventoryRecord::resource), or nullopt with `why` filled.
std::optional<std::string> NormalizeResource(std::string_view text, std::string& why) {
  if (auto prefix = IpPrefix::Parse(text)) {
    if (prefix->length == prefix->address.bits()) return prefix->address.ToString();
    return prefix->ToString();
  }
  std::string prefix_problem = ExplainBadPrefix(text);
  if (!prefix_problem.empty()) {
    why = Quoted(text) + " " + prefix_problem;
    return std::nullopt;
  }
  if (auto host = NormalizeHostName(text)) return host;
  why = Quoted(text) + " is not an IP address, a CIDR prefix or a host name";
  return std::nullopt;
}

std::optional<Instant> ParseTime(std::string_view text) {
  auto zoned = ParseRfc3339(text);
  if (!zoned) return std::nullopt;
  return zoned->instant;
}

// Validates one row; on success returns the record, else appends one problem per bad field.
std::optional<InventoryRecord> ValidateRow(RawRow& row, std::vector<InventoryProblem>& problems) {
  std::array<bool, kColumnCount> bad{};
  auto complain = [&](Column column, std::string message) {
    bad[column] = true;
    problems.push_back({row.line, std::string(kColumnNames[column]), std::move(message)});
  };

  // Text checks apply to every field alike; required ones must also be non-empty.
  constexpr std::array<bool, kColumnCount> kRequired = {true,  false, true, true,
                                                        false, true,  true, false};
  for (size_t i = 0; i < kColumnCount; ++i) {
    auto column = static_cast<Column>(i);
    const std::string& value = row.values[i];
    if (value.size() > kMaxLength[i]) {
      complain(column, "is longer than " + std::to_string(kMaxLength[i]) + " bytes");
    } else if (!IsValidUtf8(value)) {
      complain(column, "is not valid UTF-8");
    } else if (HasControlCharacter(value)) {
      complain(column, "contains a control character or a line break");
    } else if (kRequired[i] && value.empty()) {
      complain(column, "is required");
    }
  }

  // Then what each field means, for the fields that passed.
  InventoryRecord record;
  if (!bad[kCustomerEmail] && !IsPlausibleEmail(row.values[kCustomerEmail])) {
    complain(kCustomerEmail,
             Quoted(row.values[kCustomerEmail]) + " is not a plausible email address");
  }
  if (!bad[kResource]) {
    std::string why;
    if (auto resource = NormalizeResource(row.values[kResource], why)) {
      record.resource = std::move(*resource);
    } else {
      complain(kResource, why);
    }
  }
  constexpr std::string_view kTimeHelp =
      " is not an RFC 3339 time with an offset (such as 2026-03-01T09:00:00Z)";
  std::optional<Instant> from;
  if (!bad[kValidFrom]) {
    from = ParseTime(row.values[kValidFrom]);
    if (from) {
      record.valid_from = *from;
    } else {
      complain(kValidFrom, Quoted(row.values[kValidFrom]) + std::string(kTimeHelp));
    }
  }
  if (!bad[kValidTo] && row.present[kValidTo] && !row.values[kValidTo].empty()) {
    auto to = ParseTime(row.values[kValidTo]);
    if (!to) {
      complain(kValidTo, Quoted(row.values[kValidTo]) + std::string(kTimeHelp));
    } else if (from && *to <= *from) {
      complain(kValidTo, "must be after valid_from");
    } else {
      record.valid_to = *to;
    }
  }
  if (std::find(bad.begin(), bad.end(), true) != bad.end()) return std::nullopt;

  record.customer_id = std::move(row.values[kCustomerId]);
  record.customer_name = std::move(row.values[kCustomerName]);
  record.customer_email = std::move(row.values[kCustomerEmail]);
  record.service_id = std::move(row.values[kServiceId]);
  record.service_kind = std::move(row.values[kServiceKind]);
  return record;
}

// ---------------------------------------------------------------------------------------------
// CSV

// One CSV record as read, with the line it starts on. `error` is set when the record is
// malformed; its fields are then incomplete and must not be used.
struct CsvRecord {
  size_t line = 0;
  std::vector<std::string> fields;
  std::string error;
};

// Splits RFC 4180 text into records, one at a time.
class CsvReader {
 public:
  explicit CsvReader(std::string_view text) : text_(text) {}

  // Reads the next record into `record`; false once the input is exhausted.
  bool Next(CsvRecord& record) {
    if (pos_ >= text_.size()) return false;
    record.line = line_;
    record.fields.clear();
    record.error.clear();

    while (true) {
      std::string field;
      bool ok = AtQuote() ? ReadQuoted(field, record.error) : ReadPlain(field, record.error);
      if (!ok) {
        SkipRestOfLine();
        return true;
      }
      record.fields.push_back(std::move(field));
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      ConsumeLineEnd();
      return true;
    }
  }

 private:
  bool AtQuote() const { return pos_ < text_.size() && text_[pos_] == '"'; }

  bool AtLineEnd() const {
    return pos_ >= text_.size() || text_[pos_] == '\n' ||
           (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n');
  }

  void ConsumeLineEnd() {
    if (pos_ < text_.size() && text_[pos_] == '\r') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '\n') {
      ++pos_;
      ++line_;
    }
  }

  void SkipRestOfLine() {
    while (!AtLineEnd()) ++pos_;
    ConsumeLineEnd();
  }

  bool ReadPlain(std::string& field, std::string& error) {
    size_t start = pos_;
    while (!AtLineEnd() && text_[pos_] != ',') {
      if (text_[pos_] == '"') {
        error = "a double quote inside an unquoted field (quote the whole field and double it)";
        return false;
      }
      ++pos_;
    }
    field.assign(text_.substr(start, pos_ - start));
    return true;
  }

  bool ReadQuoted(std::string& field, std::string& error) {
    ++pos_;  // the opening quote
    while (true) {
      size_t quote = text_.find('"', pos_);
      if (quote == std::string_view::npos) {
        error = "a quoted field is never closed";
        pos_ = text_.size();
        return false;
      }
      std::string_view chunk = text_.substr(pos_, quote - pos_);
      for (char c : chunk) line_ += c == '\n' ? 1 : 0;
      field.append(chunk);
      pos_ = quote + 1;
      if (pos_ < text_.size() && text_[pos_] == '"') {
        field.push_back('"');
        ++pos_;
        continue;
      }
      break;
    }
    if (!AtLineEnd() && text_[pos_] != ',') {
      error = "unexpected text after a closing double quote";
      return false;
    }
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t line_ = 1;
};

bool IsBlank(const CsvRecord& record) {
  return record.error.empty() && record.fields.size() == 1 && record.fields[0].empty();
}

}  // namespace

ParsedInventory ParseInventoryCsv(std::string_view text) {
  ParsedInventory out;
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  CsvReader reader(text);
  CsvRecord record;

  // The header maps each input position to a column; every column must appear exactly once.
  auto header_problem = [&](std::string field, std::string message) {
    out.problems.push_back({1, std::move(field), std::move(message)});
    return out;
  };
  if (!reader.Next(record)) return header_problem("", "the input is empty: no header line");
  if (!record.error.empty()) return header_problem("", "the header line " + record.error);
  std::vector<size_t> position_to_column;
  std::array<bool, kColumnCount> seen{};
  for (const std::string& name : record.fields) {
    auto column = FindColumn(name);
    if (!column) {
      return header_problem(name, "unknown column \"" + name + "\" in the header");
    }
    if (seen[*column]) return header_problem(name, "column \"" + name + "\" appears twice");
    seen[*column] = true;
    position_to_column.push_back(*column);
  }
  for (size_t i = 0; i < kColumnCount; ++i) {
    if (!seen[i]) {
      return header_problem(std::string(kColumnNames[i]),
                            "the header has no column \"" + std::string(kColumnNames[i]) + "\"");
    }
  }

  // Rows: a malformed one is a problem and the reader resumes on the next line.
  while (reader.Next(record)) {
    if (IsBlank(record)) continue;
    if (!record.error.empty()) {
      out.problems.push_back({record.line, "", record.error});
      continue;
    }
    if (record.fields.size() != kColumnCount) {
      out.problems.push_back({record.line, "",
                              std::to_string(record.fields.size()) + " fields, expected " +
                                  std::to_string(kColumnCount)});
      continue;
    }
    RawRow row;
    row.line = record.line;
    for (size_t i = 0; i < kColumnCount; ++i) {
      size_t column = position_to_column[i];
      row.values[column] = std::move(record.fields[i]);
      row.present[column] = true;
    }
    if (auto valid = ValidateRow(row, out.problems)) out.records.push_back(std::move(*valid));
  }
  return out;
}

ParsedInventory ParseInventoryJsonLines(std::string_view text) {
  ParsedInventory out;
  size_t line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;

    // Parse, then map each key to its column; anything unexpected refuses the row.
    boost::system::error_code error;
    boost::json::value value = boost::json::parse(line, error);
    if (error) {
      out.problems.push_back({line_number, "", "not valid JSON: " + error.message()});
      continue;
    }
    if (!value.is_object()) {
      out.problems.push_back({line_number, "", "not a JSON object"});
      continue;
    }
    RawRow row;
    row.line = line_number;
    size_t problems_before = out.problems.size();
    for (const auto& [key, field] : value.as_object()) {
      std::string name(key);
      auto column = FindColumn(name);
      if (!column) {
        out.problems.push_back({line_number, name, "unknown field"});
        continue;
      }
      if (field.is_string()) {
        row.values[*column] = std::string(field.as_string());
        row.present[*column] = true;
      } else if (!(*column == kValidTo && field.is_null())) {
        out.problems.push_back(
            {line_number, name,
             *column == kValidTo ? "must be a string or null" : "must be a string"});
      }
    }
    if (out.problems.size() != problems_before) continue;
    if (auto valid = ValidateRow(row, out.problems)) out.records.push_back(std::move(*valid));
  }
  return out;
}

}  // namespace vigie
