// The MIME walker: gmime parses, this file flattens the tree into leaves and keeps every
// MailLimits bound. Zip attachments are unpacked here too (libzip, from memory), because an
// archive member is just one more leaf to the readers.
#include "reading/mime.h"

#include <gmime/gmime.h>
#include <iconv.h>
#include <zip.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <memory>
#include <mutex>

#include "core/text.h"

namespace vigie::reading {

std::string FindHeader(const std::vector<MimeHeader>& headers, std::string_view name) {
  for (const MimeHeader& header : headers) {
    if (header.name.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(header.name[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same) return header.value;
  }
  return "";
}

namespace {

// Zip members are read in chunks of this size, so a member never costs more than its limit
// plus one chunk, whatever the archive declares.
constexpr size_t kZipChunk = 64 * 1024;

void InitGmimeOnce() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

struct GObjectUnref {
  void operator()(void* object) const { g_object_unref(object); }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && AsciiLower(a) == AsciiLower(b);
}

std::string ContentTypeOf(GMimeObject* object) {
  GMimeContentType* type = g_mime_object_get_content_type(object);
  if (type == nullptr) return "text/plain";
  char* mime_type = g_mime_content_type_get_mime_type(type);
  std::string out = mime_type != nullptr ? AsciiLower(mime_type) : "text/plain";
  g_free(mime_type);
  return out;
}

std::vector<MimeHeader> HeadersOf(GMimeObject* object) {
  std::vector<MimeHeader> out;
  GMimeHeaderList* list = g_mime_object_get_header_list(object);
  if (list == nullptr) return out;
  int count = g_mime_header_list_get_count(list);
  for (int i = 0; i < count; ++i) {
    GMimeHeader* header = g_mime_header_list_get_header_at(list, i);
    const char* name = g_mime_header_get_name(header);
    const char* value = g_mime_header_get_value(header);
    if (name == nullptr) continue;
    out.push_back({ToValidUtf8(name), ToValidUtf8(value != nullptr ? value : "")});
  }
  return out;
}

std::string ParameterOf(GMimeObject* object, const char* disposition_name, const char* type_name) {
  const char* value = g_mime_object_get_content_disposition_parameter(object, disposition_name);
  if (value == nullptr || *value == '\0') {
    value = g_mime_object_get_content_type_parameter(object, type_name);
  }
  return value != nullptr ? ToValidUtf8(value) : "";
}

// Converts `bytes` from `charset` to UTF-8, one U+FFFD per byte the charset cannot decode.
// An unknown charset leaves the bytes as they are, made valid UTF-8.
std::string ToUtf8(std::string_view bytes, const std::string& charset) {
  if (charset.empty() || charset == "utf-8" || charset == "utf8" || charset == "us-ascii") {
    return ToValidUtf8(bytes);
  }
  iconv_t converter = g_mime_iconv_open("UTF-8", charset.c_str());
  if (converter == reinterpret_cast<iconv_t>(-1)) return ToValidUtf8(bytes);

  std::string out;
  char buffer[4096];
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  while (in_left > 0) {
    char* out_at = buffer;
    size_t out_left = sizeof buffer;
    size_t done = iconv(converter, &in, &in_left, &out_at, &out_left);
    out.append(buffer, static_cast<size_t>(out_at - buffer));
    if (done != static_cast<size_t>(-1) || errno == E2BIG) continue;
    // An invalid or truncated sequence: replace one byte and carry on from a clean state.
    out += "\xEF\xBF\xBD";
    ++in;
    --in_left;
    iconv(converter, nullptr, nullptr, nullptr, nullptr);
  }
  g_mime_iconv_close(converter);
  return ToValidUtf8(out);
}

std::string BytesOf(GMimeStreamMem* stream) {
  GByteArray* array = g_mime_stream_mem_get_byte_array(stream);
  if (array == nullptr || array->data == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(array->data), array->len);
}

bool EndsWithIgnoringCase(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         EqualsIgnoringCase(text.substr(text.size() - suffix.size()), suffix);
}

bool IsZip(const MimeEntity& entity) {
  if (entity.body.starts_with(std::string_view("PK\x03\x04", 4))) return true;
  if (entity.content_type == "application/zip" ||
      entity.content_type == "application/x-zip-compressed") {
    return true;
  }
  return entity.content_type == "application/octet-stream" &&
         EndsWithIgnoringCase(entity.filename, ".zip");
}

// Archive members carry no MIME type; the readers look at names, so a guess from the extension
// is only a convenience.
std::string ContentTypeFromName(std::string_view name) {
  if (EndsWithIgnoringCase(name, ".csv")) return "text/csv";
  if (EndsWithIgnoringCase(name, ".txt")) return "text/plain";
  if (EndsWithIgnoringCase(name, ".json")) return "application/json";
  if (EndsWithIgnoringCase(name, ".xml")) return "application/xml";
  if (EndsWithIgnoringCase(name, ".zip")) return "application/zip";
  return "application/octet-stream";
}

// Removes an mbox "From " separator line and turns bare-CR line ends into LF: gmime reads
// lines by LF only, and a bare-CR message would otherwise be one long header.
std::string Normalized(std::string_view raw) {
  if (raw.starts_with("From ")) {
    size_t end = raw.find_first_of("\r\n");
    raw.remove_prefix(end == std::string_view::npos ? raw.size() : end);
    while (!raw.empty() && (raw.front() == '\r' || raw.front() == '\n')) raw.remove_prefix(1);
  }
  size_t first_break = raw.find_first_of("\r\n");
  bool bare_cr = first_break != std::string_view::npos && raw[first_break] == '\r' &&
                 (first_break + 1 == raw.size() || raw[first_break + 1] != '\n');
  std::string out(raw);
  if (!bare_cr) return out;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\r' && (i + 1 == out.size() || out[i + 1] != '\n')) out[i] = '\n';
  }
  return out;
}

// True when the text opens with a header field ("Name: value"): the least a message has.
bool StartsWithHeader(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  for (char c : text.substr(0, colon)) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

// gmime recurses once per nested multipart or message, without a bound of its own. Every level
// needs a Content-Type field at the start of a line, so counting those lines before parsing
// bounds gmime's recursion by max_parts.
size_t CountContentTypeLines(std::string_view text) {
  constexpr std::string_view kField = "content-type:";
  size_t count = 0;
  size_t at = 0;
  while (at < text.size()) {
    if (text.size() - at >= kField.size() &&
        EqualsIgnoringCase(text.substr(at, kField.size()), kField)) {
      ++count;
    }
    size_t next = text.find('\n', at);
    if (next == std::string_view::npos) break;
    at = next + 1;
  }
  return count;
}

class Walker {
 public:
  explicit Walker(const MailLimits& limits) : limits_(limits) {}

  bool failed() const { return error_.has_value(); }
  Error error() const { return *error_; }
  std::vector<MimeEntity>& entities() { return entities_; }

  void Walk(GMimeObject* object, int depth) {
    if (failed() || object == nullptr) return;
    if (!Enter(depth)) return;

    if (GMIME_IS_MULTIPART(object)) {
      GMimeMultipart* multipart = GMIME_MULTIPART(object);
      int count = g_mime_multipart_get_count(multipart);
      for (int i = 0; i < count && !failed(); ++i) {
        Walk(g_mime_multipart_get_part(multipart, i), depth + 1);
      }
      return;
    }

    MimeEntity entity;
    entity.content_type = ContentTypeOf(object);
    entity.filename = ParameterOf(object, "filename", "name");
    const char* disposition = g_mime_object_get_disposition(object);
    entity.attachment = disposition != nullptr && EqualsIgnoringCase(disposition, "attachment");
    entity.depth = depth;
    entity.headers = HeadersOf(object);

    if (GMIME_IS_MESSAGE_PART(object)) {
      GMimeMessage* embedded = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
      if (embedded != nullptr) {
        GPtr<GMimeStream> stream(g_mime_stream_mem_new());
        g_mime_object_write_to_stream(GMIME_OBJECT(embedded), nullptr, stream.get());
        entity.body = BytesOf(GMIME_STREAM_MEM(stream.get()));
      }
      if (!Keep(std::move(entity))) return;
      if (embedded != nullptr) Walk(g_mime_message_get_mime_part(embedded), depth + 1);
      return;
    }
    if (!GMIME_IS_PART(object)) return;

    GMimePart* part = GMIME_PART(object);
    const char* charset = g_mime_object_get_content_type_parameter(object, "charset");
    entity.charset = charset != nullptr ? AsciiLower(charset) : "";
    GMimeDataWrapper* content = g_mime_part_get_content(part);
    if (content != nullptr) {
      GPtr<GMimeStream> stream(g_mime_stream_mem_new());
      g_mime_data_wrapper_write_to_stream(content, stream.get());
      entity.body = BytesOf(GMIME_STREAM_MEM(stream.get()));
    }
    if (entity.body.size() > limits_.max_part_bytes) {
      Fail("part_too_large", "a MIME part of " + entity.content_type + " decodes to " +
                                 std::to_string(entity.body.size()) + " bytes, the limit is " +
                                 std::to_string(limits_.max_part_bytes));
      return;
    }
    bool is_headers = entity.content_type == "text/rfc822-headers";
    if (entity.content_type.starts_with("text/") && !is_headers) {
      entity.body = ToUtf8(entity.body, entity.charset);
    }

    if (!IsZip(entity)) {
      Keep(std::move(entity));
      return;
    }
    // The members are read from the entity's own body, so it is kept only afterwards.
    std::vector<MimeEntity> members;
    std::string archive_name = entity.filename;
    Unpack(entity.body, archive_name, depth, members);
    if (!Keep(std::move(entity))) return;
    for (MimeEntity& member : members) entities_.push_back(std::move(member));
  }

 private:
  // Counts one more part at `depth`; false (and the error set) when that passes a limit.
  bool Enter(int depth) {
    if (depth > limits_.max_depth) {
      Fail("too_deep", "the message nests deeper than " + std::to_string(limits_.max_depth) +
                           " levels of multiparts, messages and archives");
      return false;
    }
    if (++parts_ > limits_.max_parts) {
      Fail("too_many_parts", "the message has more than " + std::to_string(limits_.max_parts) +
                                 " MIME parts and archive members");
      return false;
    }
    return true;
  }

  bool Keep(MimeEntity entity) {
    if (entity.body.size() > limits_.max_part_bytes) {
      Fail("part_too_large", "an embedded message of " + std::to_string(entity.body.size()) +
                                 " bytes, the limit is " + std::to_string(limits_.max_part_bytes));
      return false;
    }
    entities_.push_back(std::move(entity));
    return true;
  }

  void Fail(std::string code, std::string message) {
    if (!error_) error_ = Error{std::move(code), std::move(message)};
  }

  // Appends the members of the zip archive in `bytes` (entities at `depth` + 1, archives within
  // it unpacked in turn) to `out`. A damaged archive appends nothing; an encrypted member is
  // skipped.
  void Unpack(const std::string& bytes, const std::string& archive_name, int depth,
              std::vector<MimeEntity>& out) {
    zip_error_t zip_error;
    zip_error_init(&zip_error);
    zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &zip_error);
    if (source == nullptr) {
      zip_error_fini(&zip_error);
      return;
    }
    zip_t* archive = zip_open_from_source(source, ZIP_RDONLY, &zip_error);
    zip_error_fini(&zip_error);
    if (archive == nullptr) {
      zip_source_free(source);
      return;
    }

    std::vector<MimeEntity> members;
    bool damaged = false;
    zip_int64_t count = zip_get_num_entries(archive, 0);
    for (zip_int64_t i = 0; i < count && !damaged && !failed(); ++i) {
      zip_stat_t stat;
      zip_stat_init(&stat);
      if (zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &stat) != 0 ||
          (stat.valid & ZIP_STAT_NAME) == 0) {
        damaged = true;
        break;
      }
      std::string name = ToValidUtf8(stat.name);
      if (name.empty() || name.back() == '/') continue;
      if ((stat.valid & ZIP_STAT_ENCRYPTION_METHOD) != 0 && stat.encryption_method != ZIP_EM_NONE) {
        continue;
      }
      if (!Enter(depth + 1)) break;

      // The declared compressed size is only believed up to the archive's real size.
      uint64_t packed = bytes.size();
      if ((stat.valid & ZIP_STAT_COMP_SIZE) != 0)
        packed = std::min<uint64_t>(packed, stat.comp_size);
      packed = std::max<uint64_t>(packed, 1);

      MimeEntity member;
      member.content_type = ContentTypeFromName(name);
      member.filename = name;
      member.attachment = true;
      member.depth = depth + 1;
      member.archive = archive_name;
      if (!ReadMember(archive, static_cast<zip_uint64_t>(i), packed, name, member.body)) {
        damaged = !failed();
        break;
      }
      if (IsZip(member)) {
        std::vector<MimeEntity> nested;
        Unpack(member.body, name, depth + 1, nested);
        members.push_back(std::move(member));
        for (MimeEntity& entity : nested) members.push_back(std::move(entity));
      } else {
        members.push_back(std::move(member));
      }
    }
    zip_discard(archive);
    if (!damaged && !failed()) {
      for (MimeEntity& member : members) out.push_back(std::move(member));
    }
  }

  // Reads one member into `body` in bounded chunks. False when it cannot be read (damaged or
  // encrypted: error_ unset) or passes a limit (error_ set).
  bool ReadMember(zip_t* archive, zip_uint64_t index, uint64_t packed, const std::string& name,
                  std::string& body) {
    zip_file_t* file = zip_fopen_index(archive, index, 0);
    if (file == nullptr) return false;
    std::unique_ptr<char[]> chunk(new char[kZipChunk]);
    bool ok = true;
    while (ok) {
      zip_int64_t read = zip_fread(file, chunk.get(), kZipChunk);
      if (read <= 0) {
        ok = read == 0;
        break;
      }
      body.append(chunk.get(), static_cast<size_t>(read));
      archive_bytes_ += static_cast<size_t>(read);
      if (body.size() > limits_.max_part_bytes) {
        Fail("part_too_large", "archive member \"" + name + "\" unpacks to more than " +
                                   std::to_string(limits_.max_part_bytes) + " bytes");
        ok = false;
      } else if (archive_bytes_ > limits_.max_archive_bytes) {
        Fail("archive_too_large", "the archives unpack to more than " +
                                      std::to_string(limits_.max_archive_bytes) + " bytes");
        ok = false;
      } else if (body.size() >
                 packed * static_cast<uint64_t>(std::max(limits_.max_archive_ratio, 0))) {
        Fail("archive_ratio", "archive member \"" + name + "\" unpacks to more than " +
                                  std::to_string(limits_.max_archive_ratio) +
                                  " times its packed size");
        ok = false;
      }
    }
    zip_fclose(file);
    return ok;
  }

  const MailLimits& limits_;
  std::optional<Error> error_;
  std::vector<MimeEntity> entities_;
  int parts_ = 0;
  size_t archive_bytes_ = 0;
};

}  // namespace

Result<MimeMessage> WalkMime(std::string_view raw, const MailLimits& limits) {
  if (raw.size() > limits.max_message_bytes) {
    return Error{"message_too_large", "the message has " + std::to_string(raw.size()) +
                                          " bytes, the limit is " +
                                          std::to_string(limits.max_message_bytes)};
  }
  std::string text = Normalized(raw);
  if (!StartsWithHeader(text)) {
    return Error{"not_a_message", "the input does not begin with a header field"};
  }
  if (CountContentTypeLines(text) > static_cast<size_t>(std::max(limits.max_parts, 0))) {
    return Error{"too_many_parts", "the message declares more than " +
                                       std::to_string(limits.max_parts) + " MIME parts"};
  }

  InitGmimeOnce();
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(text.data(), text.size()));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  GPtr<GMimeMessage> parsed(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!parsed) return Error{"not_a_message", "no header block could be read"};

  MimeMessage message;
  message.headers = HeadersOf(GMIME_OBJECT(parsed.get()));
  GMimeObject* body = g_mime_message_get_mime_part(parsed.get());
  // gmime files the top-level Content-* fields under the body; readers expect them here too.
  if (body != nullptr) {
    for (MimeHeader& header : HeadersOf(body)) {
      if (FindHeader(message.headers, header.name).empty()) {
        message.headers.push_back(std::move(header));
      }
    }
  }
  message.content_type = body != nullptr ? ContentTypeOf(body) : "text/plain";
  if (body != nullptr && message.content_type == "multipart/report") {
    const char* report_type = g_mime_object_get_content_type_parameter(body, "report-type");
    if (report_type != nullptr) message.report_type = AsciiLower(report_type);
  }

  Walker walker(limits);
  walker.Walk(body, 0);
  if (walker.failed()) return walker.error();
  message.entities = std::move(walker.entities());
  return message;
}

}  // namespace vigie::reading
