// The demo: a small inventory on documentation address ranges and example domains, spread over
// three customers, and a staff account with a fresh one-time password.
#pragma once

#include <string>

#include "core/result.h"

namespace vigie {

class Store;

inline constexpr const char* kDemoStaffEmail = "demo@vigie.test";

// Loads the demo inventory (idempotent) and gives the demo staff account a new random
// password. Returns the lines to print, "login: EMAIL password: PASSWORD" among them.
Result<std::string> LoadDemo(Store& store);

}  // namespace vigie
