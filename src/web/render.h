// Pages: mustache templates (escaping by default) rendered inside a common layout, with the
// page's words taken from the language's catalog.
#pragma once

#include <boost/json/object.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace vigie::web {

class PageRenderer {
 public:
  // Loads every page template under `dir`/pages and the catalogs `dir`/i18n/{en,fr}.json.
  static Result<std::shared_ptr<const PageRenderer>> Load(const std::filesystem::path& dir);

  // Renders pages/<page>.mustache with `view`, then the layout around it. The view gets `t`,
  // the catalog of `language`, and `lang`. Thread-safe.
  std::string Render(std::string_view page, std::string_view language,
                     boost::json::object view) const;

  // One entry of a catalog ("en" when the language has none), or the key itself.
  std::string Text(std::string_view language, std::string_view key) const;

 private:
  std::map<std::string, std::string, std::less<>> pages_;
  std::map<std::string, boost::json::object, std::less<>> catalogs_;
};

}  // namespace vigie::web
