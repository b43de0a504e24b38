// Finding member names that appear twice in one JSON object. boost::json::parse keeps the last
// of them silently, while other parsers keep the first: a body with duplicates means different
// things to different readers, so vigie's own format refuses it.

#include <boost/json/basic_parser_impl.hpp>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "intake/json_reader.h"

namespace vigie::intake::internal {
namespace {

namespace json = boost::json;

// A basic_parser handler that only tracks where it is and the keys seen in each open object.
class DuplicateFinder {
 public:
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);

  std::vector<std::string>& duplicates() { return duplicates_; }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }

  bool on_object_begin(json::error_code&) { return Open(true); }
  bool on_object_end(std::size_t, json::error_code&) { return Close(); }
  bool on_array_begin(json::error_code&) { return Open(false); }
  bool on_array_end(std::size_t, json::error_code&) { return Close(); }

  bool on_key_part(json::string_view part, std::size_t, json::error_code&) {
    frames_.back().key.append(part.data(), part.size());
    return true;
  }
  bool on_key(json::string_view part, std::size_t, json::error_code&) {
    Frame& frame = frames_.back();
    frame.key.append(part.data(), part.size());
    if (!frame.keys.insert(frame.key).second) duplicates_.push_back(ChildPath(frame));
    return true;
  }

  bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, json::error_code&) { return Scalar(); }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code&) { return Scalar(); }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return Scalar(); }
  bool on_double(double, json::string_view, json::error_code&) { return Scalar(); }
  bool on_bool(bool, json::error_code&) { return Scalar(); }
  bool on_null(json::error_code&) { return Scalar(); }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  struct Frame {
    bool object = false;
    std::string path;  // "" for the top level, "reporter", "targets[2]"...
    std::unordered_set<std::string> keys;
    std::string key;   // the current member's name (objects)
    size_t index = 0;  // the current element's position (arrays)
  };

  static std::string ChildPath(const Frame& frame) {
    if (!frame.object) return frame.path + "[" + std::to_string(frame.index) + "]";
    std::string key = PrintableKey(frame.key);
    return frame.path.empty() ? key : frame.path + "." + key;
  }

  bool Open(bool object) {
    Frame frame;
    frame.object = object;
    if (!frames_.empty()) frame.path = ChildPath(frames_.back());
    frames_.push_back(std::move(frame));
    return true;
  }

  bool Close() {
    frames_.pop_back();
    return Scalar();
  }

  // A value ended: the enclosing object awaits its next key, or the array its next element.
  bool Scalar() {
    if (frames_.empty()) return true;
    Frame& frame = frames_.back();
    if (frame.object) {
      frame.key.clear();
    } else {
      ++frame.index;
    }
    return true;
  }

  std::vector<Frame> frames_;
  std::vector<std::string> duplicates_;
};

}  // namespace

std::vector<std::string> FindDuplicateMembers(std::string_view body) {
  constexpr std::string_view kByteOrderMark = "\xef\xbb\xbf";
  if (body.substr(0, kByteOrderMark.size()) == kByteOrderMark) {
    body.remove_prefix(kByteOrderMark.size());
  }
  json::basic_parser<DuplicateFinder> parser{json::parse_options()};
  json::error_code error;
  parser.write_some(false, body.data(), body.size(), error);
  if (error) return {};
  return std::move(parser.handler().duplicates());
}

}  // namespace vigie::intake::internal
