// Helpers shared by the intake tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.h"
#include "intake/intake.h"

namespace vigie::intake::testing {

// A fixed "now" for every test: 2025-02-01T12:00:00Z, a few weeks after the XARF samples.
inline Instant TestNow() {
  return ParseRfc3339("2025-02-01T12:00:00Z")->instant;
}

inline IntakePolicy TestPolicy() {
  IntakePolicy policy;
  policy.now = TestNow();
  return policy;
}

inline Instant At(std::string_view rfc3339) {
  return ParseRfc3339(rfc3339)->instant;
}

// "field:code" for each error, for readable failure messages and exact comparisons.
inline std::vector<std::string> ErrorKeys(const IntakeResult& result) {
  std::vector<std::string> keys;
  for (const FieldError& error : result.errors) keys.push_back(error.field + ":" + error.code);
  return keys;
}

inline ::testing::AssertionResult HasError(const IntakeResult& result, std::string_view field,
                                           std::string_view code) {
  for (const FieldError& error : result.errors) {
    if (error.field == field && error.code == code) return ::testing::AssertionSuccess();
  }
  std::string found;
  for (const std::string& key : ErrorKeys(result)) found += " " + key;
  return ::testing::AssertionFailure()
         << "no error " << field << ":" << code << "; errors were:" << found;
}

inline ::testing::AssertionResult Accepted(const IntakeResult& result) {
  if (result.ok() && result.errors.empty()) return ::testing::AssertionSuccess();
  std::string found;
  for (const std::string& key : ErrorKeys(result)) found += " " + key;
  return ::testing::AssertionFailure() << "refused:" << found;
}

}  // namespace vigie::intake::testing
