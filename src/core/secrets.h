// Unguessable identifiers and hashes: report references, status tokens, session ids.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vigie {

// `bytes` random bytes from the operating system's generator, as unpadded base64url text.
std::string RandomToken(size_t bytes = 32);

// A public report reference such as "VG-7K3M9QX2DA": ten Crockford base32 characters (50 bits),
// no vowels ambiguity (no I, L, O, U), easy to read out on the phone.
std::string NewReference();

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// A stable 64-bit digest of `data` (BLAKE2b, the first 8 bytes), never 0: an identity for
// deduplication that a sender cannot aim at another sender's events.
int64_t Digest64(std::string_view data);

// Constant-time comparison of two strings of equal length; false when lengths differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// HMAC-SHA-256 of `message` under `key`, as unpadded base64url.
std::string HmacSha256(std::string_view key, std::string_view message);

// argon2id password hashing (libsodium's interactive limits). Returns "" on out-of-memory.
std::string HashPassword(std::string_view password);
bool VerifyPassword(std::string_view encoded_hash, std::string_view password);

}  // namespace vigie
