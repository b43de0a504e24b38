#include "web/render.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <sstream>

namespace vigie::web {
namespace {

namespace mustache = kainjow::mustache;

mustache::data ToData(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::object: {
      mustache::data out{mustache::data::type::object};
      for (const auto& [key, item] : value.get_object()) out.set(std::string(key), ToData(item));
      return out;
    }
    case boost::json::kind::array: {
      mustache::data out{mustache::data::type::list};
      for (const auto& item : value.get_array()) out.push_back(ToData(item));
      return out;
    }
    case boost::json::kind::string:
      // An empty string is false, so that {{#field}}...{{/field}} shows only what is set.
      if (value.get_string().empty()) return mustache::data(mustache::data::type::bool_false);
      return mustache::data(std::string(value.get_string()));
    case boost::json::kind::bool_:
      return value.get_bool() ? mustache::data(mustache::data::type::bool_true)
                              : mustache::data(mustache::data::type::bool_false);
    case boost::json::kind::int64:
      return mustache::data(std::to_string(value.get_int64()));
    case boost::json::kind::uint64:
      return mustache::data(std::to_string(value.get_uint64()));
    case boost::json::kind::double_:
      return mustache::data(std::to_string(value.get_double()));
    case boost::json::kind::null:
      return mustache::data(mustache::data::type::bool_false);
  }
  return mustache::data(mustache::data::type::bool_false);
}

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"templates", "cannot read " + path.string()};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<std::shared_ptr<const PageRenderer>> PageRenderer::Load(const std::filesystem::path& dir) {
  auto renderer = std::make_shared<PageRenderer>();
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "pages", error)) {
    if (entry.path().extension() != ".mustache") continue;
    auto text = ReadFile(entry.path());
    if (!text.ok()) return text.error();
    mustache::mustache check(*text);
    if (!check.is_valid()) {
      return Error{"templates", entry.path().string() + ": " + check.error_message()};
    }
    renderer->pages_[entry.path().stem().string()] = std::move(*text);
  }
  if (error) return Error{"templates", "cannot list " + (dir / "pages").string()};
  if (!renderer->pages_.count("layout")) return Error{"templates", "pages/layout.mustache missing"};

  for (const char* language : {"en", "fr"}) {
    auto text = ReadFile(dir / "i18n" / (std::string(language) + ".json"));
    if (!text.ok()) return text.error();
    boost::system::error_code parse_error;
    boost::json::value catalog = boost::json::parse(*text, parse_error);
    if (parse_error || !catalog.is_object()) {
      return Error{"templates", std::string("i18n/") + language + ".json is not a JSON object"};
    }
    renderer->catalogs_[language] = catalog.get_object();
  }
  return std::shared_ptr<const PageRenderer>(std::move(renderer));
}

std::string PageRenderer::Render(std::string_view page, std::string_view language,
                                 boost::json::object view) const {
  std::string lang = catalogs_.count(language) ? std::string(language) : "en";
  view["t"] = catalogs_.find(lang)->second;
  view["lang"] = lang;
  view["lang_" + lang] = true;

  auto found = pages_.find(page);
  std::string body;
  if (found != pages_.end()) {
    mustache::mustache tmpl(found->second);
    body = tmpl.render(ToData(view));
  }
  view["content"] = body;
  mustache::mustache layout(pages_.find("layout")->second);
  return layout.render(ToData(view));
}

std::string PageRenderer::Text(std::string_view language, std::string_view key) const {
  auto catalog = catalogs_.find(language);
  if (catalog == catalogs_.end()) catalog = catalogs_.find("en");
  if (auto it = catalog->second.find(key); it != catalog->second.end() && it->value().is_string()) {
    return std::string(it->value().get_string());
  }
  if (language != "en") return Text("en", key);
  return std::string(key);
}

}  // namespace vigie::web
