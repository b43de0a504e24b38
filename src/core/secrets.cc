#include "core/secrets.h"

#include <sodium.h>

#include <stdexcept>
#include <vector>

namespace vigie {
namespace {

struct SodiumInit {
  SodiumInit() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  }
};

void EnsureSodium() {
  static SodiumInit init;
}

std::string Base64Url(const unsigned char* data, size_t size) {
  std::string out(sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

}  // namespace

std::string RandomToken(size_t bytes) {
  EnsureSodium();
  std::vector<unsigned char> buffer(bytes);
  randombytes_buf(buffer.data(), buffer.size());
  return Base64Url(buffer.data(), buffer.size());
}

std::string NewReference() {
  EnsureSodium();
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  // One read of the generator for the ten characters; 32 divides 256, so taking each byte
  // modulo 32 keeps every character equally likely.
  unsigned char random[10];
  randombytes_buf(random, sizeof random);
  std::string reference = "VG-";
  for (unsigned char byte : random) reference += kAlphabet[byte % 32];
  return reference;
}

std::string Sha256Hex(std::string_view data) {
  EnsureSodium();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

int64_t Digest64(std::string_view data) {
  EnsureSodium();
  unsigned char digest[crypto_generichash_BYTES_MIN];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size(), nullptr, 0);
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | digest[i];
  value &= 0x7fffffffffffffffULL;  // positive, as every store's integer column reads it
  return value == 0 ? 1 : static_cast<int64_t>(value);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  EnsureSodium();
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string HmacSha256(std::string_view key, std::string_view message) {
  EnsureSodium();
  unsigned char digest[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, digest);
  return Base64Url(digest, sizeof digest);
}

std::string HashPassword(std::string_view password) {
  EnsureSodium();
  char encoded[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(encoded, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return "";
  }
  return encoded;
}

bool VerifyPassword(std::string_view encoded_hash, std::string_view password) {
  EnsureSodium();
  std::string hash(encoded_hash);
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace vigie
