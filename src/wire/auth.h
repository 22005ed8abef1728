// Message authentication for the wire: the cluster keys and HMAC-SHA256 (RFC 2104 with
// SHA-256, test vectors in RFC 4231). Which bytes are signed, and how keys are rotated, is
// specified in docs/wire.md ("Authentication and keys").
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace vigil::wire {

// The cluster keys, as read from auth_key_file and auth_key_next_file. Senders sign with
// `current`; receivers accept `current` or, if non-empty, `next` (key rotation).
// Raw key bytes: the daemon decides how a key file maps to bytes.
struct Keys {
    std::string current;  // REQUIRES: non-empty wherever it is used to sign or verify
    std::string next;     // empty = no second key
};

constexpr std::size_t kHmacSha256Bytes = 32;
using HmacSha256 = std::array<std::uint8_t, kHmacSha256Bytes>;

// HMAC-SHA256 of `bytes` under `key`. Cannot fail short of memory exhaustion, which asserts.
HmacSha256 hmac_sha256(std::string_view key, std::span<const std::uint8_t> bytes);

// Which key a tag was made with, if any.
enum class KeyMatch : std::uint8_t { none, current, next };

// Recomputes the HMAC of `bytes` under keys.current, then keys.next (if non-empty), and
// compares each with `tag` in constant time (CRYPTO_memcmp), so the time taken does not
// reveal how many leading bytes of a forged tag were right.
// REQUIRES: !keys.current.empty().
KeyMatch hmac_sha256_match(const Keys& keys, std::span<const std::uint8_t> bytes,
                           std::span<const std::uint8_t, kHmacSha256Bytes> tag);

}  // namespace vigil::wire
