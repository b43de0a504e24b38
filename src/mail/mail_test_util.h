// Test-only helpers: read composed mail back the way a mail reader would, so that tests check
// what a recipient sees rather than the bytes of one encoding choice.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigie::mail::testing {

inline std::string DecodeBase64(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  int bits = 0;
  int buffer = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0) continue;
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

// Quoted-printable to bytes; soft breaks vanish, hard breaks stay CRLF.
inline std::string DecodeQuotedPrintable(std::string_view text) {
  auto hex = [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : c - 'A' + 10;
  };
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out += text[i];
    } else if (text.substr(i + 1, 2) == "\r\n") {
      i += 2;
    } else {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    }
  }
  return out;
}

// An unfolded header value with its RFC 2047 "B" encoded-words decoded (whitespace between two
// adjacent encoded-words dropped, as RFC 2047 6.2 says).
inline std::string DecodeHeaderValue(std::string_view value) {
  std::string out;
  size_t after_word = std::string::npos;  // out's size just after the last encoded-word
  size_t i = 0;
  while (i < value.size()) {
    if (value.substr(i, 10) == "=?UTF-8?B?") {
      size_t end = value.find("?=", i + 10);
      if (after_word != std::string::npos) out.resize(after_word);
      out += DecodeBase64(value.substr(i + 10, end - i - 10));
      after_word = out.size();
      i = end + 2;
      continue;
    }
    if (value[i] != ' ') after_word = std::string::npos;
    out += value[i++];
  }
  return out;
}

struct Headers {
  std::vector<std::pair<std::string, std::string>> fields;  // unfolded, in order

  // The first field so named (any case), raw; "" when absent.
  std::string Get(std::string_view name) const {
    for (const auto& [field, value] : fields) {
      if (field.size() == name.size() &&
          std::equal(field.begin(), field.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        return value;
      }
    }
    return "";
  }
  size_t Count(std::string_view name) const {
    size_t count = 0;
    for (const auto& field : fields) count += field.first == name ? 1 : 0;
    return count;
  }
};

inline Headers ParseHeaders(std::string_view block) {
  Headers headers;
  size_t pos = 0;
  while (pos < block.size()) {
    size_t end = block.find("\r\n", pos);
    if (end == std::string_view::npos) end = block.size();
    std::string_view line = block.substr(pos, end - pos);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !headers.fields.empty()) {
      headers.fields.back().second += std::string(line);  // unfold: the CRLF goes, WSP stays
    } else {
      size_t colon = line.find(':');
      std::string value(line.substr(colon + 1));
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      headers.fields.emplace_back(std::string(line.substr(0, colon)), value);
    }
    pos = end + 2;
  }
  return headers;
}

struct Part {
  Headers headers;
  std::string body;  // as transferred
};

struct ParsedMail {
  Headers headers;
  std::string body;
  std::vector<Part> parts;  // multipart only
};

inline Part SplitPart(std::string_view entity) {
  size_t blank = entity.find("\r\n\r\n");
  Part part;
  part.headers = ParseHeaders(entity.substr(0, blank));
  part.body = std::string(entity.substr(blank + 4));
  return part;
}

inline ParsedMail ParseMail(std::string_view rfc5322) {
  ParsedMail mail;
  Part top = SplitPart(rfc5322);
  mail.headers = std::move(top.headers);
  mail.body = std::move(top.body);

  std::string type = mail.headers.Get("Content-Type");
  size_t at = type.find("boundary=\"");
  if (at == std::string::npos) return mail;
  std::string boundary = type.substr(at + 10, type.find('"', at + 10) - at - 10);
  std::string delimiter = "\r\n--" + boundary;
  std::string body = "\r\n" + mail.body;
  size_t pos = body.find(delimiter);
  while (pos != std::string::npos) {
    size_t start = pos + delimiter.size();
    if (body.compare(start, 2, "--") == 0) break;
    size_t next = body.find(delimiter, start);
    mail.parts.push_back(SplitPart(std::string_view(body).substr(start + 2, next - start - 2)));
    pos = next;
  }
  return mail;
}

}  // namespace vigie::mail::testing
